//! 网上信访: the query code made at registration and shown once, tracking limited against
//! guessing, the petitioner's view without internal work, their own commands only, signed tickets.

use xinfang_core::lifecycle::Command;
use xinfang_store::portal::PublicSource;

use crate::prelude::code as code_of;
use crate::prelude::*;

const ADDR: &str = "203.0.113.7";

both!(every_registration_gets_a_query_code_shown_once, |h| async move {
    let clerk = h.actor("clerk").await;
    let (case, _) = h.store.register_case(&clerk, &reg().build(), None).await?;
    let code = case.query_code.clone().ok_or_else(|| anyhow!("no query code in the answer"))?;
    ensure!(code.len() == 8 && code.chars().all(|c| c.is_ascii_digit()), "{code}");
    // Only its keyed hash is stored; reading the case again never shows it.
    assert_eq!(h.count(&format!("cases WHERE query_code_index = '{code}'")).await, 0);
    assert_eq!(h.count("cases WHERE query_code_index IS NOT NULL").await, 1);
    assert_eq!(h.store.get_case(&clerk, case.id).await?.query_code, None);
    // The code opens the case; spaces and full-width digits as typed are fine.
    let typed: String = code.chars().map(|c| char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap()).collect();
    assert_eq!(h.store.portal_track(&case.number, &typed, ADDR).await?, case.id);
    assert_eq!(h.count("audit_log WHERE action = 'portal.track'").await, 1);
    Ok(())
});

both!(guessing_query_codes_is_locked_per_case_and_per_address, |h| async move {
    let clerk = h.actor("clerk").await;
    let (a, _) = h.store.register_case(&clerk, &reg().build(), None).await?;
    let code = a.query_code.clone().unwrap();
    let wrong = if code == "00000000" { "11111111" } else { "00000000" };
    let limit = h.store.portal_policy().track_per_case;
    for i in 0..limit {
        let e = h.store.portal_track(&a.number, wrong, ADDR).await.unwrap_err();
        assert_eq!(code_of(&e), "invalid:no_such_case", "attempt {i}");
    }
    // Locked now — even the right code is not checked — with the time to wait in the message.
    let e = h.store.portal_track(&a.number, &code, ADDR).await.unwrap_err();
    assert_eq!(code_of(&e), "too_many_attempts");
    ensure!(
        matches!(&e, StoreError::Domain(DomainError::TooManyAttempts { message_zh, .. }) if message_zh.contains("分钟后再试"))
    );
    // An unknown number answers exactly like a wrong code (no probing for numbers).
    let e = h.store.portal_track("2026-999999", wrong, "198.51.100.1").await.unwrap_err();
    assert_eq!(code_of(&e), "invalid:no_such_case");
    // One address trying many numbers is stopped too.
    let per_address = h.store.portal_policy().track_per_address;
    let mut locked = false;
    for i in 0..per_address + 1 {
        match h.store.portal_track(&format!("2026-{:06}", 500 + i), wrong, "198.51.100.2").await {
            Err(e) if code_of(&e) == "too_many_attempts" => {
                locked = true;
                assert_eq!(i, per_address, "locked after exactly {per_address} failures");
                break;
            }
            Err(e) => assert_eq!(code_of(&e), "invalid:no_such_case"),
            Ok(_) => return Err(anyhow!("a guess succeeded")),
        }
    }
    ensure!(locked, "address never locked");
    // Keyed hashes only: no address in clear is stored.
    assert_eq!(h.count("portal_attempts WHERE key LIKE '%198.51%' OR key LIKE '%203.0%'").await, 0);
    Ok(())
});

both!(the_petitioner_sees_decisions_not_internal_work, |h| async move {
    let [clerk, county, leader] = h.actors(["clerk", "s140121", "leader"]).await;
    let (case, _) = h.store.register_case(&clerk, &reg().county("140121").build(), None).await?;
    h.store.act(&clerk, case.id, &assign("140121", &[])).await?;
    h.store.act(&leader, case.id, &Command::Instruct { text: "内部批示：请县里尽快处理".into() }).await?;
    h.store.act(&county, case.id, &accept()).await?;
    let before = h.store.portal_case(case.id).await?;
    assert_eq!(before.state, "accepted");
    ensure!(before.can_rate_bureau && !before.can_rate_unit, "only the bureau stage can be rated before a reply");
    assert_eq!(before.review_until, None);
    h.store.act(&county, case.id, &reply()).await?;
    let view = h.store.portal_case(case.id).await?;
    let kinds: Vec<&str> = view.timeline.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["registered", "assigned", "accepted", "replied"]);
    let all = serde_json::to_string(&view)?;
    ensure!(!all.contains("内部批示"), "an instruction reached the petitioner: {all}");
    ensure!(all.contains("经查属实"), "the opinion is addressed to the petitioner");
    assert_eq!(view.handling_unit.as_deref(), Some("清徐县"));
    ensure!(view.can_rate_unit, "a reply can be rated");
    let until = view.review_until.ok_or_else(|| anyhow!("review window not offered"))?;
    ensure!(view.deadlines.iter().any(|d| d.name == "review_request_by" && d.due == until));
    // The petitioner rates the unit, dissatisfied with a reason, and asks for review.
    let rate = |stage, rating, reason: Option<&str>| Command::Rate { stage, rating, reason: reason.map(Into::into) };
    assert_eq!(
        code_of(&h.store.portal_act(case.id, &rate(RatingStage::Unit, Rating::Dissatisfied, None)).await.unwrap_err()),
        "invalid:required"
    );
    h.store.portal_act(case.id, &rate(RatingStage::Unit, Rating::Dissatisfied, Some("补偿标准过低"))).await?;
    let e = h.store.portal_act(case.id, &rate(RatingStage::Unit, Rating::Satisfied, None)).await.unwrap_err();
    assert_eq!(code_of(&e), "window_closed", "a stage is rated once");
    h.store.portal_act(case.id, &Command::RequestReview { reason: "请求提高补偿标准".into() }).await?;
    let after = h.store.portal_case(case.id).await?;
    assert_eq!(after.state, "review_requested");
    // The timeline says who acted: the portal's own account, which cannot sign in.
    let actor = h.raw.text(&format!("SELECT s.username FROM case_events e JOIN users s ON s.id = e.actor_user_id WHERE e.case_id = {} ORDER BY e.seq DESC LIMIT 1", case.id)).await?;
    assert_eq!(actor.as_deref(), Some("@portal"));
    assert_eq!(code_of(&h.store.login("@portal", "").await.unwrap_err()), "unauthenticated");
    // Staff commands are not the petitioner's.
    let e = h.store.portal_act(case.id, &Command::Close { reason: None }).await.unwrap_err();
    assert_eq!(code_of(&e), "forbidden");
    Ok(())
});

both!(public_registrations_are_web_cases_of_the_system_account, |h| async move {
    let clerk = h.actor("clerk").await;
    let mut input = reg().channel("visit").build();
    input.leader_reception = true;
    let (view, code) = h.store.register_public(PublicSource::Open311, &input).await?;
    assert_eq!(view.channel, "web");
    ensure!(!view.leader_reception);
    assert_eq!(h.store.portal_track(&view.number, &code, ADDR).await?, view.id);
    // The bureau sees it like any case; the public account is no staff member and lists nothing.
    assert_eq!(h.store.get_case(&clerk, view.id).await?.id, view.id);
    let users = h.store.list_users().await?;
    ensure!(users.iter().all(|u| !u.username.starts_with('@')), "system accounts are not staff");
    Ok(())
});

both!(tickets_are_signed_and_expire, |h| async move {
    let clerk = h.actor("clerk").await;
    let (case, _) = h.store.register_case(&clerk, &reg().build(), None).await?;
    let ticket = h.store.portal_ticket(case.id);
    assert_eq!(h.store.portal_ticket_case(&ticket), Some(case.id));
    // Another case id, a later expiry or a foreign key's signature: refused.
    let parts: Vec<&str> = ticket.split('.').collect();
    assert_eq!(h.store.portal_ticket_case(&format!("{}.{}.{}", case.id + 1, parts[1], parts[2])), None);
    assert_eq!(
        h.store.portal_ticket_case(&format!("{}.{}.{}", parts[0], parts[1].parse::<i64>()? + 60, parts[2])),
        None
    );
    let other = h.other_store([9u8; 32]).await?;
    assert_eq!(other.portal_ticket_case(&ticket), None);
    assert_eq!(h.store.portal_ticket_case("garbage"), None);
    Ok(())
});

both!(one_time_codes_are_limited_per_phone, |h| async move {
    h.actor("clerk").await;
    let sent = h.store.portal_send_code("139 1234 5678", ADDR).await?;
    assert_eq!(sent.phone_masked, "139****5678");
    // A second code within a minute is refused with the wait.
    let e = h.store.portal_send_code("13912345678", ADDR).await.unwrap_err();
    assert_eq!(code_of(&e), "too_many_attempts");
    // Landlines get no text messages; bad numbers say why.
    assert_eq!(code_of(&h.store.portal_send_code("0351-1234567", ADDR).await.unwrap_err()), "invalid:phone_not_mobile");
    assert_eq!(code_of(&h.store.portal_send_code("1391234", ADDR).await.unwrap_err()), "invalid:phone_bad_mobile");
    // A wrong code is counted; the petition is not filed.
    let filing = xinfang_core::portal::PortalFiling {
        petition_type: "grievance".into(),
        category: "labor".into(),
        statement: "工地老板拖欠三个月工资".into(),
        name: "王五".into(),
        phone: "13912345678".into(),
        ..Default::default()
    };
    let e = h.store.portal_file(&filing, "000000", ADDR, "form-1").await.unwrap_err();
    ensure!(code_of(&e) == "invalid:code_wrong" || code_of(&e) == "invalid:code_expired", "{e:?}");
    assert_eq!(h.count("cases").await, 0);
    // Without any code sent to that phone.
    let other = xinfang_core::portal::PortalFiling { phone: "13800001111".into(), ..filing.clone() };
    assert_eq!(
        code_of(&h.store.portal_file(&other, "123456", ADDR, "form-2").await.unwrap_err()),
        "invalid:code_expired"
    );
    Ok(())
});

both!(staff_give_a_new_query_code_and_the_old_one_stops_working, |h| async move {
    let [clerk, county, analyst] = h.actors(["clerk", "s140121", "analyst"]).await;
    let (case, _) = h
        .store
        .register_case(&clerk, &reg().petitioners(vec![person("甲").phone("13903510001")]).build(), None)
        .await?;
    let old = case.query_code.clone().unwrap();
    // Only staff who work cases and can see this one.
    assert_eq!(code_of(&h.store.reset_query_code(&analyst, case.id).await.unwrap_err()), "forbidden");
    assert_eq!(code_of(&h.store.reset_query_code(&county, case.id).await.unwrap_err()), "not_found");
    let new = h.store.reset_query_code(&clerk, case.id).await?;
    ensure!(new != old);
    assert_eq!(code_of(&h.store.portal_track(&case.number, &old, ADDR).await.unwrap_err()), "invalid:no_such_case");
    assert_eq!(h.store.portal_track(&case.number, &new, ADDR).await?, case.id);
    assert_eq!(h.count("audit_log WHERE action = 'case.query_code_reset'").await, 1);
    Ok(())
});
