//! Why a delivery was refused, and the HTTP status to answer with.

/// Why a webhook delivery was refused.
///
/// No variant carries the secret, the signature or any part of the body; header problems name
/// the header, body problems name the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The verifier was given an empty (or blank) secret.
    #[error("the webhook secret is empty")]
    EmptySecret,
    /// The body is larger than the configured cap; it was not hashed.
    #[error("webhook body of {actual} bytes exceeds the {limit}-byte limit")]
    BodyTooLarge {
        /// The configured cap in bytes.
        limit: usize,
        /// The body's size (or the declared `Content-Length`) in bytes.
        actual: u64,
    },
    /// Neither `X-Shopify-Hmac-Sha256` nor `shopify-hmac-sha256` was sent.
    #[error("webhook has no X-Shopify-Hmac-Sha256 (or shopify-hmac-sha256) header")]
    MissingSignature,
    /// The signature header is not a base64 SHA-256 digest.
    #[error("webhook signature header is malformed: {reason}")]
    MalformedSignature {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The signature does not match the body under any configured secret.
    #[error("webhook signature does not match the body")]
    SignatureMismatch,
    /// A required header is absent.
    #[error("webhook is missing the required header {name}")]
    MissingHeader {
        /// The header, as Shopify spells it.
        name: &'static str,
    },
    /// A header is present but its value is unusable.
    #[error("webhook header {name} is invalid: {reason}")]
    BadHeader {
        /// The header, as Shopify spells it.
        name: &'static str,
        /// What is wrong with the value.
        reason: &'static str,
    },
    /// A header was sent twice (possibly in both naming forms) with different values.
    #[error("webhook header {name} was sent more than once with different values")]
    ConflictingHeader {
        /// The header, as Shopify spells it.
        name: &'static str,
    },
    /// The body is not well-formed JSON.
    #[error("webhook body is not valid JSON (line {line}, column {column})")]
    BodyNotJson {
        /// Line of the first syntax error (1-based).
        line: usize,
        /// Column of the first syntax error (1-based).
        column: usize,
    },
    /// The body is JSON but not an object.
    #[error("webhook body is JSON but not an object")]
    BodyNotObject,
    /// The body is a JSON object that cannot be read (for example a field given twice).
    #[error("webhook body is not the expected object (line {line}, column {column})")]
    UnexpectedBody {
        /// Line where decoding stopped (1-based).
        line: usize,
        /// Column where decoding stopped (1-based).
        column: usize,
    },
    /// A body field the event needs has an unusable value.
    #[error("webhook body field {field} is invalid: {reason}")]
    BadBodyField {
        /// The JSON field.
        field: &'static str,
        /// What is wrong with the value.
        reason: &'static str,
    },
    /// The body's `admin_graphql_api_id` names a resource type the topic never carries.
    #[error("webhook topic {topic} carries a {found} ID, expected a {expected} ID")]
    ResourceMismatch {
        /// The topic header.
        topic: String,
        /// The resource type the topic announces.
        expected: &'static str,
        /// The resource type in the body.
        found: String,
    },
}

impl WebhookError {
    /// Whether the delivery failed authentication (missing, malformed or wrong signature).
    /// Answer these with HTTP 401, as Shopify's app review expects.
    #[must_use]
    pub fn is_authentication_failure(&self) -> bool {
        matches!(
            self,
            Self::MissingSignature | Self::MalformedSignature { .. } | Self::SignatureMismatch
        )
    }

    /// The HTTP status a receiver should answer with: 401 for authentication failures, 413 for
    /// an oversized body, 500 for a misconfigured verifier, 400 for everything else.
    #[must_use]
    pub fn http_status(&self) -> u16 {
        match self {
            Self::MissingSignature | Self::MalformedSignature { .. } | Self::SignatureMismatch => {
                401
            }
            Self::BodyTooLarge { .. } => 413,
            Self::EmptySecret => 500,
            Self::MissingHeader { .. }
            | Self::BadHeader { .. }
            | Self::ConflictingHeader { .. }
            | Self::BodyNotJson { .. }
            | Self::BodyNotObject
            | Self::UnexpectedBody { .. }
            | Self::BadBodyField { .. }
            | Self::ResourceMismatch { .. } => 400,
        }
    }
}
