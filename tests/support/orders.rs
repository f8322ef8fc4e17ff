//! The order-mapping set-up shared by the sandbox order tests.

use futures::TryStreamExt;
use rust_decimal::Decimal;
use stokly_shopify::domain::order::{GlAccountCode, OrderMappingConfig, TaxAccountMap, TaxKey};
use stokly_shopify::stokly::{self, ListQuery};

/// Maps to the sandbox account's `Shopify` channel, with the scenario's two VAT rates on
/// accounts 2200 (20%) and 2205 (5%).
pub async fn sandbox_mapping_config(stokly: &stokly::Client) -> OrderMappingConfig {
    let channel = stokly
        .channels(ListQuery::new())
        .try_collect::<Vec<_>>()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.name.as_deref() == Some("Shopify"))
        .unwrap()
        .channel_id;
    let mut accounts = TaxAccountMap::new();
    for (rate, account) in [(Decimal::new(20, 2), "2200"), (Decimal::new(5, 2), "2205")] {
        accounts.insert(
            TaxKey::new("VAT", Some(rate), Some("Shopify"), false),
            GlAccountCode::new(account).unwrap(),
        );
    }
    OrderMappingConfig::new(channel, accounts)
}
