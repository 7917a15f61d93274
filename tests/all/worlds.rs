//! Every shipped component is built for the world wit/ declares for it: its
//! `Cargo.toml` names the world once (`[package.metadata.council] world = "..."`), and
//! its built binary must target that world, as wit-component's `targets` (what
//! `wasm-tools component targets` runs) decides it: every import of the binary is one
//! the world imports, with the same type, and every export the world declares is
//! exported, with the same type.

use anyhow::{Context, Result};
use wit_parser::{PackageId, Resolve};

use crate::support;

/// `[package.metadata.council] world` of each shipped component, read from
/// `cargo metadata` (the component list is scripts/components', as everywhere).
fn declared_worlds() -> Vec<(String, String)> {
    let output = support::cargo()
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .output()
        .expect("running cargo metadata");
    assert!(output.status.success(), "cargo metadata failed");
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let packages = metadata["packages"].as_array().unwrap();
    support::shipped_components()
        .iter()
        .map(|name| {
            let package = packages
                .iter()
                .find(|p| p["name"] == name.as_str())
                .unwrap_or_else(|| panic!("{name} is not in cargo metadata"));
            let world = package["metadata"]["council"]["world"]
                .as_str()
                .unwrap_or_else(|| {
                    panic!(
                        "{name} declares no world: add `[package.metadata.council] world = \
                         \"package:name/world\"` to its Cargo.toml (docs/DEVELOPING.md)"
                    )
                });
            (name.clone(), world.to_string())
        })
        .collect()
}

/// Whether `component` targets `world` (`council:services/places-api`); the error
/// names what does not fit.
fn check(resolve: &Resolve, main: PackageId, world: &str, component: &[u8]) -> Result<()> {
    let id = resolve
        .select_world(&[main], Some(world))
        .with_context(|| format!("wit/ has no world {world}"))?;
    wit_component::targets(resolve, id, component)
}

fn binary(package: &str) -> Vec<u8> {
    let path = support::component(package);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_shipped_component_targets_the_world_its_manifest_declares() {
    let (resolve, main) = support::wit();
    let declared = declared_worlds();
    assert!(!declared.is_empty());
    let problems: Vec<String> = declared
        .iter()
        .filter_map(|(package, world)| {
            check(&resolve, main, world, &binary(package))
                .err()
                .map(|e| format!("{package} does not target {world}: {e:#}"))
        })
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Why `package`'s binary does not target `world`, with its causes; panics if it does.
fn mismatch(resolve: &Resolve, main: PackageId, world: &str, package: &str) -> String {
    match check(resolve, main, world, &binary(package)) {
        Ok(()) => panic!("{package} passed as {world}"),
        Err(e) => format!("{e:#}"),
    }
}

#[test]
fn the_world_check_fails_for_the_wrong_world() {
    let (resolve, main) = support::wit();
    // wasmparser reports the first item that does not fit, so each case has one cause.
    // A declared export is missing: address-lookup exports no parish interface.
    let error = mismatch(
        &resolve,
        main,
        "council:parish/parish-routing",
        "address-lookup",
    );
    assert!(error.contains("council:parish/"), "{error}");
    // An import the world lacks: council-api imports contacts, places-api's world
    // (otherwise the same) does not.
    let error = mismatch(&resolve, main, "council:services/places-api", "council-api");
    assert!(
        error.contains("council:contacts/directory@0.1.0"),
        "{error}"
    );
    // A platform interface beyond WASI's CLI interfaces: contact-fetch's outgoing HTTP
    // and Spin drafts are not in address-lookup's world.
    let error = mismatch(
        &resolve,
        main,
        "council:address/address-lookup",
        "contact-fetch",
    );
    assert!(
        ["wasi:http/", "wasi:keyvalue/", "wasi:config/"]
            .iter()
            .any(|i| error.contains(i)),
        "{error}"
    );
    // A world wit/ does not declare.
    let error = check(&resolve, main, "council:services/no-such-world", &[])
        .expect_err("an undeclared world was found");
    assert!(format!("{error:#}").contains("no-such-world"), "{error:#}");
}

/// The `world:` each `generate_bindings!` (or `wit_bindgen::generate!`) call in a
/// component's sources names.
fn generated_worlds(package: &str) -> Vec<String> {
    let src = support::workspace_root()
        .join("components")
        .join(package)
        .join("src");
    let mut worlds = Vec::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for line in text.lines() {
            if let Some(rest) = line.trim().strip_prefix("world: \"") {
                worlds.push(rest.split('"').next().unwrap_or("").to_string());
            }
        }
    }
    worlds
}

/// Targeting a world is not compiling against it: a component could generate its
/// bindings from a smaller import world and take its export from elsewhere. Each
/// shipped component generates its bindings from exactly the world its Cargo.toml
/// declares (the `wasi:http` ones through `council_http::generate_bindings!`).
#[test]
fn every_shipped_component_generates_its_bindings_from_its_declared_world() {
    let problems: Vec<String> = declared_worlds()
        .iter()
        .filter_map(|(package, world)| {
            let generated = generated_worlds(package);
            (generated != [world.clone()]).then(|| {
                format!("{package} declares {world} but generates bindings from {generated:?}")
            })
        })
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
