//! `council-host import addresses` end to end (issue 11): a supply given as a
//! directory, refused rows past `--max-bad-rows`, and positions outside the OSTN15
//! grid served through council-api (OS Places nearest/radius/bbox in WGS84) with
//! parish routing by point (MapIt) for latitude/longitude-only addresses.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::{self, HostProcess};

fn fixture(name: &str) -> PathBuf {
    support::workspace_root()
        .join("crates/address/tests/data")
        .join(name)
}

fn import(args: &[&str]) -> std::process::Output {
    Command::new(support::host_binary())
        .current_dir(support::workspace_root())
        .args(["import", "addresses", "--quiet"])
        .args(args)
        .output()
        .expect("running council-host import addresses")
}

fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn a_supply_directory_imports_and_bad_rows_refuse_the_import() {
    let dir = support::scratch_dir("import-cli");
    // The split supply as a directory (the issue: `--abp DIR` failed "Is a directory").
    let out = dir.join("split.idx");
    let o = import(&[
        "--abp",
        fixture("abp_split").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(out.is_file());

    // Four refused rows: no index at the default --max-bad-rows 0, and every refused
    // row in <out>.rejected.txt with its file, line and column.
    let out = dir.join("bad.idx");
    let o = import(&[
        "--abp",
        fixture("abp_bad_values.csv").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("4 row(s) refused, more than the 0 allowed by --max-bad-rows"),
        "{}",
        text(&o)
    );
    assert!(!out.exists(), "no index written");
    let rejected = std::fs::read_to_string(dir.join("bad.idx.rejected.txt")).unwrap();
    assert!(
        rejected.contains("abp_bad_values.csv:4: column Y_COORDINATE: '39330X.00'"),
        "{rejected}"
    );
    let o = import(&[
        "--abp",
        fixture("abp_bad_values.csv").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--max-bad-rows",
        "4",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(out.is_file());
}

/// A data directory with an address index built from the Islands and the
/// latitude/longitude CSV, and the demo's boundaries and grid.
fn islands_data(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    let demo = support::demo_data();
    for f in ["areas.idx", "ostn15.grid"] {
        std::fs::copy(demo.join(f), data.join(f)).unwrap();
    }
    let o = import(&[
        "--abp",
        fixture("abp_islands.csv").to_str().unwrap(),
        "--csv",
        fixture("plain_latlong.csv").to_str().unwrap(),
        "--out",
        data.join("address.idx").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("kept in WGS84 only (outside the OSTN15 grid)"),
        "{}",
        text(&o)
    );
    data
}

/// council-api alone, from the repository's spin.toml, over `data`.
fn council_api_manifest(dir: &Path, data: &Path) -> PathBuf {
    let root = support::workspace_root();
    let manifest: toml::Table =
        toml::from_str(&std::fs::read_to_string(root.join("spin.toml")).unwrap()).unwrap();
    let mut out = toml::Table::new();
    out.insert("spin_manifest_version".into(), 2.into());
    out.insert("application".into(), manifest["application"].clone());
    out.insert("variables".into(), manifest["variables"].clone());
    let triggers: Vec<toml::Value> = manifest["trigger"]["http"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["component"].as_str() == Some("council-api"))
        .cloned()
        .collect();
    let mut http = toml::Table::new();
    http.insert("http".into(), triggers.into());
    out.insert("trigger".into(), http.into());
    let mut api = manifest["component"]["council-api"]
        .as_table()
        .unwrap()
        .clone();
    let abs = |p: &str| root.join(p).to_string_lossy().to_string();
    api.insert("source".into(), abs(api["source"].as_str().unwrap()).into());
    let mut mount = toml::Table::new();
    mount.insert("source".into(), data.to_string_lossy().to_string().into());
    mount.insert("destination".into(), "/data".into());
    api.insert("files".into(), vec![toml::Value::from(mount)].into());
    api.remove("build");
    if let Some(deps) = api.get_mut("dependencies").and_then(|d| d.as_table_mut()) {
        for (_, dep) in deps.iter_mut() {
            let path = abs(dep["path"].as_str().unwrap());
            dep.as_table_mut()
                .unwrap()
                .insert("path".into(), path.into());
        }
    }
    let mut components = toml::Table::new();
    components.insert("council-api".into(), api.into());
    out.insert("component".into(), components.into());
    let path = dir.join("spin.toml");
    std::fs::write(&path, toml::to_string(&out).unwrap()).unwrap();
    path
}

#[test]
fn positions_outside_the_grid_are_served_in_wgs84_and_routed_by_point() {
    support::components();
    let dir = support::scratch_dir("import-islands");
    let data = islands_data(&dir);
    let manifest = council_api_manifest(&dir, &data);
    let state = dir.join("state");
    let app =
        HostProcess::start(&manifest, &["--state-dir", state.to_str().unwrap()], &[]).unwrap();
    let get = |path: &str| -> Value {
        let reply = support::get(&app.url(path)).unwrap();
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        reply.json()
    };

    // King Street, St Helier: no BNG, so nothing made up; WGS84 as supplied.
    let near = get(
        "/search/places/v1/nearest?point=49.18620,-2.10640&srs=WGS84&output_srs=WGS84&dataset=DPA",
    );
    let dpa = &near["results"][0]["DPA"];
    assert_eq!(dpa["UPRN"], "992000000001", "{near}");
    assert_eq!(dpa["LAT"].as_f64(), Some(49.1861), "{near}");
    assert_eq!(dpa["LNG"].as_f64(), Some(-2.1066), "{near}");
    let bng = get("/search/places/v1/uprn?uprn=992000000001");
    assert!(
        bng["results"][0]["DPA"].get("X_COORDINATE").is_none(),
        "{bng}"
    );

    let radius = get("/search/places/v1/radius?point=49.18620,-2.10640&srs=WGS84&radius=50");
    let uprns: Vec<&str> = radius["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["DPA"]["UPRN"].as_str().or(r["LPI"]["UPRN"].as_str()))
        .collect();
    for u in [
        "992000000001",
        "992000000002",
        "993000000001",
        "993000000002",
    ] {
        assert!(uprns.contains(&u), "{u} in {uprns:?}");
    }
    let bbox =
        get("/search/places/v1/bbox?bbox=49.1858,-2.1070,49.1866,-2.1058&srs=WGS84&dataset=DPA");
    assert_eq!(bbox["header"]["totalresults"].as_u64(), Some(4), "{bbox}");

    // A latitude/longitude-only address in Sale: BNG by OSTN15, and its parish,
    // ward and district by point.
    let sale = get("/search/places/v1/uprn?uprn=993000000003&output_srs=WGS84");
    let dpa = &sale["results"][0]["DPA"];
    let (lat, lng) = (dpa["LAT"].as_f64().unwrap(), dpa["LNG"].as_f64().unwrap());
    let areas = get(&format!("/point/4326/{lng},{lat}"));
    let types: Vec<&str> = areas
        .as_object()
        .unwrap()
        .values()
        .filter_map(|a| a["type"].as_str())
        .collect();
    assert!(types.contains(&"MTD"), "{areas}");
    assert!(types.contains(&"MTW"), "{areas}");
}
