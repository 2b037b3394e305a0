//! Practice rules and SQL.

use chrono::Utc;
use sea_orm::{ColumnTrait as _, DatabaseConnection, EntityTrait as _, QueryFilter as _, Set};
use secrecy::ExposeSecret as _;
use uuid::Uuid;

use super::domain::NewPractice;
use crate::{
    auth::{Role, Viewer, password},
    error::ServiceError,
};

/// The viewer's own practice.
#[tracing::instrument(skip_all, fields(practice_id = %viewer.practice_id))]
pub async fn current(
    db: &DatabaseConnection,
    viewer: &Viewer,
) -> Result<entity::practice::Model, ServiceError> {
    entity::practice::Entity::find_by_id(viewer.practice_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// A practice by id, for resolvers that already hold a visible row pointing at it.
pub async fn by_id(
    db: &DatabaseConnection,
    id: Uuid,
) -> Result<entity::practice::Model, ServiceError> {
    entity::practice::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// Creates a practice and its first administrator in one transaction.
#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    new: NewPractice,
) -> Result<(entity::practice::Model, entity::app_user::Model), ServiceError> {
    let hash = password::hash(new.admin_password.0.expose_secret().to_owned()).await?;
    create_with_hash(
        db,
        new.name.into_inner(),
        new.admin_email.as_str(),
        new.admin_name.into_inner(),
        hash,
    )
    .await
}

/// Like [`create`], with the password already hashed (seeding reuses one hash).
pub async fn create_with_hash(
    db: &DatabaseConnection,
    name: String,
    admin_email: &str,
    admin_name: String,
    password_hash: String,
) -> Result<(entity::practice::Model, entity::app_user::Model), ServiceError> {
    use entity::{app_user, practice};
    let txn = crate::audit::begin_write(db).await?;
    if app_user::Entity::find()
        .filter(app_user::Column::Email.eq(admin_email))
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(ServiceError::Conflict(
            "a login with this email already exists".to_owned(),
        ));
    }
    let now = Utc::now();
    let practice = practice::Entity::insert(practice::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_with_returning(&txn)
    .await?;
    let admin = app_user::Entity::insert(app_user::ActiveModel {
        id: Set(Uuid::now_v7()),
        practice_id: Set(practice.id),
        email: Set(admin_email.to_owned()),
        password_hash: Set(password_hash),
        role: Set(Role::PracticeAdmin.as_str().to_owned()),
        display_name: Set(admin_name),
        disabled_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_with_returning(&txn)
    .await?;
    crate::homework::library::add_starter_templates(&txn, practice.id).await?;
    txn.commit().await?;
    Ok((practice, admin))
}
