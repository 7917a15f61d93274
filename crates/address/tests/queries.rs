//! Query tests over an index built from the test fixtures: every query of the WIT,
//! paging, filters, sort orders, partial postcodes, errors and read counts.
//!
//! One test binary; this file builds the shared index and the tests are in the modules
//! below (tests/queries/), one subject each.
#![cfg(feature = "import")]

mod common;

/// The tests, one subject per file in tests/queries/ (an inline module, so that they
/// sit there while this root still finds tests/common/ as the other test binaries do).
mod queries {
    use super::*;

    mod find;
    mod index_file;
    mod lookups;
    mod spatial;
}

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
