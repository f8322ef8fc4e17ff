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

crate::wire_enum::wire_enum!(
    /// A top-level GraphQL error's `extensions.code`: the values the crate acts on, and
    /// [`GraphQlErrorCode::Unknown`] for any other, kept as Shopify spelled it.
    GraphQlErrorCode {
        /// The cost bucket cannot afford the query now: wait and retry.
        Throttled => "THROTTLED",
        /// The query costs more than any bucket allows: never retried.
        MaxCostExceeded => "MAX_COST_EXCEEDED",
        /// The app lacks a scope (or the shop a feature).
        AccessDenied => "ACCESS_DENIED",
        /// Shopify failed; retried only when no data came with it.
        InternalServerError => "INTERNAL_SERVER_ERROR",
        /// The request was malformed (a missing `@idempotent`, say).
        BadRequest => "BAD_REQUEST",
        /// An input array is longer than its argument allows.
        MaxInputSizeExceeded => "MAX_INPUT_SIZE_EXCEEDED",
        /// A bulk operation is already running at the concurrency limit.
        OperationInProgress => "OPERATION_IN_PROGRESS",
        /// The resource asked for does not exist (or is of another type).
        ResourceNotFound => "RESOURCE_NOT_FOUND",
        /// The document did not parse.
        GraphqlParseFailed => "GRAPHQL_PARSE_FAILED",
        /// The document is not valid against the schema.
        GraphqlValidationFailed => "GRAPHQL_VALIDATION_FAILED",
    }
);

crate::wire_enum::wire_enum!(
    /// A `userErrors` entry's `code`: the values the crate acts on, and
    /// [`UserErrorCode::Unknown`] for any other, kept as Shopify spelled it.
    UserErrorCode {
        /// `changeFromQuantity` no longer matches Shopify's quantity (compare-and-set lost).
        ChangeFromQuantityStale => "CHANGE_FROM_QUANTITY_STALE",
        /// The same, from API versions that used `compareQuantity`.
        CompareQuantityStale => "COMPARE_QUANTITY_STALE",
        /// A quantity that may not be negative was.
        InvalidQuantityNegative => "INVALID_QUANTITY_NEGATIVE",
        /// The quantity name is not one the mutation takes.
        InvalidName => "INVALID_NAME",
        /// The reason is not one of Shopify's.
        InvalidReason => "INVALID_REASON",
        /// The location is unknown or not active.
        InvalidLocation => "INVALID_LOCATION",
        /// The inventory item is unknown.
        InvalidInventoryItem => "INVALID_INVENTORY_ITEM",
        /// The item is not stocked at the location.
        ItemNotStockedAtLocation => "ITEM_NOT_STOCKED_AT_LOCATION",
        /// The item's quantities cannot be changed (a bundle parent, say).
        NonMutableInventoryItem => "NON_MUTABLE_INVENTORY_ITEM",
        /// A value is not valid.
        Invalid => "INVALID",
        /// A value is already taken.
        Taken => "TAKEN",
        /// A record was not found.
        NotFound => "NOT_FOUND",
        /// The price list does not exist (`priceListFixedPricesAdd`).
        PriceListNotFound => "PRICE_LIST_NOT_FOUND",
        /// A price is not in the price list's currency.
        PriceListCurrencyMismatch => "PRICE_LIST_CURRENCY_MISMATCH",
        /// The variant does not exist (`priceListFixedPricesAdd`).
        VariantNotFound => "VARIANT_NOT_FOUND",
        /// The catalog type or status needs another plan (Shopify Plus).
        CompanyLocationCatalogStatusPlan => "COMPANY_LOCATION_CATALOG_STATUS_PLAN",
        /// The price list's catalog does not take quantity rules.
        CatalogContextDoesNotSupportQuantityRules => "CATALOG_CONTEXT_DOES_NOT_SUPPORT_QUANTITY_RULES",
    }
);

impl GraphQlError {
    /// `extensions.code`, typed (`THROTTLED`, `ACCESS_DENIED`, `MAX_COST_EXCEEDED`...).
    #[must_use]
    pub fn code(&self) -> Option<GraphQlErrorCode> {
        self.code_str().map(GraphQlErrorCode::from)
    }

    /// `extensions.code` as Shopify spelled it.
    #[must_use]
    pub fn code_str(&self) -> Option<&str> {
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
    pub code: Option<UserErrorCode>,
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

    /// Whether this error says a compare-and-set lost (the quantity changed meanwhile).
    #[must_use]
    pub fn is_stale(&self) -> bool {
        matches!(
            self.code,
            Some(UserErrorCode::ChangeFromQuantityStale | UserErrorCode::CompareQuantityStale)
        )
    }
}

/// A batch's `userErrors` split by the input they name: errors at `[..., i, ...]` belong to
/// input `i`; an error that names no input (or one beyond the batch) is batch-wide and, since
/// Shopify applies such a batch all or nothing, concerns every input. The one partition the
/// inventory push and the product push share.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserErrorsByInput<'e> {
    /// Per input position, its own errors (empty for an input no error names).
    pub per_input: Vec<Vec<&'e UserError>>,
    /// Errors that name no input of the batch.
    pub batch_wide: Vec<&'e UserError>,
}

impl<'e> UserErrorsByInput<'e> {
    /// Splits `errors` over a batch of `inputs` inputs.
    #[must_use]
    pub fn partition(errors: &'e [UserError], inputs: usize) -> Self {
        let mut per_input = vec![Vec::new(); inputs];
        let mut batch_wide = Vec::new();
        for error in errors {
            match error.input_index().and_then(|i| per_input.get_mut(i)) {
                Some(own) => own.push(error),
                None => batch_wide.push(error),
            }
        }
        Self {
            per_input,
            batch_wide,
        }
    }

    /// The errors that concern input `i`: its own, then the batch-wide ones.
    #[must_use]
    pub fn concerning(&self, i: usize) -> Vec<&'e UserError> {
        self.per_input
            .get(i)
            .into_iter()
            .flatten()
            .chain(&self.batch_wide)
            .copied()
            .collect()
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

/// How the client treats top-level errors that came with (`has_data`) or without data:
/// `Some` for the ones it retries, `None` for the ones it hands to the caller. The one rule
/// behind both the client's retries and [`Error::is_retryable`].
pub(crate) fn graphql_errors_failure(errors: &[GraphQlError], has_data: bool) -> Option<Failure> {
    if errors
        .iter()
        .any(|e| e.code() == Some(GraphQlErrorCode::Throttled))
    {
        return Some(Failure::Rejected { wait: None });
    }
    let internal = !has_data
        && !errors.is_empty()
        && errors
            .iter()
            .all(|e| e.code() == Some(GraphQlErrorCode::InternalServerError));
    internal.then_some(Failure::Transient { retry_after: None })
}

fn summarize(errors: &[GraphQlError]) -> String {
    errors
        .iter()
        .map(|e| match e.code_str() {
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
            | Self::Protocol { request_id, .. }
            | Self::UserErrors { request_id, .. }
            | Self::AccessDenied { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// The `extensions.code` values of GraphQL errors (empty for other kinds).
    #[must_use]
    pub fn graphql_codes(&self) -> Vec<GraphQlErrorCode> {
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
