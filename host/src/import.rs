//! `council-host import ...`: builds the indexes the components read from council data.

use anyhow::Result;
use clap::Subcommand;

/// Import subcommands.
#[derive(Subcommand, Debug)]
pub enum ImportCommand {}

/// Runs an import subcommand.
pub fn run(command: ImportCommand) -> Result<()> {
    match command {}
}
