//! The index as a file: what opening and `info` read, the bounded number of reads per
//! query, and damaged indexes reported as such.

use super::*;

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
