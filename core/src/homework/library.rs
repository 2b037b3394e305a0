//! The homework template library. It belongs to the practice: its therapists and admins
//! (and integrators with clinical scopes) use it; clients do not see it.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, DatabaseConnection, EntityTrait as _, PaginatorTrait as _,
    QueryFilter as _, Set,
};
use uuid::Uuid;

use super::domain::{HomeworkKind, NewTemplate, STARTER_SET, TEMPLATES_MAX};
use crate::{
    audit::{self, Target},
    auth::{Scope, Viewer},
    batch::{self, Batch},
    error::ServiceError,
    pagination::{NameCursor, Page, PageRequest, fetch_by_name},
};
use entity::homework_template as template;

/// Who may use the library: therapists and admins; integrators with the clinical scope.
fn library(viewer: &Viewer, write: bool) -> Result<(), ServiceError> {
    viewer.require_staff(if write {
        Scope::ClinicalWrite
    } else {
        Scope::ClinicalRead
    })
}

/// Adds the starter set to a new practice's library.
pub async fn add_starter_templates(
    conn: &impl ConnectionTrait,
    practice_id: Uuid,
) -> Result<(), ServiceError> {
    let now = Utc::now();
    template::Entity::insert_many(STARTER_SET.iter().map(|s| template::ActiveModel {
        id: Set(Uuid::now_v7()),
        practice_id: Set(practice_id),
        title: Set(s.title.to_owned()),
        kind: Set(s.kind.as_str().to_owned()),
        instructions: Set(s.instructions.to_owned()),
        purpose: Set(s.purpose.to_owned()),
        estimated_minutes: Set(Some(s.minutes)),
        starter: Set(true),
        archived_at: Set(None),
        created_by: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }))
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// Adds a template to the practice's library.
#[tracing::instrument(skip_all)]
pub async fn create_template(
    db: &DatabaseConnection,
    viewer: &Viewer,
    new: NewTemplate,
) -> Result<template::Model, ServiceError> {
    library(viewer, true)?;
    audit::write(
        db,
        viewer,
        "createHomeworkTemplate",
        Target::default(),
        async |txn| {
            let count = template::Entity::find()
                .filter(template::Column::PracticeId.eq(viewer.practice_id))
                .count(txn)
                .await?;
            if count >= TEMPLATES_MAX {
                return Err(ServiceError::Conflict(format!(
                    "a practice can have at most {TEMPLATES_MAX} homework templates"
                )));
            }
            let now = Utc::now();
            let row = template::Entity::insert(template::ActiveModel {
                id: Set(Uuid::now_v7()),
                practice_id: Set(viewer.practice_id),
                title: Set(new.title.clone()),
                kind: Set(new.kind.as_str().to_owned()),
                instructions: Set(new.instructions.clone()),
                purpose: Set(new.purpose.clone()),
                estimated_minutes: Set(new.estimated_minutes),
                starter: Set(false),
                archived_at: Set(None),
                created_by: Set(Some(viewer.id)),
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

/// One template of the viewer's practice.
pub async fn template(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> Result<template::Model, ServiceError> {
    library(viewer, false)?;
    template::Entity::find_by_id(id)
        .filter(template::Column::PracticeId.eq(viewer.practice_id))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// A page of the practice's templates by title.
#[tracing::instrument(skip_all)]
pub async fn templates(
    db: &DatabaseConnection,
    viewer: &Viewer,
    kind: Option<HomeworkKind>,
    include_archived: bool,
    page: PageRequest<NameCursor>,
) -> Result<Page<template::Model>, ServiceError> {
    library(viewer, false)?;
    let mut q =
        template::Entity::find().filter(template::Column::PracticeId.eq(viewer.practice_id));
    if let Some(k) = kind {
        q = q.filter(template::Column::Kind.eq(k.as_str()));
    }
    if !include_archived {
        q = q.filter(template::Column::ArchivedAt.is_null());
    }
    let total = q.clone().count(db).await?;
    let rows = fetch_by_name(db, q, template::Column::Title, template::Column::Id, &page).await?;
    Ok(Page::from_rows(rows, &page, total))
}

/// Many templates of the viewer's practice by id.
pub async fn templates_by_ids(
    db: &DatabaseConnection,
    practice_id: Uuid,
    ids: &[Uuid],
) -> Result<Vec<template::Model>, ServiceError> {
    Ok(template::Entity::find()
        .filter(template::Column::PracticeId.eq(practice_id))
        .filter(template::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?)
}

/// Homework templates of the viewer's practice by id (not clinical).
pub struct TemplatesById;

impl Batch for TemplatesById {
    type Args = ();
    type Value = template::Model;
    const AUDIT: Option<&'static str> = None;

    async fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        keys: &[Uuid],
        _: &(),
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        Ok(batch::by(
            templates_by_ids(db, viewer.practice_id, keys).await?,
            |t| t.id,
        ))
    }
}
