//! What Kubernetes' API server and spin-operator's admission webhook refuse, checked
//! offline: the CRDs' schemas, made strict, and the webhook's rules.

use super::*;

/// The executor SpinKube's installation creates (`spin-operator.shim-executor.yaml`).
const SHIM_EXECUTOR: &str = "containerd-shim-spin";

/// Kubernetes' own kinds the deployment uses. This repository has no copy of
/// Kubernetes' OpenAPI schemas, so the fields that matter are checked one by one
/// (`cronjobs.rs`, and the ConfigMap in `fit.rs`).
const BUILT_IN_KINDS: &[(&str, &str)] = &[("v1", "ConfigMap"), ("batch/v1", "CronJob")];

/// A CustomResourceDefinition: its group, kind, and a validator per served version.
pub(super) struct Crd {
    group: String,
    kind: String,
    versions: BTreeMap<String, jsonschema::Validator>,
}

fn crd(file: &str) -> Crd {
    let path = support::workspace_root()
        .join("tests/data/schemas/spinkube")
        .join(file);
    let documents = parse_documents(file, &std::fs::read_to_string(path).unwrap());
    let [definition] = documents.as_slice() else {
        panic!("{file} holds one CustomResourceDefinition")
    };
    let spec = &definition.value["spec"];
    let versions = spec["versions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["served"] == true)
        .map(|v| {
            let mut schema = v["schema"]["openAPIV3Schema"].clone();
            refuse_undeclared_fields(&mut schema);
            let validator = jsonschema::validator_for(&schema).expect("the CRD's schema compiles");
            (v["name"].as_str().unwrap().to_string(), validator)
        })
        .collect();
    Crd {
        group: spec["group"].as_str().unwrap().to_string(),
        kind: spec["names"]["kind"].as_str().unwrap().to_string(),
        versions,
    }
}

pub(super) fn crds() -> Vec<Crd> {
    [
        "core.spinkube.dev_spinapps.yaml",
        "core.spinkube.dev_spinappexecutors.yaml",
    ]
    .map(crd)
    .into()
}

/// Makes a structural schema refuse fields it does not declare, as the API server does
/// under `kubectl apply`'s default (strict) field validation instead of pruning them:
/// every object schema with `properties` and no `additionalProperties` or
/// `x-kubernetes-preserve-unknown-fields` gets `additionalProperties: false`. Walks the
/// schema's structure (`properties`, `items`, ...), never a property's name.
fn refuse_undeclared_fields(schema: &mut Value) {
    let Some(map) = schema.as_object_mut() else {
        return;
    };
    if let Some(Value::Object(properties)) = map.get_mut("properties") {
        properties.values_mut().for_each(refuse_undeclared_fields);
    }
    let preserves = map.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true));
    if map.contains_key("properties") && !map.contains_key("additionalProperties") && !preserves {
        map.insert("additionalProperties".into(), Value::Bool(false));
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(inner) = map.get_mut(key) {
            refuse_undeclared_fields(inner);
        }
    }
    for key in ["anyOf", "allOf", "oneOf"] {
        if let Some(Value::Array(list)) = map.get_mut(key) {
            list.iter_mut().for_each(refuse_undeclared_fields);
        }
    }
}

/// What the API server refuses: a custom resource its CRD's schema refuses, a version
/// the CRD does not serve, a kind with no schema here.
pub(super) fn schema_errors(documents: &[Document], crds: &[Crd]) -> Vec<String> {
    let mut errors = Vec::new();
    for document in documents {
        let api_version = document.text("/apiVersion");
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        let Some(crd) = crds
            .iter()
            .find(|c| c.group == group && c.kind == document.kind())
        else {
            if !BUILT_IN_KINDS.contains(&(api_version, document.kind())) {
                errors.push(format!(
                    "{}: {api_version} {} has no schema here to check it against",
                    document.origin,
                    document.kind()
                ));
            }
            continue;
        };
        let Some(validator) = crd.versions.get(version) else {
            errors.push(format!(
                "{}: {version} is not a served version of {}",
                document.origin, crd.kind
            ));
            continue;
        };
        errors.extend(
            validator
                .iter_errors(&document.value)
                .map(|e| format!("{}: {e} at {}", document.origin, e.instance_path())),
        );
    }
    errors
}

/// What spin-operator's validating webhook refuses (`validateReplicas`,
/// `validateExecutor`). Go reads an absent `replicas` as 0.
pub(super) fn admission_errors(app: &Document, documents: &[Document]) -> Vec<String> {
    let spec = &app.value["spec"];
    let autoscaling = spec["enableAutoscaling"].as_bool().unwrap_or(false);
    let replicas = spec["replicas"].as_i64().unwrap_or(0);
    let mut errors = Vec::new();
    if autoscaling && replicas != 0 {
        errors.push("spec.replicas: replicas cannot be set when autoscaling is enabled".into());
    }
    if !autoscaling && replicas < 1 {
        errors.push("spec.replicas: replicas must be > 0".into());
    }
    let executor = app.text("/spec/executor");
    let defined = documents
        .iter()
        .any(|d| d.kind() == "SpinAppExecutor" && d.name() == executor);
    if executor.is_empty() {
        errors.push("spec.executor: executor must be set".into());
    } else if executor != SHIM_EXECUTOR && !defined {
        errors.push(format!(
            "spec.executor: executor `{executor}` does not exist"
        ));
    }
    errors
}

#[test]
fn deploy_crd_check_refuses_what_the_api_server_refuses() {
    let crds = crds();
    let check = |edit: fn(&mut Value)| schema_errors(&edited("SpinApp", APP, edit), &crds);
    assert_refused(
        check(|a| remove(&mut a["spec"], "image")),
        "\"image\" is a required property",
    );
    assert_refused(
        check(|a| a["spec"]["replicas"] = json!("2")),
        "/spec/replicas",
    );
    assert_refused(check(|a| a["spec"]["replica"] = json!(2)), "replica");
    assert_refused(
        check(|a| a["spec"]["checks"]["readiness"]["httpGet"]["port"] = json!(80)),
        "/spec/checks/readiness/httpGet",
    );
    assert_refused(
        check(|a| remove(&mut stores(a)[0], "type")),
        "\"type\" is a required property",
    );
    assert_refused(
        check(|a| a["apiVersion"] = json!("core.spinkube.dev/v2")),
        "not a served version",
    );
    let mut documents = deployment();
    documents.extend(parse_documents("extra", "apiVersion: v1\nkind: Service\n"));
    assert_refused(schema_errors(&documents, &crds), "no schema here");
}

#[test]
fn deploy_admission_check_refuses_what_spin_operator_refuses() {
    let check = |edit: fn(&mut Value)| {
        let documents = edited("SpinApp", APP, edit);
        admission_errors(spin_app(&documents), &documents)
    };
    // Issue 14: an admission webhook refuses replicas together with autoscaling.
    let both = check(|a| a["spec"]["enableAutoscaling"] = json!(true));
    assert_refused(both, "replicas cannot be set when autoscaling is enabled");
    assert_refused(
        check(|a| a["spec"]["replicas"] = json!(0)),
        "replicas must be > 0",
    );
    assert_refused(
        check(|a| remove(&mut a["spec"], "replicas")),
        "replicas must be > 0",
    );
    assert_refused(
        check(|a| a["spec"]["executor"] = json!("wasmtime-spin")),
        "does not exist",
    );
    assert_refused(check(|a| a["spec"]["executor"] = json!("")), "must be set");
    // What it admits: autoscaling without replicas, and an executor the deployment
    // defines (whose SpinAppExecutor validates against its own CRD).
    let autoscaled = check(|a| {
        remove(&mut a["spec"], "replicas");
        a["spec"]["enableAutoscaling"] = json!(true);
    });
    assert_clean("autoscaling alone", autoscaled);
    let mut own = edited("SpinApp", APP, |a| {
        a["spec"]["executor"] = json!("own-shim")
    });
    own.extend(parse_documents(
        "executor",
        "apiVersion: core.spinkube.dev/v1alpha1\nkind: SpinAppExecutor\nmetadata: {name: own-shim}\n\
         spec: {createDeployment: true, deploymentConfig: {runtimeClassName: wasmtime-spin-v2}}\n",
    ));
    assert_clean("the executor against its CRD", schema_errors(&own, &crds()));
    assert_clean("a defined executor", admission_errors(spin_app(&own), &own));
}
