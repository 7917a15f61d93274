//! Fuzzes the CSV/DTF parsers: the first byte picks the format, the rest is the file.
//! With `FUZZ_FORMAT` set (`addressbase-premium`, `dtf`, `addressbase-plus`,
//! `open-uprn`, `codepoint-open`, `csv`), every input is a file of that format, so
//! each importer can be fuzzed on its own, from its own corpus (bench/fuzz-import.sh).
#![no_main]

use std::str::FromStr;
use std::sync::OnceLock;

use council_address::import::{Format, Importer};
use libfuzzer_sys::fuzz_target;

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

fn fixed_format() -> Option<Format> {
    static FORMAT: OnceLock<Option<Format>> = OnceLock::new();
    *FORMAT.get_or_init(|| {
        std::env::var("FUZZ_FORMAT")
            .ok()
            .map(|f| Format::from_str(&f).expect("FUZZ_FORMAT names an import format"))
    })
}

fuzz_target!(|data: &[u8]| {
    let (format, rest) = match fixed_format() {
        Some(f) => (f, data),
        None => {
            let Some((&f, rest)) = data.split_first() else {
                return;
            };
            (FORMATS[f as usize % FORMATS.len()], rest)
        }
    };
    let mut imp = Importer::new();
    if imp.add_reader(rest, "fuzz.csv", format).is_ok() {
        if let Ok((g, _)) = imp.finish(None) {
            // Whatever parsed must index and read back.
            let mut buf = std::io::Cursor::new(Vec::new());
            council_address::index::write_index(&g, &mut buf, "2024-01-01", false).unwrap();
            let idx = council_address::AddressIndex::open(std::io::Cursor::new(buf.into_inner()))
                .unwrap();
            let back = idx.to_gazetteer().unwrap();
            assert_eq!(back.properties.len(), g.properties.len());
        }
    }
});
