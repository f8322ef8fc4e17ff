//! Every Stokly path the client calls, in one place.
//!
//! Paths are relative to the base URL (`https://api.stok.ly`). `{id}` stands for a
//! percent-encoded ID. The version prefix is chosen per resource by Stokly (`/v0/items`,
//! `/v1/inventory-records`, `/v2/saleorders`), so it is part of each path.
//!
//! The constants are the paths seen in public code that calls the API. The paths in
//! [`InferredEndpoints`] were **not** seen anywhere: they are guesses by analogy, kept in that
//! one struct so that an integrator who learns the real path overrides one field with
//! [`ClientBuilder::inferred_endpoints`](super::ClientBuilder::inferred_endpoints), without
//! touching the crate.

use std::borrow::Cow;

use super::filter::percent_encode;

/// `POST`: exchange account key, client id and signature for an access token.
pub const GRANT: &str = "/v1/grant";

/// `GET` list, `POST` create.
pub const ITEMS: &str = "/v0/items";
/// `GET` one, `PATCH` (not for variable parents).
pub const ITEM: &str = "/v0/items/{id}";
/// `GET`: a variable parent's variants, or a composite's parts with `composingItemQuantity`.
pub const ITEM_CHILDREN: &str = "/v0/items/{id}/children";
/// `GET`: the barcodes of one item.
pub const ITEM_BARCODES: &str = "/v0/items/{id}/barcodes";
/// `GET`: barcode-to-item look-up across all items (`[barcode]=={...}`).
pub const BARCODE_LOOKUP: &str = "/v0/item-barcodes";
/// `GET`: every (composite, component, quantity) triple.
pub const COMPOSING_ITEMS: &str = "/v0/composing-items";
/// `POST`: create a variable (parent) item.
pub const VARIABLE_ITEMS: &str = "/v0/variable-items";
/// `PATCH`: update a variable (parent) item; `/v0/items/{id}` answers 400 for those.
pub const VARIABLE_ITEM: &str = "/v0/variable-items/{id}";

/// `GET` list.
pub const CHANNELS: &str = "/v0/channels";
/// `GET` one.
pub const CHANNEL: &str = "/v0/channels/{id}";
/// `GET`: the listings of one channel.
pub const CHANNEL_LISTINGS: &str = "/v0/channels/{id}/listings";
/// `GET` one listing with its override packet.
pub const LISTING: &str = "/v0/listings/{id}";
/// `GET`: a listing's sync messages.
pub const LISTING_MESSAGES: &str = "/v0/listings/{id}/messages";
/// `POST` (no body): schedule a push of one listing to its channel.
pub const LISTING_SYNCHRONISATIONS: &str = "/v0/listings/{id}/synchronisations";

/// `GET` list.
pub const LOCATIONS: &str = "/v0/locations";
/// `GET`: the bins of one location (`[default]=={1}` finds the default bin).
pub const LOCATION_BINS: &str = "/v0/locations/{id}/bins";
/// `GET`: bins across locations (`[locationId]=={...}`).
pub const BINS: &str = "/v0/bins";

/// `GET`: stock levels per (item, location, bin), with `UNASSIGNED` aggregate rows.
pub const INVENTORY_RECORDS: &str = "/v1/inventory-records";
/// `POST`: a stock adjustment (signed deltas into one bin).
pub const ADJUSTMENTS: &str = "/v1/adjustments";

/// `GET` list, `POST` create (v2; v1 is not used).
pub const SALE_ORDERS: &str = "/v2/saleorders";
/// `GET` one, `PATCH`.
pub const SALE_ORDER: &str = "/v2/saleorders/{id}";
/// `GET`: the lines of a sale order.
pub const SALE_ORDER_ITEMS: &str = "/v2/saleorders/{id}/items";
/// `POST`: mark lines collected from a location.
pub const SALE_ORDER_COLLECT_ITEMS: &str = "/v2/saleorders/{id}/collect-items";
/// `POST`: invoice a sale order.
pub const SALE_ORDER_INVOICES: &str = "/v2/saleorders/{id}/invoices";

/// `GET` list, `POST` create.
pub const CUSTOMERS: &str = "/v0/customers";

/// `GET`: sale invoices.
pub const INVOICES: &str = "/v0/invoices";

/// Paths no public source shows. **Every one is inferred**; override any of them once the
/// real path is known (watch the Stokly web app's network calls on `api.dev.stok.ly`).
///
/// `{id}` is replaced by the percent-encoded ID of the parent record.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct InferredEndpoints {
    /// **Inferred.** `GET`: dispatches (shipments with tracking) of a sale order, shaped like
    /// the order's other sub-resources. Default `/v2/saleorders/{id}/dispatches`.
    pub sale_order_dispatches: Cow<'static, str>,
    /// **Inferred.** `POST`: a credit note (refund or return) against a sale order. Stokly's
    /// `/v0/credit-notes` is only seen creating gift vouchers. Default
    /// `/v2/saleorders/{id}/credit-notes`.
    pub sale_order_credit_notes: Cow<'static, str>,
    /// **Inferred.** `GET`: price lists. Default `/v0/price-lists`.
    pub price_lists: Cow<'static, str>,
    /// **Inferred.** `GET`: the customers a price list applies to. Default
    /// `/v0/price-lists/{id}/customers`.
    pub price_list_customers: Cow<'static, str>,
    /// **Inferred.** `GET`: a price list's item prices (with quantity rules and breaks).
    /// Default `/v0/price-lists/{id}/items`.
    pub price_list_items: Cow<'static, str>,
    /// **Inferred.** `POST`: a journal (payout accounting). Default `/v0/journals`.
    pub journals: Cow<'static, str>,
    /// **Inferred.** `POST`: adds lines to a sale order, shaped like the `items` of the
    /// create body (`GET` on the same path lists the lines, which is seen). Default
    /// `/v2/saleorders/{id}/items`.
    pub sale_order_add_items: Cow<'static, str>,
    /// **Inferred.** `PATCH` (quantity and amounts) and `DELETE` of one line of a sale order.
    /// Default `/v2/saleorders/{id}/items/{lineId}`.
    pub sale_order_line: Cow<'static, str>,
    /// **Inferred.** `POST`: cancels a sale order (which then shows stage `removed`, the
    /// only terminal stage seen). Default `/v2/saleorders/{id}/cancel`.
    pub sale_order_cancel: Cow<'static, str>,
    /// **Inferred.** `GET`: sales credit notes across sale orders, filterable like other
    /// lists (the refund flow looks them up by `[externalReference]=*{...}`, many refunds in
    /// one request). Default `/v2/credit-notes`.
    pub credit_notes: Cow<'static, str>,
}

impl Default for InferredEndpoints {
    fn default() -> Self {
        Self {
            sale_order_dispatches: Cow::Borrowed("/v2/saleorders/{id}/dispatches"),
            sale_order_credit_notes: Cow::Borrowed("/v2/saleorders/{id}/credit-notes"),
            price_lists: Cow::Borrowed("/v0/price-lists"),
            price_list_customers: Cow::Borrowed("/v0/price-lists/{id}/customers"),
            price_list_items: Cow::Borrowed("/v0/price-lists/{id}/items"),
            journals: Cow::Borrowed("/v0/journals"),
            sale_order_add_items: Cow::Borrowed("/v2/saleorders/{id}/items"),
            sale_order_line: Cow::Borrowed("/v2/saleorders/{id}/items/{lineId}"),
            sale_order_cancel: Cow::Borrowed("/v2/saleorders/{id}/cancel"),
            credit_notes: Cow::Borrowed("/v2/credit-notes"),
        }
    }
}

impl InferredEndpoints {
    /// Sets the sale-order dispatches path (must contain `{id}`).
    #[must_use]
    pub fn with_sale_order_dispatches(mut self, path: impl Into<Cow<'static, str>>) -> Self {
        self.sale_order_dispatches = path.into();
        self
    }
    /// Sets the sale-order credit-notes path (must contain `{id}`).
    #[must_use]
    pub fn with_sale_order_credit_notes(mut self, path: impl Into<Cow<'static, str>>) -> Self {
        self.sale_order_credit_notes = path.into();
        self
    }
    /// Sets the price-lists path.
    #[must_use]
    pub fn with_price_lists(mut self, path: impl Into<Cow<'static, str>>) -> Self {
        self.price_lists = path.into();
        self
    }
    /// Sets the path of a price list's customers (must contain `{id}`).
    #[must_use]
    pub fn with_price_list_customers(mut self, path: impl Into<Cow<'static, str>>) -> Self {
        self.price_list_customers = path.into();
        self
    }
    /// Sets the path of a price list's item prices (must contain `{id}`).
    #[must_use]
    pub fn with_price_list_items(mut self, path: impl Into<Cow<'static, str>>) -> Self {
        self.price_list_items = path.into();
        self
    }
    /// Sets the journals path.
    #[must_use]
    pub fn with_journals(mut self, path: impl Into<Cow<'static, str>>) -> Self {
        self.journals = path.into();
        self
    }

    /// Sets the path that adds lines to a sale order (must contain `{id}`).
    #[must_use]
    pub fn with_sale_order_add_items(mut self, path: impl Into<Cow<'static, str>>) -> Self {
        self.sale_order_add_items = path.into();
        self
    }
    /// Sets the path of one sale-order line (must contain `{id}` and `{lineId}`).
    #[must_use]
    pub fn with_sale_order_line(mut self, path: impl Into<Cow<'static, str>>) -> Self {
        self.sale_order_line = path.into();
        self
    }
    /// Sets the sale-order cancel path (must contain `{id}`).
    #[must_use]
    pub fn with_sale_order_cancel(mut self, path: impl Into<Cow<'static, str>>) -> Self {
        self.sale_order_cancel = path.into();
        self
    }

    /// Sets the path that lists credit notes across sale orders.
    #[must_use]
    pub fn with_credit_notes(mut self, path: impl Into<Cow<'static, str>>) -> Self {
        self.credit_notes = path.into();
        self
    }

    /// Checks every path; the error names the field.
    pub(crate) fn validate(&self) -> Result<(), (&'static str, &'static str)> {
        let checks: [(&'static str, &str, bool); 8] = [
            ("sale_order_dispatches", &self.sale_order_dispatches, true),
            (
                "sale_order_credit_notes",
                &self.sale_order_credit_notes,
                true,
            ),
            ("price_lists", &self.price_lists, false),
            ("journals", &self.journals, false),
            ("sale_order_add_items", &self.sale_order_add_items, true),
            ("sale_order_line", &self.sale_order_line, true),
            ("sale_order_cancel", &self.sale_order_cancel, true),
            ("credit_notes", &self.credit_notes, false),
        ];
        for (field, path, needs_id) in checks {
            check_template(path, needs_id).map_err(|reason| (field, reason))?;
        }
        for (field, path) in [
            ("price_list_customers", &self.price_list_customers),
            ("price_list_items", &self.price_list_items),
        ] {
            check_template(path, true).map_err(|reason| (field, reason))?;
        }
        if self.sale_order_line.matches(LINE_ID).count() != 1 {
            return Err(("sale_order_line", "must contain {lineId} exactly once"));
        }
        Ok(())
    }
}

fn check_template(path: &str, needs_id: bool) -> Result<(), &'static str> {
    if !path.starts_with('/') {
        return Err("must start with '/'");
    }
    if path.contains(['?', '#']) || path.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must be a bare path without query, fragment or whitespace");
    }
    let ids = path.matches("{id}").count();
    match (needs_id, ids) {
        (true, 1) | (false, 0) => Ok(()),
        (true, _) => Err("must contain {id} exactly once"),
        (false, _) => Err("must not contain {id}"),
    }
}

const LINE_ID: &str = "{lineId}";

/// Fills `{id}` and `{lineId}` with the percent-encoded IDs.
pub(crate) fn expand_line(template: &str, id: &str, line_id: &str) -> String {
    expand(template, id).replace(LINE_ID, &percent_encode(line_id))
}

/// Fills `{id}` with the percent-encoded `id`.
pub(crate) fn expand(template: &str, id: &str) -> String {
    template.replace("{id}", &percent_encode(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_and_encodes_ids() {
        assert_eq!(expand(ITEM_CHILDREN, "abc-1"), "/v0/items/abc-1/children");
        assert_eq!(expand(ITEM, "a/b c"), "/v0/items/a%2Fb%20c");
        assert_eq!(expand(ITEMS, "ignored"), "/v0/items");
    }

    #[test]
    fn inferred_paths_validate() {
        assert_eq!(InferredEndpoints::default().validate(), Ok(()));
        let bad = InferredEndpoints::default().with_sale_order_dispatches("/v2/dispatches");
        assert_eq!(
            bad.validate(),
            Err(("sale_order_dispatches", "must contain {id} exactly once"))
        );
        let bad = InferredEndpoints::default().with_sale_order_line("/v2/saleorders/{id}/items");
        assert_eq!(
            bad.validate(),
            Err(("sale_order_line", "must contain {lineId} exactly once"))
        );
        assert_eq!(
            expand_line(&InferredEndpoints::default().sale_order_line, "so 1", "l/2"),
            "/v2/saleorders/so%201/items/l%2F2"
        );
        let bad = InferredEndpoints::default().with_journals("v0/journals");
        assert_eq!(bad.validate(), Err(("journals", "must start with '/'")));
        let bad = InferredEndpoints::default().with_price_lists("/v0/price-lists?x=1");
        assert!(bad.validate().is_err());
    }
}
