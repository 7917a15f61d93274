//! Replays every input kept in `tests/data/fuzz-regressions/<target>/` (crashes found
//! by `cargo +nightly fuzz run <target>` in `crates/areas/fuzz`, and seeds) through the
//! same checks the fuzz targets make.

use std::path::PathBuf;

use council_areas_testdata::fuzz_checks;

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/fuzz-regressions")
        .join(target);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let p = e.unwrap().path();
            (p.display().to_string(), std::fs::read(&p).unwrap())
        })
        .collect();
    out.sort();
    out
}

fn replay(target: &str, check: impl Fn(&[u8])) {
    let inputs = inputs(target);
    assert!(!inputs.is_empty(), "no inputs for {target}");
    for (name, data) in inputs {
        println!("{name}");
        check(&data);
    }
}

#[test]
fn geojson_import_regressions_pass() {
    replay("geojson_import", fuzz_checks::geojson_import);
}

#[test]
fn rule_parser_regressions_pass() {
    replay("rule_parser", fuzz_checks::rule_parser);
}

#[test]
fn index_reader_regressions_pass() {
    let base = fuzz_checks::small_index();
    replay("index_reader", |d| fuzz_checks::index_reader(&base, d));
}
