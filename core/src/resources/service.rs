//! Resource and support rules and SQL. The library belongs to the practice's staff; shares
//! and support contacts are client records (clinical scope). Clients add their own
//! support contacts; the care team reads them.

use crate::auth::ViewerKind;
use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, DatabaseConnection, EntityTrait as _, PaginatorTrait as _,
    QueryFilter as _, QueryOrder as _, Set,
};
use uuid::Uuid;

use super::domain::{CONTACTS_MAX, RESOURCES_MAX, ResourceKind};
use crate::{
    audit::{self, Target},
    auth::{Scope, Viewer},
    batch::{self, Batch},
    concurrency::{expect_version, update_versioned},
    error::ServiceError,
    events::{self, Acting, EventKind},
    pagination::{NameCursor, Page, PageRequest, fetch_by_name},
    scope::{self, Access},
};
use entity::{resource, resource_share as share, support_contact as contact};

/// A new library resource, parsed.
pub struct NewResource {
    pub title: String,
    pub kind: ResourceKind,
    pub url: Option<String>,
    pub description: String,
    pub tags: Vec<String>,
}

/// Adds a resource to the practice's library (staff; integrators with `CLINICAL_WRITE`).
#[tracing::instrument(skip_all)]
pub async fn create_resource(
    db: &DatabaseConnection,
    viewer: &Viewer,
    new: NewResource,
) -> Result<resource::Model, ServiceError> {
    viewer.require_staff(Scope::ClinicalWrite)?;
    audit::write(
        db,
        viewer,
        "createResource",
        Target::default(),
        async |txn| {
            let count = resource::Entity::find()
                .filter(resource::Column::PracticeId.eq(viewer.practice_id))
                .count(txn)
                .await?;
            if count >= RESOURCES_MAX {
                return Err(ServiceError::Conflict(format!(
                    "a practice can have at most {RESOURCES_MAX} resources"
                )));
            }
            let now = Utc::now();
            let row = resource::Entity::insert(resource::ActiveModel {
                id: Set(Uuid::now_v7()),
                practice_id: Set(viewer.practice_id),
                title: Set(new.title.clone()),
                kind: Set(new.kind.as_str().to_owned()),
                url: Set(new.url.clone()),
                description: Set(new.description.clone()),
                tags: Set(serde_json::json!(new.tags)),
                archived_at: Set(None),
                created_by: Set(viewer.id),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .exec_with_returning(txn)
            .await?;
            let t = Target::many(vec![row.id]);
            Ok((row, t))
        },
    )
    .await
}

/// A page of the practice's library by title, optionally of one kind.
#[tracing::instrument(skip_all)]
pub async fn resources(
    db: &DatabaseConnection,
    viewer: &Viewer,
    kind: Option<ResourceKind>,
    page: PageRequest<NameCursor>,
) -> Result<Page<resource::Model>, ServiceError> {
    viewer.require_staff(Scope::ClinicalRead)?;
    let mut q = resource::Entity::find()
        .filter(resource::Column::PracticeId.eq(viewer.practice_id))
        .filter(resource::Column::ArchivedAt.is_null());
    if let Some(k) = kind {
        q = q.filter(resource::Column::Kind.eq(k.as_str()));
    }
    let total = q.clone().count(db).await?;
    let rows = fetch_by_name(db, q, resource::Column::Title, resource::Column::Id, &page).await?;
    Ok(Page::from_rows(rows, &page, total))
}

async fn share_event(
    conn: &impl ConnectionTrait,
    by: impl Into<Acting>,
    s: &share::Model,
    kind: EventKind,
) -> Result<(), ServiceError> {
    by.into()
        .client_event(
            conn,
            s.client_id,
            s.id,
            kind,
            serde_json::json!({ "shareId": s.id, "resourceId": s.resource_id }),
        )
        .await?;
    Ok(())
}

/// Shares a library resource with a client (the care team). Sharing it again updates the
/// note.
#[tracing::instrument(skip_all, fields(client_id = %client_id, resource_id = %resource_id))]
pub async fn share(
    db: &DatabaseConnection,
    viewer: &Viewer,
    client_id: Uuid,
    resource_id: Uuid,
    note: Option<String>,
) -> Result<(share::Model, resource::Model), ServiceError> {
    audit::write(
        db,
        viewer,
        "shareResource",
        Target::client(client_id).with(resource_id),
        async |txn| {
            scope::find_visible(txn, viewer, Access::ClinicalWrite, client_id).await?;
            viewer.require_care_team("resources are shared by the care team")?;
            let res = resource::Entity::find_by_id(resource_id)
                .filter(resource::Column::PracticeId.eq(viewer.practice_id))
                .filter(resource::Column::ArchivedAt.is_null())
                .one(txn)
                .await?
                .ok_or_else(|| {
                    ServiceError::bad_input(
                        "input.resourceId",
                        "is not a resource of this practice",
                    )
                })?;
            let row =
                upsert_share(txn, viewer.into(), client_id, resource_id, note.clone()).await?;
            let t = Target::client(client_id).with(row.id);
            Ok(((row, res), t))
        },
    )
    .await
}

/// Shares resource `resource_id` with client `client_id`, or updates the note of an earlier
/// share, with its RESOURCE_SHARED event (none when nothing changed), inside `txn` (the caller
/// checked scope and the resource).
pub async fn upsert_share(
    txn: &impl ConnectionTrait,
    by: Acting,
    client_id: Uuid,
    resource_id: Uuid,
    note: Option<String>,
) -> Result<share::Model, ServiceError> {
    let now = Utc::now();
    let existing = share::Entity::find()
        .filter(share::Column::ClientId.eq(client_id))
        .filter(share::Column::ResourceId.eq(resource_id))
        .one(txn)
        .await?;
    Ok(match existing {
        Some(s) if s.note == note => s,
        Some(s) => {
            share::Entity::update_many()
                .col_expr(
                    share::Column::Note,
                    sea_orm::sea_query::Expr::value(note.clone()),
                )
                .col_expr(
                    share::Column::UpdatedAt,
                    sea_orm::sea_query::Expr::value(now),
                )
                .filter(share::Column::Id.eq(s.id))
                .exec(txn)
                .await?;
            let s = share::Entity::find_by_id(s.id)
                .one(txn)
                .await?
                .ok_or(ServiceError::NotFound)?;
            share_event(txn, by, &s, EventKind::ResourceShared).await?;
            s
        }
        None => {
            let s = share::Entity::insert(share::ActiveModel {
                id: Set(Uuid::now_v7()),
                practice_id: Set(by.practice_id),
                client_id: Set(client_id),
                resource_id: Set(resource_id),
                note: Set(note.clone()),
                shared_by: Set(by.by),
                opened_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .exec_with_returning(txn)
            .await?;
            share_event(txn, by, &s, EventKind::ResourceShared).await?;
            s
        }
    })
}

/// The client marks a shared resource opened; the first time counts.
#[tracing::instrument(skip_all, fields(share_id = %share_id))]
pub async fn mark_opened(
    db: &DatabaseConnection,
    viewer: &Viewer,
    share_id: Uuid,
) -> Result<(share::Model, resource::Model), ServiceError> {
    audit::write(
        db,
        viewer,
        "markResourceOpened",
        Target::many(vec![share_id]),
        async |txn| {
            let s = share::Entity::find_by_id(share_id)
                .filter(scope::records_of_visible(
                    viewer,
                    Access::ClinicalWrite,
                    share::Column::PracticeId,
                    share::Column::ClientId,
                )?)
                .one(txn)
                .await?
                .ok_or(ServiceError::NotFound)?;
            viewer.require_client("only the client marks a resource opened")?;
            let s = if s.opened_at.is_some() {
                s
            } else {
                let now = Utc::now();
                share::Entity::update_many()
                    .col_expr(
                        share::Column::OpenedAt,
                        sea_orm::sea_query::Expr::value(now),
                    )
                    .col_expr(
                        share::Column::UpdatedAt,
                        sea_orm::sea_query::Expr::value(now),
                    )
                    .filter(share::Column::Id.eq(s.id))
                    .filter(share::Column::OpenedAt.is_null())
                    .exec(txn)
                    .await?;
                let s = share::Entity::find_by_id(s.id)
                    .one(txn)
                    .await?
                    .ok_or(ServiceError::NotFound)?;
                share_event(txn, viewer, &s, EventKind::ResourceOpened).await?;
                s
            };
            let res = resource::Entity::find_by_id(s.resource_id)
                .one(txn)
                .await?
                .ok_or(ServiceError::NotFound)?;
            let t = Target::client(s.client_id).with(s.id);
            Ok(((s, res), t))
        },
    )
    .await
}

/// `Client.resources`: the resources shared with each client, newest first (two
/// statements: the shares, then their resources).
pub struct SharedWith;

/// `Client.resources` lists at most this many shares (the newest).
pub const SHARES_LISTED: u64 = 200;

impl Batch for SharedWith {
    type Args = ();
    type Value = Vec<(share::Model, resource::Model)>;
    const AUDIT: Option<&'static str> = Some("Client.resources");

    async fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        keys: &[Uuid],
        _: &(),
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        let select = share::Entity::find()
            .filter(scope::records_of_visible(
                viewer,
                Access::Clinical,
                share::Column::PracticeId,
                share::Column::ClientId,
            )?)
            .filter(share::Column::ClientId.is_in(keys.iter().copied()));
        let shares = batch::firsts(
            db,
            select,
            share::Column::ClientId,
            &[
                (share::Column::CreatedAt, sea_orm::Order::Desc),
                (share::Column::Id, sea_orm::Order::Desc),
            ],
            SHARES_LISTED,
        )
        .await?;
        let mut ids: Vec<Uuid> = shares.iter().map(|s| s.resource_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let resources: HashMap<Uuid, resource::Model> = if ids.is_empty() {
            HashMap::new()
        } else {
            batch::by(
                resource::Entity::find()
                    .filter(resource::Column::PracticeId.eq(viewer.practice_id))
                    .filter(resource::Column::Id.is_in(ids))
                    .all(db)
                    .await?,
                |r| r.id,
            )
        };
        let rows = shares
            .into_iter()
            .filter_map(|s| {
                let r = resources.get(&s.resource_id)?.clone();
                Some((s, r))
            })
            .collect();
        Ok(batch::group(keys, rows, |(s, _)| s.client_id))
    }

    fn touched(rows: &Self::Value, out: &mut Vec<Uuid>) {
        out.extend(rows.iter().map(|(s, _)| s.id));
    }
}

// ---- support contacts ----

/// A support contact, parsed.
pub struct ContactFields {
    pub name: String,
    pub relationship: String,
    pub how_they_help: Option<String>,
    pub phone: Option<String>,
}

/// A change to a support contact; `None` leaves a field, `Some(None)` clears it.
#[derive(Default)]
pub struct ContactChanges {
    pub name: Option<String>,
    pub relationship: Option<String>,
    pub how_they_help: Option<Option<String>>,
    pub phone: Option<Option<String>>,
}

/// The client's own record: only the client adds or changes their support network.
fn own_client(viewer: &Viewer) -> Result<Uuid, ServiceError> {
    match viewer.kind {
        ViewerKind::Client { client_id } => Ok(client_id),
        _ => Err(ServiceError::Forbidden(
            "the client keeps their own support network",
        )),
    }
}

async fn contact_event(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    c: &contact::Model,
    kind: EventKind,
) -> Result<(), ServiceError> {
    events::client_event(
        conn,
        viewer,
        c.client_id,
        c.id,
        kind,
        serde_json::json!({ "contactId": c.id, "version": c.version }),
    )
    .await?;
    Ok(())
}

/// The client adds someone to their support network.
#[tracing::instrument(skip_all)]
pub async fn add_contact(
    db: &DatabaseConnection,
    viewer: &Viewer,
    fields: ContactFields,
) -> Result<contact::Model, ServiceError> {
    let client_id = own_client(viewer)?;
    audit::write(
        db,
        viewer,
        "addSupportContact",
        Target::client(client_id),
        async |txn| {
            let count = contact::Entity::find()
                .filter(contact::Column::ClientId.eq(client_id))
                .count(txn)
                .await?;
            if count >= CONTACTS_MAX {
                return Err(ServiceError::Conflict(format!(
                    "at most {CONTACTS_MAX} support contacts"
                )));
            }
            let now = Utc::now();
            let row = contact::Entity::insert(contact::ActiveModel {
                id: Set(Uuid::now_v7()),
                practice_id: Set(viewer.practice_id),
                client_id: Set(client_id),
                name: Set(fields.name.clone()),
                relationship: Set(fields.relationship.clone()),
                how_they_help: Set(fields.how_they_help.clone()),
                phone: Set(fields.phone.clone()),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .exec_with_returning(txn)
            .await?;
            contact_event(txn, viewer, &row, EventKind::SupportContactAdded).await?;
            let t = Target::client(client_id).with(row.id);
            Ok((row, t))
        },
    )
    .await
}

async fn own_contact(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> Result<contact::Model, ServiceError> {
    let client_id = own_client(viewer)?;
    contact::Entity::find_by_id(id)
        .filter(contact::Column::PracticeId.eq(viewer.practice_id))
        .filter(contact::Column::ClientId.eq(client_id))
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// The client changes a support contact, if it is still at `expected_version`.
#[tracing::instrument(skip_all, fields(contact_id = %id))]
pub async fn update_contact(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
    changes: ContactChanges,
) -> Result<contact::Model, ServiceError> {
    own_client(viewer)?;
    audit::write(
        db,
        viewer,
        "updateSupportContact",
        Target::many(vec![id]),
        async |txn| {
            let current = own_contact(txn, viewer, id).await?;
            expect_version(Some(expected_version), current.version, "support contact")?;
            let row = update_versioned::<contact::Entity>(
                txn,
                contact::Column::Id,
                contact::Column::Version,
                id,
                current.version,
                contact::ActiveModel {
                    name: Set(changes.name.clone().unwrap_or(current.name.clone())),
                    relationship: Set(changes
                        .relationship
                        .clone()
                        .unwrap_or(current.relationship.clone())),
                    how_they_help: Set(changes
                        .how_they_help
                        .clone()
                        .unwrap_or(current.how_they_help.clone())),
                    phone: Set(changes.phone.clone().unwrap_or(current.phone.clone())),
                    updated_at: Set(Utc::now()),
                    ..Default::default()
                },
                "support contact",
            )
            .await?;
            contact_event(txn, viewer, &row, EventKind::SupportContactUpdated).await?;
            let t = Target::client(row.client_id).with(row.id);
            Ok((row, t))
        },
    )
    .await
}

/// The client removes a support contact.
#[tracing::instrument(skip_all, fields(contact_id = %id))]
pub async fn remove_contact(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> Result<Uuid, ServiceError> {
    own_client(viewer)?;
    audit::write(
        db,
        viewer,
        "removeSupportContact",
        Target::many(vec![id]),
        async |txn| {
            let current = own_contact(txn, viewer, id).await?;
            contact::Entity::delete_by_id(id).exec(txn).await?;
            contact_event(txn, viewer, &current, EventKind::SupportContactRemoved).await?;
            Ok((id, Target::client(current.client_id).with(id)))
        },
    )
    .await
}

/// `Client.supportContacts`: each client's support network, by name.
pub struct ContactsOf;

impl Batch for ContactsOf {
    type Args = ();
    type Value = Vec<contact::Model>;
    const AUDIT: Option<&'static str> = Some("Client.supportContacts");

    async fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        keys: &[Uuid],
        _: &(),
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        let rows = contact::Entity::find()
            .filter(scope::records_of_visible(
                viewer,
                Access::Clinical,
                contact::Column::PracticeId,
                contact::Column::ClientId,
            )?)
            .filter(contact::Column::ClientId.is_in(keys.iter().copied()))
            .order_by_asc(contact::Column::Name)
            .order_by_asc(contact::Column::Id)
            .all(db)
            .await?;
        Ok(batch::group(keys, rows, |c| c.client_id))
    }

    fn touched(rows: &Self::Value, out: &mut Vec<Uuid>) {
        out.extend(rows.iter().map(|c| c.id));
    }
}
