//! Host bindings generated from the vendored Spin-provided WIT drafts.

/// `wasi:keyvalue@0.2.0-draft2` (store, atomics, batch).
#[allow(
    missing_docs,
    reason = "generated from the WIT, whose own docs are not carried over"
)]
pub mod keyvalue {
    wasmtime::component::bindgen!({
        path: "../wit/deps/keyvalue-2024-10-17",
        world: "wasi:keyvalue/imports",
        // Async: the store is SQLite on disk, which can wait on its lock, so every
        // operation runs on tokio's blocking pool (see `crate::wasi::keyvalue`).
        imports: { default: async | trappable },
        // Host functions return `Result<T, KeyValueFailure>` (or `CasFailure`), which
        // holds either the error the guest is given or a trap; `convert_error` and
        // `convert_cas_error` split them, as wasmtime's own WASI bindings do.
        trappable_error_type: {
            "wasi:keyvalue/store.error" => crate::wasi::keyvalue::KeyValueFailure,
            "wasi:keyvalue/atomics.cas-error" => crate::wasi::keyvalue::CasFailure,
        },
        with: {
            "wasi:keyvalue/store.bucket": crate::wasi::keyvalue::Bucket,
            "wasi:keyvalue/atomics.cas": crate::wasi::keyvalue::Cas,
        },
    });
}

/// `wasi:config@0.2.0-draft-2024-09-27` (store).
#[allow(
    missing_docs,
    reason = "generated from the WIT, whose own docs are not carried over"
)]
pub mod config {
    wasmtime::component::bindgen!({
        path: "../wit/deps/config-2024-09-27",
        world: "wasi:config/imports",
        imports: { default: trappable },
        trappable_error_type: {
            "wasi:config/store.error" => crate::wasi::config::ConfigFailure,
        },
    });
}
