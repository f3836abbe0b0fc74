//! 三对接 records: who records, who reads (counseling is private), links to cases in scope.

use xinfang_core::docking::DockingInput;

use crate::prelude::*;

fn input(kind: &str) -> DockingInput {
    DockingInput {
        kind: kind.into(),
        person: "李某".into(),
        summary: "工伤认定不服".into(),
        advice: "可依法申请行政复议".into(),
        other_party: "某公司".into(),
        ..Default::default()
    }
}

both!(records_and_their_readers, |h| async move {
    let [clerk, leader, lawyer, county, supervisor] =
        h.actors(["clerk", "leader", "lawyer", "s140121", "supervisor"]).await;
    let case = h.store.register_case(&clerk, &reg().build(), None).await?.0;
    let legal = h.store.add_docking(&lawyer, &input("legal")).await?;
    let counseling = h.store.add_docking(&lawyer, &input("counseling")).await?;
    let linked = h
        .store
        .add_docking(&clerk, &DockingInput { case_number: Some(case.number.clone()), ..input("mediation") })
        .await?;
    // The lawyer sees no cases but may name one by its number; a number that does not exist is
    // refused on that field.
    let by_lawyer = h
        .store
        .add_docking(&lawyer, &DockingInput { case_number: Some(case.number.clone()), ..input("legal") })
        .await?;
    let r =
        h.store.add_docking(&lawyer, &DockingInput { case_number: Some("2026-999999".into()), ..input("legal") }).await;
    assert_eq!(err_code(r), "invalid:unknown_case");
    assert_eq!(err_code(h.store.add_docking(&county, &input("legal")).await), "forbidden");
    let r = h.store.add_docking(&clerk, &DockingInput { unit: Some("140121".into()), ..input("video") }).await;
    assert_eq!(err_code(r), "invalid:required", "a video reception needs its time");

    let ids = |v: Vec<xinfang_store::docking::DockingView>| v.into_iter().map(|d| d.id).collect::<Vec<_>>();
    assert_eq!(
        ids(h.store.dockings(&lawyer, None, 50).await?),
        [by_lawyer, counseling, legal],
        "the author reads their own"
    );
    assert_eq!(
        ids(h.store.dockings(&leader, None, 50).await?),
        [by_lawyer, linked, counseling, legal],
        "leaders read everything"
    );
    assert_eq!(ids(h.store.dockings(&clerk, None, 50).await?), [by_lawyer, linked, legal], "counseling is private");
    assert_eq!(ids(h.store.dockings(&supervisor, None, 50).await?), [by_lawyer, linked, legal]);
    assert!(h.store.dockings(&county, None, 50).await?.is_empty());
    let of_case = h.store.dockings(&clerk, Some(case.id), 50).await?;
    assert_eq!(ids(of_case.clone()), [by_lawyer, linked]);
    assert_eq!(of_case[0].case_number.as_deref(), Some(case.number.as_str()));
    assert_eq!(h.count("audit_log WHERE action = 'docking.record'").await, 4);
    Ok(())
});
