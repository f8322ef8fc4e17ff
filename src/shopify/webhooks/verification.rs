//! The signature check: HMAC-SHA256 over the raw body, in constant time, with the app's
//! client secret (and the previous one during a rotation), behind a body size cap.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::error::WebhookError;
use super::events::{WebhookEvent, build_event};
use super::headers::{DeliveryFormat, FoundHeaders};
use crate::Secret;

type HmacSha256 = Hmac<Sha256>;

/// The default body size cap: 1 MiB. Shopify's largest order payloads stay well below it.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// A base64 SHA-256 digest is 44 characters; anything much longer is refused before decoding.
const MAX_SIGNATURE_CHARS: usize = 128;

/// Which of the configured secrets produced the matching signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedSecret {
    /// The app's current client secret.
    Current,
    /// The secret in use before a rotation. Shopify may keep signing with it for up to an hour
    /// after the rotation; once it stops matching, drop it from the verifier.
    Previous,
}

/// Checks webhook signatures and turns verified deliveries into [`WebhookEvent`]s.
///
/// Holds the app's client secret (and, during a rotation, the previous one). `Debug` shows
/// neither. Cheap to clone; share one per app.
#[derive(Debug, Clone)]
pub struct WebhookVerifier {
    current: Secret,
    previous: Option<Secret>,
    max_body_bytes: usize,
}

impl WebhookVerifier {
    /// A verifier for the app's client secret, with the [`DEFAULT_MAX_BODY_BYTES`] cap.
    ///
    /// # Errors
    /// [`WebhookError::EmptySecret`] if the secret is blank.
    pub fn new(secret: Secret) -> Result<Self, WebhookError> {
        if secret.is_empty() {
            return Err(WebhookError::EmptySecret);
        }
        Ok(Self {
            current: secret,
            previous: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        })
    }

    /// Also accepts signatures made with the secret in use before a rotation. Shopify can take
    /// up to an hour to switch to the new secret; remove the old one afterwards.
    ///
    /// # Errors
    /// [`WebhookError::EmptySecret`] if the previous secret is blank.
    pub fn with_previous_secret(mut self, previous: Secret) -> Result<Self, WebhookError> {
        if previous.is_empty() {
            return Err(WebhookError::EmptySecret);
        }
        self.previous = Some(previous);
        Ok(self)
    }

    /// Sets the body size cap in bytes.
    #[must_use]
    pub fn with_max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// The body size cap in bytes. Pass it to the HTTP framework's body limit too, so an
    /// oversized body is not even read into memory.
    #[must_use]
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    /// Refuses a declared `Content-Length` over the cap, before the body is read.
    ///
    /// # Errors
    /// [`WebhookError::BodyTooLarge`].
    pub fn check_content_length(&self, declared: u64) -> Result<(), WebhookError> {
        let limit = u64::try_from(self.max_body_bytes).unwrap_or(u64::MAX);
        if declared > limit {
            return Err(WebhookError::BodyTooLarge {
                limit: self.max_body_bytes,
                actual: declared,
            });
        }
        Ok(())
    }

    /// Checks a signature header value against the raw body, in constant time, trying the
    /// current secret and then the previous one.
    ///
    /// # Errors
    /// [`WebhookError::BodyTooLarge`] (checked before hashing),
    /// [`WebhookError::MalformedSignature`], [`WebhookError::SignatureMismatch`].
    pub fn verify_signature(
        &self,
        signature: &str,
        body: &[u8],
    ) -> Result<MatchedSecret, WebhookError> {
        self.check_content_length(u64::try_from(body.len()).unwrap_or(u64::MAX))?;
        let digest = decode_signature(signature)?;
        if signature_matches(&self.current, body, &digest) {
            return Ok(MatchedSecret::Current);
        }
        match &self.previous {
            Some(previous) if signature_matches(previous, body, &digest) => {
                Ok(MatchedSecret::Previous)
            }
            _ => Err(WebhookError::SignatureMismatch),
        }
    }

    /// Verifies a delivery and reads its event.
    ///
    /// Order of checks: body size, signature (constant time, over the raw bytes), headers,
    /// then the body as JSON. `headers` is any sequence of name/value pairs: an array of
    /// `(&str, &str)`, or `&http::HeaderMap` from any framework built on the `http` crate.
    /// Names match without regard to case; unrelated headers are ignored.
    ///
    /// # Errors
    /// A [`WebhookError`]; [`WebhookError::http_status`] gives the answer to send.
    pub fn verify<I, K, V>(&self, headers: I, body: &[u8]) -> Result<WebhookEvent, WebhookError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<[u8]>,
    {
        self.check_content_length(u64::try_from(body.len()).unwrap_or(u64::MAX))?;
        // Unusable headers other than the signature are reported only after the signature
        // holds: an unsigned request learns nothing beyond "401".
        let (found, header_error) = FoundHeaders::collect(headers)?;
        let (signature, format) = match &found.hmac {
            Some(value) => (
                value.text.as_str(),
                if value.prefixed {
                    DeliveryFormat::Webhook
                } else {
                    DeliveryFormat::Event
                },
            ),
            None => return Err(WebhookError::MissingSignature),
        };
        let matched_secret = self.verify_signature(signature, body)?;
        if let Some(error) = header_error {
            return Err(error);
        }
        let event = build_event(found, format, matched_secret, body)?;
        if matched_secret == MatchedSecret::Previous {
            tracing::info!(
                shop = %event.shop_domain(),
                topic = %event.topic(),
                "webhook signed with the previous client secret; keep it until this stops"
            );
        }
        Ok(event)
    }
}

fn decode_signature(signature: &str) -> Result<Vec<u8>, WebhookError> {
    let signature = signature.trim();
    if signature.is_empty() {
        return Err(WebhookError::MalformedSignature { reason: "empty" });
    }
    if signature.len() > MAX_SIGNATURE_CHARS {
        return Err(WebhookError::MalformedSignature {
            reason: "too long for a SHA-256 digest",
        });
    }
    let digest = base64::engine::general_purpose::STANDARD
        .decode(signature)
        .map_err(|_| WebhookError::MalformedSignature {
            reason: "not standard base64",
        })?;
    if digest.len() != 32 {
        return Err(WebhookError::MalformedSignature {
            reason: "does not decode to 32 bytes",
        });
    }
    Ok(digest)
}

fn signature_matches(secret: &Secret, body: &[u8], digest: &[u8]) -> bool {
    // HMAC accepts keys of any length, so this cannot fail; refusing is the safe answer anyway.
    let Ok(mut mac) = HmacSha256::new_from_slice(secret.expose().as_bytes()) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(digest).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_decoding_rejects_bad_shapes() {
        assert!(decode_signature("").is_err());
        assert!(decode_signature("not base64!!").is_err());
        assert!(decode_signature("YWJj").is_err());
        assert!(decode_signature(&"A".repeat(200)).is_err());
        let ok = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        assert_eq!(decode_signature(&ok).unwrap(), vec![7u8; 32]);
    }
}
