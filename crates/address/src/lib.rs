//! Council gazetteer import (AddressBase, LLPG DTF, Code-Point Open, CSV), the on-disk address index and the address queries behind council:address.
//!
//! - [`model`]: the gazetteer (streets, properties with their BLPU, LPIs, DPAs,
//!   classifications, organisations, cross references, successors; postcode units).
//! - [`index`]: the versioned on-disk index and [`AddressIndex`], which answers every
//!   query with a few positioned reads (`docs/address-index.md`).
//! - `query` (the methods of [`AddressIndex`] behind `council:address/lookup`): keyed
//!   look-ups (postcode, UPRN, USRN), spatial search (nearest, radius, box; BNG and
//!   WGS84), free-text `find` and type-ahead `suggest` with their parsing and scoring.
//! - [`view`]: a stored property as the `address` records of the WIT, one per DPA or
//!   LPI view: single-line addresses, view order, Surrey's sort key.
//! - [`types`]: the records of `wit/address/lookup.wit`, which the components bind
//!   directly.
//! - [`postcode`], [`text`], [`classification`]: postcode rules, address text
//!   normalisation, the AddressBase classification scheme and Surrey's sets.
//! - [`output`]: OS Places, plain JSON, GeoJSON and Surrey presentation shapes.
//! - `import` (feature `import`, native only): the importers. Generated demo and
//!   benchmark data are the `council-address-generate` crate's.
#![deny(missing_docs)]

pub mod classification;
#[cfg(feature = "import")]
pub mod import;
pub mod index;
pub mod model;
pub mod output;
/// UK postcodes (the `council-postcode` crate, the one home of the postcode rule).
pub use council_postcode as postcode;
mod query;
pub mod text;
pub mod types;
pub mod view;

pub use index::{AddressIndex, IndexError};
pub use query::{BNG_MAX, FIND_CANDIDATES, MAX_TEXT, SUGGEST_CANDIDATES};
pub use types::*;
