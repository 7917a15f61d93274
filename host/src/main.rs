//! The `council-host` command line: serve a Spin manifest, compose a component into one
//! self-contained binary, inspect a binary's imports, and import council data. Each
//! command lives in its own module under `commands/`, as in wasmtime's `src/commands/`;
//! this file only parses the arguments and sets up logging.

use anyhow::Result;
use clap::{Parser, Subcommand};

mod commands;

#[derive(Parser, Debug)]
#[command(
    name = "council-host",
    version,
    about = "Run, compose and feed council WebAssembly components"
)]
struct Cli {
    /// Log format.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the application a Spin manifest describes.
    Serve(commands::serve::ServeArgs),
    /// Compose a component with its dependencies into one self-contained component.
    Compose(commands::compose::ComposeArgs),
    /// List a component's imports and exports and check them against the interfaces
    /// Spin, council-host and wasmtime serve provide.
    Inspect(commands::inspect::InspectArgs),
    /// Import council data into the indexes the components read.
    #[command(subcommand)]
    Import(commands::import::ImportCommand),
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    match cli.command {
        Command::Serve(args) => commands::serve::run(args),
        Command::Compose(args) => commands::compose::run(args),
        Command::Inspect(args) => commands::inspect::run(args),
        Command::Import(command) => commands::import::run(command),
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("COUNCIL_HOST_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colour only on a terminal: logs that go to files or collectors stay plain text.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}
