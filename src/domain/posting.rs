//! Posting sale orders exactly once: the work items, the outcomes, and the ports a posting run
//! goes through.
//!
//! Stokly has no idempotency key: `POST /v2/saleorders` creates a new order every time it is
//! processed, and a write becomes readable only some time after its 202. Two facts make
//! "exactly one sale order per Shopify order" hard:
//!
//! - **An uncertain failure** (a 5xx or a timeout after the request left) may or may not have
//!   created the order, and a look-up made straight away may not see it yet.
//! - **Concurrent runs** (two workers, or a webhook doorbell racing the incremental poll) both
//!   look the order up, both find nothing, and both create it.
//!
//! The posting run (`adapters::orders::post_orders`) therefore goes through three ports:
//!
//! - a [`PostingLedger`], shared by every run that may post for the shop: an atomic *claim*
//!   per Shopify order with a lease, so that only one run at a time posts an order, and a
//!   durable record of what was posted and of writes whose outcome is unknown;
//! - a [`SaleOrderPort`]: the batched look-up by `sourceReferenceId` (the Shopify order's
//!   numeric ID) and the create;
//! - a [`CustomerPort`]: finding or creating the Stokly customers the orders name. Customer
//!   creates have the same two hazards, so the port claims each missing customer in the same
//!   ledger ([`CustomerClaims`], keys from [`customer_ledger_key`]) before creating it, and
//!   records a create whose outcome is unknown just as the run does for orders.
//!
//! For each order the run claims the ledger entry (an order the ledger knows as posted costs no
//! Stokly request at all), looks up every claimed order in Stokly in one batch (an order
//! found there is recorded as posted), and creates only the missing ones. A create that
//! fails with an uncertain outcome is recorded as uncertain and looked up again; it is only
//! sent again once a look-up made after the [visibility window](PostingConfig::visibility_window)
//! has not found it. Every order of the input comes back with exactly one [`PostResult`];
//! nothing is dropped.
//!
//! # Implementing the ledger over SQL
//!
//! One table `posting_ledger(key PRIMARY KEY, record_id NULL, uncertain_since NULL,
//! lease_until NULL)`. [`PostingLedger::claim`] is one statement: insert the key if absent,
//! otherwise `UPDATE ... SET lease_until = now + lease WHERE record_id IS NULL AND
//! (lease_until IS NULL OR lease_until < now) RETURNING uncertain_since`; no row updated
//! means posted (read `record_id`) or busy. [`PostingLedger::posted`] sets
//! `record_id` and clears the lease; [`PostingLedger::release`] clears the lease and keeps
//! the earliest `uncertain_since`. Keys include the shop: `{shop}/orders/{id}` for orders
//! ([`ledger_key`]); `{shop}/customers/barcode/{barcode}` and `{shop}/customers/email/{email}`
//! for customers ([`customer_ledger_key`]), in the same table. A customer row is only ever
//! claimed and released, never marked posted: its `record_id` stays `NULL`, and a later
//! run finds the customer by looking it up in Stokly.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::exactly_once::DeferReason;
use super::order::{OrderException, SaleOrderDraft, SkipReason};
use crate::shopify::OrderId;
use crate::stokly::SaleOrderId;

// The ports a posting run goes through live in `domain::ports`; their old paths keep working.
pub use super::ports::{
    Claim, CustomerClaims, CustomerKey, CustomerPort, InMemoryPostingLedger, LedgerRecordId,
    PortError, PortOperation, PostedSaleOrder, PostingLedger, SaleOrderPort, customer_ledger_key,
};

/// A unit of order work for the application's queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "work", rename_all = "snake_case")]
#[non_exhaustive]
pub enum OrderWork {
    /// A doorbell (a webhook or the incremental poll): read the order from Shopify, map it
    /// and post it. The order is always read again, never taken from the webhook body.
    Capture {
        /// The Shopify order.
        order_id: OrderId,
        /// The order's `updated_at` as the doorbell saw it, when it said.
        updated_at: Option<DateTime<Utc>>,
    },
    /// A mapped order, ready to post.
    Post(Box<SaleOrderDraft>),
}

/// What became of one order in a posting run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
#[non_exhaustive]
pub enum PostResult {
    /// This run created the sale order.
    Created {
        /// The new sale order.
        sale_order: SaleOrderId,
    },
    /// The order was posted before (by an earlier or a concurrent run); nothing was created.
    AlreadyPosted {
        /// The existing sale order.
        sale_order: SaleOrderId,
    },
    /// The mapping rejected the order: one exception per problem.
    Rejected {
        /// The problems.
        exceptions: Vec<OrderException>,
    },
    /// The gate did not let the order through; nothing is wrong.
    Skipped {
        /// Why.
        reason: SkipReason,
    },
    /// Stokly refused the order or its customer as sent (a 4xx other than 429); nothing was
    /// created. A person must look at the message.
    Refused {
        /// What was refused (`create sale order`, `create customer`).
        operation: String,
        /// Stokly's answer.
        message: String,
    },
    /// Not posted in this run, and safe to try again later: a failure that changed nothing, an
    /// uncertain create (of the order or its customer) that is not visible yet, or another
    /// run holding the claim of the order or of its customer.
    Deferred {
        /// Why.
        reason: DeferReason,
    },
}

impl PostResult {
    /// The sale order, when the order is in Stokly.
    #[must_use]
    pub fn sale_order(&self) -> Option<&SaleOrderId> {
        match self {
            Self::Created { sale_order } | Self::AlreadyPosted { sale_order } => Some(sale_order),
            _ => None,
        }
    }

    /// A short machine name: `created`, `already_posted`, `rejected`, `skipped`, `refused`,
    /// `deferred`.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Created { .. } => "created",
            Self::AlreadyPosted { .. } => "already_posted",
            Self::Rejected { .. } => "rejected",
            Self::Skipped { .. } => "skipped",
            Self::Refused { .. } => "refused",
            Self::Deferred { .. } => "deferred",
        }
    }
}

/// One order's result, naming the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PostOutcome {
    /// The Shopify order.
    pub order_id: OrderId,
    /// Its name (`#1001`).
    pub order_name: String,
    /// What became of it.
    pub result: PostResult,
}

/// How a posting run behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PostingConfig {
    /// How long a claim is held before another run may take it (a run that dies keeps the
    /// order from others this long). Default 5 minutes; keep it well above the visibility
    /// window.
    pub lease: Duration,
    /// How long a write may take to become readable in Stokly. An uncertain create is sent
    /// again only after a look-up made this long after it found nothing. Default 60 s.
    pub visibility_window: Duration,
    /// Look-ups made for uncertain creates before the run gives up on them (they are then
    /// [`PostResult::Deferred`]). Default 6.
    pub uncertain_polls: u32,
    /// Pause between those look-ups. Default 2 s.
    pub uncertain_poll_delay: Duration,
}

impl Default for PostingConfig {
    fn default() -> Self {
        Self {
            lease: Duration::from_secs(300),
            visibility_window: Duration::from_secs(60),
            uncertain_polls: 6,
            uncertain_poll_delay: Duration::from_secs(2),
        }
    }
}

impl PostingConfig {
    /// Sets the claim lease.
    #[must_use]
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }
    /// Sets the visibility window.
    #[must_use]
    pub fn with_visibility_window(mut self, window: Duration) -> Self {
        self.visibility_window = window;
        self
    }
    /// Sets the look-ups made for uncertain creates and the pause between them.
    #[must_use]
    pub fn with_uncertain_polls(mut self, polls: u32, delay: Duration) -> Self {
        self.uncertain_polls = polls;
        self.uncertain_poll_delay = delay;
        self
    }

    /// Whether a create of unknown outcome sent at `since` may still become visible to a
    /// look-up made at `looked_up_at` (less than the visibility window has passed): until
    /// then, not finding it proves nothing, and nothing is sent again.
    #[must_use]
    pub fn may_still_appear(&self, since: DateTime<Utc>, looked_up_at: DateTime<Utc>) -> bool {
        TimeDelta::from_std(self.visibility_window)
            .map_or(true, |window| looked_up_at - since < window)
    }

    /// Whether a create sent at `sent_at` under a claim taken at `claimed_at` is visible to
    /// every run before the claim's lease ends. Another run can take the claim once the lease
    /// ends, and its look-up must see this create; so a run that took long defers what is
    /// left rather than send it late. A lease no longer than the visibility window never
    /// allows a create.
    #[must_use]
    pub fn claim_outlasts_visibility(
        &self,
        claimed_at: DateTime<Utc>,
        sent_at: DateTime<Utc>,
    ) -> bool {
        let Some(visible_by) = TimeDelta::from_std(self.visibility_window)
            .ok()
            .and_then(|window| sent_at.checked_add_signed(window))
        else {
            return false;
        };
        // A lease beyond what a date can hold never ends.
        TimeDelta::from_std(self.lease)
            .ok()
            .and_then(|lease| claimed_at.checked_add_signed(lease))
            .is_none_or(|lease_ends| visible_by < lease_ends)
    }
}

/// The units of orders captured but not yet in Stokly, per SKU, as in-flight demand for the
/// inventory push ([`crate::domain::inventory::InFlightDemand`]): Stokly cannot have reserved
/// stock for them yet. Pass the drafts whose posting is not settled (deferred, or not yet
/// run). The demand names no location (it counts against every location of the SKU, the
/// cautious reading); a line's units beyond `u32::MAX` are capped.
#[must_use]
pub fn in_flight_demand<'a>(
    drafts: impl IntoIterator<Item = &'a SaleOrderDraft>,
) -> Vec<crate::domain::inventory::InFlightDemand> {
    let mut units: std::collections::BTreeMap<&str, u64> = std::collections::BTreeMap::new();
    for draft in drafts {
        for line in draft.lines() {
            let quantity = u64::try_from(line.quantity).unwrap_or(0);
            let total = units.entry(line.sku.as_str()).or_default();
            *total = total.saturating_add(quantity);
        }
    }
    units
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(sku, n)| {
            crate::domain::inventory::InFlightDemand::new(
                sku,
                None,
                u32::try_from(n).unwrap_or(u32::MAX),
            )
        })
        .collect()
}

/// The ledger key of a Shopify order of `shop` (`acme.myshopify.com/orders/1001`). Customer
/// creates are claimed under other keys ([`customer_ledger_key`]).
#[must_use]
pub fn ledger_key(shop: &str, source_reference_id: &str) -> String {
    format!("{shop}/orders/{source_reference_id}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
    }

    #[test]
    fn a_claim_excludes_others_until_its_lease_ends() {
        let ledger = InMemoryPostingLedger::new();
        let lease = Duration::from_secs(60);
        assert_eq!(
            ledger.claim_now("k", at(0), lease),
            Claim::Acquired {
                uncertain_since: None
            }
        );
        assert_eq!(
            ledger.claim_now("k", at(59), lease),
            Claim::Busy { until: at(60) }
        );
        assert_eq!(
            ledger.claim_now("k", at(60), lease),
            Claim::Acquired {
                uncertain_since: None
            }
        );
    }

    #[tokio::test]
    async fn posted_is_final_and_uncertainty_keeps_the_earliest_time() {
        let ledger = InMemoryPostingLedger::new();
        let lease = Duration::from_secs(60);
        ledger.claim_now("k", at(0), lease);
        ledger.release("k", Some(at(10))).await.unwrap();
        ledger.release("k", Some(at(20))).await.unwrap();
        ledger.release("k", None).await.unwrap();
        assert_eq!(
            ledger.claim_now("k", at(30), lease),
            Claim::Acquired {
                uncertain_since: Some(at(10))
            }
        );
        let id = SaleOrderId::new("so-1").unwrap();
        ledger.posted("k", &(&id).into()).await.unwrap();
        assert_eq!(
            ledger.claim_now("k", at(31), lease),
            Claim::Posted { record: id.into() }
        );
        assert_eq!(ledger.posted_count(), 1);
    }

    #[test]
    fn a_create_is_sent_only_while_the_claim_outlasts_its_visibility() {
        let claimed = Utc::now();
        let config = PostingConfig::default()
            .with_lease(Duration::from_secs(300))
            .with_visibility_window(Duration::from_secs(60));
        let at = |s| claimed + TimeDelta::seconds(s);
        assert!(config.claim_outlasts_visibility(claimed, at(0)));
        assert!(config.claim_outlasts_visibility(claimed, at(239)));
        assert!(!config.claim_outlasts_visibility(claimed, at(240)));
        assert!(!config.claim_outlasts_visibility(claimed, at(400)));
        let never_ends = config.with_lease(Duration::MAX);
        assert!(never_ends.claim_outlasts_visibility(claimed, at(10_000)));
        let never_visible = config.with_visibility_window(Duration::MAX);
        assert!(!never_visible.claim_outlasts_visibility(claimed, at(0)));
    }

    #[test]
    fn an_uncertain_create_may_still_appear_until_the_window_has_passed() {
        let sent = Utc::now();
        let config = PostingConfig::default().with_visibility_window(Duration::from_secs(60));
        assert!(config.may_still_appear(sent, sent + TimeDelta::seconds(59)));
        assert!(!config.may_still_appear(sent, sent + TimeDelta::seconds(60)));
        let endless = config.with_visibility_window(Duration::MAX);
        assert!(endless.may_still_appear(sent, sent + TimeDelta::days(10_000)));
    }

    #[test]
    fn customer_keys_never_meet_order_keys_or_each_other() {
        let shop = "acme.myshopify.com";
        let barcode = customer_ledger_key(shop, &CustomerKey::Barcode("501".into()));
        let email = customer_ledger_key(shop, &CustomerKey::Email(" Ada@Example.com ".into()));
        assert_eq!(barcode, "acme.myshopify.com/customers/barcode/501");
        assert_eq!(email, "acme.myshopify.com/customers/email/ada@example.com");
        assert_eq!(
            email,
            customer_ledger_key(shop, &CustomerKey::Email("ada@example.com".into()))
        );
        assert_ne!(barcode, ledger_key(shop, "501"));
        assert_ne!(
            barcode,
            customer_ledger_key(shop, &CustomerKey::Email("501".into()))
        );
        assert_ne!(
            barcode,
            customer_ledger_key("other.myshopify.com", &CustomerKey::Barcode("501".into()))
        );
    }

    #[test]
    fn work_items_round_trip_through_json() {
        let work = OrderWork::Capture {
            order_id: OrderId::from_numeric(1001),
            updated_at: Some(at(5)),
        };
        let json = serde_json::to_string(&work).unwrap();
        assert!(json.contains(r#""work":"capture""#), "{json}");
        assert_eq!(serde_json::from_str::<OrderWork>(&json).unwrap(), work);
        let result = PostResult::Deferred {
            reason: DeferReason::KnownButNotFound,
        };
        let json = serde_json::to_string(&result).unwrap();
        assert_eq!(
            json,
            r#"{"result":"deferred","reason":{"kind":"known_but_not_found"}}"#
        );
        assert_eq!(serde_json::from_str::<PostResult>(&json).unwrap(), result);
    }
}
