//! 智能分流 Triage: suggestions routed by the deployment's rules, decisions recorded in the
//! routing event's transaction, and learnt by every node without a restart.

use crate::prelude::*;

both!(suggestions_route_by_the_rules_and_name_the_place, |h| async move {
    let t = h.store.triage("在小店区北格镇的工地干了半年，包工头拖欠工资不给", None).await?;
    assert_eq!(t.place.as_deref(), Some("140105"));
    assert_eq!(t.suggestions.len(), 3);
    let top = &t.suggestions[0];
    assert_eq!(top.category, "labor");
    assert_eq!(top.category_name, "劳动社保");
    assert!(top.score > t.suggestions[1].score && top.score <= 1.0);
    assert!(!top.words.is_empty(), "{top:?}");
    // A category routed by place goes to the county the form names, over the text's.
    let e = h.store.triage("房屋拆迁补偿款一直没有发放", Some("140121")).await?;
    assert_eq!(e.place, None);
    let ex = e.suggestions.iter().find(|s| s.category == "expropriation").expect("expropriation suggested");
    assert_eq!(ex.unit.as_deref(), Some("140121"));
    let empty = h.store.triage("，。", None).await?;
    assert!(empty.suggestions.is_empty() && empty.place.is_none());
    Ok(())
});

both!(routing_records_a_decision_and_every_node_learns_it, |h| async move {
    let clerk = h.actor("clerk").await;
    // Another node on the same database, which has already built its model.
    let other = h.other_store(crate::harness::KEY).await?;
    let odd = "青龙桥边上的咕咚事宜请求处理";
    let before = other.triage(odd, None).await?.suggestions[0].category.clone();
    let label = if before == "veterans" { "civil" } else { "veterans" };
    // Three cases of that wording, routed under the label the clerk chose.
    for _ in 0..3 {
        let (case, _) = h.store.register_case(&clerk, &reg().statement(odd).category(label).build(), None).await?;
        assert_eq!(h.count(&format!("triage_decisions WHERE case_id = {}", case.id)).await, 0, "not at registration");
        h.store.act(&clerk, case.id, &forward("140121")).await?;
        let row = h
            .raw
            .rows(&format!(
                "SELECT category, unit, county, suggested, words FROM triage_decisions WHERE case_id = {}",
                case.id
            ))
            .await?;
        assert_eq!(row.len(), 1);
        assert_eq!(row[0][0].as_deref(), Some(label));
        assert_eq!(row[0][1].as_deref(), Some("140121"));
        assert_eq!(row[0][2].as_deref(), Some("140121"));
        assert!(row[0][4].as_deref().is_some_and(|w| w.contains("咕咚")), "{row:?}");
    }
    assert!(h.count("triage_decisions WHERE overridden").await >= 1, "the first was an override");
    // A refused command records nothing (same transaction).
    let (case, _) = h.store.register_case(&clerk, &reg().statement(odd).category(label).build(), None).await?;
    assert!(h.store.act(&clerk, case.id, &forward("nowhere")).await.is_err());
    assert_eq!(h.count(&format!("triage_decisions WHERE case_id = {}", case.id)).await, 0);
    // Both nodes now put the staff's choice first, without a restart.
    assert_eq!(other.triage(odd, None).await?.suggestions[0].category, label);
    assert_eq!(h.store.triage(odd, None).await?.suggestions[0].category, label);
    other.close().await;
    Ok(())
});
