//! Transport pieces shared by both clients: the pure retry policy, timeouts, base-URL rules
//! and response-body truncation. Private to the crate; the config types are re-exported.

pub(crate) mod retry;

use std::time::Duration;

use url::Url;

pub(crate) use retry::{Failure, Idempotence, RetryAfter, RetryPolicy};
pub use retry::{RetryConfig, RetryDecision};

/// Timeouts applied to every request a client sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timeouts {
    /// Time to establish a connection (applies only when the crate builds the `reqwest::Client`;
    /// a shared client keeps its own). Default 10 s.
    pub connect: Duration,
    /// Time for one API request, from sending to the end of the body. Default 30 s.
    pub request: Duration,
    /// Time for one file download (bulk operation results). Default 30 min.
    pub download: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(10),
            request: Duration::from_secs(30),
            download: Duration::from_secs(30 * 60),
        }
    }
}

impl Timeouts {
    /// Sets the connect timeout.
    #[must_use]
    pub fn with_connect(mut self, d: Duration) -> Self {
        self.connect = d;
        self
    }
    /// Sets the per-request timeout.
    #[must_use]
    pub fn with_request(mut self, d: Duration) -> Self {
        self.request = d;
        self
    }
    /// Sets the download timeout.
    #[must_use]
    pub fn with_download(mut self, d: Duration) -> Self {
        self.download = d;
        self
    }
}

/// Checks a base URL: `https` anywhere, plain `http` only for loopback hosts.
pub(crate) fn check_base_url(url: &Url) -> Result<(), &'static str> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        "http" => {
            Err("plain http is allowed only for loopback hosts (127.0.0.0/8, ::1, localhost)")
        }
        _ => Err("the scheme must be https"),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Builds the default `reqwest::Client` with the connect timeout.
pub(crate) fn default_http_client(timeouts: &Timeouts) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .connect_timeout(timeouts.connect)
        .user_agent(concat!("stokly-shopify/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Keeps at most `max` bytes of a response body for an error, on a char boundary.
pub(crate) fn truncate_body(body: &str, max: usize) -> String {
    if body.len() <= max {
        return body.to_owned();
    }
    let mut end = max;
    while end > 0 && !body.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}… ({} bytes in all)",
        body.get(..end).unwrap_or_default(),
        body.len()
    )
}

/// Classifies a `reqwest` error: connect failures never reached the server.
pub(crate) fn classify_reqwest(err: &reqwest::Error) -> Failure {
    if err.is_connect() {
        Failure::NotSent
    } else if err.is_timeout() || err.is_request() || err.is_body() {
        Failure::Transient { retry_after: None }
    } else {
        Failure::Permanent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_rules() {
        let ok = [
            "https://shop.myshopify.com",
            "http://127.0.0.1:8080",
            "http://[::1]:1",
            "http://localhost:3000",
        ];
        for u in ok {
            assert!(check_base_url(&Url::parse(u).unwrap()).is_ok(), "{u}");
        }
        let bad = ["http://example.com", "http://10.0.0.1", "ftp://127.0.0.1"];
        for u in bad {
            assert!(check_base_url(&Url::parse(u).unwrap()).is_err(), "{u}");
        }
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        assert_eq!(truncate_body("short", 10), "short");
        let t = truncate_body("ééééé", 3);
        assert!(t.starts_with('é') && t.contains("10 bytes in all"), "{t}");
    }
}
