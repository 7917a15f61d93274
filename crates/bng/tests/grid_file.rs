//! The grid file: building it from OS's data, reading it whole ([`MemoryGrid`]) and with
//! positioned reads ([`FileGrid`]), and rejecting damaged files.

mod common;

use std::io::Cursor;

use common::{Lcg, grid_bytes, grid_summary, memory_grid, scratch_path, xz_path};
use council_bng::{
    Bng, FORMAT_VERSION, FileGrid, GRID_COLUMNS, GRID_FILE_LEN, GRID_NODES, GRID_ROWS, GridError,
    HEADER_LEN, LonLat, MAGIC, MemoryGrid, ShiftGrid, to_bng, to_lonlat, write_grid,
    write_grid_from_xz,
};

#[test]
fn built_grid_has_the_documented_layout() {
    let bytes = grid_bytes();
    assert_eq!(bytes.len() as u64, GRID_FILE_LEN);
    assert_eq!(GRID_FILE_LEN, 32 + 8 * 876_951);
    assert_eq!(&bytes[0..8], b"OSTNGRID");
    assert_eq!(&bytes[0..8], &MAGIC);
    assert_eq!(u16::from_le_bytes([bytes[8], bytes[9]]), 1);
    assert_eq!(u16::from_le_bytes([bytes[10], bytes[11]]), 32);
    let u32_at = |o: usize| u32::from_le_bytes(bytes[o..o + 4].try_into().unwrap());
    assert_eq!(
        (u32_at(12), u32_at(16), u32_at(20), u32_at(24)),
        (701, 1251, 1000, 8)
    );
    // The first line of OS's data file: Point_ID 1 at (0, 0) shifts 90.750, -82.020.
    let i32_at = |o: usize| i32::from_le_bytes(bytes[o..o + 4].try_into().unwrap());
    assert_eq!((i32_at(32), i32_at(36)), (90_750, -82_020));
    // The last: Point_ID 876951 at (700000, 1250000) shifts 109.209, -53.064.
    let last = 32 + 8 * (876_951 - 1);
    assert_eq!((i32_at(last), i32_at(last + 4)), (109_209, -53_064));
    assert_eq!(memory_grid().crc32(), u32_at(28));
    assert_eq!(memory_grid().node_mm(700, 1250), Some([109_209, -53_064]));
}

#[test]
fn memory_grid_straight_from_xz_matches_the_grid_file() {
    let from_xz = MemoryGrid::from_ostn15_xz(&xz_path()).unwrap();
    assert_eq!(from_xz.crc32(), memory_grid().crc32());
    assert_eq!(from_xz.node_mm(350, 625), memory_grid().node_mm(350, 625));
}

#[test]
fn write_grid_reports_a_summary() {
    let summary = grid_summary();
    assert_eq!(summary.nodes, GRID_NODES);
    assert_eq!(summary.bytes, GRID_FILE_LEN);
    assert_eq!(summary.bytes, grid_bytes().len() as u64);
    assert_eq!(summary.crc32, memory_grid().crc32());
    // OSTN15's east shifts run 82.140..111.046 m, north shifts -84.180..-43.841 m.
    assert_eq!(summary.east_shift_mm, (82_140, 111_046));
    assert_eq!(summary.north_shift_mm, (-84_180, -43_841));
}

#[test]
fn errors_from_path_functions_name_the_file() {
    let missing = scratch_path("no-such-file.txt.xz");
    let err = write_grid_from_xz(&missing, &scratch_path("never.grid")).unwrap_err();
    match &err {
        GridError::File { path, source } => {
            assert_eq!(path, &missing);
            assert!(matches!(**source, GridError::Io(_)), "{source:?}");
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("no-such-file.txt.xz"), "{err}");
    assert!(MemoryGrid::from_ostn15_xz(&missing).is_err());

    // Not xz at all: the decoder's error, naming the file.
    let not_xz = scratch_path("not-xz.txt.xz");
    std::fs::write(&not_xz, b"Point_ID,ETRS89_Easting\r\n").unwrap();
    let err = MemoryGrid::from_ostn15_xz(&not_xz).unwrap_err();
    std::fs::remove_file(&not_xz).unwrap();
    assert!(
        matches!(err, GridError::File { ref path, .. } if path == &not_xz),
        "{err:?}"
    );
}

#[test]
fn write_grid_rejects_a_truncated_data_file() {
    let text = "Point_ID,ETRS89_Easting,ETRS89_Northing,ETRS89_OSGB36_EShift,ETRS89_OSGB36_NShift,ETRS89_ODN_HeightShift,Height_Datum_Flag\r\n\
                1,0,0,90.750,-82.020,55.127,15\r\n";
    let mut out = Vec::new();
    let err = write_grid(text.as_bytes(), &mut out).unwrap_err();
    assert!(
        matches!(err, GridError::BadDataLine { line: 3, ref reason } if reason.contains("ends after 1 nodes")),
        "{err:?}"
    );
    assert!(out.is_empty(), "nothing is written for a bad file");
}

#[test]
fn file_grid_matches_memory_grid_everywhere() {
    let file = FileGrid::open(Cursor::new(grid_bytes())).unwrap();
    let mem = memory_grid();
    // Every node of a few whole rows and columns, including the edges...
    for j in [0, 1, 625, GRID_ROWS - 2, GRID_ROWS - 1] {
        for i in 0..GRID_COLUMNS {
            assert_eq!(
                file.node_shift(i, j).unwrap(),
                mem.node_shift(i, j).unwrap(),
                "({i}, {j})"
            );
        }
    }
    for i in [0, 350, GRID_COLUMNS - 1] {
        for j in 0..GRID_ROWS {
            assert_eq!(
                file.node_shift(i, j).unwrap(),
                mem.node_shift(i, j).unwrap(),
                "({i}, {j})"
            );
        }
    }
    // ...and conversions both ways at random points, bit for bit.
    let mut rng = Lcg(7);
    for _ in 0..2000 {
        let p = Bng::new(rng.range(200.0, 699_800.0), rng.range(200.0, 1_249_800.0));
        let a = to_lonlat(p, mem).unwrap();
        assert_eq!(a, to_lonlat(p, &file).unwrap(), "{p:?}");
        assert_eq!(to_bng(a, mem).unwrap(), to_bng(a, &file).unwrap(), "{a:?}");
    }
    file.verify_checksum().unwrap();
}

#[test]
fn file_grid_reads_little() {
    let p = LonLat::new(-2.3, 53.45);
    let grid = FileGrid::open(Cursor::new(grid_bytes())).unwrap();
    assert_eq!(grid.reads(), 0, "opening reads only the header");
    let bng = to_bng(p, &grid).unwrap();
    assert_eq!(
        grid.reads(),
        2,
        "a forward conversion reads the two edges of one cell"
    );
    to_bng(p, &grid).unwrap();
    assert_eq!(grid.reads(), 2, "the same cell again comes from the cache");

    let fresh = FileGrid::open(Cursor::new(grid_bytes())).unwrap();
    to_lonlat(bng, &fresh).unwrap();
    assert!(
        fresh.reads() <= 4,
        "an inverse conversion touches at most two cells: {}",
        fresh.reads()
    );
}

#[test]
fn file_grid_on_a_real_file() {
    let path = scratch_path("on-disk.grid");
    std::fs::write(&path, grid_bytes()).unwrap();
    let grid = FileGrid::open(std::fs::File::open(&path).unwrap()).unwrap();
    grid.verify_checksum().unwrap();
    let p = LonLat::new(-2.35, 53.42); // Trafford
    assert_eq!(to_bng(p, &grid).unwrap(), to_bng(p, memory_grid()).unwrap());
    assert!(format!("{grid:?}").starts_with("FileGrid"));
    drop(grid.into_inner());
    std::fs::remove_file(&path).unwrap();
}

fn damaged(edit: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut bytes = grid_bytes().to_vec();
    edit(&mut bytes);
    bytes
}

/// Both readers must reject the same damaged files with the same error (except the
/// checksum, which only `MemoryGrid` and `FileGrid::verify_checksum` compute).
fn both_reject(bytes: &[u8], check: impl Fn(&GridError) -> bool) {
    let err = MemoryGrid::from_grid_bytes(bytes).unwrap_err();
    assert!(check(&err), "MemoryGrid: {err:?}");
    let err = FileGrid::open(Cursor::new(bytes)).unwrap_err();
    assert!(check(&err), "FileGrid: {err:?}");
}

#[test]
fn damaged_files_are_rejected() {
    both_reject(
        &damaged(|b| b[0..8].copy_from_slice(b"NOTAGRID")),
        |e| matches!(e, GridError::BadMagic { found } if found == b"NOTAGRID"),
    );
    both_reject(
        &damaged(|b| b[8..10].copy_from_slice(&2u16.to_le_bytes())),
        |e| matches!(e, GridError::UnsupportedVersion { found: 2, supported } if *supported == FORMAT_VERSION),
    );
    both_reject(
        &damaged(|b| b[20..24].copy_from_slice(&500u32.to_le_bytes())),
        |e| matches!(e, GridError::BadHeader { reason } if reason.contains("spacing")),
    );
    both_reject(
        &damaged(|b| b.truncate(b.len() - 1)),
        |e| matches!(e, GridError::Truncated { expected, actual } if *expected == GRID_FILE_LEN && *actual == GRID_FILE_LEN - 1),
    );
    both_reject(
        &damaged(|b| b.truncate(HEADER_LEN - 1)),
        |e| matches!(e, GridError::Truncated { actual, .. } if *actual == HEADER_LEN as u64 - 1),
    );
    both_reject(&[], |e| matches!(e, GridError::Truncated { actual: 0, .. }));
    both_reject(&damaged(|b| b.push(0)), |e| {
        matches!(e, GridError::TooLong { .. })
    });

    // A flipped bit in a record: only a checksum notices.
    let bytes = damaged(|b| b[HEADER_LEN + 8 * 300_000] ^= 0x10);
    let err = MemoryGrid::from_grid_bytes(&bytes).unwrap_err();
    assert!(matches!(err, GridError::ChecksumMismatch { .. }), "{err:?}");
    let file = FileGrid::open(Cursor::new(&bytes)).unwrap();
    assert!(matches!(
        file.verify_checksum(),
        Err(GridError::ChecksumMismatch { .. })
    ));
}

#[test]
fn grids_are_shareable_as_documented() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<MemoryGrid>();
    send::<FileGrid<std::fs::File>>();
    assert!(format!("{:?}", memory_grid()).contains("876951"));
}
