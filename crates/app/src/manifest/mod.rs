//! Reading and checking a Spin application manifest (`spin.toml`, manifest version 2).
//!
//! `council-host` runs the same manifest a council gives to Spin, so this module reads
//! the subset of the format that matters for running WASI 0.2 HTTP components and
//! applies Spin's own rules to it (see Spin's manifest-v2 JSON schema and
//! <https://spinframework.dev/v3/writing-apps>): the schema checks shape only, Spin
//! additionally requires that each dependency name is a valid interface or package
//! name, that dependency names are disjoint, that a package-form dependency has no
//! `export`, and that every variable a component uses is declared by the application.
//! Whether each dependency name matches an import of the component is checked when the
//! component's binary is read (see [`crate::compose`]).
//!
//! This module holds the declarations and the whole-manifest checks; `rules` checks one
//! component table or trigger table, and `error` says what can be wrong.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::routes::Route;
use crate::variables::Template;

mod error;
mod rules;

pub use error::{ComponentError, DependencyNameError, ManifestError, ScheduleError, TriggerError};

/// A parsed and checked application manifest.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The manifest file's path.
    pub path: PathBuf,
    /// The directory relative paths in the manifest are resolved against.
    pub base_dir: PathBuf,
    /// `[application]`.
    pub application: Application,
    /// `[variables]`, by name.
    pub variables: BTreeMap<String, VariableDecl>,
    /// `[[trigger.http]]`, in file order.
    pub http_triggers: Vec<HttpTrigger>,
    /// `[component.<id>]`, by id.
    pub components: BTreeMap<String, ComponentDecl>,
}

/// `[application]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Application {
    /// The application's name.
    pub name: String,
    /// The application's version.
    #[serde(default)]
    pub version: Option<String>,
    /// A description.
    #[serde(default)]
    pub description: Option<String>,
    /// Authors.
    #[serde(default)]
    pub authors: Vec<String>,
    /// Application-level trigger settings (`[application.trigger.http] base = "/"`).
    #[serde(default)]
    pub trigger: Option<toml::Value>,
    /// Target environments (ignored by `council-host`).
    #[serde(default)]
    pub targets: Option<toml::Value>,
}

/// An application variable declaration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariableDecl {
    /// The value used when none is supplied at runtime.
    #[serde(default)]
    pub default: Option<String>,
    /// Whether a value must be supplied at runtime.
    #[serde(default)]
    pub required: bool,
    /// Whether the value is sensitive (never logged).
    #[serde(default)]
    pub secret: bool,
    /// A description.
    #[serde(default)]
    pub description: Option<String>,
}

/// One `[[trigger.http]]`.
#[derive(Debug, Clone)]
pub struct HttpTrigger {
    /// The route, or `None` for a private route (reachable only from other components).
    pub route: Option<Route>,
    /// The component id it invokes.
    pub component: String,
}

/// A files mount, as `files = [...]` lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilesMount {
    /// A glob pattern relative to the manifest directory; matching files appear at the
    /// same relative path under `/`.
    Pattern(String),
    /// A host directory mapped to a guest directory.
    Directory {
        /// The host directory, relative to the manifest directory.
        source: PathBuf,
        /// The absolute guest path.
        destination: String,
    },
}

/// A request `council-host` sends to a component on a timer: Spin has no timer
/// trigger for WASI HTTP components, so work such as an outbox is driven by calling an
/// HTTP route; on Spin a council's scheduler (cron, a Kubernetes CronJob) calls the
/// same route.
///
/// ```toml
/// [component.report-speeding.tool.council-host]
/// schedule = [{ path = "/report-speeding/outbox/run", every_seconds = 5, bearer_variable = "staff_token" }]
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduledRequest {
    /// The path to `POST` to (it must route to this component).
    pub path: String,
    /// How often.
    pub every: std::time::Duration,
    /// An application variable whose value is sent as `Authorization: Bearer ...`.
    pub bearer_variable: Option<String>,
}

/// A route whose answer, in Prometheus's text format, `council-host` appends to its
/// admin listener's `/metrics` at each scrape (`GET` with the bearer token, as a
/// Prometheus scrape of the route would send it): figures only the application knows,
/// such as an outbox's depth, beside the host's own.
///
/// ```toml
/// [component.report-speeding-backoffice.tool.council-host]
/// metrics = [{ path = "/report-speeding/outbox/metrics", bearer_variable = "staff_token" }]
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricsSource {
    /// The path to `GET` (it must route to this component).
    pub path: String,
    /// An application variable whose value is sent as `Authorization: Bearer ...`.
    pub bearer_variable: Option<String>,
}

/// How a dependency is named: a whole package or one interface.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum DependencyName {
    /// `ns:pkg@version`: every import from the package is satisfied by the dependency's
    /// exports of the same names.
    Package {
        /// `ns:pkg`.
        package: String,
        /// The version, if given.
        version: Option<String>,
    },
    /// `ns:pkg/iface@version`: one import.
    Interface {
        /// `ns:pkg`.
        package: String,
        /// `iface`.
        interface: String,
        /// The version, if given.
        version: Option<String>,
    },
}

impl DependencyName {
    /// Parses a dependency key as Spin accepts it.
    pub fn parse(text: &str) -> Result<Self, DependencyNameError> {
        let (name, version) = match text.split_once('@') {
            Some((name, version)) => {
                if version.is_empty() {
                    return Err(DependencyNameError::EmptyVersion {
                        name: text.to_string(),
                    });
                }
                (name, Some(version.to_string()))
            }
            None => (text, None),
        };
        let (package, interface) = match name.split_once('/') {
            Some((package, interface)) => (package, Some(interface)),
            None => (name, None),
        };
        let Some((namespace, pkg)) = package.split_once(':') else {
            return Err(DependencyNameError::NotPackageOrInterface {
                name: text.to_string(),
            });
        };
        for part in [namespace, pkg].into_iter().chain(interface) {
            if !is_kebab_name(part) {
                return Err(DependencyNameError::NotKebabCase {
                    name: text.to_string(),
                    part: part.to_string(),
                });
            }
        }
        Ok(match interface {
            Some(interface) => Self::Interface {
                package: package.to_string(),
                interface: interface.to_string(),
                version,
            },
            None => Self::Package {
                package: package.to_string(),
                version,
            },
        })
    }

    /// The `ns:pkg` part.
    pub fn package(&self) -> &str {
        match self {
            Self::Package { package, .. } | Self::Interface { package, .. } => package,
        }
    }

    /// Whether this name covers a component import called `import_name`
    /// (`ns:pkg/iface@1.2.3`), allowing semver-compatible versions as Spin does.
    pub fn covers_import(&self, import_name: &str) -> bool {
        let Ok(Self::Interface {
            package,
            interface,
            version,
        }) = Self::parse(import_name)
        else {
            return false;
        };
        match self {
            Self::Package {
                package: p,
                version: v,
            } => *p == package && versions_compatible(v.as_deref(), version.as_deref()),
            Self::Interface {
                package: p,
                interface: i,
                version: v,
            } => {
                *p == package
                    && *i == interface
                    && versions_compatible(v.as_deref(), version.as_deref())
            }
        }
    }
}

impl std::fmt::Display for DependencyName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Package { package, .. } => write!(f, "{package}")?,
            Self::Interface {
                package, interface, ..
            } => write!(f, "{package}/{interface}")?,
        }
        match self {
            Self::Package {
                version: Some(v), ..
            }
            | Self::Interface {
                version: Some(v), ..
            } => write!(f, "@{v}"),
            _ => Ok(()),
        }
    }
}

/// Two versions are compatible when either is absent or they share the semver
/// compatibility track (`1.x` for majors ≥ 1, `0.y` for `0.y.z`), the rule the
/// component model uses to match imports (and wac's `are_semver_compatible`).
fn versions_compatible(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => semver_track(a) == semver_track(b),
        _ => true,
    }
}

fn semver_track(version: &str) -> String {
    let core = version.split(['-', '+']).next().unwrap_or(version);
    let pre = version.len() != core.len();
    let parts: Vec<&str> = core.split('.').collect();
    if pre {
        // Pre-releases (`0.2.0-draft2`) only match themselves.
        return version.to_string();
    }
    match parts.as_slice() {
        ["0", "0", patch] => format!("0.0.{patch}"),
        ["0", minor, ..] => format!("0.{minor}"),
        [major, ..] => (*major).to_string(),
        [] => version.to_string(),
    }
}

fn is_kebab_name(part: &str) -> bool {
    !part.is_empty()
        && part.split('-').all(|word| {
            !word.is_empty()
                && word.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                && word
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// Where a dependency's binary comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DependencySource {
    /// `{ path = "..." }`, relative to the manifest directory.
    Path(PathBuf),
    /// `{ component = "id" }`: another component of the application; only its binary
    /// is used (its files, network and stores are not).
    Component(String),
}

/// One `[component.<id>.dependencies]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    /// The dependency key.
    pub name: DependencyName,
    /// Where its binary comes from.
    pub source: DependencySource,
    /// The export of the dependency to use, when it differs from the import name.
    pub export: Option<String>,
}

/// A `[component.<id>]` table.
#[derive(Debug, Clone)]
pub struct ComponentDecl {
    /// The component id.
    pub id: String,
    /// The Wasm file, relative to the manifest directory.
    pub source: PathBuf,
    /// Files mounts.
    pub files: Vec<FilesMount>,
    /// Glob patterns removed from `files`.
    pub exclude_files: Vec<String>,
    /// Outbound network destinations, as written (templates unresolved).
    pub allowed_outbound_hosts: Vec<String>,
    /// Key-value store labels the component may open.
    pub key_value_stores: Vec<String>,
    /// Environment variables.
    pub environment: BTreeMap<String, String>,
    /// Component variables: name → template over application variables.
    pub variables: BTreeMap<String, Template>,
    /// Dependencies, by key.
    pub dependencies: Vec<Dependency>,
    /// Whether dependencies get the component's files, network, stores and variables.
    pub dependencies_inherit_configuration: bool,
    /// The build command, if any.
    pub build_command: Option<Vec<String>>,
    /// Requests council-host makes to this component on a timer, from
    /// `[component.x.tool.council-host] schedule = [...]` (Spin ignores `tool` tables).
    pub schedule: Vec<ScheduledRequest>,
    /// `[component.x.tool.council-host] metrics = [...]`.
    pub metrics: Vec<MetricsSource>,
    /// A description.
    pub description: Option<String>,
}

// ---------------------------------------------------------------------------
// Raw TOML shapes, exactly as Spin's schema describes them.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    spin_manifest_version: i64,
    application: Application,
    #[serde(default)]
    variables: BTreeMap<String, VariableDecl>,
    #[serde(default)]
    trigger: BTreeMap<String, toml::Value>,
    #[serde(default)]
    component: BTreeMap<String, RawComponent>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHttpTrigger {
    route: RawRoute,
    #[serde(default)]
    component: Option<toml::Value>,
    #[serde(default)]
    components: Option<toml::Value>,
    #[serde(default)]
    executor: Option<toml::Value>,
    #[serde(default)]
    id: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawRoute {
    Path(String),
    Private {
        #[expect(dead_code, reason = "only its presence matters: the route is private")]
        private: bool,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawComponent {
    source: toml::Value,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    files: Vec<RawFiles>,
    #[serde(default)]
    exclude_files: Vec<String>,
    #[serde(default)]
    allowed_outbound_hosts: Vec<String>,
    #[serde(default)]
    allowed_http_hosts: Vec<String>,
    #[serde(default)]
    key_value_stores: Vec<String>,
    #[serde(default)]
    sqlite_databases: Vec<String>,
    #[serde(default)]
    ai_models: Vec<String>,
    #[serde(default)]
    environment: BTreeMap<String, String>,
    #[serde(default)]
    variables: BTreeMap<String, String>,
    #[serde(default)]
    dependencies: BTreeMap<String, RawDependency>,
    #[serde(default)]
    dependencies_inherit_configuration: Option<bool>,
    #[serde(default)]
    build: Option<RawBuild>,
    #[serde(default)]
    tool: Option<toml::Value>,
    #[serde(default)]
    targets: Option<toml::Value>,
    #[serde(default)]
    profile: Option<toml::Value>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawFiles {
    Pattern(String),
    Directory { source: String, destination: String },
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawDependency {
    Version(
        #[expect(
            dead_code,
            reason = "registry versions are rejected; only the form matters"
        )]
        String,
    ),
    Table(BTreeMap<String, toml::Value>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBuild {
    command: RawCommands,
    #[serde(default)]
    workdir: Option<String>,
    #[serde(default)]
    watch: Vec<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawCommands {
    One(String),
    Many(Vec<String>),
}

impl Manifest {
    /// Reads and checks a manifest file.
    pub fn from_file(path: &Path) -> Result<Self, ManifestError> {
        let text = std::fs::read_to_string(path).map_err(|source| ManifestError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_str(&text, path)
    }

    /// Parses and checks manifest text; `path` names it in errors and sets the base
    /// directory for relative paths.
    pub fn from_str(text: &str, path: &Path) -> Result<Self, ManifestError> {
        let syntax = |message: String| ManifestError::Syntax {
            path: path.to_path_buf(),
            message,
        };
        let invalid = |message: String| ManifestError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let raw: RawManifest = toml::from_str(text).map_err(|e| syntax(e.to_string()))?;
        if raw.spin_manifest_version != 2 {
            return Err(invalid(format!(
                "spin_manifest_version is {}; council-host reads manifest version 2",
                raw.spin_manifest_version
            )));
        }
        let base_dir = path
            .parent()
            .map(Path::to_path_buf)
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from("."));

        for (name, decl) in &raw.variables {
            if !is_variable_name(name) {
                return Err(invalid(format!(
                    "variable `{name}`: names are lowercase letters, digits and underscores, starting with a letter"
                )));
            }
            match (&decl.default, decl.required) {
                (Some(_), true) => {
                    return Err(invalid(format!(
                        "variable `{name}` is both required and has a default; choose one"
                    )));
                }
                (None, false) => {
                    return Err(invalid(format!(
                        "variable `{name}` has no default and is not required"
                    )));
                }
                _ => {}
            }
        }

        let mut components = BTreeMap::new();
        for (id, raw_component) in raw.component {
            let component =
                ComponentDecl::from_raw(&id, raw_component, &raw.variables).map_err(|source| {
                    ManifestError::Component {
                        path: path.to_path_buf(),
                        id: id.clone(),
                        source: Box::new(source),
                    }
                })?;
            components.insert(id, component);
        }

        let mut http_triggers = Vec::new();
        for (kind, value) in raw.trigger {
            if kind != "http" {
                return Err(invalid(format!(
                    "trigger type `{kind}` is not supported by council-host (only `http`)"
                )));
            }
            let list: Vec<RawHttpTrigger> = value
                .try_into()
                .map_err(|e: toml::de::Error| syntax(format!("[[trigger.http]]: {e}")))?;
            for (index, trigger) in list.into_iter().enumerate() {
                http_triggers.push(HttpTrigger::from_raw(trigger, &components).map_err(
                    |source| ManifestError::Trigger {
                        path: path.to_path_buf(),
                        number: index + 1,
                        source,
                    },
                )?);
            }
        }
        let mut seen_routes = BTreeMap::new();
        for trigger in &http_triggers {
            if let Some(route) = &trigger.route
                && let Some(other) = seen_routes.insert(route.to_string(), &trigger.component)
            {
                return Err(invalid(format!(
                    "route `{route}` is used twice (components `{other}` and `{}`)",
                    trigger.component
                )));
            }
        }

        let router = crate::routes::Router::new(
            http_triggers
                .iter()
                .filter_map(|t| t.route.clone().map(|r| (r, t.component.clone())))
                .collect(),
        );
        for (id, component) in &components {
            let paths = component.schedule.iter().map(|e| &e.path);
            for path in paths.chain(component.metrics.iter().map(|e| &e.path)) {
                match router.route(path) {
                    Some((_, target, _)) if target == id => {}
                    _ => {
                        return Err(invalid(format!(
                            "component `{id}`: tool.council-host path `{path}` does not route to this component"
                        )));
                    }
                }
            }
        }

        Ok(Self {
            path: path.to_path_buf(),
            base_dir,
            application: raw.application,
            variables: raw.variables,
            http_triggers,
            components,
        })
    }

    /// Resolves a path from the manifest against its directory.
    pub fn resolve(&self, relative: &Path) -> PathBuf {
        if relative.is_absolute() {
            relative.to_path_buf()
        } else {
            self.base_dir.join(relative)
        }
    }

    /// The component with this id.
    pub fn component(&self, id: &str) -> Option<&ComponentDecl> {
        self.components.get(id)
    }
}

fn is_variable_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Manifest, ManifestError> {
        Manifest::from_str(text, Path::new("/app/spin.toml"))
    }

    const MINIMAL: &str = r#"
spin_manifest_version = 2
[application]
name = "demo"
[variables]
origin = { default = "https://example.org" }
[[trigger.http]]
route = "/api/..."
component = "api"
[component.api]
source = "api.wasm"
allowed_outbound_hosts = ["{{ origin }}"]
[component.api.variables]
origin = "{{ origin }}"
[component.api.dependencies]
"council:address@0.2.0" = { path = "address.wasm" }
"#;

    #[test]
    fn reads_metrics_routes_and_refuses_ones_that_route_elsewhere_or_name_no_variable() {
        let with = |entry: &str| {
            format!("{MINIMAL}[component.api.tool.council-host]\nmetrics = [{entry}]\n")
        };
        let manifest = parse(&with(
            r#"{ path = "/api/metrics", bearer_variable = "origin" }"#,
        ))
        .unwrap();
        assert_eq!(
            manifest.components["api"].metrics,
            vec![MetricsSource {
                path: "/api/metrics".into(),
                bearer_variable: Some("origin".into()),
            }]
        );
        for (entry, reason) in [
            (
                r#"{ path = "/elsewhere" }"#,
                "does not route to this component",
            ),
            (r#"{ path = "api/metrics" }"#, "must start with `/`"),
            (
                r#"{ path = "/api/m", bearer_variable = "nope" }"#,
                "`nope` is not declared",
            ),
        ] {
            let error = parse(&with(entry)).unwrap_err().to_string();
            assert!(error.contains(reason), "{entry}: {error}");
        }
    }

    #[test]
    fn reads_a_minimal_manifest() {
        let manifest = parse(MINIMAL).unwrap();
        assert_eq!(manifest.application.name, "demo");
        assert_eq!(manifest.http_triggers.len(), 1);
        let api = manifest.component("api").unwrap();
        assert_eq!(api.dependencies.len(), 1);
        assert!(
            api.dependencies[0]
                .name
                .covers_import("council:address/lookup@0.2.0")
        );
        assert!(
            !api.dependencies[0]
                .name
                .covers_import("council:parish/areas@0.1.0")
        );
        assert_eq!(manifest.base_dir, PathBuf::from("/app"));
    }

    #[test]
    fn rejects_a_package_dependency_with_an_export() {
        let text = MINIMAL.replace(
            r#"{ path = "address.wasm" }"#,
            r#"{ path = "address.wasm", export = "x:y/z" }"#,
        );
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("cannot have an `export`"), "{err}");
    }

    #[test]
    fn rejects_overlapping_dependency_names() {
        let text = MINIMAL.replace(
            r#""council:address@0.2.0" = { path = "address.wasm" }"#,
            "\"council:address@0.2.0\" = { path = \"a.wasm\" }\n\"council:address/lookup@0.2.0\" = { path = \"b.wasm\" }",
        );
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("overlap"), "{err}");
    }

    #[test]
    fn rejects_undeclared_template_variables() {
        let text = MINIMAL.replace(r#"origin = "{{ origin }}""#, r#"origin = "{{ missing }}""#);
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("`{{ missing }}`"), "{err}");
    }

    #[test]
    fn rejects_unknown_components_in_triggers() {
        let text = MINIMAL.replace(r#"component = "api""#, r#"component = "nope""#);
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("`nope` is not declared"), "{err}");
    }

    #[test]
    fn reports_toml_syntax_errors_with_a_line() {
        let err = parse("spin_manifest_version = \n").unwrap_err().to_string();
        assert!(err.contains("line 1"), "{err}");
    }

    #[test]
    fn semver_tracks_follow_the_component_model() {
        assert!(versions_compatible(Some("0.2.0"), Some("0.2.12")));
        assert!(!versions_compatible(Some("0.1.0"), Some("0.2.0")));
        assert!(versions_compatible(Some("1.0.0"), Some("1.4.0")));
        assert!(!versions_compatible(Some("0.2.0-draft2"), Some("0.2.0")));
    }
}
