//! `council-host inspect`: lists component binaries' imports and exports and checks
//! the imports against what Spin, council-host and `wasmtime serve` provide.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use council_app::inspect::{ImportClass, classify_import, interfaces};

/// `council-host inspect` options.
#[derive(clap::Args, Debug)]
pub struct InspectArgs {
    /// Component binaries.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

/// Runs `council-host inspect`.
pub fn run(args: InspectArgs) -> Result<()> {
    let mut failed = false;
    for file in &args.files {
        let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
        let found = interfaces(&bytes).with_context(|| file.display().to_string())?;
        println!("{}", file.display());
        for import in &found.imports {
            let class = classify_import(import);
            let note = match class {
                ImportClass::Wasi => "wasi 0.2",
                ImportClass::SpinDraft => "spin draft (not on plain wasmtime serve)",
                ImportClass::Council => "council capability (composed)",
                ImportClass::NotAllowed => {
                    failed = true;
                    "NOT ALLOWED"
                }
            };
            println!("  import {import}  [{note}]");
        }
        for export in &found.exports {
            println!("  export {export}");
        }
    }
    if failed {
        bail!("some imports are outside WASI 0.2, the Spin drafts and council:*");
    }
    Ok(())
}
