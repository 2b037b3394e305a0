//! The deploy topology without containers: nginx with `deploy/nginx.conf` (its port and the
//! replicas' addresses filled in) in front of two `momentum serve` processes on one
//! PostgreSQL database, which `momentum migrate` and `momentum practice create` prepared.
//! Through the load balancer: sign-in, an invitation accepted, a query, a mutation and a
//! subscription; events written through each replica arrive on the subscription the load
//! balancer placed on one of them; then one replica gets SIGTERM while a client keeps
//! working through the other. Last, a backup and restore round trip (`pg_dump` of the
//! database, `pg_restore` into a fresh one): a server on the restored copy reads the same data.
//!
//! Needs PostgreSQL (`MOMENTUM_TEST_DATABASE_URL`), nginx, and PostgreSQL's client tools;
//! `.ci/run` installs nginx and runs it with `--include-ignored`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use futures_util::StreamExt as _;
use serde_json::{Value, json};
use uuid::Uuid;

mod support;

use support::{Server, TestDb, free_port, gql, ready, server_ready, subscribe};

const SECRET: &str = "smoke-test-secret-of-sufficient-length-0123456789ab";
const ADMIN_PASSWORD: &str = "smoke-admin-password-1";

fn momentum(url: &str) -> Command {
    support::momentum(url, SECRET)
}

fn run(cmd: &mut Command, what: &str) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn serve(url: &str, port: u16) -> Server {
    Server(
        momentum(url)
            .arg("serve")
            .env("MOMENTUM_BIND", format!("127.0.0.1:{port}"))
            .env("MOMENTUM_MIGRATE", "false")
            // Warnings show beside the test's own output when it fails.
            .stdout(Stdio::inherit())
            .spawn()
            .expect("start momentum serve"),
    )
}

/// An nginx master process, stopped on drop with SIGTERM so that it takes its workers with
/// it (a SIGKILL would leave them running).
struct Nginx(std::process::Child);

impl Drop for Nginx {
    fn drop(&mut self) {
        Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status()
            .ok();
        self.0.wait().ok();
    }
}

/// nginx with `deploy/nginx.conf`, listening on `port`, in front of `replicas`.
fn nginx(dir: &Path, port: u16, replicas: &[u16]) -> Nginx {
    let conf =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/nginx.conf"))
            .unwrap();
    assert!(
        conf.contains("listen 8080;"),
        "deploy/nginx.conf listens on 8080"
    );
    std::fs::write(
        dir.join("nginx.conf"),
        conf.replace("listen 8080;", &format!("listen 127.0.0.1:{port};")),
    )
    .unwrap();
    let servers: String = replicas
        .iter()
        .map(|p| format!("  server 127.0.0.1:{p};\n"))
        .collect();
    let d = dir.display();
    std::fs::write(
        dir.join("momentum-upstream.conf"),
        format!(
            "upstream momentum {{\n{servers}}}\n\
             client_body_temp_path {d}/body;\nproxy_temp_path {d}/proxy;\n\
             fastcgi_temp_path {d}/fastcgi;\nuwsgi_temp_path {d}/uwsgi;\nscgi_temp_path {d}/scgi;\n"
        ),
    )
    .unwrap();
    let child = Command::new("nginx")
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .args(["-e", "stderr", "-g", "daemon off;"])
        .stdout(Stdio::null())
        .spawn()
        .expect("nginx must be installed (.ci/run installs it)");
    Nginx(child)
}

async fn create_tracker(
    http: &reqwest::Client,
    port: u16,
    token: &str,
    client: &str,
    name: &str,
) -> String {
    let res = gql(
        http,
        port,
        Some(token),
        "mutation($input: CreateTrackerInput!) { createTracker(input: $input) { tracker { id } } }",
        json!({ "input": { "clientId": client, "name": name, "valueType": "COUNT" } }),
    )
    .await;
    res["data"]["createTracker"]["tracker"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn sigterm(server: &Server) {
    let ok = Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -TERM");
}

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("momentum-smoke-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL and nginx: .ci/run installs nginx and runs it"]
async fn the_deploy_topology_serves_through_nginx_shares_events_and_survives_a_replica_stopping() {
    let (database, url) = TestDb::create().await;
    assert!(
        database.is_postgres(),
        "this test needs PostgreSQL: set MOMENTUM_TEST_DATABASE_URL"
    );
    let dir = scratch();
    let http = reqwest::Client::new();

    // Prepared as the deployment prepares it: migrate once, then the first practice.
    run(momentum(&url).arg("migrate"), "momentum migrate");
    run(
        momentum(&url)
            .args([
                "practice",
                "create",
                "--name",
                "Smoke",
                "--admin-email",
                "admin@smoke.test",
            ])
            .env("MOMENTUM_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("MOMENTUM_MIGRATE", "false"),
        "momentum practice create",
    );
    let (port_a, port_b, lb) = (free_port(), free_port(), free_port());
    let mut a = serve(&url, port_a);
    let mut b = serve(&url, port_b);
    server_ready(&http, &mut a, port_a).await;
    server_ready(&http, &mut b, port_b).await;
    let balancer = nginx(&dir, lb, &[port_a, port_b]);
    ready(&http, lb).await;

    // Sign in, invite a therapist, who accepts, all through the load balancer.
    let login = gql(
        &http,
        lb,
        None,
        "mutation($input: LoginInput!) { login(input: $input) { accessToken } }",
        json!({ "input": { "email": "admin@smoke.test", "password": ADMIN_PASSWORD } }),
    )
    .await;
    let admin = login["data"]["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let invite = gql(
        &http,
        lb,
        Some(&admin),
        "mutation($input: InviteTherapistInput!) { inviteTherapist(input: $input) { code } }",
        json!({ "input": { "displayName": "Dr Smoke", "email": "t@smoke.test" } }),
    )
    .await;
    let code = invite["data"]["inviteTherapist"]["code"].as_str().unwrap();
    let accepted = gql(
        &http,
        lb,
        None,
        "mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { accessToken } }",
        json!({ "input": { "code": code, "email": "t@smoke.test", "password": "smoke-therapist-pw-1" } }),
    )
    .await;
    let t = accepted["data"]["acceptInvitation"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let created = gql(
        &http,
        lb,
        Some(&t),
        "mutation($input: CreateClientInput!) { createClient(input: $input) { client { id } } }",
        json!({ "input": { "displayName": "Sam Smoke", "timezone": "Europe/Berlin" } }),
    )
    .await;
    let client = created["data"]["createClient"]["client"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let roster = gql(&http, lb, Some(&t), "{ clients { totalCount } }", json!({})).await;
    assert_eq!(roster["data"]["clients"]["totalCount"], 1);

    // A subscription through the load balancer sits on one replica; a change written
    // through each replica directly reaches it, so one of them crossed between replicas.
    let mut ws = subscribe(&http, lb, &t).await;
    let mut written = vec![
        create_tracker(&http, port_a, &t, &client, "Walks").await,
        create_tracker(&http, port_b, &t, &client, "Calls").await,
    ];
    let mut heard = Vec::new();
    while heard.len() < written.len() {
        let msg = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("an event through the load balancer within 5 s")
            .unwrap()
            .unwrap();
        let msg: Value = serde_json::from_str(msg.to_text().unwrap()).unwrap();
        let event = &msg["payload"]["data"]["progressEvents"];
        if event["kind"] == "TRACKER_CREATED" {
            heard.push(event["entityId"].as_str().unwrap().to_owned());
        }
    }
    written.sort();
    heard.sort();
    assert_eq!(heard, written);
    drop(ws);

    // One replica stops (SIGTERM, as a rollout does) while a client keeps working through
    // the load balancer: no request fails.
    let stopping = Instant::now();
    sigterm(&a);
    let mut answered = 0;
    while stopping.elapsed() < Duration::from_secs(4) {
        gql(&http, lb, Some(&t), "{ clients { totalCount } }", json!({})).await;
        answered += 1;
    }
    create_tracker(&http, lb, &t, &client, "After the stop").await;
    assert!(answered > 10, "{answered} requests in 4 s");
    drop((balancer, a, b));

    // Backup and restore: pg_dump the database, restore it into a fresh one, and a server
    // on the copy reads the same data.
    let dump = dir.join("momentum.dump");
    run(
        Command::new("pg_dump")
            .args(["--format=custom", "--no-owner", "--file"])
            .arg(&dump)
            .arg(&url),
        "pg_dump",
    );
    let (restored, restored_url) = TestDb::create().await;
    run(
        Command::new("pg_restore")
            .args(["--no-owner", "--dbname", &restored_url])
            .arg(&dump),
        "pg_restore",
    );
    let port_c = free_port();
    let mut c = serve(&restored_url, port_c);
    server_ready(&http, &mut c, port_c).await;
    let trackers = gql(
        &http,
        port_c,
        Some(&t),
        "query($id: ID!) { client(id: $id) { displayName trackers { name } } }",
        json!({ "id": client }),
    )
    .await;
    assert_eq!(trackers["data"]["client"]["displayName"], "Sam Smoke");
    let names: Vec<&str> = trackers["data"]["client"]["trackers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    for name in ["Walks", "Calls", "After the stop"] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    drop(c);
    std::fs::remove_dir_all(&dir).ok();
    restored.drop_it().await;
    database.drop_it().await;
}
