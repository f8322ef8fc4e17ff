//! The Shopify Admin GraphQL client: builder, transport, throttling and retries.

use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use url::Url;

use tracing::Instrument;

use super::error::{Error, GraphQlError, UserError, graphql_errors_failure};
use super::idempotency::idempotency_key;
use super::throttle::{CostBucket, CostPacer, LearnedCosts, QueryCost, ThrottleStatus};
use crate::http::{
    self, Failure, Idempotence, RetryAfter, RetryConfig, RetryDecision, RetryPolicy, Timeouts,
};
use crate::secret::Secret;

/// The Admin API version the crate targets by default: the newest schema its documents are
/// validated against.
pub const DEFAULT_API_VERSION: &str = "2026-07";

/// The oldest Admin API version the client accepts: the crate's documents use `@idempotent`
/// and `bulkOperation(id:)`, which older versions lack or do not enforce.
pub const OLDEST_API_VERSION: &str = "2026-04";

/// Most of an error body kept on [`Error::Http`].
const ERROR_BODY_LIMIT: usize = 2048;

/// Builds a [`Client`].
#[derive(Default)]
#[must_use]
pub struct ClientBuilder {
    shop: Option<String>,
    access_token: Option<Secret>,
    api_version: Option<String>,
    base_url: Option<String>,
    http: Option<reqwest::Client>,
    timeouts: Timeouts,
    retry: RetryConfig,
    cost_pacer: Option<Arc<dyn CostPacer>>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("shop", &self.shop)
            .field("access_token", &self.access_token)
            .field("api_version", &self.api_version)
            .field("base_url", &self.base_url)
            .field("timeouts", &self.timeouts)
            .field("retry", &self.retry)
            .field("cost_pacer", &self.cost_pacer)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The shop's domain, `name.myshopify.com` (required).
    pub fn shop(mut self, domain: impl Into<String>) -> Self {
        self.shop = Some(domain.into());
        self
    }

    /// The Admin API access token (required).
    pub fn access_token(mut self, token: impl Into<Secret>) -> Self {
        self.access_token = Some(token.into());
        self
    }

    /// The API version: a quarterly `YYYY-MM` no older than [`OLDEST_API_VERSION`] (newer ones
    /// are accepted as they come), or `unstable` (default [`DEFAULT_API_VERSION`]).
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = Some(version.into());
        self
    }

    /// Sends requests to this origin instead of `https://{shop}`: for tests and the sandbox.
    /// Plain `http` is accepted only for loopback hosts.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Shares an existing `reqwest::Client` (its own connect timeout and TLS settings apply).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Timeouts (default [`Timeouts::default`]).
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// Retry settings (default [`RetryConfig::default`]).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// Paces requests through `pacer` (a cost bucket shared with other processes, such as
    /// fleet mode's PostgreSQL bucket) instead of the client's own in-process bucket, which
    /// stays the default. See [`CostPacer`].
    pub fn cost_pacer(mut self, pacer: Arc<dyn CostPacer>) -> Self {
        self.cost_pacer = Some(pacer);
        self
    }

    /// Validates the settings and builds the client.
    ///
    /// # Errors
    /// [`Error::Config`] naming the field: a missing or malformed shop domain, a missing or
    /// blank token, a malformed API version or one older than [`OLDEST_API_VERSION`], or a base
    /// URL that is not https (or loopback http).
    pub fn build(self) -> Result<Client, Error> {
        let config = |field, reason: &str| Error::Config {
            field,
            reason: reason.to_owned(),
        };
        let shop = self
            .shop
            .ok_or_else(|| config("shop", "required"))?
            .trim()
            .to_ascii_lowercase();
        validate_shop_domain(&shop).map_err(|r| config("shop", r))?;
        let token = self
            .access_token
            .ok_or_else(|| config("access_token", "required"))?;
        if token.is_empty() {
            return Err(config("access_token", "must not be blank"));
        }
        let api_version = self
            .api_version
            .unwrap_or_else(|| DEFAULT_API_VERSION.to_owned());
        validate_api_version(&api_version).map_err(|r| config("api_version", r))?;
        let base = match self.base_url {
            Some(b) => {
                let url = Url::parse(&b).map_err(|e| config("base_url", &e.to_string()))?;
                http::check_base_url(&url).map_err(|r| config("base_url", r))?;
                url
            }
            None => Url::parse(&format!("https://{shop}"))
                .map_err(|e| config("shop", &e.to_string()))?,
        };
        let endpoint = base
            .join(&format!("admin/api/{api_version}/graphql.json"))
            .map_err(|e| config("base_url", &e.to_string()))?;
        let http = match self.http {
            Some(c) => c,
            None => http::default_http_client(&self.timeouts)
                .map_err(|e| config("http_client", &e.to_string()))?,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                endpoint,
                shop,
                api_version,
                token,
                timeouts: self.timeouts,
                retry: RetryPolicy::new(self.retry),
                bucket: Mutex::new(CostBucket::new().with_max_wait(self.retry.max_server_wait)),
                learned_costs: Mutex::new(LearnedCosts::new()),
                first_answer: tokio::sync::Mutex::new(()),
                reports_no_cost: std::sync::atomic::AtomicBool::new(false),
                cost_pacer: self.cost_pacer,
            }),
        })
    }
}

fn validate_shop_domain(shop: &str) -> Result<(), &'static str> {
    let name = shop
        .strip_suffix(".myshopify.com")
        .ok_or("must be the shop's permanent domain, name.myshopify.com")?;
    let ok = !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err("the name before .myshopify.com must be letters, digits and inner hyphens")
    }
}

fn validate_api_version(v: &str) -> Result<(), &'static str> {
    let quarterly = match v.as_bytes() {
        [y1, y2, y3, y4, b'-', m1, m2] => {
            [y1, y2, y3, y4, m1, m2].iter().all(|b| b.is_ascii_digit())
                && matches!(v.get(5..), Some("01" | "04" | "07" | "10"))
        }
        _ => false,
    };
    if v == "unstable" {
        Ok(())
    } else if !quarterly {
        Err("expected a quarterly version such as 2026-07 (or unstable)")
    } else if v < OLDEST_API_VERSION {
        // Same-width YYYY-MM strings compare as dates.
        Err(
            "older than 2026-04, the oldest version the crate supports: its documents need \
             @idempotent and bulkOperation(id:)",
        )
    } else {
        Ok(())
    }
}

/// A Shopify Admin GraphQL client. Cheap to clone; clones share the connection pool, the
/// cost-bucket estimate and the learned query costs.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    endpoint: Url,
    shop: String,
    api_version: String,
    token: Secret,
    timeouts: Timeouts,
    retry: RetryPolicy,
    bucket: Mutex<CostBucket>,
    learned_costs: Mutex<LearnedCosts>,
    /// Held by the one request allowed out while the bucket is still unknown.
    first_answer: tokio::sync::Mutex<()>,
    /// Set once a successful answer came without cost figures: the server does not report
    /// its bucket, so holding requests back for it would only serialise them.
    reports_no_cost: std::sync::atomic::AtomicBool,
    /// Paces requests instead of `bucket` when set.
    cost_pacer: Option<Arc<dyn CostPacer>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("shop", &self.inner.shop)
            .field("api_version", &self.inner.api_version)
            .field("endpoint", &self.inner.endpoint.as_str())
            .field("access_token", &self.inner.token)
            .finish_non_exhaustive()
    }
}

/// One GraphQL operation to send: document, operation name, variables and whether it is safe
/// to send twice.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphQlRequest {
    document: Cow<'static, str>,
    operation_name: Cow<'static, str>,
    variables: serde_json::Map<String, serde_json::Value>,
    idempotence: Idempotence,
    cost_hint: Option<f64>,
    pub(crate) default_page_size: Option<u32>,
}

impl GraphQlRequest {
    /// A query: safe to retry.
    pub fn query(
        document: impl Into<Cow<'static, str>>,
        operation_name: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            document: document.into(),
            operation_name: operation_name.into(),
            variables: serde_json::Map::new(),
            idempotence: Idempotence::Safe,
            cost_hint: None,
            default_page_size: None,
        }
    }

    /// A mutation: not retried after an uncertain failure unless it gets an idempotency key
    /// ([`GraphQlRequest::idempotent`]) or is declared safe ([`GraphQlRequest::safe_to_repeat`]).
    pub fn mutation(
        document: impl Into<Cow<'static, str>>,
        operation_name: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            idempotence: Idempotence::Unsafe,
            ..Self::query(document, operation_name)
        }
    }

    /// Sets a variable.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if the value cannot be serialised to JSON.
    pub fn variable(mut self, name: &'static str, value: impl Serialize) -> Result<Self, Error> {
        let value = serde_json::to_value(value).map_err(|e| Error::InvalidArgument {
            operation: self.operation_name.to_string(),
            argument: name,
            reason: e.to_string(),
        })?;
        self.variables.insert(name.to_owned(), value);
        Ok(self)
    }

    /// Derives an `@idempotent(key:)` value from the operation name and all variables set so
    /// far, puts it in the variable `key_variable` (which the document must pass to
    /// `@idempotent(key: $...)`), and marks the request safe to retry: a retry sends the same
    /// key, so Shopify applies the mutation once.
    #[must_use]
    pub fn idempotent(mut self, key_variable: &'static str) -> Self {
        self.variables.remove(key_variable);
        let key = idempotency_key(
            &self.operation_name,
            &serde_json::Value::Object(self.variables.clone()),
        );
        self.variables
            .insert(key_variable.to_owned(), serde_json::Value::String(key));
        self.idempotence = Idempotence::Safe;
        self
    }

    /// Puts `key` (derived by the caller's input type, such as
    /// [`InventorySetQuantitiesInput::idempotency_key`](crate::shopify::model::InventorySetQuantitiesInput::idempotency_key))
    /// in the variable `key_variable` and marks the request safe to retry, as
    /// [`Self::idempotent`] does with a key derived from the variables.
    #[must_use]
    pub fn idempotent_with_key(mut self, key_variable: &'static str, key: String) -> Self {
        self.variables
            .insert(key_variable.to_owned(), serde_json::Value::String(key));
        self.idempotence = Idempotence::Safe;
        self
    }

    /// Declares a mutation safe to repeat (it sets absolute values, or Shopify rejects a
    /// duplicate by itself).
    #[must_use]
    pub fn safe_to_repeat(mut self) -> Self {
        self.idempotence = Idempotence::Safe;
        self
    }

    /// The expected cost: a first guess, used only until Shopify has reported the real cost of
    /// this operation (the client then reserves what Shopify last reported).
    #[must_use]
    pub fn cost_hint(mut self, cost: f64) -> Self {
        self.cost_hint = Some(cost);
        self
    }

    /// The page size used when paging this request with [`crate::shopify::PageOptions`] that
    /// leave it unset (default 250).
    #[must_use]
    pub fn with_default_page_size(mut self, n: u32) -> Self {
        self.default_page_size = Some(n);
        self
    }

    /// The operation name.
    #[must_use]
    pub fn operation_name(&self) -> &str {
        &self.operation_name
    }

    /// The variables.
    #[must_use]
    pub fn variables(&self) -> &serde_json::Map<String, serde_json::Value> {
        &self.variables
    }

    pub(crate) fn set_variable(&mut self, name: &str, value: serde_json::Value) {
        self.variables.insert(name.to_owned(), value);
    }
}

/// A GraphQL response: whatever `data` came back, beside any top-level `errors`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Response {
    /// The `data` member (may be partial when `errors` is not empty).
    pub data: Option<serde_json::Value>,
    /// Top-level errors.
    pub errors: Vec<GraphQlError>,
    /// `extensions.cost`.
    pub cost: Option<QueryCost>,
    /// Shopify's `X-Request-Id`.
    pub request_id: Option<String>,
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    data: Option<serde_json::Value>,
    #[serde(default)]
    errors: Option<Vec<GraphQlError>>,
    #[serde(default)]
    extensions: Option<Extensions>,
}

#[derive(Deserialize)]
struct Extensions {
    #[serde(default)]
    cost: Option<QueryCost>,
}

/// Decodes `value` into `T`, naming the JSON path of a mismatch.
pub(crate) fn decode<T: DeserializeOwned>(
    operation: &str,
    request_id: Option<&str>,
    value: serde_json::Value,
) -> Result<T, Error> {
    serde_path_to_error::deserialize(value).map_err(|e| Error::Decode {
        operation: operation.to_owned(),
        path: e.path().to_string(),
        request_id: request_id.map(str::to_owned),
        source: e.into_inner(),
    })
}

impl Client {
    /// Starts a builder.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The shop domain.
    #[must_use]
    pub fn shop_domain(&self) -> &str {
        &self.inner.shop
    }

    /// The API version in use.
    #[must_use]
    pub fn api_version(&self) -> &str {
        &self.inner.api_version
    }

    /// The last cost-bucket status Shopify reported to this client or any of its clones.
    #[must_use]
    pub fn throttle_status(&self) -> Option<ThrottleStatus> {
        self.lock_bucket().last_status()
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    pub(crate) fn timeouts(&self) -> &Timeouts {
        &self.inner.timeouts
    }

    fn lock_bucket(&self) -> std::sync::MutexGuard<'_, CostBucket> {
        // A poisoned lock only means another task panicked mid-update of plain numbers.
        self.inner
            .bucket
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn lock_costs(&self) -> std::sync::MutexGuard<'_, LearnedCosts> {
        self.inner
            .learned_costs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn expected_cost(&self, request: &GraphQlRequest) -> f64 {
        self.lock_costs()
            .estimate(&request.operation_name, request.cost_hint)
    }

    /// How long the client would wait now before sending `request`: the points its expected
    /// cost (what Shopify last reported for the operation, else the request's hint) misses in
    /// the shared bucket estimate, at the restore rate. Zero while the bucket is unknown.
    #[must_use]
    pub fn wait_before(&self, request: &GraphQlRequest) -> Duration {
        let expected = self.expected_cost(request);
        self.lock_bucket().wait_for(expected, Instant::now())
    }

    /// The cost the client will reserve for the next request of `operation`: what Shopify
    /// last reported for it, if it has.
    #[must_use]
    pub fn learned_cost(&self, operation: &str) -> Option<f64> {
        self.lock_costs().learned(operation)
    }

    /// Sends a request: waits for the cost bucket first, retries throttling, transport failures
    /// and server errors as the retry policy allows, and returns the response with any
    /// top-level `errors` beside the (possibly partial) data.
    ///
    /// Until Shopify has reported the cost bucket, one request goes out at a time (the others
    /// wait for its answer), so many first requests at once are not all throttled. (A server
    /// whose successful answers carry no cost figures is not held back after its first one.)
    ///
    /// # Errors
    /// [`Error::Transport`], [`Error::Http`], [`Error::Decode`] of the envelope,
    /// [`Error::Throttled`] when retries run out, [`Error::Protocol`] when a throttled answer
    /// carries figures no wait can be computed from.
    pub async fn execute(&self, request: &GraphQlRequest) -> Result<Response, Error> {
        let span = tracing::debug_span!(
            "shopify_graphql",
            shop = %self.inner.shop,
            operation = %request.operation_name
        );
        // Instrumented rather than entered: the span is current only while this future is
        // polled, never while another task runs during one of its awaits.
        self.execute_in_span(request).instrument(span).await
    }

    async fn execute_in_span(&self, request: &GraphQlRequest) -> Result<Response, Error> {
        let operation = request.operation_name.as_ref();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let probe = if self.may_send_concurrently() {
                None
            } else {
                let guard = self.inner.first_answer.lock().await;
                (!self.may_send_concurrently()).then_some(guard)
            };
            let expected = self.expected_cost(request);
            let (reservation, wait) = match &self.inner.cost_pacer {
                None => {
                    let (reservation, wait) = Reservation::take(self, expected);
                    (Paced::Local(reservation), wait)
                }
                Some(pacer) => {
                    let paced = pacer.reserve(expected).await;
                    (Paced::Shared(paced.reserved), paced.wait)
                }
            };
            if !wait.is_zero() {
                tracing::debug!(
                    ?wait,
                    expected_cost = expected,
                    "waiting for the cost bucket"
                );
                tokio::time::sleep(wait).await;
            }
            let outcome = self.send_once(request).await;
            match (reservation, &self.inner.cost_pacer) {
                (Paced::Shared(reserved), Some(pacer)) => {
                    let cost = outcome.as_ref().ok().and_then(|r| r.cost.as_ref());
                    pacer.settle(reserved, cost).await;
                }
                (reservation, _) => drop(reservation),
            }
            let (error, failure) = match outcome {
                Ok(response) => {
                    if response.cost.is_none() && response.errors.is_empty() {
                        self.inner
                            .reports_no_cost
                            .store(true, std::sync::atomic::Ordering::Relaxed);
                    }
                    // A document refused before running (MAX_INPUT_SIZE_EXCEEDED: errors, no
                    // data) reports a nominal requested cost: that is not its cost.
                    let ran_or_throttled = response.data.is_some()
                        || response.errors.is_empty()
                        || response
                            .errors
                            .iter()
                            .any(|e| e.code() == Some(super::error::GraphQlErrorCode::Throttled));
                    let usable = self.learn(operation, response.cost.as_ref(), ran_or_throttled);
                    match classify_response(operation, attempt, response, usable) {
                        Ok(response) => return Ok(response),
                        Err(pair) => pair,
                    }
                }
                Err(pair) => pair,
            };
            drop(probe);
            match self
                .inner
                .retry
                .decide(attempt, &failure, request.idempotence, Utc::now())
            {
                RetryDecision::RetryAfter(delay) => {
                    tracing::warn!(attempt, ?delay, error = %error, "retrying Shopify request");
                    tokio::time::sleep(delay).await;
                }
                RetryDecision::GiveUp => return Err(error),
            }
        }
    }

    /// Whether requests may go out together: once the bucket is known (or the server has shown
    /// it reports none). Before that, one request at a time goes first.
    fn may_send_concurrently(&self) -> bool {
        self.lock_bucket().is_known()
            || self
                .inner
                .reports_no_cost
                .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Learns the bucket and, when `real_cost` (the query ran or was throttled for its cost),
    /// the operation's cost from `extensions.cost`. Figures that cannot be right are not
    /// learned; the reason is returned for the caller to report.
    fn learn(
        &self,
        operation: &str,
        cost: Option<&QueryCost>,
        real_cost: bool,
    ) -> Result<(), String> {
        let Some(cost) = cost else { return Ok(()) };
        if let Err(reason) = cost.check() {
            tracing::warn!(reason, "ignoring unusable cost figures from Shopify");
            return Err(reason);
        }
        if let Some(status) = cost.throttle_status {
            self.lock_bucket().observe(status, Instant::now());
        }
        if real_cost {
            self.lock_costs().learn(operation, cost);
        }
        tracing::debug!(
            requested = cost.requested_query_cost,
            actual = cost.actual_query_cost,
            available = cost.throttle_status.map(|s| s.currently_available),
            "query cost"
        );
        Ok(())
    }

    #[allow(clippy::result_large_err)]
    async fn send_once(&self, request: &GraphQlRequest) -> Result<Response, (Error, Failure)> {
        let operation = request.operation_name.to_string();
        let body = serde_json::json!({
            "query": request.document,
            "operationName": request.operation_name,
            "variables": request.variables,
        });
        let sent = self
            .inner
            .http
            .post(self.inner.endpoint.clone())
            .header("X-Shopify-Access-Token", self.inner.token.expose())
            .header(reqwest::header::ACCEPT, "application/json")
            .timeout(self.inner.timeouts.request)
            .json(&body)
            .send()
            .await;
        let response = sent.map_err(|source| {
            let failure = http::classify_reqwest(&source);
            (
                Error::Transport {
                    operation: operation.clone(),
                    source,
                },
                failure,
            )
        })?;
        let status = response.status();
        let headers = response.headers().clone();
        let request_id = header(&headers, "x-request-id");
        if let Some(reason) = header(&headers, "x-shopify-api-deprecated-reason") {
            tracing::warn!(operation, reason, "Shopify reports a deprecated field");
        }
        let retry_after = header(&headers, "retry-after").and_then(|v| RetryAfter::parse(&v));
        let text = response.text().await.map_err(|source| {
            let failure = http::classify_reqwest(&source);
            (
                Error::Transport {
                    operation: operation.clone(),
                    source,
                },
                failure,
            )
        })?;
        if !status.is_success() {
            let parsed: Option<Envelope> = serde_json::from_str(&text).ok();
            let cost = parsed
                .as_ref()
                .and_then(|e| e.extensions.as_ref())
                .and_then(|x| x.cost);
            let usable = self.learn(&operation, cost.as_ref(), status.as_u16() == 429);
            let failure = match (status.as_u16(), usable) {
                (429, Err(reason)) if retry_after.is_none() => {
                    let error = Error::Protocol {
                        operation,
                        request_id,
                        reason,
                    };
                    return Err((error, Failure::Permanent));
                }
                (429, _) => Failure::Rejected {
                    wait: retry_after.or_else(|| {
                        cost.map(|c| RetryAfter::Delay(CostBucket::throttled_wait(&c)))
                    }),
                },
                (s, _) if s >= 500 => Failure::Transient { retry_after },
                _ => Failure::Permanent,
            };
            let error = Error::Http {
                operation,
                status: status.as_u16(),
                request_id,
                body: http::truncate_body(&text, ERROR_BODY_LIMIT),
                retry_after: retry_after.map(|r| r.delay_from(Utc::now())),
            };
            return Err((error, failure));
        }
        let envelope: Envelope = serde_json::from_str(&text).map_err(|source| {
            (
                Error::Decode {
                    operation: operation.clone(),
                    path: "(response envelope)".to_owned(),
                    request_id: request_id.clone(),
                    source,
                },
                Failure::Permanent,
            )
        })?;
        Ok(Response {
            data: envelope.data.filter(|d| !d.is_null()),
            errors: envelope.errors.unwrap_or_default(),
            cost: envelope.extensions.and_then(|e| e.cost),
            request_id,
        })
    }

    /// Sends a query and decodes `data` into `T`.
    ///
    /// # Errors
    /// As [`Client::execute`], plus [`Error::GraphQl`] (keeping any partial data) when Shopify
    /// returned top-level errors, and [`Error::Decode`] naming the JSON path when `data` does
    /// not fit `T`.
    pub async fn query<T: DeserializeOwned>(&self, request: &GraphQlRequest) -> Result<T, Error> {
        let response = self.execute(request).await?;
        if !response.errors.is_empty() {
            return Err(Error::GraphQl {
                operation: request.operation_name.to_string(),
                request_id: response.request_id,
                errors: response.errors,
                partial_data: response.data.map(Box::new),
            });
        }
        decode(
            &request.operation_name,
            response.request_id.as_deref(),
            response.data.unwrap_or(serde_json::Value::Null),
        )
    }

    /// Sends a mutation, takes the payload at `data.{payload_field}`, turns a non-empty
    /// `userErrors` into [`Error::UserErrors`] and decodes the payload into `T`.
    ///
    /// Flows that need to act on individual `userErrors` (to map them back to records) use
    /// [`Client::query`] with a payload type that keeps them.
    ///
    /// # Errors
    /// As [`Client::query`], plus [`Error::UserErrors`].
    pub async fn mutate<T: DeserializeOwned>(
        &self,
        request: &GraphQlRequest,
        payload_field: &str,
    ) -> Result<T, Error> {
        let response = self.execute(request).await?;
        let operation = request.operation_name.as_ref();
        if !response.errors.is_empty() {
            return Err(Error::GraphQl {
                operation: operation.to_owned(),
                request_id: response.request_id,
                errors: response.errors,
                partial_data: response.data.map(Box::new),
            });
        }
        let mut payload = response
            .data
            .and_then(|mut d| d.get_mut(payload_field).map(serde_json::Value::take))
            .unwrap_or(serde_json::Value::Null);
        if let Some(errors) = payload.get_mut("userErrors").map(serde_json::Value::take) {
            let errors: Vec<UserError> = decode(operation, response.request_id.as_deref(), errors)?;
            if !errors.is_empty() {
                return Err(Error::UserErrors {
                    operation: operation.to_owned(),
                    request_id: response.request_id,
                    errors,
                });
            }
        }
        decode(operation, response.request_id.as_deref(), payload)
    }
}

/// Where a request's points were reserved: the client's own bucket, or its [`CostPacer`]
/// (settled with the answer's cost).
enum Paced<'a> {
    // Held only for its `Drop`, which releases the points.
    #[allow(dead_code)]
    Local(Reservation<'a>),
    Shared(f64),
}

/// Points reserved in the shared bucket for a request in flight, released when dropped: after
/// the answer, or when the caller gives up on the request (drops its future) midway.
struct Reservation<'a> {
    client: &'a Client,
    cost: f64,
}

impl<'a> Reservation<'a> {
    /// Reserves `cost` and returns the reservation with the wait before sending.
    fn take(client: &'a Client, cost: f64) -> (Self, Duration) {
        let wait = client.lock_bucket().reserve(cost, Instant::now());
        (Self { client, cost }, wait)
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        self.client.lock_bucket().release(self.cost);
    }
}

/// Turns a 200 response carrying `THROTTLED` or `INTERNAL_SERVER_ERROR` (without data) into a
/// retryable failure, by the same rule as [`Error::is_retryable`]; everything else is returned
/// to the caller. A `THROTTLED` answer whose cost figures are unusable (`usable_cost`) is a
/// protocol error: no wait can be computed from it. (The error pair is private and
/// short-lived, so its size does not matter.)
#[allow(clippy::result_large_err)]
fn classify_response(
    operation: &str,
    attempt: u32,
    response: Response,
    usable_cost: Result<(), String>,
) -> Result<Response, (Error, Failure)> {
    let Some(failure) = graphql_errors_failure(&response.errors, response.data.is_some()) else {
        return Ok(response);
    };
    if let Failure::Rejected { .. } = failure {
        if let Err(reason) = usable_cost {
            return Err((
                Error::Protocol {
                    operation: operation.to_owned(),
                    request_id: response.request_id,
                    reason,
                },
                Failure::Permanent,
            ));
        }
        let wait = response
            .cost
            .as_ref()
            .map_or(Duration::from_secs(1), CostBucket::throttled_wait);
        return Err((
            Error::Throttled {
                operation: operation.to_owned(),
                attempts: attempt,
                wait,
                request_id: response.request_id,
            },
            Failure::Rejected {
                wait: Some(RetryAfter::Delay(wait)),
            },
        ));
    }
    Err((
        Error::GraphQl {
            operation: operation.to_owned(),
            request_id: response.request_id,
            errors: response.errors,
            partial_data: response.data.map(Box::new),
        },
        failure,
    ))
}

fn header(headers: &reqwest::header::HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builder() -> ClientBuilder {
        Client::builder()
            .shop("acme-store.myshopify.com")
            .access_token("shpat_secret_value")
    }

    #[test]
    fn builds_the_endpoint() {
        let c = builder().build().unwrap();
        assert_eq!(
            c.inner.endpoint.as_str(),
            "https://acme-store.myshopify.com/admin/api/2026-07/graphql.json"
        );
        let c = builder()
            .api_version("2026-04")
            .base_url("http://127.0.0.1:9999")
            .build()
            .unwrap();
        assert_eq!(
            c.inner.endpoint.as_str(),
            "http://127.0.0.1:9999/admin/api/2026-04/graphql.json"
        );
    }

    #[test]
    fn rejects_bad_settings_naming_the_field() {
        let field = |b: ClientBuilder| match b.build() {
            Err(Error::Config { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(builder().shop("acme-store.com")), "shop");
        assert_eq!(field(builder().shop(".myshopify.com")), "shop");
        assert_eq!(field(builder().shop("a_b.myshopify.com")), "shop");
        assert_eq!(field(builder().access_token("  ")), "access_token");
        assert_eq!(
            field(Client::builder().shop("a.myshopify.com")),
            "access_token"
        );
        assert_eq!(field(builder().api_version("2026-02")), "api_version");
        assert_eq!(field(builder().api_version("2026-01")), "api_version");
        assert_eq!(field(builder().api_version("2025-10")), "api_version");
        assert_eq!(field(builder().api_version("latest")), "api_version");
        assert_eq!(field(builder().base_url("http://example.com")), "base_url");
        assert_eq!(field(builder().base_url("not a url")), "base_url");
    }

    #[test]
    fn api_versions_from_2026_04_on_are_accepted() {
        for v in [
            "2026-04", "2026-07", "2026-10", "2027-01", "2030-04", "unstable",
        ] {
            let c = builder().api_version(v).build().unwrap();
            assert_eq!(c.api_version(), v);
        }
        assert_eq!(builder().build().unwrap().api_version(), "2026-07");
        match builder().api_version("2026-01").build() {
            Err(Error::Config { field, reason }) => {
                assert_eq!(field, "api_version");
                assert!(reason.contains("older than 2026-04"), "{reason}");
                assert!(reason.contains("@idempotent"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn debug_never_shows_the_token() {
        let b = builder();
        assert!(!format!("{b:?}").contains("shpat_secret_value"));
        let c = b.build().unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("shpat_secret_value"), "{shown}");
        assert!(shown.contains("acme-store.myshopify.com"));
    }

    #[test]
    fn idempotent_key_is_deterministic_and_content_bound() {
        let req = |q: i64| {
            GraphQlRequest::mutation("mutation M { x }", "M")
                .variable("input", serde_json::json!({"quantity": q}))
                .unwrap()
                .idempotent("idempotencyKey")
        };
        let a = req(5);
        let b = req(5);
        let c = req(6);
        assert_eq!(
            a.variables()["idempotencyKey"],
            b.variables()["idempotencyKey"]
        );
        assert_ne!(
            a.variables()["idempotencyKey"],
            c.variables()["idempotencyKey"]
        );
        assert_eq!(a.idempotence, Idempotence::Safe);
        // Re-deriving on a request that already has a key gives the same key.
        assert_eq!(a.clone().idempotent("idempotencyKey"), a);
    }
}
