//! Fuzzes the CSV/DTF parsers: the first byte picks the format, the rest is the file.
#![no_main]

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

fuzz_target!(|data: &[u8]| {
    let Some((&f, rest)) = data.split_first() else { return };
    let format = FORMATS[f as usize % FORMATS.len()];
    let mut imp = Importer::new();
    if imp.add_reader(rest, "fuzz.csv", format).is_ok() {
        if let Ok((g, _)) = imp.finish(None) {
            // Whatever parsed must index and read back.
            let mut buf = std::io::Cursor::new(Vec::new());
            council_address::index::write_index(&g, &mut buf, "2024-01-01", false).unwrap();
            let idx = council_address::AddressIndex::open(std::io::Cursor::new(buf.into_inner())).unwrap();
            let back = idx.to_gazetteer().unwrap();
            assert_eq!(back.properties.len(), g.properties.len());
        }
    }
});
