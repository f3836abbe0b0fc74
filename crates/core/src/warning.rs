//! 预警 Early warning: many different people bringing the same grievance in the same place, or
//! against the same accused unit, within a short time — the start of a group matter (群体性苗头).
//!
//! The rule is pure: it takes the recent cases (when, where, against whom, who brought them) and
//! the "similar statement" links between them (made by the text crate's score at its lower
//! "same grievance" level), forms clusters — connected components of links between cases of one
//! county or one accused unit — counts the distinct people in each (the same person by ID number,
//! phone or name and place), and flags those with at least [`WarningPolicy::min_people`] people
//! within [`WarningPolicy::window_days`] days.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// When a cluster is a warning. Configurable per request; the defaults are 5 people in 30 days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarningPolicy {
    pub min_people: u32,
    pub window_days: u32,
}

impl Default for WarningPolicy {
    fn default() -> Self {
        WarningPolicy { min_people: 5, window_days: 30 }
    }
}

impl WarningPolicy {
    /// Bounded so a request cannot ask for a year of pairwise comparisons: 2–1000 people,
    /// 1–366 days.
    pub fn bounded(min_people: Option<u32>, window_days: Option<u32>) -> WarningPolicy {
        let d = WarningPolicy::default();
        WarningPolicy {
            min_people: min_people.unwrap_or(d.min_people).clamp(2, 1000),
            window_days: window_days.unwrap_or(d.window_days).clamp(1, 366),
        }
    }
}

/// Who brought a case: the keys that identify the same person across cases (any may be absent).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonKeys {
    /// Blind index of the ID number.
    pub id: Option<String>,
    /// Blind index of the phone number.
    pub phone: Option<String>,
    /// Normalised name and the place of the matter.
    pub name_place: Option<String>,
}

/// A recent case as the rule sees it.
#[derive(Debug, Clone)]
pub struct WarningCase {
    pub id: i64,
    pub received_on: NaiveDate,
    pub county: Option<String>,
    pub accused_unit: Option<String>,
    pub people: Vec<PersonKeys>,
}

/// What a cluster shares: the county or the accused unit.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", content = "code", rename_all = "snake_case")]
pub enum Shared {
    County(String),
    AccusedUnit(String),
}

/// A flagged cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    pub shared: Shared,
    /// Its cases, oldest first (ids).
    pub cases: Vec<i64>,
    /// Distinct people among them.
    pub people: u32,
    pub first_on: NaiveDate,
    pub last_on: NaiveDate,
}

/// The flagged clusters, the largest first. `links` are pairs of similar cases (in any order;
/// pairs naming unknown cases are ignored).
pub fn clusters(cases: &[WarningCase], links: &[(i64, i64)], policy: &WarningPolicy) -> Vec<Cluster> {
    let by_id: HashMap<i64, &WarningCase> = cases.iter().map(|c| (c.id, c)).collect();
    // Cases per shared key, and the links within each key.
    let mut groups: BTreeMap<Shared, Vec<(i64, i64)>> = BTreeMap::new();
    for &(a, b) in links {
        let (Some(x), Some(y)) = (by_id.get(&a), by_id.get(&b)) else { continue };
        if a == b {
            continue;
        }
        if let (Some(p), Some(q)) = (&x.county, &y.county) {
            if p == q {
                groups.entry(Shared::County(p.clone())).or_default().push((a, b));
            }
        }
        if let (Some(p), Some(q)) = (&x.accused_unit, &y.accused_unit) {
            if p == q {
                groups.entry(Shared::AccusedUnit(p.clone())).or_default().push((a, b));
            }
        }
    }
    let mut out: Vec<Cluster> = Vec::new();
    let mut seen: BTreeSet<Vec<i64>> = BTreeSet::new();
    for (shared, edges) in groups {
        for component in components(&edges) {
            let mut members: Vec<&WarningCase> = component.iter().filter_map(|id| by_id.get(id).copied()).collect();
            members.sort_by_key(|c| (c.received_on, c.id));
            if let Some(window) = busiest_window(&members, policy) {
                let ids: Vec<i64> = window.iter().map(|c| c.id).collect();
                let mut key = ids.clone();
                key.sort_unstable();
                if !seen.insert(key) {
                    continue;
                }
                out.push(Cluster {
                    shared: shared.clone(),
                    people: distinct_people(&window),
                    first_on: window[0].received_on,
                    last_on: window[window.len() - 1].received_on,
                    cases: ids,
                });
            }
        }
    }
    out.sort_by(|a, b| b.people.cmp(&a.people).then(b.last_on.cmp(&a.last_on)).then(a.shared.cmp(&b.shared)));
    out
}

/// The connected components of an edge list, each sorted.
fn components(edges: &[(i64, i64)]) -> Vec<Vec<i64>> {
    let mut uf = UnionFind::default();
    for &(a, b) in edges {
        uf.union(a, b);
    }
    let mut comps: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    let nodes: Vec<i64> = uf.parent.keys().copied().collect();
    for n in nodes {
        let r = uf.find(n);
        comps.entry(r).or_default().push(n);
    }
    comps
        .into_values()
        .map(|mut v| {
            v.sort_unstable();
            v
        })
        .collect()
}

/// The window of at most `window_days` days (members sorted by date) with the most distinct
/// people, if it reaches `min_people`.
fn busiest_window<'a>(members: &[&'a WarningCase], policy: &WarningPolicy) -> Option<Vec<&'a WarningCase>> {
    let mut best: Option<(u32, usize, usize)> = None;
    let mut end = 0;
    for start in 0..members.len() {
        if end < start {
            end = start;
        }
        while end + 1 < members.len()
            && (members[end + 1].received_on - members[start].received_on).num_days() < i64::from(policy.window_days)
        {
            end += 1;
        }
        let n = distinct_people(&members[start..=end]);
        if best.is_none_or(|(b, _, _)| n > b) {
            best = Some((n, start, end));
        }
    }
    let (n, s, e) = best?;
    (n >= policy.min_people).then(|| members[s..=e].to_vec())
}

/// How many different people brought these cases: two entries are one person when they share an
/// ID number, a phone number, or a name in the same place. An entry with no key is one person.
pub fn distinct_people(cases: &[&WarningCase]) -> u32 {
    let mut uf = UnionFind::default();
    let mut owner: HashMap<(u8, &str), i64> = HashMap::new();
    let mut n: i64 = 0;
    for c in cases {
        for p in &c.people {
            n += 1;
            uf.find(n);
            for (kind, key) in [(0u8, &p.id), (1, &p.phone), (2, &p.name_place)] {
                if let Some(k) = key.as_deref().filter(|k| !k.is_empty()) {
                    match owner.get(&(kind, k)) {
                        Some(&o) => uf.union(o, n),
                        None => {
                            owner.insert((kind, k), n);
                        }
                    }
                }
            }
        }
    }
    let roots: BTreeSet<i64> = (1..=n).map(|i| uf.find(i)).collect();
    roots.len() as u32
}

#[derive(Default)]
struct UnionFind {
    parent: BTreeMap<i64, i64>,
}

impl UnionFind {
    fn find(&mut self, x: i64) -> i64 {
        let p = *self.parent.entry(x).or_insert(x);
        if p == x {
            return x;
        }
        let r = self.find(p);
        self.parent.insert(x, r);
        r
    }
    fn union(&mut self, a: i64, b: i64) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent.insert(hi, lo);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 1).unwrap() + chrono::Days::new(u64::from(d))
    }

    fn case(id: i64, d: u32, county: &str, person: &str) -> WarningCase {
        WarningCase {
            id,
            received_on: day(d),
            county: Some(county.into()),
            accused_unit: None,
            people: vec![PersonKeys { id: Some(person.into()), ..Default::default() }],
        }
    }

    fn chain(ids: &[i64]) -> Vec<(i64, i64)> {
        ids.windows(2).map(|w| (w[0], w[1])).collect()
    }

    #[test]
    fn five_people_in_one_county_within_the_window_is_a_warning() {
        let cases: Vec<_> = (1..=5).map(|i| case(i, i as u32, "140121", &format!("p{i}"))).collect();
        let got = clusters(&cases, &chain(&[1, 2, 3, 4, 5]), &WarningPolicy::default());
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].people, 5);
        assert_eq!(got[0].cases, vec![1, 2, 3, 4, 5]);
        assert_eq!(got[0].shared, Shared::County("140121".into()));
    }

    #[test]
    fn the_same_person_coming_again_counts_once() {
        let mut cases: Vec<_> = (1..=4).map(|i| case(i, i as u32, "140121", &format!("p{i}"))).collect();
        cases.push(case(5, 6, "140121", "p1"));
        assert!(clusters(&cases, &chain(&[1, 2, 3, 4, 5]), &WarningPolicy::default()).is_empty());
        // Same person by phone in one case and ID in another, joined by a third entry with both.
        let mut c6 = case(6, 7, "140121", "p9");
        c6.people = vec![PersonKeys { id: Some("p1".into()), phone: Some("m1".into()), name_place: None }];
        let mut c7 = case(7, 8, "140121", "x");
        c7.people = vec![PersonKeys { id: None, phone: Some("m1".into()), name_place: None }];
        let refs = [&c6, &c7];
        assert_eq!(distinct_people(&refs), 1);
    }

    #[test]
    fn outside_the_window_or_another_county_or_unlinked_is_not() {
        let spread: Vec<_> = (1..=5).map(|i| case(i, i as u32 * 10, "140121", &format!("p{i}"))).collect();
        assert!(clusters(&spread, &chain(&[1, 2, 3, 4, 5]), &WarningPolicy::default()).is_empty());
        let wide = WarningPolicy { min_people: 5, window_days: 60 };
        assert_eq!(clusters(&spread, &chain(&[1, 2, 3, 4, 5]), &wide).len(), 1);
        let mixed: Vec<_> = (1..=5)
            .map(|i| case(i, i as u32, if i % 2 == 0 { "140105" } else { "140121" }, &format!("p{i}")))
            .collect();
        assert!(clusters(&mixed, &chain(&[1, 2, 3, 4, 5]), &WarningPolicy::default()).is_empty());
        let cases: Vec<_> = (1..=5).map(|i| case(i, i as u32, "140121", &format!("p{i}"))).collect();
        assert!(clusters(&cases, &chain(&[1, 2, 3]), &WarningPolicy::default()).is_empty());
        assert!(clusters(&cases, &chain(&[1, 2, 3]), &WarningPolicy { min_people: 3, window_days: 30 }).len() == 1);
    }

    #[test]
    fn the_same_accused_unit_across_counties() {
        let cases: Vec<_> = (1..=5)
            .map(|i| {
                let mut c = case(i, i as u32, &format!("c{i}"), &format!("p{i}"));
                c.accused_unit = Some("jt".into());
                c
            })
            .collect();
        let got = clusters(&cases, &chain(&[1, 2, 3, 4, 5]), &WarningPolicy::default());
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].shared, Shared::AccusedUnit("jt".into()));
    }
}
