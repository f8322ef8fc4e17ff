//! Stokly page iteration against wiremock: `page` from 0, `size` 100 by default and at most
//! 1000, and every stopping rule (empty page, short page, page cap, a repeated page, more rows
//! than `metadata.count` promised), plus laziness.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code should fail loudly

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use serde_json::{Value, json};
use stokly_shopify::RetryConfig;
use stokly_shopify::stokly::model::Item;
use stokly_shopify::stokly::{Client, Error, Filter, ListQuery, RateLimit, Sort};
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

fn rows(from: usize, n: usize) -> Vec<Value> {
    (from..from + n)
        .map(|i| json!({"itemId": format!("item-{i:04}"), "sku": format!("SKU-{i}")}))
        .collect()
}

fn page(rows: Vec<Value>, count: u64) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"data": rows, "metadata": {"count": count}}))
}

fn page_mock(n: u32, size: u32, answer: ResponseTemplate, expect: u64) -> Mock {
    Mock::given(method("GET"))
        .and(path("/v0/items"))
        .and(query_param("page", n.to_string()))
        .and(query_param("size", size.to_string()))
        .respond_with(answer)
        .named(format!("page {n}"))
        .expect(expect)
}

fn skus(items: &[Item]) -> Vec<String> {
    items.iter().map(|i| i.sku.clone().unwrap()).collect()
}

#[tokio::test]
async fn default_size_is_100_from_page_0_and_a_short_page_ends_it() {
    let server = MockServer::start().await;
    page_mock(0, 100, page(rows(0, 100), 103), 1)
        .mount(&server)
        .await;
    page_mock(1, 100, page(rows(100, 3), 103), 1)
        .mount(&server)
        .await;
    page_mock(2, 100, page(Vec::new(), 103), 0)
        .mount(&server)
        .await;
    let items: Vec<Item> = client(&server)
        .items(ListQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 103);
    assert_eq!(items[102].sku.as_deref(), Some("SKU-102"));
}

#[tokio::test]
async fn an_empty_page_ends_it() {
    let server = MockServer::start().await;
    page_mock(0, 2, page(rows(0, 2), 4), 1).mount(&server).await;
    page_mock(1, 2, page(rows(2, 2), 4), 1).mount(&server).await;
    page_mock(2, 2, page(Vec::new(), 4), 1).mount(&server).await;
    let items: Vec<Item> = client(&server)
        .items(ListQuery::new().page_size(2))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(skus(&items), vec!["SKU-0", "SKU-1", "SKU-2", "SKU-3"]);
}

#[tokio::test]
async fn the_page_cap_ends_it() {
    let server = MockServer::start().await;
    page_mock(0, 2, page(rows(0, 2), 10), 1)
        .mount(&server)
        .await;
    page_mock(1, 2, page(rows(2, 2), 10), 1)
        .mount(&server)
        .await;
    page_mock(2, 2, page(rows(4, 2), 10), 0)
        .mount(&server)
        .await;
    let items: Vec<Item> = client(&server)
        .items(ListQuery::new().page_size(2).max_pages(2))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 4);
}

#[tokio::test]
async fn a_repeated_page_stops_with_an_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v0/items"))
        .respond_with(page(rows(0, 2), 10))
        .named("server ignoring page")
        .expect(2)
        .mount(&server)
        .await;
    let results: Vec<Result<Item, Error>> = client(&server)
        .items(ListQuery::new().page_size(2))
        .collect()
        .await;
    assert_eq!(results.len(), 3, "two rows, then the error, then the end");
    assert!(results[0].is_ok() && results[1].is_ok());
    match &results[2] {
        Err(Error::Pagination { reason, .. }) => {
            assert!(
                reason.contains("page 1 repeated the rows of page 0"),
                "{reason}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_set_growing_past_its_count_stops_with_an_error() {
    let server = MockServer::start().await;
    // Every page is full and new: without a guard this would never end.
    Mock::given(method("GET"))
        .and(path("/v0/items"))
        .respond_with(|request: &Request| {
            let n: usize = request
                .url
                .query_pairs()
                .find(|(k, _)| k == "page")
                .map(|(_, v)| v.parse().unwrap())
                .unwrap();
            page(rows(n * 2, 2), 2)
        })
        .named("endless")
        .expect(3)
        .mount(&server)
        .await;
    let results: Vec<Result<Item, Error>> = client(&server)
        .items(ListQuery::new().page_size(2))
        .collect()
        .await;
    // count 2 plus one page of margin: 4 rows pass, the third page trips the guard.
    assert_eq!(results.len(), 5);
    assert!(results[..4].iter().all(Result::is_ok));
    match &results[4] {
        Err(Error::Pagination { reason, .. }) => {
            assert!(reason.contains("reported 2 in all"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn oversized_pages_are_rejected_before_sending() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(page(Vec::new(), 0))
        .named("nothing may be sent")
        .expect(0)
        .mount(&server)
        .await;
    let results: Vec<Result<Item, Error>> = client(&server)
        .items(ListQuery::new().page_size(1001))
        .collect()
        .await;
    match results.as_slice() {
        [
            Err(Error::InvalidArgument {
                argument, reason, ..
            }),
        ] => {
            assert_eq!(argument, "size");
            assert!(reason.contains("1 to 1000"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    let err = client(&server)
        .page_at::<Item>("/v0/items", &ListQuery::new().page_size(0), 0)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument { .. }));
}

#[tokio::test]
async fn nothing_is_sent_until_polled() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(page(rows(0, 1), 1))
        .named("lazy")
        .expect(0)
        .mount(&server)
        .await;
    let stream = client(&server).items(ListQuery::new());
    tokio::time::sleep(Duration::from_millis(50)).await;
    drop(stream);
}

#[tokio::test]
async fn filter_sort_and_paging_go_out_exactly() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/saleorders"))
        .and(|request: &Request| {
            request.url.query()
                == Some(
                    "page=0&size=1000&filter=%5Bstage%5D%21%3D%7Bremoved%7D\
                     &sortField=niceId&sortDirection=DESC",
                )
        })
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [{"saleOrderId": "so-1"}], "metadata": {"count": 1}
        })))
        .named("exact query string")
        .expect(1)
        .mount(&server)
        .await;
    let query = ListQuery::new()
        .filter(Filter::field("stage").ne("removed").unwrap())
        .sort(Sort::desc("niceId").unwrap())
        .page_size(1000);
    let orders: Vec<_> = client(&server)
        .sale_orders(query)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(orders.len(), 1);
}

#[tokio::test]
async fn pages_report_count_and_position() {
    let server = MockServer::start().await;
    page_mock(3, 5, page(rows(15, 5), 42), 1)
        .mount(&server)
        .await;
    page_mock(4, 5, page(rows(20, 1), 42), 1)
        .mount(&server)
        .await;
    let pages: Vec<_> = client(&server)
        .pages_at::<Item>("/v0/items", ListQuery::new().page_size(5).starting_page(3))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 2);
    assert_eq!(
        (pages[0].page, pages[0].size, pages[0].count),
        (3, 5, Some(42))
    );
    assert_eq!(pages[1].items.len(), 1);
}

#[tokio::test]
async fn a_null_data_array_without_a_count_is_an_error_not_an_empty_list() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": null})))
        .expect(1)
        .mount(&server)
        .await;
    let result: Result<Vec<Item>, Error> =
        client(&server).items(ListQuery::new()).try_collect().await;
    match result {
        Err(Error::Pagination { reason, .. }) => {
            assert!(reason.contains("metadata count absent"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_bad_row_names_its_index() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(page(
            vec![
                json!({"itemId": "a"}),
                json!({"itemId": "b", "onHand": "lots"}),
            ],
            2,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let results: Vec<Result<Item, Error>> = client(&server).items(ListQuery::new()).collect().await;
    match results.as_slice() {
        [Err(Error::Decode { path, .. })] => assert_eq!(path, "data[1].onHand"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_first_page_smaller_than_asked_while_more_rows_exist_is_an_error_not_the_end() {
    let server = MockServer::start().await;
    // Asked for 1000, served 500 of 1200: reading page 1 would start at row 1000.
    page_mock(0, 1000, page(rows(0, 500), 1200), 1)
        .mount(&server)
        .await;
    page_mock(1, 1000, page(rows(1000, 200), 1200), 0)
        .mount(&server)
        .await;
    let result: Result<Vec<Item>, Error> = client(&server)
        .items(ListQuery::new().page_size(1000))
        .try_collect()
        .await;
    match result {
        Err(Error::Pagination { reason, .. }) => assert!(
            reason.contains("500 rows for a page size of 1000")
                && reason.contains("1200 in all")
                && reason.contains("at most 500 rows"),
            "{reason}"
        ),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_page_without_data_is_an_error_unless_the_list_is_empty() {
    let server = MockServer::start().await;
    let no_data = |count: u64| {
        ResponseTemplate::new(200).set_body_json(json!({"metadata": {"count": count}}))
    };
    page_mock(0, 100, no_data(7), 1).mount(&server).await;
    let result: Result<Vec<Item>, Error> =
        client(&server).items(ListQuery::new()).try_collect().await;
    match result {
        Err(Error::Pagination { reason, .. }) => {
            assert!(
                reason.contains("without `data` (metadata count 7)"),
                "{reason}"
            );
        }
        other => panic!("{other:?}"),
    }

    let empty = MockServer::start().await;
    page_mock(0, 100, no_data(0), 1).mount(&empty).await;
    let items: Vec<Item> = client(&empty)
        .items(ListQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert!(items.is_empty());
}
