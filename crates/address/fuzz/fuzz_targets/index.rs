//! Fuzzes reading a damaged index: byte changes are applied to a valid index (the
//! header's length and checksum are kept consistent, so the damage reaches the
//! sections), then every query runs. Any damage must give an error, not a panic or
//! an unbounded allocation.
#![no_main]

use std::io::Cursor;
use std::sync::OnceLock;

use council_address::import::{Format, Importer};
use council_address::{AddressIndex, BngPoint, Dataset, QueryOptions};
use libfuzzer_sys::fuzz_target;

const FIXTURE: &[u8] = include_bytes!("../../tests/data/abp_full.csv");

fn valid() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        let mut imp = Importer::new();
        imp.add_reader(FIXTURE, "abp_full.csv", Format::AddressBasePremium).unwrap();
        let (g, _) = imp.finish(None).unwrap();
        let mut buf = Cursor::new(Vec::new());
        council_address::index::write_index(&g, &mut buf, "2024-01-01", false).unwrap();
        buf.into_inner()
    })
}

fuzz_target!(|data: &[u8]| {
    let mut bytes = valid().to_vec();
    let fix_crc = data.first().is_some_and(|b| b & 1 == 1);
    for c in data.get(1..).unwrap_or_default().chunks_exact(5) {
        let off = u32::from_le_bytes([c[0], c[1], c[2], c[3]]) as usize % bytes.len();
        bytes[off] = c[4];
    }
    if fix_crc {
        council_address::index::reseal(&mut bytes);
    }
    let Ok(idx) = AddressIndex::open(Cursor::new(bytes)) else { return };
    let o = QueryOptions { datasets: vec![Dataset::Dpa, Dataset::Lpi], include_historical: true, ..Default::default() };
    let _ = idx.info();
    let _ = idx.by_postcode("M31 4AN", &o);
    let _ = idx.by_postcode("M", &o);
    let _ = idx.by_uprn(990000000001, &o);
    let _ = idx.by_usrn(99000001, &o);
    let _ = idx.find("12 church road", 0.0, &o);
    let _ = idx.suggest("12 chu", 10, &o);
    let _ = idx.within_radius(BngPoint { easting: 373120.0, northing: 393301.0 }, 500.0, &o);
    let _ = idx.postcode("M31 4AN");
    let _ = idx.to_gazetteer();
});
