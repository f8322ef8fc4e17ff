//! Passive serde wire types for what the crate reads from Shopify.

mod bulk;
mod catalogue;
mod inventory;
mod order;
mod page;
mod payout;
mod push;
mod shop;

pub use bulk::{BulkOperation, BulkOperationStatus};
pub use catalogue::{
    ProductRef, ProductStatus, ProductVariant, VariantComponent, VariantInventoryItem, VariantRef,
};
pub use inventory::{
    IdOnly, InventoryAdjustmentGroup, InventoryChange, InventoryItemRef, InventoryLevel,
    InventoryQuantity, InventoryQuantityInput, InventorySetQuantitiesInput,
    InventorySetQuantitiesPayload, QuantityName,
};
pub use order::{
    DiscountAllocation, DiscountApplication, FinancialStatus, FulfillmentStatus, LineItem,
    LineItemGroup, MailingAddress, MoneyBag, NamedCompany, NamedCompanyLocation, Order,
    OrderCustomer, OrderRef, OrderTransaction, PurchasingEntity, ShippingLine, TaxLine,
    TransactionKind, TransactionStatus, VariantId,
};
pub use page::{Connection, PageInfo};
pub use payout::{
    AdjustmentOrder, AssociatedOrder, AssociatedPayout, BalanceSourceType, BalanceTransaction,
    BalanceTransactionPayoutStatus, BalanceTransactionType, Payout, PayoutStatus, PayoutSummary,
    PayoutTransactionType,
};
pub use push::{
    BulkCreateStrategy, InventoryItemInput, ProductVariantsBulkInput, ProductVariantsBulkPayload,
    PushedVariant, VariantOptionValueInput,
};
pub use shop::{Location, Shop, ShopPlan, ShopResourceLimits};
