//! Errors of the Stokly client.

use std::time::Duration;

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
}

impl Error {
    /// Whether the same call may succeed if tried again later.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Config { .. } => false,
        }
    }

    /// How long the server asked us to wait, when it said.
    #[must_use]
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Config { .. } => None,
        }
    }
}
