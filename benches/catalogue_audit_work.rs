//! The catalogue audit's phases, each timed once per size, for counting the work with a tool
//! that cannot drive criterion. `cargo bench --bench catalogue_audit_work` prints the time of
//! each phase at 10,000 and 100,000 records per side (`CATALOGUE_RECORDS=n` for one other
//! size; `CATALOGUE_BUILD=owned` or `copied` for one build only).
//!
//! The instructions per record pair, which do not depend on the caches, come from callgrind,
//! collecting only inside the build and the audit:
//!
//! ```sh
//! cargo bench --bench catalogue_audit_work --no-run
//! CATALOGUE_RECORDS=100000 CATALOGUE_BUILD=owned valgrind --tool=callgrind \
//!     --toggle-collect='*SkuIndex*build_owned*' --toggle-collect='*audit_catalogue*' \
//!     target/release/deps/catalogue_audit_work-<hash>
//! ```
//!
//! Divide the `Collected` count by the records per side. For the copying build, use
//! `CATALOGUE_BUILD=copied` and `--toggle-collect='*SkuIndex*build*'`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // bench set-up should fail loudly

use std::time::{Duration, Instant};

use stokly_shopify::domain::catalogue::{
    OwnedStoklyCatalogue, SkuIndex, StoklyCatalogue, audit_catalogue,
};

#[path = "support/catalogue.rs"]
mod catalogue;
use catalogue::{Catalogues, catalogues};

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn copied(n: usize, data: &Catalogues) {
    let start = Instant::now();
    let stokly = StoklyCatalogue::new(&data.items)
        .with_composites(&data.composites)
        .with_shopify_listings(&data.listings);
    let index = SkuIndex::build(stokly, &data.variants);
    let built = Instant::now();
    let audit = audit_catalogue(&index);
    let audited = Instant::now();
    let findings = audit.findings.len();
    drop(audit);
    let audit_dropped = Instant::now();
    drop(index);
    let index_dropped = Instant::now();
    println!(
        "copied {n:>7}: build {:8.2} ms, audit {:7.2} ms ({findings} findings), drop audit {:6.2} ms, drop index {:7.2} ms",
        ms(built - start),
        ms(audited - built),
        ms(audit_dropped - audited),
        ms(index_dropped - audit_dropped),
    );
}

fn owned(n: usize, data: &Catalogues) {
    let data = data.clone();
    let start = Instant::now();
    let stokly = OwnedStoklyCatalogue::new(data.items)
        .with_composites(data.composites)
        .with_shopify_listings(data.listings);
    let index = SkuIndex::build_owned(stokly, data.variants);
    let built = Instant::now();
    let audit = audit_catalogue(&index);
    let audited = Instant::now();
    let findings = audit.findings.len();
    drop(audit);
    let audit_dropped = Instant::now();
    println!(
        "owned  {n:>7}: build {:8.2} ms, audit {:7.2} ms ({findings} findings), drop audit {:6.2} ms (the index holds the catalogue's own strings)",
        ms(built - start),
        ms(audited - built),
        ms(audit_dropped - audited),
    );
}

fn main() {
    let sizes: Vec<usize> = match std::env::var("CATALOGUE_RECORDS") {
        Ok(n) => vec![n.parse().expect("CATALOGUE_RECORDS is a number")],
        Err(_) => vec![10_000, 100_000],
    };
    let build = std::env::var("CATALOGUE_BUILD").ok();
    for n in sizes {
        let data = catalogues(n);
        if build.as_deref() != Some("owned") {
            copied(n, &data);
        }
        if build.as_deref() != Some("copied") {
            owned(n, &data);
        }
    }
}
