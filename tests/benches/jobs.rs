//! The reminder job, the programme job and the automation job on a practice of 5,000 clients: time per pass and
//! SQL statements per pass, at two sizes in one run (a tenth of the clients, then all), so
//! that a statement count growing with the clients shows at once.
//!
//! **Seeded**, straight to the database (a fresh one, as in the integration suite), in practice
//! A for each client: an ACTIVE record in one of four time zones (New York, London, Berlin,
//! Sydney); reminder preferences for every third (quiet 22:00 to 07:00, 08:30 and 19:00); a
//! daily homework due at 20:00 local for the next 14 days (14 occurrences); two check-ins
//! (tomorrow and the day after, 18:00 local); a PHQ-9 every 14 days; for every other client a
//! tracker prompting at 20:00 local; and an enrolment in a three-module programme whose first
//! module is open, its homework completed for every other client (so the programme job opens
//! the second module for half of them on its first pass).
//!
//! **Measured**, with the jobs' clocks set: the reminder job's passes every 15 minutes over
//! the next 24 hours (96 passes, each deciding what fell due since the one before), and two
//! programme passes (the first opens half the second modules, the second finds nothing). For
//! each: the median and slowest pass, the statements per pass (counted by sea-orm's
//! per-statement callback on the job's connection), and what the passes decided. Reading costs
//! the same statements at both sizes; writing costs one insert per 500 reminders decided, and
//! a few statements per module opened (its homework, occurrences, opening row and events).
//!
//! **Rule evaluation**: the automation job on one `MEASURE_SUBMITTED` event per client (read
//! 500 a pass), first with two rules whose conditions hold of nobody (a pass only reads), then
//! with a third that fires on every event (each firing writes its row, savepoint, event and
//! outcome).
//!
//! Run it: `cargo bench -p momentum-tests --bench jobs` (SQLite), or with
//! `MOMENTUM_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres` for PostgreSQL.
//! `BENCH_CLIENTS` changes the 5,000. It prints a markdown table.

#[allow(dead_code, clippy::unwrap_used, clippy::expect_used)]
#[path = "../graphql/helpers.rs"]
mod helpers;

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration as StdDuration, Instant},
};

use anyhow::{Context as _, Result};
use chrono::{DateTime, Duration, NaiveTime, Utc};
use momentum_api::{
    programs::{
        domain::{HomeworkSpec, Unlock},
        service::{NewModule, NewProgram, insert_program},
    },
    recurrence::local_instant,
    values::local_today,
};
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait as _};
use uuid::Uuid;

use helpers::{TestApp, spawn_app};

/// Clients seeded when `BENCH_CLIENTS` does not say otherwise.
const CLIENTS: usize = 5_000;
const ZONES: [&str; 4] = [
    "America/New_York",
    "Europe/London",
    "Europe/Berlin",
    "Australia/Sydney",
];
/// Rows per insert statement.
const CHUNK: usize = 400;

#[tokio::main]
async fn main() -> Result<()> {
    // `cargo bench` passes `--bench`; anything else (e.g. `cargo test --all-targets`) skips.
    if !std::env::args().any(|a| a == "--bench") {
        println!("jobs benchmark: skipped (run it with `cargo bench --bench jobs`)");
        return Ok(());
    }
    let total = std::env::var("BENCH_CLIENTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(CLIENTS);
    let database = match std::env::var("MOMENTUM_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => "PostgreSQL",
        _ => "SQLite",
    };
    println!("jobs benchmark on {database}\n");
    println!(
        "| clients | job | passes | median pass | slowest pass | statements per pass | decided |"
    );
    println!("|---|---|---|---|---|---|---|");
    for clients in [total / 10, total] {
        let app = spawn_app().await;
        let started = Instant::now();
        let now = Utc::now();
        seed(&app, clients, now).await?;
        eprintln!(
            "seeded {clients} clients in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        if database == "PostgreSQL" {
            use sea_orm::ConnectionTrait as _;
            app.db.execute_unprepared("ANALYZE").await?;
        }
        let (db, statements) = counted(&app).await?;

        // The reminder job, every 15 minutes over the next day.
        let mut runs = Vec::new();
        let (mut sent, mut held) = (0, 0);
        for i in 0..=96 {
            let at = now + Duration::minutes(15 * i);
            statements.store(0, Ordering::SeqCst);
            let started = Instant::now();
            let f = momentum_api::reminders::job::pass(&db, at)
                .await?
                .context("the reminder job's lock was taken")?;
            // The first pass only places the job's cursor.
            if i > 0 {
                runs.push((started.elapsed(), statements.load(Ordering::SeqCst)));
                sent += f.sent;
                held += f.held_back;
            }
        }
        row(
            clients,
            "reminders",
            &runs,
            &format!("{sent} sent, {held} held back"),
        );

        // The programme job: one pass that opens, one that finds nothing.
        for job in ["programmes (opening)", "programmes (nothing due)"] {
            statements.store(0, Ordering::SeqCst);
            let started = Instant::now();
            let a = momentum_api::programs::job::pass(&db, now + Duration::hours(1))
                .await?
                .context("the programme job's lock was taken")?;
            let run = (started.elapsed(), statements.load(Ordering::SeqCst));
            row(
                clients,
                job,
                &[run],
                &format!("{} modules opened", a.opened),
            );
        }

        // Rule evaluation: a MEASURE_SUBMITTED event for every client, read 500 a pass.
        automations(&app, &db, &statements, clients, now).await?;
    }
    Ok(())
}

/// The automation job on one MEASURE_SUBMITTED event per client: first with two rules whose
/// conditions hold of nobody (every pass only reads: the events, the rules, the clients and
/// their figures), then with a third rule without conditions (every event fires it: each
/// firing writes its row, its savepoint, its event and its outcome).
async fn automations(
    app: &TestApp,
    db: &DatabaseConnection,
    statements: &Arc<AtomicUsize>,
    clients: usize,
    now: DateTime<Utc>,
) -> Result<()> {
    use momentum_api::{
        auth::{Viewer, ViewerKind},
        automations::{
            domain::{Action, Condition, RuleContent},
            job,
            service::{self, NewRule},
        },
        events::{EventKind, NewEvent},
    };
    use sea_orm::{ColumnTrait as _, QueryFilter as _};
    let admin = Viewer::acting(
        app.a.admin_id,
        app.a.practice_id,
        ViewerKind::PracticeAdmin,
        "bench",
    );
    // The first pass places the job at the end of the feed.
    job::pass(db, now)
        .await?
        .context("the automation job's lock")?;
    let rule = |name: &str, conditions: Vec<Condition>, actions: Vec<Action>| NewRule {
        client_id: None,
        name: name.into(),
        content: RuleContent {
            trigger: EventKind::MeasureSubmitted,
            conditions,
            actions,
        },
        enabled: true,
    };
    service::create(
        &app.db,
        &admin,
        rule(
            "PHQ-9 at its maximum",
            vec![Condition::ScoreAtLeast {
                instrument: "PHQ9".into(),
                total: 27,
            }],
            vec![Action::NotifyCareTeam],
        ),
    )
    .await?;
    service::create(
        &app.db,
        &admin,
        rule(
            "Ten homework missed and a week without tracking",
            vec![
                Condition::MissedHomework { count: 10 },
                Condition::NoTrackingForDays { days: 7 },
            ],
            vec![Action::RaiseAlert {
                alert_kind: "DISENGAGEMENT".into(),
            }],
        ),
    )
    .await?;
    let ids: Vec<Uuid> = entity::client::Entity::find()
        .filter(entity::client::Column::PracticeId.eq(app.a.practice_id))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    let submitted = |ids: &[Uuid]| {
        ids.iter()
            .map(|id| NewEvent {
                practice_id: app.a.practice_id,
                client_id: Some(*id),
                kind: EventKind::MeasureSubmitted,
                entity_id: Uuid::now_v7(),
                payload: serde_json::json!({}),
            })
            .collect::<Vec<_>>()
    };
    for (label, with_rule) in [
        ("automations (no rule fires)", false),
        ("automations (every event fires)", true),
    ] {
        if with_rule {
            service::create(
                &app.db,
                &admin,
                rule("Every score", Vec::new(), vec![Action::NotifyCareTeam]),
            )
            .await?;
        }
        momentum_api::events::append_many(&app.db, None, submitted(&ids)).await?;
        let (mut runs, mut events, mut applied) = (Vec::new(), 0, 0);
        loop {
            statements.store(0, Ordering::SeqCst);
            let started = Instant::now();
            let r = job::pass(db, Utc::now())
                .await?
                .context("the automation job's lock")?;
            if r.events == 0 {
                break;
            }
            runs.push((started.elapsed(), statements.load(Ordering::SeqCst)));
            events += r.events;
            applied += r.applied;
        }
        row(
            clients,
            label,
            &runs,
            &format!("{events} events read, {applied} firings applied"),
        );
    }
    Ok(())
}

/// A connection to the app's database that counts its statements.
async fn counted(app: &TestApp) -> Result<(DatabaseConnection, Arc<AtomicUsize>)> {
    let statements = Arc::new(AtomicUsize::new(0));
    let sink = statements.clone();
    let mut db = momentum_api::db::connect(&app.config).await?;
    db.set_metric_callback(move |_| {
        sink.fetch_add(1, Ordering::SeqCst);
    });
    Ok((db, statements))
}

/// Prints one line of the table: passes, median and slowest, statements (min to max).
fn row(clients: usize, job: &str, runs: &[(StdDuration, usize)], decided: &str) {
    let mut times: Vec<StdDuration> = runs.iter().map(|r| r.0).collect();
    times.sort();
    let ms = |d: StdDuration| format!("{:.1} ms", d.as_secs_f64() * 1_000.0);
    let counts = runs.iter().map(|r| r.1);
    let (lo, hi) = (counts.clone().min().unwrap_or(0), counts.max().unwrap_or(0));
    println!(
        "| {clients} | {job} | {} | {} | {} | {lo} to {hi} | {decided} |",
        runs.len(),
        times.get(times.len() / 2).map_or("-".into(), |d| ms(*d)),
        times.last().map_or("-".into(), |d| ms(*d)),
    );
}

async fn insert_chunks<A>(db: &DatabaseConnection, rows: Vec<A>) -> Result<()>
where
    A: sea_orm::ActiveModelTrait + Send + Clone,
{
    for chunk in rows.chunks(CHUNK) {
        <A::Entity as sea_orm::EntityTrait>::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN)
}

/// Seeds `n` clients in practice A as the module comment says.
async fn seed(app: &TestApp, n: usize, now: DateTime<Utc>) -> Result<()> {
    let practice = app.a.practice_id;
    let by = app.a.therapist_ids[0];
    let db = &app.db;
    let txn = momentum_api::audit::begin_write(db).await?;
    let program = insert_program(
        &txn,
        practice,
        Some(by),
        &NewProgram {
            title: "Bench course".into(),
            description: String::new(),
            modules: (1..=3)
                .map(|i| NewModule {
                    title: format!("Module {i}"),
                    summary: String::new(),
                    unlock: Unlock::PreviousDone,
                    homework: vec![HomeworkSpec {
                        title: format!("Step {i}"),
                        kind: "BEHAVIORAL_ACTIVATION".into(),
                        instructions: "Do one small thing".into(),
                        purpose: None,
                        estimated_minutes: Some(10),
                        due_in_days: 3,
                    }],
                    check_ins: Vec::new(),
                    resource_ids: Vec::new(),
                    measure: None,
                })
                .collect(),
        },
    )
    .await?;
    txn.commit().await?;
    use sea_orm::{ColumnTrait as _, QueryFilter as _};
    let first_module = entity::program_module::Entity::find()
        .filter(entity::program_module::Column::ProgramId.eq(program.id))
        .filter(entity::program_module::Column::Position.eq(1))
        .one(db)
        .await?
        .context("module 1")?;

    let (mut clients, mut prefs, mut homework, mut occurrences, mut check_ins) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut trackers, mut measures, mut enrollments, mut unlocks) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in 0..n {
        let id = Uuid::now_v7();
        let tz = ZONES[i % ZONES.len()];
        let today = local_today(tz, now);
        clients.push(entity::client::ActiveModel {
            id: Set(id),
            practice_id: Set(practice),
            display_name: Set(format!("Bench client {i:05}")),
            timezone: Set(tz.to_owned()),
            status: Set("ACTIVE".to_owned()),
            external_ref: Set(None),
            user_id: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        });
        if i % 3 == 0 {
            prefs.push(entity::reminder_preference::ActiveModel {
                client_id: Set(id),
                practice_id: Set(practice),
                quiet_start: Set(Some("22:00".into())),
                quiet_end: Set(Some("07:00".into())),
                preferred_times: Set(serde_json::json!(["08:30", "19:00"])),
                kinds: Set(serde_json::json!([
                    "HOMEWORK_DUE",
                    "CHECK_IN_DUE",
                    "ACTION_TIME",
                    "MEASURE_DUE",
                    "TRACKING_NUDGE"
                ])),
                paused_until: Set(None),
                care_team_may_edit: Set(false),
                updated_by: Set(by),
                updated_at: Set(now),
            });
        }
        // A daily homework for 14 days, and the programme's first module's homework.
        for (title, dues) in [
            (
                "Daily walk",
                (1..=14)
                    .map(|d| local_instant(tz, today + Duration::days(d), hm(20, 0)))
                    .collect::<Vec<_>>(),
            ),
            (
                "Step 1",
                vec![local_instant(tz, today + Duration::days(3), hm(23, 59))],
            ),
        ] {
            let hw = Uuid::now_v7();
            let done = title == "Step 1" && i % 2 == 0;
            homework.push(entity::homework::ActiveModel {
                id: Set(hw),
                practice_id: Set(practice),
                client_id: Set(id),
                template_id: Set(None),
                kind: Set("BEHAVIORAL_ACTIVATION".into()),
                title: Set(title.into()),
                instructions: Set("Once a day".into()),
                purpose: Set(None),
                goal_id: Set(None),
                action_id: Set(None),
                due_at: Set(*dues.last().unwrap_or(&now)),
                recurrence: Set(None),
                status: Set(if done { "COMPLETED" } else { "ASSIGNED" }.into()),
                assigned_by: Set(by),
                assigned_in_session_id: Set(None),
                started_at: Set(None),
                submitted_at: Set(done.then_some(now)),
                review_notes: Set(None),
                review_notes_private: Set(false),
                reviewed_at: Set(None),
                reviewed_by: Set(None),
                reviewed_in_session_id: Set(None),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            });
            for due in dues {
                occurrences.push(entity::homework_occurrence::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    practice_id: Set(practice),
                    client_id: Set(id),
                    homework_id: Set(hw),
                    due_at: Set(due),
                    outcome: Set(done.then(|| "COMPLETED".to_owned())),
                    reflection: Set(None),
                    difficulty: Set(None),
                    helpfulness: Set(None),
                    obstacles_met: Set(serde_json::json!([])),
                    submitted_at: Set(done.then_some(now)),
                    reported_by: Set(None),
                    reported_by_role: Set(None),
                    created_at: Set(now),
                    updated_at: Set(now),
                });
            }
            if title == "Step 1" {
                let enrollment = Uuid::now_v7();
                enrollments.push(entity::program_enrollment::ActiveModel {
                    id: Set(enrollment),
                    practice_id: Set(practice),
                    client_id: Set(id),
                    program_id: Set(program.id),
                    status: Set("ACTIVE".into()),
                    enrolled_by: Set(by),
                    enrolled_at: Set(now - Duration::days(1)),
                    paused_at: Set(None),
                    ended_at: Set(None),
                    version: Set(1),
                    updated_at: Set(now),
                });
                unlocks.push(entity::program_unlock::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    enrollment_id: Set(enrollment),
                    module_id: Set(first_module.id),
                    practice_id: Set(practice),
                    client_id: Set(id),
                    position: Set(1),
                    reason: Set("ENROLLED".into()),
                    unlocked_by: Set(Some(by)),
                    unlocked_at: Set(now - Duration::days(1)),
                    homework_ids: Set(serde_json::json!([hw])),
                    check_in_ids: Set(serde_json::json!([])),
                });
            }
        }
        let series = Uuid::now_v7();
        for d in [1, 2] {
            check_ins.push(entity::check_in::ActiveModel {
                id: Set(Uuid::now_v7()),
                practice_id: Set(practice),
                client_id: Set(id),
                series_id: Set(series),
                prompt: Set("How did today go?".into()),
                due_at: Set(local_instant(tz, today + Duration::days(d), hm(18, 0))),
                response_text: Set(None),
                mood: Set(None),
                responded_at: Set(None),
                created_by: Set(by),
                created_at: Set(now),
                updated_at: Set(now),
            });
        }
        measures.push(entity::measure_assignment::ActiveModel {
            id: Set(Uuid::now_v7()),
            practice_id: Set(practice),
            client_id: Set(id),
            instrument: Set("PHQ9".into()),
            every_days: Set(14),
            created_by: Set(by),
            // Due in about half a day: the day's passes remind of it.
            created_at: Set(now + Duration::hours(12)),
            updated_at: Set(now),
        });
        if i % 2 == 1 {
            trackers.push(entity::tracker::ActiveModel {
                id: Set(Uuid::now_v7()),
                practice_id: Set(practice),
                client_id: Set(id),
                kind: Set("CUSTOM".into()),
                builtin: Set(None),
                name: Set("Glasses of water".into()),
                value_type: Set("COUNT".into()),
                min_value: Set(0.0),
                max_value: Set(20.0),
                unit: Set(None),
                goal_id: Set(None),
                prompt_times: Set(serde_json::json!(["20:00"])),
                archived_at: Set(None),
                created_by: Set(by),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            });
        }
    }
    insert_chunks(db, clients).await?;
    insert_chunks(db, prefs).await?;
    insert_chunks(db, homework).await?;
    insert_chunks(db, occurrences).await?;
    insert_chunks(db, check_ins).await?;
    insert_chunks(db, measures).await?;
    insert_chunks(db, trackers).await?;
    insert_chunks(db, enrollments).await?;
    insert_chunks(db, unlocks).await?;
    Ok(())
}
