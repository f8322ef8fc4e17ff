//! Inventory levels with named quantities.

use futures::stream::{BoxStream, StreamExt};

use super::client::{Client, GraphQlRequest};
use super::documents::{LEVELS, SET_QUANTITIES};
use super::error::Error;
use super::ids::LocationId;
use super::model::{
    InventoryLevel, InventorySetQuantitiesInput, InventorySetQuantitiesPayload, QuantityName,
};
use super::pagination::PageOptions;

/// Most quantities Shopify accepts in one input array.
pub const MAX_INPUT_ITEMS: usize = 250;

#[derive(serde::Deserialize)]
struct SetData {
    #[serde(rename = "inventorySetQuantities")]
    payload: Option<InventorySetQuantitiesPayload>,
}

impl Client {
    /// The inventory levels at a location with the named quantities asked for, paged.
    pub fn inventory_levels(
        &self,
        location: &LocationId,
        names: &[QuantityName],
        options: PageOptions,
    ) -> BoxStream<'static, Result<InventoryLevel, Error>> {
        let names: Vec<&str> = names.iter().map(|n| n.as_str()).collect();
        let request = GraphQlRequest::query(LEVELS, "LocationInventoryLevels")
            .variable("locationId", location)
            .and_then(|r| r.variable("names", names));
        match request {
            Ok(r) => self.paginate(r, &["location", "inventoryLevels"], options),
            Err(e) => futures::stream::once(async move { Err(e) }).boxed(),
        }
    }

    /// Sets absolute quantities with `inventorySetQuantities`, with compare-and-set
    /// (`changeFromQuantity`, always sent) and an `@idempotent(key:)` derived from the input,
    /// so that a retry of the same batch is applied once.
    ///
    /// `userErrors` (such as `CHANGE_FROM_QUANTITY_STALE` for a quantity someone else changed)
    /// are returned in the payload for the caller to map back to the quantities they name.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] before sending for an empty or over-250 batch, a name other
    /// than `available`/`on_hand`, or the same (item, location) twice; otherwise the errors of
    /// [`Client::query`].
    pub async fn set_inventory_quantities(
        &self,
        input: &InventorySetQuantitiesInput,
    ) -> Result<InventorySetQuantitiesPayload, Error> {
        let invalid = |argument, reason: String| Error::InvalidArgument {
            operation: "InventorySetQuantities".to_owned(),
            argument,
            reason,
        };
        if input.quantities.is_empty() || input.quantities.len() > MAX_INPUT_ITEMS {
            return Err(invalid(
                "input.quantities",
                format!(
                    "must hold 1 to {MAX_INPUT_ITEMS} quantities, got {}",
                    input.quantities.len()
                ),
            ));
        }
        if !matches!(input.name.as_str(), "available" | "on_hand") {
            return Err(invalid(
                "input.name",
                format!("must be available or on_hand, got {:?}", input.name),
            ));
        }
        let mut pairs = std::collections::HashSet::new();
        for (i, q) in input.quantities.iter().enumerate() {
            if !pairs.insert((&q.inventory_item_id, &q.location_id)) {
                return Err(invalid(
                    "input.quantities",
                    format!(
                        "quantity {i} repeats item {} at location {}",
                        q.inventory_item_id, q.location_id
                    ),
                ));
            }
        }
        let request = GraphQlRequest::mutation(SET_QUANTITIES, "InventorySetQuantities")
            .variable("input", input)?
            .idempotent("idempotencyKey")
            .cost_hint(10.0);
        let data: SetData = self.query(&request).await?;
        data.payload.ok_or_else(|| Error::MissingPayload {
            operation: "InventorySetQuantities".to_owned(),
            detail: "no inventorySetQuantities payload",
        })
    }
}
