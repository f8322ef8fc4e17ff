//! Passive serde wire types for Stokly, written from the shapes seen in public code.
//!
//! Field names follow Stokly's JSON exactly (camelCase, plus the odd `accountkey` and
//! `stokly_type`). Every read model keeps the fields it does not know in `extra`, so new or
//! unmodelled fields never break decoding and survive a round trip. Numbers that arrive as
//! numbers or strings both decode; amounts and quantities are exact [`rust_decimal::Decimal`]s.
//! Types in [`inferred`] are guesses for resources no public source shows.

mod channel;
pub(crate) mod codes;
mod common;
mod customer;
mod envelope;
pub mod inferred;
mod inventory;
mod invoice;
mod item;
pub mod journal;
pub(crate) mod lenient;
mod location;
mod sale_order;

pub use channel::{
    Channel, ChannelSettings, ChannelStatus, ChannelType, Listing, ListingAttribute, ListingData,
    ListingMessage, ListingMessageType, ListingStatus, ListingType,
};
pub use common::{Address, Amount, AttributeValue, Contact, Extra, Image, PersonName};
pub use customer::{Customer, CustomerName, CustomerType, NewCustomer};
pub use envelope::Page;
pub(crate) use envelope::{CreatedData, DataEnvelope, ErrorBody, ListEnvelope};
pub use inventory::{AdjustmentLine, InventoryRecord, NewAdjustment, RecordLevel};
pub use invoice::SaleInvoice;
pub use item::{
    Acquisition, BarcodeMatch, ComposingItem, Item, ItemBarcode, ItemChild, ItemFormat, ItemPatch,
    ItemStatus, NewItem, NewVariableItem,
};
pub use location::{Bin, BinStatus, BinType, Location, LocationStatus};
pub use sale_order::{
    CollectItems, CollectLine, CustomerRef, FulfilmentType, InvoiceLine, InvoiceStatus, LineStatus,
    LineType, NewInvoice, NewSaleOrder, NewSaleOrderLine, Payment, SaleOrder, SaleOrderLine,
    SaleOrderPatch, SaleOrderStage, Shipping, SourceType,
};
