//! Errors of the Shopify client.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::ids::IdError;
use crate::http::Failure;

/// One entry of a GraphQL response's top-level `errors`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GraphQlError {
    /// Shopify's message.
    pub message: String,
    /// Where in the response the error applies (`["shopifyPaymentsAccount"]`).
    #[serde(default)]
    pub path: Vec<serde_json::Value>,
    /// Shopify's extensions (`code`, `documentation`, `requestId`, ...).
    #[serde(default)]
    pub extensions: Option<serde_json::Value>,
}

impl GraphQlError {
    /// `extensions.code` (`THROTTLED`, `ACCESS_DENIED`, `MAX_COST_EXCEEDED`...).
    #[must_use]
    pub fn code(&self) -> Option<&str> {
        self.extensions
            .as_ref()
            .and_then(|e| e.get("code"))
            .and_then(serde_json::Value::as_str)
    }
}

/// A mutation's `userErrors` entry: business validation, with the input path at fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserError {
    /// Path to the input field (`["input", "quantities", "0"]`). Shopify sends list indices
    /// as strings on some mutations and as numbers on others
    /// (`["order","lineItems",0,"taxLines",0,"rate"]`); both decode, numbers as their text.
    #[serde(default, deserialize_with = "field_path")]
    pub field: Option<Vec<String>>,
    /// Shopify's message.
    pub message: String,
    /// The typed code (`CHANGE_FROM_QUANTITY_STALE`...), on mutations that have one.
    #[serde(default)]
    pub code: Option<String>,
}

/// One segment of a `UserError.field` path: a name, or a list index Shopify sent as a number.
#[derive(Deserialize)]
#[serde(untagged)]
enum FieldSegment {
    Text(String),
    Index(serde_json::Number),
}

fn field_path<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Vec<String>>, D::Error> {
    let segments = Option::<Vec<FieldSegment>>::deserialize(deserializer)?;
    Ok(segments.map(|segments| {
        segments
            .into_iter()
            .map(|segment| match segment {
                FieldSegment::Text(text) => text,
                FieldSegment::Index(n) => n.to_string(),
            })
            .collect()
    }))
}

impl UserError {
    /// The index into the input list this error names (`["input","quantities","3"]` gives 3).
    #[must_use]
    pub fn input_index(&self) -> Option<usize> {
        self.field
            .as_ref()?
            .iter()
            .find_map(|segment| segment.parse::<usize>().ok())
    }
}

/// A bulk operation that ended without a complete result.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BulkFailure {
    /// The operation.
    pub id: String,
    /// Its terminal status (`FAILED`, `CANCELED`, `EXPIRED`).
    pub status: String,
    /// Shopify's `errorCode`, if any (`ACCESS_DENIED`, `INTERNAL_SERVER_ERROR`, `TIMEOUT`).
    pub error_code: Option<String>,
    /// Where the rows written before the failure can be downloaded, if Shopify kept them.
    pub partial_data_url: Option<String>,
}

/// An error from the Shopify client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client was configured wrongly.
    #[error("invalid Shopify client configuration: {field}: {reason}")]
    Config {
        /// The builder field at fault.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A request argument was rejected before sending.
    #[error("invalid argument {argument} for {operation}: {reason}")]
    InvalidArgument {
        /// The GraphQL operation.
        operation: String,
        /// The argument at fault.
        argument: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The request could not be sent or its response not read.
    #[error("transport error during {operation}")]
    Transport {
        /// The GraphQL operation (or `download`).
        operation: String,
        /// The cause.
        #[source]
        source: reqwest::Error,
    },
    /// The server answered with a non-success HTTP status.
    #[error("HTTP {status} during {operation} (request id {request_id:?}): {body}")]
    Http {
        /// The GraphQL operation.
        operation: String,
        /// The HTTP status.
        status: u16,
        /// Shopify's `X-Request-Id`.
        request_id: Option<String>,
        /// The start of the response body.
        body: String,
        /// The server's `Retry-After`, if any.
        retry_after: Option<Duration>,
    },
    /// The response did not have the expected shape.
    #[error("could not decode the {operation} response at {path} (request id {request_id:?})")]
    Decode {
        /// The GraphQL operation.
        operation: String,
        /// JSON path of the offending value.
        path: String,
        /// Shopify's `X-Request-Id`.
        request_id: Option<String>,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
    /// Shopify answered with top-level GraphQL `errors`.
    #[error("GraphQL errors in {operation} (request id {request_id:?}): {}", summarize(.errors))]
    GraphQl {
        /// The GraphQL operation.
        operation: String,
        /// Shopify's `X-Request-Id`.
        request_id: Option<String>,
        /// The errors, with their `extensions.code`.
        errors: Vec<GraphQlError>,
        /// Whatever `data` came back beside the errors.
        partial_data: Option<Box<serde_json::Value>>,
    },
    /// Shopify kept throttling the request after the configured retries.
    #[error("{operation} still throttled after {attempts} attempts; next wait {wait:?}")]
    Throttled {
        /// The GraphQL operation.
        operation: String,
        /// Attempts made.
        attempts: u32,
        /// The wait the cost bucket calls for now.
        wait: Duration,
        /// Shopify's `X-Request-Id` of the last answer.
        request_id: Option<String>,
    },
    /// A mutation answered with `userErrors`.
    #[error("{operation} rejected the input: {}", summarize_user(.errors))]
    UserErrors {
        /// The GraphQL operation.
        operation: String,
        /// Shopify's `X-Request-Id`.
        request_id: Option<String>,
        /// The errors, each naming the input field.
        errors: Vec<UserError>,
    },
    /// Cursor pagination went wrong (Shopify returned a cursor it had returned before).
    #[error("pagination of {operation} stopped: {reason}")]
    Pagination {
        /// The GraphQL operation.
        operation: String,
        /// What went wrong.
        reason: String,
    },
    /// A mutation answered without the payload it always returns (neither a result nor
    /// `userErrors`).
    #[error("{operation} answered without a payload: {detail}")]
    MissingPayload {
        /// The GraphQL operation.
        operation: String,
        /// What was missing.
        detail: &'static str,
    },
    /// A bulk operation ended as failed, canceled or expired.
    #[error("bulk operation {} ended {} ({:?})", .0.id, .0.status, .0.error_code)]
    BulkOperation(BulkFailure),
    /// A bulk operation did not finish within the configured time.
    #[error("bulk operation {id} still {status} after {waited:?}")]
    BulkTimeout {
        /// The operation.
        id: String,
        /// Its last status.
        status: String,
        /// How long we waited.
        waited: Duration,
    },
    /// A line of a bulk operation's JSONL result could not be used.
    #[error("bulk result line {line}: {reason}")]
    BulkLine {
        /// 1-based line number.
        line: u64,
        /// What is wrong.
        reason: String,
        /// The JSON error, if the line did not parse.
        #[source]
        source: Option<serde_json::Error>,
    },
    /// The server's answer broke the protocol in a way no retry can mend (for example
    /// throttle figures that are not finite or negative where they cannot be).
    #[error("{operation}: Shopify's answer is unusable (request id {request_id:?}): {reason}")]
    Protocol {
        /// The GraphQL operation.
        operation: String,
        /// Shopify's `X-Request-Id`.
        request_id: Option<String>,
        /// What is wrong with the answer.
        reason: String,
    },
    /// An ID in a response or argument was not a valid Shopify global ID.
    #[error("invalid Shopify ID")]
    Id(#[from] IdError),
}

/// How the client treats top-level errors that came with (`has_data`) or without data:
/// `Some` for the ones it retries, `None` for the ones it hands to the caller. The one rule
/// behind both the client's retries and [`Error::is_retryable`].
pub(crate) fn graphql_errors_failure(errors: &[GraphQlError], has_data: bool) -> Option<Failure> {
    if errors.iter().any(|e| e.code() == Some("THROTTLED")) {
        return Some(Failure::Rejected { wait: None });
    }
    let internal = !has_data
        && !errors.is_empty()
        && errors
            .iter()
            .all(|e| e.code() == Some("INTERNAL_SERVER_ERROR"));
    internal.then_some(Failure::Transient { retry_after: None })
}

fn summarize(errors: &[GraphQlError]) -> String {
    errors
        .iter()
        .map(|e| match e.code() {
            Some(code) => format!("[{code}] {}", e.message),
            None => e.message.clone(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn summarize_user(errors: &[UserError]) -> String {
    errors
        .iter()
        .map(|e| {
            let field = e.field.as_ref().map(|f| f.join(".")).unwrap_or_default();
            match &e.code {
                Some(code) => format!("[{code}] {field}: {}", e.message),
                None => format!("{field}: {}", e.message),
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

impl Error {
    /// Whether the same call may succeed if tried again later. It follows the rules the
    /// client's own retries follow (which retry a write only when it is safe to repeat):
    /// connect, timeout, request and body failures, HTTP 429 and 5xx, `THROTTLED`, and
    /// `INTERNAL_SERVER_ERROR` when it came with no data at all. `INTERNAL_SERVER_ERROR`
    /// beside partial data is Shopify's answer to some reads of a missing record (recorded)
    /// and is not retried, so it is not retryable.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Transport { source, .. } => {
                !matches!(crate::http::classify_reqwest(source), Failure::Permanent)
            }
            Self::Http { status, .. } => *status == 429 || *status >= 500,
            Self::GraphQl {
                errors,
                partial_data,
                ..
            } => graphql_errors_failure(errors, partial_data.is_some()).is_some(),
            Self::Throttled { .. } | Self::BulkTimeout { .. } => true,
            Self::Protocol { .. }
            | Self::Config { .. }
            | Self::InvalidArgument { .. }
            | Self::Decode { .. }
            | Self::UserErrors { .. }
            | Self::Pagination { .. }
            | Self::MissingPayload { .. }
            | Self::BulkOperation(_)
            | Self::BulkLine { .. }
            | Self::Id(_) => false,
        }
    }

    /// How long Shopify asked us to wait before trying again, when it said.
    #[must_use]
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Http { retry_after, .. } => *retry_after,
            Self::Throttled { wait, .. } => Some(*wait),
            _ => None,
        }
    }

    /// Shopify's `X-Request-Id` for the failing response, when there was one.
    #[must_use]
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::Http { request_id, .. }
            | Self::Decode { request_id, .. }
            | Self::GraphQl { request_id, .. }
            | Self::Throttled { request_id, .. }
            | Self::Protocol { request_id, .. }
            | Self::UserErrors { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// The `extensions.code` values of GraphQL errors (empty for other kinds).
    #[must_use]
    pub fn graphql_codes(&self) -> Vec<&str> {
        match self {
            Self::GraphQl { errors, .. } => errors.iter().filter_map(GraphQlError::code).collect(),
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_error_index_and_display() {
        let e: UserError = serde_json::from_value(serde_json::json!({
            "field": ["input", "quantities", "3"], "message": "stale", "code": "CHANGE_FROM_QUANTITY_STALE"
        }))
        .unwrap();
        assert_eq!(e.input_index(), Some(3));
        let err = Error::UserErrors {
            operation: "InventorySetQuantities".into(),
            request_id: None,
            errors: vec![e],
        };
        assert_eq!(
            err.to_string(),
            "InventorySetQuantities rejected the input: [CHANGE_FROM_QUANTITY_STALE] input.quantities.3: stale"
        );
        assert!(!err.is_retryable());
    }

    #[test]
    fn user_error_field_accepts_numbers() {
        // As recorded from orderCreate: list indices arrive as JSON numbers.
        let e: UserError = serde_json::from_value(serde_json::json!({
            "field": ["order", "lineItems", 0, "taxLines", 0, "rate"],
            "message": "Rate is invalid"
        }))
        .unwrap();
        assert_eq!(
            e.field.as_deref(),
            Some(&["order", "lineItems", "0", "taxLines", "0", "rate"].map(String::from)[..])
        );
        assert_eq!(e.input_index(), Some(0));
        let none: UserError =
            serde_json::from_value(serde_json::json!({"field": null, "message": "m"})).unwrap();
        assert_eq!(none.field, None);
        let absent: UserError =
            serde_json::from_value(serde_json::json!({"message": "m"})).unwrap();
        assert_eq!(absent.field, None);
        assert!(
            serde_json::from_value::<UserError>(
                serde_json::json!({"field": [true], "message": "m"})
            )
            .is_err()
        );
    }

    fn graphql(code: &str, partial: Option<serde_json::Value>) -> Error {
        Error::GraphQl {
            operation: "Order".into(),
            request_id: None,
            errors: vec![GraphQlError {
                message: "m".into(),
                path: Vec::new(),
                extensions: Some(serde_json::json!({ "code": code })),
            }],
            partial_data: partial.map(Box::new),
        }
    }

    #[test]
    fn internal_error_with_partial_data_is_not_retryable() {
        assert!(graphql("INTERNAL_SERVER_ERROR", None).is_retryable());
        assert!(
            !graphql(
                "INTERNAL_SERVER_ERROR",
                Some(serde_json::json!({"order": null}))
            )
            .is_retryable()
        );
        assert!(graphql("THROTTLED", Some(serde_json::json!({}))).is_retryable());
        assert!(!graphql("ACCESS_DENIED", None).is_retryable());
    }
}
