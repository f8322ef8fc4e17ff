//! Stokly price lists pushed to Shopify: the reads [`plan_price_lists`] needs, and the writes
//! its plan says, in the order they depend on each other.
//!
//! # Writes without an idempotency key
//!
//! `priceListCreate` and `catalogCreate` take no idempotency key. They do not go through the
//! exactly-once protocol; they are made safe by **reading first**, because Shopify gives
//! them a natural key of its own and answers reads at once:
//!
//! - a price list is named [`PriceListConfig::shopify_name`] (the Stokly list's ID), and
//!   Shopify keeps price-list names unique: a repeated create (after a time-out that did
//!   land, or from a second worker) is refused with `TAKEN`, never a second list. On `TAKEN`
//!   the sync reads the price lists again and carries on with the one found.
//! - a catalog is created with its price list attached, and a price list belongs to at most
//!   one catalog (`PriceList.catalog`). Two workers syncing one shop at once could both see
//!   the price list without a catalog, so the catalog create goes through the exactly-once
//!   protocol ([`run_exactly_once`]): it is claimed in the posting ledger under
//!   `<shop>:price-list-catalog:<price list name>`, looked up by re-reading the price list's
//!   catalog, and created only by the worker holding the claim. With the PostgreSQL ledger
//!   (fleet mode) that holds across processes; a lost answer is settled by the same read.
//!   (That Shopify would also refuse a second catalog for one price list is assumed, not
//!   recorded; the emulator does so.)
//!
//! Shopify shows these writes as soon as it answers, so no visibility window is waited out.
//! A price-list create that fails without an answer is not retried in the same run: the
//! error is returned, and the next run's read decides. Everything else the plan sends sets values, so a retry is harmless and the client
//! retries it: `priceListFixedPricesAdd` is an upsert, tags and metafields are set, and each
//! `quantityPricingByVariantUpdate` replaces what it names (a variant's price breaks are
//! deleted by variant and added again in the same atomic update; deleting a rule or price
//! already gone is assumed to change nothing, as the emulator does).
//!
//! # Order of writes
//!
//! Per list: the price list, its catalog, company locations added and then removed, fixed
//! prices (`priceListFixedPricesAdd`, 250 a call), then the quantity updates (rules, price
//! breaks and removals, `quantityPricingByVariantUpdate`): a price break needs its variant's
//! fixed price, so prices go first. An update Shopify refuses is split: the variants its
//! errors name are reported with all their changes unsent, the rest is sent once more.

use std::collections::HashSet;

use async_trait::async_trait;
use futures::TryStreamExt;

use super::exactly_once::{
    CreateTarget, LookUpAnswer, ShopifyWritePorts, run_exactly_once, shopify_protocol,
    shopify_write_error,
};
use crate::domain::exactly_once::{ExactlyOnce, Outcome};
use crate::domain::ports::{LedgerRecordId, PortError};

use crate::domain::catalogue::SkuIndex;
use crate::domain::price_list::{
    ListPush, PriceListConfig, PriceListPlan, ShopCapabilities, ShopifyPriceState, StoklyPriceList,
    plan_price_lists,
};
use crate::shopify::model::{B2bPayload, PriceListPriceInput, QuantityPricingUpdate};
use crate::shopify::{
    self, CompanyLocationCatalogId, PageOptions, PriceListId as ShopifyPriceListId,
    ProductVariantId, UserError, UserErrorCode, UserErrorsByInput,
};
use crate::stokly::{self, ListQuery, PriceListId};

/// Rows per page of the Stokly price-list reads (Stokly's largest page).
const STOKLY_PAGE: u32 = 1000;

/// Reads every Stokly price list with its customers and item prices (**inferred** paths).
///
/// # Errors
/// Any read error of the Stokly client (a 404 until the inferred paths are configured).
pub async fn read_stokly_price_lists(
    client: &stokly::Client,
) -> Result<Vec<StoklyPriceList>, stokly::Error> {
    let lists: Vec<_> = client
        .price_lists(ListQuery::new().page_size(STOKLY_PAGE))
        .try_collect()
        .await?;
    let mut out = Vec::with_capacity(lists.len());
    for list in lists {
        let customers = client
            .price_list_customers(&list.price_list_id, ListQuery::new().page_size(STOKLY_PAGE))
            .try_collect()
            .await?;
        let items = client
            .price_list_items(&list.price_list_id, ListQuery::new().page_size(STOKLY_PAGE))
            .try_collect()
            .await?;
        out.push(StoklyPriceList::new(list, customers, items));
    }
    Ok(out)
}

/// Reads what the plan compares against, in full: on Shopify Plus every price list with its
/// catalog and all the catalog's company locations, and the fixed prices and quantity rules
/// of the price lists the sync owns ([`PriceListConfig::owns`]); otherwise the tags and
/// metafield of the mapped customers.
///
/// # Errors
/// Any read error of the Shopify client.
pub async fn read_shopify_price_state(
    client: &shopify::Client,
    capabilities: ShopCapabilities,
    config: &PriceListConfig,
) -> Result<ShopifyPriceState, shopify::Error> {
    let mut state = ShopifyPriceState::default();
    if !capabilities.shopify_plus {
        let (namespace, key) = config.metafield();
        state.customers = client
            .customer_price_tags(&config.mapped_customers(), namespace, key)
            .await?;
        return Ok(state);
    }
    state.price_lists = client
        .b2b_price_lists(PageOptions::default())
        .try_collect()
        .await?;
    for list in &state.price_lists {
        if let Some(catalog) = &list.catalog {
            let first = catalog.company_locations.as_ref();
            let complete = first.is_some_and(|c| !c.page_info.has_next_page);
            let locations = match (complete, first, catalog.company_location_catalog_id()) {
                (true, Some(page), _) => page.nodes.iter().map(|l| l.id.clone()).collect(),
                (_, _, Some(id)) => {
                    client
                        .catalog_company_locations(&id, PageOptions::default())
                        .map_ok(|l| l.id)
                        .try_collect()
                        .await?
                }
                _ => Vec::new(),
            };
            state
                .catalog_locations
                .insert(catalog.id.clone(), locations);
        }
        if !config.owns(&list.name) {
            continue;
        }
        let prices = client
            .fixed_prices(&list.id, PageOptions::default())
            .try_collect()
            .await?;
        let rules = client
            .quantity_rules(&list.id, PageOptions::default())
            .try_collect()
            .await?;
        state.fixed_prices.insert(list.id.clone(), prices);
        state.quantity_rules.insert(list.id.clone(), rules);
    }
    Ok(state)
}

/// A write Shopify refused, with its errors.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RefusedWrite {
    /// The Stokly list it was for (`None` for customer data).
    pub list: Option<PriceListId>,
    /// The GraphQL operation.
    pub operation: &'static str,
    /// What was refused (a variant, a customer, a name).
    pub input: String,
    /// Shopify's `userErrors`.
    pub errors: Vec<UserError>,
}

/// What applying a plan did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PriceListSyncReport {
    /// Write calls sent.
    pub calls: usize,
    /// Price lists created.
    pub price_lists_created: usize,
    /// Catalogs created.
    pub catalogs_created: usize,
    /// Company locations added to catalogs.
    pub locations_added: usize,
    /// Company locations taken out of catalogs.
    pub locations_removed: usize,
    /// Fixed prices set.
    pub prices_set: usize,
    /// Fixed prices removed.
    pub prices_removed: usize,
    /// Quantity rules set.
    pub rules_set: usize,
    /// Quantity rules removed.
    pub rules_removed: usize,
    /// Quantity price breaks set.
    pub breaks_set: usize,
    /// Variants whose earlier price breaks were deleted (before their new ones were set).
    pub variants_with_breaks_replaced: usize,
    /// Customers whose tags changed.
    pub customers_tagged: usize,
    /// Metafields set.
    pub metafields_set: usize,
    /// Writes Shopify refused (the rest went through).
    pub refused: Vec<RefusedWrite>,
    /// Lists whose catalog could not be made in this run (claimed by another worker, or its
    /// create's outcome still unknown), with why; the next run carries on.
    pub deferred: Vec<(PriceListId, String)>,
}

/// A plan and what applying it did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PriceListSync {
    /// The plan (with its findings and drift).
    pub plan: PriceListPlan,
    /// What was sent.
    pub report: PriceListSyncReport,
}

/// Reads the shop's plan and Shopify's price-list state, plans against `lists`, and applies
/// the plan (catalogs created through the exactly-once protocol on `ports`' ledger).
///
/// # Errors
/// Any read error; a write that failed without an answer (the writes before it stay made:
/// run again, the read-first plan picks up where it stopped).
pub async fn sync_price_lists(
    ports: ShopifyWritePorts<'_>,
    lists: &[StoklyPriceList],
    index: &SkuIndex,
    config: &PriceListConfig,
) -> Result<PriceListSync, shopify::Error> {
    let client = ports.shopify;
    let capabilities = ShopCapabilities::of(&client.shop().await?);
    let state = read_shopify_price_state(client, capabilities, config).await?;
    let plan = plan_price_lists(lists, &state, index, capabilities, config);
    let report = apply_price_list_plan(ports, &plan).await?;
    Ok(PriceListSync { plan, report })
}

fn refused(
    list: Option<&PriceListId>,
    operation: &'static str,
    input: impl Into<String>,
    errors: Vec<UserError>,
) -> RefusedWrite {
    RefusedWrite {
        list: list.cloned(),
        operation,
        input: input.into(),
        errors,
    }
}

/// Sends what `plan` says. Per list: the price list (created when missing), its catalog
/// (created, or completed with the missing company locations), then fixed prices, removals
/// and quantity rules in their batches. A refused batch is split by
/// [`UserErrorsByInput`]: the inputs Shopify named are reported, the others are sent once
/// more without them. A list whose price list or catalog cannot be made is reported and
/// skipped.
///
/// # Errors
/// A write that failed without an answer (transport, throttling beyond the client's waits).
pub async fn apply_price_list_plan(
    ports: ShopifyWritePorts<'_>,
    plan: &PriceListPlan,
) -> Result<PriceListSyncReport, shopify::Error> {
    let client = ports.shopify;
    let mut report = PriceListSyncReport::default();
    for push in &plan.lists {
        apply_list(ports, push, &mut report).await?;
    }
    for change in &plan.customer_tags {
        let mut touched = false;
        for (add, tags) in [(true, &change.add), (false, &change.remove)] {
            if tags.is_empty() {
                continue;
            }
            report.calls += 1;
            let answer = if add {
                client.add_customer_tags(&change.customer, tags).await?
            } else {
                client.remove_customer_tags(&change.customer, tags).await?
            };
            if answer.user_errors.is_empty() {
                touched = true;
            } else {
                report.refused.push(refused(
                    None,
                    if add { "tagsAdd" } else { "tagsRemove" },
                    change.customer.as_str(),
                    answer.user_errors,
                ));
            }
        }
        report.customers_tagged += usize::from(touched);
    }
    for batch in &plan.metafield_batches {
        report.calls += 1;
        let answer = client.set_metafields(batch).await?;
        if answer.user_errors.is_empty() {
            report.metafields_set += batch.len();
        } else {
            report.refused.push(refused(
                None,
                "metafieldsSet",
                format!("{} metafields", batch.len()),
                answer.user_errors,
            ));
        }
    }
    Ok(report)
}

async fn find_price_list(
    client: &shopify::Client,
    name: &str,
) -> Result<Option<ShopifyPriceListId>, shopify::Error> {
    let lists: Vec<_> = client
        .b2b_price_lists(PageOptions::default())
        .try_collect()
        .await?;
    Ok(lists.into_iter().find(|l| l.name == name).map(|l| l.id))
}

async fn apply_list(
    ports: ShopifyWritePorts<'_>,
    push: &ListPush,
    report: &mut PriceListSyncReport,
) -> Result<(), shopify::Error> {
    let client = ports.shopify;
    let list = Some(&push.stokly);
    let price_list = match &push.price_list {
        Some(id) => id.clone(),
        None => {
            report.calls += 1;
            let answer = client.create_price_list(&push.name, push.currency).await?;
            match answer.result {
                Some(created) => {
                    report.price_lists_created += 1;
                    created.id
                }
                None => {
                    let taken = answer
                        .user_errors
                        .iter()
                        .any(|e| e.code == Some(UserErrorCode::Taken));
                    // A create that landed earlier (or another worker's): read it back.
                    match (taken, find_price_list(client, &push.name).await?) {
                        (true, Some(id)) => id,
                        _ => {
                            report.refused.push(refused(
                                list,
                                "priceListCreate",
                                push.name.clone(),
                                answer.user_errors,
                            ));
                            return Ok(());
                        }
                    }
                }
            }
        }
    };
    if let Some(catalog) = &push.create_catalog {
        let key = format!("{}:price-list-catalog:{}", ports.shop, push.name);
        let mut machine = ExactlyOnce::new(vec![key], shopify_protocol(ports.posting));
        let mut target = CatalogTarget {
            shopify: client,
            name: &push.name,
            title: &catalog.title,
            locations: &catalog.locations,
            price_list: &price_list,
            sent: 0,
            refusal: Vec::new(),
        };
        run_exactly_once(&mut machine, &mut target, ports.ledger, ports.clock).await;
        report.calls += target.sent;
        match machine.into_outcomes().pop() {
            Some(Outcome::Created(_)) => report.catalogs_created += 1,
            Some(Outcome::AlreadyDone(_)) => {}
            Some(Outcome::Refused { .. }) => {
                report.refused.push(refused(
                    list,
                    "catalogCreate",
                    catalog.title.clone(),
                    std::mem::take(&mut target.refusal),
                ));
                return Ok(());
            }
            Some(Outcome::Deferred(reason)) => {
                report
                    .deferred
                    .push((push.stokly.clone(), format!("{reason:?}")));
                return Ok(());
            }
            None => return Ok(()),
        }
    }
    if let Some(catalog) = &push.catalog {
        for add in [true, false] {
            let locations = if add {
                &push.add_locations
            } else {
                &push.remove_locations
            };
            for chunk in locations.chunks(shopify::MAX_PRICES_PER_CALL) {
                report.calls += 1;
                let answer = if add {
                    client.add_catalog_company_locations(catalog, chunk).await?
                } else {
                    client
                        .remove_catalog_company_locations(catalog, chunk)
                        .await?
                };
                if !answer.user_errors.is_empty() {
                    report.refused.push(refused(
                        list,
                        "catalogContextUpdate",
                        catalog.as_str(),
                        answer.user_errors,
                    ));
                } else if add {
                    report.locations_added += chunk.len();
                } else {
                    report.locations_removed += chunk.len();
                }
            }
        }
    }
    for batch in &push.price_batches {
        send_prices(client, push, &price_list, batch, report).await?;
    }
    for update in &push.quantity_batches {
        send_quantity_update(client, push, &price_list, update, report).await?;
    }
    Ok(())
}

/// The variant a `quantityPricingByVariantUpdate` error names: the input list its field path
/// names (`["input", "quantityPriceBreaksToAdd", "3", "minimumQuantity"]`) and the entry's
/// variant.
fn named_variant<'u>(
    update: &'u QuantityPricingUpdate,
    error: &UserError,
) -> Option<&'u ProductVariantId> {
    let field = error.field.as_ref()?;
    let list = field
        .iter()
        .find(|s| s.ends_with("ToAdd") || s.contains("ToDelete"))?;
    let at = error.input_index()?;
    match list.as_str() {
        "pricesToAdd" => update.prices_to_add.get(at).map(|p| &p.variant_id),
        "pricesToDeleteByVariantId" => update.prices_to_delete.get(at),
        "quantityRulesToAdd" => update.quantity_rules_to_add.get(at).map(|r| &r.variant_id),
        "quantityRulesToDeleteByVariantId" => update.quantity_rules_to_delete.get(at),
        "quantityPriceBreaksToAdd" => update
            .quantity_price_breaks_to_add
            .get(at)
            .map(|b| &b.variant_id),
        "quantityPriceBreaksToDeleteByVariantId" => {
            update.quantity_price_breaks_to_delete_by_variant.get(at)
        }
        _ => None,
    }
}

/// The entries of `list` whose variant is not in `drop`.
fn kept<T: Clone>(
    list: &[T],
    variant: impl Fn(&T) -> &ProductVariantId,
    drop: &HashSet<&ProductVariantId>,
) -> Vec<T> {
    list.iter()
        .filter(|entry| !drop.contains(variant(entry)))
        .cloned()
        .collect()
}

fn itself(variant: &ProductVariantId) -> &ProductVariantId {
    variant
}

/// The update without the changes of `drop`.
fn without(
    update: &QuantityPricingUpdate,
    drop: &HashSet<&ProductVariantId>,
) -> QuantityPricingUpdate {
    QuantityPricingUpdate {
        prices_to_add: kept(&update.prices_to_add, |p| &p.variant_id, drop),
        prices_to_delete: kept(&update.prices_to_delete, itself, drop),
        quantity_rules_to_add: kept(&update.quantity_rules_to_add, |r| &r.variant_id, drop),
        quantity_rules_to_delete: kept(&update.quantity_rules_to_delete, itself, drop),
        quantity_price_breaks_to_add: kept(
            &update.quantity_price_breaks_to_add,
            |b| &b.variant_id,
            drop,
        ),
        quantity_price_breaks_to_delete: Vec::new(),
        quantity_price_breaks_to_delete_by_variant: kept(
            &update.quantity_price_breaks_to_delete_by_variant,
            itself,
            drop,
        ),
    }
}

fn count_update(update: &QuantityPricingUpdate, report: &mut PriceListSyncReport) {
    report.prices_removed += update.prices_to_delete.len();
    report.rules_set += update.quantity_rules_to_add.len();
    report.rules_removed += update.quantity_rules_to_delete.len();
    report.breaks_set += update.quantity_price_breaks_to_add.len();
    report.variants_with_breaks_replaced += update.quantity_price_breaks_to_delete_by_variant.len();
}

/// One `quantityPricingByVariantUpdate`. Shopify applies it all or nothing: when it refuses
/// it, the variants its errors name are reported (all their changes stay unsent) and the
/// rest is sent once more.
async fn send_quantity_update(
    client: &shopify::Client,
    push: &ListPush,
    price_list: &ShopifyPriceListId,
    update: &QuantityPricingUpdate,
    report: &mut PriceListSyncReport,
) -> Result<(), shopify::Error> {
    const OPERATION: &str = "quantityPricingByVariantUpdate";
    report.calls += 1;
    let answer = client
        .update_quantity_pricing(price_list, push.currency, update)
        .await?;
    if answer.user_errors.is_empty() {
        count_update(update, report);
        return Ok(());
    }
    let mut named: Vec<(&ProductVariantId, Vec<UserError>)> = Vec::new();
    let mut batch_wide: Vec<UserError> = Vec::new();
    for error in &answer.user_errors {
        match named_variant(update, error) {
            Some(variant) => match named.iter_mut().find(|(v, _)| *v == variant) {
                Some((_, errors)) => errors.push(error.clone()),
                None => named.push((variant, vec![error.clone()])),
            },
            None => batch_wide.push(error.clone()),
        }
    }
    for (variant, errors) in &named {
        report.refused.push(refused(
            Some(&push.stokly),
            OPERATION,
            variant.as_str(),
            errors.clone(),
        ));
    }
    if !batch_wide.is_empty() {
        report.refused.push(refused(
            Some(&push.stokly),
            OPERATION,
            format!("{} variants", update.variants().len()),
            batch_wide,
        ));
        return Ok(());
    }
    let drop: HashSet<&ProductVariantId> = named.iter().map(|(v, _)| *v).collect();
    let rest = without(update, &drop);
    if rest.is_empty() {
        return Ok(());
    }
    report.calls += 1;
    let again = client
        .update_quantity_pricing(price_list, push.currency, &rest)
        .await?;
    if again.user_errors.is_empty() {
        count_update(&rest, report);
    } else {
        report.refused.push(refused(
            Some(&push.stokly),
            OPERATION,
            format!("{} variants", rest.variants().len()),
            again.user_errors,
        ));
    }
    Ok(())
}

/// One batch of fixed prices; when Shopify refuses it, the prices it named are reported and
/// the others are sent once more.
async fn send_prices(
    client: &shopify::Client,
    push: &ListPush,
    price_list: &ShopifyPriceListId,
    batch: &[PriceListPriceInput],
    report: &mut PriceListSyncReport,
) -> Result<(), shopify::Error> {
    report.calls += 1;
    let answer: B2bPayload<usize> = client
        .add_fixed_prices(price_list, push.currency, batch)
        .await?;
    if answer.user_errors.is_empty() {
        report.prices_set += batch.len();
        return Ok(());
    }
    let split = UserErrorsByInput::partition(&answer.user_errors, batch.len());
    let mut named: HashSet<usize> = HashSet::new();
    for (i, price) in batch.iter().enumerate() {
        let own = split.per_input.get(i).map_or(&[][..], Vec::as_slice);
        if !own.is_empty() {
            named.insert(i);
            report.refused.push(refused(
                Some(&push.stokly),
                "priceListFixedPricesAdd",
                price.variant_id.as_str(),
                own.iter().map(|e| (*e).clone()).collect(),
            ));
        }
    }
    let rest: Vec<PriceListPriceInput> = batch
        .iter()
        .enumerate()
        .filter(|(i, _)| !named.contains(i))
        .map(|(_, p)| p.clone())
        .collect();
    if !split.batch_wide.is_empty() || rest.is_empty() || answer.result.is_some() {
        if !split.batch_wide.is_empty() {
            report.refused.push(refused(
                Some(&push.stokly),
                "priceListFixedPricesAdd",
                format!("{} prices", batch.len()),
                split.batch_wide.iter().map(|e| (*e).clone()).collect(),
            ));
        }
        return Ok(());
    }
    report.calls += 1;
    let again = client
        .add_fixed_prices(price_list, push.currency, &rest)
        .await?;
    if again.user_errors.is_empty() {
        report.prices_set += rest.len();
    } else {
        report.refused.push(refused(
            Some(&push.stokly),
            "priceListFixedPricesAdd",
            format!("{} prices", rest.len()),
            again.user_errors,
        ));
    }
    Ok(())
}

/// The catalog of one price list, created through the exactly-once protocol.
struct CatalogTarget<'a> {
    shopify: &'a shopify::Client,
    name: &'a str,
    title: &'a str,
    locations: &'a [shopify::CompanyLocationId],
    price_list: &'a ShopifyPriceListId,
    /// Creates sent.
    sent: usize,
    /// Shopify's `userErrors` when it refused the create.
    refusal: Vec<UserError>,
}

#[async_trait]
impl CreateTarget for CatalogTarget<'_> {
    type Record = CompanyLocationCatalogId;

    /// Re-reads the price lists: the catalog of the one named is the record.
    async fn look_up(
        &mut self,
        items: &[usize],
    ) -> Result<LookUpAnswer<CompanyLocationCatalogId>, PortError> {
        let lists: Vec<_> = self
            .shopify
            .b2b_price_lists(PageOptions::default())
            .try_collect()
            .await
            .map_err(|e| PortError::Unavailable {
                operation: "read price lists".into(),
                source: Box::new(e),
            })?;
        let found = lists
            .iter()
            .find(|l| l.name == self.name)
            .and_then(|l| l.catalog.as_ref())
            .and_then(|c| c.company_location_catalog_id());
        Ok(LookUpAnswer::found(
            found
                .map(|id| items.iter().map(|i| (*i, id.clone())).collect())
                .unwrap_or_default(),
        ))
    }

    async fn create(&mut self, _item: usize) -> Result<CompanyLocationCatalogId, PortError> {
        self.sent += 1;
        let answer = self
            .shopify
            .create_company_location_catalog(self.title, self.locations, self.price_list)
            .await
            .map_err(|e| shopify_write_error("catalogCreate", e))?;
        match answer.result {
            Some(id) => Ok(id),
            None => {
                let message = answer
                    .user_errors
                    .iter()
                    .map(|e| e.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; ");
                self.refusal = answer.user_errors;
                Err(PortError::Refused {
                    operation: "catalogCreate".into(),
                    message,
                })
            }
        }
    }

    /// Shopify answers `catalogCreate` with the catalog, and the price list shows it at once.
    async fn confirm(&mut self, _items: &[usize]) -> Result<(), PortError> {
        Ok(())
    }

    fn record_known_to_ledger(&self, _record: LedgerRecordId) -> Option<CompanyLocationCatalogId> {
        None
    }

    fn ledger_id(&self, _record: &CompanyLocationCatalogId) -> Option<LedgerRecordId> {
        None
    }
}
