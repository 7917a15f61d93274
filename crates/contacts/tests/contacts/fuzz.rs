//! The fuzzing regressions and every fixture through the parsers' fuzz entry point:
//! none may panic.

use std::path::PathBuf;

use council_contacts::moderngov;

#[test]
fn fuzz_regressions_do_not_crash() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz-regressions");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            continue;
        }
        moderngov::fuzz_all(&std::fs::read(&path).unwrap());
        n += 1;
    }
    // Also every real and written fixture.
    for sub in [
        "councillors-by-ward",
        "councillors-by-ward-id",
        "councillors-by-postcode",
        "parish-councils",
        "parish-list-bcr",
        "parish-details",
        "parish-details-list",
        "redirect-stub",
    ] {
        let d = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/data/moderngov")
            .join(sub);
        for entry in std::fs::read_dir(&d).unwrap() {
            moderngov::fuzz_all(&std::fs::read(entry.unwrap().path()).unwrap());
            n += 1;
        }
    }
    assert!(n >= 11);
}
