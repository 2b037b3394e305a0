//! Practice reports: every figure of `practiceReport` against a hand-counted fixture, grouped
//! by therapist (a client on two care teams counts in both rows, once in the totals) and by
//! month, `exportReportCsv` matching the rows, who may read reports (admins, integrators with
//! REPORTS_READ), that another practice's data is never counted, bad ranges, the audit row,
//! and a constant number of SQL statements whatever the number of clients.

use chrono::{DateTime, Datelike as _, NaiveDate, Utc};
use momentum_api::auth::Scope;
use sea_orm::{
    ActiveModelTrait, ColumnTrait as _, DatabaseConnection, EntityTrait as _, QueryFilter as _,
    Set, sea_query::Expr,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

const FROM: &str = "2025-01-01T00:00:00+00:00";
const TO: &str = "2025-03-01T00:00:00+00:00";

const REPORT: &str = "query($from: DateTime!, $to: DateTime!, $g: ReportGroupBy!) {
    practiceReport(from: $from, to: $to, groupBy: $g) {
        from to groupBy rows { ...R } totals { ...R } } }
    fragment R on PracticeReportRow {
        therapist { id displayName } month total from to clients homeworkDue homeworkDone
        homeworkCompletionRate clientsWithFullWeeks clientsTrackingWeekly trackingWeeklyShare
        measuresAdministered outcomes { instrument clientsWithTwoScores reliableChangePoints
        meanChange reliableImprovementRate reliableDeteriorationRate responseRate
        remissionRate } }";

const CSV: &str = "query($from: DateTime!, $to: DateTime!, $g: ReportGroupBy!) {
    exportReportCsv(from: $from, to: $to, groupBy: $g) }";

// ---------------------------------------------------------------------------------------------
// Fixture
// ---------------------------------------------------------------------------------------------

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Noon UTC on a day of 2025 (`day(1, 10)` is 10 January), or of December 2024 (`month` 12).
fn day(month: u32, d: u32) -> DateTime<Utc> {
    let year = if month == 12 { 2024 } else { 2025 };
    NaiveDate::from_ymd_opt(year, month, d)
        .unwrap()
        .and_hms_opt(12, 0, 0)
        .unwrap()
        .and_utc()
}

struct Fixture<'a> {
    db: &'a DatabaseConnection,
    practice: Uuid,
    by: Uuid,
}

impl Fixture<'_> {
    async fn put<A: ActiveModelTrait + Send>(&self, row: A) {
        A::Entity::insert(row)
            .exec_without_returning(self.db)
            .await
            .unwrap();
    }

    async fn client(&self, name: &str, created: DateTime<Utc>) -> Uuid {
        let id = Uuid::now_v7();
        self.put(entity::client::ActiveModel {
            id: Set(id),
            practice_id: Set(self.practice),
            display_name: Set(name.to_owned()),
            timezone: Set("UTC".to_owned()),
            status: Set("ACTIVE".to_owned()),
            version: Set(1),
            created_at: Set(created),
            updated_at: Set(created),
            ..Default::default()
        })
        .await;
        id
    }

    async fn created(&self, client: Uuid, at: DateTime<Utc>) {
        entity::client::Entity::update_many()
            .col_expr(entity::client::Column::CreatedAt, Expr::value(at))
            .filter(entity::client::Column::Id.eq(client))
            .exec(self.db)
            .await
            .unwrap();
    }

    async fn care_team(&self, client: Uuid, user: Uuid) {
        self.put(entity::care_team::ActiveModel {
            client_id: Set(client),
            user_id: Set(user),
            practice_id: Set(self.practice),
            created_at: Set(Utc::now()),
            updated_at: Set(Utc::now()),
        })
        .await;
    }

    /// One homework with one occurrence due at `due`, reported as `outcome` (None: not yet).
    async fn homework(&self, client: Uuid, due: DateTime<Utc>, outcome: Option<&str>) {
        let id = Uuid::now_v7();
        let now = Utc::now();
        self.put(entity::homework::ActiveModel {
            id: Set(id),
            practice_id: Set(self.practice),
            client_id: Set(client),
            kind: Set("JOURNALING".to_owned()),
            title: Set("Journal".to_owned()),
            instructions: Set("Write three lines.".to_owned()),
            due_at: Set(due),
            status: Set(outcome.unwrap_or("ASSIGNED").to_owned()),
            assigned_by: Set(self.by),
            submitted_at: Set(outcome.map(|_| due)),
            review_notes_private: Set(false),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .await;
        self.put(entity::homework_occurrence::ActiveModel {
            id: Set(Uuid::now_v7()),
            practice_id: Set(self.practice),
            client_id: Set(client),
            homework_id: Set(id),
            due_at: Set(due),
            outcome: Set(outcome.map(str::to_owned)),
            obstacles_met: Set(json!([])),
            submitted_at: Set(outcome.map(|_| due)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .await;
    }

    /// A (private) entry on one of the client's built-in trackers.
    async fn entry(&self, client: Uuid, at: DateTime<Utc>) {
        use entity::tracker;
        let found = tracker::Entity::find()
            .filter(tracker::Column::ClientId.eq(client))
            .one(self.db)
            .await
            .unwrap();
        let tracker_id = match found {
            Some(t) => t.id,
            None => panic!("client {client} has no tracker"),
        };
        let date = at.date_naive();
        self.put(entity::tracker_entry::ActiveModel {
            id: Set(Uuid::now_v7()),
            practice_id: Set(self.practice),
            client_id: Set(client),
            tracker_id: Set(tracker_id),
            recorded_at: Set(at),
            local_date: Set(date),
            local_day: Set(date.num_days_from_ce() - 719_163),
            local_minute: Set(720),
            value: Set(5.0),
            visibility: Set("PRIVATE".to_owned()),
            created_by: Set(self.by),
            created_by_role: Set("CLIENT".to_owned()),
            created_at: Set(at),
            ..Default::default()
        })
        .await;
    }

    async fn thought_record(&self, client: Uuid, at: DateTime<Utc>) {
        self.put(entity::thought_record::ActiveModel {
            id: Set(Uuid::now_v7()),
            practice_id: Set(self.practice),
            client_id: Set(client),
            recorded_at: Set(at),
            situation: Set("Meeting".to_owned()),
            automatic_thought: Set("They think I am boring".to_owned()),
            belief_before: Set(80),
            distortions: Set(json!([])),
            visibility: Set("SHARED".to_owned()),
            created_by: Set(self.by),
            created_by_role: Set("CLIENT".to_owned()),
            created_at: Set(at),
            ..Default::default()
        })
        .await;
    }

    async fn measure(&self, client: Uuid, instrument: &str, total: i32, at: DateTime<Utc>) {
        self.put(entity::measure_response::ActiveModel {
            id: Set(Uuid::now_v7()),
            practice_id: Set(self.practice),
            client_id: Set(client),
            instrument: Set(instrument.to_owned()),
            answers: Set(json!([])),
            total: Set(total),
            severity: Set("MILD".to_owned()),
            safety_flag: Set(false),
            administered_at: Set(at),
            submitted_by: Set(self.by),
            submitted_by_role: Set("CLIENT".to_owned()),
            created_at: Set(at),
            ..Default::default()
        })
        .await;
    }

    async fn session(&self, client: Uuid, at: DateTime<Utc>, status: &str) {
        self.put(entity::therapy_session::ActiveModel {
            id: Set(Uuid::now_v7()),
            practice_id: Set(self.practice),
            client_id: Set(client),
            scheduled_at: Set(at),
            duration_minutes: Set(50),
            status: Set(status.to_owned()),
            created_by: Set(self.by),
            version: Set(1),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        })
        .await;
    }
}

/// The hand-counted fixture in practice A (and data in practice B that must never count).
///
/// Period 2025-01-01 to 2025-03-01 (UTC). Full weeks of the period: W1 Jan 1-7, W2 8-14,
/// W3 15-21, W4 22-28, W5 Jan 29-Feb 4, W6 Feb 5-11, W7 12-18, W8 19-25 (26-28 left over).
/// January's full weeks: Jan 1-7, 8-14, 15-21, 22-28; February's: Feb 1-7, 8-14, 15-21,
/// 22-28. Taylor Reed (T1) has C0 and C1; Morgan Blake (T2) has C2, C3 and also C0.
///
/// | client | created | homework due (outcome) | self-monitoring | measures (total) | other |
/// |---|---|---|---|---|---|
/// | C0 | Dec 1 | Dec 20 C*, Jan 10 C, Jan 20 P, Feb 10 N, Feb 15 -, Mar 5 C* | entries Jan 3, 10, 17, 24, 30, Feb 6, 13, 20, 27 | PHQ Jan 5 (20), Jan 25 (14), Feb 20 (8); GAD Jan 5 (10), Feb 20 (15) | on both care teams |
/// | C1 | Dec 1 | Jan 15 C, Feb 5 C | entry Jan 2 | PHQ Dec 15 (27)*, Feb 2 (4), Feb 16 (3) | |
/// | C2 | Dec 1 | - | thought records Jan 1, 8, 15, 22, 29, Feb 5, 12, 19, 26 | GAD Jan 10 (12), Jan 31 (6); PHQ Jan 10 (9) | |
/// | C3 | Feb 1 00:00 | - | entries Feb 9, 16, 23 | - | session Feb 3 |
/// | C4 | Dec 1 | - | - | - | only a CANCELLED session Jan 20: never active |
/// | C5 | Dec 1 | Feb 8 P | - | - | no care team |
/// | C6 | Dec 1 | - | - | - | only a COMPLETED session Feb 14; no care team |
///
/// (* outside the period; C = COMPLETED 1, P = PARTIAL 0.5, N = NOT_DONE 0, - unsubmitted 0.)
async fn fixture(app: &TestApp) {
    let a = Fixture {
        db: &app.db,
        practice: app.a.practice_id,
        by: app.a.admin_id,
    };
    let [c0, c1, c2, c3] = app.a.client_ids;
    for c in [c0, c1, c2] {
        a.created(c, day(12, 1)).await;
    }
    a.created(c3, at("2025-02-01T00:00:00+00:00")).await;
    a.care_team(c0, app.a.therapist_ids[1]).await;

    for (due, outcome) in [
        (day(12, 20), Some("COMPLETED")),
        (day(1, 10), Some("COMPLETED")),
        (day(1, 20), Some("PARTIAL")),
        (day(2, 10), Some("NOT_DONE")),
        (day(2, 15), None),
        (day(3, 5), Some("COMPLETED")),
    ] {
        a.homework(c0, due, outcome).await;
    }
    for (m, d) in [
        (1, 3),
        (1, 10),
        (1, 17),
        (1, 24),
        (1, 30),
        (2, 6),
        (2, 13),
        (2, 20),
        (2, 27),
    ] {
        a.entry(c0, day(m, d)).await;
    }
    a.measure(c0, "PHQ9", 20, day(1, 5)).await;
    a.measure(c0, "PHQ9", 14, day(1, 25)).await;
    a.measure(c0, "PHQ9", 8, day(2, 20)).await;
    a.measure(c0, "GAD7", 10, day(1, 5)).await;
    a.measure(c0, "GAD7", 15, day(2, 20)).await;

    a.homework(c1, day(1, 15), Some("COMPLETED")).await;
    a.homework(c1, day(2, 5), Some("COMPLETED")).await;
    a.entry(c1, day(1, 2)).await;
    a.measure(c1, "PHQ9", 27, day(12, 15)).await;
    a.measure(c1, "PHQ9", 4, day(2, 2)).await;
    a.measure(c1, "PHQ9", 3, day(2, 16)).await;

    for (m, d) in [
        (1, 1),
        (1, 8),
        (1, 15),
        (1, 22),
        (1, 29),
        (2, 5),
        (2, 12),
        (2, 19),
        (2, 26),
    ] {
        a.thought_record(c2, day(m, d)).await;
    }
    a.measure(c2, "GAD7", 12, day(1, 10)).await;
    a.measure(c2, "GAD7", 6, day(1, 31)).await;
    a.measure(c2, "PHQ9", 9, day(1, 10)).await;

    for d in [9, 16, 23] {
        a.entry(c3, day(2, d)).await;
    }
    a.session(c3, day(2, 3), "SCHEDULED").await;

    let c4 = a.client("C4", day(12, 1)).await;
    a.session(c4, day(1, 20), "CANCELLED").await;
    let c5 = a.client("C5", day(12, 1)).await;
    a.homework(c5, day(2, 8), Some("PARTIAL")).await;
    let c6 = a.client("C6", day(12, 1)).await;
    a.session(c6, day(2, 14), "COMPLETED").await;

    // Practice B: one active client with every kind of data in the period.
    let b = Fixture {
        db: &app.db,
        practice: app.b.practice_id,
        by: app.b.admin_id,
    };
    let b0 = app.b.client_ids[0];
    b.created(b0, day(12, 1)).await;
    b.homework(b0, day(1, 10), Some("COMPLETED")).await;
    b.entry(b0, day(1, 10)).await;
    b.measure(b0, "PHQ9", 20, day(1, 5)).await;
    b.measure(b0, "PHQ9", 2, day(2, 5)).await;
}

// ---------------------------------------------------------------------------------------------
// Reading the answer
// ---------------------------------------------------------------------------------------------

async fn report(app: &TestApp, token: &str, group_by: &str) -> Gql {
    app.gql(
        Some(token),
        REPORT,
        json!({ "from": FROM, "to": TO, "g": group_by }),
    )
    .await
}

fn num(v: &Value) -> String {
    match v.as_f64() {
        Some(f) => format!("{f:.4}"),
        None => "-".to_owned(),
    }
}

/// A row's figures in one line: clients, homework due/done and rate, weekly tracking
/// (weekly/with full weeks, share), measures, then per instrument: n, mean change,
/// improvement, deterioration, response, remission.
fn figures(row: &Value) -> String {
    let mut s = format!(
        "clients {} | homework {}/{} {} | weekly {}/{} {} | measures {}",
        row["clients"],
        row["homeworkDone"],
        row["homeworkDue"],
        num(&row["homeworkCompletionRate"]),
        row["clientsTrackingWeekly"],
        row["clientsWithFullWeeks"],
        num(&row["trackingWeeklyShare"]),
        row["measuresAdministered"],
    );
    for o in row["outcomes"].as_array().unwrap() {
        s.push_str(&format!(
            " | {} n {} mean {} imp {} det {} resp {} rem {}",
            o["instrument"].as_str().unwrap(),
            o["clientsWithTwoScores"],
            num(&o["meanChange"]),
            num(&o["reliableImprovementRate"]),
            num(&o["reliableDeteriorationRate"]),
            num(&o["responseRate"]),
            num(&o["remissionRate"]),
        ));
    }
    s
}

// The totals (whole practice, whole period; each client once):
// clients C0 C1 C2 C3 C5 C6 = 6 (C4 only had a cancelled session);
// homework due C0 4 + C1 2 + C5 1 = 7, done 1.5 + 2 + 0.5 = 4, rate 4/7;
// full weeks: all 6 (C3 only W6-W8, created Feb 1); weekly C0 (entries), C2 (thought
// records), C3 (W6-W8) = 3 of 6;
// measures C0 5 + C1 2 + C2 3 = 10 (C1's Dec 15 is outside);
// PHQ-9 pairs C0 20->8 (-12: improved, response 12 >= 10), C1 4->3 (-1: remission):
// n 2, mean -6.5, improved 1/2, deteriorated 0, response 1/2, remission 1/2;
// GAD-7 pairs C0 10->15 (+5: deteriorated), C2 12->6 (-6: improved, response 6 >= 6):
// n 2, mean -0.5, improved 1/2, deteriorated 1/2, response 1/2, remission undefined.
const TOTALS: &str = "clients 6 | homework 4.0/7 0.5714 | weekly 3/6 0.5000 | measures 10 \
    | PHQ9 n 2 mean -6.5000 imp 0.5000 det 0.0000 resp 0.5000 rem 0.5000 \
    | GAD7 n 2 mean -0.5000 imp 0.5000 det 0.5000 resp 0.5000 rem -";

#[tokio::test]
async fn report_by_therapist_counts_every_figure_of_the_hand_counted_fixture() {
    let app = spawn_app().await;
    fixture(&app).await;
    let res = report(&app, &app.admin(), "THERAPIST").await.ok();
    let r = res.data("practiceReport");
    assert_eq!(r["groupBy"], "THERAPIST");
    assert_eq!(r["from"], FROM);
    assert_eq!(r["to"], TO);
    let rows = r["rows"].as_array().unwrap();
    // | therapist | clients | homework | weekly | measures | PHQ-9 | GAD-7 |
    // |---|---|---|---|---|---|---|
    // | Morgan Blake (C0, C2, C3) | 3 | C0 1.5 of 4 = 0.375 | C0, C2, C3: 3/3 | 5 + 3 + 0 = 8 | C0 only: -12, improved, response, no remission | C0 +5, C2 -6: mean -0.5, 1/2 each, response 1/2 |
    // | Taylor Reed (C0, C1) | 2 | C0 1.5 + C1 2 of 6 = 0.5833 | C0 only: 1/2 | 5 + 2 = 7 | C0 -12, C1 -1: mean -6.5, improved 1/2, response 1/2, remission 1/2 | C0 +5: deteriorated 1/1 |
    // C0 is on both care teams and counts in both rows; by display name, Morgan first.
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["therapist"]["displayName"], "Dr. Morgan Blake");
    assert_eq!(
        rows[0]["therapist"]["id"],
        app.a.therapist_ids[1].to_string()
    );
    assert_eq!(
        figures(&rows[0]),
        "clients 3 | homework 1.5/4 0.3750 | weekly 3/3 1.0000 | measures 8 \
         | PHQ9 n 1 mean -12.0000 imp 1.0000 det 0.0000 resp 1.0000 rem 0.0000 \
         | GAD7 n 2 mean -0.5000 imp 0.5000 det 0.5000 resp 0.5000 rem -"
    );
    assert_eq!(rows[1]["therapist"]["displayName"], "Dr. Taylor Reed");
    assert_eq!(
        figures(&rows[1]),
        "clients 2 | homework 3.5/6 0.5833 | weekly 1/2 0.5000 | measures 7 \
         | PHQ9 n 2 mean -6.5000 imp 0.5000 det 0.0000 resp 0.5000 rem 0.5000 \
         | GAD7 n 1 mean 5.0000 imp 0.0000 det 1.0000 resp 0.0000 rem -"
    );
    for row in rows {
        assert_eq!(row["month"], Value::Null);
        assert_eq!(row["total"], false);
        assert_eq!(row["from"], FROM);
        assert_eq!(row["outcomes"][0]["reliableChangePoints"], 6);
        assert_eq!(row["outcomes"][1]["reliableChangePoints"], 4);
    }
    let totals = &r["totals"];
    assert_eq!(totals["total"], true);
    assert_eq!(totals["therapist"], Value::Null);
    assert_eq!(figures(totals), TOTALS);
}

#[tokio::test]
async fn report_by_month_counts_each_utc_month_and_the_same_totals() {
    let app = spawn_app().await;
    fixture(&app).await;
    let res = report(&app, &app.admin(), "MONTH").await.ok();
    let r = res.data("practiceReport");
    let rows = r["rows"].as_array().unwrap();
    // | month | clients | homework | weekly | measures | PHQ-9 | GAD-7 |
    // |---|---|---|---|---|---|---|
    // | 2025-01 | C0 C1 C2 = 3 | C0 1.5 + C1 1 of 3 = 0.8333 | C0 4/4, C2 4/4, C1 1/4: 2/3 | C0 3 + C2 3 = 6 | C0 20->14: -6, improved, no response (6 < 10) | C2 12->6: improved, response |
    // | 2025-02 | C0 C1 C2 C3 C5 C6 = 6 | C0 0 of 2, C1 1 of 1, C5 0.5 of 1: 1.5/4 | C0, C2 of 6 (C3 lacks Feb 1-7) | C0 2 + C1 2 = 4 | C1 4->3: -1, remission | nobody with two |
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["month"], "2025-01");
    assert_eq!(rows[0]["from"], FROM);
    assert_eq!(rows[0]["to"], "2025-02-01T00:00:00+00:00");
    assert_eq!(
        figures(&rows[0]),
        "clients 3 | homework 2.5/3 0.8333 | weekly 2/3 0.6667 | measures 6 \
         | PHQ9 n 1 mean -6.0000 imp 1.0000 det 0.0000 resp 0.0000 rem 0.0000 \
         | GAD7 n 1 mean -6.0000 imp 1.0000 det 0.0000 resp 1.0000 rem -"
    );
    assert_eq!(rows[1]["month"], "2025-02");
    assert_eq!(rows[1]["from"], "2025-02-01T00:00:00+00:00");
    assert_eq!(rows[1]["to"], TO);
    assert_eq!(
        figures(&rows[1]),
        "clients 6 | homework 1.5/4 0.3750 | weekly 2/6 0.3333 | measures 4 \
         | PHQ9 n 1 mean -1.0000 imp 0.0000 det 0.0000 resp 0.0000 rem 1.0000 \
         | GAD7 n 0 mean - imp - det - resp - rem -"
    );
    for row in rows {
        assert_eq!(row["therapist"], Value::Null);
    }
    assert_eq!(figures(&r["totals"]), TOTALS);
}

/// The CSV cells a report row should have, from the GraphQL row.
fn expected_cells(row: &Value) -> Vec<String> {
    let fixed = |v: &Value, d: usize| v.as_f64().map_or(String::new(), |f| format!("{f:.d$}"));
    let int = |v: &Value| v.as_i64().unwrap().to_string();
    let (group, id, name) = if row["total"] == true {
        ("TOTAL", String::new(), String::new())
    } else if row["therapist"].is_null() {
        ("MONTH", String::new(), String::new())
    } else {
        (
            "THERAPIST",
            row["therapist"]["id"].as_str().unwrap().to_owned(),
            row["therapist"]["displayName"].as_str().unwrap().to_owned(),
        )
    };
    let mut cells = vec![
        group.to_owned(),
        id,
        name,
        row["month"].as_str().unwrap_or("").to_owned(),
        row["from"].as_str().unwrap().to_owned(),
        row["to"].as_str().unwrap().to_owned(),
        int(&row["clients"]),
        int(&row["homeworkDue"]),
        fixed(&row["homeworkDone"], 1),
        fixed(&row["homeworkCompletionRate"], 4),
        int(&row["clientsWithFullWeeks"]),
        int(&row["clientsTrackingWeekly"]),
        fixed(&row["trackingWeeklyShare"], 4),
        int(&row["measuresAdministered"]),
    ];
    for o in row["outcomes"].as_array().unwrap() {
        cells.push(int(&o["clientsWithTwoScores"]));
        cells.push(fixed(&o["meanChange"], 2));
        for k in [
            "reliableImprovementRate",
            "reliableDeteriorationRate",
            "responseRate",
            "remissionRate",
        ] {
            cells.push(fixed(&o[k], 4));
        }
    }
    cells
}

#[tokio::test]
async fn the_csv_export_has_a_header_and_the_same_rows_then_the_totals() {
    let app = spawn_app().await;
    fixture(&app).await;
    for group_by in ["THERAPIST", "MONTH"] {
        let rows = report(&app, &app.admin(), group_by).await.ok();
        let r = rows.data("practiceReport");
        let csv = app
            .gql(
                Some(&app.admin()),
                CSV,
                json!({ "from": FROM, "to": TO, "g": group_by }),
            )
            .await
            .ok();
        let text = csv.data("exportReportCsv").as_str().unwrap().to_owned();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "group,therapist_id,therapist_name,month,from,to,clients,homework_due,\
             homework_done,homework_completion_rate,clients_with_full_weeks,\
             clients_tracking_weekly,tracking_weekly_share,measures_administered,\
             phq9_clients_with_two_scores,phq9_mean_change,phq9_reliable_improvement_rate,\
             phq9_reliable_deterioration_rate,phq9_response_rate,phq9_remission_rate,\
             gad7_clients_with_two_scores,gad7_mean_change,gad7_reliable_improvement_rate,\
             gad7_reliable_deterioration_rate,gad7_response_rate,gad7_remission_rate"
        );
        let mut expected: Vec<&Value> = r["rows"].as_array().unwrap().iter().collect();
        expected.push(&r["totals"]);
        assert_eq!(lines.len(), expected.len() + 1, "{text}");
        for (line, row) in lines[1..].iter().zip(expected) {
            // No cell here holds a comma or a quote, so a plain split reads the record.
            let cells: Vec<String> = line.split(',').map(str::to_owned).collect();
            assert_eq!(cells, expected_cells(row), "{group_by}: {line}");
        }
    }
    // One line spelled out: February by month, GAD-7 undefined (empty cells).
    let csv = app
        .gql(
            Some(&app.admin()),
            CSV,
            json!({ "from": FROM, "to": TO, "g": "MONTH" }),
        )
        .await
        .ok();
    let text = csv.data("exportReportCsv").as_str().unwrap().to_owned();
    assert_eq!(
        text.lines().nth(2).unwrap(),
        "MONTH,,,2025-02,2025-02-01T00:00:00+00:00,2025-03-01T00:00:00+00:00,6,4,1.5,0.3750,6,2,\
         0.3333,4,1,-1.00,0.0000,0.0000,0.0000,1.0000,0,,,,,"
    );
}

#[tokio::test]
async fn therapists_and_clients_may_not_read_practice_reports() {
    let app = spawn_app().await;
    for token in [app.therapist(), app.therapist2(), app.client()] {
        for (query, g) in [(REPORT, "THERAPIST"), (CSV, "MONTH")] {
            let res = app
                .gql(
                    Some(&token),
                    query,
                    json!({ "from": FROM, "to": TO, "g": g }),
                )
                .await;
            assert_eq!(res.code(), "FORBIDDEN", "{}", res.0);
        }
    }
    let res = app
        .gql(
            None,
            REPORT,
            json!({ "from": FROM, "to": TO, "g": "MONTH" }),
        )
        .await;
    assert_eq!(res.code(), "UNAUTHENTICATED");
}

#[tokio::test]
async fn an_integrator_needs_reports_read_and_then_sees_what_the_admin_sees() {
    let app = spawn_app().await;
    fixture(&app).await;
    let without = app
        .integrator(
            &app.a,
            &[
                Scope::ClientsRead,
                Scope::ClientsWrite,
                Scope::ClinicalRead,
                Scope::ClinicalWrite,
                Scope::EventsRead,
            ],
        )
        .await;
    for query in [REPORT, CSV] {
        let res = app
            .gql(
                Some(&without),
                query,
                json!({ "from": FROM, "to": TO, "g": "MONTH" }),
            )
            .await;
        assert_eq!(res.code(), "FORBIDDEN");
    }
    let with = app.integrator(&app.a, &[Scope::ReportsRead]).await;
    let admin = report(&app, &app.admin(), "MONTH").await.ok();
    let integrator = report(&app, &with, "MONTH").await.ok();
    assert_eq!(integrator.0, admin.0);
    let csv = app
        .gql(
            Some(&with),
            CSV,
            json!({ "from": FROM, "to": TO, "g": "THERAPIST" }),
        )
        .await
        .ok();
    assert!(
        csv.data("exportReportCsv")
            .as_str()
            .unwrap()
            .starts_with("group,")
    );
    // An admin grants the scope like any other.
    let res = app
        .gql(
            Some(&app.admin()),
            "mutation { createApiCredential(input: {name: \"BI\", scopes: [REPORTS_READ]}) {
                credential { scopes } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        res.data("createApiCredential.credential.scopes"),
        &json!(["REPORTS_READ"])
    );
}

#[tokio::test]
async fn another_practices_data_is_never_counted() {
    let app = spawn_app().await;
    fixture(&app).await;
    // Practice A's figures are the hand count: practice B's client (homework, entry, two
    // PHQ-9) would have changed every total.
    let a = report(&app, &app.admin(), "THERAPIST").await.ok();
    assert_eq!(figures(a.data("practiceReport.totals")), TOTALS);
    let names: Vec<&str> = a
        .data("practiceReport.rows")
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["therapist"]["displayName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Dr. Morgan Blake", "Dr. Taylor Reed"]);
    let a_ids: Vec<String> = app.a.therapist_ids.iter().map(Uuid::to_string).collect();
    for row in a.data("practiceReport.rows").as_array().unwrap() {
        assert!(a_ids.contains(&row["therapist"]["id"].as_str().unwrap().to_owned()));
    }
    // Practice B's reader sees practice B alone: one client, 1 of 1 homework, a PHQ-9
    // 20 -> 2 (improved, response, remission), nothing of practice A.
    let b = app.integrator(&app.b, &[Scope::ReportsRead]).await;
    let res = report(&app, &b, "MONTH").await.ok();
    assert_eq!(
        figures(res.data("practiceReport.totals")),
        "clients 1 | homework 1.0/1 1.0000 | weekly 0/1 0.0000 | measures 2 \
         | PHQ9 n 1 mean -18.0000 imp 1.0000 det 0.0000 resp 1.0000 rem 1.0000 \
         | GAD7 n 0 mean - imp - det - resp - rem -"
    );
}

#[tokio::test]
async fn a_bad_range_is_rejected_on_to() {
    let app = spawn_app().await;
    let admin = app.admin();
    for (from, to) in [
        (FROM, FROM),
        (TO, FROM),
        ("2025-01-01T00:00:00Z", "2028-01-02T00:00:01Z"),
    ] {
        for query in [REPORT, CSV] {
            let res = app
                .gql(
                    Some(&admin),
                    query,
                    json!({ "from": from, "to": to, "g": "MONTH" }),
                )
                .await;
            assert_eq!(res.code(), "BAD_USER_INPUT", "{from} {to}");
            assert_eq!(res.field(), "to");
        }
    }
    // 1096 days is the longest period: January 2025 to 1 January 2028, 37 months.
    let res = app
        .gql(
            Some(&admin),
            REPORT,
            json!({ "from": "2025-01-01T00:00:00Z", "to": "2028-01-02T00:00:00Z", "g": "MONTH" }),
        )
        .await
        .ok();
    let rows = res.data("practiceReport.rows").as_array().unwrap();
    assert_eq!(rows.len(), 37);
    assert_eq!(rows[36]["month"], "2028-01");
    assert_eq!(rows[36]["to"], "2028-01-02T00:00:00+00:00");
}

#[tokio::test]
async fn a_report_read_leaves_an_audit_row_naming_no_client() {
    let app = spawn_app().await;
    let before = app.count("audit_log").await;
    report(&app, &app.admin(), "THERAPIST").await.ok();
    let res = report(&app, &app.therapist(), "THERAPIST").await;
    assert_eq!(res.code(), "FORBIDDEN");
    assert_eq!(app.count("audit_log").await, before + 2);
    let rows = entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Operation.eq("practiceReport"))
        .all(&app.db)
        .await
        .unwrap();
    let outcomes: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r.actor_role.as_str(), r.outcome.as_str()))
        .collect();
    assert_eq!(
        outcomes,
        [("PRACTICE_ADMIN", "SUCCESS"), ("THERAPIST", "FORBIDDEN")]
    );
    for r in rows {
        assert_eq!(r.client_id, None);
        assert_eq!(r.entity_ids, json!([]));
    }
}

#[tokio::test]
async fn the_report_takes_the_same_number_of_statements_for_more_clients() {
    let app = spawn_app().await;
    fixture(&app).await;
    let query = format!(
        "{{ practiceReport(from: \"{FROM}\", to: \"{TO}\", groupBy: THERAPIST) {{ rows {{ clients outcomes {{ meanChange }} }} totals {{ clients }} }} }}"
    );
    let admin = app.admin();
    let few = app.statements_for(&admin, &query).await;
    let a = Fixture {
        db: &app.db,
        practice: app.a.practice_id,
        by: app.a.admin_id,
    };
    for i in 0..12 {
        let c = a.client(&format!("More {i}"), day(12, 1)).await;
        a.care_team(c, app.a.therapist_ids[i % 2]).await;
        a.homework(c, day(1, 10), Some("COMPLETED")).await;
        a.thought_record(c, day(1, 11)).await;
        a.measure(c, "PHQ9", 15, day(1, 12)).await;
        a.measure(c, "PHQ9", 5, day(2, 12)).await;
    }
    let many = app.statements_for(&admin, &query).await;
    let res = app.gql(Some(&admin), &query, json!({})).await.ok();
    assert_eq!(res.data("practiceReport.totals.clients"), 18);
    assert_eq!(few, many, "statements grew with the number of clients");
    // Sign-in check, the practice's thresholds, the report, the audit row.
    assert!(many <= 5, "{many} statements");
}

#[tokio::test]
async fn reliable_change_follows_the_practices_own_threshold() {
    let app = spawn_app().await;
    fixture(&app).await;
    app.gql(
        Some(&app.admin()),
        "mutation { updateMeasureSettings(input: {phq9ReliableChange: 13,
            gad7ReliableChange: 4, safetyItemThreshold: 1}) { settings { phq9ReliableChange } } }",
        json!({}),
    )
    .await
    .ok();
    let res = report(&app, &app.admin(), "THERAPIST").await.ok();
    let phq9 = res.data("practiceReport.totals.outcomes.0");
    assert_eq!(phq9["instrument"], "PHQ9");
    assert_eq!(phq9["reliableChangePoints"], 13);
    // C0's drop of 12 is no longer reliable; C1's -1 never was.
    assert_eq!(phq9["reliableImprovementRate"], 0.0);
    assert_eq!(phq9["responseRate"], 0.5);
}
