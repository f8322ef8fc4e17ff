//! Posting orders end to end on the sandbox: every mappable order becomes exactly one Stokly
//! sale order, through retries, lost answers, dropped connections and concurrent runs; a run
//! after that creates nothing; look-ups are batched.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code should fail loudly

mod support;

use std::collections::HashMap;
use std::time::Duration;

use stokly_shopify::adapters::orders::{
    PostingPorts, StoklyCustomers, post_orders, trade_customer_barcode,
};
use stokly_shopify::domain::order::{CustomerLookup, OrderRejection, SaleOrderDraft};
use stokly_shopify::domain::posting::{
    InMemoryPostingLedger, PostResult, PostingConfig, in_flight_demand,
};
use stokly_shopify::sandbox::{
    FaultConfig, SandboxClock, ScenarioBuilder, StoklyConfig, StoklyEmulator,
};
use support::orders::{capture_all, fast_client, start_shop};

const SHOP: &str = "posting.myshopify.com";

struct World {
    stokly: StoklyEmulator,
    mapped: Vec<Result<SaleOrderDraft, OrderRejection>>,
}

async fn world(orders: usize, stokly_config: StoklyConfig) -> World {
    let scenario = ScenarioBuilder::new(61)
        .skus(30)
        .bundles(3)
        .blank_skus(1)
        .orders(orders)
        .build();
    // Fast emulated time: capturing hundreds of complete orders costs many query points.
    let clock = SandboxClock::new(scenario.epoch, 200.0);
    let (shopify, stokly_state) = start_shop(&scenario, SHOP, "posting", &clock).await;
    // The catalogue is read from a fault-free twin of the Stokly side, so that only posting
    // meets the faults.
    let reader =
        StoklyEmulator::start(stokly_state.clone(), StoklyConfig::default(), clock.clone())
            .await
            .unwrap();
    let stokly = StoklyEmulator::start(stokly_state, stokly_config, clock)
        .await
        .unwrap();
    let shop = capture_all(&shopify, &reader.client_builder().build().unwrap()).await;
    assert_eq!(shop.order_ids.len(), orders);
    assert!(shop.captured.missing.is_empty());
    World {
        stokly,
        mapped: shop.captured.mapped,
    }
}

fn fast_posting() -> PostingConfig {
    PostingConfig::default()
        .with_visibility_window(Duration::from_millis(400))
        .with_uncertain_polls(8, Duration::from_millis(100))
}

/// Sale orders in Stokly per `sourceReferenceId`.
fn posted_counts(stokly: &StoklyEmulator) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for order in stokly.state().sale_orders {
        let reference = order["sourceReferenceId"].as_str().unwrap().to_owned();
        *counts.entry(reference).or_default() += 1;
    }
    counts
}

fn postable(mapped: &[Result<SaleOrderDraft, OrderRejection>]) -> Vec<&SaleOrderDraft> {
    mapped.iter().filter_map(|m| m.as_ref().ok()).collect()
}

/// The Stokly `barcode` of a draft's customer (every sandbox order names one).
fn customer_barcode(draft: &SaleOrderDraft) -> String {
    match draft.customer() {
        CustomerLookup::ByShopifyCustomerId { barcode, .. } => barcode.clone(),
        CustomerLookup::Trade { location_id, .. } => trade_customer_barcode(location_id),
        other => panic!("{}: {other:?}", draft.customer_reference()),
    }
}

/// `POST /v0/customers` that Stokly carried out: answered 202, or 504 after the write.
fn customer_creates(stokly: &StoklyEmulator) -> usize {
    stokly
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/v0/customers")
        .filter(|r| r.status == 202 || r.status == 504)
        .count()
}

/// Asserts that Stokly holds at most one customer per barcode and per e-mail, and that
/// every customer create it carried out made one of them; answers the customers by barcode.
fn assert_no_duplicate_customers(stokly: &StoklyEmulator, when: &str) -> HashMap<String, String> {
    let state = stokly.state();
    let mut by_barcode: HashMap<String, String> = HashMap::new();
    let mut by_email: HashMap<String, usize> = HashMap::new();
    for customer in &state.customers {
        let barcode = customer["barcode"].as_str().unwrap().to_owned();
        let id = customer["customerId"].as_str().unwrap().to_owned();
        if let Some(first) = by_barcode.insert(barcode.clone(), id) {
            panic!("{when}: a second customer with barcode {barcode} (the first is {first})");
        }
        if let Some(email) = customer["email"].as_str() {
            *by_email.entry(email.to_ascii_lowercase()).or_default() += 1;
        }
    }
    for (email, n) in by_email {
        assert_eq!(n, 1, "{when}: {n} customers with e-mail {email}");
    }
    assert_eq!(
        customer_creates(stokly),
        state.customers.len(),
        "{when}: customer creates carried out"
    );
    by_barcode
}

#[tokio::test]
async fn each_order_is_posted_exactly_once_through_faults_and_concurrent_runs() {
    let faults = FaultConfig::none()
        .with_seed(7)
        .with_server_error_rate(0.08)
        .with_lost_response_rate(0.15)
        .with_dropped_connection_rate(0.05);
    let w = world(
        40,
        StoklyConfig::default()
            .with_faults(faults)
            .with_visibility_delay(Duration::from_secs(40))
            .with_requests_per_minute(100_000),
    )
    .await;
    let drafts = postable(&w.mapped);
    assert!(drafts.len() >= 30, "{} postable", drafts.len());
    let rejected = w.mapped.len() - drafts.len();
    assert!(rejected > 0, "the blank-SKU orders are rejected");

    let ledger = InMemoryPostingLedger::new();
    let client_a = fast_client(&w.stokly);
    let client_b = fast_client(&w.stokly);
    let customers_a = StoklyCustomers::new(client_a.clone());
    let customers_b = StoklyCustomers::new(client_b.clone());
    let config = fast_posting();
    let mut created = 0;
    for round in 0..12 {
        // Two workers post the same orders at the same time, sharing the ledger.
        let (a, b) = tokio::join!(
            post_orders(
                SHOP,
                &w.mapped,
                PostingPorts::new(&ledger, &client_a, &customers_a),
                &config,
            ),
            post_orders(
                SHOP,
                &w.mapped,
                PostingPorts::new(&ledger, &client_b, &customers_b),
                &config,
            ),
        );
        for outcome in a.iter().chain(&b) {
            if let PostResult::Created { .. } = outcome.result {
                created += 1;
            }
        }
        // Never a second sale order for one Shopify order, nor a second customer, at any
        // point.
        for (reference, n) in posted_counts(&w.stokly) {
            assert_eq!(n, 1, "order {reference} posted {n} times in round {round}");
        }
        assert_no_duplicate_customers(&w.stokly, &format!("round {round}"));
        let deferred = a
            .iter()
            .chain(&b)
            .filter(|o| matches!(o.result, PostResult::Deferred { .. }))
            .count();
        if deferred == 0 && posted_counts(&w.stokly).len() == drafts.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(450)).await;
    }
    let counts = posted_counts(&w.stokly);
    assert_eq!(
        counts.len(),
        drafts.len(),
        "every postable order is in Stokly"
    );
    for draft in &drafts {
        assert_eq!(counts.get(draft.source_reference_id()), Some(&1));
    }
    assert_eq!(created, drafts.len(), "exactly one run created each order");
    let customers = assert_no_duplicate_customers(&w.stokly, "after the rounds");
    let named: std::collections::HashSet<String> =
        drafts.iter().map(|d| customer_barcode(d)).collect();
    assert_eq!(
        customers.len(),
        named.len(),
        "one customer per customer named"
    );
    let log = w.stokly.requests();
    assert!(
        log.iter()
            .any(|r| r.status == 504 && r.path == "/v2/saleorders"),
        "a create's answer was lost"
    );

    // A restarted worker (an empty ledger) finds everything in Stokly and creates nothing.
    let fresh = InMemoryPostingLedger::new();
    let again = post_orders(
        SHOP,
        &w.mapped,
        PostingPorts::new(&fresh, &client_a, &customers_a),
        &config,
    )
    .await;
    let mut already = 0;
    for outcome in &again {
        match &outcome.result {
            PostResult::AlreadyPosted { .. } => already += 1,
            PostResult::Rejected { exceptions } => assert!(!exceptions.is_empty()),
            PostResult::Deferred { .. } => {} // a look-up can still meet an injected fault
            other => panic!("{}: {other:?}", outcome.order_name),
        }
    }
    assert!(already > 0);
    assert_eq!(posted_counts(&w.stokly).len(), drafts.len());
    assert_no_duplicate_customers(&w.stokly, "after the restarted worker");
}

#[tokio::test]
async fn concurrent_workers_create_each_new_customer_once() {
    let w = world(
        60,
        StoklyConfig::default()
            .with_visibility_delay(Duration::from_secs(40))
            .with_requests_per_minute(100_000),
    )
    .await;
    // Disjoint orders: a customer's orders alternate between the two workers, so each
    // returning customer is new to both at once.
    let mut orders_of: HashMap<String, usize> = HashMap::new();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for draft in postable(&w.mapped) {
        let n = orders_of.entry(customer_barcode(draft)).or_default();
        if *n % 2 == 0 {
            a.push(Ok(draft.clone()));
        } else {
            b.push(Ok(draft.clone()));
        }
        *n += 1;
    }
    let shared = orders_of.values().filter(|n| **n >= 2).count();
    assert!(
        shared >= 3,
        "only {shared} customers have orders on both workers"
    );

    let ledger = InMemoryPostingLedger::new();
    let client_a = fast_client(&w.stokly);
    let client_b = fast_client(&w.stokly);
    let customers_a = StoklyCustomers::new(client_a.clone());
    let customers_b = StoklyCustomers::new(client_b.clone());
    let config = fast_posting();
    let mut settled = false;
    for round in 0..8 {
        let (ra, rb) = tokio::join!(
            post_orders(
                SHOP,
                &a,
                PostingPorts::new(&ledger, &client_a, &customers_a),
                &config,
            ),
            post_orders(
                SHOP,
                &b,
                PostingPorts::new(&ledger, &client_b, &customers_b),
                &config,
            ),
        );
        assert_no_duplicate_customers(&w.stokly, &format!("round {round}"));
        let deferred: Vec<String> = ra
            .iter()
            .chain(&rb)
            .filter_map(|o| match &o.result {
                PostResult::Deferred { reason } => Some(reason.to_string()),
                _ => None,
            })
            .collect();
        if round == 0 {
            // The workers met on a customer: one created it, the other's orders wait.
            assert!(
                deferred.iter().any(|r| r.contains("another run")),
                "{deferred:#?}"
            );
        }
        for outcome in ra.iter().chain(&rb) {
            assert!(
                matches!(
                    outcome.result,
                    PostResult::Created { .. }
                        | PostResult::AlreadyPosted { .. }
                        | PostResult::Deferred { .. }
                ),
                "{}: {:?}",
                outcome.order_name,
                outcome.result
            );
        }
        if deferred.is_empty() {
            settled = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(450)).await;
    }
    assert!(settled, "orders still deferred after 8 rounds");
    let customers = assert_no_duplicate_customers(&w.stokly, "at the end");
    assert_eq!(
        customers.len(),
        orders_of.len(),
        "each customer exists once"
    );
    assert_eq!(customer_creates(&w.stokly), orders_of.len());
    let counts = posted_counts(&w.stokly);
    assert_eq!(counts.len(), a.len() + b.len());
    assert!(counts.values().all(|n| *n == 1));
    // Every order names the one customer of its barcode.
    let state = w.stokly.state();
    for draft in a.iter().chain(&b).map(|d| d.as_ref().unwrap()) {
        let order = state
            .sale_orders
            .iter()
            .find(|o| o["sourceReferenceId"] == draft.source_reference_id())
            .unwrap();
        assert_eq!(
            order["customer"]["customerId"].as_str(),
            customers.get(&customer_barcode(draft)).map(String::as_str)
        );
    }
}

#[tokio::test]
async fn a_customer_create_whose_answer_is_lost_is_not_sent_again() {
    // At a 30% rate, seed 1917 loses the answer of the third request the posting makes (the
    // customer create: after the order look-up and the customer look-up) and of none of the
    // next thirteen. The write is carried out; Stokly shows it only after 200 emulated
    // seconds (one wall-clock second at this clock).
    let faults = FaultConfig::none()
        .with_seed(1917)
        .with_lost_response_rate(0.3);
    let w = world(
        40,
        StoklyConfig::default()
            .with_faults(faults)
            .with_visibility_delay(Duration::from_secs(200))
            .with_requests_per_minute(100_000),
    )
    .await;
    // The orders of one returning customer.
    let mut orders_of: HashMap<String, Vec<SaleOrderDraft>> = HashMap::new();
    for draft in postable(&w.mapped) {
        orders_of
            .entry(customer_barcode(draft))
            .or_default()
            .push(draft.clone());
    }
    let (barcode, drafts) = orders_of
        .into_iter()
        .filter(|(_, d)| d.len() >= 2)
        .min_by(|x, y| x.0.cmp(&y.0))
        .expect("a returning customer");
    let mapped: Vec<Result<SaleOrderDraft, OrderRejection>> =
        drafts.iter().cloned().map(Ok).collect();
    let config = PostingConfig::default()
        .with_visibility_window(Duration::from_millis(1500))
        .with_uncertain_polls(4, Duration::from_millis(50));
    let ledger = InMemoryPostingLedger::new();
    // Each run is a fresh worker: only the shared ledger remembers.
    let run = || async {
        let client = fast_client(&w.stokly);
        let customers = StoklyCustomers::new(client.clone());
        post_orders(
            SHOP,
            &mapped,
            PostingPorts::new(&ledger, &client, &customers),
            &config,
        )
        .await
    };
    let posts_to_customers = || {
        w.stokly
            .requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.path == "/v0/customers")
            .map(|r| r.status)
            .collect::<Vec<_>>()
    };

    let first = run().await;
    assert!(
        first
            .iter()
            .all(|o| matches!(o.result, PostResult::Deferred { .. })),
        "{first:#?}"
    );
    assert_eq!(posts_to_customers(), [504], "the create's answer was lost");
    assert_eq!(
        w.stokly.state().customers.len(),
        1,
        "Stokly made the customer"
    );

    // Straight away, before Stokly shows it: nothing is sent, the orders wait.
    let second = run().await;
    assert!(
        second.iter().all(|o| matches!(
            &o.result,
            PostResult::Deferred { reason } if reason.to_string().contains("may have succeeded")
        )),
        "{second:#?}"
    );
    assert_eq!(posts_to_customers(), [504], "no second create");
    assert_no_duplicate_customers(&w.stokly, "after the retry");

    // After the visibility window the look-up finds the customer: it is used, not remade.
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let third = run().await;
    assert!(
        third
            .iter()
            .all(|o| matches!(o.result, PostResult::Created { .. })),
        "{third:#?}"
    );
    assert_eq!(posts_to_customers(), [504], "found, not recreated");
    let customers = assert_no_duplicate_customers(&w.stokly, "after the window");
    let customer = customers.get(&barcode).unwrap();
    let state = w.stokly.state();
    for draft in &drafts {
        let order = state
            .sale_orders
            .iter()
            .find(|o| o["sourceReferenceId"] == draft.source_reference_id())
            .unwrap();
        assert_eq!(
            order["customer"]["customerId"].as_str(),
            Some(customer.as_str())
        );
    }
}

#[tokio::test]
async fn a_second_run_creates_nothing_and_look_ups_are_batched() {
    let w = world(
        450,
        StoklyConfig::default().with_requests_per_minute(100_000),
    )
    .await;
    let drafts = postable(&w.mapped);
    let client = fast_client(&w.stokly);
    let customers = StoklyCustomers::new(client.clone());
    let ledger = InMemoryPostingLedger::new();
    let config = fast_posting();

    let first = post_orders(
        SHOP,
        &w.mapped,
        PostingPorts::new(&ledger, &client, &customers),
        &config,
    )
    .await;
    assert_eq!(first.len(), w.mapped.len());
    let created = first
        .iter()
        .filter(|o| matches!(o.result, PostResult::Created { .. }))
        .count();
    assert_eq!(created, drafts.len());
    let log = w.stokly.requests();
    let order_lookups: Vec<_> = log
        .iter()
        .filter(|r| r.method == "GET" && r.path == "/v2/saleorders")
        .collect();
    // 450 orders in chunks of 200: three look-ups, each an `=*` list.
    assert_eq!(
        order_lookups.len(),
        drafts.len().div_ceil(200),
        "{:#?}",
        order_lookups
            .iter()
            .map(|r| (r.status, r.filter.as_deref().map(|f| f.len())))
            .collect::<Vec<_>>()
    );
    assert!(
        order_lookups[0]
            .filter
            .as_deref()
            .unwrap()
            .starts_with("[sourceReferenceId]=*{")
    );
    let creates = log
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/v2/saleorders")
        .count();
    assert_eq!(creates, drafts.len());
    // Each customer was created once, however many orders named it.
    let customers_created = log
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/v0/customers")
        .count();
    let state = w.stokly.state();
    let mut barcodes: Vec<_> = state
        .customers
        .iter()
        .filter_map(|c| c["barcode"].as_str())
        .collect();
    let all = barcodes.len();
    barcodes.sort_unstable();
    barcodes.dedup();
    assert_eq!(barcodes.len(), all, "no duplicate customers");
    assert_eq!(customers_created, all);
    assert!(customers_created < drafts.len(), "customers come back");
    // Every order names its customer.
    assert!(
        state
            .sale_orders
            .iter()
            .all(|o| o["customer"]["customerId"].is_string())
    );

    // Same worker: the ledger answers, Stokly is not asked at all.
    let before_second = w.stokly.requests().len();
    let second = post_orders(
        SHOP,
        &w.mapped,
        PostingPorts::new(&ledger, &client, &customers),
        &config,
    )
    .await;
    assert_eq!(w.stokly.requests().len(), before_second);
    let before = w.stokly.requests().len();
    assert!(
        second
            .iter()
            .all(|o| !matches!(o.result, PostResult::Created { .. }))
    );
    for (a, b) in first.iter().zip(&second) {
        match (&a.result, &b.result) {
            (
                PostResult::Created { sale_order: x },
                PostResult::AlreadyPosted { sale_order: y },
            ) => {
                assert_eq!(x, y);
            }
            (x, y) => assert_eq!(x, y),
        }
    }

    // A new worker with an empty ledger: one batched look-up per 200 orders, nothing created.
    let fresh = InMemoryPostingLedger::new();
    let third = post_orders(
        SHOP,
        &w.mapped,
        PostingPorts::new(&fresh, &client, &customers),
        &config,
    )
    .await;
    // Grants aside: tokens last an emulated hour, which is seconds at this clock.
    let new_requests: Vec<_> = w.stokly.requests()[before..]
        .iter()
        .filter(|r| r.path != "/v1/grant")
        .cloned()
        .collect();
    assert_eq!(
        new_requests.len(),
        drafts.len().div_ceil(200),
        "{:#?}",
        new_requests
            .iter()
            .map(|r| (&r.method, &r.path, r.status))
            .collect::<Vec<_>>()
    );
    assert!(
        third
            .iter()
            .all(|o| !matches!(o.result, PostResult::Created { .. }))
    );
    assert_eq!(posted_counts(&w.stokly).len(), drafts.len());
}

#[tokio::test]
async fn unposted_drafts_become_in_flight_demand_per_sku() {
    let w = world(30, StoklyConfig::default()).await;
    let drafts = postable(&w.mapped);
    let mut expected: HashMap<String, u32> = HashMap::new();
    for draft in &drafts {
        for line in draft.lines() {
            *expected.entry(line.sku.clone()).or_default() += u32::try_from(line.quantity).unwrap();
        }
    }
    let demand = in_flight_demand(drafts.iter().copied());
    assert_eq!(demand.len(), expected.len());
    for d in &demand {
        assert_eq!(Some(&d.quantity), expected.get(&d.sku), "{}", d.sku);
        assert_eq!(d.shopify_location, None);
    }
    // Sorted by SKU, one entry each.
    assert!(demand.windows(2).all(|p| p[0].sku < p[1].sku));
}
