//! Shopify Payments payouts and balance transactions (`shopifyPaymentsAccount`), read one
//! page at a time so the application can store where it stopped.
//!
//! `shopifyPaymentsAccount` is nullable: a store without Shopify Payments, an app without
//! the `read_shopify_payments_payouts` scope, or a staff member without the `view_payouts`
//! permission gets `null`, usually with an `ACCESS_DENIED` error beside it. Both come back as
//! [`Error::AccessDenied`] naming the scope, never as an empty list.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::client::{Client, GraphQlRequest, decode};
use super::documents::{BALANCE_TRANSACTIONS, PAYOUTS};
use super::error::Error;
use super::ids::PayoutId;
use super::model::{BalanceTransaction, Connection, Payout, PayoutStatus};
use super::pagination::MAX_PAGE_SIZE;

/// The access scope payout reads need (with the staff permission `view_payouts`).
pub const PAYOUTS_SCOPE: &str = "read_shopify_payments_payouts";

/// How far back a payout read looks before its cursor by default (30 days): a paid payout
/// can still turn `FAILED` or `CANCELED`, and its journal must then be reversed. This is the
/// crate's choice; Shopify documents no bound.
pub const DEFAULT_PAYOUT_OVERLAP: Duration = Duration::from_secs(30 * 24 * 3600);

/// Where a read of payouts resumes. The application stores it and passes it back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PayoutCursor {
    /// The issue date of the latest settled payout seen, with no unsettled payout before it
    /// (`None`: read from the beginning).
    pub issued_at: Option<DateTime<Utc>>,
}

impl PayoutCursor {
    /// A cursor that reads every payout.
    #[must_use]
    pub fn start() -> Self {
        Self::default()
    }

    /// A cursor that reads payouts issued at or after `t` (less the overlap).
    #[must_use]
    pub fn at(t: DateTime<Utc>) -> Self {
        Self { issued_at: Some(t) }
    }

    /// The search the next read sends: `issued_at:>='…'` at the cursor less `overlap`.
    #[must_use]
    pub fn search(&self, overlap: Duration) -> Option<String> {
        let at = self.issued_at?;
        let from = chrono::Duration::from_std(overlap)
            .ok()
            .and_then(|o| at.checked_sub_signed(o))
            .unwrap_or(at);
        Some(format!(
            "issued_at:>='{}'",
            from.to_rfc3339_opts(SecondsFormat::Secs, true)
        ))
    }

    /// Moves the cursor over payouts read oldest first: up to the last settled one (`PAID`,
    /// `FAILED`, `CANCELED`) before the first that is not, never backwards.
    pub fn advance<'a>(&mut self, payouts: impl IntoIterator<Item = &'a Payout>) {
        for payout in payouts {
            let settled = match payout.status {
                PayoutStatus::Paid | PayoutStatus::Failed | PayoutStatus::Canceled => true,
                PayoutStatus::Scheduled | PayoutStatus::InTransit | PayoutStatus::Unknown(_) => {
                    false
                }
            };
            if !settled {
                return;
            }
            if self.issued_at.is_none_or(|t| payout.issued_at > t) {
                self.issued_at = Some(payout.issued_at);
            }
        }
    }
}

/// The search that selects one payout's balance transactions: `payments_transfer_id:<id>`.
/// The filter is not documented as such; the reconciliation cross-checks it (every
/// transaction must name the payout, and their nets must sum to the payout's net).
#[must_use]
pub fn payout_transactions_search(payout: &PayoutId) -> String {
    format!("payments_transfer_id:{}", payout.numeric_id())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccountData<T> {
    shopify_payments_account: Option<T>,
}

#[derive(Deserialize)]
struct PayoutsField {
    payouts: Connection<Payout>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TransactionsField {
    balance_transactions: Connection<BalanceTransaction>,
}

impl Client {
    async fn payments_page<T: DeserializeOwned>(
        &self,
        document: &'static str,
        operation: &'static str,
        query: Option<&str>,
        after: Option<&str>,
        first: u32,
    ) -> Result<T, Error> {
        if first == 0 || first > MAX_PAGE_SIZE {
            return Err(Error::InvalidArgument {
                operation: operation.to_owned(),
                argument: "first",
                reason: format!("page size must be 1 to {MAX_PAGE_SIZE}, got {first}"),
            });
        }
        let request = GraphQlRequest::query(document, operation)
            .variable("first", first)?
            .variable("after", after)?
            .variable("query", query)?;
        let response = self.execute(&request).await?;
        let denied = response
            .errors
            .iter()
            .find(|e| e.code() == Some(super::GraphQlErrorCode::AccessDenied));
        if let Some(denied) = denied {
            return Err(Error::AccessDenied {
                operation: operation.to_owned(),
                scope: PAYOUTS_SCOPE,
                reason: denied.message.clone(),
                request_id: response.request_id,
            });
        }
        if !response.errors.is_empty() {
            return Err(Error::GraphQl {
                operation: operation.to_owned(),
                request_id: response.request_id,
                errors: response.errors,
                partial_data: response.data.map(Box::new),
            });
        }
        let data: AccountData<T> = decode(
            operation,
            response.request_id.as_deref(),
            response.data.unwrap_or(serde_json::Value::Null),
        )?;
        data.shopify_payments_account.ok_or_else(|| Error::AccessDenied {
            operation: operation.to_owned(),
            scope: PAYOUTS_SCOPE,
            reason: "shopifyPaymentsAccount is null (no Shopify Payments account, or the app or staff member may not view payouts)".into(),
            request_id: response.request_id,
        })
    }

    /// One page of payouts, oldest issued first, matching `query` (Shopify search syntax,
    /// e.g. [`PayoutCursor::search`]), after the page cursor `after`.
    ///
    /// # Errors
    /// [`Error::AccessDenied`] naming [`PAYOUTS_SCOPE`] when the account is denied or `null`;
    /// [`Error::InvalidArgument`] for a page size outside 1 to 250; otherwise the errors of
    /// [`Client::query`].
    pub async fn payouts_page(
        &self,
        query: Option<&str>,
        after: Option<&str>,
        first: u32,
    ) -> Result<Connection<Payout>, Error> {
        let field: PayoutsField = self
            .payments_page(PAYOUTS, "ShopifyPaymentsPayouts", query, after, first)
            .await?;
        Ok(field.payouts)
    }

    /// One page of balance transactions, by ID, matching `query` (e.g.
    /// [`payout_transactions_search`]), after the page cursor `after`.
    ///
    /// # Errors
    /// As [`Client::payouts_page`].
    pub async fn balance_transactions_page(
        &self,
        query: Option<&str>,
        after: Option<&str>,
        first: u32,
    ) -> Result<Connection<BalanceTransaction>, Error> {
        let field: TransactionsField = self
            .payments_page(
                BALANCE_TRANSACTIONS,
                "ShopifyPaymentsBalanceTransactions",
                query,
                after,
                first,
            )
            .await?;
        Ok(field.balance_transactions)
    }
}
