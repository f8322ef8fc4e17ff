//! Every exception kind the crate can produce, listed once: who owns it, how bad it is, what
//! it means, how to fix it, and which daily or weekly check finds it.
//!
//! [`CATALOGUE`] has one [`ExceptionKind`] per `(flow, code)` that a
//! [`DomainException`](crate::domain::exception::DomainException) can report. Adding a kind
//! to a flow means adding one entry here; a test reads the `code` of every exception type in
//! `src/domain/` and fails when one is missing, or when an entry names a code no type
//! reports. The operations manual ([`crate::ops::manual`]) and the health report are written
//! from it.
//!
//! Owner and severity are the kind's usual ones. A few kinds lower their severity when no
//! sellable record is touched (the catalogue audit), or change owner with their cause (an
//! unmatched payout line whose order is not posted belongs to operations); the exception
//! itself always carries its own.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::domain::exception::{Flow, Owner, Severity};

/// How often a check is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cadence {
    /// Every working day, first thing.
    Daily,
    /// Once a week.
    Weekly,
}

impl Cadence {
    /// How the manual names it.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Daily => "Daily",
            Self::Weekly => "Weekly",
        }
    }
}

/// A routine check that finds exceptions: what a person looks at, and how often.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Check {
    /// The health report's stuck orders, oldest first.
    StuckOrders,
    /// Orders that could not be posted to Stokly, and changes to posted orders that need a
    /// person.
    OrderQueue,
    /// Dispatches that could not be sent to Shopify as fulfilments.
    Fulfilments,
    /// Payouts that could not be journaled, and refunds waiting for a credit document.
    Payouts,
    /// Stock levels that could not be pushed to Shopify.
    InventoryPush,
    /// The inventory drift report: where Shopify's stock differs from Stokly's, and why.
    InventoryDrift,
    /// The catalogue audit: SKUs, bundles and listings on both sides, and the product push.
    CatalogueAudit,
    /// The price-list sync: Stokly customer prices that did not reach Shopify.
    PriceLists,
}

impl Check {
    /// Every check, daily ones first.
    pub const ALL: [Check; 8] = [
        Self::StuckOrders,
        Self::OrderQueue,
        Self::Fulfilments,
        Self::Payouts,
        Self::InventoryPush,
        Self::InventoryDrift,
        Self::CatalogueAudit,
        Self::PriceLists,
    ];

    /// How often it is run.
    #[must_use]
    pub fn cadence(self) -> Cadence {
        match self {
            Self::StuckOrders
            | Self::OrderQueue
            | Self::Fulfilments
            | Self::Payouts
            | Self::InventoryPush => Cadence::Daily,
            Self::InventoryDrift | Self::CatalogueAudit | Self::PriceLists => Cadence::Weekly,
        }
    }

    /// Its name in the manual.
    #[must_use]
    pub fn title(self) -> &'static str {
        match self {
            Self::StuckOrders => "Stuck orders",
            Self::OrderQueue => "Orders not posted",
            Self::Fulfilments => "Dispatches not fulfilled",
            Self::Payouts => "Payouts and refunds",
            Self::InventoryPush => "Stock push",
            Self::InventoryDrift => "Stock drift",
            Self::CatalogueAudit => "Catalogue audit",
            Self::PriceLists => "Customer price lists",
        }
    }

    /// The team that runs it.
    #[must_use]
    pub fn owner(self) -> Owner {
        match self {
            Self::StuckOrders | Self::Fulfilments | Self::InventoryPush | Self::InventoryDrift => {
                Owner::Operations
            }
            Self::OrderQueue | Self::CatalogueAudit | Self::PriceLists => Owner::Ecommerce,
            Self::Payouts => Owner::Finance,
        }
    }

    /// What to look at, and what good looks like.
    #[must_use]
    pub fn how(self) -> &'static str {
        match self {
            Self::StuckOrders => {
                "Open the health report and read the stuck orders table from the top: each row \
                 names the stage the order waits for, the reason when known and the team. \
                 Good: the table is empty, or every row is already being worked on."
            }
            Self::OrderQueue => {
                "Read the orders that were not posted to Stokly, and the edits or \
                 cancellations that arrived after the warehouse started. Good: none older \
                 than the last run."
            }
            Self::Fulfilments => {
                "Read the dispatches that could not be sent to Shopify. Customers of these \
                 orders have no tracking. Good: none."
            }
            Self::Payouts => {
                "Read the payout reconciliation: payouts held, lines unmatched or sent to \
                 suspense, and refunds still without a credit document. Good: every paid \
                 payout is journaled and its deposit matches the bank."
            }
            Self::InventoryPush => {
                "Read the findings of the last stock push: levels that were not written. \
                 Good: no blocking findings."
            }
            Self::InventoryDrift => {
                "Read the drift report by cause. In-flight orders and the buffer are \
                 expected; anything else is a mapping to fix or a change made in Shopify by \
                 hand. Good: only expected causes."
            }
            Self::CatalogueAudit => {
                "Run the catalogue audit and read its blocking findings first: each is a \
                 product that cannot be sold or stocked correctly. Good: the verdict says \
                 ready."
            }
            Self::PriceLists => {
                "Read the findings of the last price-list sync: items whose negotiated price \
                 could not be sent, customers with no Shopify counterpart, and prices Shopify \
                 holds that differ from Stokly. Good: no blocking findings, and a rerun sends \
                 nothing."
            }
        }
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.title())
    }
}

/// One kind of exception, as the business reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExceptionKind {
    /// The flow that reports it.
    pub flow: Flow,
    /// Its code ([`DomainException::code`](crate::domain::exception::DomainException::code)).
    pub code: &'static str,
    /// The team that usually owns it.
    pub owner: Owner,
    /// Its usual severity.
    pub severity: Severity,
    /// What it means, in a sentence.
    pub meaning: &'static str,
    /// How to fix it, in a sentence.
    pub fix: &'static str,
    /// The check that finds it.
    pub check: Check,
}

const fn kind(
    flow: Flow,
    code: &'static str,
    owner: Owner,
    severity: Severity,
    check: Check,
    meaning: &'static str,
    fix: &'static str,
) -> ExceptionKind {
    ExceptionKind {
        flow,
        code,
        owner,
        severity,
        meaning,
        fix,
        check,
    }
}

/// The entry for `(flow, code)`, if catalogued.
#[must_use]
pub fn lookup(flow: Flow, code: &str) -> Option<&'static ExceptionKind> {
    CATALOGUE.iter().find(|k| k.flow == flow && k.code == code)
}

use Check as C;
use Flow as F;
use Owner::{Ecommerce as E, Finance as Fi, Operations as O};
use Severity::{Blocking as B, Info as I, Warning as W};

/// Every exception kind, by flow.
#[rustfmt::skip]
pub const CATALOGUE: &[ExceptionKind] = &[
    // Orders posted to Stokly.
    kind(F::Order, "unknown_sku", E, B, C::OrderQueue,
        "A line's SKU matches no active Stokly item, so the order cannot be posted.",
        "Correct the variant's SKU in Shopify or create the Stokly item, then post the order again."),
    kind(F::Order, "blank_sku", E, B, C::OrderQueue,
        "A line has no SKU (or only spaces and invisible characters).",
        "Give the Shopify variant its Stokly item's SKU, then post the order again."),
    kind(F::Order, "duplicate_sku", E, B, C::OrderQueue,
        "Several active Stokly items share the line's SKU, so the order cannot say which one sold.",
        "Make the SKU unique in Stokly (rename or delete the extra item), then post again."),
    kind(F::Order, "sku_on_deleted_item", O, B, C::OrderQueue,
        "The line's SKU belongs only to deleted Stokly items.",
        "Restore the item in Stokly, or point the variant at the item that replaced it, then post again."),
    kind(F::Order, "invalid_quantity", E, B, C::OrderQueue,
        "A line's quantity makes no sense (negative, or more current units than ordered).",
        "Check the order in Shopify; correct it there or post it to Stokly by hand."),
    kind(F::Order, "unmapped_tax", Fi, B, C::OrderQueue,
        "A tax on the order has no general-ledger account.",
        "Add the tax (title, rate, jurisdiction) to the tax account map, then post again."),
    kind(F::Order, "total_mismatch", Fi, B, C::OrderQueue,
        "The sale order's total would differ from Shopify's by more than rounding explains.",
        "Compare the order's discounts, shipping and taxes with the mapping; fix the mapping, then post again."),
    kind(F::Order, "invalid_amount", Fi, B, C::OrderQueue,
        "An amount is in another currency than the order's, or too large to compute with.",
        "Check the order's currencies in Shopify and the currency policy of the mapping."),
    kind(F::Order, "incomplete_order", O, B, C::OrderQueue,
        "Part of the order could not be read from Shopify; it is never posted in part.",
        "Nothing to change: the next run reads it again. If it persists, report the order to support."),
    kind(F::Order, "invalid_line_value", E, B, C::OrderQueue,
        "A line's price is negative, absurd, or finer than the currency's smallest unit.",
        "Correct the price or discount in Shopify, or post the order by hand."),
    kind(F::Order, "b2b_price_mismatch", E, B, C::OrderQueue,
        "A business customer was charged a unit price other than the one on their Stokly price list.",
        "Check the customer's price list in Stokly and in Shopify; correct the price, then post the order again."),
    kind(F::Order, "tax_mismatch", Fi, B, C::OrderQueue,
        "The sale order's taxes would differ from Shopify's tax lines.",
        "Check the tax mapping and whether prices include tax, then post again."),
    kind(F::Order, "unmapped_charge", Fi, B, C::OrderQueue,
        "A tip, duty, additional fee or cash rounding has no account or Stokly item to post to.",
        "Add the charge's account and item to the mapping, then post again."),
    kind(F::Order, "cash_rounded_down", Fi, B, C::OrderQueue,
        "A cash payment was rounded down, and a Stokly sale order line cannot carry the negative rounding.",
        "Post the order by hand for the cash received, with the rounding on the cash rounding account."),
    kind(F::Order, "unknown_transaction", Fi, B, C::OrderQueue,
        "A payment transaction of a kind or status the connector does not know.",
        "Look at the order's payments in Shopify and post its payment by hand."),
    kind(F::Order, "payment_mismatch", Fi, B, C::OrderQueue,
        "The order's payments do not add up to what Shopify says was paid.",
        "Look at the order's transactions in Shopify; post the payment by hand if they are right."),
    kind(F::Order, "payment_in_other_currency", Fi, B, C::OrderQueue,
        "A payment was taken in another currency than the order is posted in.",
        "Post the order and its payment by hand, converting at the rate on the payout."),
    // Edits and cancellations.
    kind(F::OrderChange, "changed_after_cut_off", O, B, C::OrderQueue,
        "The order was edited in Shopify after the warehouse started on it.",
        "Decide with the customer; change the Stokly sale order by hand or undo the edit in Shopify."),
    kind(F::OrderChange, "cancelled_after_cut_off", O, B, C::OrderQueue,
        "The order was cancelled in Shopify after the warehouse started on it.",
        "Stop the parcel if possible, then cancel or return the Stokly sale order by hand."),
    kind(F::OrderChange, "unrecognised_progress", O, B, C::OrderQueue,
        "The order changed, but Stokly's stage of it is unknown, so whether it is past the cut-off cannot be told.",
        "Check the sale order's stage in Stokly and apply the change by hand."),
    kind(F::OrderChange, "removed_in_stokly", O, B, C::OrderQueue,
        "The sale order was removed in Stokly, but the order is live in Shopify.",
        "Restore the sale order in Stokly, or cancel the order in Shopify."),
    kind(F::OrderChange, "stokly_lines_differ", O, B, C::OrderQueue,
        "The Stokly sale order's lines were changed by hand, so the edit cannot be placed.",
        "Apply the Shopify edit to the Stokly sale order by hand."),
    kind(F::OrderChange, "inconsistent_input", O, B, C::OrderQueue,
        "The connector compared records of different orders (a look-up went wrong).",
        "Report it to whoever runs the connector; nothing is changed."),
    // Fulfilment.
    kind(F::Fulfilment, "order_not_found", O, B, C::Fulfilments,
        "Shopify did not return the order a Stokly dispatch names.",
        "Check the dispatch's order reference in Stokly."),
    kind(F::Fulfilment, "incomplete_order_read", O, B, C::Fulfilments,
        "The order's fulfilment state was read only in part; nothing is sent.",
        "Nothing to change: the next run reads it again."),
    kind(F::Fulfilment, "cancelled_after_dispatch", E, B, C::Fulfilments,
        "The order was cancelled in Shopify, but Stokly dispatched goods for it.",
        "Contact the customer; recover the parcel or reinstate the order."),
    kind(F::Fulfilment, "unmapped_location", O, B, C::Fulfilments,
        "A dispatch left from a Stokly location that maps to no Shopify location.",
        "Add the location to the location map; the dispatch is sent on the next run."),
    kind(F::Fulfilment, "invalid_quantity", O, B, C::Fulfilments,
        "A dispatch names a quantity that is not a positive number of units.",
        "Correct the dispatch in Stokly."),
    kind(F::Fulfilment, "bundle_incomplete", O, I, C::Fulfilments,
        "Only some components of a bundle were dispatched; the bundle is fulfilled when all are.",
        "Dispatch the rest of the bundle."),
    kind(F::Fulfilment, "bundle_group_incomplete", O, I, C::Fulfilments,
        "Components of a bundle sold as one product in Shopify did not all leave together; they are held back, because a bundle is never fulfilled in part.",
        "Dispatch the missing components, or the whole bundle, from one location with one carrier."),
    kind(F::Fulfilment, "unknown_line", O, B, C::Fulfilments,
        "A dispatched line is not on the Shopify order.",
        "Check the dispatch in Stokly against the order; correct the wrong line."),
    kind(F::Fulfilment, "over_dispatch", O, B, C::Fulfilments,
        "More units were dispatched than the order has left to fulfil.",
        "Check the dispatch and recover the extra units."),
    kind(F::Fulfilment, "on_hold", E, B, C::Fulfilments,
        "The order's fulfilment is on hold in Shopify, so the dispatch cannot be recorded.",
        "Review the hold in Shopify and release it (or cancel the order)."),
    kind(F::Fulfilment, "not_fulfillable", E, B, C::Fulfilments,
        "The order's fulfilment in Shopify is closed, cancelled or scheduled.",
        "Check the order in Shopify; reopen it or record the shipment by hand."),
    kind(F::Fulfilment, "location_mismatch", O, B, C::Fulfilments,
        "Goods left from another location than Shopify assigned the order to.",
        "Move the order to the shipping location in Shopify, or let the connector move it."),
    kind(F::Fulfilment, "dispatch_not_mapped", O, B, C::Fulfilments,
        "A Stokly dispatch could not be read (a field missing, or lines that match no Shopify line).",
        "Check the dispatch in Stokly and complete it."),
    kind(F::Fulfilment, "tracking_url_missing", O, W, C::Fulfilments,
        "The carrier is unknown to Shopify and the parcel has no tracking page: the customer sees numbers without links.",
        "Use Shopify's name for the carrier, or give the parcels a tracking URL."),
    // Inventory push.
    kind(F::Inventory, "native_bundle_parent", E, I, C::InventoryDrift,
        "A Shopify bundle's stock is worked out by Shopify from its components; it is never written.",
        "Nothing to do."),
    kind(F::Inventory, "untracked_item", E, I, C::InventoryDrift,
        "Shopify does not track this variant's stock, so pushed stock would be ignored.",
        "Turn on inventory tracking for the variant in Shopify if it should show stock."),
    kind(F::Inventory, "unmapped_location", O, I, C::InventoryDrift,
        "Shopify holds stock at a location that no Stokly location feeds.",
        "Map the location, or deactivate it in Shopify."),
    kind(F::Inventory, "blank_sku", E, W, C::InventoryPush,
        "A variant has no SKU, so its stock cannot be found in Stokly.",
        "Give the variant its Stokly item's SKU."),
    kind(F::Inventory, "unknown_sku", E, W, C::InventoryPush,
        "No Stokly item has the variant's SKU, so its stock is not updated.",
        "Correct the SKU in Shopify or create the item in Stokly."),
    kind(F::Inventory, "ambiguous_stokly_sku", O, B, C::InventoryPush,
        "Several active Stokly items share the variant's SKU.",
        "Make the SKU unique in Stokly."),
    kind(F::Inventory, "deleted_in_stokly", O, W, C::InventoryPush,
        "Only deleted Stokly items have the variant's SKU.",
        "Restore the item or unpublish the variant."),
    kind(F::Inventory, "duplicate_shopify_sku", E, B, C::InventoryPush,
        "Several Shopify variants share a SKU; the same stock would be offered twice.",
        "Give each variant its own SKU in Shopify."),
    kind(F::Inventory, "variable_parent_sku", E, W, C::InventoryPush,
        "The variant's SKU is a Stokly variable parent, which holds no stock.",
        "Use the SKU of the right child item."),
    kind(F::Inventory, "not_stocked_at_location", E, W, C::InventoryPush,
        "The variant is not stocked at a mapped Shopify location.",
        "Activate the variant at the location in Shopify."),
    kind(F::Inventory, "fractional_quantity", O, B, C::InventoryPush,
        "A Stokly stock quantity is not a whole number.",
        "Correct the stock record in Stokly."),
    kind(F::Inventory, "quantity_out_of_range", O, B, C::InventoryPush,
        "A stock quantity is too large for Shopify.",
        "Correct the stock record in Stokly."),
    kind(F::Inventory, "negative_stock", O, W, C::InventoryPush,
        "Stokly holds less than nothing for sale; Shopify is told zero.",
        "Count the item and correct its stock in Stokly."),
    kind(F::Inventory, "composite_without_components", O, B, C::InventoryPush,
        "A Stokly composite has no components, so its stock cannot be worked out.",
        "Add the components to the composite in Stokly."),
    kind(F::Inventory, "invalid_component_quantity", O, B, C::InventoryPush,
        "A composite component has no quantity, or one that is not positive.",
        "Correct the component quantity in Stokly."),
    kind(F::Inventory, "unusable_component", O, B, C::InventoryPush,
        "A composite component is missing from Stokly or is itself a composite.",
        "Correct the composite's components in Stokly."),
    kind(F::Inventory, "in_flight_sku_not_found", E, W, C::InventoryPush,
        "Orders not yet in Stokly name a SKU that matches no single Stokly item.",
        "Correct the SKU; these orders are also in the order queue."),
    kind(F::Inventory, "unknown_stokly_item", O, B, C::InventoryPush,
        "A changed Stokly item could not be found among the items read.",
        "Nothing to change: the next full push reads it again."),
    kind(F::Inventory, "batch_not_encodable", E, B, C::InventoryPush,
        "A batch of stock updates could not be prepared and was left out.",
        "Report it to whoever runs the connector."),
    // Payouts.
    kind(F::Payout, "unknown_transaction_type", Fi, B, C::Payouts,
        "A payout line has a type the connector does not know.",
        "Add the type's account to the chart, or journal the payout by hand."),
    kind(F::Payout, "net_mismatch", Fi, B, C::Payouts,
        "A payout line's net is not its amount less its fee.",
        "Check the line in Shopify Payments; journal the payout by hand."),
    kind(F::Payout, "currency_mismatch", Fi, B, C::Payouts,
        "A payout line is in another currency than the payout.",
        "Journal the payout by hand, converting the line."),
    kind(F::Payout, "payout_net_mismatch", Fi, B, C::Payouts,
        "The payout's lines do not add up to the amount paid to the bank.",
        "Check the payout's lines in Shopify Payments; some may be missing."),
    kind(F::Payout, "transfer_mismatch", Fi, B, C::Payouts,
        "The payout's own transfer line does not equal its amount.",
        "Check the payout in Shopify Payments and the bank statement."),
    kind(F::Payout, "summary_mismatch", Fi, B, C::Payouts,
        "Shopify's payout summary disagrees with the payout's lines.",
        "Check the payout in Shopify Payments; journal from the lines if they are right."),
    kind(F::Payout, "unmatched_transaction", Fi, B, C::Payouts,
        "A payout line matches no posted sale order or credit document (yet).",
        "Post the missing order or credit document (operations when the order is not posted), then reconcile again."),
    kind(F::Payout, "sent_to_suspense", Fi, W, C::Payouts,
        "An unmatched payout line passed its grace period and was posted to the suspense account.",
        "Find its order or refund and move the amount out of suspense."),
    kind(F::Payout, "unmapped_tax", Fi, B, C::Payouts,
        "A tax on a posted record has no account in the payout chart.",
        "Add the tax's account to the chart, then reconcile again."),
    kind(F::Payout, "unmapped_family", Fi, B, C::Payouts,
        "A kind of payout line (charges, refunds, adjustments...) has no account.",
        "Add the account to the chart, then reconcile again."),
    kind(F::Payout, "unmapped_fee", Fi, B, C::Payouts,
        "A kind of payout line carries fees but has no fee account.",
        "Add the fee account to the chart, then reconcile again."),
    kind(F::Payout, "foreign_transaction", Fi, W, C::Payouts,
        "A line given for this payout belongs to another one; it was left out.",
        "Nothing to change unless it recurs."),
    kind(F::Payout, "unknown_payout_status", Fi, B, C::Payouts,
        "The payout has a status the connector does not know; nothing is posted.",
        "Check the payout in Shopify Payments and journal it by hand if it was paid."),
    kind(F::Payout, "unbalanced_journal", Fi, B, C::Payouts,
        "The payout's journal could not be balanced; nothing is posted.",
        "Journal the payout by hand and report it to whoever runs the connector."),
    // Refunds.
    kind(F::Refund, "incomplete_refund", O, B, C::Payouts,
        "Part of a refund could not be read from Shopify; no credit is written for it yet.",
        "Nothing to change: the next run reads the refund again."),
    kind(F::Refund, "line_not_posted", O, B, C::Payouts,
        "A refunded line is not on the sale order in Stokly, so there is nothing to credit it against.",
        "Check why the line was not posted (usually a SKU problem), fix it, then credit the refund."),
    kind(F::Refund, "more_units_than_posted", O, B, C::Payouts,
        "The refund returns more units of a line than the sale order in Stokly carries.",
        "Compare the order in both systems and correct the sale order before the credit is written."),
    kind(F::Refund, "invalid_value", Fi, B, C::Payouts,
        "A quantity or amount in the refund cannot be credited as given (not positive, or finer than a cent).",
        "Check the refund in Shopify and write the credit by hand if it is right."),
    kind(F::Refund, "other_currency", Fi, B, C::Payouts,
        "An amount in the refund is in a different currency from the sale order.",
        "Check the order's currencies and write the credit by hand in the sale order's currency."),
    kind(F::Refund, "unknown_restock_type", Fi, B, C::Payouts,
        "The refund names a way of restocking goods the connector does not know.",
        "Decide whether the goods came back and credit the refund by hand."),
    kind(F::Refund, "cancel_of_dispatched_units", O, B, C::Payouts,
        "The refund cancels units that Stokly has already dispatched.",
        "Find the parcel: record a return when the goods come back, or credit the money only."),
    kind(F::Refund, "unmapped_restock_location", O, B, C::Payouts,
        "Goods are restocked at a Shopify location that is not linked to a Stokly location.",
        "Link the location in the connector's location map, then credit the refund."),
    kind(F::Refund, "unmapped_account", Fi, B, C::Payouts,
        "The refund has shipping, duties or an adjustment, and no account is set for that kind of amount.",
        "Set the account in the refund configuration, then credit the refund."),
    kind(F::Refund, "tax_without_tax_lines", Fi, B, C::Payouts,
        "Tax was refunded on a line that had no tax lines, so the connector cannot say which tax it was.",
        "Credit the tax by hand to the right tax account."),
    kind(F::Refund, "does_not_balance", Fi, B, C::Payouts,
        "The parts of the refund do not add up to the amount refunded, by more than the allowed difference.",
        "Compare the refund in Shopify with its lines and credit it by hand."),
    // Price lists.
    kind(F::PriceList, "blank_sku", O, B, C::PriceLists,
        "An item on a price list has no SKU, so no Shopify variant can be priced for it.",
        "Give the item its SKU in Stokly."),
    kind(F::PriceList, "no_variant", E, B, C::PriceLists,
        "No Shopify variant has the SKU of an item on a price list.",
        "List the item in Shopify with exactly the Stokly SKU, or take it off the price list."),
    kind(F::PriceList, "several_variants", E, B, C::PriceLists,
        "Several Shopify variants share the SKU of an item on a price list, so nobody can say which one is priced.",
        "Make each SKU unique in Shopify."),
    kind(F::PriceList, "variant_priced_twice", E, B, C::PriceLists,
        "A price list prices the same item twice.",
        "Keep one price per item on the list in Stokly."),
    kind(F::PriceList, "negative_price", O, B, C::PriceLists,
        "An item on a price list has a negative price.",
        "Correct the price in Stokly."),
    kind(F::PriceList, "invalid_quantity_rule", O, W, C::PriceLists,
        "An item's minimum, maximum or increment would be refused by Shopify; its price is still sent.",
        "Correct the quantities in Stokly: the minimum at least 1, the increment dividing the minimum and the maximum."),
    kind(F::PriceList, "invalid_quantity_break", O, W, C::PriceLists,
        "One of an item's quantity price breaks would be refused by Shopify (below the minimum, above the maximum, off the increment, a repeated quantity or a negative price); the item's unit price is sent, its breaks are not.",
        "Correct the breaks (or the quantity rule) in Stokly: each break from a quantity the rule allows, once."),
    kind(F::PriceList, "no_currency", O, B, C::PriceLists,
        "A price list has no currency, so none of its prices can be sent.",
        "Give the price list its currency in Stokly."),
    kind(F::PriceList, "currency_mismatch", O, B, C::PriceLists,
        "The Shopify price list made for a Stokly list has another currency.",
        "Align the currencies, or let the connector make a new price list in Shopify."),
    kind(F::PriceList, "foreign_catalog", E, B, C::PriceLists,
        "The Shopify price list made for a Stokly list belongs to a catalog that is not for business customers.",
        "Detach the price list from that catalog in Shopify."),
    kind(F::PriceList, "unmapped_customer", E, W, C::PriceLists,
        "A customer on a price list has no counterpart in Shopify, so they do not see their prices there.",
        "Link the customer to a Shopify company location (Plus) or customer in the connector's configuration."),
    kind(F::PriceList, "no_company_location", E, B, C::PriceLists,
        "No customer of a price list maps to a Shopify company location, so no catalog can be made for it.",
        "Link at least one of the list's customers to a company location in Shopify."),
    // Catalogue audit.
    kind(F::Catalogue, "duplicate_shopify_sku", E, W, C::CatalogueAudit,
        "Several Shopify variants carry one SKU: Stokly's stock would be offered on each.",
        "Give each variant its own SKU in Shopify."),
    kind(F::Catalogue, "duplicate_stokly_sku", O, B, C::CatalogueAudit,
        "Several active Stokly items carry one SKU: an order cannot say which item sold.",
        "Make the SKU unique in Stokly."),
    kind(F::Catalogue, "blank_shopify_sku", E, B, C::CatalogueAudit,
        "A Shopify variant has no usable SKU: its orders fail.",
        "Give the variant its Stokly item's SKU."),
    kind(F::Catalogue, "blank_stokly_sku", O, W, C::CatalogueAudit,
        "An active Stokly item has no usable SKU.",
        "Give the item a SKU in Stokly."),
    kind(F::Catalogue, "sku_near_miss", E, B, C::CatalogueAudit,
        "A Shopify SKU has no exact match, but Stokly has one that nearly equals it (case, spaces, hidden characters).",
        "Correct whichever side is wrong so the SKUs are exactly equal."),
    kind(F::Catalogue, "shopify_sku_not_in_stokly", E, B, C::CatalogueAudit,
        "A Shopify SKU no Stokly item has: its orders will fail.",
        "Create the item in Stokly or correct the SKU in Shopify."),
    kind(F::Catalogue, "stokly_item_not_in_shopify", E, W, C::CatalogueAudit,
        "A Stokly item listed for Shopify has no Shopify variant.",
        "Create the variant (the product push can) or unlist the item."),
    kind(F::Catalogue, "untracked_inventory", E, W, C::CatalogueAudit,
        "A matched variant does not track stock in Shopify: pushed stock is ignored.",
        "Turn on inventory tracking for the variant."),
    kind(F::Catalogue, "bundle_components_match", O, I, C::CatalogueAudit,
        "A Shopify bundle's components equal its Stokly composite's.",
        "Nothing to do."),
    kind(F::Catalogue, "bundle_components_differ", E, W, C::CatalogueAudit,
        "A Shopify bundle's components differ from its Stokly composite's.",
        "Make the bundle's components agree on both sides."),
    kind(F::Catalogue, "shopify_bundle_not_composite", O, W, C::CatalogueAudit,
        "A Shopify bundle's Stokly item is not a composite.",
        "Make the Stokly item a composite with the bundle's components."),
    kind(F::Catalogue, "stokly_composite_not_bundle", E, I, C::CatalogueAudit,
        "A Stokly composite is sold as an ordinary Shopify variant.",
        "Make it a bundle in Shopify if its stock should follow the components."),
    kind(F::Catalogue, "deleted_item_still_sold", E, B, C::CatalogueAudit,
        "A Shopify SKU's only Stokly items are deleted.",
        "Restore the item or unpublish the variant."),
    kind(F::Catalogue, "barcode_collision", O, W, C::CatalogueAudit,
        "One barcode is on records with different SKUs.",
        "Correct the barcode on the wrong record."),
    kind(F::Catalogue, "variable_parent_sold", E, B, C::CatalogueAudit,
        "A Shopify SKU matches a Stokly variable parent, which holds no stock.",
        "Use the SKU of the right child item."),
    kind(F::Catalogue, "listing_link_diverged", E, B, C::CatalogueAudit,
        "A Stokly listing links an item to a Shopify variant with another SKU (changed on one side only).",
        "Make the SKUs equal again on both sides."),
    // Product push.
    kind(F::Catalogue, "push_shopify_only_sku", E, W, C::CatalogueAudit,
        "A Shopify SKU no active Stokly item has: the push leaves it alone.",
        "Create the item in Stokly or remove the variant."),
    kind(F::Catalogue, "push_duplicate_stokly_sku", O, B, C::CatalogueAudit,
        "Several active Stokly items share the SKU: none is pushed.",
        "Make the SKU unique in Stokly."),
    kind(F::Catalogue, "push_duplicate_shopify_sku", E, B, C::CatalogueAudit,
        "Several Shopify variants carry the item's SKU: which to update is unclear.",
        "Give each variant its own SKU in Shopify."),
    kind(F::Catalogue, "push_near_miss_needs_decision", E, B, C::CatalogueAudit,
        "Shopify has SKUs that nearly equal the item's: creating it would add a look-alike.",
        "Correct the near SKU, or confirm the item is new."),
    kind(F::Catalogue, "push_no_target_product", E, B, C::CatalogueAudit,
        "Stokly does not say which Shopify product the new variant belongs to.",
        "Name the product on the Stokly listing."),
    kind(F::Catalogue, "push_ambiguous_target_product", E, B, C::CatalogueAudit,
        "Stokly names several Shopify products for the new variant.",
        "Keep one product on the Stokly listing."),
    kind(F::Catalogue, "push_target_product_not_in_shopify", E, B, C::CatalogueAudit,
        "Stokly names a Shopify product that does not exist.",
        "Correct the product on the Stokly listing."),
    kind(F::Catalogue, "push_option_values_missing", E, B, C::CatalogueAudit,
        "The new variant's option values (size, colour...) were not given.",
        "Fill in the option values on the Stokly item."),
    kind(F::Catalogue, "push_product_variant_limit", E, B, C::CatalogueAudit,
        "The product already holds the most variants Shopify allows.",
        "Split the product in Shopify."),
    kind(F::Catalogue, "push_price_currency_differs", O, W, C::CatalogueAudit,
        "The listing's price is in another currency than the shop's; the price is left alone.",
        "Give the listing a price in the shop's currency."),
    kind(F::Catalogue, "push_listed_item_without_sku", O, B, C::CatalogueAudit,
        "An item listed for Shopify has no usable SKU.",
        "Give the item a SKU in Stokly."),
    kind(F::Catalogue, "push_linked_variant_contested", O, B, C::CatalogueAudit,
        "A listing links the item to a variant another Stokly item uses.",
        "Correct the listing link in Stokly."),
    // Stuck orders.
    kind(F::Lifecycle, "not_posted", O, B, C::StuckOrders,
        "A paid order is not in Stokly past its expected time (often a rejection in the order queue).",
        "Clear the reason shown (a SKU, a tax mapping...); the order is posted on the next run."),
    kind(F::Lifecycle, "posted_not_reserved", O, B, C::StuckOrders,
        "The order is in Stokly but holds no stock: a SKU mismatch or a missing location mapping. Nothing failed loudly, so only this check shows it.",
        "Fix the SKU or map the location shown, then let Stokly allocate the order."),
    kind(F::Lifecycle, "not_released", O, W, C::StuckOrders,
        "Stock is reserved but the order is not released for picking (a hold, or waiting for stock).",
        "Release the order in Stokly or clear the hold shown."),
    kind(F::Lifecycle, "not_dispatched", O, W, C::StuckOrders,
        "The order was released but has not left the warehouse in time.",
        "Ask the warehouse; dispatch or tell the customer."),
    kind(F::Lifecycle, "not_fulfilled", O, W, C::StuckOrders,
        "Stokly dispatched the order but Shopify does not show it fulfilled: the customer has no tracking.",
        "Read the dispatch's exception in the fulfilment check and clear it."),
    kind(F::Lifecycle, "not_paid_out", Fi, W, C::StuckOrders,
        "The order's payment is not in a Shopify Payments payout past the usual schedule.",
        "Check the payment and any reserve in Shopify Payments."),
    kind(F::Lifecycle, "not_journaled", Fi, W, C::StuckOrders,
        "The order's payout is paid but not journaled in Stokly (often an unmatched payout line).",
        "Clear the payout's exceptions in the payouts check; the journal is posted on the next run."),
    kind(F::Lifecycle, "refund_not_credited", Fi, W, C::Payouts,
        "A refund given in Shopify has no credit document in Stokly.",
        "Post the credit document in Stokly against the original sale order."),
];
