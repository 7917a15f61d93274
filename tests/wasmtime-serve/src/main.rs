//! `wasmtime serve`, exactly as the wasmtime CLI (48) runs it: the portability test's
//! second runtime. The `wasmtime-cli` crate's `ServeCommand` is wasmtime's own; only
//! this entry point is ours, so that the test needs no second compile of wasmtime
//! (`cargo install wasmtime-cli` built it again with its own lockfile and features:
//! 12.5 minutes of a cold CI run). Usage is the CLI's: `wasmtime serve [OPTIONS] COMPONENT`.

use clap::Parser;
use wasmtime_cli::commands::ServeCommand;

fn main() -> wasmtime::Result<()> {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    match args.get(1).and_then(|a| a.to_str()) {
        Some("serve") => {
            args.remove(1);
        }
        Some("--version" | "-V") => {
            println!("wasmtime 48.0.8 (serve only, from the wasmtime-cli crate)");
            return Ok(());
        }
        _ => {
            eprintln!(
                "usage: wasmtime serve [OPTIONS] COMPONENT (only the serve command is built here)"
            );
            std::process::exit(2);
        }
    }
    ServeCommand::parse_from(args).execute()
}
