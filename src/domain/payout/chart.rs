//! The chart of accounts a payout journal posts to, and the families balance-transaction types
//! are grouped into.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::domain::order::{GlAccountCode, TaxKey};

/// What a balance transaction is, for accounting. Shopify's 113 transaction types are grouped
/// into these; [`TransactionFamily::of`] returns `None` for a type it does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TransactionFamily {
    /// A card charge on an order (`CHARGE`).
    Charge,
    /// A refund to a customer (`REFUND`, `REFUND_FAILURE`, `REFUND_ADJUSTMENT`).
    Refund,
    /// A chargeback withdrawn or given back (`DISPUTE_WITHDRAWAL`, `DISPUTE_REVERSAL`).
    Dispute,
    /// The fee of a chargeback and its refund (`CHARGEBACK_FEE`, `CHARGEBACK_FEE_REFUND`).
    DisputeFee,
    /// Funds held back and released (`RESERVED_FUNDS*`, `CHARGEBACK_HOLD*`, `RISK_*`).
    Reserve,
    /// The payout itself seen from the balance (`TRANSFER`): never journaled.
    Transfer,
    /// An earlier payout that failed or was cancelled, back in the balance
    /// (`TRANSFER_FAILURE`, `TRANSFER_CANCEL`, `TRANSFER_REFUND`).
    RetriedPayout,
    /// Shopify services billed through the balance: shipping labels, billing, Shop Cash,
    /// referral fees, processing fees.
    ShopifyServices,
    /// Duties and taxes collected or adjusted (`CUSTOMS_DUTY*`, `IMPORT_TAX*`,
    /// `TAX_ADJUSTMENT_*`, `VAT_REFUND_CREDIT*`).
    DutiesAndTaxes,
    /// Shopify Capital and advances (`LENDING_*`, `ADVANCE*`).
    Lending,
    /// Every other credit, debit and adjustment (`ADJUSTMENT`, `CHARGE_ADJUSTMENT`, channel,
    /// promotion, goodwill, protection, collective, merchant-to-merchant, balance transfers).
    Adjustment,
}

impl TransactionFamily {
    /// Every family, in a fixed order.
    pub const ALL: [Self; 11] = [
        Self::Charge,
        Self::Refund,
        Self::Dispute,
        Self::DisputeFee,
        Self::Reserve,
        Self::Transfer,
        Self::RetriedPayout,
        Self::ShopifyServices,
        Self::DutiesAndTaxes,
        Self::Lending,
        Self::Adjustment,
    ];

    /// The family of a Shopify `ShopifyPaymentsTransactionType` (all 113 values of 2026-01 to
    /// 2026-07 are listed); `None` for a value this crate does not know.
    #[must_use]
    pub fn of(transaction_type: &str) -> Option<Self> {
        let family = match transaction_type {
            "CHARGE" => Self::Charge,
            "REFUND" | "REFUND_FAILURE" | "REFUND_ADJUSTMENT" => Self::Refund,
            "DISPUTE_WITHDRAWAL" | "DISPUTE_REVERSAL" => Self::Dispute,
            "CHARGEBACK_FEE" | "CHARGEBACK_FEE_REFUND" => Self::DisputeFee,
            "RESERVED_FUNDS"
            | "RESERVED_FUNDS_WITHDRAWAL"
            | "RESERVED_FUNDS_REVERSAL"
            | "CHARGEBACK_HOLD"
            | "CHARGEBACK_HOLD_RELEASE"
            | "RISK_WITHDRAWAL"
            | "RISK_REVERSAL" => Self::Reserve,
            "TRANSFER" => Self::Transfer,
            "TRANSFER_FAILURE" | "TRANSFER_CANCEL" | "TRANSFER_REFUND" => Self::RetriedPayout,
            "SHIPPING_LABEL"
            | "SHIPPING_LABEL_ADJUSTMENT"
            | "SHIPPING_LABEL_ADJUSTMENT_BASE"
            | "SHIPPING_LABEL_ADJUSTMENT_SURCHARGE"
            | "SHIPPING_RETURN_TO_ORIGIN_ADJUSTMENT"
            | "SHIPPING_OTHER_CARRIER_CHARGE_ADJUSTMENT"
            | "BILLING_DEBIT"
            | "BILLING_DEBIT_REVERSAL"
            | "SHOP_CASH_CREDIT"
            | "SHOP_CASH_CREDIT_REVERSAL"
            | "SHOP_CASH_BILLING_DEBIT"
            | "SHOP_CASH_BILLING_DEBIT_REVERSAL"
            | "SHOP_CASH_REFUND_DEBIT"
            | "SHOP_CASH_REFUND_DEBIT_REVERSAL"
            | "SHOP_CASH_CAMPAIGN_BILLING_DEBIT"
            | "SHOP_CASH_CAMPAIGN_BILLING_DEBIT_REVERSAL"
            | "SHOP_CASH_CAMPAIGN_BILLING_CREDIT"
            | "SHOP_CASH_CAMPAIGN_BILLING_CREDIT_REVERSAL"
            | "REFERRAL_FEE"
            | "REFERRAL_FEE_TAX"
            | "STRIPE_FEE"
            | "APPLICATION_FEE_REFUND"
            | "ACH_BANK_FAILURE_DEBIT_FEE"
            | "ACH_BANK_FAILURE_DEBIT_REVERSAL_FEE"
            | "MARKETPLACE_FEE_CREDIT"
            | "MARKETPLACE_FEE_CREDIT_REVERSAL"
            | "ADS_PUBLISHER_CREDIT"
            | "ADS_PUBLISHER_CREDIT_REVERSAL" => Self::ShopifyServices,
            "CUSTOMS_DUTY"
            | "CUSTOMS_DUTY_ADJUSTMENT"
            | "IMPORT_TAX"
            | "IMPORT_TAX_ADJUSTMENT"
            | "IMPORT_TAX_REFUND"
            | "TAX_ADJUSTMENT_DEBIT"
            | "TAX_ADJUSTMENT_DEBIT_REVERSAL"
            | "TAX_ADJUSTMENT_CREDIT"
            | "TAX_ADJUSTMENT_CREDIT_REVERSAL"
            | "VAT_REFUND_CREDIT"
            | "VAT_REFUND_CREDIT_REVERSAL" => Self::DutiesAndTaxes,
            "LENDING_DEBIT"
            | "LENDING_DEBIT_REVERSAL"
            | "LENDING_CREDIT"
            | "LENDING_CREDIT_REVERSAL"
            | "LENDING_CAPITAL_REMITTANCE"
            | "LENDING_CAPITAL_REMITTANCE_REVERSAL"
            | "LENDING_CREDIT_REMITTANCE"
            | "LENDING_CREDIT_REMITTANCE_REVERSAL"
            | "LENDING_CAPITAL_REFUND"
            | "LENDING_CAPITAL_REFUND_REVERSAL"
            | "LENDING_CREDIT_REFUND"
            | "LENDING_CREDIT_REFUND_REVERSAL"
            | "ADVANCE"
            | "ADVANCE_FUNDING" => Self::Lending,
            "ADJUSTMENT"
            | "CHARGE_ADJUSTMENT"
            | "CHARGEBACK_PROTECTION_CREDIT"
            | "CHARGEBACK_PROTECTION_CREDIT_REVERSAL"
            | "CHARGEBACK_PROTECTION_DEBIT"
            | "CHARGEBACK_PROTECTION_DEBIT_REVERSAL"
            | "COLLECTIONS_CREDIT"
            | "COLLECTIONS_CREDIT_REVERSAL"
            | "PROMOTION_CREDIT"
            | "PROMOTION_CREDIT_REVERSAL"
            | "ANOMALY_CREDIT"
            | "ANOMALY_CREDIT_REVERSAL"
            | "ANOMALY_DEBIT"
            | "ANOMALY_DEBIT_REVERSAL"
            | "CHANNEL_CREDIT"
            | "CHANNEL_CREDIT_REVERSAL"
            | "CHANNEL_TRANSFER_CREDIT"
            | "CHANNEL_TRANSFER_CREDIT_REVERSAL"
            | "CHANNEL_TRANSFER_DEBIT"
            | "CHANNEL_TRANSFER_DEBIT_REVERSAL"
            | "CHANNEL_PROMOTION_CREDIT"
            | "CHANNEL_PROMOTION_CREDIT_REVERSAL"
            | "MERCHANT_GOODWILL_CREDIT"
            | "MERCHANT_GOODWILL_CREDIT_REVERSAL"
            | "SELLER_PROTECTION_CREDIT"
            | "SELLER_PROTECTION_CREDIT_REVERSAL"
            | "SHOPIFY_COLLECTIVE_DEBIT"
            | "SHOPIFY_COLLECTIVE_DEBIT_REVERSAL"
            | "SHOPIFY_COLLECTIVE_CREDIT"
            | "SHOPIFY_COLLECTIVE_CREDIT_REVERSAL"
            | "MERCHANT_TO_MERCHANT_DEBIT"
            | "MERCHANT_TO_MERCHANT_DEBIT_REVERSAL"
            | "MERCHANT_TO_MERCHANT_CREDIT"
            | "MERCHANT_TO_MERCHANT_CREDIT_REVERSAL"
            | "SHOPIFY_SOURCE_DEBIT"
            | "SHOPIFY_SOURCE_DEBIT_REVERSAL"
            | "SHOPIFY_SOURCE_CREDIT"
            | "SHOPIFY_SOURCE_CREDIT_REVERSAL"
            | "BALANCE_TRANSFER_INBOUND"
            | "BALANCE_TRANSFER_OUTBOUND"
            | "MARKETS_PRO_CREDIT" => Self::Adjustment,
            _ => return None,
        };
        Some(family)
    }

    /// The family's name in reports and configuration (`dispute_fee`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Charge => "charge",
            Self::Refund => "refund",
            Self::Dispute => "dispute",
            Self::DisputeFee => "dispute_fee",
            Self::Reserve => "reserve",
            Self::Transfer => "transfer",
            Self::RetriedPayout => "retried_payout",
            Self::ShopifyServices => "shopify_services",
            Self::DutiesAndTaxes => "duties_and_taxes",
            Self::Lending => "lending",
            Self::Adjustment => "adjustment",
        }
    }
}

impl fmt::Display for TransactionFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What identifies a tax for the payout journal: the order flow's [`TaxKey`] (title, rate,
/// source, channel liability) plus the ship-to country and whether prices included tax.
/// Shopify's tax lines carry no jurisdiction, so the country comes from the order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PayoutTaxKey {
    /// The order flow's tax key.
    pub tax: TaxKey,
    /// The ship-to country (ISO 3166-1 alpha-2), when the order had one.
    pub country: Option<String>,
    /// Whether the order's prices included tax.
    pub taxes_included: bool,
}

impl PayoutTaxKey {
    /// A key from the order flow's key, the country and the tax-included flag.
    #[must_use]
    pub fn new(tax: TaxKey, country: Option<&str>, taxes_included: bool) -> Self {
        Self {
            tax,
            country: country.map(|c| c.trim().to_ascii_uppercase()),
            taxes_included,
        }
    }
}

impl fmt::Display for PayoutTaxKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.tax)?;
        match &self.country {
            Some(country) => write!(f, ", country {country}")?,
            None => f.write_str(", no country")?,
        }
        if self.taxes_included {
            f.write_str(", tax included")
        } else {
            f.write_str(", tax excluded")
        }
    }
}

/// A chart of accounts that cannot be used, found by [`ChartOfAccounts::validate`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChartError {
    /// Two roles that must be apart share an account.
    #[error("account {account} is both the {first} account and the {second} account")]
    SharedAccount {
        /// The account.
        account: GlAccountCode,
        /// One role.
        first: &'static str,
        /// The other role.
        second: &'static str,
    },
    /// A channel-liable tax posts to the same account as a tax the merchant remits, so the
    /// merchant would declare tax the channel pays.
    #[error(
        "tax {channel_liable} is channel liable but posts to account {account}, as tax {merchant} the merchant remits does"
    )]
    ChannelLiableTaxSharesAccount {
        /// The channel-liable key.
        channel_liable: PayoutTaxKey,
        /// A merchant-remitted key with the same account.
        merchant: PayoutTaxKey,
        /// The account.
        account: GlAccountCode,
    },
}

/// The accounts a payout journal posts to. Build one with [`ChartOfAccounts::new`] and the
/// `with_*` methods, then [`validate`](Self::validate) it once. A key met in data and not
/// mapped here is a finance exception naming the key, never a default account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartOfAccounts {
    bank: GlAccountCode,
    suspense: GlAccountCode,
    sales: GlAccountCode,
    shipping: GlAccountCode,
    refunds: Option<GlAccountCode>,
    taxes: HashMap<PayoutTaxKey, GlAccountCode>,
    families: HashMap<TransactionFamily, GlAccountCode>,
    fees: HashMap<TransactionFamily, GlAccountCode>,
}

impl ChartOfAccounts {
    /// A chart with the bank account (the deposit), the suspense account (unmatched
    /// transactions past their grace period), and the sales and shipping income accounts.
    /// Refunds net against sales until [`with_refunds`](Self::with_refunds) gives them an
    /// account of their own.
    #[must_use]
    pub fn new(
        bank: GlAccountCode,
        suspense: GlAccountCode,
        sales: GlAccountCode,
        shipping: GlAccountCode,
    ) -> Self {
        Self {
            bank,
            suspense,
            sales,
            shipping,
            refunds: None,
            taxes: HashMap::new(),
            families: HashMap::new(),
            fees: HashMap::new(),
        }
    }

    /// Posts the goods part of refunds to `account` (sales returns) instead of netting it
    /// against sales.
    #[must_use]
    pub fn with_refunds(mut self, account: GlAccountCode) -> Self {
        self.refunds = Some(account);
        self
    }

    /// Posts tax with `key` to `account`.
    #[must_use]
    pub fn with_tax(mut self, key: PayoutTaxKey, account: GlAccountCode) -> Self {
        self.taxes.insert(key, account);
        self
    }

    /// Posts the amounts of transactions of `family` to `account` (chargebacks, dispute fees,
    /// reserves, adjustments...). Charges and refunds matched to posted records post to the
    /// sales, shipping and tax accounts instead; their family account takes them only when
    /// they reach suspense.
    #[must_use]
    pub fn with_family(mut self, family: TransactionFamily, account: GlAccountCode) -> Self {
        self.families.insert(family, account);
        self
    }

    /// Posts the fees of transactions of `family` to `account`.
    #[must_use]
    pub fn with_fee(mut self, family: TransactionFamily, account: GlAccountCode) -> Self {
        self.fees.insert(family, account);
        self
    }

    /// Checks the chart before any data is met: the bank and suspense accounts are apart from
    /// each other and from every income account, and no channel-liable tax shares an account
    /// with a tax the merchant remits.
    ///
    /// # Errors
    /// Every [`ChartError`] found, in a stable order (an empty list never comes back as an
    /// error).
    pub fn validate(&self) -> Result<(), Vec<ChartError>> {
        let mut errors = Vec::new();
        let roles: [(&'static str, &GlAccountCode); 4] = [
            ("bank", &self.bank),
            ("suspense", &self.suspense),
            ("sales", &self.sales),
            ("shipping", &self.shipping),
        ];
        for (i, (first, a)) in roles.iter().enumerate() {
            for (second, b) in roles.iter().skip(i + 1) {
                let shipping_with_sales = *first == "sales" && *second == "shipping";
                if a == b && !shipping_with_sales {
                    errors.push(ChartError::SharedAccount {
                        account: (*a).clone(),
                        first,
                        second,
                    });
                }
            }
        }
        let sorted: BTreeMap<&PayoutTaxKey, &GlAccountCode> = self.taxes.iter().collect();
        for (key, account) in &sorted {
            if !key.tax.channel_liable {
                continue;
            }
            if let Some((merchant, _)) = sorted
                .iter()
                .find(|(other, acc)| !other.tax.channel_liable && *acc == account)
            {
                errors.push(ChartError::ChannelLiableTaxSharesAccount {
                    channel_liable: (*key).clone(),
                    merchant: (*merchant).clone(),
                    account: (*account).clone(),
                });
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The bank account.
    #[must_use]
    pub fn bank(&self) -> &GlAccountCode {
        &self.bank
    }

    /// The suspense account.
    #[must_use]
    pub fn suspense(&self) -> &GlAccountCode {
        &self.suspense
    }

    /// The sales account.
    #[must_use]
    pub fn sales(&self) -> &GlAccountCode {
        &self.sales
    }

    /// The shipping income account.
    #[must_use]
    pub fn shipping(&self) -> &GlAccountCode {
        &self.shipping
    }

    /// The refunds (sales returns) account, if refunds do not net against sales.
    #[must_use]
    pub fn refunds(&self) -> Option<&GlAccountCode> {
        self.refunds.as_ref()
    }

    /// The account of a tax.
    #[must_use]
    pub fn tax(&self, key: &PayoutTaxKey) -> Option<&GlAccountCode> {
        self.taxes.get(key)
    }

    /// The account of a family's amounts.
    #[must_use]
    pub fn family(&self, family: TransactionFamily) -> Option<&GlAccountCode> {
        self.families.get(&family)
    }

    /// The account of a family's fees.
    #[must_use]
    pub fn fee(&self, family: TransactionFamily) -> Option<&GlAccountCode> {
        self.fees.get(&family)
    }
}
