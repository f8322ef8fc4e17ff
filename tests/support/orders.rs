//! The sandbox set-up shared by the order tests: the order mapping, a Stokly client with fast
//! retries, the Shopify emulator on a scenario's shop, and every order captured. The steps
//! themselves live in `stokly_shopify::sandbox` (the examples use them too).

use std::time::Duration;

use stokly_shopify::RetryConfig;
use stokly_shopify::domain::order::OrderMappingConfig;
use stokly_shopify::sandbox::{
    CapturedShop, SandboxClock, Scenario, ShopifyConfig, ShopifyEmulator, StoklyEmulator,
    StoklyState, capture_shop,
};
use stokly_shopify::stokly;

/// Maps to the sandbox account's `Shopify` channel, with the scenario's two VAT rates on
/// accounts 2200 (20%) and 2205 (5%).
pub async fn sandbox_mapping_config(stokly: &stokly::Client) -> OrderMappingConfig {
    stokly_shopify::sandbox::sandbox_mapping_config(stokly)
        .await
        .unwrap()
}

/// A client of the Stokly emulator with fast retries: 6 attempts, 5 ms doubling to 40 ms.
pub fn fast_client(stokly: &StoklyEmulator) -> stokly::Client {
    stokly
        .client_builder()
        .retry(
            RetryConfig::default()
                .with_max_attempts(6)
                .with_initial_backoff(Duration::from_millis(5))
                .with_max_backoff(Duration::from_millis(40)),
        )
        .build()
        .unwrap()
}

/// The Shopify emulator (standard plan) on the scenario's shop `domain`, and the Stokly state
/// of `account` with its listings linked to the shop's variants.
pub async fn start_shop(
    scenario: &Scenario,
    domain: &str,
    account: &str,
    clock: &SandboxClock,
) -> (ShopifyEmulator, StoklyState) {
    let (shopify_state, stokly_state) = scenario.linked_states(domain, account);
    let shopify =
        ShopifyEmulator::start(shopify_state, ShopifyConfig::standard_plan(), clock.clone())
            .await
            .unwrap();
    (shopify, stokly_state)
}

/// Every order of the shop read and mapped, with the catalogue and the channel read through
/// `stokly`.
pub async fn capture_all(shopify: &ShopifyEmulator, stokly: &stokly::Client) -> CapturedShop {
    let shopify_client = shopify.client_builder().build().unwrap();
    capture_shop(&shopify_client, stokly).await.unwrap()
}
