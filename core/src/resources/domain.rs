//! Resource values.

use crate::error::ServiceError;

/// What kind of resource it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    Article,
    Book,
    Website,
    Video,
    Worksheet,
    SupportGroup,
    CrisisLine,
    App,
}

impl ResourceKind {
    pub const ALL: [Self; 8] = [
        Self::Article,
        Self::Book,
        Self::Website,
        Self::Video,
        Self::Worksheet,
        Self::SupportGroup,
        Self::CrisisLine,
        Self::App,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Article => "ARTICLE",
            Self::Book => "BOOK",
            Self::Website => "WEBSITE",
            Self::Video => "VIDEO",
            Self::Worksheet => "WORKSHEET",
            Self::SupportGroup => "SUPPORT_GROUP",
            Self::CrisisLine => "CRISIS_LINE",
            Self::App => "APP",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Limits of resource and support fields.
pub const TITLE_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 2000;
pub const NOTE_MAX: usize = 1000;
pub const URL_MAX: usize = 2000;
pub const TAGS_MAX: usize = 10;
pub const TAG_MAX: usize = 40;
pub const NAME_MAX: usize = 120;
pub const RELATIONSHIP_MAX: usize = 60;
pub const HELP_MAX: usize = 1000;
pub const PHONE_MAX: usize = 40;
/// Support contacts per client.
pub const CONTACTS_MAX: u64 = 50;
/// Resources per practice, archived ones included.
pub const RESOURCES_MAX: u64 = 2000;

/// An http or https address with a host, at most 2,000 characters.
pub fn web_url(raw: &str, field: &str) -> Result<String, ServiceError> {
    let s = raw.trim();
    let bad = || ServiceError::bad_input(field, "must be an http or https address");
    if s.len() > URL_MAX {
        return Err(ServiceError::bad_input(
            field,
            format!("must be at most {URL_MAX} characters"),
        ));
    }
    let url = url::Url::parse(s).map_err(|_| bad())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(bad());
    }
    Ok(url.to_string())
}

/// Tags: trimmed, lower-cased, de-duplicated; at most 10 of at most 40 characters.
pub fn tags(raw: &[String], field: &str) -> Result<Vec<String>, ServiceError> {
    let mut out: Vec<String> = Vec::new();
    for t in raw {
        let t = t.trim().to_lowercase();
        if t.is_empty() || t.chars().count() > TAG_MAX || t.chars().any(char::is_control) {
            return Err(ServiceError::bad_input(
                field,
                format!("each tag must be 1 to {TAG_MAX} printable characters"),
            ));
        }
        if !out.contains(&t) {
            out.push(t);
        }
    }
    if out.len() > TAGS_MAX {
        return Err(ServiceError::bad_input(
            field,
            format!("at most {TAGS_MAX} tags"),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_addresses_pass() {
        assert_eq!(
            web_url(" https://988lifeline.org ", "u").unwrap(),
            "https://988lifeline.org/"
        );
        for bad in [
            "javascript:alert(1)",
            "ftp://x.org/a",
            "file:///etc/passwd",
            "https://",
            "not a url",
            "mailto:a@b.c",
        ] {
            assert!(web_url(bad, "u").is_err(), "{bad}");
        }
    }

    #[test]
    fn tags_are_normalised() {
        assert_eq!(
            tags(&[" Sleep ".into(), "sleep".into(), "CBT".into()], "t").unwrap(),
            ["sleep", "cbt"]
        );
        assert!(tags(&[String::new()], "t").is_err());
        assert!(tags(&(0..11).map(|i| i.to_string()).collect::<Vec<_>>(), "t").is_err());
    }
}
