//! 内容相似 at registration: earlier cases whose statements are the same matter (or possibly
//! related) are offered beside the identity matches, with the score as the reason, within scope;
//! fingerprints are written with the case and filled for cases that had none.

use crate::prelude::*;

const FIRST: &str = "我是北格镇幸福村村民，2023年村里征地，每户应得补偿款三万元，至今没有发放，要求镇政府尽快发放。";
const REWORDED: &str = "幸福村征地补偿的事：按规定每家给30000元补偿，可是到现在一分钱都没拿到，请领导督促北格镇解决。";
const OTHER: &str = "红星机械厂拖欠我们二十多名工人2023年下半年工资共计十八万元，老板失联，要求劳动部门追讨。";

both!(similar_statements_are_offered_with_the_score, |h| async move {
    let [clerk, county, other] = h.actors(["clerk", "s140121", "s140105"]).await;
    let first =
        h.store.register_case(&clerk, &reg().statement(FIRST).petitioners(vec![person("张三")]).build(), None).await?.0;
    h.store.register_case(&clerk, &reg().statement(OTHER).petitioners(vec![person("王五")]).build(), None).await?;
    h.store.act(&clerk, first.id, &assign("140121", &[])).await?;
    assert_eq!(h.raw.int(&format!("SELECT COUNT(*) FROM case_fingerprints WHERE case_id = {}", first.id)).await?, 1);
    assert!(h.raw.int("SELECT COUNT(*) FROM case_fingerprint_bands").await? > 0);

    // Another person, another way of telling it: found by the text alone.
    let probe = reg().statement(REWORDED).petitioners(vec![person("赵六")]).build();
    let found = h.store.possible_repeats(&clerk, &probe).await?;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].case.id, first.id);
    assert!(found[0].same_matter);
    let score = found[0].similarity.context("a score")?;
    assert_eq!(found[0].reasons, [format!("内容相似 {score:.2}")]);
    assert!(found[0].shared_words.iter().any(|w| w == "幸福村"), "{:?}", found[0].shared_words);
    // Scope: the county that handles it sees it; another county does not.
    assert_eq!(h.store.possible_repeats(&county, &probe).await?.len(), 1);
    assert!(h.store.possible_repeats(&other, &probe).await?.is_empty());
    // A different matter is not offered.
    let unrelated = reg().statement("邻居装修噪音扰民，每天早上七点开始施工").petitioners(vec![person("赵六")]).build();
    assert!(h.store.possible_repeats(&clerk, &unrelated).await?.is_empty());
    // The candidate is linked as a repeat visit the usual way, counted on that case.
    let linked = h.store.act(&clerk, first.id, &Command::RecordVisit { note: None }).await?;
    assert_eq!(linked.repeat_visits, 1);
    Ok(())
});

both!(cases_without_fingerprints_are_filled, |h| async move {
    let clerk = h.actor("clerk").await;
    let a = h.store.register_case(&clerk, &reg().statement(FIRST).build(), None).await?.0;
    h.raw.exec("DELETE FROM case_fingerprint_bands").await?;
    h.raw.exec("DELETE FROM case_fingerprints").await?;
    let probe = reg().statement(REWORDED).petitioners(vec![person("赵六")]).build();
    assert!(h.store.possible_repeats(&clerk, &probe).await?.is_empty());
    assert_eq!(h.store.backfill_fingerprints().await?, 1);
    assert_eq!(h.store.backfill_fingerprints().await?, 0);
    let found = h.store.possible_repeats(&clerk, &probe).await?;
    assert_eq!(found.iter().map(|c| c.case.id).collect::<Vec<_>>(), [a.id]);
    Ok(())
});
