//! Every GraphQL document the crate sends, in one place. Documents that share fragments are
//! composed from fragment files at compile time, so each document carries exactly the
//! fragments it uses (GraphQL rejects unused ones).

macro_rules! document {
    ($($file:literal),+) => {
        concat!($(include_str!(concat!("graphql/", $file, ".graphql"))),+)
    };
}

pub(crate) const RUN_QUERY: &str = document!("bulk_operation_run_query");
pub(crate) const GET_OPERATION: &str = document!("bulk_operation");
pub(crate) const LEVELS: &str = document!("inventory_levels");
pub(crate) const ITEM_LEVELS: &str = document!("inventory_item_levels");
pub(crate) const SET_QUANTITIES: &str = document!("inventory_set_quantities");
pub(crate) const VARIANTS: &str = document!("product_variants");
pub(crate) const COMPONENTS: &str = document!("product_variant_components");
pub(crate) const BULK_UPDATE: &str = document!("product_variants_bulk_update");
pub(crate) const BULK_CREATE: &str = document!("product_variants_bulk_create");
pub(crate) const COUNT: &str = document!("product_variants_count");
pub(crate) const SHOP: &str = document!("shop");
pub(crate) const LOCATIONS: &str = document!("locations");
/// The bulk query that exports the whole catalogue (variants with their bundle components).
pub const BULK_PRODUCT_VARIANTS: &str = document!("bulk_product_variants");
pub(crate) const ORDER: &str = document!(
    "order",
    "money.fragments",
    "tax_line.fragments",
    "line_item.fragments",
    "shipping_line.fragments",
    "transaction.fragments"
);
pub(crate) const ORDER_TRANSACTIONS: &str = document!(
    "order_transactions",
    "money.fragments",
    "transaction.fragments"
);
pub(crate) const ORDER_LINE_ITEMS: &str = document!(
    "order_line_items",
    "money.fragments",
    "tax_line.fragments",
    "line_item.fragments"
);
pub(crate) const ORDER_SHIPPING_LINES: &str = document!(
    "order_shipping_lines",
    "money.fragments",
    "tax_line.fragments",
    "shipping_line.fragments"
);
pub(crate) const ORDERS_UPDATED: &str = document!("orders_updated");
/// The first read of several orders at once. It reuses the `Order` document's fragments
/// (`OrderFields` lives beside the `Order` operation), so it carries that operation too and is
/// always sent with its operation name; its fragment files must stay those of [`ORDER`].
pub(crate) const ORDERS_BY_ID: &str = document!(
    "orders_by_id",
    "order",
    "money.fragments",
    "tax_line.fragments",
    "line_item.fragments",
    "shipping_line.fragments",
    "transaction.fragments"
);
pub(crate) const ORDER_FULFILLMENT_ORDERS: &str =
    document!("fulfillment_orders", "fulfillment_order_line.fragments");
pub(crate) const FULFILLMENT_ORDER_LINE_ITEMS: &str = document!(
    "fulfillment_order_line_items",
    "fulfillment_order_line.fragments"
);
pub(crate) const FULFILLMENT_LINE_ITEMS: &str = document!("fulfillment_line_items");
pub(crate) const ORDER_FULFILLMENTS: &str = document!("fulfillment_state");
pub(crate) const FULFILLMENT_CREATE: &str = document!("fulfillment_create");
pub(crate) const FULFILLMENT_TRACKING_UPDATE: &str = document!("fulfillment_tracking_info_update");
pub(crate) const FULFILLMENT_ORDER_MOVE: &str = document!("fulfillment_order_move");
pub(crate) const PAYOUTS: &str = document!("payouts", "payout_money.fragments");
pub(crate) const BALANCE_TRANSACTIONS: &str =
    document!("payout_balance_transactions", "payout_money.fragments");
pub(crate) const ORDER_REFUNDS: &str = document!(
    "order_refunds",
    "refund.fragments",
    "refund_line.fragments",
    "money.fragments",
    "transaction.fragments"
);
pub(crate) const REFUND_LINE_ITEMS: &str = document!(
    "refund_line_items",
    "refund_line.fragments",
    "money.fragments"
);
pub(crate) const RETURN_DISPOSITIONS: &str = document!("return_dispositions");
pub(crate) const B2B_PRICE_LISTS: &str = document!("b2b_price_lists");
pub(crate) const B2B_CATALOG_COMPANY_LOCATIONS: &str = document!("b2b_catalog_company_locations");
pub(crate) const B2B_FIXED_PRICES: &str = document!("b2b_fixed_prices");
pub(crate) const B2B_QUANTITY_RULES: &str = document!("b2b_quantity_rules");
pub(crate) const B2B_COMPANY_LOCATIONS: &str = document!("b2b_company_locations");
pub(crate) const B2B_CUSTOMER_PRICE_TAGS: &str = document!("b2b_customer_price_tags");
pub(crate) const B2B_PRICE_LIST_CREATE: &str = document!("b2b_price_list_create");
pub(crate) const B2B_CATALOG_CREATE: &str = document!("b2b_catalog_create");
pub(crate) const B2B_CATALOG_CONTEXT_UPDATE: &str = document!("b2b_catalog_context_update");
pub(crate) const B2B_FIXED_PRICES_ADD: &str = document!("b2b_fixed_prices_add");
pub(crate) const B2B_FIXED_PRICES_DELETE: &str = document!("b2b_fixed_prices_delete");
pub(crate) const B2B_QUANTITY_RULES_ADD: &str = document!("b2b_quantity_rules_add");
pub(crate) const B2B_QUANTITY_PRICING_UPDATE: &str = document!("b2b_quantity_pricing_update");
pub(crate) const B2B_TAGS_ADD: &str = document!("b2b_tags_add");
pub(crate) const B2B_TAGS_REMOVE: &str = document!("b2b_tags_remove");
pub(crate) const B2B_METAFIELDS_SET: &str = document!("b2b_metafields_set");

/// Every document with its operation name (the bulk query has none). Tests validate each
/// against Shopify's schema; tools can list what the crate may send.
#[doc(hidden)]
pub const ALL: &[(&str, &str)] = &[
    ("BulkOperationRunQuery", RUN_QUERY),
    ("BulkOperation", GET_OPERATION),
    ("LocationInventoryLevels", LEVELS),
    ("InventoryItemLevels", ITEM_LEVELS),
    ("InventorySetQuantities", SET_QUANTITIES),
    ("ProductVariants", VARIANTS),
    ("ProductVariantComponents", COMPONENTS),
    ("ProductVariantsBulkUpdate", BULK_UPDATE),
    ("ProductVariantsBulkCreate", BULK_CREATE),
    ("ProductVariantsCount", COUNT),
    ("Shop", SHOP),
    ("Locations", LOCATIONS),
    ("BulkProductVariants", BULK_PRODUCT_VARIANTS),
    ("Order", ORDER),
    ("OrderLineItems", ORDER_LINE_ITEMS),
    ("OrderShippingLines", ORDER_SHIPPING_LINES),
    ("OrderTransactions", ORDER_TRANSACTIONS),
    ("OrdersUpdated", ORDERS_UPDATED),
    ("OrdersById", ORDERS_BY_ID),
    ("OrderFulfillmentOrders", ORDER_FULFILLMENT_ORDERS),
    ("OrderFulfillments", ORDER_FULFILLMENTS),
    ("FulfillmentOrderLineItems", FULFILLMENT_ORDER_LINE_ITEMS),
    ("FulfillmentLineItems", FULFILLMENT_LINE_ITEMS),
    ("FulfillmentCreate", FULFILLMENT_CREATE),
    ("FulfillmentTrackingInfoUpdate", FULFILLMENT_TRACKING_UPDATE),
    ("FulfillmentOrderMove", FULFILLMENT_ORDER_MOVE),
    ("ShopifyPaymentsPayouts", PAYOUTS),
    ("ShopifyPaymentsBalanceTransactions", BALANCE_TRANSACTIONS),
    ("OrderRefunds", ORDER_REFUNDS),
    ("RefundLineItems", REFUND_LINE_ITEMS),
    ("ReturnDispositions", RETURN_DISPOSITIONS),
    ("B2bPriceLists", B2B_PRICE_LISTS),
    ("B2bCatalogCompanyLocations", B2B_CATALOG_COMPANY_LOCATIONS),
    ("B2bFixedPrices", B2B_FIXED_PRICES),
    ("B2bQuantityRules", B2B_QUANTITY_RULES),
    ("B2bCompanyLocations", B2B_COMPANY_LOCATIONS),
    ("B2bCustomerPriceTags", B2B_CUSTOMER_PRICE_TAGS),
    ("B2bPriceListCreate", B2B_PRICE_LIST_CREATE),
    ("B2bCatalogCreate", B2B_CATALOG_CREATE),
    ("B2bCatalogContextUpdate", B2B_CATALOG_CONTEXT_UPDATE),
    ("B2bFixedPricesAdd", B2B_FIXED_PRICES_ADD),
    ("B2bFixedPricesDelete", B2B_FIXED_PRICES_DELETE),
    ("B2bQuantityRulesAdd", B2B_QUANTITY_RULES_ADD),
    ("B2bQuantityPricingUpdate", B2B_QUANTITY_PRICING_UPDATE),
    ("B2bTagsAdd", B2B_TAGS_ADD),
    ("B2bTagsRemove", B2B_TAGS_REMOVE),
    ("B2bMetafieldsSet", B2B_METAFIELDS_SET),
];
