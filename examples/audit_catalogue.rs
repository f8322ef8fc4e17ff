//! The catalogue audit: reads both catalogues, finds every SKU problem that would stop orders
//! posting or stock syncing, and writes a report finance and operations can read.
//!
//! Run with:
//! ```sh
//! cargo run --example audit_catalogue                  # sandbox, report in target/catalogue-audit.html
//! cargo run --example audit_catalogue -- report.html   # choose where the HTML report goes
//! ```
//!
//! By default it runs against the sandbox with a seeded catalogue holding deliberate defects
//! (SKUs only Shopify knows, a duplicate SKU, a blank SKU). To audit real accounts, set
//! `SHOPIFY_SHOP`, `SHOPIFY_ACCESS_TOKEN` (scope `read_products`), `STOKLY_ACCOUNT_KEY`,
//! `STOKLY_CLIENT_ID` and `STOKLY_CLIENT_SECRET` (optionally `STOKLY_BASE_URL`).
//!
//! It prints the summary and the Markdown report. Against real accounts it exits with status 2
//! when orders cannot post for some SKUs, so a scheduled run can alert; the sandbox always has
//! such SKUs on purpose, so there it exits 0.

use std::path::PathBuf;

use stokly_shopify::adapters::catalogue::{CatalogueReadOptions, read_catalogue};
use stokly_shopify::domain::catalogue::{Readiness, audit_catalogue};
use stokly_shopify::sandbox::{
    SandboxClock, ScenarioBuilder, ShopifyConfig, ShopifyEmulator, StoklyConfig, StoklyEmulator,
    StoklyState,
};
use stokly_shopify::{shopify, stokly};

type Failure = Box<dyn std::error::Error>;

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let report_path = std::env::args().nth(1).map_or_else(
        || PathBuf::from("target/catalogue-audit.html"),
        PathBuf::from,
    );
    let real = (
        env("SHOPIFY_SHOP"),
        env("SHOPIFY_ACCESS_TOKEN"),
        env("STOKLY_ACCOUNT_KEY"),
        env("STOKLY_CLIENT_ID"),
        env("STOKLY_CLIENT_SECRET"),
    );
    let (shopify_client, stokly_client, sandbox) =
        if let (Some(shop), Some(token), Some(account), Some(id), Some(secret)) = real {
            println!("auditing the real shop {shop} against Stokly account {account}");
            let mut stokly = stokly::Client::builder()
                .account_key(account)
                .client_id(id)
                .client_secret(secret);
            if let Some(url) = env("STOKLY_BASE_URL") {
                stokly = stokly.base_url(url);
            }
            (
                shopify::Client::builder()
                    .shop(shop)
                    .access_token(token)
                    .build()?,
                stokly.build()?,
                None,
            )
        } else {
            let scenario = ScenarioBuilder::new(5150)
                .skus(400)
                .bundles(12)
                .locations(2)
                .unknown_skus(3)
                .duplicate_skus(2)
                .blank_skus(1)
                .build();
            let clock = SandboxClock::new(scenario.epoch, 20.0);
            let shopify_state = scenario.shopify_state("acme-sandbox.myshopify.com");
            let mut stokly_state = StoklyState::from_scenario(&scenario, "acme");
            stokly_state.link_shopify_listings(&shopify_state);
            let shopify_emu = ShopifyEmulator::start(
                shopify_state,
                ShopifyConfig::standard_plan(),
                clock.clone(),
            )
            .await?;
            let stokly_emu =
                StoklyEmulator::start(stokly_state, StoklyConfig::default(), clock).await?;
            println!(
                "auditing the sandbox (seed {}, {} deliberate defects)",
                scenario.seed,
                scenario.defects.len()
            );
            let clients = (
                shopify_emu.client_builder().build()?,
                stokly_emu.client_builder().build()?,
            );
            (clients.0, clients.1, Some((shopify_emu, stokly_emu)))
        };

    let snapshot = read_catalogue(
        &shopify_client,
        &stokly_client,
        &CatalogueReadOptions::default(),
    )
    .await?;
    // The snapshot is not needed after the audit: the index takes its strings, copying none.
    let audit = audit_catalogue(&snapshot.into_index());
    let s = &audit.summary;
    println!(
        "\nStokly: {} items ({} active, {} listed on Shopify); Shopify: {} variants on {} products; {} matched",
        s.stokly_items,
        s.stokly_active_items,
        s.stokly_listed_on_shopify,
        s.shopify_variants,
        s.shopify_products,
        s.matched_variants
    );
    println!(
        "findings: {} blocking, {} warnings, {} for information",
        s.blocking, s.warnings, s.info
    );
    for (kind, n) in &s.by_kind {
        println!("  {kind}: {n}");
    }
    println!("verdict: {}\n", s.readiness.sentence());
    println!("{}", audit.to_markdown());

    if let Some(parent) = report_path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&report_path, audit.to_html())?;
    println!("HTML report written to {}", report_path.display());
    if sandbox.is_none() && matches!(s.readiness, Readiness::OrdersBlocked { .. }) {
        std::process::exit(2);
    }
    Ok(())
}
