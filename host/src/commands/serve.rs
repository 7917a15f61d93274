//! `council-host serve`: serves the application a Spin manifest describes, with the
//! limits and timeouts of the command line, until SIGTERM or Ctrl-C.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use council_app::manifest::Manifest;
use council_app::runtime_config::RuntimeConfig;
use council_host::serve::runtime::{App, RuntimeOptions, build_engine, default_cache_dir};
use council_host::serve::server::{ServeOptions, Server};

/// `council-host serve` options.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// The Spin manifest.
    #[arg(long, default_value = "spin.toml")]
    manifest: PathBuf,
    /// Address to listen on; port 0 picks a free port (printed on start).
    #[arg(long, default_value = "127.0.0.1:3000")]
    listen: SocketAddr,
    /// Directory for key-value data (defaults to `.spin` beside the manifest, as Spin).
    #[arg(long)]
    state_dir: Option<PathBuf>,
    /// Spin's runtime configuration file, as `spin up --runtime-config-file` reads it:
    /// its `[key_value_store.<label>]` tables put each store in SQLite
    /// (`type = "spin"`, `path`) or Redis (`type = "redis"`, `url`).
    #[arg(long)]
    runtime_config_file: Option<PathBuf>,
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
    /// Requests served at once (each holds an instance slot); more are answered 503.
    #[arg(long, default_value_t = 128)]
    max_concurrent_requests: usize,
    /// Requests from one client address (an IPv6 /64) holding slots at once; more
    /// are answered 429. 0: no cap (behind a proxy, see docs/SECURITY.md).
    #[arg(long, default_value_t = 32)]
    max_requests_per_client: usize,
    /// Connections open at once; more are answered 503 and closed. Kept below the
    /// process's file-descriptor limit.
    #[arg(long, default_value_t = 1024)]
    max_connections: usize,
    /// Connections open at once from one client address (an IPv6 /64). 0: no cap.
    #[arg(long, default_value_t = 64)]
    max_connections_per_client: usize,
    /// Seconds for a complete request head, counted from when the connection is
    /// ready for one (so idle keep-alive connections close after it too).
    #[arg(long, default_value_t = 10)]
    header_read_timeout_secs: u64,
    /// Seconds a client may leave its response unread before it is cut off.
    #[arg(long, default_value_t = 30)]
    idle_timeout_secs: u64,
    /// Seconds for a complete request body after its head; the body is read whole
    /// before the request takes an instance slot.
    #[arg(long, default_value_t = 20)]
    body_timeout_secs: u64,
    /// Largest request body, in KiB.
    #[arg(long, default_value_t = 1024)]
    max_body_kib: u64,
    /// Request bodies held in memory at once, over all connections, in MiB.
    #[arg(long, default_value_t = 256)]
    max_buffered_body_mib: usize,
    /// Milliseconds an instance may compute before it continues only in the slow
    /// lane (0: never throttle). A legitimate request here computes for milliseconds.
    #[arg(long, default_value_t = 200)]
    throttle_after_ms: u64,
    /// Share of one core, in percent, that all throttled instances together may use.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=100))]
    slow_lane_percent: u32,
    /// Seconds shutdown (SIGTERM, Ctrl-C) waits for requests in flight before it stops
    /// them and exits. A second signal exits at once.
    #[arg(long, default_value_t = 20)]
    shutdown_grace_secs: u64,
    /// Serve /metrics, /healthz and /readyz on this address (keep it off the public
    /// network).
    #[arg(long)]
    admin_listen: Option<SocketAddr>,
    /// Timeout for components' outgoing requests that set none themselves, in seconds.
    #[arg(long, default_value_t = 30)]
    outgoing_timeout_secs: u64,
    /// Write /tmp/perf-<pid>.map so `perf report` can name functions in compiled
    /// components.
    #[arg(long)]
    perf_map: bool,
}

/// Runs `council-host serve`.
pub fn run(args: ServeArgs) -> Result<()> {
    let manifest = Manifest::from_file(&args.manifest)?;
    let runtime_config = args
        .runtime_config_file
        .as_deref()
        .map(RuntimeConfig::from_file)
        .transpose()?;
    let options = RuntimeOptions {
        runtime_config,
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
        throttle_after: Duration::from_millis(args.throttle_after_ms),
        slow_lane_percent: args.slow_lane_percent,
        max_concurrent_requests: args.max_concurrent_requests,
        max_request_body_bytes: args.max_body_kib << 10,
        outgoing_timeout: Duration::from_secs(args.outgoing_timeout_secs),
        perf_map: args.perf_map,
    };
    let serve_options = ServeOptions {
        max_connections: connection_cap(args.max_connections),
        max_connections_per_client: args.max_connections_per_client,
        max_requests_per_client: args.max_requests_per_client,
        header_read_timeout: Duration::from_secs(args.header_read_timeout_secs.max(1)),
        idle_timeout: Duration::from_secs(args.idle_timeout_secs.max(1)),
        body_timeout: Duration::from_secs(args.body_timeout_secs.max(1)),
        max_buffered_body_bytes: args.max_buffered_body_mib.max(1) << 20,
        shutdown_grace: Duration::from_secs(args.shutdown_grace_secs),
        ..ServeOptions::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let result = runtime.block_on(async move {
        let started = std::time::Instant::now();
        let engine = build_engine(&options)?;
        let app =
            tokio::task::spawn_blocking(move || App::load(manifest, engine, options)).await??;
        let routes: Vec<(String, String)> = app
            .router
            .routes()
            .map(|(route, id)| (route.to_string(), id.clone()))
            .collect();
        // Where each store lives (a Redis URL without its password).
        let stores: Vec<(String, &'static str, String)> = app
            .key_value_stores()
            .iter()
            .map(|(label, backend)| (label.to_string(), backend.kind(), backend.location()))
            .collect();
        let max_connections = serve_options.max_connections;
        let server = Server::bind(app, args.listen, args.admin_listen, serve_options).await?;
        let addr = server.local_addr()?;
        tracing::info!(
            load_ms = started.elapsed().as_millis() as u64,
            max_connections,
            "loaded {} route(s)",
            routes.len()
        );
        for (route, id) in &routes {
            tracing::info!(route = %route, component = %id, "route");
        }
        for (label, backend, location) in &stores {
            tracing::info!(store = %label, backend, location = %location, "key-value store");
        }
        // Stdout is machine-readable: tests and scripts read the ports. The admin
        // line, when there is one, comes first; the listening line is always last.
        if let Some(admin) = server.admin_addr() {
            tracing::info!(%admin, "admin listener: /metrics, /healthz, /readyz");
            println!("council-host admin on http://{admin}");
        }
        println!("council-host listening on http://{addr}");
        server.serve(shutdown_signal()).await?;
        tracing::info!("stopped");
        Ok::<_, anyhow::Error>(())
    });
    // Whatever a task still holds (a client connection, a blocking read), the process
    // ends now: the server has already stopped every instance.
    runtime.shutdown_timeout(Duration::from_secs(2));
    result
}

/// The connection cap actually used: `requested`, but below the file-descriptor limit
/// (raised to its hard maximum first), keeping 128 descriptors for files, the
/// key-value store and outgoing requests; a cap above the limit would let a flood of
/// connections make `accept` fail for everyone.
fn connection_cap(requested: usize) -> usize {
    const RESERVED: usize = 128;
    #[cfg(unix)]
    {
        use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
        let limit = getrlimit(Resource::Nofile);
        if let (Some(current), Some(maximum)) = (limit.current, limit.maximum)
            && maximum > current
        {
            let _ = setrlimit(
                Resource::Nofile,
                Rlimit {
                    current: Some(maximum),
                    maximum: Some(maximum),
                },
            );
        }
        if let Some(current) = getrlimit(Resource::Nofile).current {
            let available = usize::try_from(current)
                .unwrap_or(usize::MAX)
                .saturating_sub(RESERVED)
                .max(1);
            if available < requested {
                tracing::warn!(
                    requested,
                    using = available,
                    fd_limit = current,
                    "--max-connections lowered to fit the file-descriptor limit"
                );
                return available;
            }
        }
    }
    requested
}

/// Resolves on the first SIGTERM or Ctrl-C (graceful shutdown); a second one ends the
/// process at once, for an operator who will not wait for the grace period.
async fn shutdown_signal() {
    let (first, received) = tokio::sync::oneshot::channel::<&'static str>();
    tokio::spawn(async move {
        let mut first = Some(first);
        #[cfg(unix)]
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        loop {
            #[cfg(unix)]
            let term = async {
                match terminate.as_mut() {
                    Some(signal) => {
                        signal.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            #[cfg(not(unix))]
            let term = std::future::pending::<()>();
            let which = tokio::select! {
                _ = tokio::signal::ctrl_c() => "Ctrl-C",
                () = term => "SIGTERM",
            };
            match first.take() {
                Some(first) => {
                    let _ = first.send(which);
                }
                None => {
                    tracing::warn!("received {which} again: exiting now");
                    std::process::exit(130);
                }
            }
        }
    });
    if let Ok(which) = received.await {
        tracing::info!("received {which}");
    }
}
