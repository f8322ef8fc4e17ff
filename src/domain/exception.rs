//! The exception every domain flow reports: who owns it, how bad it is, which records it is
//! about, why, and what fixes it.
//!
//! # Design
//!
//! Each flow keeps its own findings as a `#[non_exhaustive]` enum with one variant per kind
//! (for example [`crate::domain::catalogue::CatalogueFinding`]). The variants carry the typed records
//! involved, so code can match on them, and tests can assert them field by field. Each such
//! enum implements [`DomainException`], which answers the questions every exception queue
//! and report asks:
//!
//! | method | answers |
//! | --- | --- |
//! | [`DomainException::flow`] | which flow raised it ([`Flow`]) |
//! | [`DomainException::code`] | a stable machine name for the kind, unique within the flow |
//! | [`DomainException::owner`] | which team acts on it ([`Owner`]) |
//! | [`DomainException::severity`] | whether records fail, drift or are merely noted ([`Severity`]) |
//! | [`DomainException::subject`] | the records involved, by typed ID and SKU ([`RecordRef`]) |
//! | [`DomainException::reason`] | one sentence a person can act on, naming the records |
//! | [`DomainException::fix_hint`] | what to change, and where |
//!
//! [`DomainException::to_record`] turns any finding into an [`ExceptionRecord`]: a plain,
//! `Serialize + Deserialize` row with the same facts as data. Queues, dashboards and reports
//! that mix flows store records; code inside a flow keeps the typed enum. A record's
//! [`ExceptionRecord::key`] is derived from its flow, code and subject only, so the same
//! problem found again on the next run has the same key (deduplicate on it; a key that is no
//! longer reported has been resolved).
//!
//! The trait is object safe, so a report can hold `&dyn DomainException` values from several
//! flows.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::shopify::{
    BalanceTransactionId, LocationId as ShopifyLocationId, OrderId, PayoutId, ProductId,
    ProductVariantId, RefundId,
};
use crate::stokly::{ItemId, ListingId, LocationId as StoklyLocationId};

/// The team that acts on an exception.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Owner {
    /// Accounts, journals, payouts, tax mappings.
    Finance,
    /// Stock, product master data in Stokly, locations, dispatch.
    Operations,
    /// The Shopify storefront: products, variants, listings, channel settings.
    Ecommerce,
}

impl Owner {
    /// The team's name as reports print it.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Finance => "Finance",
            Self::Operations => "Operations",
            Self::Ecommerce => "Ecommerce",
        }
    }
}

impl fmt::Display for Owner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// How much an exception hurts. Ordered by impact: `Blocking < Warning < Info`, so sorting
/// ascending puts the worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Records fail, or would be posted wrongly, until this is fixed.
    Blocking,
    /// Records go through, but stock, prices or reports will drift.
    Warning,
    /// Noted so a person knows; nothing goes wrong.
    Info,
}

impl Severity {
    /// The severity's name as reports print it.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Blocking => "Blocking",
            Self::Warning => "Warning",
            Self::Info => "Info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The domain flow an exception comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Flow {
    /// SKU matching, the catalogue audit and the product push ([`crate::domain::catalogue`]).
    Catalogue,
    /// Shopify orders posted as Stokly sale orders.
    Order,
    /// Edits and cancellations of posted orders.
    OrderChange,
    /// Stock levels pushed from Stokly to Shopify.
    Inventory,
    /// Dispatches and tracking sent back to Shopify.
    Fulfilment,
    /// Shopify refunds as Stokly credit documents.
    Refund,
    /// Shopify Payments payouts as journals.
    Payout,
    /// Tax lines mapped to accounts.
    Tax,
    /// Orders past the expected time of a stage ([`crate::domain::lifecycle`]).
    Lifecycle,
    /// Stokly price lists pushed to Shopify ([`crate::domain::price_list`]).
    PriceList,
}

impl Flow {
    /// The flow's name in [`ExceptionRecord::key`] and reports.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Catalogue => "catalogue",
            Self::Order => "order",
            Self::OrderChange => "order_change",
            Self::Inventory => "inventory",
            Self::Fulfilment => "fulfilment",
            Self::Refund => "refund",
            Self::Payout => "payout",
            Self::Tax => "tax",
            Self::Lifecycle => "lifecycle",
            Self::PriceList => "price_list",
        }
    }
}

impl fmt::Display for Flow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One record an exception is about, named by its typed ID (and SKU where it has one).
///
/// SKUs are kept exactly as the system holds them, invisible characters included;
/// [`Display`](fmt::Display) shows such characters as `<U+200B>` so a person can see them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
#[non_exhaustive]
pub enum RecordRef {
    /// A Shopify product variant.
    ShopifyVariant {
        /// The variant.
        id: ProductVariantId,
        /// Its SKU as Shopify holds it (`None` when unset).
        sku: Option<String>,
    },
    /// A Shopify product.
    ShopifyProduct {
        /// The product.
        id: ProductId,
        /// Its title.
        title: String,
    },
    /// A Stokly item.
    StoklyItem {
        /// The item.
        id: ItemId,
        /// Its SKU as Stokly holds it (`None` when unset).
        sku: Option<String>,
    },
    /// A Stokly listing (one item published to one channel).
    StoklyListing {
        /// The listing.
        id: ListingId,
    },
    /// A barcode shared by several records.
    Barcode {
        /// The barcode.
        barcode: String,
    },
    /// A Shopify order.
    ShopifyOrder {
        /// The order.
        id: OrderId,
        /// Its name (`#1001`).
        name: String,
    },
    /// A Shopify location.
    ShopifyLocation {
        /// The location.
        id: ShopifyLocationId,
    },
    /// A Stokly location.
    StoklyLocation {
        /// The location.
        id: StoklyLocationId,
    },
    /// A Shopify Payments payout.
    ShopifyPayout {
        /// The payout.
        id: PayoutId,
    },
    /// A Shopify Payments balance transaction.
    ShopifyBalanceTransaction {
        /// The transaction.
        id: BalanceTransactionId,
    },
    /// A Shopify refund.
    ShopifyRefund {
        /// The refund.
        id: RefundId,
    },
    /// A Stokly price list (**inferred** resource).
    StoklyPriceList {
        /// The price list.
        id: crate::stokly::PriceListId,
    },
    /// A Stokly customer.
    StoklyCustomer {
        /// The customer.
        id: crate::stokly::CustomerId,
    },
}

impl fmt::Display for RecordRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ShopifyVariant { id, sku } => {
                write!(f, "Shopify variant {}", id.numeric_id())?;
                write_sku(f, sku.as_deref())
            }
            Self::ShopifyProduct { id, title } => {
                write!(
                    f,
                    "Shopify product {} \"{}\"",
                    id.numeric_id(),
                    printable(title)
                )
            }
            Self::StoklyItem { id, sku } => {
                write!(f, "Stokly item {id}")?;
                write_sku(f, sku.as_deref())
            }
            Self::StoklyListing { id } => write!(f, "Stokly listing {id}"),
            Self::Barcode { barcode } => write!(f, "barcode \"{}\"", printable(barcode)),
            Self::ShopifyOrder { id, name } => {
                write!(f, "Shopify order {} ({})", printable(name), id.numeric_id())
            }
            Self::ShopifyLocation { id } => write!(f, "Shopify location {}", id.numeric_id()),
            Self::StoklyLocation { id } => write!(f, "Stokly location {id}"),
            Self::ShopifyPayout { id } => write!(f, "Shopify payout {}", id.numeric_id()),
            Self::ShopifyBalanceTransaction { id } => {
                write!(f, "Shopify balance transaction {}", id.numeric_id())
            }
            Self::ShopifyRefund { id } => write!(f, "Shopify refund {}", id.numeric_id()),
            Self::StoklyPriceList { id } => write!(f, "Stokly price list {id}"),
            Self::StoklyCustomer { id } => write!(f, "Stokly customer {id}"),
        }
    }
}

fn write_sku(f: &mut fmt::Formatter<'_>, sku: Option<&str>) -> fmt::Result {
    match sku {
        Some(sku) => write!(f, " (SKU \"{}\")", printable(sku)),
        None => f.write_str(" (no SKU)"),
    }
}

/// Whether a character is invisible or easily mistaken for an ordinary space when printed:
/// zero-width space, non-joiner and joiner, word joiner, byte-order mark, soft hyphen, and the
/// non-breaking and other non-ASCII spaces, plus control characters.
#[must_use]
pub fn is_hidden_char(c: char) -> bool {
    matches!(
        c,
        '\u{00A0}' | '\u{00AD}' | '\u{180E}' | '\u{2000}'..='\u{200F}' | '\u{2028}'..='\u{202F}'
            | '\u{205F}'..='\u{2064}' | '\u{3000}' | '\u{FEFF}'
    ) || c.is_control()
}

/// `text` with every hidden character (see [`is_hidden_char`]) written as `<U+XXXX>`, so
/// that two values that print alike can be told apart in a report. Leading and trailing
/// ASCII spaces stay as they are; reports quote the value so they can be seen. Borrows when
/// there is nothing to spell out.
#[must_use]
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_hidden_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_hidden_char(c) {
            out.push_str(&format!("<U+{:04X}>", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A finding of one flow, as every exception queue and report sees it. See the
/// [module docs](self) for the design.
pub trait DomainException {
    /// The flow that raised it.
    fn flow(&self) -> Flow;

    /// A stable machine name for the kind, unique within the flow (`duplicate_shopify_sku`).
    fn code(&self) -> &'static str;

    /// The team that acts on it.
    fn owner(&self) -> Owner;

    /// How much it hurts.
    fn severity(&self) -> Severity;

    /// The records involved, most important first.
    fn subject(&self) -> Vec<RecordRef>;

    /// Why it is an exception, in one or two sentences naming the records.
    fn reason(&self) -> String;

    /// What to change, and in which system, to clear it.
    fn fix_hint(&self) -> String;

    /// The same facts as a plain, serialisable record.
    fn to_record(&self) -> ExceptionRecord {
        ExceptionRecord {
            flow: self.flow(),
            code: self.code().to_owned(),
            owner: self.owner(),
            severity: self.severity(),
            subject: self.subject(),
            reason: self.reason(),
            fix_hint: self.fix_hint(),
        }
    }
}

/// Any flow's finding as plain data, for queues, stores and reports that mix flows.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ExceptionRecord {
    /// The flow that raised it.
    pub flow: Flow,
    /// The kind ([`DomainException::code`]).
    pub code: String,
    /// The team that acts on it.
    pub owner: Owner,
    /// How much it hurts.
    pub severity: Severity,
    /// The records involved.
    pub subject: Vec<RecordRef>,
    /// Why it is an exception.
    pub reason: String,
    /// What fixes it.
    pub fix_hint: String,
}

impl ExceptionRecord {
    /// A stable identity for the problem: flow, code and the subject's IDs (and SKUs or
    /// barcodes), joined with `/`. The same problem found on another run has the same key;
    /// the wording of `reason` and `fix_hint` does not enter it.
    #[must_use]
    pub fn key(&self) -> String {
        let mut key = format!("{}/{}", self.flow, self.code);
        for record in &self.subject {
            key.push('/');
            match record {
                RecordRef::ShopifyVariant { id, .. } => key.push_str(id.as_str()),
                RecordRef::ShopifyProduct { id, .. } => key.push_str(id.as_str()),
                RecordRef::StoklyItem { id, .. } => {
                    key.push_str("stokly:item:");
                    key.push_str(id.as_str());
                }
                RecordRef::StoklyListing { id } => {
                    key.push_str("stokly:listing:");
                    key.push_str(id.as_str());
                }
                RecordRef::Barcode { barcode } => {
                    key.push_str("barcode:");
                    key.push_str(barcode);
                }
                RecordRef::ShopifyOrder { id, .. } => key.push_str(id.as_str()),
                RecordRef::ShopifyLocation { id } => key.push_str(id.as_str()),
                RecordRef::StoklyLocation { id } => {
                    key.push_str("stokly:location:");
                    key.push_str(id.as_str());
                }
                RecordRef::ShopifyPayout { id } => key.push_str(id.as_str()),
                RecordRef::ShopifyBalanceTransaction { id } => key.push_str(id.as_str()),
                RecordRef::ShopifyRefund { id } => key.push_str(id.as_str()),
                RecordRef::StoklyPriceList { id } => {
                    key.push_str("stokly:price_list:");
                    key.push_str(id.as_str());
                }
                RecordRef::StoklyCustomer { id } => {
                    key.push_str("stokly:customer:");
                    key.push_str(id.as_str());
                }
            }
        }
        key
    }
}

impl<T: DomainException + ?Sized> From<&T> for ExceptionRecord {
    fn from(exception: &T) -> Self {
        exception.to_record()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_and_locations_enter_the_key() {
        let record = |order: u64, location: u64| ExceptionRecord {
            flow: Flow::Order,
            code: "unknown_sku".into(),
            owner: Owner::Ecommerce,
            severity: Severity::Blocking,
            subject: vec![
                RecordRef::ShopifyOrder {
                    id: OrderId::from_numeric(order),
                    name: format!("#{order}"),
                },
                RecordRef::ShopifyLocation {
                    id: ShopifyLocationId::from_numeric(location),
                },
                RecordRef::StoklyLocation {
                    id: StoklyLocationId::new("wh-a").unwrap(),
                },
            ],
            reason: String::new(),
            fix_hint: String::new(),
        };
        assert_eq!(
            record(1001, 7).key(),
            "order/unknown_sku/gid://shopify/Order/1001/gid://shopify/Location/7/stokly:location:wh-a"
        );
        assert_ne!(record(1001, 7).key(), record(1002, 7).key());
        assert_ne!(record(1001, 7).key(), record(1001, 8).key());
        assert_eq!(
            RecordRef::ShopifyOrder {
                id: OrderId::from_numeric(5),
                name: "#1005".into()
            }
            .to_string(),
            "Shopify order #1005 (5)"
        );
    }

    struct Sample;

    impl DomainException for Sample {
        fn flow(&self) -> Flow {
            Flow::Catalogue
        }
        fn code(&self) -> &'static str {
            "sample"
        }
        fn owner(&self) -> Owner {
            Owner::Operations
        }
        fn severity(&self) -> Severity {
            Severity::Warning
        }
        fn subject(&self) -> Vec<RecordRef> {
            vec![
                RecordRef::StoklyItem {
                    id: ItemId::new("item-1").unwrap(),
                    sku: Some("AB\u{200B}C".into()),
                },
                RecordRef::ShopifyVariant {
                    id: ProductVariantId::from_numeric(7),
                    sku: None,
                },
            ]
        }
        fn reason(&self) -> String {
            "a reason".into()
        }
        fn fix_hint(&self) -> String {
            "a hint".into()
        }
    }

    #[test]
    fn a_record_carries_every_fact_and_round_trips_through_json() {
        let record = Sample.to_record();
        assert_eq!(record.flow, Flow::Catalogue);
        assert_eq!(record.code, "sample");
        assert_eq!(record.owner, Owner::Operations);
        assert_eq!(record.severity, Severity::Warning);
        assert_eq!(record.subject.len(), 2);
        let json = serde_json::to_value(&record).unwrap();
        assert_eq!(json["owner"], "operations");
        assert_eq!(json["subject"][0]["record"], "stokly_item");
        assert_eq!(json["subject"][1]["id"], "gid://shopify/ProductVariant/7");
        let back: ExceptionRecord = serde_json::from_value(json).unwrap();
        assert_eq!(back, record);
    }

    #[test]
    fn the_key_depends_on_identity_not_wording() {
        let record = Sample.to_record();
        assert_eq!(
            record.key(),
            "catalogue/sample/stokly:item:item-1/gid://shopify/ProductVariant/7"
        );
        let mut reworded = record.clone();
        reworded.reason = "another wording".into();
        assert_eq!(reworded.key(), record.key());
    }

    #[test]
    fn trait_objects_work_and_severity_sorts_worst_first() {
        let findings: Vec<&dyn DomainException> = vec![&Sample];
        let records: Vec<ExceptionRecord> = findings.iter().map(|f| f.to_record()).collect();
        assert_eq!(records.len(), 1);
        let mut severities = vec![Severity::Info, Severity::Blocking, Severity::Warning];
        severities.sort();
        assert_eq!(
            severities,
            vec![Severity::Blocking, Severity::Warning, Severity::Info]
        );
    }

    #[test]
    fn display_shows_hidden_characters() {
        let subject = Sample.subject();
        assert_eq!(
            subject[0].to_string(),
            "Stokly item item-1 (SKU \"AB<U+200B>C\")"
        );
        assert_eq!(subject[1].to_string(), "Shopify variant 7 (no SKU)");
        assert_eq!(
            printable("\u{FEFF}A\u{00A0}B\u{00AD}"),
            "<U+FEFF>A<U+00A0>B<U+00AD>"
        );
        assert_eq!(printable(" plain "), " plain ");
    }
}
