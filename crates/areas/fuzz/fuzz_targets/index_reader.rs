//! A damaged index read by a query handle (see `council_areas_testdata::fuzz_checks`).
#![no_main]

use std::sync::OnceLock;

use council_areas_testdata::fuzz_checks;

static BASE: OnceLock<Vec<u8>> = OnceLock::new();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let base = BASE.get_or_init(fuzz_checks::small_index);
    fuzz_checks::index_reader(base, data);
});
