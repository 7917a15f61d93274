//! Replays every input that once crashed a fuzz target (`crates/address/fuzz`), kept
//! in `tests/data/fuzz-regressions/` and named after the target: `parse-*`, `query-*`
//! or `index-*`. Each runs the same code as its fuzz target and must not panic.
#![cfg(feature = "import")]

mod common;

use std::io::Cursor;

use common::*;
use council_address::import::{Format, Importer};
use council_address::*;

const FORMATS: [Format; 8] = [
    Format::AddressBasePremium,
    Format::Dtf73,
    Format::Dtf81,
    Format::Dtf,
    Format::AddressBasePlus,
    Format::OpenUprn,
    Format::CodePointOpen,
    Format::PlainCsv,
];

/// The index the fuzz targets use: `query` over the full fixture and the plain CSV,
/// `index` over the full fixture alone (built the same way, so byte offsets match).
fn fixture_index(with_plain: bool) -> Vec<u8> {
    let mut imp = Importer::new();
    imp.add_file(&data("abp_full.csv"), Format::AddressBasePremium)
        .unwrap();
    if with_plain {
        imp.add_file(&data("plain.csv"), Format::PlainCsv).unwrap();
    }
    let (g, _) = imp.finish(None).unwrap();
    let mut buf = Cursor::new(Vec::new());
    index::write_index(&g, &mut buf, "2024-01-01", false).unwrap();
    buf.into_inner()
}

fn parse(data: &[u8]) {
    let Some((&f, rest)) = data.split_first() else {
        return;
    };
    let mut imp = Importer::new();
    if imp
        .add_reader(rest, "fuzz.csv", FORMATS[f as usize % FORMATS.len()])
        .is_ok()
        && let Ok((g, _)) = imp.finish(None)
    {
        let mut buf = Cursor::new(Vec::new());
        index::write_index(&g, &mut buf, "2024-01-01", false).unwrap();
        let idx = AddressIndex::open(Cursor::new(buf.into_inner())).unwrap();
        assert_eq!(
            idx.to_gazetteer().unwrap().properties.len(),
            g.properties.len()
        );
    }
}

fn query(idx_bytes: &[u8], data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let _ = postcode::parse_query(s);
    let _ = postcode::correct_slips(s);
    let words = text::raw_words(s);
    let _ = text::postcode_spans(&words);
    let idx = AddressIndex::open(Cursor::new(idx_bytes)).unwrap();
    let o = QueryOptions {
        datasets: vec![Dataset::Dpa, Dataset::Lpi],
        include_historical: true,
        ..Default::default()
    };
    let _ = idx.by_postcode(s, &o);
    let _ = idx.postcode(s);
    let _ = idx.find(s, 0.0, &o);
    let _ = idx.suggest(s, 10, &o);
}

fn damaged(idx_bytes: &[u8], data: &[u8]) {
    let mut bytes = idx_bytes.to_vec();
    for c in data.get(1..).unwrap_or_default().chunks_exact(5) {
        let off = u32::from_le_bytes([c[0], c[1], c[2], c[3]]) as usize % bytes.len();
        bytes[off] = c[4];
    }
    if data.first().is_some_and(|b| b & 1 == 1) {
        index::reseal(&mut bytes);
    }
    let Ok(idx) = AddressIndex::open(Cursor::new(bytes)) else {
        return;
    };
    let o = QueryOptions {
        datasets: vec![Dataset::Dpa, Dataset::Lpi],
        include_historical: true,
        ..Default::default()
    };
    let _ = idx.by_postcode("M31 4AN", &o);
    let _ = idx.by_postcode("M", &o);
    let _ = idx.by_uprn(990000000001, &o);
    let _ = idx.by_usrn(99000001, &o);
    let _ = idx.find("12 church road", 0.0, &o);
    let _ = idx.suggest("12 chu", 10, &o);
    let _ = idx.within_radius(
        BngPoint {
            easting: 373120.0,
            northing: 393301.0,
        },
        500.0,
        &o,
    );
    let _ = idx.postcode("M31 4AN");
    let _ = idx.to_gazetteer();
}

#[test]
fn replay_fuzz_regressions() {
    let (query_idx, index_idx) = (fixture_index(true), fixture_index(false));
    let mut n = 0;
    for e in std::fs::read_dir(data("fuzz-regressions")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&p).unwrap();
        match name.split('-').next() {
            Some("parse") => parse(&bytes),
            Some("query") => query(&query_idx, &bytes),
            Some("index") => damaged(&index_idx, &bytes),
            _ => continue,
        }
        n += 1;
    }
    assert!(n >= 1, "no regression inputs found");
}
