//! Why a refund cannot be credited: one exception per problem.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::domain::exception::{DomainException, Flow, Owner, RecordRef, Severity, printable};
use crate::money::{CurrencyCode, Money};
use crate::shopify::{LineItemId, LocationId as ShopifyLocationId, OrderId, RefundId};
use crate::stokly::ItemId;

/// The refund an exception is about, and its order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RefundRef {
    /// The refund.
    pub refund_id: RefundId,
    /// The order.
    pub order_id: OrderId,
    /// The order's name.
    pub order_name: String,
}

impl fmt::Display for RefundRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "refund {} of order {}",
            self.refund_id.numeric_id(),
            printable(&self.order_name)
        )
    }
}

/// An account the refund needs that the configuration does not give.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RefundAccount {
    /// Refunded shipping.
    Shipping,
    /// Refunded duties.
    Duties,
    /// Adjustments and refund differences.
    Adjustments,
}

impl RefundAccount {
    fn label(self) -> &'static str {
        match self {
            Self::Shipping => "shipping",
            Self::Duties => "duties",
            Self::Adjustments => "adjustments",
        }
    }

    fn setter(self) -> &'static str {
        match self {
            Self::Shipping => "RefundMappingConfig::with_shipping_account",
            Self::Duties => "RefundMappingConfig::with_duties",
            Self::Adjustments => "RefundMappingConfig::with_adjustments",
        }
    }
}

/// One problem that stops a refund from being credited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum RefundException {
    /// A part of the refund was not read (a connection still says `hasNextPage`).
    IncompleteRefund {
        /// The refund.
        refund: RefundRef,
    },
    /// A refunded line is not on the posted sale order (a line the order never posted).
    LineNotPosted {
        /// The refund.
        refund: RefundRef,
        /// The Shopify line.
        line: LineItemId,
        /// Its SKU.
        sku: Option<String>,
    },
    /// More units refunded than the sale order carries for the line, counting the units the
    /// order's earlier refunds since posting took.
    MoreUnitsThanPosted {
        /// The refund.
        refund: RefundRef,
        /// The Shopify line.
        line: LineItemId,
        /// The Stokly item.
        item_id: ItemId,
        /// Units refunded.
        refunded: i64,
        /// Units posted.
        posted: i64,
        /// Units of the line the order's earlier refunds since posting took.
        #[serde(default)]
        earlier: i64,
    },
    /// A value Shopify gave cannot be credited (a quantity that is not positive, a negative
    /// amount, an amount finer than the currency's minor unit).
    InvalidValue {
        /// The refund.
        refund: RefundRef,
        /// The field, with the line where there is one (`refundLineItems[2].quantity`).
        field: String,
        /// The value as Shopify gave it.
        value: String,
        /// What is wrong.
        problem: String,
    },
    /// An amount is not in the currency the sale order was posted in.
    OtherCurrency {
        /// The refund.
        refund: RefundRef,
        /// The field.
        field: String,
        /// The sale order's currency.
        expected: CurrencyCode,
        /// The amount's currency.
        found: CurrencyCode,
    },
    /// A restock type the crate does not know.
    UnknownRestockType {
        /// The refund.
        refund: RefundRef,
        /// The Shopify line.
        line: LineItemId,
        /// The value.
        value: String,
    },
    /// `CANCEL` (units never fulfilled) refunds units Stokly has already dispatched.
    CancelOfDispatchedUnits {
        /// The refund.
        refund: RefundRef,
        /// The Shopify line.
        line: LineItemId,
        /// The Stokly item.
        item_id: ItemId,
        /// Units cancelled.
        cancelled: i64,
        /// Units Stokly still has to dispatch.
        open: i64,
    },
    /// Goods are restocked at a Shopify location no Stokly location is configured for.
    UnmappedRestockLocation {
        /// The refund.
        refund: RefundRef,
        /// The Shopify line.
        line: LineItemId,
        /// The Shopify location (`None`: the refund named none).
        location: Option<ShopifyLocationId>,
    },
    /// The refund has an amount of a kind no account is configured for.
    UnmappedAccount {
        /// The refund.
        refund: RefundRef,
        /// Which account.
        account: RefundAccount,
        /// The amount.
        amount: Money,
    },
    /// Tax refunded on a line (or shipping) that had no tax lines to split it over.
    TaxWithoutTaxLines {
        /// The refund.
        refund: RefundRef,
        /// The field.
        field: String,
        /// The tax refunded.
        tax: Money,
    },
    /// The refund's parts differ from its total by more than the configured limit.
    DoesNotBalance {
        /// The refund.
        refund: RefundRef,
        /// Lines, shipping, duties and adjustments.
        parts: Money,
        /// `totalRefundedSet`.
        total: Money,
    },
}

impl RefundException {
    /// The refund.
    #[must_use]
    pub fn refund(&self) -> &RefundRef {
        match self {
            Self::IncompleteRefund { refund }
            | Self::LineNotPosted { refund, .. }
            | Self::MoreUnitsThanPosted { refund, .. }
            | Self::InvalidValue { refund, .. }
            | Self::OtherCurrency { refund, .. }
            | Self::UnknownRestockType { refund, .. }
            | Self::CancelOfDispatchedUnits { refund, .. }
            | Self::UnmappedRestockLocation { refund, .. }
            | Self::UnmappedAccount { refund, .. }
            | Self::TaxWithoutTaxLines { refund, .. }
            | Self::DoesNotBalance { refund, .. } => refund,
        }
    }
}

impl DomainException for RefundException {
    fn flow(&self) -> Flow {
        Flow::Refund
    }

    fn code(&self) -> &'static str {
        match self {
            Self::IncompleteRefund { .. } => "incomplete_refund",
            Self::LineNotPosted { .. } => "line_not_posted",
            Self::MoreUnitsThanPosted { .. } => "more_units_than_posted",
            Self::InvalidValue { .. } => "invalid_value",
            Self::OtherCurrency { .. } => "other_currency",
            Self::UnknownRestockType { .. } => "unknown_restock_type",
            Self::CancelOfDispatchedUnits { .. } => "cancel_of_dispatched_units",
            Self::UnmappedRestockLocation { .. } => "unmapped_restock_location",
            Self::UnmappedAccount { .. } => "unmapped_account",
            Self::TaxWithoutTaxLines { .. } => "tax_without_tax_lines",
            Self::DoesNotBalance { .. } => "does_not_balance",
        }
    }

    fn owner(&self) -> Owner {
        match self {
            Self::IncompleteRefund { .. }
            | Self::LineNotPosted { .. }
            | Self::MoreUnitsThanPosted { .. }
            | Self::CancelOfDispatchedUnits { .. }
            | Self::UnmappedRestockLocation { .. } => Owner::Operations,
            Self::InvalidValue { .. }
            | Self::OtherCurrency { .. }
            | Self::UnknownRestockType { .. }
            | Self::UnmappedAccount { .. }
            | Self::TaxWithoutTaxLines { .. }
            | Self::DoesNotBalance { .. } => Owner::Finance,
        }
    }

    fn severity(&self) -> Severity {
        Severity::Blocking
    }

    fn subject(&self) -> Vec<RecordRef> {
        let r = self.refund();
        let mut records = vec![
            RecordRef::ShopifyOrder {
                id: r.order_id.clone(),
                name: r.order_name.clone(),
            },
            RecordRef::ShopifyRefund {
                id: r.refund_id.clone(),
            },
        ];
        match self {
            Self::MoreUnitsThanPosted { item_id, .. }
            | Self::CancelOfDispatchedUnits { item_id, .. } => {
                records.push(RecordRef::StoklyItem {
                    id: item_id.clone(),
                    sku: None,
                });
            }
            Self::UnmappedRestockLocation {
                location: Some(location),
                ..
            } => records.push(RecordRef::ShopifyLocation {
                id: location.clone(),
            }),
            _ => {}
        }
        records
    }

    fn reason(&self) -> String {
        match self {
            Self::IncompleteRefund { refund } => {
                format!("{refund} was not read completely (a list still has a next page)")
            }
            Self::LineNotPosted { refund, line, sku } => format!(
                "{refund} refunds line {} (SKU \"{}\") that is not on the posted sale order",
                line.numeric_id(),
                printable(sku.as_deref().unwrap_or(""))
            ),
            Self::MoreUnitsThanPosted {
                refund,
                line,
                refunded,
                posted,
                earlier: 0,
                ..
            } => format!(
                "{refund} refunds {refunded} units of line {} but the sale order carries {posted}",
                line.numeric_id()
            ),
            Self::MoreUnitsThanPosted {
                refund,
                line,
                refunded,
                posted,
                earlier,
                ..
            } => format!(
                "{refund} refunds {refunded} units of line {} but the sale order carries {posted}, of which earlier refunds took {earlier}",
                line.numeric_id()
            ),
            Self::InvalidValue {
                refund,
                field,
                value,
                problem,
            } => format!("{refund}: {field} is \"{}\": {problem}", printable(value)),
            Self::OtherCurrency {
                refund,
                field,
                expected,
                found,
            } => format!(
                "{refund}: {field} is in {found} but the sale order was posted in {expected}"
            ),
            Self::UnknownRestockType {
                refund,
                line,
                value,
            } => format!(
                "{refund}: line {} has restock type \"{}\", which the crate does not know",
                line.numeric_id(),
                printable(value)
            ),
            Self::CancelOfDispatchedUnits {
                refund,
                line,
                cancelled,
                open,
                ..
            } => format!(
                "{refund} cancels {cancelled} unfulfilled units of line {} but Stokly has only {open} left to dispatch",
                line.numeric_id()
            ),
            Self::UnmappedRestockLocation {
                refund,
                line,
                location,
            } => match location {
                Some(l) => format!(
                    "{refund} restocks line {} at Shopify location {}, which maps to no Stokly location",
                    line.numeric_id(),
                    l.numeric_id()
                ),
                None => format!(
                    "{refund} restocks line {} without a location and no default restock location is set",
                    line.numeric_id()
                ),
            },
            Self::UnmappedAccount {
                refund,
                account,
                amount,
            } => format!(
                "{refund} refunds {amount} of {} but no {} account is configured",
                account.label(),
                account.label()
            ),
            Self::TaxWithoutTaxLines { refund, field, tax } => format!(
                "{refund}: {field} refunds tax {tax} but the sale order has no tax lines to split it over"
            ),
            Self::DoesNotBalance {
                refund,
                parts,
                total,
            } => format!(
                "{refund}: lines, shipping, duties and adjustments add up to {parts} but Shopify refunded {total}"
            ),
        }
    }

    fn fix_hint(&self) -> String {
        match self {
            Self::IncompleteRefund { .. } => {
                "Read the refund with the Shopify client's order_refunds, which pages through its lines."
                    .to_owned()
            }
            Self::LineNotPosted { .. } | Self::MoreUnitsThanPosted { .. } => {
                "Check the sale order in Stokly against the Shopify order; credit the refund by hand if the order was amended outside the crate."
                    .to_owned()
            }
            Self::InvalidValue { .. } | Self::UnknownRestockType { .. } => {
                "Check the refund in Shopify admin; credit it by hand if Shopify's values are right."
                    .to_owned()
            }
            Self::OtherCurrency { .. } => {
                "Map refunds with the currency policy the orders were posted with.".to_owned()
            }
            Self::CancelOfDispatchedUnits { .. } => {
                "The goods have left: ask the customer to return them, or credit without restock by hand."
                    .to_owned()
            }
            Self::UnmappedRestockLocation { .. } => {
                "Map the Shopify location with RefundMappingConfig::with_restock_location (or set a default restock location)."
                    .to_owned()
            }
            Self::UnmappedAccount { account, .. } => {
                format!("Configure the account with {}.", account.setter())
            }
            Self::TaxWithoutTaxLines { .. } => {
                "Check the order's tax lines in Shopify; credit the tax by hand to the right account."
                    .to_owned()
            }
            Self::DoesNotBalance { .. } => {
                "Compare the refund with its transactions in Shopify admin; raise the difference limit only if the difference is expected."
                    .to_owned()
            }
        }
    }
}

/// Why a refund gives no credit draft: every problem found, never only the first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RefundRejection {
    /// The refund.
    pub refund: RefundRef,
    /// The problems (at least one).
    pub exceptions: Vec<RefundException>,
}
