//! Writes a GENERATED AddressBase Premium supply of about N properties (`bench_set`,
//! seed 7), for `bench/import.sh`: `bench_set OUT N`.

use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, out, n] = args.as_slice() else {
        return Err("usage: bench_set OUT N".into());
    };
    let stats = council_address_generate::bench_set(Path::new(out), n.parse()?, 7)?;
    eprintln!("wrote {out} ({stats:?})");
    Ok(())
}
