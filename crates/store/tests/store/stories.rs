//! The two stories of the reception-center article, replayed through the store at fixed times
//! (as the demo loader does), with deadlines and money worked out by hand.

use xinfang_store::cases::DeadlineView;

use crate::prelude::*;

fn detail<'a>(v: &'a CaseView, name: &str) -> &'a DeadlineView {
    v.deadline_details.iter().find(|d| d.name == name).unwrap_or_else(|| panic!("{name} in {:?}", v.deadlines))
}

fn kinds(v: &CaseView) -> Vec<&str> {
    v.events.iter().map(|e| e.kind.as_str()).collect()
}

both!(ten_farmers_on_demolition_compensation, |h| async move {
    let [clerk, leader, county] = h.actors(["clerk", "leader", "s140121"]).await;
    let names = ["李德顺", "李德旺", "王守田", "王守业", "张春生", "张秋生", "刘满仓", "刘满囤", "赵二虎", "赵三虎"];
    let petitioners = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let p = person(n)
                .id(&id_number("140121", &format!("19{}0{}1{}", 60 + i, 1 + i % 9, i % 3), 100 + i as u32))
                .phone(&format!("139{:08}", 35_120_000 + i))
                .region("140121");
            if i < 5 {
                p.representative()
            } else {
                p
            }
        })
        .collect();
    let input = reg()
        .received("2026-10-12T08:40:00+08:00")
        .statement("清徐县某村十位村民反映：房屋被征收拆迁后，补偿款和过渡费至今没有足额发放。")
        .petitioners(petitioners)
        .headcount(10)
        .people_affected(36)
        .accused_person("某镇人民政府")
        .leader("赵建国")
        .build();
    let (v, _) =
        h.store.register_case_at(&clerk, &input, Some("story-demolition"), t("2026-10-12T08:50:00+08:00")).await?;
    let id = v.id;
    let instruct = Command::Instruct { text: "责成清徐县拿出具体方案，60 日内给群众答复。".into() };
    h.store.act_at(&leader, id, &instruct, t("2026-10-12T10:30:00+08:00")).await?;
    h.store.act_at(&clerk, id, &assign("140121", &["ghzy"]), t("2026-10-12T11:00:00+08:00")).await?;
    let v = h.store.act_at(&county, id, &accept(), t("2026-10-12T15:00:00+08:00")).await?;

    assert_eq!((v.state.as_str(), v.lead_unit.as_deref()), ("accepted", Some("140121")));
    assert_eq!(v.assisting_units, ["ghzy"]);
    assert_eq!(kinds(&v), ["registered", "instructed", "assigned", "accepted"]);
    assert_eq!((v.headcount, v.people_affected, v.group), (10, Some(36), true));
    assert_eq!((v.leader_reception, v.leader_name.as_deref()), (true, Some("赵建国")));
    assert_eq!(v.petitioners.len(), 10);
    assert_eq!(v.petitioners.iter().filter(|p| p.representative).count(), 5);
    assert_eq!(v.events[1].actor, "leader");
    // Received and routed on Monday 10-12 (10-10 was the 国庆 swapped working Saturday):
    // triage and decision 15 days → Tuesday 10-27, both done that day; handling 60 days from
    // acceptance → Friday 12-11; the result report 90 days → Sunday 2027-01-10 → Monday 01-11.
    let dl: Vec<(&str, NaiveDate)> = v.deadlines.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(
        dl,
        [
            ("decide_by", d(2026, 10, 27)),
            ("handle_by", d(2026, 12, 11)),
            ("report_by", d(2027, 1, 11)),
            ("triage_by", d(2026, 10, 27)),
        ]
    );
    assert_eq!(detail(&v, "triage_by").completed_on, Some(d(2026, 10, 12)));
    assert_eq!(detail(&v, "decide_by").completed_on, Some(d(2026, 10, 12)));
    assert_eq!(detail(&v, "handle_by").completed_on, None);
    let report = detail(&v, "report_by");
    assert_eq!(report.provisional, h.store.calendar().is_provisional(2027), "2027 has no notice loaded");
    let next = v.next_due.as_ref().ok_or_else(|| anyhow!("next due"))?;
    assert_eq!((next.name.as_str(), next.due), ("handle_by", d(2026, 12, 11)));
    assert_eq!(next.rule, "办理 60 日，自 2026-10-12 起算");
    let row =
        h.raw.rows(&format!("SELECT next_due_name, CAST(next_due_on AS TEXT) FROM cases WHERE id = {id}")).await?;
    assert_eq!(row[0], [Some("handle_by".into()), Some("2026-12-11".into())]);
    assert_eq!((v.money.claimed, v.money.outstanding), (0, 0));
    // The county and the assisting department see it; the other counties do not.
    assert!(h.store.get_case(&h.actor("sghzy").await, id).await.is_ok());
    assert_eq!(err_code(h.store.get_case(&h.actor("s140105").await, id).await), "not_found");
    Ok(())
});

both!(fifteen_migrant_workers_owed_wages, |h| async move {
    let [clerk, leader, rsj] = h.actors(["clerk", "leader", "srsj"]).await;
    let yuan = |y: i64| y * 100;
    let input = reg()
        .received("2026-07-06T09:15:00+08:00")
        .category("labor")
        .county("140105")
        .statement("15 人工程队承揽电力工程，工程款及工人工资共计 340 万元，开发公司只支付 160 万元，剩余 180 万元（其中工人工资 110 万元）未付。")
        .petitioners(vec![
            person("蔡工头").id(&id_number("340102", "19780315", 215)).phone("13603510001").representative(),
            person("钱小工").id(&id_number("340102", "19900802", 331)).phone("13603510002").representative(),
        ])
        .headcount(15)
        .people_affected(15)
        .accused_person("某房地产开发公司")
        .money(yuan(3_400_000), yuan(1_600_000))
        .build();
    let (v, _) = h.store.register_case_at(&clerk, &input, Some("story-wages"), t("2026-07-06T09:20:00+08:00")).await?;
    let id = v.id;
    // 3.4 million claimed, 1.6 paid: 1.8 million outstanding.
    assert_eq!((v.money.claimed, v.money.paid, v.money.outstanding), (340_000_000, 160_000_000, 180_000_000));
    let steps: Vec<(&Actor, Command, &str)> = vec![
        (&leader, Command::Instruct { text: "请人社局牵头联合调查。".into() }, "2026-07-06T10:00:00+08:00"),
        (&clerk, assign("rsj", &["zjj", "140105"]), "2026-07-06T10:20:00+08:00"),
        (&rsj, accept(), "2026-07-07T09:00:00+08:00"),
        (
            &rsj,
            Command::RecordMoney { claimed: None, paid: None, recovered: Some(yuan(1_100_000)) },
            "2026-08-20T16:00:00+08:00",
        ),
        (
            &rsj,
            Command::Reply {
                finding: Finding::True,
                outcome: Outcome::Support,
                opinion: "经查属实，110 万元工人工资已全部发放到位。".into(),
                basis: Some("《保障农民工工资支付条例》".into()),
                mediation_agreement: None,
            },
            "2026-08-21T10:00:00+08:00",
        ),
        (
            &clerk,
            Command::Rate { stage: RatingStage::Unit, rating: Rating::Satisfied, reason: None },
            "2026-08-24T09:30:00+08:00",
        ),
        (
            &clerk,
            Command::Rate { stage: RatingStage::Bureau, rating: Rating::Satisfied, reason: None },
            "2026-08-24T09:31:00+08:00",
        ),
        (&leader, Command::Close { reason: Some("工资已全部追回，信访人满意".into()) }, "2026-08-25T11:00:00+08:00"),
    ];
    let mut states = Vec::new();
    let mut outstanding = Vec::new();
    for (actor, cmd, at) in steps {
        let v = h.store.act_at(actor, id, &cmd, t(at)).await.with_context(|| format!("{} at {at}", cmd.action()))?;
        states.push(v.state.clone());
        outstanding.push(v.money.outstanding);
    }
    assert_eq!(states, ["registered", "routed", "accepted", "accepted", "replied", "replied", "replied", "closed"]);
    // 1.1 million recovered: 3.4 − 1.6 − 1.1 = 0.7 million still outstanding.
    assert_eq!(
        outstanding,
        [180_000_000, 180_000_000, 180_000_000, 70_000_000, 70_000_000, 70_000_000, 70_000_000, 70_000_000]
    );

    let v = h.store.get_case(&clerk, id).await?;
    assert_eq!((v.state.as_str(), v.state_label.as_str()), ("closed", "已终结"));
    assert_eq!(
        (v.money.claimed, v.money.paid, v.money.recovered, v.money.outstanding),
        (340_000_000, 160_000_000, 110_000_000, 70_000_000)
    );
    assert_eq!(
        (v.lead_unit.as_deref(), v.assisting_units.clone()),
        (Some("rsj"), vec!["140105".to_string(), "zjj".to_string()])
    );
    assert_eq!(
        kinds(&v),
        ["registered", "instructed", "assigned", "accepted", "money_recorded", "replied", "rated", "rated", "closed"]
    );
    // Received and routed Monday 07-06, accepted 07-07, replied 08-21:
    //   triage / decision 15 days → Tuesday 07-21;
    //   result report 90 days → 10-04, inside 国庆 (10-01..10-07) → Thursday 10-08;
    //   handling 60 days from 07-07 → Saturday 09-05 → Monday 09-07;
    //   review may be requested 30 days from the reply → 09-20, a Sunday but a 调休 working day.
    let dl: Vec<(&str, NaiveDate)> = v.deadlines.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(
        dl,
        [
            ("decide_by", d(2026, 7, 21)),
            ("handle_by", d(2026, 9, 7)),
            ("report_by", d(2026, 10, 8)),
            ("review_request_by", d(2026, 9, 20)),
            ("triage_by", d(2026, 7, 21)),
        ]
    );
    let done: Vec<(&str, Option<NaiveDate>)> =
        v.deadline_details.iter().map(|x| (x.name.as_str(), x.completed_on)).collect();
    assert_eq!(
        done,
        [
            ("triage_by", Some(d(2026, 7, 6))),
            ("decide_by", Some(d(2026, 7, 7))),
            ("report_by", Some(d(2026, 8, 21))),
            ("handle_by", Some(d(2026, 8, 21))),
            ("review_request_by", None),
        ]
    );
    assert_eq!(detail(&v, "review_request_by").kind, "window");
    assert_eq!(detail(&v, "review_request_by").rule, "申请复查 30 日，自 2026-08-21 起算");
    assert_eq!(
        detail(&v, "handle_by").rule,
        "办理 60 日，自 2026-07-07 起算；2026-09-05 为休息日或法定节假日，顺延至 2026-09-07"
    );
    assert!(v.deadline_details.iter().all(|x| !x.overdue), "everything was done in time");
    assert!(v.next_due.is_none() && !v.overdue, "a closed case owes nothing");
    let row = h
        .raw
        .rows(&format!("SELECT state, next_due_name, CAST(next_due_on AS TEXT) FROM cases WHERE id = {id}"))
        .await?;
    assert_eq!(row[0], [Some("closed".into()), None, None]);
    // The ratings are on the timeline, per stage.
    let rated: Vec<(String, String)> = v
        .events
        .iter()
        .filter(|e| e.kind == "rated")
        .map(|e| {
            (e.data["stage"].as_str().unwrap_or("").to_string(), e.data["rating"].as_str().unwrap_or("").to_string())
        })
        .collect();
    assert_eq!(rated, [("unit".to_string(), "satisfied".to_string()), ("bureau".to_string(), "satisfied".to_string())]);
    // Replaying the registration with the same key changes nothing.
    let (again, created) =
        h.store.register_case_at(&clerk, &input, Some("story-wages"), t("2026-08-26T09:00:00+08:00")).await?;
    assert!(!created);
    assert_eq!(again.id, id);
    assert!(h.store.verify_audit().await?.ok());
    Ok(())
});
