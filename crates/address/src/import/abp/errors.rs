//! Why an AddressBase Premium or DTF row is refused, or a split file's header row
//! names no layout. A refused row's reason goes into the import report after its
//! file and line; a header row that names no layout stops the import (a wrong
//! format).

use super::super::field_check::ColumnError;
use super::super::fields::FieldError;

/// A split file's header row lacks columns its record type's layouts need.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the header row lacks {} (record type {record}, {layout}), and matches no other layout of the record type",
    missing.join(", ")
)]
pub(super) struct HeaderRowMismatch {
    /// The columns of the most likely layout that the header row does not name.
    pub missing: Vec<&'static str>,
    /// The record type.
    pub record: u8,
    /// That layout's label.
    pub layout: &'static str,
}

/// A field of a row does not fit its column in the layout chosen for the record type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{column} (record type {record}, {layout} layout)")]
pub(super) struct LayoutMismatch {
    /// The column and what is wrong with it.
    pub column: ColumnError,
    /// The record type.
    pub record: u8,
    /// The layout's label.
    pub layout: &'static str,
}

/// Why a record that fits its layout cannot be held by the model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum RecordError {
    /// A typed field does not convert, or a mandatory one is empty.
    #[error(transparent)]
    Field(#[from] FieldError),
    /// One coordinate of a pair is given without the other.
    #[error("column {second}: only one of {first} and {second} is given")]
    HalfPosition {
        /// The pair's first column (`X_COORDINATE`, `LATITUDE`).
        first: &'static str,
        /// The pair's second column (`Y_COORDINATE`, `LONGITUDE`), where the pair
        /// is found incomplete.
        second: &'static str,
    },
    /// A record type with a layout that the model does not read.
    #[error("record type {0} is not handled")]
    Unhandled(u8),
}
