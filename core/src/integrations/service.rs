//! API credential rules and SQL.

use chrono::Utc;
use sea_orm::{
    ColumnTrait as _, DatabaseConnection, EntityTrait as _, PaginatorTrait as _, QueryFilter as _,
    Set,
};
use uuid::Uuid;

use super::domain::NewCredential;
use crate::{
    accounts::domain::MAX_SECRET_CHARS,
    auth::{
        Role, Scope, Viewer,
        tokens::{AccessToken, Subject, TokenKeys, hash_secret, new_secret},
    },
    error::ServiceError,
    pagination::{NameCursor, Page, PageRequest, fetch_by_name},
    ratelimit::AttemptLimiter,
};
use entity::api_credential;

/// Creates a credential; the secret is returned once and only its hash is kept.
#[tracing::instrument(skip_all, fields(practice_id = %viewer.practice_id))]
pub async fn create(
    db: &DatabaseConnection,
    viewer: &Viewer,
    new: NewCredential,
) -> Result<(api_credential::Model, String), ServiceError> {
    viewer.require_role(&[Role::PracticeAdmin])?;
    let secret = new_secret("msk_");
    let now = Utc::now();
    let model = api_credential::Entity::insert(api_credential::ActiveModel {
        id: Set(Uuid::now_v7()),
        practice_id: Set(viewer.practice_id),
        name: Set(new.name.into_inner()),
        secret_hash: Set(hash_secret(&secret)),
        scopes: Set(Scope::join(&new.scopes)),
        created_by: Set(viewer.id),
        revoked_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_with_returning(db)
    .await?;
    Ok((model, secret))
}

/// Exchanges a credential id and secret for an INTEGRATOR access token.
#[tracing::instrument(skip_all, fields(credential_id = %credential_id))]
pub async fn issue_token(
    db: &DatabaseConnection,
    tokens: &TokenKeys,
    attempts: &AttemptLimiter,
    credential_id: Uuid,
    secret: &str,
) -> Result<AccessToken, ServiceError> {
    attempts
        .check(db, &format!("credential:{credential_id}"))
        .await?;
    if secret.len() > MAX_SECRET_CHARS {
        return Err(ServiceError::Unauthenticated);
    }
    let cred = api_credential::Entity::find_by_id(credential_id)
        .filter(api_credential::Column::RevokedAt.is_null())
        .filter(api_credential::Column::SecretHash.eq(hash_secret(secret)))
        .one(db)
        .await?
        .ok_or(ServiceError::Unauthenticated)?;
    tokens
        .issue(&Subject {
            id: cred.id,
            role: Role::Integrator,
            practice_id: cred.practice_id,
            client_id: None,
            scopes: Scope::parse_list(&cred.scopes),
        })
        .map_err(|e| ServiceError::Internal(format!("sign token: {e}")))
}

/// Revokes a credential: its tokens stop working at once.
#[tracing::instrument(skip_all, fields(credential_id = %id))]
pub async fn revoke(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> Result<api_credential::Model, ServiceError> {
    viewer.require_role(&[Role::PracticeAdmin])?;
    let cred = api_credential::Entity::find_by_id(id)
        .filter(api_credential::Column::PracticeId.eq(viewer.practice_id))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if cred.revoked_at.is_some() {
        return Ok(cred);
    }
    let now = Utc::now();
    let mut active: api_credential::ActiveModel = cred.into();
    active.revoked_at = Set(Some(now));
    active.updated_at = Set(now);
    Ok(sea_orm::ActiveModelTrait::update(active, db).await?)
}

/// The practice's credentials, by name (practice admins).
pub async fn list(
    db: &DatabaseConnection,
    viewer: &Viewer,
    page: PageRequest<NameCursor>,
) -> Result<Page<api_credential::Model>, ServiceError> {
    viewer.require_role(&[Role::PracticeAdmin])?;
    let select = api_credential::Entity::find()
        .filter(api_credential::Column::PracticeId.eq(viewer.practice_id));
    let total = select.clone().count(db).await?;
    let rows = fetch_by_name(
        db,
        select,
        api_credential::Column::Name,
        api_credential::Column::Id,
        &page,
    )
    .await?;
    Ok(Page::from_rows(rows, &page, total))
}
