//! Fleet mode: four workers, one shop, one PostgreSQL. Orders arrive by webhook (some
//! delivered twice or three times, some never) and by the incremental poll; every delivery
//! goes through the PostgreSQL inbox into one durable queue; four workers, each with clients
//! of its own (as four processes would have), take work with `FOR UPDATE SKIP LOCKED`, read
//! and map the orders, and post them through the PostgreSQL posting ledger, pacing every
//! request through the shop's one shared Shopify cost bucket and the account's one shared
//! Stokly request budget. One worker is killed in the middle of a posting run: its queue items
//! and ledger claims are taken over by the others once their leases end.
//!
//! Run with (PostgreSQL on `DATABASE_URL`; tables under a prefix of their own, dropped at the
//! end):
//! ```sh
//! export DATABASE_URL=postgres://postgres@127.0.0.1:5432/test
//! cargo run --release --features postgres --example fleet             # 5,000 orders
//! cargo run --release --features postgres --example fleet -- --orders 1500 --seed 7
//! ```
//!
//! Emulated time runs 20 times faster than the wall clock: Stokly's budget of 240 requests per
//! emulated minute is 80 a wall-clock second for the whole fleet, and Shopify's bucket of
//! 2,000 points restores 2,000 points a wall-clock second. A write becomes readable in Stokly
//! 4 emulated seconds (0.2 wall-clock seconds) after it is carried out.
//!
//! It prints the throughput against both limits (per emulated minute or second, over the
//! middle 80% of the run, when the fleet is at full speed), the THROTTLED and 429 answers
//! (both must be 0), the duplicates (sale orders or customers made twice: must be 0) and the
//! lost orders (in Shopify, yet neither posted nor rejected: must be 0), and exits with an
//! error when any of those is not 0.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use futures::TryStreamExt;
use futures::future::{AbortHandle, Abortable, Aborted};
use stokly_shopify::RetryConfig;
use stokly_shopify::adapters::orders::{
    PostingPorts, StoklyCustomers, capture_orders, post_orders,
};
use stokly_shopify::domain::catalogue::SkuIndex;
use stokly_shopify::domain::order::OrderMappingConfig;
use stokly_shopify::domain::ports::DedupEntry;
use stokly_shopify::domain::posting::{OrderWork, PostResult, PostingConfig, ledger_key};
use stokly_shopify::postgres::{
    Checkpoint, Fleet, InboxVerdict, PgInbox, PgPostingLedger, PgWorkQueue, QueuedItem,
};
use stokly_shopify::sandbox::shopify::Outcome;
use stokly_shopify::sandbox::{
    SandboxClock, ScenarioBuilder, ShopifyConfig, ShopifyEmulator, StoklyConfig, StoklyEmulator,
    read_catalogue_and_mapping,
};
use stokly_shopify::shopify::{self, DEFAULT_ORDER_OVERLAP, OrderCursor, OrderId, PageOptions};
use stokly_shopify::stokly::{self, RateLimit, VisibilityPoll};

type Failure = Box<dyn std::error::Error + Send + Sync>;

const SHOP: &str = "fleet.myshopify.com";
const ACCOUNT: &str = "fleet";
/// Emulated seconds per wall-clock second.
const TIME_SCALE: f64 = 20.0;
/// Stokly's budget, requests per emulated minute (the emulator's default).
const STOKLY_PER_MINUTE: u32 = 240;
/// The share of Stokly's budget the fleet paces itself to: answers to four workers reach the
/// emulator's fixed windows a little out of step, so pacing at exactly the limit would meet a
/// 429 now and then.
const STOKLY_PACE: f64 = 0.95;
/// Orders a worker takes from the queue at a time.
const BATCH: u32 = 25;
/// Batches a worker process reads and posts at a time.
const LANES: usize = 3;
/// How long a worker holds queue items: a batch is read and posted well within it.
const QUEUE_LEASE: Duration = Duration::from_secs(8);

struct Settings {
    orders: usize,
    seed: u64,
    workers: usize,
}

fn settings() -> Result<Settings, Failure> {
    let mut s = Settings {
        orders: 5_000,
        seed: 2026,
        workers: 4,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--orders" => s.orders = value.parse::<usize>()?.max(10),
            "--seed" => s.seed = value.parse()?,
            "--workers" => s.workers = value.parse::<usize>()?.max(2),
            other => {
                return Err(
                    format!("unknown flag {other} (--orders N, --seed S, --workers W)").into(),
                );
            }
        }
    }
    Ok(s)
}

/// The posting run's timings in wall-clock time: a write is readable 4 emulated seconds
/// (0.2 s) after it is carried out.
fn posting_config() -> PostingConfig {
    PostingConfig::default()
        .with_lease(Duration::from_secs(5))
        .with_visibility_window(Duration::from_millis(400))
        .with_uncertain_polls(6, Duration::from_millis(100))
}

fn retry() -> RetryConfig {
    RetryConfig::default()
        .with_max_attempts(6)
        .with_initial_backoff(Duration::from_millis(20))
        .with_max_backoff(Duration::from_millis(200))
}

/// A small seeded generator (xorshift), for the webhook deliveries.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// What every worker shares: the database, the emulators' addresses, the mapping inputs.
struct Shared {
    fleet: Fleet,
    shopify: ShopifyEmulator,
    stokly: StoklyEmulator,
    index: SkuIndex,
    mapping: OrderMappingConfig,
    posting: PostingConfig,
    stokly_limit: RateLimit,
    /// How each order settled, by numeric ID (one entry per settling answer).
    settled: Mutex<HashMap<u64, Vec<&'static str>>>,
    /// Set once every delivery and poll is in the queue.
    producers_done: AtomicBool,
    /// Set by worker 0 while it is inside a posting run (the moment to kill it).
    victim_posting: AtomicBool,
    posted_by_runs: AtomicUsize,
}

impl Shared {
    fn queue(&self) -> PgWorkQueue {
        self.fleet.queue("orders")
    }
    fn inbox(&self) -> PgInbox {
        self.fleet.inbox(TimeDelta::hours(24), "orders")
    }
    /// A Shopify client as a worker process builds it: its own connection pool and learned
    /// costs, pacing through the shop's shared bucket.
    fn shopify_client(&self, fleet: &Fleet) -> Result<shopify::Client, Failure> {
        Ok(self
            .shopify
            .client_builder()
            .retry(retry())
            .cost_pacer(Arc::new(fleet.shopify_bucket(SHOP)))
            .build()?)
    }
    /// A Stokly client as a worker process builds it: its own token, pacing through the
    /// account's shared budget.
    fn stokly_client(&self, fleet: &Fleet) -> Result<stokly::Client, Failure> {
        let poll = VisibilityPoll::default()
            .with_initial_delay(Duration::from_millis(50))
            .with_max_delay(Duration::from_millis(150));
        Ok(self
            .stokly
            .client_builder()
            .retry(retry())
            .visibility_poll(poll)
            .request_pacer(Arc::new(fleet.stokly_budget(ACCOUNT, self.stokly_limit)))
            .build()?)
    }
    fn settle(&self, order: u64, how: &'static str) {
        self.settled
            .lock()
            .unwrap()
            .entry(order)
            .or_default()
            .push(how);
    }
}

/// Webhook deliveries: 85% of the orders ring the doorbell, a quarter of those twice or three
/// times (Shopify delivers at least once), in a shuffled order, a few hundred a second.
async fn deliver_webhooks(shared: Arc<Shared>, seed: u64) -> Result<(usize, usize), Failure> {
    let inbox = shared.inbox();
    let orders: Vec<(u64, chrono::DateTime<Utc>)> = shared
        .shopify
        .with_state(|s| s.orders.values().map(|o| (o.id, o.updated_at)).collect());
    let mut dice = Dice(seed | 1);
    let mut deliveries = Vec::new();
    for (id, updated_at) in orders {
        if dice.below(100) >= 85 {
            continue;
        }
        let copies = if dice.below(4) == 0 {
            2 + dice.below(2)
        } else {
            1
        };
        for _ in 0..copies {
            deliveries.push((id, updated_at));
        }
    }
    for i in (1..deliveries.len()).rev() {
        let j = usize::try_from(dice.below(i as u64 + 1))?;
        deliveries.swap(i, j);
    }
    let (mut enqueued, mut duplicates) = (0, 0);
    for chunk in deliveries.chunks(50) {
        for &(id, updated_at) in chunk {
            let entry = DedupEntry::new(
                format!("{SHOP}/event:order-{id}"),
                Some(format!("{SHOP}/gid://shopify/Order/{id}")),
                Some(updated_at),
            );
            let work = OrderWork::Capture {
                order_id: OrderId::from_numeric(id),
                updated_at: Some(updated_at),
            };
            match inbox
                .accept(&entry, &work, Some(&format!("order/{id}")), Utc::now())
                .await?
            {
                InboxVerdict::Enqueued { .. } => enqueued += 1,
                _ => duplicates += 1,
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok((enqueued, duplicates))
}

/// The incremental poll: reads the orders updated since the shop's checkpoint, queues each
/// through the inbox (its own event key per order version) and moves the checkpoint, until a
/// pass finds every order of the shop.
async fn poll_orders(shared: Arc<Shared>, total: usize) -> Result<usize, Failure> {
    let client = shared.shopify_client(&shared.fleet)?;
    let inbox = shared.inbox();
    let checkpoints = shared.fleet.checkpoints();
    let mut seen: HashSet<u64> = HashSet::new();
    let mut queued = 0;
    loop {
        tokio::time::sleep(Duration::from_secs(2)).await;
        let stored = checkpoints.get(SHOP, Checkpoint::OrderPoll).await?;
        let mut cursor = match &stored {
            Some(t) => OrderCursor::at(chrono::DateTime::parse_from_rfc3339(t)?.to_utc()),
            None => OrderCursor::start(),
        };
        let refs: Vec<_> = client
            .orders_updated_since(&cursor, DEFAULT_ORDER_OVERLAP, PageOptions::default())
            .try_collect()
            .await?;
        for r in &refs {
            let id = r.id.numeric_id();
            let entry = DedupEntry::new(
                format!("{SHOP}/poll:{id}@{}", r.updated_at.to_rfc3339()),
                Some(format!("{SHOP}/{}", r.id)),
                Some(r.updated_at),
            );
            let work = OrderWork::Capture {
                order_id: r.id.clone(),
                updated_at: Some(r.updated_at),
            };
            if let InboxVerdict::Enqueued { item: Some(_) } = inbox
                .accept(&entry, &work, Some(&format!("order/{id}")), Utc::now())
                .await?
            {
                queued += 1;
            }
            seen.insert(id);
            cursor.advance(r);
        }
        if let Some(t) = cursor.updated_at {
            // Only from what was read: another poller moving it first wins.
            checkpoints
                .advance(
                    SHOP,
                    Checkpoint::OrderPoll,
                    stored.as_deref(),
                    &t.to_rfc3339(),
                    Utc::now(),
                )
                .await?;
        }
        if seen.len() >= total {
            return Ok(queued);
        }
    }
}

/// Starts a worker as a process of its own would be: a thread with its own runtime, its own
/// database pool and its own clients. The handle kills it (its work is dropped wherever it
/// stands, as a crash would leave it).
fn start_worker(
    shared: Arc<Shared>,
    url: String,
    name: String,
    victim: bool,
) -> (std::thread::JoinHandle<Result<(), Failure>>, AbortHandle) {
    let (handle, registration) = AbortHandle::new_pair();
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime.block_on(async move {
            let pool = stokly_shopify::postgres::sqlx::postgres::PgPoolOptions::new()
                .max_connections(4)
                .connect(&url)
                .await?;
            let fleet = Fleet::new(pool, shared.fleet.prefix())?;
            match Abortable::new(work(shared, fleet, name, victim), registration).await {
                Ok(result) => result,
                Err(Aborted) => Ok(()),
            }
        })
    });
    (thread, handle)
}

/// One worker: takes orders from the queue, reads and maps them, posts them, and answers the
/// queue for each, until the producers are done and nothing is left.
async fn work(
    shared: Arc<Shared>,
    fleet: Fleet,
    name: String,
    victim: bool,
) -> Result<(), Failure> {
    let queue = fleet.queue("orders");
    let ledger: PgPostingLedger = fleet.ledger();
    let shopify = shared.shopify_client(&fleet)?;
    let stokly = shared.stokly_client(&fleet)?;
    let customers = StoklyCustomers::new(stokly.clone());
    let worker = Worker {
        shared: &shared,
        queue: &queue,
        ledger: &ledger,
        shopify: &shopify,
        stokly: &stokly,
        customers: &customers,
        name: &name,
        victim,
    };
    futures::future::try_join_all((0..LANES).map(|_| worker.lane())).await?;
    Ok(())
}

/// What a worker's lanes share: one process's clients and pool.
#[derive(Clone, Copy)]
struct Worker<'a> {
    shared: &'a Shared,
    queue: &'a PgWorkQueue,
    ledger: &'a PgPostingLedger,
    shopify: &'a shopify::Client,
    stokly: &'a stokly::Client,
    customers: &'a StoklyCustomers,
    name: &'a str,
    victim: bool,
}

impl Worker<'_> {
    async fn lane(self) -> Result<(), Failure> {
        let Self {
            shared,
            queue,
            ledger,
            shopify,
            stokly,
            customers,
            name,
            victim,
        } = self;
        loop {
            let items: Vec<QueuedItem<OrderWork>> =
                queue.take(name, BATCH, Utc::now(), QUEUE_LEASE).await?;
            if items.is_empty() {
                if shared.producers_done.load(Ordering::SeqCst)
                    && queue.counts(Utc::now()).await?.outstanding() == 0
                {
                    return Ok(());
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
            // Orders the ledger knows as posted need no read and no request.
            let mut by_order: HashMap<u64, Vec<QueuedItem<OrderWork>>> = HashMap::new();
            let mut to_read = Vec::new();
            for item in items {
                let OrderWork::Capture { order_id, .. } = &item.payload else {
                    queue
                        .fail(&item, "this example queues captures only")
                        .await?;
                    continue;
                };
                let id = order_id.numeric_id();
                if ledger
                    .posted_as(&ledger_key(SHOP, &id.to_string()))
                    .await?
                    .is_some()
                {
                    shared.settle(id, "already posted (ledger)");
                    queue.complete(&item).await?;
                    continue;
                }
                if !by_order.contains_key(&id) {
                    to_read.push(order_id.clone());
                }
                by_order.entry(id).or_default().push(item);
            }
            if to_read.is_empty() {
                continue;
            }
            let later = Utc::now() + TimeDelta::milliseconds(500);
            let captured =
                match capture_orders(shopify, &to_read, &shared.index, &shared.mapping).await {
                    Ok(c) => c,
                    Err(e) => {
                        for item in by_order.values().flatten() {
                            queue.retry_later(item, later, Some(&e.to_string())).await?;
                        }
                        continue;
                    }
                };
            for id in &captured.missing {
                for item in by_order.remove(&id.numeric_id()).unwrap_or_default() {
                    shared.settle(id.numeric_id(), "missing");
                    queue.complete(&item).await?;
                }
            }
            for failure in &captured.failed {
                for id in &failure.orders {
                    for item in by_order.remove(&id.numeric_id()).unwrap_or_default() {
                        queue
                            .retry_later(&item, later, Some(&failure.error.to_string()))
                            .await?;
                    }
                }
            }
            if victim {
                shared.victim_posting.store(true, Ordering::SeqCst);
            }
            let ports = PostingPorts::new(ledger, stokly, customers);
            let outcomes = post_orders(SHOP, &captured.mapped, ports, &shared.posting).await;
            if victim {
                shared.victim_posting.store(false, Ordering::SeqCst);
            }
            for outcome in outcomes {
                let id = outcome.order_id.numeric_id();
                let items = by_order.remove(&id).unwrap_or_default();
                match &outcome.result {
                    PostResult::Deferred { .. } => {
                        for item in &items {
                            queue.retry_later(item, later, None).await?;
                        }
                    }
                    PostResult::Refused { message, .. } => {
                        shared.settle(id, "refused");
                        for item in &items {
                            queue.fail(item, message).await?;
                        }
                    }
                    result => {
                        if matches!(result, PostResult::Created { .. }) {
                            shared.posted_by_runs.fetch_add(1, Ordering::SeqCst);
                        }
                        shared.settle(id, result.kind());
                        for item in &items {
                            queue.complete(item).await?;
                        }
                    }
                }
            }
            // Anything the run did not answer for goes back, never dropped.
            for item in by_order.values().flatten() {
                queue.retry_later(item, later, Some("no outcome")).await?;
            }
        }
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

/// Events per emulated `unit` over the middle 80% of `times` (emulated offsets): the pace
/// the fleet held once under way, apart from its start and its tail.
fn sustained_rate(times: &mut [Duration], unit: Duration) -> f64 {
    times.sort();
    let n = times.len();
    if n < 10 {
        return 0.0;
    }
    let (a, b) = (n / 10, n - n / 10 - 1);
    let span = times[b].saturating_sub(times[a]).as_secs_f64();
    if span <= 0.0 {
        return 0.0;
    }
    (b - a) as f64 / span * unit.as_secs_f64()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Failure> {
    let settings = settings()?;
    let url = std::env::var("DATABASE_URL").map_err(|_| {
        "set DATABASE_URL to a PostgreSQL database (for example \
         postgres://postgres@127.0.0.1:5432/test)"
    })?;
    let pool = stokly_shopify::postgres::sqlx::postgres::PgPoolOptions::new()
        .max_connections(24)
        .connect(&url)
        .await?;
    let fleet = Fleet::new(pool, &format!("fleet_example_{}_", std::process::id()))?;
    fleet.drop_tables().await?;
    fleet.migrate().await?;
    claim_round_trip(&fleet).await?;
    let result = run(&settings, fleet.clone(), &url).await;
    fleet.drop_tables().await?;
    result
}

/// Times 500 ledger claims of new orders, one after another, as a worker makes them.
async fn claim_round_trip(fleet: &Fleet) -> Result<(), Failure> {
    use stokly_shopify::domain::posting::PostingLedger;
    let ledger = fleet.ledger();
    let mut times = Vec::new();
    for n in 0..500 {
        let key = format!("timing.myshopify.com/orders/{n}");
        let sent = Instant::now();
        ledger
            .claim(&key, Utc::now(), Duration::from_secs(60))
            .await?;
        times.push(sent.elapsed());
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "ledger claim round trip: median {:.2} ms, p99 {:.2} ms over {} claims (target: under 2 ms)",
        ms(times[times.len() / 2]),
        ms(times[times.len() * 99 / 100]),
        times.len()
    );
    Ok(())
}

async fn run(settings: &Settings, fleet: Fleet, url: &str) -> Result<(), Failure> {
    let started = Instant::now();
    let scenario = ScenarioBuilder::new(settings.seed)
        .skus(60)
        .bundles(4)
        .orders(settings.orders)
        .build();
    let (shopify_state, stokly_state) = scenario.linked_states(SHOP, ACCOUNT);
    let clock = SandboxClock::new(Utc::now(), TIME_SCALE);
    let shopify =
        ShopifyEmulator::start(shopify_state, ShopifyConfig::standard_plan(), clock.clone())
            .await?;
    let stokly = StoklyEmulator::start(
        stokly_state,
        StoklyConfig::default()
            .with_requests_per_minute(STOKLY_PER_MINUTE)
            .with_visibility_delay(Duration::from_secs(4)),
        clock.clone(),
    )
    .await?;
    let stokly_limit = RateLimit::default()
        .with_requests_per_second(f64::from(STOKLY_PER_MINUTE) / 60.0 * TIME_SCALE * STOKLY_PACE)
        .with_window(Duration::from_secs_f64(60.0 / TIME_SCALE));

    // The catalogue and the mapping, read once up front (each process of a real fleet reads
    // its own), through the shared budgets like everything else.
    let setup_shopify = shopify
        .client_builder()
        .cost_pacer(Arc::new(fleet.shopify_bucket(SHOP)))
        .build()?;
    let setup_stokly = stokly
        .client_builder()
        .request_pacer(Arc::new(fleet.stokly_budget(ACCOUNT, stokly_limit)))
        .build()?;
    let (index, mapping) = read_catalogue_and_mapping(&setup_shopify, &setup_stokly).await?;
    println!(
        "{} orders in the shop; catalogue read in {:.1} s; {} workers start",
        settings.orders,
        started.elapsed().as_secs_f64(),
        settings.workers
    );

    let shared = Arc::new(Shared {
        fleet: fleet.clone(),
        shopify,
        stokly,
        index,
        mapping,
        posting: posting_config(),
        stokly_limit,
        settled: Mutex::new(HashMap::new()),
        producers_done: AtomicBool::new(false),
        victim_posting: AtomicBool::new(false),
        posted_by_runs: AtomicUsize::new(0),
    });
    let phase_start = clock.elapsed();
    let phase_started = Instant::now();

    let webhooks = tokio::spawn(deliver_webhooks(shared.clone(), settings.seed));
    let poll = tokio::spawn(poll_orders(shared.clone(), settings.orders));
    let mut workers = Vec::new();
    for w in 0..settings.workers {
        workers.push(start_worker(
            shared.clone(),
            url.to_owned(),
            format!("w{w}"),
            w == 0,
        ));
    }

    // Kill worker 0 in the middle of a posting run, once a third of the orders are posted.
    let ledger = fleet.ledger();
    let order_keys = format!("{SHOP}/orders/");
    loop {
        let posted = ledger.posted_count(&order_keys).await?;
        if posted as usize >= settings.orders / 3 && shared.victim_posting.load(Ordering::SeqCst) {
            break;
        }
        if workers[0].0.is_finished() {
            return Err("worker 0 ended before it could be killed".into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Long enough for its claims, not for all its creates.
    tokio::time::sleep(Duration::from_millis(60)).await;
    workers[0].1.abort();
    let killed_at = Utc::now();
    let held: Vec<(i64, String)> = stokly_shopify::postgres::sqlx::query_as(&format!(
        "SELECT id, payload->>'order_id' FROM {}work_queue \
         WHERE worker = 'w0' AND state = 'taken' AND lease_until > $1",
        fleet.prefix()
    ))
    .bind(killed_at)
    .fetch_all(fleet.pool())
    .await?;
    let claims_open: i64 = stokly_shopify::postgres::sqlx::query_scalar(&format!(
        "SELECT count(*) FROM {}ledger WHERE record_id IS NULL AND lease_until > $1 \
         AND starts_with(key, $2)",
        fleet.prefix()
    ))
    .bind(killed_at)
    .bind(format!("{SHOP}/"))
    .fetch_one(fleet.pool())
    .await?;
    println!(
        "killed worker w0 after {:.1} s, mid-run, holding {} queue items; {claims_open} ledger \
         claims open across the fleet at that moment",
        phase_started.elapsed().as_secs_f64(),
        held.len()
    );

    let (enqueued, duplicate_deliveries) = webhooks.await??;
    let polled = poll.await??;
    shared.producers_done.store(true, Ordering::SeqCst);
    for (w, (thread, _)) in workers.into_iter().enumerate() {
        let result = tokio::task::spawn_blocking(move || thread.join())
            .await?
            .map_err(|_| format!("worker w{w} panicked"))?;
        result.map_err(|e| format!("worker w{w}: {e}"))?;
    }
    let phase_wall = phase_started.elapsed().as_secs_f64();

    // The killed worker's orders: each settled, and each claimed again after its lease.
    let mut taken_over = 0;
    for (_, gid) in &held {
        let id: OrderId = gid.parse()?;
        let key = ledger_key(SHOP, &id.numeric_id().to_string());
        if ledger.claims_of(&key).await? >= 2 {
            taken_over += 1;
        }
    }

    // What reached the emulators during the run.
    let shopify_log: Vec<_> = shared
        .shopify
        .requests()
        .into_iter()
        .filter(|r| r.at >= phase_start)
        .collect();
    let throttled = shopify_log
        .iter()
        .filter(|r| r.outcome == Outcome::Throttled)
        .count();
    let mut points: Vec<Duration> = Vec::new();
    for r in &shopify_log {
        for _ in 0..r.actual_cost.unwrap_or(0) {
            points.push(r.at);
        }
    }
    let stokly_log: Vec<_> = shared
        .stokly
        .requests()
        .into_iter()
        .filter(|r| r.at >= phase_start && r.path != "/v1/grant")
        .collect();
    let too_many = stokly_log.iter().filter(|r| r.status == 429).count();
    let mut stokly_times: Vec<Duration> = stokly_log.iter().map(|r| r.at).collect();
    let stokly_rate = sustained_rate(&mut stokly_times, Duration::from_secs(60));
    let shopify_rate = sustained_rate(&mut points, Duration::from_secs(1));
    let shopify_limit = ShopifyConfig::standard_plan().restore_rate;

    // Every order of the shop: posted once, or settled without a sale order.
    let in_stokly = posted_counts(&shared.stokly);
    let duplicates: usize = in_stokly.values().map(|n| n - 1).sum();
    let customer_duplicates = duplicate_customers(&shared.stokly);
    let settled = shared.settled.lock().unwrap().clone();
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    let mut lost = Vec::new();
    let all_orders: Vec<u64> = shared
        .shopify
        .with_state(|s| s.orders.keys().copied().collect());
    for id in &all_orders {
        let answers = settled.get(id).cloned().unwrap_or_default();
        let posted = in_stokly.contains_key(&id.to_string());
        let without_sale_order = answers
            .iter()
            .any(|k| matches!(*k, "rejected" | "skipped" | "missing"));
        if !posted && !without_sale_order {
            lost.push(*id);
        }
        for k in answers {
            *kinds.entry(k).or_default() += 1;
        }
    }
    let counts = shared.queue().counts(Utc::now()).await?;

    println!(
        "\nfleet of {} workers, one shop, one PostgreSQL",
        settings.workers
    );
    println!(
        "  deliveries: {enqueued} webhooks queued, {duplicate_deliveries} duplicate deliveries \
         dropped by the inbox; {polled} orders queued by the poll"
    );
    println!("  answers per order (all workers): {kinds:?}");
    println!(
        "  posted: {} sale orders for {} orders in {phase_wall:.1} s ({:.0} orders/s)",
        in_stokly.len(),
        all_orders.len(),
        in_stokly.len() as f64 / phase_wall
    );
    println!(
        "  Stokly:  {} requests; sustained {stokly_rate:.0} per emulated minute, limit \
         {STOKLY_PER_MINUTE} ({:.0}%)",
        stokly_log.len(),
        stokly_rate / f64::from(STOKLY_PER_MINUTE) * 100.0
    );
    println!(
        "  Shopify: {} requests, {} points; sustained {shopify_rate:.0} points per emulated \
         second, restore rate {shopify_limit:.0} ({:.0}%)",
        shopify_log.len(),
        points.len(),
        shopify_rate / shopify_limit * 100.0
    );
    println!("  THROTTLED answers:        {throttled}");
    println!("  429 answers:              {too_many}");
    println!(
        "  killed worker's orders:   {} held, all settled; {taken_over} claimed again by the \
         others after its lease (the rest it had posted before dying)",
        held.len()
    );
    println!("  duplicate sale orders:    {duplicates}");
    println!("  duplicate customers:      {customer_duplicates}");
    println!("  lost orders:              {}", lost.len());
    println!(
        "  queue left: {} outstanding, {} failed",
        counts.outstanding(),
        counts.failed
    );

    let mut problems = Vec::new();
    if throttled > 0 {
        problems.push(format!("{throttled} THROTTLED"));
    }
    if too_many > 0 {
        problems.push(format!("{too_many} 429s"));
    }
    if duplicates > 0 || customer_duplicates > 0 {
        problems.push("duplicates in Stokly".to_owned());
    }
    if !lost.is_empty() {
        problems.push(format!(
            "{} orders lost (first: {:?})",
            lost.len(),
            &lost[..lost.len().min(5)]
        ));
    }
    if counts.outstanding() > 0 || counts.failed > 0 {
        problems.push("work left in the queue".to_owned());
    }
    if held.is_empty() {
        problems.push("the killed worker held no work: the kill proved nothing".to_owned());
    }
    if problems.is_empty() {
        println!(
            "\nOK: no THROTTLED, no 429, no duplicate, nothing lost, the killed worker's work taken over"
        );
        Ok(())
    } else {
        Err(problems.join("; ").into())
    }
}
