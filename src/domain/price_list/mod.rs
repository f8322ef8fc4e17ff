//! Stokly price lists reaching Shopify (pure).
//!
//! Stokly is the source of truth for customer-specific prices. [`plan_price_lists`] plans
//! how Shopify comes to carry them:
//!
//! - on **Shopify Plus**, as B2B: one company-location catalog and price list per Stokly
//!   list, its fixed prices (variants matched SKU-strict) and quantity rules, checked as
//!   Shopify checks them ([`check_quantity_rule`]), in batches of 250;
//! - **without Plus**, as data only: customers tagged with their lists and a metafield
//!   carrying the list references (and prices, if configured), 25 metafields a call. The plan
//!   says plainly that checkout prices do not change ([`WITHOUT_PLUS_NOTICE`]).
//!
//! Shopify sends no webhook for price lists or catalogs, so the sync runs on a schedule and
//! compares: a rerun with nothing changed sends nothing; every difference is reported by
//! cause ([`DriftCause`]); every line that cannot be pushed is a [`PriceListFinding`].
//!
//! [`B2bPriceBook`] carries the same lists to the order mapping, which checks that a B2B
//! order was charged the customer's Stokly price.

mod book;
mod finding;
mod plan;
mod rule;

pub use book::{B2bPriceBook, ListPriceCheck};
pub use finding::PriceListFinding;
pub use plan::{
    CustomerTagChange, DriftCause, ListPush, NewCatalog, PriceDrift, PriceListConfig,
    PriceListPlan, PricingMode, ShopCapabilities, ShopifyPriceState, StoklyPriceList,
    WITHOUT_PLUS_NOTICE, plan_price_lists,
};
pub use rule::{
    QuantityBreakProblem, QuantityRuleProblem, check_quantity_breaks, check_quantity_rule,
};

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code should fail loudly
mod tests;
