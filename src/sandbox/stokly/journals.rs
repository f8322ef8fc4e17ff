//! **Inferred.** Journals in the Stokly emulator, on the crate's inferred path
//! (`/v0/journals`, [`InferredEndpoints`](crate::stokly::InferredEndpoints)): Stokly's journal
//! endpoint is not public, so this is what the crate assumes, not what Stokly was seen doing.
//!
//! `POST /v0/journals` checks the body the client sends (a date, a currency, a reference,
//! lines each with an account and exactly one of a positive debit or credit, debits equal to
//! credits) and answers `202 {data: {id}}`; the journal becomes visible after the configured
//! visibility delay, like every other 202 write. `GET /v0/journals` lists visible journals
//! with the usual filters (the client looks journals up by `[reference]=*{…}`). Two creates
//! with the same reference make two journals: the emulator does not deduplicate, so a client
//! that creates twice is caught.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::routes::{Answer, RouteCtx, accepted, list, make_visible_later, message, visible_rows};
use super::state::{StoklyState, field};

/// Routes journal requests; `None` for any other path.
pub(crate) fn route(
    state: &mut StoklyState,
    method: &str,
    segments: &[&str],
    ctx: &RouteCtx<'_>,
) -> Option<Answer> {
    match (method, segments) {
        ("POST", ["v0", "journals"]) => Some(create(state, ctx)),
        ("GET", ["v0", "journals"]) => Some(list(
            visible_rows(state, &state.journals, "journalId", ctx),
            ctx,
        )),
        _ => None,
    }
}

fn amount(line: &Value, key: &str) -> Option<Decimal> {
    match field(line, key) {
        Value::Null => Some(Decimal::ZERO),
        Value::Number(n) => {
            let text = n.to_string();
            Decimal::from_str(&text)
                .or_else(|_| Decimal::from_scientific(&text))
                .ok()
        }
        Value::String(s) => Decimal::from_str(s).ok(),
        _ => None,
    }
}

fn create(state: &mut StoklyState, ctx: &RouteCtx<'_>) -> Answer {
    let body = ctx.body;
    let Some(reference) = field(body, "reference").as_str().filter(|r| !r.is_empty()) else {
        return message(400, "reference is required");
    };
    if field(body, "currency").as_str().is_none_or(str::is_empty) {
        return message(400, "currency is required");
    }
    if field(body, "date").as_str().is_none_or(str::is_empty) {
        return message(400, "date is required");
    }
    let Some(lines) = field(body, "lines").as_array().filter(|l| !l.is_empty()) else {
        return message(400, "lines is required");
    };
    let (mut debits, mut credits) = (Decimal::ZERO, Decimal::ZERO);
    for (i, line) in lines.iter().enumerate() {
        if field(line, "account").as_str().is_none_or(str::is_empty) {
            return message(400, format!("lines[{i}].account is required"));
        }
        let (Some(debit), Some(credit)) = (amount(line, "debit"), amount(line, "credit")) else {
            return message(400, format!("lines[{i}]: debit and credit must be numbers"));
        };
        if debit.is_sign_negative() || credit.is_sign_negative() {
            return message(400, format!("lines[{i}]: amounts must not be negative"));
        }
        if debit.is_zero() == credit.is_zero() {
            return message(
                400,
                format!("lines[{i}]: exactly one of debit and credit must be set"),
            );
        }
        debits += debit;
        credits += credit;
    }
    if debits != credits {
        return message(
            400,
            format!("journal is not balanced: debits {debits}, credits {credits}"),
        );
    }
    let id = state.new_id();
    let mut record = body.clone();
    if let Some(map) = record.as_object_mut() {
        map.insert("journalId".to_owned(), json!(id));
        map.insert("reference".to_owned(), json!(reference));
        map.insert(
            "timeCreated".to_owned(),
            json!(ctx.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        );
    }
    state.journals.push(record);
    make_visible_later(state, &id, ctx);
    accepted(&id)
}
