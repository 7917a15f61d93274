//! Link settings for the core module of a capability component, for the component's
//! build script. Each capability component has
//! `council-capability = { path = "../../crates/capability", default-features = false }`
//! in `[build-dependencies]` (this module alone) and a `build.rs` of
//!
//! ```ignore
//! fn main() {
//!     council_capability::link::configure();
//! }
//! ```
//!
//! A build script is the only stable place for them. Cargo passes a
//! `cargo::rustc-link-arg` only to the targets of the package whose build script
//! printed it, never to a dependent's, so a library cannot set them for the
//! component that links it; `target.wasm32-wasip2.rustflags` in `.cargo/config.toml`
//! would reach every wasm component (the HTTP façades too) and is replaced wholesale by
//! a `RUSTFLAGS` in the environment; per-package `rustflags` in a profile is
//! nightly-only. So the settings and their reasons live here, and each component's
//! build script only calls [`configure`].

/// The linear memory a capability component starts with: 4 MiB instead of what
/// wasm-ld sizes for the stack and data alone (about 1.1 MiB). A query's heap (a
/// postcode answer's, a parish lookup's) then fits without `memory.grow`, each of
/// which costs the host an `mprotect` (and another when the pooled instance is
/// reset); the pages are mapped lazily, so untouched ones cost nothing.
pub const INITIAL_MEMORY_BYTES: u32 = 4 * 1024 * 1024;

/// The instructions a build script prints for a target of the given
/// `CARGO_CFG_TARGET_FAMILY` (a comma-separated list): the linker argument on
/// WebAssembly, nothing on native targets (the crates' native tests and clippy),
/// whose linkers do not know the flag.
pub fn instructions(target_family: Option<&str>) -> Vec<String> {
    let wasm = target_family.is_some_and(|families| families.split(',').any(|f| f == "wasm"));
    let mut lines = vec![
        // Rerun only when the component's own build script changes; a change to this
        // crate rebuilds and so reruns the build script anyway.
        "cargo::rerun-if-changed=build.rs".to_string(),
    ];
    if wasm {
        lines.push(format!(
            "cargo::rustc-cdylib-link-arg=--initial-memory={INITIAL_MEMORY_BYTES}"
        ));
    }
    lines
}

/// Prints the link settings for the target being built; call it from `build.rs`.
pub fn configure() {
    let family = std::env::var("CARGO_CFG_TARGET_FAMILY").ok();
    for line in instructions(family.as_deref()) {
        println!("{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webassembly_gets_the_initial_memory_and_native_targets_do_not() {
        assert_eq!(
            instructions(Some("wasm")),
            [
                "cargo::rerun-if-changed=build.rs",
                "cargo::rustc-cdylib-link-arg=--initial-memory=4194304",
            ]
        );
        assert_eq!(
            instructions(Some("unix")),
            ["cargo::rerun-if-changed=build.rs"]
        );
        assert_eq!(instructions(None), ["cargo::rerun-if-changed=build.rs"]);
    }

    #[test]
    fn the_family_list_is_split_on_commas() {
        assert!(
            instructions(Some("unix,wasm"))
                .iter()
                .any(|l| l.contains("--initial-memory"))
        );
        assert!(
            !instructions(Some("wasmlike"))
                .iter()
                .any(|l| l.contains("--initial-memory"))
        );
    }

    #[test]
    fn the_initial_memory_is_whole_wasm_pages() {
        // wasm-ld rejects an --initial-memory that is not a multiple of 64 KiB.
        assert_eq!(INITIAL_MEMORY_BYTES % (64 * 1024), 0);
    }
}
