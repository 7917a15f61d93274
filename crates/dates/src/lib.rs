//! Civil (proleptic Gregorian) dates without a date library: Unix days to year,
//! month and day, month lengths, and the ISO 8601 calendar date (`YYYY-MM-DD`).
//!
//! The conversion is Howard Hinnant's `civil_from_days` ("chrono-Compatible
//! Low-Level Date Algorithms", <https://howardhinnant.github.io/date_algorithms.html>):
//! exact for every `i64` day count a `u64` of Unix seconds can produce, with no
//! tables and no loops, which is why the components (no time zone database, no
//! `chrono`) and the importers share it.
#![deny(missing_docs)]

use std::fmt;

/// Seconds in a civil day (UTC has no leap seconds in Unix time, POSIX.1 §4.16).
pub const SECONDS_PER_DAY: u64 = 86_400;

/// A valid calendar date (proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CivilDate {
    year: i64,
    month: u32,
    day: u32,
}

impl CivilDate {
    /// The date, if `month` is 1 to 12 and `day` is in that month of `year`.
    pub fn new(year: i64, month: u32, day: u32) -> Option<CivilDate> {
        let days = days_in_month(year, month)?;
        (1..=days)
            .contains(&day)
            .then_some(CivilDate { year, month, day })
    }

    /// The date `days` days after 1970-01-01 (before it when negative).
    pub fn from_unix_days(days: i64) -> CivilDate {
        // Hinnant's civil_from_days: shift the epoch to 0000-03-01 so that the leap
        // day ends each 400-year era's year, then split into era, year of era and day
        // of year.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        CivilDate { year, month, day }
    }

    /// The UTC date of a Unix time in seconds, and the seconds into that day.
    pub fn from_unix_seconds(unix: u64) -> (CivilDate, u64) {
        let days = (unix / SECONDS_PER_DAY) as i64;
        (CivilDate::from_unix_days(days), unix % SECONDS_PER_DAY)
    }

    /// Today's date in UTC by the system clock (1970-01-01 if the clock is before it).
    pub fn today_utc() -> CivilDate {
        let unix = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        CivilDate::from_unix_seconds(unix).0
    }

    /// The year.
    pub fn year(&self) -> i64 {
        self.year
    }

    /// The month, 1 to 12.
    pub fn month(&self) -> u32 {
        self.month
    }

    /// The day of the month, from 1.
    pub fn day(&self) -> u32 {
        self.day
    }
}

/// ISO 8601's calendar date, `YYYY-MM-DD` (years 0 to 9999 as four digits).
impl fmt::Display for CivilDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Whether `year` is a Gregorian leap year (divisible by 4, except centuries not
/// divisible by 400).
pub fn is_leap_year(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// The number of days in `month` (1 to 12) of `year`, or `None` for no such month.
pub fn days_in_month(year: i64, month: u32) -> Option<u32> {
    Some(match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_days_to_dates() {
        let date = |days| CivilDate::from_unix_days(days).to_string();
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(-1), "1969-12-31");
        assert_eq!(date(11_016), "2000-02-29");
        assert_eq!(date(11_017), "2000-03-01");
        assert_eq!(date(20_784), "2026-11-27");
        assert_eq!(date(-719_468), "0000-03-01");
        // Every day of a few centuries round-trips against a plain day count.
        let mut expected = CivilDate::new(1899, 1, 1).unwrap();
        for days in -25_567..80_000 {
            let got = CivilDate::from_unix_days(days);
            if days > -25_567 {
                assert_eq!(got, next_day(expected), "{days}");
            }
            expected = got;
        }
    }

    fn next_day(d: CivilDate) -> CivilDate {
        CivilDate::new(d.year, d.month, d.day + 1)
            .or_else(|| CivilDate::new(d.year, d.month + 1, 1))
            .unwrap_or_else(|| CivilDate::new(d.year + 1, 1, 1).unwrap())
    }

    #[test]
    fn unix_seconds_split_into_date_and_time_of_day() {
        let (date, seconds) = CivilDate::from_unix_seconds(1_795_779_000);
        assert_eq!(date.to_string(), "2026-11-27");
        assert_eq!(seconds, 11 * 3600 + 30 * 60);
        assert_eq!((date.year(), date.month(), date.day()), (2026, 11, 27));
    }

    #[test]
    fn month_lengths_and_leap_years() {
        assert!(is_leap_year(2016) && is_leap_year(2000));
        assert!(!is_leap_year(1900) && !is_leap_year(2011));
        assert_eq!(days_in_month(2016, 2), Some(29));
        assert_eq!(days_in_month(1900, 2), Some(28));
        assert_eq!(days_in_month(2011, 4), Some(30));
        assert_eq!(days_in_month(2011, 13), None);
        assert!(CivilDate::new(2011, 2, 31).is_none());
        assert!(CivilDate::new(2016, 2, 29).is_some());
        assert!(CivilDate::new(2011, 0, 1).is_none());
        assert!(CivilDate::new(2011, 1, 0).is_none());
    }
}
