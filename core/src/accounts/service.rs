//! Account rules and SQL: sessions, refresh-token rotation with reuse detection,
//! invitations, therapists.

use chrono::Utc;
use sea_orm::{
    ColumnTrait as _, Condition, ConnectionTrait, DatabaseConnection, EntityTrait as _,
    ExprTrait as _, PaginatorTrait as _, QueryFilter as _, Set, sea_query::Expr,
};
use secrecy::ExposeSecret as _;
use uuid::Uuid;

use super::domain::{IssuedInvitation, MAX_SECRET_CHARS, Session};
use crate::{
    audit::{self, Target},
    auth::{
        Role, Viewer, ViewerKind, password,
        tokens::{Subject, TokenKeys, hash_secret, new_secret},
    },
    error::ServiceError,
    events::{self, Actor, EventKind, NewEvent},
    pagination::{NameCursor, Page, PageRequest, fetch_by_name},
    ratelimit::AttemptLimiter,
    values::{DisplayName, Email, NewPassword},
};
use entity::{app_user, client, invitation, refresh_token};

/// How long refresh tokens and invitations last.
#[derive(Debug, Clone, Copy)]
pub struct AccountPolicy {
    pub refresh_token_ttl: std::time::Duration,
    pub invitation_ttl: std::time::Duration,
}

/// What sign-in, token refresh and invitations need besides their arguments: the
/// database, the token keys, the attempt limiter and the lifetimes. Built per request from
/// the server's shared state; nothing here knows about the server.
#[derive(Clone, Copy)]
pub struct Accounts<'a> {
    pub db: &'a DatabaseConnection,
    pub tokens: &'a TokenKeys,
    pub attempts: &'a AttemptLimiter,
    pub policy: AccountPolicy,
}

fn invalid_login() -> ServiceError {
    // One error for unknown email, wrong password and disabled login alike.
    ServiceError::Unauthenticated
}

/// Signs in with email and password.
#[tracing::instrument(skip_all)]
pub async fn login(
    accounts: &Accounts<'_>,
    email: &str,
    password: &str,
    request_id: &str,
) -> Result<Session, ServiceError> {
    let email = email.trim().to_lowercase();
    accounts
        .attempts
        .check(accounts.db, &format!("login:{email}"))
        .await?;
    if password.chars().count() > MAX_SECRET_CHARS {
        return Err(invalid_login());
    }
    let user = app_user::Entity::find()
        .filter(app_user::Column::Email.eq(email.as_str()))
        .one(accounts.db)
        .await?;
    let ok = password::verify(
        password.to_owned(),
        user.as_ref().map(|u| u.password_hash.clone()),
    )
    .await?;
    match user {
        Some(user) if ok && user.disabled_at.is_none() => {
            start_session(accounts.db, accounts, &user, None, request_id).await
        }
        _ => Err(invalid_login()),
    }
}

/// Issues an access token and a new refresh token (in `family`, or a new family).
async fn start_session(
    conn: &impl ConnectionTrait,
    accounts: &Accounts<'_>,
    user: &app_user::Model,
    family: Option<Uuid>,
    request_id: &str,
) -> Result<Session, ServiceError> {
    let role = Role::parse(&user.role)
        .ok_or_else(|| ServiceError::Internal("unknown stored role".to_owned()))?;
    let client_id = if role == Role::Client {
        client::Entity::find()
            .filter(client::Column::UserId.eq(user.id))
            .one(conn)
            .await?
            .map(|c| c.id)
    } else {
        None
    };
    // A client login whose record is gone cannot act (as a disabled one).
    let kind = ViewerKind::person(role, client_id).ok_or_else(invalid_login)?;
    let subject = Subject {
        id: user.id,
        role,
        practice_id: user.practice_id,
        client_id,
        scopes: Vec::new(),
    };
    let access = accounts
        .tokens
        .issue(&subject)
        .map_err(|e| ServiceError::Internal(format!("sign token: {e}")))?;
    let refresh = new_secret("mrt_");
    let now = Utc::now();
    let ttl = chrono::Duration::from_std(accounts.policy.refresh_token_ttl)
        .unwrap_or(chrono::Duration::days(30));
    refresh_token::Entity::insert(refresh_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        practice_id: Set(user.practice_id),
        user_id: Set(user.id),
        family_id: Set(family.unwrap_or_else(Uuid::now_v7)),
        token_hash: Set(hash_secret(&refresh)),
        expires_at: Set(now + ttl),
        used_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(Session {
        access,
        refresh_token: refresh,
        viewer: Viewer::acting(user.id, user.practice_id, kind, request_id),
    })
}

async fn revoke_family(conn: &impl ConnectionTrait, family_id: Uuid) -> Result<(), ServiceError> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(refresh_token::Column::FamilyId.eq(family_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Exchanges a refresh token for a new session. Each token works once; presenting a used
/// token again (a sign of theft) revokes its whole family.
#[tracing::instrument(skip_all)]
pub async fn refresh(
    accounts: &Accounts<'_>,
    token: &str,
    request_id: &str,
) -> Result<Session, ServiceError> {
    if token.len() > MAX_SECRET_CHARS {
        return Err(ServiceError::Unauthenticated);
    }
    let row = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(hash_secret(token)))
        .one(accounts.db)
        .await?
        .ok_or(ServiceError::Unauthenticated)?;
    if row.revoked_at.is_some() || row.expires_at <= Utc::now() {
        return Err(ServiceError::Unauthenticated);
    }
    let txn = crate::audit::begin_write(accounts.db).await?;
    // Claim the token atomically, so two concurrent exchanges cannot both succeed.
    let claimed = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::UsedAt, Expr::value(Utc::now()))
        .col_expr(refresh_token::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(refresh_token::Column::Id.eq(row.id))
        .filter(refresh_token::Column::UsedAt.is_null())
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected;
    if claimed != 1 {
        revoke_family(&txn, row.family_id).await?;
        txn.commit().await?;
        tracing::warn!(family_id = %row.family_id, "refresh token reused; family revoked");
        return Err(ServiceError::Unauthenticated);
    }
    let user = app_user::Entity::find_by_id(row.user_id)
        .filter(app_user::Column::DisabledAt.is_null())
        .one(&txn)
        .await?;
    let Some(user) = user else {
        revoke_family(&txn, row.family_id).await?;
        txn.commit().await?;
        return Err(ServiceError::Unauthenticated);
    };
    let session = start_session(&txn, accounts, &user, Some(row.family_id), request_id).await?;
    txn.commit().await?;
    Ok(session)
}

/// Ends the session the refresh token belongs to (its whole family). Unknown tokens are
/// ignored, so logout is idempotent. Access tokens already issued expire on their own.
#[tracing::instrument(skip_all)]
pub async fn logout(db: &DatabaseConnection, token: &str) -> Result<(), ServiceError> {
    if token.len() > MAX_SECRET_CHARS {
        return Ok(());
    }
    if let Some(row) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(hash_secret(token)))
        .one(db)
        .await?
    {
        revoke_family(db, row.family_id).await?;
    }
    Ok(())
}

/// What an invitation is for.
pub struct InvitationSpec {
    pub practice_id: Uuid,
    pub role: Role,
    pub email: Option<Email>,
    pub display_name: Option<String>,
    pub client_id: Option<Uuid>,
}

/// Stores a new invitation through `conn` and returns its code (shown once).
pub async fn create_invitation(
    conn: &impl ConnectionTrait,
    accounts: &Accounts<'_>,
    viewer: &Viewer,
    spec: InvitationSpec,
) -> Result<IssuedInvitation, ServiceError> {
    let code = new_secret("inv_");
    let now = Utc::now();
    let expires_at = now
        + chrono::Duration::from_std(accounts.policy.invitation_ttl)
            .unwrap_or(chrono::Duration::days(7));
    invitation::Entity::insert(invitation::ActiveModel {
        id: Set(Uuid::now_v7()),
        practice_id: Set(spec.practice_id),
        code_hash: Set(hash_secret(&code)),
        role: Set(spec.role.as_str().to_owned()),
        email: Set(spec.email.map(|e| e.as_str().to_owned())),
        display_name: Set(spec.display_name),
        client_id: Set(spec.client_id),
        created_by: Set(viewer.id),
        expires_at: Set(expires_at),
        accepted_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(IssuedInvitation { code, expires_at })
}

/// A practice admin invites a therapist.
#[tracing::instrument(skip_all, fields(practice_id = %viewer.practice_id))]
pub async fn invite_therapist(
    accounts: &Accounts<'_>,
    viewer: &Viewer,
    email: Option<Email>,
    display_name: DisplayName,
) -> Result<IssuedInvitation, ServiceError> {
    viewer.require_role(&[Role::PracticeAdmin])?;
    if let Some(email) = &email {
        ensure_email_free(accounts.db, email, "input.email").await?;
    }
    create_invitation(
        accounts.db,
        accounts,
        viewer,
        InvitationSpec {
            practice_id: viewer.practice_id,
            role: Role::Therapist,
            email,
            display_name: Some(display_name.into_inner()),
            client_id: None,
        },
    )
    .await
}

async fn ensure_email_free(
    conn: &impl ConnectionTrait,
    email: &Email,
    _field: &str,
) -> Result<(), ServiceError> {
    let taken = app_user::Entity::find()
        .filter(app_user::Column::Email.eq(email.as_str()))
        .count(conn)
        .await?
        > 0;
    if taken {
        Err(ServiceError::Conflict(
            "a login with this email already exists".to_owned(),
        ))
    } else {
        Ok(())
    }
}

/// Accepts an invitation: creates the login (linking a client's record for a client
/// invitation) and signs in.
#[tracing::instrument(skip_all)]
pub async fn accept_invitation(
    accounts: &Accounts<'_>,
    code: &str,
    email: Email,
    password: NewPassword,
    request_id: &str,
) -> Result<Session, ServiceError> {
    accounts
        .attempts
        .check(accounts.db, &format!("invitation:{}", email.as_str()))
        .await?;
    let bad_code = || ServiceError::bad_input("input.code", "invalid, used or expired invitation");
    if code.len() > MAX_SECRET_CHARS {
        return Err(bad_code());
    }
    let hash = password::hash(password.0.expose_secret().to_owned()).await?;
    let txn = crate::audit::begin_write(accounts.db).await?;
    let inv = invitation::Entity::find()
        .filter(invitation::Column::CodeHash.eq(hash_secret(code)))
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(invitation::Column::ExpiresAt.gt(Utc::now()))
        .one(&txn)
        .await?
        .ok_or_else(bad_code)?;
    if let Some(expected) = &inv.email
        && expected != email.as_str()
    {
        return Err(ServiceError::bad_input(
            "input.email",
            "this invitation is for another email address",
        ));
    }
    ensure_email_free(&txn, &email, "input.email").await?;
    let role = Role::parse(&inv.role)
        .ok_or_else(|| ServiceError::Internal("unknown stored role".to_owned()))?;
    let now = Utc::now();
    let accepted = invitation::Entity::update_many()
        .col_expr(invitation::Column::AcceptedAt, Expr::value(now))
        .col_expr(invitation::Column::UpdatedAt, Expr::value(now))
        .filter(invitation::Column::Id.eq(inv.id))
        .filter(invitation::Column::AcceptedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected;
    if accepted != 1 {
        return Err(bad_code());
    }
    let linked_client = match inv.client_id {
        Some(id) if role == Role::Client => Some(
            client::Entity::find_by_id(id)
                .filter(client::Column::PracticeId.eq(inv.practice_id))
                .filter(client::Column::UserId.is_null())
                .one(&txn)
                .await?
                .ok_or_else(bad_code)?,
        ),
        _ => None,
    };
    let display_name = linked_client
        .as_ref()
        .map(|c| c.display_name.clone())
        .or(inv.display_name.clone())
        .unwrap_or_else(|| email.as_str().to_owned());
    let user = app_user::Entity::insert(app_user::ActiveModel {
        id: Set(Uuid::now_v7()),
        practice_id: Set(inv.practice_id),
        email: Set(email.as_str().to_owned()),
        password_hash: Set(hash),
        role: Set(role.as_str().to_owned()),
        display_name: Set(display_name),
        disabled_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_with_returning(&txn)
    .await?;
    if let Some(c) = linked_client {
        client::Entity::update_many()
            .col_expr(client::Column::UserId, Expr::value(user.id))
            .col_expr(
                client::Column::Version,
                Expr::col(client::Column::Version).add(1),
            )
            .col_expr(client::Column::UpdatedAt, Expr::value(now))
            .filter(client::Column::Id.eq(c.id))
            .exec(&txn)
            .await?;
        events::append(
            &txn,
            Some(Actor { id: user.id, role }),
            NewEvent {
                practice_id: c.practice_id,
                client_id: Some(c.id),
                kind: EventKind::ClientLoginLinked,
                entity_id: c.id,
                payload: serde_json::json!({ "userId": user.id }),
            },
        )
        .await?;
        let actor = Viewer::acting(
            user.id,
            c.practice_id,
            ViewerKind::Client { client_id: c.id },
            request_id,
        );
        audit::record(
            &txn,
            &actor,
            "acceptInvitation",
            &Target::client(c.id),
            Ok(()),
        )
        .await?;
    }
    let session = start_session(&txn, accounts, &user, None, request_id).await?;
    txn.commit().await?;
    crate::events::bus::committed();
    Ok(session)
}

/// A practice admin disables a login. Its access tokens stop working at once (every
/// request re-checks the user) and its refresh tokens are revoked.
#[tracing::instrument(skip_all, fields(practice_id = %viewer.practice_id, user_id = %user_id))]
pub async fn disable_user(
    accounts: &Accounts<'_>,
    viewer: &Viewer,
    user_id: Uuid,
) -> Result<app_user::Model, ServiceError> {
    viewer.require_role(&[Role::PracticeAdmin])?;
    if user_id == viewer.id {
        return Err(ServiceError::bad_input(
            "input.userId",
            "you cannot disable your own login",
        ));
    }
    let txn = crate::audit::begin_write(accounts.db).await?;
    let user = app_user::Entity::find_by_id(user_id)
        .filter(app_user::Column::PracticeId.eq(viewer.practice_id))
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if user.disabled_at.is_some() {
        return Ok(user);
    }
    let now = Utc::now();
    app_user::Entity::update_many()
        .col_expr(app_user::Column::DisabledAt, Expr::value(now))
        .col_expr(app_user::Column::UpdatedAt, Expr::value(now))
        .filter(app_user::Column::Id.eq(user.id))
        .exec(&txn)
        .await?;
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .filter(refresh_token::Column::UserId.eq(user.id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(app_user::Model {
        disabled_at: Some(now),
        updated_at: now,
        ..user
    })
}

/// The therapists of the viewer's practice, by name. Clients and integrators without
/// `CLIENTS_READ` may not list them.
#[tracing::instrument(skip_all, fields(practice_id = %viewer.practice_id))]
pub async fn therapists(
    db: &DatabaseConnection,
    viewer: &Viewer,
    include_disabled: bool,
    page: PageRequest<NameCursor>,
) -> Result<Page<app_user::Model>, ServiceError> {
    viewer.require_role(&[Role::PracticeAdmin, Role::Therapist, Role::Integrator])?;
    viewer.require_scope(crate::auth::Scope::ClientsRead)?;
    let mut filter = Condition::all()
        .add(app_user::Column::PracticeId.eq(viewer.practice_id))
        .add(app_user::Column::Role.eq(Role::Therapist.as_str()));
    if !include_disabled {
        filter = filter.add(app_user::Column::DisabledAt.is_null());
    }
    let total = app_user::Entity::find()
        .filter(filter.clone())
        .count(db)
        .await?;
    let rows = fetch_by_name(
        db,
        app_user::Entity::find().filter(filter),
        app_user::Column::DisplayName,
        app_user::Column::Id,
        &page,
    )
    .await?;
    Ok(Page::from_rows(rows, &page, total))
}

/// Users of the viewer's practice by id (care-team members, the viewer themself).
pub async fn users_by_ids(
    db: &DatabaseConnection,
    practice_id: Uuid,
    ids: Vec<Uuid>,
) -> Result<Vec<app_user::Model>, ServiceError> {
    Ok(app_user::Entity::find()
        .filter(app_user::Column::PracticeId.eq(practice_id))
        .filter(app_user::Column::Id.is_in(ids))
        .all(db)
        .await?)
}

/// The name shown for the viewer: the user's display name or the credential's name.
pub async fn viewer_display_name(
    db: &DatabaseConnection,
    viewer: &Viewer,
) -> Result<String, ServiceError> {
    if viewer.role() == Role::Integrator {
        return Ok(entity::api_credential::Entity::find_by_id(viewer.id)
            .one(db)
            .await?
            .map(|c| c.name)
            .unwrap_or_default());
    }
    Ok(app_user::Entity::find_by_id(viewer.id)
        .one(db)
        .await?
        .map(|u| u.display_name)
        .unwrap_or_default())
}
