//! Stokly price lists pushed to two Shopify shops on the sandbox: one on Shopify Plus (B2B
//! catalogs and price lists), one without (customer tags and metafields).
//!
//! Run with:
//! ```sh
//! cargo run --example sync_price_lists
//! ```
//!
//! Stokly holds a trade price list for two customers and 10,000 items (every 100th with a
//! quantity rule and two quantity price breaks, one more whose SKU no Shopify variant has).
//! The example
//! reads the list from the Stokly emulator (an **inferred** path: Stokly's price lists are not
//! public) and syncs it to:
//!
//! - a **Plus** shop: one company-location catalog and price list, 10,000 fixed prices in
//!   batches of 250 (40 calls; the output counts them and the `THROTTLED` answers), quantity
//!   rules and price breaks in one atomic `quantityPricingByVariantUpdate`; then a rerun that
//!   sends nothing, then a price changed in Stokly pushed alone, then an item's price breaks
//!   changed in Stokly (replaced whole in one update);
//! - a shop **without Plus**: the plan says checkout prices do not change; the customers are
//!   tagged and carry the list (with its prices) in a metafield; a rerun sends nothing.
//!
//! Against real accounts, point the two clients at Shopify and Stokly, set the price-list
//! paths with `InferredEndpoints::with_price_lists` (and `..._customers`, `..._items`), and
//! give the company locations the Stokly customer IDs as external IDs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // an example should fail loudly

use std::time::Instant;

use chrono::TimeZone;
use futures::TryStreamExt;
use rust_decimal::Decimal;
use stokly_shopify::adapters::exactly_once::{ShopifyWritePorts, SystemClock};
use stokly_shopify::adapters::price_lists::{
    PriceListSync, read_stokly_price_lists, sync_price_lists,
};
use stokly_shopify::domain::catalogue::{SkuIndex, StoklyCatalogue};
use stokly_shopify::domain::exception::DomainException;
use stokly_shopify::domain::posting::InMemoryPostingLedger;
use stokly_shopify::domain::price_list::PriceListConfig;
use stokly_shopify::money::CurrencyCode;
use stokly_shopify::sandbox::shopify::{Outcome, ShopifyState};
use stokly_shopify::sandbox::{
    SandboxClock, ShopifyConfig, ShopifyEmulator, StoklyConfig, StoklyEmulator, StoklyState,
};
use stokly_shopify::shopify::model::ProductStatus;
use stokly_shopify::shopify::{self, CustomerId, PageOptions};
use stokly_shopify::stokly;

const ITEMS: usize = 10_000;

struct Shop {
    emulator: ShopifyEmulator,
    client: shopify::Client,
    index: SkuIndex,
    config: PriceListConfig,
}

async fn shop(plus: bool, clock: &SandboxClock, customers: &[String]) -> Shop {
    let gbp = CurrencyCode::new("GBP").unwrap();
    let mut state = ShopifyState::new(
        if plus {
            "trade-plus.myshopify.com"
        } else {
            "trade.myshopify.com"
        },
        gbp,
    );
    state.set_shopify_plus(plus);
    let product = state.add_product("Trade range", ProductStatus::Active);
    for i in 0..ITEMS {
        state.add_variant(
            product,
            Some(&format!("TR-{i:05}")),
            None,
            Decimal::new(2000, 2),
            true,
            clock.now(),
        );
    }
    state.add_company_location("Acme Ltd, Leeds", Some(&customers[0]));
    state.add_company_location("Bolt & Co, York", Some(&customers[1]));
    let shopify_customers = [state.add_customer(), state.add_customer()];
    let emulator = ShopifyEmulator::start(state, ShopifyConfig::standard_plan(), clock.clone())
        .await
        .unwrap();
    let client = emulator.client_builder().build().unwrap();
    let variants: Vec<_> = client
        .product_variants(None, PageOptions::default())
        .try_collect()
        .await
        .unwrap();
    let index = SkuIndex::build(StoklyCatalogue::new(&[]), &variants);
    let locations: Vec<_> = client
        .company_locations(PageOptions::default())
        .try_collect()
        .await
        .unwrap();
    let mut config = PriceListConfig::new()
        .with_company_locations_by_external_id(&locations)
        .with_prices_in_metafield(true);
    for (stokly_customer, shopify_customer) in customers.iter().zip(shopify_customers) {
        config = config.with_customer(
            stokly::CustomerId::new(stokly_customer.clone()).unwrap(),
            CustomerId::try_from_numeric(shopify_customer).unwrap(),
        );
    }
    Shop {
        emulator,
        client,
        index,
        config,
    }
}

fn print_run(label: &str, shop: &Shop, sync: &PriceListSync, requests_before: usize) {
    let requests = shop.emulator.requests();
    let new = &requests[requests_before..];
    let price_calls = new
        .iter()
        .filter(|r| r.operation == "B2bFixedPricesAdd")
        .count();
    let throttled = new
        .iter()
        .filter(|r| r.outcome == Outcome::Throttled)
        .count();
    let r = &sync.report;
    println!("  {label}:");
    println!(
        "    plan: {} write calls, {} prices to set, {} drift entries, {} findings",
        sync.plan.calls(),
        sync.plan.prices_to_set(),
        sync.plan.drift.len(),
        sync.plan.findings.len()
    );
    println!(
        "    sent: {} calls ({} priceListFixedPricesAdd, {} THROTTLED); price lists {}, catalogs {}, \
         locations {}, prices {}, removed {}, rules {}, breaks {}, customers tagged {}, metafields {}, refused {}",
        r.calls,
        price_calls,
        throttled,
        r.price_lists_created,
        r.catalogs_created,
        r.locations_added,
        r.prices_set,
        r.prices_removed,
        r.rules_set,
        r.breaks_set,
        r.customers_tagged,
        r.metafields_set,
        r.refused.len()
    );
}

#[tokio::main]
async fn main() {
    let started = Instant::now();
    let clock = SandboxClock::new(
        chrono::Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap(),
        200.0,
    );

    // Stokly: one trade list for two customers.
    let mut stokly_state = StoklyState::new("trade", 19);
    let list = stokly_state.add_price_list("Trade GBP", "GBP");
    let customers = vec![stokly_state.new_id(), stokly_state.new_id()];
    for c in &customers {
        stokly_state.add_price_list_customer(&list, c);
    }
    for i in 0..ITEMS {
        let rule = (i % 100 == 0).then_some((6, Some(600), 6));
        stokly_state.set_price_list_item(
            &list,
            &format!("item-{i}"),
            &format!("TR-{i:05}"),
            Decimal::new(1500 + (i as i64 % 50), 2),
            rule,
        );
        if rule.is_some() {
            stokly_state.set_price_list_item_breaks(
                &list,
                &format!("item-{i}"),
                &[(60, Decimal::new(1400, 2)), (120, Decimal::new(1300, 2))],
            );
        }
    }
    stokly_state.set_price_list_item(
        &list,
        "item-web",
        "NOT-IN-SHOPIFY",
        Decimal::new(999, 2),
        None,
    );
    let stokly_emulator =
        StoklyEmulator::start(stokly_state, StoklyConfig::default(), clock.clone())
            .await
            .unwrap();
    let stokly = stokly_emulator.client_builder().build().unwrap();
    let lists = read_stokly_price_lists(&stokly).await.unwrap();
    println!(
        "Stokly: {} price list(s), {} item prices, {} customers",
        lists.len(),
        lists.iter().map(|l| l.items.len()).sum::<usize>(),
        lists.iter().map(|l| l.customers.len()).sum::<usize>()
    );

    for plus in [true, false] {
        let shop = shop(plus, &clock, &customers).await;
        println!(
            "\nShop {} ({}):",
            shop.client.shop().await.unwrap().myshopify_domain,
            if plus { "Shopify Plus" } else { "no Plus" }
        );
        // The posting ledger the catalog create is claimed in (PostgreSQL in fleet mode).
        let ledger = InMemoryPostingLedger::new();
        let ports = ShopifyWritePorts::new(&shop.client, &ledger, &SystemClock, "trade");
        let before = shop.emulator.requests().len();
        let first = sync_price_lists(ports, &lists, &shop.index, &shop.config)
            .await
            .unwrap();
        if let Some(notice) = &first.plan.notice {
            println!("  NOTICE: {notice}");
        }
        print_run("first run", &shop, &first, before);
        for finding in first.plan.findings.iter().take(3) {
            println!("    finding [{}] {}", finding.owner(), finding.reason());
        }

        let before = shop.emulator.requests().len();
        let rerun = sync_price_lists(ports, &lists, &shop.index, &shop.config)
            .await
            .unwrap();
        print_run("rerun, nothing changed", &shop, &rerun, before);
        assert_eq!(rerun.report.calls, 0, "a rerun sends nothing");

        // A price changes in Stokly.
        stokly_emulator.with_state(|s| {
            s.set_price_list_item(&list, "item-42", "TR-00042", Decimal::new(1299, 2), None);
        });
        let changed_lists = read_stokly_price_lists(&stokly).await.unwrap();
        let before = shop.emulator.requests().len();
        let changed = sync_price_lists(ports, &changed_lists, &shop.index, &shop.config)
            .await
            .unwrap();
        print_run("after a price change in Stokly", &shop, &changed, before);
        if plus {
            assert_eq!(changed.report.calls, 1, "one price, one call");
            // Item 300's breaks change in Stokly: replaced whole, in one update.
            stokly_emulator.with_state(|s| {
                s.set_price_list_item_breaks(&list, "item-300", &[(30, Decimal::new(1450, 2))]);
            });
            let broken = read_stokly_price_lists(&stokly).await.unwrap();
            let before = shop.emulator.requests().len();
            let breaks = sync_price_lists(ports, &broken, &shop.index, &shop.config)
                .await
                .unwrap();
            print_run(
                "after a price-break change in Stokly",
                &shop,
                &breaks,
                before,
            );
            assert_eq!(breaks.report.calls, 1, "one quantity update");
            assert_eq!(breaks.report.breaks_set, 1);
            stokly_emulator.with_state(|s| {
                s.set_price_list_item_breaks(
                    &list,
                    "item-300",
                    &[(60, Decimal::new(1400, 2)), (120, Decimal::new(1300, 2))],
                );
            });
        }
        // Put it back for the next shop.
        stokly_emulator.with_state(|s| {
            s.set_price_list_item(&list, "item-42", "TR-00042", Decimal::new(1542, 2), None);
        });
    }
    println!("\nDone in {:.1} s.", started.elapsed().as_secs_f64());
}
