//! The durable work queue on PostgreSQL.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::PgConnection;

use super::{Fleet, PgError, db, lease_end};

/// One item a worker took from a [`PgWorkQueue`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct QueuedItem<T> {
    /// The item's ID.
    pub id: i64,
    /// How many times the item was taken, this time included. It is also the fencing token:
    /// [`PgWorkQueue::complete`] and the other answers apply only while no one has taken the
    /// item since.
    pub attempt: i32,
    /// The work.
    pub payload: T,
    /// When the item was queued.
    pub enqueued_at: DateTime<Utc>,
    /// When this worker's lease ends: after that any worker may take the item again.
    pub lease_until: DateTime<Utc>,
}

/// A taken item as the database returns it: ID, attempt, payload text, enqueued at, lease end.
type TakenRow = (i64, i32, String, DateTime<Utc>, DateTime<Utc>);

/// How many items a queue holds, by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct QueueCounts {
    /// Waiting (their time may not have come yet).
    pub ready: u64,
    /// Taken by a worker whose lease has not ended.
    pub taken: u64,
    /// Taken by a worker whose lease has ended (it died or stalled): any worker may take them.
    pub expired: u64,
    /// Given up on ([`PgWorkQueue::fail`], or a payload that does not decode): they wait for
    /// a person.
    pub failed: u64,
}

impl QueueCounts {
    /// Items not settled: ready, taken or expired (failed items are settled, for a person).
    #[must_use]
    pub fn outstanding(&self) -> u64 {
        self.ready + self.taken + self.expired
    }
}

/// A durable work queue in the `{prefix}work_queue` table (several named queues share it).
///
/// Workers take items with `SELECT ... FOR UPDATE SKIP LOCKED`, so concurrent takers never
/// wait on each other nor take the same item, each under a lease: an item whose worker
/// crashed returns to the queue when its lease ends. A worker then [completes](Self::complete)
/// the item (it is deleted), [puts it back](Self::retry_later) for later, or
/// [fails](Self::fail) it for a person. The work must be safe to do twice (a worker may
/// stall past its lease while another takes the item over): order posting is, through the
/// posting ledger.
///
/// Items queued with a dedup key are merged with a waiting item of the same key (best effort:
/// two queued at the same instant may both stay, which costs a second, harmless, run).
#[derive(Debug, Clone)]
pub struct PgWorkQueue {
    fleet: Fleet,
    name: String,
}

impl PgWorkQueue {
    pub(super) fn new(fleet: Fleet, name: &str) -> Self {
        Self {
            fleet,
            name: name.to_owned(),
        }
    }

    /// The queue's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Queues `work` to be taken from `now` on; answers the new item's ID, or `None` when an
    /// item with the same `dedup_key` was waiting already.
    ///
    /// # Errors
    /// [`PgError::Payload`] when `work` does not serialise, [`PgError::Database`] when the
    /// statement fails.
    pub async fn enqueue<T: Serialize + Sync>(
        &self,
        work: &T,
        dedup_key: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>, PgError> {
        let payload =
            serde_json::to_string(work).map_err(|source| PgError::Payload { item: 0, source })?;
        let mut conn = self
            .fleet
            .pool()
            .acquire()
            .await
            .map_err(db("queue enqueue"))?;
        self.enqueue_in(&mut conn, &payload, dedup_key, now).await
    }

    pub(super) async fn enqueue_in(
        &self,
        conn: &mut PgConnection,
        payload: &str,
        dedup_key: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>, PgError> {
        let table = &self.fleet.tables().queue;
        sqlx::query_scalar(&format!(
            "INSERT INTO {table} (queue, dedup_key, payload, available_at, enqueued_at) \
             SELECT $1, $2, $3::jsonb, $4, $4 \
             WHERE $2::text IS NULL OR NOT EXISTS ( \
               SELECT 1 FROM {table} WHERE queue = $1 AND dedup_key = $2 AND state = 'ready') \
             RETURNING id"
        ))
        .bind(&self.name)
        .bind(dedup_key)
        .bind(payload)
        .bind(now)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db("queue enqueue"))
    }

    /// Takes up to `limit` items whose time has come at `now` (oldest first), leased to
    /// `worker` until `now + lease`: waiting items, and items whose last worker's lease has
    /// ended. Items other workers are taking at the same moment are skipped, not waited for.
    ///
    /// An item whose payload does not decode as `T` is not returned: it is failed with the
    /// reason (see [`QueueCounts::failed`]) and logged, never silently dropped.
    ///
    /// # Errors
    /// [`PgError::InvalidInput`] for a lease too long to store, [`PgError::Database`] when a
    /// statement fails (nothing is taken then).
    pub async fn take<T: DeserializeOwned>(
        &self,
        worker: &str,
        limit: u32,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<Vec<QueuedItem<T>>, PgError> {
        let until = lease_end(now, lease, &self.name)?;
        let table = &self.fleet.tables().queue;
        let rows: Vec<TakenRow> = sqlx::query_as(&format!(
            "UPDATE {table} SET state = 'taken', lease_until = $4, worker = $3, \
                   attempts = attempts + 1 \
                 WHERE id IN ( \
                   SELECT id FROM {table} \
                   WHERE queue = $1 AND ((state = 'ready' AND available_at <= $2) \
                     OR (state = 'taken' AND lease_until <= $2)) \
                   ORDER BY id LIMIT $5 \
                   FOR UPDATE SKIP LOCKED) \
                 RETURNING id, attempts, payload::text, enqueued_at, lease_until"
        ))
        .bind(&self.name)
        .bind(now)
        .bind(worker)
        .bind(until)
        .bind(i64::from(limit))
        .fetch_all(self.fleet.pool())
        .await
        .map_err(db("queue take"))?;
        let mut items = Vec::with_capacity(rows.len());
        for (id, attempt, payload, enqueued_at, lease_until) in rows {
            match serde_json::from_str(&payload) {
                Ok(payload) => items.push(QueuedItem {
                    id,
                    attempt,
                    payload,
                    enqueued_at,
                    lease_until,
                }),
                Err(source) => {
                    let error = PgError::Payload { item: id, source };
                    tracing::warn!(queue = %self.name, item = id, error = %error, "failing an item whose payload does not decode");
                    self.settle(id, attempt, "failed", None, Some(&error.to_string()))
                        .await?;
                }
            }
        }
        items.sort_by_key(|i| i.id);
        Ok(items)
    }

    /// Deletes a finished item; `false` when the lease was lost (another worker has taken the
    /// item since, and will finish it).
    ///
    /// # Errors
    /// [`PgError::Database`] when the statement fails.
    pub async fn complete<T>(&self, item: &QueuedItem<T>) -> Result<bool, PgError> {
        let done = sqlx::query(&format!(
            "DELETE FROM {} WHERE id = $1 AND attempts = $2 AND state = 'taken'",
            self.fleet.tables().queue
        ))
        .bind(item.id)
        .bind(item.attempt)
        .execute(self.fleet.pool())
        .await
        .map_err(db("queue complete"))?;
        Ok(done.rows_affected() == 1)
    }

    /// Puts an item back, to be taken from `at` on, noting `error` when there was one; `false`
    /// when the lease was lost.
    ///
    /// # Errors
    /// [`PgError::Database`] when the statement fails.
    pub async fn retry_later<T>(
        &self,
        item: &QueuedItem<T>,
        at: DateTime<Utc>,
        error: Option<&str>,
    ) -> Result<bool, PgError> {
        self.settle(item.id, item.attempt, "ready", Some(at), error)
            .await
    }

    /// Gives up on an item: it stays, failed, with `error`, for a person; `false` when the
    /// lease was lost.
    ///
    /// # Errors
    /// [`PgError::Database`] when the statement fails.
    pub async fn fail<T>(&self, item: &QueuedItem<T>, error: &str) -> Result<bool, PgError> {
        self.settle(item.id, item.attempt, "failed", None, Some(error))
            .await
    }

    /// Extends the lease of an item still being worked on to `now + lease`; answers the new
    /// end, or `None` when the lease was lost.
    ///
    /// # Errors
    /// [`PgError::InvalidInput`] for a lease too long to store, [`PgError::Database`] when the
    /// statement fails.
    pub async fn extend<T>(
        &self,
        item: &QueuedItem<T>,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<Option<DateTime<Utc>>, PgError> {
        let until = lease_end(now, lease, &self.name)?;
        let done = sqlx::query(&format!(
            "UPDATE {} SET lease_until = $3 WHERE id = $1 AND attempts = $2 AND state = 'taken'",
            self.fleet.tables().queue
        ))
        .bind(item.id)
        .bind(item.attempt)
        .bind(until)
        .execute(self.fleet.pool())
        .await
        .map_err(db("queue extend"))?;
        Ok((done.rows_affected() == 1).then_some(until))
    }

    async fn settle(
        &self,
        id: i64,
        attempt: i32,
        state: &str,
        available_at: Option<DateTime<Utc>>,
        error: Option<&str>,
    ) -> Result<bool, PgError> {
        let done = sqlx::query(&format!(
            "UPDATE {} SET state = $3, available_at = COALESCE($4, available_at), \
               lease_until = NULL, last_error = COALESCE($5, last_error) \
             WHERE id = $1 AND attempts = $2 AND state = 'taken'",
            self.fleet.tables().queue
        ))
        .bind(id)
        .bind(attempt)
        .bind(state)
        .bind(available_at)
        .bind(error)
        .execute(self.fleet.pool())
        .await
        .map_err(db("queue settle"))?;
        Ok(done.rows_affected() == 1)
    }

    /// How many items the queue holds, by state, at `now`.
    ///
    /// # Errors
    /// [`PgError::Database`] when the query fails.
    pub async fn counts(&self, now: DateTime<Utc>) -> Result<QueueCounts, PgError> {
        let (ready, taken, expired, failed): (i64, i64, i64, i64) = sqlx::query_as(&format!(
            "SELECT count(*) FILTER (WHERE state = 'ready'), \
               count(*) FILTER (WHERE state = 'taken' AND lease_until > $2), \
               count(*) FILTER (WHERE state = 'taken' AND lease_until <= $2), \
               count(*) FILTER (WHERE state = 'failed') \
             FROM {} WHERE queue = $1",
            self.fleet.tables().queue
        ))
        .bind(&self.name)
        .bind(now)
        .fetch_one(self.fleet.pool())
        .await
        .map_err(db("queue counts"))?;
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        Ok(QueueCounts {
            ready: n(ready),
            taken: n(taken),
            expired: n(expired),
            failed: n(failed),
        })
    }
}
