//! The Stokly REST emulator.

mod credits;
mod dispatch;
mod filter;
mod journals;
mod routes;
mod state;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde_json::{Map, Value, json};
use sha2::Sha256;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub use dispatch::{DispatchRefused, DispatchSpec, ParcelSpec};
pub use state::{StockCell, StoklyState};

use super::clock::SandboxClock;
use super::faults::{Fault, FaultConfig, FaultInjector, start_drop_proxy};
use super::rng::SeededRng;
use crate::secret::Secret;
use routes::{Answer, RouteCtx, message};

/// How the Stokly emulator behaves.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StoklyConfig {
    /// The account key `/v1/grant` expects.
    pub account_key: String,
    /// The client ID `/v1/grant` expects.
    pub client_id: String,
    /// The client secret the signature is checked with.
    pub client_secret: Secret,
    /// Lifetime of issued tokens, in emulated time (default 1 h).
    pub token_ttl: Duration,
    /// Requests allowed per emulated minute, per account (default 240). Beyond it: 429.
    pub requests_per_minute: u32,
    /// How long a written record stays invisible to reads (default 0).
    pub visibility_delay: Duration,
    /// Faults to inject.
    pub faults: FaultConfig,
}

impl Default for StoklyConfig {
    fn default() -> Self {
        Self {
            account_key: "sandbox".to_owned(),
            client_id: "sandboxclient0123456789abc".to_owned(),
            client_secret: Secret::new("sandboxsecret0123456789abcdefghijklmnopqrstuvwxyz012"),
            token_ttl: Duration::from_secs(3600),
            requests_per_minute: 240,
            visibility_delay: Duration::ZERO,
            faults: FaultConfig::none(),
        }
    }
}

impl StoklyConfig {
    /// Sets the token lifetime.
    #[must_use]
    pub fn with_token_ttl(mut self, ttl: Duration) -> Self {
        self.token_ttl = ttl;
        self
    }
    /// Sets the per-minute request budget.
    #[must_use]
    pub fn with_requests_per_minute(mut self, n: u32) -> Self {
        self.requests_per_minute = n;
        self
    }
    /// Sets the visibility delay of writes.
    #[must_use]
    pub fn with_visibility_delay(mut self, delay: Duration) -> Self {
        self.visibility_delay = delay;
        self
    }
    /// Sets the faults.
    #[must_use]
    pub fn with_faults(mut self, faults: FaultConfig) -> Self {
        self.faults = faults;
        self
    }
}

/// One request the emulator received.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoggedRequest {
    /// HTTP method.
    pub method: String,
    /// Path.
    pub path: String,
    /// The `filter` parameter, decoded.
    pub filter: Option<String>,
    /// The status answered.
    pub status: u16,
    /// Emulated time of arrival since the emulator started.
    pub at: Duration,
    /// The `Retry-After` answered (with a 429), as sent: wall-clock time.
    pub retry_after: Option<Duration>,
}

struct Window {
    started: Duration,
    used: u32,
}

struct Shared {
    config: StoklyConfig,
    clock: SandboxClock,
    state: Mutex<StoklyState>,
    tokens: Mutex<HashMap<String, DateTime<Utc>>>,
    token_rng: Mutex<SeededRng>,
    window: Mutex<Window>,
    log: Mutex<Vec<LoggedRequest>>,
    faults: Arc<FaultInjector>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A running Stokly emulator on loopback. Dropping it stops the server.
pub struct StoklyEmulator {
    server: MockServer,
    shared: Arc<Shared>,
    uri: String,
}

impl std::fmt::Debug for StoklyEmulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoklyEmulator")
            .field("uri", &self.uri)
            .finish_non_exhaustive()
    }
}

impl StoklyEmulator {
    /// Starts the emulator with `state`, on `clock`.
    ///
    /// # Errors
    /// An I/O error if the fault proxy cannot bind a loopback port.
    pub async fn start(
        state: StoklyState,
        config: StoklyConfig,
        clock: SandboxClock,
    ) -> std::io::Result<Self> {
        let server = MockServer::start().await;
        let faults = Arc::new(FaultInjector::new(config.faults));
        let shared = Arc::new(Shared {
            window: Mutex::new(Window {
                started: clock.elapsed(),
                used: 0,
            }),
            token_rng: Mutex::new(SeededRng::new(config.faults.seed ^ 0x70CE)),
            config,
            clock,
            state: Mutex::new(state),
            tokens: Mutex::new(HashMap::new()),
            log: Mutex::new(Vec::new()),
            faults: faults.clone(),
        });
        Mock::given(wiremock::matchers::any())
            .respond_with(RestResponder(shared.clone()))
            .named("Stokly REST emulator")
            .mount(&server)
            .await;
        let uri = if shared.faults.config().dropped_connection_rate > 0.0 {
            format!(
                "http://{}",
                start_drop_proxy(*server.address(), faults).await?
            )
        } else {
            server.uri()
        };
        Ok(Self {
            server,
            shared,
            uri,
        })
    }

    /// The origin to use as the client's `base_url`.
    #[must_use]
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// A client builder pointed at the emulator with its account key and credentials, and its
    /// rate budget in emulated time: the request pace set to the emulator's per-minute budget
    /// and the window it waits out when `x-ratelimit-remaining` runs low (after a 429, say)
    /// set to one emulated minute. So a clock running 20 times faster lets the client send 20
    /// times more per wall-clock second, and a spent window lasts 3 wall-clock seconds.
    pub fn client_builder(&self) -> crate::stokly::ClientBuilder {
        let c = &self.shared.config;
        let scale = self.shared.clock.time_scale();
        let per_second = f64::from(c.requests_per_minute) / 60.0 * scale;
        let rate = crate::stokly::RateLimit::default()
            .with_requests_per_second(per_second.clamp(0.01, 10_000.0))
            .with_window(emulated_minute(scale));
        crate::stokly::Client::builder()
            .account_key(c.account_key.clone())
            .client_id(c.client_id.clone())
            .client_secret(c.client_secret.clone())
            .base_url(self.uri.clone())
            .rate_limit(rate)
    }

    /// Reads or changes the state.
    pub fn with_state<R>(&self, f: impl FnOnce(&mut StoklyState) -> R) -> R {
        f(&mut lock(&self.shared.state))
    }

    /// A copy of the state.
    #[must_use]
    pub fn state(&self) -> StoklyState {
        lock(&self.shared.state).clone()
    }

    /// Every request received so far.
    #[must_use]
    pub fn requests(&self) -> Vec<LoggedRequest> {
        lock(&self.shared.log).clone()
    }

    /// Connections the fault proxy closed without an answer so far (they never reach the
    /// emulator, so [`StoklyEmulator::requests`] does not show them).
    #[must_use]
    pub fn dropped_connections(&self) -> u64 {
        self.shared.faults.dropped_connections()
    }

    /// Grants issued so far.
    #[must_use]
    pub fn grants(&self) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.path == "/v1/grant" && r.status == 200)
            .count()
    }

    /// The emulator's clock.
    #[must_use]
    pub fn clock(&self) -> &SandboxClock {
        &self.shared.clock
    }

    /// The underlying mock server.
    #[must_use]
    pub fn server(&self) -> &MockServer {
        &self.server
    }
}

/// One emulated minute in wall-clock time on a clock running `scale` times faster.
fn emulated_minute(scale: f64) -> Duration {
    // The clock keeps its scale finite and at least 0.001.
    Duration::try_from_secs_f64(60.0 / scale).unwrap_or(Duration::from_secs(60))
}

struct RestResponder(Arc<Shared>);

fn reply(answer: Answer, remaining: Option<u32>) -> ResponseTemplate {
    let mut template = ResponseTemplate::new(answer.status).set_body_json(answer.body);
    if let Some(r) = remaining {
        template = template.insert_header("x-ratelimit-remaining", r.to_string().as_str());
    }
    template
}

/// The over-limit answer: `429 {message}`, `x-ratelimit-remaining: 0` and `Retry-After` in
/// seconds (fractional, rounded up to the millisecond) until the window ends, on the wall
/// clock the client waits on. Stokly's real over-limit answer has never been seen (the
/// reference infers a 429); this one shape serves the spent window and injected throttles.
fn too_many_requests(wall_wait: Duration) -> (ResponseTemplate, u16, Option<Duration>) {
    let millis = wall_wait.as_nanos().div_ceil(1_000_000);
    let millis = u64::try_from(millis).unwrap_or(u64::MAX);
    let retry_after = Duration::from_millis(millis);
    let seconds = format!("{}.{:03}", millis / 1000, millis % 1000);
    let template = reply(message(429, "Too Many Requests"), Some(0))
        .insert_header("retry-after", seconds.as_str());
    (template, 429, Some(retry_after))
}

impl Respond for RestResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let latency = self.0.config.faults.latency;
        let (template, status, retry_after) = self.answer(request);
        let shared = &self.0;
        let filter = request
            .url
            .query_pairs()
            .find(|(k, _)| k == "filter")
            .map(|(_, v)| v.into_owned());
        lock(&shared.log).push(LoggedRequest {
            method: request.method.to_string(),
            path: request.url.path().to_owned(),
            filter,
            status,
            at: shared.clock.elapsed(),
            retry_after,
        });
        template.set_delay(latency)
    }
}

impl RestResponder {
    fn answer(&self, request: &Request) -> (ResponseTemplate, u16, Option<Duration>) {
        let shared = &self.0;
        let path = request.url.path().to_owned();
        let method = request.method.to_string();
        let body: Value = if request.body.is_empty() {
            Value::Null
        } else {
            match serde_json::from_slice(&request.body) {
                Ok(v) => v,
                Err(e) => {
                    let a = message(400, format!("Invalid JSON body: {e}"));
                    return (reply(a, None), 400, None);
                }
            }
        };
        if method == "POST" && path == "/v1/grant" {
            let answer = self.grant(&body);
            let status = answer.status;
            return (reply(answer, None), status, None);
        }
        if let Some(answer) = self.authenticate(request) {
            let status = answer.status;
            return (reply(answer, None), status, None);
        }
        let remaining = match self.spend() {
            Ok(r) => r,
            Err(retry_after) => return too_many_requests(retry_after),
        };
        match shared.faults.draw() {
            Fault::ServerError => {
                return (
                    reply(message(503, "sandbox: injected 503"), Some(remaining)),
                    503,
                    None,
                );
            }
            // Answered as when the window is spent (another client of the account spent it).
            Fault::Throttle => return too_many_requests(self.window_rest()),
            Fault::None => {}
        }
        let query: Map<String, Value> = request
            .url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect();
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let ctx = RouteCtx {
            query: &query,
            body: &body,
            now: shared.clock.now(),
            elapsed: shared.clock.elapsed(),
            visibility_delay: shared.config.visibility_delay,
        };
        let mut state = lock(&shared.state);
        let answer = journals::route(&mut state, &method, &segments, &ctx)
            .or_else(|| credits::route(&mut state, &method, &segments, &ctx))
            .or_else(|| routes::route(&mut state, &method, &segments, &ctx))
            .unwrap_or_else(|| message(404, format!("sandbox: {method} {path} is not emulated")));
        drop(state);
        if shared.faults.lose_response() {
            return (
                reply(
                    message(
                        504,
                        "sandbox: injected 504 after the request was carried out",
                    ),
                    Some(remaining),
                ),
                504,
                None,
            );
        }
        let status = answer.status;
        (reply(answer, Some(remaining)), status, None)
    }

    /// `POST /v1/grant`: checks the account key, client id and HMAC signature.
    fn grant(&self, body: &Value) -> Answer {
        let c = &self.0.config;
        let text = |k: &str| {
            body.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let expected = match Hmac::<Sha256>::new_from_slice(c.client_secret.expose().as_bytes()) {
            Ok(mut mac) => {
                mac.update(c.client_id.as_bytes());
                hex::encode(mac.finalize().into_bytes())
            }
            Err(_) => return message(500, "sandbox: bad secret"),
        };
        if text("accountkey") != c.account_key
            || text("clientId") != c.client_id
            || text("signature") != expected
        {
            return message(401, "Invalid credentials");
        }
        let token = {
            let mut rng = lock(&self.0.token_rng);
            format!("sandbox.{:016x}{:016x}", rng.next_u64(), rng.next_u64())
        };
        let expiry = self.0.clock.now()
            + chrono::Duration::from_std(c.token_ttl).unwrap_or(chrono::Duration::hours(1));
        lock(&self.0.tokens).insert(token.clone(), expiry);
        // The client lives on the wall clock: tell it when the token expires there (the
        // emulated lifetime divided by the time scale), as a real server on its own clock
        // would. Stating the emulated instant would look expired (or far off) to the client.
        let wall_life = c.token_ttl.div_f64(self.0.clock.time_scale());
        let wall_expiry = Utc::now()
            + chrono::Duration::from_std(wall_life).unwrap_or(chrono::Duration::hours(1));
        Answer {
            status: 200,
            body: json!({"data": {"authenticationResult": {
                "accessToken": token,
                "expiry": wall_expiry.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            }}}),
        }
    }

    fn authenticate(&self, request: &Request) -> Option<Answer> {
        let header = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let Some(token) = header.strip_prefix("Bearer ") else {
            return Some(message(401, "Unauthorized"));
        };
        let now = self.0.clock.now();
        match lock(&self.0.tokens).get_mut(token) {
            None => Some(message(401, "Unauthorized")),
            Some(expiry) if *expiry <= now => Some(message(401, "jwt expired")),
            Some(expiry) if self.0.faults.expire_token() => {
                *expiry = now;
                Some(message(401, "jwt expired"))
            }
            Some(_) => None,
        }
    }

    /// What is left of the current one-minute window, in wall-clock time.
    fn window_rest(&self) -> Duration {
        let minute = Duration::from_secs(60);
        let now = self.0.clock.elapsed();
        let window = lock(&self.0.window);
        let emulated = if now.saturating_sub(window.started) >= minute {
            // The window is over; the next request starts a new one.
            Duration::ZERO
        } else {
            (window.started + minute).saturating_sub(now)
        };
        emulated.div_f64(self.0.clock.time_scale())
    }

    /// Spends one request of the current one-minute window; `Err(wait)` when it is spent.
    fn spend(&self) -> Result<u32, Duration> {
        let minute = Duration::from_secs(60);
        let now = self.0.clock.elapsed();
        let mut window = lock(&self.0.window);
        if now.saturating_sub(window.started) >= minute {
            window.started = now;
            window.used = 0;
        }
        let budget = self.0.config.requests_per_minute;
        if window.used >= budget {
            let emulated = (window.started + minute).saturating_sub(now);
            return Err(emulated.div_f64(self.0.clock.time_scale()));
        }
        window.used += 1;
        Ok(budget - window.used)
    }
}
