//! 全文检索 Full-text search in the case list (`CaseFilter::q`): jieba words inside long words,
//! ranking, filters, scope, replies indexed by the command that made them, the one-time index of
//! cases older than search, and snippets that mark hits and carry the data only as text.

use xinfang_store::search::SnippetPart;

use crate::prelude::*;

fn q(words: &str) -> CaseFilter {
    CaseFilter { q: Some(words.into()), ..Default::default() }
}

/// A registration about this only (the default demands speak of compensation).
fn about(statement: &str) -> Reg {
    reg().statement(statement).demands(None)
}

fn marked(parts: &[SnippetPart]) -> String {
    parts.iter().map(|p| if p.hit { format!("[{}]", p.text) } else { p.text.clone() }).collect()
}

both!(finds_a_word_inside_a_long_word_and_ranks_the_better_match_first, |h| async move {
    let clerk = h.actor("clerk").await;
    let s = &h.store;
    let once =
        s.register_case(&clerk, &about("村里修路占了耕地，拆迁补偿款一直没有发放，生活困难。").build(), None).await?.0;
    let twice =
        s.register_case(&clerk, &about("补偿标准太低，补偿款被村委会截留，要求按标准补偿。").build(), None).await?.0;
    let other = s.register_case(&clerk, &about("公司拖欠工资三个月。").build(), None).await?.0;
    assert_eq!(listed(&h, &clerk, q("补偿")).await?, [twice.id, once.id], "补偿 inside 拆迁补偿款, ranked");
    assert_eq!(listed(&h, &clerk, q("拖欠工资")).await?, [other.id]);
    assert_eq!(listed(&h, &clerk, q("补偿 工资")).await?, Vec::<i64>::new(), "every word must occur");
    assert_eq!(listed(&h, &clerk, q("拆迁补偿款 发放")).await?, [once.id]);
    assert!(listed(&h, &clerk, q("的 了！")).await?.is_empty(), "only stop words: nothing");
    // Places, counties, categories and units are searchable too.
    assert_eq!(listed(&h, &clerk, q("清徐县")).await?.len(), 3);
    // A sort asked for wins over relevance; the page total counts the matches.
    let page = s.list_cases(&clerk, &CaseFilter { sort: Some("received".into()), ..q("补偿") }).await?;
    assert_eq!(page.total, 2);
    assert_eq!(page.items.iter().map(|c| c.id).collect::<Vec<_>>(), [twice.id, once.id]);
    let page = s.list_cases(&clerk, &q("补偿")).await?;
    assert_eq!(
        marked(page.items[1].snippet.as_deref().unwrap_or_default()),
        "村里修路占了耕地，拆迁[补偿]款一直没有发放，生活困难。"
    );
    // Without q, no snippet (and none in the JSON).
    let plain = s.list_cases(&clerk, &CaseFilter::default()).await?;
    assert!(plain.items.iter().all(|c| c.snippet.is_none()));
    assert!(!serde_json::to_string(&plain.items[0])?.contains("snippet"));
    Ok(())
});

both!(filters_and_scope_combine_with_the_search, |h| async move {
    let [clerk, qingxu, xiaodian, zjj] = h.actors(["clerk", "s140121", "s140105", "szjj"]).await;
    let s = &h.store;
    let here = s.register_case(&clerk, &about("征地补偿不到位").build(), None).await?.0;
    s.act(&clerk, here.id, &assign("140121", &[])).await?;
    let there = s.register_case(&clerk, &about("征地补偿不合理").county("140105").build(), None).await?.0;
    s.act(&clerk, there.id, &assign("140105", &[])).await?;
    let accusation =
        s.register_case(&clerk, &about("某科长在征地补偿中收受好处").accusation_against("zjj").build(), None).await?.0;
    s.act(&clerk, accusation.id, &assign("140121", &[])).await?;

    let mut all = listed(&h, &clerk, q("征地补偿")).await?;
    all.sort();
    assert_eq!(all, [here.id, there.id, accusation.id]);
    assert_eq!(listed(&h, &clerk, CaseFilter { unit: Some("140105".into()), ..q("征地补偿") }).await?, [there.id]);
    assert_eq!(
        listed(&h, &clerk, CaseFilter { category: Some("construction".into()), ..q("补偿") }).await?,
        [accusation.id]
    );
    assert!(listed(&h, &clerk, CaseFilter { state: Some("registered".into()), ..q("补偿") }).await?.is_empty());
    // Scope: another county never gets this county's case; the accused unit never the accusation.
    let mut mine = listed(&h, &qingxu, q("补偿")).await?;
    mine.sort();
    assert_eq!(mine, [here.id, accusation.id]);
    assert_eq!(listed(&h, &xiaodian, q("补偿")).await?, [there.id]);
    assert!(listed(&h, &zjj, q("科长 收受")).await?.is_empty());
    assert!(listed(&h, &zjj, q("住房")).await?.is_empty(), "not even by its own name");
    assert_eq!(s.list_cases(&zjj, &q("补偿")).await?.total, 0);
    Ok(())
});

both!(replies_and_decisions_are_searchable_after_the_command, |h| async move {
    let [clerk, county] = h.actors(["clerk", "s140121"]).await;
    let s = &h.store;
    let v = s.register_case(&clerk, &about("房屋漏水无人维修").build(), None).await?.0;
    assert!(listed(&h, &clerk, q("责成")).await?.is_empty());
    s.act(&clerk, v.id, &assign("140121", &[])).await?;
    s.act(&county, v.id, &accept()).await?;
    s.act(&county, v.id, &reply()).await?;
    assert_eq!(listed(&h, &clerk, q("责成 有关部门")).await?, [v.id]);
    let page = s.list_cases(&county, &q("责成")).await?;
    let snip = marked(page.items[0].snippet.as_deref().unwrap_or_default());
    assert!(snip.contains("[责成]") && !snip.contains("漏水"), "the snippet is from the reply's line: {snip}");
    Ok(())
});

both!(cases_older_than_search_are_indexed_once_at_start_up, |h| async move {
    let clerk = h.actor("clerk").await;
    let v = h.store.register_case(&clerk, &about("供暖温度不达标").build(), None).await?.0;
    // As a database from before search: no index rows, no version.
    h.raw.exec("DELETE FROM case_search").await?;
    h.raw.exec("DELETE FROM settings WHERE key = 'search_index_version'").await?;
    assert!(listed(&h, &clerk, q("供暖")).await?.is_empty());
    h.store.migrate().await?;
    assert_eq!(listed(&h, &clerk, q("供暖")).await?, [v.id]);
    assert_eq!(h.count("case_search").await, 1);
    // Again: nothing to do, nothing doubled.
    h.store.migrate().await?;
    assert_eq!(h.count("case_search").await, 1);
    Ok(())
});

both!(snippets_mark_hits_and_keep_markup_as_text, |h| async move {
    let clerk = h.actor("clerk").await;
    let long = format!(
        "{}物业费<b>乱收</b><script>alert(1)</script>{}",
        "小区门口的路灯坏了很久。".repeat(10),
        "请有关部门查处。".repeat(10)
    );
    h.store.register_case(&clerk, &about(&long).build(), None).await?;
    let page = h.store.list_cases(&clerk, &q("物业费")).await?;
    let parts = page.items[0].snippet.clone().unwrap_or_default();
    let hits: Vec<&str> = parts.iter().filter(|p| p.hit).map(|p| p.text.as_str()).collect();
    assert_eq!(hits, ["物业费"]);
    let text = marked(&parts);
    assert!(text.starts_with('…') && text.ends_with('…'), "{text}");
    assert!(text.contains("[物业费]<b>乱收</b><script>alert(1)</script>"), "markup stays text: {text}");
    assert!(text.chars().count() <= xinfang_store::search::SNIPPET_WIDTH + 4, "{text}");
    Ok(())
});

/// `n` copies of case `id` written straight into `cases` (numbers `{prefix}1…`), then the index
/// rebuilt as at start-up.
async fn copies(h: &H, id: i64, n: i64, prefix: &str) -> anyhow::Result<()> {
    h.raw
        .exec(&format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n}) \
             INSERT INTO cases (number, state, channel, petition_type, category, statement, demands, place_county, \
             place_address, headcount, is_group, leader_reception, bypass, lead_unit_id, registered_by, \
             registered_by_unit_id, received_at, registered_at, updated_at) \
             SELECT '{prefix}' || n.i, c.state, c.channel, c.petition_type, c.category, c.statement, c.demands, \
             c.place_county, c.place_address, c.headcount, c.is_group, c.leader_reception, c.bypass, c.lead_unit_id, \
             c.registered_by, c.registered_by_unit_id, c.received_at, c.registered_at, c.updated_at \
             FROM cases c, n WHERE c.id = {id}"
        ))
        .await?;
    h.raw.exec("DELETE FROM settings WHERE key = 'search_index_version'").await?;
    h.store.migrate().await?;
    Ok(())
}

both!(a_search_counts_at_most_the_cap_and_says_so, |h| async move {
    let clerk = h.actor("clerk").await;
    let s = &h.store;
    let v = s.register_case(&clerk, &about("供暖温度不达标").build(), None).await?.0;
    let rare = s.register_case(&clerk, &about("电梯经常故障困人").build(), None).await?.0;
    copies(&h, v.id, 1005, "T").await?;
    assert_eq!(h.count("case_search").await, 1007);
    let page = s.list_cases(&clerk, &q("供暖")).await?;
    assert_eq!((page.total, page.total_capped), (1000, true), "1006 matches: 1000 and more");
    // The same documents rank the same: the newest first.
    let newest = h.raw.int("SELECT MAX(id) FROM cases").await?;
    let ids: Vec<i64> = page.items.iter().map(|c| c.id).collect();
    assert_eq!(ids, (newest - 49..=newest).rev().collect::<Vec<_>>());
    assert!(page.items.iter().all(|c| c.snippet.is_some()));
    // Pages past the cap still list the rest: 1006 matches, the 21st page of 50 holds 6.
    let last = s.list_cases(&clerk, &CaseFilter { page: Some(21), ..q("供暖") }).await?;
    assert_eq!((last.items.len(), last.total, last.total_capped), (6, 1000, true));
    assert_eq!(last.items.last().map(|c| c.id), Some(v.id));
    let sorted = s.list_cases(&clerk, &CaseFilter { sort: Some("received".into()), ..q("供暖") }).await?;
    assert_eq!((sorted.total, sorted.total_capped, sorted.items.len()), (1000, true, 50));
    // Below the cap the total is exact; lists without a search count everything.
    let page = s.list_cases(&clerk, &q("电梯")).await?;
    assert_eq!((page.total, page.total_capped), (1, false));
    assert_eq!(page.items[0].id, rare.id);
    let all = s.list_cases(&clerk, &CaseFilter::default()).await?;
    assert_eq!((all.total, all.total_capped), (1007, false));
    // The flag is in the JSON, and JSON without it still reads (older clients, older servers).
    assert!(serde_json::to_string(&page)?.contains("\"total_capped\":false"));
    let old: xinfang_store::cases::Page<i64> =
        serde_json::from_str(r#"{"items":[],"total":3,"page":1,"per_page":50}"#)?;
    assert!(!old.total_capped);
    Ok(())
});

both!(scope_and_filters_stay_exact_when_the_best_matches_are_elsewhere, |h| async move {
    let [clerk, qingxu] = h.actors(["clerk", "s140121"]).await;
    let s = &h.store;
    // Hundreds of better matches in another county, ranked on the index ahead of this county's.
    let there = s.register_case(&clerk, &about("补偿 补偿 补偿，补偿款").county("140105").build(), None).await?.0;
    s.act(&clerk, there.id, &assign("140105", &[])).await?;
    let mut mine = Vec::new();
    for _ in 0..3 {
        let c =
            s.register_case(&clerk, &about("征地以后村里的道路一直没有修好，补偿也没有到位。").build(), None).await?.0;
        s.act(&clerk, c.id, &assign("140121", &[])).await?;
        mine.push(c.id);
    }
    copies(&h, there.id, 400, "T").await?;
    let small = |p: u32, f: CaseFilter| CaseFilter { page: Some(p), per_page: Some(2), ..f };
    for (who, actor, f) in [
        ("county staff", &qingxu, q("补偿")),
        ("clerk, unit filter", &clerk, CaseFilter { unit: Some("140121".into()), ..q("补偿") }),
    ] {
        let first = s.list_cases(actor, &small(1, f.clone())).await?;
        assert_eq!(first.items.iter().map(|c| c.id).collect::<Vec<_>>(), [mine[2], mine[1]], "{who}");
        assert_eq!((first.total, first.total_capped), (3, false), "{who}");
        let second = s.list_cases(actor, &small(2, f.clone())).await?;
        assert_eq!(second.items.iter().map(|c| c.id).collect::<Vec<_>>(), [mine[0]], "{who}");
        assert!(s.list_cases(actor, &small(3, f)).await?.items.is_empty(), "{who}");
    }
    // A filter nothing passes: nothing, however many matches.
    assert!(listed(&h, &clerk, CaseFilter { state: Some("registered".into()), ..q("补偿") }).await?.is_empty());
    // Every case: the better matches first, the newest of equals first.
    let newest = h.raw.int("SELECT MAX(id) FROM cases").await?;
    let top = s.list_cases(&clerk, &small(1, q("补偿"))).await?;
    assert_eq!(top.items.iter().map(|c| c.id).collect::<Vec<_>>(), [newest, newest - 1]);
    assert_eq!((top.total, top.total_capped), (404, false));
    let tail = s.list_cases(&clerk, &CaseFilter { page: Some(3), per_page: Some(200), ..q("补偿") }).await?;
    assert_eq!(tail.items.iter().map(|c| c.id).collect::<Vec<_>>(), [there.id, mine[2], mine[1], mine[0]]);
    Ok(())
});
