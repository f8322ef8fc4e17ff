//! Inventory levels with named quantities.

use futures::stream::{BoxStream, StreamExt};

use super::client::{Client, GraphQlRequest};
use super::documents::{LEVELS, LEVELS_BY_ID, SET_QUANTITIES};
use super::error::Error;
use super::ids::{InventoryItemId, InventoryLevelId, LocationId};
use super::model::{
    InventoryLevel, InventorySetQuantitiesInput, InventorySetQuantitiesPayload, QuantityName,
};
use super::pagination::PageOptions;

/// Most quantities Shopify accepts in one input array.
pub const MAX_INPUT_ITEMS: usize = 250;

/// Levels read per `nodes(ids:)` query in [`Client::inventory_levels_by_id`]: each costs a
/// few points, so 100 keep a query well inside the 1,000-point limit.
pub const LEVELS_PER_QUERY: usize = 100;

#[derive(serde::Deserialize)]
struct NodesData {
    nodes: Vec<Option<InventoryLevel>>,
}

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

    /// The levels of the given items at the given locations, read by ID with `nodes(ids:)`
    /// ([`LEVELS_PER_QUERY`] per query): what an event-driven push reads instead of every
    /// level of every location. An item not stocked at a location has no level there and is
    /// simply absent from the answer. Level IDs are formed as Shopify forms them,
    /// `gid://shopify/InventoryLevel/{location}?inventory_item_id={item}`.
    ///
    /// # Errors
    /// The errors of [`Client::query`].
    pub async fn inventory_levels_by_id(
        &self,
        items: &[InventoryItemId],
        locations: &[LocationId],
        names: &[QuantityName],
    ) -> Result<Vec<(LocationId, InventoryLevel)>, Error> {
        let names: Vec<&str> = names.iter().map(|n| n.as_str()).collect();
        let mut ids = Vec::with_capacity(items.len() * locations.len());
        for location in locations {
            for item in items {
                let gid = format!(
                    "gid://shopify/InventoryLevel/{}?inventory_item_id={}",
                    location.numeric_id(),
                    item.numeric_id()
                );
                ids.push((location, InventoryLevelId::parse(&gid)?));
            }
        }
        let mut levels = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(LEVELS_PER_QUERY) {
            let request = GraphQlRequest::query(LEVELS_BY_ID, "InventoryLevelsById")
                .variable("ids", chunk.iter().map(|(_, id)| id).collect::<Vec<_>>())?
                .variable("names", &names)?;
            let data: NodesData = self.query(&request).await?;
            // `nodes` answers in the order asked, null where there is no such level.
            for ((location, _), node) in chunk.iter().zip(data.nodes) {
                if let Some(level) = node {
                    levels.push(((*location).clone(), level));
                }
            }
        }
        Ok(levels)
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
