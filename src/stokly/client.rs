//! The Stokly REST client: builder, authentication with a shared token cache, the shared rate
//! budget, retries, envelopes and the bounded "wait until visible" poll.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Instrument;
use url::Url;

use super::auth::{self, CachedToken, Credentials, DEFAULT_REFRESH_MARGIN, GrantCooldown};
use super::budget::{RateBudget, RateLimit, RequestPacer};
use super::endpoints::{self, InferredEndpoints};
use super::error::Error;
use super::filter::percent_encode;
use super::model::{CreatedData, DataEnvelope, ErrorBody};
use crate::http::{
    self, Failure, Idempotence, RetryAfter, RetryConfig, RetryDecision, RetryPolicy, Timeouts,
};
use crate::secret::Secret;

/// Most of an error body kept on [`Error::Api`].
const ERROR_BODY_LIMIT: usize = 2048;

/// Which Stokly environment to talk to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Environment {
    /// `https://api.stok.ly` (the default).
    #[default]
    Production,
    /// `https://api.dev.stok.ly`, the development (sandbox) environment.
    Development,
}

impl Environment {
    /// The environment's base URL.
    #[must_use]
    pub fn base_url(self) -> &'static str {
        match self {
            Self::Production => "https://api.stok.ly",
            Self::Development => "https://api.dev.stok.ly",
        }
    }
}

/// How [`Client::wait_until_visible`] polls after a 202.
///
/// Writes are accepted before they can be read. The poll reads at most `max_attempts` times,
/// sleeping `initial_delay`, then twice as long each time up to `max_delay` (defaults: 8 reads,
/// 500 ms doubling to 5 s, so about 21 s of waiting in all).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct VisibilityPoll {
    /// Reads in all (at least 1).
    pub max_attempts: u32,
    /// Sleep after the first read that finds nothing.
    pub initial_delay: Duration,
    /// Longest sleep between reads.
    pub max_delay: Duration,
}

impl Default for VisibilityPoll {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(5),
        }
    }
}

impl VisibilityPoll {
    /// Sets the number of reads.
    #[must_use]
    pub fn with_max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }
    /// Sets the first sleep.
    #[must_use]
    pub fn with_initial_delay(mut self, d: Duration) -> Self {
        self.initial_delay = d;
        self
    }
    /// Sets the longest sleep.
    #[must_use]
    pub fn with_max_delay(mut self, d: Duration) -> Self {
        self.max_delay = d;
        self
    }

    /// The sleep after read number `attempt` (1-based) found nothing.
    #[must_use]
    pub fn delay(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(20));
        self.initial_delay
            .saturating_mul(factor)
            .min(self.max_delay)
    }
}

/// Builds a [`Client`].
#[derive(Default)]
#[must_use]
pub struct ClientBuilder {
    account_key: Option<String>,
    client_id: Option<String>,
    client_secret: Option<Secret>,
    bearer_token: Option<Secret>,
    environment: Environment,
    base_url: Option<String>,
    http: Option<reqwest::Client>,
    timeouts: Timeouts,
    retry: RetryConfig,
    rate_limit: RateLimit,
    refresh_margin: Option<Duration>,
    grant_cooldown: GrantCooldown,
    visibility: VisibilityPoll,
    inferred: InferredEndpoints,
    request_pacer: Option<Arc<dyn RequestPacer>>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("account_key", &self.account_key)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("bearer_token", &self.bearer_token)
            .field("environment", &self.environment)
            .field("base_url", &self.base_url)
            .field("timeouts", &self.timeouts)
            .field("retry", &self.retry)
            .field("rate_limit", &self.rate_limit)
            .field("grant_cooldown", &self.grant_cooldown)
            .field("request_pacer", &self.request_pacer)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The account key (the account's short name; with app credentials).
    pub fn account_key(mut self, key: impl Into<String>) -> Self {
        self.account_key = Some(key.into());
        self
    }

    /// The app's client id (with app credentials).
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.client_id = Some(id.into());
        self
    }

    /// The app's client secret (with app credentials). It only ever leaves the process as the
    /// grant signature.
    pub fn client_secret(mut self, secret: impl Into<Secret>) -> Self {
        self.client_secret = Some(secret.into());
        self
    }

    /// A bearer token copied from a logged-in session, instead of app credentials. It is used
    /// as it is and never renewed.
    pub fn bearer_token(mut self, token: impl Into<Secret>) -> Self {
        self.bearer_token = Some(token.into());
        self
    }

    /// The environment (default [`Environment::Production`]).
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = environment;
        self
    }

    /// Sends requests to this origin instead of the environment's: for tests and the sandbox.
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

    /// The client-side rate budget (default [`RateLimit::default`]: 4 requests per second).
    pub fn rate_limit(mut self, rate_limit: RateLimit) -> Self {
        self.rate_limit = rate_limit;
        self
    }

    /// Paces requests through `pacer` (a budget shared with other processes, such as fleet
    /// mode's PostgreSQL budget) instead of the client's own in-process [`RateBudget`], which
    /// stays the default. See [`RequestPacer`].
    pub fn request_pacer(mut self, pacer: Arc<dyn RequestPacer>) -> Self {
        self.request_pacer = Some(pacer);
        self
    }

    /// How long before its expiry a token is renewed (default 60 s; never earlier than half
    /// the token's life).
    pub fn token_refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = Some(margin);
        self
    }

    /// How long a failed grant holds back the next one (default [`GrantCooldown::default`]:
    /// 5 s doubling to 5 minutes).
    pub fn grant_cooldown(mut self, cooldown: GrantCooldown) -> Self {
        self.grant_cooldown = cooldown;
        self
    }

    /// How [`Client::wait_until_visible`] polls (default [`VisibilityPoll::default`]).
    pub fn visibility_poll(mut self, poll: VisibilityPoll) -> Self {
        self.visibility = poll;
        self
    }

    /// Replaces the inferred endpoint paths (see [`InferredEndpoints`]).
    pub fn inferred_endpoints(mut self, endpoints: InferredEndpoints) -> Self {
        self.inferred = endpoints;
        self
    }

    /// Validates the settings and builds the client.
    ///
    /// # Errors
    /// [`Error::Config`] naming the field: missing or blank credentials, both app credentials
    /// and a bearer token, a base URL that is not https (or loopback http) or has a query, a
    /// rate that is not positive, or a malformed inferred endpoint.
    pub fn build(self) -> Result<Client, Error> {
        let config = |field, reason: &str| Error::Config {
            field,
            reason: reason.to_owned(),
        };
        let app_given =
            self.account_key.is_some() || self.client_id.is_some() || self.client_secret.is_some();
        let credentials = match (self.bearer_token, app_given) {
            (Some(_), true) => {
                return Err(config(
                    "bearer_token",
                    "give either app credentials or a bearer token, not both",
                ));
            }
            (Some(token), false) => {
                if token.is_empty() {
                    return Err(config("bearer_token", "must not be blank"));
                }
                Credentials::Bearer(token)
            }
            (None, _) => {
                let text = |v: Option<String>, field| match v {
                    None => Err(config(field, "required (or give a bearer_token)")),
                    Some(s) if s.trim().is_empty() => Err(config(field, "must not be blank")),
                    Some(s) if s.trim() != s => {
                        Err(config(field, "has leading or trailing whitespace"))
                    }
                    Some(s) => Ok(s),
                };
                let account_key = text(self.account_key, "account_key")?;
                let client_id = text(self.client_id, "client_id")?;
                let client_secret = self
                    .client_secret
                    .ok_or_else(|| config("client_secret", "required (or give a bearer_token)"))?;
                if client_secret.is_empty() {
                    return Err(config("client_secret", "must not be blank"));
                }
                Credentials::App {
                    account_key,
                    client_id,
                    client_secret,
                }
            }
        };
        let raw_base = self
            .base_url
            .unwrap_or_else(|| self.environment.base_url().to_owned());
        let mut base = Url::parse(&raw_base).map_err(|e| config("base_url", &e.to_string()))?;
        http::check_base_url(&base).map_err(|r| config("base_url", r))?;
        if base.query().is_some() || base.fragment().is_some() {
            return Err(config("base_url", "must not have a query or fragment"));
        }
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        self.rate_limit
            .validate()
            .map_err(|r| config("rate_limit", r))?;
        self.inferred
            .validate()
            .map_err(|(_, reason)| config("inferred_endpoints", reason))?;
        let http = match self.http {
            Some(c) => c,
            None => http::default_http_client(&self.timeouts)
                .map_err(|e| config("http_client", &e.to_string()))?,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                credentials,
                token: tokio::sync::Mutex::new(TokenCache::default()),
                grants_finished: AtomicU64::new(0),
                refresh_margin: self.refresh_margin.unwrap_or(DEFAULT_REFRESH_MARGIN),
                grant_cooldown: self.grant_cooldown,
                timeouts: self.timeouts,
                retry: RetryPolicy::new(self.retry),
                budget: Mutex::new(RateBudget::new(self.rate_limit)),
                visibility: self.visibility,
                inferred: self.inferred,
                request_pacer: self.request_pacer,
            }),
        })
    }
}

/// A Stokly REST client. Cheap to clone; clones share the connection pool, the access token
/// (one grant serves all of them, and concurrent callers wait for a single grant and share its
/// outcome, failure included), the cooldown after a failed grant ([`GrantCooldown`]) and the
/// rate budget.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: Url,
    credentials: Credentials,
    token: tokio::sync::Mutex<TokenCache>,
    /// Grants finished (successfully or not), so that a caller that waited for the cache can
    /// tell whether a grant ended while it waited.
    grants_finished: AtomicU64,
    refresh_margin: Duration,
    grant_cooldown: GrantCooldown,
    timeouts: Timeouts,
    retry: RetryPolicy,
    budget: Mutex<RateBudget>,
    visibility: VisibilityPoll,
    inferred: InferredEndpoints,
    /// Paces requests instead of `budget` when set.
    request_pacer: Option<Arc<dyn RequestPacer>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base.as_str())
            .field("credentials", &self.inner.credentials)
            .finish_non_exhaustive()
    }
}

/// The token cache, the failure of the last grant for the callers that waited for it, and
/// the cooldown that failure started.
#[derive(Default)]
struct TokenCache {
    token: Option<CachedToken>,
    /// The number of the grant that failed (see `Inner::grants_finished`) and its error.
    failed: Option<(u64, SharedGrantFailure)>,
    /// Grants failed since the last success.
    failures_in_a_row: u32,
    /// No grant is asked for before this (on the runtime's timer, so paused time in tests
    /// moves it).
    cooldown_until: Option<tokio::time::Instant>,
}

/// A failed grant, kept so that every caller that waited for it gets the same answer.
#[derive(Clone)]
struct SharedGrantFailure {
    status: Option<u16>,
    reason: String,
    retry_after: Option<Duration>,
}

impl SharedGrantFailure {
    fn of(error: &Error) -> Self {
        match error {
            Error::Grant {
                status,
                reason,
                retry_after,
            } => Self {
                status: *status,
                reason: reason.clone(),
                retry_after: *retry_after,
            },
            other => Self {
                status: other.status(),
                reason: other.to_string(),
                retry_after: other.retry_after(),
            },
        }
    }

    fn to_error(&self) -> Error {
        Error::Grant {
            status: self.status,
            reason: self.reason.clone(),
            retry_after: self.retry_after,
        }
    }

    /// The error for a caller turned away during the cooldown: come back when it ends.
    fn to_cooling_error(&self, rest: Duration) -> Error {
        Error::Grant {
            status: self.status,
            reason: self.reason.clone(),
            retry_after: Some(rest),
        }
    }
}

/// One request, prepared once and sent as often as the retry policy allows.
pub(crate) struct Call {
    method: Method,
    url: Url,
    body: Option<bytes::Bytes>,
    idempotence: Idempotence,
    operation: String,
}

/// A successful answer.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) text: String,
}

impl Client {
    /// Starts a builder.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The base URL requests go to.
    #[must_use]
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// The inferred endpoint paths in use.
    #[must_use]
    pub fn inferred_endpoints(&self) -> &InferredEndpoints {
        &self.inner.inferred
    }

    /// The last `x-ratelimit-remaining` Stokly reported to this client or a clone.
    #[must_use]
    pub fn rate_limit_remaining(&self) -> Option<u32> {
        self.lock_budget().remaining()
    }

    /// How long a request sent now would wait for the shared rate budget (our own pace, or
    /// Stokly's window when `x-ratelimit-remaining` ran low): zero when it would go at once.
    /// Nothing is booked.
    #[must_use]
    pub fn rate_limit_wait(&self) -> Duration {
        self.lock_budget().wait_at(Instant::now())
    }

    /// Requests of this client and its clones booked in the rate budget and not yet answered
    /// (or abandoned).
    #[must_use]
    pub fn requests_in_flight(&self) -> u32 {
        self.lock_budget().in_flight()
    }

    fn lock_budget(&self) -> std::sync::MutexGuard<'_, RateBudget> {
        // A poisoned lock only means another task panicked mid-update of plain numbers.
        self.inner
            .budget
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Prepares a call to `path` (relative, starting with `/`) with `query` pairs (values are
    /// percent-encoded here) and an optional JSON body.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a malformed path, [`Error::Encode`] when the body does
    /// not serialise.
    pub(crate) fn call<B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&B>,
        idempotence: Idempotence,
    ) -> Result<Call, Error> {
        let operation = format!("{method} {path}");
        let relative = path
            .strip_prefix('/')
            .ok_or_else(|| Error::InvalidArgument {
                operation: operation.clone(),
                argument: "path".to_owned(),
                reason: "must start with '/'".to_owned(),
            })?;
        let mut url = self
            .inner
            .base
            .join(relative)
            .map_err(|e| Error::InvalidArgument {
                operation: operation.clone(),
                argument: "path".to_owned(),
                reason: e.to_string(),
            })?;
        if !query.is_empty() {
            let text = query
                .iter()
                .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
                .collect::<Vec<_>>()
                .join("&");
            url.set_query(Some(&text));
        }
        let body = body
            .map(|b| serde_json::to_vec(b).map(bytes::Bytes::from))
            .transpose()
            .map_err(|source| Error::Encode {
                operation: operation.clone(),
                source,
            })?;
        Ok(Call {
            method,
            url,
            body,
            idempotence,
            operation,
        })
    }

    /// Sends a call with authentication, the rate budget and retries.
    ///
    /// On `401` or a `jwt expired` message the token is dropped, one new grant is made and the
    /// call is sent once more (the server refused it, so this is safe even for a create). A
    /// second refusal ends the call; a second `jwt expired` is retryable
    /// ([`Error::is_retryable`]), so a posting run defers the order rather than refuse it.
    pub(crate) async fn execute(&self, call: &Call) -> Result<Answer, Error> {
        let span = tracing::debug_span!("stokly", operation = %call.operation);
        self.execute_inner(call).instrument(span).await
    }

    async fn execute_inner(&self, call: &Call) -> Result<Answer, Error> {
        let mut attempt = 0u32;
        let mut regranted = false;
        loop {
            let token = self.access_token().await?;
            let (error, failure) = match self.send_once(call, Some(&token)).await {
                Ok(answer) => return Ok(answer),
                Err(pair) => pair,
            };
            let can_regrant = matches!(self.inner.credentials, Credentials::App { .. });
            if can_regrant && !regranted && is_token_rejected(&error) {
                tracing::info!("Stokly rejected the access token; granting a new one");
                regranted = true;
                self.forget_token(&token).await;
                continue;
            }
            attempt += 1;
            match self
                .inner
                .retry
                .decide(attempt, &failure, call.idempotence, Utc::now())
            {
                RetryDecision::RetryAfter(delay) => {
                    tracing::warn!(attempt, ?delay, error = %error, "retrying Stokly request");
                    tokio::time::sleep(delay).await;
                }
                _ => return Err(error),
            }
        }
    }

    /// One attempt: waits for the budget, sends, learns `x-ratelimit-remaining` and classifies
    /// a failure for the retry policy. (The error pair is private and short-lived.)
    #[allow(clippy::result_large_err)]
    async fn send_once(
        &self,
        call: &Call,
        token: Option<&Secret>,
    ) -> Result<Answer, (Error, Failure)> {
        match &self.inner.request_pacer {
            None => {
                let wait = self.lock_budget().reserve(Instant::now());
                // Released on drop, so a caller that abandons the request mid-flight does not
                // leave a booking behind that would count against `x-ratelimit-remaining` for
                // ever.
                let _booking = Booking(self);
                wait_for_budget(wait).await;
                self.send_and_read(call, token).await
            }
            Some(pacer) => {
                let booking = pacer.book().await;
                // Released once the answer is in, or (when the caller abandons the request)
                // from a spawned task.
                let lease = PacerLease {
                    pacer: pacer.clone(),
                    lease: booking.lease,
                };
                wait_for_budget(booking.wait).await;
                let outcome = self.send_and_read(call, token).await;
                lease.release().await;
                outcome
            }
        }
    }

    #[allow(clippy::result_large_err)]
    async fn send_and_read(
        &self,
        call: &Call,
        token: Option<&Secret>,
    ) -> Result<Answer, (Error, Failure)> {
        let transport = |source: reqwest::Error| {
            let failure = http::classify_reqwest(&source);
            (
                Error::Transport {
                    operation: call.operation.clone(),
                    source: source.without_url(),
                },
                failure,
            )
        };
        let mut request = self
            .inner
            .http
            .request(call.method.clone(), call.url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .timeout(self.inner.timeouts.request);
        if let Some(token) = token {
            request = request.bearer_auth(token.expose());
        }
        if let Some(body) = &call.body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        let response = request.send().await.map_err(transport)?;
        let status = response.status();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let remaining = header("x-ratelimit-remaining").and_then(|v| parse_remaining(&v));
        let retry_after = header("retry-after").and_then(|v| RetryAfter::parse(&v));
        if let Some(remaining) = remaining {
            self.lock_budget()
                .observe_remaining(remaining, Instant::now());
            if let Some(pacer) = &self.inner.request_pacer {
                pacer.observe_remaining(remaining).await;
            }
            tracing::trace!(remaining, "x-ratelimit-remaining");
        }
        let text = response.text().await.map_err(transport)?;
        if status.is_success() {
            return Ok(Answer {
                status: status.as_u16(),
                text,
            });
        }
        let message = serde_json::from_str::<ErrorBody>(&text)
            .ok()
            .and_then(|b| b.message);
        let failure = match status.as_u16() {
            429 => Failure::Rejected { wait: retry_after },
            s if s >= 500 => Failure::Transient { retry_after },
            _ => Failure::Permanent,
        };
        let error = Error::Api {
            operation: call.operation.clone(),
            status: status.as_u16(),
            message,
            body: http::truncate_body(&text, ERROR_BODY_LIMIT),
            retry_after: retry_after.map(|r| r.delay_from(Utc::now())),
        };
        Err((error, failure))
    }

    /// The token to send: the cached one while fresh, else a new grant.
    ///
    /// One grant at a time: the cache lock is held across the grant (its retries included),
    /// so concurrent callers wait for that one grant instead of making their own. When it
    /// fails, every caller that was already waiting gets its error at once, without a grant
    /// of its own: during an outage, many callers cost the grant requests of one (and wait
    /// out one backoff, not one each). The failure then starts a [`GrantCooldown`]: calls
    /// made before it ends get the same error (its `retry_after` the rest of the cooldown)
    /// and send nothing; the first call after it grants again. When the failed grant was a
    /// renewal and the current token has not expired, calls keep using that token instead.
    async fn access_token(&self) -> Result<Secret, Error> {
        let (account_key, client_id, client_secret) = match &self.inner.credentials {
            Credentials::Bearer(token) => return Ok(token.clone()),
            Credentials::App {
                account_key,
                client_id,
                client_secret,
            } => (account_key, client_id, client_secret),
        };
        let seen = self.inner.grants_finished.load(Ordering::Acquire);
        let mut cache = self.inner.token.lock().await;
        let now = Utc::now();
        if let Some(cached) = cache.token.as_ref() {
            if cached.is_fresh(now, self.inner.refresh_margin) {
                return Ok(cached.token.clone());
            }
        }
        // A token due for renewal that has not expired yet serves while renewals fail.
        let unexpired = cache
            .token
            .as_ref()
            .filter(|t| t.is_unexpired(now))
            .map(|t| t.token.clone());
        if let Some((number, failure)) = &cache.failed {
            let rest = cache
                .cooldown_until
                .and_then(|until| until.checked_duration_since(tokio::time::Instant::now()))
                .filter(|rest| !rest.is_zero());
            if let (Some(token), true) = (&unexpired, *number > seen || rest.is_some()) {
                tracing::debug!("the renewal failed; the current token has not expired yet");
                return Ok(token.clone());
            }
            if *number > seen {
                tracing::debug!("sharing the outcome of the grant this call waited for");
                return Err(
                    rest.map_or_else(|| failure.to_error(), |r| failure.to_cooling_error(r))
                );
            }
            if let Some(rest) = rest {
                tracing::debug!(
                    ?rest,
                    "the last grant failed and is cooling down: no grant now"
                );
                return Err(failure.to_cooling_error(rest));
            }
        }
        let outcome = self.grant(account_key, client_id, client_secret).await;
        let number = self.inner.grants_finished.fetch_add(1, Ordering::AcqRel) + 1;
        match outcome {
            Ok(fresh) => {
                let token = fresh.token.clone();
                cache.token = Some(fresh);
                cache.failed = None;
                cache.failures_in_a_row = 0;
                cache.cooldown_until = None;
                Ok(token)
            }
            Err(error) => {
                cache.failed = Some((number, SharedGrantFailure::of(&error)));
                cache.failures_in_a_row = cache.failures_in_a_row.saturating_add(1);
                let cooldown = self
                    .inner
                    .grant_cooldown
                    .after(cache.failures_in_a_row, error.retry_after());
                cache.cooldown_until = if cooldown.is_zero() {
                    None
                } else {
                    tokio::time::Instant::now().checked_add(cooldown)
                };
                // Only the status: a grant error body is never logged.
                tracing::warn!(
                    failures_in_a_row = cache.failures_in_a_row,
                    ?cooldown,
                    status = ?error.status(),
                    "the Stokly grant failed; no new grant until the cooldown ends"
                );
                match unexpired {
                    Some(token) => Ok(token),
                    None => Err(with_cooldown(error, cooldown)),
                }
            }
        }
    }

    /// Drops `stale` from the cache unless another caller already replaced it.
    async fn forget_token(&self, stale: &Secret) {
        let mut cache = self.inner.token.lock().await;
        if cache.token.as_ref().is_some_and(|t| &t.token == stale) {
            cache.token = None;
        }
    }

    async fn grant(
        &self,
        account_key: &str,
        client_id: &str,
        client_secret: &Secret,
    ) -> Result<CachedToken, Error> {
        let span = tracing::debug_span!("stokly_grant", account_key, client_id);
        async {
            let signature = auth::grant_signature(client_secret, client_id);
            let mut call = self.call::<()>(
                Method::POST,
                endpoints::GRANT,
                &[],
                None,
                Idempotence::Safe,
            )?;
            call.body = Some(bytes::Bytes::from(auth::grant_body(
                account_key,
                client_id,
                &signature,
            )));
            let mut attempt = 0u32;
            let answer = loop {
                match self.send_once(&call, None).await {
                    Ok(answer) => break answer,
                    Err((error, failure)) => {
                        attempt += 1;
                        match self
                            .inner
                            .retry
                            .decide(attempt, &failure, Idempotence::Safe, Utc::now())
                        {
                            RetryDecision::RetryAfter(delay) => {
                                // Only the status: a grant error body is never logged.
                                tracing::warn!(attempt, ?delay, status = ?error.status(), "retrying the grant");
                                tokio::time::sleep(delay).await;
                            }
                            _ => return Err(grant_error(error)),
                        }
                    }
                }
            };
            let token = auth::parse_grant(&answer.text, Utc::now()).map_err(|reason| {
                Error::Grant {
                    status: Some(answer.status),
                    reason,
                    retry_after: None,
                }
            })?;
            tracing::debug!(expires_at = ?token.expires_at, "granted a Stokly access token");
            Ok(token)
        }
        .instrument(span)
        .await
    }

    /// Sends a call and decodes `{data: T}`.
    pub(crate) async fn fetch_data<T: DeserializeOwned>(&self, call: &Call) -> Result<T, Error> {
        let answer = self.execute(call).await?;
        let envelope: DataEnvelope<T> = decode_text(&call.operation, &answer.text)?;
        Ok(envelope.data)
    }

    /// Sends a create and returns `data.id` of its `{data: {id}}` answer (202).
    pub(crate) async fn fetch_created_id(&self, call: &Call) -> Result<String, Error> {
        let created: CreatedData = self.fetch_data(call).await?;
        Ok(created.id)
    }

    /// `GET {path}` decoded from `{data: T}` (a read, retried freely).
    pub(crate) async fn read_one<T: DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        let call = self.call::<()>(Method::GET, path, &[], None, Idempotence::Safe)?;
        self.fetch_data(&call).await
    }

    /// `POST {path}` of a create, returning `data.id`. Never retried after an uncertain
    /// failure (a second create would make a second record).
    pub(crate) async fn create_at<B: Serialize + ?Sized>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<String, Error> {
        let call = self.call(Method::POST, path, &[], Some(body), Idempotence::Unsafe)?;
        self.fetch_created_id(&call).await
    }

    /// A write whose answer body is not needed (202).
    pub(crate) async fn write_at<B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        idempotence: Idempotence,
    ) -> Result<Answer, Error> {
        let call = self.call(method, path, &[], body, idempotence)?;
        self.execute(&call).await
    }

    /// Reads `GET {path}` (relative, starting with `/`) and decodes `{data: T}`: an escape hatch
    /// for resources the crate does not model, with the same authentication, budget and
    /// retries.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a bad path; otherwise as any read: [`Error::Api`],
    /// [`Error::Transport`], [`Error::Grant`], [`Error::Decode`].
    pub async fn get_at<T: DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        let call = self.call::<()>(Method::GET, path, &[], None, Idempotence::Safe)?;
        self.fetch_data(&call).await
    }

    /// Polls `read` until it returns `Some`, with the client's [`VisibilityPoll`]: for records
    /// written with a 202 that are not readable yet. A `404` from `read` counts as "not yet";
    /// any other error ends the poll.
    ///
    /// # Errors
    /// [`Error::NotVisible`] after the last read; the first error of `read` other than a 404.
    pub async fn wait_until_visible<T, F, Fut>(
        &self,
        what: impl Into<String>,
        read: F,
    ) -> Result<T, Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Option<T>, Error>>,
    {
        self.wait_until_visible_with(self.inner.visibility, what, read)
            .await
    }

    /// [`Client::wait_until_visible`] with an explicit poll.
    ///
    /// # Errors
    /// As [`Client::wait_until_visible`].
    pub async fn wait_until_visible_with<T, F, Fut>(
        &self,
        poll: VisibilityPoll,
        what: impl Into<String>,
        mut read: F,
    ) -> Result<T, Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Option<T>, Error>>,
    {
        let what = what.into();
        let started = Instant::now();
        let max_attempts = poll.max_attempts.max(1);
        for attempt in 1..=max_attempts {
            match read().await {
                Ok(Some(found)) => return Ok(found),
                Ok(None) => {}
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
            if attempt < max_attempts {
                let delay = poll.delay(attempt);
                tracing::debug!(what, attempt, ?delay, "not visible yet");
                tokio::time::sleep(delay).await;
            }
        }
        Err(Error::NotVisible {
            what,
            attempts: max_attempts,
            waited: started.elapsed(),
        })
    }
}

/// A booking in the rate budget, released when dropped.
struct Booking<'a>(&'a Client);

impl Drop for Booking<'_> {
    fn drop(&mut self) {
        self.0.lock_budget().release();
    }
}

/// A failed grant's error for the caller that made it: its `retry_after` says when the
/// cooldown ends (or the server's longer wait).
fn with_cooldown(error: Error, cooldown: Duration) -> Error {
    match error {
        Error::Grant {
            status,
            reason,
            retry_after,
        } if !cooldown.is_zero() => Error::Grant {
            status,
            reason,
            retry_after: Some(retry_after.map_or(cooldown, |r| r.max(cooldown))),
        },
        other => other,
    }
}

async fn wait_for_budget(wait: Duration) {
    if !wait.is_zero() {
        tracing::debug!(?wait, "waiting for the rate budget");
        tokio::time::sleep(wait).await;
    }
}

/// A booking in a [`RequestPacer`] that counts requests in flight, released when its answer
/// is in, or on drop when the request was abandoned.
struct PacerLease {
    pacer: Arc<dyn RequestPacer>,
    lease: Option<String>,
}

impl PacerLease {
    async fn release(mut self) {
        if let Some(lease) = self.lease.take() {
            self.pacer.release(lease).await;
        }
    }
}

impl Drop for PacerLease {
    fn drop(&mut self) {
        let Some(lease) = self.lease.take() else {
            return;
        };
        // Without a runtime (it is shutting down) the pacer's own expiry ends the lease.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let pacer = self.pacer.clone();
            runtime.spawn(async move { pacer.release(lease).await });
        }
    }
}

/// `401`, or Stokly's `jwt expired` message at any status.
fn is_token_rejected(error: &Error) -> bool {
    match error {
        Error::Api {
            status, message, ..
        } => *status == 401 || super::error::is_jwt_expired(message.as_deref()),
        _ => false,
    }
}

/// Turns a failed grant call into [`Error::Grant`], keeping only Stokly's message. A grant
/// that could not be sent or read is a grant error too (status `None`, the cause spelled out
/// in the reason): nothing but the grant was sent, so the call that needed the token was
/// certainly not applied, and the callers that waited for the grant can share its error.
fn grant_error(error: Error) -> Error {
    match error {
        Error::Transport { source, .. } => {
            let mut reason = format!("the grant request failed: {source}");
            let mut cause = std::error::Error::source(&source);
            while let Some(inner) = cause {
                reason.push_str(": ");
                reason.push_str(&inner.to_string());
                cause = inner.source();
            }
            Error::Grant {
                status: None,
                reason,
                retry_after: None,
            }
        }
        Error::Api {
            status,
            message,
            retry_after,
            ..
        } => Error::Grant {
            status: Some(status),
            reason: message.unwrap_or_else(|| "no message".to_owned()),
            retry_after,
        },
        other => other,
    }
}

fn parse_remaining(value: &str) -> Option<u32> {
    let n: f64 = value.trim().parse().ok()?;
    (n.is_finite() && n >= 0.0).then(|| n.min(f64::from(u32::MAX)) as u32)
}

/// Decodes a whole answer, naming the JSON path of a mismatch.
pub(crate) fn decode_text<T: DeserializeOwned>(operation: &str, text: &str) -> Result<T, Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut de).map_err(|e| Error::Decode {
        operation: operation.to_owned(),
        path: e.path().to_string(),
        source: e.into_inner(),
    })
}

/// Decodes a JSON value, naming the JSON path of a mismatch under `prefix`.
pub(crate) fn decode_value<T: DeserializeOwned>(
    operation: &str,
    prefix: &str,
    value: serde_json::Value,
) -> Result<T, Error> {
    serde_path_to_error::deserialize(value).map_err(|e| Error::Decode {
        operation: operation.to_owned(),
        path: format!("{prefix}{}", e.path()),
        source: e.into_inner(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app() -> ClientBuilder {
        Client::builder()
            .account_key("acme")
            .client_id("abc123clientid")
            .client_secret("s3cr3t-k3y")
    }

    #[test]
    fn environments_and_base_url() {
        let c = app().build().unwrap();
        assert_eq!(c.base_url().as_str(), "https://api.stok.ly/");
        let c = app().environment(Environment::Development).build().unwrap();
        assert_eq!(c.base_url().as_str(), "https://api.dev.stok.ly/");
        let c = app()
            .base_url("http://127.0.0.1:8080/stokly")
            .build()
            .unwrap();
        assert_eq!(c.base_url().as_str(), "http://127.0.0.1:8080/stokly/");
        let call = c
            .call::<()>(
                Method::GET,
                "/v0/items",
                &[("filter", "[sku]=={a b}".to_owned())],
                None,
                Idempotence::Safe,
            )
            .unwrap();
        assert_eq!(
            call.url.as_str(),
            "http://127.0.0.1:8080/stokly/v0/items?filter=%5Bsku%5D%3D%3D%7Ba%20b%7D"
        );
    }

    #[test]
    fn rejects_bad_settings_naming_the_field() {
        let field = |b: ClientBuilder| match b.build() {
            Err(Error::Config { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(Client::builder()), "account_key");
        assert_eq!(field(app().account_key(" ")), "account_key");
        assert_eq!(field(app().client_id("")), "client_id");
        assert_eq!(
            field(Client::builder().account_key("a").client_id("b")),
            "client_secret"
        );
        assert_eq!(field(app().client_secret("  ")), "client_secret");
        assert_eq!(field(app().bearer_token("jwt")), "bearer_token");
        assert_eq!(field(Client::builder().bearer_token(" ")), "bearer_token");
        assert_eq!(field(app().base_url("http://example.com")), "base_url");
        assert_eq!(field(app().base_url("https://x.test/?a=1")), "base_url");
        assert_eq!(
            field(app().rate_limit(RateLimit::default().with_requests_per_second(0.0))),
            "rate_limit"
        );
        assert_eq!(
            field(
                app().inferred_endpoints(
                    InferredEndpoints::default().with_sale_order_dispatches("/x")
                )
            ),
            "inferred_endpoints"
        );
        assert!(Client::builder().bearer_token("jwt").build().is_ok());
    }

    #[test]
    fn debug_never_shows_secrets() {
        let b = app();
        let shown = format!("{b:?}");
        assert!(!shown.contains("s3cr3t-k3y"), "{shown}");
        let c = b.build().unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("s3cr3t-k3y"), "{shown}");
        assert!(shown.contains("acme") && shown.contains("abc123clientid"));
        let c = Client::builder()
            .bearer_token("pasted.jwt.value")
            .build()
            .unwrap();
        assert!(!format!("{c:?}").contains("pasted.jwt.value"));
    }

    #[test]
    fn visibility_backoff_doubles_and_caps() {
        let p = VisibilityPoll::default();
        let ms = |n| Duration::from_millis(n);
        let delays: Vec<_> = (1..=6).map(|a| p.delay(a)).collect();
        assert_eq!(
            delays,
            vec![ms(500), ms(1000), ms(2000), ms(4000), ms(5000), ms(5000)]
        );
        assert_eq!(p.delay(u32::MAX), ms(5000));
    }

    #[test]
    fn token_rejection_is_recognised() {
        let api = |status, message: Option<&str>| Error::Api {
            operation: "GET /v0/items".into(),
            status,
            message: message.map(str::to_owned),
            body: String::new(),
            retry_after: None,
        };
        assert!(is_token_rejected(&api(401, None)));
        assert!(is_token_rejected(&api(403, Some("jwt expired"))));
        assert!(is_token_rejected(&api(400, Some(" JWT expired "))));
        assert!(!is_token_rejected(&api(403, Some("forbidden"))));
        assert!(!is_token_rejected(&api(500, None)));
    }

    #[test]
    fn remaining_header_parses_leniently() {
        assert_eq!(parse_remaining("42"), Some(42));
        assert_eq!(parse_remaining(" 3.0 "), Some(3));
        assert_eq!(parse_remaining("-1"), None);
        assert_eq!(parse_remaining("lots"), None);
    }
}
