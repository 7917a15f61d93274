//! Query tests over an index built from the test fixtures: every query of the WIT,
//! paging, filters, sort orders, partial postcodes, errors and read counts.
#![cfg(feature = "import")]

mod common;

use std::io::Cursor;
use std::sync::OnceLock;

use common::*;
use council_address::import::Format;
use council_address::*;

fn idx() -> AddressIndex<Cursor<Vec<u8>>> {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    let b = BYTES.get_or_init(|| {
        let (g, _) = import(&[
            ("abp_full.csv", Format::AddressBasePremium),
            ("plain.csv", Format::PlainCsv),
            ("codepoint_sample.csv", Format::CodePointOpen),
        ]);
        let mut buf = Cursor::new(Vec::new());
        index::write_index(&g, &mut buf, "2024-01-01", false).unwrap();
        buf.into_inner()
    });
    AddressIndex::open(Cursor::new(b.clone())).unwrap()
}

fn both() -> QueryOptions {
    QueryOptions {
        datasets: vec![Dataset::Dpa, Dataset::Lpi],
        ..Default::default()
    }
}

fn uprns(p: &Page) -> Vec<u64> {
    p.results.iter().map(|m| m.address.uprn).collect()
}

#[test]
fn info_and_open_reads() {
    let i = idx();
    assert_eq!(i.stats().reads, 1, "open is one read");
    let info = i.info().unwrap();
    assert_eq!(info.format_version, 3);
    assert_eq!(info.built, "2024-01-01");
    assert_eq!(
        info.sources,
        ["addressbase-premium", "csv", "codepoint-open"]
    );
    assert!(info.epoch.contains("TRAFFORD TEST GAZETTEER (FOR TESTS)"));
    assert_eq!(i.stats().reads, 1, "info reads nothing");
}

#[test]
fn postcode_normalisation_and_default_dataset() {
    let i = idx();
    let o = QueryOptions::default();
    let a = i.by_postcode("m314an", &o).unwrap();
    for s in ["M31 4AN", " M31  4AN ", "m31 4an"] {
        assert_eq!(i.by_postcode(s, &o).unwrap(), a, "{s}");
    }
    // Default dataset is DPA: 3 DPAs from AddressBase + 1 CSV address.
    assert_eq!(a.total, 4);
    assert!(
        a.results
            .iter()
            .all(|m| m.address.view.dataset() == Dataset::Dpa)
    );
    assert!(
        a.results
            .iter()
            .all(|m| m.score == 1.0 && m.distance_m.is_none())
    );
    assert_eq!(i.by_postcode("M31 4AN", &both()).unwrap().total, 8);
}

#[test]
fn surrey_order_and_uprn_order() {
    let i = idx();
    let p = i.by_postcode("M31 4AN", &QueryOptions::default()).unwrap();
    // PAO 1-3, 12, 14 (FLAT 1), 40.
    assert_eq!(
        uprns(&p),
        [990000000003, 990000000001, 990000000002, 994000000006]
    );
    let lp = i
        .by_postcode(
            "M31 4AN",
            &QueryOptions {
                datasets: vec![Dataset::Lpi],
                ..Default::default()
            },
        )
        .unwrap();
    // ROSE COURT (no SAO) sorts before FLAT 1, ROSE COURT.
    assert_eq!(
        uprns(&lp),
        [990000000003, 990000000001, 990000000004, 990000000002]
    );
    let u = i
        .by_postcode(
            "M31 4AN",
            &QueryOptions {
                sort: SortOrder::Uprn,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(
        uprns(&u),
        [990000000001, 990000000002, 990000000003, 994000000006]
    );
}

#[test]
fn paging() {
    let i = idx();
    let o = QueryOptions {
        offset: 1,
        max_results: 2,
        ..Default::default()
    };
    let p = i.by_postcode("M31 4AN", &o).unwrap();
    assert_eq!((p.total, p.offset), (4, 1));
    assert_eq!(uprns(&p), [990000000001, 990000000002]);
    // Paging across the views of one property.
    let all = i.by_postcode("M31 4AN", &both()).unwrap();
    for off in 0..8 {
        let page = i
            .by_postcode(
                "M31 4AN",
                &QueryOptions {
                    offset: off,
                    max_results: 3,
                    ..both()
                },
            )
            .unwrap();
        let want: Vec<_> = all
            .results
            .iter()
            .skip(off as usize)
            .take(3)
            .cloned()
            .collect();
        assert_eq!(page.results, want, "offset {off}");
    }
    let past = i
        .by_postcode(
            "M31 4AN",
            &QueryOptions {
                offset: 50,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!((past.total, past.results.len()), (4, 0));
    let e = i
        .by_postcode(
            "M31 4AN",
            &QueryOptions {
                max_results: 1001,
                ..Default::default()
            },
        )
        .unwrap_err();
    assert!(
        matches!(e, LookupError::InvalidQuery(ref m) if m.contains("max-results")),
        "{e}"
    );
}

#[test]
fn partial_postcodes() {
    let i = idx();
    let o = QueryOptions::default();
    let pcs = |q: &str| -> Vec<String> {
        let mut v: Vec<String> = i
            .by_postcode(q, &o)
            .unwrap()
            .results
            .into_iter()
            .filter_map(|m| m.address.postcode)
            .collect();
        v.dedup();
        v
    };
    assert_eq!(pcs("M1"), ["M1 1AD", "M1 2AB"], "M1 never matches M11");
    assert_eq!(pcs("M11"), ["M11 1AA"]);
    assert_eq!(pcs("m1 1"), ["M1 1AD"]);
    assert_eq!(pcs("M31"), ["M31 4AA", "M31 4AN"]);
    assert_eq!(pcs("M31 4"), ["M31 4AA", "M31 4AN"]);
    assert!(pcs("M3").is_empty(), "M3 is not M31 or M33");
    assert_eq!(
        pcs("M"),
        [
            "M1 1AD", "M1 2AB", "M11 1AA", "M31 4AA", "M31 4AN", "M33 7AA"
        ]
    );
    assert!(pcs("WA").is_empty());
    assert!(
        pcs("M99 9ZZ").is_empty(),
        "an unknown postcode is an empty page"
    );
}

#[test]
fn invalid_postcodes_say_why() {
    let i = idx();
    let o = QueryOptions::default();
    let msg = |q: &str| match i.by_postcode(q, &o) {
        Err(LookupError::InvalidPostcode(m)) => m,
        other => panic!("{q}: {other:?}"),
    };
    assert!(msg("M1 1A").contains("inward code must be a digit and two letters"));
    assert!(msg("").contains("empty"));
    assert!(msg("QQ1 1AA").contains("not a UK postcode area"));
    assert!(msg("C09 1HT").contains("did you mean CO9 1HT"));
    assert!(msg("M31 OAN").contains("did you mean M31 0AN"));
    assert!(msg("M1; DROP").contains("not allowed"));
    match i.postcode("M31") {
        Err(LookupError::InvalidPostcode(m)) => assert!(m.contains("not a full postcode"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn classification_filters() {
    let i = idx();
    let with = |f: Vec<ClassificationFilter>| {
        i.by_postcode(
            "M31 4AN",
            &QueryOptions {
                classification: f,
                ..both()
            },
        )
        .unwrap()
    };
    let res = with(vec![ClassificationFilter::Named(
        ClassificationSet::Residential,
    )]);
    let mut u = uprns(&res);
    u.dedup();
    assert_eq!(u, [990000000001, 990000000002]);
    assert_eq!(res.total, 4);
    let com = with(vec![ClassificationFilter::Named(
        ClassificationSet::Commercial,
    )]);
    assert_eq!(com.total, 2);
    assert!(uprns(&com).iter().all(|&u| u == 990000000003));
    let or = with(vec![
        ClassificationFilter::CodePrefix("RD06".into()),
        ClassificationFilter::CodePrefix("CR*".into()),
    ]);
    let mut u = uprns(&or);
    u.dedup();
    assert_eq!(u, [990000000003, 990000000002]);
    let pp = with(vec![ClassificationFilter::CodePrefix("P".into())]);
    assert_eq!(uprns(&pp), [990000000004]);
    // Electoral: residential plus CE01/CE05 (the college on the Isle of Wight).
    let e = i
        .by_postcode(
            "PO30 1UD",
            &QueryOptions {
                classification: vec![ClassificationFilter::Named(ClassificationSet::Electoral)],
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(uprns(&e), [990000000010]);
    let b = i
        .by_uprn(
            990000000003,
            &QueryOptions {
                classification: vec![ClassificationFilter::Named(ClassificationSet::Residential)],
                ..both()
            },
        )
        .unwrap();
    assert!(b.is_empty());
}

#[test]
fn historical_records() {
    let i = idx();
    let lpi = QueryOptions {
        datasets: vec![Dataset::Lpi],
        ..Default::default()
    };
    let cur = i.by_postcode("M31 4AA", &lpi).unwrap();
    assert_eq!(uprns(&cur), [990000000005, 990000000005, 990000000006]);
    let all = i
        .by_postcode(
            "M31 4AA",
            &QueryOptions {
                include_historical: true,
                ..lpi.clone()
            },
        )
        .unwrap();
    assert_eq!(all.total, 5);
    assert!(uprns(&all).contains(&990000000007));
    let statuses: Vec<u8> = all
        .results
        .iter()
        .filter(|m| m.address.uprn == 990000000005)
        .map(|m| match &m.address.view {
            AddressView::Gazetteer(g) => g.logical_status,
            _ => 0,
        })
        .collect();
    assert_eq!(statuses, [1, 3, 8], "approved, alternative, historical");
}

#[test]
fn by_uprn_views() {
    let i = idx();
    let v = i.by_uprn(990000000005, &both()).unwrap();
    assert_eq!(v.len(), 3);
    assert_eq!(v[0].view.dataset(), Dataset::Dpa);
    assert_eq!(
        v[1].single_line,
        "7A ST MARY'S ROAD, PARTINGTON, MANCHESTER, M31 4AA"
    );
    assert_eq!(
        v[2].single_line,
        "ROSE COTTAGE, 7A ST MARY'S ROAD, PARTINGTON, MANCHESTER, M31 4AA"
    );
    assert_eq!(v[1].classification_code.as_deref(), Some("RD03"));
    assert_eq!(
        v[1].classification_description.as_deref(),
        Some("Semi-Detached")
    );
    assert_eq!(v[1].last_update_date.as_deref(), Some("2020-05-01"));
    assert_eq!(v[1].location.rpc, 1);
    assert!(v[1].location.wgs84.latitude > 53.0);
    let h = i
        .by_uprn(
            990000000005,
            &QueryOptions {
                include_historical: true,
                ..both()
            },
        )
        .unwrap();
    assert_eq!(h.len(), 4);
    assert!(i.by_uprn(123, &both()).unwrap().is_empty());
    // The historical BLPU appears only with include_historical.
    assert!(i.by_uprn(990000000007, &both()).unwrap().is_empty());
    let old = i
        .by_uprn(
            990000000007,
            &QueryOptions {
                include_historical: true,
                ..both()
            },
        )
        .unwrap();
    assert_eq!(old[0].blpu_logical_status, 8);
    // Orphan LPI: no BLPU, no position.
    let orphan = i.by_uprn(990000000008, &both()).unwrap();
    assert_eq!(orphan[0].location.rpc, 0);
    match &orphan[0].view {
        AddressView::Gazetteer(g) => {
            assert_eq!(g.street_description.as_deref(), Some("HIGH STREET"))
        }
        v => panic!("{v:?}"),
    }
    // Islands record: BNG derived from lat/long.
    let s = i.by_uprn(990000000009, &both()).unwrap();
    assert!(s[0].location.bng.unwrap().easting > 80_000.0);
    assert_eq!(s[0].location.wgs84.latitude, 49.9146);
}

#[test]
fn by_usrn() {
    let i = idx();
    let p = i.by_usrn(99000001, &both()).unwrap();
    assert_eq!(p.total, 7);
    let u = i.by_usrn(99000001, &QueryOptions::default()).unwrap();
    assert_eq!(uprns(&u), [990000000003, 990000000001, 990000000002]);
    let by_uprn = i
        .by_usrn(
            99000001,
            &QueryOptions {
                sort: SortOrder::Uprn,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(uprns(&by_uprn), [990000000001, 990000000002, 990000000003]);
    assert_eq!(i.by_usrn(1, &both()).unwrap().total, 0);
}

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

#[test]
fn spatial() {
    let i = idx();
    let at = BngPoint {
        easting: 373120.0,
        northing: 393301.0,
    };
    let n = i
        .nearest(
            at,
            100.0,
            &QueryOptions {
                max_results: 1,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(uprns(&n), [990000000001]);
    assert_eq!(n.results[0].distance_m, Some(0.0));
    let r = i.within_radius(at, 15.0, &both()).unwrap();
    let mut u = uprns(&r);
    u.dedup();
    assert_eq!(u, [990000000001, 990000000004, 990000000002]);
    assert!(
        r.results
            .windows(2)
            .all(|w| w[0].distance_m <= w[1].distance_m)
    );
    assert!((r.results.last().unwrap().distance_m.unwrap() - 13.45).abs() < 0.01);
    let r2 = i.within_radius(at, 25.0, &QueryOptions::default()).unwrap();
    assert_eq!(r2.total, 3);
    let bb = i
        .within_bbox(
            BngPoint {
                easting: 373000.0,
                northing: 393200.0,
            },
            BngPoint {
                easting: 373200.0,
                northing: 393400.0,
            },
            &QueryOptions::default(),
        )
        .unwrap();
    assert_eq!(
        uprns(&bb),
        [990000000003, 990000000001, 990000000002],
        "address order"
    );
    let bbu = i
        .within_bbox(
            BngPoint {
                easting: 373200.0,
                northing: 393400.0,
            },
            BngPoint {
                easting: 373000.0,
                northing: 393200.0,
            },
            &QueryOptions {
                sort: SortOrder::Uprn,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(uprns(&bbu), [990000000001, 990000000002, 990000000003]);
    // Errors.
    assert!(matches!(
        i.nearest(at, 0.5, &both()),
        Err(LookupError::InvalidQuery(_))
    ));
    assert!(matches!(
        i.nearest(at, 1001.0, &both()),
        Err(LookupError::InvalidQuery(_))
    ));
    assert!(matches!(
        i.within_radius(at, 0.001, &both()),
        Err(LookupError::InvalidQuery(_))
    ));
    assert!(matches!(
        i.within_radius(at, 1000.5, &both()),
        Err(LookupError::InvalidQuery(_))
    ));
    let far = BngPoint {
        easting: 374500.0,
        northing: 394500.0,
    };
    assert!(
        matches!(i.within_bbox(at, far, &both()), Err(LookupError::InvalidQuery(m)) if m.contains("1 km²"))
    );
    assert!(
        matches!(i.within_bbox(at, at, &both()), Err(LookupError::InvalidQuery(m)) if m.contains("empty"))
    );
    let out = BngPoint {
        easting: -10.0,
        northing: 5.0,
    };
    assert!(matches!(
        i.nearest(out, 10.0, &both()),
        Err(LookupError::OutOfRange(_))
    ));
    assert!(matches!(
        i.within_radius(
            BngPoint {
                easting: f64::NAN,
                northing: 1.0
            },
            10.0,
            &both()
        ),
        Err(LookupError::OutOfRange(_))
    ));
    // Postcode-level positions (RPC 9) are found too.
    let pc = i
        .nearest(
            BngPoint {
                easting: 383825.0,
                northing: 398598.0,
            },
            50.0,
            &both(),
        )
        .unwrap();
    assert!(pc.results.iter().any(|m| m.address.uprn == 994000000001));
}

#[test]
fn postcode_units() {
    let i = idx();
    let u = i.postcode("m11 1aa").unwrap().unwrap();
    assert_eq!(u.postcode, "M11 1AA");
    assert_eq!(u.district_code.as_deref(), Some("E08000003"));
    assert_eq!(u.ward_code.as_deref(), Some("E05000690"));
    assert_eq!(u.country_code.as_deref(), Some("E92000001"));
    assert_eq!(u.county_code, None);
    assert_eq!(u.positional_quality, 10);
    assert_eq!(u.location.rpc, 9);
    assert_eq!(
        u.location.bng,
        Some(BngPoint {
            easting: 388663.0,
            northing: 397463.0
        })
    );
    assert_eq!(u.address_count, 2);
    // A Code-Point-only unit (no addresses): the postcode-level fallback.
    let cp = i.postcode("M33 5PD").unwrap().unwrap();
    assert_eq!(
        (cp.address_count, cp.district_code.as_deref()),
        (0, Some("E08000009"))
    );
    // Addresses but no Code-Point record: no position.
    let a = i.postcode("M1 2AB").unwrap().unwrap();
    assert_eq!(
        (a.address_count, a.location.rpc, a.positional_quality),
        (1, 0, 90)
    );
    assert_eq!(i.postcode("M99 9ZZ").unwrap(), None);
}

#[test]
fn bounded_reads() {
    let i = idx();
    i.reset_stats();
    i.by_postcode("M31 4AN", &both()).unwrap();
    assert_eq!(i.stats().reads, 4, "fence, postcode page, PROPS, records");
    i.reset_stats();
    i.by_uprn(990000000005, &both()).unwrap();
    assert_eq!(i.stats().reads, 3, "fence, UPRN page, record");
    i.reset_stats();
    i.postcode("M11 1AA").unwrap();
    assert_eq!(i.stats().reads, 2, "fence, postcode page");
    i.reset_stats();
    i.by_usrn(99000001, &both()).unwrap();
    assert!(i.stats().reads <= 5, "{:?}", i.stats());
    i.reset_stats();
    i.within_radius(
        BngPoint {
            easting: 373120.0,
            northing: 393301.0,
        },
        1000.0,
        &both(),
    )
    .unwrap();
    assert!(i.stats().reads <= 1 + 9 + 2, "{:?}", i.stats());
    i.reset_stats();
    i.find("12 church road", 0.0, &both()).unwrap();
    assert!(i.stats().reads <= 12, "{:?}", i.stats());
}

#[test]
fn damaged_indexes_are_reported() {
    let (g, _) = import(&[("abp_full.csv", Format::AddressBasePremium)]);
    let mut buf = Cursor::new(Vec::new());
    index::write_index(&g, &mut buf, "2024-01-01", false).unwrap();
    let good = buf.into_inner();
    let err = |b: Vec<u8>| {
        AddressIndex::open_named(Cursor::new(b), "test.idx")
            .unwrap_err()
            .to_string()
    };
    let mut short = good.clone();
    short.truncate(good.len() - 100);
    assert!(err(short).contains("truncated"), "truncated");
    let mut magic = good.clone();
    magic[0] = b'X';
    assert!(err(magic).contains("bad magic"));
    let mut ver = good.clone();
    ver[8] = 99;
    assert!(err(ver).contains("format version 99 is not supported"));
    let mut dir = good.clone();
    dir[70] ^= 0xFF;
    assert!(err(dir).contains("checksum"));
    assert!(err(vec![1, 2, 3]).contains("test.idx"));
    // Errors reach callers as index-unavailable.
    let e: LookupError = IndexError::BadMagic("x.idx".into()).into();
    assert!(matches!(e, LookupError::IndexUnavailable(m) if m.contains("x.idx")));
}

/// Issue 11: positions supplied as latitude/longitude alone outside the OSTN15 grid
/// (AddressBase Premium Islands, a plain CSV of Channel Islands places) are kept in
/// WGS84, never dropped, and answer nearest, radius and bounding-box queries.
#[test]
fn positions_outside_the_ostn15_grid_are_kept_and_found() {
    let king_street = Wgs84Point {
        longitude: -2.10640,
        latitude: 49.18620,
    };
    for (file, format, first) in [
        (
            "abp_islands.csv",
            Format::AddressBasePremium,
            992_000_000_001u64,
        ),
        ("plain_latlong.csv", Format::PlainCsv, 993_000_000_001),
    ] {
        let (g, r) = import(&[(file, format)]);
        assert!(r.wgs84_only >= 2, "{file}: {r:?}");
        let i = index_of(&g);
        let a = &i.by_uprn(first, &both()).unwrap()[0];
        assert_eq!(a.location.bng, None, "{file}: no BNG outside the grid");
        assert_eq!(a.location.rpc, 1);
        assert_eq!(a.location.wgs84.latitude, 49.1861, "{file}");
        assert_eq!(a.location.wgs84.longitude, -2.1066, "{file}");

        let near = i.nearest_wgs84(king_street, None, 100.0, &both()).unwrap();
        let uprns: Vec<u64> = near.results.iter().map(|m| m.address.uprn).collect();
        assert_eq!(
            uprns.first(),
            Some(&first),
            "{file}: nearest first: {uprns:?}"
        );
        assert!(uprns.contains(&(first + 1)), "{file}: {uprns:?}");
        let d = near.results[0].distance_m.unwrap();
        // 0.0001° of latitude and 0.0002° of longitude at 49.19°N: about 18 m.
        assert!((15.0..21.0).contains(&d), "{file}: {d}");

        let r10 = i
            .within_radius_wgs84(king_street, None, 10.0, &both())
            .unwrap();
        assert_eq!(r10.total, 0, "{file}: nothing within 10 m");

        let bbox = i
            .within_bbox_wgs84(
                Wgs84Point {
                    longitude: -2.1070,
                    latitude: 49.1858,
                },
                Wgs84Point {
                    longitude: -2.1058,
                    latitude: 49.1866,
                },
                None,
                &both(),
            )
            .unwrap();
        let mut in_box: Vec<u64> = bbox.results.iter().map(|m| m.address.uprn).collect();
        in_box.sort_unstable();
        in_box.dedup();
        assert_eq!(in_box, [first, first + 1], "{file}");
        // A box larger than 1 km² is refused in WGS84 as on the grid.
        assert!(
            i.within_bbox_wgs84(
                Wgs84Point {
                    longitude: -2.2,
                    latitude: 49.1
                },
                Wgs84Point {
                    longitude: -2.1,
                    latitude: 49.2
                },
                None,
                &both(),
            )
            .is_err()
        );
    }
    // The Islands placeholder X/Y of 0.00, 0.00 beside a latitude/longitude is not a
    // position at the grid's origin.
    let (g, _) = import(&[("abp_islands.csv", Format::AddressBasePremium)]);
    let i = index_of(&g);
    let a = &i.by_uprn(992_000_000_003, &both()).unwrap()[0];
    assert_eq!((a.location.bng, a.location.wgs84.latitude), (None, 49.195));
}

/// Inside the grid, a plain CSV's latitude/longitude gets its BNG by OSTN15 and is
/// found by BNG and WGS84 queries alike.
#[test]
fn latitude_longitude_inside_the_grid_gets_a_bng_position() {
    let (g, r) = import(&[("plain_latlong.csv", Format::PlainCsv)]);
    let i = index_of(&g);
    let a = &i.by_uprn(993_000_000_007, &both()).unwrap()[0];
    let bng = a.location.bng.expect("BNG by OSTN15");
    assert!((383_000.0..385_000.0).contains(&bng.easting), "{bng:?}");
    let near = i.nearest(bng, 5.0, &both()).unwrap();
    assert_eq!(near.results[0].address.uprn, 993_000_000_007);
    let near = i
        .nearest_wgs84(a.location.wgs84, Some(bng), 5.0, &both())
        .unwrap();
    assert_eq!(near.results[0].address.uprn, 993_000_000_007);
    // Paris is not in the British Isles: the address is kept without that position,
    // and the warning names the line, the column and why.
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    assert!(
        r.warnings.iter().any(|w| w.line == 9
            && w.reason
                .contains("column LATITUDE: '48.8566' is not an ETRS89 latitude")
            && w.reason.contains("kept without this position")),
        "{:?}",
        r.warnings
    );
    let paris = g.properties[&993_000_000_008].blpu.as_ref().unwrap();
    assert_eq!((paris.latitude, paris.x), (None, None));
    assert_eq!(r.unpositioned, 1);
}
