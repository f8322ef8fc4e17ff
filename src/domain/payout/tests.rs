#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use rust_decimal::Decimal;

use super::*;
use crate::domain::exception::{DomainException, Owner, Severity};
use crate::domain::order::{GlAccountCode, TaxKey};
use crate::money::{CurrencyCode, Money};
use crate::shopify::model::{
    AssociatedOrder, AssociatedPayout, BalanceTransaction, BalanceTransactionType, Payout,
    PayoutStatus, PayoutSummary, PayoutTransactionType,
};
use crate::shopify::{BalanceTransactionId, OrderId, PayoutId, RefundId};
use crate::stokly::SaleOrderId;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn gbp(s: &str) -> Money {
    Money::new(d(s), CurrencyCode::GBP)
}

fn acc(code: &str) -> GlAccountCode {
    GlAccountCode::new(code).unwrap()
}

fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, 12, 0, 0).unwrap()
}

const PAYOUT: u64 = 900;

fn vat() -> PayoutTaxKey {
    PayoutTaxKey::new(
        TaxKey::new("VAT", Some(d("0.2")), None, false),
        Some("gb"),
        true,
    )
}

fn chart() -> ChartOfAccounts {
    ChartOfAccounts::new(acc("1200"), acc("9999"), acc("4000"), acc("4100"))
        .with_refunds(acc("4010"))
        .with_tax(vat(), acc("2200"))
        .with_family(TransactionFamily::Dispute, acc("6100"))
        .with_family(TransactionFamily::DisputeFee, acc("6110"))
        .with_family(TransactionFamily::Reserve, acc("1250"))
        .with_family(TransactionFamily::Adjustment, acc("6900"))
        .with_fee(TransactionFamily::Charge, acc("6000"))
        .with_fee(TransactionFamily::Refund, acc("6000"))
        .with_fee(TransactionFamily::DisputeFee, acc("6110"))
}

fn tx(id: u64, kind: &str, amount: &str, fee: &str, order: Option<u64>) -> BalanceTransaction {
    let amount = gbp(amount);
    let fee = gbp(fee);
    BalanceTransaction {
        id: BalanceTransactionId::from_numeric(id),
        transaction_type: BalanceTransactionType::new(kind),
        test: false,
        amount,
        fee,
        net: amount.checked_sub(&fee).unwrap(),
        source_type: None,
        source_id: None,
        source_order_transaction_id: None,
        associated_order: order.map(|o| AssociatedOrder {
            id: OrderId::from_numeric(o),
            name: format!("#{o}"),
        }),
        associated_payout: AssociatedPayout {
            id: Some(PayoutId::from_numeric(PAYOUT)),
            status: None,
        },
        adjustment_reason: None,
        adjustments_orders: Vec::new(),
        transaction_date: at(1),
    }
}

/// A payout whose summary and net agree with `txs`.
fn payout(status: PayoutStatus, txs: &[BalanceTransaction]) -> Payout {
    let sum = |fam: &[TransactionFamily], fee: bool| {
        let total: Decimal = txs
            .iter()
            .filter(|t| {
                let f = TransactionFamily::of(t.transaction_type.as_str());
                match f {
                    Some(f) => fam.contains(&f),
                    None => fam.contains(&TransactionFamily::Adjustment),
                }
            })
            .map(|t| {
                if fee {
                    t.fee.amount()
                } else {
                    t.amount.amount()
                }
            })
            .sum();
        Money::new(total, CurrencyCode::GBP)
    };
    use TransactionFamily as F;
    let adj = [
        F::Dispute,
        F::DisputeFee,
        F::ShopifyServices,
        F::DutiesAndTaxes,
        F::Adjustment,
    ];
    let net: Decimal = txs
        .iter()
        .filter(|t| t.transaction_type.as_str() != "TRANSFER")
        .map(|t| t.net.amount())
        .sum();
    Payout {
        id: PayoutId::from_numeric(PAYOUT),
        issued_at: at(3),
        net: Money::new(net, CurrencyCode::GBP),
        status,
        summary: PayoutSummary {
            adjustments_fee: sum(&adj, true),
            adjustments_gross: sum(&adj, false),
            advance_fees: sum(&[F::Lending], true),
            advance_gross: sum(&[F::Lending], false),
            charges_fee: sum(&[F::Charge], true),
            charges_gross: sum(&[F::Charge], false),
            refunds_fee: sum(&[F::Refund], true),
            refunds_fee_gross: sum(&[F::Refund], false),
            reserved_funds_fee: sum(&[F::Reserve], true),
            reserved_funds_gross: sum(&[F::Reserve], false),
            retried_payouts_fee: sum(&[F::RetriedPayout], true),
            retried_payouts_gross: sum(&[F::RetriedPayout], false),
        },
        transaction_type: PayoutTransactionType::Deposit,
        external_trace_id: Some("TRACE-1".into()),
    }
}

/// Order 1 sold 100 goods + 10 shipping + 22 VAT = 132; order 2 goods only.
fn posted() -> PostedRecords {
    let mut p = PostedRecords::new();
    p.add_sale(PostedSale::new(
        OrderId::from_numeric(1),
        SaleOrderId::new("so-1").unwrap(),
        Breakdown::new(d("100"), d("10"), [(vat(), d("22"))]).unwrap(),
    ));
    p.add_sale(PostedSale::new(
        OrderId::from_numeric(2),
        SaleOrderId::new("so-2").unwrap(),
        Breakdown::goods_only(),
    ));
    p.add_credit(PostedCredit::new(
        RefundId::from_numeric(70),
        OrderId::from_numeric(1),
        vec![5001],
        "CR-70",
        Breakdown::new(d("50"), d("0"), [(vat(), d("10"))]).unwrap(),
    ));
    p
}

fn scenario() -> Vec<BalanceTransaction> {
    let mut refund = tx(3, "REFUND", "-30.00", "0.00", Some(1));
    refund.source_order_transaction_id = Some(5001);
    vec![
        tx(1, "CHARGE", "132.00", "4.20", Some(1)),
        tx(2, "CHARGE", "20.00", "0.80", Some(2)),
        refund,
        tx(4, "DISPUTE_WITHDRAWAL", "-20.00", "0.00", Some(2)),
        tx(5, "CHARGEBACK_FEE", "0.00", "15.00", Some(2)),
        tx(6, "RESERVED_FUNDS", "-10.00", "0.00", None),
        tx(7, "ADJUSTMENT", "1.50", "0.00", None),
        tx(8, "TRANSFER", "-73.50", "0.00", None),
    ]
}

/// `txs` with the transfer row set to the payout's net negated, as Shopify sends it.
fn balanced(mut txs: Vec<BalanceTransaction>) -> Vec<BalanceTransaction> {
    let net: Decimal = txs
        .iter()
        .filter(|t| t.transaction_type.as_str() != "TRANSFER")
        .map(|t| t.net.amount())
        .sum();
    for t in txs
        .iter_mut()
        .filter(|t| t.transaction_type.as_str() == "TRANSFER")
    {
        t.amount = Money::new(-net, CurrencyCode::GBP);
        t.net = t.amount;
    }
    txs
}

fn lines(journal: &PayoutJournal) -> Vec<(String, String, Side, Decimal)> {
    journal
        .lines()
        .iter()
        .map(|l| (l.account.to_string(), l.leg.label(), l.side, l.amount))
        .collect()
}

#[test]
fn a_paid_payout_posts_one_balanced_journal_with_every_leg() {
    let txs = scenario();
    let p = payout(PayoutStatus::Paid, &txs);
    assert_eq!(p.net, gbp("73.50"));
    let r = reconcile_payout(&p, &txs, &posted(), &chart(), &ReconcileConfig::new(at(5)));
    assert_eq!(r.findings, vec![], "{:#?}", r.findings);
    let PayoutAction::Post(journal) = &r.action else {
        panic!("{:?}", r.action)
    };
    use Side::{Credit, Debit};
    let expect = |a: &str, leg: &str, side, amt: &str| (a.to_owned(), leg.to_owned(), side, d(amt));
    assert_eq!(
        lines(journal),
        vec![
            // 132 split 100/10/22; 20 goods only; refund -30 split 25/5 (50:10).
            expect("4000", "sales", Credit, "120.00"),
            expect("4100", "shipping", Credit, "10.00"),
            expect("2200", "tax", Credit, "17.00"),
            expect("4010", "refunds", Debit, "25.00"),
            expect("6100", "chargebacks", Debit, "20.00"),
            expect("1250", "reserves", Debit, "10.00"),
            expect("6900", "adjustment", Credit, "1.50"),
            expect("6000", "charge fees", Debit, "5.00"),
            expect("6110", "dispute fees", Debit, "15.00"),
            expect("1200", "bank deposit", Debit, "73.50"),
        ]
    );
    assert_eq!(journal.totals(), Some((d("148.50"), d("148.50"))));
    assert_eq!(journal.bank_deposit(), d("73.50"));
    assert_eq!(journal.reference(), Some("TRACE-1"));
    assert_eq!(journal.natural_key(), "shopify-payout-900");
    let statuses: Vec<_> = r.matches.iter().map(|m| m.status.clone()).collect();
    assert_eq!(
        statuses[..3],
        [
            MatchStatus::SaleOrder(SaleOrderId::new("so-1").unwrap()),
            MatchStatus::SaleOrder(SaleOrderId::new("so-2").unwrap()),
            MatchStatus::CreditDocument {
                refund: RefundId::from_numeric(70),
                credit_document: "CR-70".into()
            },
        ]
    );
    assert_eq!(statuses[7], MatchStatus::Transfer);
    assert_eq!(r.unmatched().count(), 0);
}

#[test]
fn the_dispute_fee_account_is_a_family_not_a_fee_when_the_amount_is_zero() {
    // CHARGEBACK_FEE carries its cost in `fee`; with no DisputeFee fee account the fee is
    // an exception naming the family, not a default account.
    let txs = scenario();
    let p = payout(PayoutStatus::Paid, &txs);
    let chart = ChartOfAccounts::new(acc("1200"), acc("9999"), acc("4000"), acc("4100"))
        .with_tax(vat(), acc("2200"))
        .with_family(TransactionFamily::Dispute, acc("6100"))
        .with_family(TransactionFamily::DisputeFee, acc("6110"))
        .with_family(TransactionFamily::Reserve, acc("1250"))
        .with_family(TransactionFamily::Adjustment, acc("6900"))
        .with_fee(TransactionFamily::Charge, acc("6000"))
        .with_fee(TransactionFamily::Refund, acc("6000"));
    let r = reconcile_payout(&p, &txs, &posted(), &chart, &ReconcileConfig::new(at(5)));
    assert_eq!(
        r.findings,
        vec![PayoutFinding::UnmappedFee {
            payout: PayoutId::from_numeric(PAYOUT),
            transaction: BalanceTransactionId::from_numeric(5),
            family: TransactionFamily::DisputeFee,
        }]
    );
    assert_eq!(r.action, PayoutAction::Hold);
    assert!(r.findings[0].fix_hint().contains("with_fee"));
}

#[test]
fn refunds_net_against_sales_without_a_refunds_account() {
    let txs = vec![tx(1, "CHARGE", "132.00", "0", Some(1)), {
        let mut r = tx(3, "REFUND", "-30.00", "0", Some(1));
        r.source_order_transaction_id = Some(5001);
        r
    }];
    let p = payout(PayoutStatus::Paid, &txs);
    let chart = ChartOfAccounts::new(acc("1200"), acc("9999"), acc("4000"), acc("4100"))
        .with_tax(vat(), acc("2200"));
    let r = reconcile_payout(&p, &txs, &posted(), &chart, &ReconcileConfig::new(at(5)));
    let journal = r.journal.unwrap();
    assert_eq!(
        lines(&journal),
        vec![
            ("4000".into(), "sales".into(), Side::Credit, d("75.00")),
            ("4100".into(), "shipping".into(), Side::Credit, d("10.00")),
            ("2200".into(), "tax".into(), Side::Credit, d("17.00")),
            (
                "1200".into(),
                "bank deposit".into(),
                Side::Debit,
                d("102.00")
            ),
        ]
    );
}

#[test]
fn a_net_that_is_not_amount_minus_fee_is_an_exception_naming_the_transaction() {
    let mut txs = scenario();
    txs[1].net = gbp("19.00");
    let txs = balanced(txs);
    let p = payout(PayoutStatus::Paid, &txs);
    let r = reconcile_payout(&p, &txs, &posted(), &chart(), &ReconcileConfig::new(at(5)));
    assert_eq!(
        r.findings,
        vec![PayoutFinding::NetMismatch {
            payout: PayoutId::from_numeric(PAYOUT),
            transaction: BalanceTransactionId::from_numeric(2),
            amount: gbp("20.00"),
            fee: gbp("0.80"),
            net: gbp("19.00"),
        }]
    );
    assert_eq!(r.action, PayoutAction::Hold);
    assert_eq!(r.journal, None);
    assert!(
        r.findings[0]
            .reason()
            .contains("amount 20.00 minus fee 0.80 is 19.20")
    );
}

#[test]
fn a_payout_net_that_the_transactions_do_not_reach_is_an_exception() {
    let txs = scenario();
    let mut p = payout(PayoutStatus::Paid, &txs);
    p.net = gbp("73.49");
    let r = reconcile_payout(&p, &txs, &posted(), &chart(), &ReconcileConfig::new(at(5)));
    assert_eq!(
        r.findings,
        vec![
            PayoutFinding::PayoutNetMismatch {
                payout: PayoutId::from_numeric(PAYOUT),
                payout_net: gbp("73.49"),
                transactions_net: gbp("73.50"),
            },
            PayoutFinding::TransferMismatch {
                payout: PayoutId::from_numeric(PAYOUT),
                payout_net: gbp("73.49"),
                transfers: gbp("-73.50"),
            },
        ]
    );
    assert!(
        r.findings[1]
            .reason()
            .contains("transfer rows sum to -73.50 GBP")
    );
    assert_eq!(r.action, PayoutAction::Hold);
}

#[test]
fn a_summary_figure_that_disagrees_is_an_exception_naming_the_figure() {
    let txs = scenario();
    let mut p = payout(PayoutStatus::Paid, &txs);
    p.summary.charges_fee = gbp("5.01");
    p.summary.reserved_funds_gross = gbp("0");
    let r = reconcile_payout(&p, &txs, &posted(), &chart(), &ReconcileConfig::new(at(5)));
    assert_eq!(
        r.findings,
        vec![
            PayoutFinding::SummaryMismatch {
                payout: PayoutId::from_numeric(PAYOUT),
                figure: SummaryFigure::ChargesFee,
                summary: gbp("5.01"),
                transactions: gbp("5.00"),
            },
            PayoutFinding::SummaryMismatch {
                payout: PayoutId::from_numeric(PAYOUT),
                figure: SummaryFigure::ReservedFundsGross,
                summary: gbp("0"),
                transactions: gbp("-10.00"),
            },
        ]
    );
    assert!(r.findings[0].reason().contains("chargesFee is 5.01 GBP"));
    assert_eq!(r.action, PayoutAction::Hold);
}

#[test]
fn an_unknown_transaction_type_is_an_exception_and_never_dropped() {
    let mut txs = scenario();
    txs.push(tx(9, "SOMETHING_NEW", "-2.00", "0", None));
    let txs = balanced(txs);
    let p = payout(PayoutStatus::Paid, &txs);
    let r = reconcile_payout(&p, &txs, &posted(), &chart(), &ReconcileConfig::new(at(5)));
    assert_eq!(r.matches.len(), 9);
    assert_eq!(
        r.matches[8].status,
        MatchStatus::Unmatched(UnmatchedReason::UnknownType)
    );
    assert_eq!(r.findings.len(), 2);
    assert_eq!(
        r.findings[0],
        PayoutFinding::UnknownTransactionType {
            payout: PayoutId::from_numeric(PAYOUT),
            transaction: BalanceTransactionId::from_numeric(9),
            transaction_type: "SOMETHING_NEW".into(),
        }
    );
    assert_eq!(r.findings[1].code(), "unmatched_transaction");
    assert_eq!(r.action, PayoutAction::Hold);
}

#[test]
fn an_unposted_order_holds_the_payout_with_its_age_then_goes_to_suspense() {
    let mut txs = scenario();
    txs.push(tx(9, "CHARGE", "40.00", "1.00", Some(77)));
    let txs = balanced(txs);
    let p = payout(PayoutStatus::Paid, &txs);
    let config = ReconcileConfig::new(at(5)).with_suspense_after_days(7);
    let r = reconcile_payout(&p, &txs, &posted(), &chart(), &config);
    let PayoutFinding::Unmatched {
        reason,
        age,
        suspense_after,
        ..
    } = &r.findings[0]
    else {
        panic!("{:?}", r.findings)
    };
    assert_eq!(*reason, UnmatchedReason::OrderNotPosted);
    assert_eq!(age.num_days(), 4);
    assert_eq!(suspense_after.unwrap().num_days(), 7);
    assert_eq!(r.findings[0].owner(), Owner::Operations);
    assert!(r.findings[0].reason().contains("4 days old"));
    assert!(
        r.findings[0]
            .fix_hint()
            .contains("suspense once 7 days old")
    );
    assert_eq!(r.action, PayoutAction::Hold);

    // Eight days after the transaction it goes to suspense and the payout posts.
    let config = ReconcileConfig::new(at(9)).with_suspense_after_days(7);
    let r = reconcile_payout(&p, &txs, &posted(), &chart(), &config);
    assert_eq!(r.findings.len(), 1);
    assert_eq!(r.findings[0].code(), "sent_to_suspense");
    assert_eq!(r.findings[0].severity(), Severity::Warning);
    let PayoutAction::Post(journal) = &r.action else {
        panic!("{:?}", r.action)
    };
    let suspense: Vec<_> = lines(journal)
        .into_iter()
        .filter(|l| l.1 == "suspense")
        .collect();
    assert_eq!(
        suspense,
        vec![("9999".into(), "suspense".into(), Side::Credit, d("39.00"))]
    );
    assert_eq!(journal.bank_deposit(), d("112.50"));
    let (debits, credits) = journal.totals().unwrap();
    assert_eq!(debits, credits);
}

#[test]
fn a_refund_without_credit_is_unmatched_and_names_the_order() {
    let txs = vec![tx(3, "REFUND", "-10.00", "0", Some(2))];
    let p = payout(PayoutStatus::Paid, &txs);
    let r = reconcile_payout(&p, &txs, &posted(), &chart(), &ReconcileConfig::new(at(5)));
    assert_eq!(
        r.matches[0].status,
        MatchStatus::Unmatched(UnmatchedReason::RefundNotCredited)
    );
    assert_eq!(r.findings[0].owner(), Owner::Finance);
    assert_eq!(
        r.findings[0].to_record().key(),
        "payout/unmatched_transaction/gid://shopify/ShopifyPaymentsPayout/900/gid://shopify/ShopifyPaymentsBalanceTransaction/3/gid://shopify/Order/2"
    );
}

#[test]
fn only_paid_payouts_post_and_a_posted_payout_that_fails_is_reversed() {
    let txs = scenario();
    let config = ReconcileConfig::new(at(10));
    let mut records = posted();
    for status in [PayoutStatus::Scheduled, PayoutStatus::InTransit] {
        let r = reconcile_payout(&payout(status, &txs), &txs, &records, &chart(), &config);
        assert_eq!(r.action, PayoutAction::Wait);
    }
    for status in [PayoutStatus::Failed, PayoutStatus::Canceled] {
        let r = reconcile_payout(&payout(status, &txs), &txs, &records, &chart(), &config);
        assert_eq!(
            r.action,
            PayoutAction::Nothing,
            "never posted, nothing to reverse"
        );
    }
    let paid = reconcile_payout(
        &payout(PayoutStatus::Paid, &txs),
        &txs,
        &records,
        &chart(),
        &config,
    );
    let PayoutAction::Post(journal) = paid.action else {
        panic!()
    };
    records.add_journal(PayoutId::from_numeric(PAYOUT));
    let again = reconcile_payout(
        &payout(PayoutStatus::Paid, &txs),
        &txs,
        &records,
        &chart(),
        &config,
    );
    assert_eq!(again.action, PayoutAction::AlreadyPosted);

    let failed = reconcile_payout(
        &payout(PayoutStatus::Failed, &txs),
        &txs,
        &records,
        &chart(),
        &config,
    );
    let PayoutAction::Reverse(reversal) = &failed.action else {
        panic!("{:?}", failed.action)
    };
    assert_eq!(reversal.kind(), JournalKind::Reversal);
    assert_eq!(reversal.date(), at(10));
    assert_eq!(reversal.natural_key(), "shopify-payout-900-reversal");
    assert_eq!(reversal.bank_deposit(), d("-73.50"));
    for (orig, rev) in journal.lines().iter().zip(reversal.lines()) {
        assert_eq!((&orig.account, orig.amount), (&rev.account, rev.amount));
        assert_ne!(orig.side, rev.side);
    }
    records.add_reversal(PayoutId::from_numeric(PAYOUT));
    let done = reconcile_payout(
        &payout(PayoutStatus::Canceled, &txs),
        &txs,
        &records,
        &chart(),
        &config,
    );
    assert_eq!(done.action, PayoutAction::AlreadyPosted);
}

#[test]
fn an_unknown_payout_status_holds() {
    let txs = scenario();
    let p = payout(PayoutStatus::Unknown("LOST".into()), &txs);
    let r = reconcile_payout(&p, &txs, &posted(), &chart(), &ReconcileConfig::new(at(5)));
    assert_eq!(r.action, PayoutAction::Hold);
    assert_eq!(r.findings[0].code(), "unknown_payout_status");
}

#[test]
fn a_transaction_of_another_payout_or_currency_is_reported_not_summed() {
    let mut txs = scenario();
    let p = payout(PayoutStatus::Paid, &txs);
    let mut foreign = tx(20, "CHARGE", "5", "0", Some(1));
    foreign.associated_payout.id = Some(PayoutId::from_numeric(901));
    let mut euros = tx(21, "ADJUSTMENT", "5", "0", None);
    euros.amount = Money::new(d("5"), CurrencyCode::EUR);
    txs.push(foreign);
    txs.push(euros);
    let r = reconcile_payout(&p, &txs, &posted(), &chart(), &ReconcileConfig::new(at(5)));
    assert_eq!(r.matches[8].status, MatchStatus::Foreign);
    assert_eq!(r.matches[9].status, MatchStatus::Rejected);
    let codes: Vec<_> = r.findings.iter().map(DomainException::code).collect();
    assert_eq!(codes, ["foreign_transaction", "currency_mismatch"]);
    assert_eq!(r.action, PayoutAction::Hold);
}

#[test]
fn an_unmapped_tax_key_is_a_finance_exception_with_a_fix_hint() {
    let txs = scenario();
    let p = payout(PayoutStatus::Paid, &txs);
    let chart = ChartOfAccounts::new(acc("1200"), acc("9999"), acc("4000"), acc("4100"))
        .with_family(TransactionFamily::Dispute, acc("6100"))
        .with_family(TransactionFamily::DisputeFee, acc("6110"))
        .with_family(TransactionFamily::Reserve, acc("1250"))
        .with_family(TransactionFamily::Adjustment, acc("6900"))
        .with_fee(TransactionFamily::Charge, acc("6000"))
        .with_fee(TransactionFamily::Refund, acc("6000"))
        .with_fee(TransactionFamily::DisputeFee, acc("6110"));
    let r = reconcile_payout(&p, &txs, &posted(), &chart, &ReconcileConfig::new(at(5)));
    assert_eq!(
        r.findings,
        vec![PayoutFinding::UnmappedTax {
            payout: PayoutId::from_numeric(PAYOUT),
            order: OrderId::from_numeric(1),
            key: vat(),
        }],
        "reported once although two records carry it"
    );
    assert_eq!(
        r.findings[0].fix_hint(),
        "Add an account for tax \"VAT\" at rate 0.2 with no source, not channel liable, country GB, tax included to the chart of accounts (ChartOfAccounts::with_tax)."
    );
}

#[test]
fn the_chart_is_validated_up_front() {
    assert_eq!(chart().validate(), Ok(()));
    let liable = PayoutTaxKey::new(
        TaxKey::new("VAT", Some(d("0.2")), None, true),
        Some("GB"),
        true,
    );
    let bad = ChartOfAccounts::new(acc("1200"), acc("1200"), acc("4000"), acc("4000"))
        .with_tax(vat(), acc("2200"))
        .with_tax(liable.clone(), acc("2200"));
    assert_eq!(
        bad.validate(),
        Err(vec![
            ChartError::SharedAccount {
                account: acc("1200"),
                first: "bank",
                second: "suspense"
            },
            ChartError::ChannelLiableTaxSharesAccount {
                channel_liable: liable,
                merchant: vat(),
                account: acc("2200"),
            },
        ])
    );
}

#[test]
fn every_documented_type_has_a_family() {
    let types = "ACH_BANK_FAILURE_DEBIT_FEE ACH_BANK_FAILURE_DEBIT_REVERSAL_FEE ADS_PUBLISHER_CREDIT ADS_PUBLISHER_CREDIT_REVERSAL CHARGEBACK_PROTECTION_CREDIT CHARGEBACK_PROTECTION_CREDIT_REVERSAL CHARGEBACK_PROTECTION_DEBIT CHARGEBACK_PROTECTION_DEBIT_REVERSAL COLLECTIONS_CREDIT COLLECTIONS_CREDIT_REVERSAL PROMOTION_CREDIT PROMOTION_CREDIT_REVERSAL ANOMALY_CREDIT ANOMALY_CREDIT_REVERSAL ANOMALY_DEBIT ANOMALY_DEBIT_REVERSAL VAT_REFUND_CREDIT VAT_REFUND_CREDIT_REVERSAL CHANNEL_CREDIT CHANNEL_CREDIT_REVERSAL CHANNEL_TRANSFER_CREDIT CHANNEL_TRANSFER_CREDIT_REVERSAL CHANNEL_TRANSFER_DEBIT CHANNEL_TRANSFER_DEBIT_REVERSAL CHANNEL_PROMOTION_CREDIT CHANNEL_PROMOTION_CREDIT_REVERSAL MARKETPLACE_FEE_CREDIT MARKETPLACE_FEE_CREDIT_REVERSAL MERCHANT_GOODWILL_CREDIT MERCHANT_GOODWILL_CREDIT_REVERSAL TAX_ADJUSTMENT_DEBIT TAX_ADJUSTMENT_DEBIT_REVERSAL TAX_ADJUSTMENT_CREDIT TAX_ADJUSTMENT_CREDIT_REVERSAL BILLING_DEBIT BILLING_DEBIT_REVERSAL SHOP_CASH_CREDIT SHOP_CASH_CREDIT_REVERSAL SHOP_CASH_BILLING_DEBIT SHOP_CASH_BILLING_DEBIT_REVERSAL SHOP_CASH_REFUND_DEBIT SHOP_CASH_REFUND_DEBIT_REVERSAL SHOP_CASH_CAMPAIGN_BILLING_DEBIT SHOP_CASH_CAMPAIGN_BILLING_DEBIT_REVERSAL SHOP_CASH_CAMPAIGN_BILLING_CREDIT SHOP_CASH_CAMPAIGN_BILLING_CREDIT_REVERSAL SELLER_PROTECTION_CREDIT SELLER_PROTECTION_CREDIT_REVERSAL SHOPIFY_COLLECTIVE_DEBIT SHOPIFY_COLLECTIVE_DEBIT_REVERSAL SHOPIFY_COLLECTIVE_CREDIT SHOPIFY_COLLECTIVE_CREDIT_REVERSAL LENDING_DEBIT LENDING_DEBIT_REVERSAL LENDING_CREDIT LENDING_CREDIT_REVERSAL LENDING_CAPITAL_REMITTANCE LENDING_CAPITAL_REMITTANCE_REVERSAL LENDING_CREDIT_REMITTANCE LENDING_CREDIT_REMITTANCE_REVERSAL LENDING_CAPITAL_REFUND LENDING_CAPITAL_REFUND_REVERSAL LENDING_CREDIT_REFUND LENDING_CREDIT_REFUND_REVERSAL BALANCE_TRANSFER_INBOUND BALANCE_TRANSFER_OUTBOUND MARKETS_PRO_CREDIT CUSTOMS_DUTY_ADJUSTMENT IMPORT_TAX_ADJUSTMENT SHIPPING_LABEL_ADJUSTMENT SHIPPING_LABEL_ADJUSTMENT_BASE SHIPPING_LABEL_ADJUSTMENT_SURCHARGE SHIPPING_RETURN_TO_ORIGIN_ADJUSTMENT SHIPPING_OTHER_CARRIER_CHARGE_ADJUSTMENT CHARGE_ADJUSTMENT REFUND_ADJUSTMENT CHARGEBACK_FEE CHARGEBACK_FEE_REFUND TRANSFER TRANSFER_FAILURE TRANSFER_CANCEL RESERVED_FUNDS_WITHDRAWAL RESERVED_FUNDS_REVERSAL RISK_REVERSAL RISK_WITHDRAWAL REFERRAL_FEE REFERRAL_FEE_TAX MERCHANT_TO_MERCHANT_DEBIT MERCHANT_TO_MERCHANT_DEBIT_REVERSAL MERCHANT_TO_MERCHANT_CREDIT MERCHANT_TO_MERCHANT_CREDIT_REVERSAL SHOPIFY_SOURCE_DEBIT SHOPIFY_SOURCE_DEBIT_REVERSAL SHOPIFY_SOURCE_CREDIT SHOPIFY_SOURCE_CREDIT_REVERSAL CHARGE REFUND REFUND_FAILURE APPLICATION_FEE_REFUND ADJUSTMENT DISPUTE_WITHDRAWAL DISPUTE_REVERSAL SHIPPING_LABEL CUSTOMS_DUTY IMPORT_TAX CHARGEBACK_HOLD CHARGEBACK_HOLD_RELEASE RESERVED_FUNDS STRIPE_FEE TRANSFER_REFUND ADVANCE ADVANCE_FUNDING IMPORT_TAX_REFUND";
    let all: Vec<_> = types.split(' ').collect();
    assert_eq!(all.len(), 113);
    for t in all {
        assert!(TransactionFamily::of(t).is_some(), "{t}");
    }
    assert_eq!(TransactionFamily::of("charge"), None);
}

#[test]
fn the_csv_export_has_one_row_per_line_and_quotes_what_needs_it() {
    let txs = scenario();
    let mut p = payout(PayoutStatus::Paid, &txs);
    p.external_trace_id = Some("=SUM(A1),\"x\"".into());
    let r = reconcile_payout(&p, &txs, &posted(), &chart(), &ReconcileConfig::new(at(5)));
    let csv = PayoutJournal::csv(r.journal.as_ref());
    let rows: Vec<_> = csv.lines().collect();
    assert_eq!(rows.len(), 11);
    assert_eq!(rows[0], PayoutJournal::CSV_HEADER);
    assert_eq!(
        rows[1],
        "shopify-payout-900,payout,gid://shopify/ShopifyPaymentsPayout/900,2026-11-03,\"'=SUM(A1),\"\"x\"\"\",4000,sales,,120.00,GBP"
    );
    assert_eq!(
        rows[10],
        "shopify-payout-900,payout,gid://shopify/ShopifyPaymentsPayout/900,2026-11-03,\"'=SUM(A1),\"\"x\"\"\",1200,bank deposit,73.50,,GBP"
    );
}

#[test]
fn the_report_shows_the_deposit_legs_transactions_and_owners_escaped() {
    let mut txs = scenario();
    txs.push(tx(9, "CHARGE", "40.00", "1.00", Some(77)));
    txs[8].associated_order.as_mut().unwrap().name = "<b>#77</b>".into();
    let held = payout(PayoutStatus::Paid, &txs);
    let ok_txs = scenario();
    let mut ok = payout(PayoutStatus::Paid, &ok_txs);
    ok.id = PayoutId::from_numeric(PAYOUT);
    let results = vec![
        reconcile_payout(
            &ok,
            &ok_txs,
            &posted(),
            &chart(),
            &ReconcileConfig::new(at(5)),
        ),
        reconcile_payout(
            &held,
            &txs,
            &posted(),
            &chart(),
            &ReconcileConfig::new(at(5)),
        ),
    ];
    let report = PayoutReport::new(&results);
    let md = report.to_markdown();
    assert!(md.contains("- Bank deposit: 73.50 GBP"));
    assert!(md.contains("| 1200 | bank deposit | 73.50 |  |"));
    assert!(md.contains("### Unmatched transactions (1)"));
    assert!(md.contains("&lt;b&gt;\\#77&lt;/b&gt;"));
    assert!(md.contains("| Operations | Blocking | unmatched\\_transaction |"));
    let html = report.to_html();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("<b>#77"));
    assert!(html.contains("&lt;b&gt;#77&lt;/b&gt;"));
    assert!(html.contains("held: see the exceptions"));
    assert!(!html.contains("<script") && !html.contains("http"));
}

fn arb_tx() -> impl Strategy<Value = (usize, i64, i64, Option<u64>, bool)> {
    (
        0usize..12,
        -50_000i64..50_000,
        0i64..3_000,
        prop::option::of(0u64..6),
        any::<bool>(),
    )
}

const KINDS: [&str; 12] = [
    "CHARGE",
    "CHARGE",
    "REFUND",
    "DISPUTE_WITHDRAWAL",
    "CHARGEBACK_FEE",
    "RESERVED_FUNDS",
    "ADJUSTMENT",
    "SHIPPING_LABEL",
    "TRANSFER_FAILURE",
    "ADVANCE",
    "IMPORT_TAX",
    "NEW_TYPE",
];

proptest! {
    #[test]
    fn every_journal_balances_and_deposits_the_payout_net(
        rows in prop::collection::vec(arb_tx(), 0..60),
        suspense in any::<bool>(),
    ) {
        let mut records = posted();
        for o in 3..6u64 {
            records.add_sale(PostedSale::new(
                OrderId::from_numeric(o),
                SaleOrderId::new(format!("so-{o}")).unwrap(),
                Breakdown::new(Decimal::from(o * 7), Decimal::from(o), [(vat(), Decimal::new(333, 2))]).unwrap(),
            ));
        }
        let mut chart = chart();
        for f in TransactionFamily::ALL {
            chart = chart.with_family(f, acc(&format!("7{}", f.as_str()))).with_fee(f, acc("6000"));
        }
        let txs: Vec<_> = rows
            .iter()
            .enumerate()
            .map(|(i, (k, amount, fee, order, credit_tx))| {
                let mut t = tx(i as u64 + 1, KINDS[*k], &Decimal::new(*amount, 2).to_string(), &Decimal::new(*fee, 2).to_string(), *order);
                if *credit_tx { t.source_order_transaction_id = Some(5001); }
                t
            })
            .collect();
        let p = payout(PayoutStatus::Paid, &txs);
        let mut config = ReconcileConfig::new(at(20));
        if suspense { config = config.with_suspense_after_days(3); }
        let r = reconcile_payout(&p, &txs, &records, &chart, &config);
        prop_assert_eq!(r.matches.len(), txs.len());
        let reported = r.matches.iter().filter(|m| !m.status.is_matched()).count();
        let unmatched_findings = r.findings.iter().filter(|f| f.code() == "unmatched_transaction").count();
        prop_assert_eq!(reported, unmatched_findings);
        match &r.journal {
            Some(journal) => {
                let (debits, credits) = journal.totals().unwrap();
                prop_assert_eq!(debits, credits);
                prop_assert_eq!(journal.bank_deposit(), p.net.amount());
                let rev = journal.reversed(at(21));
                let (rd, rc) = rev.totals().unwrap();
                prop_assert_eq!((rd, rc), (credits, debits));
                prop_assert!(matches!(r.action, PayoutAction::Post(_)));
            }
            None => {
                prop_assert!(r.findings.iter().any(PayoutFinding::blocks_journal));
                prop_assert_eq!(&r.action, &PayoutAction::Hold);
            }
        }
        if suspense {
            prop_assert!(r.journal.is_some() || r.findings.iter().any(|f| f.code() != "unmatched_transaction" && f.blocks_journal()));
        }
    }
}

/// What the journal posts to `account`, debits less credits.
fn posted_to(journal: &PayoutJournal, account: &str) -> Decimal {
    journal
        .lines()
        .iter()
        .filter(|l| l.account.as_str() == account)
        .map(|l| match l.side {
            Side::Debit => l.amount,
            Side::Credit => -l.amount,
        })
        .sum()
}

#[test]
fn the_recorded_signs_reconcile_and_post_to_the_right_sides() {
    // The signs of Shopify's own fixture rows: a charge 10.00 with fee 2.00 (net 8.00), a
    // refund -3.45, a dispute -11.50 with fee 15.00 (net -26.50), a reserve -42.00 then
    // +42.00, and the payout seen from the balance as a negative `TRANSFER` row.
    let mut refund = tx(3, "REFUND", "-3.45", "0.00", Some(1));
    refund.source_order_transaction_id = Some(5001);
    let txs = balanced(vec![
        tx(1, "CHARGE", "10.00", "2.00", Some(2)),
        tx(2, "CHARGE", "132.00", "4.20", Some(1)),
        refund,
        tx(4, "DISPUTE_WITHDRAWAL", "-11.50", "15.00", Some(2)),
        tx(5, "RESERVED_FUNDS", "-42.00", "0.00", None),
        tx(6, "RESERVED_FUNDS", "42.00", "0.00", None),
        tx(7, "TRANSFER", "0", "0.00", None),
    ]);
    assert_eq!(txs[0].net, gbp("8.00"));
    assert_eq!(txs[3].net, gbp("-26.50"));
    assert_eq!(
        txs[6].net,
        gbp("-105.85"),
        "the transfer row is the payout, negated"
    );
    let p = payout(PayoutStatus::Paid, &txs);
    assert_eq!(p.net, gbp("105.85"));
    assert_eq!(p.summary.refunds_fee_gross, gbp("-3.45"));
    assert_eq!(p.summary.adjustments_gross, gbp("-11.50"));
    assert_eq!(p.summary.adjustments_fee, gbp("15.00"));
    let chart = chart().with_fee(TransactionFamily::Dispute, acc("6110"));
    let r = reconcile_payout(&p, &txs, &posted(), &chart, &ReconcileConfig::new(at(20)));
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    let PayoutAction::Post(journal) = &r.action else {
        panic!("{:?}", r.action)
    };
    let (debits, credits) = journal.totals().unwrap();
    assert_eq!(debits, credits);
    assert_eq!(journal.bank_deposit(), d("105.85"));
    assert_eq!(
        posted_to(journal, "1200"),
        d("105.85"),
        "the bank is debited"
    );
    assert_eq!(
        posted_to(journal, "6000"),
        d("6.20"),
        "charge fees are debits"
    );
    assert_eq!(
        posted_to(journal, "6110"),
        d("15.00"),
        "the dispute fee is a debit"
    );
    assert_eq!(
        posted_to(journal, "6100"),
        d("11.50"),
        "the chargeback is a debit"
    );
    assert_eq!(
        posted_to(journal, "4010"),
        d("2.88"),
        "the refund's goods are a debit"
    );
    assert_eq!(
        posted_to(journal, "1250"),
        d("0"),
        "a reserve released nets to nothing"
    );
}

#[test]
fn a_real_payouts_summary_signs_agree_with_its_transactions() {
    // A real Shopify Payments payout as its REST summary showed it: refunds gross negative,
    // an adjustment fee of -15.00 (a fee given back), and the net of 4512.05 equal to each
    // gross less its fee.
    let txs = balanced(vec![
        tx(1, "CHARGE", "4883.43", "197.22", Some(2)),
        tx(2, "REFUND", "-281.55", "0.00", Some(2)),
        tx(3, "ADJUSTMENT", "92.39", "-15.00", None),
        tx(4, "TRANSFER", "0", "0.00", None),
    ]);
    let mut p = payout(PayoutStatus::Paid, &txs);
    let zero = gbp("0.00");
    p.summary = PayoutSummary {
        adjustments_fee: gbp("-15.00"),
        adjustments_gross: gbp("92.39"),
        advance_fees: zero,
        advance_gross: zero,
        charges_fee: gbp("197.22"),
        charges_gross: gbp("4883.43"),
        refunds_fee: zero,
        refunds_fee_gross: gbp("-281.55"),
        reserved_funds_fee: zero,
        reserved_funds_gross: zero,
        retried_payouts_fee: zero,
        retried_payouts_gross: zero,
    };
    assert_eq!(p.net, gbp("4512.05"));
    let chart = chart().with_fee(TransactionFamily::Adjustment, acc("6000"));
    let r = reconcile_payout(&p, &txs, &posted(), &chart, &ReconcileConfig::new(at(20)));
    let codes: Vec<&str> = r.findings.iter().map(DomainException::code).collect();
    // The refund has no credit document in `posted()`: it alone holds the payout back.
    assert_eq!(codes, vec!["unmatched_transaction"], "{:?}", r.findings);
}

#[test]
fn an_adjustment_names_the_orders_it_relates_to() {
    let mut adjustment = tx(3, "ADJUSTMENT", "-4.00", "0.00", None);
    adjustment.adjustments_orders = vec![
        crate::shopify::model::AdjustmentOrder {
            order_transaction_id: 5101,
            amount: gbp("-3.00"),
            fees: gbp("0.00"),
            net: gbp("-3.00"),
            name: "#1001".into(),
        },
        crate::shopify::model::AdjustmentOrder {
            order_transaction_id: 5102,
            amount: gbp("-1.00"),
            fees: gbp("0.00"),
            net: gbp("-1.00"),
            name: "#1002".into(),
        },
    ];
    let txs = balanced(vec![
        tx(1, "CHARGE", "20.00", "0.80", Some(2)),
        adjustment,
        tx(9, "TRANSFER", "0", "0.00", None),
    ]);
    let p = payout(PayoutStatus::Paid, &txs);
    let r = reconcile_payout(&p, &txs, &posted(), &chart(), &ReconcileConfig::new(at(20)));
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    assert_eq!(
        r.matches[1].adjusted_orders,
        vec![
            ("#1001".to_owned(), gbp("-3.00")),
            ("#1002".to_owned(), gbp("-1.00"))
        ]
    );
    assert_eq!(r.matches[1].status, MatchStatus::Account(acc("6900")));
    let results = vec![r];
    let md = PayoutReport::new(&results).to_markdown();
    assert!(md.contains(r"\#1001 (-3.00), \#1002 (-1.00)"), "{md}");
}
