//! Posting mapped orders to Stokly exactly once, and the Stokly implementations of the
//! posting ports.
//!
//! [`post_orders`] is the posting run described in [`crate::domain::posting`]: claim each
//! order in the [`PostingLedger`], look the claimed ones up in Stokly in batches, find or
//! create their customers (each create claimed in the same ledger, see [`StoklyCustomers`]),
//! create only the missing orders, and settle every uncertain create by looking it up
//! again. It goes through ports only, so a test can drive it with fakes and
//! an application can put its own ledger (a database table) behind it.
//!
//! Orders are handled in chunks of [`SOURCE_REFERENCE_BATCH`]: one look-up request per chunk,
//! and a chunk's claims are taken just before its orders are created, so a lease never has
//! to cover the whole run.
//!
//! # Stokly requests per order
//!
//! Posting `n` new orders whose customers already exist costs `n` creates, `ceil(n / 200)`
//! order look-ups and `ceil(c / 200)` customer look-ups for `c` distinct customers (the
//! [`StoklyCustomers`] cache makes later runs free of customer look-ups), plus the grant:
//! about 1.01 requests per order. Each new customer costs one create, and its batch one
//! visibility read. Claims in the ledger (orders and customers) are not Stokly requests.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;

use super::exactly_once::{CreateTarget, LookUpAnswer, SYSTEM_CLOCK, run_exactly_once};
use crate::domain::exactly_once::{DeferReason, ExactlyOnce, Outcome, ProtocolConfig};
use crate::domain::order::{CustomerLookup, OrderRejection, SaleOrderDraft};
use crate::domain::ports::Clock;
use crate::domain::posting::{
    CustomerClaims, CustomerKey, CustomerPort, PortError, PostOutcome, PostResult, PostedSaleOrder,
    PostingConfig, PostingLedger, SaleOrderPort, ledger_key,
};
use crate::stokly::model::{CustomerType, NewCustomer, NewSaleOrder};
use crate::stokly::{self, CustomerId, SOURCE_REFERENCE_BATCH, SaleOrderId};

/// The ports a posting run goes through.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub struct PostingPorts<'a> {
    /// Claims and the record of what was posted (shared by every run for the shop).
    pub ledger: &'a dyn PostingLedger,
    /// Sale orders (Stokly).
    pub sale_orders: &'a dyn SaleOrderPort,
    /// Customers (Stokly).
    pub customers: &'a dyn CustomerPort,
    /// The time and waits ([`SYSTEM_CLOCK`] unless set with [`PostingPorts::with_clock`]).
    pub clock: &'a dyn Clock,
}

impl<'a> PostingPorts<'a> {
    /// The three ports.
    #[must_use]
    pub fn new(
        ledger: &'a dyn PostingLedger,
        sale_orders: &'a dyn SaleOrderPort,
        customers: &'a dyn CustomerPort,
    ) -> Self {
        Self {
            ledger,
            sale_orders,
            customers,
            clock: &SYSTEM_CLOCK,
        }
    }

    /// The same ports with another clock (a test's, or the sandbox's).
    #[must_use]
    pub fn with_clock(mut self, clock: &'a dyn Clock) -> Self {
        self.clock = clock;
        self
    }
}

impl std::fmt::Debug for PostingPorts<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostingPorts").finish_non_exhaustive()
    }
}

/// Posts mapped orders (the results of [`map_order`](crate::domain::order::map_order)) for
/// `shop` and answers one [`PostOutcome`] per input, in input order.
///
/// A rejection becomes [`PostResult::Rejected`] or [`PostResult::Skipped`] without any
/// request. Two drafts of the same Shopify order in one input are posted once; both get the
/// same result. Failures never lose an order: each becomes [`PostResult::Deferred`] (try
/// again later) or [`PostResult::Refused`] (a person must look), and an uncertain create is
/// never sent again until a look-up made after [`PostingConfig::visibility_window`] has not
/// found it.
pub async fn post_orders(
    shop: &str,
    mapped: &[Result<SaleOrderDraft, OrderRejection>],
    ports: PostingPorts<'_>,
    config: &PostingConfig,
) -> Vec<PostOutcome> {
    let mut results: Vec<Option<PostResult>> = vec![None; mapped.len()];
    let mut first_of: HashMap<&str, usize> = HashMap::new();
    let mut repeats: Vec<(usize, usize)> = Vec::new();
    let mut drafts: Vec<(usize, &SaleOrderDraft)> = Vec::new();
    for (index, item) in mapped.iter().enumerate() {
        match item {
            Ok(draft) => match first_of.get(draft.source_reference_id()) {
                Some(&first) => repeats.push((index, first)),
                None => {
                    first_of.insert(draft.source_reference_id(), index);
                    drafts.push((index, draft));
                }
            },
            Err(OrderRejection::Skipped { reason, .. }) => {
                set(
                    &mut results,
                    index,
                    PostResult::Skipped {
                        reason: reason.clone(),
                    },
                );
            }
            Err(rejection) => {
                set(
                    &mut results,
                    index,
                    PostResult::Rejected {
                        exceptions: rejection.exceptions().to_vec(),
                    },
                );
            }
        }
    }
    for chunk in drafts.chunks(SOURCE_REFERENCE_BATCH) {
        post_chunk(shop, chunk, ports, config, &mut results).await;
    }
    for (index, first) in repeats {
        let copy = results.get(first).cloned().flatten();
        if let Some(result) = copy {
            set(&mut results, index, result);
        }
    }
    mapped
        .iter()
        .zip(results)
        .map(|(item, result)| {
            let (order_id, order_name) = match item {
                Ok(draft) => (
                    draft.shopify_order_id().clone(),
                    draft.customer_reference().to_owned(),
                ),
                Err(rejection) => (rejection.order().id.clone(), rejection.order().name.clone()),
            };
            PostOutcome {
                order_id,
                order_name,
                // Every index is set above; the fallback is never reached but keeps the
                // function total.
                result: result.unwrap_or_else(|| PostResult::Deferred {
                    reason: DeferReason::NoAnswer {
                        step: "post".to_owned(),
                    },
                }),
            }
        })
        .collect()
}

fn set(results: &mut [Option<PostResult>], index: usize, result: PostResult) {
    if let Some(slot) = results.get_mut(index) {
        *slot = Some(result);
    }
}

/// A chunk of sale orders as the exactly-once protocol's [`CreateTarget`]: look-ups by
/// `sourceReferenceId`, customers resolved (and claimed) before the creates, creates through
/// the [`SaleOrderPort`].
struct SaleOrderTarget<'p, 'd> {
    drafts: Vec<&'d SaleOrderDraft>,
    customers: Vec<Option<CustomerId>>,
    ports: PostingPorts<'p>,
    claims: CustomerClaims<'p>,
}

#[async_trait]
impl CreateTarget for SaleOrderTarget<'_, '_> {
    type Record = SaleOrderId;

    async fn look_up(&mut self, items: &[usize]) -> Result<LookUpAnswer<SaleOrderId>, PortError> {
        let references: Vec<String> = items
            .iter()
            .filter_map(|&i| self.drafts.get(i))
            .map(|d| d.source_reference_id().to_owned())
            .collect();
        let found = index_posted(self.ports.sale_orders.find_posted(&references).await?);
        Ok(LookUpAnswer::found(
            items
                .iter()
                .filter_map(|&i| {
                    let draft = self.drafts.get(i)?;
                    found
                        .get(draft.source_reference_id())
                        .map(|sale_order| (i, sale_order.clone()))
                })
                .collect(),
        ))
    }

    async fn prepare(&mut self, items: &[usize], machine: &mut ExactlyOnce<SaleOrderId>) {
        // Customers, in one call, claimed in the same ledger.
        let lookups: Vec<CustomerLookup> = items
            .iter()
            .filter_map(|&i| self.drafts.get(i))
            .map(|d| d.customer().clone())
            .collect();
        let mut answers = self
            .ports
            .customers
            .find_or_create(&lookups, self.claims)
            .await
            .into_iter();
        for &item in items {
            match answers.next() {
                Some(Ok(customer)) => {
                    if let Some(slot) = self.customers.get_mut(item) {
                        *slot = customer;
                    }
                }
                Some(Err(e)) => machine.abandon(item, &e),
                None => machine.defer(
                    item,
                    DeferReason::NoAnswer {
                        step: "find or create customer".to_owned(),
                    },
                ),
            }
        }
    }

    async fn create(&mut self, item: usize) -> Result<SaleOrderId, PortError> {
        let Some(draft) = self.drafts.get(item) else {
            return Err(PortError::Unavailable {
                operation: "create sale order".to_owned(),
                source: "no draft for the record".into(),
            });
        };
        let customer = self.customers.get(item).cloned().flatten();
        let body: NewSaleOrder = draft.to_new_sale_order(customer);
        self.ports.sale_orders.create(&body).await
    }

    // Sale orders complete by being recorded in the ledger (`ProtocolConfig::recorded`), so
    // the protocol never asks for a read-back; later runs know them without a look-up.
    async fn confirm(&mut self, _items: &[usize]) -> Result<(), PortError> {
        Ok(())
    }

    fn record_known_to_ledger(&self, sale_order: SaleOrderId) -> Option<SaleOrderId> {
        Some(sale_order)
    }

    fn ledger_id(&self, record: &SaleOrderId) -> Option<SaleOrderId> {
        Some(record.clone())
    }
}

async fn post_chunk(
    shop: &str,
    chunk: &[(usize, &SaleOrderDraft)],
    ports: PostingPorts<'_>,
    config: &PostingConfig,
    results: &mut [Option<PostResult>],
) {
    let keys = chunk
        .iter()
        .map(|(_, draft)| ledger_key(shop, draft.source_reference_id()))
        .collect();
    let mut machine = ExactlyOnce::new(keys, ProtocolConfig::recorded(*config));
    let mut target = SaleOrderTarget {
        drafts: chunk.iter().map(|&(_, draft)| draft).collect(),
        customers: vec![None; chunk.len()],
        ports,
        claims: CustomerClaims::new(ports.ledger, shop, config, ports.clock),
    };
    run_exactly_once(&mut machine, &mut target, ports.ledger, ports.clock).await;
    for (&(index, _), outcome) in chunk.iter().zip(machine.into_outcomes()) {
        let result = match outcome {
            Outcome::Created(sale_order) => PostResult::Created { sale_order },
            Outcome::AlreadyDone(sale_order) => PostResult::AlreadyPosted { sale_order },
            Outcome::Refused { operation, message } => PostResult::Refused { operation, message },
            Outcome::Deferred(reason) => PostResult::Deferred { reason },
        };
        set(results, index, result);
    }
}

/// Source reference to sale order; when Stokly holds several orders for one reference (a
/// duplicate made outside this crate), the smallest ID, so every run names the same one.
fn index_posted(found: Vec<PostedSaleOrder>) -> HashMap<String, SaleOrderId> {
    let mut map: HashMap<String, SaleOrderId> = HashMap::new();
    for posted in found {
        map.entry(posted.source_reference_id)
            .and_modify(|existing| {
                if posted.sale_order.as_str() < existing.as_str() {
                    existing.clone_from(&posted.sale_order);
                }
            })
            .or_insert(posted.sale_order);
    }
    map
}

/// A Stokly error as a port error, for a write: may it have been applied?
pub(crate) fn write_error(operation: &str, error: stokly::Error) -> PortError {
    if error.may_have_been_applied() {
        PortError::Uncertain {
            operation: operation.to_owned(),
            source: Box::new(error),
        }
    } else {
        read_error(operation, error)
    }
}

/// A Stokly error as a port error, for a read (nothing is ever applied).
pub(crate) fn read_error(operation: &str, error: stokly::Error) -> PortError {
    if error.is_retryable() {
        PortError::Unavailable {
            operation: operation.to_owned(),
            source: Box::new(error),
        }
    } else {
        PortError::Refused {
            operation: operation.to_owned(),
            message: error
                .message()
                .map_or_else(|| error.to_string(), str::to_owned),
        }
    }
}

#[async_trait]
impl SaleOrderPort for stokly::Client {
    async fn find_posted(&self, references: &[String]) -> Result<Vec<PostedSaleOrder>, PortError> {
        let refs: Vec<&str> = references.iter().map(String::as_str).collect();
        let orders = self
            .sale_orders_by_source_references(&refs)
            .await
            .map_err(|e| read_error("look up sale orders", e))?;
        Ok(orders
            .into_iter()
            .filter_map(|o| {
                let reference = o.source_reference_id?;
                Some(PostedSaleOrder {
                    source_reference_id: reference,
                    sale_order: o.sale_order_id,
                    stage: o.stage,
                })
            })
            .collect())
    }

    async fn create(&self, order: &NewSaleOrder) -> Result<SaleOrderId, PortError> {
        self.create_sale_order(order)
            .await
            .map_err(|e| write_error("create sale order", e))
    }
}

/// The Stokly `barcode` under which the trade customer of a Shopify B2B company location is
/// kept: `shopify-company-location-{numeric id}` (prefixed, so that it never collides with a
/// consumer's barcode, which is the bare Shopify customer ID).
#[must_use]
pub fn trade_customer_barcode(location: &crate::shopify::CompanyLocationId) -> String {
    format!("shopify-company-location-{}", location.numeric_id())
}

fn customer_key(lookup: &CustomerLookup) -> Option<CustomerKey> {
    match lookup {
        CustomerLookup::Trade { location_id, .. } => {
            Some(CustomerKey::Barcode(trade_customer_barcode(location_id)))
        }
        CustomerLookup::ByShopifyCustomerId { barcode, .. } => {
            Some(CustomerKey::Barcode(barcode.clone()))
        }
        // Stokly's `==` ignores ASCII case, so two spellings of one address are one customer:
        // one key, one claim, one look-up.
        CustomerLookup::ByEmail { email, .. } => {
            Some(CustomerKey::Email(email.trim().to_ascii_lowercase()))
        }
        CustomerLookup::Guest => None,
    }
}

fn new_customer(lookup: &CustomerLookup) -> Option<NewCustomer> {
    match lookup {
        CustomerLookup::Trade {
            company_name,
            location_id,
            location_name,
            ..
        } => {
            let mut customer = if location_name.trim().is_empty() || location_name == company_name {
                NewCustomer::new(company_name.clone())
            } else {
                NewCustomer::new(format!("{company_name} ({location_name})"))
            };
            customer.customer_type = Some(CustomerType::Company);
            customer.barcode = Some(trade_customer_barcode(location_id));
            Some(customer)
        }
        CustomerLookup::ByShopifyCustomerId {
            barcode,
            email,
            name,
            ..
        } => {
            let mut customer = NewCustomer::new(display_name(name.as_ref(), email.as_deref()));
            customer.name.clone_from(name);
            customer.barcode = Some(barcode.clone());
            customer.email.clone_from(email);
            Some(customer)
        }
        CustomerLookup::ByEmail { email, name } => {
            let mut customer = NewCustomer::new(display_name(name.as_ref(), Some(email)));
            customer.name.clone_from(name);
            customer.email = Some(email.clone());
            Some(customer)
        }
        _ => None,
    }
}

fn display_name(name: Option<&stokly::model::PersonName>, email: Option<&str>) -> String {
    let parts: Vec<&str> = name
        .into_iter()
        .flat_map(|n| [n.forename.as_deref(), n.surname.as_deref()])
        .flatten()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if parts.is_empty() {
        email.unwrap_or("Shopify customer").to_owned()
    } else {
        parts.join(" ")
    }
}

/// The Stokly [`CustomerPort`]: consumers by barcode (the Shopify customer ID) or e-mail, B2B
/// company locations as trade customers by [`trade_customer_barcode`].
///
/// Look-ups are batched (`[barcode]=*{...}`, 200 per request; e-mails one request each, the
/// e-mail filter being inferred). A customer named by several orders is created once. After
/// creating, it reads the new customers back (batched) until Stokly shows them, since a
/// customer is used in an order straight away. Found and created IDs are cached for the
/// life of the value, so a long-running worker looks each customer up once.
///
/// Stokly has no upsert, so creates are guarded like the run's sale-order creates, in the
/// run's [`PostingLedger`] ([`CustomerClaims`]): every customer not cached is claimed
/// (once per call, however many orders name it) *before* it is looked up, and only a
/// claimed customer the look-up does not find is created. A claim held by another run, a
/// ledger failure, or an earlier create of unknown outcome that is not visible yet and was
/// sent less than the visibility window before the look-up: the customer's orders get an
/// error that sent nothing, and are deferred. A create whose answer is lost is released as
/// uncertain with the time it was sent; a create read back, or a customer found, is
/// released plainly (later runs find the customer by its look-up). Claims and releases are
/// ledger calls, not Stokly requests: the requests are the same as without them.
#[derive(Debug)]
pub struct StoklyCustomers {
    client: stokly::Client,
    cache: Mutex<HashMap<CustomerKey, CustomerId>>,
}

impl StoklyCustomers {
    /// Customers through `client`.
    #[must_use]
    pub fn new(client: stokly::Client) -> Self {
        Self {
            client,
            cache: Mutex::new(HashMap::new()),
        }
    }

    fn cached(&self, key: &CustomerKey) -> Option<CustomerId> {
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
            .cloned()
    }

    fn remember(&self, key: CustomerKey, id: CustomerId) {
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(key)
            .or_insert(id);
    }

    /// Looks up every key not cached; returns the errors per key of failed look-ups.
    async fn look_up(&self, keys: &[&CustomerKey]) -> HashMap<CustomerKey, PortError> {
        let mut errors = HashMap::new();
        let barcodes: Vec<&str> = keys
            .iter()
            .filter_map(|k| match k {
                CustomerKey::Barcode(b) => Some(b.as_str()),
                CustomerKey::Email(_) => None,
            })
            .collect();
        if !barcodes.is_empty() {
            match self.client.customers_by_barcodes(&barcodes).await {
                Ok(found) => {
                    let mut found: Vec<_> = found;
                    found.sort_by(|a, b| a.customer_id.as_str().cmp(b.customer_id.as_str()));
                    for customer in found {
                        if let Some(barcode) = customer.barcode {
                            self.remember(CustomerKey::Barcode(barcode), customer.customer_id);
                        }
                    }
                }
                Err(e) => {
                    let error = read_error("look up customers", e);
                    for b in barcodes {
                        errors.insert(CustomerKey::Barcode(b.to_owned()), copy_port_error(&error));
                    }
                }
            }
        }
        for key in keys {
            if let CustomerKey::Email(email) = key {
                match self.client.customers_by_email(email).await {
                    Ok(mut found) => {
                        found.sort_by(|a, b| a.customer_id.as_str().cmp(b.customer_id.as_str()));
                        if let Some(customer) = found.into_iter().next() {
                            self.remember((*key).clone(), customer.customer_id);
                        }
                    }
                    Err(e) => {
                        errors.insert((*key).clone(), read_error("look up customer", e));
                    }
                }
            }
        }
        errors
    }
}

#[async_trait]
impl CustomerPort for StoklyCustomers {
    async fn find_or_create(
        &self,
        lookups: &[CustomerLookup],
        claims: CustomerClaims<'_>,
    ) -> Vec<Result<Option<CustomerId>, PortError>> {
        let keys: Vec<Option<CustomerKey>> = lookups.iter().map(customer_key).collect();
        // Each customer not cached, with the first lookup naming it (its create body).
        let mut unknown: Vec<(&CustomerKey, &CustomerLookup)> = Vec::new();
        let mut seen: HashSet<&CustomerKey> = HashSet::new();
        for (lookup, key) in lookups.iter().zip(&keys) {
            let Some(key) = key else { continue };
            if self.cached(key).is_none() && seen.insert(key) {
                unknown.push((key, lookup));
            }
        }
        let errors = if unknown.is_empty() {
            HashMap::new()
        } else {
            self.find_or_create_claimed(&unknown, claims).await
        };

        keys.iter()
            .map(|key| match key {
                None => Ok(None),
                Some(key) => {
                    if let Some(e) = errors.get(key) {
                        Err(copy_port_error(e))
                    } else {
                        self.cached(key)
                            .map(Some)
                            .ok_or_else(|| PortError::Unavailable {
                                operation: "find customer".to_owned(),
                                source: "customer neither found nor created".into(),
                            })
                    }
                }
            })
            .collect()
    }
}

/// The customers of one call as the exactly-once protocol's [`CreateTarget`]: look-ups by
/// barcode and e-mail (filling the cache), creates, and the read-back of new customers before
/// their claims are released.
struct CustomerTarget<'s, 'k> {
    port: &'s StoklyCustomers,
    unknown: &'s [(&'k CustomerKey, &'k CustomerLookup)],
}

impl CustomerTarget<'_, '_> {
    fn customer(&self, item: usize) -> Option<&CustomerKey> {
        self.unknown.get(item).map(|(key, _)| *key)
    }
}

#[async_trait]
impl CreateTarget for CustomerTarget<'_, '_> {
    type Record = CustomerId;

    async fn look_up(&mut self, items: &[usize]) -> Result<LookUpAnswer<CustomerId>, PortError> {
        let keys: Vec<&CustomerKey> = items.iter().filter_map(|&i| self.customer(i)).collect();
        let mut errors = self.port.look_up(&keys).await;
        let mut answer = LookUpAnswer::found(Vec::new());
        for &item in items {
            let Some(key) = self.customer(item) else {
                continue;
            };
            if let Some(error) = errors.remove(key) {
                answer.failed.push((item, error));
            } else if let Some(id) = self.port.cached(key) {
                answer.found.push((item, id));
            }
        }
        Ok(answer)
    }

    async fn prepare(&mut self, items: &[usize], machine: &mut ExactlyOnce<CustomerId>) {
        for &item in items {
            let creatable = self
                .unknown
                .get(item)
                .is_some_and(|(_, lookup)| new_customer(lookup).is_some());
            if !creatable {
                machine.abandon(item, &neither_found_nor_created());
            }
        }
    }

    async fn create(&mut self, item: usize) -> Result<CustomerId, PortError> {
        let Some((key, lookup)) = self.unknown.get(item) else {
            return Err(neither_found_nor_created());
        };
        let Some(body) = new_customer(lookup) else {
            return Err(neither_found_nor_created());
        };
        let id = self
            .port
            .client
            .create_customer(&body)
            .await
            .map_err(|e| write_error("create customer", e))?;
        self.port.remember((*key).clone(), id.clone());
        Ok(id)
    }

    async fn confirm(&mut self, items: &[usize]) -> Result<(), PortError> {
        let new: Vec<CustomerKey> = items
            .iter()
            .filter_map(|&i| self.customer(i).cloned())
            .collect();
        self.port
            .wait_visible(&new)
            .await
            .map_err(|e| PortError::Unavailable {
                operation: "wait for new customers".to_owned(),
                source: Box::new(e),
            })
    }

    // This crate never records a customer in the ledger; a ledger that knows one is believed:
    // the customer is looked up, never created.
    fn record_known_to_ledger(&self, _sale_order: SaleOrderId) -> Option<CustomerId> {
        None
    }

    fn ledger_id(&self, _record: &CustomerId) -> Option<SaleOrderId> {
        None
    }
}

fn neither_found_nor_created() -> PortError {
    PortError::Unavailable {
        operation: "find customer".to_owned(),
        source: "customer neither found nor created".into(),
    }
}

impl StoklyCustomers {
    /// Claims, looks up, and creates the customers the cache does not know (each once),
    /// through the exactly-once protocol ([`ProtocolConfig::confirmed`]: new customers are
    /// read back before their claims are released); answers the errors per customer.
    ///
    /// The claims come first: the look-up that finds a customer missing is made while this
    /// run holds its claim, so a run that created the customer and released the claim has
    /// made it visible before this look-up.
    async fn find_or_create_claimed(
        &self,
        unknown: &[(&CustomerKey, &CustomerLookup)],
        claims: CustomerClaims<'_>,
    ) -> HashMap<CustomerKey, PortError> {
        let keys = unknown
            .iter()
            .map(|(customer, _)| claims.key(customer))
            .collect();
        let mut machine = ExactlyOnce::new(keys, ProtocolConfig::confirmed(*claims.config));
        let mut target = CustomerTarget {
            port: self,
            unknown,
        };
        run_exactly_once(&mut machine, &mut target, claims.ledger, claims.clock).await;
        let mut errors = HashMap::new();
        for ((customer, _), outcome) in unknown.iter().zip(machine.into_outcomes()) {
            let error = match outcome {
                Outcome::Created(id) | Outcome::AlreadyDone(id) => {
                    self.remember((*customer).clone(), id);
                    continue;
                }
                Outcome::Refused { operation, message } => {
                    PortError::Refused { operation, message }
                }
                Outcome::Deferred(DeferReason::Unavailable { operation, error }) => {
                    PortError::Unavailable {
                        operation,
                        source: error.into(),
                    }
                }
                Outcome::Deferred(reason) => PortError::Postponed {
                    operation: "create customer".to_owned(),
                    reason,
                },
            };
            errors.insert((*customer).clone(), error);
        }
        errors
    }
}

impl StoklyCustomers {
    /// Reads the created customers back until every one is visible.
    async fn wait_visible(&self, created: &[CustomerKey]) -> Result<(), stokly::Error> {
        let barcodes: Vec<&str> = created
            .iter()
            .filter_map(|k| match k {
                CustomerKey::Barcode(b) => Some(b.as_str()),
                CustomerKey::Email(_) => None,
            })
            .collect();
        let emails: Vec<&str> = created
            .iter()
            .filter_map(|k| match k {
                CustomerKey::Email(e) => Some(e.as_str()),
                CustomerKey::Barcode(_) => None,
            })
            .collect();
        if !barcodes.is_empty() {
            let wanted = barcodes.len();
            self.client
                .wait_until_visible("new customers", || async {
                    let found = self.client.customers_by_barcodes(&barcodes).await?;
                    let visible: HashSet<&str> =
                        found.iter().filter_map(|c| c.barcode.as_deref()).collect();
                    Ok((visible.len() >= wanted).then_some(()))
                })
                .await?;
        }
        for email in emails {
            self.client
                .wait_until_visible(format!("customer {email}"), || async {
                    let found = self.client.customers_by_email(email).await?;
                    Ok((!found.is_empty()).then_some(()))
                })
                .await?;
        }
        Ok(())
    }
}

/// Port errors are not `Clone` (they hold their cause); one failure reported to several
/// orders is copied with its cause as text.
fn copy_port_error(error: &PortError) -> PortError {
    match error {
        PortError::Refused { operation, message } => PortError::Refused {
            operation: operation.clone(),
            message: message.clone(),
        },
        PortError::Uncertain { operation, source } => PortError::Uncertain {
            operation: operation.clone(),
            source: source.to_string().into(),
        },
        PortError::Unavailable { operation, source } => PortError::Unavailable {
            operation: operation.clone(),
            source: source.to_string().into(),
        },
        PortError::Postponed { operation, reason } => PortError::Postponed {
            operation: operation.clone(),
            reason: reason.clone(),
        },
    }
}

/// Order reads one capture keeps in flight at once (each a batch of up to ten orders); the
/// Shopify client's cost bucket paces them further, waiting before it sends what the bucket
/// cannot afford.
pub const CAPTURE_CONCURRENCY: usize = 4;

/// Orders read from Shopify and mapped: what a capture step hands to [`post_orders`].
///
/// Every distinct order asked for is in exactly one of `mapped`, `missing` and `failed`.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct CapturedOrders {
    /// One mapping result per order found, in the order asked for.
    pub mapped: Vec<Result<SaleOrderDraft, OrderRejection>>,
    /// Orders Shopify no longer has (deleted): nothing to post, listed so nothing vanishes
    /// unexplained.
    pub missing: Vec<crate::shopify::OrderId>,
    /// Orders whose read failed after the client's retries, with the error: neither mapped
    /// nor known to be missing. Capture them again later (reads are safe to repeat).
    pub failed: Vec<CaptureFailure>,
}

impl CapturedOrders {
    /// Whether every order asked for was read (mapped or found missing): nothing `failed`.
    #[must_use]
    pub fn is_complete(&self) -> bool {
        self.failed.is_empty()
    }
}

/// A read that failed during [`capture_orders`], and the orders it leaves unread.
#[derive(Debug)]
#[non_exhaustive]
pub struct CaptureFailure {
    /// The orders this failure leaves unread (one, or a whole batch when the failure was not
    /// about the orders' data: transport, HTTP status, throttling).
    pub orders: Vec<crate::shopify::OrderId>,
    /// Why.
    pub error: crate::shopify::Error,
}

/// Reads each order completely from Shopify (a webhook is only a doorbell) and maps it with
/// [`map_order`](crate::domain::order::map_order). Repeated IDs are read once.
///
/// Orders are read in batches of ten in one request each (`nodes(ids:)`, charged about as
/// much as one order), [`CAPTURE_CONCURRENCY`] batches at a time, paced by the client's cost
/// bucket. An order with more line items or shipping lines than the first read returns is
/// then read completely on its own with [`Client::order`](crate::shopify::Client::order).
///
/// A failed read does not lose the others: when a batch fails on its data (a decode error,
/// GraphQL errors), each of its orders is read on its own, so one bad order fails alone; any
/// other failure (transport, HTTP, throttling after retries) fails its batch. Failures are
/// listed in [`CapturedOrders::failed`] with their orders; everything else read is returned.
///
/// # Errors
/// Only when nothing could be read at all (every read failed: the shop is unreachable, the
/// token is refused): the first error, as one error rather than one per batch.
pub async fn capture_orders(
    shopify: &crate::shopify::Client,
    ids: &[crate::shopify::OrderId],
    index: &crate::domain::catalogue::SkuIndex,
    config: &crate::domain::order::OrderMappingConfig,
) -> Result<CapturedOrders, crate::Error> {
    use futures::StreamExt;
    let mut seen = HashSet::new();
    let distinct: Vec<crate::shopify::OrderId> = ids
        .iter()
        .filter(|id| seen.insert((*id).clone()))
        .cloned()
        .collect();
    let reads: Vec<BatchRead> =
        futures::stream::iter(distinct.chunks(crate::shopify::ORDERS_BATCH))
            .map(|batch| read_batch(shopify, batch))
            .buffered(CAPTURE_CONCURRENCY)
            .collect()
            .await;
    let mut captured = CapturedOrders::default();
    for read in reads {
        for (id, order) in read.orders {
            match order {
                Some(order) => captured
                    .mapped
                    .push(crate::domain::order::map_order(&order, index, config)),
                None => captured.missing.push(id),
            }
        }
        captured.failed.extend(read.failures);
    }
    if captured.mapped.is_empty() && captured.missing.is_empty() {
        if let Some(first) = std::mem::take(&mut captured.failed).into_iter().next() {
            return Err(first.error.into());
        }
    }
    Ok(captured)
}

/// What one batch's reads gave: each order read (`None`: Shopify does not have it), in the
/// order asked for, and the failures.
#[derive(Default)]
struct BatchRead {
    orders: Vec<(
        crate::shopify::OrderId,
        Option<crate::shopify::model::Order>,
    )>,
    failures: Vec<CaptureFailure>,
}

impl BatchRead {
    /// Reads one order completely on its own.
    async fn read_alone(&mut self, shopify: &crate::shopify::Client, id: &crate::shopify::OrderId) {
        match shopify.order(id).await {
            Ok(order) => self.orders.push((id.clone(), order)),
            Err(error) => self.failures.push(CaptureFailure {
                orders: vec![id.clone()],
                error,
            }),
        }
    }
}

/// Whether a first read left pages of the order unread.
/// An order the first read did not hold whole (more lines, shipping lines or transactions):
/// [`crate::shopify::Client::order`] completes it.
fn needs_follow_up(order: &crate::shopify::model::Order) -> bool {
    order.has_unread_parts()
}

async fn read_batch(
    shopify: &crate::shopify::Client,
    batch: &[crate::shopify::OrderId],
) -> BatchRead {
    use crate::shopify::Error as E;
    let mut read = BatchRead::default();
    match shopify.orders_first_read(batch).await {
        Ok(orders) => {
            let mut found: HashMap<_, _> = orders.into_iter().map(|o| (o.id.clone(), o)).collect();
            for id in batch {
                match found.remove(id) {
                    Some(order) if needs_follow_up(&order) => read.read_alone(shopify, id).await,
                    Some(order) => read.orders.push((id.clone(), Some(order))),
                    None => read.orders.push((id.clone(), None)),
                }
            }
        }
        // The batch's data is at fault: read each order alone so that only a bad one fails.
        Err(E::Decode { .. } | E::GraphQl { .. }) => {
            for id in batch {
                read.read_alone(shopify, id).await;
            }
        }
        Err(error) => read.failures.push(CaptureFailure {
            orders: batch.to_vec(),
            error,
        }),
    }
    read
}

/// Applies order changes through the **inferred** amend and cancel paths of
/// [`InferredEndpoints`](crate::stokly::InferredEndpoints) (lines: add, update, remove;
/// cancel) and the seen `PATCH /v2/saleorders/{id}` (shipping).
///
/// Amendments that are safe to repeat (line updates and removals, shipping) are sent first
/// and line additions last, so that a failure part-way leaves only repeatable changes
/// applied: it is then [`SaleOrderChangeError::Backend`](crate::domain::ports::SaleOrderChangeError::Backend) when trying again may help. Once a
/// line addition may have been applied, any failure is [`SaleOrderChangeError::Refused`](crate::domain::ports::SaleOrderChangeError::Refused): a
/// person must look before anything is sent again. A `404` on a line removal counts as done
/// (the line is gone).
#[async_trait]
impl crate::domain::ports::SaleOrderChanges for stokly::Client {
    async fn amend(
        &self,
        sale_order: &SaleOrderId,
        amendments: &[crate::domain::order_change::OrderAmendment],
    ) -> Result<(), crate::domain::ports::SaleOrderChangeError> {
        use crate::domain::order_change::OrderAmendment as A;
        let mut steps: Vec<&A> = amendments
            .iter()
            .filter(|a| !matches!(a, A::AddLine { .. }))
            .collect();
        let additions: Vec<_> = amendments
            .iter()
            .filter_map(|a| match a {
                A::AddLine { line, .. } => Some(line.clone()),
                _ => None,
            })
            .collect();
        steps.sort_by_key(|a| match a {
            A::RemoveLine { .. } => 0,
            A::UpdateLine { .. } => 1,
            A::UpdateShipping { .. } | A::AddLine { .. } => 2,
        });
        for step in steps {
            let result = match step {
                A::UpdateLine { line_id, line, .. } => {
                    self.update_sale_order_line(sale_order, line_id, line).await
                }
                A::RemoveLine { line_id, .. } => {
                    match self.remove_sale_order_line(sale_order, line_id).await {
                        Err(e) if e.is_not_found() => Ok(()),
                        other => other,
                    }
                }
                A::UpdateShipping { shipping } => {
                    self.update_sale_order_shipping(sale_order, shipping).await
                }
                // Sent last, below.
                A::AddLine { .. } => Ok(()),
            };
            if let Err(e) = result {
                return Err(change_error("amend", e, false));
            }
        }
        if !additions.is_empty() {
            if let Err(e) = self.add_sale_order_lines(sale_order, &additions).await {
                let maybe = e.may_have_been_applied();
                return Err(change_error("amend", e, maybe));
            }
        }
        Ok(())
    }

    async fn cancel(
        &self,
        sale_order: &SaleOrderId,
        cancellation: &crate::domain::order_change::Cancellation,
    ) -> Result<(), crate::domain::ports::SaleOrderChangeError> {
        self.cancel_sale_order(sale_order, &cancellation.to_string())
            .await
            .map_err(|e| change_error("cancel", e, false))
    }
}

/// `unsafe_applied`: a change that must not be repeated may have been applied.
fn change_error(
    operation: &'static str,
    error: stokly::Error,
    unsafe_applied: bool,
) -> crate::domain::ports::SaleOrderChangeError {
    use crate::domain::ports::SaleOrderChangeError as E;
    if !unsafe_applied && error.is_retryable() {
        E::Backend {
            operation,
            source: Box::new(error),
        }
    } else {
        E::Refused {
            operation,
            source: Box::new(error),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    //! Customer claims in [`post_orders`], against wiremock: which Stokly requests a claim
    //! held elsewhere, an uncertain earlier create, or a failing ledger lets through.

    use std::time::Duration;

    use rust_decimal::Decimal;
    use serde_json::{Value, json};
    use wiremock::matchers::{method, path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;
    use crate::domain::catalogue::test_support::simple;
    use crate::domain::catalogue::{SkuIndex, StoklyCatalogue};
    use crate::domain::order::{GlAccountCode, OrderMappingConfig, TaxAccountMap, TaxKey};
    use crate::domain::posting::{Claim, InMemoryPostingLedger, customer_ledger_key};
    use crate::stokly::{ChannelId, RateLimit, VisibilityPoll};
    use chrono::{DateTime, TimeDelta, Utc};

    const SHOP: &str = "claims.myshopify.com";
    const CUSTOMER: &str = "5c000000-0000-4000-8000-000000000501";

    /// Order #1001 of Ada Lovelace (Shopify customer 501), mapped.
    fn draft() -> SaleOrderDraft {
        let text = include_str!("../../tests/fixtures/shopify/orders/vat_included_discounts.json");
        let value: Value = serde_json::from_str(text).unwrap();
        let order = serde_json::from_value(value["data"]["order"].clone()).unwrap();
        let items = vec![
            simple("i-tshirt", "TSHIRT-RED-M"),
            simple("i-mug", "MUG-BLUE"),
            simple("i-wrap", "GIFT-WRAP"),
        ];
        let index = SkuIndex::build(StoklyCatalogue::new(&items), &[]);
        let accounts = TaxAccountMap::new().with(
            TaxKey::new("VAT", Some(Decimal::new(2, 1)), Some("Shopify"), false),
            GlAccountCode::new("2200").unwrap(),
        );
        let config = OrderMappingConfig::new(ChannelId::new("chan-shopify").unwrap(), accounts);
        let draft = crate::domain::order::map_order(&order, &index, &config).unwrap();
        assert!(matches!(
            draft.customer(),
            CustomerLookup::ByShopifyCustomerId { barcode, .. } if barcode == "501"
        ));
        draft
    }

    fn customer_key() -> String {
        customer_ledger_key(SHOP, &CustomerKey::Barcode("501".to_owned()))
    }

    fn client(server: &MockServer) -> stokly::Client {
        stokly::Client::builder()
            .base_url(server.uri())
            .bearer_token("test-token")
            .rate_limit(
                RateLimit::default()
                    .with_requests_per_second(1000.0)
                    .with_burst(100),
            )
            .retry(
                crate::RetryConfig::default()
                    .with_max_attempts(3)
                    .with_initial_backoff(Duration::from_millis(1))
                    .with_max_backoff(Duration::from_millis(2)),
            )
            .visibility_poll(
                VisibilityPoll::default()
                    .with_max_attempts(3)
                    .with_initial_delay(Duration::from_millis(5))
                    .with_max_delay(Duration::from_millis(5)),
            )
            .build()
            .unwrap()
    }

    fn list(rows: Value) -> ResponseTemplate {
        let count = rows.as_array().map_or(0, Vec::len);
        ResponseTemplate::new(200)
            .set_body_json(json!({"data": rows, "metadata": {"count": count}}))
    }

    fn created(id: &str) -> ResponseTemplate {
        ResponseTemplate::new(202).set_body_json(json!({"data": {"id": id}}))
    }

    /// No sale order for the draft yet.
    async fn no_sale_order(server: &MockServer) {
        Mock::given(method("GET"))
            .and(path("/v2/saleorders"))
            .respond_with(list(json!([])))
            .named("sale-order look-up")
            .expect(1)
            .mount(server)
            .await;
    }

    /// The first look-up of customer 501 finds nothing; it is created once and the read-back
    /// finds it.
    async fn customer_missing_then_created_once(server: &MockServer) {
        Mock::given(method("GET"))
            .and(path("/v0/customers"))
            .and(query_param("filter", "[barcode]=*{501}"))
            .respond_with(list(json!([])))
            .up_to_n_times(1)
            .with_priority(1)
            .named("customer look-up (missing)")
            .expect(1)
            .mount(server)
            .await;
        Mock::given(method("GET"))
            .and(path("/v0/customers"))
            .respond_with(list(json!([{"customerId": CUSTOMER, "barcode": "501"}])))
            .with_priority(2)
            .named("customer read back")
            .expect(1)
            .mount(server)
            .await;
        Mock::given(method("POST"))
            .and(path("/v0/customers"))
            .respond_with(created(CUSTOMER))
            .named("customer create")
            .expect(1)
            .mount(server)
            .await;
    }

    /// Exactly `n` sale-order creates.
    async fn sale_order_creates(server: &MockServer, n: u64) {
        Mock::given(method("POST"))
            .and(path("/v2/saleorders"))
            .respond_with(created("5a1e0000-0000-4000-8000-000000000001"))
            .named("sale-order creates")
            .expect(n)
            .mount(server)
            .await;
    }

    async fn never(server: &MockServer, verb: &str, route: &str) {
        Mock::given(method(verb))
            .and(path(route))
            .respond_with(created("never"))
            .named(format!("{verb} {route} (must not be sent)"))
            .expect(0)
            .mount(server)
            .await;
    }

    async fn post_one(
        ledger: &dyn PostingLedger,
        server: &MockServer,
        config: &PostingConfig,
    ) -> PostResult {
        let client = client(server);
        let customers = StoklyCustomers::new(client.clone());
        let mut outcomes = post_orders(
            SHOP,
            &[Ok(draft())],
            PostingPorts::new(ledger, &client, &customers),
            config,
        )
        .await;
        assert_eq!(outcomes.len(), 1);
        outcomes.remove(0).result
    }

    fn order_key() -> String {
        ledger_key(SHOP, draft().source_reference_id())
    }

    /// The order's claim was released without uncertainty.
    fn order_released(ledger: &InMemoryPostingLedger) {
        assert_eq!(
            ledger.claim_now(&order_key(), Utc::now(), Duration::from_secs(60)),
            Claim::Acquired {
                uncertain_since: None
            }
        );
    }

    #[test]
    fn two_spellings_of_one_e_mail_are_one_customer_key() {
        let by_email = |email: &str| {
            super::customer_key(&CustomerLookup::ByEmail {
                email: email.to_owned(),
                name: None,
            })
        };
        assert_eq!(
            by_email(" Ada@Example.com"),
            Some(CustomerKey::Email("ada@example.com".to_owned()))
        );
        assert_eq!(by_email("ada@example.com"), by_email("ADA@EXAMPLE.COM "));
        assert_eq!(super::customer_key(&CustomerLookup::Guest), None);
    }

    #[tokio::test]
    async fn a_lease_no_longer_than_the_visibility_window_defers_instead_of_creating() {
        let server = MockServer::start().await;
        no_sale_order(&server).await;
        Mock::given(method("GET"))
            .and(path("/v0/customers"))
            .and(query_param("filter", "[barcode]=*{501}"))
            .respond_with(list(json!([{"customerId": CUSTOMER, "barcode": "501"}])))
            .named("customer look-up (found)")
            .expect(1)
            .mount(&server)
            .await;
        never(&server, "POST", "/v0/customers").await;
        never(&server, "POST", "/v2/saleorders").await;
        let ledger = InMemoryPostingLedger::new();
        let config = PostingConfig::default()
            .with_lease(Duration::from_secs(30))
            .with_visibility_window(Duration::from_secs(60));

        match post_one(&ledger, &server, &config).await {
            PostResult::Deferred { reason } => assert!(
                matches!(
                    reason,
                    DeferReason::ClaimTooShort {
                        lease_secs: 30,
                        window_secs: 60,
                        ..
                    }
                ),
                "{reason}"
            ),
            other => panic!("{other:?}"),
        }
        order_released(&ledger);
    }

    #[tokio::test]
    async fn a_lease_no_longer_than_the_visibility_window_creates_no_customer_either() {
        let server = MockServer::start().await;
        no_sale_order(&server).await;
        Mock::given(method("GET"))
            .and(path("/v0/customers"))
            .and(query_param("filter", "[barcode]=*{501}"))
            .respond_with(list(json!([])))
            .named("customer look-up (missing)")
            .expect(1)
            .mount(&server)
            .await;
        never(&server, "POST", "/v0/customers").await;
        never(&server, "POST", "/v2/saleorders").await;
        let ledger = InMemoryPostingLedger::new();
        let config = PostingConfig::default()
            .with_lease(Duration::from_secs(30))
            .with_visibility_window(Duration::from_secs(60));

        match post_one(&ledger, &server, &config).await {
            PostResult::Deferred { reason } => assert!(
                matches!(
                    &reason,
                    DeferReason::Dependency { operation, reason }
                        if operation == "create customer"
                            && matches!(**reason, DeferReason::ClaimTooShort { .. })
                ),
                "{reason}"
            ),
            other => panic!("{other:?}"),
        }
        order_released(&ledger);
        // The customer's claim was released without uncertainty (nothing was sent).
        assert_eq!(
            ledger.claim_now(&customer_key(), Utc::now(), config.lease),
            Claim::Acquired {
                uncertain_since: None
            }
        );
    }

    #[tokio::test]
    async fn a_customer_claimed_by_another_run_defers_the_order_and_sends_no_create() {
        let server = MockServer::start().await;
        no_sale_order(&server).await;
        never(&server, "GET", "/v0/customers").await;
        never(&server, "POST", "/v0/customers").await;
        never(&server, "POST", "/v2/saleorders").await;
        let ledger = InMemoryPostingLedger::new();
        let config = PostingConfig::default();
        // Another run is creating the customer.
        let other = ledger.claim_now(&customer_key(), Utc::now(), config.lease);
        assert!(matches!(other, Claim::Acquired { .. }));

        match post_one(&ledger, &server, &config).await {
            PostResult::Deferred { reason } => assert!(
                matches!(
                    &reason,
                    DeferReason::Dependency { operation, reason }
                        if operation == "create customer"
                            && matches!(**reason, DeferReason::ClaimHeldElsewhere { .. })
                ),
                "{reason}"
            ),
            other => panic!("{other:?}"),
        }
        order_released(&ledger);
        // The other run's claim is untouched.
        assert!(matches!(
            ledger.claim_now(&customer_key(), Utc::now(), config.lease),
            Claim::Busy { .. }
        ));
    }

    #[tokio::test]
    async fn an_uncertain_create_within_the_window_is_not_sent_again() {
        let server = MockServer::start().await;
        no_sale_order(&server).await;
        Mock::given(method("GET"))
            .and(path("/v0/customers"))
            .and(query_param("filter", "[barcode]=*{501}"))
            .respond_with(list(json!([])))
            .named("customer look-up (not visible yet)")
            .expect(1)
            .mount(&server)
            .await;
        never(&server, "POST", "/v0/customers").await;
        never(&server, "POST", "/v2/saleorders").await;
        let ledger = InMemoryPostingLedger::new();
        let config = PostingConfig::default();
        let sent_at = Utc::now() - TimeDelta::seconds(10);
        ledger.claim_now(&customer_key(), sent_at, config.lease);
        ledger
            .release(&customer_key(), Some(sent_at))
            .await
            .unwrap();

        match post_one(&ledger, &server, &config).await {
            PostResult::Deferred { reason } => assert!(
                matches!(
                    &reason,
                    DeferReason::Dependency { reason, .. }
                        if matches!(**reason, DeferReason::MayStillAppear { .. })
                ),
                "{reason}"
            ),
            other => panic!("{other:?}"),
        }
        order_released(&ledger);
        // Released, still uncertain since the first create.
        assert_eq!(
            ledger.claim_now(&customer_key(), Utc::now(), config.lease),
            Claim::Acquired {
                uncertain_since: Some(sent_at)
            }
        );
    }

    #[tokio::test]
    async fn after_the_window_a_customer_still_missing_is_created_once_and_released() {
        let server = MockServer::start().await;
        no_sale_order(&server).await;
        customer_missing_then_created_once(&server).await;
        sale_order_creates(&server, 1).await;
        let ledger = InMemoryPostingLedger::new();
        let config = PostingConfig::default();
        let sent_at = Utc::now() - TimeDelta::seconds(120);
        ledger.claim_now(&customer_key(), sent_at, config.lease);
        ledger
            .release(&customer_key(), Some(sent_at))
            .await
            .unwrap();

        let result = post_one(&ledger, &server, &config).await;
        assert!(matches!(result, PostResult::Created { .. }), "{result:?}");
        // The customer's claim was released (not left to run out).
        assert!(matches!(
            ledger.claim_now(&customer_key(), Utc::now(), config.lease),
            Claim::Acquired { .. }
        ));
        let requests = server.received_requests().await.unwrap();
        let order: Value = serde_json::from_slice(
            &requests
                .iter()
                .find(|r| r.method.as_str() == "POST" && r.url.path() == "/v2/saleorders")
                .unwrap()
                .body,
        )
        .unwrap();
        assert_eq!(order["customer"]["customerId"], CUSTOMER);
    }

    /// Counts the claims of each key.
    #[derive(Default)]
    struct CountingLedger {
        inner: InMemoryPostingLedger,
        claims: Mutex<HashMap<String, usize>>,
    }

    #[async_trait]
    impl PostingLedger for CountingLedger {
        async fn claim(
            &self,
            key: &str,
            now: DateTime<Utc>,
            lease: std::time::Duration,
        ) -> Result<Claim, PortError> {
            *self
                .claims
                .lock()
                .unwrap()
                .entry(key.to_owned())
                .or_default() += 1;
            self.inner.claim(key, now, lease).await
        }
        async fn posted(&self, key: &str, sale_order: &SaleOrderId) -> Result<(), PortError> {
            self.inner.posted(key, sale_order).await
        }
        async fn release(
            &self,
            key: &str,
            uncertain_since: Option<DateTime<Utc>>,
        ) -> Result<(), PortError> {
            self.inner.release(key, uncertain_since).await
        }
    }

    #[tokio::test]
    async fn a_customer_named_by_several_orders_is_claimed_and_created_once() {
        let server = MockServer::start().await;
        no_sale_order(&server).await;
        customer_missing_then_created_once(&server).await;
        sale_order_creates(&server, 3).await;
        // Three orders of the same customer.
        let first = draft();
        let mut mapped = Vec::new();
        for n in 0..3_u64 {
            let mut value = serde_json::to_value(&first).unwrap();
            value["shopify_order_id"] = json!(format!("gid://shopify/Order/{}", 5501 + n));
            value["source_reference_id"] = json!((5501 + n).to_string());
            mapped.push(Ok(serde_json::from_value::<SaleOrderDraft>(value).unwrap()));
        }
        let ledger = CountingLedger::default();
        let client = client(&server);
        let customers = StoklyCustomers::new(client.clone());
        let outcomes = post_orders(
            SHOP,
            &mapped,
            PostingPorts::new(&ledger, &client, &customers),
            &PostingConfig::default(),
        )
        .await;
        assert!(
            outcomes
                .iter()
                .all(|o| matches!(o.result, PostResult::Created { .. })),
            "{outcomes:#?}"
        );
        let claims = ledger.claims.lock().unwrap().clone();
        assert_eq!(claims.get(&customer_key()), Some(&1), "{claims:#?}");
        assert_eq!(
            claims.len(),
            4,
            "three orders and one customer: {claims:#?}"
        );
    }

    #[tokio::test]
    async fn a_lost_create_answer_is_released_as_uncertain() {
        let server = MockServer::start().await;
        no_sale_order(&server).await;
        Mock::given(method("GET"))
            .and(path("/v0/customers"))
            .respond_with(list(json!([])))
            .named("customer look-up")
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/v0/customers"))
            .respond_with(ResponseTemplate::new(504))
            .named("customer create (answer lost)")
            .expect(1)
            .mount(&server)
            .await;
        never(&server, "POST", "/v2/saleorders").await;
        let ledger = InMemoryPostingLedger::new();
        let config = PostingConfig::default();
        let before = Utc::now();

        let result = post_one(&ledger, &server, &config).await;
        assert!(matches!(result, PostResult::Deferred { .. }), "{result:?}");
        order_released(&ledger);
        match ledger.claim_now(&customer_key(), Utc::now(), config.lease) {
            Claim::Acquired {
                uncertain_since: Some(since),
            } => assert!(since >= before && since <= Utc::now()),
            other => panic!("{other:?}"),
        }
    }

    /// A ledger that cannot be reached for customer keys.
    struct CustomerLedgerDown(InMemoryPostingLedger);

    #[async_trait]
    impl PostingLedger for CustomerLedgerDown {
        async fn claim(
            &self,
            key: &str,
            now: DateTime<Utc>,
            lease: std::time::Duration,
        ) -> Result<Claim, PortError> {
            if key.contains("/customers/") {
                return Err(PortError::Unavailable {
                    operation: "claim".to_owned(),
                    source: "connection refused".into(),
                });
            }
            self.0.claim(key, now, lease).await
        }
        async fn posted(&self, key: &str, sale_order: &SaleOrderId) -> Result<(), PortError> {
            self.0.posted(key, sale_order).await
        }
        async fn release(
            &self,
            key: &str,
            uncertain_since: Option<DateTime<Utc>>,
        ) -> Result<(), PortError> {
            self.0.release(key, uncertain_since).await
        }
    }

    #[tokio::test]
    async fn a_ledger_failure_defers_the_order_and_creates_nothing() {
        let server = MockServer::start().await;
        no_sale_order(&server).await;
        never(&server, "GET", "/v0/customers").await;
        never(&server, "POST", "/v0/customers").await;
        never(&server, "POST", "/v2/saleorders").await;
        let ledger = CustomerLedgerDown(InMemoryPostingLedger::new());

        match post_one(&ledger, &server, &PostingConfig::default()).await {
            PostResult::Deferred { reason } => assert!(
                matches!(
                    &reason,
                    DeferReason::Dependency { reason, .. }
                        if matches!(**reason, DeferReason::LedgerUnavailable { .. })
                ),
                "{reason}"
            ),
            other => panic!("{other:?}"),
        }
        order_released(&ledger.0);
    }
}
