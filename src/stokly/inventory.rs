//! Stock levels and adjustments.

use futures::stream::{self, BoxStream, StreamExt};
use reqwest::Method;

use super::client::Client;
use super::endpoints;
use super::error::{Error, invalid};
use super::filter::Filter;
use super::ids::{AdjustmentId, BinId, LocationId};
use super::model::{InventoryRecord, NewAdjustment, RecordLevel};
use super::pagination::ListQuery;
use crate::http::Idempotence;

/// The filter that keeps the rows of one [`RecordLevel`] of `/v1/inventory-records`:
///
/// - [`RecordLevel::Bin`]: `[binId]!={UNASSIGNED}` (seen);
/// - [`RecordLevel::Location`]: `[locationId]!={UNASSIGNED}&&[binId]=={UNASSIGNED}` (seen);
/// - [`RecordLevel::Item`]: `[locationId]=={UNASSIGNED}` (inferred).
///
/// # Errors
/// None in practice (the values are constants); the type is that of the filter builder.
pub fn record_level_filter(level: RecordLevel) -> Result<Filter, Error> {
    Ok(match level {
        RecordLevel::Bin => Filter::field("binId").ne(&BinId::UNASSIGNED)?,
        RecordLevel::Location => Filter::field("locationId")
            .ne(&LocationId::UNASSIGNED)?
            .and(Filter::field("binId").eq(&BinId::UNASSIGNED)?),
        RecordLevel::Item => Filter::field("locationId").eq(&LocationId::UNASSIGNED)?,
    })
}

impl Client {
    /// `GET /v1/inventory-records`: every row, aggregate rows included (see [`RecordLevel`]:
    /// do not sum rows of different levels).
    ///
    /// # Errors
    /// The stream yields the errors of [`Client::list_at`], then ends.
    pub fn inventory_records(
        &self,
        query: ListQuery,
    ) -> BoxStream<'static, Result<InventoryRecord, Error>> {
        self.list_at(endpoints::INVENTORY_RECORDS, query)
    }

    /// `GET /v1/inventory-records` restricted to one level, with `query`'s own filter added
    /// by `&&`.
    ///
    /// # Errors
    /// The stream yields the errors of [`Client::list_at`], then ends.
    pub fn inventory_records_at(
        &self,
        level: RecordLevel,
        query: ListQuery,
    ) -> BoxStream<'static, Result<InventoryRecord, Error>> {
        match record_level_filter(level) {
            Ok(filter) => self.inventory_records(query.and_filter(filter)),
            Err(e) => stream::once(async move { Err(e) }).boxed(),
        }
    }

    /// `POST /v1/adjustments`: signed changes to on-hand stock in one bin. Returns the
    /// adjustment's ID when Stokly sends one (no source shows the answer).
    ///
    /// Never retried after an uncertain failure: a repeated delta would be applied twice.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the field (blank `reason`, no `items`, a zero
    /// `items[i].quantity`); [`Error::Api`], [`Error::Transport`], [`Error::Grant`],
    /// [`Error::Encode`] (a quantity a JSON number cannot carry exactly).
    pub async fn create_adjustment(
        &self,
        adjustment: &NewAdjustment,
    ) -> Result<Option<AdjustmentId>, Error> {
        let op = "create_adjustment";
        if adjustment.reason.trim().is_empty() {
            return Err(invalid(op, "reason", "must not be blank"));
        }
        if adjustment.items.is_empty() {
            return Err(invalid(op, "items", "must not be empty"));
        }
        if adjustment.location_id.is_unassigned() || adjustment.bin_id.is_unassigned() {
            return Err(invalid(
                op,
                "binId",
                "UNASSIGNED marks aggregate rows; adjust a real location and bin",
            ));
        }
        for (i, line) in adjustment.items.iter().enumerate() {
            if line.quantity.is_zero() {
                return Err(invalid(
                    op,
                    format!("items[{i}].quantity"),
                    "a zero change does nothing",
                ));
            }
        }
        let answer = self
            .write_at(
                Method::POST,
                endpoints::ADJUSTMENTS,
                Some(adjustment),
                Idempotence::Unsafe,
            )
            .await?;
        let id = serde_json::from_str::<serde_json::Value>(&answer.text)
            .ok()
            .and_then(|v| {
                v.get("data")
                    .and_then(|d| d.get("id"))
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_owned)
            });
        Ok(id.and_then(|id| AdjustmentId::new(id).ok()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_filters() {
        let render = |l| record_level_filter(l).unwrap().render();
        assert_eq!(render(RecordLevel::Bin), "[binId]!={UNASSIGNED}");
        assert_eq!(
            render(RecordLevel::Location),
            "[locationId]!={UNASSIGNED}&&[binId]=={UNASSIGNED}"
        );
        assert_eq!(render(RecordLevel::Item), "[locationId]=={UNASSIGNED}");
    }
}
