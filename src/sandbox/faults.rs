//! Fault injection shared by the emulators: 5xx answers, throttling, latency and dropped
//! connections, drawn from a seeded generator.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::rng::SeededRng;

/// Which faults an emulator injects, and how often.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct FaultConfig {
    /// Seed of the fault generator (the same seed replays the same faults).
    pub seed: u64,
    /// Share of requests answered with HTTP 503 (0.0 to 1.0).
    pub server_error_rate: f64,
    /// Share of requests answered as throttled. Shopify: `THROTTLED` on HTTP 200 with the
    /// bucket's `throttleStatus` (the documented GraphQL answer; the client computes its wait
    /// from it, so no `Retry-After`). Stokly: the emulator's over-limit answer, HTTP 429 with
    /// `x-ratelimit-remaining: 0` and `Retry-After` (seconds) until the account's window ends.
    pub throttle_rate: f64,
    /// Delay added to every answer.
    pub latency: Duration,
    /// Share of requests whose connection is closed after the request arrives, with no answer.
    pub dropped_connection_rate: f64,
    /// Share of requests that are carried out and then answered with HTTP 504, as when the
    /// answer is lost after the work was done: the write happened, the client cannot know.
    /// The Stokly emulator loses any answer; the Shopify emulator loses mutations' answers
    /// (a lost query answer is only retried).
    pub lost_response_rate: f64,
    /// Share of authenticated requests whose access token expires there and then: the request
    /// is answered `401 jwt expired` and the token is refused from then on, as when Stokly's
    /// clock runs ahead of the client's. Stokly emulator only.
    pub token_expiry_rate: f64,
}

impl Default for FaultConfig {
    fn default() -> Self {
        Self::none()
    }
}

impl FaultConfig {
    /// No faults.
    #[must_use]
    pub fn none() -> Self {
        Self {
            seed: 0,
            server_error_rate: 0.0,
            throttle_rate: 0.0,
            latency: Duration::ZERO,
            dropped_connection_rate: 0.0,
            lost_response_rate: 0.0,
            token_expiry_rate: 0.0,
        }
    }
    /// Sets the seed.
    #[must_use]
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Sets the share of 503 answers.
    #[must_use]
    pub fn with_server_error_rate(mut self, rate: f64) -> Self {
        self.server_error_rate = rate;
        self
    }
    /// Sets the share of throttled answers.
    #[must_use]
    pub fn with_throttle_rate(mut self, rate: f64) -> Self {
        self.throttle_rate = rate;
        self
    }
    /// Sets the added latency.
    #[must_use]
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }
    /// Sets the share of requests carried out and then answered with a 504.
    #[must_use]
    pub fn with_lost_response_rate(mut self, rate: f64) -> Self {
        self.lost_response_rate = rate;
        self
    }
    /// Sets the share of requests whose token expires early (`401 jwt expired`).
    #[must_use]
    pub fn with_token_expiry_rate(mut self, rate: f64) -> Self {
        self.token_expiry_rate = rate;
        self
    }
    /// Sets the share of requests whose connection is dropped unanswered.
    #[must_use]
    pub fn with_dropped_connection_rate(mut self, rate: f64) -> Self {
        self.dropped_connection_rate = rate;
        self
    }
}

/// The fault drawn for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    None,
    ServerError,
    Throttle,
}

/// Draws faults for requests.
#[derive(Debug)]
pub(crate) struct FaultInjector {
    config: FaultConfig,
    rng: Mutex<SeededRng>,
    // Dropped connections are drawn from their own sequence (in the proxy, per request), so
    // that enabling them never shifts the faults the emulator draws for the requests.
    connection_rng: Mutex<SeededRng>,
    // Lost answers too, so that enabling them leaves the other faults' sequence unchanged.
    lost_response_rng: Mutex<SeededRng>,
    // And early token expiry.
    token_expiry_rng: Mutex<SeededRng>,
    dropped: AtomicU64,
}

impl FaultInjector {
    pub(crate) fn new(config: FaultConfig) -> Self {
        Self {
            config,
            rng: Mutex::new(SeededRng::new(config.seed)),
            connection_rng: Mutex::new(SeededRng::new(config.seed ^ 0xD209_C0DE)),
            lost_response_rng: Mutex::new(SeededRng::new(config.seed ^ 0x1057_A115)),
            token_expiry_rng: Mutex::new(SeededRng::new(config.seed ^ 0x7E4B_E591)),
            dropped: AtomicU64::new(0),
        }
    }

    pub(crate) fn config(&self) -> &FaultConfig {
        &self.config
    }

    fn rng(&self) -> std::sync::MutexGuard<'_, SeededRng> {
        self.rng
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn draw(&self) -> Fault {
        let mut rng = self.rng();
        if rng.chance(self.config.server_error_rate) {
            Fault::ServerError
        } else if rng.chance(self.config.throttle_rate) {
            Fault::Throttle
        } else {
            Fault::None
        }
    }

    /// Whether this request's answer is lost after it was carried out.
    pub(crate) fn lose_response(&self) -> bool {
        let rate = self.config.lost_response_rate;
        rate > 0.0
            && self
                .lost_response_rng
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .chance(rate)
    }

    /// Whether this request's token expires now.
    pub(crate) fn expire_token(&self) -> bool {
        let rate = self.config.token_expiry_rate;
        rate > 0.0
            && self
                .token_expiry_rng
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .chance(rate)
    }

    fn drop_connection(&self) -> bool {
        let rate = self.config.dropped_connection_rate;
        let drop = rate > 0.0
            && self
                .connection_rng
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .chance(rate);
        if drop {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
        drop
    }

    /// Connections dropped so far.
    pub(crate) fn dropped_connections(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// A loopback TCP proxy in front of an emulator that drops a share of requests: it reads the
/// start of the request, then closes the connection without answering (the client sees the
/// connection closed mid-request). The draw is made for every request, not once per
/// connection: a client keeps its connections alive, so a few connections carry all its
/// requests. Other requests and their answers are relayed untouched.
pub(crate) async fn start_drop_proxy(
    upstream: std::net::SocketAddr,
    faults: Arc<FaultInjector>,
) -> std::io::Result<std::net::SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((inbound, _)) = listener.accept().await {
            tokio::spawn(relay(inbound, upstream, faults.clone()));
        }
    });
    Ok(addr)
}

/// Relays one connection. HTTP/1.1 clients send a request only once the previous answer has
/// arrived, so the first bytes from the client after bytes from the server (or at the start)
/// begin a new request: that is where the drop is drawn.
async fn relay(mut inbound: TcpStream, upstream: std::net::SocketAddr, faults: Arc<FaultInjector>) {
    let Ok(mut outbound) = TcpStream::connect(upstream).await else {
        return;
    };
    let (mut from_client, mut to_client) = inbound.split();
    let (mut from_server, mut to_server) = outbound.split();
    let mut request = vec![0u8; 16 * 1024];
    let mut answer = vec![0u8; 16 * 1024];
    let mut new_request = true;
    loop {
        tokio::select! {
            read = from_client.read(&mut request) => {
                let Some(bytes) = read.ok().filter(|n| *n > 0).and_then(|n| request.get(..n)) else {
                    return;
                };
                if new_request {
                    new_request = false;
                    if faults.drop_connection() {
                        // Both sockets close here, the request unanswered.
                        return;
                    }
                }
                if to_server.write_all(bytes).await.is_err() {
                    return;
                }
            }
            read = from_server.read(&mut answer) => {
                let Some(bytes) = read.ok().filter(|n| *n > 0).and_then(|n| answer.get(..n)) else {
                    return;
                };
                new_request = true;
                if to_client.write_all(bytes).await.is_err() {
                    return;
                }
            }
        }
    }
}
