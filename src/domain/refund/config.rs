//! What [`map_refund`](super::map_refund) needs besides the refund and the posted sale order.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::order::{ChargeAccount, CurrencyPolicy, GlAccountCode};
use crate::shopify::LocationId as ShopifyLocationId;
use crate::stokly::LocationId as StoklyLocationId;

/// Accounts, restock locations and limits of the refund mapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundMappingConfig {
    currency: CurrencyPolicy,
    shipping_account: Option<GlAccountCode>,
    duties: Option<ChargeAccount>,
    adjustments: Option<ChargeAccount>,
    restock_locations: BTreeMap<ShopifyLocationId, StoklyLocationId>,
    default_restock_location: Option<StoklyLocationId>,
    difference_limit: Decimal,
    unit_decimal_places: u32,
}

impl RefundMappingConfig {
    /// The largest refund difference posted to the adjustments account by default (five
    /// hundredths of the currency unit); a larger one is an exception.
    pub const DEFAULT_DIFFERENCE_LIMIT: Decimal = Decimal::from_parts(5, 0, 0, false, 2);

    /// Credits in the currency `currency` picks (use the policy the orders were posted
    /// with), with no accounts and no restock locations: a refund that needs one is
    /// refused with an exception naming it.
    #[must_use]
    pub fn new(currency: CurrencyPolicy) -> Self {
        Self {
            currency,
            shipping_account: None,
            duties: None,
            adjustments: None,
            restock_locations: BTreeMap::new(),
            default_restock_location: None,
            difference_limit: Self::DEFAULT_DIFFERENCE_LIMIT,
            unit_decimal_places: 4,
        }
    }

    /// Refunded shipping (net) posts to `account`.
    #[must_use]
    pub fn with_shipping_account(mut self, account: GlAccountCode) -> Self {
        self.shipping_account = Some(account);
        self
    }

    /// Refunded duties post on this item and account.
    #[must_use]
    pub fn with_duties(mut self, account: ChargeAccount) -> Self {
        self.duties = Some(account);
        self
    }

    /// Discrepancy adjustments (and a refund difference within the limit) post on this
    /// item and account.
    #[must_use]
    pub fn with_adjustments(mut self, account: ChargeAccount) -> Self {
        self.adjustments = Some(account);
        self
    }

    /// Goods restocked at the Shopify location `shopify` go back to the Stokly location
    /// `stokly`.
    #[must_use]
    pub fn with_restock_location(
        mut self,
        shopify: ShopifyLocationId,
        stokly: StoklyLocationId,
    ) -> Self {
        self.restock_locations.insert(shopify, stokly);
        self
    }

    /// Goods restocked without a location (or at one not mapped, when set) go back here.
    #[must_use]
    pub fn with_default_restock_location(mut self, stokly: StoklyLocationId) -> Self {
        self.default_restock_location = Some(stokly);
        self
    }

    /// The largest difference between the refund's parts and its total that is posted as a
    /// difference line (an amount in the currency, not negative).
    #[must_use]
    pub fn with_difference_limit(mut self, limit: Decimal) -> Self {
        self.difference_limit = limit.abs();
        self
    }

    /// The currency policy.
    #[must_use]
    pub fn currency_policy(&self) -> CurrencyPolicy {
        self.currency
    }

    /// The shipping account.
    #[must_use]
    pub fn shipping_account(&self) -> Option<&GlAccountCode> {
        self.shipping_account.as_ref()
    }

    /// The duties item and account.
    #[must_use]
    pub fn duties(&self) -> Option<&ChargeAccount> {
        self.duties.as_ref()
    }

    /// The adjustments item and account.
    #[must_use]
    pub fn adjustments(&self) -> Option<&ChargeAccount> {
        self.adjustments.as_ref()
    }

    /// The Stokly location goods restocked at `shopify` go back to (`None` for no location:
    /// the default).
    #[must_use]
    pub fn restock_location(
        &self,
        shopify: Option<&ShopifyLocationId>,
    ) -> Option<&StoklyLocationId> {
        shopify
            .and_then(|l| self.restock_locations.get(l))
            .or(self.default_restock_location.as_ref())
    }

    /// The difference limit.
    #[must_use]
    pub fn difference_limit(&self) -> Decimal {
        self.difference_limit
    }

    /// Decimal places of per-unit amounts (four, as Stokly keeps them).
    #[must_use]
    pub fn unit_decimal_places(&self) -> u32 {
        self.unit_decimal_places
    }
}
