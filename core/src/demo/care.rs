//! Demo sessions, homework in every state, shared resources (a crisis line among them),
//! check-ins and a support contact, written through the services.

use chrono::{Duration, Utc};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::{SeededPractice, goals::viewer};
use crate::{
    auth::ViewerKind,
    checkins::service as checkins,
    error::ServiceError,
    homework::{
        domain::Outcome,
        service::{self as homework, NewAssignment, Review, Submission},
    },
    plans::domain::ObstacleKind,
    recurrence::{Recurrence, Repeat},
    resources::{
        domain::ResourceKind,
        service::{self as resources, ContactFields, NewResource},
    },
    sessions::{
        domain::{NewSession, SessionStatus},
        service as sessions,
    },
    values::local_today,
};

fn resource(
    title: &str,
    kind: ResourceKind,
    url: Option<&str>,
    description: &str,
    tags: &[&str],
) -> NewResource {
    NewResource {
        title: title.to_owned(),
        kind,
        url: url.map(str::to_owned),
        description: description.to_owned(),
        tags: tags.iter().map(|t| (*t).to_owned()).collect(),
    }
}

fn submission(homework_id: Uuid, outcome: Outcome, reflection: &str) -> Submission {
    Submission {
        homework_id,
        occurrence_id: None,
        outcome,
        reflection: Some(reflection.to_owned()),
        difficulty: Some(5),
        helpfulness: Some(7),
        obstacles_met: if outcome == Outcome::Completed {
            Vec::new()
        } else {
            vec![ObstacleKind::LackOfTime]
        },
    }
}

/// Seeds the demo's care between sessions.
pub async fn seed(db: &DatabaseConnection, p: &SeededPractice) -> Result<(), ServiceError> {
    let admin = viewer(p, p.admin_id, ViewerKind::PracticeAdmin);
    let therapists = [
        viewer(p, p.therapist_ids[0], ViewerKind::Therapist),
        viewer(p, p.therapist_ids[1], ViewerKind::Therapist),
    ];
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
    let now = Utc::now();

    // The practice's resources; the crisis line goes to every client with a login.
    let crisis = resources::create_resource(
        db,
        &admin,
        resource(
            "988 Suicide & Crisis Lifeline",
            ResourceKind::CrisisLine,
            Some("https://988lifeline.org/"),
            "Call or text 988, any time, for free and confidential support in a crisis.",
            &["crisis", "24/7"],
        ),
    )
    .await?;
    let book = resources::create_resource(
        db,
        &admin,
        resource(
            "Feeling Good",
            ResourceKind::Book,
            None,
            "David Burns' classic self-help book on cognitive behavioural therapy for low mood.",
            &["cbt", "mood"],
        ),
    )
    .await?;
    let sleep = resources::create_resource(
        db,
        &admin,
        resource(
            "Sleep diary worksheet",
            ResourceKind::Worksheet,
            Some("https://example.org/sleep-diary.pdf"),
            "A one-week diary of bedtimes, wake times and how rested you feel.",
            &["sleep"],
        ),
    )
    .await?;
    resources::share(
        db,
        &therapists[0],
        p.client_ids[0],
        crisis.id,
        Some("Keep this number in your phone".into()),
    )
    .await?;
    let (book_share, _) = resources::share(
        db,
        &therapists[0],
        p.client_ids[0],
        book.id,
        Some("Chapters 1 to 3 before we meet".into()),
    )
    .await?;
    resources::mark_opened(db, &casey, book_share.id).await?;
    resources::share(db, &therapists[1], p.client_ids[2], crisis.id, None).await?;
    resources::share(
        db,
        &therapists[1],
        p.client_ids[2],
        sleep.id,
        Some("Fill it in each morning".into()),
    )
    .await?;

    // Sessions: one held last week and one booked for each client.
    let mut last_sessions = [Uuid::nil(); 4];
    for (i, client_id) in p.client_ids.iter().enumerate() {
        let t = &therapists[i / 2];
        let held = sessions::schedule(
            db,
            t,
            NewSession {
                client_id: *client_id,
                scheduled_at: now
                    - Duration::days(7)
                    - Duration::hours(i64::try_from(i).unwrap_or(0)),
                duration_minutes: 50,
                focus: Some("Review goals and plan the week".into()),
                therapist_id: None,
                external_ref: None,
            },
        )
        .await?;
        sessions::finish(db, t, held.id, SessionStatus::Completed, None).await?;
        last_sessions[i] = held.id;
        sessions::schedule(
            db,
            t,
            NewSession {
                client_id: *client_id,
                scheduled_at: now
                    + Duration::days(3)
                    + Duration::hours(i64::try_from(i).unwrap_or(0)),
                duration_minutes: 50,
                focus: Some("Homework review".into()),
                therapist_id: None,
                external_ref: None,
            },
        )
        .await?;
    }

    // Casey's homework, in every state.
    let t = &therapists[0];
    let assign = |title: &str, hours: i64| NewAssignment {
        client_id: p.client_ids[0],
        title: Some(title.to_owned()),
        instructions: Some("As we agreed in session.".to_owned()),
        due_at: Some(now + Duration::hours(hours)),
        assigned_in_session_id: Some(last_sessions[0]),
        ..NewAssignment::default()
    };
    homework::assign(db, t, assign("Thought record after a tense moment", 48)).await?;
    let tz = "America/New_York";
    let daily = homework::assign(
        db,
        t,
        NewAssignment {
            client_id: p.client_ids[0],
            title: Some("Paced breathing, 10 minutes each morning".to_owned()),
            instructions: Some(
                "Breathe in for 4 and out for 6, sitting down, before breakfast.".to_owned(),
            ),
            repeat: Some(Repeat {
                recurrence: Recurrence::Daily,
                starts_on: Some(local_today(tz, now)),
                until: local_today(tz, now) + Duration::days(13),
                time_of_day: chrono::NaiveTime::from_hms_opt(9, 0, 0),
            }),
            ..NewAssignment::default()
        },
    )
    .await?;
    homework::submit(
        db,
        &casey,
        submission(daily.id, Outcome::Completed, "Calmer on the bus"),
    )
    .await?;
    for (title, outcome) in [
        ("Ride the bus one stop", Outcome::Completed),
        ("Call Alex to plan a walk", Outcome::Partial),
        ("Read chapter 1 of Feeling Good", Outcome::NotDone),
    ] {
        let h = homework::assign(db, t, assign(title, 24)).await?;
        homework::submit(db, &casey, submission(h.id, outcome, "Here is how it went")).await?;
    }
    let reviewed = homework::assign(db, t, assign("Three-line evening journal", 12)).await?;
    homework::submit(
        db,
        &casey,
        submission(reviewed.id, Outcome::Completed, "Wrote most evenings"),
    )
    .await?;
    homework::review(
        db,
        t,
        Review {
            homework_id: reviewed.id,
            notes: Some("Great consistency; keep going".into()),
            private: false,
            session_id: Some(last_sessions[0]),
        },
    )
    .await?;

    // Check-ins and a support contact.
    let series = checkins::schedule(
        db,
        t,
        checkins::NewCheckIn {
            client_id: p.client_ids[0],
            prompt: "How did your breathing practice go today?".into(),
            due_at: None,
            repeat: Some(Repeat {
                recurrence: Recurrence::Daily,
                starts_on: None,
                until: local_today(tz, now) + Duration::days(4),
                time_of_day: chrono::NaiveTime::from_hms_opt(20, 0, 0),
            }),
        },
    )
    .await?;
    if let Some(first) = series.first() {
        checkins::respond(
            db,
            &casey,
            first.id,
            "Did it before work, felt steadier".into(),
            Some(6),
        )
        .await?;
    }
    checkins::schedule(
        db,
        &therapists[1],
        checkins::NewCheckIn {
            client_id: p.client_ids[2],
            prompt: "Were you in bed by 11 last night?".into(),
            due_at: Some(now + Duration::hours(12)),
            repeat: None,
        },
    )
    .await?;
    resources::add_contact(
        db,
        &casey,
        ContactFields {
            name: "Dana".into(),
            relationship: "sister".into(),
            how_they_help: Some("Walks with me on Sundays and picks up when I call".into()),
            phone: None,
        },
    )
    .await?;
    resources::add_contact(
        db,
        &riley,
        ContactFields {
            name: "Sam".into(),
            relationship: "flatmate".into(),
            how_they_help: Some("Keeps the evenings quiet".into()),
            phone: None,
        },
    )
    .await?;
    Ok(())
}
