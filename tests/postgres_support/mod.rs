//! The database for the PostgreSQL tests: `DATABASE_URL`, one table prefix per test.
//!
//! Without `DATABASE_URL` a test prints a notice and passes (a newcomer's machine has no
//! server); with `CI` set, a missing `DATABASE_URL` fails the test, so a CI run never skips
//! them silently.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::time::Duration;

use stokly_shopify::postgres::{Fleet, PgPool};

/// A fleet under a prefix of its own (`t_{name}_{pid}_`), migrated and empty; `None` (after a
/// printed notice) when `DATABASE_URL` is not set outside CI.
pub async fn fleet(name: &str) -> Option<Fleet> {
    let pool = pool().await?;
    let prefix = format!("t_{name}_{}_", std::process::id());
    let fleet = Fleet::new(pool, &prefix).unwrap();
    fleet.drop_tables().await.unwrap();
    fleet.migrate().await.unwrap();
    Some(fleet)
}

/// A pool on `DATABASE_URL`, or `None` as [`fleet`] says.
pub async fn pool() -> Option<PgPool> {
    let Ok(url) = std::env::var("DATABASE_URL") else {
        if std::env::var_os("CI").is_some() {
            panic!("DATABASE_URL is not set, and CI is: the PostgreSQL tests must run in CI");
        }
        // Straight to stderr, past the test harness's capture, so the skip shows.
        let _ = writeln!(
            std::io::stderr(),
            "NOTICE: DATABASE_URL is not set; skipping this PostgreSQL test \
             (see README, \"Running the PostgreSQL tests\")"
        );
        return None;
    };
    let pool = stokly_shopify::postgres::sqlx::postgres::PgPoolOptions::new()
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(10))
        .connect(&url)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to DATABASE_URL: {e}"));
    Some(pool)
}
