//! Address index benchmarks at benchmark scale (default 1,000,000 generated
//! properties; `ADDRESS_BENCH_N` changes it). Prints results; records nothing.
//!
//! - import: AddressBase Premium CSV rows per second (generated file, real importer),
//!   and the index build;
//! - per request: a fresh handle (file opened and index opened anew, as a WASI
//!   component instance does for every HTTP request, on the bare `File` as
//!   `components/address-lookup` does) plus one query: postcode, UPRN, find and
//!   suggest, p50/p99 over a realistic query mix. On Linux the time each request
//!   spent waiting for a CPU (`/proc/thread-self/schedstat`) is also reported and
//!   taken off in a second column, because on a shared machine the p99 is often a
//!   scheduler time slice rather than work;
//! - the same data and queries in SQLite FTS5 (rusqlite, bundled), a fresh
//!   connection per query, as ratios;
//! - memory per instance: heap held by an open handle and the peak during a query.
//!
//! The index, generated CSV and SQLite database are rewritten in
//! `target/address-bench/` on every run.
//!
//! Run: `cargo bench -p council-address --features import --bench address`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use council_address::import::{self, Format, ImportOptions};
use council_address::{AddressIndex, Dataset, QueryOptions};
use council_address_generate::{self as generate, Rng};
use council_test_support::percentile;

/// Counts live and peak heap bytes, to report memory per instance.
struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

#[expect(
    unsafe_code,
    reason = "a counting global allocator needs `unsafe impl GlobalAlloc`"
)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let now = LIVE.fetch_add(l.size(), Ordering::Relaxed) + l.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(p, l) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Nanoseconds this thread has spent waiting on a run queue (Linux), if known.
fn run_wait() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().nth(1)?.parse().ok()
}

/// Times `f` as one request: wall time, and wall time less the time spent waiting
/// for a CPU (read outside the timed span).
fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration, Duration) {
    let w0 = run_wait();
    let t = Instant::now();
    let v = f();
    let d = t.elapsed();
    let waited = match (w0, run_wait()) {
        (Some(a), Some(b)) => Duration::from_nanos(b.saturating_sub(a)),
        _ => Duration::ZERO,
    };
    (v, d, d.saturating_sub(waited))
}

/// Reports wall and on-CPU p50/p99 of a set of requests; returns the wall figures.
fn report2(name: &str, v: Vec<(Duration, Duration)>) -> (Duration, Duration) {
    let (wall, cpu): (Vec<Duration>, Vec<Duration>) = v.into_iter().unzip();
    let (mut w, mut c) = (wall, cpu);
    w.sort();
    c.sort();
    let (p50, p99) = (percentile(&w, 0.5), percentile(&w, 0.99));
    let (c50, c99) = (percentile(&c, 0.5), percentile(&c, 0.99));
    println!(
        "  {name:<38} n={:<6} p50 {:>9.1?}  p99 {:>9.1?}   less run-queue wait: p50 {:>9.1?}  p99 {:>9.1?}",
        w.len(),
        p50,
        p99,
        c50,
        c99
    );
    (p50, p99)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        println!("address: bench");
        return;
    }
    let n: u64 = std::env::var("ADDRESS_BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/address-bench");
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join(format!("bench-{n}.csv"));
    let idx_path = dir.join(format!("bench-{n}.idx"));
    println!(
        "council-address benchmark, {n} generated properties ({})",
        dir.display()
    );

    let t = Instant::now();
    // Written aside and renamed into place: other benchmarks (council-host's
    // capabilities bench) may be reading the previous files meanwhile.
    let tmp = |p: &Path| p.with_extension(format!("tmp{}", std::process::id()));
    let g = generate::bench_set(&tmp(&csv), n, 7).unwrap();
    std::fs::rename(tmp(&csv), &csv).unwrap();
    println!(
        "  generate: {} properties, {} rows in {:.1?}",
        g.properties,
        g.rows,
        t.elapsed()
    );

    // Import (CSV rows/s) and build.
    let grid = import::Ostn15::from_xz(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../data/sources/ostn15/OSTN15_OSGM15_DataFile.txt.xz"),
    )
    .unwrap();
    let opts = ImportOptions {
        transform: Some(&grid),
        generated: true,
        ..Default::default()
    };
    let t = Instant::now();
    let mut imp = import::Importer::new();
    imp.add_file(&csv, Format::AddressBasePremium).unwrap();
    let parse = t.elapsed();
    let rows = imp.report().rows_read;
    let (gaz, _) = imp.finish(Some(&grid)).unwrap();
    let import_t = t.elapsed();
    println!(
        "  import: {rows} rows parsed in {parse:.2?} ({:.0} rows/s); with coordinate conversion {import_t:.2?} ({:.0} rows/s)",
        rows as f64 / parse.as_secs_f64(),
        rows as f64 / import_t.as_secs_f64()
    );
    let t = Instant::now();
    let b = import::write_gazetteer(&gaz, &tmp(&idx_path), &opts).unwrap();
    std::fs::rename(tmp(&idx_path), &idx_path).unwrap();
    println!(
        "  build: {} properties, {} address records, {} terms, {:.1} MB in {:.2?}",
        b.properties,
        b.address_records,
        b.terms,
        b.bytes as f64 / 1e6,
        t.elapsed()
    );

    // Query mix drawn from the data.
    let mut rng = Rng::new(99);
    let props: Vec<&council_address::model::Property> = gaz.properties.values().collect();
    let mut postcodes = Vec::new();
    let mut uprns = Vec::new();
    let mut finds = Vec::new();
    let mut suggests = Vec::new();
    for _ in 0..2000 {
        let p = props[rng.below(props.len() as u64) as usize];
        let Some(d) = p.dpas.first() else { continue };
        uprns.push(p.uprn);
        let pc = d.postcode.clone().unwrap_or_default();
        postcodes.push(match rng.below(3) {
            0 => pc.to_lowercase(),
            1 => pc.replace(' ', ""),
            _ => pc.clone(),
        });
        let street = d.thoroughfare.clone().unwrap_or_default();
        let num = d.building_number.map(|n| n.to_string());
        let town = d.post_town.clone().unwrap_or_default();
        let q = match rng.below(5) {
            0 => format!("{} {street} {pc}", num.clone().unwrap_or_default()),
            1 => format!("{} {street} {town}", num.clone().unwrap_or_default()),
            2 => format!(
                "{} {}",
                d.sub_building_name.clone().unwrap_or_default(),
                d.building_name.clone().unwrap_or(street.clone())
            ),
            3 => {
                // A typo in the street name.
                let mut s: Vec<char> = street.chars().collect();
                if s.len() > 4 {
                    s.swap(1, 2);
                }
                format!(
                    "{} {}",
                    num.clone().unwrap_or_default(),
                    s.into_iter().collect::<String>()
                )
            }
            _ => format!(
                "{} {}",
                street.replace("ROAD", "RD").replace("STREET", "ST"),
                town
            ),
        };
        finds.push(q.to_lowercase());
        let full = format!("{} {street}", num.unwrap_or_default()).to_lowercase();
        let cut =
            (full.len() / 2 + rng.below((full.len() / 2).max(1) as u64) as usize).min(full.len());
        let mut cut = cut;
        while !full.is_char_boundary(cut) {
            cut -= 1;
        }
        suggests.push(full[..cut].to_string());
    }
    drop(props);

    // Per request: fresh file + fresh index + one query.
    let both = QueryOptions {
        datasets: vec![Dataset::Dpa, Dataset::Lpi],
        ..Default::default()
    };
    // The bare file, as the component opens it: the index makes exact positioned
    // reads, so a read buffer would only copy more.
    let fresh = |p: &Path| AddressIndex::open(File::open(p).unwrap()).unwrap();
    // Warm the page cache first.
    for q in postcodes.iter().take(200) {
        fresh(&idx_path).by_postcode(q, &both).unwrap();
    }
    println!("per request (fresh file + AddressIndex::open + query):");
    let mut reads = 0u64;
    let pc_times: Vec<(Duration, Duration)> = postcodes
        .iter()
        .map(|q| {
            let ((r, n), d, c) = timed(|| {
                let i = fresh(&idx_path);
                let r = i.by_postcode(q, &both).unwrap();
                (r, i.stats().reads)
            });
            reads += n;
            assert!(r.total > 0);
            (d, c)
        })
        .collect();
    report2("postcode (both datasets)", pc_times);
    println!(
        "    mean positioned reads per postcode request: {:.1}",
        reads as f64 / postcodes.len() as f64
    );
    // The DPA view alone (the default), as the SQLite table holds DPA lines only:
    // the like-for-like figure for the ratio.
    let pc_dpa: Vec<(Duration, Duration)> = postcodes
        .iter()
        .map(|q| {
            let (r, d, c) = timed(|| {
                fresh(&idx_path)
                    .by_postcode(q, &QueryOptions::default())
                    .unwrap()
            });
            assert!(r.total > 0);
            (d, c)
        })
        .collect();
    let (pc50, pc99) = report2("postcode (DPA)", pc_dpa);
    let uprn_times: Vec<(Duration, Duration)> = uprns
        .iter()
        .map(|&u| {
            let (r, d, c) = timed(|| fresh(&idx_path).by_uprn(u, &both).unwrap());
            assert!(!r.is_empty());
            (d, c)
        })
        .collect();
    report2("uprn (both datasets)", uprn_times);
    let mut found = 0;
    let mut reads = 0u64;
    let find_times: Vec<(Duration, Duration)> = finds
        .iter()
        .map(|q| {
            let ((r, n), d, c) = timed(|| {
                let i = fresh(&idx_path);
                let r = i.find(q, 0.0, &QueryOptions::default()).unwrap();
                (r, i.stats().reads)
            });
            found += usize::from(r.total > 0);
            reads += n;
            (d, c)
        })
        .collect();
    let (f50, f99) = report2("find (page of 100)", find_times);
    println!(
        "    find queries with results: {found}/{}; mean positioned reads: {:.1}",
        finds.len(),
        reads as f64 / finds.len() as f64
    );
    let mut reads = 0u64;
    let sug_times: Vec<(Duration, Duration)> = suggests
        .iter()
        .map(|q| {
            let (n, d, c) = timed(|| {
                let i = fresh(&idx_path);
                let _ = i.suggest(q, 10, &QueryOptions::default()).unwrap();
                i.stats().reads
            });
            reads += n;
            (d, c)
        })
        .collect();
    let (s50, s99) = report2("suggest (type-ahead, best 10)", sug_times);
    println!(
        "    mean positioned reads per suggest request: {:.1}",
        reads as f64 / suggests.len() as f64
    );

    // Memory per instance.
    let before = LIVE.load(Ordering::Relaxed);
    let i = fresh(&idx_path);
    let open_bytes = LIVE.load(Ordering::Relaxed).saturating_sub(before);
    PEAK.store(LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
    let base = LIVE.load(Ordering::Relaxed);
    i.by_postcode(&postcodes[0], &both).unwrap();
    let pc_peak = PEAK.load(Ordering::Relaxed).saturating_sub(base);
    PEAK.store(LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
    let base = LIVE.load(Ordering::Relaxed);
    for q in finds.iter().take(50) {
        i.find(q, 0.0, &QueryOptions::default()).unwrap();
    }
    let find_peak = PEAK.load(Ordering::Relaxed).saturating_sub(base);
    PEAK.store(LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
    let base = LIVE.load(Ordering::Relaxed);
    for q in suggests.iter().take(50) {
        i.suggest(q, 10, &QueryOptions::default()).unwrap();
    }
    let sug_peak = PEAK.load(Ordering::Relaxed).saturating_sub(base);
    println!(
        "memory per instance: {:.1} KiB held after open; peak {:.1} KiB more for a postcode query, {:.1} KiB for find, {:.1} KiB for suggest (peaks over 50 queries on one handle)",
        open_bytes as f64 / 1024.0,
        pc_peak as f64 / 1024.0,
        find_peak as f64 / 1024.0,
        sug_peak as f64 / 1024.0
    );
    drop(i);

    // SQLite FTS5 on the same data.
    let db = dir.join(format!("bench-{n}.sqlite"));
    let _ = std::fs::remove_file(&db);
    let t = Instant::now();
    {
        let mut c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;
             CREATE TABLE addr(id INTEGER PRIMARY KEY, uprn INTEGER, postcode TEXT, line TEXT);
             CREATE INDEX addr_pc ON addr(postcode);
             CREATE VIRTUAL TABLE addr_fts USING fts5(line, content='addr', content_rowid='id', prefix='2 3');",
        )
        .unwrap();
        let tx = c.transaction().unwrap();
        {
            let mut ins = tx
                .prepare("INSERT INTO addr(uprn, postcode, line) VALUES (?1, ?2, ?3)")
                .unwrap();
            for p in gaz.properties.values() {
                for d in &p.dpas {
                    let line = council_address::view::dpa_single_line(d);
                    ins.execute(rusqlite::params![p.uprn as i64, d.postcode, line])
                        .unwrap();
                }
            }
        }
        tx.commit().unwrap();
        c.execute_batch("INSERT INTO addr_fts(addr_fts) VALUES('rebuild');")
            .unwrap();
    }
    println!(
        "SQLite FTS5 (bundled {}), DPA lines, built in {:.1?}; fresh connection per query:",
        rusqlite::version(),
        t.elapsed()
    );
    let open_db = || {
        rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap()
    };
    let norm_pc = |q: &str| {
        council_address::postcode::Postcode::parse(q)
            .map(|p| p.to_string())
            .unwrap_or_default()
    };
    const SQL_PC: &str = "SELECT uprn, line FROM addr WHERE postcode = ?1 ORDER BY line LIMIT 100";
    const SQL_FIND: &str =
        "SELECT rowid FROM addr_fts WHERE addr_fts MATCH ?1 ORDER BY rank LIMIT 100";
    const SQL_SUGGEST: &str =
        "SELECT rowid FROM addr_fts WHERE addr_fts MATCH ?1 ORDER BY rank LIMIT 10";
    let sq_pc: Vec<(Duration, Duration)> = postcodes
        .iter()
        .map(|q| {
            let (n, d, c) = timed(|| {
                let c = open_db();
                let mut st = c.prepare(SQL_PC).unwrap();
                // The UPRN and the line, as the index returns them (and more).
                st.query_map([norm_pc(q)], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
                })
                .unwrap()
                .count()
            });
            assert!(n > 0);
            (d, c)
        })
        .collect();
    let (q50, q99) = report2("sqlite postcode (DPA lines)", sq_pc);
    let fts = |q: &str, prefix: bool| -> String {
        let words: Vec<String> = council_address::text::raw_words(q)
            .into_iter()
            .map(|w| format!("\"{w}\""))
            .collect();
        let mut s = words.join(" OR ");
        if prefix && !s.is_empty() {
            s.push('*');
        }
        s
    };
    let sq_find: Vec<(Duration, Duration)> = finds
        .iter()
        .map(|q| {
            let ((), d, c) = timed(|| {
                let c = open_db();
                let m = fts(q, false);
                if !m.is_empty() {
                    let mut st = c.prepare(SQL_FIND).unwrap();
                    let _ = st.query_map([m], |r| r.get::<_, i64>(0)).unwrap().count();
                }
            });
            (d, c)
        })
        .collect();
    let (sf50, sf99) = report2("sqlite fts5 find (OR of words, bm25)", sq_find);
    let sq_sug: Vec<(Duration, Duration)> = suggests
        .iter()
        .map(|q| {
            let ((), d, c) = timed(|| {
                let c = open_db();
                let words: Vec<String> = council_address::text::raw_words(q)
                    .into_iter()
                    .map(|w| format!("\"{w}\""))
                    .collect();
                if !words.is_empty() {
                    let m = format!("{}*", words.join(" AND "));
                    let mut st = c.prepare(SQL_SUGGEST).unwrap();
                    let _ = st.query_map([m], |r| r.get::<_, i64>(0)).unwrap().count();
                }
            });
            (d, c)
        })
        .collect();
    let (ss50, ss99) = report2("sqlite fts5 suggest (AND, last prefix)", sq_sug);
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
    println!("ratios (this index / SQLite FTS5; below 1 is faster):");
    println!(
        "  postcode (DPA) p50 {:.3}  p99 {:.3}",
        ratio(pc50, q50),
        ratio(pc99, q99)
    );
    println!(
        "  find           p50 {:.4}  p99 {:.4}",
        ratio(f50, sf50),
        ratio(f99, sf99)
    );
    println!(
        "  suggest        p50 {:.3}  p99 {:.3}",
        ratio(s50, ss50),
        ratio(s99, ss99)
    );
    println!(
        "sizes: index {:.1} MB, sqlite {:.1} MB",
        std::fs::metadata(&idx_path).unwrap().len() as f64 / 1e6,
        std::fs::metadata(&db).unwrap().len() as f64 / 1e6
    );
}
