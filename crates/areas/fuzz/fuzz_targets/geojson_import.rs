//! GeoJSON import → index → queries (see `council_areas_testdata::fuzz_checks`).
#![no_main]

use council_areas_testdata::fuzz_checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_checks::geojson_import(data));
