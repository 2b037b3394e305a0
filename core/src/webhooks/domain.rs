//! Webhook values: endpoint URLs, the kinds an endpoint wants, statuses, the signature and
//! the retry schedule.

use std::{net::IpAddr, time::Duration};

use hmac::{Hmac, Mac as _};
use sha2::Sha256;

use crate::{error::ServiceError, events::EventKind};

/// The most endpoints a practice may have.
pub const PER_PRACTICE_MAX: u64 = 20;
/// The most kinds an endpoint may name.
pub const KINDS_MAX: usize = 64;
/// The longest endpoint URL.
pub const URL_MAX: usize = 2048;
/// After `rotateWebhookSecret`, deliveries are signed with the old secret too for this
/// long, so the receiver can switch over without dropping any.
pub const PREVIOUS_SECRET_GRACE: Duration = Duration::from_secs(24 * 3600);
/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "Momentum-Signature";
/// Events one dispatcher round queues at most.
pub const DISPATCH_BATCH: u64 = 500;
/// Deliveries one sender round claims at most (and sends at once).
pub const SEND_BATCH: u64 = 16;
/// The part of a receiver's response body or error kept with an attempt.
pub const ERROR_MAX: usize = 300;

/// An endpoint URL: absolute `https://` (or `http://` when allowed for development), with a
/// host, without credentials or fragment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(String);

impl WebhookUrl {
    /// Parses `raw`; `allow_http` also accepts `http://` and local addresses.
    pub fn parse(raw: &str, field: &str, allow_http: bool) -> Result<Self, ServiceError> {
        let raw = raw.trim();
        if raw.len() > URL_MAX {
            return Err(ServiceError::bad_input(
                field,
                format!("at most {URL_MAX} characters"),
            ));
        }
        let url = url::Url::parse(raw)
            .map_err(|_| ServiceError::bad_input(field, "not an absolute URL"))?;
        match url.scheme() {
            "https" => {}
            "http" if allow_http => {}
            _ => return Err(ServiceError::bad_input(field, "must be an https:// URL")),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(ServiceError::bad_input(
                field,
                "must not carry credentials; verify deliveries by their signature",
            ));
        }
        if url.fragment().is_some() {
            return Err(ServiceError::bad_input(field, "must not have a #fragment"));
        }
        let Some(host) = url.host() else {
            return Err(ServiceError::bad_input(field, "must name a host"));
        };
        if !allow_http && is_local(&host) {
            return Err(ServiceError::bad_input(
                field,
                "must be a public address, not a local or private one",
            ));
        }
        Ok(Self(url.to_string()))
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// Whether a host is this machine or a private network, by its literal form. Names that
/// resolve to private addresses are refused when a delivery resolves them
/// (`webhooks::worker`), so a name that changes its address after registration (DNS
/// rebinding) cannot reach inside either.
fn is_local(host: &url::Host<&str>) -> bool {
    let ip = match host {
        url::Host::Domain(d) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            return d == "localhost" || d.ends_with(".localhost") || d.ends_with(".local");
        }
        url::Host::Ipv4(a) => IpAddr::V4(*a),
        url::Host::Ipv6(a) => IpAddr::V6(*a),
    };
    is_private(ip)
}

/// Whether an address is this machine, a private or link-local network, or otherwise not a
/// public receiver's (an IPv4-mapped IPv6 address counts as its IPv4 address).
pub fn is_private(ip: IpAddr) -> bool {
    let ip = match ip {
        IpAddr::V6(a) => a.to_ipv4_mapped().map_or(IpAddr::V6(a), IpAddr::V4),
        v4 => v4,
    };
    match ip {
        IpAddr::V4(a) => {
            a.is_loopback()
                || a.is_private()
                || a.is_link_local()
                || a.is_unspecified()
                || a.is_broadcast()
                // 100.64.0.0/10, carrier-grade NAT
                || (a.octets()[0] == 100 && (a.octets()[1] & 0xc0) == 64)
        }
        IpAddr::V6(a) => {
            a.is_loopback()
                || a.is_unspecified()
                || (a.segments()[0] & 0xfe00) == 0xfc00
                || (a.segments()[0] & 0xffc0) == 0xfe80
        }
    }
}

/// The kinds an endpoint wants, stored space-separated; empty means every kind.
pub fn join_kinds(kinds: &[EventKind]) -> String {
    let mut names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    names.join(" ")
}

/// The stored kinds (unknown names, from a later version, are skipped).
pub fn parse_kinds(stored: &str) -> Vec<EventKind> {
    stored
        .split_whitespace()
        .filter_map(EventKind::parse)
        .collect()
}

/// Whether an endpoint with `stored` kinds wants an event of `kind`.
pub fn wants(stored: &str, kind: &str) -> bool {
    stored.is_empty() || stored.split_whitespace().any(|k| k == kind)
}

/// Whether an endpoint is sent to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookStatus {
    /// Deliveries are sent.
    Active,
    /// Deliveries are queued but not sent (disabled after failing, or by an admin).
    Disabled,
}

impl WebhookStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "ACTIVE",
            Self::Disabled => "DISABLED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Active, Self::Disabled]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Waiting for its next attempt.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Given up after failing for the whole retry period (`redeliverWebhook` tries again).
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Delivered => "DELIVERED",
            Self::Failed => "FAILED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Delivered, Self::Failed]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// The hex HMAC-SHA256 of `"{timestamp}.{body}"` under `secret`.
pub fn sign(secret: &str, timestamp: i64, body: &str) -> String {
    // HMAC takes keys of any length; this cannot fail.
    let mut mac = <Hmac<Sha256>>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The `Momentum-Signature` value: `t=<unix seconds>,v1=<hex>` with one `v1` per secret
/// (the current one first; during a rotation also the previous one).
pub fn signature_header(secrets: &[&str], timestamp: i64, body: &str) -> String {
    let mut out = format!("t={timestamp}");
    for s in secrets {
        out.push_str(",v1=");
        out.push_str(&sign(s, timestamp, body));
    }
    out
}

/// The wait before attempt `attempts + 1`, after `attempts` failed ones (at least one):
/// `initial`, doubling each time, at most `max`.
pub fn backoff(attempts: i32, initial: Duration, max: Duration) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1))
        .unwrap_or(0)
        .min(30);
    initial.saturating_mul(1 << doublings).min(max)
}

/// The associated data a webhook's sealed secrets are bound to (`crate::secrets`).
pub fn sealed_for(id: uuid::Uuid) -> String {
    format!("webhook:{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_public_https_without_credentials() {
        let ok = |u: &str| WebhookUrl::parse(u, "url", false).map(WebhookUrl::into_inner);
        assert_eq!(
            ok("https://ehr.example.com/hooks/momentum").ok().as_deref(),
            Some("https://ehr.example.com/hooks/momentum")
        );
        for bad in [
            "http://ehr.example.com/hook",
            "ftp://ehr.example.com/hook",
            "https://user:pw@ehr.example.com/hook",
            "https://ehr.example.com/hook#x",
            "https://127.0.0.1/hook",
            "https://10.1.2.3/hook",
            "https://192.168.0.10/hook",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]/hook",
            "https://[::ffff:127.0.0.1]/hook",
            "https://localhost:8443/hook",
            "not a url",
        ] {
            assert!(ok(bad).is_err(), "{bad} should be refused");
        }
        assert!(WebhookUrl::parse("http://127.0.0.1:9000/h", "url", true).is_ok());
        let long = format!("https://e.example.com/{}", "a".repeat(URL_MAX));
        assert!(ok(&long).is_err());
    }

    #[test]
    fn kinds_round_trip_and_empty_means_all() {
        let stored = join_kinds(&[
            EventKind::HomeworkSubmitted,
            EventKind::GoalCreated,
            EventKind::HomeworkSubmitted,
        ]);
        assert_eq!(stored, "GOAL_CREATED HOMEWORK_SUBMITTED");
        assert_eq!(
            parse_kinds(&stored),
            vec![EventKind::GoalCreated, EventKind::HomeworkSubmitted]
        );
        assert!(wants(&stored, "GOAL_CREATED"));
        assert!(!wants(&stored, "GOAL_UPDATED"));
        assert!(wants("", "GOAL_UPDATED"));
    }

    #[test]
    fn signature_matches_a_known_hmac() {
        // echo -n '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
        assert_eq!(
            sign("whsec_test", 1_700_000_000, r#"{"a":1}"#),
            "38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789"
        );
        let h = signature_header(&["k1", "k2"], 5, "b");
        assert_eq!(
            h,
            format!("t=5,v1={},v1={}", sign("k1", 5, "b"), sign("k2", 5, "b"))
        );
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let s = Duration::from_secs;
        assert_eq!(backoff(1, s(10), s(3600)), s(10));
        assert_eq!(backoff(2, s(10), s(3600)), s(20));
        assert_eq!(backoff(5, s(10), s(3600)), s(160));
        assert_eq!(backoff(9, s(10), s(3600)), s(2560));
        assert_eq!(backoff(10, s(10), s(3600)), s(3600));
        assert_eq!(backoff(500, s(10), s(3600)), s(3600));
        // Retrying for 24 hours with the defaults takes about 32 attempts.
        let mut t = Duration::ZERO;
        let mut n = 0;
        while t < s(24 * 3600) {
            n += 1;
            t += backoff(n, s(10), s(3600));
        }
        assert!((25..=40).contains(&n), "{n}");
    }
}
