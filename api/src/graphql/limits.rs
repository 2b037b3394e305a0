//! Limits async-graphql does not enforce itself: `limit_complexity` does not count
//! `__typename`, so a thousand aliases of it would pass. Count every field selection and
//! every alias as the document would execute, each fragment counted wherever it is spread
//! (nested spreads multiply), and the depth, before execution.

use std::{collections::HashMap, sync::Arc};

use super::index::SchemaIndex;

use async_graphql::{
    Name, Positioned, ServerError, ServerResult, Variables,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery},
    parser::types::{ExecutableDocument, FragmentDefinition, Selection, SelectionSet},
};

/// Caps on depth, aliases, field selections and cost per document.
#[derive(Debug, Clone, Copy)]
pub struct DocumentLimits {
    pub max_depth: usize,
    /// The most a document may cost (`graphql::cost`).
    pub max_cost: u64,
    pub max_aliases: usize,
    pub max_fields: usize,
}

/// The checks a document gets before execution on the subscription socket: the caps of
/// [`DocumentLimits`], the cost and the input rules, as [`check_document`] applies them.
#[derive(Debug, Clone)]
pub struct DocumentChecks {
    pub limits: DocumentLimits,
    pub index: Arc<SchemaIndex>,
}

impl ExtensionFactory for DocumentChecks {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(self.clone())
    }
}

#[derive(Default, Clone, Copy)]
struct Counts {
    fields: usize,
    aliases: usize,
    /// The deepest field nesting below (a fragment's counts are relative to its spread).
    depth: usize,
}

/// Introspection's `__Type.ofType` leads to one type, never a list, and ends after a few
/// wrappers: it does not count as a level, so the standard introspection query of
/// graphql-js (`TypeRef` nests it nine deep) passes the depth cap while a nested list
/// (`fields { type { fields … } }`) still counts.
const UNCOUNTED_LEVELS: &[&str] = &["ofType"];

/// Counts a selection set as executed: a fragment counts at every place it is spread
/// (once where it is defined would let nested spreads multiply work unseen). Each
/// fragment's count is memoised; a cycle (rejected later by validation) counts nothing.
fn count<'a>(
    set: &'a SelectionSet,
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    memo: &mut HashMap<&'a str, Counts>,
    visiting: &mut Vec<&'a str>,
) -> Counts {
    let mut total = Counts::default();
    for item in &set.items {
        let inner = match &item.node {
            Selection::Field(f) => {
                total.fields = total.fields.saturating_add(1);
                if f.node.alias.is_some() {
                    total.aliases = total.aliases.saturating_add(1);
                }
                let mut below = count(&f.node.selection_set.node, fragments, memo, visiting);
                if !UNCOUNTED_LEVELS.contains(&f.node.name.node.as_str()) {
                    below.depth = below.depth.saturating_add(1);
                }
                below
            }
            Selection::InlineFragment(fr) => {
                count(&fr.node.selection_set.node, fragments, memo, visiting)
            }
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                if let Some(c) = memo.get(name) {
                    *c
                } else if visiting.contains(&name) {
                    Counts::default()
                } else if let Some(def) = fragments.get(&spread.node.fragment_name.node) {
                    visiting.push(name);
                    let c = count(&def.node.selection_set.node, fragments, memo, visiting);
                    visiting.pop();
                    memo.insert(name, c);
                    c
                } else {
                    Counts::default()
                }
            }
        };
        total.fields = total.fields.saturating_add(inner.fields);
        total.aliases = total.aliases.saturating_add(inner.aliases);
        total.depth = total.depth.max(inner.depth);
    }
    total
}

/// `BAD_USER_INPUT`-style error when `doc` has more aliases or field selections than
/// `limits` allow. The HTTP handler calls it on the document it parsed (an extension would
/// put every field of every request through async-graphql's slower resolve path); the
/// subscription socket's schema runs it as the [`Extension`] below.
pub fn check(doc: &ExecutableDocument, limits: DocumentLimits) -> ServerResult<()> {
    let mut counts = Counts::default();
    let mut memo = HashMap::new();
    for (_, op) in doc.operations.iter() {
        let c = count(
            &op.node.selection_set.node,
            &doc.fragments,
            &mut memo,
            &mut Vec::new(),
        );
        counts.fields = counts.fields.saturating_add(c.fields);
        counts.aliases = counts.aliases.saturating_add(c.aliases);
        counts.depth = counts.depth.max(c.depth);
    }
    if counts.depth > limits.max_depth {
        return Err(ServerError::new(
            format!(
                "the query is nested too deep: {} levels; at most {} are allowed",
                counts.depth, limits.max_depth
            ),
            None,
        ));
    }
    if counts.aliases > limits.max_aliases {
        return Err(ServerError::new(
            format!(
                "the query has {} aliases; at most {} are allowed",
                counts.aliases, limits.max_aliases
            ),
            None,
        ));
    }
    if counts.fields > limits.max_fields {
        return Err(ServerError::new(
            format!(
                "the query selects {} fields; at most {} are allowed",
                counts.fields, limits.max_fields
            ),
            None,
        ));
    }
    Ok(())
}

/// Every check a document gets before it executes, in order: the caps of [`check`], its
/// cost (`graphql::cost`) against `limits.max_cost`, and the input rules
/// (`graphql::inputs`). `operation` is the operation to run (every one when `None`).
pub fn check_document(
    doc: &ExecutableDocument,
    limits: DocumentLimits,
    index: &SchemaIndex,
    operation: Option<&str>,
    variables: &Variables,
) -> ServerResult<()> {
    check(doc, limits)?;
    let cost = index.cost(doc, operation, variables);
    if cost > limits.max_cost {
        return Err(ServerError::new(
            format!(
                "the query would cost {cost}; at most {} is allowed (each list counts as many \
                 times as it can return items: ask for smaller pages or fewer nested lists)",
                limits.max_cost
            ),
            None,
        ));
    }
    index.check_inputs(doc, operation, variables)
}

#[async_graphql::async_trait::async_trait]
impl Extension for DocumentChecks {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        // The socket's `subscribe` message names at most one operation; with several in
        // the document every one is checked.
        check_document(&doc, self.limits, &self.index, None, variables)?;
        Ok(doc)
    }
}
