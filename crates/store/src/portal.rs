//! 网上信访 The public portal and other channels without a staff member (Open311): filing with a
//! phone confirmed by a one-time code, tracking a case with its number and query code (查询码),
//! rating and asking for review — all as the public actor, each limited against guessing and
//! flooding (the limits are counted in the database, so they hold across nodes and restarts).
//!
//! Functions here that take a case id without an actor (`portal_case`, `portal_act`) trust that
//! the caller verified the petitioner first — with [`Store::portal_track`] or a ticket from
//! [`Store::portal_ticket`]. The web layer's portal handlers are the only such callers.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use xinfang_core::case::RegisterInput;
use xinfang_core::deadline;
use xinfang_core::lifecycle::{self, CaseFacts, Command, Context, State};
use xinfang_core::petitioner::{mask_phone, Phone};
use xinfang_core::portal::{self, PortalFiling, PortalPolicy, PublicEntry, OTP_LEN, QUERY_CODE_LEN};
use xinfang_core::unit::UnitKind;
use xinfang_core::user::{Actor, Role};
use xinfang_core::DomainError;

use crate::cases::{new_code, CaseView};
use crate::db::{args, Tx};
use crate::{Store, StoreError};

/// Where a petition without a staff member came from; each has its own system account so the
/// timeline says which.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicSource {
    /// The public portal `/portal`.
    Portal,
    /// An Open311 GeoReport v2 client.
    Open311,
}

impl PublicSource {
    /// The system account's username; `@` cannot start a staff username's first character by
    /// convention and these accounts cannot sign in (inactive, no password).
    fn username(self) -> &'static str {
        match self {
            PublicSource::Portal => "@portal",
            PublicSource::Open311 => "@open311",
        }
    }
    fn display_name(self) -> &'static str {
        match self {
            PublicSource::Portal => "网上信访平台",
            PublicSource::Open311 => "Open311 接口",
        }
    }
    pub fn from_code(s: &str) -> Option<PublicSource> {
        match s {
            "portal" => Some(PublicSource::Portal),
            "open311" => Some(PublicSource::Open311),
            _ => None,
        }
    }
}

/// A deadline as the petitioner sees it.
#[derive(Debug, Clone, Serialize)]
pub struct PublicDeadline {
    pub name: &'static str,
    pub label_zh: &'static str,
    pub due: NaiveDate,
    pub rule_zh: String,
    pub done: bool,
}

/// A case as its petitioner sees it after proving the query code: their own petition, the steps
/// and decisions addressed to them, the deadlines that bind the bureau and the units, and what
/// they may do now. No internal notes, no other person's data.
#[derive(Debug, Clone, Serialize)]
pub struct PortalCase {
    #[serde(skip)]
    pub case_id: i64,
    pub number: String,
    pub state: String,
    pub state_label: String,
    pub category_name: String,
    pub received_at: DateTime<Utc>,
    pub statement: String,
    pub demands: Option<String>,
    /// The unit handling it now, once routed.
    pub handling_unit: Option<String>,
    pub timeline: Vec<PublicEntry>,
    pub deadlines: Vec<PublicDeadline>,
    pub can_rate_bureau: bool,
    pub can_rate_unit: bool,
    /// Last day to ask for 复查, when asking is possible now.
    pub review_until: Option<NaiveDate>,
    /// Last day to ask for 复核, when asking is possible now.
    pub rereview_until: Option<NaiveDate>,
}

/// Sent: where the one-time code went and how long it lasts.
#[derive(Debug, Clone, Serialize)]
pub struct CodeSent {
    pub phone_masked: String,
    pub valid_minutes: i64,
}

/// A filed petition: the case and, the one time it exists in clear, its query code (none when the
/// same form was submitted twice and the case already existed).
#[derive(Debug, Clone)]
pub struct Filed {
    pub number: String,
    pub case_id: i64,
    pub query_code: Option<String>,
}

const TICKET_MINUTES: i64 = 30;

/// Equal strings compared in time independent of where they differ (keyed hashes of codes).
/// Written out: a three-line comparison needs no crate.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn attempts(tx: &mut Tx, scope: &str, key: &str, since: DateTime<Utc>) -> Result<Vec<DateTime<Utc>>, StoreError> {
    let rows: Vec<(DateTime<Utc>,)> = tx
        .fetch_all("SELECT at FROM portal_attempts WHERE scope = $1 AND key = $2 AND at > $3", args![scope, key, since])
        .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

async fn record_attempt(tx: &mut Tx, scope: &str, key: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
    // Rows older than a day count for nothing any more: keep the table small as it goes.
    tx.execute(
        "DELETE FROM portal_attempts WHERE scope = $1 AND key = $2 AND at < $3",
        args![scope, key, now - Duration::days(1)],
    )
    .await?;
    tx.execute("INSERT INTO portal_attempts (scope, key, at) VALUES ($1, $2, $3)", args![scope, key, now]).await?;
    Ok(())
}

/// Refuse when `key` had `max` attempts within the window.
async fn check_limit(
    tx: &mut Tx,
    scope: &str,
    key: &str,
    max: usize,
    window: Duration,
    now: DateTime<Utc>,
    (what_zh, what_en): (&str, &str),
) -> Result<usize, StoreError> {
    let seen = attempts(tx, scope, key, now - window).await?;
    if let Some(until) = portal::locked_until(&seen, max, window, now) {
        return Err(portal::locked(what_zh, what_en, until, now).into());
    }
    Ok(seen.len())
}

impl Store {
    /// The portal's limits.
    pub fn portal_policy(&self) -> PortalPolicy {
        PortalPolicy::default()
    }

    /// The system account petitions without a staff member are recorded under (made on first
    /// use, in the bureau).
    pub(crate) async fn public_actor_in(&self, tx: &mut Tx, source: PublicSource) -> Result<Actor, StoreError> {
        let bureau = crate::units::bureau_code(tx).await?;
        let (unit_id,): (i64,) = tx.fetch_one("SELECT id FROM units WHERE code = $1", args![&bureau]).await?;
        tx.execute(
            "INSERT INTO users (username, display_name, role, unit_id, password_hash, active, created_at) \
             VALUES ($1, $2, $3, $4, '!', $5, $6) ON CONFLICT (username) DO NOTHING",
            args![source.username(), source.display_name(), Role::Public.code(), unit_id, false, crate::now()],
        )
        .await?;
        let (user_id,): (i64,) =
            tx.fetch_one("SELECT id FROM users WHERE username = $1", args![source.username()]).await?;
        Ok(Actor {
            user_id,
            username: source.username().to_string(),
            role: Role::Public,
            unit_id,
            unit_code: bureau,
            unit_kind: UnitKind::Bureau,
        })
    }

    /// Register a petition that arrived without a staff member (Open311): always the web
    /// channel, received now. Returns the case and its new query code.
    pub async fn register_public(
        &self,
        source: PublicSource,
        input: &RegisterInput,
    ) -> Result<(CaseView, String), StoreError> {
        let mut tx = self.pool.begin_write().await?;
        let registered = self.register_public_in(&mut tx, source, input).await?;
        tx.commit().await?;
        Ok(registered)
    }

    /// [`Store::register_public`] inside the caller's transaction (Open311 records the request
    /// beside the case in the same one).
    pub(crate) async fn register_public_in(
        &self,
        tx: &mut Tx,
        source: PublicSource,
        input: &RegisterInput,
    ) -> Result<(CaseView, String), StoreError> {
        let mut input = input.clone();
        input.channel = xinfang_core::case::Channel::Web.code().to_string();
        input.received_at = None;
        input.leader_reception = false;
        input.leader_name = None;
        let actor = self.public_actor_in(tx, source).await?;
        let mut view = self.register_in(tx, &actor, &input, None, crate::now()).await?;
        let code = view.query_code.take().unwrap_or_default();
        Ok((view, code))
    }

    /// 获取验证码 Send a one-time code to confirm the phone a petition is filed with. Limited
    /// per phone (one a minute, a few an hour) and per address.
    pub async fn portal_send_code(&self, phone: &str, address: &str) -> Result<CodeSent, StoreError> {
        let phone = Phone::parse(phone).map_err(|e| DomainError::Invalid(vec![e]))?;
        if !phone.as_str().starts_with('1') {
            return Err(DomainError::invalid(
                "phone",
                "phone_not_mobile",
                "验证码通过短信发送，请填写手机号码",
                "The code is sent by text message: give a mobile number",
            )
            .into());
        }
        let p = self.portal_policy();
        let now = crate::now();
        let phone_key = self.vault.blind_index("phone", phone.as_str());
        let address_key = self.vault.blind_index("address", address);
        let mut tx = self.pool.begin_write().await?;
        let recent =
            attempts(&mut tx, "otp_phone", &phone_key, now - Duration::seconds(p.otp_interval_seconds)).await?;
        if let Some(last) = recent.iter().max() {
            let wait = (*last + Duration::seconds(p.otp_interval_seconds) - now).num_seconds().max(1);
            return Err(DomainError::TooManyAttempts {
                message_zh: format!("验证码已发送，请 {wait} 秒后再重新获取"),
                message_en: format!("A code was just sent; ask again in {wait} seconds"),
                retry_after_minutes: 1,
            }
            .into());
        }
        check_limit(
            &mut tx,
            "otp_phone",
            &phone_key,
            p.otp_per_phone,
            p.window(),
            now,
            ("该手机号获取验证码", "codes to this phone"),
        )
        .await?;
        check_limit(
            &mut tx,
            "otp_address",
            &address_key,
            p.otp_per_address,
            p.window(),
            now,
            ("本网络获取验证码", "codes from this address"),
        )
        .await?;
        let code = new_code(OTP_LEN);
        tx.execute(
            "INSERT INTO portal_otps (phone_index, code_index, created_at, expires_at) VALUES ($1, $2, $3, $4)",
            args![
                &phone_key,
                self.vault.blind_index("otp", &format!("{}:{code}", phone.as_str())),
                now,
                now + Duration::minutes(p.otp_valid_minutes)
            ],
        )
        .await?;
        record_attempt(&mut tx, "otp_phone", &phone_key, now).await?;
        record_attempt(&mut tx, "otp_address", &address_key, now).await?;
        let body = format!(
            "您正在网上提交信访事项，验证码 {code}，{} 分钟内有效。如非本人操作，请忽略本短信。",
            p.otp_valid_minutes
        );
        self.queue_sms_tx(&mut tx, phone.as_str(), "phone_code", &body, None, None).await?;
        self.commit_and_wake(tx).await?;
        Ok(CodeSent { phone_masked: mask_phone(phone.as_str()), valid_minutes: p.otp_valid_minutes })
    }

    /// 网上提交 File a petition from the portal: the one-time code must match the phone; the
    /// registration is the staff's own (same validation, same routing, same clock). The code is
    /// used up only when the petition is registered, so a petitioner who corrects a mistake in the
    /// form does not need a new one. Submitting the same form twice (`form_key`) gives the same
    /// case once.
    pub async fn portal_file(
        &self,
        filing: &PortalFiling,
        code: &str,
        address: &str,
        form_key: &str,
    ) -> Result<Filed, StoreError> {
        let p = self.portal_policy();
        let now = crate::now();
        let address_key = self.vault.blind_index("address", address);
        let mut tx = self.pool.begin_write().await?;
        let actor = self.public_actor_in(&mut tx, PublicSource::Portal).await?;
        let replay: Option<(i64, String)> = tx
            .fetch_optional(
                "SELECT c.id, c.number FROM idempotency_keys k JOIN cases c ON c.id = k.case_id \
                 WHERE k.user_id = $1 AND k.key = $2",
                args![actor.user_id, form_key],
            )
            .await?;
        if let Some((case_id, number)) = replay {
            return Ok(Filed { number, case_id, query_code: None });
        }
        check_limit(
            &mut tx,
            "file_address",
            &address_key,
            p.filings_per_address,
            p.window(),
            now,
            ("本网络提交信访事项", "petitions from this address"),
        )
        .await?;
        let phone = Phone::parse(&filing.phone).map_err(|e| DomainError::Invalid(vec![e]))?;
        let code = portal::normalize_code("code", code, OTP_LEN)?;
        let phone_key = self.vault.blind_index("phone", phone.as_str());
        let otp: Option<(i64, String, i64)> = tx
            .fetch_optional(
                "SELECT id, code_index, attempts FROM portal_otps \
                 WHERE phone_index = $1 AND used_at IS NULL AND expires_at > $2 ORDER BY id DESC LIMIT 1",
                args![&phone_key, now],
            )
            .await?;
        let (otp_id, otp_index, tries) = match otp {
            Some(o) if o.2 < p.otp_attempts => o,
            _ => {
                return Err(DomainError::invalid(
                    "code",
                    "code_expired",
                    "验证码已失效或尚未获取：请点击「获取验证码」重新获取",
                    "No valid code for this phone: ask for a new one",
                )
                .into())
            }
        };
        let expected = self.vault.blind_index("otp", &format!("{}:{code}", phone.as_str()));
        if !same(&otp_index, &expected) {
            tx.execute("UPDATE portal_otps SET attempts = attempts + 1 WHERE id = $1", args![otp_id]).await?;
            tx.commit().await?;
            let left = p.otp_attempts - tries - 1;
            return Err(DomainError::invalid(
                "code",
                "code_wrong",
                if left > 0 {
                    format!("验证码不正确，还可再试 {left} 次")
                } else {
                    "验证码不正确，已失效：请重新获取".to_string()
                },
                format!("Wrong code; {left} tries left"),
            )
            .into());
        }
        let mut input = filing.to_register_input();
        input.petitioners[0].phone = Some(phone.as_str().to_string());
        let mut view = self.register_in(&mut tx, &actor, &input, Some(form_key), now).await?;
        tx.execute("UPDATE portal_otps SET used_at = $1 WHERE id = $2", args![now, otp_id]).await?;
        record_attempt(&mut tx, "file_address", &address_key, now).await?;
        // The registration's text message (number and query code) goes at once.
        self.commit_and_wake(tx).await?;
        Ok(Filed { number: view.number.clone(), case_id: view.id, query_code: view.query_code.take() })
    }

    /// 查询 Check a case number and query code. Wrong codes are counted per case and per address;
    /// past the limit the case (or the address) is locked for a while, and the answer says so.
    /// The message for a wrong code is the same whether the number exists or not.
    pub async fn portal_track(&self, number: &str, code: &str, address: &str) -> Result<i64, StoreError> {
        let p = self.portal_policy();
        let now = crate::now();
        let number = number.trim().to_uppercase();
        let code = portal::normalize_code("query_code", code, QUERY_CODE_LEN)?;
        let address_key = self.vault.blind_index("address", address);
        let mut tx = self.pool.begin_write().await?;
        let failures = check_limit(
            &mut tx,
            "track_case",
            &number,
            p.track_per_case,
            p.window(),
            now,
            ("该案件编号的查询", "this case number"),
        )
        .await?;
        check_limit(
            &mut tx,
            "track_address",
            &address_key,
            p.track_per_address,
            p.window(),
            now,
            ("本网络的查询", "queries from this address"),
        )
        .await?;
        let row: Option<(i64, Option<String>)> =
            tx.fetch_optional("SELECT id, query_code_index FROM cases WHERE number = $1", args![&number]).await?;
        let expected = self.vault.blind_index("query_code", &code);
        match row {
            Some((id, Some(index))) if same(&index, &expected) => {
                let actor = self.public_actor_in(&mut tx, PublicSource::Portal).await?;
                crate::audit::append(
                    &mut tx,
                    Some(&actor),
                    "portal.track",
                    "case",
                    &id.to_string(),
                    serde_json::json!({"number": number}),
                )
                .await?;
                tx.commit().await?;
                Ok(id)
            }
            _ => {
                record_attempt(&mut tx, "track_case", &number, now).await?;
                record_attempt(&mut tx, "track_address", &address_key, now).await?;
                tx.commit().await?;
                let left = p.track_per_case.saturating_sub(failures + 1);
                Err(DomainError::invalid(
                    "query_code",
                    "no_such_case",
                    format!("案件编号或查询码不正确，请核对登记时短信告知的号码（还可尝试 {left} 次）"),
                    format!("Wrong case number or query code ({left} tries left)"),
                )
                .into())
            }
        }
    }

    /// A short-lived proof that this browser gave the right query code for the case, so the
    /// petitioner can rate or ask for review without typing it again: `case.expiry.mac`.
    pub fn portal_ticket(&self, case_id: i64) -> String {
        let exp = (crate::now() + Duration::minutes(TICKET_MINUTES)).timestamp();
        let mac = self.vault.blind_index("portal_ticket", &format!("{case_id}.{exp}"));
        format!("{case_id}.{exp}.{mac}")
    }

    /// The case a ticket proves, if it is genuine and not expired.
    pub fn portal_ticket_case(&self, ticket: &str) -> Option<i64> {
        let mut parts = ticket.splitn(3, '.');
        let (id, exp, mac) = (parts.next()?, parts.next()?, parts.next()?);
        let case_id: i64 = id.parse().ok()?;
        let exp_at: i64 = exp.parse().ok()?;
        let expected = self.vault.blind_index("portal_ticket", &format!("{case_id}.{exp_at}"));
        (same(mac, &expected) && crate::now().timestamp() <= exp_at).then_some(case_id)
    }

    /// The petitioner's view of a case (call only after [`Store::portal_track`] or with a ticket).
    pub async fn portal_case(&self, case_id: i64) -> Result<PortalCase, StoreError> {
        let mut tx = self.pool.begin_read().await?;
        let (number, state, category_name, statement, demands, received_at): (
            String,
            String,
            String,
            String,
            Option<String>,
            DateTime<Utc>,
        ) = tx
            .fetch_optional(
                "SELECT c.number, c.state, COALESCE(k.name, c.category), c.statement, c.demands, c.received_at \
                 FROM cases c LEFT JOIN categories k ON k.code = c.category WHERE c.id = $1",
                args![case_id],
            )
            .await?
            .ok_or(StoreError::NotFound { what: "信访事项" })?;
        let events = crate::cases::events_of(&mut tx, case_id).await?;
        let facts = CaseFacts::from_events(&events)
            .ok_or_else(|| StoreError::Corrupt(format!("case {case_id} has no registration event")))?;
        let names: Vec<(String, String)> = tx.fetch_all("SELECT code, name FROM units", args![]).await?;
        let unit_name =
            |code: &str| names.iter().find(|(c, _)| c == code).map(|(_, n)| n.clone()).unwrap_or_else(|| code.into());
        let cal = self.current_calendar(&mut tx).await?;
        let deadlines = deadline::compute(&facts, &cal, &self.policy);
        let public_deadlines = deadlines
            .iter()
            .filter(|d| {
                matches!(
                    d.name,
                    "decide_by"
                        | "handle_by"
                        | "review_request_by"
                        | "review_by"
                        | "rereview_request_by"
                        | "rereview_by"
                )
            })
            .map(|d| PublicDeadline {
                name: d.name,
                label_zh: d.label_zh,
                due: d.due,
                rule_zh: d.rule_zh(),
                done: d.completed_on.is_some(),
            })
            .collect();
        let actor = self.public_actor_in_read(&mut tx).await?;
        let registry = crate::units::registry(&mut tx).await?;
        let bureau = crate::units::bureau_code(&mut tx).await?;
        let ctx = Context {
            now: crate::now(),
            calendar: &cal,
            policy: &self.policy,
            bureau: &bureau,
            units: &registry.units,
        };
        let may = |action: &'static str| lifecycle::check(action, &facts, &actor, &ctx).is_ok();
        let window = |name: &str| deadlines.iter().find(|d| d.name == name).map(|d| d.due);
        let can_rate = may("rate");
        Ok(PortalCase {
            case_id,
            number,
            state_label: State::from_code(&state).map(|s| s.label_zh().to_string()).unwrap_or_else(|| state.clone()),
            state,
            category_name,
            received_at,
            statement,
            demands,
            handling_unit: facts.handler_unit().filter(|u| *u != bureau).map(&unit_name),
            timeline: portal::public_timeline(&events, &unit_name),
            deadlines: public_deadlines,
            can_rate_bureau: can_rate && facts.bureau_rating.is_none(),
            can_rate_unit: can_rate
                && facts.unit_rating.is_none()
                && facts.replied_on.is_some()
                && facts.state != State::Rejected,
            review_until: may("request_review").then(|| window("review_request_by")).flatten(),
            rereview_until: may("request_rereview").then(|| window("rereview_request_by")).flatten(),
        })
    }

    /// The public actor for checks in a read transaction (the account exists once anything was
    /// filed or tracked; before that it is described, not stored).
    async fn public_actor_in_read(&self, tx: &mut Tx) -> Result<Actor, StoreError> {
        let bureau = crate::units::bureau_code(tx).await?;
        let (unit_id,): (i64,) = tx.fetch_one("SELECT id FROM units WHERE code = $1", args![&bureau]).await?;
        let user: Option<(i64,)> = tx
            .fetch_optional("SELECT id FROM users WHERE username = $1", args![PublicSource::Portal.username()])
            .await?;
        Ok(Actor {
            user_id: user.map(|u| u.0).unwrap_or(0),
            username: PublicSource::Portal.username().to_string(),
            role: Role::Public,
            unit_id,
            unit_code: bureau,
            unit_kind: UnitKind::Bureau,
        })
    }

    /// 评价 / 申请复查 / 申请复核 by the petitioner (call only after [`Store::portal_track`] or
    /// with a ticket). Other commands are not the petitioner's.
    pub async fn portal_act(&self, case_id: i64, cmd: &Command) -> Result<(), StoreError> {
        match cmd {
            Command::Rate { .. } | Command::RequestReview { .. } | Command::RequestRereview { .. } => {}
            _ => {
                return Err(DomainError::forbidden(
                    "网上只能评价、申请复查或复核",
                    "Online, a petitioner may only rate or ask for review",
                )
                .into())
            }
        }
        let actor = {
            let mut tx = self.pool.begin_write().await?;
            let a = self.public_actor_in(&mut tx, PublicSource::Portal).await?;
            tx.commit().await?;
            a
        };
        self.act_petitioner(&actor, case_id, cmd).await.map(|_| ())
    }
}

/// Files a petitioner may add to a case through the portal.
pub const PORTAL_MAX_FILES: i64 = 5;

impl Store {
    /// 上传材料 Add a file the petitioner sends with the petition or afterwards (call only after
    /// [`Store::portal_track`], with a ticket, or right after filing). At most
    /// [`PORTAL_MAX_FILES`] per case from the portal; the type is decided by the bytes.
    pub async fn portal_attach(
        &self,
        case_id: i64,
        filename: &str,
        bytes: Vec<u8>,
    ) -> Result<crate::attachments::AttachmentInfo, StoreError> {
        let actor = {
            let mut tx = self.pool.begin_write().await?;
            let a = self.public_actor_in(&mut tx, PublicSource::Portal).await?;
            tx.commit().await?;
            a
        };
        let mut tx = self.pool.begin_read().await?;
        let (n,): (i64,) = tx
            .fetch_one(
                "SELECT COUNT(*) FROM attachments WHERE case_id = $1 AND uploaded_by = $2",
                args![case_id, actor.user_id],
            )
            .await?;
        drop(tx);
        if n >= PORTAL_MAX_FILES {
            return Err(DomainError::invalid(
                "file",
                "too_many_files",
                format!("网上最多可上传 {PORTAL_MAX_FILES} 个材料；更多材料请到接待中心现场提交"),
                format!("At most {PORTAL_MAX_FILES} files can be sent online"),
            )
            .into());
        }
        self.store_attachment(&actor, case_id, filename, bytes).await
    }
}

/// A random token for a portal form (its CSRF cookie and its idempotency key): 128 bits from the
/// operating system's random source, hex.
pub fn form_token() -> String {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

impl Store {
    /// 重置查询码 A petitioner who lost the query code asks at the hall: staff who work the case
    /// make a new one (the old one stops working), tell it once, and it is sent to the
    /// petitioner's phone. Audited.
    pub async fn reset_query_code(&self, actor: &Actor, case_id: i64) -> Result<String, StoreError> {
        let case = self.get_case(actor, case_id).await?;
        if !xinfang_core::access::can_reveal_personal_data(actor) {
            return Err(DomainError::forbidden(
                "您的角色不能重置查询码",
                "Your role may not give a petitioner a new query code",
            )
            .into());
        }
        let code = new_code(QUERY_CODE_LEN);
        let mut tx = self.pool.begin_write().await?;
        tx.execute(
            "UPDATE cases SET query_code_index = $1 WHERE id = $2",
            args![self.vault.blind_index("query_code", &code), case_id],
        )
        .await?;
        crate::audit::append(
            &mut tx,
            Some(actor),
            "case.query_code_reset",
            "case",
            &case_id.to_string(),
            serde_json::json!({"number": case.number}),
        )
        .await?;
        let phone: Option<(Option<String>,)> = tx
            .fetch_optional(
                "SELECT phone_cipher FROM petitioners WHERE case_id = $1 AND phone_cipher IS NOT NULL \
                 ORDER BY representative DESC, ord LIMIT 1",
                args![case_id],
            )
            .await?;
        if let Some((Some(cipher),)) = phone {
            let phone = self.vault.decrypt(&cipher)?;
            if phone.starts_with('1') {
                let body = format!("您的信访事项 {} 的查询码已重置为 {code}，原查询码作废。", case.number);
                self.queue_sms_tx(&mut tx, &phone, "query_code", &body, Some(case_id), None).await?;
            }
        }
        self.commit_and_wake(tx).await?;
        Ok(code)
    }
}
