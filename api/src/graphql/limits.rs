//! Limits async-graphql does not enforce itself: `limit_complexity` does not count
//! `__typename`, so a thousand aliases of it would pass (DESIGN §11). Count every field
//! selection and every alias in the document, fragments included, before execution.

use std::sync::Arc;

use async_graphql::{
    ServerError, ServerResult, Variables,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery},
    parser::types::{ExecutableDocument, Selection, SelectionSet},
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

#[derive(Default)]
struct Counts {
    fields: usize,
    aliases: usize,
}

fn count(set: &SelectionSet, counts: &mut Counts) {
    for item in &set.items {
        match &item.node {
            Selection::Field(f) => {
                counts.fields += 1;
                if f.node.alias.is_some() {
                    counts.aliases += 1;
                }
                count(&f.node.selection_set.node, counts);
            }
            Selection::InlineFragment(fr) => count(&fr.node.selection_set.node, counts),
            // Named fragments are counted once, below, where they are defined.
            Selection::FragmentSpread(_) => {}
        }
    }
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
        let mut counts = Counts::default();
        for (_, op) in doc.operations.iter() {
            count(&op.node.selection_set.node, &mut counts);
        }
        for fragment in doc.fragments.values() {
            count(&fragment.node.selection_set.node, &mut counts);
        }
        if counts.aliases > self.max_aliases {
            return Err(ServerError::new(
                format!(
                    "the query has {} aliases; at most {} are allowed",
                    counts.aliases, self.max_aliases
                ),
                None,
            ));
        }
        if counts.fields > self.max_fields {
            return Err(ServerError::new(
                format!(
                    "the query selects {} fields; at most {} are allowed",
                    counts.fields, self.max_fields
                ),
                None,
            ));
        }
        Ok(doc)
    }
}
