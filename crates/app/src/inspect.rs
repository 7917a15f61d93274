//! What a component binary imports and exports, and whether it keeps to the
//! interfaces this project promises councils: standard WASI 0.2 (`wasi:cli`, `io`,
//! `clocks`, `random`, `filesystem`, `http`), the Spin-provided drafts
//! `wasi:keyvalue@0.2.0-draft2` and `wasi:config@0.2.0-draft-2024-09-27`, and `council:*`.
//! A binary that imports only those runs unchanged on Spin 3 and 4, on `council-host`
//! and, when it imports neither draft, on plain `wasmtime serve`.

use wasmparser::{Parser, Payload};

/// Errors reading a binary.
#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    /// Occurs when the bytes are not a WebAssembly component.
    #[error("not a WebAssembly component: {0}")]
    NotAComponent(String),
}

/// A component's top-level imports and exports, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComponentInterfaces {
    /// Imported names (`wasi:io/streams@0.2.12`).
    pub imports: Vec<String>,
    /// Exported names.
    pub exports: Vec<String>,
}

/// Lists a component's top-level imports and exports (not those of the modules and
/// components nested inside it).
pub fn interfaces(bytes: &[u8]) -> Result<ComponentInterfaces, InspectError> {
    if !Parser::is_component(bytes) {
        return Err(InspectError::NotAComponent(
            "the binary is a core module or not wasm".into(),
        ));
    }
    let mut out = ComponentInterfaces::default();
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload.map_err(|e| InspectError::NotAComponent(e.to_string()))?;
        match payload {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentImportSection(reader) if depth == 0 => {
                for import in reader {
                    let import = import.map_err(|e| InspectError::NotAComponent(e.to_string()))?;
                    out.imports.push(import.name.name.to_string());
                }
            }
            Payload::ComponentExportSection(reader) if depth == 0 => {
                for export in reader {
                    let export = export.map_err(|e| InspectError::NotAComponent(e.to_string()))?;
                    out.exports.push(export.name.name.to_string());
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Which optional platform interfaces an import belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportClass {
    /// Standard WASI 0.2 that every WASI 0.2 HTTP runtime provides.
    Wasi,
    /// `wasi:keyvalue@0.2.0-draft2` or `wasi:config@0.2.0-draft-2024-09-27`: provided by
    /// Spin and `council-host`, not by plain `wasmtime serve`.
    SpinDraft,
    /// A `council:*` capability, satisfied by composition.
    Council,
    /// Anything else: the component would not run everywhere we promise.
    NotAllowed,
}

/// Classifies one import name.
pub fn classify_import(name: &str) -> ImportClass {
    const WASI_02: &[&str] = &[
        "wasi:cli/",
        "wasi:io/",
        "wasi:clocks/",
        "wasi:random/",
        "wasi:filesystem/",
        "wasi:http/",
    ];
    if name.starts_with("council:") {
        return ImportClass::Council;
    }
    if WASI_02.iter().any(|prefix| name.starts_with(prefix)) {
        return match name.rsplit_once('@') {
            Some((_, version)) if version.starts_with("0.2.") && !version.contains('-') => {
                ImportClass::Wasi
            }
            _ => ImportClass::NotAllowed,
        };
    }
    if (name.starts_with("wasi:keyvalue/") && name.ends_with("@0.2.0-draft2"))
        || (name.starts_with("wasi:config/") && name.ends_with("@0.2.0-draft-2024-09-27"))
    {
        return ImportClass::SpinDraft;
    }
    ImportClass::NotAllowed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_imports() {
        assert_eq!(classify_import("wasi:io/streams@0.2.12"), ImportClass::Wasi);
        assert_eq!(
            classify_import("wasi:http/outgoing-handler@0.2.0"),
            ImportClass::Wasi
        );
        assert_eq!(
            classify_import("wasi:keyvalue/store@0.2.0-draft2"),
            ImportClass::SpinDraft
        );
        assert_eq!(
            classify_import("wasi:keyvalue/store@0.2.0-draft"),
            ImportClass::NotAllowed
        );
        assert_eq!(
            classify_import("wasi:config/store@0.2.0-draft-2024-09-27"),
            ImportClass::SpinDraft
        );
        assert_eq!(
            classify_import("wasi:config/store@0.2.0-rc.1"),
            ImportClass::NotAllowed
        );
        assert_eq!(
            classify_import("wasi:sockets/tcp@0.2.0"),
            ImportClass::NotAllowed
        );
        assert_eq!(
            classify_import("fermyon:spin/key-value@2.0.0"),
            ImportClass::NotAllowed
        );
        assert_eq!(
            classify_import("council:address/lookup@0.2.0"),
            ImportClass::Council
        );
        assert_eq!(
            classify_import("wasi:io/streams@0.3.0-rc-2026-01-06"),
            ImportClass::NotAllowed
        );
    }

    #[test]
    fn rejects_core_modules() {
        assert!(interfaces(b"\0asm\x01\0\0\0").is_err());
    }
}
