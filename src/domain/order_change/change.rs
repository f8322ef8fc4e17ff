//! What changed in Shopify since the sale order was posted: the posted draft against the
//! order as it maps now.

use std::fmt;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::exception::printable;
use crate::domain::order::{DraftLine, OrderRejection, SaleOrderDraft, SkipReason};
use crate::money::Money;
use crate::shopify::LineItemId;
use crate::shopify::model::Order;
use crate::stokly::ItemId;
use crate::stokly::model::{Address, PersonName};

/// The Shopify order as it stands now, as far as the sale order is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ShopifyOrderState<'a> {
    /// Live: the re-read order, mapped with [`map_order`](crate::domain::order::map_order).
    Live(&'a SaleOrderDraft),
    /// Shopify cancelled the order (`cancelledAt` is set).
    Cancelled {
        /// When.
        at: DateTime<Utc>,
        /// Shopify's `cancelReason`.
        reason: Option<String>,
    },
    /// Not cancelled, but no line has a current unit left (every unit removed by edits or
    /// refunded): there is nothing left to fulfil.
    NoUnitsLeft,
}

impl<'a> ShopifyOrderState<'a> {
    /// The state of the re-read `order`, given what `map_order` made of it.
    ///
    /// Map the re-read order with a gate that admits the financial statuses an edited or
    /// refunded order can have (`PARTIALLY_PAID`, `PARTIALLY_REFUNDED`, `REFUNDED`...), or the
    /// gate's skip hides the change.
    ///
    /// # Errors
    /// The rejection itself, when the order as it stands cannot be judged: it was rejected
    /// (its exceptions are the ones to queue), or the gate skipped it for another reason
    /// than a cancellation or no units left.
    pub fn from_mapping(
        order: &Order,
        mapped: &'a Result<SaleOrderDraft, OrderRejection>,
    ) -> Result<Self, &'a OrderRejection> {
        if let Some(at) = order.cancelled_at {
            return Ok(Self::Cancelled {
                at,
                reason: order.cancel_reason.clone(),
            });
        }
        match mapped {
            Ok(draft) => Ok(Self::Live(draft)),
            Err(OrderRejection::Skipped {
                reason: SkipReason::NothingToPost,
                ..
            }) => Ok(Self::NoUnitsLeft),
            Err(other) => Err(other),
        }
    }
}

/// Why a sale order is to be cancelled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "cause", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Cancellation {
    /// Shopify cancelled the order.
    CancelledInShopify {
        /// When.
        at: DateTime<Utc>,
        /// Shopify's `cancelReason` (`CUSTOMER`, `INVENTORY`...).
        reason: Option<String>,
    },
    /// Every unit was removed by edits or refunded, without a cancellation.
    NoUnitsLeft,
}

impl fmt::Display for Cancellation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CancelledInShopify { at, reason } => {
                write!(f, "cancelled in Shopify at {}", at.to_rfc3339())?;
                match reason {
                    Some(reason) => write!(f, " (reason {})", printable(reason)),
                    None => Ok(()),
                }
            }
            Self::NoUnitsLeft => f.write_str("every unit removed or refunded in Shopify"),
        }
    }
}

/// The Shopify line a change is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LineRef {
    /// The Shopify line.
    pub shopify_line_id: LineItemId,
    /// Its SKU.
    pub sku: String,
    /// The Stokly item it posts as.
    pub item_id: ItemId,
    /// Its name.
    pub name: String,
}

impl LineRef {
    /// The line of `line`.
    #[must_use]
    pub fn of(line: &DraftLine) -> Self {
        Self {
            shopify_line_id: line.shopify_line_id.clone(),
            sku: line.sku.clone(),
            item_id: line.item_id.clone(),
            name: line.name.clone(),
        }
    }
}

impl fmt::Display for LineRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {} \"{}\" (SKU \"{}\")",
            self.shopify_line_id.numeric_id(),
            printable(&self.name),
            printable(&self.sku)
        )
    }
}

/// A line's amounts, as a draft line holds them (see [`DraftLine`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LineAmounts {
    /// Net unit price (rounded).
    pub unit_price: Decimal,
    /// Unit tax (rounded).
    pub unit_tax: Decimal,
    /// Unit discount (rounded).
    pub unit_discount: Decimal,
    /// Net line price after discounts.
    pub line_price: Money,
    /// Line tax.
    pub line_tax: Money,
    /// What the discounts took off the line.
    pub line_discount: Money,
    /// `line_price + line_tax`.
    pub line_total: Money,
}

impl LineAmounts {
    /// The amounts of `line`.
    #[must_use]
    pub fn of(line: &DraftLine) -> Self {
        Self {
            unit_price: line.unit_price,
            unit_tax: line.unit_tax,
            unit_discount: line.unit_discount,
            line_price: line.line_price,
            line_tax: line.line_tax,
            line_discount: line.line_discount,
            line_total: line.line_total,
        }
    }
}

/// Where and how the order ships, and what shipping costs: the parts of the draft's shipping
/// compared for changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ShippingDetails {
    /// The shipping method.
    pub method: Option<String>,
    /// Recipient.
    pub recipient: Option<PersonName>,
    /// Delivery address.
    pub address: Option<Address>,
    /// Net shipping cost.
    pub cost: Money,
    /// Tax on shipping.
    pub tax: Money,
}

impl ShippingDetails {
    /// The shipping of `draft`.
    #[must_use]
    pub fn of(draft: &SaleOrderDraft) -> Self {
        let shipping = draft.shipping();
        Self {
            method: shipping.method.clone(),
            recipient: shipping.recipient.clone(),
            address: shipping.address.clone(),
            cost: shipping.cost,
            tax: shipping.tax,
        }
    }

    /// The parts that differ from `other`: `address`, `recipient`, `method`, `cost`, `tax`.
    #[must_use]
    pub fn differences(&self, other: &Self) -> Vec<&'static str> {
        let mut parts = Vec::new();
        if self.address != other.address {
            parts.push("address");
        }
        if self.recipient != other.recipient {
            parts.push("recipient");
        }
        if self.method != other.method {
            parts.push("method");
        }
        if self.cost != other.cost {
            parts.push("cost");
        }
        if self.tax != other.tax {
            parts.push("tax");
        }
        parts
    }
}

/// One difference between the posted sale order and the Shopify order now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
#[non_exhaustive]
pub enum OrderChange {
    /// The order is to be cancelled.
    Cancelled {
        /// Why.
        cancellation: Cancellation,
    },
    /// A line's current quantity changed; its amounts are Shopify's for the new quantity.
    QuantityChanged {
        /// The line.
        line: LineRef,
        /// Units posted.
        from: i64,
        /// Units now.
        to: i64,
        /// The amounts posted.
        before: LineAmounts,
        /// The amounts now.
        after: LineAmounts,
    },
    /// A line's amounts changed at the same quantity (a discount added or removed by an
    /// edit).
    PriceChanged {
        /// The line.
        line: LineRef,
        /// Units (unchanged).
        quantity: i64,
        /// The amounts posted.
        before: LineAmounts,
        /// The amounts now.
        after: LineAmounts,
    },
    /// A line is on the order now that was not posted (added by an edit). A Shopify line
    /// that now maps to another Stokly item shows as removed and added.
    LineAdded {
        /// The new line, with its amounts.
        line: DraftLine,
    },
    /// A posted line is gone, or has no current units left.
    LineRemoved {
        /// The line.
        line: LineRef,
        /// Units posted.
        quantity: i64,
    },
    /// The shipping address, recipient, method, cost or tax changed.
    ShippingChanged {
        /// As posted.
        before: ShippingDetails,
        /// Now.
        after: ShippingDetails,
    },
}

impl OrderChange {
    /// The Stokly item a line change is about (`None` for order-level changes).
    #[must_use]
    pub fn item(&self) -> Option<(&ItemId, &str)> {
        match self {
            Self::QuantityChanged { line, .. }
            | Self::PriceChanged { line, .. }
            | Self::LineRemoved { line, .. } => Some((&line.item_id, line.sku.as_str())),
            Self::LineAdded { line } => Some((&line.item_id, line.sku.as_str())),
            Self::Cancelled { .. } | Self::ShippingChanged { .. } => None,
        }
    }
}

impl fmt::Display for OrderChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cancelled { cancellation } => write!(f, "{cancellation}"),
            Self::QuantityChanged {
                line,
                from,
                to,
                after,
                ..
            } => write!(
                f,
                "{line}: quantity {from} -> {to} (line total now {})",
                after.line_total
            ),
            Self::PriceChanged {
                line,
                before,
                after,
                ..
            } => write!(
                f,
                "{line}: line total {} -> {}",
                before.line_total, after.line_total
            ),
            Self::LineAdded { line } => write!(
                f,
                "{} added: {} units, line total {}",
                LineRef::of(line),
                line.quantity,
                line.line_total
            ),
            Self::LineRemoved { line, quantity } => {
                write!(f, "{line} removed ({quantity} units posted)")
            }
            Self::ShippingChanged { before, after } => {
                write!(
                    f,
                    "shipping {} changed",
                    before.differences(after).join(", ")
                )
            }
        }
    }
}

/// Every difference between the `posted` draft and the `current` one, in a fixed order:
/// posted lines in their order (changed or removed), then added lines in Shopify's order,
/// then shipping. Lines are matched on the Shopify line ID and the Stokly item; the
/// customer, payments, tags and rounding are not compared (the totals follow from lines and
/// shipping).
#[must_use]
pub fn diff_drafts(posted: &SaleOrderDraft, current: &SaleOrderDraft) -> Vec<OrderChange> {
    let mut changes = Vec::new();
    let mut taken = vec![false; current.lines().len()];
    for old in posted.lines() {
        let found = current.lines().iter().enumerate().find(|(i, new)| {
            new.shopify_line_id == old.shopify_line_id
                && new.item_id == old.item_id
                && !taken.get(*i).copied().unwrap_or(true)
        });
        let Some((index, new)) = found else {
            changes.push(OrderChange::LineRemoved {
                line: LineRef::of(old),
                quantity: old.quantity,
            });
            continue;
        };
        if let Some(slot) = taken.get_mut(index) {
            *slot = true;
        }
        let (before, after) = (LineAmounts::of(old), LineAmounts::of(new));
        if old.quantity != new.quantity {
            changes.push(OrderChange::QuantityChanged {
                line: LineRef::of(new),
                from: old.quantity,
                to: new.quantity,
                before,
                after,
            });
        } else if before != after {
            changes.push(OrderChange::PriceChanged {
                line: LineRef::of(new),
                quantity: new.quantity,
                before,
                after,
            });
        }
    }
    for (new, taken) in current.lines().iter().zip(&taken) {
        if !taken {
            changes.push(OrderChange::LineAdded { line: new.clone() });
        }
    }
    let (before, after) = (ShippingDetails::of(posted), ShippingDetails::of(current));
    if before != after {
        changes.push(OrderChange::ShippingChanged { before, after });
    }
    changes
}
