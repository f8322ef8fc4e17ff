//! The inventory push end to end on the sandbox: Shopify is brought to Stokly's stock, a second
//! run has nothing to do, a level changed between planning and writing is re-planned, and a
//! batch refused with an error naming no quantity is rejected whole, never re-sent.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code should fail loudly

use futures::TryStreamExt;
use stokly_shopify::adapters::catalogue::{CatalogueReadOptions, read_catalogue};
use stokly_shopify::adapters::inventory::{
    InventoryContext, apply_inventory_plan, inventory_items_in_scope, push_inventory,
    read_shopify_levels, read_stokly_records,
};
use stokly_shopify::domain::inventory::InventoryInputs;
use stokly_shopify::domain::inventory::{
    BufferRules, InventoryScope, LocationMap, SyncRun, plan_inventory_push,
};
use stokly_shopify::sandbox::{
    SandboxClock, ScenarioBuilder, ShopifyConfig, ShopifyEmulator, StoklyConfig, StoklyEmulator,
    StoklyState,
};
use stokly_shopify::shopify::PageOptions;
use stokly_shopify::shopify::model::LevelAbsence;
use stokly_shopify::stokly::ListQuery;

struct World {
    shopify: ShopifyEmulator,
    stokly: StoklyEmulator,
}

async fn world(hand_edits: usize) -> World {
    let scenario = ScenarioBuilder::new(44)
        .skus(40)
        .bundles(3)
        .locations(2)
        .build();
    let clock = SandboxClock::new(scenario.epoch, 50.0);
    let mut shopify_state = scenario.shopify_state("stock.myshopify.com");
    // Someone typed stock into Shopify by hand.
    let keys: Vec<(u64, u64)> = shopify_state
        .inventory
        .keys()
        .take(hand_edits)
        .copied()
        .collect();
    for (n, key) in keys.iter().enumerate() {
        shopify_state
            .inventory
            .get_mut(key)
            .unwrap()
            .insert("available".into(), 500 + n as i64);
    }
    let mut stokly_state = StoklyState::from_scenario(&scenario, "stock");
    stokly_state.link_shopify_listings(&shopify_state);
    World {
        shopify: ShopifyEmulator::start(
            shopify_state,
            ShopifyConfig::standard_plan(),
            clock.clone(),
        )
        .await
        .unwrap(),
        stokly: StoklyEmulator::start(stokly_state, StoklyConfig::default(), clock)
            .await
            .unwrap(),
    }
}

/// Each Shopify location fed by the Stokly location of the same name.
async fn location_map(w: &World) -> LocationMap {
    let shopify = w.shopify.client_builder().build().unwrap();
    let stokly = w.stokly.client_builder().build().unwrap();
    let s: Vec<_> = shopify
        .locations(PageOptions::default())
        .try_collect()
        .await
        .unwrap();
    let k: Vec<_> = stokly
        .locations(ListQuery::new())
        .try_collect()
        .await
        .unwrap();
    s.into_iter().fold(LocationMap::new(), |map, l| {
        let feed = k
            .iter()
            .find(|x| x.name.as_deref() == Some(l.name.as_str()))
            .unwrap()
            .location_id
            .clone();
        map.with(l.id, [feed])
    })
}

/// Shopify `available` equals Stokly's on-hand for every stocked, tracked, simple item.
fn in_agreement(w: &World) -> usize {
    let shopify = w.shopify.state();
    let stokly = w.stokly.state();
    let mut checked = 0;
    for ((item, location), quantities) in &shopify.inventory {
        let variant = shopify.variant_by_inventory_item(*item).unwrap();
        let Some(sku) = variant.sku.as_deref() else {
            continue;
        };
        let Some(stokly_item) = stokly.item_by_sku(sku) else {
            continue;
        };
        let location_name = &shopify.locations[location].name;
        let stokly_location = stokly
            .locations
            .iter()
            .find(|l| l["name"] == location_name.as_str())
            .unwrap();
        let expected = stokly.on_hand_at(
            stokly_item["itemId"].as_str().unwrap(),
            stokly_location["locationId"].as_str().unwrap(),
        );
        assert_eq!(
            quantities["available"], expected,
            "{sku} at {location_name}"
        );
        checked += 1;
    }
    checked
}

#[tokio::test]
async fn shopify_is_brought_to_stokly_and_a_second_run_does_nothing() {
    let w = world(6).await;
    let shopify = w.shopify.client_builder().build().unwrap();
    let stokly = w.stokly.client_builder().build().unwrap();
    let index = read_catalogue(&shopify, &stokly, &CatalogueReadOptions::default())
        .await
        .unwrap()
        .into_index();
    let locations = location_map(&w).await;
    let buffers = BufferRules::new();
    let context = InventoryContext::new(&index, &locations, &buffers, &[]);

    let first = push_inventory(
        &shopify,
        &stokly,
        context,
        &InventoryScope::All,
        &SyncRun::new("full-1"),
        2,
    )
    .await
    .unwrap();
    assert_eq!(first.written, 6, "{:?}", first.rejected);
    assert_eq!(first.calls, 1);
    assert!(first.rejected.is_empty() && first.still_stale.is_empty());
    assert_eq!(in_agreement(&w), 80, "40 simple items at 2 locations");
    let pushes: Vec<_> = w
        .shopify
        .requests()
        .into_iter()
        .filter(|r| r.operation == "InventorySetQuantities")
        .collect();
    assert!(
        pushes
            .iter()
            .all(|p| p.variables["input"]["referenceDocumentUri"]
                == "gid://stokly-shopify/InventorySync/full-1")
    );

    let second = push_inventory(
        &shopify,
        &stokly,
        context,
        &InventoryScope::All,
        &SyncRun::new("full-2"),
        2,
    )
    .await
    .unwrap();
    assert_eq!((second.calls, second.written), (0, 0));
}

#[tokio::test]
async fn a_level_sold_between_planning_and_writing_is_replanned() {
    let w = world(3).await;
    let shopify = w.shopify.client_builder().build().unwrap();
    let stokly = w.stokly.client_builder().build().unwrap();
    let index = read_catalogue(&shopify, &stokly, &CatalogueReadOptions::default())
        .await
        .unwrap()
        .into_index();
    let locations = location_map(&w).await;
    let buffers = BufferRules::new();
    let context = InventoryContext::new(&index, &locations, &buffers, &[]);
    let records = read_stokly_records(&stokly).await.unwrap();
    let levels = read_shopify_levels(&shopify, &locations).await.unwrap();
    let inputs = InventoryInputs {
        index: &index,
        stokly_records: &records,
        locations: &locations,
        buffers: &buffers,
        in_flight: &[],
        shopify_levels: &levels,
    };
    let plan = plan_inventory_push(inputs, &InventoryScope::All, &SyncRun::new("cas"));
    assert_eq!(plan.batches[0].levels.len(), 3);
    // A sale lands in Shopify after the plan was made.
    let sold = &plan.batches[0].levels[1];
    let key = (
        sold.inventory_item_id.numeric_id(),
        sold.location_id.numeric_id(),
    );
    w.shopify.with_state(|s| {
        *s.inventory
            .get_mut(&key)
            .unwrap()
            .get_mut("available")
            .unwrap() -= 1
    });

    let report = apply_inventory_plan(&shopify, context, &records, plan, 2)
        .await
        .unwrap();
    // The batch is refused whole (one stale quantity); the two others go again at once,
    // unchanged, and only the stale one is read again and re-planned.
    assert_eq!(report.replanned, 1);
    assert_eq!(report.written, 3);
    assert!(report.still_stale.is_empty() && report.rejected.is_empty());
    assert_eq!(in_agreement(&w), 80);
}

#[tokio::test]
async fn an_event_driven_push_reads_only_the_changed_items_levels() {
    let w = world(0).await;
    let shopify = w.shopify.client_builder().build().unwrap();
    let stokly = w.stokly.client_builder().build().unwrap();
    let index = read_catalogue(&shopify, &stokly, &CatalogueReadOptions::default())
        .await
        .unwrap()
        .into_index();
    let locations = location_map(&w).await;
    let buffers = BufferRules::new();
    let context = InventoryContext::new(&index, &locations, &buffers, &[]);
    // Two simple items change in Shopify by hand; Stokly says they changed (the event).
    let changed: Vec<_> = index
        .stokly_items()
        .iter()
        .filter(|i| !i.is_composite())
        .take(2)
        .cloned()
        .collect();
    let mut touched = 0;
    w.shopify.with_state(|s| {
        for item in &changed {
            let variant = s
                .variants
                .values()
                .find(|v| v.sku.as_deref() == item.sku.as_deref())
                .unwrap()
                .inventory_item_id;
            for ((inventory_item, _), q) in s.inventory.iter_mut() {
                if *inventory_item == variant {
                    *q.get_mut("available").unwrap() += 7;
                    touched += 1;
                }
            }
        }
    });
    assert_eq!(touched, 4, "two items at two locations");
    let scope = InventoryScope::Items(changed.iter().map(|i| i.id.clone()).collect());
    let in_scope = inventory_items_in_scope(&index, scope_items(&scope));
    assert_eq!(in_scope.len(), 2);
    let before = w.shopify.requests().len();
    let stokly_before = w.stokly.requests().len();
    let report = push_inventory(
        &shopify,
        &stokly,
        context,
        &scope,
        &SyncRun::new("event"),
        2,
    )
    .await
    .unwrap();
    assert_eq!((report.calls, report.written), (1, touched));
    assert_eq!(in_agreement(&w), 80);
    let operations: Vec<String> = w.shopify.requests()[before..]
        .iter()
        .map(|r| r.operation.clone())
        .collect();
    // One read of the two items' levels per location (through the items), one write; no
    // location-wide read.
    assert_eq!(
        operations,
        [
            "InventoryItemLevels",
            "InventoryItemLevels",
            "InventorySetQuantities"
        ]
    );
    assert!(report.absent.is_empty(), "{:?}", report.absent);
    // Stokly: one read of the two items' records.
    let stokly_reads: Vec<_> = w.stokly.requests()[stokly_before..]
        .iter()
        .filter(|r| r.path != "/v1/grant")
        .cloned()
        .collect();
    assert_eq!(stokly_reads.len(), 1, "{stokly_reads:?}");
    assert_eq!(stokly_reads[0].path, "/v1/inventory-records");
    assert!(
        stokly_reads[0]
            .filter
            .as_deref()
            .unwrap()
            .starts_with("[itemId]=*{")
    );
    // Never a level ID: inventory item IDs, with the location asked for.
    for read in &w.shopify.requests()[before..before + 2] {
        let ids = read.variables["ids"].as_array().unwrap();
        assert_eq!(ids.len(), 2);
        assert!(ids.iter().all(|id| {
            id.as_str()
                .unwrap()
                .starts_with("gid://shopify/InventoryItem/")
        }));
        assert!(
            read.variables["locationId"]
                .as_str()
                .unwrap()
                .starts_with("gid://shopify/Location/")
        );
    }
}

fn scope_items(
    scope: &InventoryScope,
) -> &std::collections::BTreeSet<stokly_shopify::stokly::ItemId> {
    match scope {
        InventoryScope::Items(items) => items,
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn a_batch_wide_user_error_rejects_every_level_of_the_batch_and_is_not_resent() {
    use wiremock::matchers::{body_partial_json, method};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let w = world(3).await;
    let shopify = w.shopify.client_builder().build().unwrap();
    let stokly = w.stokly.client_builder().build().unwrap();
    let index = read_catalogue(&shopify, &stokly, &CatalogueReadOptions::default())
        .await
        .unwrap()
        .into_index();
    let locations = location_map(&w).await;
    let buffers = BufferRules::new();
    let context = InventoryContext::new(&index, &locations, &buffers, &[]);
    let records = read_stokly_records(&stokly).await.unwrap();
    let levels = read_shopify_levels(&shopify, &locations).await.unwrap();
    let inputs = InventoryInputs {
        index: &index,
        stokly_records: &records,
        locations: &locations,
        buffers: &buffers,
        in_flight: &[],
        shopify_levels: &levels,
    };
    let plan = plan_inventory_push(inputs, &InventoryScope::All, &SyncRun::new("wide"));
    assert_eq!(plan.batches.len(), 1);
    let planned = plan.batches[0].levels.clone();
    assert_eq!(planned.len(), 3);

    // The write goes to a Shopify that refuses the batch with an error naming no quantity
    // (and a stale one naming the second quantity).
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_partial_json(
            serde_json::json!({"operationName": "InventorySetQuantities"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"data": {"inventorySetQuantities": {
            "inventoryAdjustmentGroup": null,
            "userErrors": [
                {"field": null, "code": "IDEMPOTENCY_KEY_PARAMETER_MISMATCH", "message": "The same idempotency key was used with different parameters."},
                {"field": ["input", "quantities", "1"], "code": "CHANGE_FROM_QUANTITY_STALE", "message": "stale"}
            ]
        }}})))
        .mount(&server)
        .await;
    let refusing = stokly_shopify::shopify::Client::builder()
        .shop("stock.myshopify.com")
        .access_token("shpat_test")
        .base_url(server.uri())
        .build()
        .unwrap();
    let report = apply_inventory_plan(&refusing, context, &records, plan, 2)
        .await
        .unwrap();

    // One call only: nothing is re-planned (no level read) and nothing is sent again.
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    assert_eq!((report.calls, report.written, report.replanned), (1, 0, 0));
    assert!(report.still_stale.is_empty());
    let rejected: Vec<(u64, u64, Option<&str>, Option<usize>)> = report
        .rejected
        .iter()
        .map(|(level, error)| {
            (
                level.inventory_item_id.numeric_id(),
                level.location_id.numeric_id(),
                error.code.as_ref().map(|c| c.as_str()),
                error.input_index(),
            )
        })
        .collect();
    let key = |i: usize| {
        (
            planned[i].inventory_item_id.numeric_id(),
            planned[i].location_id.numeric_id(),
        )
    };
    let wide = Some("IDEMPOTENCY_KEY_PARAMETER_MISMATCH");
    assert_eq!(
        rejected,
        vec![
            (key(0).0, key(0).1, wide, None),
            (key(1).0, key(1).1, wide, None),
            (key(2).0, key(2).1, wide, None),
            (
                key(1).0,
                key(1).1,
                Some("CHANGE_FROM_QUANTITY_STALE"),
                Some(1)
            ),
        ]
    );
}

/// 600 SKUs at two locations (1,200 levels), every one typed into Shopify wrong by hand, with
/// sales landing in Shopify at `sale_every` while each request takes `request_time`.
async fn busy_world(sale_every_ms: u64, request_time_ms: u64) -> World {
    use std::time::Duration;
    use stokly_shopify::sandbox::shopify::SalesChurn;
    let scenario = ScenarioBuilder::new(12)
        .skus(600)
        .bundles(0)
        .locations(2)
        .orders(0)
        .build();
    let clock = SandboxClock::new(scenario.epoch, 50.0);
    let mut shopify_state = scenario.shopify_state("busy.myshopify.com");
    for (n, quantities) in shopify_state.inventory.values_mut().enumerate() {
        quantities.insert("available".into(), 1_000 + n as i64);
    }
    let mut stokly_state = StoklyState::from_scenario(&scenario, "busy");
    stokly_state.link_shopify_listings(&shopify_state);
    let churn = SalesChurn::new(
        Duration::from_millis(sale_every_ms),
        Duration::from_millis(request_time_ms),
    )
    .with_seed(7);
    World {
        shopify: ShopifyEmulator::start(
            shopify_state,
            ShopifyConfig::standard_plan().with_sales(churn),
            clock.clone(),
        )
        .await
        .unwrap(),
        stokly: StoklyEmulator::start(stokly_state, StoklyConfig::default(), clock)
            .await
            .unwrap(),
    }
}

/// A full push of the busy world with at most 3 re-plans: (levels written, levels planned,
/// sales made, calls, the report).
async fn busy_push(
    sale_every_ms: u64,
    request_time_ms: u64,
) -> (
    usize,
    usize,
    u64,
    stokly_shopify::adapters::inventory::InventoryPushReport,
) {
    let w = busy_world(sale_every_ms, request_time_ms).await;
    let shopify = w.shopify.client_builder().build().unwrap();
    let stokly = w.stokly.client_builder().build().unwrap();
    let index = read_catalogue(&shopify, &stokly, &CatalogueReadOptions::default())
        .await
        .unwrap()
        .into_index();
    let locations = location_map(&w).await;
    let buffers = BufferRules::new();
    let context = InventoryContext::new(&index, &locations, &buffers, &[]);
    let records = read_stokly_records(&stokly).await.unwrap();
    let levels = read_shopify_levels(&shopify, &locations).await.unwrap();
    let inputs = InventoryInputs {
        index: &index,
        stokly_records: &records,
        locations: &locations,
        buffers: &buffers,
        in_flight: &[],
        shopify_levels: &levels,
    };
    let plan = plan_inventory_push(inputs, &InventoryScope::All, &SyncRun::new("busy"));
    let planned = plan.levels().count();
    let report = apply_inventory_plan(&shopify, context, &records, plan, 3)
        .await
        .unwrap();
    (report.written, planned, w.shopify.sales_made(), report)
}

/// Liveness under live sales. Each request takes 25 ms of emulated time; at a sale every
/// 10 ms the old push (one stale quantity refused its whole batch of 250, and the whole batch
/// was re-planned) wrote 450 of the 1,200 levels within 3 re-plans, and at a sale every 2 ms
/// it wrote none. The push now resends the quantities a refusal did not name at once, in
/// batches sized by how fast levels go stale, and re-plans only the stale ones.
#[tokio::test]
async fn a_push_under_a_sale_every_2_ms_writes_at_least_99_percent_within_3_replans() {
    for sale_every_ms in [10, 2] {
        let (written, planned, sales, report) = busy_push(sale_every_ms, 25).await;
        println!(
            "sale every {sale_every_ms} ms (25 ms a request): {written} of {planned} levels written \
             ({:.1}%), {} calls, {} quantities re-planned, {} still stale, {sales} sales meanwhile",
            100.0 * written as f64 / planned as f64,
            report.calls,
            report.replanned,
            report.still_stale.len(),
        );
        assert_eq!(planned, 1_200);
        assert!(sales > 0);
        assert!(report.rejected.is_empty(), "{:?}", report.rejected);
        assert_eq!(written + report.still_stale.len(), planned);
        assert!(
            written * 100 >= planned * 99,
            "sale every {sale_every_ms} ms: {written} of {planned} written"
        );
    }
}

/// An item in an event-driven push that is not stocked at one mapped location: the push
/// writes the other level and reports the missing one with what Shopify returned.
#[tokio::test]
async fn an_event_driven_push_reports_a_missing_level_with_shopifys_answer() {
    let w = world(0).await;
    let shopify = w.shopify.client_builder().build().unwrap();
    let stokly = w.stokly.client_builder().build().unwrap();
    let index = read_catalogue(&shopify, &stokly, &CatalogueReadOptions::default())
        .await
        .unwrap()
        .into_index();
    let locations = location_map(&w).await;
    let buffers = BufferRules::new();
    let context = InventoryContext::new(&index, &locations, &buffers, &[]);
    let changed = index
        .stokly_items()
        .iter()
        .find(|i| !i.is_composite())
        .cloned()
        .unwrap();
    let (inventory_item, gone, kept) = w.shopify.with_state(|s| {
        let item = s
            .variants
            .values()
            .find(|v| v.sku.as_deref() == changed.sku.as_deref())
            .unwrap()
            .inventory_item_id;
        let mut at: Vec<u64> = s
            .inventory
            .keys()
            .filter(|(i, _)| *i == item)
            .map(|(_, l)| *l)
            .collect();
        at.sort_unstable();
        // Unstocked at the first location; changed by hand at the second.
        s.inventory.remove(&(item, at[0]));
        *s.inventory
            .get_mut(&(item, at[1]))
            .unwrap()
            .get_mut("available")
            .unwrap() += 3;
        (item, at[0], at[1])
    });
    let scope = InventoryScope::Items([changed.id.clone()].into());
    let report = push_inventory(
        &shopify,
        &stokly,
        context,
        &scope,
        &SyncRun::new("missing"),
        2,
    )
    .await
    .unwrap();
    assert_eq!((report.calls, report.written), (1, 1));
    assert_eq!(
        w.shopify.state().inventory[&(inventory_item, kept)]["available"],
        {
            let stokly_state = w.stokly.state();
            let name = &w.shopify.state().locations[&kept].name;
            let location = stokly_state
                .locations
                .iter()
                .find(|l| l["name"] == name.as_str())
                .unwrap();
            stokly_state.on_hand_at(
                changed.id.as_str(),
                location["locationId"].as_str().unwrap(),
            )
        }
    );
    assert_eq!(report.absent.len(), 1, "{:?}", report.absent);
    let absent = &report.absent[0];
    assert_eq!(absent.item.numeric_id(), inventory_item);
    assert_eq!(absent.location.numeric_id(), gone);
    assert_eq!(absent.why, LevelAbsence::NotStocked);
    let returned: serde_json::Value = serde_json::from_str(&absent.returned).unwrap();
    assert_eq!(
        returned["id"],
        format!("gid://shopify/InventoryItem/{inventory_item}")
    );
    assert_eq!(returned["inventoryLevel"], serde_json::Value::Null);
}

/// A refusal whose errors name no quantity of the batch (an index beyond it) cannot be
/// resolved by sending again: the batch is rejected whole after one call.
#[tokio::test]
async fn a_refusal_naming_no_quantity_of_the_batch_is_rejected_not_resent() {
    use wiremock::matchers::{body_partial_json, method};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let w = world(3).await;
    let shopify = w.shopify.client_builder().build().unwrap();
    let stokly = w.stokly.client_builder().build().unwrap();
    let index = read_catalogue(&shopify, &stokly, &CatalogueReadOptions::default())
        .await
        .unwrap()
        .into_index();
    let locations = location_map(&w).await;
    let buffers = BufferRules::new();
    let context = InventoryContext::new(&index, &locations, &buffers, &[]);
    let records = read_stokly_records(&stokly).await.unwrap();
    let levels = read_shopify_levels(&shopify, &locations).await.unwrap();
    let inputs = InventoryInputs {
        index: &index,
        stokly_records: &records,
        locations: &locations,
        buffers: &buffers,
        in_flight: &[],
        shopify_levels: &levels,
    };
    let plan = plan_inventory_push(inputs, &InventoryScope::All, &SyncRun::new("beyond"));
    assert_eq!(plan.batches[0].levels.len(), 3);
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_partial_json(
            serde_json::json!({"operationName": "InventorySetQuantities"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"data": {"inventorySetQuantities": {
            "inventoryAdjustmentGroup": null,
            "userErrors": [{"field": ["input", "quantities", "7", "locationId"], "code": "INVALID_LOCATION", "message": "The specified location could not be found."}]
        }}})))
        .mount(&server)
        .await;
    let refusing = stokly_shopify::shopify::Client::builder()
        .shop("stock.myshopify.com")
        .access_token("shpat_test")
        .base_url(server.uri())
        .build()
        .unwrap();
    let report = apply_inventory_plan(&refusing, context, &records, plan, 2)
        .await
        .unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    assert_eq!((report.calls, report.written, report.replanned), (1, 0, 0));
    assert_eq!(report.rejected.len(), 3);
    assert!(report.still_stale.is_empty());
}
