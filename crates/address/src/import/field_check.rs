//! A field's text checked against its column ([`Col`]): what its [`Kind`] allows,
//! and whether the specification makes it mandatory. Every AddressBase Premium, DTF
//! and AddressBase Plus row, and the positions of the flat formats, pass here before
//! anything is read from them; the reasons ([`ValueError`]) follow "column NAME: " in
//! the import report ([`ColumnError`]).

use super::layout::{Col, Kind};

/// Why a field's text does not fit its column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ValueError {
    /// A mandatory column is empty.
    #[error("is empty, and the specification makes it mandatory")]
    Empty,
    /// The record identifier is not the layout's record type.
    #[error("'{value}' is not {record}")]
    NotRecord {
        /// The field, trimmed.
        value: String,
        /// The record type the layout is for.
        record: u8,
    },
    /// Not a whole number, or longer than the column allows.
    #[error("'{value}' is not a whole number of at most {digits} digits")]
    NotWholeNumber {
        /// The field, trimmed.
        value: String,
        /// The column's most digits.
        digits: u8,
    },
    /// Text longer than the column allows.
    #[error("{chars} characters, more than the {max} the specification allows")]
    TooLong {
        /// The field's length in characters.
        chars: usize,
        /// The column's most characters.
        max: u16,
    },
    /// Not a `CCYY-MM-DD` calendar date.
    #[error("'{value}' is not a date (CCYY-MM-DD)")]
    NotDate {
        /// The field, trimmed.
        value: String,
    },
    /// Not an `HH:MM:SS` (or `HHMMSS`) time of day.
    #[error("'{value}' is not a time (HH:MM:SS)")]
    NotTime {
        /// The field, trimmed.
        value: String,
    },
    /// Not an easting on the British National Grid.
    #[error("'{value}' is not a British National Grid easting (0 to 700000 m)")]
    NotEasting {
        /// The field, trimmed.
        value: String,
    },
    /// Not a northing on the British National Grid (the OSTN15 extent).
    #[error("'{value}' is not a British National Grid northing (0 to 1250000 m)")]
    NotNorthing {
        /// The field, trimmed.
        value: String,
    },
    /// Not a latitude in the British Isles.
    #[error("'{value}' is not an ETRS89 latitude in the British Isles (49 to 61)")]
    NotLatitude {
        /// The field, trimmed.
        value: String,
    },
    /// Not a longitude in the British Isles.
    #[error("'{value}' is not an ETRS89 longitude in the British Isles (-11 to 2.5)")]
    NotLongitude {
        /// The field, trimmed.
        value: String,
    },
    /// Not a full UK postcode.
    #[error("'{value}' is not a postcode")]
    NotPostcode {
        /// The field, trimmed.
        value: String,
    },
    /// Not a Royal Mail delivery point suffix.
    #[error("'{value}' is not a delivery point suffix (a digit and a letter, as in 1A)")]
    NotSuffix {
        /// The field, trimmed.
        value: String,
    },
    /// Not one of the column's code list.
    #[error("'{value}' is not one of {}", codes.join(", "))]
    NotInCodeList {
        /// The field, trimmed.
        value: String,
        /// The codes the column allows.
        codes: &'static [&'static str],
    },
    /// Not a finite decimal number.
    #[error("'{value}' is not a number")]
    NotNumber {
        /// The field, trimmed.
        value: String,
    },
}

/// A field that does not fit its column, named.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {problem}")]
pub(crate) struct ColumnError {
    /// The column's name.
    pub column: &'static str,
    /// What is wrong with its text.
    pub problem: ValueError,
}

impl Col {
    /// Checks a field's text against this column, naming the column when it fails.
    pub(crate) fn check_named(&self, raw: &str) -> Result<(), ColumnError> {
        check(self, raw).map_err(|problem| ColumnError {
            column: self.name,
            problem,
        })
    }
}

/// Checks one field's text against its column.
pub(crate) fn check(col: &Col, raw: &str) -> Result<(), ValueError> {
    let v = raw.trim();
    if v.is_empty() {
        return if col.required {
            Err(ValueError::Empty)
        } else {
            Ok(())
        };
    }
    let value = || v.to_string();
    match col.kind {
        Kind::Record(record) => fits(v.parse::<u8>().ok() == Some(record), || {
            ValueError::NotRecord {
                value: value(),
                record,
            }
        }),
        Kind::Int(digits) => {
            let t = v
                .strip_suffix(".0")
                .or_else(|| v.strip_suffix(".00"))
                .unwrap_or(v);
            fits(
                !t.is_empty()
                    && t.len() <= digits as usize
                    && t.bytes().all(|b| b.is_ascii_digit()),
                || ValueError::NotWholeNumber {
                    value: value(),
                    digits,
                },
            )
        }
        Kind::Text(max) => {
            let chars = v.chars().count();
            fits(chars <= max as usize, || ValueError::TooLong { chars, max })
        }
        Kind::Date => {
            let b = v.as_bytes();
            fits(
                b.len() == 10
                    && b[4] == b'-'
                    && b[7] == b'-'
                    && crate::model::Date::parse(v).is_some(),
                || ValueError::NotDate { value: value() },
            )
        }
        Kind::Time => {
            let b = v.as_bytes();
            let ok = match b.len() {
                8 => b[2] == b':' && b[5] == b':' && hms(&b[0..2], &b[3..5], &b[6..8]),
                6 => hms(&b[0..2], &b[2..4], &b[4..6]),
                _ => false,
            };
            fits(ok, || ValueError::NotTime { value: value() })
        }
        Kind::Easting => fits(in_range(v, 0.0, 700_000.0), || ValueError::NotEasting {
            value: value(),
        }),
        Kind::Northing => fits(in_range(v, 0.0, 1_250_000.0), || ValueError::NotNorthing {
            value: value(),
        }),
        Kind::Latitude => fits(in_range(v, 49.0, 61.0), || ValueError::NotLatitude {
            value: value(),
        }),
        Kind::Longitude => fits(in_range(v, -11.0, 2.5), || ValueError::NotLongitude {
            value: value(),
        }),
        // Stored with a single space (`DD5 3BZ`): the shape and the area are checked.
        Kind::Postcode => fits(
            v.len() <= 8 && crate::postcode::Postcode::parse_lenient(v).is_some(),
            || ValueError::NotPostcode { value: value() },
        ),
        Kind::Suffix => {
            let b = v.as_bytes();
            fits(
                b.len() == 2 && b[0].is_ascii_digit() && b[1].is_ascii_uppercase(),
                || ValueError::NotSuffix { value: value() },
            )
        }
        Kind::Code(codes) => fits(codes.contains(&v), || ValueError::NotInCodeList {
            value: value(),
            codes,
        }),
        Kind::Decimal => fits(v.parse::<f64>().is_ok_and(f64::is_finite), || {
            ValueError::NotNumber { value: value() }
        }),
    }
}

/// `Ok` when the text fits, else the reason.
fn fits(ok: bool, reason: impl FnOnce() -> ValueError) -> Result<(), ValueError> {
    if ok { Ok(()) } else { Err(reason()) }
}

/// Whether `HH`, `MM` and `SS` (ASCII digits) make a time of day.
fn hms(hours: &[u8], minutes: &[u8], seconds: &[u8]) -> bool {
    let number = |digits: &[u8]| -> Option<u32> {
        digits.iter().all(u8::is_ascii_digit).then(|| {
            digits
                .iter()
                .fold(0, |acc, d| acc * 10 + u32::from(d - b'0'))
        })
    };
    matches!(
        (number(hours), number(minutes), number(seconds)),
        (Some(h), Some(m), Some(s)) if h < 24 && m < 60 && s < 60
    )
}

/// Whether the text is a finite number in `lo..=hi`.
fn in_range(v: &str, lo: f64, hi: f64) -> bool {
    v.parse::<f64>()
        .is_ok_and(|f| f.is_finite() && (lo..=hi).contains(&f))
}
