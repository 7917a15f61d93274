//! Named access to the fields of one CSV record, shared by every importer: a field is
//! found by its column name (through the layout, a header row, or a fixed column
//! list), trimmed, and empty means absent. The typed readers here only convert; that
//! a field fits its column was checked before (`field_check::check`), so their errors
//! ([`FieldError`]) are for the columns no layout types. The addressable-object reader
//! serves AddressBase Premium's LPI and AddressBase Plus alike.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::str::FromStr;

use csv::StringRecord;

use crate::model::Date;
use crate::types::AddressableObject;

/// FNV-1a (Fowler, Noll, Vo; the 64-bit parameters of draft-eastlake-fnv), for
/// the column maps: every field of every row is found by name, and std's SipHash,
/// built to resist collision attacks on keys an attacker chooses, was a tenth of an
/// AddressBase import. The keys here are a layout's own column names or a header
/// row's, a few dozen short strings, so there is nothing to attack.
#[derive(Default, Clone, Copy)]
pub(crate) struct ColumnNameHasher(u64);

impl Hasher for ColumnNameHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// A map from column name to position, hashed with [`ColumnNameHasher`].
pub(crate) type ColumnMap<K> = HashMap<K, usize, BuildHasherDefault<ColumnNameHasher>>;

/// Where a named column is in a record.
pub(crate) trait ColumnIndex {
    /// The position of the column `name`, if the record has it.
    fn column(&self, name: &str) -> Option<usize>;
}

impl ColumnIndex for ColumnMap<&'static str> {
    fn column(&self, name: &str) -> Option<usize> {
        self.get(name).copied()
    }
}

impl ColumnIndex for ColumnMap<String> {
    fn column(&self, name: &str) -> Option<usize> {
        self.get(name).copied()
    }
}

/// One record's fields, by column name.
pub(crate) struct Fields<'a> {
    /// The record as read.
    pub record: &'a StringRecord,
    /// Where each column is.
    pub columns: &'a dyn ColumnIndex,
}

impl<'a> Fields<'a> {
    /// The field's text, trimmed; `None` when the column is missing or empty.
    pub fn get(&self, name: &str) -> Option<&'a str> {
        let v = self.record.get(self.columns.column(name)?)?.trim();
        (!v.is_empty()).then_some(v)
    }

    /// The raw field (untrimmed, empty when missing), for `field_check::check`.
    pub fn raw(&self, name: &str) -> Option<&'a str> {
        self.record.get(self.columns.column(name)?)
    }

    /// The field as owned text.
    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name).map(str::to_string)
    }

    /// The field as a number (`12.0` and `12.00` read as 12: some council exports
    /// write integers as decimals).
    pub fn number<T: FromStr>(&self, column: &'static str) -> Result<Option<T>, FieldError> {
        match self.get(column) {
            None => Ok(None),
            Some(v) => {
                let t = v
                    .strip_suffix(".0")
                    .or_else(|| v.strip_suffix(".00"))
                    .unwrap_or(v);
                t.parse::<T>().map(Some).map_err(|_| FieldError::NotNumber {
                    column,
                    value: v.to_string(),
                })
            }
        }
    }

    /// A mandatory number (a UPRN, a USRN, a logical status).
    pub fn required_number<T: FromStr>(&self, column: &'static str) -> Result<T, FieldError> {
        self.number(column)?.ok_or(FieldError::Empty { column })
    }

    /// Mandatory text (a record's key, a street's description).
    pub fn required_text(&self, column: &'static str) -> Result<String, FieldError> {
        self.text(column).ok_or(FieldError::Empty { column })
    }

    /// The field as a finite decimal (a coordinate).
    pub fn decimal(&self, column: &'static str) -> Result<Option<f64>, FieldError> {
        match self.get(column) {
            None => Ok(None),
            Some(v) => v
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(Some)
                .ok_or_else(|| FieldError::NotCoordinate {
                    column,
                    value: v.to_string(),
                }),
        }
    }

    /// The field as a date.
    pub fn date(&self, column: &'static str) -> Result<Option<Date>, FieldError> {
        match self.get(column) {
            None => Ok(None),
            Some(v) => Date::parse(v).map(Some).ok_or_else(|| FieldError::NotDate {
                column,
                value: v.to_string(),
            }),
        }
    }

    /// An LPI's primary or secondary addressable object (AddressBase Premium record
    /// 24, and the same columns of AddressBase Plus).
    pub fn addressable_object(
        &self,
        [start_number, start_suffix, end_number, end_suffix, text]: &ObjectColumns,
    ) -> Result<AddressableObject, FieldError> {
        Ok(AddressableObject {
            start_number: self.number(start_number)?,
            start_suffix: self.text(start_suffix),
            end_number: self.number(end_number)?,
            end_suffix: self.text(end_suffix),
            text: self.text(text),
        })
    }
}

/// The column names of an addressable object, primary (PAO, the building) or
/// secondary (SAO, a flat or unit within it): start number, start suffix, end
/// number, end suffix, text (AddressBase Premium technical specification, LPI).
pub(crate) type ObjectColumns = [&'static str; 5];

/// The primary addressable object's columns.
pub(crate) const PAO_COLUMNS: ObjectColumns = [
    "PAO_START_NUMBER",
    "PAO_START_SUFFIX",
    "PAO_END_NUMBER",
    "PAO_END_SUFFIX",
    "PAO_TEXT",
];

/// The secondary addressable object's columns.
pub(crate) const SAO_COLUMNS: ObjectColumns = [
    "SAO_START_NUMBER",
    "SAO_START_SUFFIX",
    "SAO_END_NUMBER",
    "SAO_END_SUFFIX",
    "SAO_TEXT",
];

/// Why a typed field could not be read. The texts follow the refused row's file and
/// line in the import report, and name the column first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum FieldError {
    /// A mandatory field is empty (or its column missing).
    #[error("{column} is empty")]
    Empty {
        /// The column.
        column: &'static str,
    },
    /// The text is not a number of the type asked for.
    #[error("{column} '{value}' is not a valid number")]
    NotNumber {
        /// The column.
        column: &'static str,
        /// The field, trimmed.
        value: String,
    },
    /// The text is not a finite decimal.
    #[error("{column} '{value}' is not a valid coordinate")]
    NotCoordinate {
        /// The column.
        column: &'static str,
        /// The field, trimmed.
        value: String,
    },
    /// The text is not a calendar date.
    #[error("{column} '{value}' is not a date (YYYY-MM-DD)")]
    NotDate {
        /// The column.
        column: &'static str,
        /// The field, trimmed.
        value: String,
    },
}
