//! Orders to Stokly sale orders, exactly once, on the sandbox.
//!
//! Run with:
//! ```sh
//! cargo run --example order_to_cash
//! ```
//!
//! It starts both emulators with a seeded shop of 1,000 orders (with deliberate defects: SKUs
//! only Shopify knows and a blank SKU), then does what a worker of the embedding application
//! does:
//!
//! 1. **Doorbells**: a few signed `orders/paid` webhooks (one delivered twice) are verified
//!    and deduplicated; each new one becomes an [`OrderWork::Capture`].
//! 2. **Incremental poll**: orders updated since the stored cursor (none, the first time),
//!    with the overlap window; each becomes an [`OrderWork::Capture`] too, and the cursor
//!    advances.
//! 3. **Capture and post**: every order is read again from Shopify (a webhook is only a
//!    doorbell), mapped, and posted through the posting ledger; it prints created, already
//!    posted, rejected (with the reasons) and what the posting cost in Stokly requests.
//! 4. **Again**: the same doorbells are delivered again, the poll runs from the stored
//!    cursor, and a restarted worker (an empty ledger) posts every order once more: nothing
//!    new is created, and each 200 orders cost one look-up.
//! 5. **The next day**: 1,000 new orders from returning customers. This is the figure for
//!    "Stokly requests per order" in steady state; run 1 also pays one create per new
//!    customer (Stokly has no upsert), which it reports apart.
//!
//! Everything runs on loopback; nothing needs an account.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, HashSet};
use std::time::Instant;

use base64::Engine as _;
use chrono::Utc;
use futures::TryStreamExt;
use hmac::{Hmac, Mac};
use rust_decimal::Decimal;
use sha2::Sha256;
use stokly_shopify::Secret;
use stokly_shopify::adapters::catalogue::{CatalogueReadOptions, read_catalogue};
use stokly_shopify::adapters::orders::{
    PostingPorts, StoklyCustomers, capture_orders, post_orders,
};
use stokly_shopify::domain::catalogue::SkuIndex;
use stokly_shopify::domain::exception::DomainException;
use stokly_shopify::domain::order::{
    GlAccountCode, OrderMappingConfig, OrderRejection, SaleOrderDraft, TaxAccountMap, TaxKey,
};
use stokly_shopify::domain::ports::{DedupEntry, DedupStore, DedupVerdict, InMemoryDedupStore};
use stokly_shopify::domain::posting::{
    InMemoryPostingLedger, OrderWork, PostOutcome, PostResult, PostingConfig,
};
use stokly_shopify::sandbox::{
    LoggedStoklyRequest, SandboxClock, ScenarioBuilder, ShopifyConfig, ShopifyEmulator,
    StoklyConfig, StoklyEmulator, StoklyState,
};
use stokly_shopify::shopify::webhooks::WebhookVerifier;
use stokly_shopify::shopify::{self, DEFAULT_ORDER_OVERLAP, OrderCursor, OrderId, PageOptions};
use stokly_shopify::stokly::{self, ListQuery};

type Failure = Box<dyn std::error::Error>;

const SHOP: &str = "order-to-cash.myshopify.com";
const ORDERS: usize = 1_000;
const WEBHOOK_SECRET: &str = "sandbox-app-client-secret";

struct Worker {
    shopify: shopify::Client,
    stokly: stokly::Client,
    index: SkuIndex,
    config: OrderMappingConfig,
    verifier: WebhookVerifier,
    dedup: InMemoryDedupStore,
    cursor: OrderCursor,
}

/// A webhook delivery: its headers and raw body.
type Delivery = (Vec<(String, String)>, Vec<u8>);

/// A signed `orders/paid` delivery for `order`, as Shopify sends it.
fn delivery(order: &OrderId, event_id: &str) -> Result<Delivery, Failure> {
    let body = serde_json::json!({
        "id": order.numeric_id(),
        "admin_graphql_api_id": order.to_string(),
        "updated_at": "2026-03-01T10:30:00Z",
        "financial_status": "paid",
    })
    .to_string()
    .into_bytes();
    let mut mac = Hmac::<Sha256>::new_from_slice(WEBHOOK_SECRET.as_bytes())?;
    mac.update(&body);
    let signature = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    let headers = [
        ("X-Shopify-Hmac-Sha256", signature),
        ("X-Shopify-Topic", "orders/paid".to_owned()),
        ("X-Shopify-Shop-Domain", SHOP.to_owned()),
        ("X-Shopify-Webhook-Id", format!("wh-{event_id}")),
        ("X-Shopify-Event-Id", event_id.to_owned()),
        ("X-Shopify-Triggered-At", "2026-03-01T10:30:01Z".to_owned()),
        ("X-Shopify-API-Version", "2026-01".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    Ok((headers, body))
}

impl Worker {
    /// Verifies and deduplicates deliveries; the new ones ring the doorbell.
    async fn receive(&self, deliveries: &[Delivery]) -> Result<Vec<OrderWork>, Failure> {
        let mut work = Vec::new();
        let (mut duplicates, mut stale) = (0, 0);
        for (headers, body) in deliveries {
            let event = self
                .verifier
                .verify(headers.iter().map(|(k, v)| (k.as_str(), v.as_str())), body)?;
            match self
                .dedup
                .record(&DedupEntry::from(&event), Utc::now())
                .await?
            {
                DedupVerdict::New => {
                    if let Some(order_id) = event.order_id() {
                        work.push(OrderWork::Capture {
                            order_id: order_id.clone(),
                            updated_at: event.updated_at(),
                        });
                    }
                }
                DedupVerdict::Duplicate => duplicates += 1,
                DedupVerdict::Stale { .. } => stale += 1,
            }
        }
        println!(
            "  doorbells: {} deliveries verified, {} new, {duplicates} duplicate, {stale} stale",
            deliveries.len(),
            work.len()
        );
        Ok(work)
    }

    /// Orders updated since the stored cursor, with the overlap window; advances the cursor.
    async fn poll(&mut self) -> Result<Vec<OrderWork>, Failure> {
        let since = self
            .cursor
            .updated_at
            .map_or_else(|| "the beginning".to_owned(), |t| t.to_string());
        let refs: Vec<_> = self
            .shopify
            .orders_updated_since(&self.cursor, DEFAULT_ORDER_OVERLAP, PageOptions::default())
            .try_collect()
            .await?;
        for r in &refs {
            self.cursor.advance(r);
        }
        println!(
            "  poll: {} orders updated since {since} (less the overlap window)",
            refs.len()
        );
        Ok(refs
            .into_iter()
            .map(|r| OrderWork::Capture {
                order_id: r.id,
                updated_at: Some(r.updated_at),
            })
            .collect())
    }

    /// Reads and maps every order the work names (each once).
    async fn capture(
        &self,
        work: &[OrderWork],
    ) -> Result<Vec<Result<SaleOrderDraft, OrderRejection>>, Failure> {
        let mut seen = HashSet::new();
        let ids: Vec<OrderId> = work
            .iter()
            .filter_map(|w| match w {
                OrderWork::Capture { order_id, .. } => Some(order_id.clone()),
                _ => None,
            })
            .filter(|id| seen.insert(id.clone()))
            .collect();
        let captured = capture_orders(&self.shopify, &ids, &self.index, &self.config).await?;
        if !captured.missing.is_empty() {
            println!(
                "  {} orders no longer exist in Shopify",
                captured.missing.len()
            );
        }
        for failure in &captured.failed {
            // A real worker puts these orders back on its queue; reads are safe to repeat.
            println!(
                "  {} orders not read this time: {}",
                failure.orders.len(),
                failure.error
            );
        }
        Ok(captured.mapped)
    }
}

/// Stokly requests of one run, by kind.
fn cost(requests: &[LoggedStoklyRequest]) -> BTreeMap<&'static str, usize> {
    let mut by_kind = BTreeMap::new();
    for r in requests {
        let kind = match (r.method.as_str(), r.path.as_str()) {
            ("POST", "/v1/grant") => "grants",
            ("GET", "/v2/saleorders") => "sale-order look-ups",
            ("POST", "/v2/saleorders") => "sale-order creates",
            ("GET", "/v0/customers") => "customer look-ups",
            ("POST", "/v0/customers") => "customer creates",
            _ => "other",
        };
        *by_kind.entry(kind).or_default() += 1;
    }
    by_kind
}

fn report(outcomes: &[PostOutcome], requests: &[LoggedStoklyRequest], elapsed: f64) {
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for o in outcomes {
        *kinds.entry(o.result.kind()).or_default() += 1;
    }
    println!("  results: {kinds:?}");
    let mut reasons: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for o in outcomes {
        match &o.result {
            PostResult::Rejected { exceptions } => {
                for e in exceptions {
                    reasons
                        .entry(format!(
                            "rejected, {} (owner {:?}): {}",
                            e.code(),
                            e.owner(),
                            e.fix_hint()
                        ))
                        .or_default()
                        .push(&o.order_name);
                }
            }
            PostResult::Refused { message, .. } => reasons
                .entry(format!("refused by Stokly: {message}"))
                .or_default()
                .push(&o.order_name),
            PostResult::Deferred { reason } => reasons
                .entry(format!("deferred: {reason}"))
                .or_default()
                .push(&o.order_name),
            _ => {}
        }
    }
    for (reason, orders) in &reasons {
        let shown: Vec<&str> = orders.iter().take(5).copied().collect();
        let more = orders.len().saturating_sub(shown.len());
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        println!("    {reason}\n      orders {}{more}", shown.join(", "));
    }
    let by_kind = cost(requests);
    let total: usize = by_kind.values().sum();
    let posted = outcomes
        .iter()
        .filter(|o| o.result.sale_order().is_some())
        .count()
        .max(1);
    println!(
        "  Stokly requests: {total} for {posted} orders in Stokly = {:.3} per order, {elapsed:.1} s",
        total as f64 / posted as f64
    );
    println!("    {by_kind:?}");
}

/// Posts `mapped` through `ledger`, prints the report, and answers the outcomes and the
/// Stokly requests the posting made.
async fn post_and_report(
    stokly: &StoklyEmulator,
    ports: PostingPorts<'_>,
    mapped: &[Result<SaleOrderDraft, OrderRejection>],
    posting: &PostingConfig,
    started: Instant,
    before: usize,
) -> (Vec<PostOutcome>, Vec<LoggedStoklyRequest>) {
    let outcomes = post_orders(SHOP, mapped, ports, posting).await;
    let requests = stokly.requests()[before..].to_vec();
    report(&outcomes, &requests, started.elapsed().as_secs_f64());
    (outcomes, requests)
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let scenario = ScenarioBuilder::new(2026)
        .skus(80)
        .bundles(6)
        .unknown_skus(1)
        .blank_skus(1)
        .orders(ORDERS)
        .build();
    // Emulated time runs 200 times faster, so that reading 1,000 complete orders on a Shopify
    // Plus bucket (10,000 points, 500 per second) and Stokly's 240 requests per minute take
    // seconds, not hours.
    let clock = SandboxClock::new(scenario.epoch, 200.0);
    let shopify_state = scenario.shopify_state(SHOP);
    let mut stokly_state = StoklyState::from_scenario(&scenario, "order-to-cash");
    stokly_state.link_shopify_listings(&shopify_state);
    let shopify_emulator = ShopifyEmulator::start(
        shopify_state,
        ShopifyConfig::standard_plan().with_bucket(10_000.0, 500.0),
        clock.clone(),
    )
    .await?;
    let stokly_emulator =
        StoklyEmulator::start(stokly_state, StoklyConfig::default(), clock).await?;
    let shopify = shopify_emulator.client_builder().build()?;
    let stokly = stokly_emulator.client_builder().build()?;
    println!(
        "sandbox: {} orders, {} SKUs, Shopify at {}, Stokly at {}",
        scenario.orders.len(),
        scenario.items.len(),
        shopify_emulator.uri(),
        stokly_emulator.uri()
    );

    let index = read_catalogue(&shopify, &stokly, &CatalogueReadOptions::default())
        .await?
        .into_index();
    let channel = stokly
        .channels(ListQuery::new())
        .try_collect::<Vec<_>>()
        .await?
        .into_iter()
        .find(|c| c.name.as_deref() == Some("Shopify"))
        .ok_or("no Shopify channel in Stokly")?
        .channel_id;
    let mut accounts = TaxAccountMap::new();
    for (rate, account) in [(Decimal::new(20, 2), "2200"), (Decimal::new(5, 2), "2205")] {
        accounts.insert(
            TaxKey::new("VAT", Some(rate), Some("Shopify"), false),
            GlAccountCode::new(account).ok_or("a blank GL account")?,
        );
    }
    let mut worker = Worker {
        shopify,
        stokly: stokly.clone(),
        index,
        config: OrderMappingConfig::new(channel, accounts),
        verifier: WebhookVerifier::new(Secret::new(WEBHOOK_SECRET))?,
        dedup: InMemoryDedupStore::new(),
        cursor: OrderCursor::start(),
    };
    let customers = StoklyCustomers::new(stokly.clone());
    let ledger = InMemoryPostingLedger::new();
    let posting = PostingConfig::default();

    // The first five orders ring the doorbell; the first one twice.
    let first_ids: Vec<OrderId> = shopify_emulator
        .state()
        .orders
        .keys()
        .take(5)
        .map(|&n| OrderId::from_numeric(n))
        .collect();
    let mut deliveries = Vec::new();
    for (n, id) in first_ids.iter().enumerate() {
        deliveries.push(delivery(id, &format!("evt-{n}"))?);
    }
    deliveries.push(delivery(&first_ids[0], "evt-0")?);

    println!("\nrun 1");
    let started = Instant::now();
    let before = stokly_emulator.requests().len();
    let mut work = worker.receive(&deliveries).await?;
    work.extend(worker.poll().await?);
    let mapped = worker.capture(&work).await?;
    let ports = PostingPorts::new(&ledger, &worker.stokly, &customers);
    let (outcomes, requests) =
        post_and_report(&stokly_emulator, ports, &mapped, &posting, started, before).await;
    let order_requests: usize = cost(&requests)
        .iter()
        .filter(|(k, _)| k.starts_with("sale-order") || **k == "grants")
        .map(|(_, n)| n)
        .sum();
    let created = outcomes
        .iter()
        .filter(|o| matches!(o.result, PostResult::Created { .. }))
        .count()
        .max(1);
    println!(
        "  sale-order requests (look-ups, creates, grant) per order posted: {:.3}; each new \
         customer adds one create and is read back in batches",
        order_requests as f64 / created as f64
    );

    println!("\nrun 2 (same doorbells again, poll from the stored cursor, a restarted worker)");
    let started = Instant::now();
    let before = stokly_emulator.requests().len();
    let mut work = worker.receive(&deliveries).await?;
    work.extend(worker.poll().await?);
    let recaptured = worker.capture(&work).await?;
    println!("  captured again: {} orders", recaptured.len());
    // A restarted worker has lost its in-memory ledger; Stokly's look-up still knows.
    let fresh = InMemoryPostingLedger::new();
    let ports = PostingPorts::new(&fresh, &worker.stokly, &customers);
    let (again, _) =
        post_and_report(&stokly_emulator, ports, &mapped, &posting, started, before).await;
    let created_again = again
        .iter()
        .filter(|o| matches!(o.result, PostResult::Created { .. }))
        .count();
    let in_stokly = stokly_emulator.state().sale_orders.len();
    println!("  created this time: {created_again}; sale orders in Stokly: {in_stokly}");
    if created_again != 0 || in_stokly != created {
        return Err("a second run created sale orders".into());
    }

    // The next day: 1,000 new orders from customers who bought before.
    let posted_numbers: HashSet<u64> = outcomes
        .iter()
        .filter(|o| o.result.sale_order().is_some())
        .map(|o| o.order_id.numeric_id())
        .collect();
    shopify_emulator.with_state(|state| {
        let previous: Vec<_> = state
            .orders
            .values()
            .filter(|o| posted_numbers.contains(&o.id))
            .cloned()
            .collect();
        let last = state
            .orders
            .values()
            .map(|o| o.updated_at)
            .max()
            .unwrap_or_else(Utc::now);
        for n in 0..ORDERS {
            let mut order = previous[n % previous.len()].clone();
            order.id = state.next_id();
            for line in &mut order.lines {
                line.id = state.next_id();
            }
            order.name = format!("#{}", 5001 + n);
            order.created_at = last + chrono::Duration::minutes(60 + n as i64);
            order.updated_at = order.created_at;
            state.orders.insert(order.id, order);
        }
    });
    println!("\nrun 3 (the next day: {ORDERS} new orders from returning customers)");
    let started = Instant::now();
    let before = stokly_emulator.requests().len();
    let work = worker.poll().await?;
    let mapped = worker.capture(&work).await?;
    let ports = PostingPorts::new(&ledger, &worker.stokly, &customers);
    post_and_report(&stokly_emulator, ports, &mapped, &posting, started, before).await;
    Ok(())
}
