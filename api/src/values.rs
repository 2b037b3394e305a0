//! Input values shared by several domains, parsed once at the edge (parse, don't validate).
//! Each `parse` takes the field name so errors point at what the caller sent.

use async_graphql::ID;
use secrecy::SecretString;
use uuid::Uuid;

use crate::error::ServiceError;

/// Parses a GraphQL `ID` that must be a Momentum UUID.
pub fn parse_id(id: &ID, field: &str) -> Result<Uuid, ServiceError> {
    Uuid::parse_str(id.as_str()).map_err(|_| ServiceError::bad_input(field, "not a valid id"))
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
