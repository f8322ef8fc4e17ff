//! Operations: what the people running the business read.
//!
//! - [`health`]: the daily health report from the order lifecycles, open exceptions, the
//!   latest drift report, catalogue audit and payout reconciliations, as Markdown or as one
//!   self-contained HTML page with inline SVG charts.
//! - [`manual`]: the operations manual, generated from the
//!   [exception catalogue](crate::domain::exception_catalogue) and the lifecycle's expected
//!   times: where each piece of data lives, the daily and weekly checks, and what each team
//!   owns and how it resolves it.
//!
//! Pure like the domain: no I/O, no clock (the report takes `now`). The caller writes the
//! result where it wants.

pub mod health;
pub mod manual;
mod svg;

pub use health::{DayCounts, HealthInputs, HealthReport, UnreconciledPayout};
pub use manual::OperationsManual;
