//! Limits async-graphql does not enforce itself: `limit_complexity` does not count
//! `__typename`, so a thousand aliases of it would pass (DESIGN §11). Count every field
//! selection and every alias as the document would execute, each fragment counted
//! wherever it is spread (nested spreads multiply), before execution.

use std::{collections::HashMap, sync::Arc};

use async_graphql::{
    Name, Positioned, ServerError, ServerResult, Variables,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery},
    parser::types::{ExecutableDocument, FragmentDefinition, Selection, SelectionSet},
};

/// Caps on aliases and field selections per document.
#[derive(Debug, Clone, Copy)]
pub struct DocumentLimits {
    pub max_aliases: usize,
    pub max_fields: usize,
}

impl ExtensionFactory for DocumentLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(*self)
    }
}

#[derive(Default, Clone, Copy)]
struct Counts {
    fields: usize,
    aliases: usize,
}

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
                count(&f.node.selection_set.node, fragments, memo, visiting)
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

#[async_graphql::async_trait::async_trait]
impl Extension for DocumentLimits {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        check(&doc, *self)?;
        Ok(doc)
    }
}
