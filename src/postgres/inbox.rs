//! Webhook dedup and the inbox on PostgreSQL.

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use serde::Serialize;
use sqlx::PgConnection;

use super::{Fleet, PgError, PgWorkQueue, db};
use crate::domain::ports::{
    DedupEntry, DedupError, DedupStore, DedupVerdict, PortError, PortOperation,
};

/// A [`DedupStore`] in the `{prefix}webhook_events` and `{prefix}resource_versions` tables,
/// following the rules of [`crate::domain::ports`]: one transaction per delivery records the
/// event key (a key already there answers [`DedupVerdict::Duplicate`]), then moves the
/// resource's version forward in one upsert (a version older than the one applied answers
/// [`DedupVerdict::Stale`] and leaves it as it was). Entries older than the retention window
/// count as absent, as in [`InMemoryDedupStore`](crate::domain::ports::InMemoryDedupStore);
/// [`PgDedupStore::purge`] deletes them.
#[derive(Debug, Clone)]
pub struct PgDedupStore {
    fleet: Fleet,
    retention: TimeDelta,
}

impl PgDedupStore {
    pub(super) fn new(fleet: Fleet, retention: TimeDelta) -> Self {
        Self {
            fleet,
            retention: retention.max(TimeDelta::zero()),
        }
    }

    /// The retention window.
    #[must_use]
    pub fn retention(&self) -> TimeDelta {
        self.retention
    }

    /// [`DedupStore::record`] with this module's error.
    ///
    /// # Errors
    /// [`PgError::Database`] when a statement fails; nothing is recorded then.
    pub async fn try_record(
        &self,
        entry: &DedupEntry,
        now: DateTime<Utc>,
    ) -> Result<DedupVerdict, PgError> {
        let mut tx = self
            .fleet
            .pool()
            .begin()
            .await
            .map_err(db("dedup record"))?;
        let verdict = self.record_in(&mut tx, entry, now).await?;
        tx.commit().await.map_err(db("dedup record"))?;
        Ok(verdict)
    }

    /// Records `entry` on `conn` (inside the caller's transaction).
    pub(super) async fn record_in(
        &self,
        conn: &mut PgConnection,
        entry: &DedupEntry,
        now: DateTime<Utc>,
    ) -> Result<DedupVerdict, PgError> {
        let t = self.fleet.tables();
        let cutoff = now.checked_sub_signed(self.retention).unwrap_or(now);
        let fresh: Option<String> = sqlx::query_scalar(&format!(
            "INSERT INTO {} AS e (event_key, seen_at) VALUES ($1, $2) \
             ON CONFLICT (event_key) DO UPDATE SET seen_at = EXCLUDED.seen_at \
             WHERE e.seen_at < $3 \
             RETURNING event_key",
            t.events
        ))
        .bind(&entry.event_key)
        .bind(now)
        .bind(cutoff)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db("dedup record"))?;
        if fresh.is_none() {
            return Ok(DedupVerdict::Duplicate);
        }
        let (Some(resource), Some(updated_at)) = (&entry.resource_key, entry.updated_at) else {
            return Ok(DedupVerdict::New);
        };
        // The database keeps microseconds.
        let updated_at = updated_at.trunc_subsecs(6);
        let applied: DateTime<Utc> = sqlx::query_scalar(&format!(
            "INSERT INTO {} AS r (resource_key, updated_at, touched_at) VALUES ($1, $2, $3) \
             ON CONFLICT (resource_key) DO UPDATE SET \
               updated_at = CASE WHEN r.touched_at < $4 OR r.updated_at <= EXCLUDED.updated_at \
                 THEN EXCLUDED.updated_at ELSE r.updated_at END, \
               touched_at = CASE WHEN r.touched_at < $4 OR r.updated_at <= EXCLUDED.updated_at \
                 THEN EXCLUDED.touched_at ELSE r.touched_at END \
             RETURNING updated_at",
            t.resources
        ))
        .bind(resource)
        .bind(updated_at)
        .bind(now)
        .bind(cutoff)
        .fetch_one(&mut *conn)
        .await
        .map_err(db("dedup record"))?;
        Ok(if applied > updated_at {
            DedupVerdict::Stale { applied }
        } else {
            DedupVerdict::New
        })
    }

    /// [`DedupStore::forget`] with this module's error.
    ///
    /// # Errors
    /// [`PgError::Database`] when the statement fails.
    pub async fn try_forget(&self, event_key: &str) -> Result<(), PgError> {
        sqlx::query(&format!(
            "DELETE FROM {} WHERE event_key = $1",
            self.fleet.tables().events
        ))
        .bind(event_key)
        .execute(self.fleet.pool())
        .await
        .map_err(db("dedup forget"))?;
        Ok(())
    }

    /// Deletes the events and resource versions older than the retention window at `now`;
    /// answers how many rows went. Run it now and then (an hourly job is plenty): entries past
    /// the window already count as absent, so this only bounds the tables.
    ///
    /// # Errors
    /// [`PgError::Database`] when a statement fails.
    pub async fn purge(&self, now: DateTime<Utc>) -> Result<u64, PgError> {
        let t = self.fleet.tables();
        let cutoff = now.checked_sub_signed(self.retention).unwrap_or(now);
        let events = sqlx::query(&format!("DELETE FROM {} WHERE seen_at < $1", t.events))
            .bind(cutoff)
            .execute(self.fleet.pool())
            .await
            .map_err(db("dedup purge"))?;
        let resources = sqlx::query(&format!(
            "DELETE FROM {} WHERE touched_at < $1",
            t.resources
        ))
        .bind(cutoff)
        .execute(self.fleet.pool())
        .await
        .map_err(db("dedup purge"))?;
        Ok(events.rows_affected() + resources.rows_affected())
    }
}

fn backend(operation: PortOperation, error: PgError) -> DedupError {
    PortError::Unavailable {
        operation,
        source: Box::new(error),
    }
}

#[async_trait]
impl DedupStore for PgDedupStore {
    async fn record(
        &self,
        entry: &DedupEntry,
        now: DateTime<Utc>,
    ) -> Result<DedupVerdict, DedupError> {
        self.try_record(entry, now)
            .await
            .map_err(|e| backend(PortOperation::DedupRecord, e))
    }

    async fn forget(&self, event_key: &str) -> Result<(), DedupError> {
        self.try_forget(event_key)
            .await
            .map_err(|e| backend(PortOperation::DedupForget, e))
    }
}

/// What [`PgInbox::accept`] did with a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InboxVerdict {
    /// A new delivery: its work is in the queue. `item` is the new queue item, or `None` when
    /// the same work (same dedup key) was already waiting and the two were merged.
    Enqueued {
        /// The queue item, when one was added.
        item: Option<i64>,
    },
    /// The delivery was seen before: nothing was queued.
    Duplicate,
    /// A new delivery about a resource already seen at a later version: nothing was queued.
    Stale {
        /// The latest `updated_at` recorded for the resource.
        applied: DateTime<Utc>,
    },
}

/// The webhook inbox: a verified delivery is deduplicated and, when new, its work is put in
/// the queue, in one transaction. A delivery is thus never recorded without its work (nor
/// queued twice), and no [`DedupStore::forget`] is needed when queuing fails: the transaction
/// keeps neither, and the receiver answers an error status so that Shopify delivers again.
///
/// Capture is so decoupled from posting: the receiver only accepts deliveries, and workers
/// take the work from the queue ([`PgWorkQueue::take`]) at their own pace.
#[derive(Debug, Clone)]
pub struct PgInbox {
    dedup: PgDedupStore,
    queue: PgWorkQueue,
}

impl PgInbox {
    pub(super) fn new(dedup: PgDedupStore, queue: PgWorkQueue) -> Self {
        Self { dedup, queue }
    }

    /// The dedup store.
    #[must_use]
    pub fn dedup(&self) -> &PgDedupStore {
        &self.dedup
    }

    /// The queue the work goes to.
    #[must_use]
    pub fn queue(&self) -> &PgWorkQueue {
        &self.queue
    }

    /// Records the delivery `entry` and, when it is new, queues `work` under `dedup_key` (work
    /// with the same key already waiting absorbs it), all at `now`.
    ///
    /// # Errors
    /// [`PgError::Payload`] when `work` does not serialise, [`PgError::Database`] when a
    /// statement fails; nothing is recorded or queued then.
    pub async fn accept<T: Serialize + Sync>(
        &self,
        entry: &DedupEntry,
        work: &T,
        dedup_key: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<InboxVerdict, PgError> {
        let payload =
            serde_json::to_string(work).map_err(|source| PgError::Payload { item: 0, source })?;
        let mut tx = self
            .dedup
            .fleet
            .pool()
            .begin()
            .await
            .map_err(db("inbox accept"))?;
        let verdict = match self.dedup.record_in(&mut tx, entry, now).await? {
            DedupVerdict::Duplicate => InboxVerdict::Duplicate,
            DedupVerdict::Stale { applied } => InboxVerdict::Stale { applied },
            DedupVerdict::New => {
                let item = self
                    .queue
                    .enqueue_in(&mut tx, &payload, dedup_key, now)
                    .await?;
                InboxVerdict::Enqueued { item }
            }
        };
        tx.commit().await.map_err(db("inbox accept"))?;
        Ok(verdict)
    }
}
