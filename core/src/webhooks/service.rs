//! Webhook rules and SQL: endpoints (practice admins only), their deliveries and
//! redelivery. Sending is in [`super::worker`].

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, DatabaseConnection, EntityTrait as _, PaginatorTrait as _,
    QueryFilter as _, QueryOrder as _, QuerySelect as _, QueryTrait as _, Set,
};
use uuid::Uuid;

use super::domain::{
    DeliveryStatus, PER_PRACTICE_MAX, PREVIOUS_SECRET_GRACE, WebhookStatus, WebhookUrl, join_kinds,
    sealed_for,
};
use crate::secrets::DataKeys;
use crate::{
    audit::{self, Target},
    auth::{Role, Viewer, tokens::new_secret},
    concurrency::{expect_version, update_versioned},
    error::ServiceError,
    events::EventKind,
    pagination::{Direction, Page, PageRequest},
};
use entity::{webhook, webhook_attempt, webhook_delivery};

/// A new endpoint, parsed.
pub struct NewWebhook {
    pub url: WebhookUrl,
    /// Empty for every kind.
    pub kinds: Vec<EventKind>,
}

/// Changes to an endpoint; `None` leaves a field as it is.
#[derive(Default)]
pub struct WebhookChanges {
    pub url: Option<WebhookUrl>,
    pub kinds: Option<Vec<EventKind>>,
    /// `true` re-enables a disabled endpoint (its queued deliveries go out at once);
    /// `false` pauses it (deliveries queue up).
    pub enabled: Option<bool>,
    pub expected_version: Option<i32>,
}

/// A delivery with its attempts, oldest first.
pub struct DeliveryWithAttempts {
    pub delivery: webhook_delivery::Model,
    pub attempts: Vec<webhook_attempt::Model>,
}

/// The keyset of endpoint and delivery lists: created at, id.
pub type CreatedCursor = (DateTime<Utc>, Uuid);

fn admin(viewer: &Viewer) -> Result<(), ServiceError> {
    viewer.require_role(&[Role::PracticeAdmin])
}

fn new_signing_secret() -> String {
    new_secret("whsec_")
}

/// Seals every webhook secret not sealed with the current data key: ones stored before
/// encryption, and ones of the previous key after a rotation. Run at every start; returns
/// how many rows it sealed again.
pub async fn reseal(db: &DatabaseConnection, keys: &DataKeys) -> Result<usize, ServiceError> {
    let mut resealed = 0;
    for hook in webhook::Entity::find().all(db).await? {
        let context = sealed_for(hook.id);
        let stale = |v: &str| !keys.is_current(v);
        if !stale(&hook.secret) && hook.previous_secret.as_deref().is_none_or(|p| !stale(p)) {
            continue;
        }
        let secret = keys.seal(&keys.open(&hook.secret, &context)?, &context)?;
        let previous = hook
            .previous_secret
            .as_deref()
            .map(|p| keys.open(p, &context).and_then(|p| keys.seal(&p, &context)))
            .transpose()?;
        // Only the secrets change: no version bump, no event (nothing a reader can see).
        webhook::Entity::update_many()
            .col_expr(
                webhook::Column::Secret,
                sea_orm::sea_query::Expr::value(secret),
            )
            .col_expr(
                webhook::Column::PreviousSecret,
                sea_orm::sea_query::Expr::value(previous),
            )
            .filter(webhook::Column::Id.eq(hook.id))
            .filter(webhook::Column::Secret.eq(hook.secret.clone()))
            .exec(db)
            .await?;
        resealed += 1;
    }
    Ok(resealed)
}

/// Creates an endpoint; the signing secret is returned once.
#[tracing::instrument(skip_all, fields(practice_id = %viewer.practice_id))]
pub async fn create(
    db: &DatabaseConnection,
    keys: &DataKeys,
    viewer: &Viewer,
    new: NewWebhook,
) -> Result<(webhook::Model, String), ServiceError> {
    admin(viewer)?;
    audit::write(
        db,
        viewer,
        "createWebhook",
        Target::default(),
        async |txn| {
            let count = webhook::Entity::find()
                .filter(webhook::Column::PracticeId.eq(viewer.practice_id))
                .count(txn)
                .await?;
            if count >= PER_PRACTICE_MAX {
                return Err(ServiceError::bad_input(
                    "input.url",
                    format!("a practice may have at most {PER_PRACTICE_MAX} webhooks"),
                ));
            }
            super::worker::ensure_started(txn).await?;
            let secret = new_signing_secret();
            let now = Utc::now();
            let id = Uuid::now_v7();
            let row = webhook::Entity::insert(webhook::ActiveModel {
                id: Set(id),
                practice_id: Set(viewer.practice_id),
                url: Set(new.url.into_inner()),
                kinds: Set(join_kinds(&new.kinds)),
                secret: Set(keys.seal(&secret, &sealed_for(id))?),
                previous_secret: Set(None),
                previous_secret_expires_at: Set(None),
                status: Set(WebhookStatus::Active.as_str().to_owned()),
                disabled_at: Set(None),
                disabled_reason: Set(None),
                consecutive_failures: Set(0),
                failing_since: Set(None),
                created_by: Set(viewer.id),
                created_at: Set(now),
                updated_at: Set(now),
                version: Set(1),
            })
            .exec_with_returning(txn)
            .await?;
            let t = Target::many(vec![row.id]);
            Ok(((row, secret), t))
        },
    )
    .await
}

async fn find(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> Result<webhook::Model, ServiceError> {
    webhook::Entity::find_by_id(id)
        .filter(webhook::Column::PracticeId.eq(viewer.practice_id))
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// One endpoint of the viewer's practice.
pub async fn get(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> Result<webhook::Model, ServiceError> {
    admin(viewer)?;
    find(db, viewer, id).await
}

/// The practice's endpoints, oldest first.
pub async fn list(
    db: &DatabaseConnection,
    viewer: &Viewer,
    page: PageRequest<CreatedCursor>,
) -> Result<Page<webhook::Model>, ServiceError> {
    admin(viewer)?;
    let select = webhook::Entity::find().filter(webhook::Column::PracticeId.eq(viewer.practice_id));
    let total = select.clone().count(db).await?;
    let rows = crate::pagination::fetch_page(
        db,
        select,
        webhook::Column::CreatedAt,
        webhook::Column::Id,
        &page,
    )
    .await?;
    Ok(Page::from_rows(rows, &page, total))
}

/// Changes an endpoint's URL, kinds or whether it is enabled.
#[tracing::instrument(skip_all, fields(webhook_id = %id))]
pub async fn update(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    changes: WebhookChanges,
) -> Result<webhook::Model, ServiceError> {
    admin(viewer)?;
    let t = Target::many(vec![id]);
    audit::write(db, viewer, "updateWebhook", t.clone(), async |txn| {
        let current = find(txn, viewer, id).await?;
        expect_version(changes.expected_version, current.version, "webhook")?;
        let now = Utc::now();
        let mut active = webhook::ActiveModel {
            updated_at: Set(now),
            ..Default::default()
        };
        if let Some(url) = changes.url {
            active.url = Set(url.into_inner());
        }
        if let Some(kinds) = &changes.kinds {
            active.kinds = Set(join_kinds(kinds));
        }
        let was_active = current.status == WebhookStatus::Active.as_str();
        match changes.enabled {
            Some(true) if !was_active => {
                active.status = Set(WebhookStatus::Active.as_str().to_owned());
                active.disabled_at = Set(None);
                active.disabled_reason = Set(None);
                active.consecutive_failures = Set(0);
                active.failing_since = Set(None);
                // What queued up while it was disabled goes out now.
                webhook_delivery::Entity::update_many()
                    .col_expr(
                        webhook_delivery::Column::NextAttemptAt,
                        sea_orm::sea_query::Expr::value(now),
                    )
                    .filter(webhook_delivery::Column::WebhookId.eq(id))
                    .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending.as_str()))
                    .exec(txn)
                    .await?;
            }
            Some(false) if was_active => {
                active.status = Set(WebhookStatus::Disabled.as_str().to_owned());
                active.disabled_at = Set(Some(now));
                active.disabled_reason = Set(Some("disabled by a practice admin".to_owned()));
            }
            _ => {}
        }
        let row = update_versioned::<webhook::Entity>(
            txn,
            webhook::Column::Id,
            webhook::Column::Version,
            id,
            current.version,
            active,
            "webhook",
        )
        .await?;
        Ok((row, t))
    })
    .await
}

/// Deletes an endpoint with its queued and past deliveries.
#[tracing::instrument(skip_all, fields(webhook_id = %id))]
pub async fn delete(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> Result<Uuid, ServiceError> {
    admin(viewer)?;
    let t = Target::many(vec![id]);
    audit::write(db, viewer, "deleteWebhook", t.clone(), async |txn| {
        find(txn, viewer, id).await?;
        // Explicit, not left to the cascade: the history goes in the same statements on
        // every backend, whatever its foreign-key settings.
        let deliveries = webhook_delivery::Entity::find()
            .select_only()
            .column(webhook_delivery::Column::Id)
            .filter(webhook_delivery::Column::WebhookId.eq(id))
            .into_query();
        webhook_attempt::Entity::delete_many()
            .filter(webhook_attempt::Column::DeliveryId.in_subquery(deliveries))
            .exec(txn)
            .await?;
        webhook_delivery::Entity::delete_many()
            .filter(webhook_delivery::Column::WebhookId.eq(id))
            .exec(txn)
            .await?;
        webhook::Entity::delete_by_id(id).exec(txn).await?;
        Ok((id, t))
    })
    .await
}

/// Replaces the signing secret; the new one is returned once. For
/// [`PREVIOUS_SECRET_GRACE`] deliveries carry a signature with the old secret too.
#[tracing::instrument(skip_all, fields(webhook_id = %id))]
pub async fn rotate_secret(
    db: &DatabaseConnection,
    keys: &DataKeys,
    viewer: &Viewer,
    id: Uuid,
) -> Result<(webhook::Model, String), ServiceError> {
    admin(viewer)?;
    let t = Target::many(vec![id]);
    audit::write(db, viewer, "rotateWebhookSecret", t.clone(), async |txn| {
        let current = find(txn, viewer, id).await?;
        let secret = new_signing_secret();
        let now = Utc::now();
        let row = update_versioned::<webhook::Entity>(
            txn,
            webhook::Column::Id,
            webhook::Column::Version,
            id,
            current.version,
            webhook::ActiveModel {
                secret: Set(keys.seal(&secret, &sealed_for(id))?),
                previous_secret: Set(Some(current.secret)),
                previous_secret_expires_at: Set(Some(now + PREVIOUS_SECRET_GRACE)),
                updated_at: Set(now),
                ..Default::default()
            },
            "webhook",
        )
        .await?;
        Ok(((row, secret), t))
    })
    .await
}

/// `WebhookDelivery.attempts` lists at most this many (the latest).
pub const ATTEMPTS_LISTED: u64 = 100;

/// Attempts of these deliveries, oldest first (the latest [`ATTEMPTS_LISTED`]), by delivery.
async fn attempts_of(
    conn: &impl ConnectionTrait,
    ids: Vec<Uuid>,
) -> Result<HashMap<Uuid, Vec<webhook_attempt::Model>>, ServiceError> {
    let select = webhook_attempt::Entity::find()
        .filter(webhook_attempt::Column::DeliveryId.is_in(ids.iter().copied()));
    let rows = crate::batch::firsts(
        conn,
        select,
        webhook_attempt::Column::DeliveryId,
        &[(webhook_attempt::Column::Attempt, sea_orm::Order::Desc)],
        ATTEMPTS_LISTED,
    )
    .await?;
    let mut by = crate::batch::group(&ids, rows, |a| a.delivery_id);
    by.values_mut().for_each(|v| v.reverse());
    Ok(by)
}

/// An endpoint's deliveries, newest first, with their attempts (two statements for any
/// page). Pages forward only.
#[tracing::instrument(skip_all, fields(webhook_id = %webhook_id))]
pub async fn deliveries(
    db: &DatabaseConnection,
    viewer: &Viewer,
    webhook_id: Uuid,
    status: Option<DeliveryStatus>,
    page: PageRequest<CreatedCursor>,
) -> Result<Page<DeliveryWithAttempts>, ServiceError> {
    admin(viewer)?;
    if page.direction != Direction::Forward {
        return Err(ServiceError::bad_input(
            "last",
            "deliveries page forward only: use first and after",
        ));
    }
    find(db, viewer, webhook_id).await?;
    let mut q =
        webhook_delivery::Entity::find().filter(webhook_delivery::Column::WebhookId.eq(webhook_id));
    if let Some(s) = status {
        q = q.filter(webhook_delivery::Column::Status.eq(s.as_str()));
    }
    let total = q.clone().count(db).await?;
    if let Some(c) = page.cursor {
        q = q.filter(crate::pagination::older_than(
            webhook_delivery::Column::CreatedAt,
            webhook_delivery::Column::Id,
            c,
        ));
    }
    let rows = q
        .order_by_desc(webhook_delivery::Column::CreatedAt)
        .order_by_desc(webhook_delivery::Column::Id)
        .limit(page.fetch())
        .all(db)
        .await?;
    let page = Page::from_rows(rows, &page, total);
    let mut attempts = attempts_of(db, page.items.iter().map(|d| d.id).collect()).await?;
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(|d| DeliveryWithAttempts {
                attempts: attempts.remove(&d.id).unwrap_or_default(),
                delivery: d,
            })
            .collect(),
        has_next: page.has_next,
        has_previous: page.has_previous,
        total: page.total,
    })
}

/// Queues a delivery again now (a FAILED one, or a DELIVERED one the receiver lost). A
/// PENDING one is sent now instead of at its next scheduled attempt.
#[tracing::instrument(skip_all, fields(delivery_id = %id))]
pub async fn redeliver(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> Result<DeliveryWithAttempts, ServiceError> {
    admin(viewer)?;
    let t = Target::many(vec![id]);
    let d = audit::write(db, viewer, "redeliverWebhook", t.clone(), async |txn| {
        let d = webhook_delivery::Entity::find_by_id(id)
            .filter(webhook_delivery::Column::PracticeId.eq(viewer.practice_id))
            .one(txn)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let mut active: webhook_delivery::ActiveModel = d.into();
        active.status = Set(DeliveryStatus::Pending.as_str().to_owned());
        active.next_attempt_at = Set(Utc::now());
        active.delivered_at = Set(None);
        let row = sea_orm::ActiveModelTrait::update(active, txn).await?;
        Ok((row, t))
    })
    .await?;
    super::worker::wake();
    let mut attempts = attempts_of(db, vec![d.id]).await?;
    Ok(DeliveryWithAttempts {
        attempts: attempts.remove(&d.id).unwrap_or_default(),
        delivery: d,
    })
}
