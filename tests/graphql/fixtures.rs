//! Fixtures several domains' tests share: a goal, a scored measure. A helper one domain's
//! tests alone use stays in that domain's file.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

pub const GOAL_FIELDS: &str =
    "id clientId title description measure baseline target unit targetDate
    confidence whyItMatters priority status statusReason achievedAt version progress progressBasis
    latestValue createdBy { id role }
    smart { metCount specific { met hint } measurable { met hint } achievable { met hint }
            relevant { met hint } timeBound { met hint } }
    steps { id title position status dueOn version }";

/// Creates a goal with `input` (clientId added) and returns the response.
pub async fn create_goal(app: &TestApp, token: &str, client_id: Uuid, input: Value) -> Gql {
    let mut input = input;
    input["clientId"] = json!(client_id.to_string());
    app.gql(
        Some(token),
        &format!(
            "mutation($input: CreateGoalInput!) {{ createGoal(input: $input) {{ goal {{ {GOAL_FIELDS} }} }} }}"
        ),
        json!({ "input": input }),
    )
    .await
}

/// Creates a goal and returns its id.
pub async fn goal_id(app: &TestApp, token: &str, client_id: Uuid, input: Value) -> String {
    let res = create_goal(app, token, client_id, input).await.ok();
    res.data("createGoal.goal.id").as_str().unwrap().to_owned()
}

/// A SMART-ish goal a client would write.
pub fn walking_goal() -> Value {
    json!({
        "title": "Walk after lunch",
        "description": "Walk 20 minutes around the park after lunch on weekdays",
        "whyItMatters": "More energy for my kids",
        "confidence": 8,
        "priority": "HIGH",
    })
}

pub const MEASURE_FIELDS: &str =
    "id instrument answers total severity safetyFlag changeFromBaseline
    changeFromPrevious reliableChange response remission administeredAt submittedByRole";

/// Submits `answers` to `instrument` for `client`, administered at `at`.
pub async fn submit_at(
    app: &TestApp,
    token: &str,
    client: Uuid,
    instrument: &str,
    answers: &[i32],
    at: DateTime<Utc>,
) -> Gql {
    submit_with(app, token, client, instrument, answers, Some(at)).await
}

/// Submits `answers` to `instrument` for `client`, administered now or at `administered_at`.
pub async fn submit_with(
    app: &TestApp,
    token: &str,
    client: Uuid,
    instrument: &str,
    answers: &[i32],
    administered_at: Option<DateTime<Utc>>,
) -> Gql {
    let mut input =
        json!({ "clientId": client.to_string(), "instrument": instrument, "answers": answers });
    if let Some(at) = administered_at {
        input["administeredAt"] = json!(at.to_rfc3339());
    }
    mutate(
        app,
        token,
        "submitMeasure",
        "SubmitMeasureInput",
        input,
        &format!(
            "measure {{ {MEASURE_FIELDS} }} total severity safetyFlag changeFromBaseline
             changeFromPrevious reliableChange response remission
             crisisResources {{ title url description builtIn }}"
        ),
    )
    .await
}
