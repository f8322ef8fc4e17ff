//! Rate budgets shared through PostgreSQL: one Shopify cost bucket per shop, one Stokly
//! request budget per account.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;

use super::{Fleet, PgError, db};
use crate::shopify::{CostPacer, DEFAULT_MAX_WAIT, PacedRequest, QueryCost};
use crate::stokly::{PacerBooking, RateLimit, RequestPacer};

/// How long a pacer that cannot reach the database makes a request wait (and logs why).
const FALLBACK_WAIT: Duration = Duration::from_secs(1);

/// A wait of `seconds`, at most `max`; zero for a negative figure or not a number.
fn wait_of(seconds: f64, max: Duration) -> Duration {
    if seconds.is_nan() || seconds <= 0.0 {
        Duration::ZERO
    } else if seconds >= max.as_secs_f64() {
        max
    } else {
        Duration::try_from_secs_f64(seconds).map_or(max, |d| d.min(max))
    }
}

/// One shop's Shopify cost bucket in the `{prefix}shopify_buckets` table: a
/// [`CostPacer`](crate::shopify::CostPacer) every worker's client paces through
/// ([`ClientBuilder::cost_pacer`](crate::shopify::ClientBuilder::cost_pacer)), so N workers
/// together stay within the shop's one bucket.
///
/// The row holds the points available at a time (the database's clock), refilled at the
/// restore rate up to the bucket's size, as Shopify last reported them. A reservation takes
/// the expected cost in one `UPDATE` (the balance may go below zero: the request then waits
/// until the restore rate has paid it back); the answer's cost settles it (points reserved but
/// not charged come back) and Shopify's own figure of what is available caps the estimate,
/// which corrects for anything else spending from the bucket. Until Shopify has reported the
/// bucket, nothing is reserved and nothing waits (the client sends one request first).
///
/// A database failure never fails a request: the pacer logs it and answers a one-second
/// wait.
#[derive(Debug, Clone)]
pub struct PgCostBucket {
    fleet: Fleet,
    shop: String,
    max_wait: Duration,
}

impl PgCostBucket {
    pub(super) fn new(fleet: Fleet, shop: &str) -> Self {
        Self {
            fleet,
            shop: shop.to_owned(),
            max_wait: DEFAULT_MAX_WAIT,
        }
    }

    /// Caps every wait the bucket answers (default [`DEFAULT_MAX_WAIT`]).
    #[must_use]
    pub fn with_max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }

    /// The shop.
    #[must_use]
    pub fn shop(&self) -> &str {
        &self.shop
    }

    /// Points available now by the shared estimate (negative while requests wait), or `None`
    /// before Shopify has reported the bucket.
    ///
    /// # Errors
    /// [`PgError::Database`] when the query fails.
    pub async fn available(&self) -> Result<Option<f64>, PgError> {
        sqlx::query_scalar(&format!(
            "SELECT LEAST(maximum_available, available \
               + EXTRACT(EPOCH FROM (clock_timestamp() - at))::float8 * restore_rate) \
             FROM {} WHERE shop = $1",
            self.fleet.tables().buckets
        ))
        .bind(&self.shop)
        .fetch_optional(self.fleet.pool())
        .await
        .map_err(db("cost bucket read"))
    }

    /// [`CostPacer::reserve`] with this module's error.
    ///
    /// # Errors
    /// [`PgError::Database`] when the statement fails.
    pub async fn try_reserve(&self, cost: f64) -> Result<PacedRequest, PgError> {
        let cost = if cost.is_finite() { cost.max(0.0) } else { 0.0 };
        let row: Option<(f64, f64)> = sqlx::query_as(&format!(
            "WITH c AS (SELECT clock_timestamp() AS now) \
             UPDATE {} AS b SET available = LEAST(b.maximum_available, b.available \
                 + EXTRACT(EPOCH FROM (c.now - b.at))::float8 * b.restore_rate) - $2, \
               at = c.now \
             FROM c WHERE b.shop = $1 AND $2 <= b.maximum_available \
             RETURNING b.available, b.restore_rate",
            self.fleet.tables().buckets
        ))
        .bind(&self.shop)
        .bind(cost)
        .fetch_optional(self.fleet.pool())
        .await
        .map_err(db("cost bucket reserve"))?;
        Ok(match row {
            // Unknown bucket, or a cost no wait can cover (Shopify answers MAX_COST_EXCEEDED).
            None => PacedRequest::new(Duration::ZERO, 0.0),
            Some((available, rate)) if rate > 0.0 => {
                PacedRequest::new(wait_of(-available / rate, self.max_wait), cost)
            }
            Some(_) => PacedRequest::new(Duration::ZERO, cost),
        })
    }

    /// [`CostPacer::settle`] with this module's error.
    ///
    /// # Errors
    /// [`PgError::Database`] when the statement fails.
    pub async fn try_settle(&self, reserved: f64, cost: Option<&QueryCost>) -> Result<(), PgError> {
        let Some(cost) = cost.filter(|c| c.check().is_ok()) else {
            return Ok(());
        };
        // A throttled query is charged nothing.
        let charged = cost.actual_query_cost.unwrap_or(0.0);
        let refund = reserved - charged;
        let table = &self.fleet.tables().buckets;
        match cost.throttle_status {
            Some(status) => {
                sqlx::query(&format!(
                    "WITH c AS (SELECT clock_timestamp() AS now) \
                     INSERT INTO {table} AS b (shop, maximum_available, restore_rate, available, at) \
                     SELECT $1, $2, $3, $4, c.now FROM c \
                     ON CONFLICT (shop) DO UPDATE SET \
                       maximum_available = EXCLUDED.maximum_available, \
                       restore_rate = EXCLUDED.restore_rate, \
                       available = LEAST(EXCLUDED.maximum_available, EXCLUDED.available, \
                         b.available + EXTRACT(EPOCH FROM (EXCLUDED.at - b.at))::float8 \
                           * b.restore_rate + $5), \
                       at = EXCLUDED.at"
                ))
                .bind(&self.shop)
                .bind(status.maximum_available)
                .bind(status.restore_rate)
                .bind(status.currently_available)
                .bind(refund)
                .execute(self.fleet.pool())
                .await
                .map_err(db("cost bucket settle"))?;
            }
            None if refund != 0.0 => {
                sqlx::query(&format!(
                    "UPDATE {table} SET available = LEAST(maximum_available, available + $2) \
                     WHERE shop = $1"
                ))
                .bind(&self.shop)
                .bind(refund)
                .execute(self.fleet.pool())
                .await
                .map_err(db("cost bucket settle"))?;
            }
            None => {}
        }
        Ok(())
    }
}

#[async_trait]
impl CostPacer for PgCostBucket {
    async fn reserve(&self, cost: f64) -> PacedRequest {
        match self.try_reserve(cost).await {
            Ok(paced) => paced,
            Err(error) => {
                tracing::warn!(shop = %self.shop, error = %error, "shared cost bucket unavailable; waiting a second");
                PacedRequest::new(FALLBACK_WAIT, 0.0)
            }
        }
    }

    async fn settle(&self, reserved: f64, cost: Option<&QueryCost>) {
        if let Err(error) = self.try_settle(reserved, cost).await {
            tracing::warn!(shop = %self.shop, error = %error, "could not settle a reservation in the shared cost bucket");
        }
    }
}

/// How long a Stokly request booked in a [`PgRequestBudget`] counts as in flight after its send
/// time, unless released sooner: longer than a request can take (the client's request timeout,
/// 30 s by default), short enough that a dead worker's requests stop counting soon.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(120);

/// How far `x-ratelimit-remaining` must rise for a new Stokly window to be taken as begun:
/// answers to several workers overtake each other, so a small rise is only reordering.
pub const WINDOW_RISE: u32 = 16;

/// One Stokly account's request budget in the `{prefix}stokly_budgets` table: a
/// [`RequestPacer`](crate::stokly::RequestPacer) every worker's client paces through
/// ([`ClientBuilder::request_pacer`](crate::stokly::ClientBuilder::request_pacer)), so N
/// workers together keep the account's one pace.
///
/// The same two limits as the in-process [`RateBudget`](crate::stokly::RateBudget), in one
/// row: the pace ([`RateLimit::requests_per_second`] with [`RateLimit::burst`], each request
/// booking the next free slot in one statement, on the database's clock), and Stokly's window
/// (when the last `x-ratelimit-remaining` any worker saw is at or below
/// [`RateLimit::low_watermark`], requests wait until one [`RateLimit::window`] after the
/// window began). Requests in flight count against the remaining count, as in the in-process
/// budget: each booking ([`RequestPacer::book`]) holds a lease in the row until the client
/// releases it with the answer; a lease expires [`PgRequestBudget::with_lease`] after its send
/// time (default [`DEFAULT_LEASE`]), so the requests of a worker that dies stop counting then.
/// A window is taken to begin at the first answer and whenever the remaining count rises by
/// more than [`WINDOW_RISE`]; within a window the remaining count only goes down, so an answer
/// that overtook a later one cannot raise it (the later one's request was counted in flight
/// until its own answer).
///
/// A database failure never fails a request: the pacer logs it and answers a one-second
/// wait.
#[derive(Debug)]
pub struct PgRequestBudget {
    fleet: Fleet,
    account: String,
    limit: RateLimit,
    lease: Duration,
    row_exists: AtomicBool,
}

impl PgRequestBudget {
    pub(super) fn new(fleet: Fleet, account: &str, limit: RateLimit) -> Self {
        Self {
            fleet,
            account: account.to_owned(),
            limit,
            lease: DEFAULT_LEASE,
            row_exists: AtomicBool::new(false),
        }
    }

    /// How long a booked request counts as in flight after its send time when it is never
    /// released (default [`DEFAULT_LEASE`]). Set it above the client's request timeout.
    #[must_use]
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// Requests booked by any worker and not yet released, nor expired.
    ///
    /// # Errors
    /// [`PgError::Database`] when the query fails.
    pub async fn in_flight(&self) -> Result<u32, PgError> {
        let n: i64 = sqlx::query_scalar(&format!(
            "SELECT count(*) FROM {} AS t, jsonb_each(t.in_flight) AS e \
             WHERE t.account = $1 \
               AND (e.value)::float8 > EXTRACT(EPOCH FROM clock_timestamp())::float8",
            self.fleet.tables().budgets
        ))
        .bind(&self.account)
        .fetch_one(self.fleet.pool())
        .await
        .map_err(db("request budget in flight"))?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// The account.
    #[must_use]
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The pace.
    #[must_use]
    pub fn limit(&self) -> RateLimit {
        self.limit
    }

    async fn ensure_row(&self) -> Result<(), PgError> {
        if self.row_exists.load(Ordering::Relaxed) {
            return Ok(());
        }
        sqlx::query(&format!(
            "INSERT INTO {} (account, next_slot) VALUES ($1, clock_timestamp()) \
             ON CONFLICT (account) DO NOTHING",
            self.fleet.tables().budgets
        ))
        .bind(&self.account)
        .execute(self.fleet.pool())
        .await
        .map_err(db("request budget reserve"))?;
        self.row_exists.store(true, Ordering::Relaxed);
        Ok(())
    }

    /// [`RequestPacer::reserve`] with this module's error: books a request without counting
    /// it in flight.
    ///
    /// # Errors
    /// [`PgError::Database`] when a statement fails.
    pub async fn try_reserve(&self) -> Result<Duration, PgError> {
        Ok(self.try_book_with(false).await?.wait)
    }

    /// [`RequestPacer::book`] with this module's error: books a request and counts it in
    /// flight until [`PgRequestBudget::try_release`] or its lease expires.
    ///
    /// # Errors
    /// [`PgError::Database`] when a statement fails.
    pub async fn try_book(&self) -> Result<PacerBooking, PgError> {
        self.try_book_with(true).await
    }

    /// [`RequestPacer::release`] with this module's error.
    ///
    /// # Errors
    /// [`PgError::Database`] when the statement fails.
    pub async fn try_release(&self, lease: &str) -> Result<(), PgError> {
        sqlx::query(&format!(
            "UPDATE {} SET in_flight = in_flight - $2 WHERE account = $1",
            self.fleet.tables().budgets
        ))
        .bind(&self.account)
        .bind(lease)
        .execute(self.fleet.pool())
        .await
        .map_err(db("request budget release"))?;
        Ok(())
    }

    /// Books a slot in one statement, on the row locked for it: the leases still live in the
    /// row (the latest version, read under the lock) count against the remaining count;
    /// expired ones are dropped; with `lease`, one more is added, expiring `self.lease` after
    /// the slot's send time.
    async fn try_book_with(&self, lease: bool) -> Result<PacerBooking, PgError> {
        self.ensure_row().await?;
        let rate = self.limit.requests_per_second;
        let interval = if rate.is_finite() && rate > 0.0 {
            1.0 / rate
        } else {
            0.25
        };
        let tolerance = interval * f64::from(self.limit.burst.max(1) - 1);
        let table = &self.fleet.tables().budgets;
        let row: Option<(f64, Option<String>)> = sqlx::query_as(&format!(
            "WITH c AS (SELECT clock_timestamp() AS now), \
             cur AS ( \
               SELECT t.account, t.remaining, t.window_started, t.in_flight, c.now, \
                 GREATEST(t.next_slot, c.now) AS slot \
               FROM {table} t, c WHERE t.account = $1 FOR UPDATE OF t), \
             live AS ( \
               SELECT COALESCE(jsonb_object_agg(e.key, e.value) \
                   FILTER (WHERE e.key IS NOT NULL), '{{}}'::jsonb) AS leases, \
                 count(e.key) AS n \
               FROM cur LEFT JOIN LATERAL jsonb_each(cur.in_flight) AS e \
                 ON (e.value)::float8 > EXTRACT(EPOCH FROM cur.now)::float8), \
             plan AS ( \
               SELECT cur.account, cur.now, cur.slot, live.leases, \
                 CASE WHEN $6 THEN gen_random_uuid()::text END AS lease, \
                 GREATEST(cur.slot - make_interval(secs => $3), cur.now, COALESCE( \
                   CASE WHEN cur.remaining IS NOT NULL AND cur.remaining - live.n <= $4 \
                     AND cur.window_started + make_interval(secs => $5) > cur.now \
                     THEN cur.window_started + make_interval(secs => $5) END, \
                   cur.now)) AS send_at \
               FROM cur, live) \
             UPDATE {table} t SET next_slot = GREATEST(plan.slot, plan.send_at) \
               + make_interval(secs => $2), \
               in_flight = CASE WHEN plan.lease IS NULL THEN plan.leases \
                 ELSE plan.leases || jsonb_build_object(plan.lease, \
                   EXTRACT(EPOCH FROM plan.send_at)::float8 + $7) END \
             FROM plan WHERE t.account = plan.account \
             RETURNING EXTRACT(EPOCH FROM (plan.send_at - plan.now))::float8, plan.lease"
        ))
        .bind(&self.account)
        .bind(interval)
        .bind(tolerance)
        .bind(i64::from(self.limit.low_watermark))
        .bind(self.limit.window.as_secs_f64())
        .bind(lease)
        .bind(self.lease.as_secs_f64())
        .fetch_optional(self.fleet.pool())
        .await
        .map_err(db("request budget reserve"))?;
        if row.is_none() {
            // The row was deleted behind our back: create it on the next call.
            self.row_exists.store(false, Ordering::Relaxed);
        }
        let (wait, lease) = row.unwrap_or((0.0, None));
        Ok(PacerBooking::new(
            wait_of(wait, self.limit.window.max(Duration::from_secs(1))),
            lease,
        ))
    }

    /// [`RequestPacer::observe_remaining`] with this module's error.
    ///
    /// # Errors
    /// [`PgError::Database`] when the statement fails.
    pub async fn try_observe_remaining(&self, remaining: u32) -> Result<(), PgError> {
        sqlx::query(&format!(
            "UPDATE {} AS t SET \
               window_started = CASE WHEN t.remaining IS NOT NULL AND $2 <= t.remaining + $3 \
                 THEN t.window_started ELSE clock_timestamp() END, \
               remaining = CASE WHEN t.remaining IS NOT NULL AND $2 <= t.remaining + $3 \
                 THEN LEAST(t.remaining, $2) ELSE $2 END \
             WHERE t.account = $1",
            self.fleet.tables().budgets
        ))
        .bind(&self.account)
        .bind(i64::from(remaining))
        .bind(i64::from(WINDOW_RISE))
        .execute(self.fleet.pool())
        .await
        .map_err(db("request budget observe"))?;
        Ok(())
    }
}

#[async_trait]
impl RequestPacer for PgRequestBudget {
    async fn reserve(&self) -> Duration {
        match self.try_reserve().await {
            Ok(wait) => wait,
            Err(error) => {
                tracing::warn!(account = %self.account, error = %error, "shared request budget unavailable; waiting a second");
                FALLBACK_WAIT
            }
        }
    }

    async fn observe_remaining(&self, remaining: u32) {
        if let Err(error) = self.try_observe_remaining(remaining).await {
            tracing::warn!(account = %self.account, error = %error, "could not record x-ratelimit-remaining in the shared budget");
        }
    }

    async fn book(&self) -> PacerBooking {
        match self.try_book().await {
            Ok(booking) => booking,
            Err(error) => {
                tracing::warn!(account = %self.account, error = %error, "shared request budget unavailable; waiting a second");
                PacerBooking::new(FALLBACK_WAIT, None)
            }
        }
    }

    async fn release(&self, lease: String) {
        if let Err(error) = self.try_release(&lease).await {
            // The lease expires on its own.
            tracing::warn!(account = %self.account, error = %error, "could not release a request in the shared budget");
        }
    }
}
