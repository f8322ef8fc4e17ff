//! Filters on the wire: for every operator, the connectives, grouping, the typed literals and
//! awkward values, the exact percent-encoded query string the server receives, and what it
//! decodes to. Values that would read as grammar are refused before anything is sent.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code should fail loudly

use chrono::{TimeZone, Utc};
use futures::{StreamExt, TryStreamExt};
use rust_decimal::Decimal;
use serde_json::json;
use stokly_shopify::RetryConfig;
use stokly_shopify::stokly::model::{Item, ItemFormat};
use stokly_shopify::stokly::{Client, Error, Filter, FilterError, ItemId, ListQuery, RateLimit};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.uri())
        .bearer_token("test-token")
        .rate_limit(
            RateLimit::default()
                .with_requests_per_second(1000.0)
                .with_burst(100),
        )
        .retry(RetryConfig::disabled())
        .build()
        .unwrap()
}

fn f(name: &'static str) -> stokly_shopify::stokly::Field {
    Filter::field(name)
}

/// (filter, what the server decodes, the exact encoded query value)
fn cases() -> Vec<(Filter, &'static str, &'static str)> {
    vec![
        (
            f("status").eq(0).unwrap(),
            "[status]=={0}",
            "%5Bstatus%5D%3D%3D%7B0%7D",
        ),
        (
            f("binId").ne("UNASSIGNED").unwrap(),
            "[binId]!={UNASSIGNED}",
            "%5BbinId%5D%21%3D%7BUNASSIGNED%7D",
        ),
        (
            f("format")
                .in_list([ItemFormat::Composite, ItemFormat::Manufactured])
                .unwrap(),
            "[format]=*{1,3}",
            "%5Bformat%5D%3D%2A%7B1%2C3%7D",
        ),
        (
            f("tags").contains("RM").unwrap(),
            "[tags]::{RM}",
            "%5Btags%5D%3A%3A%7BRM%7D",
        ),
        (
            f("tags").not_contains("RM").unwrap(),
            "[tags]!:{RM}",
            "%5Btags%5D%21%3A%7BRM%7D",
        ),
        (
            f("timeUpdated")
                .gt(Utc.with_ymd_and_hms(2025, 1, 1, 10, 0, 0).unwrap())
                .unwrap(),
            "[timeUpdated]>>{2025-01-01T10:00}",
            "%5BtimeUpdated%5D%3E%3E%7B2025-01-01T10%3A00%7D",
        ),
        (
            f("onHand").ge(Decimal::new(25, 1)).unwrap(),
            "[onHand]>={2.5}",
            "%5BonHand%5D%3E%3D%7B2.5%7D",
        ),
        (
            f("niceId").lt(100).unwrap(),
            "[niceId]<<{100}",
            "%5BniceId%5D%3C%3C%7B100%7D",
        ),
        (
            f("niceId").le(100).unwrap(),
            "[niceId]<={100}",
            "%5BniceId%5D%3C%3D%7B100%7D",
        ),
        (
            f("parentId").is_null().unwrap(),
            "[parentId]=={@null;}",
            "%5BparentId%5D%3D%3D%7B%40null%3B%7D",
        ),
        (
            f("sku").eq(Filter::string("00123")).unwrap(),
            "[sku]=={@string;00123}",
            "%5Bsku%5D%3D%3D%7B%40string%3B00123%7D",
        ),
        (
            f("stage")
                .eq("order")
                .unwrap()
                .and(f("itemStatuses").contains("unprocessed").unwrap()),
            "[stage]=={order}&&[itemStatuses]::{unprocessed}",
            "%5Bstage%5D%3D%3D%7Border%7D%26%26%5BitemStatuses%5D%3A%3A%7Bunprocessed%7D",
        ),
        (
            f("locationId")
                .eq("a")
                .unwrap()
                .or(f("locationId").eq("b").unwrap()),
            "[locationId]=={a}||[locationId]=={b}",
            "%5BlocationId%5D%3D%3D%7Ba%7D%7C%7C%5BlocationId%5D%3D%3D%7Bb%7D",
        ),
        (
            f("format")
                .eq(3)
                .unwrap()
                .or(f("format").eq(1).unwrap())
                .and(f("status").ne(1).unwrap()),
            "([format]=={3}||[format]=={1})&&[status]!={1}",
            "%28%5Bformat%5D%3D%3D%7B3%7D%7C%7C%5Bformat%5D%3D%3D%7B1%7D%29%26%26%5Bstatus%5D%21%3D%7B1%7D",
        ),
        (
            f("name").eq("Tom & Jerry, 50% (red)|blue").unwrap(),
            "[name]=={Tom & Jerry, 50% (red)|blue}",
            "%5Bname%5D%3D%3D%7BTom%20%26%20Jerry%2C%2050%25%20%28red%29%7Cblue%7D",
        ),
        (
            f("name").eq("a+b=c?d#e/f").unwrap(),
            "[name]=={a+b=c?d#e/f}",
            "%5Bname%5D%3D%3D%7Ba%2Bb%3Dc%3Fd%23e%2Ff%7D",
        ),
        (
            f("name").eq("Crème brûlée").unwrap(),
            "[name]=={Crème brûlée}",
            "%5Bname%5D%3D%3D%7BCr%C3%A8me%20br%C3%BBl%C3%A9e%7D",
        ),
        (
            f("itemId")
                .eq(ItemId::new("0b6f3a8e-1c2d-4e5f-8a9b-0c1d2e3f4a01").unwrap())
                .unwrap(),
            "[itemId]=={0b6f3a8e-1c2d-4e5f-8a9b-0c1d2e3f4a01}",
            "%5BitemId%5D%3D%3D%7B0b6f3a8e-1c2d-4e5f-8a9b-0c1d2e3f4a01%7D",
        ),
    ]
}

#[tokio::test]
async fn every_operator_and_awkward_value_goes_out_exactly() {
    for (filter, decoded, encoded) in cases() {
        assert_eq!(filter.render(), decoded);
        assert_eq!(filter.to_query_value(), encoded);
        let server = MockServer::start().await;
        let raw = format!("page=0&size=100&filter={encoded}");
        Mock::given(method("GET"))
            .and(path("/v0/items"))
            .and(query_param("filter", decoded))
            .and(move |request: &Request| request.url.query() == Some(raw.as_str()))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"data": [], "metadata": {"count": 0}})),
            )
            .named(decoded)
            .expect(1)
            .mount(&server)
            .await;
        let items: Vec<Item> = client(&server)
            .items(ListQuery::new().filter(filter))
            .try_collect()
            .await
            .unwrap();
        assert!(items.is_empty());
    }
}

#[test]
fn values_that_would_read_as_grammar_are_refused() {
    for value in [
        "a}b",
        "{a",
        "A&&B",
        "A||B",
        "@null;",
        "@string;x",
        "two\nlines",
    ] {
        match f("sku").eq(value) {
            Err(FilterError::Value {
                field, value: v, ..
            }) => {
                assert_eq!(field, "sku");
                assert_eq!(v, value);
            }
            other => panic!("{value:?}: {other:?}"),
        }
    }
    assert!(matches!(
        f("sku").in_list(["a,b", "c"]),
        Err(FilterError::Value { .. })
    ));
    assert!(matches!(
        Filter::field("sku]=={x}||[sku").eq("y"),
        Err(FilterError::Field { .. })
    ));
}

#[tokio::test]
async fn lookups_refuse_unsafe_values_without_sending() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .named("nothing may be sent")
        .expect(0)
        .mount(&server)
        .await;
    let c = client(&server);
    let err = c.items_by_sku("ABC}||{").await.unwrap_err();
    assert!(
        matches!(err, Error::Filter(FilterError::Value { .. })),
        "{err:?}"
    );
    let err = c.sale_orders_by_source_reference(" ").await.unwrap_err();
    assert!(matches!(err, Error::InvalidArgument { .. }), "{err:?}");
    let results: Vec<_> = c
        .items(ListQuery::new().page_size(5000))
        .collect::<Vec<_>>()
        .await;
    assert!(results[0].is_err());
}
