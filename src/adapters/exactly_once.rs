//! The one driver of the exactly-once protocol ([`crate::domain::exactly_once`]): it runs an
//! [`ExactlyOnce`] batch over a [`PostingLedger`], a [`CreateTarget`] (the system the records
//! are created in) and a [`Clock`].
//!
//! The driver holds no rule of its own: it performs each [`Step`] the machine asks for and
//! feeds the answer back. Sale orders and customers go through it
//! ([`post_orders`](super::orders::post_orders), [`StoklyCustomers`](super::orders::StoklyCustomers));
//! every later flow that creates records without an idempotency key implements
//! [`CreateTarget`] and calls [`run_exactly_once`].

use async_trait::async_trait;

use crate::domain::exactly_once::{ClaimAnswer, Completion, ExactlyOnce, ProtocolConfig, Step};
use crate::domain::ports::{Claim, Clock, LedgerRecordId, PortError, PortOperation, PostingLedger};
use crate::domain::posting::PostingConfig;
use crate::shopify;

/// What one look-up answered: the records found, and records whose look-up failed on its own
/// (a batch that failed whole is an `Err` of [`CreateTarget::look_up`]).
#[derive(Debug)]
#[non_exhaustive]
pub struct LookUpAnswer<R> {
    /// Records found, by position in the batch.
    pub found: Vec<(usize, R)>,
    /// Records whose own look-up failed.
    pub failed: Vec<(usize, PortError)>,
}

impl<R> LookUpAnswer<R> {
    /// Records found; no failure.
    #[must_use]
    pub fn found(found: Vec<(usize, R)>) -> Self {
        Self {
            found,
            failed: Vec::new(),
        }
    }
}

/// The system records are created in, for one batch: records are named by their position in
/// the batch the [`ExactlyOnce`] machine was made with.
#[async_trait]
pub trait CreateTarget: Send {
    /// The created record's ID.
    type Record: Clone + Send + Sync;

    /// Looks up these records by their natural key, in as few requests as the system allows.
    async fn look_up(&mut self, items: &[usize]) -> Result<LookUpAnswer<Self::Record>, PortError>;

    /// Prepares the creates of these records (resolving what they need); calls
    /// [`ExactlyOnce::abandon`] or [`ExactlyOnce::defer`] for those that cannot be created.
    /// The default prepares nothing.
    async fn prepare(&mut self, items: &[usize], machine: &mut ExactlyOnce<Self::Record>) {
        let _ = (items, machine);
    }

    /// Creates one record. Must not retry on its own after an uncertain failure: it answers
    /// [`PortError::Uncertain`] and the protocol decides.
    async fn create(&mut self, item: usize) -> Result<Self::Record, PortError>;

    /// Reads these new records back until the system shows them (with
    /// [`Completion::ConfirmThenRelease`]),
    /// or fails ([`PortError::Unavailable`]: the records are then released as uncertain).
    ///
    /// There is deliberately no default: a target whose system shows writes late must wait
    /// here, or a run inside the visibility delay would not find the record and create it
    /// again once the claim is released. A target whose writes are readable as soon as they
    /// are answered says so in its own implementation.
    async fn confirm(&mut self, items: &[usize]) -> Result<(), PortError>;

    /// The record for a key the ledger knows as created, read from the ID the ledger noted
    /// (`None`: the record is looked up instead).
    fn record_known_to_ledger(&self, record: LedgerRecordId) -> Option<Self::Record>;

    /// The ID the ledger keeps for a record created or found
    /// (with [`Completion::RecordInLedger`]).
    fn ledger_id(&self, record: &Self::Record) -> Option<LedgerRecordId>;
}

/// Runs `machine` to its end: every record then has its outcome
/// ([`ExactlyOnce::into_outcomes`]). Ledger writes that fail are logged, not retried: a
/// claim that is not released runs out at the end of its lease, and a record the ledger did
/// not note as created is found by the next run's look-up (the lease outlasts the visibility
/// window).
pub async fn run_exactly_once<T: CreateTarget + ?Sized>(
    machine: &mut ExactlyOnce<T::Record>,
    target: &mut T,
    ledger: &dyn PostingLedger,
    clock: &dyn Clock,
) {
    loop {
        match machine.poll(clock.now()) {
            Step::Claim { items, now, lease } => {
                for (item, key) in items {
                    let answer = match ledger.claim(&key, now, lease).await {
                        Ok(Claim::Acquired { uncertain_since }) => {
                            ClaimAnswer::Acquired { uncertain_since }
                        }
                        Ok(Claim::Posted { record }) => {
                            ClaimAnswer::Done(target.record_known_to_ledger(record))
                        }
                        Ok(Claim::Busy { until }) => ClaimAnswer::Busy { until },
                        Err(e) => ClaimAnswer::Failed {
                            error: e.to_string(),
                        },
                    };
                    machine.claimed(item, answer);
                }
            }
            Step::LookUp { items } => match target.look_up(&items).await {
                Ok(answer) => {
                    for (item, error) in &answer.failed {
                        machine.look_up_failed(*item, error);
                    }
                    machine.looked_up(Ok(answer.found));
                }
                Err(error) => {
                    tracing::warn!(error = %error, records = items.len(), "exactly-once look-up failed");
                    machine.looked_up(Err(&error));
                }
            },
            Step::Prepare { items } => target.prepare(&items, machine).await,
            Step::Create { item } => match target.create(item).await {
                Ok(record) => machine.created(item, Ok(record)),
                Err(error) => machine.created(item, Err(&error)),
            },
            Step::Confirm { items } => match target.confirm(&items).await {
                Ok(()) => machine.confirmed(Ok(())),
                Err(error) => machine.confirmed(Err(&error)),
            },
            Step::Record { key, record, .. } => {
                if let Some(id) = target.ledger_id(&record) {
                    if let Err(e) = ledger.posted(&key, &id).await {
                        // The record exists. The claim is left to run out (not released): no
                        // other run can take it before the lease ends, and by then (the lease
                        // is longer than the visibility window) the look-up finds it.
                        tracing::warn!(key, record = %id, error = %e,
                            "posting ledger did not record a created record");
                    }
                }
            }
            Step::Release {
                key,
                uncertain_since,
                ..
            } => {
                if let Err(e) = ledger.release(&key, uncertain_since).await {
                    // The claim lapses at the end of its lease.
                    tracing::warn!(key, error = %e, "posting ledger did not release a claim");
                }
            }
            Step::WaitUntil(until) => clock.sleep_until(until).await,
            Step::Done => return,
        }
    }
}

/// The read-back of a [`CreateTarget::confirm`] for a system that shows new records late and
/// whose records are not kept in the ledger: asks `missing` how many of the `count` new
/// records the system does not show yet, every `config.uncertain_poll_delay` (at least 1 ms)
/// for up to `config.visibility_window`, and answers once none is missing. Until then a
/// released claim would let a rerun create the record again.
///
/// # Errors
/// The look-up's own error; [`PortError::Unavailable`] for `operation` when records are
/// still missing at the end of the window (the protocol then releases them as uncertain).
pub async fn read_back_until_visible<F, Fut>(
    count: usize,
    mut missing: F,
    clock: &dyn Clock,
    config: &PostingConfig,
    operation: PortOperation,
    noun: &str,
) -> Result<(), PortError>
where
    F: FnMut() -> Fut + Send,
    Fut: std::future::Future<Output = Result<usize, PortError>> + Send,
{
    let window =
        chrono::Duration::from_std(config.visibility_window).unwrap_or(chrono::Duration::MAX);
    let delay = chrono::Duration::from_std(config.uncertain_poll_delay)
        .unwrap_or(chrono::Duration::seconds(1))
        .max(chrono::Duration::milliseconds(1));
    let started = clock.now();
    let deadline = started.checked_add_signed(window).unwrap_or(started);
    loop {
        let still_missing = missing().await?;
        if still_missing == 0 {
            return Ok(());
        }
        let now = clock.now();
        if now >= deadline {
            return Err(PortError::Unavailable {
                operation,
                source: format!(
                    "{still_missing} of {count} {noun} not visible by reference after {:?}",
                    config.visibility_window
                )
                .into(),
            });
        }
        let next = now
            .checked_add_signed(delay)
            .unwrap_or(deadline)
            .min(deadline);
        clock.sleep_until(next).await;
    }
}

/// The system's time, as the async runtime's timer sees it: `now` is the system time read
/// once per process, advanced by the runtime's [`Instant`](tokio::time::Instant) since then.
/// So a test with paused time sees its sleeps pass, and [`Clock::sleep_until`] sleeps on the
/// same timer it measures with.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

/// The clock drivers use unless given another.
pub static SYSTEM_CLOCK: SystemClock = SystemClock;

fn epoch() -> &'static (chrono::DateTime<chrono::Utc>, tokio::time::Instant) {
    static EPOCH: std::sync::OnceLock<(chrono::DateTime<chrono::Utc>, tokio::time::Instant)> =
        std::sync::OnceLock::new();
    EPOCH.get_or_init(|| (chrono::Utc::now(), tokio::time::Instant::now()))
}

#[async_trait]
impl Clock for SystemClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        let (start, at) = epoch();
        chrono::TimeDelta::from_std(tokio::time::Instant::now().saturating_duration_since(*at))
            .ok()
            .and_then(|elapsed| start.checked_add_signed(elapsed))
            .unwrap_or(*start)
    }

    async fn sleep_until(&self, until: chrono::DateTime<chrono::Utc>) {
        if let Ok(wait) = (until - self.now()).to_std() {
            tokio::time::sleep(wait).await;
        }
    }
}

/// What a flow writing to Shopify through the exactly-once protocol needs (fulfilments,
/// moves, price-list catalogs).
#[derive(Clone, Copy)]
#[non_exhaustive]
pub struct ShopifyWritePorts<'a> {
    /// Shopify.
    pub shopify: &'a shopify::Client,
    /// The posting ledger the claims are taken in.
    pub ledger: &'a dyn PostingLedger,
    /// The clock.
    pub clock: &'a dyn Clock,
    /// Lease, visibility window and settling look-ups.
    pub posting: PostingConfig,
    /// The shop, to keep ledger keys of several shops apart.
    pub shop: &'a str,
}

impl std::fmt::Debug for ShopifyWritePorts<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShopifyWritePorts")
            .field("shop", &self.shop)
            .field("posting", &self.posting)
            .finish_non_exhaustive()
    }
}

impl<'a> ShopifyWritePorts<'a> {
    /// The ports, with the default posting windows.
    #[must_use]
    pub fn new(
        shopify: &'a shopify::Client,
        ledger: &'a dyn PostingLedger,
        clock: &'a dyn Clock,
        shop: &'a str,
    ) -> Self {
        Self {
            shopify,
            ledger,
            clock,
            posting: PostingConfig::default(),
            shop,
        }
    }

    /// With these posting windows.
    #[must_use]
    pub fn with_posting(mut self, posting: PostingConfig) -> Self {
        self.posting = posting;
        self
    }
}

/// A failed Shopify write as the protocol sees it: uncertain when the request may have
/// landed (a transport error after connecting, 5xx, `INTERNAL_SERVER_ERROR`, an answer that
/// cannot be read), unavailable when it can be retried, refused otherwise.
pub(crate) fn shopify_write_error(operation: &str, error: shopify::Error) -> PortError {
    use shopify::Error as E;
    let uncertain = match &error {
        E::Transport { source, .. } => !source.is_connect(),
        E::Http { status, .. } => *status >= 500,
        E::GraphQl { errors, .. } => errors
            .iter()
            .any(|e| e.code() == Some(shopify::GraphQlErrorCode::InternalServerError)),
        E::Decode { .. } | E::MissingPayload { .. } => true,
        _ => false,
    };
    if uncertain {
        return PortError::Uncertain {
            operation: operation.into(),
            source: Box::new(error),
        };
    }
    if error.is_retryable() {
        return PortError::Unavailable {
            operation: operation.into(),
            source: Box::new(error),
        };
    }
    let message = match &error {
        E::UserErrors { errors, .. } => errors
            .iter()
            .map(|e| e.message.as_str())
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    };
    PortError::Refused {
        operation: operation.into(),
        message,
    }
}

/// The protocol's settings for Shopify writes: Shopify shows them as soon as it answers, so
/// claims are released once confirmed.
pub(crate) fn shopify_protocol(posting: PostingConfig) -> ProtocolConfig {
    ProtocolConfig {
        posting,
        completion: Completion::ConfirmThenRelease,
        settle_lookups: posting.uncertain_polls,
        settle_delay: posting.uncertain_poll_delay,
    }
}
