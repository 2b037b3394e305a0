//! Client rules and SQL: the roster, care teams, invitations. Who may see which client is
//! `crate::scope`.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    ColumnTrait as _, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait as _, ExprTrait as _, PaginatorTrait as _, QueryFilter as _, QuerySelect as _, Set,
    sea_query::{Expr, Func, LikeExpr},
};
use uuid::Uuid;

use super::domain::{ClientChanges, ClientStatus, NewClient};
use crate::{
    accounts::{
        domain::IssuedInvitation,
        service::{InvitationSpec, create_invitation},
    },
    audit::{self, Target},
    auth::{Role, Scope, Viewer},
    batch::{self, Batch, Paged},
    error::ServiceError,
    events::{self, EventKind},
    pagination::{Direction, NameCursor, Page, PageRequest, fetch_by_name},
    scope::{
        Access, care_team_of, clinically_visible, find_in, on_care_team, visible, visible_ids,
    },
    values::Email,
};
use entity::{app_user, care_team, client, event};

/// The clients whose roster fields `viewer` may change: the care team, practice admins,
/// integrators with `CLIENTS_WRITE`. Clients may not edit their own roster entry.
fn writable(viewer: &Viewer) -> Result<Condition, ServiceError> {
    let practice = Condition::all().add(client::Column::PracticeId.eq(viewer.practice_id));
    Ok(match viewer.role() {
        Role::Client => return Err(ServiceError::Forbidden("clients cannot change the roster")),
        Role::Therapist => practice.add(client::Column::Id.in_subquery(care_team_of(viewer.id))),
        Role::PracticeAdmin => practice,
        Role::Integrator => {
            viewer.require_scope(Scope::ClientsWrite)?;
            practice
        }
    })
}

/// One client, with roster access; `operation` names the GraphQL field for the audit row.
#[tracing::instrument(skip_all, fields(client_id = %id))]
pub async fn get(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    operation: &'static str,
) -> Result<client::Model, ServiceError> {
    audit::read(db, viewer, operation, Target::client(id), async |db| {
        let c = find_in(db, visible(viewer, Access::Roster)?, id).await?;
        Ok((c, Target::client(id)))
    })
    .await
}

/// Filters on the roster list.
#[derive(Debug, Default, Clone)]
pub struct ClientFilter {
    pub status: Option<ClientStatus>,
    /// Case-insensitive substring of the display name or external reference.
    pub search: Option<String>,
    pub therapist_id: Option<Uuid>,
}

/// A page of the clients the viewer may see, by name.
#[tracing::instrument(skip_all)]
pub async fn list(
    db: &DatabaseConnection,
    viewer: &Viewer,
    filter: ClientFilter,
    page: PageRequest<NameCursor>,
) -> Result<Page<client::Model>, ServiceError> {
    audit::read(db, viewer, "clients", Target::default(), async |db| {
        let mut cond = visible(viewer, Access::Roster)?;
        if let Some(status) = filter.status {
            cond = cond.add(client::Column::Status.eq(status.as_str()));
        }
        if let Some(therapist) = filter.therapist_id {
            cond = cond.add(client::Column::Id.in_subquery(care_team_of(therapist)));
        }
        if let Some(search) = filter.search.as_deref() {
            let escaped = search
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            let pattern = format!("%{escaped}%");
            let lower = |c: client::Column| Expr::expr(Func::lower(Expr::col((client::Entity, c))));
            cond = cond.add(
                Condition::any()
                    .add(
                        lower(client::Column::DisplayName)
                            .like(LikeExpr::new(pattern.clone()).escape('\\')),
                    )
                    .add(
                        lower(client::Column::ExternalRef)
                            .like(LikeExpr::new(pattern).escape('\\')),
                    ),
            );
        }
        let total = client::Entity::find()
            .filter(cond.clone())
            .count(db)
            .await?;
        let rows = fetch_by_name(
            db,
            client::Entity::find().filter(cond),
            client::Column::DisplayName,
            client::Column::Id,
            &page,
        )
        .await?;
        let page = Page::from_rows(rows, &page, total);
        let ids = page.items.iter().map(|c| c.id).collect();
        Ok((page, Target::many(ids)))
    })
    .await
}

async fn check_therapists(
    conn: &impl ConnectionTrait,
    practice_id: Uuid,
    ids: &[Uuid],
    field: &str,
) -> Result<(), ServiceError> {
    if ids.is_empty() {
        return Ok(());
    }
    let found = app_user::Entity::find()
        .filter(app_user::Column::PracticeId.eq(practice_id))
        .filter(app_user::Column::Role.eq(Role::Therapist.as_str()))
        .filter(app_user::Column::DisabledAt.is_null())
        .filter(app_user::Column::Id.is_in(ids.to_vec()))
        .count(conn)
        .await?;
    if found as usize == ids.len() {
        Ok(())
    } else {
        Err(ServiceError::bad_input(
            field,
            "every id must be an active therapist of this practice",
        ))
    }
}

async fn ensure_external_ref_free(
    conn: &impl ConnectionTrait,
    practice_id: Uuid,
    external_ref: &str,
    except: Option<Uuid>,
) -> Result<(), ServiceError> {
    let mut q = client::Entity::find()
        .filter(client::Column::PracticeId.eq(practice_id))
        .filter(client::Column::ExternalRef.eq(external_ref));
    if let Some(id) = except {
        q = q.filter(client::Column::Id.ne(id));
    }
    if q.count(conn).await? > 0 {
        Err(ServiceError::Conflict(
            "another client of the practice has this externalRef".to_owned(),
        ))
    } else {
        Ok(())
    }
}

async fn add_member(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    client_id: Uuid,
    user_id: Uuid,
) -> Result<(), ServiceError> {
    let now = Utc::now();
    care_team::Entity::insert(care_team::ActiveModel {
        client_id: Set(client_id),
        user_id: Set(user_id),
        practice_id: Set(viewer.practice_id),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(txn)
    .await?;
    events::client_event(
        txn,
        viewer,
        client_id,
        client_id,
        EventKind::CareTeamMemberAdded,
        serde_json::json!({ "therapistId": user_id }),
    )
    .await?;
    Ok(())
}

/// Creates a client. A therapist creating a client joins its care team. With a
/// client-generated id, replaying the same create returns the existing client.
#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    viewer: &Viewer,
    new: NewClient,
) -> Result<client::Model, ServiceError> {
    viewer.require_role(&[Role::Therapist, Role::PracticeAdmin, Role::Integrator])?;
    viewer.require_scope(Scope::ClientsWrite)?;
    let id = new.id.unwrap_or_else(Uuid::now_v7);
    audit::write(
        db,
        viewer,
        "createClient",
        Target::client(id),
        async |txn| {
            let mut team = new.therapist_ids.clone();
            if viewer.role() == Role::Therapist && !team.contains(&viewer.id) {
                team.push(viewer.id);
            }
            team.sort();
            team.dedup();
            if let Some(existing) = client::Entity::find_by_id(id).one(txn).await? {
                let same = existing.practice_id == viewer.practice_id
                    && existing.display_name == new.display_name.clone().into_inner()
                    && existing.timezone == new.timezone.as_str()
                    && existing.external_ref == new.external_ref;
                return if same {
                    Ok((existing, Target::client(id)))
                } else {
                    Err(crate::values::id_taken("input.id"))
                };
            }
            check_therapists(
                txn,
                viewer.practice_id,
                &new.therapist_ids,
                "input.therapistIds",
            )
            .await?;
            if let Some(r) = &new.external_ref {
                ensure_external_ref_free(txn, viewer.practice_id, r, None).await?;
            }
            let now = Utc::now();
            let model = client::Entity::insert(client::ActiveModel {
                id: Set(id),
                practice_id: Set(viewer.practice_id),
                display_name: Set(new.display_name.clone().into_inner()),
                timezone: Set(new.timezone.as_str().to_owned()),
                status: Set(ClientStatus::Active.as_str().to_owned()),
                external_ref: Set(new.external_ref.clone()),
                user_id: Set(None),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .exec_with_returning(txn)
            .await?;
            events::client_event(
                txn,
                viewer,
                id,
                id,
                EventKind::ClientCreated,
                serde_json::json!({ "status": model.status }),
            )
            .await?;
            for member in team {
                add_member(txn, viewer, id, member).await?;
            }
            crate::tracking::service::add_builtins(txn, viewer.practice_id, id, viewer.id).await?;
            Ok((model, Target::client(id)))
        },
    )
    .await
}

/// Bumps the version of a client row if it is still at `expected`; `CONFLICT` when it
/// moved on, `NOT_FOUND` when the viewer may not write it.
async fn bump(
    txn: &DatabaseTransaction,
    scope: Condition,
    id: Uuid,
    expected: Option<i32>,
    set: Vec<(client::Column, Expr)>,
) -> Result<client::Model, ServiceError> {
    let current = find_in(txn, scope, id).await?;
    crate::concurrency::expect_version(expected, current.version, "client")?;
    let mut q = client::Entity::update_many()
        .col_expr(client::Column::Version, Expr::value(current.version + 1))
        .col_expr(client::Column::UpdatedAt, Expr::value(Utc::now()));
    for (col, value) in set {
        q = q.col_expr(col, value);
    }
    let changed = q
        .filter(client::Column::Id.eq(id))
        .filter(client::Column::Version.eq(current.version))
        .exec(txn)
        .await?
        .rows_affected;
    if changed != 1 {
        return Err(ServiceError::Conflict(
            "the client was changed meanwhile; reload and retry".to_owned(),
        ));
    }
    client::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// Changes roster fields, if the client is still at `expected_version`.
#[tracing::instrument(skip_all, fields(client_id = %id))]
pub async fn update(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
    changes: ClientChanges,
) -> Result<client::Model, ServiceError> {
    let scope = writable(viewer)?;
    audit::write(
        db,
        viewer,
        "updateClient",
        Target::client(id),
        async |txn| {
            let mut set = Vec::new();
            let mut fields = Vec::new();
            if let Some(name) = &changes.display_name {
                set.push((
                    client::Column::DisplayName,
                    Expr::value(name.clone().into_inner()),
                ));
                fields.push("displayName");
            }
            if let Some(tz) = &changes.timezone {
                set.push((
                    client::Column::Timezone,
                    Expr::value(tz.as_str().to_owned()),
                ));
                fields.push("timezone");
            }
            if let Some(ext) = &changes.external_ref {
                if let Some(r) = ext {
                    ensure_external_ref_free(txn, viewer.practice_id, r, Some(id)).await?;
                }
                set.push((client::Column::ExternalRef, Expr::value(ext.clone())));
                fields.push("externalRef");
            }
            let model = bump(txn, scope, id, Some(expected_version), set).await?;
            events::client_event(
                txn,
                viewer,
                id,
                id,
                EventKind::ClientUpdated,
                serde_json::json!({ "version": model.version, "fields": fields }),
            )
            .await?;
            Ok((model, Target::client(id)))
        },
    )
    .await
}

/// Moves a client to `status` (ACTIVE, PAUSED, DISCHARGED).
#[tracing::instrument(skip_all, fields(client_id = %id))]
pub async fn set_status(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    status: ClientStatus,
    expected_version: Option<i32>,
) -> Result<client::Model, ServiceError> {
    let scope = writable(viewer)?;
    audit::write(db, viewer, "setClientStatus", Target::client(id), async |txn| {
        let current = find_in(txn, scope.clone(), id).await?;
        if current.status == status.as_str() && expected_version.is_none_or(|v| v == current.version) {
            return Ok((current, Target::client(id)));
        }
        let model = bump(
            txn,
            scope,
            id,
            expected_version,
            vec![(client::Column::Status, Expr::value(status.as_str()))],
        )
        .await?;
        events::client_event(txn, viewer, id, id, EventKind::ClientStatusChanged, serde_json::json!({ "from": current.status, "to": model.status, "version": model.version }))
        .await?;
        Ok((model, Target::client(id)))
    })
    .await
}

/// Who may change a care team: practice admins, therapists on it, integrators with
/// `CLIENTS_WRITE`.
fn care_team_scope(viewer: &Viewer) -> Result<Condition, ServiceError> {
    viewer.require_role(&[Role::PracticeAdmin, Role::Therapist, Role::Integrator])?;
    writable(viewer)
}

/// Adds a therapist to a client's care team (idempotent).
#[tracing::instrument(skip_all, fields(client_id = %client_id, therapist_id = %therapist_id))]
pub async fn add_to_care_team(
    db: &DatabaseConnection,
    viewer: &Viewer,
    client_id: Uuid,
    therapist_id: Uuid,
) -> Result<client::Model, ServiceError> {
    let scope = care_team_scope(viewer)?;
    audit::write(
        db,
        viewer,
        "addToCareTeam",
        Target::client(client_id).with(therapist_id),
        async |txn| {
            let c = find_in(txn, scope, client_id).await?;
            check_therapists(
                txn,
                viewer.practice_id,
                &[therapist_id],
                "input.therapistId",
            )
            .await?;
            if !on_care_team(txn, client_id, therapist_id).await? {
                add_member(txn, viewer, client_id, therapist_id).await?;
            }
            Ok((c, Target::client(client_id).with(therapist_id)))
        },
    )
    .await
}

/// Removes a therapist from a client's care team (idempotent). The last member stays:
/// add another first.
#[tracing::instrument(skip_all, fields(client_id = %client_id, therapist_id = %therapist_id))]
pub async fn remove_from_care_team(
    db: &DatabaseConnection,
    viewer: &Viewer,
    client_id: Uuid,
    therapist_id: Uuid,
) -> Result<client::Model, ServiceError> {
    let scope = care_team_scope(viewer)?;
    audit::write(
        db,
        viewer,
        "removeFromCareTeam",
        Target::client(client_id).with(therapist_id),
        async |txn| {
            let c = find_in(txn, scope, client_id).await?;
            let members: Vec<Uuid> = care_team::Entity::find()
                .filter(care_team::Column::ClientId.eq(client_id))
                .all(txn)
                .await?
                .into_iter()
                .map(|m| m.user_id)
                .collect();
            if !members.contains(&therapist_id) {
                return Ok((c, Target::client(client_id).with(therapist_id)));
            }
            if members.len() == 1 {
                return Err(ServiceError::Conflict(
                    "a client keeps at least one therapist on the care team; add another first"
                        .to_owned(),
                ));
            }
            care_team::Entity::delete_by_id((client_id, therapist_id))
                .exec(txn)
                .await?;
            events::client_event(
                txn,
                viewer,
                client_id,
                client_id,
                EventKind::CareTeamMemberRemoved,
                serde_json::json!({ "therapistId": therapist_id }),
            )
            .await?;
            Ok((c, Target::client(client_id).with(therapist_id)))
        },
    )
    .await
}

/// Invites a client to create their own login, linked to their record.
#[tracing::instrument(skip_all, fields(client_id = %client_id))]
pub async fn invite(
    accounts: &crate::accounts::service::Accounts<'_>,
    viewer: &Viewer,
    client_id: Uuid,
    email: Option<Email>,
) -> Result<IssuedInvitation, ServiceError> {
    viewer.require_role(&[Role::Therapist, Role::PracticeAdmin])?;
    let scope = writable(viewer)?;
    audit::write(
        accounts.db,
        viewer,
        "inviteClient",
        Target::client(client_id),
        async |txn| {
            let c = find_in(txn, scope, client_id).await?;
            if c.user_id.is_some() {
                return Err(ServiceError::Conflict(
                    "this client already has a login".to_owned(),
                ));
            }
            let issued = create_invitation(
                txn,
                accounts,
                viewer,
                InvitationSpec {
                    practice_id: viewer.practice_id,
                    role: Role::Client,
                    email,
                    display_name: None,
                    client_id: Some(client_id),
                },
            )
            .await?;
            events::client_event(
                txn,
                viewer,
                client_id,
                client_id,
                EventKind::ClientInvited,
                serde_json::json!({}),
            )
            .await?;
            Ok((issued, Target::client(client_id)))
        },
    )
    .await
}

/// `Client.activity`: a page of the change history of each client's record, in log
/// order. Clients never see alert records, nor that one was raised.
pub struct Activity;

impl Batch for Activity {
    type Args = Paged<i64>;
    type Value = Page<event::Model>;
    const AUDIT: Option<&'static str> = Some("Client.activity");

    async fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        keys: &[Uuid],
        args: &Self::Args,
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        let mut base = event::Entity::find()
            .filter(event::Column::PracticeId.eq(viewer.practice_id))
            .filter(event::Column::ClientId.in_subquery(visible_ids(viewer, Access::Clinical)?));
        if viewer.role() == Role::Client {
            base = base.filter(event::Column::Kind.is_not_in(crate::events::EventKind::STAFF_ONLY));
        }
        let past = args.page.cursor.map(|seq| match args.page.direction {
            Direction::Forward => Condition::all().add(event::Column::Sequence.gt(seq)),
            Direction::Backward => Condition::all().add(event::Column::Sequence.lt(seq)),
        });
        let pages = batch::pages_by(
            db,
            base,
            event::Column::ClientId,
            &[event::Column::Sequence],
            past,
            keys,
            &args.page,
            args.totals,
            |e| e.client_id.unwrap_or_default(),
        )
        .await?;
        Ok(pages)
    }
}

/// `Client.careTeam` lists at most this many therapists (the longest on the team).
pub const CARE_TEAM_LISTED: u64 = 50;

/// Care-team members of many clients at once (for the DataLoader), within one practice, by
/// name: at most [`CARE_TEAM_LISTED`] per client. The caller has already established that
/// the clients are visible.
pub async fn care_teams(
    db: &DatabaseConnection,
    practice_id: Uuid,
    client_ids: &[Uuid],
) -> Result<Vec<(Uuid, app_user::Model)>, ServiceError> {
    let select = care_team::Entity::find()
        .filter(care_team::Column::PracticeId.eq(practice_id))
        .filter(care_team::Column::ClientId.is_in(client_ids.to_vec()));
    let rows = crate::batch::firsts(
        db,
        select,
        care_team::Column::ClientId,
        &[
            (care_team::Column::CreatedAt, sea_orm::Order::Asc),
            (care_team::Column::UserId, sea_orm::Order::Asc),
        ],
        CARE_TEAM_LISTED,
    )
    .await?;
    let user_ids: Vec<Uuid> = rows.iter().map(|r| r.user_id).collect();
    let users = crate::accounts::service::users_by_ids(db, practice_id, user_ids).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        if let Some(u) = users.iter().find(|u| u.id == r.user_id) {
            out.push((r.client_id, u.clone()));
        }
    }
    out.sort_by(|a, b| (&a.1.display_name, a.1.id).cmp(&(&b.1.display_name, b.1.id)));
    Ok(out)
}

/// The clients of `ids` the viewer may see on the roster (for loaders).
pub async fn by_ids(
    db: &DatabaseConnection,
    viewer: &Viewer,
    ids: &[Uuid],
) -> Result<Vec<client::Model>, ServiceError> {
    Ok(client::Entity::find()
        .filter(visible(viewer, Access::Roster)?)
        .filter(client::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?)
}

/// The time zones of many clients of one practice (for loaders; not clinical).
pub async fn timezones(
    db: &impl ConnectionTrait,
    practice_id: Uuid,
    client_ids: &[Uuid],
) -> Result<Vec<(Uuid, String)>, ServiceError> {
    Ok(client::Entity::find()
        .select_only()
        .column(client::Column::Id)
        .column(client::Column::Timezone)
        .filter(client::Column::PracticeId.eq(practice_id))
        .filter(client::Column::Id.is_in(client_ids.to_vec()))
        .into_tuple()
        .all(db)
        .await?)
}

/// A client's IANA time zone (for their local dates); empty when the client is gone.
pub async fn timezone_of(conn: &impl ConnectionTrait, id: Uuid) -> Result<String, ServiceError> {
    Ok(client::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(|c| c.timezone)
        .unwrap_or_default())
}

/// `Client.careTeam`: the members of each client's care team, by name. Callers pass ids of
/// clients already shown to be visible; the practice bound keeps the query in the tenant.
pub struct CareTeams;

impl Batch for CareTeams {
    type Args = ();
    type Value = Vec<app_user::Model>;
    const AUDIT: Option<&'static str> = None;

    async fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        keys: &[Uuid],
        _: &(),
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        let rows = care_teams(db, viewer.practice_id, keys).await?;
        Ok(batch::group(keys, rows, |(c, _)| *c)
            .into_iter()
            .map(|(k, v)| (k, v.into_iter().map(|(_, u)| u).collect()))
            .collect())
    }
}

/// Clients by id, as the roster shows them (e.g. the client of an alert).
pub struct ClientsById;

impl Batch for ClientsById {
    type Args = ();
    type Value = client::Model;
    const AUDIT: Option<&'static str> = Some("clients");

    async fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        keys: &[Uuid],
        _: &(),
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        Ok(batch::by(by_ids(db, viewer, keys).await?, |c| c.id))
    }
}

/// The IANA time zone of clients (for their local dates). Not clinical.
pub struct Timezones;

impl Batch for Timezones {
    type Args = ();
    type Value = String;
    const AUDIT: Option<&'static str> = None;

    async fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        keys: &[Uuid],
        _: &(),
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        Ok(timezones(db, viewer.practice_id, keys)
            .await?
            .into_iter()
            .collect())
    }
}

/// Whether the viewer may read a client clinically: an entry for each client they may.
pub struct ClinicalAccess;

impl Batch for ClinicalAccess {
    type Args = ();
    type Value = ();
    const AUDIT: Option<&'static str> = None;

    async fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        keys: &[Uuid],
        _: &(),
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        Ok(clinically_visible(db, viewer, keys)
            .await?
            .into_iter()
            .map(|id| (id, ()))
            .collect())
    }
}
