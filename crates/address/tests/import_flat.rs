//! Importer tests of the flat formats over fixtures written for these tests to the
//! published schemas (`tests/data/README.md`): AddressBase Plus (schemas 1.0 and
//! 2.0), OS Open UPRN, Code-Point Open and a plain CSV with its address-line rule.
#![cfg(feature = "import")]

mod common;

use common::*;
use council_address::import::{Format, Importer};
use council_address::*;

#[test]
fn abplus_both_views() {
    let (g, r) = import(&[("abplus.csv", Format::AddressBasePlus)]);
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    assert_eq!(g.properties.len(), 3);
    let p = &g.properties[&993000000002];
    assert_eq!(
        p.dpas[0].organisation_name.as_deref(),
        Some("BRIDGE ACCOUNTANTS LTD")
    );
    assert_eq!(p.dpas[0].sub_building_name.as_deref(), Some("SUITE 4"));
    assert_eq!(p.organisation(), Some("BRIDGE ACCOUNTANTS"));
    assert_eq!(
        p.lpis[0].street.as_ref().unwrap().description.as_deref(),
        Some("BRIDGE STREET")
    );
    assert_eq!(p.classification_code(), Some("CO01"));
    // LPI-only object (a car park): no DPA.
    assert!(g.properties[&993000000003].dpas.is_empty());
    assert_eq!(g.properties[&993000000003].lpis.len(), 1);
    let idx = index_of(&g);
    let o = QueryOptions {
        datasets: vec![Dataset::Dpa, Dataset::Lpi],
        ..Default::default()
    };
    let page = idx.by_postcode("WA14 1AA", &o).unwrap();
    assert_eq!(page.total, 5);
}

#[test]
fn plain_csv_open_uprn_and_codepoint() {
    let (g, r) = import(&[
        ("plain.csv", Format::PlainCsv),
        ("open_uprn.csv", Format::OpenUprn),
        ("codepoint_sample.csv", Format::CodePointOpen),
    ]);
    let reasons: Vec<String> = r.rejected.iter().map(|e| e.to_string()).collect();
    assert_eq!(r.rejected.len(), 3, "{reasons:?}");
    assert!(
        reasons
            .iter()
            .any(|e| e.contains("plain.csv:10") && e.contains("address is empty")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|e| e.contains("plain.csv:12") && e.contains("'x99' is not a whole number")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|e| e.contains("open_uprn.csv:6")),
        "{reasons:?}"
    );
    // The invalid postcode row is kept without a postcode, with a warning.
    assert!(
        r.warnings
            .iter()
            .any(|w| w.line == 11 && w.reason.contains("QQ1 1QQ"))
    );
    assert!(g.properties[&994000000010].postcode().is_none());
    // Open UPRN gives positions to addresses without one; unknown UPRNs are counted.
    assert_eq!(
        g.properties[&994000000001].blpu.as_ref().unwrap().x,
        Some(383820.0)
    );
    assert_eq!(
        g.properties[&994000000002].blpu.as_ref().unwrap().x,
        Some(383830.0)
    );
    assert_eq!(r.open_uprn_unmatched, 1);
    // Structured from the address lines.
    let d = &g.properties[&994000000004].dpas[0];
    assert_eq!(
        (
            d.building_number,
            d.thoroughfare.as_deref(),
            d.post_town.as_deref()
        ),
        (Some(11), Some("Ashton Old Road"), Some("Manchester"))
    );
    assert_eq!(
        g.properties[&994000000003].dpas[0].postcode.as_deref(),
        Some("M1 2AB")
    );
    // Code-Point units, with WGS84 converted.
    assert_eq!(r.rows_by_type.get("codepoint"), Some(&5));
    let u = g
        .postcodes
        .values()
        .find(|u| u.postcode.to_string() == "M11 1AA")
        .unwrap();
    assert_eq!(u.position, Some((388663.0, 397463.0)));
    assert_eq!(u.district_code.as_deref(), Some("E08000003"));
    let (lon, lat) = u.lonlat.unwrap();
    assert!(
        (lon + 2.17).abs() < 0.05 && (lat - 53.47).abs() < 0.05,
        "{lon} {lat}"
    );
    // Property 994000000008 has no coordinates in the CSV but one from Open UPRN.
    assert!(
        g.properties[&994000000008]
            .blpu
            .as_ref()
            .unwrap()
            .x
            .is_some()
    );
}

/// The plain-CSV address-line rule (docs/address-index.md): building names such as
/// `3 BLOCK A` stay names; the street is the part with a thoroughfare descriptor.
#[test]
fn plain_csv_address_lines_keep_building_names() {
    let (g, _) = import(&[("plain_latlong.csv", Format::PlainCsv)]);
    let dpa = |u: u64| g.properties[&u].dpas[0].clone();
    let d = dpa(993_000_000_003);
    assert_eq!(d.building_name.as_deref(), Some("3 Block A"));
    assert_eq!(d.building_number, Some(10));
    assert_eq!(d.thoroughfare.as_deref(), Some("High Street"));
    assert_eq!(d.post_town.as_deref(), Some("Sale"));
    let d = dpa(993_000_000_004);
    assert_eq!(d.building_name.as_deref(), Some("3 Block A"));
    assert_eq!((d.building_number, d.thoroughfare), (None, None));
    let d = dpa(993_000_000_005);
    assert_eq!(d.sub_building_name.as_deref(), Some("Flat 2"));
    assert_eq!(d.building_name.as_deref(), Some("Mill Court"));
    assert_eq!(d.building_number, Some(5));
    assert_eq!(d.thoroughfare.as_deref(), Some("Canal Street"));
    let d = dpa(993_000_000_006);
    assert_eq!(d.building_name.as_deref(), Some("12A"));
    assert_eq!(d.thoroughfare.as_deref(), Some("Acacia Avenue"));
    let d = dpa(993_000_000_007);
    assert_eq!(d.building_number, Some(1));
    assert_eq!(d.thoroughfare.as_deref(), Some("Piccadilly"));
}

/// AddressBase Plus schema 1.0 (72 columns, to 2016) is read in its own layout, and
/// OS Open UPRN with a byte order mark before its header.
#[test]
fn abplus_schema_1_0_and_open_uprn_with_a_bom() {
    let (g, r) = import(&[("abplus_v1.csv", Format::AddressBasePlus)]);
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    assert!(
        r.files[0].1.contains("schema 1.0, 72 columns"),
        "{:?}",
        r.files
    );
    let p = &g.properties[&993_100_000_001];
    let d = &p.dpas[0];
    assert_eq!(d.udprn, Some(93_100_001));
    assert_eq!(d.thoroughfare.as_deref(), Some("STATION ROAD"));
    assert_eq!(d.postcode.as_deref(), Some("WA14 1AA"));
    let b = p.blpu.as_ref().unwrap();
    assert_eq!(b.addressbase_postal.as_deref(), Some("D"));
    assert_eq!((b.x, b.y), (Some(377_000.0), Some(389_000.0)));
    assert!(b.latitude.is_some(), "WGS84 by OSTN15");
    let car_park = &g.properties[&993_100_000_002];
    assert!(car_park.dpas.is_empty());
    assert_eq!(
        car_park
            .blpu
            .as_ref()
            .unwrap()
            .addressbase_postal
            .as_deref(),
        Some("N")
    );

    let mut imp = Importer::new();
    imp.add_file(&data("abplus_v1.csv"), Format::AddressBasePlus)
        .unwrap();
    let text = "\u{feff}UPRN,X_COORDINATE,Y_COORDINATE,LATITUDE,LONGITUDE\r\n993100000002,377031.00,389031.00,53.3870000,-2.3480000\r\n";
    imp.add_reader(text.as_bytes(), "osopenuprn_202608.csv", Format::OpenUprn)
        .unwrap();
    assert!(
        imp.report().rejected.is_empty(),
        "{:?}",
        imp.report().rejected
    );
}
