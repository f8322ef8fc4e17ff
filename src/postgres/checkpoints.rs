//! Cursors per shop on PostgreSQL.

use chrono::{DateTime, Utc};

use super::{Fleet, PgError, db};

/// A cursor a flow resumes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Checkpoint {
    /// The incremental order poll: the `updated_at` (or cursor) it has read up to.
    OrderPoll,
    /// The payout read: the last payout reconciled.
    Payout,
    /// The inventory change feed: the last change applied.
    InventoryChange,
}

impl Checkpoint {
    /// The name stored: `order_poll`, `payout`, `inventory_change`.
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::OrderPoll => "order_poll",
            Self::Payout => "payout",
            Self::InventoryChange => "inventory_change",
        }
    }
}

/// Cursors per shop in the `{prefix}checkpoints` table. A value is the flow's own text (an
/// RFC 3339 time, an opaque cursor). [`PgCheckpoints::advance`] moves a cursor only from the
/// value its caller read, so two workers polling the same shop cannot move it backwards.
#[derive(Debug, Clone)]
pub struct PgCheckpoints {
    fleet: Fleet,
}

impl PgCheckpoints {
    pub(super) fn new(fleet: Fleet) -> Self {
        Self { fleet }
    }

    /// The cursor of `shop`, if one was stored.
    ///
    /// # Errors
    /// [`PgError::Database`] when the query fails.
    pub async fn get(&self, shop: &str, checkpoint: Checkpoint) -> Result<Option<String>, PgError> {
        sqlx::query_scalar(&format!(
            "SELECT value FROM {} WHERE shop = $1 AND name = $2",
            self.fleet.tables().checkpoints
        ))
        .bind(shop)
        .bind(checkpoint.as_str())
        .fetch_optional(self.fleet.pool())
        .await
        .map_err(db("checkpoint read"))
    }

    /// Stores `value` as the cursor of `shop`, whatever was there.
    ///
    /// # Errors
    /// [`PgError::Database`] when the statement fails.
    pub async fn set(
        &self,
        shop: &str,
        checkpoint: Checkpoint,
        value: &str,
        now: DateTime<Utc>,
    ) -> Result<(), PgError> {
        sqlx::query(&format!(
            "INSERT INTO {} (shop, name, value, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (shop, name) DO UPDATE SET value = EXCLUDED.value, \
               updated_at = EXCLUDED.updated_at",
            self.fleet.tables().checkpoints
        ))
        .bind(shop)
        .bind(checkpoint.as_str())
        .bind(value)
        .bind(now)
        .execute(self.fleet.pool())
        .await
        .map_err(db("checkpoint write"))?;
        Ok(())
    }

    /// Moves the cursor of `shop` from `from` (`None`: no cursor stored yet) to `to`, and
    /// answers whether it moved: `false` means another worker moved it first (read it again).
    ///
    /// # Errors
    /// [`PgError::Database`] when the statement fails.
    pub async fn advance(
        &self,
        shop: &str,
        checkpoint: Checkpoint,
        from: Option<&str>,
        to: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, PgError> {
        let table = &self.fleet.tables().checkpoints;
        let moved =
            match from {
                None => sqlx::query(&format!(
                    "INSERT INTO {table} (shop, name, value, updated_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (shop, name) DO NOTHING"
                ))
                .bind(shop)
                .bind(checkpoint.as_str())
                .bind(to)
                .bind(now)
                .execute(self.fleet.pool())
                .await,
                Some(from) => {
                    sqlx::query(&format!(
                        "UPDATE {table} SET value = $3, updated_at = $4 \
                 WHERE shop = $1 AND name = $2 AND value = $5"
                    ))
                    .bind(shop)
                    .bind(checkpoint.as_str())
                    .bind(to)
                    .bind(now)
                    .bind(from)
                    .execute(self.fleet.pool())
                    .await
                }
            }
            .map_err(db("checkpoint advance"))?;
        Ok(moved.rows_affected() == 1)
    }
}
