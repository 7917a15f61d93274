//! Lookups by postcode, UPRN, USRN and postcode unit: normalisation, datasets, sort
//! orders, paging, partial and invalid postcodes, classification filters and historical
//! records.

use super::*;

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
