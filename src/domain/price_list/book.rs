//! The prices a B2B buyer should have been charged, for the order check.

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::plan::{PriceListConfig, StoklyPriceList};
use crate::domain::catalogue::is_blank_sku;
use crate::money::{CurrencyCode, Money};
use crate::shopify::CompanyLocationId;
use crate::stokly::PriceListId;

/// Per Shopify company location, the Stokly price lists it buys on, with their prices by
/// SKU; and the tolerance a charged unit price may differ by.
///
/// [`map_order`](crate::domain::order::map_order) consults it (through
/// [`OrderMappingConfig::with_b2b_prices`](crate::domain::order::OrderMappingConfig::with_b2b_prices))
/// for orders bought through a company location: a line whose SKU one of the location's
/// lists prices must have been charged that price (within the tolerance), in the list's
/// currency, or the order is an exception for ecommerce. The price is the one for the
/// line's quantity: the quantity price break with the highest minimum the quantity reaches,
/// else the list's unit price (as Shopify prices a B2B cart).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct B2bPriceBook {
    lists: Vec<BookList>,
    by_location: HashMap<CompanyLocationId, Vec<usize>>,
    tolerance: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct BookList {
    id: PriceListId,
    currency: CurrencyCode,
    prices: HashMap<String, BookPrice>,
}

/// A SKU's unit price and its quantity price breaks (lowest minimum first), rounded.
#[derive(Debug, Clone, PartialEq, Eq)]
struct BookPrice {
    unit: Decimal,
    breaks: Vec<(i64, Decimal)>,
}

impl BookPrice {
    /// The unit price for `quantity` units.
    fn for_quantity(&self, quantity: i64) -> Decimal {
        self.breaks
            .iter()
            .rev()
            .find(|(minimum, _)| quantity >= *minimum)
            .map_or(self.unit, |(_, price)| *price)
    }
}

/// What a location's lists say about a SKU.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ListPriceCheck {
    /// No list of the location prices the SKU (or the location has no list): nothing to check.
    NotListed,
    /// A list prices it and the charged price agrees within the tolerance.
    Agrees,
    /// Lists price it and the charged price agrees with none of them.
    Differs {
        /// The list whose price is closest (in the charged currency, else the first).
        list: PriceListId,
        /// Its price.
        expected: Money,
    },
}

impl B2bPriceBook {
    /// The book of `lists` for the company locations `config` maps their customers to, with
    /// a tolerance of `tolerance` per unit (zero: exact to the cent). Prices are rounded to
    /// the currency's minor unit half away from zero, as they are pushed.
    #[must_use]
    pub fn new(lists: &[StoklyPriceList], config: &PriceListConfig, tolerance: Decimal) -> Self {
        let mut book = Self {
            lists: Vec::with_capacity(lists.len()),
            by_location: HashMap::new(),
            tolerance: tolerance.abs(),
        };
        for source in lists {
            let Some(currency) = source.list.currency else {
                continue;
            };
            let prices = source
                .items
                .iter()
                .filter_map(|item| {
                    let sku = item.sku.as_deref().filter(|s| !is_blank_sku(s))?;
                    let round = |p| Money::new(p, currency).round_to_minor_units().amount();
                    let mut breaks: Vec<(i64, Decimal)> = item
                        .quantity_breaks
                        .iter()
                        .map(|b| (b.minimum_quantity, round(b.price)))
                        .collect();
                    breaks.sort_by_key(|(minimum, _)| *minimum);
                    Some((
                        sku.to_owned(),
                        BookPrice {
                            unit: round(item.price),
                            breaks,
                        },
                    ))
                })
                .collect();
            let at = book.lists.len();
            book.lists.push(BookList {
                id: source.list.price_list_id.clone(),
                currency,
                prices,
            });
            for customer in &source.customers {
                for location in config.company_locations_of(&customer.customer_id) {
                    let entry = book.by_location.entry(location.clone()).or_default();
                    if !entry.contains(&at) {
                        entry.push(at);
                    }
                }
            }
        }
        book
    }

    /// The tolerance per unit.
    #[must_use]
    pub fn tolerance(&self) -> Decimal {
        self.tolerance
    }

    /// Checks a unit price charged to `location` for `quantity` units of `sku`.
    #[must_use]
    pub fn check(
        &self,
        location: &CompanyLocationId,
        sku: &str,
        quantity: i64,
        charged: Money,
    ) -> ListPriceCheck {
        let mut closest: Option<(Decimal, &BookList, Decimal)> = None;
        let mut other_currency: Option<(&BookList, Decimal)> = None;
        for list in self
            .by_location
            .get(location)
            .into_iter()
            .flatten()
            .filter_map(|i| self.lists.get(*i))
        {
            let Some(price) = list.prices.get(sku).map(|p| p.for_quantity(quantity)) else {
                continue;
            };
            if list.currency != charged.currency() {
                other_currency.get_or_insert((list, price));
                continue;
            }
            let gap = (charged.amount() - price).abs();
            if gap <= self.tolerance {
                return ListPriceCheck::Agrees;
            }
            if closest.is_none_or(|(best, _, _)| gap < best) {
                closest = Some((gap, list, price));
            }
        }
        match (closest, other_currency) {
            (Some((_, list, price)), _) => ListPriceCheck::Differs {
                list: list.id.clone(),
                expected: Money::new(price, list.currency),
            },
            (None, Some((list, price))) => ListPriceCheck::Differs {
                list: list.id.clone(),
                expected: Money::new(price, list.currency),
            },
            (None, None) => ListPriceCheck::NotListed,
        }
    }
}
