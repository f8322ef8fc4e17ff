//! Authentication: the `/v1/grant` signature, the grant answer, and when a cached token must be
//! renewed. Everything here is pure; the client does the I/O.
//!
//! The signature is the lowercase hex HMAC-SHA256 of the client id, keyed by the client secret
//! (nothing else is signed: no timestamp, no nonce). The grant answers
//! `{data: {authenticationResult: {accessToken, expiry}}}`. A token is renewed `margin` before
//! its expiry (default 60 s, as Stokly's own scripts do), but never earlier than halfway
//! through its life, so a short-lived token is not re-granted on every call.
//!
//! A grant that fails (refused, 5xx, unreachable, after its own retries) starts a cooldown
//! ([`GrantCooldown`]): until it ends the client asks for no grant and answers the failure
//! instead, so an outage costs the grant requests of one caller, not one per request.

use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::model::lenient;
use crate::secret::Secret;

/// Default renewal margin before a token's expiry.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// How long the client waits after a failed grant before it asks for another.
///
/// The cooldown after the `n`th failed grant in a row is `initial` doubled `n - 1` times, at
/// most `max`; a longer `Retry-After` from the grant's answer is honoured up to `max`. The
/// cooldown is shared by every clone of the client; meanwhile a call that needs a token gets
/// the failed grant's error ([`Error::Grant`](super::Error::Grant)) at once, its `retry_after`
/// set to the rest of the cooldown, unless the client still holds a token that has not
/// expired (a renewal failed): that token is used until it expires. A successful grant ends
/// the cooldown. Defaults: 5 s doubling to
/// 5 minutes. The cooldown runs on the async runtime's timer (`tokio::time::Instant`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct GrantCooldown {
    /// Cooldown after the first failed grant in a row.
    pub initial: Duration,
    /// Longest cooldown.
    pub max: Duration,
}

impl Default for GrantCooldown {
    fn default() -> Self {
        Self {
            initial: Duration::from_secs(5),
            max: Duration::from_secs(300),
        }
    }
}

impl GrantCooldown {
    /// No cooldown: the next call after a failed grant asks again (concurrent callers still
    /// share one grant and its failure).
    #[must_use]
    pub fn disabled() -> Self {
        Self {
            initial: Duration::ZERO,
            max: Duration::ZERO,
        }
    }
    /// Sets the cooldown after the first failure.
    #[must_use]
    pub fn with_initial(mut self, initial: Duration) -> Self {
        self.initial = initial;
        self
    }
    /// Sets the longest cooldown.
    #[must_use]
    pub fn with_max(mut self, max: Duration) -> Self {
        self.max = max;
        self
    }

    /// The cooldown after `failures_in_a_row` failed grants (at least 1), the last of which
    /// asked to wait `server_wait`.
    #[must_use]
    pub fn after(&self, failures_in_a_row: u32, server_wait: Option<Duration>) -> Duration {
        let doublings = failures_in_a_row.saturating_sub(1).min(20);
        let backoff = self
            .initial
            .saturating_mul(2u32.saturating_pow(doublings))
            .min(self.max);
        backoff.max(server_wait.unwrap_or(Duration::ZERO).min(self.max))
    }
}

/// How the client authenticates.
#[derive(Clone)]
pub(crate) enum Credentials {
    /// App credentials exchanged at `/v1/grant`.
    App {
        account_key: String,
        client_id: String,
        client_secret: Secret,
    },
    /// A bearer token pasted from a logged-in session; never renewed.
    Bearer(Secret),
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::App {
                account_key,
                client_id,
                client_secret,
            } => f
                .debug_struct("App")
                .field("account_key", account_key)
                .field("client_id", client_id)
                .field("client_secret", client_secret)
                .finish(),
            Self::Bearer(token) => f.debug_tuple("Bearer").field(token).finish(),
        }
    }
}

/// The grant signature: lowercase hex HMAC-SHA256(key = `client_secret`, message = `client_id`).
pub(crate) fn grant_signature(client_secret: &Secret, client_id: &str) -> Secret {
    // HMAC accepts keys of any length, so this cannot fail; an empty signature would be
    // refused by Stokly rather than panic here.
    match Hmac::<Sha256>::new_from_slice(client_secret.expose().as_bytes()) {
        Ok(mut mac) => {
            mac.update(client_id.as_bytes());
            Secret::new(hex::encode(mac.finalize().into_bytes()))
        }
        Err(_) => Secret::new(String::new()),
    }
}

/// The JSON body of `POST /v1/grant` (built only where it is sent).
pub(crate) fn grant_body(account_key: &str, client_id: &str, signature: &Secret) -> Vec<u8> {
    serde_json::json!({
        "accountkey": account_key,
        "clientId": client_id,
        "signature": signature.expose(),
    })
    .to_string()
    .into_bytes()
}

/// A token and when it stops working.
#[derive(Clone, PartialEq)]
pub(crate) struct CachedToken {
    pub(crate) token: Secret,
    /// `None` when the grant gave no usable expiry: the token is then kept until Stokly
    /// rejects it.
    pub(crate) expires_at: Option<DateTime<Utc>>,
    pub(crate) obtained_at: DateTime<Utc>,
}

impl std::fmt::Debug for CachedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedToken")
            .field("token", &self.token)
            .field("expires_at", &self.expires_at)
            .field("obtained_at", &self.obtained_at)
            .finish()
    }
}

impl CachedToken {
    /// When the token should be renewed: `margin` before expiry, but not before half its life.
    pub(crate) fn renew_at(&self, margin: Duration) -> Option<DateTime<Utc>> {
        let expires = self.expires_at?;
        let life = (expires - self.obtained_at)
            .to_std()
            .unwrap_or(Duration::ZERO);
        let margin = margin.min(life / 2);
        let margin = chrono::Duration::from_std(margin).unwrap_or(chrono::Duration::zero());
        Some(expires - margin)
    }

    /// Whether the token can still be used at `now` without renewing it first.
    pub(crate) fn is_fresh(&self, now: DateTime<Utc>, margin: Duration) -> bool {
        self.renew_at(margin).is_none_or(|at| now < at)
    }

    /// Whether the token has not expired at `now` (it may be due for renewal): what a call
    /// can still use while a renewal fails.
    pub(crate) fn is_unexpired(&self, now: DateTime<Utc>) -> bool {
        self.expires_at.is_none_or(|at| now < at)
    }
}

/// Reads the grant answer. Errors name the JSON path only: a decode message could otherwise
/// quote the token.
pub(crate) fn parse_grant(text: &str, now: DateTime<Utc>) -> Result<CachedToken, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        format!(
            "the answer is not JSON (line {}, column {})",
            e.line(),
            e.column()
        )
    })?;
    let result = value
        .get("data")
        .and_then(|d| d.get("authenticationResult"))
        .ok_or("data.authenticationResult is missing")?;
    let token = result
        .get("accessToken")
        .and_then(serde_json::Value::as_str)
        .filter(|t| !t.trim().is_empty())
        .ok_or("data.authenticationResult.accessToken is missing, empty or not a string")?;
    let expires_at = match result.get("expiry") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => {
            Some(lenient::parse_datetime(s).ok_or_else(|| {
                format!("data.authenticationResult.expiry {s:?} is not a recognised date and time")
            })?)
        }
        Some(serde_json::Value::Number(n)) => {
            let n = n
                .as_i64()
                .ok_or("data.authenticationResult.expiry is not an integer")?;
            let at = if n.unsigned_abs() > 100_000_000_000 {
                DateTime::from_timestamp_millis(n)
            } else {
                DateTime::from_timestamp(n, 0)
            };
            Some(at.ok_or("data.authenticationResult.expiry is out of range")?)
        }
        Some(_) => return Err("data.authenticationResult.expiry is not a string".to_owned()),
    };
    Ok(CachedToken {
        token: Secret::new(token),
        expires_at,
        obtained_at: now,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, h, m, s).unwrap()
    }

    fn token(obtained: DateTime<Utc>, expires: Option<DateTime<Utc>>) -> CachedToken {
        CachedToken {
            token: Secret::new("tkn-value-123"),
            expires_at: expires,
            obtained_at: obtained,
        }
    }

    #[test]
    fn signature_matches_an_independent_computation() {
        // python3 -c 'import hmac,hashlib;print(hmac.new(b"s3cr3t-k3y",b"abc123clientid",hashlib.sha256).hexdigest())'
        let sig = grant_signature(&Secret::new("s3cr3t-k3y"), "abc123clientid");
        assert_eq!(
            sig.expose(),
            "0f73b18a1756dd9d3ecc5d3b515f5da51fcf3ea4b4d4a416bfa1d68d4d7d651f"
        );
    }

    #[test]
    fn grant_body_uses_the_seen_keys() {
        let body = grant_body("acme", "cid", &Secret::new("sig"));
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"accountkey": "acme", "clientId": "cid", "signature": "sig"})
        );
    }

    #[test]
    fn renews_a_margin_before_expiry() {
        let t = token(at(10, 0, 0), Some(at(11, 0, 0)));
        let margin = Duration::from_secs(60);
        assert_eq!(t.renew_at(margin), Some(at(10, 59, 0)));
        assert!(t.is_fresh(at(10, 58, 59), margin));
        assert!(!t.is_fresh(at(10, 59, 0), margin));
        assert!(!t.is_fresh(at(11, 30, 0), margin));
        // Due for renewal, still usable until it expires.
        assert!(t.is_unexpired(at(10, 59, 59)));
        assert!(!t.is_unexpired(at(11, 0, 0)));
    }

    #[test]
    fn short_lived_tokens_renew_halfway_not_at_once() {
        let t = token(at(10, 0, 0), Some(at(10, 0, 40)));
        let margin = Duration::from_secs(60);
        assert_eq!(t.renew_at(margin), Some(at(10, 0, 20)));
        assert!(t.is_fresh(at(10, 0, 19), margin));
        assert!(!t.is_fresh(at(10, 0, 20), margin));
        // Already expired when granted (clock skew): renew on next use.
        let t = token(at(10, 0, 0), Some(at(9, 0, 0)));
        assert!(!t.is_fresh(at(10, 0, 0), margin));
    }

    #[test]
    fn unknown_expiry_is_kept_until_rejected() {
        let t = token(at(10, 0, 0), None);
        assert!(t.is_fresh(at(23, 0, 0), DEFAULT_REFRESH_MARGIN));
    }

    #[test]
    fn parses_the_grant_answer() {
        let now = at(10, 0, 0);
        let t = parse_grant(
            r#"{"data":{"authenticationResult":{"accessToken":"eyJ.abc","expiry":"2026-03-01T11:00:00.000Z","extra":1}}}"#,
            now,
        )
        .unwrap();
        assert_eq!(t.token.expose(), "eyJ.abc");
        assert_eq!(t.expires_at, Some(at(11, 0, 0)));
        let t = parse_grant(
            r#"{"data":{"authenticationResult":{"accessToken":"x","expiry":1772362800000}}}"#,
            now,
        )
        .unwrap();
        assert_eq!(t.expires_at, Some(at(11, 0, 0)));
        let t = parse_grant(
            r#"{"data":{"authenticationResult":{"accessToken":"x"}}}"#,
            now,
        )
        .unwrap();
        assert_eq!(t.expires_at, None);
    }

    #[test]
    fn grant_errors_never_quote_the_token() {
        let now = at(10, 0, 0);
        for body in [
            r#"{"data":{"authenticationResult":{"accessToken":12345678}}}"#,
            r#"{"data":{"authenticationResult":{"accessToken":["secret-token-value"]}}}"#,
            r#"{"data":{"authenticationResult":{"accessToken":"secret-token-value","expiry":"soon"}}}"#,
            r#"{"data":{"authenticationResult":{"accessToken":"secret-token-value","expiry":true}}}"#,
            r#"{"data":{}}"#,
            "not json secret-token-value",
        ] {
            let err = parse_grant(body, now).unwrap_err();
            assert!(!err.contains("secret-token-value"), "{err}");
            assert!(!err.contains("12345678"), "{err}");
        }
    }

    #[test]
    fn grant_cooldown_doubles_caps_and_honours_the_server() {
        let s = Duration::from_secs;
        let c = GrantCooldown::default();
        let plain: Vec<_> = (1..=9).map(|n| c.after(n, None)).collect();
        assert_eq!(
            plain,
            vec![
                s(5),
                s(10),
                s(20),
                s(40),
                s(80),
                s(160),
                s(300),
                s(300),
                s(300)
            ]
        );
        assert_eq!(c.after(u32::MAX, None), s(300));
        // A server's longer wait wins, up to the cap; a shorter one does not shorten it.
        assert_eq!(c.after(1, Some(s(42))), s(42));
        assert_eq!(c.after(1, Some(s(2))), s(5));
        assert_eq!(c.after(1, Some(s(86_400))), s(300));
        assert_eq!(
            GrantCooldown::disabled().after(3, Some(s(9))),
            Duration::ZERO
        );
    }

    #[test]
    fn debug_redacts_credentials() {
        let c = Credentials::App {
            account_key: "acme".into(),
            client_id: "cid".into(),
            client_secret: Secret::new("very-secret"),
        };
        assert!(!format!("{c:?}").contains("very-secret"));
        let b = Credentials::Bearer(Secret::new("pasted-jwt"));
        assert!(!format!("{b:?}").contains("pasted-jwt"));
        let t = token(at(10, 0, 0), None);
        assert!(!format!("{t:?}").contains("tkn-value-123"));
    }
}
