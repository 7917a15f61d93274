//! What can be wrong with a manifest: [`ManifestError`] for the file, and one enum
//! for each table whose rules are checked on their own (a component, a trigger, a
//! schedule, a dependency name). The messages name the offending entry as written.

use std::path::PathBuf;

use crate::allowed_hosts::OutboundError;
use crate::routes::RouteError;
use crate::variables::TemplateError;

/// Errors found while reading or checking a manifest.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// Occurs when the manifest file cannot be read.
    #[error("cannot read manifest {path}: {source}")]
    Read {
        /// The manifest's path.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// Occurs when the manifest is not valid TOML or does not have the expected shape.
    #[error("{path}: {message}")]
    Syntax {
        /// The manifest's path.
        path: PathBuf,
        /// The TOML parser's message, which includes line and column.
        message: String,
    },
    /// Occurs when a `[component.<id>]` table breaks one of Spin's rules.
    #[error("{path}: component `{id}`: {source}")]
    Component {
        /// The manifest's path.
        path: PathBuf,
        /// The component id.
        id: String,
        /// What is wrong (boxed: it is the largest error, and `Result`s carry it).
        source: Box<ComponentError>,
    },
    /// Occurs when a `[[trigger.http]]` table breaks one of Spin's rules.
    #[error("{path}: [[trigger.http]] #{number}: {source}")]
    Trigger {
        /// The manifest's path.
        path: PathBuf,
        /// The trigger's position in the file, counted from 1.
        number: usize,
        /// What is wrong.
        source: TriggerError,
    },
    /// Occurs when the manifest is well formed but breaks one of Spin's rules.
    #[error("{path}: {message}")]
    Invalid {
        /// The manifest's path.
        path: PathBuf,
        /// What is wrong, naming the component, trigger or variable.
        message: String,
    },
}

/// Errors in a component's `[component.x.tool.council-host]` table.
#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    /// Occurs when the table does not have the expected shape.
    #[error("tool.council-host: {0}")]
    Table(toml::de::Error),
    /// Occurs when a scheduled path is not absolute.
    #[error("tool.council-host: path `{path}` must start with `/`")]
    PathNotAbsolute {
        /// The path as written.
        path: String,
    },
    /// Occurs when `every_seconds` is 0.
    #[error("tool.council-host.schedule `{path}`: every_seconds must be at least 1")]
    NoInterval {
        /// The scheduled path.
        path: String,
    },
    /// Occurs when `bearer_variable` names a variable `[variables]` does not declare.
    #[error(
        "tool.council-host `{path}`: bearer_variable `{name}` is not declared in `[variables]`"
    )]
    UndeclaredBearerVariable {
        /// The scheduled path.
        path: String,
        /// The variable.
        name: String,
    },
}

/// Errors in a dependency key (`ns:pkg@version` or `ns:pkg/iface@version`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DependencyNameError {
    /// Occurs when nothing follows `@`.
    #[error("`{name}`: empty version after `@`")]
    EmptyVersion {
        /// The key as written.
        name: String,
    },
    /// Occurs when there is no `ns:` part.
    #[error("`{name}` is neither a package (`ns:pkg`) nor an interface (`ns:pkg/iface`) name")]
    NotPackageOrInterface {
        /// The key as written.
        name: String,
    },
    /// Occurs when a part is not lowercase kebab-case.
    #[error("`{name}`: `{part}` is not a valid WIT name (lowercase kebab-case)")]
    NotKebabCase {
        /// The key as written.
        name: String,
        /// The part that is not.
        part: String,
    },
}

/// Errors in a `[[trigger.http]]` table.
#[derive(Debug, thiserror::Error)]
pub enum TriggerError {
    /// Occurs when the trigger lists `components` (Spin's middleware chains).
    #[error("`components` (middleware chains) is not supported by council-host")]
    Middleware,
    /// Occurs when the trigger's executor is not a WASI HTTP one.
    #[error("executor `{kind}` is not supported by council-host (only WASI HTTP components)")]
    Executor {
        /// The executor's `type`.
        kind: String,
    },
    /// Occurs when `component` is a table rather than an id.
    #[error(
        "inline component tables in triggers are not supported; declare `[component.<id>]` and refer to its id"
    )]
    InlineComponent,
    /// Occurs when there is no `component`.
    #[error("`component` is missing")]
    MissingComponent,
    /// Occurs when `component` names no `[component.<id>]`.
    #[error("component `{id}` is not declared")]
    UndeclaredComponent {
        /// The id.
        id: String,
    },
    /// Occurs when the route is malformed.
    #[error(transparent)]
    Route(#[from] RouteError),
}

/// Errors in a `[component.<id>]` table.
#[derive(Debug, thiserror::Error)]
pub enum ComponentError {
    /// Occurs when the id is not kebab-case.
    #[error("component ids are lowercase kebab-case (letters, digits, `-`)")]
    Id,
    /// Occurs when `source` is a URL or a registry reference.
    #[error("only a local file `source` is supported by council-host (no URL or registry sources)")]
    RemoteSource,
    /// Occurs when the deprecated `allowed_http_hosts` is used.
    #[error("`allowed_http_hosts` is deprecated; use `allowed_outbound_hosts`")]
    AllowedHttpHosts,
    /// Occurs when the component asks for resources only Spin provides.
    #[error(
        "`sqlite_databases` and `ai_models` are Spin-specific and not provided by council-host"
    )]
    SpinOnlyResources,
    /// Occurs when `[component.x.tool.council-host]` is wrong.
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
    /// Occurs when a files pattern is absolute or climbs out with `..`.
    #[error("files pattern `{pattern}` must be relative and stay inside the application directory")]
    FilesPattern {
        /// The pattern.
        pattern: String,
    },
    /// Occurs when a files mapping's destination is not an absolute guest path.
    #[error("files destination `{destination}` must be an absolute guest path")]
    FilesDestination {
        /// The destination.
        destination: String,
    },
    /// Occurs when an `allowed_outbound_hosts` entry is malformed.
    #[error("allowed_outbound_hosts: {0}")]
    AllowedHost(OutboundError),
    /// Occurs when an `allowed_outbound_hosts` entry's template is malformed.
    #[error("allowed_outbound_hosts `{host}`: {source}")]
    AllowedHostTemplate {
        /// The entry.
        host: String,
        /// The template error.
        source: TemplateError,
    },
    /// Occurs when an `allowed_outbound_hosts` entry uses an undeclared variable.
    #[error(
        "allowed_outbound_hosts `{host}` uses variable `{name}`, which `[variables]` does not declare"
    )]
    AllowedHostVariable {
        /// The entry.
        host: String,
        /// The variable.
        name: String,
    },
    /// Occurs when a key-value store label has characters other than letters,
    /// digits, `-` and `_`.
    #[error("key_value_stores: `{label}` is not a valid store label")]
    StoreLabel {
        /// The label.
        label: String,
    },
    /// Occurs when a component variable's name is not a variable name.
    #[error("variable `{name}`: names are lowercase letters, digits and underscores")]
    VariableName {
        /// The name.
        name: String,
    },
    /// Occurs when a component variable's template is malformed.
    #[error("variable `{name}`: {source}")]
    VariableTemplate {
        /// The variable.
        name: String,
        /// The template error.
        source: TemplateError,
    },
    /// Occurs when a component variable uses an undeclared application variable.
    #[error("variable `{name}` uses `{{{{ {used} }}}}`, which `[variables]` does not declare")]
    UndeclaredVariable {
        /// The component variable.
        name: String,
        /// The application variable it uses.
        used: String,
    },
    /// Occurs when a dependency key is not a package or interface name.
    #[error(transparent)]
    DependencyName(#[from] DependencyNameError),
    /// Occurs when a dependency is a registry version string.
    #[error(
        "dependency `{key}`: registry dependencies are not supported by council-host; use `{{ path = \"...\" }}`"
    )]
    RegistryDependency {
        /// The dependency key.
        key: String,
    },
    /// Occurs when a dependency field that must be a string is not.
    #[error("dependency `{key}`: `{field}` must be a string")]
    DependencyFieldNotString {
        /// The dependency key.
        key: String,
        /// The field.
        field: String,
    },
    /// Occurs when a dependency sets `inherit_configuration` (Spin 4 only).
    #[error(
        "dependency `{key}`: per-dependency `inherit_configuration` is Spin 4 only; use the component's `dependencies_inherit_configuration`"
    )]
    PerDependencyInheritance {
        /// The dependency key.
        key: String,
    },
    /// Occurs when a dependency comes from a registry, URL or digest.
    #[error(
        "dependency `{key}`: `{field}` sources are not supported by council-host; use `path` or `component`"
    )]
    UnsupportedDependencySource {
        /// The dependency key.
        key: String,
        /// The field naming the source.
        field: String,
    },
    /// Occurs when a dependency has a field Spin does not define.
    #[error("dependency `{key}`: unknown field `{field}`")]
    UnknownDependencyField {
        /// The dependency key.
        key: String,
        /// The field.
        field: String,
    },
    /// Occurs when a package-form dependency has an `export`.
    #[error("dependency `{key}` names a whole package, so it cannot have an `export`")]
    PackageWithExport {
        /// The dependency key.
        key: String,
    },
    /// Occurs when a dependency has neither or both of `path` and `component`.
    #[error("dependency `{key}` needs exactly one of `path` or `component`")]
    DependencySource {
        /// The dependency key.
        key: String,
    },
    /// Occurs when the same package is named twice.
    #[error("dependency package `{package}` is named twice")]
    PackageNamedTwice {
        /// `ns:pkg`.
        package: String,
    },
    /// Occurs when the same interface is named twice.
    #[error("dependency `{package}/{interface}` is named twice")]
    InterfaceNamedTwice {
        /// `ns:pkg`.
        package: String,
        /// `iface`.
        interface: String,
    },
    /// Occurs when a package-form and an interface-form name overlap.
    #[error(
        "dependencies `{package}` and `{package}/{interface}` overlap; Spin requires disjoint names"
    )]
    OverlappingDependencies {
        /// `ns:pkg`.
        package: String,
        /// `iface`.
        interface: String,
    },
}
