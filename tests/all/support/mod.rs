//! Shared test machinery: building the real components and the host, starting
//! `council-host serve` on `127.0.0.1:0` and reading the real port back, and a small
//! HTTP client.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use anyhow::{Context, Result, bail};

pub mod moderngov;
pub mod notify;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace")
        .to_path_buf()
}

/// `wit/` loaded as wit-bindgen and the components load it: `council:services` as the
/// main package and, through `wit/deps`, the capability packages (linked there) and
/// the vendored WASI packages they import.
pub fn wit() -> (wit_parser::Resolve, wit_parser::PackageId) {
    let root = workspace_root().join("wit");
    let mut resolve = wit_parser::Resolve::default();
    let (main, _) = resolve
        .push_dir(&root)
        .unwrap_or_else(|e| panic!("wit: {e:#}"));
    (resolve, main)
}

/// The cargo target directory.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// The test guests, built with the shipped components.
pub const TEST_GUESTS: &[&str] = &["guest-hello", "guest-probe"];

/// The components a council deploys (the import check covers exactly these): every
/// package under components/, as `scripts/components` (the one declaration of the
/// list, which scripts/build reads too) prints them.
pub fn shipped_components() -> &'static [String] {
    static SHIPPED: OnceLock<Vec<String>> = OnceLock::new();
    SHIPPED.get_or_init(|| {
        let output = Command::new(workspace_root().join("scripts/components"))
            .current_dir(workspace_root())
            .stderr(Stdio::inherit())
            .output()
            .expect("running scripts/components");
        assert!(output.status.success(), "scripts/components failed");
        String::from_utf8(output.stdout)
            .expect("package names are UTF-8")
            .lines()
            .map(str::to_string)
            .collect()
    })
}

/// `cargo` (the one running the tests), in the workspace root.
pub fn cargo() -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(workspace_root());
    command
}

/// Builds the components (once per test run) and returns the directory of `.wasm` files.
/// The shipped components are built in the one cargo invocation scripts/build uses, so
/// their dependencies resolve the same features and are already built; the test
/// guests are built after them, on their own.
pub fn components() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let shipped: Vec<&str> = shipped_components().iter().map(String::as_str).collect();
        for packages in [&shipped[..], TEST_GUESTS] {
            let mut command = cargo();
            command.args([
                "build",
                "--profile",
                "component",
                "--target",
                "wasm32-wasip2",
            ]);
            for package in packages {
                command.args(["-p", package]);
            }
            let status = command
                .status()
                .expect("running cargo to build the components");
            assert!(status.success(), "building the components failed");
        }
        target_dir().join("wasm32-wasip2").join("component")
    })
}

/// The path of one built component (`council-api` → `council_api.wasm`).
pub fn component(package: &str) -> PathBuf {
    components().join(format!("{}.wasm", package.replace('-', "_")))
}

/// A release binary of this workspace: the one the environment variable `env` names
/// (scripts/test sets it to what it built, which is then used as it is), otherwise
/// built here with `cargo build --release -p package --bin bin`.
pub fn release_binary(env: &str, package: &str, bin: &str) -> PathBuf {
    if let Some(binary) = std::env::var_os(env) {
        let binary = PathBuf::from(binary);
        assert!(binary.is_file(), "{env}={} is not a file", binary.display());
        return binary;
    }
    let status = cargo()
        .args(["build", "--release", "-p", package, "--bin", bin])
        .status()
        .unwrap_or_else(|e| panic!("running cargo to build {package}: {e}"));
    assert!(status.success(), "building {package} failed");
    target_dir().join("release").join(bin)
}

/// `council-host` (built once per test run; `COUNCIL_HOST_BIN` names one built already).
pub fn host_binary() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| release_binary("COUNCIL_HOST_BIN", "council-host", "council-host"))
}

/// Builds the demo data (indexes from `data/sources`) once, with the host's importer.
pub fn demo_data() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let root = workspace_root();
        // Other test processes (and people) may build the same files at the same
        // time: take the lock the build uses.
        let lock = std::fs::File::create(target_dir().join("demo-data.lock"))
            .expect("creating the demo-data lock");
        lock.lock().expect("locking the demo data");
        let status = Command::new(host_binary())
            .current_dir(&root)
            .args(["import", "demo", "--data", "data"])
            .status()
            .expect("running council-host import demo");
        assert!(status.success(), "building the demo data failed");
        root.join("data")
    })
}

/// A scratch directory unique to one test.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = target_dir()
        .join("test-scratch")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("creating a scratch directory");
    dir
}

/// A running `council-host serve`, killed when dropped.
#[derive(Debug)]
pub struct HostProcess {
    child: Child,
    /// The address it listens on.
    pub addr: SocketAddr,
    /// The admin listener's address, when `--admin-listen` was given.
    pub admin: Option<SocketAddr>,
    log: PathBuf,
}

impl HostProcess {
    /// Starts the host on `127.0.0.1:0` and waits for it to print its address.
    pub fn start(manifest: &Path, extra_args: &[&str], env: &[(&str, &str)]) -> Result<Self> {
        Self::start_with_limit(manifest, extra_args, env, None)
    }

    /// [`HostProcess::start`] with the process's file-descriptor limit set to
    /// `nofile` (through util-linux's `prlimit`), as a small container would have.
    pub fn start_with_limit(
        manifest: &Path,
        extra_args: &[&str],
        env: &[(&str, &str)],
        nofile: Option<u32>,
    ) -> Result<Self> {
        let logs = target_dir().join("test-logs");
        std::fs::create_dir_all(&logs).context("creating the test log directory")?;
        let stem = manifest
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("host");
        let log = logs.join(format!("{stem}-{}-{}.log", std::process::id(), unique()));
        let stderr = std::fs::File::create(&log).context("creating the host log")?;
        let mut command = match nofile {
            None => Command::new(host_binary()),
            Some(limit) => {
                let mut command = Command::new("prlimit");
                command
                    .arg(format!("--nofile={limit}:{limit}"))
                    .arg("--")
                    .arg(host_binary());
                command
            }
        };
        command
            .args(["serve", "--manifest"])
            .arg(manifest)
            .args(["--listen", "127.0.0.1:0"]);
        if !extra_args.contains(&"--cache-dir") {
            // Tests share one compile cache, so each component compiles once a run.
            command
                .arg("--cache-dir")
                .arg(target_dir().join("test-compile-cache"));
        }
        command
            .args(extra_args)
            .stdout(Stdio::piped())
            .stderr(stderr);
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().context("starting council-host")?;
        stop_at_exit(child.id());
        let stdout = child.stdout.take().expect("piped stdout");
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = sender.send(line);
            }
        });
        let mut admin = None;
        let line = loop {
            let line = match receiver.recv_timeout(Duration::from_secs(300)) {
                Ok(line) => line,
                Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    bail!(
                        "council-host did not start; its log:\n{}",
                        std::fs::read_to_string(&log).unwrap_or_default()
                    );
                }
            };
            let address = || line.rsplit("http://").next().and_then(|a| a.parse().ok());
            if line.starts_with("council-host admin on ") {
                admin = address();
                continue;
            }
            break line;
        };
        let addr = line
            .rsplit("http://")
            .next()
            .and_then(|a| a.parse().ok())
            .with_context(|| format!("unexpected line from council-host: {line}"))?;
        Ok(Self {
            child,
            addr,
            admin,
            log,
        })
    }

    /// The admin listener's `/metrics`, as text.
    pub fn metrics(&self) -> String {
        let admin = self
            .admin
            .expect("the host was started with --admin-listen 127.0.0.1:0");
        get(&format!("http://{admin}/metrics"))
            .map(|r| r.body)
            .unwrap_or_default()
    }

    /// One sample of `/metrics` (`name{labels}` exactly as written), 0 when absent.
    pub fn metric(&self, sample: &str) -> f64 {
        self.metrics()
            .lines()
            .find_map(|line| {
                let (name, value) = line.rsplit_once(' ')?;
                (name == sample).then(|| value.parse().ok()).flatten()
            })
            .unwrap_or(0.0)
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process has exited; its success if so.
    pub fn exited(&mut self) -> Option<bool> {
        self.child
            .try_wait()
            .ok()
            .flatten()
            .map(|status| status.success())
    }

    /// The full URL of a path on this host.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// What the host has logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends SIGKILL (no chance to clean up), as a crash would.
    pub fn kill_hard(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends SIGTERM and waits for a clean exit; returns whether it exited successfully.
    pub fn terminate(&mut self) -> Result<bool> {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()?;
        if !status.success() {
            bail!("kill -TERM failed");
        }
        for _ in 0..200 {
            if let Some(status) = self.child.try_wait()? {
                return Ok(status.success());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        bail!("council-host did not exit within 10 s of SIGTERM")
    }
}

impl Drop for HostProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        forget_at_exit(self.child.id());
    }
}

/// Processes to stop when the test binary exits. A server kept in a `static` (one
/// host shared by a module's tests) is never dropped, so without this it outlives
/// the run: every child a test starts is registered here and killed at exit.
static CHILDREN: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// Registers a child to be killed when the test binary exits (unless it is
/// stopped before: see [`forget_at_exit`]).
pub fn stop_at_exit(pid: u32) {
    static REGISTERED: std::sync::Once = std::sync::Once::new();
    REGISTERED.call_once(|| {
        #[allow(
            unsafe_code,
            reason = "atexit(3) takes a plain extern \"C\" fn; it shares only the mutex"
        )]
        // SAFETY: `kill_children` is an `extern "C" fn()` that never unwinds.
        unsafe {
            libc::atexit(kill_children);
        }
    });
    CHILDREN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(pid);
}

/// A child stopped and reaped by its owner: nothing to do at exit (and its PID may
/// be reused).
pub fn forget_at_exit(pid: u32) {
    CHILDREN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .retain(|p| *p != pid);
}

extern "C" fn kill_children() {
    let pids = match CHILDREN.lock() {
        Ok(pids) => pids.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    };
    for pid in pids {
        #[allow(unsafe_code, reason = "kill(2) of a child this binary started")]
        // SAFETY: kill has no memory effects; a PID that already exited is ESRCH.
        unsafe {
            libc::kill(pid as libc::pid_t, libc::SIGKILL);
        }
    }
}

pub fn unique() -> u64 {
    static NEXT: Mutex<u64> = Mutex::new(0);
    let mut next = NEXT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    *next += 1;
    *next
}

/// A response, whatever its status.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// The `content-type` header.
    pub content_type: String,
    /// The body as text.
    pub body: String,
}

impl Reply {
    /// The body parsed as JSON (panics with the body when it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(60))
        .build()
}

fn reply(result: Result<ureq::Response, ureq::Error>) -> Result<Reply> {
    let response = match result {
        Ok(response) => response,
        Err(ureq::Error::Status(_, response)) => response,
        Err(e) => return Err(e.into()),
    };
    let status = response.status();
    let content_type = response.header("content-type").unwrap_or("").to_string();
    let body = response.into_string()?;
    Ok(Reply {
        status,
        content_type,
        body,
    })
}

/// GET a URL.
pub fn get(url: &str) -> Result<Reply> {
    reply(agent().get(url).call())
}

/// Send a request with a body.
pub fn send(method: &str, url: &str, content_type: &str, body: &[u8]) -> Result<Reply> {
    reply(
        agent()
            .request(method, url)
            .set("content-type", content_type)
            .send_bytes(body),
    )
}

/// Writes a file, creating its directory.
pub fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("creating a directory");
    }
    std::fs::write(path, text).expect("writing a file");
}

/// A Spin runtime configuration in `dir` that puts each of `labels` in the Redis at
/// `url` (as deploy/runtime-config.redis.toml does), for hosts that share one state;
/// the file's path, for `--runtime-config-file`.
pub fn redis_runtime_config(dir: &Path, url: &str, labels: &[&str]) -> PathBuf {
    let path = dir.join("runtime-config.toml");
    let tables: String = labels
        .iter()
        .map(|label| format!("[key_value_store.{label}]\ntype = \"redis\"\nurl = \"{url}\"\n\n"))
        .collect();
    write(&path, &tables);
    path
}
