//! The posting ledger on PostgreSQL.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{Fleet, PgError, db, lease_end};
use crate::domain::ports::LedgerRecordId;
use crate::domain::posting::{Claim, PortError, PostingLedger};

/// A [`PostingLedger`] in the `{prefix}ledger` table, shared by every worker of the
/// deployment.
///
/// - [`PostingLedger::claim`] is one `INSERT ... ON CONFLICT DO UPDATE ... WHERE` statement: a
///   key no one holds (never seen, released, or whose lease has ended: its worker died) is
///   leased to the caller until `now + lease`; a posted key answers [`Claim::Posted`], a held
///   one [`Claim::Busy`]. Two workers claiming at once never both acquire.
/// - [`PostingLedger::posted`] records the created record's ID and ends the lease, for good.
/// - [`PostingLedger::release`] ends the lease and keeps the earliest `uncertain_since` (a
///   create whose outcome is unknown), which the next claim hands back.
///
/// Failures answer [`PortError::Unavailable`]: nothing was claimed or recorded, and the run
/// defers the order.
#[derive(Debug, Clone)]
pub struct PgPostingLedger {
    fleet: Fleet,
}

impl PgPostingLedger {
    pub(super) fn new(fleet: Fleet) -> Self {
        Self { fleet }
    }

    /// The sale order recorded for `key`, if any.
    ///
    /// # Errors
    /// [`PgError::Database`] when the query fails.
    pub async fn posted_as(&self, key: &str) -> Result<Option<LedgerRecordId>, PgError> {
        let row: Option<Option<String>> = sqlx::query_scalar(&format!(
            "SELECT record_id FROM {} WHERE key = $1",
            self.fleet.tables().ledger
        ))
        .bind(key)
        .fetch_optional(self.fleet.pool())
        .await
        .map_err(db("ledger read"))?;
        Ok(row.flatten().map(LedgerRecordId::new))
    }

    /// How many keys starting with `key_prefix` are recorded as posted (`acme.myshopify.com/orders/`
    /// counts the shop's orders).
    ///
    /// # Errors
    /// [`PgError::Database`] when the query fails.
    pub async fn posted_count(&self, key_prefix: &str) -> Result<u64, PgError> {
        let n: i64 = sqlx::query_scalar(&format!(
            "SELECT count(*) FROM {} WHERE record_id IS NOT NULL AND starts_with(key, $1)",
            self.fleet.tables().ledger
        ))
        .bind(key_prefix)
        .fetch_one(self.fleet.pool())
        .await
        .map_err(db("ledger count"))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Every claim taken on `key` so far (the first one included): more than one means the
    /// order was taken over after a lease ended, or claimed again after a deferral.
    ///
    /// # Errors
    /// [`PgError::Database`] when the query fails.
    pub async fn claims_of(&self, key: &str) -> Result<u64, PgError> {
        let n: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT claims FROM {} WHERE key = $1",
            self.fleet.tables().ledger
        ))
        .bind(key)
        .fetch_optional(self.fleet.pool())
        .await
        .map_err(db("ledger read"))?;
        Ok(n.and_then(|n| u64::try_from(n).ok()).unwrap_or(0))
    }

    /// [`PostingLedger::claim`] with this module's error.
    ///
    /// # Errors
    /// [`PgError::InvalidInput`] for a lease too long to store, [`PgError::Database`] when the
    /// statement fails.
    pub async fn try_claim(
        &self,
        key: &str,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<Claim, PgError> {
        let until = lease_end(now, lease, key)?;
        let ledger = &self.fleet.tables().ledger;
        // The claim, and otherwise the row as it stands, in one statement. A row inserted by
        // a transaction that committed after this statement's snapshot is invisible to its
        // second branch: then no row comes back, and the statement runs again.
        let sql = format!(
            "WITH taken AS ( \
               INSERT INTO {ledger} AS l (key, lease_until, claims) VALUES ($1, $3, 1) \
               ON CONFLICT (key) DO UPDATE SET lease_until = EXCLUDED.lease_until, \
                 claims = l.claims + 1 \
               WHERE l.record_id IS NULL AND (l.lease_until IS NULL OR l.lease_until <= $2) \
               RETURNING true AS acquired, record_id, uncertain_since, lease_until) \
             SELECT acquired, record_id, uncertain_since, lease_until FROM taken \
             UNION ALL \
             SELECT false, record_id, uncertain_since, lease_until FROM {ledger} \
             WHERE key = $1 AND NOT EXISTS (SELECT 1 FROM taken)"
        );
        for _ in 0..4 {
            let row: Option<ClaimRow> = sqlx::query_as(&sql)
                .bind(key)
                .bind(now)
                .bind(until)
                .fetch_optional(self.fleet.pool())
                .await
                .map_err(db("ledger claim"))?;
            let Some((acquired, record, uncertain_since, lease_until)) = row else {
                continue;
            };
            if acquired {
                return Ok(Claim::Acquired { uncertain_since });
            }
            if let Some(id) = record {
                return Ok(Claim::Posted {
                    record: LedgerRecordId::new(id),
                });
            }
            if let Some(until) = lease_until.filter(|u| *u > now) {
                return Ok(Claim::Busy { until });
            }
            // Released between the attempt and the read: claim again.
        }
        Err(PgError::Database {
            operation: "ledger claim",
            source: sqlx::Error::Protocol(
                "the ledger row changed under four claims in a row".to_owned(),
            ),
        })
    }

    /// [`PostingLedger::posted`] with this module's error.
    ///
    /// # Errors
    /// [`PgError::Database`] when the statement fails.
    pub async fn try_posted(&self, key: &str, record: &LedgerRecordId) -> Result<(), PgError> {
        sqlx::query(&format!(
            "INSERT INTO {} AS l (key, record_id, posted_at) VALUES ($1, $2, now()) \
             ON CONFLICT (key) DO UPDATE SET record_id = EXCLUDED.record_id, \
               lease_until = NULL, posted_at = COALESCE(l.posted_at, EXCLUDED.posted_at)",
            self.fleet.tables().ledger
        ))
        .bind(key)
        .bind(record.as_str())
        .execute(self.fleet.pool())
        .await
        .map_err(db("ledger posted"))?;
        Ok(())
    }

    /// [`PostingLedger::release`] with this module's error.
    ///
    /// # Errors
    /// [`PgError::Database`] when the statement fails.
    pub async fn try_release(
        &self,
        key: &str,
        uncertain_since: Option<DateTime<Utc>>,
    ) -> Result<(), PgError> {
        // LEAST ignores NULLs: the earliest known time is kept.
        sqlx::query(&format!(
            "INSERT INTO {} AS l (key, uncertain_since) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET lease_until = NULL, \
               uncertain_since = LEAST(l.uncertain_since, EXCLUDED.uncertain_since)",
            self.fleet.tables().ledger
        ))
        .bind(key)
        .bind(uncertain_since)
        .execute(self.fleet.pool())
        .await
        .map_err(db("ledger release"))?;
        Ok(())
    }
}

type ClaimRow = (
    bool,
    Option<String>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

fn unavailable(operation: &str, error: PgError) -> PortError {
    PortError::Unavailable {
        operation: operation.into(),
        source: Box::new(error),
    }
}

#[async_trait]
impl PostingLedger for PgPostingLedger {
    async fn claim(
        &self,
        key: &str,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<Claim, PortError> {
        self.try_claim(key, now, lease)
            .await
            .map_err(|e| unavailable("ledger claim", e))
    }

    async fn posted(&self, key: &str, record: &LedgerRecordId) -> Result<(), PortError> {
        self.try_posted(key, record)
            .await
            .map_err(|e| unavailable("ledger posted", e))
    }

    async fn release(
        &self,
        key: &str,
        uncertain_since: Option<DateTime<Utc>>,
    ) -> Result<(), PortError> {
        self.try_release(key, uncertain_since)
            .await
            .map_err(|e| unavailable("ledger release", e))
    }
}
