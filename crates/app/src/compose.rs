//! Composing a component with its `[component.x.dependencies]` using wac-graph.
//!
//! This is the composition Spin performs at load time: flat, "plug" style. The
//! component (the socket) is instantiated once; each dependency is instantiated once
//! and its exports are plugged into the socket's imports named by the dependency key
//! (a whole package, `ns:pkg@v`, or one interface, `ns:pkg/iface@v`, optionally taking
//! a differently named `export`). The dependencies' own imports are not satisfied by
//! one another: they become imports of the composition, which the host supplies. The
//! result is one self-contained component that any WASI 0.2 runtime can run, which is
//! also what `council-host compose` writes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use wac_graph::types::{ItemKind, Package};
use wac_graph::{CompositionGraph, EncodeOptions, PackageId};

use crate::manifest::{ComponentDecl, DependencySource, Manifest};

/// Errors composing a component.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    /// Occurs when a component or dependency binary cannot be read.
    #[error("component `{component}`: cannot read {path}: {source}")]
    Read {
        /// The component id.
        component: String,
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Occurs when a binary is not a valid WebAssembly component.
    #[error("component `{component}`: {path} is not a valid component: {message}")]
    NotAComponent {
        /// The component id.
        component: String,
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// Occurs when a dependency refers to a component id the manifest does not declare.
    #[error(
        "component `{component}`: dependency `{dependency}` refers to component `{missing}`, which is not declared"
    )]
    UnknownComponent {
        /// The component id.
        component: String,
        /// The dependency key.
        dependency: String,
        /// The missing id.
        missing: String,
    },
    /// Occurs when a dependency key matches no import of the component (a Spin rule).
    #[error(
        "component `{component}`: dependency `{dependency}` matches no import of the component (its imports: {imports})"
    )]
    UnmatchedDependency {
        /// The component id.
        component: String,
        /// The dependency key.
        dependency: String,
        /// The component's imports, for the reader.
        imports: String,
    },
    /// Occurs when a dependency does not export what the component imports.
    #[error(
        "component `{component}`: dependency `{dependency}` ({path}) does not export `{export}`"
    )]
    MissingExport {
        /// The component id.
        component: String,
        /// The dependency key.
        dependency: String,
        /// The dependency's file.
        path: PathBuf,
        /// The export sought.
        export: String,
    },
    /// Occurs when a dependency would get the component's capabilities without
    /// `dependencies_inherit_configuration = true`.
    #[error(
        "component `{component}`: dependency `{dependency}` imports `{import}`, a host capability, but \
         `dependencies_inherit_configuration` is not true. Spin would deny that capability to the \
         dependency at run time; council-host cannot separate a dependency's capabilities from its \
         component's, so it refuses to load rather than grant them. Set \
         `dependencies_inherit_configuration = true` if the dependency should share the component's \
         files, network, stores and variables."
    )]
    CapabilityNotInherited {
        /// The component id.
        component: String,
        /// The dependency key.
        dependency: String,
        /// The capability import.
        import: String,
    },
    /// Occurs when wac-graph rejects the composition (for example a type mismatch).
    #[error("component `{component}`: composing dependency `{dependency}` failed: {message}")]
    Graph {
        /// The component id.
        component: String,
        /// The dependency key.
        dependency: String,
        /// wac's message.
        message: String,
    },
    /// Occurs when the composed component cannot be encoded or fails validation.
    #[error("component `{component}`: encoding the composition failed: {message}")]
    Encode {
        /// The component id.
        component: String,
        /// wac's message.
        message: String,
    },
}

/// Interfaces through which a component reaches host resources; a dependency may only
/// import them when its component passes its configuration on.
const CAPABILITY_PREFIXES: &[&str] = &[
    "wasi:filesystem/preopens",
    "wasi:http/outgoing-handler",
    "wasi:keyvalue/",
    "wasi:config/",
    "wasi:sockets/",
];

/// The result of composing one component.
#[derive(Debug, Clone)]
pub struct Composed {
    /// The component's bytes, with dependencies plugged in (or as read, when it has
    /// none).
    pub bytes: Vec<u8>,
    /// Which dependency satisfied which import, for logs.
    pub plugged: Vec<(String, String)>,
}

/// Reads a component and composes it with its dependencies.
pub fn compose_component(
    manifest: &Manifest,
    component: &ComponentDecl,
) -> Result<Composed, ComposeError> {
    let id = component.id.clone();
    let socket_path = manifest.resolve(&component.source);
    let socket_bytes = read(&id, &socket_path)?;
    if component.dependencies.is_empty() {
        return Ok(Composed {
            bytes: socket_bytes,
            plugged: Vec::new(),
        });
    }

    let mut graph = CompositionGraph::new();
    let socket = register(
        &mut graph,
        &id,
        "council-host:component",
        &socket_path,
        socket_bytes,
    )?;
    let socket_imports: Vec<String> = graph.types()[graph[socket].ty()]
        .imports
        .keys()
        .cloned()
        .collect();

    // One package (and one instance) per distinct dependency binary.
    let mut packages: BTreeMap<PathBuf, PackageId> = BTreeMap::new();
    let mut plans = Vec::new();
    for dependency in &component.dependencies {
        let key = dependency.name.to_string();
        let path = match &dependency.source {
            DependencySource::Path(path) => manifest.resolve(path),
            DependencySource::Component(other) => {
                let other_decl =
                    manifest
                        .component(other)
                        .ok_or_else(|| ComposeError::UnknownComponent {
                            component: id.clone(),
                            dependency: key.clone(),
                            missing: other.clone(),
                        })?;
                manifest.resolve(&other_decl.source)
            }
        };
        let package = match packages.get(&path) {
            Some(package) => *package,
            None => {
                let bytes = read(&id, &path)?;
                let name = format!("council-host:dependency{}", packages.len());
                let package = register(&mut graph, &id, &name, &path, bytes)?;
                packages.insert(path.clone(), package);
                package
            }
        };

        let matched: Vec<&String> = socket_imports
            .iter()
            .filter(|import| dependency.name.covers_import(import))
            .collect();
        if matched.is_empty() {
            return Err(ComposeError::UnmatchedDependency {
                component: id.clone(),
                dependency: key,
                imports: socket_imports.join(", "),
            });
        }
        let exports: Vec<String> = graph.types()[graph[package].ty()]
            .exports
            .keys()
            .cloned()
            .collect();
        for import in matched {
            let wanted = dependency.export.clone().unwrap_or_else(|| import.clone());
            let export = exports
                .iter()
                .find(|e| **e == wanted)
                .or_else(|| {
                    exports
                        .iter()
                        .find(|e| wac_graph::types::are_semver_compatible(e, &wanted))
                })
                .cloned()
                .ok_or_else(|| ComposeError::MissingExport {
                    component: id.clone(),
                    dependency: key.clone(),
                    path: path.clone(),
                    export: wanted.clone(),
                })?;
            plans.push((key.clone(), package, import.clone(), export));
        }

        if !component.dependencies_inherit_configuration {
            let imports = &graph.types()[graph[package].ty()].imports;
            if let Some(capability) = imports.keys().find(|name| {
                CAPABILITY_PREFIXES
                    .iter()
                    .any(|prefix| name.starts_with(prefix))
            }) {
                return Err(ComposeError::CapabilityNotInherited {
                    component: id.clone(),
                    dependency: key,
                    import: capability.clone(),
                });
            }
        }
    }

    let socket_instance = graph.instantiate(socket);
    let mut instances = BTreeMap::new();
    let mut plugged = Vec::new();
    for (key, package, import, export) in plans {
        let graph_error = |message: String| ComposeError::Graph {
            component: id.clone(),
            dependency: key.clone(),
            message,
        };
        let instance = *instances
            .entry(package)
            .or_insert_with(|| graph.instantiate(package));
        let alias = graph
            .alias_instance_export(instance, &export)
            .map_err(|e| graph_error(format!("{e:#}")))?;
        graph
            .set_instantiation_argument(socket_instance, &import, alias)
            .map_err(|e| graph_error(format!("plugging `{export}` into `{import}`: {e:#}")))?;
        plugged.push((import, key));
    }

    let socket_exports: Vec<(String, ItemKind)> = graph.types()[graph[socket].ty()]
        .exports
        .iter()
        .map(|(name, kind)| (name.clone(), *kind))
        .collect();
    for (name, _) in socket_exports {
        let alias = graph
            .alias_instance_export(socket_instance, &name)
            .map_err(|e| ComposeError::Encode {
                component: id.clone(),
                message: format!("{e:#}"),
            })?;
        graph
            .export(alias, &name)
            .map_err(|e| ComposeError::Encode {
                component: id.clone(),
                message: format!("{e:#}"),
            })?;
    }

    let bytes = graph
        .encode(EncodeOptions::default())
        .map_err(|e| ComposeError::Encode {
            component: id.clone(),
            message: format!("{e:#}"),
        })?;
    Ok(Composed { bytes, plugged })
}

fn read(component: &str, path: &Path) -> Result<Vec<u8>, ComposeError> {
    std::fs::read(path).map_err(|source| ComposeError::Read {
        component: component.to_string(),
        path: path.to_path_buf(),
        source,
    })
}

fn register(
    graph: &mut CompositionGraph,
    component: &str,
    name: &str,
    path: &Path,
    bytes: Vec<u8>,
) -> Result<PackageId, ComposeError> {
    let not_a_component = |message: String| ComposeError::NotAComponent {
        component: component.to_string(),
        path: path.to_path_buf(),
        message,
    };
    let package = Package::from_bytes(name, None, bytes, graph.types_mut())
        .map_err(|e| not_a_component(format!("{e:#}")))?;
    graph
        .register_package(package)
        .map_err(|e| not_a_component(format!("{e:#}")))
}
