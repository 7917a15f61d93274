//! What the capability components (address-lookup, parish-routing, contact-fetch)
//! share: their files in the read-only data mount, read with positioned reads
//! ([`DataFile`]); the indexes, rules and grid each opened once per instance
//! ([`OpenOnce`]); the core module's link settings, for their build scripts ([`link`]);
//! their bindings' WASI part ([`generate_bindings!`]) and the WIT enum order check
//! ([`same_cases!`]).
//!
//! The build scripts depend on this crate without its default `runtime` feature,
//! so that for the build machine only [`link`] is compiled, with no dependencies
//! (Cargo resolves a build-dependency's features apart from the same crate's as a
//! normal dependency).

#![deny(missing_docs)]

pub mod link;

#[cfg(feature = "runtime")]
mod data_file;
#[cfg(feature = "runtime")]
mod open;

#[cfg(feature = "runtime")]
pub use data_file::DataFile;
#[cfg(feature = "runtime")]
pub use open::{OpenError, OpenOnce, data_path, open_data_file, open_ostn15_grid};

/// Proves at compile time that a core enum bound with `with:` has exactly the cases
/// of wit-bindgen's own twin of it, with the same discriminants, and that its `_lift`
/// inverts them: wit-bindgen lowers an enum with `as` and lifts it with `_lift`, by
/// discriminant, so a case out of the WIT's order would be read as another case.
/// (wit-bindgen still emits the twin of every type of an exported interface.)
#[macro_export]
macro_rules! same_cases {
    ($wit:ty, $core:ty { $($case:ident),+ $(,)? }) => {
        const _: () = {
            type Wit = $wit;
            type Core = $core;
            $(assert!(
                Wit::$case as u8 == Core::$case as u8
                    && matches!(Core::_lift(Wit::$case as u8), Core::$case)
            );)+
            // Both matches are exhaustive: neither side has a case the list lacks.
            #[allow(dead_code, reason = "compiled for its exhaustiveness check only")]
            fn every_case(wit: Wit, core: Core) {
                match wit { $(Wit::$case => {})+ }
                match core { $(Core::$case => {})+ }
            }
        };
    };
}

/// `wit_bindgen::generate!` for a component whose world includes
/// `wasi:cli/imports@0.2.12` (the WASI 0.2 CLI interfaces that Rust's standard
/// library for wasm32-wasip2 imports, declared in each component's world): those
/// interfaces are bound to the `wasip2` crate's modules (`with:`), so nothing is
/// generated for them, and the options given (`path`, `world`, the component's own
/// `with:`, ...) are passed on as they are; wit-bindgen merges several `with:` maps.
/// The component depends on `wit-bindgen` and on `wasip2` 1.0.4 (WASI 0.2.12,
/// the version vendored in wit/deps).
///
/// wit-bindgen's `with:` has no wildcard and `generate_all` would generate every
/// interface again in each component, hence this one list.
#[macro_export]
macro_rules! generate_bindings {
    ({ $($options:tt)* }) => {
        wit_bindgen::generate!({
            with: {
                "wasi:cli/environment@0.2.12": wasip2::cli::environment,
                "wasi:cli/exit@0.2.12": wasip2::cli::exit,
                "wasi:cli/stdin@0.2.12": wasip2::cli::stdin,
                "wasi:cli/stdout@0.2.12": wasip2::cli::stdout,
                "wasi:cli/stderr@0.2.12": wasip2::cli::stderr,
                "wasi:cli/terminal-input@0.2.12": wasip2::cli::terminal_input,
                "wasi:cli/terminal-output@0.2.12": wasip2::cli::terminal_output,
                "wasi:cli/terminal-stdin@0.2.12": wasip2::cli::terminal_stdin,
                "wasi:cli/terminal-stdout@0.2.12": wasip2::cli::terminal_stdout,
                "wasi:cli/terminal-stderr@0.2.12": wasip2::cli::terminal_stderr,
                "wasi:clocks/monotonic-clock@0.2.12": wasip2::clocks::monotonic_clock,
                "wasi:clocks/wall-clock@0.2.12": wasip2::clocks::wall_clock,
                "wasi:filesystem/types@0.2.12": wasip2::filesystem::types,
                "wasi:filesystem/preopens@0.2.12": wasip2::filesystem::preopens,
                "wasi:io/error@0.2.12": wasip2::io::error,
                "wasi:io/poll@0.2.12": wasip2::io::poll,
                "wasi:io/streams@0.2.12": wasip2::io::streams,
                "wasi:random/random@0.2.12": wasip2::random::random,
                "wasi:random/insecure@0.2.12": wasip2::random::insecure,
                "wasi:random/insecure-seed@0.2.12": wasip2::random::insecure_seed,
                "wasi:sockets/network@0.2.12": wasip2::sockets::network,
                "wasi:sockets/instance-network@0.2.12": wasip2::sockets::instance_network,
                "wasi:sockets/udp@0.2.12": wasip2::sockets::udp,
                "wasi:sockets/udp-create-socket@0.2.12": wasip2::sockets::udp_create_socket,
                "wasi:sockets/tcp@0.2.12": wasip2::sockets::tcp,
                "wasi:sockets/tcp-create-socket@0.2.12": wasip2::sockets::tcp_create_socket,
                "wasi:sockets/ip-name-lookup@0.2.12": wasip2::sockets::ip_name_lookup,
            },
            $($options)*
        });
    };
}
