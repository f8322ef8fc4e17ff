//! Inventory levels with named quantities.

use futures::stream::{BoxStream, StreamExt};

use super::client::{Client, GraphQlRequest, decode};
use super::documents::{ITEM_LEVELS, LEVELS, SET_QUANTITIES};
use super::error::Error;
use super::ids::{InventoryItemId, InventoryLevelId, LocationId};
use super::model::{
    AbsentLevel, InventoryItemRef, InventoryLevel, InventoryQuantity, InventorySetQuantitiesInput,
    InventorySetQuantitiesPayload, ItemLevels, LevelAbsence, QuantityName,
};
use super::pagination::PageOptions;

/// Most quantities Shopify accepts in one input array.
pub const MAX_INPUT_ITEMS: usize = 250;

/// Inventory items read per `nodes(ids:)` query in [`Client::inventory_levels_of_items`]
/// (each answering its level at one location): the most IDs `nodes` takes. Shopify's requested
/// cost for `nodes(ids:)` does not grow with the number of IDs (recorded: the same document
/// cost 27 points for one, two and three IDs, 8 and 9 charged), and the document costs a few
/// points; even charged 3 points an item, 250 items stay under the 1,000-point query limit.
pub const LEVELS_PER_QUERY: usize = 250;

#[derive(serde::Deserialize)]
struct NodesData {
    nodes: Vec<serde_json::Value>,
}

/// An inventory item as `InventoryItemLevels` selects it (fields absent on another type).
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct ItemNode {
    #[serde(default)]
    id: Option<InventoryItemId>,
    #[serde(default)]
    sku: Option<String>,
    #[serde(default)]
    tracked: bool,
    #[serde(default)]
    inventory_level: Option<LevelNode>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct LevelNode {
    id: InventoryLevelId,
    updated_at: chrono::DateTime<chrono::Utc>,
    quantities: Vec<InventoryQuantity>,
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

    /// The levels of `items` at `locations`, read through the items: per location,
    /// `nodes(ids: [InventoryItem])` with `inventoryLevel(locationId:)`, [`LEVELS_PER_QUERY`]
    /// items per query. What an event-driven push reads instead of every level of every
    /// location.
    ///
    /// No level ID is ever built: Shopify's level IDs carry a number of its own, not the
    /// location's, and `nodes` answers `null` for an ID it did not mint. Every (item,
    /// location) pair asked for comes back either as a level (with the ID Shopify gave it) or
    /// in [`ItemLevels::absent`] with why and the node exactly as Shopify returned it.
    ///
    /// # Errors
    /// The errors of [`Client::query`]; [`Error::Decode`] for a node that is an inventory
    /// item but cannot be read as one.
    pub async fn inventory_levels_of_items(
        &self,
        items: &[InventoryItemId],
        locations: &[LocationId],
        names: &[QuantityName],
    ) -> Result<ItemLevels, Error> {
        const OPERATION: &str = "InventoryItemLevels";
        let names: Vec<&str> = names.iter().map(|n| n.as_str()).collect();
        let mut read = ItemLevels::default();
        for location in locations {
            for chunk in items.chunks(LEVELS_PER_QUERY) {
                let request = GraphQlRequest::query(ITEM_LEVELS, OPERATION)
                    .variable("ids", chunk)?
                    .variable("locationId", location)?
                    .variable("names", &names)?
                    .cost_hint(4.0);
                let data: NodesData = self.query(&request).await?;
                // `nodes` answers in the order asked; a short answer leaves the rest unknown.
                let mut nodes = data.nodes.into_iter();
                for item in chunk {
                    let node = nodes.next().unwrap_or(serde_json::Value::Null);
                    let returned = node.to_string();
                    let absent = |why| AbsentLevel {
                        item: item.clone(),
                        location: location.clone(),
                        why,
                        returned: returned.clone(),
                    };
                    let parsed: Option<ItemNode> = if node.is_null() {
                        None
                    } else {
                        Some(decode(OPERATION, None, node)?)
                    };
                    let Some(parsed) = parsed.filter(|n| n.id.as_ref() == Some(item)) else {
                        read.absent.push(absent(LevelAbsence::UnknownItem));
                        continue;
                    };
                    let Some(level) = parsed.inventory_level else {
                        read.absent.push(absent(LevelAbsence::NotStocked));
                        continue;
                    };
                    read.levels.push((
                        location.clone(),
                        InventoryLevel {
                            id: level.id,
                            updated_at: level.updated_at,
                            item: InventoryItemRef {
                                id: item.clone(),
                                sku: parsed.sku,
                                tracked: parsed.tracked,
                            },
                            quantities: level.quantities,
                        },
                    ));
                }
            }
        }
        Ok(read)
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
        // The key comes from the input type, the one derivation the inventory plan uses too.
        let key = input
            .idempotency_key()
            .map_err(|e| invalid("input", e.to_string()))?;
        let request =
            GraphQlRequest::mutation(SET_QUANTITIES, InventorySetQuantitiesInput::OPERATION)
                .variable("input", input)?
                .idempotent_with_key("idempotencyKey", key)
                .cost_hint(10.0);
        let data: SetData = self.query(&request).await?;
        data.payload.ok_or_else(|| Error::MissingPayload {
            operation: "InventorySetQuantities".to_owned(),
            detail: "no inventorySetQuantities payload",
        })
    }
}
