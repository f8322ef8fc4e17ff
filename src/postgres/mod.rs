//! Fleet mode on PostgreSQL (feature `postgres`): the state that several workers of one shop
//! share, in the application's own database.
//!
//! A brand at peak runs more than one worker. Shopify's cost bucket is per shop and Stokly's
//! rate budget per account, a webhook may reach two workers, and a worker may die holding an
//! order. [`Fleet`] puts everything they must agree on in PostgreSQL, over the application's
//! own [`PgPool`]:
//!
//! | what | type | port or seam it implements |
//! | --- | --- | --- |
//! | posting ledger: claims with leases, posted and uncertain creates | [`PgPostingLedger`] | [`PostingLedger`](crate::domain::posting::PostingLedger) |
//! | webhook dedup (event, resource, `updated_at`) | [`PgDedupStore`] | [`DedupStore`](crate::domain::ports::DedupStore) |
//! | webhook inbox: dedup and enqueue in one transaction | [`PgInbox`] | |
//! | durable work queue, `FOR UPDATE SKIP LOCKED`, leases | [`PgWorkQueue`] | |
//! | one Shopify cost bucket per shop | [`PgCostBucket`] | [`CostPacer`](crate::shopify::CostPacer) |
//! | one Stokly request budget per account | [`PgRequestBudget`] | [`RequestPacer`](crate::stokly::RequestPacer) |
//! | cursors per shop (order poll, payouts, inventory changes) | [`PgCheckpoints`] | |
//!
//! # Schema
//!
//! The tables are created by `migrations/0001_fleet.sql` (and changed by the later files in
//! order: `0002_stokly_in_flight.sql` adds the Stokly requests in flight), shipped with the
//! crate: plain SQL whose table names all start with `stokly_shopify_`. An application may run
//! those files as they are (psql, or `sqlx::migrate!` pointed at the crate's `migrations/`
//! folder), or call
//! [`Fleet::migrate`], which runs the same text with the prefix given to [`Fleet::new`] in
//! place of `stokly_shopify_` (under an advisory lock, so workers starting together do not
//! race). Every statement is idempotent. Distinct prefixes keep several deployments (or
//! concurrent tests) apart in one database.
//!
//! # Time
//!
//! The ledger, the inbox, the queue and the checkpoints take `now` from the caller, as the
//! in-memory ports do (so a sandbox clock drives them); leases compare the callers' times.
//! The rate budgets pace real requests, so they read the database's clock
//! (`clock_timestamp()`): every worker then measures refills against one clock, whatever its
//! own says.
//!
//! # Latency
//!
//! A ledger claim is one statement: about 0.2 ms over a local socket. Each write also waits for
//! its commit to reach the disk (`synchronous_commit = on`, PostgreSQL's default), which on a
//! busy disk is most of the round trip (several milliseconds). Turning it off for the fleet's
//! sessions removes that wait, at a price: a crash of the database server may forget the last
//! fraction of a second of commits, claims and posted records included, and two workers could
//! then both claim an order whose create is not yet visible in Stokly. Keep the default unless
//! the server's disk is the bottleneck and that window is acceptable.
//!
//! # TLS
//!
//! The feature enables `sqlx` without a TLS backend (the database is reached over loopback or a
//! private network). An application that needs TLS to PostgreSQL enables one of sqlx's
//! `tls-*` features in its own `Cargo.toml`; Cargo unifies the features.

mod budgets;
mod checkpoints;
mod inbox;
mod ledger;
mod queue;

use std::sync::Arc;

pub use budgets::{DEFAULT_LEASE, PgCostBucket, PgRequestBudget, WINDOW_RISE};
pub use checkpoints::{Checkpoint, PgCheckpoints};
pub use inbox::{InboxVerdict, PgDedupStore, PgInbox};
pub use ledger::PgPostingLedger;
pub use queue::{PgWorkQueue, QueueCounts, QueuedItem};
/// The `sqlx` this module is built on, for making the pool with the same version.
pub use sqlx;
pub use sqlx::PgPool;

use chrono::TimeDelta;

/// The table prefix of the shipped migration, replaced by [`Fleet::new`]'s prefix.
pub const DEFAULT_PREFIX: &str = "stokly_shopify_";

/// The shipped migrations, in order: (version, name, SQL with [`DEFAULT_PREFIX`]).
const MIGRATIONS: &[(i32, &str, &str)] = &[
    (1, "fleet", include_str!("../../migrations/0001_fleet.sql")),
    (
        2,
        "stokly_in_flight",
        include_str!("../../migrations/0002_stokly_in_flight.sql"),
    ),
];

/// A fleet-mode call to PostgreSQL failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PgError {
    /// The table prefix cannot be used in SQL.
    #[error("table prefix {prefix:?} is not usable: {reason}")]
    InvalidPrefix {
        /// The prefix given.
        prefix: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A value given cannot be stored (a queue name, a lease too long for a date).
    #[error("{field} of {record} is not usable: {reason}")]
    InvalidInput {
        /// The argument.
        field: &'static str,
        /// The record it belongs to (a key, a queue name).
        record: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The database refused or could not be reached.
    #[error("PostgreSQL failed during {operation}")]
    Database {
        /// What was being done (`ledger claim`, `queue take`...).
        operation: &'static str,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// A stored payload does not decode (or a payload does not encode) as the type asked for.
    #[error("payload of queue item {item} does not fit the type asked for")]
    Payload {
        /// The queue item's ID (0 for one not stored yet).
        item: i64,
        /// The decoder's error.
        #[source]
        source: serde_json::Error,
    },
}

impl PgError {
    /// Whether trying again may succeed: database failures are taken as transient (a lost
    /// connection, a serialisation failure); bad input and undecodable payloads are not.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Database { .. })
    }
}

pub(crate) fn db(operation: &'static str) -> impl FnOnce(sqlx::Error) -> PgError {
    move |source| PgError::Database { operation, source }
}

/// The tables under one prefix.
#[derive(Debug)]
pub(crate) struct Tables {
    prefix: String,
    pub(crate) ledger: String,
    pub(crate) events: String,
    pub(crate) resources: String,
    pub(crate) queue: String,
    pub(crate) buckets: String,
    pub(crate) budgets: String,
    pub(crate) checkpoints: String,
    pub(crate) migrations: String,
}

impl Tables {
    fn new(prefix: &str) -> Result<Self, PgError> {
        let invalid = |reason| PgError::InvalidPrefix {
            prefix: prefix.to_owned(),
            reason,
        };
        let mut bytes = prefix.bytes();
        match bytes.next() {
            None => return Err(invalid("it is empty")),
            Some(b) if !(b.is_ascii_lowercase() || b == b'_') => {
                return Err(invalid("it must start with a lower-case letter or '_'"));
            }
            Some(_) => {}
        }
        if !bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
            return Err(invalid(
                "only lower-case letters, digits and '_' may appear",
            ));
        }
        // PostgreSQL names are at most 63 bytes; the longest table or index suffix is 31.
        if prefix.len() > 32 {
            return Err(invalid("it is longer than 32 characters"));
        }
        let t = |name: &str| format!("{prefix}{name}");
        Ok(Self {
            prefix: prefix.to_owned(),
            ledger: t("ledger"),
            events: t("webhook_events"),
            resources: t("resource_versions"),
            queue: t("work_queue"),
            buckets: t("shopify_buckets"),
            budgets: t("stokly_budgets"),
            checkpoints: t("checkpoints"),
            migrations: t("schema_migrations"),
        })
    }
}

/// The application's pool and a table prefix: the handle every fleet-mode store is made from.
/// Cheap to clone.
#[derive(Debug, Clone)]
pub struct Fleet {
    pool: PgPool,
    tables: Arc<Tables>,
}

impl Fleet {
    /// Stores over `pool` in the tables whose names start with `prefix` ([`DEFAULT_PREFIX`]
    /// unless the application runs several deployments in one database).
    ///
    /// # Errors
    /// [`PgError::InvalidPrefix`] unless the prefix is 1 to 32 of `a-z`, `0-9` and `_`, not
    /// starting with a digit.
    pub fn new(pool: PgPool, prefix: &str) -> Result<Self, PgError> {
        Ok(Self {
            pool,
            tables: Arc::new(Tables::new(prefix)?),
        })
    }

    /// The pool.
    #[must_use]
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The table prefix.
    #[must_use]
    pub fn prefix(&self) -> &str {
        &self.tables.prefix
    }

    /// Creates the tables (the shipped migrations with this prefix), once: migrations already
    /// recorded in `{prefix}schema_migrations` are skipped, and concurrent callers wait for
    /// each other on an advisory lock.
    ///
    /// # Errors
    /// [`PgError::Database`] when a statement fails; nothing of that migration is kept.
    pub async fn migrate(&self) -> Result<(), PgError> {
        let t = &self.tables;
        let mut tx = self.pool.begin().await.map_err(db("migrate"))?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind(format!("stokly_shopify migrate {}", t.prefix))
            .execute(&mut *tx)
            .await
            .map_err(db("migrate"))?;
        sqlx::raw_sql(&format!(
            "CREATE TABLE IF NOT EXISTS {} (version integer PRIMARY KEY, name text NOT NULL, \
             applied_at timestamptz NOT NULL DEFAULT now())",
            t.migrations
        ))
        .execute(&mut *tx)
        .await
        .map_err(db("migrate"))?;
        for (version, name, sql) in MIGRATIONS {
            let done: Option<i32> = sqlx::query_scalar(&format!(
                "SELECT version FROM {} WHERE version = $1",
                t.migrations
            ))
            .bind(version)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db("migrate"))?;
            if done.is_some() {
                continue;
            }
            sqlx::raw_sql(&sql.replace(DEFAULT_PREFIX, &t.prefix))
                .execute(&mut *tx)
                .await
                .map_err(db("migrate"))?;
            sqlx::query(&format!(
                "INSERT INTO {} (version, name) VALUES ($1, $2)",
                t.migrations
            ))
            .bind(version)
            .bind(name)
            .execute(&mut *tx)
            .await
            .map_err(db("migrate"))?;
        }
        tx.commit().await.map_err(db("migrate"))
    }

    /// Drops every table under this prefix (tests, and tearing a deployment down).
    ///
    /// # Errors
    /// [`PgError::Database`] when a statement fails.
    pub async fn drop_tables(&self) -> Result<(), PgError> {
        let t = &self.tables;
        let names = [
            &t.ledger,
            &t.events,
            &t.resources,
            &t.queue,
            &t.buckets,
            &t.budgets,
            &t.checkpoints,
            &t.migrations,
        ];
        let list = names
            .iter()
            .map(|n| n.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        sqlx::raw_sql(&format!("DROP TABLE IF EXISTS {list}"))
            .execute(&self.pool)
            .await
            .map_err(db("drop tables"))?;
        Ok(())
    }

    /// The posting ledger.
    #[must_use]
    pub fn ledger(&self) -> PgPostingLedger {
        PgPostingLedger::new(self.clone())
    }

    /// The webhook dedup store, remembering deliveries for `retention` (at least Shopify's
    /// 4-hour retry window; [`DEFAULT_RETENTION`](crate::domain::ports::DEFAULT_RETENTION) is a
    /// sound choice).
    #[must_use]
    pub fn dedup(&self, retention: TimeDelta) -> PgDedupStore {
        PgDedupStore::new(self.clone(), retention)
    }

    /// The webhook inbox: deliveries deduplicated by `dedup` and their work put in `queue`, in
    /// one transaction.
    #[must_use]
    pub fn inbox(&self, retention: TimeDelta, queue: &str) -> PgInbox {
        PgInbox::new(self.dedup(retention), self.queue(queue))
    }

    /// The work queue named `name` (several queues share one table).
    #[must_use]
    pub fn queue(&self, name: &str) -> PgWorkQueue {
        PgWorkQueue::new(self.clone(), name)
    }

    /// The Shopify cost bucket of `shop`, shared by every worker through the database.
    #[must_use]
    pub fn shopify_bucket(&self, shop: &str) -> PgCostBucket {
        PgCostBucket::new(self.clone(), shop)
    }

    /// The Stokly request budget of `account`, paced by `limit` and shared by every worker.
    #[must_use]
    pub fn stokly_budget(&self, account: &str, limit: crate::stokly::RateLimit) -> PgRequestBudget {
        PgRequestBudget::new(self.clone(), account, limit)
    }

    /// The checkpoints (cursors per shop).
    #[must_use]
    pub fn checkpoints(&self) -> PgCheckpoints {
        PgCheckpoints::new(self.clone())
    }

    pub(crate) fn tables(&self) -> &Tables {
        &self.tables
    }
}

/// `now + lease`, or an error naming the record when that date cannot be stored.
pub(crate) fn lease_end(
    now: chrono::DateTime<chrono::Utc>,
    lease: std::time::Duration,
    record: &str,
) -> Result<chrono::DateTime<chrono::Utc>, PgError> {
    TimeDelta::from_std(lease)
        .ok()
        .and_then(|l| now.checked_add_signed(l))
        // PostgreSQL's timestamptz ends in the year 294276.
        .filter(|end| end.timestamp() < 9_000_000_000_000)
        .ok_or_else(|| PgError::InvalidInput {
            field: "lease",
            record: record.to_owned(),
            reason: "too long to be stored as a date",
        })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_checked() {
        assert!(Tables::new("stokly_shopify_").is_ok());
        assert!(Tables::new("t_1234_x_").is_ok());
        for bad in ["", "1abc", "Abc", "a-b", "a;drop", &"a".repeat(33)] {
            assert!(
                matches!(Tables::new(bad), Err(PgError::InvalidPrefix { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn every_table_of_the_migration_takes_the_prefix() {
        let t = Tables::new("x_").unwrap();
        let sql = MIGRATIONS
            .iter()
            .map(|(_, _, s)| s.replace(DEFAULT_PREFIX, "x_"))
            .collect::<String>();
        for table in [
            &t.ledger,
            &t.events,
            &t.resources,
            &t.queue,
            &t.buckets,
            &t.budgets,
            &t.checkpoints,
        ] {
            assert!(
                sql.contains(&format!("CREATE TABLE IF NOT EXISTS {table} ")),
                "{table}"
            );
        }
        assert!(!sql.contains(DEFAULT_PREFIX));
    }
}
