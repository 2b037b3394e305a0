//! GraphQL types of practices.

use async_graphql::{ID, SimpleObject};
use chrono::{DateTime, Utc};

/// A practice: the tenant every record belongs to.
#[derive(SimpleObject, Debug, Clone)]
pub struct Practice {
    /// The practice's id.
    pub id: ID,
    /// The practice's name.
    pub name: String,
    /// When the practice was created.
    pub created_at: DateTime<Utc>,
}

impl From<entity::practice::Model> for Practice {
    fn from(m: entity::practice::Model) -> Self {
        Self {
            id: ID(m.id.to_string()),
            name: m.name,
            created_at: m.created_at,
        }
    }
}
