//! A parser and evaluator for Stokly's filter grammar, `[field]op{value}` joined by `&&` and
//! `||` with parentheses, over JSON records.
//!
//! `&&` binds tighter than `||`. Values run to the next `}` (the client never sends a value
//! containing braces). `{@null;}` is the null literal and `{@string;...}` forces a string
//! comparison. Comparisons on numbers are numeric, on booleans `1`/`0`/`true`/`false`, on
//! date-times chronological (a value without seconds or zone, `2026-11-01T09:00`, is UTC), and
//! otherwise exact, case-sensitive string comparisons.

use chrono::{DateTime, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use serde_json::Value;

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Term {
        field: String,
        op: Op,
        value: Literal,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    In,
    Contains,
    NotContains,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Literal {
    Null,
    String(String),
    Raw(String),
}

pub(crate) fn parse(input: &str) -> Result<Option<Expr>, String> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    let mut p = Parser { s: trimmed, pos: 0 };
    let expr = p.or()?;
    if p.pos != p.s.len() {
        return Err(format!("unexpected text at {}: {:?}", p.pos, p.rest()));
    }
    Ok(Some(expr))
}

struct Parser<'a> {
    s: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        self.s.get(self.pos..).unwrap_or_default()
    }

    fn eat(&mut self, token: &str) -> bool {
        if self.rest().starts_with(token) {
            self.pos += token.len();
            true
        } else {
            false
        }
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.eat("||") {
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.primary()?;
        while self.eat("&&") {
            let right = self.primary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn primary(&mut self) -> Result<Expr, String> {
        if self.eat("(") {
            let inner = self.or()?;
            if !self.eat(")") {
                return Err(format!("missing ) at {}", self.pos));
            }
            return Ok(inner);
        }
        if !self.eat("[") {
            return Err(format!(
                "expected [field] or ( at {}: {:?}",
                self.pos,
                self.rest()
            ));
        }
        let end = self
            .rest()
            .find(']')
            .ok_or("missing ] after the field name")?;
        let field = self.rest().get(..end).unwrap_or_default().to_owned();
        if field.is_empty() {
            return Err("empty field name".to_owned());
        }
        self.pos += end + 1;
        let op = [
            ("==", Op::Eq),
            ("!=", Op::Ne),
            ("=*", Op::In),
            ("::", Op::Contains),
            ("!:", Op::NotContains),
            (">>", Op::Gt),
            (">=", Op::Ge),
            ("<<", Op::Lt),
            ("<=", Op::Le),
        ]
        .into_iter()
        .find(|(token, _)| self.rest().starts_with(token))
        .map(|(token, op)| (token.len(), op))
        .ok_or_else(|| format!("unknown operator after [{field}]: {:?}", self.rest()))?;
        self.pos += op.0;
        if !self.eat("{") {
            return Err(format!("expected {{value}} after [{field}]"));
        }
        let end = self.rest().find('}').ok_or("missing } after the value")?;
        let raw = self.rest().get(..end).unwrap_or_default().to_owned();
        self.pos += end + 1;
        let value = if raw == "@null;" {
            Literal::Null
        } else if let Some(s) = raw.strip_prefix("@string;") {
            Literal::String(s.to_owned())
        } else {
            Literal::Raw(raw)
        };
        Ok(Expr::Term {
            field,
            op: op.1,
            value,
        })
    }
}

fn lookup<'a>(record: &'a Value, field: &str) -> &'a Value {
    field
        .split('.')
        .fold(record, |v, key| v.get(key).unwrap_or(&Value::Null))
}

pub(crate) fn matches(expr: &Expr, record: &Value) -> bool {
    match expr {
        Expr::And(a, b) => matches(a, record) && matches(b, record),
        Expr::Or(a, b) => matches(a, record) || matches(b, record),
        Expr::Term { field, op, value } => term(lookup(record, field), *op, value),
    }
}

fn term(v: &Value, op: Op, value: &Literal) -> bool {
    let (text, forced) = match value {
        Literal::Null => {
            return match op {
                Op::Eq => v.is_null(),
                Op::Ne => !v.is_null(),
                _ => false,
            };
        }
        Literal::String(s) => (s.as_str(), true),
        Literal::Raw(s) => (s.as_str(), false),
    };
    match op {
        Op::Eq => equal(v, text, forced),
        Op::Ne => !equal(v, text, forced),
        Op::In => text.split(',').any(|t| equal(v, t, forced)),
        Op::Contains => contains(v, text),
        Op::NotContains => !contains(v, text),
        Op::Gt => order(v, text).is_some_and(std::cmp::Ordering::is_gt),
        Op::Ge => order(v, text).is_some_and(std::cmp::Ordering::is_ge),
        Op::Lt => order(v, text).is_some_and(std::cmp::Ordering::is_lt),
        Op::Le => order(v, text).is_some_and(std::cmp::Ordering::is_le),
    }
}

fn equal(v: &Value, text: &str, forced_string: bool) -> bool {
    match v {
        Value::String(s) => s == text,
        Value::Number(n) if !forced_string => {
            let (Ok(a), Ok(b)) = (n.to_string().parse::<Decimal>(), text.parse::<Decimal>()) else {
                return n.to_string() == text;
            };
            a == b
        }
        Value::Number(n) => n.to_string() == text,
        Value::Bool(b) => matches!((b, text), (true, "1" | "true") | (false, "0" | "false")),
        Value::Null => false,
        Value::Array(items) => items.iter().any(|i| equal(i, text, forced_string)),
        Value::Object(_) => false,
    }
}

fn contains(v: &Value, text: &str) -> bool {
    match v {
        Value::String(s) => s.contains(text),
        Value::Array(items) => items
            .iter()
            .any(|i| equal(i, text, true) || equal(i, text, false)),
        Value::Number(n) => n.to_string().contains(text),
        _ => false,
    }
}

fn datetime(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .map(|n| n.and_utc())
}

fn order(v: &Value, text: &str) -> Option<std::cmp::Ordering> {
    match v {
        Value::Number(n) => {
            let a = n.to_string().parse::<Decimal>().ok()?;
            let b = text.parse::<Decimal>().ok()?;
            Some(a.cmp(&b))
        }
        Value::String(s) => match (datetime(s), datetime(text)) {
            (Some(a), Some(b)) => Some(a.cmp(&b)),
            _ => Some(s.as_str().cmp(text)),
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(filter: &str, record: &Value) -> bool {
        matches(&parse(filter).unwrap().unwrap(), record)
    }

    #[test]
    fn every_operator() {
        let r = json!({"status": 0, "sku": "ABC-1", "tags": ["RM", "X"], "timeUpdated": "2026-11-01T10:30:00Z",
                       "parentId": null, "onHand": 12.5, "flag": true});
        assert!(check("[status]=={0}", &r));
        assert!(check("[status]!={1}", &r));
        assert!(check("[status]=*{1,0}", &r));
        assert!(check("[sku]::{BC}", &r));
        assert!(check("[tags]::{RM}", &r));
        assert!(check("[tags]!:{ZZ}", &r));
        assert!(check("[timeUpdated]>>{2026-11-01T10:00}", &r));
        assert!(!check("[timeUpdated]>>{2026-11-01T11:00}", &r));
        assert!(check("[onHand]>={12.5}", &r));
        assert!(check("[onHand]<<{13}", &r));
        assert!(check("[onHand]<={12.50}", &r));
        assert!(check("[parentId]=={@null;}", &r));
        assert!(check("[sku]=={@string;ABC-1}", &r));
        assert!(check("[flag]=={1}", &r));
        assert!(
            !check("[sku]=={abc-1}", &r),
            "string equality is case-sensitive"
        );
    }

    #[test]
    fn connectives_and_grouping() {
        let r = json!({"stage": "order", "itemStatuses": ["unprocessed"], "locationId": "b"});
        assert!(check(
            "([stage]=={order}&&[itemStatuses]::{unprocessed})",
            &r
        ));
        assert!(check("[locationId]=={a}||[locationId]=={b}", &r));
        assert!(
            check("[stage]=={x}&&[stage]=={y}||[stage]=={order}", &r),
            "&& binds tighter"
        );
        assert!(!check("[stage]=={x}&&([stage]=={y}||[stage]=={order})", &r));
    }

    #[test]
    fn malformed_filters_are_errors() {
        for bad in [
            "[sku]",
            "[sku]=={x",
            "sku=={x}",
            "[sku]~~{x}",
            "([sku]=={x}",
            "[sku]=={x}&&",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert_eq!(parse("  ").unwrap(), None);
    }
}
