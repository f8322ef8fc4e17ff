//! What the emulator needs from a GraphQL document: the operation, its root fields, the
//! `@idempotent` key variable, and the requested cost by Shopify's published rules (scalars 0,
//! objects 1, connections `2 + first x node cost`, mutations 10).

use std::collections::HashMap;

use apollo_compiler::Node;
use apollo_compiler::ast::{Definition, Document, OperationType, Selection, Value};

/// Shopify's largest page and input array.
pub(crate) const MAX_ITEMS: i64 = 250;
/// Shopify's single-query cost limit.
pub(crate) const MAX_QUERY_COST: u64 = 1000;
/// What a mutation costs.
const MUTATION_COST: u64 = 10;

/// A document reduced to what the emulator acts on.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Analysed {
    pub(crate) operation_name: String,
    pub(crate) is_mutation: bool,
    pub(crate) root_fields: Vec<String>,
    pub(crate) idempotency_key_variable: Option<String>,
    pub(crate) requested_cost: u64,
    /// Per-node cost and `first` of the outermost connection (to compute the actual cost).
    pub(crate) main_connection: Option<(u64, u64)>,
}

/// Why a document cannot run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DocumentError {
    pub(crate) code: &'static str,
    pub(crate) message: String,
    /// The error's `path` (root field, argument), when it names one.
    pub(crate) path: Vec<String>,
    /// Line and column of the root field at fault, when it names one.
    pub(crate) location: Option<(usize, usize)>,
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
                fragments.insert(f.name.to_string(), f.selection_set.clone());
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
    let mut root_fields = Vec::new();
    let mut key_variable = None;
    let mut cost = 0u64;
    let mut main_connection = None;
    for field in ctx.fields(&operation.selection_set) {
        root_fields.push(field.name.to_string());
        if let Some(directive) = field.directives.get("idempotent") {
            if let Some(arg) = directive.arguments.iter().find(|a| a.name == "key") {
                if let Value::Variable(v) = arg.value.as_ref() {
                    key_variable = Some(v.to_string());
                }
            }
        }
        if is_mutation {
            cost += MUTATION_COST;
        } else {
            let (c, conn) = ctx.field_cost(&field)?;
            cost += c;
            if main_connection.is_none() {
                main_connection = conn;
            }
        }
    }
    check_input_arrays(&document, &ctx.fields(&operation.selection_set), variables)?;
    Ok(Analysed {
        operation_name: name,
        is_mutation,
        root_fields,
        idempotency_key_variable: key_variable,
        requested_cost: cost,
        main_connection,
    })
}

struct Ctx<'a> {
    fragments: &'a HashMap<String, Vec<Selection>>,
    variables: &'a serde_json::Map<String, serde_json::Value>,
}

impl Ctx<'_> {
    /// Fields of a selection set with fragments expanded.
    fn fields(&self, selections: &[Selection]) -> Vec<Node<apollo_compiler::ast::Field>> {
        let mut out = Vec::new();
        for s in selections {
            match s {
                Selection::Field(f) => out.push(f.clone()),
                Selection::FragmentSpread(spread) => {
                    if let Some(set) = self.fragments.get(spread.fragment_name.as_str()) {
                        out.extend(self.fields(set));
                    }
                }
                Selection::InlineFragment(inline) => out.extend(self.fields(&inline.selection_set)),
            }
        }
        out
    }

    fn int_argument(
        &self,
        field: &apollo_compiler::ast::Field,
        name: &str,
    ) -> Result<Option<i64>, DocumentError> {
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

    /// The cost of a field, and for a connection its (node cost, first).
    fn field_cost(
        &self,
        field: &apollo_compiler::ast::Field,
    ) -> Result<(u64, Option<(u64, u64)>), DocumentError> {
        if field.selection_set.is_empty() {
            return Ok((0, None));
        }
        let size = match self.int_argument(field, "first")? {
            Some(n) => Some(n),
            None => self.int_argument(field, "last")?,
        };
        let children = self.fields(&field.selection_set);
        match size {
            Some(n) => {
                let mut node = 0;
                for child in children.iter().filter(|c| c.name != "pageInfo") {
                    node += self.field_cost(child)?.0;
                }
                let n = n.unsigned_abs();
                Ok((2 + n * node, Some((node, n))))
            }
            None => {
                let mut total = 1;
                for child in &children {
                    total += self.field_cost(child)?.0;
                }
                Ok((total, None))
            }
        }
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
    fn costs_follow_the_published_rules() {
        let doc = include_str!("../../shopify/graphql/product_variants.graphql");
        let a = analyse(doc, Some("ProductVariants"), &vars(json!({"first": 80}))).unwrap();
        // 2 + 80 x (nodes 1 + product 1 + inventoryItem 1 + components (2 + 3 x 2))
        assert_eq!(a.requested_cost, 2 + 80 * 11);
        assert_eq!(a.main_connection, Some((11, 80)));
        let shop = include_str!("../../shopify/graphql/shop.graphql");
        assert_eq!(
            analyse(shop, None, &vars(json!({})))
                .unwrap()
                .requested_cost,
            3
        );
        let levels = include_str!("../../shopify/graphql/inventory_levels.graphql");
        let a = analyse(levels, None, &vars(json!({"first": 250}))).unwrap();
        assert_eq!(a.requested_cost, 1 + 2 + 250 * 3);
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
        assert_eq!(list.requested_cost, 2 + 250);
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
        assert_eq!(a.requested_cost, 10);
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
