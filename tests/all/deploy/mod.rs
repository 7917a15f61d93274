//! `deploy/spinkube/` (docs/deploy.md) is a deployment Kubernetes and spin-operator
//! accept, and one that fits the application it deploys. No cluster is needed:
//!
//! - each `SpinApp` validates against the `openAPIV3Schema` of spin-operator's CRD
//!   (tests/data/schemas/spinkube, copied unmodified), made strict as `kubectl apply`'s
//!   default field validation is: a field the schema does not declare is refused;
//! - spin-operator's admission rules (its `internal/webhook/spinapp_validating.go`):
//!   `replicas` with `enableAutoscaling`, `replicas` below 1 without it, and an
//!   executor that neither the deployment defines nor SpinKube's installation does;
//! - against spin.toml: every variable bound is declared and every secret one comes
//!   from a Secret, every key-value store has a shared Redis store of its own, the probes
//!   call routes that answer without a token, and the CronJobs make the requests
//!   council-host makes on its timer (path, route, staff token);
//! - against docs/deploy.md: every Secret key read is one the guide creates (no Secret
//!   is shipped), and every ConfigMap key read is in the ConfigMap.
//!
//! Each check returns the problems it finds; the `*_refuses_*` tests feed each a broken
//! copy. What needs a cluster (the image runs on the shim, the probes pass, Redis is
//! reachable) is left to docs/deploy.md's "Check" steps.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use council_app::manifest::Manifest;
use council_app::routes::Router;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::support;

mod cronjobs;
mod fit;
mod kube;

use cronjobs::schedule_errors;
use fit::{app_errors, reference_errors, store_errors, variable_errors};
use kube::{admission_errors, crds, schema_errors};

/// One YAML document of a file.
#[derive(Debug, Clone)]
struct Document {
    /// `file.yaml#n`, for messages.
    origin: String,
    value: Value,
}

impl Document {
    fn text(&self, pointer: &str) -> &str {
        self.value
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or("")
    }
    fn kind(&self) -> &str {
        self.text("/kind")
    }
    fn name(&self) -> &str {
        self.text("/metadata/name")
    }
}

fn parse_documents(origin: &str, text: &str) -> Vec<Document> {
    yaml_serde::Deserializer::from_str(text)
        .enumerate()
        .filter_map(|(i, document)| {
            let value = Value::deserialize(document)
                .unwrap_or_else(|e| panic!("{origin}: document {i} does not read: {e}"));
            (!value.is_null()).then(|| Document {
                origin: format!("{origin}#{i}"),
                value,
            })
        })
        .collect()
}

/// Every document of every YAML file under deploy/spinkube/, files in name order (as
/// `kubectl apply -f deploy/spinkube/` reads them).
fn deployment() -> Vec<Document> {
    let dir = support::workspace_root().join("deploy/spinkube");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no YAML under {}", dir.display());
    files
        .iter()
        .flat_map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            parse_documents(&name, &std::fs::read_to_string(path).unwrap())
        })
        .collect()
}

fn guide() -> String {
    std::fs::read_to_string(support::workspace_root().join("docs/deploy.md")).unwrap()
}

/// The deployment's one SpinApp.
fn spin_app(documents: &[Document]) -> &Document {
    let apps: Vec<&Document> = documents.iter().filter(|d| d.kind() == "SpinApp").collect();
    let [app] = apps.as_slice() else {
        panic!("deploy/spinkube has {} SpinApps, not one", apps.len())
    };
    app
}

/// spin.toml, and its routes.
struct App {
    manifest: Manifest,
    router: Router<String>,
}

fn app() -> App {
    let manifest = Manifest::from_file(&support::workspace_root().join("spin.toml")).unwrap();
    let routes = manifest
        .http_triggers
        .iter()
        .filter_map(|t| t.route.clone().map(|r| (r, t.component.clone())))
        .collect();
    App {
        manifest,
        router: Router::new(routes),
    }
}

impl App {
    fn routes_to(&self, path: &str) -> Option<&str> {
        self.router
            .route(path)
            .map(|(_, component, _)| component.as_str())
    }
}

/// A `secretKeyRef` or `configMapKeyRef`: an object's name and one of its keys.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct KeyRef {
    name: String,
    key: String,
}

fn key_ref(value: &Value) -> Option<KeyRef> {
    Some(KeyRef {
        name: value.get("name")?.as_str()?.to_string(),
        key: value.get("key")?.as_str()?.to_string(),
    })
}

/// Everything the SpinApp must fit in spin.toml.
fn fit_errors(documents: &[Document], spin: &App) -> Vec<String> {
    let app = spin_app(documents);
    let mut errors = variable_errors(app, spin);
    errors.extend(store_errors(app, spin));
    errors.extend(app_errors(app, spin));
    errors.extend(schedule_errors(documents, app, spin));
    errors
}

#[track_caller]
fn assert_clean(what: &str, errors: Vec<String>) {
    assert!(errors.is_empty(), "{what}:\n{}", errors.join("\n"));
}

/// Asserts a check finds a problem mentioning `expected`.
#[track_caller]
fn assert_refused(errors: Vec<String>, expected: &str) {
    assert!(
        errors.iter().any(|e| e.contains(expected)),
        "expected a problem mentioning `{expected}`, got {errors:#?}"
    );
}

/// A copy of the deployment with `edit` applied to the document of this kind and name.
fn edited(kind: &str, name: &str, edit: impl FnOnce(&mut Value)) -> Vec<Document> {
    let mut documents = deployment();
    let document = documents
        .iter_mut()
        .find(|d| d.kind() == kind && d.name() == name)
        .unwrap_or_else(|| panic!("no {kind} {name} in deploy/spinkube"));
    edit(&mut document.value);
    documents
}

const APP: &str = "council-components";
const SETTINGS: &str = "council-components-settings";
const OUTBOX: &str = "council-components-outbox";
const HOUSEKEEPING: &str = "council-components-housekeeping";

fn remove(value: &mut Value, field: &str) {
    value.as_object_mut().unwrap().remove(field);
}

/// The SpinApp's binding of a variable.
fn binding<'a>(app: &'a mut Value, name: &str) -> &'a mut Value {
    let list = app["spec"]["variables"].as_array_mut().unwrap();
    list.iter_mut().find(|b| b["name"] == name).unwrap()
}

fn bindings(app: &mut Value) -> &mut Vec<Value> {
    app["spec"]["variables"].as_array_mut().unwrap()
}

fn stores(app: &mut Value) -> &mut Vec<Value> {
    app["spec"]["runtimeConfig"]["keyValueStores"]
        .as_array_mut()
        .unwrap()
}

/// A CronJob's one container.
fn container(job: &mut Value) -> &mut Value {
    &mut job["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
}

fn curl_args(job: &mut Value) -> &mut Vec<Value> {
    container(job)["args"].as_array_mut().unwrap()
}

#[test]
fn deploy_spinkube_validates_against_spin_operators_crds() {
    let documents = deployment();
    spin_app(&documents);
    assert_clean(
        "the API server would refuse",
        schema_errors(&documents, &crds()),
    );
}

#[test]
fn deploy_spinkube_passes_spin_operators_admission_rules() {
    let documents = deployment();
    let app = spin_app(&documents);
    assert_clean(
        "spin-operator would refuse",
        admission_errors(app, &documents),
    );
}

#[test]
fn deploy_spinkube_fits_spin_toml() {
    assert_clean(
        "deploy/spinkube does not fit spin.toml",
        fit_errors(&deployment(), &app()),
    );
}

#[test]
fn deploy_guide_creates_every_secret_the_manifests_read() {
    assert_clean(
        "secrets and settings",
        reference_errors(&deployment(), &guide()),
    );
}
