//! What the emulator needs from a GraphQL document: the operation, its root fields, the
//! `@idempotent` key variable, and its cost.
//!
//! The cost model is fitted to what real Shopify reported for 2,286 recorded requests (see
//! `tests/shopify_cost_calibration.rs`), not to the published rule of thumb
//! (`2 + first x node cost`), which over-estimates real connections several times over.
//! The analyser knows no schema, so it judges every field by its shape:
//!
//! - a leaf (no selection) costs 0;
//! - a money value (a selection of only `amount`/`currencyCode`, or of only
//!   `shopMoney`/`presentmentMoney`) costs 0;
//! - a field named `…Count` with a selection costs 10;
//! - a connection (a field whose selection has `edges` or `nodes`) sized by `first`/`last`
//!   costs `2 + m(size) x node`, where the multiplier grows with the logarithm of the size:
//!   `m(0) = 0`, `m(1) = 1`, `m(n) = floor(2 ln n)` (so 50 rows multiply by 7, 250 by 11);
//! - any other object, including a plain list (even with `first:`), costs 1 plus its selection;
//! - where inline fragments or fragment spreads select on different types, only the dearest
//!   type counts (a value has one type); `@include(if: false)` and `@skip(if: true)` drop;
//! - a mutation costs 10 per root field plus what its payload selects below the payload's
//!   own objects.
//!
//! The actual cost is the same model applied to what was returned (a connection counts the
//! rows it returned, a `null` object costs nothing), never more than the requested cost.

use std::collections::{BTreeMap, HashMap};

use apollo_compiler::Node;
use apollo_compiler::ast::{
    Definition, DirectiveList, Document, Field, OperationType, Selection, Value,
};

/// Shopify's largest page and input array.
pub(crate) const MAX_ITEMS: i64 = 250;
/// Shopify's single-query cost limit.
pub(crate) const MAX_QUERY_COST: u64 = 1000;
/// What a mutation's root field costs before its payload.
const MUTATION_COST: u64 = 10;
/// What a `…Count` object costs.
const COUNT_COST: u64 = 10;
/// Deepest nesting of fields and fragments analysed (a fragment cycle stops here).
const MAX_DEPTH: usize = 64;

/// A document reduced to what the emulator acts on.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Analysed {
    pub(crate) operation_name: String,
    pub(crate) is_mutation: bool,
    pub(crate) root_fields: Vec<String>,
    pub(crate) idempotency_key_variable: Option<String>,
    pub(crate) requested_cost: u64,
    /// Per-row cost and size of the outermost connection (to compute the actual cost).
    pub(crate) main_connection: Option<(u64, u64)>,
}

impl Analysed {
    /// What the request is charged once run: the outermost connection counts the rows it
    /// returned instead of the rows it asked for, and a mutation refused with `userErrors`
    /// costs 10 (as recorded on real Shopify). Never more than the requested cost.
    pub(crate) fn actual_cost(&self, returned_rows: Option<u64>, data: &serde_json::Value) -> u64 {
        if self.is_mutation && !self.root_fields.is_empty() {
            let refused = self.root_fields.iter().all(|field| {
                data.get(field)
                    .and_then(|payload| payload.get("userErrors"))
                    .and_then(serde_json::Value::as_array)
                    .is_some_and(|errors| !errors.is_empty())
            });
            if refused {
                let roots = u64::try_from(self.root_fields.len()).unwrap_or(u64::MAX);
                return self.requested_cost.min(MUTATION_COST.saturating_mul(roots));
            }
        }
        match (self.main_connection, returned_rows) {
            (Some((node, first)), Some(returned)) => {
                let saved = multiplier(first).saturating_sub(multiplier(returned.min(first)));
                self.requested_cost
                    .saturating_sub(saved.saturating_mul(node))
            }
            _ => self.requested_cost,
        }
    }
}

/// How many rows' worth of node cost a connection of `size` rows is charged: real Shopify
/// charges connections far below one node cost per row (recorded: 10 rows 4, 50 rows 7,
/// 250 rows 11), close to `2 ln(size)`.
pub(crate) fn multiplier(size: u64) -> u64 {
    match size {
        0 | 1 => size,
        // Exact for every size up to 250 (checked against the float form in the tests).
        n => {
            #[allow(
                clippy::cast_precision_loss,
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss
            )]
            let m = (2.0 * (n as f64).ln()).floor() as u64;
            m.max(1)
        }
    }
}

/// Why the emulator refuses a GraphQL document (before running it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
#[non_exhaustive]
pub struct DocumentError {
    /// The `extensions.code` Shopify would answer (`GRAPHQL_PARSE_FAILED`,
    /// `INVALID_FIELD_ARGUMENTS`, `MAX_INPUT_SIZE_EXCEEDED`, ...).
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// The error's `path` (root field, argument), when it names one.
    pub path: Vec<String>,
    /// Line and column of the root field at fault, when it names one.
    pub location: Option<(usize, usize)>,
}

/// The `requestedQueryCost` the emulator computes for a GraphQL request, by a model fitted to
/// real Shopify's answers: leaves and money values cost 0, objects and plain lists 1 plus
/// their selection, `…Count` objects 10, connections `2 + m(size) x row` where `m` grows as
/// `2 ln(size)` (10 rows: 4, 50 rows: 7, 250 rows: 11), only the dearest of the types a
/// selection spreads on, mutations 10 plus what their payload selects below its objects.
///
/// It judges fields by their shape, so it copes with any document, including fields the
/// emulator does not serve and types of older API versions; only malformed documents and
/// arguments are refused.
///
/// # Errors
/// [`DocumentError`] when the document does not parse, names no (or an unknown) operation, or
/// breaks a limit Shopify enforces before running (`first` above 250, an input array above
/// 250 items).
pub fn requested_query_cost(
    document: &str,
    operation_name: Option<&str>,
    variables: &serde_json::Map<String, serde_json::Value>,
) -> Result<u64, DocumentError> {
    analyse(document, operation_name, variables).map(|a| a.requested_cost)
}

fn error(code: &'static str, message: impl Into<String>) -> DocumentError {
    DocumentError {
        code,
        message: message.into(),
        path: Vec::new(),
        location: None,
    }
}

pub(crate) fn analyse(
    source: &str,
    operation_name: Option<&str>,
    variables: &serde_json::Map<String, serde_json::Value>,
) -> Result<Analysed, DocumentError> {
    let document = Document::parse(source, "request.graphql")
        .map_err(|e| error("GRAPHQL_PARSE_FAILED", e.errors.to_string()))?;
    let mut fragments = HashMap::new();
    let mut operations = Vec::new();
    for definition in &document.definitions {
        match definition {
            Definition::OperationDefinition(op) => operations.push(op.clone()),
            Definition::FragmentDefinition(f) => {
                fragments.insert(
                    f.name.to_string(),
                    (f.type_condition.to_string(), f.selection_set.clone()),
                );
            }
            _ => {}
        }
    }
    let operation = match operation_name {
        Some(name) => operations
            .iter()
            .find(|op| op.name.as_ref().is_some_and(|n| n.as_str() == name))
            .ok_or_else(|| error("OPERATION_NOT_FOUND", format!("no operation named {name}")))?,
        None => match operations.as_slice() {
            [only] => only,
            _ => return Err(error("OPERATION_NOT_FOUND", "operationName is required")),
        },
    };
    let name = operation
        .name
        .as_ref()
        .map_or_else(String::new, |n| n.to_string());
    let is_mutation = operation.operation_type == OperationType::Mutation;
    let ctx = Ctx {
        fragments: &fragments,
        variables,
    };
    let roots = ctx.group(&operation.selection_set, 0)?;
    let mut root_fields = Vec::new();
    let mut key_variable = None;
    let mut main_connection = None;
    for field in roots.all() {
        root_fields.push(field.name.to_string());
        if let Some(directive) = field.directives.get("idempotent") {
            if let Some(arg) = directive.arguments.iter().find(|a| a.name == "key") {
                if let Value::Variable(v) = arg.value.as_ref() {
                    key_variable = Some(v.to_string());
                }
            }
        }
        if !is_mutation && main_connection.is_none() {
            main_connection = ctx.connection(field, 1)?;
        }
    }
    let cost = if is_mutation {
        ctx.selection_cost(&operation.selection_set, 0, &|field, depth| {
            // The payload object itself is free; what it selects is charged.
            let payload = ctx.group(&field.selection_set, depth)?;
            let mut cost = MUTATION_COST;
            for child in payload.all() {
                if !child.selection_set.is_empty() {
                    cost += ctx.selection_cost(&child.selection_set, depth + 1, &|c, d| {
                        ctx.field_cost(c, d)
                    })?;
                }
            }
            Ok(cost)
        })?
    } else {
        ctx.selection_cost(&operation.selection_set, 0, &|field, depth| {
            ctx.field_cost(field, depth)
        })?
    };
    let root_nodes: Vec<Node<Field>> = roots.all().cloned().collect();
    check_input_arrays(&document, &root_nodes, variables)?;
    Ok(Analysed {
        operation_name: name,
        is_mutation,
        root_fields,
        idempotency_key_variable: key_variable,
        requested_cost: cost,
        main_connection,
    })
}

/// The fields of a selection set, with fragments expanded and grouped by the type they select
/// on (`common`: no type condition).
#[derive(Default)]
struct Grouped {
    common: Vec<Node<Field>>,
    typed: BTreeMap<String, Vec<Node<Field>>>,
}

impl Grouped {
    fn all(&self) -> impl Iterator<Item = &Node<Field>> {
        self.common.iter().chain(self.typed.values().flatten())
    }
}

struct Ctx<'a> {
    /// Fragment name -> (type condition, selection set).
    fragments: &'a HashMap<String, (String, Vec<Selection>)>,
    variables: &'a serde_json::Map<String, serde_json::Value>,
}

type CostFn<'f> = dyn Fn(&Node<Field>, usize) -> Result<u64, DocumentError> + 'f;

impl Ctx<'_> {
    /// Whether `@include`/`@skip` keep a selection.
    fn included(&self, directives: &DirectiveList) -> bool {
        let flag = |name: &str| {
            directives.get(name).and_then(|d| {
                d.arguments
                    .iter()
                    .find(|a| a.name == "if")
                    .and_then(|a| match a.value.as_ref() {
                        Value::Boolean(b) => Some(*b),
                        Value::Variable(v) => self
                            .variables
                            .get(v.as_str())
                            .and_then(serde_json::Value::as_bool),
                        _ => None,
                    })
            })
        };
        flag("include") != Some(false) && flag("skip") != Some(true)
    }

    fn group(&self, selections: &[Selection], depth: usize) -> Result<Grouped, DocumentError> {
        let mut out = Grouped::default();
        self.group_into(selections, None, depth, &mut out)?;
        Ok(out)
    }

    fn group_into(
        &self,
        selections: &[Selection],
        on: Option<&str>,
        depth: usize,
        out: &mut Grouped,
    ) -> Result<(), DocumentError> {
        if depth > MAX_DEPTH {
            return Err(error(
                "MAX_DEPTH_EXCEEDED",
                format!("the document nests deeper than {MAX_DEPTH} levels"),
            ));
        }
        for s in selections {
            match s {
                Selection::Field(f) if self.included(&f.directives) => match on {
                    Some(t) => out.typed.entry(t.to_owned()).or_default().push(f.clone()),
                    None => out.common.push(f.clone()),
                },
                Selection::Field(_) => {}
                Selection::FragmentSpread(spread) if self.included(&spread.directives) => {
                    if let Some((on, set)) = self.fragments.get(spread.fragment_name.as_str()) {
                        self.group_into(set, Some(on), depth + 1, out)?;
                    }
                }
                Selection::InlineFragment(inline) if self.included(&inline.directives) => {
                    let on = inline.type_condition.as_ref().map(|t| t.as_str()).or(on);
                    self.group_into(&inline.selection_set, on, depth + 1, out)?;
                }
                Selection::FragmentSpread(_) | Selection::InlineFragment(_) => {}
            }
        }
        Ok(())
    }

    /// The cost of a selection: every untyped field, plus the dearest of the types selected on.
    fn selection_cost(
        &self,
        selections: &[Selection],
        depth: usize,
        each: &CostFn<'_>,
    ) -> Result<u64, DocumentError> {
        let grouped = self.group(selections, depth)?;
        let mut cost = 0u64;
        for field in &grouped.common {
            cost = cost.saturating_add(each(field, depth + 1)?);
        }
        let mut dearest = 0u64;
        for fields in grouped.typed.values() {
            let mut typed = 0u64;
            for field in fields {
                typed = typed.saturating_add(each(field, depth + 1)?);
            }
            dearest = dearest.max(typed);
        }
        Ok(cost.saturating_add(dearest))
    }

    fn int_argument(&self, field: &Field, name: &str) -> Result<Option<i64>, DocumentError> {
        let Some(arg) = field.arguments.iter().find(|a| a.name == name) else {
            return Ok(None);
        };
        let value = match arg.value.as_ref() {
            Value::Int(i) => i.try_to_i32().ok().map(i64::from),
            Value::Variable(v) => self
                .variables
                .get(v.as_str())
                .and_then(serde_json::Value::as_i64),
            Value::Null => None,
            _ => {
                return Err(error(
                    "INVALID_FIELD_ARGUMENTS",
                    format!("{name} must be an Int"),
                ));
            }
        };
        if let Some(n) = value {
            if !(0..=MAX_ITEMS).contains(&n) {
                return Err(error(
                    "INVALID_FIELD_ARGUMENTS",
                    format!(
                        "{name} on {} must be between 0 and {MAX_ITEMS}, got {n}",
                        field.name
                    ),
                ));
            }
        }
        Ok(value)
    }

    /// `first`, else `last`.
    fn size(&self, field: &Field) -> Result<Option<u64>, DocumentError> {
        let size = match self.int_argument(field, "first")? {
            Some(n) => Some(n),
            None => self.int_argument(field, "last")?,
        };
        Ok(size.map(i64::unsigned_abs))
    }

    /// A connection selects `edges` or `nodes` (a plain list with `first:` does not).
    fn is_connection(&self, field: &Field, depth: usize) -> Result<bool, DocumentError> {
        Ok(self
            .group(&field.selection_set, depth)?
            .all()
            .any(|c| c.name == "edges" || c.name == "nodes"))
    }

    /// A money value: only `amount`/`currencyCode`, or only `shopMoney`/`presentmentMoney`.
    fn is_money(&self, field: &Field, depth: usize) -> Result<bool, DocumentError> {
        let grouped = self.group(&field.selection_set, depth)?;
        let names: Vec<&str> = grouped
            .all()
            .map(|c| c.name.as_str())
            .filter(|n| *n != "__typename")
            .collect();
        let within = |allowed: &[&str]| names.iter().all(|n| allowed.contains(n));
        Ok(!names.is_empty()
            && (within(&["amount", "currencyCode"]) || within(&["shopMoney", "presentmentMoney"])))
    }

    /// (Row cost, size) of a connection field; `None` for anything else.
    fn connection(&self, field: &Field, depth: usize) -> Result<Option<(u64, u64)>, DocumentError> {
        if field.selection_set.is_empty() || !self.is_connection(field, depth)? {
            return Ok(None);
        }
        let Some(size) = self.size(field)? else {
            return Ok(None);
        };
        let row =
            self.selection_cost(&field.selection_set, depth, &|c, d| match c.name.as_str() {
                "pageInfo" => Ok(0),
                "edges" => self.selection_cost(&c.selection_set, d, &|e, d2| {
                    if e.name == "node" {
                        self.object_cost(e, d2)
                    } else {
                        self.field_cost(e, d2)
                    }
                }),
                "nodes" => self.object_cost(c, d),
                _ => self.field_cost(c, d),
            })?;
        Ok(Some((row, size)))
    }

    fn object_cost(&self, field: &Field, depth: usize) -> Result<u64, DocumentError> {
        let inner =
            self.selection_cost(&field.selection_set, depth, &|c, d| self.field_cost(c, d))?;
        Ok(1u64.saturating_add(inner))
    }

    /// The requested cost of one field (see the module documentation).
    fn field_cost(&self, field: &Field, depth: usize) -> Result<u64, DocumentError> {
        if field.selection_set.is_empty() {
            // Leaves still have their page arguments checked.
            self.size(field)?;
            return Ok(0);
        }
        if field.name.as_str().ends_with("Count") {
            return Ok(COUNT_COST);
        }
        if let Some((row, size)) = self.connection(field, depth)? {
            return Ok(2u64.saturating_add(multiplier(size).saturating_mul(row)));
        }
        // A plain list's `first:` is still bounded.
        self.size(field)?;
        if self.is_money(field, depth)? {
            return Ok(0);
        }
        self.object_cost(field, depth)
    }
}

/// The most items Shopify takes in one input array: 250, except where it allows more
/// (recorded: 2,048 `productSet` variants, 499 `draftOrderCreate` line items).
fn input_array_limit(field: &str, argument: &str, keys: &[&str]) -> usize {
    match (field, argument, keys) {
        ("productSet", "input", ["variants"]) => 2048,
        ("draftOrderCreate", "input", ["lineItems"]) => 499,
        _ => MAX_ITEMS as usize,
    }
}

/// The first array in `value` longer than its limit, as (length, limit). `keys` are the object
/// keys from the argument down to `value` (list positions are not keys).
fn oversized<'v>(
    value: &'v serde_json::Value,
    keys: &mut Vec<&'v str>,
    limit: &dyn Fn(&[&str]) -> usize,
) -> Option<(usize, usize)> {
    match value {
        serde_json::Value::Array(items) => {
            let max = limit(keys);
            if items.len() > max {
                return Some((items.len(), max));
            }
            items.iter().find_map(|item| oversized(item, keys, limit))
        }
        serde_json::Value::Object(map) => map.iter().find_map(|(key, child)| {
            keys.push(key);
            let found = oversized(child, keys, limit);
            keys.pop();
            found
        }),
        _ => None,
    }
}

fn size_error(n: usize, max: usize) -> DocumentError {
    error(
        "MAX_INPUT_SIZE_EXCEEDED",
        format!("The input array size of {n} is greater than the maximum allowed of {max}."),
    )
}

/// Shopify refuses an input array longer than the argument allows, naming the root field and
/// argument in `path` and the field's position in `locations`.
fn check_input_arrays(
    document: &Document,
    roots: &[Node<apollo_compiler::ast::Field>],
    variables: &serde_json::Map<String, serde_json::Value>,
) -> Result<(), DocumentError> {
    let mut bound = Vec::new();
    for field in roots {
        for argument in &field.arguments {
            let Value::Variable(variable) = argument.value.as_ref() else {
                continue;
            };
            bound.push(variable.as_str());
            let Some(value) = variables.get(variable.as_str()) else {
                continue;
            };
            let limit = |keys: &[&str]| input_array_limit(&field.name, &argument.name, keys);
            if let Some((n, max)) = oversized(value, &mut Vec::new(), &limit) {
                let key = field.alias.as_ref().unwrap_or(&field.name);
                return Err(DocumentError {
                    path: vec![key.to_string(), argument.name.to_string()],
                    location: field
                        .line_column_range(&document.sources)
                        .map(|r| (r.start.line, r.start.column)),
                    ..size_error(n, max)
                });
            }
        }
    }
    // Variables used deeper than a root argument get the general limit.
    let general = |_: &[&str]| MAX_ITEMS as usize;
    for (name, value) in variables {
        if bound.contains(&name.as_str()) {
            continue;
        }
        if let Some((n, max)) = oversized(value, &mut Vec::new(), &general) {
            return Err(size_error(n, max));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vars(v: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn costs_of_the_crates_documents() {
        let doc = include_str!("../../shopify/graphql/product_variants.graphql");
        let a = analyse(doc, Some("ProductVariants"), &vars(json!({"first": 80}))).unwrap();
        // Row: node 1 + product 1 + inventoryItem 1 + components (2 + m(3) = 2 x 2) = 9;
        // 80 rows multiply by m(80) = 8.
        assert_eq!(a.requested_cost, 2 + 8 * 9);
        assert_eq!(a.main_connection, Some((9, 80)));
        let shop = include_str!("../../shopify/graphql/shop.graphql");
        assert_eq!(
            analyse(shop, None, &vars(json!({})))
                .unwrap()
                .requested_cost,
            3
        );
        let levels = include_str!("../../shopify/graphql/inventory_levels.graphql");
        let a = analyse(levels, None, &vars(json!({"first": 250}))).unwrap();
        // location 1 + (2 + 11 x (level 1 + item 1 + quantities 1)).
        assert_eq!(a.requested_cost, 1 + 2 + 11 * 3);
    }

    #[test]
    fn the_multiplier_grows_with_the_logarithm_of_the_page() {
        let got: Vec<u64> = [0, 1, 2, 3, 5, 10, 20, 50, 80, 100, 200, 250]
            .into_iter()
            .map(multiplier)
            .collect();
        // What real Shopify charged for pages of one-point rows of these sizes, less 2.
        assert_eq!(got, vec![0, 1, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11]);
        let mut last = 0;
        for n in 0..=250 {
            assert!(multiplier(n) >= last && multiplier(n) <= n, "m({n})");
            last = multiplier(n);
        }
    }

    fn cost(doc: &str, variables: serde_json::Value) -> u64 {
        analyse(doc, None, &vars(variables)).unwrap().requested_cost
    }

    #[test]
    fn recorded_real_costs_are_reproduced() {
        // locations(first: 10) cost 6 and first: 20 cost 7 on a real store.
        let locations = "query L($first: Int!) { locations(first: $first) { edges { cursor node { id name } } pageInfo { hasNextPage endCursor } } }";
        assert_eq!(cost(locations, json!({"first": 10})), 6);
        assert_eq!(cost(locations, json!({"first": 20})), 7);
        // Nested connections multiply: 1 + (2 + 7 x (1 + 1 + (2 + 7 x 2))) = 129.
        let blog = "query B($id: ID!) { blog(id: $id) { id articles(first: 50) { nodes { id blog { id } comments(first: 50) { nodes { id article { id } } } } } } }";
        assert_eq!(cost(blog, json!({"id": "gid://shopify/Blog/1"})), 129);
        // Money values are free; a draft order page of 5 costs 5.
        let drafts = "query D { draftOrders(first: 5) { edges { node { id totalPriceSet { shopMoney { amount currencyCode } } } } } }";
        assert_eq!(cost(drafts, json!({})), 5);
        // A count costs 10, wherever it is.
        let counts = "query C { draftOrdersCount { count } article(id: \"gid://shopify/Article/1\") { id commentsCount { count } } }";
        assert_eq!(cost(counts, json!({})), 10 + 1 + 10);
        // A plain list, even with `first:`, costs like one object.
        let list = "query F($id: ID!) { order(id: $id) { id fulfillments(first: 5) { id trackingInfo(first: 5) { number } } } }";
        assert_eq!(cost(list, json!({"id": "gid://shopify/Order/1"})), 3);
        // A mutation: 10, plus what the payload's objects select (a 5-row connection: 5).
        let create = "mutation M($input: CompanyCreateInput!) { companyCreate(input: $input) { company { id locations(first: 5) { nodes { id } } } userErrors { field message } } }";
        assert_eq!(cost(create, json!({})), 15);
    }

    #[test]
    fn only_the_dearest_type_and_included_fields_count() {
        let doc = "query N($ids: [ID!]!, $deep: Boolean!) { nodes(ids: $ids) { id ... on Order { customer { id } } ... on Product { options { id } collections(first: 10) { nodes { id } } } ... on Order @include(if: $deep) { lineItems(first: 250) { nodes { id } } } } }";
        // nodes 1 + max(Order: customer 1, Product: options 1 + (2 + 4 x 1)) = 8.
        assert_eq!(cost(doc, json!({"ids": [], "deep": false})), 8);
        // With the dropped selection kept, Order costs 1 + (2 + 11 x 1) = 14: 15.
        assert_eq!(cost(doc, json!({"ids": [], "deep": true})), 15);
        let skipped = "query S { shop { id plan @skip(if: true) { shopifyPlus } } }";
        assert_eq!(cost(skipped, json!({})), 1);
    }

    #[test]
    fn unknown_fields_are_judged_by_shape_and_cycles_refused() {
        let old = "query O { legacyThing(first: 3) { edges { node { id gadget { id } } } } }";
        assert_eq!(cost(old, json!({})), 2 + 2 * 2);
        let cycle =
            "query C { shop { ...A } } fragment A on Shop { id ...B } fragment B on Shop { ...A }";
        assert_eq!(
            analyse(cycle, None, &vars(json!({}))).unwrap_err().code,
            "MAX_DEPTH_EXCEEDED"
        );
    }

    #[test]
    fn the_actual_cost_counts_the_rows_returned() {
        let doc = "query P($first: Int!) { pages(first: $first) { nodes { id } pageInfo { hasNextPage } } }";
        let a = analyse(doc, None, &vars(json!({"first": 250}))).unwrap();
        assert_eq!(a.requested_cost, 13);
        // Recorded: the same page with nothing found was charged 2.
        let data = json!({});
        assert_eq!(a.actual_cost(Some(0), &data), 2);
        assert_eq!(a.actual_cost(Some(10), &data), 2 + 4);
        assert_eq!(a.actual_cost(Some(250), &data), 13);
        assert_eq!(
            a.actual_cost(Some(400), &data),
            13,
            "never above the requested cost"
        );
        assert_eq!(a.actual_cost(None, &data), 13);
    }

    #[test]
    fn a_mutation_refused_with_user_errors_costs_ten() {
        let doc = include_str!("../../shopify/graphql/inventory_set_quantities.graphql");
        let a = analyse(doc, None, &vars(json!({}))).unwrap();
        let refused = json!({"inventorySetQuantities": {"inventoryAdjustmentGroup": null,
            "userErrors": [{"field": ["input"], "message": "bad", "code": "INVALID_NAME"}]}});
        let applied = json!({"inventorySetQuantities": {"inventoryAdjustmentGroup": {"id": "x"},
            "userErrors": []}});
        // Recorded: requested 13, charged 13 when applied and 10 when refused.
        assert_eq!(a.actual_cost(None, &refused), 10);
        assert_eq!(a.actual_cost(None, &applied), 13);
    }

    #[test]
    fn order_documents_stay_under_the_query_limit() {
        use crate::shopify::documents::{ORDER, ORDER_LINE_ITEMS, ORDERS_UPDATED};
        let order = analyse(
            ORDER,
            Some("Order"),
            &vars(json!({"id": "gid://shopify/Order/1"})),
        )
        .unwrap();
        let lines = analyse(ORDER_LINE_ITEMS, None, &vars(json!({"first": 30}))).unwrap();
        let list = analyse(ORDERS_UPDATED, None, &vars(json!({"first": 250}))).unwrap();
        for (name, cost) in [
            ("Order", order.requested_cost),
            ("OrderLineItems", lines.requested_cost),
            ("OrdersUpdated", list.requested_cost),
        ] {
            assert!(cost <= MAX_QUERY_COST, "{name} costs {cost}");
        }
        assert_eq!(list.requested_cost, 2 + 11);
        assert!(order.requested_cost <= MAX_QUERY_COST);
        eprintln!(
            "Order {} / OrderLineItems(30) {}",
            order.requested_cost, lines.requested_cost
        );
    }

    #[test]
    fn idempotency_key_variable_and_mutation_cost() {
        let doc = include_str!("../../shopify/graphql/inventory_set_quantities.graphql");
        let a = analyse(doc, None, &vars(json!({}))).unwrap();
        assert!(a.is_mutation);
        assert_eq!(a.root_fields, vec!["inventorySetQuantities"]);
        assert_eq!(
            a.idempotency_key_variable.as_deref(),
            Some("idempotencyKey")
        );
        // 10, plus changes 1, item 1, location 1: real Shopify asked 13 for this document.
        assert_eq!(a.requested_cost, 13);
    }

    #[test]
    fn input_array_limits_depend_on_the_argument() {
        let product_set = "mutation P($input: ProductSetInput!) {\n  productSet(input: $input) { product { id } }\n}";
        let variants = |n: usize| {
            let list: Vec<serde_json::Value> = (0..n).map(|i| json!({"price": i})).collect();
            vars(json!({"input": {"title": "t", "variants": list}}))
        };
        assert!(analyse(product_set, None, &variants(2048)).is_ok());
        let e = analyse(product_set, None, &variants(2049)).unwrap_err();
        assert_eq!(e.code, "MAX_INPUT_SIZE_EXCEEDED");
        assert_eq!(
            e.message,
            "The input array size of 2049 is greater than the maximum allowed of 2048."
        );
        assert_eq!(e.path, vec!["productSet", "input"]);
        assert_eq!(e.location, Some((2, 3)));
        let draft = "mutation D($input: DraftOrderInput!) { draftOrderCreate(input: $input) { draftOrder { id } } }";
        let lines = |n: usize| {
            let list: Vec<serde_json::Value> = (0..n).map(|_| json!({"quantity": 1})).collect();
            vars(json!({"input": {"lineItems": list}}))
        };
        assert!(analyse(draft, None, &lines(499)).is_ok());
        let e = analyse(draft, None, &lines(500)).unwrap_err();
        assert!(
            e.message.ends_with("maximum allowed of 499."),
            "{}",
            e.message
        );
        assert_eq!(e.path, vec!["draftOrderCreate", "input"]);
        let set = include_str!("../../shopify/graphql/inventory_set_quantities.graphql");
        let quantities: Vec<serde_json::Value> = (0..251).map(|i| json!({"quantity": i})).collect();
        let e = analyse(
            set,
            None,
            &vars(json!({"input": {"reason": "correction", "name": "available", "quantities": quantities}})),
        )
        .unwrap_err();
        assert!(
            e.message.ends_with("maximum allowed of 250."),
            "{}",
            e.message
        );
        assert_eq!(e.path, vec!["inventorySetQuantities", "input"]);
    }

    #[test]
    fn limits_are_enforced() {
        let doc = include_str!("../../shopify/graphql/locations.graphql");
        let e = analyse(doc, None, &vars(json!({"first": 251}))).unwrap_err();
        assert_eq!(e.code, "INVALID_FIELD_ARGUMENTS");
        let big: Vec<i32> = (0..251).collect();
        let e = analyse(doc, None, &vars(json!({"first": 1, "x": {"list": big}}))).unwrap_err();
        assert_eq!(e.code, "MAX_INPUT_SIZE_EXCEEDED");
        assert_eq!(
            e.message,
            "The input array size of 251 is greater than the maximum allowed of 250."
        );
        assert_eq!(
            analyse("query {", None, &vars(json!({}))).unwrap_err().code,
            "GRAPHQL_PARSE_FAILED"
        );
    }
}
