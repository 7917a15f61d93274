//! Fuzzes the query parsers (postcodes, free text, type-ahead) against a small index.
#![no_main]

use std::io::Cursor;
use std::sync::OnceLock;

use council_address::import::{Format, Importer};
use council_address::{AddressIndex, Dataset, QueryOptions, postcode, text};
use libfuzzer_sys::fuzz_target;

const FIXTURE: &[u8] = include_bytes!("../../tests/data/abp_full.csv");
const PLAIN: &[u8] = include_bytes!("../../tests/data/plain.csv");

fn index() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        let mut imp = Importer::new();
        imp.add_reader(FIXTURE, "abp_full.csv", Format::AddressBasePremium).unwrap();
        imp.add_reader(PLAIN, "plain.csv", Format::PlainCsv).unwrap();
        let (g, _) = imp.finish(None).unwrap();
        let mut buf = Cursor::new(Vec::new());
        council_address::index::write_index(&g, &mut buf, "2024-01-01", false).unwrap();
        buf.into_inner()
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let _ = postcode::parse_query(s);
    let _ = postcode::correct_slips(s);
    if let Ok(p) = postcode::Postcode::parse(s) {
        assert_eq!(postcode::Postcode::from_key(p.key()), Some(p));
    }
    let words = text::raw_words(s);
    let _ = text::postcode_spans(&words);
    let _ = text::expand(&words);
    let idx = AddressIndex::open(Cursor::new(index())).unwrap();
    let o = QueryOptions { datasets: vec![Dataset::Dpa, Dataset::Lpi], include_historical: true, ..Default::default() };
    let _ = idx.by_postcode(s, &o);
    let _ = idx.postcode(s);
    if let Ok(p) = idx.find(s, 0.0, &o) {
        assert!(p.results.iter().all(|m| (0.0..=1.0).contains(&m.score)));
    }
    let _ = idx.suggest(s, 10, &o);
});
