//! The customer port: finding or creating the Stokly customers orders name, under claims in
//! the posting ledger.

use async_trait::async_trait;

use super::{PortError, PostingLedger};
use crate::domain::order::CustomerLookup;
use crate::domain::posting::PostingConfig;
use crate::stokly::CustomerId;

/// How a Stokly customer is found, and so which ledger claim guards its create.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CustomerKey {
    /// By `barcode`: the Shopify customer's numeric ID, or the trade-customer barcode of a
    /// B2B company location.
    Barcode(String),
    /// By e-mail address.
    Email(String),
}

/// The ledger key that guards the create of a customer of `shop`:
/// `acme.myshopify.com/customers/barcode/501` or
/// `acme.myshopify.com/customers/email/ada@example.com`. The `customers` segment keeps these
/// apart from order keys ([`ledger_key`](crate::domain::posting::ledger_key)), and the `barcode`/`email` segment keeps the two
/// kinds apart. A barcode is kept as it is (Stokly matches it exactly); an e-mail is trimmed
/// and lower-cased (Stokly's e-mail look-up ignores ASCII case), so two spellings that find
/// the same customer share one claim.
#[must_use]
pub fn customer_ledger_key(shop: &str, customer: &CustomerKey) -> String {
    match customer {
        CustomerKey::Barcode(barcode) => format!("{shop}/customers/barcode/{barcode}"),
        CustomerKey::Email(email) => {
            format!(
                "{shop}/customers/email/{}",
                email.trim().to_ascii_lowercase()
            )
        }
    }
}

/// Where a [`CustomerPort`] claims the customers it is about to create: the posting run's
/// own ledger, shop and configuration, so that customer claims and order claims share one
/// ledger and one lease.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub struct CustomerClaims<'a> {
    /// The ledger (the one the run claims its orders in).
    pub ledger: &'a dyn PostingLedger,
    /// The shop, the first part of every key ([`customer_ledger_key`]).
    pub shop: &'a str,
    /// The claim lease and the visibility window.
    pub config: &'a PostingConfig,
    /// The clock the claims are taken and timed by.
    pub clock: &'a dyn super::Clock,
}

impl<'a> CustomerClaims<'a> {
    /// Claims in `ledger` for `shop`, with `config`'s lease and visibility window, timed by
    /// `clock`.
    #[must_use]
    pub fn new(
        ledger: &'a dyn PostingLedger,
        shop: &'a str,
        config: &'a PostingConfig,
        clock: &'a dyn super::Clock,
    ) -> Self {
        Self {
            ledger,
            shop,
            config,
            clock,
        }
    }

    /// The ledger key of `customer` ([`customer_ledger_key`]).
    #[must_use]
    pub fn key(&self, customer: &CustomerKey) -> String {
        customer_ledger_key(self.shop, customer)
    }
}

impl std::fmt::Debug for CustomerClaims<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CustomerClaims")
            .field("shop", &self.shop)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Finding or creating the Stokly customers orders name.
#[async_trait]
pub trait CustomerPort: Send + Sync {
    /// One answer per lookup, in order: the customer found or created, `None` for a guest
    /// sale, or why it could not be had. Implementations batch their look-ups and create
    /// each missing customer once even when several lookups name it.
    ///
    /// A customer is created only under a claim in `claims.ledger`
    /// ([`customer_ledger_key`], the lease of `claims.config`), taken once per distinct
    /// customer and before the look-up that finds it missing: another run holding the claim
    /// ([`Claim::Busy`](super::Claim::Busy)) or an earlier create of unknown outcome that a look-up made within
    /// the [visibility window](crate::domain::posting::PostingConfig::visibility_window) of it does not show answer
    /// [`PortError::Postponed`]; a ledger failure answers [`PortError::Unavailable`]. Neither
    /// sends a create, and the run defers the orders. A create whose outcome is unknown is
    /// released with the time it was sent; every other claim is released without one.
    async fn find_or_create(
        &self,
        lookups: &[CustomerLookup],
        claims: CustomerClaims<'_>,
    ) -> Vec<Result<Option<CustomerId>, PortError>>;
}
