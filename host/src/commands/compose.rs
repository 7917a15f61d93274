//! `council-host compose`: plugs a component's dependencies into it with wac-graph (as
//! Spin does at load time) and writes the self-contained component, for runtimes
//! that do not compose.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use council_app::inspect::interfaces;
use council_app::manifest::Manifest;

/// `council-host compose` options.
#[derive(clap::Args, Debug)]
pub struct ComposeArgs {
    /// The Spin manifest.
    #[arg(long, default_value = "spin.toml")]
    manifest: PathBuf,
    /// The component id.
    #[arg(long)]
    component: String,
    /// Where to write the composed component.
    #[arg(short, long)]
    output: PathBuf,
}

/// Runs `council-host compose`.
pub fn run(args: ComposeArgs) -> Result<()> {
    let manifest = Manifest::from_file(&args.manifest)?;
    let Some(decl) = manifest.component(&args.component) else {
        bail!(
            "{}: no component `{}` (components: {})",
            args.manifest.display(),
            args.component,
            manifest
                .components
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        );
    };
    let composed = council_app::compose::compose_component(&manifest, decl)?;
    std::fs::write(&args.output, &composed.bytes)
        .with_context(|| format!("writing {}", args.output.display()))?;
    for (import, dependency) in &composed.plugged {
        eprintln!("  {import} <- {dependency}");
    }
    let remaining = interfaces(&composed.bytes)?;
    eprintln!(
        "wrote {} ({} bytes); it imports {}",
        args.output.display(),
        composed.bytes.len(),
        remaining.imports.join(", ")
    );
    Ok(())
}
