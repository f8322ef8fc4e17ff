//! The posting ledger and the schema on a real PostgreSQL (`DATABASE_URL`).

#![cfg(feature = "postgres")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod postgres_support;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use stokly_shopify::domain::ports::LedgerRecordId;
use stokly_shopify::domain::posting::{Claim, PostingLedger};
use stokly_shopify::postgres::Fleet;
use stokly_shopify::stokly::SaleOrderId;

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
}

const LEASE: Duration = Duration::from_secs(60);

#[tokio::test]
async fn a_claim_excludes_others_until_its_lease_ends_then_is_taken_over() {
    let Some(fleet) = postgres_support::fleet("lease").await else {
        return;
    };
    let ledger = fleet.ledger();
    let key = "acme.myshopify.com/orders/1001";
    assert_eq!(
        ledger.claim(key, at(0), LEASE).await.unwrap(),
        Claim::Acquired {
            uncertain_since: None
        }
    );
    assert_eq!(
        ledger.claim(key, at(59), LEASE).await.unwrap(),
        Claim::Busy { until: at(60) }
    );
    // The holder died: at the end of its lease another worker takes the order over.
    assert_eq!(
        ledger.claim(key, at(60), LEASE).await.unwrap(),
        Claim::Acquired {
            uncertain_since: None
        }
    );
    assert_eq!(ledger.claims_of(key).await.unwrap(), 2);
    fleet.drop_tables().await.unwrap();
}

#[tokio::test]
async fn posted_is_final_and_uncertainty_keeps_the_earliest_time() {
    let Some(fleet) = postgres_support::fleet("posted").await else {
        return;
    };
    let ledger = fleet.ledger();
    let key = "acme.myshopify.com/orders/7";
    ledger.claim(key, at(0), LEASE).await.unwrap();
    ledger.release(key, Some(at(20))).await.unwrap();
    ledger.claim(key, at(1), LEASE).await.unwrap();
    ledger.release(key, Some(at(10))).await.unwrap();
    ledger.release(key, None).await.unwrap();
    assert_eq!(
        ledger.claim(key, at(30), LEASE).await.unwrap(),
        Claim::Acquired {
            uncertain_since: Some(at(10))
        }
    );
    let id = LedgerRecordId::from(SaleOrderId::new("so-1").unwrap());
    ledger.posted(key, &id).await.unwrap();
    assert_eq!(
        ledger.claim(key, at(31), LEASE).await.unwrap(),
        Claim::Posted { record: id.clone() }
    );
    // Even long after every lease.
    assert_eq!(
        ledger.claim(key, at(100_000), LEASE).await.unwrap(),
        Claim::Posted { record: id.clone() }
    );
    assert_eq!(ledger.posted_as(key).await.unwrap(), Some(id));
    assert_eq!(
        ledger
            .posted_count("acme.myshopify.com/orders/")
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        ledger.posted_count("other.myshopify.com/").await.unwrap(),
        0
    );
    // A release of a key never claimed records its uncertainty too.
    ledger
        .release("acme.myshopify.com/orders/8", Some(at(5)))
        .await
        .unwrap();
    assert_eq!(
        ledger
            .claim("acme.myshopify.com/orders/8", at(6), LEASE)
            .await
            .unwrap(),
        Claim::Acquired {
            uncertain_since: Some(at(5))
        }
    );
    fleet.drop_tables().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_claims_of_one_order_acquire_once() {
    let Some(fleet) = postgres_support::fleet("race").await else {
        return;
    };
    let ledger = Arc::new(fleet.ledger());
    for order in 0..20 {
        let key = format!("acme.myshopify.com/orders/{order}");
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let ledger = ledger.clone();
                let key = key.clone();
                tokio::spawn(async move { ledger.claim(&key, at(0), LEASE).await.unwrap() })
            })
            .collect();
        let mut acquired = 0;
        for task in tasks {
            match task.await.unwrap() {
                Claim::Acquired { .. } => acquired += 1,
                Claim::Busy { until } => assert_eq!(until, at(60)),
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(acquired, 1, "order {order}");
    }
    fleet.drop_tables().await.unwrap();
}

#[tokio::test]
async fn migrating_twice_or_at_once_changes_nothing() {
    let Some(fleet) = postgres_support::fleet("migrate").await else {
        return;
    };
    fleet.ledger().claim("k", at(0), LEASE).await.unwrap();
    let (a, b) = tokio::join!(fleet.migrate(), fleet.migrate());
    a.unwrap();
    b.unwrap();
    assert_eq!(
        fleet.ledger().claim("k", at(1), LEASE).await.unwrap(),
        Claim::Busy { until: at(60) }
    );
    let versions: Vec<i32> = stokly_shopify::postgres::sqlx::query_scalar(&format!(
        "SELECT version FROM {}schema_migrations ORDER BY version",
        fleet.prefix()
    ))
    .fetch_all(fleet.pool())
    .await
    .unwrap();
    assert_eq!(versions, vec![1, 2]);
    fleet.drop_tables().await.unwrap();
}

#[tokio::test]
async fn the_shipped_migration_runs_as_plain_sql_under_its_own_prefix() {
    // What an application running the file with psql or sqlx::migrate! gets: the default
    // prefix. Here in a schema of the test's own, so that it touches nothing else.
    let Some(pool) = postgres_support::pool().await else {
        return;
    };
    let schema = format!("t_plain_{}", std::process::id());
    let mut conn = pool.acquire().await.unwrap();
    // Every shipped file, in order.
    let sql = ["0001_fleet.sql", "0002_stokly_in_flight.sql"]
        .iter()
        .map(|file| {
            std::fs::read_to_string(format!("{}/migrations/{file}", env!("CARGO_MANIFEST_DIR")))
                .unwrap()
        })
        .collect::<Vec<_>>()
        .join("\n");
    let script = format!(
        "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}; \
         SET search_path TO {schema}; {sql} {sql} RESET search_path;"
    );
    stokly_shopify::postgres::sqlx::raw_sql(&script)
        .execute(&mut *conn)
        .await
        .unwrap();
    let tables: i64 = stokly_shopify::postgres::sqlx::query_scalar(
        "SELECT count(*) FROM information_schema.tables \
         WHERE table_schema = $1 AND table_name LIKE 'stokly\\_shopify\\_%'",
    )
    .bind(&schema)
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(tables, 7);
    let in_flight: i64 = stokly_shopify::postgres::sqlx::query_scalar(
        "SELECT count(*) FROM information_schema.columns WHERE table_schema = $1 \
         AND table_name = 'stokly_shopify_stokly_budgets' AND column_name = 'in_flight'",
    )
    .bind(&schema)
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(in_flight, 1);
    stokly_shopify::postgres::sqlx::raw_sql(&format!("DROP SCHEMA {schema} CASCADE"))
        .execute(&mut *conn)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_bad_prefix_is_refused_before_any_sql() {
    let Some(pool) = postgres_support::pool().await else {
        return;
    };
    let err = Fleet::new(pool, "x; DROP TABLE y").unwrap_err();
    assert!(err.to_string().contains("table prefix"), "{err}");
}
