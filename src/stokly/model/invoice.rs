//! Sale invoices.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::common::Extra;
use super::lenient;
use super::sale_order::InvoiceStatus;
use crate::money::CurrencyCode;
use crate::stokly::ids::{InvoiceId, SaleOrderId};

/// A sale invoice as `GET /v0/invoices` returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SaleInvoice {
    /// The invoice's ID.
    pub sale_invoice_id: InvoiceId,
    /// Invoice number.
    #[serde(
        default,
        with = "lenient::option_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub invoice_number: Option<String>,
    /// Sequence number.
    #[serde(
        default,
        with = "lenient::option_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub nice_id: Option<u64>,
    /// Issue date.
    #[serde(
        default,
        with = "lenient::option_datetime",
        skip_serializing_if = "Option::is_none"
    )]
    pub issue_date: Option<DateTime<Utc>>,
    /// Currency.
    #[serde(
        default,
        with = "lenient::option_currency",
        skip_serializing_if = "Option::is_none"
    )]
    pub currency: Option<CurrencyCode>,
    /// Status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<InvoiceStatus>,
    /// The order invoiced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sale_order_id: Option<SaleOrderId>,
    /// That order's sequence number.
    #[serde(
        default,
        with = "lenient::option_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub sale_order_nice_id: Option<u64>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}
