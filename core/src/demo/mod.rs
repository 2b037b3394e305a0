//! The demo practice (`serve --demo`) and the seeding tests use: an admin, two therapists
//! and four clients (two each), two of whom have logins. Every password is the same.
//! The demo (not the tests' practices) also gets goals, plans and logs (`goals`), and
//! sessions, homework, resources, check-ins and support contacts (`care`), eight weeks of
//! self-monitoring and measures (`tracking`), the starter programmes with its first client
//! enrolled in one, and two practice-wide automation rules.

use chrono::Utc;
use sea_orm::{
    ColumnTrait as _, DatabaseConnection, EntityTrait as _, PaginatorTrait as _, QueryFilter as _,
    Set,
};
use uuid::Uuid;

mod care;
mod goals;
mod tracking;

use crate::{
    auth::{Role, password},
    clients::domain::ClientStatus,
    error::ServiceError,
    practices,
};

/// The demo password of every demo login.
pub const DEMO_PASSWORD: &str = "momentum-demo";
/// The demo practice's email domain.
pub const DEMO_DOMAIN: &str = "demo.test";

/// Ids of a seeded practice.
#[derive(Debug, Clone)]
pub struct SeededPractice {
    pub practice_id: Uuid,
    pub admin_id: Uuid,
    /// `therapist@…` and `therapist2@…`.
    pub therapist_ids: [Uuid; 2],
    /// Clients 0 and 1 are on therapist 0's care team; 2 and 3 on therapist 1's.
    pub client_ids: [Uuid; 4],
    /// The logins of client 0 (`client@…`) and client 2 (`client2@…`).
    pub client_user_ids: [Uuid; 2],
}

/// Seeds one practice whose logins end in `@domain`, all with `password_hash`.
pub async fn seed_practice(
    db: &DatabaseConnection,
    name: &str,
    domain: &str,
    password_hash: &str,
) -> Result<SeededPractice, ServiceError> {
    use entity::{app_user, care_team, client};
    let (practice, admin) = practices::service::create_with_hash(
        db,
        name.to_owned(),
        &format!("admin@{domain}"),
        "Avery Admin".to_owned(),
        password_hash.to_owned(),
    )
    .await?;
    let txn = crate::audit::begin_write(db).await?;
    let now = Utc::now();
    let user = |email: String, role: Role, display: &str| app_user::ActiveModel {
        id: Set(Uuid::now_v7()),
        practice_id: Set(practice.id),
        email: Set(email),
        password_hash: Set(password_hash.to_owned()),
        role: Set(role.as_str().to_owned()),
        display_name: Set(display.to_owned()),
        disabled_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let mut therapist_ids = [Uuid::nil(); 2];
    for (i, (local, display)) in [
        ("therapist", "Dr. Taylor Reed"),
        ("therapist2", "Dr. Morgan Blake"),
    ]
    .into_iter()
    .enumerate()
    {
        therapist_ids[i] =
            app_user::Entity::insert(user(format!("{local}@{domain}"), Role::Therapist, display))
                .exec_with_returning(&txn)
                .await?
                .id;
    }
    let clients = [
        ("Casey Morgan", "America/New_York", 0, Some("client")),
        ("Jordan Lee", "America/Chicago", 0, None),
        ("Riley Chen", "Europe/London", 1, Some("client2")),
        ("Sam Patel", "Asia/Kolkata", 1, None),
    ];
    let mut client_ids = [Uuid::nil(); 4];
    let mut client_user_ids = Vec::new();
    for (i, (display, tz, therapist, login)) in clients.into_iter().enumerate() {
        let user_id = match login {
            Some(local) => {
                let u = app_user::Entity::insert(user(
                    format!("{local}@{domain}"),
                    Role::Client,
                    display,
                ))
                .exec_with_returning(&txn)
                .await?;
                client_user_ids.push(u.id);
                Some(u.id)
            }
            None => None,
        };
        let c = client::Entity::insert(client::ActiveModel {
            id: Set(Uuid::now_v7()),
            practice_id: Set(practice.id),
            display_name: Set(display.to_owned()),
            timezone: Set(tz.to_owned()),
            status: Set(ClientStatus::Active.as_str().to_owned()),
            external_ref: Set(None),
            user_id: Set(user_id),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec_with_returning(&txn)
        .await?;
        care_team::Entity::insert(care_team::ActiveModel {
            client_id: Set(c.id),
            user_id: Set(therapist_ids[therapist]),
            practice_id: Set(practice.id),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec_without_returning(&txn)
        .await?;
        crate::tracking::service::add_builtins(&txn, practice.id, c.id, admin.id).await?;
        client_ids[i] = c.id;
    }
    txn.commit().await?;
    Ok(SeededPractice {
        practice_id: practice.id,
        admin_id: admin.id,
        therapist_ids,
        client_ids,
        client_user_ids: [client_user_ids[0], client_user_ids[1]],
    })
}

/// Seeds the demo practice unless it exists. Returns whether it seeded.
pub async fn seed_demo(db: &DatabaseConnection) -> Result<bool, ServiceError> {
    let exists = entity::app_user::Entity::find()
        .filter(entity::app_user::Column::Email.eq(format!("admin@{DEMO_DOMAIN}")))
        .count(db)
        .await?
        > 0;
    if exists {
        return Ok(false);
    }
    let hash = password::hash(DEMO_PASSWORD.to_owned()).await?;
    let practice = seed_practice(db, "Demo Practice", DEMO_DOMAIN, &hash).await?;
    goals::seed(db, &practice).await?;
    care::seed(db, &practice).await?;
    tracking::seed(db, &practice).await?;
    seed_programs(db, &practice).await?;
    seed_automations(db, &practice).await?;
    // The demo clients' history reaches back eight weeks: they joined the practice before
    // it, as their momentum score (which counts days since a client was added) expects.
    entity::client::Entity::update_many()
        .col_expr(
            entity::client::Column::CreatedAt,
            sea_orm::sea_query::Expr::value(chrono::Utc::now() - chrono::Duration::weeks(10)),
        )
        .filter(entity::client::Column::PracticeId.eq(practice.practice_id))
        .exec(db)
        .await?;
    Ok(true)
}

/// The starter programmes, and the first demo client enrolled in the first of them by their
/// therapist.
async fn seed_programs(db: &DatabaseConnection, p: &SeededPractice) -> Result<(), ServiceError> {
    let txn = crate::audit::begin_write(db).await?;
    crate::programs::service::add_starter_programs(&txn, p.practice_id, p.admin_id).await?;
    txn.commit().await?;
    let therapist = goals::viewer(p, p.therapist_ids[0], crate::auth::ViewerKind::Therapist);
    let first = crate::programs::service::programs(db, &therapist).await?;
    if let Some(program) = first
        .iter()
        .find(|x| x.title == crate::programs::starter::STARTER_PROGRAMS[0].title)
    {
        crate::programs::service::enroll(db, &therapist, p.client_ids[0], program.id).await?;
    }
    Ok(())
}

/// Two practice-wide automation rules, written by the admin: a PHQ-9 of 15 or more schedules
/// a check-in and tells the care team; a check-in answered after a week without tracking
/// schedules a gentle prompt to track.
async fn seed_automations(db: &DatabaseConnection, p: &SeededPractice) -> Result<(), ServiceError> {
    use crate::automations::{
        domain::{Action, Condition, RuleContent},
        service::{NewRule, create},
    };
    let admin = goals::viewer(p, p.admin_id, crate::auth::ViewerKind::PracticeAdmin);
    let rules = [
        (
            "A PHQ-9 of 15 or more: check in and tell the care team",
            crate::events::EventKind::MeasureSubmitted,
            Condition::ScoreAtLeast {
                instrument: "PHQ9".into(),
                total: 15,
            },
            vec![
                Action::ScheduleCheckIn {
                    prompt: "How have you been feeling since your last questionnaire?".into(),
                    due_in_days: 2,
                },
                Action::NotifyCareTeam,
            ],
        ),
        (
            "A week without tracking: a gentle prompt",
            crate::events::EventKind::CheckInResponded,
            Condition::NoTrackingForDays { days: 7 },
            vec![Action::ScheduleCheckIn {
                prompt: "Would noting your mood for a few days help this week?".into(),
                due_in_days: 1,
            }],
        ),
    ];
    for (name, trigger, condition, actions) in rules {
        create(
            db,
            &admin,
            NewRule {
                client_id: None,
                name: name.into(),
                content: RuleContent {
                    trigger,
                    conditions: vec![condition],
                    actions,
                },
                enabled: true,
            },
        )
        .await?;
    }
    Ok(())
}

/// The demo logins, for printing.
pub fn demo_logins() -> Vec<(String, &'static str)> {
    [
        ("admin", "practice admin"),
        ("therapist", "therapist of Casey Morgan and Jordan Lee"),
        ("therapist2", "therapist of Riley Chen and Sam Patel"),
        ("client", "client Casey Morgan"),
        ("client2", "client Riley Chen"),
    ]
    .into_iter()
    .map(|(local, what)| (format!("{local}@{DEMO_DOMAIN}"), what))
    .collect()
}
