//! The same binaries run everywhere we promise: each shipped component imports only
//! standard WASI 0.2, the two Spin-provided drafts where it needs them, and
//! `council:*`; and the composed address-and-areas API, served by an independent
//! runtime (`wasmtime serve`: the `wasmtime-cli` crate's serve command, tests/wasmtime-serve), answers exactly as
//! `council-host` does.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use council_app::inspect::{ImportClass, classify_import, interfaces};

use crate::support::{self, HostProcess};

/// Components that must not need the Spin drafts (so they run on plain `wasmtime serve`).
const WASI_ONLY: &[&str] = &[
    "address-lookup",
    "parish-routing",
    "council-api",
    "places-api",
];

#[test]
fn shipped_components_import_only_wasi_0_2_the_spin_drafts_and_council_interfaces() {
    let mut problems = Vec::new();
    for package in support::shipped_components() {
        let path = support::component(package);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let found = interfaces(&bytes).unwrap();
        assert!(
            found
                .exports
                .iter()
                .any(|e| e.starts_with("council:")
                    || e.starts_with("wasi:http/incoming-handler@0.2.")),
            "{package} exports nothing useful: {:?}",
            found.exports
        );
        for import in &found.imports {
            match classify_import(import) {
                ImportClass::Wasi | ImportClass::Council => {}
                ImportClass::SpinDraft if !WASI_ONLY.contains(&package.as_str()) => {}
                ImportClass::SpinDraft => problems.push(format!(
                    "{package} imports {import}, which plain wasmtime serve lacks"
                )),
                ImportClass::NotAllowed => problems.push(format!("{package} imports {import}")),
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn capability_components_import_no_council_interface() {
    for package in ["address-lookup", "parish-routing", "contact-fetch"] {
        let bytes = std::fs::read(support::component(package)).unwrap();
        let found = interfaces(&bytes).unwrap();
        let council: Vec<&String> = found
            .imports
            .iter()
            .filter(|i| i.starts_with("council:"))
            .collect();
        assert!(council.is_empty(), "{package} imports {council:?}");
    }
}

#[test]
fn the_import_check_can_fail() {
    // A guest that imports the Spin drafts is caught by the same rule.
    let bytes = std::fs::read(support::component("guest-probe")).unwrap();
    let found = interfaces(&bytes).unwrap();
    assert!(
        found
            .imports
            .iter()
            .any(|i| classify_import(i) == ImportClass::SpinDraft)
    );
}

/// `wasmtime serve` (48): wasmtime's own serve command from the `wasmtime-cli` crate,
/// built in this workspace (tests/wasmtime-serve) so that it shares council-host's
/// compile of wasmtime. `COUNCIL_WASMTIME_BIN` names one already built (scripts/test
/// sets it); otherwise it is built here, once.
fn wasmtime_binary() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        support::release_binary("COUNCIL_WASMTIME_BIN", "wasmtime-serve", "wasmtime")
    })
}

struct WasmtimeServe {
    child: std::process::Child,
    addr: String,
}

impl Drop for WasmtimeServe {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        support::forget_at_exit(self.child.id());
    }
}

fn wasmtime_serve(component: &Path, data: &Path) -> WasmtimeServe {
    let child = Command::new(wasmtime_binary())
        .arg("serve")
        // The proxy world has no filesystem or environment; `-Scli` adds WASI's
        // CLI interfaces, as any runtime serving components with files does.
        .arg("-Scli")
        .arg("--addr=127.0.0.1:0")
        .arg(format!("--dir={}::/data", data.display()))
        .arg(component)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting wasmtime serve");
    support::stop_at_exit(child.id());
    // Owned by the guard from here on, so a panic below still kills and reaps it.
    let mut serve = WasmtimeServe {
        child,
        addr: String::new(),
    };
    let stderr = serve.child.stderr.take().unwrap();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = sender.send(line);
        }
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(300);
    loop {
        let line = receiver
            .recv_timeout(deadline.saturating_duration_since(std::time::Instant::now()))
            .expect("wasmtime serve did not report its address");
        // `Serving HTTP on http://127.0.0.1:PORT/`
        if let Some(rest) = line.split("http://").nth(1) {
            serve.addr = rest.trim_end_matches('/').to_string();
            return serve;
        }
    }
}

/// Requests both runtimes must answer identically (status, content type, body).
const REQUESTS: &[&str] = &[
    "/search/places/v1/postcode?postcode=M31%204AN&maxresults=5",
    "/search/places/v1/postcode?postcode=M31%204AN&dataset=LPI&output_srs=WGS84",
    "/search/places/v1/postcode?postcode=NOT%20A%20POSTCODE",
    "/search/places/v1/find?query=moor%20drive%20partington&maxresults=3",
    "/search/places/v1/autocomplete?query=1%20moor%20dr",
    "/search/places/v1/nearest?point=374000,393000",
    "/api/addresses/postcode/M314AN.geojson",
    "/locate/addresses?postcode=M314AN",
    "/locate/addresses",
    "/point/4326/-2.4178,53.4195",
    "/point/27700/374000,393000",
    "/point/4326/not-a-point",
    "/postcode/M314AN",
    "/postcode/M154AB",
    "/area/E04000011",
    "/area/E04000011.geojson",
    "/areas/CPC",
    "/questions/speeding-traffic",
    "/nowhere",
];

#[test]
fn the_composed_address_and_areas_api_answers_the_same_on_wasmtime_serve() {
    support::components();
    let data = support::demo_data();
    let root = support::workspace_root();
    let manifest = root.join("spin-places.toml");
    let composed = support::scratch_dir("compose").join("places.wasm");
    let output = Command::new(support::host_binary())
        .args(["compose", "--manifest"])
        .arg(&manifest)
        .args(["--component", "places-api", "-o"])
        .arg(&composed)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "compose failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let found = interfaces(&std::fs::read(&composed).unwrap()).unwrap();
    assert!(
        found
            .imports
            .iter()
            .all(|i| classify_import(i) == ImportClass::Wasi),
        "the composition still needs {:?}",
        found.imports
    );

    let ours = HostProcess::start(&manifest, &[], &[]).unwrap();
    let theirs = wasmtime_serve(&composed, data);
    let mut compared = 0;
    for path in REQUESTS {
        let a = support::get(&ours.url(path)).unwrap();
        let b = support::get(&format!("http://{}{path}", theirs.addr)).unwrap();
        assert_eq!(
            a.status, b.status,
            "{path}: council-host {} vs wasmtime serve {}",
            a.status, b.status
        );
        assert_eq!(a.content_type, b.content_type, "{path}");
        // OS Places echoes the request URI, whose authority differs between the two.
        let normalise = |body: &str, authority: &str| body.replace(authority, "HOST");
        assert_eq!(
            normalise(&a.body, &ours.addr.to_string()),
            normalise(&b.body, &theirs.addr),
            "{path}: the two runtimes answered differently"
        );
        compared += 1;
    }
    assert_eq!(compared, REQUESTS.len());
}
