//! Demo self-monitoring: eight weeks of mood and anxiety entries per client with a
//! visible trend (mood rising, anxiety falling, less so for some clients), a few
//! thought records, and PHQ-9 / GAD-7 histories — one showing reliable improvement, one
//! raising a SAFETY alert — all written through the services.

use chrono::{Duration, NaiveTime, Utc};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::{SeededPractice, goals::viewer};
use crate::{
    auth::{Role, Viewer, ViewerKind},
    error::ServiceError,
    measures::{
        domain::Instrument,
        service::{self as measures, NewMeasure},
    },
    recurrence::local_instant,
    tracking::{
        domain::{CognitiveDistortion, Emotion, NewEntry, NewThoughtRecord, Visibility},
        service as tracking,
    },
    values::{local_today, stored_instant},
};

/// Days of history.
const DAYS: i64 = 56;

const CONTEXTS: [&str; 6] = [
    "work",
    "home",
    "commute",
    "with friends",
    "alone",
    "after exercise",
];

/// A small deterministic wobble in -2..=2 for day `d` and slot `k`.
fn wobble(d: i64, k: i64, seed: i64) -> f64 {
    // 0..=4 over a short cycle that does not line up with weeks.
    #[allow(clippy::cast_precision_loss)]
    let w = ((d * 7 + k * 3 + seed * 5) % 5) as f64;
    w - 2.0
}

/// Logs eight weeks of mood (twice a day) and anxiety (once a day) for one client.
/// `improvement` is how far mood rises (points) over the period.
async fn entries(
    db: &DatabaseConnection,
    as_viewer: &Viewer,
    client_id: Uuid,
    timezone: &str,
    improvement: f64,
    seed: i64,
) -> Result<(), ServiceError> {
    use crate::batch::Batch as _;
    let trackers = tracking::TrackersOf::fetch(db, as_viewer, &[client_id], &false)
        .await?
        .remove(&client_id)
        .unwrap_or_default();
    let (Some(mood), Some(anxiety)) = (
        trackers.iter().find(|t| t.kind == "MOOD"),
        trackers.iter().find(|t| t.kind == "ANXIETY"),
    ) else {
        return Ok(());
    };
    let today = local_today(timezone, Utc::now());
    let times = [
        NaiveTime::from_hms_opt(8, 15, 0).unwrap_or_default(),
        NaiveTime::from_hms_opt(20, 30, 0).unwrap_or_default(),
    ];
    let mut batch = Vec::new();
    for d in 0..DAYS {
        let date = today - Duration::days(DAYS - d);
        #[allow(clippy::cast_precision_loss)]
        let progress = d as f64 / (DAYS - 1) as f64;
        for (k, time) in (0_i64..).zip(times) {
            let at = stored_instant(local_instant(timezone, date, time));
            let mood_value = (4.0 + improvement * progress + wobble(d, k, seed) * 0.5)
                .round()
                .clamp(0.0, 10.0);
            // Evenings a little better than mornings.
            let mood_value = (mood_value + if k == 1 { 1.0 } else { 0.0 }).min(10.0);
            let context = CONTEXTS[usize::try_from((d + k + seed) % 6).unwrap_or(0)];
            // The client keeps one entry a week to themselves.
            let private = as_viewer.role() == Role::Client && d % 7 == 3 && k == 1;
            batch.push(NewEntry {
                id: None,
                tracker_id: mood.id,
                recorded_at: at,
                value: mood_value,
                context: Some(context.to_owned()),
                note: private.then(|| "Rough evening; kept this one to myself.".to_owned()),
                visibility: if private {
                    Visibility::Private
                } else {
                    Visibility::Shared
                },
            });
            if k == 1 {
                let suds = (65.0 - improvement * 10.0 * progress + wobble(d, k, seed) * 5.0)
                    .clamp(0.0, 100.0);
                let suds = (suds / 5.0).round() * 5.0;
                batch.push(NewEntry {
                    id: None,
                    tracker_id: anxiety.id,
                    recorded_at: at,
                    value: suds,
                    context: Some(context.to_owned()),
                    note: None,
                    visibility: Visibility::Shared,
                });
            }
        }
    }
    let requests = batch
        .into_iter()
        .map(|e| ("input".to_owned(), Ok(e)))
        .collect();
    tracking::log_batch(db, as_viewer, requests).await?;
    Ok(())
}

/// PHQ-9 answers with `total` spread over items 1-8 (item 9 stays 0 unless `item9`).
fn phq9(total: i32, item9: i32) -> Vec<i32> {
    spread(9, total - item9, item9)
}

fn gad7(total: i32) -> Vec<i32> {
    spread(7, total, 0)
}

/// `n` answers (0-3 each) adding up to `total` over the first items; for PHQ-9 the
/// ninth item (the safety item) is set to `item9` instead.
fn spread(n: usize, total: i32, item9: i32) -> Vec<i32> {
    let fill = if n == 9 { 8 } else { n };
    let mut answers = vec![0; n];
    let mut left = total;
    for a in answers.iter_mut().take(fill) {
        *a = left.clamp(0, 3);
        left -= *a;
    }
    if n == 9 {
        answers[8] = item9;
    }
    answers
}

async fn history(
    db: &DatabaseConnection,
    as_viewer: &Viewer,
    client_id: Uuid,
    instrument: Instrument,
    totals: &[i32],
) -> Result<(), ServiceError> {
    let n = i64::try_from(totals.len()).unwrap_or(0);
    for (i, total) in (0_i64..).zip(totals) {
        let answers = match instrument {
            Instrument::Phq9 => phq9(*total, 0),
            Instrument::Gad7 => gad7(*total),
        };
        measures::submit(
            db,
            as_viewer,
            NewMeasure {
                client_id,
                instrument,
                answers,
                administered_at: stored_instant(Utc::now() - Duration::days(14 * (n - i) - 1)),
            },
        )
        .await?;
    }
    Ok(())
}

/// Seeds the demo's self-monitoring.
pub async fn seed(db: &DatabaseConnection, p: &SeededPractice) -> Result<(), ServiceError> {
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
    let [casey_id, jordan_id, riley_id, sam_id] = p.client_ids;

    entries(db, &casey, casey_id, "America/New_York", 3.0, 0).await?;
    entries(db, &therapists[0], jordan_id, "America/Chicago", 1.0, 1).await?;
    entries(db, &riley, riley_id, "Europe/London", 2.0, 2).await?;
    entries(db, &therapists[1], sam_id, "Asia/Kolkata", -1.0, 3).await?;

    // Casey: a reliable improvement on PHQ-9 (17 to 8) and on GAD-7 (14 to 9).
    history(db, &casey, casey_id, Instrument::Phq9, &[17, 15, 12, 9, 8]).await?;
    history(db, &casey, casey_id, Instrument::Gad7, &[14, 12, 10, 9]).await?;
    // Jordan: no reliable change; Riley: anxiety steady.
    history(
        db,
        &therapists[0],
        jordan_id,
        Instrument::Phq9,
        &[11, 10, 12],
    )
    .await?;
    history(db, &riley, riley_id, Instrument::Gad7, &[12, 11, 13]).await?;
    // Sam, today, with therapist: item 9 answered "several days" raises a SAFETY alert.
    history(db, &therapists[1], sam_id, Instrument::Phq9, &[13]).await?;
    measures::submit(
        db,
        &therapists[1],
        NewMeasure {
            client_id: sam_id,
            instrument: Instrument::Phq9,
            answers: phq9(15, 1),
            administered_at: stored_instant(Utc::now() - Duration::hours(2)),
        },
    )
    .await?;
    measures::assign(db, &therapists[0], casey_id, Instrument::Phq9, 14).await?;
    measures::assign(db, &therapists[1], riley_id, Instrument::Gad7, 14).await?;

    for (days_ago, situation, thought, before, after, emotions, distortions, visibility) in [
        (
            20,
            "My manager asked to see me at the end of the day.",
            "I'm going to be fired.",
            85,
            35,
            vec![("anxious", 80, 40), ("ashamed", 50, 20)],
            vec![
                CognitiveDistortion::FortuneTelling,
                CognitiveDistortion::Catastrophizing,
            ],
            Visibility::Shared,
        ),
        (
            9,
            "A friend didn't answer my message all day.",
            "She doesn't want to be friends any more.",
            70,
            30,
            vec![("sad", 70, 35)],
            vec![CognitiveDistortion::MindReading],
            Visibility::Shared,
        ),
        (
            3,
            "Skipped the gym again.",
            "I never stick to anything.",
            60,
            40,
            vec![("disappointed", 60, 45)],
            vec![
                CognitiveDistortion::Overgeneralization,
                CognitiveDistortion::Labeling,
            ],
            Visibility::Private,
        ),
    ] {
        crate::tracking::thoughts::record_thought(
            db,
            &casey,
            NewThoughtRecord {
                id: None,
                client_id: casey_id,
                recorded_at: Some(stored_instant(Utc::now() - Duration::days(days_ago))),
                situation: situation.to_owned(),
                automatic_thought: thought.to_owned(),
                belief_before: before,
                emotions: emotions
                    .into_iter()
                    .map(|(name, b, a)| Emotion {
                        name: name.to_owned(),
                        before: b,
                        after: a,
                    })
                    .collect(),
                evidence_for: Some("It has happened to others.".to_owned()),
                evidence_against: Some("Nothing so far points that way.".to_owned()),
                distortions,
                balanced_thought: Some(
                    "I don't know yet; I can find out before assuming the worst.".to_owned(),
                ),
                belief_after: Some(after),
                visibility,
            },
        )
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_answers_add_up_and_stay_in_range() {
        for total in 0..=24 {
            let a = phq9(total, 0);
            assert_eq!(a.iter().sum::<i32>(), total);
            assert_eq!(a[8], 0);
            assert!(a.iter().all(|v| (0..=3).contains(v)));
        }
        let a = phq9(15, 1);
        assert_eq!((a.iter().sum::<i32>(), a[8]), (15, 1));
        for total in 0..=21 {
            assert_eq!(gad7(total).iter().sum::<i32>(), total);
        }
    }
}
