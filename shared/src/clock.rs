//! Timestamps. Stored and returned as fixed-width RFC 3339 UTC strings with milliseconds, so
//! that lexicographic order (DynamoDB sort keys) equals time order.

use time::format_description::FormatItem;
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime, UtcOffset};

const TIMESTAMP: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
const DATE: &[FormatItem<'static>] = format_description!("[year]-[month]-[day]");

/// Now, as a sortable timestamp string.
pub fn now() -> String {
    format_timestamp(OffsetDateTime::now_utc())
}

pub fn now_epoch_seconds() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

pub fn format_timestamp(at: OffsetDateTime) -> String {
    at.to_offset(UtcOffset::UTC)
        .format(TIMESTAMP)
        .unwrap_or_else(|_| at.unix_timestamp().to_string())
}

pub fn format_date(date: Date) -> String {
    date.format(DATE).unwrap_or_default()
}

/// How long ago `timestamp` (RFC 3339) was; `None` if it does not parse or lies ahead.
pub fn age(timestamp: &str) -> Option<std::time::Duration> {
    let at =
        OffsetDateTime::parse(timestamp, &time::format_description::well_known::Rfc3339).ok()?;
    std::time::Duration::try_from(OffsetDateTime::now_utc() - at).ok()
}

/// A calendar date `YYYY-MM-DD` with a four-digit year (no sign: `-0001-01-01` and
/// `+2024-01-01` are refused, as RFC 3339's `full-date` refuses them).
pub fn parse_date(text: &str) -> Option<Date> {
    if !text.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    Date::parse(text, DATE).ok()
}

/// Today's date in UTC.
pub fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

/// Parses a date (`2024-01-31`, meaning its start in UTC) or an RFC 3339 date-time into the
/// sortable timestamp form, for `updatedSince`-style filters.
pub fn parse_since(text: &str) -> Option<String> {
    if let Some(date) = parse_date(text) {
        return Some(format_timestamp(
            PrimitiveDateTime::new(date, time::Time::MIDNIGHT).assume_utc(),
        ));
    }
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(format_timestamp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_age_of_a_timestamp_is_how_long_ago_it_was() {
        let minute_ago = format_timestamp(OffsetDateTime::now_utc() - time::Duration::minutes(1));
        let elapsed = age(&minute_ago).unwrap_or_default();
        assert!((59..=61).contains(&elapsed.as_secs()), "{elapsed:?}");
        let ahead = format_timestamp(OffsetDateTime::now_utc() + time::Duration::minutes(1));
        assert_eq!(age(&ahead), None);
        assert_eq!(age("not a time"), None);
    }

    #[test]
    fn timestamps_are_fixed_width_and_sortable() {
        let a = parse_since("2024-01-02T03:04:05Z").unwrap_or_default();
        let b = parse_since("2024-01-02T03:04:05.5+00:00").unwrap_or_default();
        assert_eq!(a, "2024-01-02T03:04:05.000Z");
        assert_eq!(b, "2024-01-02T03:04:05.500Z");
        assert!(a < b);
    }

    #[test]
    fn signed_years_are_not_dates() {
        for text in ["-0001-01-01", "+2024-01-01", "-2024-01-01T00:00:00Z"] {
            assert_eq!(parse_since(text), None, "{text}");
        }
        assert_eq!(
            parse_since("0001-01-01").as_deref(),
            Some("0001-01-01T00:00:00.000Z")
        );
    }

    #[test]
    fn a_date_means_its_start_in_utc() {
        assert_eq!(
            parse_since("2024-05-06").as_deref(),
            Some("2024-05-06T00:00:00.000Z")
        );
        assert_eq!(
            parse_since("2024-05-06T02:00:00+02:00").as_deref(),
            Some("2024-05-06T00:00:00.000Z")
        );
    }

    #[test]
    fn garbage_is_not_a_date() {
        for bad in [
            "",
            "yesterday",
            "2024-13-01",
            "2024-02-30",
            "1999-01-01 10:00",
        ] {
            assert_eq!(parse_since(bad), None, "{bad}");
        }
    }
}
