//! The SpinApp against spin.toml (variables, stores, name, image, probes), and the
//! Secrets and settings it reads against docs/deploy.md and the ConfigMap.

use super::*;

/// Paths council-api answers with 200 without a token or a store
/// (`api::the_index_and_health_describe_the_api`): what a probe may call.
const PROBE_PATHS: &[&str] = &["/", "/api/health"];

/// The component that answers [`PROBE_PATHS`].
const PROBED_COMPONENT: &str = "council-api";

/// Spin's variable names: lower-case ASCII letters, digits and `_`, from a letter.
/// spin-operator upper-cases the name into `SPIN_VARIABLE_<NAME>`, so an upper-case
/// name here would bind a variable Spin cannot declare.
fn is_spin_variable_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The SpinApp's variable bindings against spin.toml's `[variables]`.
pub(super) fn variable_errors(app: &Document, spin: &App) -> Vec<String> {
    let declared = &spin.manifest.variables;
    let bindings = app.value["spec"]["variables"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut errors = Vec::new();
    let mut seen = BTreeSet::new();
    for binding in &bindings {
        let name = binding["name"].as_str().unwrap_or("");
        if !is_spin_variable_name(name) {
            errors.push(format!(
                "variable `{name}` is not a Spin variable name (lower-case)"
            ));
        } else if !declared.contains_key(name) {
            errors.push(format!("spin.toml declares no variable `{name}`"));
        }
        if !seen.insert(name) {
            errors.push(format!("variable `{name}` is bound twice"));
        }
        if binding.get("value").is_some() == binding.get("valueFrom").is_some() {
            errors.push(format!(
                "variable `{name}` needs exactly one of value, valueFrom"
            ));
        }
        if name == "demo_mode" && binding["value"] != "false" {
            errors.push("demo_mode must be \"false\": demo mode accepts the public token".into());
        }
    }
    for (name, declaration) in declared.iter().filter(|(_, d)| d.secret) {
        let binding = bindings.iter().find(|b| b["name"] == name.as_str());
        match binding.map(|b| key_ref(&b["valueFrom"]["secretKeyRef"])) {
            Some(Some(_)) => {}
            Some(None) => errors.push(format!(
                "secret variable `{name}` must come from a Secret (valueFrom.secretKeyRef)"
            )),
            None => errors.push(format!(
                "secret variable `{name}` is not bound (its default is {:?})",
                declaration.default
            )),
        }
    }
    errors
}

/// The SpinApp's `runtimeConfig.keyValueStores` against the stores spin.toml's
/// components open. Several pods serve the app, so every store is Redis; Spin's Redis
/// store ignores the label (one keyspace per URL), so each has a URL of its own; a
/// Redis URL carries its password, so it comes from a Secret.
pub(super) fn store_errors(app: &Document, spin: &App) -> Vec<String> {
    let used: BTreeSet<&str> = spin
        .manifest
        .components
        .values()
        .flat_map(|c| c.key_value_stores.iter().map(String::as_str))
        .collect();
    let runtime = &app.value["spec"]["runtimeConfig"];
    let stores = runtime["keyValueStores"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut errors = Vec::new();
    if runtime.get("loadFromSecret").is_some() {
        errors.push("runtimeConfig.loadFromSecret makes spin-operator ignore the stores".into());
    }
    let mut urls: BTreeMap<KeyRef, String> = BTreeMap::new();
    for store in &stores {
        let name = store["name"].as_str().unwrap_or("");
        if !used.contains(name) {
            errors.push(format!("no component of spin.toml uses store `{name}`"));
        }
        if store["type"] != "redis" {
            errors.push(format!(
                "store `{name}` is {}, not redis: every replica must see the same data",
                store["type"]
            ));
        }
        let options = store["options"].as_array().cloned().unwrap_or_default();
        let url = match options.as_slice() {
            [option] if option["name"] == "url" => key_ref(&option["valueFrom"]["secretKeyRef"]),
            _ => None,
        };
        match url {
            None => errors.push(format!(
                "store `{name}` needs exactly one option, `url`, from a secretKeyRef"
            )),
            Some(url) => {
                if let Some(other) = urls.insert(url.clone(), name.to_string()) {
                    errors.push(format!(
                        "stores `{other}` and `{name}` read the same URL ({}/{}): one keyspace",
                        url.name, url.key
                    ));
                }
            }
        }
    }
    for label in &used {
        if !stores.iter().any(|s| s["name"] == *label) {
            errors.push(format!(
                "store `{label}` (used in spin.toml) has no runtimeConfig entry"
            ));
        }
    }
    errors
}

/// The SpinApp's name (also its Service's), image, probes and resources.
pub(super) fn app_errors(app: &Document, spin: &App) -> Vec<String> {
    let mut errors = Vec::new();
    // The Service spin-operator creates takes the SpinApp's name: a DNS-1035 label.
    let name = app.name();
    let label = name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !label {
        errors.push(format!(
            "name `{name}` is not a DNS-1035 label (a Service name)"
        ));
    }
    let application = &spin.manifest.application;
    let image = app.text("/spec/image");
    let (repository, tag) = image.rsplit_once(':').unwrap_or((image, ""));
    if Some(tag) != application.version.as_deref() || tag.contains('/') {
        errors.push(format!(
            "image `{image}`: its tag should be spin.toml's version {:?}",
            application.version
        ));
    }
    if repository.rsplit('/').next() != Some(application.name.as_str()) {
        errors.push(format!(
            "image `{image}` is not named `{}`",
            application.name
        ));
    }
    for probe in ["readiness", "liveness"] {
        let Some(path) = app.value["spec"]["checks"][probe]["httpGet"]["path"].as_str() else {
            errors.push(format!("no {probe} probe"));
            continue;
        };
        if !PROBE_PATHS.contains(&path) {
            errors.push(format!(
                "{probe} probe `{path}` is not one of {PROBE_PATHS:?}"
            ));
        }
        if spin.routes_to(path) != Some(PROBED_COMPONENT) {
            errors.push(format!(
                "spin.toml does not route {probe} probe `{path}` to {PROBED_COMPONENT}"
            ));
        }
    }
    if app.value["spec"]["resources"]["limits"]["memory"].is_null() {
        errors.push("no memory limit (spec.resources.limits.memory)".into());
    }
    errors
}

/// Every `secretKeyRef` (`true`) and `configMapKeyRef` (`false`) in a document.
fn key_refs(value: &Value, found: &mut Vec<(bool, Option<KeyRef>)>) {
    match value {
        Value::Object(map) => {
            for (field, inner) in map {
                match field.as_str() {
                    "secretKeyRef" => found.push((true, key_ref(inner))),
                    "configMapKeyRef" => found.push((false, key_ref(inner))),
                    _ => key_refs(inner, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| key_refs(i, found)),
        _ => {}
    }
}

/// The Secrets docs/deploy.md's `kubectl create secret generic NAME --from-literal=KEY=...`
/// commands create (a command may continue over lines ending in `\`).
fn guide_secrets(guide: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut secrets: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in guide.replace("\\\n", " ").lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let command = ["kubectl", "create", "secret", "generic"];
        let Some(at) = words.windows(4).position(|w| w == command) else {
            continue;
        };
        let Some(name) = words.get(at + 4) else {
            continue;
        };
        let keys = secrets.entry(name.to_string()).or_default();
        for word in &words[at + 5..] {
            let value = word
                .strip_prefix("--from-literal=")
                .or_else(|| word.strip_prefix("--from-file="));
            if let Some((key, _)) = value.and_then(|v| v.split_once('=')) {
                keys.insert(key.to_string());
            }
        }
    }
    secrets
}

/// No Secret is shipped; every Secret key read is one the guide creates; every
/// ConfigMap key read is in a ConfigMap here, as a string, and every key there is read.
pub(super) fn reference_errors(documents: &[Document], guide: &str) -> Vec<String> {
    let created = guide_secrets(guide);
    let mut errors = Vec::new();
    let mut config_maps: BTreeMap<KeyRef, bool> = BTreeMap::new();
    for map in documents.iter().filter(|d| d.kind() == "ConfigMap") {
        for (key, value) in map.value["data"].as_object().cloned().unwrap_or_default() {
            if !value.is_string() {
                errors.push(format!("{}: `{key}` is {value}, not a string", map.origin));
            }
            let at = KeyRef {
                name: map.name().into(),
                key,
            };
            config_maps.insert(at, false);
        }
    }
    for document in documents {
        if document.kind() == "Secret" {
            errors.push(format!(
                "{}: a Secret is shipped; docs/deploy.md creates them with kubectl",
                document.origin
            ));
        }
        let mut found = Vec::new();
        key_refs(&document.value, &mut found);
        for (secret, reference) in found {
            let Some(reference) = reference else {
                errors.push(format!(
                    "{}: a key reference without name or key",
                    document.origin
                ));
                continue;
            };
            let KeyRef { name, key } = &reference;
            if secret {
                if !created.get(name).is_some_and(|keys| keys.contains(key)) {
                    errors.push(format!(
                        "{}: Secret {name} key {key} is not created by docs/deploy.md",
                        document.origin
                    ));
                }
            } else if let Some(read) = config_maps.get_mut(&reference) {
                *read = true;
            } else {
                errors.push(format!(
                    "{}: no ConfigMap {name} with key {key}",
                    document.origin
                ));
            }
        }
    }
    for (KeyRef { name, key }, read) in config_maps {
        if !read {
            errors.push(format!("ConfigMap {name} key {key} is read by nothing"));
        }
    }
    errors
}

#[test]
fn deploy_variable_check_refuses_bindings_spin_toml_does_not_declare() {
    let spin = app();
    let check = |edit: fn(&mut Value)| {
        let documents = edited("SpinApp", APP, edit);
        variable_errors(spin_app(&documents), &spin)
    };
    let upper = check(|a| binding(a, "council_name")["name"] = json!("COUNCIL_NAME"));
    assert_refused(upper, "not a Spin variable name (lower-case)");
    let unknown = check(|a| binding(a, "council_name")["name"] = json!("council"));
    assert_refused(unknown, "spin.toml declares no variable `council`");
    let literal =
        check(|a| *binding(a, "staff_token") = json!({"name": "staff_token", "value": "x"}));
    assert_refused(literal, "`staff_token` must come from a Secret");
    let missing = check(|a| bindings(a).retain(|b| b["name"] != "webhook_secret"));
    assert_refused(missing, "`webhook_secret` is not bound");
    let twice = check(|a| {
        let copy = binding(a, "council_name").clone();
        bindings(a).push(copy);
    });
    assert_refused(twice, "`council_name` is bound twice");
    assert_refused(
        check(|a| binding(a, "council_name")["value"] = json!("x")),
        "exactly one",
    );
    assert_refused(
        check(|a| binding(a, "demo_mode")["value"] = json!("true")),
        "demo_mode",
    );
}

#[test]
fn deploy_store_check_refuses_stores_replicas_cannot_share() {
    let spin = app();
    let check = |edit: fn(&mut Value)| {
        let documents = edited("SpinApp", APP, edit);
        store_errors(spin_app(&documents), &spin)
    };
    let dropped = check(|a| stores(a).retain(|s| s["name"] != "drafts"));
    assert_refused(
        dropped,
        "`drafts` (used in spin.toml) has no runtimeConfig entry",
    );
    assert_refused(
        check(|a| stores(a)[0]["name"] = json!("cache")),
        "no component",
    );
    assert_refused(check(|a| stores(a)[1]["type"] = json!("spin")), "not redis");
    let literal =
        check(|a| stores(a)[1]["options"][0] = json!({"name": "url", "value": "redis://r/1"}));
    assert_refused(literal, "from a secretKeyRef");
    let shared = check(|a| {
        let first = stores(a)[0]["options"].clone();
        stores(a)[2]["options"] = first;
    });
    assert_refused(shared, "one keyspace");
    let from_secret = check(|a| a["spec"]["runtimeConfig"]["loadFromSecret"] = json!("rc"));
    assert_refused(from_secret, "loadFromSecret");
}

#[test]
fn deploy_app_check_refuses_wrong_probes_and_images() {
    let spin = app();
    let check = |edit: fn(&mut Value)| {
        let documents = edited("SpinApp", APP, edit);
        app_errors(spin_app(&documents), &spin)
    };
    let typo =
        check(|a| a["spec"]["checks"]["readiness"]["httpGet"]["path"] = json!("/api/healthz"));
    assert_refused(typo, "readiness probe `/api/healthz`");
    let behind_token = check(|a| {
        a["spec"]["checks"]["liveness"]["httpGet"]["path"] =
            json!("/report-speeding/staff/reports");
    });
    assert_refused(behind_token, "to council-api");
    assert_refused(
        check(|a| remove(&mut a["spec"]["checks"], "liveness")),
        "no liveness probe",
    );
    assert_refused(
        check(|a| a["spec"]["image"] = json!("ghcr.io/o/council-components:9.9")),
        "tag",
    );
    assert_refused(
        check(|a| a["spec"]["image"] = json!("ghcr.io/o/other:0.1.0")),
        "not named",
    );
    assert_refused(
        check(|a| a["metadata"]["name"] = json!("Council_Components")),
        "DNS-1035",
    );
    assert_refused(
        check(|a| a["spec"]["resources"] = json!({})),
        "memory limit",
    );
}

#[test]
fn deploy_reference_check_refuses_secrets_the_guide_does_not_create() {
    let guide = guide();
    let without_redis: String = guide
        .replace("\\\n", " ")
        .lines()
        .filter(|line| !line.contains("council-components-redis"))
        .collect::<Vec<_>>()
        .join("\n");
    let errors = reference_errors(&deployment(), &without_redis);
    assert_refused(
        errors,
        "Secret council-components-redis key reports_url is not created",
    );
    let unknown_key = edited("SpinApp", APP, |a| {
        binding(a, "council_name")["valueFrom"]["configMapKeyRef"]["key"] = json!("nope");
    });
    assert_refused(reference_errors(&unknown_key, &guide), "no ConfigMap");
    let number = edited("ConfigMap", SETTINGS, |m| {
        m["data"]["report_retention_days"] = json!(90)
    });
    assert_refused(reference_errors(&number, &guide), "not a string");
    let unread = edited("ConfigMap", SETTINGS, |m| m["data"]["spare"] = json!("x"));
    assert_refused(reference_errors(&unread, &guide), "read by nothing");
    let mut shipped = deployment();
    shipped.extend(parse_documents(
        "secret",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: council-components-secrets}\n\
         stringData: {staff_token: x}\n",
    ));
    assert_refused(reference_errors(&shipped, &guide), "a Secret is shipped");
}
