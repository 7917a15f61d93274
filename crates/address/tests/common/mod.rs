//! Shared test helpers: the OSTN15 grid (loaded once per test binary), building an
//! index in memory from fixture files, and paths.
#![allow(dead_code)]

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use council_address::AddressIndex;
use council_address::import::{Format, ImportReport, Importer, Ostn15};
use council_address::model::Gazetteer;

pub fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

pub fn sources(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/sources")
        .join(name)
}

pub fn repo_tests(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data")
        .join(name)
}

pub fn grid() -> &'static Ostn15 {
    static GRID: OnceLock<Ostn15> = OnceLock::new();
    GRID.get_or_init(|| {
        Ostn15::from_xz(&sources("ostn15/OSTN15_OSGM15_DataFile.txt.xz")).expect("OSTN15 grid")
    })
}

pub fn import(files: &[(&str, Format)]) -> (Gazetteer, ImportReport) {
    let mut imp = Importer::new();
    for (f, fmt) in files {
        imp.add_file(&data(f), *fmt)
            .unwrap_or_else(|e| panic!("{f}: {e}"));
    }
    imp.finish(Some(grid())).expect("finish")
}

pub fn index_of(g: &Gazetteer) -> AddressIndex<Cursor<Vec<u8>>> {
    let mut buf = Cursor::new(Vec::new());
    council_address::index::write_index(g, &mut buf, "2024-01-01", false).expect("write");
    AddressIndex::open(Cursor::new(buf.into_inner())).expect("open")
}

pub fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("council-address-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}
