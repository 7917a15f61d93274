//! The benchmark data: the generated address index and national boundary set, built
//! when not there yet, and linked into the directory the components see as `/data`.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use council_address::AddressIndex;
use council_address::import::{self, Format, ImportOptions};
use council_address_generate as generate;
use council_areas::AreaIndex;
use council_areas_testdata::national;

/// The address benchmark index, generated and imported as `council-address`' bench
/// does when it is not there yet.
pub(super) fn address_index(root: &Path, n: u64) -> Result<PathBuf> {
    let dir = root.join("target/address-bench");
    let idx = dir.join(format!("bench-{n}.idx"));
    if idx.exists() {
        // An index of an older format (the crate changed since) is built again.
        match AddressIndex::open(File::open(&idx)?) {
            Ok(_) => {
                println!("address: using cached {}", idx.display());
                return Ok(idx);
            }
            Err(e) => println!("address: rebuilding {}: {e}", idx.display()),
        }
    }
    std::fs::create_dir_all(&dir)?;
    let csv = dir.join(format!("bench-{n}.csv"));
    println!(
        "address: generating {n} properties into {} (GENERATED DATA; several minutes)",
        csv.display()
    );
    let t = Instant::now();
    generate::bench_set(&csv, n, 7)?;
    let grid =
        import::Ostn15::from_xz(&root.join("data/sources/ostn15/OSTN15_OSGM15_DataFile.txt.xz"))?;
    let opts = ImportOptions {
        transform: Some(&grid),
        generated: true,
        ..Default::default()
    };
    let tmp = idx.with_extension(format!("tmp{}", std::process::id()));
    import::build_index(&[(csv.clone(), Format::AddressBasePremium)], &tmp, &opts)?;
    std::fs::rename(&tmp, &idx)?;
    println!(
        "address: generated and imported in {:.0} s",
        t.elapsed().as_secs_f64()
    );
    Ok(idx)
}

/// The national boundary index, built as `council-areas`' `lookup` bench does when it
/// is not there yet.
pub(super) fn areas_index(root: &Path, cfg: &national::Config) -> Result<PathBuf> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let idx = national::index_path(cfg, &target);
    if idx.exists() {
        match AreaIndex::open(File::open(&idx)?) {
            Ok(_) => {
                println!("parish: using cached {}", idx.display());
                return Ok(idx);
            }
            Err(e) => println!("parish: rebuilding {}: {e}", idx.display()),
        }
    }
    println!(
        "parish: generating the national boundary set into {} (GENERATED DATA)",
        idx.display()
    );
    let t = Instant::now();
    let set = national::generate(cfg);
    national::write_index(&set, &idx);
    println!(
        "parish: generated and imported in {:.0} s",
        t.elapsed().as_secs_f64()
    );
    Ok(idx)
}

/// Links `source` as `dir/name` (a hard link: the index is not copied).
pub(super) fn link_into(dir: &Path, name: &str, source: &Path) -> Result<PathBuf> {
    let target = dir.join(name);
    let _ = std::fs::remove_file(&target);
    std::fs::hard_link(source, &target).with_context(|| {
        format!(
            "hard link {} -> {} (the data directory must be on the same filesystem as target/)",
            target.display(),
            source.display()
        )
    })?;
    Ok(target)
}
