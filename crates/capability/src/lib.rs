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
