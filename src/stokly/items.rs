//! Items, their children and components, barcodes, and variable items.

use futures::TryStreamExt;
use futures::stream::BoxStream;
use reqwest::Method;

use super::client::Client;
use super::endpoints::{self, expand};
use super::error::{Error, invalid};
use super::filter::Filter;
use super::ids::ItemId;
use super::model::{
    BarcodeMatch, ComposingItem, Item, ItemBarcode, ItemChild, ItemFormat, ItemPatch, ItemStatus,
    NewItem, NewVariableItem,
};
use super::pagination::{ListQuery, MAX_PAGE_SIZE};
use crate::http::Idempotence;

impl Client {
    /// `GET /v0/items`: items matching `query`, lazily.
    ///
    /// # Errors
    /// The stream yields the errors of [`Client::list_at`], then ends.
    pub fn items(&self, query: ListQuery) -> BoxStream<'static, Result<Item, Error>> {
        self.list_at(endpoints::ITEMS, query)
    }

    /// `GET /v0/items/{id}`.
    ///
    /// # Errors
    /// [`Error::Api`] (404 when the item does not exist or is not visible yet),
    /// [`Error::Transport`], [`Error::Grant`], [`Error::Decode`].
    pub async fn item(&self, id: &ItemId) -> Result<Item, Error> {
        self.read_one(&expand(endpoints::ITEM, id.as_str())).await
    }

    /// Items whose SKU is exactly `sku` (case-sensitive), deleted ones excluded. Queries
    /// `[sku]=={@string;sku}&&[status]!={1}` and keeps exact matches only (Stokly's own
    /// matching may ignore case). More than one result means duplicate SKUs.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a blank SKU, [`Error::Filter`] for a SKU the filter
    /// grammar cannot carry (see [`Filter`]); otherwise as [`Client::item`].
    pub async fn items_by_sku(&self, sku: &str) -> Result<Vec<Item>, Error> {
        if sku.trim().is_empty() {
            return Err(invalid("items_by_sku", "sku", "must not be blank"));
        }
        let filter = Filter::field("sku")
            .eq(Filter::string(sku))?
            .and(Filter::field("status").ne(ItemStatus::Deleted)?);
        let items: Vec<Item> = self
            .items(ListQuery::new().filter(filter).page_size(MAX_PAGE_SIZE))
            .try_collect()
            .await?;
        Ok(items
            .into_iter()
            .filter(|i| i.sku.as_deref() == Some(sku))
            .collect())
    }

    /// `GET /v0/items/{id}/children`: the variants of a variable item, or the components of a
    /// composite with `composing_item_quantity`.
    ///
    /// # Errors
    /// The stream yields the errors of [`Client::list_at`], then ends.
    pub fn item_children(
        &self,
        id: &ItemId,
        query: ListQuery,
    ) -> BoxStream<'static, Result<ItemChild, Error>> {
        self.list_at(&expand(endpoints::ITEM_CHILDREN, id.as_str()), query)
    }

    /// `GET /v0/composing-items`: every (composite, component, quantity).
    ///
    /// # Errors
    /// The stream yields the errors of [`Client::list_at`], then ends.
    pub fn composing_items(
        &self,
        query: ListQuery,
    ) -> BoxStream<'static, Result<ComposingItem, Error>> {
        self.list_at(endpoints::COMPOSING_ITEMS, query)
    }

    /// `GET /v0/items/{id}/barcodes`.
    ///
    /// # Errors
    /// The stream yields the errors of [`Client::list_at`], then ends.
    pub fn item_barcodes(
        &self,
        id: &ItemId,
        query: ListQuery,
    ) -> BoxStream<'static, Result<ItemBarcode, Error>> {
        self.list_at(&expand(endpoints::ITEM_BARCODES, id.as_str()), query)
    }

    /// The items carrying `barcode`, through `GET /v0/item-barcodes` with
    /// `[barcode]=={@string;barcode}` (the typed literal keeps leading zeros of EANs).
    ///
    /// # Errors
    /// As [`Client::items_by_sku`].
    pub async fn items_by_barcode(&self, barcode: &str) -> Result<Vec<BarcodeMatch>, Error> {
        if barcode.trim().is_empty() {
            return Err(invalid("items_by_barcode", "barcode", "must not be blank"));
        }
        let filter = Filter::field("barcode").eq(Filter::string(barcode))?;
        self.list_at(
            endpoints::BARCODE_LOOKUP,
            ListQuery::new().filter(filter).page_size(MAX_PAGE_SIZE),
        )
        .try_collect()
        .await
    }

    /// `POST /v0/items`: creates a simple, composite or manufactured item and returns its ID
    /// (202: it becomes readable a little later; see [`Client::wait_for_item`]). Never retried
    /// after an uncertain failure.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the field (blank name or SKU, a variable format);
    /// [`Error::Api`], [`Error::Transport`], [`Error::Grant`], [`Error::Decode`],
    /// [`Error::Id`] for a malformed returned ID.
    pub async fn create_item(&self, item: &NewItem) -> Result<ItemId, Error> {
        let op = "create_item";
        if item.name.trim().is_empty() {
            return Err(invalid(op, "name", "must not be blank"));
        }
        if item.sku.as_deref().is_some_and(|s| s.trim().is_empty()) {
            return Err(invalid(op, "sku", "must not be blank when given"));
        }
        if item.format == ItemFormat::Variable {
            return Err(invalid(
                op,
                "format",
                "variable items are created with create_variable_item",
            ));
        }
        Ok(ItemId::new(self.create_at(endpoints::ITEMS, item).await?)?)
    }

    /// `POST /v0/variable-items`: creates a variable parent over existing simple items.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a blank name or empty `variable_attributes` /
    /// `variant_items`; otherwise as [`Client::create_item`].
    pub async fn create_variable_item(&self, item: &NewVariableItem) -> Result<ItemId, Error> {
        let op = "create_variable_item";
        if item.name.trim().is_empty() {
            return Err(invalid(op, "name", "must not be blank"));
        }
        if item.variable_attributes.is_empty() {
            return Err(invalid(op, "variableAttributes", "must not be empty"));
        }
        if item.variant_items.is_empty() {
            return Err(invalid(op, "variantItems", "must not be empty"));
        }
        Ok(ItemId::new(
            self.create_at(endpoints::VARIABLE_ITEMS, item).await?,
        )?)
    }

    /// Patches an item, routed by its `format`: variable parents through
    /// `PATCH /v0/variable-items/{id}` (the items path answers 400 for them), every other
    /// format through `PATCH /v0/items/{id}`. A patch sets values, so it is retried like a read,
    /// unless it appends attributes.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty patch; [`Error::Api`], [`Error::Transport`],
    /// [`Error::Grant`].
    pub async fn update_item(
        &self,
        id: &ItemId,
        format: ItemFormat,
        patch: &ItemPatch,
    ) -> Result<(), Error> {
        if patch.is_empty() {
            return Err(invalid("update_item", "patch", "nothing to change"));
        }
        let template = if format == ItemFormat::Variable {
            endpoints::VARIABLE_ITEM
        } else {
            endpoints::ITEM
        };
        let idempotence = if patch.append_attributes == Some(true) {
            Idempotence::Unsafe
        } else {
            Idempotence::Safe
        };
        self.write_at(
            Method::PATCH,
            &expand(template, id.as_str()),
            Some(patch),
            idempotence,
        )
        .await?;
        Ok(())
    }

    /// Reads the item until it is visible (after [`Client::create_item`]).
    ///
    /// # Errors
    /// [`Error::NotVisible`] when the poll gives up; other errors of [`Client::item`].
    pub async fn wait_for_item(&self, id: &ItemId) -> Result<Item, Error> {
        self.wait_until_visible(format!("item {id}"), || async {
            self.item(id).await.map(Some)
        })
        .await
    }
}
