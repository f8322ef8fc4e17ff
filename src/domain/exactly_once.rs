//! Creating a record exactly once in a system that has no idempotency key, as a sans-IO
//! protocol.
//!
//! Stokly's sale orders, customers, credit documents and journals, and Shopify's fulfilments,
//! tracking updates and price lists, have no idempotency key: sending a create twice makes two
//! records, and a write may become readable only some time after it was accepted. Two hazards
//! follow, and [`ExactlyOnce`] answers both for one batch of records:
//!
//! - **An uncertain failure** (a 5xx, a timeout, a lost answer) may or may not have created
//!   the record, and a look-up made straight after may not see it yet. Such a create is never
//!   sent again until a look-up made at least the
//!   [visibility window](PostingConfig::visibility_window) after it has not found the record.
//! - **Concurrent runs** both look a record up, both find nothing and both create it. So every
//!   record is first *claimed* in a shared ledger ([`PostingLedger`](super::posting::PostingLedger))
//!   with a lease; only the holder looks it up and creates it, and only while the claim
//!   outlasts the visibility window, so that a run that takes the claim over later sees the
//!   create.
//!
//! The machine does no I/O and reads no clock: a driver asks it for the next [`Step`]
//! ([`ExactlyOnce::poll`], passing the time), performs it against the ledger and the target
//! system, and feeds the answer back ([`ExactlyOnce::claimed`], [`ExactlyOnce::looked_up`],
//! [`ExactlyOnce::created`], ...). When the step is [`Step::Done`], every record has exactly
//! one typed [`Outcome`]. The crate's driver is
//! [`adapters::exactly_once`](crate::adapters::exactly_once); sale orders and customers go
//! through it, and so must every later flow that creates records without an idempotency key.
//!
//! The order of steps for a batch:
//!
//! 1. [`Step::Claim`]: claim every record (answers: acquired, possibly with the time of an
//!    earlier uncertain create; done; held by another run; ledger failure).
//! 2. [`Step::LookUp`]: one batched look-up by natural key of every acquired record, sent at
//!    the time passed to `poll`. A record found is done (recorded in the ledger or released,
//!    by [`Completion`]). A record not found whose earlier uncertain create may still appear
//!    is released and deferred. The rest are to be created.
//! 3. [`Step::Prepare`]: the driver may resolve what the creates need (the customers of sale
//!    orders) and [`abandon`](ExactlyOnce::abandon) records it cannot prepare.
//! 4. [`Step::Create`], one record at a time, each only while its claim outlasts the
//!    visibility window from the time it is sent.
//! 5. [`Step::Confirm`] (with [`Completion::ConfirmThenRelease`]): read the new records back
//!    before the claims are released.
//! 6. Uncertain creates are settled: up to `settle_lookups` times, [`Step::WaitUntil`] then
//!    [`Step::LookUp`]; what is still missing is released as uncertain (with the time it was
//!    sent) and deferred.
//!
//! Ledger writes ([`Step::Record`], [`Step::Release`]) come out between these steps as they
//! arise; the driver performs them and goes on (a ledger write that fails is logged: a claim
//! that is not released runs out at the end of its lease).

use std::collections::VecDeque;
use std::fmt;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::posting::{PortError, PostingConfig};

/// What happens once a record is created or found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Completion {
    /// Record the record in the ledger ([`Step::Record`]): later runs know it without a
    /// look-up. Sale orders.
    RecordInLedger,
    /// Read new records back ([`Step::Confirm`]) and release the claims plainly: later runs
    /// find the record by its look-up. Customers.
    ConfirmThenRelease,
}

/// How one batch runs: the posting windows and what completes a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProtocolConfig {
    /// Lease of a claim and the visibility window.
    pub posting: PostingConfig,
    /// What completes a record.
    pub completion: Completion,
    /// Look-ups made to settle uncertain creates before they are deferred (0: deferred at
    /// once, released as uncertain).
    pub settle_lookups: u32,
    /// Pause before each of those look-ups.
    pub settle_delay: Duration,
}

impl ProtocolConfig {
    /// Sale orders: recorded in the ledger, uncertain creates looked up
    /// [`PostingConfig::uncertain_polls`] times, [`PostingConfig::uncertain_poll_delay`] apart.
    #[must_use]
    pub fn recorded(posting: PostingConfig) -> Self {
        Self {
            posting,
            completion: Completion::RecordInLedger,
            settle_lookups: posting.uncertain_polls,
            settle_delay: posting.uncertain_poll_delay,
        }
    }

    /// Customers: read back and released, uncertain creates released as uncertain at once.
    #[must_use]
    pub fn confirmed(posting: PostingConfig) -> Self {
        Self {
            posting,
            completion: Completion::ConfirmThenRelease,
            settle_lookups: 0,
            settle_delay: Duration::ZERO,
        }
    }
}

/// The ledger's answer to a claim, in the protocol's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClaimAnswer<R> {
    /// Claimed until the lease ends; `uncertain_since` when an earlier create's outcome is
    /// unknown.
    Acquired {
        /// The earliest uncertain create.
        uncertain_since: Option<DateTime<Utc>>,
    },
    /// The ledger knows the record as created: `Some` with its ID, or `None` when the ledger
    /// keeps no ID (the record is then looked up, never created).
    Done(Option<R>),
    /// Another run holds the claim.
    Busy {
        /// When its lease ends.
        until: DateTime<Utc>,
    },
    /// The ledger could not be asked.
    Failed {
        /// What it said.
        error: String,
    },
}

/// Why a record was not created in this run; trying again later is expected to help.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum DeferReason {
    /// Another run holds the record's claim.
    ClaimHeldElsewhere {
        /// When that claim ends.
        until: DateTime<Utc>,
    },
    /// The ledger could not be asked; nothing was sent.
    LedgerUnavailable {
        /// What it said.
        error: String,
    },
    /// A call failed and changed nothing (a refused connection, a 429, an outage).
    Unavailable {
        /// The call.
        operation: String,
        /// What happened.
        error: String,
    },
    /// An earlier create of unknown outcome may still become visible; it is looked up again
    /// before anything is sent.
    MayStillAppear {
        /// When that create was sent.
        since: DateTime<Utc>,
    },
    /// The claim would end before a create sent now is visible to other runs; nothing was
    /// sent.
    ClaimTooShort {
        /// When the claim was taken.
        claimed_at: DateTime<Utc>,
        /// The lease, in seconds.
        lease_secs: u64,
        /// The visibility window, in seconds.
        window_secs: u64,
    },
    /// The create was sent, its outcome is unknown, and the look-ups made since have not
    /// found it; it is looked up again before anything is sent.
    NotVisibleYet {
        /// When the create was sent.
        sent_at: DateTime<Utc>,
        /// Look-ups made for it in this run.
        lookups: u32,
    },
    /// The ledger knows the record as created but a look-up did not find it.
    KnownButNotFound,
    /// A port postponed the record on purpose (its own claim held, or its own uncertain
    /// create not visible yet): a dependency of the record, named by `operation`.
    Dependency {
        /// The dependency's call (`create customer`).
        operation: String,
        /// Why the dependency waits.
        reason: Box<DeferReason>,
    },
    /// The driver gave no answer for the record (a defect in the driver).
    NoAnswer {
        /// The step left unanswered.
        step: String,
    },
}

impl DeferReason {
    /// A short machine name, as the serialised form tags it (`claim_held_elsewhere`,
    /// `may_still_appear`...): for counting alike deferrals together.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::ClaimHeldElsewhere { .. } => "claim_held_elsewhere",
            Self::LedgerUnavailable { .. } => "ledger_unavailable",
            Self::Unavailable { .. } => "unavailable",
            Self::MayStillAppear { .. } => "may_still_appear",
            Self::ClaimTooShort { .. } => "claim_too_short",
            Self::NotVisibleYet { .. } => "not_visible_yet",
            Self::KnownButNotFound => "known_but_not_found",
            Self::Dependency { .. } => "dependency",
            Self::NoAnswer { .. } => "no_answer",
        }
    }
}

impl fmt::Display for DeferReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ClaimHeldElsewhere { until } => {
                write!(f, "another run holds the claim until {until}")
            }
            Self::LedgerUnavailable { error } => write!(f, "posting ledger: {error}"),
            Self::Unavailable { operation, error } => {
                write!(f, "{operation} failed and changed nothing: {error}")
            }
            Self::MayStillAppear { since } => write!(
                f,
                "an earlier create at {since} may have succeeded and is not visible yet; it is \
                 looked up again before anything is sent"
            ),
            Self::ClaimTooShort {
                claimed_at,
                lease_secs,
                window_secs,
            } => write!(
                f,
                "the claim (taken at {claimed_at}, lease {lease_secs} s) would end before a \
                 create sent now is visible to other runs (visibility window {window_secs} s); \
                 nothing was sent, and a later run creates it"
            ),
            Self::NotVisibleYet { sent_at, lookups } => write!(
                f,
                "the create sent at {sent_at} may have succeeded but is not visible after \
                 {lookups} look-ups; it is looked up again before anything is sent"
            ),
            Self::KnownButNotFound => f.write_str(
                "the ledger knows the record as created but the look-up did not find it",
            ),
            Self::Dependency { operation, reason } => write!(f, "{operation} postponed: {reason}"),
            Self::NoAnswer { step } => write!(f, "no answer to the {step} step"),
        }
    }
}

/// What became of one record.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome<R> {
    /// This run created it.
    Created(R),
    /// It existed already (known to the ledger, or found by the look-up).
    AlreadyDone(R),
    /// The other side refused it as sent; nothing was created and sending it unchanged again
    /// will not help. A person must look.
    Refused {
        /// The call (`create sale order`).
        operation: String,
        /// The other side's message.
        message: String,
    },
    /// Not created in this run; safe to try again.
    Deferred(DeferReason),
}

/// What the driver must do next.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Step<R> {
    /// Claim each record (answer each with [`ExactlyOnce::claimed`]).
    Claim {
        /// The records, with their ledger keys.
        items: Vec<(usize, String)>,
        /// The time of the claims.
        now: DateTime<Utc>,
        /// The lease to ask for.
        lease: Duration,
    },
    /// Look these records up by natural key, in one batch (answer with
    /// [`ExactlyOnce::looked_up`]).
    LookUp {
        /// The records.
        items: Vec<usize>,
    },
    /// Prepare the creates of these records; [`ExactlyOnce::abandon`] those that cannot be
    /// prepared, then poll again.
    Prepare {
        /// The records.
        items: Vec<usize>,
    },
    /// Create this record (answer with [`ExactlyOnce::created`]).
    Create {
        /// The record.
        item: usize,
    },
    /// Read these new records back (answer with [`ExactlyOnce::confirmed`]).
    Confirm {
        /// The records.
        items: Vec<usize>,
    },
    /// Record this record as created in the ledger, ending its claim; then poll again.
    Record {
        /// The record.
        item: usize,
        /// Its ledger key.
        key: String,
        /// The created record.
        record: R,
    },
    /// End this record's claim without recording it; then poll again.
    Release {
        /// The record.
        item: usize,
        /// Its ledger key.
        key: String,
        /// When an uncertain create was sent, to be kept by the ledger.
        uncertain_since: Option<DateTime<Utc>>,
    },
    /// Wait until this time, then poll again.
    WaitUntil(DateTime<Utc>),
    /// Every record has its outcome ([`ExactlyOnce::into_outcomes`]).
    Done,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State<R> {
    /// Waiting for its claim.
    Unclaimed,
    /// Claimed; waiting for the look-up.
    Claimed {
        uncertain_since: Option<DateTime<Utc>>,
    },
    /// The ledger knows it; looked up, never created.
    KnownToLedger,
    /// To be created.
    ToCreate,
    /// Its create was sent at `sent_at`.
    Creating {
        sent_at: DateTime<Utc>,
    },
    /// Created at `sent_at`, waiting to be read back.
    Confirming {
        record: R,
        sent_at: DateTime<Utc>,
    },
    /// Its create's outcome is unknown.
    Uncertain {
        sent_at: DateTime<Utc>,
    },
    Finished(Outcome<R>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Claim,
    AwaitClaims,
    LookUp,
    AwaitLookUp,
    Prepare,
    Create,
    AwaitCreate,
    Confirm,
    AwaitConfirm,
    Settle,
    AwaitSettle,
    Finish,
}

/// The exactly-once protocol for one batch of records (see the module documentation).
///
/// `R` is the created record's ID. Records are named by their position in the batch.
#[derive(Debug, Clone)]
pub struct ExactlyOnce<R> {
    config: ProtocolConfig,
    keys: Vec<String>,
    states: Vec<State<R>>,
    phase: Phase,
    ledger: VecDeque<Step<R>>,
    claimed_at: Option<DateTime<Utc>>,
    looked_up_at: Option<DateTime<Utc>>,
    create_cursor: usize,
    settle_lookups: u32,
    wait_until: Option<DateTime<Utc>>,
}

impl<R: Clone> ExactlyOnce<R> {
    /// A batch of records under these ledger keys (one per record, distinct).
    #[must_use]
    pub fn new(keys: Vec<String>, config: ProtocolConfig) -> Self {
        let states = keys.iter().map(|_| State::Unclaimed).collect();
        Self {
            config,
            keys,
            states,
            phase: Phase::Claim,
            ledger: VecDeque::new(),
            claimed_at: None,
            looked_up_at: None,
            create_cursor: 0,
            settle_lookups: 0,
            wait_until: None,
        }
    }

    /// The number of records in the batch.
    #[must_use]
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the batch is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The ledger key of record `item`.
    #[must_use]
    pub fn key(&self, item: usize) -> Option<&str> {
        self.keys.get(item).map(String::as_str)
    }

    /// The outcome of record `item`, once it has one.
    #[must_use]
    pub fn outcome(&self, item: usize) -> Option<&Outcome<R>> {
        match self.states.get(item) {
            Some(State::Finished(outcome)) => Some(outcome),
            _ => None,
        }
    }

    /// The next step at `now`.
    pub fn poll(&mut self, now: DateTime<Utc>) -> Step<R> {
        loop {
            if let Some(step) = self.ledger.pop_front() {
                return step;
            }
            match self.phase {
                Phase::Claim => {
                    self.phase = Phase::AwaitClaims;
                    self.claimed_at = Some(now);
                    let items: Vec<(usize, String)> =
                        self.keys.iter().cloned().enumerate().collect();
                    if !items.is_empty() {
                        return Step::Claim {
                            items,
                            now,
                            lease: self.config.posting.lease,
                        };
                    }
                }
                Phase::AwaitClaims => {
                    self.unanswered(|s| matches!(s, State::Unclaimed), "claim", false);
                    self.phase = Phase::LookUp;
                }
                Phase::LookUp => {
                    let items = self
                        .items_where(|s| matches!(s, State::Claimed { .. } | State::KnownToLedger));
                    if items.is_empty() {
                        self.phase = Phase::Finish;
                    } else {
                        self.phase = Phase::AwaitLookUp;
                        self.looked_up_at = Some(now);
                        return Step::LookUp { items };
                    }
                }
                Phase::AwaitLookUp => {
                    self.unanswered(
                        |s| matches!(s, State::Claimed { .. } | State::KnownToLedger),
                        "look-up",
                        true,
                    );
                    self.phase = Phase::Prepare;
                }
                Phase::Prepare => {
                    let items = self.items_where(|s| matches!(s, State::ToCreate));
                    self.phase = Phase::Create;
                    if !items.is_empty() {
                        return Step::Prepare { items };
                    }
                }
                Phase::Create => {
                    let next = self
                        .states
                        .iter()
                        .enumerate()
                        .skip(self.create_cursor)
                        .find(|(_, s)| matches!(s, State::ToCreate))
                        .map(|(i, _)| i);
                    let Some(item) = next else {
                        self.phase = Phase::Confirm;
                        continue;
                    };
                    self.create_cursor = item + 1;
                    let claimed_at = self.claimed_at.unwrap_or(now);
                    if self
                        .config
                        .posting
                        .claim_outlasts_visibility(claimed_at, now)
                    {
                        self.set(item, State::Creating { sent_at: now });
                        self.phase = Phase::AwaitCreate;
                        return Step::Create { item };
                    }
                    let posting = self.config.posting;
                    self.release(
                        item,
                        None,
                        Outcome::Deferred(DeferReason::ClaimTooShort {
                            claimed_at,
                            lease_secs: posting.lease.as_secs(),
                            window_secs: posting.visibility_window.as_secs(),
                        }),
                    );
                }
                Phase::AwaitCreate => {
                    self.unanswered(|s| matches!(s, State::Creating { .. }), "create", true);
                    self.phase = Phase::Create;
                }
                Phase::Confirm => {
                    let items = self.items_where(|s| matches!(s, State::Confirming { .. }));
                    if items.is_empty() {
                        self.phase = Phase::Settle;
                    } else {
                        self.phase = Phase::AwaitConfirm;
                        return Step::Confirm { items };
                    }
                }
                Phase::AwaitConfirm => {
                    self.unanswered(|s| matches!(s, State::Confirming { .. }), "confirm", true);
                    self.phase = Phase::Settle;
                }
                Phase::Settle => {
                    let items = self.items_where(|s| matches!(s, State::Uncertain { .. }));
                    if items.is_empty() {
                        self.phase = Phase::Finish;
                        continue;
                    }
                    if self.settle_lookups >= self.config.settle_lookups {
                        self.give_up_uncertain();
                        continue;
                    }
                    match self.wait_until {
                        None => {
                            let until = TimeDelta::from_std(self.config.settle_delay)
                                .ok()
                                .and_then(|d| now.checked_add_signed(d))
                                .unwrap_or(now);
                            self.wait_until = Some(until);
                            if until > now {
                                return Step::WaitUntil(until);
                            }
                        }
                        Some(until) if now < until => return Step::WaitUntil(until),
                        Some(_) => {}
                    }
                    self.wait_until = None;
                    self.settle_lookups += 1;
                    self.phase = Phase::AwaitSettle;
                    return Step::LookUp { items };
                }
                Phase::AwaitSettle => {
                    // An unanswered settle look-up counts as one that found nothing.
                    self.phase = Phase::Settle;
                }
                Phase::Finish => {
                    self.unanswered(|s| !matches!(s, State::Finished(_)), "run", true);
                    if self.ledger.is_empty() {
                        return Step::Done;
                    }
                }
            }
        }
    }

    /// The ledger's answer to the claim of `item`.
    pub fn claimed(&mut self, item: usize, answer: ClaimAnswer<R>) {
        if self.phase != Phase::AwaitClaims || !matches!(self.state(item), Some(State::Unclaimed)) {
            return;
        }
        let state = match answer {
            ClaimAnswer::Acquired { uncertain_since } => State::Claimed { uncertain_since },
            ClaimAnswer::Done(Some(record)) => State::Finished(Outcome::AlreadyDone(record)),
            ClaimAnswer::Done(None) => State::KnownToLedger,
            ClaimAnswer::Busy { until } => {
                State::Finished(Outcome::Deferred(DeferReason::ClaimHeldElsewhere { until }))
            }
            ClaimAnswer::Failed { error } => {
                State::Finished(Outcome::Deferred(DeferReason::LedgerUnavailable { error }))
            }
        };
        self.set(item, state);
    }

    /// The answer to the last [`Step::LookUp`]: the records found, with their IDs, or why the
    /// look-up failed.
    pub fn looked_up(&mut self, answer: Result<Vec<(usize, R)>, &PortError>) {
        match self.phase {
            Phase::AwaitLookUp => self.first_look_up(answer),
            Phase::AwaitSettle => {
                self.phase = Phase::Settle;
                // A failed settle look-up is one attempt that found nothing.
                if let Ok(found) = answer {
                    for (item, record) in found {
                        if matches!(self.state(item), Some(State::Uncertain { .. })) {
                            self.complete(item, record, true);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// The look-up of record `item` failed on its own (the rest of the batch was answered);
    /// call before [`ExactlyOnce::looked_up`] with the rest. Its claim is released.
    pub fn look_up_failed(&mut self, item: usize, error: &PortError) {
        match (self.phase, self.state(item)) {
            (Phase::AwaitLookUp, Some(State::Claimed { .. })) => {
                self.release(item, None, failed(error));
            }
            (Phase::AwaitLookUp, Some(State::KnownToLedger)) => {
                self.set(item, State::Finished(failed(error)));
            }
            // A settle look-up that failed for one record found nothing for it.
            _ => {}
        }
    }

    fn first_look_up(&mut self, answer: Result<Vec<(usize, R)>, &PortError>) {
        self.phase = Phase::Prepare;
        let found = match answer {
            Ok(found) => found,
            Err(error) => {
                let outcome = failed(error);
                for item in self.items_where(|s| matches!(s, State::Claimed { .. })) {
                    self.release(item, None, outcome.clone());
                }
                for item in self.items_where(|s| matches!(s, State::KnownToLedger)) {
                    self.set(item, State::Finished(outcome.clone()));
                }
                return;
            }
        };
        let mut records: Vec<Option<R>> = vec![None; self.keys.len()];
        for (item, record) in found {
            if let Some(slot) = records.get_mut(item) {
                // The first answer for a record wins; a look-up port orders duplicates.
                if slot.is_none() {
                    *slot = Some(record);
                }
            }
        }
        let looked_up_at = self.looked_up_at;
        for (item, record) in records.into_iter().enumerate() {
            match (self.state(item).cloned(), record) {
                (Some(State::Claimed { .. }), Some(record)) => self.complete(item, record, false),
                (Some(State::KnownToLedger), Some(record)) => {
                    self.set(item, State::Finished(Outcome::AlreadyDone(record)));
                }
                (Some(State::KnownToLedger), None) => {
                    self.set(
                        item,
                        State::Finished(Outcome::Deferred(DeferReason::KnownButNotFound)),
                    );
                }
                (Some(State::Claimed { uncertain_since }), None) => {
                    let still = uncertain_since.filter(|since| {
                        looked_up_at
                            .is_none_or(|at| self.config.posting.may_still_appear(*since, at))
                    });
                    match still {
                        Some(since) => self.release(
                            item,
                            None,
                            Outcome::Deferred(DeferReason::MayStillAppear { since }),
                        ),
                        None => self.set(item, State::ToCreate),
                    }
                }
                _ => {}
            }
        }
    }

    /// Gives up record `item` before its create, because what the create needs could not be
    /// had (`error`); its claim is released. Only between [`Step::Prepare`] and its create.
    pub fn abandon(&mut self, item: usize, error: &PortError) {
        if matches!(self.state(item), Some(State::ToCreate)) {
            self.release(item, None, failed(error));
        }
    }

    /// Gives up record `item` before its create with a reason of the protocol's own (a
    /// dependency postponed, a driver that has no answer); its claim is released.
    pub fn defer(&mut self, item: usize, reason: DeferReason) {
        if matches!(self.state(item), Some(State::ToCreate)) {
            self.release(item, None, Outcome::Deferred(reason));
        }
    }

    /// The answer to the [`Step::Create`] of `item`.
    pub fn created(&mut self, item: usize, answer: Result<R, &PortError>) {
        let Some(State::Creating { sent_at }) = self.state(item).cloned() else {
            return;
        };
        if self.phase == Phase::AwaitCreate {
            self.phase = Phase::Create;
        }
        match answer {
            Ok(record) => match self.config.completion {
                Completion::RecordInLedger => self.complete(item, record, true),
                Completion::ConfirmThenRelease => {
                    self.set(item, State::Confirming { record, sent_at });
                }
            },
            Err(PortError::Uncertain { .. }) => self.set(item, State::Uncertain { sent_at }),
            Err(error) => self.release(item, None, failed(error)),
        }
    }

    /// The answer to the last [`Step::Confirm`]: every new record was read back, or the
    /// read-back failed (the records are then released as uncertain: created, but not seen).
    pub fn confirmed(&mut self, answer: Result<(), &PortError>) {
        if self.phase != Phase::AwaitConfirm {
            return;
        }
        self.phase = Phase::Settle;
        for item in self.items_where(|s| matches!(s, State::Confirming { .. })) {
            let Some(State::Confirming { record, sent_at }) = self.state(item).cloned() else {
                continue;
            };
            match answer {
                Ok(()) => self.release(item, None, Outcome::Created(record)),
                Err(error) => self.release(item, Some(sent_at), failed(error)),
            }
        }
    }

    /// Every record's outcome, in batch order, once [`Step::Done`] was returned. A record
    /// without one (the batch was not run to the end) is deferred with
    /// [`DeferReason::NoAnswer`].
    #[must_use]
    pub fn into_outcomes(self) -> Vec<Outcome<R>> {
        self.states
            .into_iter()
            .map(|s| match s {
                State::Finished(outcome) => outcome,
                _ => Outcome::Deferred(DeferReason::NoAnswer {
                    step: "run".to_owned(),
                }),
            })
            .collect()
    }

    fn state(&self, item: usize) -> Option<&State<R>> {
        self.states.get(item)
    }

    fn set(&mut self, item: usize, state: State<R>) {
        if let Some(slot) = self.states.get_mut(item) {
            *slot = state;
        }
    }

    fn items_where(&self, f: impl Fn(&State<R>) -> bool) -> Vec<usize> {
        self.states
            .iter()
            .enumerate()
            .filter(|(_, s)| f(s))
            .map(|(i, _)| i)
            .collect()
    }

    fn key_of(&self, item: usize) -> String {
        self.keys.get(item).cloned().unwrap_or_default()
    }

    /// A record found or created: recorded in the ledger or released, by [`Completion`].
    fn complete(&mut self, item: usize, record: R, created_here: bool) {
        let outcome = if created_here {
            Outcome::Created(record.clone())
        } else {
            Outcome::AlreadyDone(record.clone())
        };
        match self.config.completion {
            Completion::RecordInLedger => {
                self.ledger.push_back(Step::Record {
                    item,
                    key: self.key_of(item),
                    record,
                });
                self.set(item, State::Finished(outcome));
            }
            Completion::ConfirmThenRelease => self.release(item, None, outcome),
        }
    }

    fn release(
        &mut self,
        item: usize,
        uncertain_since: Option<DateTime<Utc>>,
        outcome: Outcome<R>,
    ) {
        self.ledger.push_back(Step::Release {
            item,
            key: self.key_of(item),
            uncertain_since,
        });
        self.set(item, State::Finished(outcome));
    }

    fn give_up_uncertain(&mut self) {
        let lookups = self.settle_lookups;
        for item in self.items_where(|s| matches!(s, State::Uncertain { .. })) {
            if let Some(State::Uncertain { sent_at }) = self.state(item).cloned() {
                self.release(
                    item,
                    Some(sent_at),
                    Outcome::Deferred(DeferReason::NotVisibleYet { sent_at, lookups }),
                );
            }
        }
    }

    /// Records still in a state the driver should have answered: deferred (released when
    /// `claimed` holds a claim), so a driver defect never loses a record.
    fn unanswered(&mut self, f: impl Fn(&State<R>) -> bool, step: &str, claimed: bool) {
        for item in self.items_where(f) {
            let outcome = Outcome::Deferred(DeferReason::NoAnswer {
                step: step.to_owned(),
            });
            let holds_claim = claimed && !matches!(self.state(item), Some(State::KnownToLedger));
            if holds_claim {
                let uncertain_since = match self.state(item) {
                    Some(State::Creating { sent_at } | State::Confirming { sent_at, .. }) => {
                        Some(*sent_at)
                    }
                    _ => None,
                };
                self.release(item, uncertain_since, outcome);
            } else {
                self.set(item, State::Finished(outcome));
            }
        }
    }
}

/// A port failure as an outcome: a refusal stays a refusal, a postponement names its
/// dependency, anything else changed nothing (or is settled elsewhere) and is deferred.
fn failed<R>(error: &PortError) -> Outcome<R> {
    match error {
        PortError::Refused { operation, message } => Outcome::Refused {
            operation: operation.to_string(),
            message: message.clone(),
        },
        PortError::Postponed { operation, reason } => Outcome::Deferred(DeferReason::Dependency {
            operation: operation.to_string(),
            reason: Box::new(reason.clone()),
        }),
        PortError::Unavailable { operation, source }
        | PortError::Uncertain { operation, source } => {
            Outcome::Deferred(DeferReason::Unavailable {
                operation: operation.to_string(),
                error: source.to_string(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

    use super::*;

    type Machine = ExactlyOnce<String>;

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
    }

    fn posting() -> PostingConfig {
        PostingConfig::default()
            .with_lease(Duration::from_secs(300))
            .with_visibility_window(Duration::from_secs(60))
            .with_uncertain_polls(3, Duration::from_secs(2))
    }

    fn machine(n: usize, config: ProtocolConfig) -> Machine {
        ExactlyOnce::new((0..n).map(|i| format!("shop/orders/{i}")).collect(), config)
    }

    fn unavailable() -> PortError {
        PortError::Unavailable {
            operation: "look up sale orders".into(),
            source: "connection refused".into(),
        }
    }

    fn uncertain() -> PortError {
        PortError::Uncertain {
            operation: "create sale order".into(),
            source: "504".into(),
        }
    }

    fn rec(s: &str) -> String {
        s.to_owned()
    }

    /// Answers the claim step with `answers` (one per record) and returns the claim time.
    fn claim_all(m: &mut Machine, now: DateTime<Utc>, answers: Vec<ClaimAnswer<String>>) {
        let Step::Claim {
            items,
            now: at,
            lease,
        } = m.poll(now)
        else {
            panic!("expected the claim step");
        };
        assert_eq!(at, now);
        assert_eq!(lease, Duration::from_secs(300));
        assert_eq!(items.len(), answers.len());
        for ((item, key), answer) in items.into_iter().zip(answers) {
            assert_eq!(key, format!("shop/orders/{item}"));
            m.claimed(item, answer);
        }
    }

    fn acquired() -> ClaimAnswer<String> {
        ClaimAnswer::Acquired {
            uncertain_since: None,
        }
    }

    /// Claims `n` records at t(0), finds none, and takes the prepare step: the next poll
    /// sends the first create (or refuses it).
    fn ready_to_create(m: &mut Machine, n: usize) {
        claim_all(m, t(0), (0..n).map(|_| acquired()).collect());
        assert!(matches!(m.poll(t(0)), Step::LookUp { .. }));
        m.looked_up(Ok(vec![]));
        assert!(matches!(m.poll(t(0)), Step::Prepare { .. }));
    }

    fn release(item: usize, since: Option<DateTime<Utc>>) -> Step<String> {
        Step::Release {
            item,
            key: format!("shop/orders/{item}"),
            uncertain_since: since,
        }
    }

    fn record(item: usize, id: &str) -> Step<String> {
        Step::Record {
            item,
            key: format!("shop/orders/{item}"),
            record: rec(id),
        }
    }

    #[test]
    fn found_records_are_recorded_and_missing_ones_created_once() {
        let mut m = machine(2, ProtocolConfig::recorded(posting()));
        claim_all(&mut m, t(0), vec![acquired(), acquired()]);
        assert_eq!(m.poll(t(1)), Step::LookUp { items: vec![0, 1] });
        m.looked_up(Ok(vec![(0, rec("SO-0"))]));
        assert_eq!(m.poll(t(2)), record(0, "SO-0"));
        assert_eq!(m.poll(t(2)), Step::Prepare { items: vec![1] });
        assert_eq!(m.poll(t(3)), Step::Create { item: 1 });
        m.created(1, Ok(rec("SO-1")));
        assert_eq!(m.poll(t(4)), record(1, "SO-1"));
        assert_eq!(m.poll(t(4)), Step::Done);
        assert_eq!(
            m.into_outcomes(),
            vec![
                Outcome::AlreadyDone(rec("SO-0")),
                Outcome::Created(rec("SO-1"))
            ]
        );
    }

    #[test]
    fn claim_answers_other_than_acquired_send_nothing() {
        let mut m = machine(3, ProtocolConfig::recorded(posting()));
        claim_all(
            &mut m,
            t(0),
            vec![
                ClaimAnswer::Done(Some(rec("SO-9"))),
                ClaimAnswer::Busy { until: t(300) },
                ClaimAnswer::Failed {
                    error: "pool timed out".into(),
                },
            ],
        );
        assert_eq!(m.poll(t(1)), Step::Done, "no look-up, no ledger write");
        assert_eq!(
            m.into_outcomes(),
            vec![
                Outcome::AlreadyDone(rec("SO-9")),
                Outcome::Deferred(DeferReason::ClaimHeldElsewhere { until: t(300) }),
                Outcome::Deferred(DeferReason::LedgerUnavailable {
                    error: "pool timed out".into()
                }),
            ]
        );
    }

    #[test]
    fn a_failed_look_up_releases_every_claim_and_creates_nothing() {
        let mut m = machine(2, ProtocolConfig::recorded(posting()));
        claim_all(&mut m, t(0), vec![acquired(), acquired()]);
        assert!(matches!(m.poll(t(0)), Step::LookUp { .. }));
        m.looked_up(Err(&unavailable()));
        assert_eq!(m.poll(t(1)), release(0, None));
        assert_eq!(m.poll(t(1)), release(1, None));
        assert_eq!(m.poll(t(1)), Step::Done);
        let deferred = Outcome::Deferred(DeferReason::Unavailable {
            operation: "look up sale orders".into(),
            error: "connection refused".into(),
        });
        assert_eq!(m.into_outcomes(), vec![deferred.clone(), deferred]);
    }

    #[test]
    fn a_refused_look_up_is_a_refusal() {
        let mut m = machine(1, ProtocolConfig::recorded(posting()));
        claim_all(&mut m, t(0), vec![acquired()]);
        m.poll(t(0));
        m.looked_up(Err(&PortError::Refused {
            operation: "look up sale orders".into(),
            message: "bad filter".into(),
        }));
        assert_eq!(m.poll(t(0)), release(0, None));
        assert_eq!(m.poll(t(0)), Step::Done);
        assert_eq!(
            m.into_outcomes(),
            vec![Outcome::Refused {
                operation: "look up sale orders".into(),
                message: "bad filter".into()
            }]
        );
    }

    #[test]
    fn an_earlier_uncertain_create_inside_the_window_is_not_sent_again() {
        let mut m = machine(1, ProtocolConfig::recorded(posting()));
        claim_all(
            &mut m,
            t(100),
            vec![ClaimAnswer::Acquired {
                uncertain_since: Some(t(50)),
            }],
        );
        // The look-up is sent 59 s after the uncertain create: not finding it proves nothing.
        assert_eq!(m.poll(t(109)), Step::LookUp { items: vec![0] });
        m.looked_up(Ok(vec![]));
        assert_eq!(m.poll(t(110)), release(0, None));
        assert_eq!(m.poll(t(110)), Step::Done);
        assert_eq!(
            m.into_outcomes(),
            vec![Outcome::Deferred(DeferReason::MayStillAppear {
                since: t(50)
            })]
        );
    }

    #[test]
    fn after_the_window_a_record_still_missing_is_created() {
        let mut m = machine(1, ProtocolConfig::recorded(posting()));
        claim_all(
            &mut m,
            t(100),
            vec![ClaimAnswer::Acquired {
                uncertain_since: Some(t(50)),
            }],
        );
        // Sent exactly one window after the uncertain create.
        assert_eq!(m.poll(t(110)), Step::LookUp { items: vec![0] });
        m.looked_up(Ok(vec![]));
        assert_eq!(m.poll(t(111)), Step::Prepare { items: vec![0] });
        assert_eq!(m.poll(t(111)), Step::Create { item: 0 });
    }

    #[test]
    fn a_create_that_appears_after_the_window_is_found_by_the_next_run() {
        let mut m = machine(1, ProtocolConfig::recorded(posting()));
        claim_all(
            &mut m,
            t(500),
            vec![ClaimAnswer::Acquired {
                uncertain_since: Some(t(0)),
            }],
        );
        m.poll(t(500));
        m.looked_up(Ok(vec![(0, rec("SO-late"))]));
        assert_eq!(m.poll(t(501)), record(0, "SO-late"));
        assert_eq!(m.poll(t(501)), Step::Done);
        assert_eq!(
            m.into_outcomes(),
            vec![Outcome::AlreadyDone(rec("SO-late"))]
        );
    }

    #[test]
    fn a_lost_answer_is_settled_by_looking_up_after_a_pause() {
        let mut m = machine(1, ProtocolConfig::recorded(posting()));
        claim_all(&mut m, t(0), vec![acquired()]);
        m.poll(t(0));
        m.looked_up(Ok(vec![]));
        assert_eq!(m.poll(t(1)), Step::Prepare { items: vec![0] });
        assert_eq!(m.poll(t(1)), Step::Create { item: 0 });
        m.created(0, Err(&uncertain()));
        assert_eq!(m.poll(t(2)), Step::WaitUntil(t(4)));
        // Polled early (a spurious wake-up): still waiting.
        assert_eq!(m.poll(t(3)), Step::WaitUntil(t(4)));
        assert_eq!(m.poll(t(4)), Step::LookUp { items: vec![0] });
        m.looked_up(Ok(vec![]));
        assert_eq!(m.poll(t(4)), Step::WaitUntil(t(6)));
        assert_eq!(m.poll(t(6)), Step::LookUp { items: vec![0] });
        m.looked_up(Ok(vec![(0, rec("SO-0"))]));
        assert_eq!(m.poll(t(6)), record(0, "SO-0"));
        assert_eq!(m.poll(t(6)), Step::Done);
        assert_eq!(m.into_outcomes(), vec![Outcome::Created(rec("SO-0"))]);
    }

    #[test]
    fn an_uncertain_create_never_seen_is_released_with_the_time_it_was_sent() {
        let mut m = machine(1, ProtocolConfig::recorded(posting()));
        ready_to_create(&mut m, 1);
        assert_eq!(m.poll(t(7)), Step::Create { item: 0 });
        m.created(0, Err(&uncertain()));
        let mut now = t(7);
        let mut lookups = 0;
        loop {
            match m.poll(now) {
                Step::WaitUntil(until) => now = until,
                Step::LookUp { items } => {
                    assert_eq!(items, vec![0]);
                    lookups += 1;
                    // One of them fails: it still counts.
                    if lookups == 2 {
                        m.looked_up(Err(&unavailable()));
                    } else {
                        m.looked_up(Ok(vec![]));
                    }
                }
                step => {
                    assert_eq!(step, release(0, Some(t(7))));
                    break;
                }
            }
        }
        assert_eq!(lookups, 3);
        assert_eq!(m.poll(now), Step::Done);
        assert_eq!(
            m.into_outcomes(),
            vec![Outcome::Deferred(DeferReason::NotVisibleYet {
                sent_at: t(7),
                lookups: 3
            })]
        );
    }

    #[test]
    fn a_create_is_sent_only_while_the_claim_outlasts_the_visibility_window() {
        let mut m = machine(2, ProtocolConfig::recorded(posting()));
        ready_to_create(&mut m, 2);
        // lease 300 s, window 60 s: a create sent at 239 s is visible by 299 s, before the end.
        assert_eq!(m.poll(t(239)), Step::Create { item: 0 });
        m.created(0, Ok(rec("SO-0")));
        assert_eq!(m.poll(t(240)), record(0, "SO-0"));
        // At 240 s it would be visible only when the lease ends: not sent.
        assert_eq!(m.poll(t(240)), release(1, None));
        assert_eq!(m.poll(t(240)), Step::Done);
        assert_eq!(
            m.into_outcomes()[1],
            Outcome::Deferred(DeferReason::ClaimTooShort {
                claimed_at: t(0),
                lease_secs: 300,
                window_secs: 60
            })
        );
    }

    #[test]
    fn a_lease_no_longer_than_the_window_never_creates() {
        let config = ProtocolConfig::recorded(
            posting()
                .with_lease(Duration::from_secs(60))
                .with_visibility_window(Duration::from_secs(60)),
        );
        let mut m = machine(1, config);
        claim_all_with_lease(&mut m, t(0), Duration::from_secs(60));
        m.poll(t(0));
        m.looked_up(Ok(vec![]));
        m.poll(t(0));
        assert_eq!(m.poll(t(0)), release(0, None));
        assert_eq!(m.poll(t(0)), Step::Done);
    }

    fn claim_all_with_lease(m: &mut Machine, now: DateTime<Utc>, lease: Duration) {
        let Step::Claim {
            items, lease: l, ..
        } = m.poll(now)
        else {
            panic!("expected the claim step");
        };
        assert_eq!(l, lease);
        for (item, _) in items {
            m.claimed(item, acquired());
        }
    }

    #[test]
    fn refusals_and_failures_of_the_create_release_the_claim() {
        let mut m = machine(2, ProtocolConfig::recorded(posting()));
        ready_to_create(&mut m, 2);
        assert_eq!(m.poll(t(0)), Step::Create { item: 0 });
        m.created(
            0,
            Err(&PortError::Refused {
                operation: "create sale order".into(),
                message: "channel unknown".into(),
            }),
        );
        assert_eq!(m.poll(t(0)), release(0, None));
        assert_eq!(m.poll(t(0)), Step::Create { item: 1 });
        m.created(1, Err(&unavailable()));
        assert_eq!(m.poll(t(0)), release(1, None));
        assert_eq!(m.poll(t(0)), Step::Done);
        let outcomes = m.into_outcomes();
        assert!(
            matches!(&outcomes[0], Outcome::Refused { message, .. } if message == "channel unknown")
        );
        assert!(matches!(
            &outcomes[1],
            Outcome::Deferred(DeferReason::Unavailable { .. })
        ));
    }

    #[test]
    fn an_abandoned_record_is_released_and_keeps_its_reason() {
        let mut m = machine(2, ProtocolConfig::recorded(posting()));
        claim_all(&mut m, t(0), vec![acquired(), acquired()]);
        m.poll(t(0));
        m.looked_up(Ok(vec![]));
        assert_eq!(m.poll(t(0)), Step::Prepare { items: vec![0, 1] });
        m.abandon(
            0,
            &PortError::Postponed {
                operation: "create customer".into(),
                reason: DeferReason::ClaimHeldElsewhere { until: t(300) },
            },
        );
        assert_eq!(m.poll(t(0)), release(0, None));
        assert_eq!(m.poll(t(0)), Step::Create { item: 1 });
        m.created(1, Ok(rec("SO-1")));
        assert_eq!(m.poll(t(0)), record(1, "SO-1"));
        assert_eq!(m.poll(t(0)), Step::Done);
        assert_eq!(
            m.into_outcomes()[0],
            Outcome::Deferred(DeferReason::Dependency {
                operation: "create customer".into(),
                reason: Box::new(DeferReason::ClaimHeldElsewhere { until: t(300) })
            })
        );
    }

    #[test]
    fn confirmed_records_are_released_plainly_and_unconfirmed_ones_as_uncertain() {
        for ok in [true, false] {
            let mut m = machine(2, ProtocolConfig::confirmed(posting()));
            claim_all(&mut m, t(0), vec![acquired(), acquired()]);
            m.poll(t(0));
            m.looked_up(Ok(vec![(0, rec("C-0"))]));
            // Found: released, not recorded.
            assert_eq!(m.poll(t(0)), release(0, None));
            assert_eq!(m.poll(t(0)), Step::Prepare { items: vec![1] });
            assert_eq!(m.poll(t(1)), Step::Create { item: 1 });
            m.created(1, Ok(rec("C-1")));
            assert_eq!(m.poll(t(2)), Step::Confirm { items: vec![1] });
            if ok {
                m.confirmed(Ok(()));
                assert_eq!(m.poll(t(3)), release(1, None));
            } else {
                m.confirmed(Err(&unavailable()));
                assert_eq!(m.poll(t(3)), release(1, Some(t(1))));
            }
            assert_eq!(m.poll(t(3)), Step::Done);
            let outcomes = m.into_outcomes();
            assert_eq!(outcomes[0], Outcome::AlreadyDone(rec("C-0")));
            if ok {
                assert_eq!(outcomes[1], Outcome::Created(rec("C-1")));
            } else {
                assert!(matches!(
                    outcomes[1],
                    Outcome::Deferred(DeferReason::Unavailable { .. })
                ));
            }
        }
    }

    #[test]
    fn without_settle_look_ups_an_uncertain_create_is_released_at_once() {
        let mut m = machine(1, ProtocolConfig::confirmed(posting()));
        ready_to_create(&mut m, 1);
        assert_eq!(m.poll(t(5)), Step::Create { item: 0 });
        m.created(0, Err(&uncertain()));
        assert_eq!(m.poll(t(6)), release(0, Some(t(5))));
        assert_eq!(m.poll(t(6)), Step::Done);
        assert_eq!(
            m.into_outcomes(),
            vec![Outcome::Deferred(DeferReason::NotVisibleYet {
                sent_at: t(5),
                lookups: 0
            })]
        );
    }

    #[test]
    fn a_record_the_ledger_knows_without_an_id_is_looked_up_and_never_created() {
        let mut m = machine(2, ProtocolConfig::confirmed(posting()));
        claim_all(
            &mut m,
            t(0),
            vec![ClaimAnswer::Done(None), ClaimAnswer::Done(None)],
        );
        assert_eq!(m.poll(t(0)), Step::LookUp { items: vec![0, 1] });
        m.looked_up(Ok(vec![(1, rec("C-1"))]));
        assert_eq!(m.poll(t(0)), Step::Done, "no claim is held: no release");
        assert_eq!(
            m.into_outcomes(),
            vec![
                Outcome::Deferred(DeferReason::KnownButNotFound),
                Outcome::AlreadyDone(rec("C-1"))
            ]
        );
    }

    #[test]
    fn a_driver_that_skips_answers_loses_no_record() {
        // Claims never answered.
        let mut m = machine(1, ProtocolConfig::recorded(posting()));
        assert!(matches!(m.poll(t(0)), Step::Claim { .. }));
        assert_eq!(m.poll(t(0)), Step::Done);
        assert_eq!(
            m.into_outcomes(),
            vec![Outcome::Deferred(DeferReason::NoAnswer {
                step: "claim".into()
            })]
        );
        // A create never answered: released as uncertain.
        let mut m = machine(1, ProtocolConfig::recorded(posting()));
        ready_to_create(&mut m, 1);
        assert_eq!(m.poll(t(1)), Step::Create { item: 0 });
        assert_eq!(m.poll(t(2)), release(0, Some(t(1))));
        assert_eq!(m.poll(t(2)), Step::Done);
    }

    #[test]
    fn answers_out_of_turn_are_ignored() {
        let mut m = machine(1, ProtocolConfig::recorded(posting()));
        m.created(0, Ok(rec("SO-x")));
        m.looked_up(Ok(vec![(0, rec("SO-y"))]));
        m.confirmed(Ok(()));
        claim_all(&mut m, t(0), vec![acquired()]);
        // A second claim answer for the same record changes nothing.
        m.claimed(0, ClaimAnswer::Busy { until: t(9) });
        assert_eq!(m.poll(t(0)), Step::LookUp { items: vec![0] });
        // An answer for a record outside the batch is ignored.
        m.looked_up(Ok(vec![(7, rec("SO-7")), (0, rec("SO-0"))]));
        assert_eq!(m.poll(t(0)), record(0, "SO-0"));
        assert_eq!(m.poll(t(0)), Step::Done);
    }

    #[test]
    fn an_empty_batch_is_done_at_once() {
        let mut m = machine(0, ProtocolConfig::recorded(posting()));
        assert!(m.is_empty());
        assert_eq!(m.poll(t(0)), Step::Done);
        assert!(m.into_outcomes().is_empty());
    }

    #[test]
    fn defer_reasons_serialise_with_a_tag_and_read_as_sentences() {
        let reason = DeferReason::MayStillAppear { since: t(0) };
        let json = serde_json::to_value(&reason).unwrap();
        assert_eq!(json["kind"], "may_still_appear");
        assert_eq!(serde_json::from_value::<DeferReason>(json).unwrap(), reason);
        assert!(reason.to_string().contains("may have succeeded"));
        // kind() names the variant as the tag does, for every variant.
        let all = [
            DeferReason::ClaimHeldElsewhere { until: t(0) },
            DeferReason::LedgerUnavailable { error: "e".into() },
            DeferReason::Unavailable {
                operation: "o".into(),
                error: "e".into(),
            },
            DeferReason::MayStillAppear { since: t(0) },
            DeferReason::ClaimTooShort {
                claimed_at: t(0),
                lease_secs: 1,
                window_secs: 2,
            },
            DeferReason::NotVisibleYet {
                sent_at: t(0),
                lookups: 1,
            },
            DeferReason::KnownButNotFound,
            DeferReason::Dependency {
                operation: "o".into(),
                reason: Box::new(DeferReason::KnownButNotFound),
            },
            DeferReason::NoAnswer { step: "s".into() },
        ];
        for reason in all {
            assert_eq!(
                serde_json::to_value(&reason).unwrap()["kind"],
                reason.kind()
            );
        }
    }
}
