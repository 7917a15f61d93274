//! What the capability components (address-lookup, parish-routing) share: their
//! files in the read-only data mount, read with positioned reads ([`DataFile`]);
//! the indexes, rules and grid each opened once per instance ([`OpenOnce`]); and the
//! core module's link settings, for their build scripts ([`link`]).
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
