//! Passive serde wire types for what the crate reads from Shopify.

mod bulk;
mod catalogue;
mod fulfillment;
mod inventory;
mod order;
mod page;
mod payout;
mod price_list;
mod push;
mod refund;
mod shop;

pub use bulk::{BulkOperation, BulkOperationStatus};
pub use catalogue::{
    ProductRef, ProductStatus, ProductVariant, VariantComponent, VariantInventoryItem, VariantRef,
};
pub use fulfillment::{
    AssignedLocation, Fulfillment, FulfillmentHold, FulfillmentInput, FulfillmentLineItem,
    FulfillmentOrder, FulfillmentOrderAction, FulfillmentOrderLine, FulfillmentOrderLineItem,
    FulfillmentOrderLineItemInput, FulfillmentOrderLineItemsInput, FulfillmentOrderStatus,
    FulfillmentState, FulfillmentSummary, FulfillmentTrackingInfo, FulfillmentTrackingInput,
    LineItemGroupRef, OrderFulfillments, SupportedAction,
};
pub use inventory::{
    AbsentLevel, IdOnly, InventoryAdjustmentGroup, InventoryChange, InventoryItemRef,
    InventoryLevel, InventoryQuantity, InventoryQuantityInput, InventorySetQuantitiesInput,
    InventorySetQuantitiesPayload, ItemLevels, LevelAbsence, QuantityName,
};
pub use order::{
    AdditionalFee, CashRoundingAdjustment, Count, CountPrecision, DiscountAllocation,
    DiscountApplication, Duty, FinancialStatus, FulfillmentStatus, LineItem, LineItemGroup,
    MailingAddress, MoneyBag, NamedCompany, NamedCompanyLocation, Order, OrderCustomer, OrderRef,
    OrderTransaction, PurchasingEntity, ShippingLine, TaxLine, TransactionKind, TransactionStatus,
    VariantId,
};
pub use page::{Connection, PageInfo};
pub use payout::{
    AdjustmentOrder, AssociatedOrder, AssociatedPayout, BalanceSourceType, BalanceTransaction,
    BalanceTransactionPayoutStatus, BalanceTransactionType, Payout, PayoutStatus, PayoutSummary,
    PayoutTransactionType,
};
pub use price_list::{
    B2bPayload, CompanyLocation, CompanyLocationRef, CustomerPriceTags, FixedPrice,
    MetafieldsSetInput, PriceList, PriceListCatalog, PriceListPriceInput, PricedVariantRef,
    QuantityPriceBreak, QuantityPriceBreakInput, QuantityPriceBreaks, QuantityPricingUpdate,
    QuantityRule, QuantityRuleInput,
};
pub use push::{
    BulkCreateStrategy, InventoryItemInput, ProductVariantsBulkInput, ProductVariantsBulkPayload,
    PushedVariant, VariantOptionValueInput,
};
pub use refund::{
    AdjustmentReason, Disposition, DispositionType, DutyRef, FulfilledLineRef, LocationRef,
    OrderAdjustment, OrderRefunds, Refund, RefundDuty, RefundLineItem, RefundShippingLine,
    RefundedLine, RefundedShippingLine, RestockType, Return, ReturnRef, ReturnStatus,
    ReverseFulfillmentOrder, ReverseFulfillmentOrderLineItem,
};
pub use shop::{Location, Shop, ShopPlan, ShopResourceLimits};
