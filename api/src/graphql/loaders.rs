//! DataLoaders: nested lists load in one query per level, never one per parent (DESIGN §8).
//! Loaders are made per request and bound to the viewer's practice.

use std::{collections::HashMap, time::Duration};

use async_graphql::dataloader::{DataLoader, Loader};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::{auth::Principal, error::GqlError, state::AppState};

/// How long a loader waits to gather keys before querying. The resolvers of one list are
/// polled together, so a short wait collects all of them; a longer one only adds latency.
pub const LOADER_DELAY: Duration = Duration::from_millis(1);

/// Care-team members by client id. Callers pass only ids of clients already shown to be
/// visible; the practice bound here keeps the query inside the tenant regardless.
pub struct CareTeamLoader {
    db: DatabaseConnection,
    practice_id: Uuid,
}

impl Loader<Uuid> for CareTeamLoader {
    type Value = Vec<entity::app_user::Model>;
    type Error = GqlError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = crate::clients::service::care_teams(&self.db, self.practice_id, keys).await?;
        let mut map: HashMap<Uuid, Self::Value> = HashMap::new();
        for (client_id, user) in rows {
            map.entry(client_id).or_default().push(user);
        }
        Ok(map)
    }
}

/// Adds the request's loaders to `request`.
pub fn attach(
    request: async_graphql::Request,
    state: &AppState,
    principal: &Principal,
) -> async_graphql::Request {
    let practice_id = match principal {
        Principal::Viewer(v) => v.practice_id,
        Principal::Anonymous => Uuid::nil(),
    };
    request.data(
        DataLoader::new(
            CareTeamLoader {
                db: state.db.clone(),
                practice_id,
            },
            tokio::spawn,
        )
        .delay(LOADER_DELAY),
    )
}
