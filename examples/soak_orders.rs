//! A fault soak of order posting: 1,000 orders posted to a Stokly that loses answers, fails,
//! drops connections, throttles and expires tokens, round after round until every order is
//! settled, with no sale order made twice.
//!
//! Run with:
//! ```sh
//! cargo run --example soak_orders
//! cargo run --example soak_orders -- --orders 200 --seed 7 --workers 1
//! ```
//!
//! It starts both emulators with a seeded shop (with deliberate defects: a SKU only Shopify
//! knows and a blank SKU), captures and maps every order from a fault-free Shopify, then posts
//! them to a Stokly emulator injecting, from a seeded generator:
//!
//! - 20% lost answers: the request is carried out, then answered 504;
//! - 10% 5xx answers (503, nothing carried out);
//! - 5% dropped connections (closed with no answer);
//! - 5% 429 answers (with `x-ratelimit-remaining: 0` and a `Retry-After` until the window ends);
//! - 3% tokens expiring early (`401 jwt expired`), besides ten-minute tokens.
//!
//! Each round, two workers (separate clients, as two processes would be) post the orders still
//! deferred at the same time through one posting ledger, the way workers re-queue deferred
//! work; after every round it counts the sale orders in Stokly per Shopify order. It ends when nothing is deferred and prints how each order settled: created, already
//! posted (found in Stokly after an uncertain create), rejected with a typed exception, or
//! refused. It exits with an error when an order is refused, still deferred after the last
//! round, or posted twice.
//!
//! Emulated time runs 200 times faster than the wall clock: Stokly's budget of 240 requests
//! per emulated minute lets the client send 800 per wall-clock second, a spent window lasts
//! 0.3 wall-clock seconds, and a write becomes visible 0.1 s after it was carried out. The
//! posting run's own timings (visibility window, look-ups of uncertain creates) are set to
//! match. It takes about a minute on a laptop.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use stokly_shopify::RetryConfig;
use stokly_shopify::adapters::orders::{PostingPorts, StoklyCustomers, post_orders};
use stokly_shopify::domain::exactly_once::DeferReason;
use stokly_shopify::domain::exception::DomainException;
use stokly_shopify::domain::order::{OrderRejection, SaleOrderDraft};
use stokly_shopify::domain::posting::{InMemoryPostingLedger, PostResult, PostingConfig};
use stokly_shopify::sandbox::{
    FaultConfig, SandboxClock, ScenarioBuilder, ShopifyConfig, ShopifyEmulator, StoklyConfig,
    StoklyEmulator, StoklyState, capture_shop,
};
use stokly_shopify::stokly::VisibilityPoll;

type Failure = Box<dyn std::error::Error>;

const SHOP: &str = "soak.myshopify.com";
/// Emulated seconds per wall-clock second.
const TIME_SCALE: f64 = 200.0;
const MAX_ROUNDS: usize = 40;

struct Settings {
    orders: usize,
    seed: u64,
    workers: usize,
}

fn settings() -> Result<Settings, Failure> {
    let mut s = Settings {
        orders: 1_000,
        seed: 2026,
        workers: 2,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--orders" => s.orders = value.parse()?,
            "--seed" => s.seed = value.parse()?,
            "--workers" => s.workers = value.parse::<usize>()?.max(1),
            other => {
                return Err(
                    format!("unknown flag {other} (--orders N, --seed S, --workers W)").into(),
                );
            }
        }
    }
    Ok(s)
}

fn faults(seed: u64) -> FaultConfig {
    FaultConfig::none()
        .with_seed(seed)
        .with_lost_response_rate(0.20)
        .with_server_error_rate(0.10)
        .with_dropped_connection_rate(0.05)
        .with_throttle_rate(0.05)
        .with_token_expiry_rate(0.03)
}

/// The posting run's timings, in wall-clock time, for Stokly's in emulated time: a write is
/// visible 20 emulated seconds (0.1 s) after it is carried out.
fn posting_config() -> PostingConfig {
    PostingConfig::default()
        .with_lease(Duration::from_secs(60))
        .with_visibility_window(Duration::from_millis(400))
        .with_uncertain_polls(6, Duration::from_millis(100))
}

fn retry() -> RetryConfig {
    RetryConfig::default()
        .with_max_attempts(6)
        .with_initial_backoff(Duration::from_millis(5))
        .with_max_backoff(Duration::from_millis(50))
}

/// Which of the workers' results for one order tells how it settled: a create first, then
/// what else settles it, a deferral last.
fn settle_rank(result: &PostResult) -> u8 {
    match result {
        PostResult::Created { .. } => 0,
        PostResult::AlreadyPosted { .. } => 1,
        PostResult::Deferred { .. } => 3,
        _ => 2,
    }
}

/// A deferral reason without its times and IDs, to count alike ones together: its kind, and
/// for a dependency (the customer) the dependency's own kind.
fn deferral_kind(reason: &DeferReason) -> String {
    match reason {
        DeferReason::Dependency { operation, reason } => {
            format!("{operation}: {}", reason.kind())
        }
        other => other.kind().to_owned(),
    }
}

/// Sale orders in Stokly per `sourceReferenceId`.
fn posted_counts(stokly: &StoklyEmulator) -> HashMap<String, usize> {
    stokly.state().sale_orders_by_source_reference()
}

/// Customers in Stokly sharing a barcode with another.
fn duplicate_customers(stokly: &StoklyEmulator) -> usize {
    stokly.state().duplicate_customers()
}

/// Captures and maps every order of the shop from a fault-free Shopify, with the catalogue
/// read from a fault-free twin of Stokly.
async fn capture(
    settings: &Settings,
    clock: &SandboxClock,
) -> Result<(Vec<Result<SaleOrderDraft, OrderRejection>>, StoklyState), Failure> {
    let scenario = ScenarioBuilder::new(settings.seed)
        .skus(60)
        .bundles(4)
        .unknown_skus(1)
        .blank_skus(1)
        .orders(settings.orders)
        .build();
    let (shopify_state, stokly_state) = scenario.linked_states(SHOP, "soak");
    let shopify = ShopifyEmulator::start(
        shopify_state,
        ShopifyConfig::standard_plan().with_bucket(10_000.0, 500.0),
        clock.clone(),
    )
    .await?;
    let reader =
        StoklyEmulator::start(stokly_state.clone(), StoklyConfig::default(), clock.clone()).await?;
    let shopify_client = shopify.client_builder().build()?;
    let reader_client = reader.client_builder().build()?;
    let captured = capture_shop(&shopify_client, &reader_client)
        .await?
        .captured;
    if !captured.missing.is_empty() {
        return Err(format!("{} orders missing from Shopify", captured.missing.len()).into());
    }
    Ok((captured.mapped, stokly_state))
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let settings = settings()?;
    let started = Instant::now();
    let clock = SandboxClock::new(chrono::Utc::now(), TIME_SCALE);
    let (mapped, stokly_state) = capture(&settings, &clock).await?;
    println!(
        "captured {} orders in {:.1} s; posting to a Stokly injecting {:?}",
        mapped.len(),
        started.elapsed().as_secs_f64(),
        faults(settings.seed)
    );

    let stokly = StoklyEmulator::start(
        stokly_state,
        StoklyConfig::default()
            .with_faults(faults(settings.seed))
            .with_token_ttl(Duration::from_secs(600))
            .with_visibility_delay(Duration::from_secs(20)),
        clock,
    )
    .await?;
    // New customers are read back before their orders are created: poll at the emulated
    // visibility delay's pace, not the default half-second.
    let poll = VisibilityPoll::default()
        .with_initial_delay(Duration::from_millis(50))
        .with_max_delay(Duration::from_millis(200));
    // Each worker is a process of its own: its own client (token, rate budget) and customer
    // cache, sharing the account's budget at Stokly and the one posting ledger.
    let mut clients = Vec::new();
    for _ in 0..settings.workers {
        let client = stokly
            .client_builder()
            .retry(retry())
            .visibility_poll(poll)
            .build()?;
        let customers = StoklyCustomers::new(client.clone());
        clients.push((client, customers));
    }
    let ledger = InMemoryPostingLedger::new();
    let posting = posting_config();

    // The settled result of each order, by input position.
    let mut settled: Vec<Option<PostResult>> = vec![None; mapped.len()];
    let mut pending: Vec<usize> = (0..mapped.len()).collect();
    let mut most_posted = 0;
    let mut deferrals: BTreeMap<String, usize> = BTreeMap::new();
    let mut rounds = 0;
    // `Created` results over all workers and rounds: one per sale order if no order was
    // created twice.
    let mut creates = 0;
    let posting_started = Instant::now();
    while !pending.is_empty() && rounds < MAX_ROUNDS {
        rounds += 1;
        let batch: Vec<Result<SaleOrderDraft, OrderRejection>> =
            pending.iter().map(|&i| mapped[i].clone()).collect();
        // Every worker posts the same orders at the same time.
        let runs = clients.iter().map(|(client, customers)| {
            let ports = PostingPorts::new(&ledger, client, customers);
            post_orders(SHOP, &batch, ports, &posting)
        });
        let runs = futures::future::join_all(runs).await;
        let mut still = Vec::new();
        let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
        for (position, &index) in pending.iter().enumerate() {
            let results: Vec<&PostResult> = runs
                .iter()
                .filter_map(|outcomes| outcomes.get(position))
                .map(|o| &o.result)
                .collect();
            for result in &results {
                *kinds.entry(result.kind()).or_default() += 1;
                if let PostResult::Created { .. } = result {
                    creates += 1;
                }
            }
            match results.into_iter().min_by_key(|r| settle_rank(r)) {
                Some(PostResult::Deferred { reason }) => {
                    *deferrals.entry(deferral_kind(reason)).or_default() += 1;
                    still.push(index);
                }
                Some(result) => settled[index] = Some(result.clone()),
                None => still.push(index),
            }
        }
        let round_most = posted_counts(&stokly).into_values().max().unwrap_or(0);
        most_posted = most_posted.max(round_most);
        println!(
            "  round {rounds}: {} orders posted by {} workers: {kinds:?}; most sale orders for \
             one order: {round_most}",
            pending.len(),
            clients.len()
        );
        pending = still;
        if !pending.is_empty() {
            // Let uncertain creates become visible before they are looked up again.
            tokio::time::sleep(posting.visibility_window).await;
        }
    }
    let posting_time = posting_started.elapsed().as_secs_f64();

    // How every order settled.
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut exceptions: BTreeMap<String, usize> = BTreeMap::new();
    let mut refusals: BTreeMap<String, usize> = BTreeMap::new();
    for result in settled.iter().flatten() {
        *counts.entry(result.kind()).or_default() += 1;
        match result {
            PostResult::Rejected { exceptions: list } => {
                for e in list {
                    *exceptions.entry(e.code().to_string()).or_default() += 1;
                }
            }
            PostResult::Refused { operation, message } => {
                *refusals
                    .entry(format!("{operation}: {message}"))
                    .or_default() += 1;
            }
            _ => {}
        }
    }
    let in_stokly = posted_counts(&stokly);
    let duplicates: usize = in_stokly.values().map(|n| n - 1).sum();
    let customer_duplicates = duplicate_customers(&stokly);
    let postable = mapped.iter().filter(|m| m.is_ok()).count();
    let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
    let requests = stokly.requests();
    for r in &requests {
        let key = match (r.status, r.path.as_str()) {
            (401, _) => "401 (token refused)".to_owned(),
            (s, "/v1/grant") => format!("{s} grant"),
            (s, _) => s.to_string(),
        };
        *statuses.entry(key).or_default() += 1;
    }

    println!("\nsettled after {rounds} rounds in {posting_time:.1} s of posting");
    println!("  orders:                  {}", mapped.len());
    for kind in [
        "created",
        "already_posted",
        "rejected",
        "skipped",
        "refused",
    ] {
        println!(
            "  {kind:<24} {}",
            counts.get(kind).copied().unwrap_or_default()
        );
    }
    println!("  still deferred:          {}", pending.len());
    println!("  creates reported:        {creates} (over all workers and rounds)");
    println!(
        "  duplicate sale orders:   {duplicates} (most for one order in any round: {most_posted})"
    );
    println!("  duplicate customers:     {customer_duplicates}");
    println!(
        "  sale orders in Stokly:   {} for {postable} postable orders",
        in_stokly.len()
    );
    for (code, n) in &exceptions {
        println!("    rejected with {code}: {n}");
    }
    for (reason, n) in &refusals {
        println!("    refused, {reason}: {n}");
    }
    println!("  deferrals on the way (an order may be deferred in several rounds):");
    for (reason, n) in &deferrals {
        println!("    {n:>5}  {reason}");
    }
    println!(
        "  Stokly requests: {} ({:.2} per order), by answer: {statuses:?}; {} connections \
         dropped unanswered",
        requests.len(),
        requests.len() as f64 / mapped.len().max(1) as f64,
        stokly.dropped_connections()
    );

    let posted = counts.get("created").copied().unwrap_or_default()
        + counts.get("already_posted").copied().unwrap_or_default();
    let mut problems = Vec::new();
    if !pending.is_empty() {
        problems.push(format!("{} orders still deferred", pending.len()));
    }
    if counts.contains_key("refused") {
        problems.push("orders refused".to_owned());
    }
    if duplicates > 0 || most_posted > 1 || customer_duplicates > 0 {
        problems.push("duplicates in Stokly".to_owned());
    }
    if creates != in_stokly.len() {
        problems.push(format!(
            "{creates} creates reported for {} sale orders",
            in_stokly.len()
        ));
    }
    if posted != postable || in_stokly.len() != postable {
        problems.push(format!(
            "{posted} orders posted and {} in Stokly, for {postable} postable",
            in_stokly.len()
        ));
    }
    if problems.is_empty() {
        println!("\nOK: every order settled, none twice");
        Ok(())
    } else {
        Err(problems.join("; ").into())
    }
}
