//! The work queue, the webhook inbox, dedup and checkpoints on a real PostgreSQL
//! (`DATABASE_URL`).

#![cfg(feature = "postgres")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod postgres_support;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use stokly_shopify::domain::ports::{DedupEntry, DedupStore, DedupVerdict, InMemoryDedupStore};
use stokly_shopify::domain::posting::OrderWork;
use stokly_shopify::postgres::{Checkpoint, InboxVerdict, QueueCounts};
use stokly_shopify::shopify::OrderId;

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
}

const LEASE: Duration = Duration::from_secs(30);

fn capture(order: u64) -> OrderWork {
    serde_json::from_value(serde_json::json!({
        "work": "capture",
        "order_id": format!("gid://shopify/Order/{order}"),
        "updated_at": null
    }))
    .unwrap()
}

#[tokio::test]
async fn items_are_taken_once_completed_and_a_dead_workers_items_come_back() {
    let Some(fleet) = postgres_support::fleet("queue").await else {
        return;
    };
    let queue = fleet.queue("orders");
    for order in 1..=5 {
        queue.enqueue(&capture(order), None, at(0)).await.unwrap();
    }
    // Another queue in the same table is not touched.
    fleet
        .queue("other")
        .enqueue(&capture(99), None, at(0))
        .await
        .unwrap();

    let a = queue.take::<OrderWork>("a", 3, at(1), LEASE).await.unwrap();
    let b = queue
        .take::<OrderWork>("b", 10, at(1), LEASE)
        .await
        .unwrap();
    assert_eq!((a.len(), b.len()), (3, 2));
    assert_eq!(a[0].payload, capture(1));
    assert_eq!(b[1].payload, capture(5));
    assert!(
        queue
            .take::<OrderWork>("c", 10, at(2), LEASE)
            .await
            .unwrap()
            .is_empty()
    );
    let counts = queue.counts(at(2)).await.unwrap();
    assert_eq!(
        (counts.ready, counts.taken, counts.expired, counts.failed),
        (0, 5, 0, 0)
    );

    // b finishes; a dies holding its three.
    for item in &b {
        assert!(queue.complete(item).await.unwrap());
    }
    assert_eq!(queue.counts(at(31)).await.unwrap().expired, 3);
    let c = queue
        .take::<OrderWork>("c", 10, at(31), LEASE)
        .await
        .unwrap();
    let ids = |items: &[stokly_shopify::postgres::QueuedItem<OrderWork>]| {
        items.iter().map(|i| i.id).collect::<Vec<_>>()
    };
    assert_eq!(ids(&c), ids(&a));
    assert!(c.iter().all(|i| i.attempt == 2));
    // a comes back to life: its answers no longer count.
    assert!(!queue.complete(&a[0]).await.unwrap());
    assert!(!queue.retry_later(&a[1], at(0), Some("late")).await.unwrap());
    assert_eq!(queue.extend(&a[2], at(32), LEASE).await.unwrap(), None);
    // c extends, retries one later, fails one for a person and finishes the last.
    assert_eq!(
        queue.extend(&c[0], at(32), LEASE).await.unwrap(),
        Some(at(62))
    );
    assert!(
        queue
            .retry_later(&c[0], at(100), Some("deferred"))
            .await
            .unwrap()
    );
    assert!(queue.fail(&c[1], "refused by Stokly").await.unwrap());
    assert!(queue.complete(&c[2]).await.unwrap());
    let counts = queue.counts(at(40)).await.unwrap();
    assert_eq!(
        (counts.ready, counts.taken, counts.expired, counts.failed),
        (1, 0, 0, 1)
    );
    assert_eq!(counts.outstanding(), 1);
    assert!(
        queue
            .take::<OrderWork>("c", 10, at(99), LEASE)
            .await
            .unwrap()
            .is_empty()
    );
    let later = queue
        .take::<OrderWork>("c", 10, at(100), LEASE)
        .await
        .unwrap();
    assert_eq!(ids(&later), vec![c[0].id]);
    assert_eq!(later[0].attempt, 3);
    fleet.drop_tables().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_workers_skip_each_others_items_and_take_each_once() {
    let Some(fleet) = postgres_support::fleet("skiplocked").await else {
        return;
    };
    let queue = Arc::new(fleet.queue("orders"));
    for order in 1..=400 {
        queue.enqueue(&capture(order), None, at(0)).await.unwrap();
    }
    let workers: Vec<_> = (0..4)
        .map(|w| {
            let queue = queue.clone();
            tokio::spawn(async move {
                let mut seen = Vec::new();
                loop {
                    let items = queue
                        .take::<OrderWork>(&format!("w{w}"), 7, at(1), LEASE)
                        .await
                        .unwrap();
                    if items.is_empty() {
                        return seen;
                    }
                    for item in items {
                        assert!(queue.complete(&item).await.unwrap());
                        seen.push(item.payload);
                    }
                }
            })
        })
        .collect();
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    assert_eq!(all.len(), 400);
    let distinct: BTreeSet<String> = all
        .iter()
        .map(|w| serde_json::to_string(w).unwrap())
        .collect();
    assert_eq!(distinct.len(), 400);
    assert_eq!(queue.counts(at(1)).await.unwrap(), QueueCounts::default());
    fleet.drop_tables().await.unwrap();
}

#[tokio::test]
async fn waiting_work_with_the_same_key_is_merged_and_a_bad_payload_is_failed_not_dropped() {
    let Some(fleet) = postgres_support::fleet("merge").await else {
        return;
    };
    let queue = fleet.queue("orders");
    let first = queue
        .enqueue(&capture(1), Some("order/1"), at(0))
        .await
        .unwrap();
    assert!(first.is_some());
    assert_eq!(
        queue
            .enqueue(&capture(1), Some("order/1"), at(1))
            .await
            .unwrap(),
        None
    );
    let taken = queue
        .take::<OrderWork>("a", 10, at(2), LEASE)
        .await
        .unwrap();
    assert_eq!(taken.len(), 1);
    // Once taken, new work for the order waits beside it (the taker may have read too early).
    assert!(
        queue
            .enqueue(&capture(1), Some("order/1"), at(3))
            .await
            .unwrap()
            .is_some()
    );

    // A payload another version wrote, that this one cannot read.
    fleet
        .queue("odd")
        .enqueue(&serde_json::json!({"work": "unknown"}), None, at(0))
        .await
        .unwrap();
    let odd = fleet.queue("odd");
    assert!(
        odd.take::<OrderWork>("a", 10, at(1), LEASE)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(odd.counts(at(1)).await.unwrap().failed, 1);
    fleet.drop_tables().await.unwrap();
}

fn entry(event: &str, resource: Option<&str>, updated: Option<DateTime<Utc>>) -> DedupEntry {
    DedupEntry::new(event, resource.map(str::to_owned), updated)
}

#[tokio::test]
async fn dedup_answers_as_the_in_memory_store_does() {
    let Some(fleet) = postgres_support::fleet("dedup").await else {
        return;
    };
    let retention = TimeDelta::hours(4);
    let pg = fleet.dedup(retention);
    let memory = InMemoryDedupStore::new().with_retention(retention);
    let r = Some("s/gid://shopify/Order/1");
    let script: Vec<(DedupEntry, i64)> = vec![
        (entry("e1", r, Some(at(100))), 1000),
        (entry("e1", r, Some(at(100))), 1001), // duplicate
        (entry("e2", r, Some(at(50))), 1002),  // stale
        (entry("e2", r, Some(at(50))), 1003),  // its retry: duplicate
        (entry("e3", r, Some(at(100))), 1004), // equal version: new
        (entry("e4", r, None), 1005),          // no version: new
        (entry("e5", None, Some(at(1))), 1006),
        (entry("e6", Some("s/other"), Some(at(1))), 1007),
        (entry("e7", r, Some(at(200))), 1008),
        (entry("e8", r, Some(at(150))), 1009), // stale against 200
        // Past the retention window everything is forgotten.
        (entry("e1", r, Some(at(10))), 1008 + 4 * 3600 + 1),
    ];
    for (i, (e, now)) in script.iter().enumerate() {
        let expected = memory.record_now(e, at(*now));
        let got = pg.record(e, at(*now)).await.unwrap();
        assert_eq!(got, expected, "step {i}: {e:?}");
    }
    // The resource expired with everything else, and came back at version 10.
    let later = 1008 + 4 * 3600 + 2;
    assert_eq!(
        pg.record(&entry("e9", r, Some(at(5))), at(later))
            .await
            .unwrap(),
        DedupVerdict::Stale { applied: at(10) }
    );
    pg.forget("e9").await.unwrap();
    assert_eq!(
        pg.record(&entry("e9", None, None), at(later))
            .await
            .unwrap(),
        DedupVerdict::New
    );
    assert!(pg.purge(at(later + 4 * 3600 + 1)).await.unwrap() > 0);
    fleet.drop_tables().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_reaching_several_workers_is_queued_once() {
    let Some(fleet) = postgres_support::fleet("inbox").await else {
        return;
    };
    let inbox = Arc::new(fleet.inbox(TimeDelta::hours(24), "orders"));
    for order in 1..=10u64 {
        let delivery = entry(
            &format!("acme/event:{order}"),
            Some(&format!("acme/gid://shopify/Order/{order}")),
            Some(at(10)),
        );
        let tasks: Vec<_> = (0..6)
            .map(|_| {
                let inbox = inbox.clone();
                let delivery = delivery.clone();
                tokio::spawn(async move {
                    inbox
                        .accept(
                            &delivery,
                            &capture(order),
                            Some(&format!("order/{order}")),
                            at(20),
                        )
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut enqueued = 0;
        for t in tasks {
            match t.await.unwrap() {
                InboxVerdict::Enqueued { item } => {
                    assert!(item.is_some());
                    enqueued += 1;
                }
                InboxVerdict::Duplicate => {}
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(enqueued, 1, "order {order}");
    }
    // An older version of order 0 arriving late queues nothing.
    let late = entry(
        "acme/event:late",
        Some("acme/gid://shopify/Order/1"),
        Some(at(5)),
    );
    assert_eq!(
        inbox
            .accept(&late, &capture(1), Some("order/1"), at(30))
            .await
            .unwrap(),
        InboxVerdict::Stale { applied: at(10) }
    );
    // A newer one while the first still waits is merged into it.
    let newer = entry(
        "acme/event:newer",
        Some("acme/gid://shopify/Order/1"),
        Some(at(25)),
    );
    assert_eq!(
        inbox
            .accept(&newer, &capture(1), Some("order/1"), at(30))
            .await
            .unwrap(),
        InboxVerdict::Enqueued { item: None }
    );
    assert_eq!(inbox.queue().counts(at(30)).await.unwrap().ready, 10);
    fleet.drop_tables().await.unwrap();
}

#[tokio::test]
async fn checkpoints_move_only_from_what_was_read() {
    let Some(fleet) = postgres_support::fleet("checkpoints").await else {
        return;
    };
    let cps = fleet.checkpoints();
    let shop = "acme.myshopify.com";
    assert_eq!(cps.get(shop, Checkpoint::OrderPoll).await.unwrap(), None);
    assert!(
        cps.advance(
            shop,
            Checkpoint::OrderPoll,
            None,
            "2026-01-01T00:00:00Z",
            at(0)
        )
        .await
        .unwrap()
    );
    // A second worker that also read "nothing" loses.
    assert!(
        !cps.advance(
            shop,
            Checkpoint::OrderPoll,
            None,
            "2025-12-31T00:00:00Z",
            at(0)
        )
        .await
        .unwrap()
    );
    assert!(
        cps.advance(
            shop,
            Checkpoint::OrderPoll,
            Some("2026-01-01T00:00:00Z"),
            "2026-01-02T00:00:00Z",
            at(1)
        )
        .await
        .unwrap()
    );
    assert!(
        !cps.advance(
            shop,
            Checkpoint::OrderPoll,
            Some("2026-01-01T00:00:00Z"),
            "2026-01-01T12:00:00Z",
            at(2)
        )
        .await
        .unwrap()
    );
    assert_eq!(
        cps.get(shop, Checkpoint::OrderPoll)
            .await
            .unwrap()
            .as_deref(),
        Some("2026-01-02T00:00:00Z")
    );
    // Per shop and per cursor.
    cps.set(shop, Checkpoint::Payout, "payout-9", at(3))
        .await
        .unwrap();
    cps.set(
        "other.myshopify.com",
        Checkpoint::InventoryChange,
        "c-1",
        at(3),
    )
    .await
    .unwrap();
    assert_eq!(
        cps.get(shop, Checkpoint::Payout).await.unwrap().as_deref(),
        Some("payout-9")
    );
    assert_eq!(
        cps.get(shop, Checkpoint::InventoryChange).await.unwrap(),
        None
    );
    fleet.drop_tables().await.unwrap();
}

#[test]
fn capture_work_round_trips() {
    let work = capture(5);
    let OrderWork::Capture { order_id, .. } = &work else {
        panic!("not a capture")
    };
    assert_eq!(order_id, &OrderId::from_numeric(5));
}
