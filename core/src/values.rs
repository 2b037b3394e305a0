//! Input values shared by several domains, parsed once at the edge (parse, don't validate).
//! Each `parse` takes the field name so errors point at what the caller sent.

use chrono::{DateTime, NaiveDate, Utc};
use secrecy::SecretString;

use crate::error::ServiceError;

/// The one answer to a client-generated id that is taken by a record the request does not
/// replay: the viewer's own record with other content, another practice's record, one the
/// viewer may not see. All look alike, so the answer says nothing about whose it is.
pub fn id_taken(field: &str) -> ServiceError {
    ServiceError::Conflict(format!(
        "{field}: this id is already in use; generate a new one (UUID v7)"
    ))
}

/// Cuts `s` to at most `max` bytes on a character boundary (for server-made text stored in
/// bounded columns).
pub fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

/// A person's or practice's display name: trimmed, 1 to 120 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub const MAX_CHARS: usize = 120;

    pub fn parse(raw: &str, field: &str) -> Result<Self, ServiceError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(ServiceError::bad_input(field, "must not be empty"));
        }
        if s.chars().count() > Self::MAX_CHARS {
            return Err(ServiceError::bad_input(
                field,
                format!("must be at most {} characters", Self::MAX_CHARS),
            ));
        }
        if s.chars().any(char::is_control) {
            return Err(ServiceError::bad_input(
                field,
                "must not contain control characters",
            ));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// An email address used as a login: trimmed, lower-cased, `local@domain`, at most 254 bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str, field: &str) -> Result<Self, ServiceError> {
        let s = raw.trim().to_lowercase();
        let valid = s.len() <= 254
            && !s.chars().any(|c| c.is_whitespace() || c.is_control())
            && matches!(s.split_once('@'), Some((local, domain))
                if !local.is_empty() && domain.contains('.') && !domain.contains('@')
                    && !domain.starts_with('.') && !domain.ends_with('.'));
        if valid {
            Ok(Self(s))
        } else {
            Err(ServiceError::bad_input(field, "must be an email address"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password: 12 to 256 characters. Kept secret so it never reaches a log.
pub struct NewPassword(pub SecretString);

impl NewPassword {
    pub const MIN_CHARS: usize = 12;
    pub const MAX_CHARS: usize = 256;

    pub fn parse(raw: &str, field: &str) -> Result<Self, ServiceError> {
        let n = raw.chars().count();
        if !(Self::MIN_CHARS..=Self::MAX_CHARS).contains(&n) {
            return Err(ServiceError::bad_input(
                field,
                format!(
                    "must be {} to {} characters",
                    Self::MIN_CHARS,
                    Self::MAX_CHARS
                ),
            ));
        }
        Ok(Self(SecretString::from(raw.to_owned())))
    }
}

/// An optional short text such as an external reference: trimmed, at most `max` characters.
pub fn short_text(raw: &str, field: &str, max: usize) -> Result<String, ServiceError> {
    let s = raw.trim();
    if s.is_empty() || s.chars().count() > max || s.chars().any(char::is_control) {
        return Err(ServiceError::bad_input(
            field,
            format!("must be 1 to {max} printable characters"),
        ));
    }
    Ok(s.to_owned())
}

/// A required text such as a title: trimmed, 1 to `max` characters, no control characters.
pub fn required_text(raw: &str, field: &str, max: usize) -> Result<String, ServiceError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(ServiceError::bad_input(field, "must not be empty"));
    }
    if s.chars().count() > max {
        return Err(ServiceError::bad_input(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if s.chars().any(char::is_control) {
        return Err(ServiceError::bad_input(
            field,
            "must not contain control characters",
        ));
    }
    Ok(s.to_owned())
}

/// An optional free text such as a note: trimmed, at most `max` characters, line breaks and
/// tabs allowed; blank is none.
pub fn optional_text(
    raw: Option<&str>,
    field: &str,
    max: usize,
) -> Result<Option<String>, ServiceError> {
    let Some(s) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if s.chars().count() > max {
        return Err(ServiceError::bad_input(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if s.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(ServiceError::bad_input(
            field,
            "must not contain control characters",
        ));
    }
    Ok(Some(s.to_owned()))
}

/// A required free text such as instructions: like [`optional_text`], but blank is an error.
pub fn required_free_text(raw: &str, field: &str, max: usize) -> Result<String, ServiceError> {
    optional_text(Some(raw), field, max)?
        .ok_or_else(|| ServiceError::bad_input(field, "must not be empty"))
}

/// Free text is at most this long (notes, descriptions, reflections).
pub const LONG_TEXT_MAX: usize = 2000;

/// An integer rating on a 0-10 scale (confidence, helpfulness, difficulty).
pub fn rating(value: i32, field: &str) -> Result<i32, ServiceError> {
    if (0..=10).contains(&value) {
        Ok(value)
    } else {
        Err(ServiceError::bad_input(field, "must be 0 to 10"))
    }
}

/// The earliest instant and date the API accepts (inputs, arguments and filters).
pub const EARLIEST: NaiveDate = NaiveDate::from_ymd_opt(1900, 1, 1).expect("a valid date");
/// The latest date the API accepts; instants up to its end (UTC).
pub const LATEST: NaiveDate = NaiveDate::from_ymd_opt(2200, 12, 31).expect("a valid date");

/// Refuses text that no database column can hold: U+0000 (PostgreSQL's `text` cannot store
/// it). Every string input passes through this before execution (`graphql::inputs`).
pub fn storable_text(s: &str, field: &str) -> Result<(), ServiceError> {
    if s.contains('\0') {
        return Err(ServiceError::bad_input(
            field,
            "must not contain the NUL character (U+0000)",
        ));
    }
    Ok(())
}

/// An instant in the supported range, [`EARLIEST`] to the end of [`LATEST`] (UTC).
pub fn supported_instant(t: DateTime<Utc>, field: &str) -> Result<DateTime<Utc>, ServiceError> {
    supported_date(t.date_naive(), field).map(|_| t)
}

/// A date in the supported range, [`EARLIEST`] to [`LATEST`].
pub fn supported_date(d: NaiveDate, field: &str) -> Result<NaiveDate, ServiceError> {
    if (EARLIEST..=LATEST).contains(&d) {
        Ok(d)
    } else {
        Err(ServiceError::bad_input(
            field,
            format!("must be between {EARLIEST} and {LATEST} (UTC)"),
        ))
    }
}

/// How far ahead of the server's clock a reported time may be (phones' clocks drift).
pub const CLOCK_SKEW: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

/// An instant as both databases store it (microseconds), so that what was sent compares
/// equal to what was stored (idempotent upserts and replays).
pub fn stored_instant(t: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::SubsecRound as _;
    t.trunc_subsecs(6)
}

/// When something happened, as reported: now when omitted, never in the future.
pub fn happened_at(
    at: Option<DateTime<Utc>>,
    field: &str,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, ServiceError> {
    match at {
        None => Ok(now),
        Some(t) if t > now + CLOCK_SKEW => {
            Err(ServiceError::bad_input(field, "must not be in the future"))
        }
        Some(t) => supported_instant(t, field).map(stored_instant),
    }
}

/// Today's date in the IANA time zone `tz` (a client's local date); UTC if `tz` is unknown.
pub fn local_today(tz: &str, now: DateTime<Utc>) -> NaiveDate {
    match tz.parse::<chrono_tz::Tz>() {
        Ok(zone) => now.with_timezone(&zone).date_naive(),
        Err(_) => now.date_naive(),
    }
}

/// A date that must not be before today in the client's time zone `tz`.
pub fn not_past_date(
    date: NaiveDate,
    tz: &str,
    field: &str,
    now: DateTime<Utc>,
) -> Result<NaiveDate, ServiceError> {
    if date < local_today(tz, now) {
        Err(ServiceError::bad_input(
            field,
            "must not be in the past (in the client's time zone)",
        ))
    } else {
        Ok(date)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_keeps_whole_characters() {
        assert_eq!(clip("héllo", 2), "h");
        assert_eq!(clip("abc", 10), "abc");
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse(" Ann@Example.COM ", "email").unwrap().as_str(),
            "ann@example.com"
        );
        for bad in ["", "ann", "ann@", "@x.com", "a b@x.com", "a@x", "a@@x.com"] {
            assert!(Email::parse(bad, "email").is_err(), "{bad}");
        }
    }

    #[test]
    fn display_names_are_trimmed_and_bounded() {
        assert_eq!(
            DisplayName::parse("  Ann  ", "n").unwrap().into_inner(),
            "Ann"
        );
        assert!(DisplayName::parse("   ", "n").is_err());
        assert!(DisplayName::parse(&"x".repeat(121), "n").is_err());
        assert!(DisplayName::parse("a\u{0}b", "n").is_err());
    }

    #[test]
    fn passwords_need_twelve_characters() {
        assert!(NewPassword::parse("short", "p").is_err());
        assert!(NewPassword::parse("long-enough-pw", "p").is_ok());
    }

    #[test]
    fn local_dates_follow_the_clients_time_zone() {
        let now = "2026-03-01T03:00:00Z".parse().unwrap();
        assert_eq!(
            local_today("America/New_York", now).to_string(),
            "2026-02-28"
        );
        assert_eq!(local_today("Asia/Kolkata", now).to_string(), "2026-03-01");
        let yesterday_in_ny = NaiveDate::from_ymd_opt(2026, 2, 28).unwrap();
        assert!(not_past_date(yesterday_in_ny, "America/New_York", "d", now).is_ok());
        assert!(not_past_date(yesterday_in_ny, "Asia/Kolkata", "d", now).is_err());
    }

    #[test]
    fn free_text_keeps_line_breaks_and_drops_blank() {
        assert_eq!(optional_text(Some("  "), "n", 10).unwrap(), None);
        assert_eq!(
            optional_text(Some(" a\nb "), "n", 10).unwrap().as_deref(),
            Some("a\nb")
        );
        assert!(optional_text(Some("a\u{7}"), "n", 10).is_err());
        assert!(optional_text(Some("abc"), "n", 2).is_err());
        assert!(required_text("a\nb", "t", 10).is_err());
    }
}
