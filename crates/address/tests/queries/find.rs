//! Free-text search: ranking and scores, its errors, and type-ahead suggestions.

use super::*;

fn top(i: &AddressIndex<Cursor<Vec<u8>>>, q: &str) -> (u64, f32) {
    let p = i.find(q, 0.0, &both()).unwrap();
    let m = p
        .results
        .first()
        .unwrap_or_else(|| panic!("{q}: no result"));
    (m.address.uprn, m.score)
}

#[test]
fn find_ranks_and_scores() {
    let i = idx();
    assert_eq!(top(&i, "12 church rd partington"), (990000000001, 1.0));
    assert_eq!(
        top(&i, "12 CHURCH ROAD, PARTINGTON, MANCHESTER, M31 4AN"),
        (990000000001, 1.0)
    );
    assert_eq!(top(&i, "flat 1 rose court").0, 990000000002);
    assert_eq!(top(&i, "apt 1 rose ct 14 church road").0, 990000000002);
    assert_eq!(top(&i, "apartment 1, 14 church road").0, 990000000002);
    assert_eq!(top(&i, "1-3 church road").0, 990000000003);
    assert_eq!(
        top(&i, "2 church road partington").0,
        990000000003,
        "2 lies in 1-3"
    );
    assert_eq!(top(&i, "royal oak partington").0, 990000000003);
    assert_eq!(top(&i, "12 chruch road").0, 990000000001, "transposition");
    assert_eq!(top(&i, "12 church raod partingtn").0, 990000000001, "typos");
    assert_eq!(top(&i, "7a st marys rd").0, 990000000005);
    assert_eq!(top(&i, "rose cottage st mary's road").0, 990000000005);
    assert_eq!(top(&i, "9 saint marys road").0, 990000000006);
    assert_eq!(top(&i, "21 high street newport").0, 990000000010);
    assert_eq!(top(&i, "15 high st").0, 990000000008);
    // Embedded postcodes are postcodes, never ordinals or streets.
    assert_eq!(top(&i, "5 union st ab10 1st").0, 994000000013);
    assert_eq!(top(&i, "LE1 6TH"), (994000000012, 1.0));
    assert_eq!(top(&i, "1 gallowtree gate le16th").0, 994000000012);
    // A postcode narrows; the right one beats the wrong one.
    let p = i.find("church road m31 4an", 0.0, &both()).unwrap();
    assert!(
        p.results
            .iter()
            .all(|m| m.address.postcode.as_deref() == Some("M31 4AN"))
    );
    // Scores fall with worse matches and are in 0..1.
    let p = i.find("12 church road", 0.0, &both()).unwrap();
    assert!(p.results.windows(2).all(|w| w[0].score >= w[1].score));
    assert!(p.results.iter().all(|m| (0.0..=1.0).contains(&m.score)));
    let strict = i.find("12 church road", 0.9, &both()).unwrap();
    assert!(strict.total < p.total && strict.results.iter().all(|m| m.score >= 0.9));
    // Paging over ranked results.
    let pg = i
        .find(
            "church road",
            0.0,
            &QueryOptions {
                offset: 2,
                max_results: 2,
                ..both()
            },
        )
        .unwrap();
    let all = i.find("church road", 0.0, &both()).unwrap();
    assert_eq!(pg.results, all.results[2..4]);
    // Classification filter applies to find.
    let c = i
        .find(
            "church road",
            0.0,
            &QueryOptions {
                classification: vec![ClassificationFilter::Named(ClassificationSet::Commercial)],
                ..both()
            },
        )
        .unwrap();
    assert!(c.results.iter().all(|m| m.address.uprn == 990000000003));
}

#[test]
fn find_errors() {
    let i = idx();
    let o = QueryOptions::default();
    assert!(matches!(
        i.find("  ", 0.0, &o),
        Err(LookupError::InvalidQuery(_))
    ));
    assert!(matches!(
        i.find(&"a".repeat(201), 0.0, &o),
        Err(LookupError::InvalidQuery(_))
    ));
    assert!(matches!(
        i.find("church", 1.5, &o),
        Err(LookupError::InvalidQuery(_))
    ));
    assert!(matches!(
        i.find("church", -0.1, &o),
        Err(LookupError::InvalidQuery(_))
    ));
    assert!(matches!(
        i.find("!!!", 0.0, &o),
        Err(LookupError::InvalidQuery(_))
    ));
    assert_eq!(i.find("zzzzzz qqqqq", 0.0, &o).unwrap().total, 0);
}

#[test]
fn suggest_type_ahead() {
    let i = idx();
    let s = i.suggest("12 church r", 0, &both()).unwrap();
    assert_eq!(s[0].address.uprn, 990000000001);
    assert!(s.len() <= 10);
    let s = i.suggest("rose cot", 5, &both()).unwrap();
    assert_eq!(s[0].address.uprn, 990000000005);
    let s = i.suggest("7a st mar", 2, &both()).unwrap();
    assert!(s.len() <= 2 && s[0].address.uprn == 990000000005);
    let s = i
        .suggest("ashton old r", 10, &QueryOptions::default())
        .unwrap();
    let mut first: Vec<u64> = s.iter().take(2).map(|m| m.address.uprn).collect();
    first.sort();
    assert_eq!(first, [994000000004, 994000000005]);
    assert!(s[1].score > s.get(2).map_or(0.0, |m| m.score));
    assert!(i.suggest("", 10, &both()).unwrap().is_empty());
    assert!(matches!(
        i.suggest("x", 51, &both()),
        Err(LookupError::InvalidQuery(_))
    ));
    assert!(matches!(
        i.suggest(&"x".repeat(201), 5, &both()),
        Err(LookupError::InvalidQuery(_))
    ));
    // A trailing space completes the last word: `ro ` is not a prefix any more.
    let s = i.suggest("12 church ", 10, &both()).unwrap();
    assert!(!s.is_empty());
}
