//! The GraphQL toolkit every domain's types and resolvers use: the request's viewer and
//! state (`context`), batched scoped loading (`loaders`), connections and cursors
//! (`pagination`), recurrence inputs, and the document checks run before execution (depth,
//! cost, aliases and fields in `limits` and `cost`, input rules in `inputs`, over the
//! schema's `index`). The schema's root, which merges the domains, is `crate::schema`.

pub mod context;
pub mod cost;
pub mod index;
pub mod inputs;
pub mod limits;
pub mod loaders;
pub mod pagination;
pub mod recurrence;

use crate::config::Config;

/// The depth, alias and field caps of `config`.
pub fn document_limits(config: &Config) -> limits::DocumentLimits {
    limits::DocumentLimits {
        max_depth: config.max_depth,
        max_cost: config.max_complexity,
        max_aliases: config.max_aliases,
        max_fields: config.max_fields,
    }
}
