//! The Stokly REST client (being built: errors, IDs, the filter builder and the endpoint table
//! are in place; the transport and resources follow).

pub mod endpoints;
mod error;
mod filter;
mod ids;
pub mod model;

pub use endpoints::InferredEndpoints;
pub use error::Error;
pub use filter::{Field, Filter, FilterError, FilterValue, Op, Sort, SortDirection};
pub use ids::{
    AdjustmentId, BinId, ChannelId, CreditNoteId, CustomerId, DispatchId, IdError, InvoiceId,
    ItemAttributeId, ItemId, ItemTypeId, JournalId, ListingId, LocationId, MAX_ID_LEN, MappingId,
    PriceListId, SaleOrderId, SaleOrderLineId, TaxClassId, UNASSIGNED, UserId,
};
