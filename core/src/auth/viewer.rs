//! The viewer: who is asking, resolved once per request from the bearer token and checked
//! against the database (so disabling a user or revoking a credential takes effect at once).

use sea_orm::{
    ColumnTrait as _, DatabaseConnection, EntityTrait as _, QueryFilter as _, QuerySelect as _,
    sea_query::Query,
};
use uuid::Uuid;

use super::{
    claims::{Role, Scope},
    tokens::TokenKeys,
};
use crate::error::ServiceError;

/// What kind of caller a viewer is, with what only that kind has: a client always has
/// their own client record, only an integrator has scopes. (A client without a record, or
/// a therapist with scopes, cannot be written.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ViewerKind {
    /// A client signed in to their own record.
    Client { client_id: Uuid },
    /// A therapist: sees the clients whose care team they are on.
    Therapist,
    /// A practice admin: sees the whole practice.
    PracticeAdmin,
    /// An EHR's API credential, with the scopes both the token and the credential still
    /// grant.
    Integrator { scopes: Vec<Scope> },
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// The user id, or for an integrator the API credential id.
    pub id: Uuid,
    pub practice_id: Uuid,
    /// Who the viewer is to the practice.
    pub kind: ViewerKind,
    /// The request this viewer acts in (for audit rows).
    pub request_id: String,
    /// Where the audit rows of this viewer's reads go (kept for the request's one audit
    /// statement, or written at once).
    pub audit: crate::audit::Trail,
}

impl ViewerKind {
    /// The kind of a person who signs in (not an integrator): a client needs their client
    /// record; `None` when the combination cannot be a viewer.
    pub fn person(role: Role, client_id: Option<Uuid>) -> Option<Self> {
        match (role, client_id) {
            (Role::Client, Some(client_id)) => Some(Self::Client { client_id }),
            (Role::Therapist, None) => Some(Self::Therapist),
            (Role::PracticeAdmin, None) => Some(Self::PracticeAdmin),
            _ => None,
        }
    }
}

impl Viewer {
    /// A viewer acting directly (its audit rows written at once), outside any request.
    pub fn acting(id: Uuid, practice_id: Uuid, kind: ViewerKind, request_id: &str) -> Self {
        Self {
            id,
            practice_id,
            kind,
            request_id: request_id.to_owned(),
            audit: crate::audit::Trail::direct(),
        }
    }

    /// The viewer's role.
    pub fn role(&self) -> Role {
        match self.kind {
            ViewerKind::Client { .. } => Role::Client,
            ViewerKind::Therapist => Role::Therapist,
            ViewerKind::PracticeAdmin => Role::PracticeAdmin,
            ViewerKind::Integrator { .. } => Role::Integrator,
        }
    }

    /// For a client, their own client record.
    pub fn client_id(&self) -> Option<Uuid> {
        match self.kind {
            ViewerKind::Client { client_id } => Some(client_id),
            _ => None,
        }
    }

    /// For an integrator, the scopes granted; nobody else has any.
    pub fn scopes(&self) -> &[Scope] {
        match &self.kind {
            ViewerKind::Integrator { scopes } => scopes,
            _ => &[],
        }
    }
}

impl Viewer {
    /// `FORBIDDEN` unless the viewer has one of `roles`.
    pub fn require_role(&self, roles: &[Role]) -> Result<(), ServiceError> {
        if roles.contains(&self.role()) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden("your role may not do this"))
        }
    }

    /// For integrators, `FORBIDDEN` unless the credential grants `scope`; humans pass
    /// (their role decides).
    pub fn require_scope(&self, scope: Scope) -> Result<(), ServiceError> {
        if self.role() != Role::Integrator || self.scopes().contains(&scope) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden(
                "the API credential lacks the scope for this",
            ))
        }
    }
}

impl Viewer {
    /// `FORBIDDEN` with `why` for a client: the care team's (or the EHR's) job.
    pub fn require_care_team(&self, why: &'static str) -> Result<(), ServiceError> {
        if self.role() == Role::Client {
            Err(ServiceError::Forbidden(why))
        } else {
            Ok(())
        }
    }

    /// `FORBIDDEN` with `why` unless the viewer is a client (acting on their own record).
    pub fn require_client(&self, why: &'static str) -> Result<(), ServiceError> {
        if self.role() == Role::Client {
            Ok(())
        } else {
            Err(ServiceError::Forbidden(why))
        }
    }

    /// Practice libraries (homework templates, resources) are for staff: therapists and
    /// admins, and integrators with `scope`. Clients get `FORBIDDEN`.
    pub fn require_staff(&self, scope: Scope) -> Result<(), ServiceError> {
        match self.role() {
            Role::Client => Err(ServiceError::Forbidden("this library is for the care team")),
            Role::Integrator => self.require_scope(scope),
            Role::Therapist | Role::PracticeAdmin => Ok(()),
        }
    }
}

/// The caller of a request: anonymous (no token) or a [`Viewer`].
#[derive(Debug, Clone)]
pub enum Principal {
    Anonymous,
    Viewer(Viewer),
}

impl Principal {
    /// The same principal, its reads' audit rows going to `trail`.
    pub fn with_audit(mut self, trail: crate::audit::Trail) -> Self {
        if let Self::Viewer(v) = &mut self {
            v.audit = trail;
        }
        self
    }

    /// The viewer, or `UNAUTHENTICATED` for an anonymous caller.
    pub fn viewer(&self) -> Result<&Viewer, ServiceError> {
        match self {
            Self::Viewer(v) => Ok(v),
            Self::Anonymous => Err(ServiceError::Unauthenticated),
        }
    }
}

/// Resolves the `Authorization` header. No header is anonymous; anything else that does
/// not check out (malformed, forged, expired, disabled user, revoked credential) is
/// `UNAUTHENTICATED`.
pub async fn authenticate(
    db: &DatabaseConnection,
    keys: &TokenKeys,
    authorization: Option<&str>,
    request_id: &str,
) -> Result<Principal, ServiceError> {
    let Some(header) = authorization else {
        return Ok(Principal::Anonymous);
    };
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(ServiceError::Unauthenticated)?;
    let claims = keys.verify(token).ok_or(ServiceError::Unauthenticated)?;
    let id = Uuid::parse_str(&claims.sub).map_err(|_| ServiceError::Unauthenticated)?;
    let kind = match claims.role {
        Role::Integrator => {
            use entity::api_credential as c;
            let cred = c::Entity::find_by_id(id)
                .filter(c::Column::PracticeId.eq(claims.pid))
                .filter(c::Column::RevokedAt.is_null())
                .one(db)
                .await?
                .ok_or(ServiceError::Unauthenticated)?;
            let granted = Scope::parse_list(&cred.scopes);
            ViewerKind::Integrator {
                scopes: claims
                    .scopes
                    .into_iter()
                    .filter(|s| granted.contains(s))
                    .collect(),
            }
        }
        Role::Client => {
            // One statement: the client record of an enabled client login.
            use entity::{app_user as u, client as cl};
            let login = Query::select()
                .column(u::Column::Id)
                .from(u::Entity)
                .and_where(u::Column::Id.eq(id))
                .and_where(u::Column::PracticeId.eq(claims.pid))
                .and_where(u::Column::Role.eq(Role::Client.as_str()))
                .and_where(u::Column::DisabledAt.is_null())
                .to_owned();
            let client_id: Uuid = cl::Entity::find()
                .select_only()
                .column(cl::Column::Id)
                .filter(cl::Column::UserId.in_subquery(login))
                .filter(cl::Column::PracticeId.eq(claims.pid))
                .into_tuple()
                .one(db)
                .await?
                .ok_or(ServiceError::Unauthenticated)?;
            ViewerKind::Client { client_id }
        }
        role => {
            use entity::app_user as u;
            u::Entity::find_by_id(id)
                .select_only()
                .column(u::Column::Id)
                .filter(u::Column::PracticeId.eq(claims.pid))
                .filter(u::Column::Role.eq(role.as_str()))
                .filter(u::Column::DisabledAt.is_null())
                .into_tuple::<Uuid>()
                .one(db)
                .await?
                .ok_or(ServiceError::Unauthenticated)?;
            match role {
                Role::PracticeAdmin => ViewerKind::PracticeAdmin,
                _ => ViewerKind::Therapist,
            }
        }
    };
    Ok(Principal::Viewer(Viewer::acting(
        id, claims.pid, kind, request_id,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_real_shapes_of_a_person_become_viewers() {
        let id = Uuid::now_v7();
        assert_eq!(
            ViewerKind::person(Role::Client, Some(id)),
            Some(ViewerKind::Client { client_id: id })
        );
        assert_eq!(ViewerKind::person(Role::Client, None), None);
        assert_eq!(ViewerKind::person(Role::Therapist, Some(id)), None);
        assert_eq!(ViewerKind::person(Role::Integrator, None), None);
        let admin = Viewer::acting(id, id, ViewerKind::PracticeAdmin, "r");
        assert_eq!(admin.role(), Role::PracticeAdmin);
        assert_eq!(admin.client_id(), None);
        assert!(admin.scopes().is_empty());
        let ehr = ViewerKind::Integrator {
            scopes: vec![Scope::ClientsRead],
        };
        let ehr = Viewer::acting(id, id, ehr, "r");
        assert_eq!(ehr.scopes(), [Scope::ClientsRead]);
        assert!(ehr.require_scope(Scope::ClinicalRead).is_err());
    }
}
