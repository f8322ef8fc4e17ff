//! Errors of the Shopify client.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::ids::IdError;

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
    /// Path to the input field (`["input", "quantities", "0"]`); list indices are strings.
    #[serde(default)]
    pub field: Option<Vec<String>>,
    /// Shopify's message.
    pub message: String,
    /// The typed code (`CHANGE_FROM_QUANTITY_STALE`...), on mutations that have one.
    #[serde(default)]
    pub code: Option<String>,
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
    /// An ID in a response or argument was not a valid Shopify global ID.
    #[error("invalid Shopify ID")]
    Id(#[from] IdError),
    /// The app may not read what it asked for: Shopify denied access or answered `null` for
    /// an object that needs a scope (as `shopifyPaymentsAccount` does).
    #[error("{operation} needs the {scope} access scope: {reason} (request id {request_id:?})")]
    AccessDenied {
        /// The GraphQL operation.
        operation: String,
        /// The access scope the read needs (`read_shopify_payments_payouts`).
        scope: &'static str,
        /// What Shopify answered.
        reason: String,
        /// Shopify's `X-Request-Id`.
        request_id: Option<String>,
    },
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
    /// Whether the same call may succeed if tried again later.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Transport { source, .. } => {
                source.is_connect() || source.is_timeout() || source.is_request()
            }
            Self::Http { status, .. } => *status == 429 || *status >= 500,
            Self::GraphQl { errors, .. } => errors
                .iter()
                .any(|e| matches!(e.code(), Some("THROTTLED" | "INTERNAL_SERVER_ERROR"))),
            Self::Throttled { .. } | Self::BulkTimeout { .. } => true,
            Self::Config { .. }
            | Self::InvalidArgument { .. }
            | Self::Decode { .. }
            | Self::UserErrors { .. }
            | Self::Pagination { .. }
            | Self::MissingPayload { .. }
            | Self::BulkOperation(_)
            | Self::BulkLine { .. }
            | Self::AccessDenied { .. }
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
            | Self::UserErrors { request_id, .. }
            | Self::AccessDenied { request_id, .. } => request_id.as_deref(),
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
}
