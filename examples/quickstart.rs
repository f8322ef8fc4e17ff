//! The quick start: both clients against the sandbox, reading a seeded shop and Stokly account.
//!
//! Run with:
//! ```sh
//! cargo run --example quickstart
//! ```
//!
//! By default it starts the two emulators (feature `sandbox`, on for examples) with a seeded
//! scenario: 40 SKUs, 4 bundles, 2 warehouses, 12 orders, and deliberate catalogue defects
//! (SKUs only Shopify knows, a duplicate SKU, a blank SKU). It then reads both sides through the
//! real clients and prints what they hold.
//!
//! To read real accounts instead, set all of:
//!
//! - `SHOPIFY_SHOP` (`name.myshopify.com`) and `SHOPIFY_ACCESS_TOKEN` (scopes `read_products`,
//!   `read_inventory`, `read_locations`);
//! - `STOKLY_ACCOUNT_KEY`, `STOKLY_CLIENT_ID`, `STOKLY_CLIENT_SECRET` (and optionally
//!   `STOKLY_BASE_URL`, default `https://api.stok.ly`).

use std::collections::HashMap;

use futures::TryStreamExt;
use stokly_shopify::sandbox::{
    SandboxClock, ScenarioBuilder, ShopifyConfig, ShopifyEmulator, StoklyConfig, StoklyEmulator,
    StoklyState,
};
use stokly_shopify::shopify::model::QuantityName;
use stokly_shopify::shopify::{self, PageOptions};
use stokly_shopify::stokly::model::ItemFormat;
use stokly_shopify::stokly::{self, ListQuery};

type Failure = Box<dyn std::error::Error>;

struct Clients {
    shopify: shopify::Client,
    stokly: stokly::Client,
    _emulators: Option<(ShopifyEmulator, StoklyEmulator)>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

async fn clients() -> Result<Clients, Failure> {
    if let (Some(shop), Some(token), Some(account), Some(id), Some(secret)) = (
        env("SHOPIFY_SHOP"),
        env("SHOPIFY_ACCESS_TOKEN"),
        env("STOKLY_ACCOUNT_KEY"),
        env("STOKLY_CLIENT_ID"),
        env("STOKLY_CLIENT_SECRET"),
    ) {
        println!("reading the real shop {shop} and Stokly account {account}");
        let mut stokly = stokly::Client::builder()
            .account_key(account)
            .client_id(id)
            .client_secret(secret);
        if let Some(url) = env("STOKLY_BASE_URL") {
            stokly = stokly.base_url(url);
        }
        return Ok(Clients {
            shopify: shopify::Client::builder()
                .shop(shop)
                .access_token(token)
                .build()?,
            stokly: stokly.build()?,
            _emulators: None,
        });
    }
    let scenario = ScenarioBuilder::new(2026)
        .skus(40)
        .bundles(4)
        .locations(2)
        .orders(12)
        .unknown_skus(2)
        .duplicate_skus(1)
        .blank_skus(1)
        .build();
    let clock = SandboxClock::new(scenario.epoch, 1.0);
    let shopify_emu = ShopifyEmulator::start(
        scenario.shopify_state("acme-sandbox.myshopify.com"),
        ShopifyConfig::standard_plan(),
        clock.clone(),
    )
    .await?;
    let stokly_emu = StoklyEmulator::start(
        StoklyState::from_scenario(&scenario, "acme"),
        StoklyConfig::default(),
        clock,
    )
    .await?;
    println!(
        "sandbox: Shopify at {}, Stokly at {}",
        shopify_emu.uri(),
        stokly_emu.uri()
    );
    println!(
        "scenario seed {} with {} deliberate defects:",
        scenario.seed,
        scenario.defects.len()
    );
    for d in &scenario.defects {
        println!("  {:?} {:?} on {:?}", d.kind, d.sku, d.product_title);
    }
    println!(
        "{} orders in the Shopify emulator",
        shopify_emu.with_state(|s| s.orders.len())
    );
    Ok(Clients {
        shopify: shopify_emu.client_builder().build()?,
        stokly: stokly_emu.client_builder().build()?,
        _emulators: Some((shopify_emu, stokly_emu)),
    })
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let c = clients().await?;

    let shop = c.shopify.shop().await?;
    println!(
        "\nShopify: {} ({}), currency {}",
        shop.name, shop.myshopify_domain, shop.currency_code
    );
    let locations: Vec<_> = c
        .shopify
        .locations(PageOptions::default())
        .try_collect()
        .await?;
    let variants: Vec<_> = c
        .shopify
        .product_variants(None, PageOptions::default())
        .try_collect()
        .await?;
    let bundles = variants.iter().filter(|v| v.requires_components).count();
    let blank = variants
        .iter()
        .filter(|v| v.sku.as_deref().is_none_or(str::is_empty))
        .count();
    let mut per_sku: HashMap<&str, usize> = HashMap::new();
    for v in &variants {
        if let Some(sku) = v.sku.as_deref() {
            *per_sku.entry(sku).or_default() += 1;
        }
    }
    let duplicated = per_sku.values().filter(|n| **n > 1).count();
    println!(
        "  {} locations, {} variants ({bundles} bundles, {blank} without SKU, {duplicated} SKU(s) on several variants)",
        locations.len(),
        variants.len()
    );
    if let Some(location) = locations.first() {
        let levels: Vec<_> = c
            .shopify
            .inventory_levels(
                &location.id,
                &[QuantityName::Available, QuantityName::OnHand],
                PageOptions::default(),
            )
            .try_collect()
            .await?;
        let available: i64 = levels
            .iter()
            .filter_map(|l| l.quantity(QuantityName::Available))
            .sum();
        println!(
            "  {}: {} stocked items, {available} units available",
            location.name,
            levels.len()
        );
    }
    if let Some(status) = c.shopify.throttle_status() {
        println!(
            "  cost bucket learned from responses: {}/{} points, restoring {}/s",
            status.currently_available, status.maximum_available, status.restore_rate
        );
    }

    let items: Vec<_> = c
        .stokly
        .items(ListQuery::new().page_size(1000))
        .try_collect()
        .await?;
    let stokly_locations: Vec<_> = c.stokly.locations(ListQuery::new()).try_collect().await?;
    let composites = items
        .iter()
        .filter(|i| i.format == Some(ItemFormat::Composite))
        .count();
    println!(
        "\nStokly: {} items ({composites} composites), {} locations",
        items.len(),
        stokly_locations.len()
    );
    let stokly_skus: std::collections::HashSet<&str> =
        items.iter().filter_map(|i| i.sku.as_deref()).collect();
    let mut missing: Vec<&str> = per_sku
        .keys()
        .copied()
        .filter(|s| !stokly_skus.contains(s))
        .collect();
    missing.sort_unstable();
    println!("  Shopify SKUs Stokly does not know (orders for them cannot post): {missing:?}");
    Ok(())
}
