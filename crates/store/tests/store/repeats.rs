//! 重复信访 at registration: earlier cases of the same person (ID number, phone — through the
//! blind index, whatever way they are typed) or of the same name and place, within the actor's scope.

use crate::prelude::*;

both!(earlier_cases_of_the_same_person_or_matter, |h| async move {
    let [clerk, county, other] = h.actors(["clerk", "s140121", "s140105"]).await;
    let id = id_number("140121", "19700101", 7);
    let first = h
        .store
        .register_case(
            &clerk,
            &reg().county("140121").petitioners(vec![person("李 明").id(&id).phone("13903510001")]).build(),
            None,
        )
        .await?
        .0;
    h.store.act(&clerk, first.id, &assign("140121", &[])).await?;
    let probe =
        |p: Person, county: &str| reg().county(county).statement("邻居装修噪音扰民").petitioners(vec![p]).build();
    let reasons =
        |c: &[xinfang_store::cases::RepeatCandidate]| c.iter().flat_map(|r| r.reasons.clone()).collect::<Vec<_>>();

    let by_id = h.store.possible_repeats(&clerk, &probe(person("某人").id(&id.to_lowercase()), "140105")).await?;
    assert_eq!(by_id.len(), 1);
    assert_eq!(by_id[0].case.id, first.id);
    assert_eq!(reasons(&by_id), ["身份证号码相同（某人）"]);
    let by_phone =
        h.store.possible_repeats(&clerk, &probe(person("某人").phone("+86 139-0351-0001"), "140105")).await?;
    assert_eq!(reasons(&by_phone), ["电话号码相同（某人）"]);
    let by_name = h.store.possible_repeats(&clerk, &probe(person("李明"), "140121")).await?;
    assert_eq!(reasons(&by_name), ["姓名和问题发生地相同（李明）"], "spaces in names do not matter");
    assert!(h.store.possible_repeats(&clerk, &probe(person("李明"), "140105")).await?.is_empty(), "another place");
    // Within scope: the county handling it sees it, another county does not.
    assert_eq!(h.store.possible_repeats(&county, &probe(person("李明"), "140121")).await?.len(), 1);
    assert!(h.store.possible_repeats(&other, &probe(person("李明"), "140121")).await?.is_empty());
    // All three at once on one case: one candidate, three reasons.
    let all = h.store.possible_repeats(&clerk, &probe(person("李明").id(&id).phone("13903510001"), "140121")).await?;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].reasons.len(), 3);
    Ok(())
});
