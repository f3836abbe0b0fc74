//! The notification outbox: petitioners' messages queued in the case's transaction on each event
//! that warrants one, recipients and bodies encrypted, each message queued and delivered once
//! (across workers too), failed deliveries retried with growing waits and given up at the end,
//! and the reminder before the rating and review window closes sent once.

use std::sync::{Arc, Mutex};

use chrono::Duration;
use xinfang_store::jobs::Retry;
use xinfang_store::outbox::{Delivered, OutboxFilter, Outgoing};

use crate::prelude::*;

/// A channel that records what it was given and delivers (or fails with `fail`).
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Outgoing>>>);

impl Recorder {
    fn channel(&self, fail: Option<&'static str>) -> impl Fn(&Outgoing) -> Result<Delivered, String> + Send + Sync {
        let seen = self.0.clone();
        move |m: &Outgoing| {
            seen.lock().unwrap().push(m.clone());
            match fail {
                Some(why) => Err(why.to_string()),
                None => Ok(Delivered { provider: "test".into(), provider_message_id: Some(format!("p-{}", m.id)) }),
            }
        }
    }
    fn taken(&self) -> Vec<Outgoing> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

/// Deliver everything due at `at` and return it.
async fn deliver_all(h: &H, at: DateTime<Utc>) -> anyhow::Result<Vec<Outgoing>> {
    let rec = Recorder::default();
    h.store.run_jobs("node-a", at, &rec.channel(None)).await?;
    Ok(rec.taken())
}

both!(each_event_queues_its_message_in_the_case_transaction, |h| async move {
    let [clerk, county] = h.actors(["clerk", "s140121"]).await;
    let case = register_at(&h, &clerk, reg().build(), "2026-06-01T09:00:00+08:00").await?;
    assert_eq!(h.count("outbox").await, 1);
    assert_eq!(h.count("jobs WHERE kind = 'deliver'").await, 1, "its delivery job with it");
    // At rest: no phone number, no text in clear; the masked phone for display.
    let raw = h.raw.rows("SELECT recipient_cipher, recipient_masked, body_cipher, status, kind FROM outbox").await?;
    let row = raw[0].iter().map(|c| c.clone().unwrap_or_default()).collect::<Vec<_>>();
    assert!(!row[0].contains(LI_MING_PHONE) && !row[2].contains(&case.number), "{row:?}");
    assert_eq!(row[1], "139****5678");
    assert_eq!((row[3].as_str(), row[4].as_str()), ("pending", "registered"));

    let sent = deliver_all(&h, t("2026-06-01T09:01:00+08:00")).await?;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].recipient, LI_MING_PHONE);
    assert!(sent[0].body.contains(&case.number), "{}", sent[0].body);
    assert!(!sent[0].body.contains(LI_MING_ID));

    // Routing tells the petitioner nothing; a refused command queues nothing.
    h.store.act_at(&clerk, case.id, &assign("140121", &[]), t("2026-06-01T10:00:00+08:00")).await?;
    assert!(h.store.act_at(&clerk, case.id, &reply(), t("2026-06-01T10:30:00+08:00")).await.is_err());
    assert_eq!(h.count("outbox").await, 1);

    h.store.act_at(&county, case.id, &accept(), t("2026-06-01T11:00:00+08:00")).await?;
    let extend = Command::Extend { days: 30, approver: "县长".into(), reason: "需现场核查".into() };
    h.store.act_at(&county, case.id, &extend, t("2026-07-01T09:00:00+08:00")).await?;
    h.store.act_at(&county, case.id, &reply(), t("2026-07-10T09:00:00+08:00")).await?;
    let sent = deliver_all(&h, t("2026-07-10T09:01:00+08:00")).await?;
    let by_kind = |k: &str| sent.iter().find(|m| m.kind == k).map(|m| m.body.clone()).unwrap_or_default();
    assert_eq!(sent.len(), 3, "{sent:?}");
    assert!(by_kind("accepted").contains("清徐县"), "the unit by name: {}", by_kind("accepted"));
    // Accepted 06-01: 60 days + 30 → 08-30 (a Sunday) → 08-31.
    assert!(by_kind("extended").contains("2026-08-31") && by_kind("extended").contains("需现场核查"));
    // Replied 07-10: the review window ends 30 days later, 08-09 (a Sunday) → 08-10.
    assert!(by_kind("replied").contains("2026-08-10"), "{}", by_kind("replied"));

    // Not accepted: the legal route.
    let other = register_at(&h, &clerk, reg().build(), "2026-06-02T09:00:00+08:00").await?;
    h.store.act_at(&clerk, other.id, &reject(), t("2026-06-02T10:00:00+08:00")).await?;
    let sent = deliver_all(&h, t("2026-06-02T10:01:00+08:00")).await?;
    assert_eq!(sent.iter().map(|m| m.kind.as_str()).collect::<Vec<_>>(), ["registered", "rejected"]);
    assert!(sent[1].body.contains("向人民法院起诉"));
    assert_eq!(h.count("outbox WHERE status = 'sent'").await, 6);
    assert_eq!(h.count("outbox WHERE provider = 'test' AND provider_message_id IS NOT NULL").await, 6);
    Ok(())
});

both!(group_cases_message_each_representative_once, |h| async move {
    let clerk = h.actor("clerk").await;
    let people = vec![
        person("甲").phone("13900000001"),
        person("乙").phone("13900000002").representative(),
        person("丙").phone("13900000003").representative(),
        person("丁").phone("13900000003").representative(),
    ];
    register_at(&h, &clerk, reg().petitioners(people).headcount(4).build(), "2026-06-01T09:00:00+08:00").await?;
    let mut to: Vec<String> =
        deliver_all(&h, t("2026-06-01T09:01:00+08:00")).await?.into_iter().map(|m| m.recipient).collect();
    to.sort();
    assert_eq!(to, ["13900000002", "13900000003"], "representatives, each phone once");
    // None marked: the first petitioner with a phone.
    let people = vec![person("甲"), person("乙").phone("13900000005"), person("丙").phone("13900000006")];
    register_at(&h, &clerk, reg().petitioners(people).headcount(3).build(), "2026-06-01T10:00:00+08:00").await?;
    let sent = deliver_all(&h, t("2026-06-01T10:01:00+08:00")).await?;
    assert_eq!(sent.iter().map(|m| m.recipient.as_str()).collect::<Vec<_>>(), ["13900000005"]);
    // No phone at all: nothing to send.
    register_at(&h, &clerk, reg().petitioners(vec![person("戊")]).build(), "2026-06-01T11:00:00+08:00").await?;
    assert_eq!(h.count("outbox").await, 3);
    Ok(())
});

both!(a_message_is_queued_once_and_sent_once_across_workers, |h| async move {
    let a = h.store.queue_sms("13800001111", "phone_code", "验证码 123456", None, Some("code:1")).await?;
    let b = h.store.queue_sms("13800001111", "phone_code", "验证码 123456", None, Some("code:1")).await?;
    assert_eq!(a, b, "the same key is the same message");
    assert_eq!(h.count("outbox").await, 1);
    assert_eq!(h.count("jobs WHERE kind = 'deliver'").await, 1);
    let cipher = h.raw.text("SELECT recipient_cipher || body_cipher FROM outbox").await?.unwrap_or_default();
    assert!(!cipher.contains("13800001111") && !cipher.contains("123456"));
    // Two nodes at once: one sends it.
    let rec = Recorder::default();
    let (ch_a, ch_b) = (rec.channel(None), rec.channel(None));
    let now = xinfang_store::now();
    let (x, y) = tokio::join!(h.store.run_jobs("node-a", now, &ch_a), h.store.run_jobs("node-b", now, &ch_b));
    assert_eq!(x? + y?, 1);
    assert_eq!(rec.taken().len(), 1);
    assert_eq!(h.store.run_jobs("node-a", now + Duration::hours(1), &ch_a).await?, 0, "nothing left to send");
    Ok(())
});

both!(failed_deliveries_back_off_then_fail, |h| async move {
    let retry = Retry { first: Duration::minutes(1), max: Duration::minutes(4), attempts: 4 };
    assert_eq!((1..=5).map(|a| retry.delay(a).num_minutes()).collect::<Vec<_>>(), [1, 2, 4, 4, 4], "doubling, capped");
    let store = h.store.clone().with_retry(retry);
    let id = store.queue_sms("13800002222", "phone_code", "验证码 654321", None, None).await?;
    let rec = Recorder::default();
    let down = rec.channel(Some("gateway answered 500"));
    let t0 = xinfang_store::now();
    let state = || async {
        h.raw
            .rows(&format!("SELECT status, CAST(attempts AS TEXT), last_error FROM outbox WHERE id = {id}"))
            .await
            .map(|r| r[0].iter().map(|c| c.clone().unwrap_or_default()).collect::<Vec<_>>())
    };
    // Attempts at t0, +1, +1+2, +1+2+4 minutes; nothing in between.
    let mut at = t0;
    for (attempt, wait) in [(1, 1), (2, 2), (3, 4)] {
        assert_eq!(store.run_jobs("node-a", at, &down).await?, 0);
        assert_eq!(state().await?, ["pending", &attempt.to_string(), "gateway answered 500"]);
        let next = h.raw.text(&format!("SELECT CAST(run_at AS TEXT) FROM jobs WHERE payload = '{id}'")).await?;
        assert!(next.is_some());
        store.run_jobs("node-a", at + Duration::minutes(wait) - Duration::seconds(1), &down).await?;
        assert_eq!(rec.taken().len(), 1, "attempt {attempt} only, not early");
        // (A second later: the wait counts from the end of the attempt.)
        at += Duration::minutes(wait) + Duration::seconds(1);
    }
    assert_eq!(store.run_jobs("node-a", at, &down).await?, 0);
    assert_eq!(state().await?, ["failed", "4", "gateway answered 500"]);
    assert_eq!(h.count("outbox WHERE next_attempt_at IS NULL").await, 1);
    // Given up: never tried again, even if the gateway is back.
    let up = rec.channel(None);
    assert_eq!(store.run_jobs("node-a", at + Duration::days(1), &up).await?, 0);
    assert_eq!(rec.taken().len(), 1);
    // Staff see it with its error, recipient masked.
    let admin = h.actor("admin").await;
    let page = h.store.outbox(&admin, &OutboxFilter { status: Some("failed".into()), ..Default::default() }).await?;
    assert_eq!(page.total, 1);
    assert_eq!(page.items[0].recipient_masked, "138****2222");
    assert_eq!(page.items[0].last_error.as_deref(), Some("gateway answered 500"));
    let unit = h.actor("s140121").await;
    assert_eq!(err_code(h.store.outbox(&unit, &OutboxFilter::default()).await), "forbidden");
    Ok(())
});

both!(the_rating_window_reminder_is_sent_once, |h| async move {
    let [clerk, county] = h.actors(["clerk", "s140121"]).await;
    let case = register_at(&h, &clerk, reg().build(), "2026-06-01T09:00:00+08:00").await?;
    h.store.act_at(&clerk, case.id, &assign("140121", &[]), t("2026-06-01T10:00:00+08:00")).await?;
    h.store.act_at(&county, case.id, &accept(), t("2026-06-01T11:00:00+08:00")).await?;
    h.store.act_at(&county, case.id, &reply(), t("2026-06-01T15:00:00+08:00")).await?;
    deliver_all(&h, t("2026-06-01T15:01:00+08:00")).await?;
    // The window: 30 days from 06-01, 07-01 (a Wednesday); reminded 3 days before, once.
    assert_eq!(h.store.remind_closing_windows(d(2026, 6, 27)).await?, 0);
    assert_eq!(h.store.remind_closing_windows(d(2026, 6, 28)).await?, 1);
    assert_eq!(h.store.remind_closing_windows(d(2026, 6, 29)).await?, 0);
    assert_eq!(h.store.remind_closing_windows(d(2026, 7, 2)).await?, 0, "closed: nothing");
    let sent = deliver_all(&h, xinfang_store::now()).await?;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].kind, "window_closing");
    assert!(sent[0].body.contains("2026-07-01") && sent[0].body.contains("申请复查"), "{}", sent[0].body);
    // The hourly scan does it too (and has nothing new to add).
    h.store.schedule_deadline_scan(t("2026-06-29T09:00:00+08:00")).await?;
    deliver_all(&h, xinfang_store::now()).await?;
    assert_eq!(h.count("outbox WHERE kind = 'window_closing'").await, 1);
    Ok(())
});
