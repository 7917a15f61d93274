//! Import speed, for `bench/import.sh`: `import CSV OSTN15_XZ` reads a supply (the
//! script writes a GENERATED one with `council-address-generate`'s `bench_set`
//! example) with the importer and prints
//! `rows parse_seconds total_seconds` (parse and join; then with OSTN15 coordinates).
//! Uses only the public API that the importer has had since format 2, so the script
//! can build the same program against an earlier commit for a before/after ratio.

use std::path::Path;
use std::time::Instant;

use council_address::import::{Format, Importer, Ostn15};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("import") if args.len() == 4 => {
            let grid = Ostn15::from_xz(Path::new(&args[3]))?;
            let t = Instant::now();
            let mut imp = Importer::new();
            imp.add_file(Path::new(&args[2]), Format::AddressBasePremium)?;
            let parse = t.elapsed();
            let rows = imp.report().rows_read;
            let (_, report) = imp.finish(Some(&grid))?;
            let total = t.elapsed();
            if !report.rejected.is_empty() {
                return Err(format!(
                    "{} rows refused: {}",
                    report.rejected.len(),
                    report.rejected[0]
                )
                .into());
            }
            println!(
                "{rows} {:.3} {:.3}",
                parse.as_secs_f64(),
                total.as_secs_f64()
            );
        }
        _ => return Err("usage: import_speed import CSV OSTN15_XZ".into()),
    }
    Ok(())
}
