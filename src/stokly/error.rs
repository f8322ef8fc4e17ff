//! Errors of the Stokly client.
//!
//! Nothing here ever holds the client secret, the grant signature or an access token: the grant
//! request is never echoed, and a grant response that fails to decode is reported by JSON path
//! only (a `serde_json` message could quote the token).

use std::time::Duration;

use super::filter::FilterError;
use super::ids::IdError;

/// An error from the Stokly client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client was configured wrongly.
    #[error("invalid Stokly client configuration: {field}: {reason}")]
    Config {
        /// The builder field at fault.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// An argument was rejected before anything was sent.
    #[error("invalid argument {argument} for {operation}: {reason}")]
    InvalidArgument {
        /// The operation (`create_sale_order`, `GET /v0/items`...).
        operation: String,
        /// The argument or body field at fault (`size`, `items[2].quantity`...).
        argument: String,
        /// What is wrong.
        reason: String,
    },
    /// A filter could not be built safely.
    #[error("invalid Stokly filter")]
    Filter(#[from] FilterError),
    /// A Stokly ID was malformed.
    #[error("invalid Stokly ID")]
    Id(#[from] IdError),
    /// `POST /v1/grant` was refused, could not be sent or read (`status` is then `None` and
    /// `reason` spells out the cause), or answered with something unusable.
    #[error("Stokly refused the access grant{}: {reason}", http_status(*.status))]
    Grant {
        /// The HTTP status, when the server answered.
        status: Option<u16>,
        /// The server's `message`, or what was wrong with its answer (never the token).
        reason: String,
        /// The server's `Retry-After`, if any.
        retry_after: Option<Duration>,
    },
    /// The request could not be sent or its response not read.
    #[error("transport error during {operation}")]
    Transport {
        /// The operation (`GET /v0/items`...).
        operation: String,
        /// The cause.
        #[source]
        source: reqwest::Error,
    },
    /// The server answered with a non-success status. `message` is the `{message}` of Stokly's
    /// error body when it had one.
    #[error("HTTP {status} during {operation}: {}", message.as_deref().unwrap_or(body))]
    Api {
        /// The operation (`POST /v2/saleorders`...).
        operation: String,
        /// The HTTP status.
        status: u16,
        /// Stokly's `message` (`"jwt expired"`, a validation message...).
        message: Option<String>,
        /// The start of the response body.
        body: String,
        /// The server's `Retry-After`, if any.
        retry_after: Option<Duration>,
    },
    /// A request body could not be serialised (for example an amount that a JSON number cannot
    /// carry exactly).
    #[error("could not serialise the body of {operation}")]
    Encode {
        /// The operation.
        operation: String,
        /// The cause, naming the value.
        #[source]
        source: serde_json::Error,
    },
    /// The response did not have the expected shape.
    #[error("could not decode the {operation} response at {path}")]
    Decode {
        /// The operation.
        operation: String,
        /// JSON path of the offending value.
        path: String,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
    /// Page iteration stopped because the server's answers could not be trusted to end.
    #[error("pagination of {operation} stopped: {reason}")]
    Pagination {
        /// The operation.
        operation: String,
        /// What went wrong.
        reason: String,
    },
    /// A write was accepted (202) but the record did not become readable in time.
    #[error("{what} was not visible after {attempts} reads over {waited:?}")]
    NotVisible {
        /// What was awaited (`sale order 3f1c...`).
        what: String,
        /// Reads made.
        attempts: u32,
        /// Time spent waiting.
        waited: Duration,
    },
}

impl Error {
    /// Whether the same call may succeed if tried again later.
    ///
    /// A token Stokly calls expired (`jwt expired`) is retryable: the client grants a new
    /// token and sends the call once more by itself, so this error means the new token was
    /// refused as expired too (a clock out of step, or a token that lived less than the call
    /// took). Nothing was carried out, and a later try with a later grant goes through.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Transport { source, .. } => {
                source.is_connect() || source.is_timeout() || source.is_request()
            }
            Self::Api {
                status, message, ..
            } => *status == 429 || *status >= 500 || is_jwt_expired(message.as_deref()),
            Self::Grant { status, .. } => status.is_none_or(|s| s == 429 || s >= 500),
            Self::NotVisible { .. } => true,
            Self::Config { .. }
            | Self::InvalidArgument { .. }
            | Self::Filter(_)
            | Self::Id(_)
            | Self::Encode { .. }
            | Self::Decode { .. }
            | Self::Pagination { .. } => false,
        }
    }

    /// Whether a failed write may nevertheless have been applied by Stokly: the request was
    /// (or may have been) sent and no trustworthy refusal came back. True for a 5xx, a
    /// transport failure other than a refused connection, and an accepted write whose answer
    /// could not be read; false for anything refused before sending, a 4xx (429 included: the
    /// request was not processed) and a refused connection.
    ///
    /// A write that may have been applied must not be sent again blindly: look the record up
    /// first (for sale orders, by `sourceReferenceId`).
    #[must_use]
    pub fn may_have_been_applied(&self) -> bool {
        match self {
            Self::Transport { source, .. } => !source.is_connect(),
            Self::Api { status, .. } => *status >= 500,
            Self::Decode { .. } | Self::Id(_) => true,
            Self::Config { .. }
            | Self::InvalidArgument { .. }
            | Self::Filter(_)
            | Self::Grant { .. }
            | Self::Encode { .. }
            | Self::Pagination { .. }
            | Self::NotVisible { .. } => false,
        }
    }

    /// How long the server asked us to wait, when it said.
    #[must_use]
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Api { retry_after, .. } | Self::Grant { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The HTTP status of a server answer, when the error is one.
    #[must_use]
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } => Some(*status),
            Self::Grant { status, .. } => *status,
            _ => None,
        }
    }

    /// Stokly's `message` from an error body, when there was one.
    #[must_use]
    pub fn message(&self) -> Option<&str> {
        match self {
            Self::Api { message, .. } => message.as_deref(),
            _ => None,
        }
    }

    /// Whether this is a 404 answer (the record does not exist, or is not visible yet).
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::Api { status: 404, .. })
    }
}

/// Stokly's message for an expired token, in any case and with any surrounding space.
pub(crate) fn is_jwt_expired(message: Option<&str>) -> bool {
    message.is_some_and(|m| m.trim().eq_ignore_ascii_case("jwt expired"))
}

fn http_status(status: Option<u16>) -> String {
    status.map(|s| format!(" (HTTP {s})")).unwrap_or_default()
}

/// An [`Error::InvalidArgument`].
pub(crate) fn invalid(
    operation: &str,
    argument: impl Into<String>,
    reason: impl Into<String>,
) -> Error {
    Error::InvalidArgument {
        operation: operation.to_owned(),
        argument: argument.into(),
        reason: reason.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_error_shows_the_message_and_classifies() {
        let e = Error::Api {
            operation: "POST /v2/saleorders".into(),
            status: 400,
            message: Some("currency is required".into()),
            body: r#"{"message":"currency is required"}"#.into(),
            retry_after: None,
        };
        assert_eq!(
            e.to_string(),
            "HTTP 400 during POST /v2/saleorders: currency is required"
        );
        assert!(!e.is_retryable());
        assert_eq!(e.status(), Some(400));
        assert_eq!(e.message(), Some("currency is required"));
        let busy = Error::Api {
            operation: "GET /v0/items".into(),
            status: 429,
            message: None,
            body: "slow down".into(),
            retry_after: Some(Duration::from_secs(2)),
        };
        assert_eq!(busy.to_string(), "HTTP 429 during GET /v0/items: slow down");
        assert!(busy.is_retryable());
        let grant = Error::Grant {
            status: Some(400),
            reason: "Invalid signature".into(),
            retry_after: None,
        };
        assert_eq!(
            grant.to_string(),
            "Stokly refused the access grant (HTTP 400): Invalid signature"
        );
        assert!(!grant.is_retryable());
        assert_eq!(busy.retry_after(), Some(Duration::from_secs(2)));
    }

    #[test]
    fn an_expired_token_is_retryable_and_was_not_applied() {
        let rejected = |status: u16, message: Option<&str>| Error::Api {
            operation: "POST /v2/saleorders".into(),
            status,
            message: message.map(str::to_owned),
            body: String::new(),
            retry_after: None,
        };
        for status in [401, 403] {
            let expired = rejected(status, Some(" JWT expired "));
            assert!(expired.is_retryable(), "{status}");
            assert!(!expired.may_have_been_applied(), "{status}");
        }
        let unauthorised = rejected(401, Some("Unauthorized"));
        assert!(!unauthorised.is_retryable());
        assert!(!rejected(401, None).is_retryable());
    }
}
