//! B2B price lists: catalogs, price lists, fixed prices and quantity rules for Shopify Plus
//! shops, and customer tags and metafields for shops without it.
//!
//! Batches follow Shopify's limits, checked before anything is sent: at most
//! [`MAX_PRICES_PER_CALL`] fixed prices or quantity rules per call and at most
//! [`MAX_METAFIELDS_PER_CALL`] metafields per `metafieldsSet`. `priceListFixedPricesAdd`
//! replaces the fixed prices of the variants it names, so a retried batch is harmless;
//! `priceListCreate` and `catalogCreate` are not idempotent and carry no key: the price
//! list sync reads first and names each price list uniquely (see
//! [`crate::adapters::price_lists`]).

use futures::stream::{BoxStream, StreamExt};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::client::{Client, GraphQlRequest, decode};
use super::documents::{
    B2B_CATALOG_COMPANY_LOCATIONS, B2B_CATALOG_CONTEXT_UPDATE, B2B_CATALOG_CREATE,
    B2B_COMPANY_LOCATIONS, B2B_CUSTOMER_PRICE_TAGS, B2B_FIXED_PRICES, B2B_FIXED_PRICES_ADD,
    B2B_FIXED_PRICES_DELETE, B2B_METAFIELDS_SET, B2B_PRICE_LIST_CREATE, B2B_PRICE_LISTS,
    B2B_QUANTITY_PRICING_UPDATE, B2B_QUANTITY_RULES, B2B_QUANTITY_RULES_ADD, B2B_TAGS_ADD,
    B2B_TAGS_REMOVE,
};
use super::error::{Error, UserError};
use super::ids::{
    CompanyLocationCatalogId, CompanyLocationId, CustomerId, PriceListId, ProductVariantId,
};
use super::model::{
    B2bPayload, CompanyLocation, CompanyLocationRef, CustomerPriceTags, FixedPrice,
    MetafieldsSetInput, PriceList, PriceListPriceInput, QuantityPricingUpdate, QuantityRule,
    QuantityRuleInput,
};
use super::pagination::PageOptions;
use crate::money::CurrencyCode;

/// Most fixed prices, quantity rules or variant IDs sent in one call.
pub const MAX_PRICES_PER_CALL: usize = 250;
/// Most metafields one `metafieldsSet` takes.
pub const MAX_METAFIELDS_PER_CALL: usize = 25;
/// Customers read per `nodes(ids:)` query.
pub const CUSTOMERS_PER_READ: usize = 250;
/// Fixed prices per page of [`Client::fixed_prices`]: each carries its first 10 quantity
/// price breaks, so 40 keep a page under the 1,000-point query limit as Shopify multiplies
/// nested page sizes (2 + 40 x (1 + 1 + 2 + 10 x 2) = 962).
pub const FIXED_PRICES_PER_PAGE: u32 = 40;
/// Price lists per page of [`Client::b2b_price_lists`]: each carries a page of 50 company
/// locations, so ten keep a page well under the 1,000-point query limit.
pub const PRICE_LISTS_PER_PAGE: u32 = 10;

#[derive(Deserialize)]
struct Payload<T> {
    #[serde(flatten)]
    result: T,
    #[serde(default, rename = "userErrors")]
    user_errors: Vec<UserError>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreatedPriceList {
    price_list: Option<PriceList>,
}

#[derive(Deserialize)]
struct CreatedCatalog {
    catalog: Option<CatalogIdOnly>,
}

#[derive(Deserialize)]
struct CatalogIdOnly {
    id: CompanyLocationCatalogId,
}

#[derive(Deserialize)]
struct Prices {
    #[serde(default)]
    prices: Option<Vec<serde_json::Value>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Deleted {
    #[serde(default)]
    deleted_fixed_price_variant_ids: Option<Vec<ProductVariantId>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Rules {
    #[serde(default)]
    quantity_rules: Option<Vec<serde_json::Value>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ChangedVariants {
    #[serde(default)]
    product_variants: Option<Vec<serde_json::Value>>,
}

#[derive(Deserialize)]
struct Node {
    #[serde(default)]
    node: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Metafields {
    #[serde(default)]
    metafields: Option<Vec<serde_json::Value>>,
}

#[derive(Deserialize)]
struct NodesData {
    nodes: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct CustomerNode {
    #[serde(default)]
    id: Option<CustomerId>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    metafield: Option<MetafieldValue>,
}

#[derive(Deserialize)]
struct MetafieldValue {
    value: String,
}

fn invalid(operation: &str, argument: &'static str, reason: String) -> Error {
    Error::InvalidArgument {
        operation: operation.to_owned(),
        argument,
        reason,
    }
}

/// Which way a `catalogContextUpdate` changes a catalog's company locations.
#[derive(Clone, Copy)]
enum ContextChange {
    Add,
    Remove,
}

/// Fixed prices Shopify would refuse: a variant twice, a price in another currency.
fn check_prices(
    operation: &str,
    argument: &'static str,
    prices: &[PriceListPriceInput],
    currency: CurrencyCode,
) -> Result<(), Error> {
    let mut seen = std::collections::HashSet::new();
    for (i, p) in prices.iter().enumerate() {
        if !seen.insert(&p.variant_id) {
            return Err(invalid(
                operation,
                argument,
                format!("price {i} repeats variant {}", p.variant_id),
            ));
        }
        if p.price.currency() != currency {
            return Err(invalid(
                operation,
                argument,
                format!(
                    "price {i} is in {} but the price list is in {currency}",
                    p.price.currency()
                ),
            ));
        }
    }
    Ok(())
}

/// Quantity rules Shopify would refuse: a variant twice, a rule its checks refuse.
fn check_rules(
    operation: &str,
    argument: &'static str,
    rules: &[QuantityRuleInput],
) -> Result<(), Error> {
    let mut seen = std::collections::HashSet::new();
    for (i, r) in rules.iter().enumerate() {
        if !seen.insert(&r.variant_id) {
            return Err(invalid(
                operation,
                argument,
                format!("rule {i} repeats variant {}", r.variant_id),
            ));
        }
        if let Err(problem) =
            crate::domain::price_list::check_quantity_rule(r.minimum, r.maximum, r.increment)
        {
            return Err(invalid(
                operation,
                argument,
                format!("rule {i}: {}", problem.label()),
            ));
        }
    }
    Ok(())
}

fn check_batch(
    operation: &str,
    argument: &'static str,
    len: usize,
    max: usize,
) -> Result<(), Error> {
    if len == 0 || len > max {
        return Err(invalid(
            operation,
            argument,
            format!("must hold 1 to {max} entries, got {len}"),
        ));
    }
    Ok(())
}

impl Client {
    async fn b2b_mutation<T: DeserializeOwned>(
        &self,
        request: GraphQlRequest,
        field: &'static str,
    ) -> Result<(T, Vec<UserError>), Error> {
        let operation = request.operation_name().to_owned();
        let mut data: serde_json::Map<String, serde_json::Value> = self.query(&request).await?;
        let payload =
            data.remove(field)
                .filter(|v| !v.is_null())
                .ok_or_else(|| Error::MissingPayload {
                    operation: operation.clone(),
                    detail: "no payload",
                })?;
        let payload: Payload<T> = decode(&operation, None, payload)?;
        Ok((payload.result, payload.user_errors))
    }

    /// Every price list with its catalog and the catalog's first 50 company locations
    /// (page further with [`Client::catalog_company_locations`] when `hasNextPage`), paged.
    pub fn b2b_price_lists(
        &self,
        options: PageOptions,
    ) -> BoxStream<'static, Result<PriceList, Error>> {
        self.paginate(
            GraphQlRequest::query(B2B_PRICE_LISTS, "B2bPriceLists")
                .with_default_page_size(PRICE_LISTS_PER_PAGE),
            &["priceLists"],
            options,
        )
    }

    /// Every company location of a company-location catalog, after `after`, paged.
    pub fn catalog_company_locations(
        &self,
        catalog: &CompanyLocationCatalogId,
        options: PageOptions,
    ) -> BoxStream<'static, Result<CompanyLocationRef, Error>> {
        match GraphQlRequest::query(B2B_CATALOG_COMPANY_LOCATIONS, "B2bCatalogCompanyLocations")
            .variable("id", catalog)
        {
            Ok(r) => self.paginate(r, &["catalog", "companyLocations"], options),
            Err(e) => futures::stream::once(async move { Err(e) }).boxed(),
        }
    }

    /// The fixed prices of a price list (origin `FIXED`) with the first 10 quantity price
    /// breaks of each ([`FixedPrice::quantity_price_breaks`] says when there are more), paged
    /// [`FIXED_PRICES_PER_PAGE`] at a time.
    pub fn fixed_prices(
        &self,
        list: &PriceListId,
        options: PageOptions,
    ) -> BoxStream<'static, Result<FixedPrice, Error>> {
        match GraphQlRequest::query(B2B_FIXED_PRICES, "B2bFixedPrices")
            .with_default_page_size(FIXED_PRICES_PER_PAGE)
            .variable("id", list)
        {
            Ok(r) => self.paginate(r, &["priceList", "prices"], options),
            Err(e) => futures::stream::once(async move { Err(e) }).boxed(),
        }
    }

    /// The quantity rules a price list sets (origin `FIXED`), paged.
    pub fn quantity_rules(
        &self,
        list: &PriceListId,
        options: PageOptions,
    ) -> BoxStream<'static, Result<QuantityRule, Error>> {
        match GraphQlRequest::query(B2B_QUANTITY_RULES, "B2bQuantityRules").variable("id", list) {
            Ok(r) => self.paginate(r, &["priceList", "quantityRules"], options),
            Err(e) => futures::stream::once(async move { Err(e) }).boxed(),
        }
    }

    /// Every company location with its external ID, paged.
    pub fn company_locations(
        &self,
        options: PageOptions,
    ) -> BoxStream<'static, Result<CompanyLocation, Error>> {
        self.paginate(
            GraphQlRequest::query(B2B_COMPANY_LOCATIONS, "B2bCompanyLocations"),
            &["companyLocations"],
            options,
        )
    }

    /// The tags of `customers` and their metafield `namespace.key`, [`CUSTOMERS_PER_READ`]
    /// per query. A customer Shopify does not know is left out.
    ///
    /// # Errors
    /// The errors of [`Client::query`]; [`Error::Decode`] for a node that cannot be read.
    pub async fn customer_price_tags(
        &self,
        customers: &[CustomerId],
        namespace: &str,
        key: &str,
    ) -> Result<Vec<CustomerPriceTags>, Error> {
        const OPERATION: &str = "B2bCustomerPriceTags";
        let mut out = Vec::with_capacity(customers.len());
        for chunk in customers.chunks(CUSTOMERS_PER_READ) {
            let request = GraphQlRequest::query(B2B_CUSTOMER_PRICE_TAGS, OPERATION)
                .variable("ids", chunk)?
                .variable("namespace", namespace)?
                .variable("key", key)?
                .cost_hint(4.0);
            let data: NodesData = self.query(&request).await?;
            for node in data.nodes.into_iter().filter(|n| !n.is_null()) {
                let node: CustomerNode = decode(OPERATION, None, node)?;
                if let Some(id) = node.id {
                    out.push(CustomerPriceTags {
                        id,
                        tags: node.tags,
                        metafield: node.metafield.map(|m| m.value),
                    });
                }
            }
        }
        Ok(out)
    }

    /// Creates a price list named `name` in `currency` whose prices are otherwise those of
    /// the shop (a 0% adjustment). Names are unique in a shop: a repeat is refused with
    /// `userErrors` (`TAKEN`), never a second list. Not idempotent otherwise: read first.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a blank name; otherwise the errors of [`Client::query`].
    pub async fn create_price_list(
        &self,
        name: &str,
        currency: CurrencyCode,
    ) -> Result<B2bPayload<PriceList>, Error> {
        const OPERATION: &str = "B2bPriceListCreate";
        if name.trim().is_empty() {
            return Err(invalid(
                OPERATION,
                "input.name",
                "must not be blank".to_owned(),
            ));
        }
        let input = serde_json::json!({
            "name": name,
            "currency": currency.as_str(),
            "parent": {"adjustment": {"type": "PERCENTAGE_DECREASE", "value": 0.0}},
        });
        let request = GraphQlRequest::mutation(B2B_PRICE_LIST_CREATE, OPERATION)
            .variable("input", input)?
            .cost_hint(10.0);
        let (created, user_errors): (CreatedPriceList, _) =
            self.b2b_mutation(request, "priceListCreate").await?;
        Ok(B2bPayload {
            result: created.price_list,
            user_errors,
        })
    }

    /// Creates an active company-location catalog titled `title` for `locations`, priced by
    /// `price_list`. Not idempotent: read first (a price list has at most one catalog).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a blank title or no company location; otherwise the
    /// errors of [`Client::query`].
    pub async fn create_company_location_catalog(
        &self,
        title: &str,
        locations: &[CompanyLocationId],
        price_list: &PriceListId,
    ) -> Result<B2bPayload<CompanyLocationCatalogId>, Error> {
        const OPERATION: &str = "B2bCatalogCreate";
        if title.trim().is_empty() {
            return Err(invalid(
                OPERATION,
                "input.title",
                "must not be blank".to_owned(),
            ));
        }
        check_batch(
            OPERATION,
            "input.context.companyLocationIds",
            locations.len(),
            MAX_PRICES_PER_CALL,
        )?;
        let input = serde_json::json!({
            "title": title,
            "status": "ACTIVE",
            "context": {"companyLocationIds": locations},
            "priceListId": price_list,
        });
        let request = GraphQlRequest::mutation(B2B_CATALOG_CREATE, OPERATION)
            .variable("input", input)?
            .cost_hint(10.0);
        let (created, user_errors): (CreatedCatalog, _) =
            self.b2b_mutation(request, "catalogCreate").await?;
        Ok(B2bPayload {
            result: created.catalog.map(|c| c.id),
            user_errors,
        })
    }

    /// Adds company locations to a catalog's context (adding one already there changes
    /// nothing).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for no company location or more than 250; otherwise the
    /// errors of [`Client::query`].
    pub async fn add_catalog_company_locations(
        &self,
        catalog: &CompanyLocationCatalogId,
        locations: &[CompanyLocationId],
    ) -> Result<B2bPayload<()>, Error> {
        self.catalog_context_update(catalog, ContextChange::Add, locations)
            .await
    }

    /// Removes company locations from a catalog's context (`catalogContextUpdate` with
    /// `contextsToRemove`).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for no company location or more than 250; otherwise the
    /// errors of [`Client::query`].
    pub async fn remove_catalog_company_locations(
        &self,
        catalog: &CompanyLocationCatalogId,
        locations: &[CompanyLocationId],
    ) -> Result<B2bPayload<()>, Error> {
        self.catalog_context_update(catalog, ContextChange::Remove, locations)
            .await
    }

    /// One `catalogContextUpdate` adding or removing `locations`.
    async fn catalog_context_update(
        &self,
        catalog: &CompanyLocationCatalogId,
        change: ContextChange,
        locations: &[CompanyLocationId],
    ) -> Result<B2bPayload<()>, Error> {
        const OPERATION: &str = "B2bCatalogContextUpdate";
        let (variable, argument) = match change {
            ContextChange::Add => ("contextsToAdd", "contextsToAdd.companyLocationIds"),
            ContextChange::Remove => ("contextsToRemove", "contextsToRemove.companyLocationIds"),
        };
        check_batch(OPERATION, argument, locations.len(), MAX_PRICES_PER_CALL)?;
        let request = GraphQlRequest::mutation(B2B_CATALOG_CONTEXT_UPDATE, OPERATION)
            .variable("catalogId", catalog)?
            .variable(
                variable,
                serde_json::json!({"companyLocationIds": locations}),
            )?
            .cost_hint(10.0);
        let (_, user_errors): (serde_json::Value, _) =
            self.b2b_mutation(request, "catalogContextUpdate").await?;
        Ok(B2bPayload {
            result: Some(()),
            user_errors,
        })
    }

    /// Changes fixed prices, quantity rules and quantity price breaks of some variants in one
    /// `quantityPricingByVariantUpdate`. Shopify runs its deletions first and applies nothing
    /// when any part is refused, so a retry of the same update is harmless: it is sent as
    /// safe to repeat. `userErrors` name the input
    /// (`["input", "quantityPriceBreaksToAdd", "3", "minimumQuantity"]`); the answer counts
    /// the variants changed.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] before sending for an empty update, a list over 250
    /// entries, a price or break in another currency than `currency`, the same variant twice
    /// among prices or rules, the same minimum twice for a variant's breaks, or a rule
    /// Shopify would refuse; otherwise the errors of [`Client::query`].
    pub async fn update_quantity_pricing(
        &self,
        list: &PriceListId,
        currency: CurrencyCode,
        update: &QuantityPricingUpdate,
    ) -> Result<B2bPayload<usize>, Error> {
        const OPERATION: &str = "B2bQuantityPricingUpdate";
        if update.is_empty() {
            return Err(invalid(OPERATION, "input", "changes nothing".to_owned()));
        }
        check_batch(
            OPERATION,
            "input",
            update.longest_list(),
            MAX_PRICES_PER_CALL,
        )?;
        check_prices(
            OPERATION,
            "input.pricesToAdd",
            &update.prices_to_add,
            currency,
        )?;
        check_rules(
            OPERATION,
            "input.quantityRulesToAdd",
            &update.quantity_rules_to_add,
        )?;
        let mut seen = std::collections::HashSet::new();
        for (i, b) in update.quantity_price_breaks_to_add.iter().enumerate() {
            if !seen.insert((&b.variant_id, b.minimum_quantity)) {
                return Err(invalid(
                    OPERATION,
                    "input.quantityPriceBreaksToAdd",
                    format!(
                        "break {i} repeats minimum {} of variant {}",
                        b.minimum_quantity, b.variant_id
                    ),
                ));
            }
            if b.price.currency() != currency {
                return Err(invalid(
                    OPERATION,
                    "input.quantityPriceBreaksToAdd",
                    format!(
                        "break {i} is in {} but the price list is in {currency}",
                        b.price.currency()
                    ),
                ));
            }
        }
        let request = GraphQlRequest::mutation(B2B_QUANTITY_PRICING_UPDATE, OPERATION)
            .safe_to_repeat()
            .variable("priceListId", list)?
            .variable("input", update)?
            .cost_hint(10.0);
        let (changed, user_errors): (ChangedVariants, _) = self
            .b2b_mutation(request, "quantityPricingByVariantUpdate")
            .await?;
        Ok(B2bPayload {
            result: changed.product_variants.map(|v| v.len()),
            user_errors,
        })
    }

    /// Sets fixed prices with `priceListFixedPricesAdd`, which replaces the fixed price of
    /// each variant named (an upsert: a retry sets the same prices again). `userErrors` name
    /// the input (`["prices", "3", "price", "currencyCode"]`) for
    /// [`UserErrorsByInput`](super::UserErrorsByInput).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] before sending for an empty or over-250 batch, the same
    /// variant twice, or a price in another currency than `currency`; otherwise the errors
    /// of [`Client::query`].
    pub async fn add_fixed_prices(
        &self,
        list: &PriceListId,
        currency: CurrencyCode,
        prices: &[PriceListPriceInput],
    ) -> Result<B2bPayload<usize>, Error> {
        const OPERATION: &str = "B2bFixedPricesAdd";
        check_batch(OPERATION, "prices", prices.len(), MAX_PRICES_PER_CALL)?;
        check_prices(OPERATION, "prices", prices, currency)?;
        let request = GraphQlRequest::mutation(B2B_FIXED_PRICES_ADD, OPERATION)
            .safe_to_repeat()
            .variable("priceListId", list)?
            .variable("prices", prices)?
            .cost_hint(10.0);
        let (added, user_errors): (Prices, _) = self
            .b2b_mutation(request, "priceListFixedPricesAdd")
            .await?;
        Ok(B2bPayload {
            result: added.prices.map(|p| p.len()),
            user_errors,
        })
    }

    /// Deletes the fixed prices of `variants` (they fall back to the list's adjustment).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty or over-250 batch; otherwise the errors of
    /// [`Client::query`].
    pub async fn delete_fixed_prices(
        &self,
        list: &PriceListId,
        variants: &[ProductVariantId],
    ) -> Result<B2bPayload<Vec<ProductVariantId>>, Error> {
        const OPERATION: &str = "B2bFixedPricesDelete";
        check_batch(OPERATION, "variantIds", variants.len(), MAX_PRICES_PER_CALL)?;
        let request = GraphQlRequest::mutation(B2B_FIXED_PRICES_DELETE, OPERATION)
            .safe_to_repeat()
            .variable("priceListId", list)?
            .variable("variantIds", variants)?
            .cost_hint(10.0);
        let (deleted, user_errors): (Deleted, _) = self
            .b2b_mutation(request, "priceListFixedPricesDelete")
            .await?;
        Ok(B2bPayload {
            result: deleted.deleted_fixed_price_variant_ids,
            user_errors,
        })
    }

    /// Sets quantity rules with `quantityRulesAdd` (it replaces a variant's rule).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] before sending for an empty or over-250 batch, the same
    /// variant twice, or a rule Shopify would refuse (minimum or increment below 1, an
    /// increment above the minimum, a maximum below the minimum, a minimum or maximum that
    /// is not a multiple of the increment); otherwise the errors of [`Client::query`].
    pub async fn add_quantity_rules(
        &self,
        list: &PriceListId,
        rules: &[QuantityRuleInput],
    ) -> Result<B2bPayload<usize>, Error> {
        const OPERATION: &str = "B2bQuantityRulesAdd";
        check_batch(OPERATION, "quantityRules", rules.len(), MAX_PRICES_PER_CALL)?;
        check_rules(OPERATION, "quantityRules", rules)?;
        let request = GraphQlRequest::mutation(B2B_QUANTITY_RULES_ADD, OPERATION)
            .safe_to_repeat()
            .variable("priceListId", list)?
            .variable("quantityRules", rules)?
            .cost_hint(10.0);
        let (added, user_errors): (Rules, _) =
            self.b2b_mutation(request, "quantityRulesAdd").await?;
        Ok(B2bPayload {
            result: added.quantity_rules.map(|r| r.len()),
            user_errors,
        })
    }

    /// Adds tags to a customer (`tagsAdd`; a tag already there stays once).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for no tag or a blank one; otherwise the errors of
    /// [`Client::query`].
    pub async fn add_customer_tags(
        &self,
        customer: &CustomerId,
        tags: &[String],
    ) -> Result<B2bPayload<()>, Error> {
        self.customer_tags(customer, tags, B2B_TAGS_ADD, "B2bTagsAdd", "tagsAdd")
            .await
    }

    /// Removes tags from a customer (`tagsRemove`).
    ///
    /// # Errors
    /// As [`Client::add_customer_tags`].
    pub async fn remove_customer_tags(
        &self,
        customer: &CustomerId,
        tags: &[String],
    ) -> Result<B2bPayload<()>, Error> {
        self.customer_tags(
            customer,
            tags,
            B2B_TAGS_REMOVE,
            "B2bTagsRemove",
            "tagsRemove",
        )
        .await
    }

    async fn customer_tags(
        &self,
        customer: &CustomerId,
        tags: &[String],
        document: &'static str,
        operation: &'static str,
        field: &'static str,
    ) -> Result<B2bPayload<()>, Error> {
        check_batch(operation, "tags", tags.len(), MAX_PRICES_PER_CALL)?;
        if tags.iter().any(|t| t.trim().is_empty() || t.contains(',')) {
            return Err(invalid(
                operation,
                "tags",
                "a tag is blank or holds a comma".to_owned(),
            ));
        }
        let request = GraphQlRequest::mutation(document, operation)
            .safe_to_repeat()
            .variable("id", customer)?
            .variable("tags", tags)?
            .cost_hint(10.0);
        let (node, user_errors): (Node, _) = self.b2b_mutation(request, field).await?;
        Ok(B2bPayload {
            result: node.node.map(|_| ()),
            user_errors,
        })
    }

    /// Sets metafields with `metafieldsSet` (at most [`MAX_METAFIELDS_PER_CALL`]; all or
    /// nothing: one bad metafield refuses the call).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty or over-25 batch; otherwise the errors of
    /// [`Client::query`].
    pub async fn set_metafields(
        &self,
        metafields: &[MetafieldsSetInput],
    ) -> Result<B2bPayload<usize>, Error> {
        const OPERATION: &str = "B2bMetafieldsSet";
        check_batch(
            OPERATION,
            "metafields",
            metafields.len(),
            MAX_METAFIELDS_PER_CALL,
        )?;
        let request = GraphQlRequest::mutation(B2B_METAFIELDS_SET, OPERATION)
            .safe_to_repeat()
            .variable("metafields", metafields)?
            .cost_hint(10.0);
        let (set, user_errors): (Metafields, _) =
            self.b2b_mutation(request, "metafieldsSet").await?;
        Ok(B2bPayload {
            result: set.metafields.map(|m| m.len()),
            user_errors,
        })
    }
}
