//! The `council-host` command line: serve a Spin manifest, compose a component into one
//! self-contained binary, inspect a binary's imports, and import council data.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use council_host::inspect::{ImportClass, classify_import, interfaces};
use council_host::manifest::Manifest;
use council_host::runtime::{App, RuntimeOptions, build_engine, default_cache_dir};
use council_host::server::Server;

mod import;

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
    Serve(ServeArgs),
    /// Compose a component with its dependencies into one self-contained component.
    Compose {
        /// The Spin manifest.
        #[arg(long, default_value = "spin.toml")]
        manifest: PathBuf,
        /// The component id.
        #[arg(long)]
        component: String,
        /// Where to write the composed component.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// List a component's imports and exports and check them against the interfaces
    /// Spin, council-host and wasmtime serve provide.
    Inspect {
        /// Component binaries.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Import council data into the indexes the components read.
    #[command(subcommand)]
    Import(import::ImportCommand),
}

#[derive(clap::Args, Debug)]
struct ServeArgs {
    /// The Spin manifest.
    #[arg(long, default_value = "spin.toml")]
    manifest: PathBuf,
    /// Address to listen on; port 0 picks a free port (printed on start).
    #[arg(long, default_value = "127.0.0.1:3000")]
    listen: SocketAddr,
    /// Directory for key-value data (defaults to `.spin` beside the manifest, as Spin).
    #[arg(long)]
    state_dir: Option<PathBuf>,
    /// Directory for compiled components (defaults to ~/.cache/council-host).
    #[arg(long)]
    cache_dir: Option<PathBuf>,
    /// Compile every start instead of using the cache.
    #[arg(long)]
    no_cache: bool,
    /// Stop a request's instance after this many seconds.
    #[arg(long, default_value_t = 30)]
    request_timeout_secs: u64,
    /// Largest linear memory per instance, in MiB.
    #[arg(long, default_value_t = 256)]
    max_memory_mib: usize,
    /// Requests served at once; more are answered 503.
    #[arg(long, default_value_t = 128)]
    max_concurrent_requests: usize,
    /// Largest request body, in KiB.
    #[arg(long, default_value_t = 1024)]
    max_body_kib: u64,
    /// Timeout for components' outgoing requests that set none themselves, in seconds.
    #[arg(long, default_value_t = 30)]
    outgoing_timeout_secs: u64,
    /// Write /tmp/perf-<pid>.map so `perf report` can name functions in compiled
    /// components.
    #[arg(long)]
    perf_map: bool,
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    match cli.command {
        Command::Serve(args) => serve(args),
        Command::Compose {
            manifest,
            component,
            output,
        } => compose(&manifest, &component, &output),
        Command::Inspect { files } => inspect(&files),
        Command::Import(command) => import::run(command),
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

fn serve(args: ServeArgs) -> Result<()> {
    let manifest = Manifest::from_file(&args.manifest)?;
    let options = RuntimeOptions {
        state_dir: args
            .state_dir
            .unwrap_or_else(|| manifest.base_dir.join(".spin")),
        cache_dir: if args.no_cache {
            None
        } else {
            args.cache_dir.or_else(default_cache_dir)
        },
        max_memory_bytes: args.max_memory_mib << 20,
        request_timeout: Duration::from_secs(args.request_timeout_secs),
        max_concurrent_requests: args.max_concurrent_requests,
        max_request_body_bytes: args.max_body_kib << 10,
        outgoing_timeout: Duration::from_secs(args.outgoing_timeout_secs),
        perf_map: args.perf_map,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let started = std::time::Instant::now();
        let engine = build_engine(&options)?;
        let app =
            tokio::task::spawn_blocking(move || App::load(manifest, engine, options)).await??;
        let routes: Vec<(String, String)> = app
            .router
            .routes()
            .map(|(route, id)| (route.to_string(), id.clone()))
            .collect();
        let server = Server::bind(app, args.listen).await?;
        let addr = server.local_addr()?;
        tracing::info!(
            load_ms = started.elapsed().as_millis() as u64,
            "loaded {} route(s)",
            routes.len()
        );
        for (route, id) in &routes {
            tracing::info!(route = %route, component = %id, "route");
        }
        // The first stdout line is machine-readable: tests and scripts read the port.
        println!("council-host listening on http://{addr}");
        server.serve(shutdown_signal()).await?;
        tracing::info!("stopped");
        Ok(())
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("received Ctrl-C"),
        () = terminate => tracing::info!("received SIGTERM"),
    }
}

fn compose(manifest_path: &Path, component: &str, output: &Path) -> Result<()> {
    let manifest = Manifest::from_file(manifest_path)?;
    let Some(decl) = manifest.component(component) else {
        bail!(
            "{}: no component `{component}` (components: {})",
            manifest_path.display(),
            manifest
                .components
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        );
    };
    let composed = council_host::compose::compose_component(&manifest, decl)?;
    std::fs::write(output, &composed.bytes)
        .with_context(|| format!("writing {}", output.display()))?;
    for (import, dependency) in &composed.plugged {
        eprintln!("  {import} <- {dependency}");
    }
    let remaining = interfaces(&composed.bytes)?;
    eprintln!(
        "wrote {} ({} bytes); it imports {}",
        output.display(),
        composed.bytes.len(),
        remaining.imports.join(", ")
    );
    Ok(())
}

fn inspect(files: &[PathBuf]) -> Result<()> {
    let mut failed = false;
    for file in files {
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
