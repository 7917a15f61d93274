//! The Trafford demo: generated addresses on the real Trafford postcodes, through the
//! real importer, with the other M and WA postcodes as a Code-Point-only fallback.
#![cfg(feature = "import")]

mod common;

use std::path::PathBuf;

use common::*;
use council_address::import::{self, Format, ImportOptions};
use council_address::*;
use council_address_generate as generate;

#[test]
fn trafford_demo_builds_and_answers() {
    let dir = tmpdir("demo");
    let (m, wa) = (
        sources("codepoint-open-2014/m.csv"),
        sources("codepoint-open-2014/wa.csv"),
    );
    let abp = dir.join("trafford-demo.csv");
    let st = generate::trafford_demo(&[&m, &wa], &abp, 2024).unwrap();
    assert_eq!(st.postcodes, 6604, "every Trafford postcode gets addresses");
    assert!(st.properties > 60_000, "{st:?}");
    // Deterministic: the same seed writes the same file.
    let again = dir.join("again.csv");
    generate::trafford_demo(&[&m, &wa], &again, 2024).unwrap();
    assert!(std::fs::read(&abp).unwrap() == std::fs::read(&again).unwrap());
    let head = std::fs::read_to_string(&abp)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    assert!(head.contains("GENERATED"), "{head}");

    let out = dir.join("trafford.idx");
    let opts = ImportOptions {
        transform: Some(grid()),
        generated: true,
        ..Default::default()
    };
    let srcs: Vec<(PathBuf, Format)> = vec![
        (abp.clone(), Format::AddressBasePremium),
        (m.clone(), Format::CodePointOpen),
        (wa.clone(), Format::CodePointOpen),
    ];
    let r = import::build_index(&srcs, &out, &opts).unwrap();
    assert!(
        r.rejected.is_empty(),
        "{:?}",
        &r.rejected[..r.rejected.len().min(5)]
    );
    let idx = AddressIndex::open(std::fs::File::open(&out).unwrap()).unwrap();
    assert!(idx.directory().meta.generated);
    let info = idx.info().unwrap();
    assert!(info.epoch.contains("GENERATED"));
    assert_eq!(
        info.postcode_count,
        31_500 + 17_948,
        "every M and WA postcode"
    );
    let o = QueryOptions::default();
    for pc in [
        "M31 4AN", "M31 4AA", "WA13 9GF", "WA14 4PE", "M15 4AB", "M33 7XW",
    ] {
        let p = idx.by_postcode(pc, &o);
        if let Ok(p) = p
            && pc != "M33 7XW"
        {
            assert!(p.total > 0, "{pc}");
            assert!(
                p.results
                    .iter()
                    .all(|m| m.address.uprn.to_string().starts_with("999"))
            );
            assert!(
                p.results.iter().all(
                    |m| m.address.location.rpc == 1 && m.address.location.wgs84.latitude > 53.0
                )
            );
        }
    }
    // Postcode-level fallback outside Trafford.
    let u = idx.postcode("M1 1AD").unwrap().unwrap();
    assert_eq!(
        (u.address_count, u.district_code.as_deref()),
        (0, Some("E08000003"))
    );
    assert_eq!(idx.by_postcode("M1 1AD", &o).unwrap().total, 0);
    assert!(
        (u.location.wgs84.latitude - 53.4839).abs() < 0.001,
        "{:?}",
        u.location
    );
    // Free text over the demo.
    let p = idx.by_postcode("M31 4AN", &o).unwrap();
    let first = &p.results[0].address;
    let f = idx.find(&first.single_line, 0.0, &o).unwrap();
    assert_eq!(f.results[0].address.uprn, first.uprn);
    assert_eq!(f.results[0].score, 1.0);
    std::fs::remove_dir_all(dir).ok();
}
