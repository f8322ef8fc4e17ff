//! Posting mapped orders to Stokly exactly once, and the Stokly implementations of the
//! posting ports.
//!
//! [`post_orders`] is the posting run described in [`crate::domain::posting`]: claim each
//! order in the [`PostingLedger`], look the claimed ones up in Stokly in batches, find or
//! create their customers, create only the missing orders, and settle every uncertain create
//! by looking it up again. It goes through ports only, so a test can drive it with fakes and
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
//! visibility read.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};

use crate::domain::order::{CustomerLookup, OrderRejection, SaleOrderDraft};
use crate::domain::posting::{
    Claim, CustomerPort, PortError, PostOutcome, PostResult, PostedSaleOrder, PostingConfig,
    PostingLedger, SaleOrderPort, ledger_key,
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
        }
    }
}

impl std::fmt::Debug for PostingPorts<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostingPorts").finish_non_exhaustive()
    }
}

/// A draft the run is posting.
struct Pending<'d> {
    index: usize,
    draft: &'d SaleOrderDraft,
    key: String,
    uncertain_since: Option<DateTime<Utc>>,
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
                    reason: "not processed".to_owned(),
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

fn deferred(reason: impl Into<String>) -> PostResult {
    PostResult::Deferred {
        reason: reason.into(),
    }
}

fn failed(error: &PortError) -> PostResult {
    match error {
        PortError::Refused { operation, message } => PostResult::Refused {
            operation: operation.clone(),
            message: message.clone(),
        },
        other => deferred(other.to_string()),
    }
}

async fn post_chunk(
    shop: &str,
    chunk: &[(usize, &SaleOrderDraft)],
    ports: PostingPorts<'_>,
    config: &PostingConfig,
    results: &mut [Option<PostResult>],
) {
    // 1. Claims.
    let now = Utc::now();
    let mut claimed: Vec<Pending<'_>> = Vec::new();
    for &(index, draft) in chunk {
        let key = ledger_key(shop, draft.source_reference_id());
        match ports.ledger.claim(&key, now, config.lease).await {
            Ok(Claim::Acquired { uncertain_since }) => claimed.push(Pending {
                index,
                draft,
                key,
                uncertain_since,
            }),
            Ok(Claim::Posted { sale_order }) => {
                set(results, index, PostResult::AlreadyPosted { sale_order });
            }
            Ok(Claim::Busy { until }) => set(
                results,
                index,
                deferred(format!(
                    "another run is posting this order (claim held until {until})"
                )),
            ),
            Err(e) => set(results, index, deferred(format!("posting ledger: {e}"))),
        }
    }
    if claimed.is_empty() {
        return;
    }

    // 2. One look-up for the chunk.
    let references: Vec<String> = claimed
        .iter()
        .map(|p| p.draft.source_reference_id().to_owned())
        .collect();
    let found = match ports.sale_orders.find_posted(&references).await {
        Ok(found) => index_posted(found),
        Err(e) => {
            for p in &claimed {
                release(ports, &p.key, None).await;
                set(results, p.index, failed(&e));
            }
            return;
        }
    };
    let window = TimeDelta::from_std(config.visibility_window).unwrap_or(TimeDelta::MAX);
    let mut to_create: Vec<Pending<'_>> = Vec::new();
    for p in claimed {
        if let Some(sale_order) = found.get(p.draft.source_reference_id()) {
            record_posted(ports, &p.key, sale_order).await;
            set(
                results,
                p.index,
                PostResult::AlreadyPosted {
                    sale_order: sale_order.clone(),
                },
            );
        } else if let Some(since) = p.uncertain_since.filter(|since| now - *since < window) {
            release(ports, &p.key, None).await;
            set(
                results,
                p.index,
                deferred(format!(
                    "an earlier create at {since} may have succeeded and is not visible yet; \
                     it is looked up again before anything is sent"
                )),
            );
        } else {
            to_create.push(p);
        }
    }
    if to_create.is_empty() {
        return;
    }

    // 3. Customers, in one call.
    let lookups: Vec<CustomerLookup> = to_create
        .iter()
        .map(|p| p.draft.customer().clone())
        .collect();
    let mut customers = ports.customers.find_or_create(&lookups).await.into_iter();

    // 4. Creates.
    let mut uncertain: Vec<(Pending<'_>, DateTime<Utc>)> = Vec::new();
    for p in to_create {
        let customer = match customers.next() {
            Some(Ok(customer)) => customer,
            Some(Err(e)) => {
                release(ports, &p.key, None).await;
                set(results, p.index, failed(&e));
                continue;
            }
            None => {
                release(ports, &p.key, None).await;
                set(
                    results,
                    p.index,
                    deferred("the customer port gave no answer"),
                );
                continue;
            }
        };
        let body: NewSaleOrder = p.draft.to_new_sale_order(customer);
        let sent_at = Utc::now();
        match ports.sale_orders.create(&body).await {
            Ok(sale_order) => {
                record_posted(ports, &p.key, &sale_order).await;
                set(results, p.index, PostResult::Created { sale_order });
            }
            Err(PortError::Uncertain { .. }) => uncertain.push((p, sent_at)),
            Err(e) => {
                release(ports, &p.key, None).await;
                set(results, p.index, failed(&e));
            }
        }
    }

    // 5. Settle uncertain creates by looking them up again.
    settle_uncertain(ports, config, uncertain, results).await;
}

async fn settle_uncertain(
    ports: PostingPorts<'_>,
    config: &PostingConfig,
    mut uncertain: Vec<(Pending<'_>, DateTime<Utc>)>,
    results: &mut [Option<PostResult>],
) {
    let mut attempt = 0;
    while !uncertain.is_empty() && attempt < config.uncertain_polls {
        attempt += 1;
        tokio::time::sleep(config.uncertain_poll_delay).await;
        let references: Vec<String> = uncertain
            .iter()
            .map(|(p, _)| p.draft.source_reference_id().to_owned())
            .collect();
        let Ok(found) = ports.sale_orders.find_posted(&references).await else {
            continue;
        };
        let found = index_posted(found);
        let mut still = Vec::new();
        for (p, sent_at) in uncertain {
            match found.get(p.draft.source_reference_id()) {
                Some(sale_order) => {
                    record_posted(ports, &p.key, sale_order).await;
                    set(
                        results,
                        p.index,
                        PostResult::Created {
                            sale_order: sale_order.clone(),
                        },
                    );
                }
                None => still.push((p, sent_at)),
            }
        }
        uncertain = still;
    }
    for (p, sent_at) in uncertain {
        release(ports, &p.key, Some(sent_at)).await;
        set(
            results,
            p.index,
            deferred(format!(
                "the create sent at {sent_at} may have succeeded but is not visible after \
                 {attempt} look-ups; it is looked up again before anything is sent"
            )),
        );
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

async fn record_posted(ports: PostingPorts<'_>, key: &str, sale_order: &SaleOrderId) {
    if let Err(e) = ports.ledger.posted(key, sale_order).await {
        // The order is in Stokly. The claim is deliberately left to run out (not released):
        // no other run can take the order before the lease ends, and by then (the lease is
        // longer than the visibility window) the look-up finds it.
        tracing::warn!(key, %sale_order, error = %e, "posting ledger did not record a posted order");
    }
}

async fn release(ports: PostingPorts<'_>, key: &str, uncertain_since: Option<DateTime<Utc>>) {
    if let Err(e) = ports.ledger.release(key, uncertain_since).await {
        // The claim lapses at the end of its lease.
        tracing::warn!(key, error = %e, "posting ledger did not release a claim");
    }
}

/// A Stokly error as a port error, for a write: may it have been applied?
fn write_error(operation: &str, error: stokly::Error) -> PortError {
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
fn read_error(operation: &str, error: stokly::Error) -> PortError {
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

/// How a [`CustomerLookup`] is found in Stokly.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum CustomerKey {
    Barcode(String),
    Email(String),
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
        CustomerLookup::ByEmail { email, .. } => Some(CustomerKey::Email(email.clone())),
        _ => None,
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
    ) -> Vec<Result<Option<CustomerId>, PortError>> {
        let keys: Vec<Option<CustomerKey>> = lookups.iter().map(customer_key).collect();
        let mut unknown: Vec<&CustomerKey> = Vec::new();
        let mut seen: HashSet<&CustomerKey> = HashSet::new();
        for key in keys.iter().flatten() {
            if self.cached(key).is_none() && seen.insert(key) {
                unknown.push(key);
            }
        }
        let mut errors = if unknown.is_empty() {
            HashMap::new()
        } else {
            self.look_up(&unknown).await
        };

        // Create each missing customer once.
        let mut created: Vec<CustomerKey> = Vec::new();
        for (lookup, key) in lookups.iter().zip(&keys) {
            let Some(key) = key else { continue };
            if self.cached(key).is_some() || errors.contains_key(key) || created.contains(key) {
                continue;
            }
            let Some(body) = new_customer(lookup) else {
                continue;
            };
            match self.client.create_customer(&body).await {
                Ok(id) => {
                    self.remember(key.clone(), id);
                    created.push(key.clone());
                }
                Err(e) => {
                    errors.insert(key.clone(), write_error("create customer", e));
                }
            }
        }
        if !created.is_empty() {
            if let Err(e) = self.wait_visible(&created).await {
                let error = PortError::Unavailable {
                    operation: "wait for new customers".to_owned(),
                    source: Box::new(e),
                };
                for key in &created {
                    errors.insert(key.clone(), copy_port_error(&error));
                }
            }
        }

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
    }
}

/// Orders read from Shopify and mapped: what a capture step hands to [`post_orders`].
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct CapturedOrders {
    /// One mapping result per order found, in the order asked for.
    pub mapped: Vec<Result<SaleOrderDraft, OrderRejection>>,
    /// Orders Shopify no longer has (deleted): nothing to post, listed so nothing vanishes
    /// unexplained.
    pub missing: Vec<crate::shopify::OrderId>,
}

/// Reads each order completely from Shopify (a webhook is only a doorbell) and maps it with
/// [`map_order`](crate::domain::order::map_order). Repeated IDs are read once.
///
/// # Errors
/// The first Shopify error; orders read before it are not returned, so the caller retries
/// the whole capture (reads are safe to repeat).
pub async fn capture_orders(
    shopify: &crate::shopify::Client,
    ids: &[crate::shopify::OrderId],
    index: &crate::domain::sku::SkuIndex,
    config: &crate::domain::order::OrderMappingConfig,
) -> Result<CapturedOrders, crate::Error> {
    let mut seen = HashSet::new();
    let mut captured = CapturedOrders::default();
    for id in ids {
        if !seen.insert(id.clone()) {
            continue;
        }
        match shopify.order(id).await? {
            Some(order) => captured
                .mapped
                .push(crate::domain::order::map_order(&order, index, config)),
            None => captured.missing.push(id.clone()),
        }
    }
    Ok(captured)
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
            _ => 2,
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
                _ => Ok(()),
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
