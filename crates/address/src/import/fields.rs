//! Named access to the fields of one CSV record, shared by every importer: a field is
//! found by its column name (through the layout, a header row, or a fixed column
//! list), trimmed, and empty means absent. The typed readers here only convert; that
//! a field fits its column was checked before (`layout::check`), so their errors are
//! for the columns no layout types.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::str::FromStr;

use csv::StringRecord;

use crate::model::Date;

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

    /// The raw field (untrimmed, empty when missing), for `layout::check`.
    pub fn raw(&self, name: &str) -> Option<&'a str> {
        self.record.get(self.columns.column(name)?)
    }

    /// The field as owned text.
    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name).map(str::to_string)
    }

    /// The field as a number (`12.0` and `12.00` read as 12: some council exports
    /// write integers as decimals).
    pub fn number<T: FromStr>(&self, name: &str) -> Result<Option<T>, String> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => {
                let t = v
                    .strip_suffix(".0")
                    .or_else(|| v.strip_suffix(".00"))
                    .unwrap_or(v);
                t.parse::<T>()
                    .map(Some)
                    .map_err(|_| format!("{name} '{v}' is not a valid number"))
            }
        }
    }

    /// A mandatory whole number (a UPRN, a USRN).
    pub fn required_number(&self, name: &str) -> Result<u64, String> {
        self.number::<u64>(name)?
            .ok_or_else(|| format!("{name} is empty"))
    }

    /// The field as a finite decimal (a coordinate).
    pub fn decimal(&self, name: &str) -> Result<Option<f64>, String> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(Some)
                .ok_or_else(|| format!("{name} '{v}' is not a valid coordinate")),
        }
    }

    /// The field as a date.
    pub fn date(&self, name: &str) -> Result<Option<Date>, String> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => Date::parse(v)
                .map(Some)
                .ok_or_else(|| format!("{name} '{v}' is not a date (YYYY-MM-DD)")),
        }
    }
}
