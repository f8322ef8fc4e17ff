//! The Shopify Admin GraphQL emulator.

mod b2b;
mod document;
mod fulfillment;
mod ops;
mod payouts;
mod refund;
mod sales;
mod state;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::{Map, Value, json};
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub use b2b::{B2bBook, SandboxCatalog, SandboxCompanyLocation, SandboxCustomer, SandboxPriceList};
pub use fulfillment::{
    FulfillmentBook, SandboxFoLine, SandboxFulfillment, SandboxFulfillmentOrder,
    SandboxOrderFulfillment,
};
pub use payouts::SandboxPaymentsAccount;
pub use refund::{
    RefundBook, SandboxDisposition, SandboxRefund, SandboxRefundLine, SandboxReturn,
    SandboxReturnLine,
};
pub use sales::SalesChurn;
pub use state::{
    SandboxBulkOperation, SandboxComponent, SandboxInventoryChange, SandboxLineGroup,
    SandboxLineItem, SandboxLocation, SandboxOrder, SandboxProduct, SandboxShop, SandboxVariant,
    ShopifyState,
};

use super::clock::SandboxClock;
use super::faults::{Fault, FaultConfig, FaultInjector, start_drop_proxy};
use crate::secret::Secret;
use document::{Analysed, MAX_QUERY_COST};
pub use document::{DocumentError, requested_query_cost};
use ops::{OpCtx, OpResult, top_error};

/// How the Shopify emulator behaves.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ShopifyConfig {
    /// The access token requests must carry.
    pub access_token: Secret,
    /// Bucket size in points (a standard plan reports 2,000).
    pub bucket_size: f64,
    /// Points restored per emulated second (a standard plan reports 100).
    pub restore_rate: f64,
    /// Polls a bulk operation takes to complete (default 2).
    pub bulk_polls_to_complete: u32,
    /// Make every bulk operation end `FAILED` with this error code.
    pub fail_bulk_with: Option<String>,
    /// Faults to inject.
    pub faults: FaultConfig,
    /// Sales landing in the shop while requests are answered (none by default).
    pub sales: Option<SalesChurn>,
}

impl Default for ShopifyConfig {
    fn default() -> Self {
        Self {
            access_token: Secret::new("shpat_sandbox_token"),
            bucket_size: 2000.0,
            restore_rate: 100.0,
            bulk_polls_to_complete: 2,
            fail_bulk_with: None,
            faults: FaultConfig::none(),
            sales: None,
        }
    }
}

impl ShopifyConfig {
    /// A standard plan's bucket (2,000 points, 100 per second).
    #[must_use]
    pub fn standard_plan() -> Self {
        Self::default()
    }
    /// Sets the bucket.
    #[must_use]
    pub fn with_bucket(mut self, size: f64, restore_rate: f64) -> Self {
        self.bucket_size = size;
        self.restore_rate = restore_rate;
        self
    }
    /// Sets the faults.
    #[must_use]
    pub fn with_faults(mut self, faults: FaultConfig) -> Self {
        self.faults = faults;
        self
    }
    /// Makes sales land in the shop while requests are answered.
    #[must_use]
    pub fn with_sales(mut self, sales: SalesChurn) -> Self {
        self.sales = Some(sales);
        self
    }
    /// Makes bulk operations fail with `error_code`.
    #[must_use]
    pub fn with_failing_bulk_operations(mut self, error_code: &str) -> Self {
        self.fail_bulk_with = Some(error_code.to_owned());
        self
    }
}

/// How one request ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// Answered with data.
    Ok,
    /// Answered with `THROTTLED` (bucket empty or injected).
    Throttled,
    /// Answered with top-level GraphQL errors with this code.
    GraphQlError(String),
    /// Answered 401.
    Unauthorized,
    /// An injected 503.
    InjectedServerError,
    /// A mutation that was carried out, answered with an injected 504 (its answer lost:
    /// [`FaultConfig::with_lost_response_rate`]).
    LostAnswer,
}

/// One request the emulator received.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LoggedRequest {
    /// The operation name.
    pub operation: String,
    /// The variables.
    pub variables: Value,
    /// The cost requested (as computed from the document).
    pub requested_cost: Option<u64>,
    /// The cost charged.
    pub actual_cost: Option<u64>,
    /// Points left afterwards.
    pub available_after: f64,
    /// How it ended.
    pub outcome: Outcome,
    /// Emulated time of arrival since the emulator started.
    pub at: Duration,
}

#[derive(Debug)]
struct Bucket {
    available: f64,
    at: Duration,
}

struct Shared {
    config: ShopifyConfig,
    clock: SandboxClock,
    state: Mutex<ShopifyState>,
    bucket: Mutex<Bucket>,
    log: Mutex<Vec<LoggedRequest>>,
    faults: Arc<FaultInjector>,
    base_url: Mutex<String>,
    sales: Option<Mutex<sales::SalesProgress>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A running Shopify emulator on loopback. Dropping it stops the server.
pub struct ShopifyEmulator {
    server: MockServer,
    shared: Arc<Shared>,
    uri: String,
}

impl std::fmt::Debug for ShopifyEmulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShopifyEmulator")
            .field("uri", &self.uri)
            .finish_non_exhaustive()
    }
}

impl ShopifyEmulator {
    /// Starts the emulator with `state`, on `clock`.
    ///
    /// # Errors
    /// An I/O error if the fault proxy cannot bind a loopback port.
    pub async fn start(
        state: ShopifyState,
        config: ShopifyConfig,
        clock: SandboxClock,
    ) -> std::io::Result<Self> {
        let server = MockServer::start().await;
        let faults = Arc::new(FaultInjector::new(config.faults));
        let churn = config.sales;
        let shared = Arc::new(Shared {
            bucket: Mutex::new(Bucket {
                available: config.bucket_size,
                at: clock.elapsed(),
            }),
            config,
            clock,
            state: Mutex::new(state),
            log: Mutex::new(Vec::new()),
            faults: faults.clone(),
            base_url: Mutex::new(server.uri()),
            sales: churn.map(|c| Mutex::new(sales::SalesProgress::new(c))),
        });
        Mock::given(method("POST"))
            .and(path_regex(r"^/admin/api/[0-9a-z-]+/graphql\.json$"))
            .respond_with(GraphQlResponder(shared.clone()))
            .named("Shopify Admin GraphQL emulator")
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path_regex(r"^/bulk-results/[0-9]+\.jsonl$"))
            .respond_with(BulkResultResponder(shared.clone()))
            .named("Shopify bulk results")
            .mount(&server)
            .await;
        let uri = if shared.faults.config().dropped_connection_rate > 0.0 {
            let proxy = start_drop_proxy(*server.address(), faults).await?;
            format!("http://{proxy}")
        } else {
            server.uri()
        };
        *lock(&shared.base_url) = uri.clone();
        Ok(Self {
            server,
            shared,
            uri,
        })
    }

    /// The origin to use as the client's `base_url`.
    #[must_use]
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// A client builder pointed at the emulator with its shop and token.
    pub fn client_builder(&self) -> crate::shopify::ClientBuilder {
        let domain = lock(&self.shared.state).shop.domain.clone();
        crate::shopify::Client::builder()
            .shop(domain)
            .access_token(self.shared.config.access_token.clone())
            .base_url(self.uri.clone())
    }

    /// Reads or changes the state (for seeding tests and asserting on the outcome).
    pub fn with_state<R>(&self, f: impl FnOnce(&mut ShopifyState) -> R) -> R {
        f(&mut lock(&self.shared.state))
    }

    /// Places a hold (with this `FulfillmentHoldReason`) on some lines of an order's
    /// fulfillment orders, given as (fulfillment-order line number, units): as in real
    /// Shopify the lines split off into a new fulfillment order `ON_HOLD`. Answers its
    /// number, or `None` when the order or a line does not exist.
    pub fn hold_fulfillment_order_lines(
        &self,
        order: u64,
        lines: &[(u64, i64)],
        reason: &str,
    ) -> Option<u64> {
        self.with_state(|s| fulfillment::hold_lines(s, order, lines, reason))
    }

    /// Releases every hold of a fulfillment order; `false` when it is not on hold.
    pub fn release_fulfillment_holds(&self, fulfillment_order: u64) -> bool {
        self.with_state(|s| fulfillment::release_holds(s, fulfillment_order))
    }

    /// The fulfillment state of an order (made on first use), if the order exists.
    pub fn order_fulfillment(&self, order: u64) -> Option<SandboxOrderFulfillment> {
        self.with_state(|s| {
            fulfillment::ensure(s, order)
                .then(|| s.fulfillment.orders.get(&order).cloned())
                .flatten()
        })
    }

    /// A copy of the state.
    #[must_use]
    pub fn state(&self) -> ShopifyState {
        lock(&self.shared.state).clone()
    }

    /// Every request received so far.
    #[must_use]
    pub fn requests(&self) -> Vec<LoggedRequest> {
        lock(&self.shared.log).clone()
    }

    /// Sales made so far by [`ShopifyConfig::sales`].
    #[must_use]
    pub fn sales_made(&self) -> u64 {
        self.shared.sales.as_ref().map_or(0, |s| lock(s).made())
    }

    /// The emulator's clock.
    #[must_use]
    pub fn clock(&self) -> &SandboxClock {
        &self.shared.clock
    }

    /// The underlying mock server (to mount extra mocks in a test).
    #[must_use]
    pub fn server(&self) -> &MockServer {
        &self.server
    }
}

struct BulkResultResponder(Arc<Shared>);

impl Respond for BulkResultResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let id = request
            .url
            .path()
            .trim_start_matches("/bulk-results/")
            .trim_end_matches(".jsonl")
            .parse::<u64>()
            .ok();
        let state = lock(&self.0.state);
        match id
            .and_then(|id| state.bulk_operations.get(&id))
            .and_then(|op| op.result.clone())
        {
            Some(body) => ResponseTemplate::new(200)
                .insert_header("content-type", "application/jsonl")
                .set_body_string(body),
            None => ResponseTemplate::new(404).set_body_string("NoSuchKey"),
        }
    }
}

struct GraphQlResponder(Arc<Shared>);

fn graphql_answer(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("x-request-id", request_id())
        .set_body_json(body)
}

fn request_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!("sandbox-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

impl Respond for GraphQlResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let latency = self.0.config.faults.latency;
        self.answer(request).set_delay(latency)
    }
}

impl GraphQlResponder {
    fn answer(&self, request: &Request) -> ResponseTemplate {
        let shared = &self.0;
        let at = shared.clock.elapsed();
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let operation_name = body
            .get("operationName")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let variables: Map<String, Value> = body
            .get("variables")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let mut entry = LoggedRequest {
            operation: operation_name.clone().unwrap_or_default(),
            variables: Value::Object(variables.clone()),
            requested_cost: None,
            actual_cost: None,
            available_after: 0.0,
            outcome: Outcome::Ok,
            at,
        };
        let token_ok = request
            .headers
            .get("x-shopify-access-token")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t == shared.config.access_token.expose());
        if !token_ok {
            entry.outcome = Outcome::Unauthorized;
            self.log(entry);
            return ResponseTemplate::new(401).set_body_json(json!({
                "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
            }));
        }
        if let Some(sales) = &shared.sales {
            lock(sales).on_request(&mut lock(&shared.state));
        }
        match shared.faults.draw() {
            Fault::ServerError => {
                entry.outcome = Outcome::InjectedServerError;
                self.log(entry);
                return ResponseTemplate::new(503).set_body_string("sandbox: injected 503");
            }
            Fault::Throttle => {
                let status = self.status(self.refill(at));
                entry.outcome = Outcome::Throttled;
                entry.available_after = status.1;
                self.log(entry);
                return graphql_answer(throttled(None, status));
            }
            Fault::None => {}
        }
        let Some(document) = body.get("query").and_then(Value::as_str) else {
            entry.outcome = Outcome::GraphQlError("BAD_REQUEST".into());
            self.log(entry);
            return ResponseTemplate::new(400)
                .set_body_json(json!({"errors": [{"message": "Parameter Missing or Invalid"}]}));
        };
        let analysed = match document::analyse(document, operation_name.as_deref(), &variables) {
            Ok(a) => a,
            Err(e) => {
                entry.outcome = Outcome::GraphQlError(e.code.to_owned());
                let mut error = top_error(e.code, e.message);
                if let Some(map) = error.as_object_mut() {
                    if let Some((line, column)) = e.location {
                        map.insert(
                            "locations".into(),
                            json!([{"line": line, "column": column}]),
                        );
                    }
                    if !e.path.is_empty() {
                        map.insert("path".into(), json!(e.path));
                    }
                }
                let mut answer = json!({ "errors": [error] });
                if e.code == "MAX_INPUT_SIZE_EXCEEDED" {
                    // As recorded: a cost block that requests 10 points and charges nothing.
                    let available = self.refill(at);
                    entry.requested_cost = Some(INPUT_SIZE_REQUESTED_COST);
                    entry.available_after = available;
                    let (max, now_available, rate) = self.status(available);
                    if let Some(map) = answer.as_object_mut() {
                        map.insert("extensions".into(), json!({"cost": {
                            "requestedQueryCost": INPUT_SIZE_REQUESTED_COST,
                            "actualQueryCost": null,
                            "throttleStatus": {"maximumAvailable": max, "currentlyAvailable": now_available, "restoreRate": rate}
                        }}));
                    }
                }
                self.log(entry);
                return graphql_answer(answer);
            }
        };
        entry.operation = analysed.operation_name.clone();
        entry.requested_cost = Some(analysed.requested_cost);
        if analysed.requested_cost > MAX_QUERY_COST {
            entry.outcome = Outcome::GraphQlError("MAX_COST_EXCEEDED".into());
            self.log(entry);
            return graphql_answer(json!({"errors": [{
                "message": format!("Query cost is {}, which exceeds the single query max cost limit ({MAX_QUERY_COST}).", analysed.requested_cost),
                "extensions": {"code": "MAX_COST_EXCEEDED", "cost": analysed.requested_cost, "maxCost": MAX_QUERY_COST}
            }]}));
        }
        let available = self.refill(at);
        let requested = analysed.requested_cost as f64;
        if requested > available {
            entry.outcome = Outcome::Throttled;
            entry.available_after = available;
            self.log(entry);
            return graphql_answer(throttled(
                Some(analysed.requested_cost),
                self.status(available),
            ));
        }
        let api_version = request
            .url
            .path()
            .trim_start_matches("/admin/api/")
            .split('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        let result = self.run(&analysed, document, &variables, &api_version);
        let actual = analysed.actual_cost(result.returned_nodes, &result.data);
        let after = {
            let mut bucket = lock(&shared.bucket);
            bucket.available = (available - actual as f64).max(0.0);
            bucket.available
        };
        entry.actual_cost = Some(actual);
        entry.available_after = after;
        entry.outcome = match result
            .errors
            .first()
            .and_then(|e| e.pointer("/extensions/code"))
            .and_then(Value::as_str)
        {
            Some(code) => Outcome::GraphQlError(code.to_owned()),
            None => Outcome::Ok,
        };
        if analysed.is_mutation && shared.faults.lose_response() {
            // The mutation was carried out; the client only sees a gateway timeout.
            entry.outcome = Outcome::LostAnswer;
            self.log(entry);
            return ResponseTemplate::new(504)
                .set_body_string("sandbox: injected 504 after the mutation was carried out");
        }
        self.log(entry);
        let (max, now_available, rate) = self.status(after);
        let mut answer = json!({
            "data": result.data,
            "extensions": {"cost": {
                "requestedQueryCost": analysed.requested_cost,
                "actualQueryCost": actual,
                "throttleStatus": {"maximumAvailable": max, "currentlyAvailable": now_available, "restoreRate": rate}
            }}
        });
        if let (false, Some(map)) = (result.errors.is_empty(), answer.as_object_mut()) {
            map.insert("errors".to_owned(), Value::Array(result.errors));
        }
        graphql_answer(answer)
    }

    /// Refills the bucket to `at` and returns what is available.
    fn refill(&self, at: Duration) -> f64 {
        let config = &self.0.config;
        let mut bucket = lock(&self.0.bucket);
        let elapsed = at.saturating_sub(bucket.at).as_secs_f64();
        bucket.available =
            (bucket.available + elapsed * config.restore_rate).min(config.bucket_size);
        bucket.at = at;
        bucket.available
    }

    /// (maximumAvailable, currentlyAvailable, restoreRate per wall-clock second).
    fn status(&self, available: f64) -> (f64, f64, f64) {
        let config = &self.0.config;
        (
            config.bucket_size,
            available.floor(),
            config.restore_rate * self.0.clock.time_scale(),
        )
    }

    fn log(&self, entry: LoggedRequest) {
        lock(&self.0.log).push(entry);
    }

    fn run(
        &self,
        analysed: &Analysed,
        document: &str,
        variables: &Map<String, Value>,
        api_version: &str,
    ) -> OpResult {
        let shared = &self.0;
        let base_url = lock(&shared.base_url).clone();
        let ctx = OpCtx {
            now: shared.clock.now(),
            base_url: &base_url,
            api_version,
            bulk_polls_to_complete: shared.config.bulk_polls_to_complete,
            fail_bulk_with: shared.config.fail_bulk_with.as_deref(),
        };
        let mut state = lock(&shared.state);
        if api_version >= "2026-04"
            && analysed.is_mutation
            && analysed.idempotency_key_variable.is_none()
            && analysed
                .root_fields
                .iter()
                .any(|f| REQUIRES_IDEMPOTENT.contains(&f.as_str()))
        {
            // As recorded: the error names the field (`path`, `locations`) and `data` holds
            // the field as `null`, not `data: null`.
            let field = analysed
                .root_fields
                .iter()
                .find(|f| REQUIRES_IDEMPOTENT.contains(&f.as_str()))
                .cloned()
                .unwrap_or_default();
            let mut error = top_error(
                "BAD_REQUEST",
                "The @idempotent directive is required for this mutation but was not provided.",
            );
            if let Some(map) = error.as_object_mut() {
                map.insert("path".to_owned(), json!([field]));
                map.insert(
                    "locations".to_owned(),
                    json!([field_location(document, &field)]),
                );
            }
            let mut data = Map::new();
            data.insert(field, Value::Null);
            return OpResult {
                data: Value::Object(data),
                errors: vec![error],
                returned_nodes: None,
            };
        }
        // Idempotent replays: the same key with the same input returns the first result.
        let key = analysed
            .idempotency_key_variable
            .as_ref()
            .and_then(|v| variables.get(v))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let mut input = variables.clone();
        if let Some(var) = &analysed.idempotency_key_variable {
            input.remove(var);
        }
        let input = Value::Object(input);
        let slot = key.map(|k| (analysed.operation_name.clone(), k));
        if let Some(slot) = &slot {
            if let Some(record) = state.idempotency.get(slot) {
                if record.input == input {
                    return OpResult {
                        data: record.payload.clone(),
                        errors: Vec::new(),
                        returned_nodes: None,
                    };
                }
                let field = analysed.root_fields.first().cloned().unwrap_or_default();
                let mut data = Map::new();
                data.insert(field, json!({"userErrors": [{"field": null, "code": "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
                    "message": "The same idempotency key was used with different parameters."}]}));
                return OpResult {
                    data: Value::Object(data),
                    errors: Vec::new(),
                    returned_nodes: None,
                };
            }
        }
        let outcome = match analysed.operation_name.as_str() {
            "Shop" => Ok(ops::shop(&state)),
            "Locations" => ops::locations(&state, variables),
            "ProductVariants" => ops::product_variants(&state, variables),
            "ProductVariantComponents" => ops::product_variant_components(&state, variables),
            "LocationInventoryLevels" => ops::inventory_levels(&state, variables),
            "InventoryLevelsById" => ops::inventory_levels_by_id(&state, variables),
            "InventoryItemLevels" => ops::inventory_item_levels(&state, variables),
            "InventorySetQuantities" => {
                Ok(ops::inventory_set_quantities(&mut state, &ctx, variables))
            }
            "BulkOperationRunQuery" => {
                Ok(ops::bulk_operation_run_query(&mut state, &ctx, variables))
            }
            "BulkOperation" => Ok(ops::bulk_operation(&mut state, &ctx, variables)),
            "ProductVariantsCount" => ops::product_variants_count(&state, variables),
            "OrdersUpdated" => ops::orders_updated(&state, variables),
            "Order" => Ok(ops::order(&state, variables)),
            "OrdersById" => Ok(ops::orders_by_id(&state, variables)),
            "OrderLineItems" => ops::order_lines(&state, variables, false),
            "OrderShippingLines" => ops::order_lines(&state, variables, true),
            "OrderTransactions" => Ok(ops::order_transactions(&state, variables)),
            "OrderFulfillments" => Ok(fulfillment::order_fulfillments(&mut state, variables)),
            "OrderFulfillmentOrders" => {
                Ok(fulfillment::order_fulfillment_orders(&mut state, variables))
            }
            "FulfillmentOrderLineItems" => Ok(fulfillment::fulfillment_order_line_items(
                &mut state, variables,
            )),
            "FulfillmentLineItems" => {
                Ok(fulfillment::fulfillment_line_items(&mut state, variables))
            }
            "FulfillmentCreate" => Ok(fulfillment::fulfillment_create(
                &mut state, ctx.now, variables,
            )),
            "FulfillmentTrackingInfoUpdate" => Ok(fulfillment::fulfillment_tracking_update(
                &mut state, variables,
            )),
            "FulfillmentOrderMove" => {
                Ok(fulfillment::fulfillment_order_move(&mut state, variables))
            }
            "ShopifyPaymentsPayouts" => Ok(payouts::payouts(&state, variables)),
            "OrderRefunds" => Ok(refund::order_refunds(&state, variables)),
            "RefundLineItems" => Ok(refund::refund_line_items(&state, variables)),
            "ReturnDispositions" => Ok(refund::return_dispositions(&state, variables)),
            "RefundCreate" => Ok(refund::refund_create(&mut state, ctx.now, variables)),
            "ReturnCreate" => Ok(refund::return_create(&mut state, variables)),
            "ReturnProcess" => Ok(refund::return_process(&mut state, ctx.now, variables)),
            "ShopifyPaymentsBalanceTransactions" => {
                Ok(payouts::balance_transactions(&state, variables))
            }
            "ProductVariantsBulkUpdate" => Ok(ops::product_variants_bulk_update(
                &mut state, &ctx, variables,
            )),
            "ProductVariantsBulkCreate" => Ok(ops::product_variants_bulk_create(
                &mut state, &ctx, variables,
            )),
            "B2bPriceLists" => b2b::price_lists(&state, variables),
            "B2bCatalogCompanyLocations" => b2b::catalog_company_locations(&state, variables),
            "B2bFixedPrices" => b2b::fixed_prices(&state, variables),
            "B2bQuantityRules" => b2b::quantity_rules(&state, variables),
            "B2bCompanyLocations" => b2b::company_locations(&state, variables),
            "B2bCustomerPriceTags" => Ok(b2b::customer_price_tags(&state, variables)),
            "B2bPriceListCreate" => Ok(b2b::price_list_create(&mut state, variables)),
            "B2bCatalogCreate" => Ok(b2b::catalog_create(&mut state, variables)),
            "B2bCatalogContextUpdate" => Ok(b2b::catalog_context_update(&mut state, variables)),
            "B2bFixedPricesAdd" => Ok(b2b::fixed_prices_add(&mut state, variables)),
            "B2bFixedPricesDelete" => Ok(b2b::fixed_prices_delete(&mut state, variables)),
            "B2bQuantityRulesAdd" => Ok(b2b::quantity_rules_add(&mut state, variables)),
            "B2bQuantityPricingUpdate" => Ok(b2b::quantity_pricing_update(&mut state, variables)),
            "B2bTagsAdd" => Ok(b2b::customer_tags(&mut state, variables, true)),
            "B2bTagsRemove" => Ok(b2b::customer_tags(&mut state, variables, false)),
            "B2bMetafieldsSet" => Ok(b2b::metafields_set(&mut state, variables)),
            other => Err(top_error(
                "NOT_EMULATED",
                format!("sandbox: operation {other:?} is not emulated"),
            )),
        };
        let result = outcome.unwrap_or_else(|error| OpResult {
            data: Value::Null,
            errors: vec![error],
            returned_nodes: None,
        });
        if let (Some(slot), true) = (slot, result.errors.is_empty()) {
            state.idempotency.insert(
                slot,
                state::IdempotentRecord {
                    input,
                    payload: result.data.clone(),
                },
            );
        }
        result
    }
}

/// What Shopify reports as requested for a document it refuses for an oversized input array.
const INPUT_SIZE_REQUESTED_COST: u64 = 10;

/// Mutations that need `@idempotent` from API version 2026-04.
const REQUIRES_IDEMPOTENT: [&str; 5] = [
    "inventorySetQuantities",
    "inventoryAdjustQuantities",
    "inventoryMoveQuantities",
    "inventoryActivate",
    "refundCreate",
];

/// Where `field` is first selected in `document` (1-based line and column), as GraphQL
/// errors' `locations` give it.
fn field_location(document: &str, field: &str) -> Value {
    for (line, text) in document.lines().enumerate() {
        let mut from = 0;
        while let Some(found) = text.get(from..).and_then(|rest| rest.find(field)) {
            let at = from + found;
            let before = text.get(..at).and_then(|b| b.chars().last());
            let after = text.get(at + field.len()..).and_then(|a| a.chars().next());
            let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
            if !word(before) && !word(after) {
                return json!({"line": line + 1, "column": at + 1});
            }
            from = at + field.len();
        }
    }
    json!({"line": 1, "column": 1})
}

fn throttled(requested: Option<u64>, (max, available, rate): (f64, f64, f64)) -> Value {
    json!({
        "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
        "extensions": {"cost": {
            "requestedQueryCost": requested, "actualQueryCost": null,
            "throttleStatus": {"maximumAvailable": max, "currentlyAvailable": available, "restoreRate": rate}
        }}
    })
}
