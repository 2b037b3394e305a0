//! Alert values.

/// What an alert is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertKind {
    /// Possible risk of self-harm: act today.
    Safety,
    /// A reliable deterioration on a standardised measure.
    Worsening,
    /// The client has drifted away from the work between sessions.
    Disengagement,
    /// Homework not done repeatedly.
    MissedHomework,
}

impl AlertKind {
    pub const ALL: [Self; 4] = [
        Self::Safety,
        Self::Worsening,
        Self::Disengagement,
        Self::MissedHomework,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Safety => "SAFETY",
            Self::Worsening => "WORSENING",
            Self::Disengagement => "DISENGAGEMENT",
            Self::MissedHomework => "MISSED_HOMEWORK",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Lists put higher first.
    pub fn severity(self) -> i32 {
        match self {
            Self::Safety => 4,
            Self::Worsening => 3,
            Self::Disengagement => 2,
            Self::MissedHomework => 1,
        }
    }
}

/// Where an alert stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlertStatus {
    /// Raised; nobody has looked yet.
    Open,
    /// Someone on the care team has seen it and is on it.
    Acknowledged,
    /// Dealt with, with a note.
    Resolved,
}

impl AlertStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "OPEN",
            Self::Acknowledged => "ACKNOWLEDGED",
            Self::Resolved => "RESOLVED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Open, Self::Acknowledged, Self::Resolved]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// What an operational alert to practice admins is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminAlertKind {
    /// A webhook endpoint kept failing and was disabled.
    WebhookDisabled,
}

impl AdminAlertKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WebhookDisabled => "WEBHOOK_DISABLED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::WebhookDisabled]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// Where an admin alert stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminAlertStatus {
    /// Nobody has acknowledged it yet.
    Open,
    /// An admin has seen it.
    Acknowledged,
}

impl AdminAlertStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "OPEN",
            Self::Acknowledged => "ACKNOWLEDGED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Open, Self::Acknowledged]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// The most alerts `Client.alerts` returns.
pub const CLIENT_LIST_MAX: u64 = 200;
/// A resolution note is at most this long.
pub const NOTE_MAX: usize = 2000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safety_outranks_everything() {
        let mut kinds = AlertKind::ALL;
        kinds.sort_by_key(|k| -k.severity());
        assert_eq!(kinds[0], AlertKind::Safety);
        assert_eq!(kinds[1], AlertKind::Worsening);
        for k in AlertKind::ALL {
            assert_eq!(AlertKind::parse(k.as_str()), Some(k));
        }
    }
}
