//! The `filter=` query parameter: a builder for Stokly's `[field]op{value}` grammar, and sorting.
//!
//! # Grammar
//!
//! A term is `[field]op{value}`. Terms join with `&&` (and) and `||` (or); parentheses group.
//! The operators are `==`, `!=`, `=*` (in a comma-separated list), `::` (contains: substring or
//! array element), `>>`, `>=`, `<<`, `<=`, and `!:` (does not contain; only in Stokly's 2021
//! filtering document, not in current code). Two typed literals exist: `{@null;}` (null) and
//! `{@string;...}` (forces a string comparison, for numeric-looking SKUs).
//!
//! # What the builder does
//!
//! - Field names must be ASCII letters, digits and `_`, optionally dotted (`listing.remoteId`),
//!   at most 64 bytes; anything else is a [`FilterError::Field`].
//! - Values are never escaped: Stokly has no escape syntax that anyone has been seen using.
//!   Instead a value is **rejected** with [`FilterError::Value`] when it could be read as
//!   grammar:
//!   - it contains `{` or `}` (the value delimiters);
//!   - it contains `&&` or `||` (the connectives), since a server that splits on them first
//!     would cut the value;
//!   - it starts with `@` (reserved for the typed literals);
//!   - it contains a control character (newline, tab...);
//!   - inside an `=*` list: an element contains `,` (the list separator) or is empty, the list
//!     is empty, or an element is a typed literal (never seen inside a list; OR several `==`
//!     terms with [`Field::eq_any`] instead).
//!
//!   A single `&`, `|` or `,` in a scalar value, brackets, parentheses, `=`, `:` and any
//!   non-ASCII text are sent as they are: inside `{...}` they cannot close the value.
//! - Compound expressions nested in another compound are wrapped in parentheses; the top level
//!   is not.
//! - The client percent-encodes the whole rendered filter as one query value: every byte except
//!   `A-Z a-z 0-9 - . _ ~` becomes `%XX` (so `&&` travels as `%26%26`, a space as `%20`, never
//!   `+`).
//!
//! Conversions: integers and decimals as written by Rust; `bool` as `1`/`0` (Stokly's flags
//! filter as `{1}`/`{0}`); a `DateTime<Utc>` as `YYYY-MM-DDTHH:MM` in UTC, **truncated to the
//! minute** (the only form seen), so `[timeUpdated]>>{...}` may return rows from earlier in the
//! same minute: deduplicate on the caller's side.
//!
//! ```
//! use stokly_shopify::stokly::Filter;
//!
//! let live = Filter::field("stage").eq("order")?
//!     .and(Filter::field("itemStatuses").contains("unprocessed")?)
//!     .and(Filter::field("stage").ne("removed")?);
//! assert_eq!(
//!     live.to_string(),
//!     "[stage]=={order}&&[itemStatuses]::{unprocessed}&&[stage]!={removed}"
//! );
//! let sku = Filter::field("sku").eq(Filter::string("00123"))?;
//! assert_eq!(sku.to_query_value(), "%5Bsku%5D%3D%3D%7B%40string%3B00123%7D");
//! # Ok::<(), stokly_shopify::stokly::FilterError>(())
//! ```

use std::borrow::Cow;
use std::fmt;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

/// Longest field name accepted, in bytes.
const MAX_FIELD_LEN: usize = 64;

/// Why a filter (or sort field) could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FilterError {
    /// The field name is not a plain (optionally dotted) identifier.
    #[error("invalid filter field name {field:?}: {reason}")]
    Field {
        /// The rejected name.
        field: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The value cannot be sent without being mistaken for grammar.
    #[error("filter value {value:?} for [{field}] cannot be sent safely: {reason}")]
    Value {
        /// The field the value was for.
        field: String,
        /// The rejected value.
        value: String,
        /// Why.
        reason: &'static str,
    },
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Op {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `=*`: the field equals one of a comma-separated list.
    In,
    /// `::`: contains (substring, or array element).
    Contains,
    /// `!:`: does not contain (from Stokly's 2021 filtering document only).
    NotContains,
    /// `>>`
    Gt,
    /// `>=`
    Ge,
    /// `<<`
    Lt,
    /// `<=`
    Le,
}

impl Op {
    /// The operator as written in a filter.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "==",
            Self::Ne => "!=",
            Self::In => "=*",
            Self::Contains => "::",
            Self::NotContains => "!:",
            Self::Gt => ">>",
            Self::Ge => ">=",
            Self::Lt => "<<",
            Self::Le => "<=",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum ValueKind {
    Text(String),
    TypedString(String),
    Null,
}

/// One value on the right of an operator.
///
/// Build it from text, numbers, `bool`, `DateTime<Utc>`, Stokly IDs, or with
/// [`Filter::string`] / [`Filter::null`] for the typed literals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterValue(ValueKind);

impl FilterValue {
    /// A plain value, compared as Stokly sees fit.
    pub fn text(value: impl Into<String>) -> Self {
        Self(ValueKind::Text(value.into()))
    }
}

impl From<&str> for FilterValue {
    fn from(v: &str) -> Self {
        Self::text(v)
    }
}
impl From<String> for FilterValue {
    fn from(v: String) -> Self {
        Self::text(v)
    }
}
impl From<&String> for FilterValue {
    fn from(v: &String) -> Self {
        Self::text(v.as_str())
    }
}
macro_rules! value_from_display {
    ($($t:ty),*) => {$(
        impl From<$t> for FilterValue {
            fn from(v: $t) -> Self {
                Self::text(v.to_string())
            }
        }
    )*};
}
value_from_display!(i32, i64, u32, u64, usize, Decimal);

impl From<bool> for FilterValue {
    /// `true` as `1`, `false` as `0`.
    fn from(v: bool) -> Self {
        Self::text(if v { "1" } else { "0" })
    }
}

impl From<DateTime<Utc>> for FilterValue {
    /// `YYYY-MM-DDTHH:MM` in UTC, truncated to the minute.
    fn from(v: DateTime<Utc>) -> Self {
        Self::text(v.format("%Y-%m-%dT%H:%M").to_string())
    }
}

macro_rules! value_from_id {
    ($($t:ident),*) => {$(
        impl From<&super::ids::$t> for FilterValue {
            fn from(v: &super::ids::$t) -> Self {
                Self::text(v.as_str())
            }
        }
        impl From<super::ids::$t> for FilterValue {
            fn from(v: super::ids::$t) -> Self {
                Self::text(v.as_str())
            }
        }
    )*};
}
value_from_id!(
    ItemId,
    ItemTypeId,
    ItemAttributeId,
    ChannelId,
    ListingId,
    MappingId,
    LocationId,
    BinId,
    SaleOrderId,
    SaleOrderLineId,
    CustomerId,
    InvoiceId,
    AdjustmentId,
    UserId,
    TaxClassId,
    DispatchId,
    CreditNoteId,
    PriceListId,
    JournalId
);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Expr {
    Term(String),
    All(Vec<Expr>),
    Any(Vec<Expr>),
}

/// A validated filter expression. `Display` shows the raw grammar;
/// [`Filter::to_query_value`] gives the percent-encoded query value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter(Expr);

/// A field about to be compared; made by [`Filter::field`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct Field(Cow<'static, str>);

impl Filter {
    /// Starts a term on `name` (a JSON field name, camelCase as Stokly returns it).
    pub fn field(name: impl Into<Cow<'static, str>>) -> Field {
        Field(name.into())
    }

    /// The typed string literal `@string;value`: compare as a string (use it for SKUs, which
    /// may look numeric).
    pub fn string(value: impl Into<String>) -> FilterValue {
        FilterValue(ValueKind::TypedString(value.into()))
    }

    /// The null literal `@null;`.
    #[must_use]
    pub fn null() -> FilterValue {
        FilterValue(ValueKind::Null)
    }

    /// Both this and `other` (`&&`).
    #[must_use]
    pub fn and(self, other: Filter) -> Filter {
        Filter(join(self.0, other.0, true))
    }

    /// Either this or `other` (`||`).
    #[must_use]
    pub fn or(self, other: Filter) -> Filter {
        Filter(join(self.0, other.0, false))
    }

    /// Every filter of `filters` (`&&`); `None` when there are none.
    pub fn all(filters: impl IntoIterator<Item = Filter>) -> Option<Filter> {
        filters.into_iter().reduce(Filter::and)
    }

    /// Any filter of `filters` (`||`); `None` when there are none.
    pub fn any(filters: impl IntoIterator<Item = Filter>) -> Option<Filter> {
        filters.into_iter().reduce(Filter::or)
    }

    /// The filter as Stokly's grammar, before percent-encoding.
    #[must_use]
    pub fn render(&self) -> String {
        let mut out = String::new();
        render(&self.0, false, &mut out);
        out
    }

    /// The filter percent-encoded as one query value (what goes after `filter=`).
    #[must_use]
    pub fn to_query_value(&self) -> String {
        percent_encode(&self.render())
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

fn join(left: Expr, right: Expr, and: bool) -> Expr {
    let mut parts = Vec::new();
    for e in [left, right] {
        match (e, and) {
            (Expr::All(inner), true) | (Expr::Any(inner), false) => parts.extend(inner),
            (other, _) => parts.push(other),
        }
    }
    if and {
        Expr::All(parts)
    } else {
        Expr::Any(parts)
    }
}

fn render(expr: &Expr, nested: bool, out: &mut String) {
    let (parts, sep) = match expr {
        Expr::Term(t) => {
            out.push_str(t);
            return;
        }
        Expr::All(parts) => (parts, "&&"),
        Expr::Any(parts) => (parts, "||"),
    };
    if nested {
        out.push('(');
    }
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        render(part, true, out);
    }
    if nested {
        out.push(')');
    }
}

impl Field {
    /// `[field]=={value}`.
    ///
    /// # Errors
    /// [`FilterError`] if the field name or the value cannot be sent safely.
    pub fn eq(self, value: impl Into<FilterValue>) -> Result<Filter, FilterError> {
        self.compare(Op::Eq, value.into())
    }

    /// `[field]!={value}`.
    ///
    /// # Errors
    /// As [`Field::eq`].
    pub fn ne(self, value: impl Into<FilterValue>) -> Result<Filter, FilterError> {
        self.compare(Op::Ne, value.into())
    }

    /// `[field]::{value}`: contains.
    ///
    /// # Errors
    /// As [`Field::eq`].
    pub fn contains(self, value: impl Into<FilterValue>) -> Result<Filter, FilterError> {
        self.compare(Op::Contains, value.into())
    }

    /// `[field]!:{value}`: does not contain (2021 document only; not seen in current code).
    ///
    /// # Errors
    /// As [`Field::eq`].
    pub fn not_contains(self, value: impl Into<FilterValue>) -> Result<Filter, FilterError> {
        self.compare(Op::NotContains, value.into())
    }

    /// `[field]>>{value}`.
    ///
    /// # Errors
    /// As [`Field::eq`].
    pub fn gt(self, value: impl Into<FilterValue>) -> Result<Filter, FilterError> {
        self.compare(Op::Gt, value.into())
    }

    /// `[field]>={value}`.
    ///
    /// # Errors
    /// As [`Field::eq`].
    pub fn ge(self, value: impl Into<FilterValue>) -> Result<Filter, FilterError> {
        self.compare(Op::Ge, value.into())
    }

    /// `[field]<<{value}`.
    ///
    /// # Errors
    /// As [`Field::eq`].
    pub fn lt(self, value: impl Into<FilterValue>) -> Result<Filter, FilterError> {
        self.compare(Op::Lt, value.into())
    }

    /// `[field]<={value}`.
    ///
    /// # Errors
    /// As [`Field::eq`].
    pub fn le(self, value: impl Into<FilterValue>) -> Result<Filter, FilterError> {
        self.compare(Op::Le, value.into())
    }

    /// `[field]=={@null;}`.
    ///
    /// # Errors
    /// [`FilterError::Field`] for a bad field name.
    pub fn is_null(self) -> Result<Filter, FilterError> {
        self.compare(Op::Eq, Filter::null())
    }

    /// `[field]!={@null;}`.
    ///
    /// # Errors
    /// [`FilterError::Field`] for a bad field name.
    pub fn is_not_null(self) -> Result<Filter, FilterError> {
        self.compare(Op::Ne, Filter::null())
    }

    /// `[field]=*{a,b,c}`: equals one of `values`.
    ///
    /// # Errors
    /// [`FilterError`] for a bad field name, an empty list, or an element that is empty,
    /// contains `,`, is a typed literal, or is unsafe as any value is.
    pub fn in_list<V: Into<FilterValue>>(
        self,
        values: impl IntoIterator<Item = V>,
    ) -> Result<Filter, FilterError> {
        let field = check_field(&self.0)?;
        let mut rendered = Vec::new();
        for v in values {
            let text = match v.into().0 {
                ValueKind::Text(t) => t,
                ValueKind::TypedString(t) => {
                    return Err(value_error(
                        field,
                        &format!("@string;{t}"),
                        "typed literals are not seen inside =* lists; OR several == terms (Field::eq_any)",
                    ));
                }
                ValueKind::Null => {
                    return Err(value_error(
                        field,
                        "@null;",
                        "@null; is not seen inside =* lists; use is_null",
                    ));
                }
            };
            check_value(field, &text)?;
            if text.is_empty() {
                return Err(value_error(
                    field,
                    &text,
                    "a list element must not be empty",
                ));
            }
            if text.contains(',') {
                return Err(value_error(
                    field,
                    &text,
                    "a list element must not contain ',' (the list separator)",
                ));
            }
            rendered.push(text);
        }
        if rendered.is_empty() {
            return Err(value_error(field, "", "the =* list must not be empty"));
        }
        Ok(term(field, Op::In, &rendered.join(",")))
    }

    /// `[field]=={a}||[field]=={b}||...`: equals one of `values`, one term each (so typed
    /// literals such as [`Filter::string`] work; this is how SKU batches are looked up).
    ///
    /// # Errors
    /// As [`Field::eq`], or [`FilterError::Value`] when `values` is empty.
    pub fn eq_any<V: Into<FilterValue>>(
        self,
        values: impl IntoIterator<Item = V>,
    ) -> Result<Filter, FilterError> {
        let mut terms = Vec::new();
        for v in values {
            terms.push(self.clone().eq(v)?);
        }
        Filter::any(terms).ok_or_else(|| value_error(&self.0, "", "no values to compare with"))
    }

    fn compare(self, op: Op, value: FilterValue) -> Result<Filter, FilterError> {
        let field = check_field(&self.0)?;
        let text = match value.0 {
            ValueKind::Text(t) => {
                check_value(field, &t)?;
                t
            }
            ValueKind::TypedString(t) => {
                check_value(field, &t)?;
                format!("@string;{t}")
            }
            ValueKind::Null => "@null;".to_owned(),
        };
        Ok(term(field, op, &text))
    }
}

fn term(field: &str, op: Op, value: &str) -> Filter {
    Filter(Expr::Term(format!("[{field}]{}{{{value}}}", op.as_str())))
}

/// Checks a field name (also used for `sortField`).
pub(crate) fn check_field(field: &str) -> Result<&str, FilterError> {
    let bad = |reason| FilterError::Field {
        field: field.to_owned(),
        reason,
    };
    if field.is_empty() {
        return Err(bad("must not be empty"));
    }
    if field.len() > MAX_FIELD_LEN {
        return Err(bad("is longer than 64 bytes"));
    }
    for segment in field.split('.') {
        let mut bytes = segment.bytes();
        let starts_ok = bytes
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_');
        if !starts_ok || !bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(bad(
                "must be ASCII letters, digits and '_' (not starting with a digit), optionally dotted",
            ));
        }
    }
    Ok(field)
}

fn check_value(field: &str, value: &str) -> Result<(), FilterError> {
    let reason = if value.contains(['{', '}']) {
        "contains '{' or '}', the value delimiters (Stokly has no known escape)"
    } else if value.contains("&&") || value.contains("||") {
        "contains '&&' or '||', the filter connectives"
    } else if value.starts_with('@') {
        "starts with '@', which marks a typed literal (@null;, @string;)"
    } else if value.chars().any(char::is_control) {
        "contains a control character"
    } else {
        return Ok(());
    };
    Err(value_error(field, value, reason))
}

fn value_error(field: &str, value: &str, reason: &'static str) -> FilterError {
    FilterError::Value {
        field: field.to_owned(),
        value: value.to_owned(),
        reason,
    }
}

/// Percent-encodes every byte except the unreserved `A-Z a-z 0-9 - . _ ~` (RFC 3986).
pub(crate) fn percent_encode(text: &str) -> String {
    fn hex(nibble: u8) -> char {
        char::from_digit(u32::from(nibble), 16).map_or('0', |c| c.to_ascii_uppercase())
    }
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(hex(b >> 4));
            out.push(hex(b & 0x0f));
        }
    }
    out
}

/// Sort order of a list (`sortDirection`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SortDirection {
    /// `ASC`
    Ascending,
    /// `DESC`
    Descending,
}

impl SortDirection {
    /// As Stokly spells it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ascending => "ASC",
            Self::Descending => "DESC",
        }
    }
}

/// `sortField` and `sortDirection` of a list request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sort {
    field: Cow<'static, str>,
    direction: SortDirection,
}

impl Sort {
    /// Sorts on `field` (`niceId`, `createdAt`, `name`, `timeUpdated`...).
    ///
    /// # Errors
    /// [`FilterError::Field`] if the name is not a plain identifier.
    pub fn new(
        field: impl Into<Cow<'static, str>>,
        direction: SortDirection,
    ) -> Result<Self, FilterError> {
        let field = field.into();
        check_field(&field)?;
        Ok(Self { field, direction })
    }

    /// Ascending on `field`.
    ///
    /// # Errors
    /// As [`Sort::new`].
    pub fn asc(field: impl Into<Cow<'static, str>>) -> Result<Self, FilterError> {
        Self::new(field, SortDirection::Ascending)
    }

    /// Descending on `field`.
    ///
    /// # Errors
    /// As [`Sort::new`].
    pub fn desc(field: impl Into<Cow<'static, str>>) -> Result<Self, FilterError> {
        Self::new(field, SortDirection::Descending)
    }

    /// The field.
    #[must_use]
    pub fn field(&self) -> &str {
        &self.field
    }

    /// The direction.
    #[must_use]
    pub fn direction(&self) -> SortDirection {
        self.direction
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn decode(s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }

    fn f(name: &'static str) -> Field {
        Filter::field(name)
    }

    #[test]
    fn every_operator() {
        let cases = [
            (f("status").eq(0).unwrap(), "[status]=={0}"),
            (f("status").ne(1).unwrap(), "[status]!={1}"),
            (
                f("status")
                    .in_list(["ready_for_import", "imported"])
                    .unwrap(),
                "[status]=*{ready_for_import,imported}",
            ),
            (
                f("itemStatuses").contains("unprocessed").unwrap(),
                "[itemStatuses]::{unprocessed}",
            ),
            (f("tags").not_contains("RM").unwrap(), "[tags]!:{RM}"),
            (f("onOrder").gt(0).unwrap(), "[onOrder]>>{0}"),
            (f("niceId").ge(10u64).unwrap(), "[niceId]>={10}"),
            (f("niceId").lt(20u32).unwrap(), "[niceId]<<{20}"),
            (f("niceId").le(-3).unwrap(), "[niceId]<={-3}"),
            (f("parentId").is_null().unwrap(), "[parentId]=={@null;}"),
            (f("parentId").is_not_null().unwrap(), "[parentId]!={@null;}"),
            (
                f("sku").eq(Filter::string("ABC-123")).unwrap(),
                "[sku]=={@string;ABC-123}",
            ),
            (f("default").eq(true).unwrap(), "[default]=={1}"),
            (
                f("dataSynchronised").contains(false).unwrap(),
                "[dataSynchronised]::{0}",
            ),
            (
                f("timeUpdated")
                    .gt(Utc.with_ymd_and_hms(2025, 1, 1, 10, 0, 59).unwrap())
                    .unwrap(),
                "[timeUpdated]>>{2025-01-01T10:00}",
            ),
            (
                f("salePrice").ge(Decimal::new(1250, 2)).unwrap(),
                "[salePrice]>={12.50}",
            ),
            (
                f("listing.remoteId").eq("x").unwrap(),
                "[listing.remoteId]=={x}",
            ),
        ];
        for (filter, raw) in cases {
            assert_eq!(filter.render(), raw);
            assert_eq!(decode(&filter.to_query_value()), raw);
        }
    }

    #[test]
    fn connectives_and_grouping() {
        let fulfil = f("stage")
            .eq("order")
            .unwrap()
            .and(f("itemStatuses").contains("unprocessed").unwrap());
        let both = fulfil.clone().and(f("stage").ne("removed").unwrap());
        assert_eq!(
            both.render(),
            "[stage]=={order}&&[itemStatuses]::{unprocessed}&&[stage]!={removed}"
        );
        let either = f("locationId")
            .eq("a")
            .unwrap()
            .or(f("locationId").eq("b").unwrap());
        assert_eq!(either.render(), "[locationId]=={a}||[locationId]=={b}");
        let mixed = fulfil.clone().or(either.clone());
        assert_eq!(
            mixed.render(),
            "([stage]=={order}&&[itemStatuses]::{unprocessed})||[locationId]=={a}||[locationId]=={b}"
        );
        let grouped = either.and(
            f("onHand")
                .ne(0)
                .unwrap()
                .or(f("quarantined").ne(0).unwrap()),
        );
        assert_eq!(
            grouped.render(),
            "([locationId]=={a}||[locationId]=={b})&&([onHand]!={0}||[quarantined]!={0})"
        );
        assert_eq!(
            grouped.to_query_value(),
            "%28%5BlocationId%5D%3D%3D%7Ba%7D%7C%7C%5BlocationId%5D%3D%3D%7Bb%7D%29%26%26\
             %28%5BonHand%5D%21%3D%7B0%7D%7C%7C%5Bquarantined%5D%21%3D%7B0%7D%29"
        );
        assert_eq!(Filter::all(Vec::new()), None);
        let skus = f("sku")
            .eq_any([Filter::string("A1"), Filter::string("B2")])
            .unwrap();
        assert_eq!(skus.render(), "[sku]=={@string;A1}||[sku]=={@string;B2}");
    }

    #[test]
    fn awkward_values_that_are_allowed() {
        for (value, raw) in [
            ("Tom & Jerry", "[name]=={Tom & Jerry}"),
            ("a|b", "[name]=={a|b}"),
            ("Smith, John", "[name]=={Smith, John}"),
            ("50% off (red) [L]", "[name]=={50% off (red) [L]}"),
            ("x=y:z;+", "[name]=={x=y:z;+}"),
            ("café ☕", "[name]=={café ☕}"),
            ("", "[name]=={}"),
        ] {
            let filter = f("name").eq(value).unwrap();
            assert_eq!(filter.render(), raw);
            assert_eq!(decode(&filter.to_query_value()), raw);
        }
        assert_eq!(
            f("name").eq("Tom & Jerry").unwrap().to_query_value(),
            "%5Bname%5D%3D%3D%7BTom%20%26%20Jerry%7D"
        );
        assert_eq!(
            f("name").eq("a+b").unwrap().to_query_value(),
            "%5Bname%5D%3D%3D%7Ba%2Bb%7D"
        );
    }

    #[test]
    fn awkward_values_that_are_rejected() {
        let reject = |r: Result<Filter, FilterError>| match r {
            Err(FilterError::Value { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        for value in [
            "a}b",
            "{x",
            "a&&b",
            "a||b",
            "@null;",
            "@x",
            "line\nbreak",
            "tab\t",
        ] {
            assert_eq!(reject(f("sku").eq(value)), "sku", "{value:?}");
            assert_eq!(
                reject(f("sku").eq(Filter::string(value))),
                "sku",
                "{value:?}"
            );
        }
        assert_eq!(reject(f("sku").in_list(["a,b"])), "sku");
        assert_eq!(reject(f("sku").in_list(["a", ""])), "sku");
        assert_eq!(reject(f("sku").in_list(Vec::<String>::new())), "sku");
        assert_eq!(reject(f("sku").in_list([Filter::string("a")])), "sku");
        assert_eq!(reject(f("sku").in_list([Filter::null()])), "sku");
        assert_eq!(reject(f("sku").eq_any(Vec::<String>::new())), "sku");
        // A single '&', '|' or ',' is fine in a list element too.
        assert_eq!(
            f("name").in_list(["A&B", "C|D"]).unwrap().render(),
            "[name]=*{A&B,C|D}"
        );
    }

    #[test]
    fn bad_field_names() {
        for name in ["", "a b", "[sku]", "sku}", "1abc", "a..b", ".a", "a-b", "é"] {
            assert!(
                matches!(
                    Filter::field(name.to_owned()).eq("x"),
                    Err(FilterError::Field { .. })
                ),
                "{name:?}"
            );
        }
        assert!(Filter::field("x".repeat(65)).eq("x").is_err());
        assert!(Sort::asc("name").is_ok());
        assert!(Sort::desc("created at").is_err());
    }

    #[test]
    fn encoding_keeps_only_unreserved() {
        assert_eq!(percent_encode("aZ09-._~"), "aZ09-._~");
        assert_eq!(percent_encode(" +&=%/?#"), "%20%2B%26%3D%25%2F%3F%23");
        assert_eq!(percent_encode("é"), "%C3%A9");
    }

    proptest! {
        #[test]
        fn accepted_values_round_trip_through_percent_decoding(value in "(.|\\PC|[{}&|@,\t]){0,40}") {
            match f("sku").eq(value.as_str()) {
                Ok(filter) => {
                    let decoded = decode(&filter.to_query_value());
                    prop_assert_eq!(&decoded, &filter.render());
                    let inner = decoded
                        .strip_prefix("[sku]=={")
                        .and_then(|s| s.strip_suffix('}'))
                        .unwrap();
                    prop_assert_eq!(inner, value.as_str());
                    prop_assert!(filter
                        .to_query_value()
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
                }
                Err(FilterError::Value { .. }) => {
                    let explained = value.contains(['{', '}'])
                        || value.contains("&&")
                        || value.contains("||")
                        || value.starts_with('@')
                        || value.chars().any(char::is_control);
                    prop_assert!(explained, "rejected without a reason: {:?}", value);
                }
                Err(other) => prop_assert!(false, "{other:?}"),
            }
        }

        #[test]
        fn list_elements_round_trip(values in proptest::collection::vec("[^,{}@&|\\p{Cc}]{1,12}", 1..6)) {
            let filter = f("itemId").in_list(values.iter()).unwrap();
            let decoded = decode(&filter.to_query_value());
            let inner = decoded
                .strip_prefix("[itemId]=*{")
                .and_then(|s| s.strip_suffix('}'))
                .unwrap();
            let back: Vec<&str> = inner.split(',').collect();
            prop_assert_eq!(back, values.iter().map(String::as_str).collect::<Vec<_>>());
        }

        #[test]
        fn building_never_panics(field in ".{0,20}", value in ".{0,40}") {
            let _ = Filter::field(field.clone()).eq(value.as_str());
            let _ = Filter::field(field).in_list(value.split(' '));
        }
    }
}
