//! Demo goals, steps, progress, action plans and obstacle logs, written through the
//! services (so events and audit rows are real) as the demo therapists and clients.

use chrono::{Duration, NaiveDate, Utc};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::SeededPractice;
use crate::{
    auth::{Viewer, ViewerKind},
    error::ServiceError,
    goals::{
        domain::{GoalPriority, Measure, NewGoal, StepStatus},
        service as goals, steps,
    },
    plans::{
        domain::{Action, Obstacle, ObstacleKind, PlanContent, Recurrence, Weekday},
        service as plans,
    },
    values::local_today,
};

pub(super) fn viewer(p: &SeededPractice, id: Uuid, kind: ViewerKind) -> Viewer {
    Viewer::acting(id, p.practice_id, kind, "demo-seed")
}

/// A goal as the demo writes it.
struct DemoGoal {
    title: &'static str,
    description: &'static str,
    measure: Option<(&'static str, f64, f64, &'static str)>,
    weeks: i64,
    confidence: i32,
    why: &'static str,
    priority: GoalPriority,
    /// Steps, and whether each is done.
    steps: &'static [(&'static str, bool)],
    /// Recorded values, oldest first, one a week ending this week.
    progress: &'static [f64],
}

async fn goal(
    db: &DatabaseConnection,
    by: &Viewer,
    client_id: Uuid,
    tz: &str,
    g: DemoGoal,
) -> Result<Uuid, ServiceError> {
    let today = local_today(tz, Utc::now());
    let measure = g
        .measure
        .map_or_else(Measure::default, |(m, b, t, u)| Measure {
            measure: Some(m.to_owned()),
            baseline: Some(b),
            target: Some(t),
            unit: Some(u.to_owned()),
        });
    let created = goals::create(
        db,
        by,
        NewGoal {
            id: None,
            client_id,
            title: g.title.to_owned(),
            description: Some(g.description.to_owned()),
            measure,
            target_date: Some(today + Duration::weeks(g.weeks)),
            confidence: Some(g.confidence),
            why_it_matters: Some(g.why.to_owned()),
            priority: g.priority,
        },
    )
    .await?;
    for (i, (title, done)) in g.steps.iter().enumerate() {
        let due = today + Duration::weeks(i64::try_from(i).unwrap_or(0) + 1);
        let step = steps::add_step(db, by, created.id, (*title).to_owned(), Some(due)).await?;
        if *done {
            steps::set_step_status(db, by, step.id, StepStatus::Done).await?;
        }
    }
    let n = i64::try_from(g.progress.len()).unwrap_or(0);
    for (i, value) in g.progress.iter().enumerate() {
        let weeks_ago = n - 1 - i64::try_from(i).unwrap_or(0);
        goals::record_progress(
            db,
            by,
            goals::NewProgress {
                goal_id: created.id,
                value: *value,
                note: None,
                recorded_at: Utc::now() - Duration::weeks(weeks_ago) - Duration::hours(2),
            },
        )
        .await?;
    }
    Ok(created.id)
}

fn action(
    what: &str,
    recurrence: Recurrence,
    time: Option<&str>,
    cue: &str,
    minutes: i32,
) -> Action {
    Action {
        id: Uuid::now_v7(),
        what: what.to_owned(),
        recurrence,
        time_of_day: time.map(str::to_owned),
        where_or_cue: Some(cue.to_owned()),
        duration_minutes: Some(minutes),
    }
}

fn obstacle(kind: ObstacleKind, description: &str, coping: &str) -> Obstacle {
    Obstacle {
        id: Uuid::now_v7(),
        kind,
        description: description.to_owned(),
        coping_plan: coping.to_owned(),
    }
}

async fn plan(
    db: &DatabaseConnection,
    by: &Viewer,
    goal_id: Uuid,
    title: &str,
    actions: Vec<Action>,
    obstacles: Vec<Obstacle>,
    review_on: NaiveDate,
) -> Result<entity::action_plan::Model, ServiceError> {
    plans::create(
        db,
        by,
        goal_id,
        PlanContent {
            title: title.to_owned(),
            actions,
            obstacles,
            review_on: Some(review_on),
        },
    )
    .await
}

/// Logs obstacles met: (days ago, index of the plan's obstacle, coping used, helped).
async fn met(
    db: &DatabaseConnection,
    by: &Viewer,
    plan: &entity::action_plan::Model,
    entries: &[(i64, usize, bool, Option<i32>)],
) -> Result<(), ServiceError> {
    let content = plans::content(plan)?;
    for (days_ago, index, coping_used, helped) in entries {
        let o = &content.obstacles[*index];
        plans::log_obstacle(
            db,
            by,
            plans::NewObstacleLog {
                plan_id: plan.id,
                obstacle_id: Some(o.id),
                kind: Some(o.kind),
                occurred_at: Utc::now() - Duration::days(*days_ago),
                coping_used: *coping_used,
                helped: *helped,
                note: None,
            },
        )
        .await?;
    }
    Ok(())
}

/// Seeds goals, plans and logs for the four demo clients.
pub async fn seed(db: &DatabaseConnection, p: &SeededPractice) -> Result<(), ServiceError> {
    let t1 = viewer(p, p.therapist_ids[0], ViewerKind::Therapist);
    let t2 = viewer(p, p.therapist_ids[1], ViewerKind::Therapist);
    let casey = viewer(
        p,
        p.client_user_ids[0],
        ViewerKind::Client {
            client_id: p.client_ids[0],
        },
    );
    let riley = viewer(
        p,
        p.client_user_ids[1],
        ViewerKind::Client {
            client_id: p.client_ids[2],
        },
    );
    let [casey_id, jordan_id, riley_id, sam_id] = p.client_ids;

    // Casey Morgan: panic attacks (measured, counting down), and a proposal of her own.
    let tz = "America/New_York";
    let panic = goal(
        db,
        &t1,
        casey_id,
        tz,
        DemoGoal {
            title: "Fewer panic attacks",
            description: "Use paced breathing when panic starts, at home and on the bus to work",
            measure: Some(("panic attacks", 5.0, 1.0, "per week")),
            weeks: 10,
            confidence: 7,
            why: "To take the bus to work again without dreading it",
            priority: GoalPriority::High,
            steps: &[
                ("Learn 4-6 paced breathing in session", true),
                ("Practise breathing twice a day at home", true),
                ("Ride the bus one stop with the breathing plan", false),
                ("Ride the bus all the way to work", false),
            ],
            progress: &[5.0, 4.0, 4.0, 3.0],
        },
    )
    .await?;
    let breathing = plan(
        db,
        &casey,
        panic,
        "Daily breathing practice",
        vec![
            action(
                "Paced breathing, 4 in and 6 out",
                Recurrence::Daily,
                Some("07:30"),
                "after breakfast, at the kitchen table",
                5,
            ),
            action(
                "Ride the bus one stop",
                Recurrence::Weekly {
                    days: vec![Weekday::Tue, Weekday::Thu],
                },
                Some("08:15"),
                "on the way to work",
                10,
            ),
        ],
        vec![
            obstacle(
                ObstacleKind::LackOfTime,
                "Mornings are rushed",
                "If I feel I have no time, then I do the 2-minute version",
            ),
            obstacle(
                ObstacleKind::FearOfFailure,
                "Worry that I will panic on the bus",
                "If I fear a panic attack, then I remind myself it peaks and passes, and breathe",
            ),
        ],
        local_today(tz, Utc::now()) + Duration::days(7),
    )
    .await?;
    met(
        db,
        &casey,
        &breathing,
        &[
            (9, 0, true, Some(7)),
            (6, 1, true, Some(6)),
            (4, 0, false, None),
            (2, 1, true, Some(8)),
        ],
    )
    .await?;
    goal(
        db,
        &casey,
        casey_id,
        tz,
        DemoGoal {
            title: "Walk after lunch",
            description: "Walk around the block after lunch on workdays",
            measure: None,
            weeks: 6,
            confidence: 6,
            why: "More energy in the afternoon",
            priority: GoalPriority::Medium,
            steps: &[],
            progress: &[],
        },
    )
    .await?;

    // Jordan Lee: reconnecting with friends (step-based).
    let tz = "America/Chicago";
    let friends = goal(
        db,
        &t1,
        jordan_id,
        tz,
        DemoGoal {
            title: "Reconnect with friends",
            description: "See a friend in person at least once a week, starting with Alex",
            measure: None,
            weeks: 8,
            confidence: 8,
            why: "I feel less low after time with people",
            priority: GoalPriority::High,
            steps: &[
                ("Text Alex to say hello", true),
                ("Meet Alex for coffee", false),
                ("Go to the Thursday running club", false),
            ],
            progress: &[],
        },
    )
    .await?;
    plan(
        db,
        &t1,
        friends,
        "Small social steps",
        vec![action("Send one message to a friend", Recurrence::Weekdays, Some("18:00"), "on the train home", 5)],
        vec![obstacle(ObstacleKind::NegativeSelfTalk, "\"They won't want to hear from me\"", "If I think nobody wants to hear from me, then I send the message anyway and notice what happens")],
        local_today(tz, Utc::now()) + Duration::days(14),
    )
    .await?;

    // Riley Chen: sleep (measured, counting up).
    let tz = "Europe/London";
    let sleep = goal(
        db,
        &t2,
        riley_id,
        tz,
        DemoGoal {
            title: "In bed by 11pm",
            description: "Lights out by 11pm on weeknights, phone charging in the hallway",
            measure: Some(("nights in bed by 11pm", 1.0, 5.0, "nights per week")),
            weeks: 6,
            confidence: 7,
            why: "To concentrate at work and stop feeling foggy",
            priority: GoalPriority::Medium,
            steps: &[
                ("Move the phone charger to the hallway", true),
                ("Wind-down routine at 10:30pm", false),
            ],
            progress: &[1.0, 2.0, 3.0],
        },
    )
    .await?;
    let wind_down = plan(
        db,
        &riley,
        sleep,
        "Wind-down routine",
        vec![
            action(
                "Put the phone on the hallway charger",
                Recurrence::Weekdays,
                Some("22:30"),
                "after brushing teeth",
                1,
            ),
            action(
                "Read a paper book",
                Recurrence::Weekdays,
                Some("22:35"),
                "in bed, lamp on",
                20,
            ),
        ],
        vec![
            obstacle(
                ObstacleKind::Overwhelm,
                "Work messages late in the evening",
                "If work messages pile up, then I write tomorrow's first task on paper and stop",
            ),
            obstacle(
                ObstacleKind::Other,
                "Flatmate is loud",
                "If it is noisy, then I use earplugs and the white-noise app",
            ),
        ],
        local_today(tz, Utc::now()) + Duration::days(3),
    )
    .await?;
    met(
        db,
        &riley,
        &wind_down,
        &[
            (5, 0, true, Some(5)),
            (3, 1, true, Some(9)),
            (1, 0, true, Some(7)),
        ],
    )
    .await?;

    // Sam Patel: a thesis chapter (step-based).
    let tz = "Asia/Kolkata";
    let thesis = goal(
        db,
        &t2,
        sam_id,
        tz,
        DemoGoal {
            title: "Finish the methods chapter",
            description: "Write the methods chapter in 25-minute blocks at the library",
            measure: None,
            weeks: 5,
            confidence: 6,
            why: "Submitting on time means I can start the job in September",
            priority: GoalPriority::High,
            steps: &[
                ("Outline the sections", true),
                ("Draft participants and procedure", true),
                ("Draft the analysis section", false),
                ("Send the draft to my supervisor", false),
            ],
            progress: &[],
        },
    )
    .await?;
    plan(
        db,
        &t2,
        thesis,
        "Writing blocks",
        vec![action("Write for one 25-minute block", Recurrence::EveryNDays { every_n_days: 2 }, Some("10:00"), "at the library, phone in the locker", 25)],
        vec![obstacle(ObstacleKind::FearOfFailure, "Worry the writing is not good enough", "If I think it is not good enough, then I remind myself a first draft is meant to be rough")],
        local_today(tz, Utc::now()) + Duration::days(10),
    )
    .await?;
    Ok(())
}
