//! Sign-in, tokens, refresh rotation, invitations, disabling users.

use base64::Engine as _;
use chrono::{Duration, Utc};
use momentum_api::{
    auth::{
        Role,
        tokens::{Subject, TokenKeys},
    },
    config::Config,
};
use sea_orm::ConnectionTrait as _;
use secrecy::SecretString;
use serde_json::json;

use crate::helpers::*;

const CLIENTS: &str = "{ clients { totalCount } }";

#[tokio::test]
async fn login_with_the_right_password_returns_tokens_that_work() {
    let app = spawn_app().await;
    let res = app.login("therapist@a.test", PASSWORD).await.ok();
    assert_eq!(res.data("login.viewer.role"), "THERAPIST");
    assert_eq!(res.data("login.viewer.displayName"), "Dr. Taylor Reed");
    assert!(
        res.data("login.refreshToken")
            .as_str()
            .unwrap()
            .starts_with("mrt_")
    );
    let token = res.data("login.accessToken").as_str().unwrap().to_owned();
    let clients = app.gql(Some(&token), CLIENTS, json!({})).await.ok();
    assert_eq!(clients.data("clients.totalCount"), 2);
}

#[tokio::test]
async fn login_email_is_case_insensitive() {
    let app = spawn_app().await;
    app.login("  Therapist@A.TEST ", PASSWORD).await.ok();
}

#[tokio::test]
async fn wrong_password_and_unknown_email_give_the_same_error() {
    let app = spawn_app().await;
    let wrong = app.login("therapist@a.test", "not-the-password").await;
    let unknown = app.login("nobody@a.test", PASSWORD).await;
    assert_eq!(wrong.code(), "UNAUTHENTICATED");
    assert_eq!(unknown.code(), "UNAUTHENTICATED");
    assert_eq!(
        wrong.0["errors"][0]["message"],
        unknown.0["errors"][0]["message"]
    );
    assert!(wrong.0["data"].is_null());
    assert_eq!(app.count("refresh_token").await, 0);
}

/// Waits until the current minute has at least 5 s left: attempts are counted per minute.
async fn a_fresh_minute() {
    let second = chrono::Utc::now().timestamp().rem_euclid(60);
    if second >= 55 {
        tokio::time::sleep(std::time::Duration::from_secs(
            u64::try_from(61 - second).unwrap(),
        ))
        .await;
    }
}

#[tokio::test]
async fn repeated_failed_logins_are_rate_limited() {
    let app = spawn_app_with(|c| c.login_attempts_per_minute = 3).await;
    a_fresh_minute().await;
    for _ in 0..3 {
        assert_eq!(
            app.login("therapist@a.test", "wrong-password!")
                .await
                .code(),
            "UNAUTHENTICATED"
        );
    }
    let limited = app.login("therapist@a.test", PASSWORD).await;
    assert_eq!(limited.code(), "RATE_LIMITED");
    // Another account is not affected.
    app.login("therapist2@a.test", PASSWORD).await.ok();
}

fn keys_with(app: &TestApp, tweak: impl FnOnce(&mut Config), secret: &str) -> TokenKeys {
    let mut config = app.config.clone();
    tweak(&mut config);
    TokenKeys::new(
        &SecretString::from(secret.to_owned()),
        &config.token_settings(),
    )
}

fn therapist_subject(app: &TestApp) -> Subject {
    Subject {
        id: app.a.therapist_ids[0],
        role: Role::Therapist,
        practice_id: app.a.practice_id,
        client_id: None,
        scopes: Vec::new(),
    }
}

async fn assert_rejected(app: &TestApp, token: &str) {
    let res = app
        .http
        .post(format!("{}/graphql", app.url))
        .bearer_auth(token)
        .json(&json!({ "query": CLIENTS }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    assert!(body.get("data").is_none_or(|d| d.is_null()));
}

#[tokio::test]
async fn expired_token_is_unauthenticated() {
    let app = spawn_app().await;
    let token = app
        .keys
        .issue_at(
            &therapist_subject(&app),
            Utc::now() - Duration::hours(2),
            Duration::minutes(15),
        )
        .unwrap()
        .token;
    assert_rejected(&app, &token).await;
    // The same subject with a fresh token works, so the rejection was the expiry.
    let fresh = app.keys.issue(&therapist_subject(&app)).unwrap().token;
    app.gql(Some(&fresh), CLIENTS, json!({})).await.ok();
}

#[tokio::test]
async fn a_token_living_longer_than_the_configured_lifetime_is_unauthenticated() {
    let app = spawn_app().await;
    let configured =
        Duration::seconds(i64::try_from(app.config.access_token_ttl.as_secs()).unwrap());
    // Correctly signed, current, but issued for a day longer than the server allows.
    let long = app
        .keys
        .issue_at(
            &therapist_subject(&app),
            Utc::now(),
            configured + Duration::days(1),
        )
        .unwrap()
        .token;
    assert_rejected(&app, &long).await;
    // Issued in the future (so that exp - iat looks short while it lives long).
    let future = app
        .keys
        .issue_at(
            &therapist_subject(&app),
            Utc::now() + Duration::hours(1),
            configured,
        )
        .unwrap()
        .token;
    assert_rejected(&app, &future).await;
    // Exactly the configured lifetime works.
    let exact = app
        .keys
        .issue_at(&therapist_subject(&app), Utc::now(), configured)
        .unwrap()
        .token;
    app.gql(Some(&exact), CLIENTS, json!({})).await.ok();
}

#[tokio::test]
async fn token_signed_with_another_key_is_unauthenticated() {
    let app = spawn_app().await;
    let forged = keys_with(&app, |_| {}, "another-signing-key-that-is-long-enough-xyz")
        .issue(&therapist_subject(&app))
        .unwrap()
        .token;
    assert_rejected(&app, &forged).await;
}

#[tokio::test]
async fn unsigned_alg_none_token_is_unauthenticated() {
    let app = spawn_app().await;
    let real = app.keys.issue(&therapist_subject(&app)).unwrap().token;
    let claims = real.split('.').nth(1).unwrap();
    let header =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    assert_rejected(&app, &format!("{header}.{claims}.")).await;
    // And the same claims re-labelled HS512 with the right signature of HS256 still fail.
    let header512 =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"alg":"HS512","typ":"JWT"}"#);
    let sig = real.split('.').nth(2).unwrap();
    assert_rejected(&app, &format!("{header512}.{claims}.{sig}")).await;
}

#[tokio::test]
async fn wrong_audience_token_is_unauthenticated() {
    let app = spawn_app().await;
    let token = keys_with(&app, |c| c.jwt_audience = "someone-else".into(), JWT_SECRET)
        .issue(&therapist_subject(&app))
        .unwrap()
        .token;
    assert_rejected(&app, &token).await;
}

#[tokio::test]
async fn wrong_issuer_token_is_unauthenticated() {
    let app = spawn_app().await;
    let token = keys_with(&app, |c| c.jwt_issuer = "evil-issuer".into(), JWT_SECRET)
        .issue(&therapist_subject(&app))
        .unwrap()
        .token;
    assert_rejected(&app, &token).await;
}

#[tokio::test]
async fn token_for_a_role_the_user_does_not_have_is_unauthenticated() {
    let app = spawn_app().await;
    let token = app.token(&app.a, app.a.therapist_ids[0], Role::PracticeAdmin);
    assert_rejected(&app, &token).await;
}

#[tokio::test]
async fn anonymous_callers_may_log_in_but_not_read() {
    let app = spawn_app().await;
    for q in [
        CLIENTS,
        "{ viewer { id } }",
        "{ practice { name } }",
        "{ therapists { totalCount } }",
    ] {
        assert_eq!(
            app.gql(None, q, json!({})).await.code(),
            "UNAUTHENTICATED",
            "{q}"
        );
    }
}

const REFRESH: &str = "mutation($t: String!) { refreshSession(input: {refreshToken: $t}) {
    accessToken refreshToken viewer { role } } }";

#[tokio::test]
async fn refresh_rotates_the_token_and_each_token_works_once() {
    let app = spawn_app().await;
    let login = app.login("client@a.test", PASSWORD).await.ok();
    let first = login
        .data("login.refreshToken")
        .as_str()
        .unwrap()
        .to_owned();
    let res = app.gql(None, REFRESH, json!({ "t": first })).await.ok();
    let second = res
        .data("refreshSession.refreshToken")
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(first, second);
    assert_eq!(res.data("refreshSession.viewer.role"), "CLIENT");
    let access = res.data("refreshSession.accessToken").as_str().unwrap();
    let me = app
        .gql(
            Some(access),
            "{ viewer { client { displayName } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(me.data("viewer.client.displayName"), "Casey Morgan");
    // The second token is good once.
    app.gql(None, REFRESH, json!({ "t": second })).await.ok();
}

#[tokio::test]
async fn reusing_a_refresh_token_revokes_the_whole_family() {
    let app = spawn_app().await;
    let login = app.login("therapist@a.test", PASSWORD).await.ok();
    let first = login
        .data("login.refreshToken")
        .as_str()
        .unwrap()
        .to_owned();
    let rotated = app.gql(None, REFRESH, json!({ "t": first })).await.ok();
    let second = rotated
        .data("refreshSession.refreshToken")
        .as_str()
        .unwrap()
        .to_owned();
    // An attacker replays the first token: refused, and the family is revoked...
    assert_eq!(
        app.gql(None, REFRESH, json!({ "t": first })).await.code(),
        "UNAUTHENTICATED"
    );
    // ...so the legitimate holder's newer token stops working too.
    assert_eq!(
        app.gql(None, REFRESH, json!({ "t": second })).await.code(),
        "UNAUTHENTICATED"
    );
    // Another login (another family) is unaffected.
    let other = app.login("therapist@a.test", PASSWORD).await.ok();
    let t = other.data("login.refreshToken").as_str().unwrap();
    app.gql(None, REFRESH, json!({ "t": t })).await.ok();
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = spawn_app().await;
    let login = app.login("therapist@a.test", PASSWORD).await.ok();
    let t = login
        .data("login.refreshToken")
        .as_str()
        .unwrap()
        .to_owned();
    let out = app
        .gql(
            None,
            "mutation($t: String!) { logout(input: {refreshToken: $t}) { ok } }",
            json!({ "t": t }),
        )
        .await
        .ok();
    assert_eq!(out.data("logout.ok"), true);
    assert_eq!(
        app.gql(None, REFRESH, json!({ "t": t })).await.code(),
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn a_disabled_user_is_locked_out_at_once() {
    let app = spawn_app().await;
    let login = app.login("therapist2@a.test", PASSWORD).await.ok();
    let access = login.data("login.accessToken").as_str().unwrap().to_owned();
    let refresh = login
        .data("login.refreshToken")
        .as_str()
        .unwrap()
        .to_owned();
    app.gql(Some(&access), CLIENTS, json!({})).await.ok();

    let res = app
        .gql(
            Some(&app.admin()),
            "mutation($id: ID!) { disableUser(input: {userId: $id}) { user { id disabledAt email } } }",
            json!({ "id": app.a.therapist_ids[1].to_string() }),
        )
        .await
        .ok();
    assert!(res.data("disableUser.user.disabledAt").is_string());
    assert_eq!(res.data("disableUser.user.email"), "therapist2@a.test");

    assert_rejected(&app, &access).await;
    assert_eq!(
        app.gql(None, REFRESH, json!({ "t": refresh })).await.code(),
        "UNAUTHENTICATED"
    );
    assert_eq!(
        app.login("therapist2@a.test", PASSWORD).await.code(),
        "UNAUTHENTICATED"
    );
    // Other users carry on.
    app.gql(Some(&app.therapist()), CLIENTS, json!({}))
        .await
        .ok();
}

#[tokio::test]
async fn only_admins_disable_users_and_never_across_practices_or_themselves() {
    let app = spawn_app().await;
    let q = "mutation($id: ID!) { disableUser(input: {userId: $id}) { user { id } } }";
    let target = json!({ "id": app.a.therapist_ids[1].to_string() });
    assert_eq!(
        app.gql(Some(&app.therapist()), q, target.clone())
            .await
            .code(),
        "FORBIDDEN"
    );
    let other_admin = app.token(&app.b, app.b.admin_id, Role::PracticeAdmin);
    assert_eq!(
        app.gql(Some(&other_admin), q, target).await.code(),
        "NOT_FOUND"
    );
    let me = app
        .gql(
            Some(&app.admin()),
            q,
            json!({ "id": app.a.admin_id.to_string() }),
        )
        .await;
    assert_eq!(me.code(), "BAD_USER_INPUT");
    assert_eq!(me.field(), "input.userId");
    let bad = app
        .gql(Some(&app.admin()), q, json!({ "id": "not-a-uuid" }))
        .await;
    assert_eq!(
        (bad.code(), bad.field()),
        ("BAD_USER_INPUT", "input.userId")
    );
    app.login("therapist2@a.test", PASSWORD).await.ok();
}

const INVITE_THERAPIST: &str = "mutation($n: String!, $e: String) {
    inviteTherapist(input: {displayName: $n, email: $e}) { code expiresAt } }";
const ACCEPT: &str = "mutation($c: String!, $e: String!, $p: String!) {
    acceptInvitation(input: {code: $c, email: $e, password: $p}) {
        accessToken viewer { role displayName client { id displayName } } } }";

#[tokio::test]
async fn an_invited_therapist_accepts_once_and_signs_in() {
    let app = spawn_app().await;
    let inv = app
        .gql(
            Some(&app.admin()),
            INVITE_THERAPIST,
            json!({ "n": "Dr. New", "e": null }),
        )
        .await
        .ok();
    let code = inv
        .data("inviteTherapist.code")
        .as_str()
        .unwrap()
        .to_owned();
    let accepted = app
        .gql(
            None,
            ACCEPT,
            json!({ "c": code, "e": "new@a.test", "p": "a-long-password" }),
        )
        .await
        .ok();
    assert_eq!(accepted.data("acceptInvitation.viewer.role"), "THERAPIST");
    assert_eq!(
        accepted.data("acceptInvitation.viewer.displayName"),
        "Dr. New"
    );
    app.login("new@a.test", "a-long-password").await.ok();
    let again = app
        .gql(
            None,
            ACCEPT,
            json!({ "c": code, "e": "other@a.test", "p": "a-long-password" }),
        )
        .await;
    assert_eq!(
        (again.code(), again.field()),
        ("BAD_USER_INPUT", "input.code")
    );
    let therapists = app
        .gql(
            Some(&app.admin()),
            "{ therapists { totalCount edges { node { displayName } } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(therapists.data("therapists.totalCount"), 3);
}

#[tokio::test]
async fn invitations_check_their_input_and_write_nothing_when_it_is_bad() {
    let app = spawn_app().await;
    let before = app.count("invitation").await;
    let blank = app
        .gql(
            Some(&app.admin()),
            INVITE_THERAPIST,
            json!({ "n": "  ", "e": null }),
        )
        .await;
    assert_eq!(
        (blank.code(), blank.field()),
        ("BAD_USER_INPUT", "input.displayName")
    );
    let email = app
        .gql(
            Some(&app.admin()),
            INVITE_THERAPIST,
            json!({ "n": "X", "e": "nope" }),
        )
        .await;
    assert_eq!(
        (email.code(), email.field()),
        ("BAD_USER_INPUT", "input.email")
    );
    let taken = app
        .gql(
            Some(&app.admin()),
            INVITE_THERAPIST,
            json!({ "n": "X", "e": "therapist@a.test" }),
        )
        .await;
    assert_eq!(taken.code(), "CONFLICT");
    let therapist = app
        .gql(
            Some(&app.therapist()),
            INVITE_THERAPIST,
            json!({ "n": "X", "e": null }),
        )
        .await;
    assert_eq!(therapist.code(), "FORBIDDEN");
    assert_eq!(app.count("invitation").await, before);

    let inv = app
        .gql(
            Some(&app.admin()),
            INVITE_THERAPIST,
            json!({ "n": "Dr. Locked", "e": "locked@a.test" }),
        )
        .await
        .ok();
    let code = inv.data("inviteTherapist.code").as_str().unwrap();
    let users = app.count("app_user").await;
    let short = app
        .gql(
            None,
            ACCEPT,
            json!({ "c": code, "e": "locked@a.test", "p": "short" }),
        )
        .await;
    assert_eq!(
        (short.code(), short.field()),
        ("BAD_USER_INPUT", "input.password")
    );
    let wrong = app
        .gql(
            None,
            ACCEPT,
            json!({ "c": code, "e": "someone@a.test", "p": "a-long-password" }),
        )
        .await;
    assert_eq!(
        (wrong.code(), wrong.field()),
        ("BAD_USER_INPUT", "input.email")
    );
    let bogus = app
        .gql(
            None,
            ACCEPT,
            json!({ "c": "inv_bogus", "e": "locked@a.test", "p": "a-long-password" }),
        )
        .await;
    assert_eq!(
        (bogus.code(), bogus.field()),
        ("BAD_USER_INPUT", "input.code")
    );
    assert_eq!(app.count("app_user").await, users);
    // The invitation survived the failed attempts.
    app.gql(
        None,
        ACCEPT,
        json!({ "c": code, "e": "locked@a.test", "p": "a-long-password" }),
    )
    .await
    .ok();
}

#[tokio::test]
async fn an_expired_invitation_cannot_be_accepted() {
    let app = spawn_app().await;
    let inv = app
        .gql(
            Some(&app.admin()),
            INVITE_THERAPIST,
            json!({ "n": "Dr. Late", "e": null }),
        )
        .await
        .ok();
    let code = inv.data("inviteTherapist.code").as_str().unwrap();
    use sea_orm::ConnectionTrait as _;
    app.db
        .execute_raw(sea_orm::Statement::from_sql_and_values(
            app.db.get_database_backend(),
            match app.db.get_database_backend() {
                sea_orm::DatabaseBackend::Postgres => "UPDATE invitation SET expires_at = $1",
                _ => "UPDATE invitation SET expires_at = ?",
            },
            [(Utc::now() - Duration::minutes(1)).into()],
        ))
        .await
        .unwrap();
    let res = app
        .gql(
            None,
            ACCEPT,
            json!({ "c": code, "e": "late@a.test", "p": "a-long-password" }),
        )
        .await;
    assert_eq!((res.code(), res.field()), ("BAD_USER_INPUT", "input.code"));
}

#[tokio::test]
async fn an_invited_client_gets_a_login_linked_to_their_record() {
    let app = spawn_app().await;
    let client_id = app.a.client_ids[1].to_string(); // Jordan Lee, no login yet
    let inv = app
        .gql(
            Some(&app.therapist()),
            "mutation($id: ID!) { inviteClient(input: {clientId: $id}) { code expiresAt } }",
            json!({ "id": client_id }),
        )
        .await
        .ok();
    let code = inv.data("inviteClient.code").as_str().unwrap();
    let res = app
        .gql(
            None,
            ACCEPT,
            json!({ "c": code, "e": "jordan@a.test", "p": "jordans-password" }),
        )
        .await
        .ok();
    assert_eq!(res.data("acceptInvitation.viewer.role"), "CLIENT");
    assert_eq!(
        res.data("acceptInvitation.viewer.client.id"),
        client_id.as_str()
    );
    let token = res.data("acceptInvitation.accessToken").as_str().unwrap();
    let mine = app
        .gql(
            Some(token),
            "{ clients { totalCount edges { node { displayName hasLogin } } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(mine.data("clients.totalCount"), 1);
    assert_eq!(mine.data("clients.edges.0.node.displayName"), "Jordan Lee");
    assert_eq!(mine.data("clients.edges.0.node.hasLogin"), true);
    use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
    let linked = entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Operation.eq("acceptInvitation"))
        .one(&app.db)
        .await
        .unwrap()
        .expect("an audit row for the linking");
    assert_eq!(linked.actor_role, "CLIENT");
    assert_eq!(linked.client_id, Some(app.a.client_ids[1]));
    // A second invitation for a client with a login is a conflict.
    let again = app
        .gql(
            Some(&app.therapist()),
            "mutation($id: ID!) { inviteClient(input: {clientId: $id}) { code } }",
            json!({ "id": client_id }),
        )
        .await;
    assert_eq!(again.code(), "CONFLICT");
}

#[tokio::test]
async fn therapists_cannot_invite_clients_outside_their_care_team() {
    let app = spawn_app().await;
    let q = "mutation($id: ID!) { inviteClient(input: {clientId: $id}) { code } }";
    let other = app
        .gql(
            Some(&app.therapist()),
            q,
            json!({ "id": app.a.client_ids[3].to_string() }),
        )
        .await;
    assert_eq!(other.code(), "NOT_FOUND");
    let cross = app
        .gql(
            Some(&app.therapist()),
            q,
            json!({ "id": app.b.client_ids[1].to_string() }),
        )
        .await;
    assert_eq!(cross.code(), "NOT_FOUND");
    let client = app
        .gql(
            Some(&app.client()),
            q,
            json!({ "id": app.a.client_ids[0].to_string() }),
        )
        .await;
    assert_eq!(client.code(), "FORBIDDEN");
    assert_eq!(app.count("invitation").await, 0);
}

#[tokio::test]
async fn viewer_describes_the_caller() {
    let app = spawn_app().await;
    let res = app
        .gql(
            Some(&app.client()),
            "{ viewer { id role displayName practice { name } client { displayName } scopes } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(res.data("viewer.role"), "CLIENT");
    assert_eq!(res.data("viewer.practice.name"), "Practice A");
    assert_eq!(res.data("viewer.client.displayName"), "Casey Morgan");
    let admin = app
        .gql(
            Some(&app.admin()),
            "{ viewer { role client { id } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(admin.data("viewer.role"), "PRACTICE_ADMIN");
    assert!(admin.data("viewer.client").is_null());
}

#[tokio::test]
async fn a_practice_created_from_the_command_line_starts_empty_and_its_admin_signs_in() {
    use momentum_api::{
        error::ServiceError,
        practices::{domain::NewPractice, service},
        values::{DisplayName, Email, NewPassword},
    };
    let app = spawn_app().await;
    let new = || NewPractice {
        name: DisplayName::parse("Practice C", "--name").unwrap(),
        admin_email: Email::parse("Boss@C.test", "--admin-email").unwrap(),
        admin_name: DisplayName::parse("Bo Boss", "--admin-name").unwrap(),
        admin_password: NewPassword::parse("a-long-password", "MOMENTUM_ADMIN_PASSWORD").unwrap(),
    };
    service::create(&app.db, new()).await.unwrap();
    let login = app.login("boss@c.test", "a-long-password").await.ok();
    let token = login.data("login.accessToken").as_str().unwrap();
    let res = app
        .gql(
            Some(token),
            "{ practice { name } clients { totalCount } therapists { totalCount } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(res.data("practice.name"), "Practice C");
    assert_eq!(res.data("clients.totalCount"), 0);
    assert_eq!(res.data("therapists.totalCount"), 0);
    assert!(matches!(
        service::create(&app.db, new()).await,
        Err(ServiceError::Conflict(_))
    ));
    assert_eq!(app.count("practice").await, 3);
}

#[tokio::test]
async fn demo_seeding_happens_once() {
    let app = spawn_app().await;
    assert!(momentum_api::demo::seed_demo(&app.db).await.unwrap());
    assert!(!momentum_api::demo::seed_demo(&app.db).await.unwrap());
    assert_eq!(app.count("practice").await, 3);
    let login = app.login("therapist@demo.test", PASSWORD).await.ok();
    let token = login.data("login.accessToken").as_str().unwrap();
    assert_eq!(app.roster_count(token).await, 2);
}

#[tokio::test]
async fn the_login_limit_holds_across_two_servers_on_one_database() {
    let app = spawn_app_with(|c| c.login_attempts_per_minute = 4).await;
    // A second server on the same database, with its own memory: a replica.
    let (other, _stopper) = app.start_another(|_| {}).await;
    let login_at = |url: String| {
        let http = app.http.clone();
        async move {
            let res: serde_json::Value = http
                .post(format!("{url}/graphql"))
                .json(&json!({
                    "query": "mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { accessToken } }",
                    "variables": { "e": "therapist@a.test", "p": "wrong-password!" } }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            res["errors"][0]["extensions"]["code"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        }
    };
    a_fresh_minute().await;
    // Two attempts on each server use up the quota of four...
    for url in [&app.url, &other, &app.url, &other] {
        assert_eq!(login_at(url.clone()).await, "UNAUTHENTICATED");
    }
    // ...so the fifth is refused on either, though each saw only two.
    assert_eq!(login_at(other.clone()).await, "RATE_LIMITED");
    assert_eq!(login_at(app.url.clone()).await, "RATE_LIMITED");
    // No email is stored: the counter keys are hashes.
    let stored = app.count("attempt_counter").await;
    assert_eq!(stored, 1);
    let row = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT key_hash FROM attempt_counter".to_owned(),
        ))
        .await
        .unwrap()
        .unwrap();
    let key: String = row.try_get("", "key_hash").unwrap();
    assert!(!key.contains('@') && key.len() == 64, "{key}");
}
