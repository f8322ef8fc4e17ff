//! The balanced journal of one payout, its reversal and its CSV export.

use std::collections::HashMap;
use std::fmt;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::chart::TransactionFamily;
use crate::domain::order::GlAccountCode;
use crate::money::CurrencyCode;
use crate::shopify::PayoutId;

/// What a journal line is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "leg", content = "family")]
#[non_exhaustive]
pub enum Leg {
    /// Goods sold (net of refunds unless refunds have their own account).
    Sales,
    /// Shipping charged (net of shipping refunded).
    Shipping,
    /// Tax collected (net of tax refunded), one line per tax account.
    Tax,
    /// Goods refunded, when refunds have their own account.
    Refunds,
    /// The amounts of a family posted to its account: chargebacks (`dispute`), dispute fees,
    /// reserves, adjustments...
    Family(TransactionFamily),
    /// The fees Shopify took on a family's transactions.
    Fees(TransactionFamily),
    /// Unmatched transactions past their grace period.
    Suspense,
    /// The bank deposit (the payout net).
    BankDeposit,
}

impl Leg {
    /// The leg's name in reports and the CSV export.
    #[must_use]
    pub fn label(self) -> String {
        match self {
            Self::Sales => "sales".into(),
            Self::Shipping => "shipping".into(),
            Self::Tax => "tax".into(),
            Self::Refunds => "refunds".into(),
            Self::Family(TransactionFamily::Dispute) => "chargebacks".into(),
            Self::Family(TransactionFamily::DisputeFee) => "dispute fees".into(),
            Self::Family(TransactionFamily::Reserve) => "reserves".into(),
            Self::Family(family) => family.as_str().replace('_', " "),
            Self::Fees(TransactionFamily::Dispute | TransactionFamily::DisputeFee) => {
                "dispute fees".into()
            }
            Self::Fees(family) => format!("{} fees", family.as_str().replace('_', " ")),
            Self::Suspense => "suspense".into(),
            Self::BankDeposit => "bank deposit".into(),
        }
    }
}

impl fmt::Display for Leg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// Debit or credit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// Debit.
    Debit,
    /// Credit.
    Credit,
}

impl Side {
    fn opposite(self) -> Self {
        match self {
            Self::Debit => Self::Credit,
            Self::Credit => Self::Debit,
        }
    }
}

/// One line of a journal: an account, what it is for, and a positive amount on one side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct JournalLine {
    /// The account.
    pub account: GlAccountCode,
    /// What the line is for.
    pub leg: Leg,
    /// Debit or credit.
    pub side: Side,
    /// The amount, always positive.
    pub amount: Decimal,
}

/// Whether a journal posts a payout or reverses one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JournalKind {
    /// The journal of a paid payout.
    Payout,
    /// The reversal of a posted payout that later failed or was cancelled.
    Reversal,
}

/// A journal that does not balance (never returned for amounts that fit a `Decimal`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("journal of payout {payout} does not balance: debits {debits}, credits {credits}")]
pub struct UnbalancedJournal {
    /// The payout.
    pub payout: PayoutId,
    /// Total debits.
    pub debits: Decimal,
    /// Total credits.
    pub credits: Decimal,
}

/// The journal of one payout, in the payout currency. Debits always equal credits: the only
/// constructor checks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PayoutJournal {
    payout: PayoutId,
    kind: JournalKind,
    currency: CurrencyCode,
    date: DateTime<Utc>,
    reference: Option<String>,
    lines: Vec<JournalLine>,
}

/// Signed sums per account and leg (positive is a debit), built up transaction by transaction.
#[derive(Debug, Default)]
pub(crate) struct LegSums<'a> {
    sums: HashMap<(&'a GlAccountCode, Leg), Decimal>,
    overflowed: bool,
}

impl<'a> LegSums<'a> {
    /// Adds `amount` (positive: debit) to `account` on `leg`.
    pub(crate) fn add(&mut self, account: &'a GlAccountCode, leg: Leg, amount: Decimal) {
        if amount.is_zero() {
            return;
        }
        let sum = self.sums.entry((account, leg)).or_insert(Decimal::ZERO);
        match sum.checked_add(amount) {
            Some(total) => *sum = total,
            None => self.overflowed = true,
        }
    }
}

impl PayoutJournal {
    /// A journal from signed sums; lines are sorted by leg, then account.
    pub(crate) fn from_sums(
        payout: PayoutId,
        currency: CurrencyCode,
        date: DateTime<Utc>,
        reference: Option<String>,
        sums: LegSums<'_>,
    ) -> Result<Self, UnbalancedJournal> {
        let overflow = UnbalancedJournal {
            payout: payout.clone(),
            debits: Decimal::ZERO,
            credits: Decimal::ZERO,
        };
        if sums.overflowed {
            return Err(overflow);
        }
        let mut lines: Vec<JournalLine> = sums
            .sums
            .into_iter()
            .filter(|(_, amount)| !amount.is_zero())
            .map(|((account, leg), amount)| JournalLine {
                account: account.clone(),
                leg,
                side: if amount.is_sign_negative() {
                    Side::Credit
                } else {
                    Side::Debit
                },
                amount: amount.abs(),
            })
            .collect();
        lines.sort_by(|a, b| (a.leg, &a.account).cmp(&(b.leg, &b.account)));
        let journal = Self {
            payout,
            kind: JournalKind::Payout,
            currency,
            date,
            reference,
            lines,
        };
        let (debits, credits) = journal.totals().ok_or(overflow)?;
        if debits == credits {
            Ok(journal)
        } else {
            Err(UnbalancedJournal {
                payout: journal.payout,
                debits,
                credits,
            })
        }
    }

    /// The reversal: the same lines on the opposite side, dated `date`.
    #[must_use]
    pub fn reversed(&self, date: DateTime<Utc>) -> Self {
        Self {
            payout: self.payout.clone(),
            kind: match self.kind {
                JournalKind::Payout => JournalKind::Reversal,
                JournalKind::Reversal => JournalKind::Payout,
            },
            currency: self.currency,
            date,
            reference: self.reference.clone(),
            lines: self
                .lines
                .iter()
                .map(|line| JournalLine {
                    side: line.side.opposite(),
                    ..line.clone()
                })
                .collect(),
        }
    }

    /// Total debits and total credits (`None` on overflow).
    #[must_use]
    pub fn totals(&self) -> Option<(Decimal, Decimal)> {
        let mut debits = Decimal::ZERO;
        let mut credits = Decimal::ZERO;
        for line in &self.lines {
            match line.side {
                Side::Debit => debits = debits.checked_add(line.amount)?,
                Side::Credit => credits = credits.checked_add(line.amount)?,
            }
        }
        Some((debits, credits))
    }

    /// The payout.
    #[must_use]
    pub fn payout(&self) -> &PayoutId {
        &self.payout
    }

    /// Payout or reversal.
    #[must_use]
    pub fn kind(&self) -> JournalKind {
        self.kind
    }

    /// The natural key the journal is created under exactly once, and its reference in the
    /// ledger system: `shopify-payout-<numeric payout ID>`, with `-reversal` for a reversal
    /// (plain characters, so a reference filter can carry it).
    #[must_use]
    pub fn natural_key(&self) -> String {
        match self.kind {
            JournalKind::Payout => format!("shopify-payout-{}", self.payout.numeric_id()),
            JournalKind::Reversal => {
                format!("shopify-payout-{}-reversal", self.payout.numeric_id())
            }
        }
    }

    /// The payout currency.
    #[must_use]
    pub fn currency(&self) -> CurrencyCode {
        self.currency
    }

    /// The journal date (the payout's issue date, or the reversal's date).
    #[must_use]
    pub fn date(&self) -> DateTime<Utc> {
        self.date
    }

    /// The bank's trace ID of the deposit, to match it on the bank statement.
    #[must_use]
    pub fn reference(&self) -> Option<&str> {
        self.reference.as_deref()
    }

    /// The lines, by leg then account.
    #[must_use]
    pub fn lines(&self) -> &[JournalLine] {
        &self.lines
    }

    /// The amount on the bank-deposit line, signed (positive: money into the bank).
    #[must_use]
    pub fn bank_deposit(&self) -> Decimal {
        self.lines
            .iter()
            .filter(|l| l.leg == Leg::BankDeposit)
            .map(|l| match l.side {
                Side::Debit => l.amount,
                Side::Credit => -l.amount,
            })
            .sum()
    }

    /// The CSV header of [`to_csv_rows`](Self::to_csv_rows).
    pub const CSV_HEADER: &'static str =
        "journal,kind,payout,date,reference,account,leg,debit,credit,currency";

    /// The journal as CSV rows (no header), one per line, for an accounting system's import.
    /// Fields that hold a comma, a quote or a line break are quoted.
    #[must_use]
    pub fn to_csv_rows(&self) -> String {
        let mut out = String::new();
        let key = self.natural_key();
        let kind = match self.kind {
            JournalKind::Payout => "payout",
            JournalKind::Reversal => "reversal",
        };
        let date = self.date.format("%Y-%m-%d").to_string();
        for line in &self.lines {
            let (debit, credit) = match line.side {
                Side::Debit => (line.amount.to_string(), String::new()),
                Side::Credit => (String::new(), line.amount.to_string()),
            };
            let fields = [
                key.as_str(),
                kind,
                self.payout.as_str(),
                date.as_str(),
                self.reference.as_deref().unwrap_or(""),
                line.account.as_str(),
                &line.leg.label(),
                &debit,
                &credit,
                self.currency.as_str(),
            ];
            let row: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
            out.push_str(&row.join(","));
            out.push('\n');
        }
        out
    }

    /// A whole CSV file (header and rows) of several journals.
    #[must_use]
    pub fn csv<'a>(journals: impl IntoIterator<Item = &'a PayoutJournal>) -> String {
        let mut out = String::from(Self::CSV_HEADER);
        out.push('\n');
        for journal in journals {
            out.push_str(&journal.to_csv_rows());
        }
        out
    }
}

fn csv_field(text: &str) -> String {
    // A leading formula character is neutralised so a spreadsheet never evaluates a value.
    let guarded = match text.chars().next() {
        Some('=' | '+' | '@') => format!("'{text}"),
        Some('-') if text.parse::<Decimal>().is_err() => format!("'{text}"),
        _ => text.to_owned(),
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}
