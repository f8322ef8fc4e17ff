//! How far Stokly has taken a sale order, and the cut-off after which changes need a person.
//!
//! This file is the one place where Stokly's stage and line-status strings are given a
//! meaning for edits and cancellations. The public evidence shows only the stage values
//! `order` and `removed` and the line status `unprocessed`; every other value below is
//! inferred and listed in a constant, so that an integrator who learns the real values
//! changes one list.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::stokly::model::{LineStatus, SaleOrder, SaleOrderLine, SaleOrderStage};

/// Stage values taken to mean that the order is not released for fulfilment yet
/// (INFERRED: no such stage is seen; a draft or quote stage probably exists).
pub const UNRELEASED_STAGES: &[&str] = &["draft", "quote", "pending"];

/// Line statuses taken to mean that stock is allocated, or goods are being picked or packed
/// (INFERRED: none is seen).
pub const PICKING_STATUSES: &[&str] = &["allocated", "picking", "picked", "packing", "packed"];

/// Line statuses taken to mean that the goods have left or been handed over (INFERRED: none
/// is seen; the evidence says lines move away from `unprocessed` after collect-items or
/// dispatch).
pub const DISPATCHED_STATUSES: &[&str] = &[
    "dispatched",
    "part_dispatched",
    "collected",
    "shipped",
    "fulfilled",
    "delivered",
];

/// How far Stokly has taken a sale order, from its stage and its lines' statuses.
///
/// | stage | line statuses (every line, and the order's `itemStatuses`) | progress |
/// | --- | --- | --- |
/// | `removed` (seen) | any | [`Removed`](Self::Removed) |
/// | one of [`UNRELEASED_STAGES`] (inferred) | all `unprocessed` (seen), or none | [`NotReleased`](Self::NotReleased) |
/// | `order` (seen) | all `unprocessed` (seen) | [`Released`](Self::Released) |
/// | `order` or unreleased | the most advanced is one of [`PICKING_STATUSES`] (inferred) | [`Picking`](Self::Picking) |
/// | `order` or unreleased | the most advanced is one of [`DISPATCHED_STATUSES`] (inferred) | [`Dispatched`](Self::Dispatched) |
/// | `order` | no status at all (nothing to judge by) | [`Unrecognised`](Self::Unrecognised) |
/// | any other stage, or none | any | [`Unrecognised`](Self::Unrecognised) |
/// | `order` or unreleased | any other status, or a line without one | [`Unrecognised`](Self::Unrecognised) |
///
/// The most advanced line decides (a part-dispatched order is `Dispatched`). Status strings
/// are compared ignoring ASCII case. `Unrecognised` is past every cut-off: a change to an
/// order whose progress cannot be told goes to a person, never through.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum StoklyProgress {
    /// Not released for fulfilment yet.
    NotReleased,
    /// Released: live and waiting to be fulfilled, nothing allocated or picked.
    Released,
    /// Stock allocated, or goods being picked or packed.
    Picking,
    /// Goods (some or all) dispatched or collected.
    Dispatched,
    /// The order is removed in Stokly (taken as cancelled).
    Removed,
    /// The stage or a status is not one this crate knows, so the progress cannot be told.
    Unrecognised {
        /// What was not recognised, as Stokly spells it (`stage "held"`, `status
        /// "awaiting_courier"`, `line 7: no status`, `no stage`, `no line status`).
        what: Vec<String>,
    },
}

/// The known steps, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    NotReleased,
    Released,
    Picking,
    Dispatched,
}

impl Step {
    fn progress(self) -> StoklyProgress {
        match self {
            Self::NotReleased => StoklyProgress::NotReleased,
            Self::Released => StoklyProgress::Released,
            Self::Picking => StoklyProgress::Picking,
            Self::Dispatched => StoklyProgress::Dispatched,
        }
    }
}

fn listed(list: &[&str], value: &str) -> bool {
    list.iter().any(|known| known.eq_ignore_ascii_case(value))
}

/// The step a line status stands for; `None` when it is not recognised. `unprocessed` adds
/// nothing to the stage: the line has not moved.
fn line_step(status: &LineStatus) -> Option<Step> {
    match status {
        LineStatus::Unprocessed => Some(Step::NotReleased),
        LineStatus::Unknown(value) => {
            if listed(DISPATCHED_STATUSES, value) {
                Some(Step::Dispatched)
            } else if listed(PICKING_STATUSES, value) {
                Some(Step::Picking)
            } else if value.eq_ignore_ascii_case(LineStatus::Unprocessed.as_str()) {
                Some(Step::NotReleased)
            } else {
                None
            }
        }
    }
}

impl StoklyProgress {
    /// The progress of `order`, whose lines are `lines` (top-level lines, or every line:
    /// component lines only make the reading more conservative). See the type's table.
    #[must_use]
    pub fn of(order: &SaleOrder, lines: &[SaleOrderLine]) -> Self {
        let floor = match &order.stage {
            Some(SaleOrderStage::Removed) => return Self::Removed,
            Some(SaleOrderStage::Order) => Step::Released,
            Some(SaleOrderStage::Unknown(stage)) => {
                if stage.eq_ignore_ascii_case(SaleOrderStage::Removed.as_str()) {
                    return Self::Removed;
                }
                if stage.eq_ignore_ascii_case(SaleOrderStage::Order.as_str()) {
                    Step::Released
                } else if listed(UNRELEASED_STAGES, stage) {
                    Step::NotReleased
                } else {
                    return Self::Unrecognised {
                        what: vec![format!("stage \"{stage}\"")],
                    };
                }
            }
            None => {
                return Self::Unrecognised {
                    what: vec!["no stage".to_owned()],
                };
            }
        };
        let mut step = floor;
        let mut seen_any = false;
        let mut unknown: Vec<String> = Vec::new();
        let mut note = |what: String| {
            if !unknown.contains(&what) {
                unknown.push(what);
            }
        };
        let statuses = order
            .item_statuses
            .iter()
            .map(Some)
            .chain(lines.iter().map(|line| line.status.as_ref()));
        for (index, status) in statuses.enumerate() {
            seen_any = true;
            let Some(status) = status else {
                let line = index
                    .checked_sub(order.item_statuses.len())
                    .and_then(|i| lines.get(i))
                    .map_or_else(String::new, |l| l.line_id.to_string());
                note(format!("line {line}: no status"));
                continue;
            };
            match line_step(status) {
                Some(s) => step = step.max(s),
                None => note(format!("status \"{status}\"")),
            }
        }
        if !unknown.is_empty() {
            return Self::Unrecognised { what: unknown };
        }
        if !seen_any && floor == Step::Released {
            return Self::Unrecognised {
                what: vec!["no line status".to_owned()],
            };
        }
        step.progress()
    }

    /// A short phrase for reports ("being picked").
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Self::NotReleased => "not released for fulfilment".to_owned(),
            Self::Released => "released for fulfilment, nothing picked".to_owned(),
            Self::Picking => "allocated or being picked".to_owned(),
            Self::Dispatched => "dispatched (in part or in full)".to_owned(),
            Self::Removed => "removed".to_owned(),
            Self::Unrecognised { what } => format!("not recognised ({})", what.join(", ")),
        }
    }
}

impl fmt::Display for StoklyProgress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

/// The last point at which a change in Shopify is applied to the Stokly order automatically;
/// after it, the change goes to a person (owner operations).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CutOff {
    /// Only while the order is [`NotReleased`](StoklyProgress::NotReleased). Every order
    /// the evidence shows is released on arrival (stage `order`), so in practice this sends
    /// every change to a person.
    BeforeRelease,
    /// While the order is not released or released with nothing allocated or picked (the
    /// default).
    #[default]
    BeforePicking,
    /// Until anything is dispatched: also while goods are being picked or packed (the
    /// warehouse must notice the change before it ships).
    BeforeDispatch,
}

impl CutOff {
    /// Whether a change to an order at `progress` may still be applied automatically.
    /// `Removed` and `Unrecognised` are never admitted.
    #[must_use]
    pub fn admits(self, progress: &StoklyProgress) -> bool {
        let step = match progress {
            StoklyProgress::NotReleased => Step::NotReleased,
            StoklyProgress::Released => Step::Released,
            StoklyProgress::Picking => Step::Picking,
            StoklyProgress::Dispatched => Step::Dispatched,
            StoklyProgress::Removed | StoklyProgress::Unrecognised { .. } => return false,
        };
        let last = match self {
            Self::BeforeRelease => Step::NotReleased,
            Self::BeforePicking => Step::Released,
            Self::BeforeDispatch => Step::Picking,
        };
        step <= last
    }

    /// A short phrase for reports ("before picking").
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            Self::BeforeRelease => "before release",
            Self::BeforePicking => "before picking",
            Self::BeforeDispatch => "before dispatch",
        }
    }
}

impl fmt::Display for CutOff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// How edits and cancellations are decided.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OrderChangeConfig {
    cut_off: CutOff,
}

impl OrderChangeConfig {
    /// Changes are applied automatically up to `cut_off`.
    #[must_use]
    pub fn new(cut_off: CutOff) -> Self {
        Self { cut_off }
    }

    /// The cut-off (default [`CutOff::BeforePicking`]).
    #[must_use]
    pub fn cut_off(&self) -> CutOff {
        self.cut_off
    }
}
