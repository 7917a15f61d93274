//! Spin's rules for one `[component.<id>]` table (with its
//! `[component.<id>.tool.council-host]` schedule) and one `[[trigger.http]]` table,
//! turning the raw TOML shapes of the parent module into checked declarations.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{
    ComponentDecl, ComponentError, Dependency, DependencyName, DependencySource, FilesMount,
    HttpTrigger, MetricsSource, RawCommands, RawComponent, RawDependency, RawFiles, RawHttpTrigger,
    RawRoute, ScheduleError, ScheduledRequest, TriggerError, VariableDecl, is_variable_name,
};
use crate::allowed_hosts::AllowedHost;
use crate::routes::Route;
use crate::variables::Template;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchedule {
    path: String,
    every_seconds: u64,
    #[serde(default)]
    bearer_variable: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMetricsSource {
    path: String,
    #[serde(default)]
    bearer_variable: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCouncilHostTool {
    #[serde(default)]
    schedule: Vec<RawSchedule>,
    #[serde(default)]
    metrics: Vec<RawMetricsSource>,
}

/// `[component.<id>.tool.council-host]`: its scheduled requests and its metrics
/// sources.
fn parse_tool(
    tool: Option<toml::Value>,
    app_variables: &BTreeMap<String, VariableDecl>,
) -> Result<(Vec<ScheduledRequest>, Vec<MetricsSource>), ScheduleError> {
    let Some(ours) = tool.and_then(|t| t.get("council-host").cloned()) else {
        return Ok((Vec::new(), Vec::new()));
    };
    let raw: RawCouncilHostTool = ours.try_into().map_err(ScheduleError::Table)?;
    let metrics = raw
        .metrics
        .into_iter()
        .map(|entry| {
            if !entry.path.starts_with('/') {
                return Err(ScheduleError::PathNotAbsolute { path: entry.path });
            }
            if let Some(name) = &entry.bearer_variable
                && !app_variables.contains_key(name)
            {
                return Err(ScheduleError::UndeclaredBearerVariable {
                    path: entry.path,
                    name: name.clone(),
                });
            }
            Ok(MetricsSource {
                path: entry.path,
                bearer_variable: entry.bearer_variable,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let schedule = raw
        .schedule
        .into_iter()
        .map(|entry| {
            if !entry.path.starts_with('/') {
                return Err(ScheduleError::PathNotAbsolute { path: entry.path });
            }
            if entry.every_seconds == 0 {
                return Err(ScheduleError::NoInterval { path: entry.path });
            }
            if let Some(name) = &entry.bearer_variable
                && !app_variables.contains_key(name)
            {
                return Err(ScheduleError::UndeclaredBearerVariable {
                    path: entry.path,
                    name: name.clone(),
                });
            }
            Ok(ScheduledRequest {
                path: entry.path,
                every: std::time::Duration::from_secs(entry.every_seconds),
                bearer_variable: entry.bearer_variable,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((schedule, metrics))
}

fn is_component_id(id: &str) -> bool {
    // Spin ids are kebab-case words of lowercase letters and digits.
    !id.is_empty()
        && id.split('-').all(|word| {
            !word.is_empty()
                && word
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
}

impl HttpTrigger {
    pub(super) fn from_raw(
        raw: RawHttpTrigger,
        components: &BTreeMap<String, ComponentDecl>,
    ) -> Result<Self, TriggerError> {
        if raw.components.is_some() {
            return Err(TriggerError::Middleware);
        }
        if let Some(executor) = &raw.executor {
            let kind = executor.get("type").and_then(|t| t.as_str());
            if kind.is_some_and(|k| k != "http") {
                return Err(TriggerError::Executor {
                    kind: kind.unwrap_or_default().to_string(),
                });
            }
        }
        let _ = raw.id;
        let component = match raw.component {
            Some(toml::Value::String(id)) => id,
            Some(_) => {
                return Err(TriggerError::InlineComponent);
            }
            None => return Err(TriggerError::MissingComponent),
        };
        if !components.contains_key(&component) {
            return Err(TriggerError::UndeclaredComponent { id: component });
        }
        let route = match raw.route {
            RawRoute::Path(path) => Some(Route::parse(&path)?),
            RawRoute::Private { .. } => None,
        };
        Ok(Self { route, component })
    }
}

impl ComponentDecl {
    pub(super) fn from_raw(
        id: &str,
        raw: RawComponent,
        app_variables: &BTreeMap<String, VariableDecl>,
    ) -> Result<Self, ComponentError> {
        if !is_component_id(id) {
            return Err(ComponentError::Id);
        }
        let source = match raw.source {
            toml::Value::String(path) => PathBuf::from(path),
            _ => {
                return Err(ComponentError::RemoteSource);
            }
        };
        if !raw.allowed_http_hosts.is_empty() {
            return Err(ComponentError::AllowedHttpHosts);
        }
        if !raw.sqlite_databases.is_empty() || !raw.ai_models.is_empty() {
            return Err(ComponentError::SpinOnlyResources);
        }
        let _ = (raw.targets, raw.profile);
        let (schedule, metrics) = parse_tool(raw.tool, app_variables)?;

        let mut files = Vec::new();
        for entry in raw.files {
            files.push(match entry {
                RawFiles::Pattern(pattern) => {
                    if Path::new(&pattern).is_absolute() || pattern.split('/').any(|p| p == "..") {
                        return Err(ComponentError::FilesPattern { pattern });
                    }
                    FilesMount::Pattern(pattern)
                }
                RawFiles::Directory {
                    source,
                    destination,
                } => {
                    if !destination.starts_with('/') {
                        return Err(ComponentError::FilesDestination { destination });
                    }
                    FilesMount::Directory {
                        source: PathBuf::from(source),
                        destination,
                    }
                }
            });
        }

        for host in &raw.allowed_outbound_hosts {
            AllowedHost::check_syntax(host).map_err(ComponentError::AllowedHost)?;
            for name in Template::parse(host)
                .map_err(|source| ComponentError::AllowedHostTemplate {
                    host: host.clone(),
                    source,
                })?
                .variable_names()
            {
                if !app_variables.contains_key(name) {
                    return Err(ComponentError::AllowedHostVariable {
                        host: host.clone(),
                        name: name.to_string(),
                    });
                }
            }
        }

        for label in &raw.key_value_stores {
            if label.is_empty()
                || !label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(ComponentError::StoreLabel {
                    label: label.clone(),
                });
            }
        }

        let mut variables = BTreeMap::new();
        for (name, template) in raw.variables {
            if !is_variable_name(&name) {
                return Err(ComponentError::VariableName { name });
            }
            let template = match Template::parse(&template) {
                Ok(template) => template,
                Err(source) => return Err(ComponentError::VariableTemplate { name, source }),
            };
            for used in template.variable_names() {
                if !app_variables.contains_key(used) {
                    return Err(ComponentError::UndeclaredVariable {
                        name,
                        used: used.to_string(),
                    });
                }
            }
            variables.insert(name, template);
        }

        let mut dependencies = Vec::new();
        for (key, raw_dep) in raw.dependencies {
            let name = DependencyName::parse(&key)?;
            let table = match raw_dep {
                RawDependency::Version(_) => {
                    return Err(ComponentError::RegistryDependency { key });
                }
                RawDependency::Table(table) => table,
            };
            let mut path = None;
            let mut component = None;
            let mut export = None;
            for (field, value) in table {
                let text = || {
                    value.as_str().map(str::to_string).ok_or_else(|| {
                        ComponentError::DependencyFieldNotString {
                            key: key.clone(),
                            field: field.clone(),
                        }
                    })
                };
                match field.as_str() {
                    "path" => path = Some(text()?),
                    "component" => component = Some(text()?),
                    "export" => export = Some(text()?),
                    "inherit_configuration" => {
                        return Err(ComponentError::PerDependencyInheritance { key });
                    }
                    "version" | "registry" | "package" | "url" | "digest" => {
                        return Err(ComponentError::UnsupportedDependencySource { key, field });
                    }
                    _ => return Err(ComponentError::UnknownDependencyField { key, field }),
                }
            }
            if matches!(name, DependencyName::Package { .. }) && export.is_some() {
                return Err(ComponentError::PackageWithExport { key });
            }
            let source = match (path, component) {
                (Some(path), None) => DependencySource::Path(PathBuf::from(path)),
                (None, Some(component)) => DependencySource::Component(component),
                _ => {
                    return Err(ComponentError::DependencySource { key });
                }
            };
            dependencies.push(Dependency {
                name,
                source,
                export,
            });
        }
        check_disjoint(&dependencies)?;

        let build_command = raw.build.map(|build| {
            let _ = (build.workdir, build.watch);
            match build.command {
                RawCommands::One(command) => vec![command],
                RawCommands::Many(commands) => commands,
            }
        });

        Ok(Self {
            id: id.to_string(),
            source,
            files,
            exclude_files: raw.exclude_files,
            allowed_outbound_hosts: raw.allowed_outbound_hosts,
            key_value_stores: raw.key_value_stores,
            environment: raw.environment,
            variables,
            dependencies,
            dependencies_inherit_configuration: raw
                .dependencies_inherit_configuration
                .unwrap_or(false),
            build_command,
            schedule,
            metrics,
            description: raw.description,
        })
    }
}

/// Spin requires dependency names to be disjoint: a package-form name may not overlap
/// an interface-form name from the same package, and no name may appear twice.
fn check_disjoint(dependencies: &[Dependency]) -> Result<(), ComponentError> {
    let mut packages = BTreeSet::new();
    let mut interfaces = BTreeSet::new();
    for dep in dependencies {
        match &dep.name {
            DependencyName::Package { package, .. } => {
                if !packages.insert(package.clone()) {
                    return Err(ComponentError::PackageNamedTwice {
                        package: package.clone(),
                    });
                }
            }
            DependencyName::Interface {
                package, interface, ..
            } => {
                if !interfaces.insert((package.clone(), interface.clone())) {
                    return Err(ComponentError::InterfaceNamedTwice {
                        package: package.clone(),
                        interface: interface.clone(),
                    });
                }
            }
        }
    }
    for (package, interface) in &interfaces {
        if packages.contains(package) {
            return Err(ComponentError::OverlappingDependencies {
                package: package.clone(),
                interface: interface.clone(),
            });
        }
    }
    Ok(())
}
