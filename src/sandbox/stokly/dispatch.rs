//! Dispatching posted sale orders in the Stokly emulator, and serving the dispatches on the
//! crate's **inferred** path (`GET /v2/saleorders/{id}/dispatches`, the default of
//! [`InferredEndpoints`](crate::stokly::InferredEndpoints); a client configured with another
//! path gets a 404 here).
//!
//! A dispatch names its lines by SKU (the order's line carrying it) and may ship a line in
//! part; the emulator refuses more than is left undispatched, so the rest of the line stays
//! open for a later dispatch. Its parcels each carry a carrier (or the dispatch's), a
//! tracking number and a tracking page, in the inferred shape of
//! [`Dispatch`](crate::stokly::model::inferred::Dispatch). A line fully dispatched gets the
//! status `dispatched`.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::state::{StoklyState, field};
use super::{StoklyEmulator, lock};

/// One parcel of a [`DispatchSpec`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParcelSpec {
    /// Carrier (`None`: the dispatch's).
    pub carrier: Option<String>,
    /// Tracking number.
    pub tracking_number: String,
    /// Tracking page.
    pub tracking_url: Option<String>,
}

impl ParcelSpec {
    /// A parcel tracked as `number`, with its tracking page `url`.
    #[must_use]
    pub fn tracked(number: impl Into<String>, url: Option<&str>) -> Self {
        Self {
            carrier: None,
            tracking_number: number.into(),
            tracking_url: url.map(str::to_owned),
        }
    }

    /// Sets the parcel's own carrier.
    #[must_use]
    pub fn carrier(mut self, carrier: impl Into<String>) -> Self {
        self.carrier = Some(carrier.into());
        self
    }
}

/// What to dispatch from a sale order.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DispatchSpec {
    /// The Stokly location shipped from.
    pub location_id: String,
    /// Carrier of the dispatch.
    pub carrier: Option<String>,
    /// Parcels.
    pub parcels: Vec<ParcelSpec>,
    /// (SKU, quantity); empty: everything not yet dispatched.
    pub lines: Vec<(String, i64)>,
}

impl DispatchSpec {
    /// A dispatch from `location_id` of everything not yet dispatched, without parcels.
    #[must_use]
    pub fn from(location_id: impl Into<String>) -> Self {
        Self {
            location_id: location_id.into(),
            carrier: None,
            parcels: Vec::new(),
            lines: Vec::new(),
        }
    }

    /// Sets the carrier.
    #[must_use]
    pub fn carrier(mut self, carrier: impl Into<String>) -> Self {
        self.carrier = Some(carrier.into());
        self
    }

    /// Adds a parcel.
    #[must_use]
    pub fn parcel(mut self, parcel: ParcelSpec) -> Self {
        self.parcels.push(parcel);
        self
    }

    /// Ships `quantity` of the order's line with `sku` (instead of everything left).
    #[must_use]
    pub fn line(mut self, sku: impl Into<String>, quantity: i64) -> Self {
        self.lines.push((sku.into(), quantity));
        self
    }
}

/// Why the emulator refused a dispatch: the field and the sale order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("sandbox: cannot dispatch sale order {sale_order}: {field} {problem}")]
#[non_exhaustive]
pub struct DispatchRefused {
    /// The sale order.
    pub sale_order: String,
    /// The field (`lines[1].quantity`, `locationId`).
    pub field: String,
    /// What is wrong with it.
    pub problem: String,
}

impl StoklyState {
    /// Dispatches `spec` from sale order `sale_order` at `at`; returns the dispatch's ID.
    ///
    /// # Errors
    /// [`DispatchRefused`] for an unknown order or location, a SKU on no line of the order,
    /// a quantity that is not positive or more than is left undispatched, or nothing left.
    pub fn dispatch(
        &mut self,
        sale_order: &str,
        spec: &DispatchSpec,
        at: DateTime<Utc>,
    ) -> Result<String, DispatchRefused> {
        let refuse = |field: String, problem: &str| DispatchRefused {
            sale_order: sale_order.to_owned(),
            field,
            problem: problem.to_owned(),
        };
        if !self
            .sale_orders
            .iter()
            .any(|o| field(o, "saleOrderId").as_str() == Some(sale_order))
        {
            return Err(refuse("saleOrderId".into(), "is not a sale order"));
        }
        if !self
            .locations
            .iter()
            .any(|l| field(l, "locationId").as_str() == Some(spec.location_id.as_str()))
        {
            return Err(refuse("locationId".into(), "is not a location"));
        }
        // (line ID, quantity ordered, already dispatched, SKU) of the order's top lines.
        let lines: Vec<(String, i64, i64, String)> = self
            .sale_order_lines
            .iter()
            .filter(|l| field(l, "saleOrderId").as_str() == Some(sale_order))
            .filter(|l| field(l, "parentId").is_null())
            .filter_map(|l| {
                let id = field(l, "lineId").as_str()?.to_owned();
                let ordered = units(field(l, "quantity"));
                let sku = field(l, "itemSku").as_str().unwrap_or_default().to_owned();
                Some((id.clone(), ordered, self.dispatched(sale_order, &id), sku))
            })
            .collect();
        let mut items = Vec::new();
        if spec.lines.is_empty() {
            for (id, ordered, sent, _) in &lines {
                if ordered > sent {
                    items.push((id.clone(), ordered - sent));
                }
            }
            if items.is_empty() {
                return Err(refuse("lines".into(), "has nothing left to dispatch"));
            }
        }
        for (i, (sku, quantity)) in spec.lines.iter().enumerate() {
            let Some((id, ordered, sent, _)) = lines.iter().find(|l| &l.3 == sku) else {
                return Err(refuse(
                    format!("lines[{i}].sku"),
                    "is on no line of the order",
                ));
            };
            let already: i64 = items.iter().filter(|(l, _)| l == id).map(|(_, q)| *q).sum();
            if *quantity <= 0 {
                return Err(refuse(format!("lines[{i}].quantity"), "must be positive"));
            }
            if sent + already + quantity > *ordered {
                return Err(refuse(
                    format!("lines[{i}].quantity"),
                    "is more than is left undispatched",
                ));
            }
            items.push((id.clone(), *quantity));
        }
        let id = self.new_id();
        let parcels: Vec<Value> = spec
            .parcels
            .iter()
            .map(|p| {
                json!({"carrier": p.carrier, "trackingNumber": p.tracking_number,
                       "trackingUrl": p.tracking_url})
            })
            .collect();
        self.dispatches.push(json!({
            "dispatchId": id, "saleOrderId": sale_order, "locationId": spec.location_id,
            "carrier": spec.carrier, "parcels": parcels,
            "dispatchedAt": at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "items": items.iter().map(|(l, q)| json!({"lineId": l, "quantity": q})).collect::<Vec<_>>(),
        }));
        for (line_id, ordered, _, _) in &lines {
            if self.dispatched(sale_order, line_id) >= *ordered {
                if let Some(l) = self
                    .sale_order_lines
                    .iter_mut()
                    .find(|l| field(l, "lineId").as_str() == Some(line_id.as_str()))
                {
                    l["status"] = json!("dispatched");
                }
            }
        }
        Ok(id)
    }

    /// Units of `line` of `sale_order` dispatched so far.
    fn dispatched(&self, sale_order: &str, line: &str) -> i64 {
        self.dispatches_of(sale_order)
            .flat_map(|d| field(d, "items").as_array().into_iter().flatten())
            .filter(|i| field(i, "lineId").as_str() == Some(line))
            .map(|i| units(field(i, "quantity")))
            .sum()
    }

    fn dispatches_of<'a>(&'a self, sale_order: &'a str) -> impl Iterator<Item = &'a Value> {
        self.dispatches
            .iter()
            .filter(move |d| field(d, "saleOrderId").as_str() == Some(sale_order))
    }
}

/// The dispatches of `sale_order`, as the inferred route lists them.
pub(crate) fn rows(state: &StoklyState, sale_order: &str) -> Vec<Value> {
    state.dispatches_of(sale_order).cloned().collect()
}

fn units(v: &Value) -> i64 {
    v.as_i64()
        .or_else(|| v.as_f64().map(|f| f.round() as i64))
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or(0)
}

impl StoklyEmulator {
    /// Dispatches `spec` from sale order `sale_order` now (on the emulator's clock); returns
    /// the dispatch's ID.
    ///
    /// # Errors
    /// As [`StoklyState::dispatch`].
    pub fn dispatch(
        &self,
        sale_order: &str,
        spec: &DispatchSpec,
    ) -> Result<String, DispatchRefused> {
        let now = self.shared.clock.now();
        lock(&self.shared.state).dispatch(sale_order, spec, now)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use chrono::TimeZone;

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
    }

    /// An account with one order of 3 MUG and 1 TEA; (state, order, location).
    fn account() -> (StoklyState, String, String) {
        let mut s = StoklyState::new("a", 1);
        let (location, _) = s.add_location("Warehouse");
        let order = s.new_id();
        for (sku, q) in [("MUG", 3), ("TEA", 1)] {
            let line = s.new_id();
            s.sale_order_lines
                .push(json!({"lineId": line, "saleOrderId": order,
                "itemSku": sku, "quantity": q, "status": "unprocessed", "parentId": null}));
        }
        s.sale_orders.push(json!({"saleOrderId": order}));
        (s, order, location)
    }

    #[test]
    fn a_partial_dispatch_leaves_the_rest_for_the_next() {
        let (mut s, order, location) = account();
        let spec = DispatchSpec::from(&location)
            .carrier("UPS")
            .parcel(ParcelSpec::tracked("1ZA", None))
            .parcel(ParcelSpec::tracked("RM1", Some("https://t/RM1")).carrier("Royal Mail"))
            .line("MUG", 2);
        s.dispatch(&order, &spec, at()).unwrap();
        let d = &rows(&s, &order)[0];
        assert_eq!(d["items"][0]["quantity"], json!(2));
        assert_eq!(d["parcels"][1]["carrier"], json!("Royal Mail"));
        assert_eq!(d["dispatchedAt"], json!("2026-12-01T09:00:00Z"));
        assert_eq!(s.sale_order_lines[0]["status"], json!("unprocessed"));
        // The rest: one MUG and the TEA.
        s.dispatch(&order, &DispatchSpec::from(&location), at())
            .unwrap();
        let rest = &rows(&s, &order)[1]["items"];
        assert_eq!(rest[0]["quantity"], json!(1));
        assert_eq!(rest[1]["quantity"], json!(1));
        assert_eq!(s.sale_order_lines[0]["status"], json!("dispatched"));
        let err = s
            .dispatch(&order, &DispatchSpec::from(&location), at())
            .unwrap_err();
        assert_eq!(err.field, "lines");
    }

    #[test]
    fn refusals_name_the_field() {
        let (mut s, order, location) = account();
        let field = |s: &mut StoklyState, order: &str, spec: DispatchSpec| {
            s.dispatch(order, &spec, at()).unwrap_err().field
        };
        assert_eq!(
            field(&mut s, &order, DispatchSpec::from("nowhere")),
            "locationId"
        );
        assert_eq!(
            field(&mut s, "no-order", DispatchSpec::from(&location)),
            "saleOrderId"
        );
        assert_eq!(
            field(&mut s, &order, DispatchSpec::from(&location).line("CUP", 1)),
            "lines[0].sku"
        );
        assert_eq!(
            field(
                &mut s,
                &order,
                DispatchSpec::from(&location).line("MUG", 2).line("MUG", 2)
            ),
            "lines[1].quantity"
        );
        assert_eq!(
            field(&mut s, &order, DispatchSpec::from(&location).line("TEA", 0)),
            "lines[0].quantity"
        );
        assert!(s.dispatches.is_empty());
    }
}
