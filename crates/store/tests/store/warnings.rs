//! 预警 Clusters of similar cases from different people in one place within the window, counted by
//! distinct people, within the actor's scope.

use crate::prelude::*;
use xinfang_core::warning::WarningPolicy;

fn villager(i: u32) -> Person {
    person(&format!("村民{i}")).id(&id_number("140121", "19700101", i)).phone(&format!("1390351{:04}", 2000 + i))
}

const TELLINGS: [&str; 6] = [
    "清泉村自来水管道破裂一个多月没人修，全村三百多户吃不上水，要求水务部门抢修。",
    "清泉村停水一个多月了，水管爆了没人来修，300多户人家只能去河里挑水。",
    "我们清泉村已经停水一个多月，自来水管道破裂，水务部门一直不来抢修。",
    "清泉村自来水管破了一个多月，村里吃水困难，请水务部门尽快修好管道。",
    "反映清泉村停水问题：管道破裂一个多月无人维修，三百多户村民吃水难。",
    "清泉村自来水停了一个多月，管道破裂没人修，要求尽快恢复供水。",
];

both!(five_people_with_one_grievance_in_one_place_are_flagged, |h| async move {
    let [clerk, leader, other, admin] = h.actors(["clerk", "leader", "s140105", "admin"]).await;
    let mut ids = Vec::new();
    for (i, t) in TELLINGS.iter().take(4).enumerate() {
        let c = h
            .store
            .register_case(&clerk, &reg().statement(t).petitioners(vec![villager(i as u32)]).build(), None)
            .await?
            .0;
        ids.push(c.id);
    }
    // The fourth person comes again: still four people.
    h.store.register_case(&clerk, &reg().statement(TELLINGS[4]).petitioners(vec![villager(0)]).build(), None).await?;
    // Unrelated cases of the same county do not join.
    h.store
        .register_case(
            &clerk,
            &reg().statement("红星机械厂拖欠工资十八万元").petitioners(vec![villager(8)]).build(),
            None,
        )
        .await?;
    let policy = WarningPolicy::default();
    assert!(h.store.warnings(&leader, policy).await?.clusters.is_empty(), "four people are not five");
    let three = WarningPolicy { min_people: 3, window_days: 30 };
    let w = h.store.warnings(&leader, three).await?;
    assert_eq!(w.clusters.len(), 1, "{w:?}");
    assert_eq!(w.clusters[0].people, 4);
    assert_eq!(w.clusters[0].cases.len(), 5);
    assert_eq!((w.clusters[0].shared_kind.as_str(), w.clusters[0].shared_code.as_str()), ("county", "140121"));
    assert!(w.clusters[0].shared_words.iter().any(|x| x == "清泉村"), "{:?}", w.clusters[0].shared_words);

    let fifth = h
        .store
        .register_case(&clerk, &reg().statement(TELLINGS[5]).petitioners(vec![villager(5)]).build(), None)
        .await?
        .0;
    let w = h.store.warnings(&leader, policy).await?;
    assert_eq!(w.clusters.len(), 1);
    assert_eq!(w.clusters[0].people, 5);
    assert!(w.clusters[0].cases.iter().any(|c| c.id == fifth.id));
    // Scope: a unit that sees none of these cases sees no warning; an administrator sees none.
    assert!(h.store.warnings(&other, policy).await?.clusters.is_empty());
    assert!(h.store.warnings(&admin, policy).await?.clusters.is_empty());
    Ok(())
});
