//! `spin.toml` is a manifest Spin accepts: it satisfies Spin's published manifest-v2
//! JSON Schema, Spin's extra rules (checked by `council-host`'s reader), and each
//! dependency name matches an import of its component (checked by composing).

use std::path::Path;

use council_app::manifest::{DependencyName, DependencySource, FilesMount, Manifest};

use crate::support;

fn spin_toml() -> std::path::PathBuf {
    support::workspace_root().join("spin.toml")
}

/// Every manifest the project ships: the whole app, and the address-and-areas app.
fn manifests() -> Vec<std::path::PathBuf> {
    ["spin.toml", "spin-places.toml"]
        .iter()
        .map(|name| support::workspace_root().join(name))
        .collect()
}

fn schema_validator() -> jsonschema::Validator {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            support::workspace_root().join("tests/data/schemas/spin-manifest-v2.json"),
        )
        .unwrap(),
    )
    .unwrap();
    jsonschema::validator_for(&schema).expect("Spin's schema compiles")
}

fn toml_as_json(path: &Path) -> serde_json::Value {
    let value: toml::Value = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    serde_json::to_value(value).unwrap()
}

#[test]
fn spin_toml_satisfies_spins_published_schema() {
    let validator = schema_validator();
    for path in manifests() {
        let manifest = toml_as_json(&path);
        let errors: Vec<String> = validator
            .iter_errors(&manifest)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{} breaks Spin's schema:\n{}",
            path.display(),
            errors.join("\n")
        );
    }
}

#[test]
fn the_schema_check_rejects_what_spin_rejects() {
    // The check must be able to fail: a manifest Spin would refuse.
    let validator = schema_validator();
    let mut manifest = toml_as_json(&spin_toml());
    manifest["spin_manifest_version"] = serde_json::json!(3);
    assert!(!validator.is_valid(&manifest));
    let mut manifest = toml_as_json(&spin_toml());
    manifest["component"]["council-api"]["no_such_field"] = serde_json::json!(true);
    assert!(!validator.is_valid(&manifest));
}

#[test]
fn spin_toml_keeps_spins_rules() {
    for path in manifests() {
        keeps_spins_rules(&path);
    }
}

fn keeps_spins_rules(path: &Path) {
    let manifest = Manifest::from_file(path)
        .unwrap_or_else(|e| panic!("{} does not pass Spin's rules: {e}", path.display()));
    assert!(!manifest.http_triggers.is_empty());
    for (id, component) in &manifest.components {
        // Components as a Spin 3 user writes them: a build command, local files.
        assert!(
            component.build_command.is_some(),
            "component `{id}` has no build command"
        );
        for mount in &component.files {
            if let FilesMount::Directory {
                source,
                destination,
            } = mount
            {
                assert!(
                    manifest.resolve(source).is_dir(),
                    "component `{id}`: files source {source:?} is missing"
                );
                assert!(destination.starts_with('/'));
            }
        }
        // Dependencies are in path form and named by package, so Spin's disjointness
        // and "no export on a package" rules hold (the reader enforces both).
        for dependency in &component.dependencies {
            assert!(
                matches!(dependency.name, DependencyName::Package { .. }),
                "{id}: {}",
                dependency.name
            );
            assert!(matches!(dependency.source, DependencySource::Path(_)));
            assert!(
                component.dependencies_inherit_configuration,
                "component `{id}` has dependencies that need its files and stores"
            );
        }
    }
}

#[test]
fn only_contact_fetch_s_components_may_reach_the_network() {
    for path in manifests() {
        network_rules(&Manifest::from_file(&path).unwrap());
    }
}

/// Every destination comes from a variable (no fixed host, no wildcard), and a
/// component may reach the ModernGov origin if and only if it composes contact-fetch
/// (the back office reaches Notify and the webhook, and nothing else).
fn network_rules(manifest: &Manifest) {
    for (id, component) in &manifest.components {
        let has_contacts = component
            .dependencies
            .iter()
            .any(|d| d.name.package() == "council:contacts");
        let reaches_moderngov = component
            .allowed_outbound_hosts
            .iter()
            .any(|h| h.contains("moderngov_origin"));
        assert_eq!(
            has_contacts, reaches_moderngov,
            "component `{id}`: it may reach the ModernGov origin only if it composes contact-fetch, and must if it does"
        );
        for host in &component.allowed_outbound_hosts {
            assert!(
                host.contains("{{"),
                "component `{id}` allows a fixed host `{host}`: every destination must come from a variable"
            );
            assert!(
                !host.contains('*'),
                "component `{id}` allows a wildcard `{host}`"
            );
        }
    }
}

#[test]
fn every_dependency_name_matches_an_import_of_its_component() {
    support::components();
    for path in manifests() {
        let manifest = Manifest::from_file(&path).unwrap();
        every_dependency_matches(&manifest);
    }
}

fn every_dependency_matches(manifest: &Manifest) {
    for component in manifest.components.values() {
        if component.dependencies.is_empty() {
            continue;
        }
        // Composition fails with `UnmatchedDependency` or `MissingExport` otherwise.
        let composed = council_app::compose::compose_component(manifest, component)
            .unwrap_or_else(|e| panic!("{e}"));
        let remaining = council_app::inspect::interfaces(&composed.bytes).unwrap();
        assert!(
            remaining.imports.iter().all(|i| !i.starts_with("council:")),
            "component `{}` still imports {:?} after composition",
            component.id,
            remaining.imports
        );
    }
}
