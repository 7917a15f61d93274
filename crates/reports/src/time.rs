//! Dates for people and for JSON, from Unix seconds (UTC), without a date library.

fn parts(unix: u64) -> (i64, u32, u32, u64, u64, u64) {
    let (date, rest) = council_dates::CivilDate::from_unix_seconds(unix);
    (
        date.year(),
        date.month(),
        date.day(),
        rest / 3600,
        (rest % 3600) / 60,
        rest % 60,
    )
}

/// `2026-11-27T11:30:00Z` (RFC 3339).
pub fn rfc3339(unix: u64) -> String {
    let (y, m, d, hh, mm, ss) = parts(unix);
    format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z")
}

/// `27 November 2026, 11:30 UTC`, as the GOV.UK style guide writes dates.
pub fn human(unix: u64) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let (y, m, d, hh, mm, _) = parts(unix);
    format!("{d} {} {y}, {hh:02}:{mm:02} UTC", MONTHS[(m - 1) as usize])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_779_000), "2026-11-27T11:30:00Z");
        assert_eq!(human(1_795_779_000), "27 November 2026, 11:30 UTC");
    }
}
