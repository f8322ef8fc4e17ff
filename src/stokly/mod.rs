//! The Stokly REST client (resources being added).

mod auth;
mod budget;
mod client;
pub mod endpoints;
mod error;
mod filter;
mod ids;
pub mod model;
mod pagination;

pub use auth::DEFAULT_REFRESH_MARGIN;
pub use budget::{RateBudget, RateLimit};
pub use client::{Client, ClientBuilder, Environment, VisibilityPoll};
pub use endpoints::InferredEndpoints;
pub use error::Error;
pub use filter::{Field, Filter, FilterError, FilterValue, Op, Sort, SortDirection};
pub use ids::{
    AdjustmentId, BinId, ChannelId, CreditNoteId, CustomerId, DispatchId, IdError, InvoiceId,
    ItemAttributeId, ItemId, ItemTypeId, JournalId, ListingId, LocationId, MAX_ID_LEN, MappingId,
    PriceListId, SaleOrderId, SaleOrderLineId, TaxClassId, UNASSIGNED, UserId,
};
pub use pagination::{DEFAULT_MAX_PAGES, DEFAULT_PAGE_SIZE, ListQuery, MAX_PAGE_SIZE};
