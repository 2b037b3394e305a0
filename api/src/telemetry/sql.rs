//! A span for each SQL statement and the count of statements per GraphQL operation, from
//! sea-orm's per-statement callback. The span is named by the operation and table
//! (`SELECT goal`) and carries `db.system`, `db.operation.name` and `db.collection.name`;
//! never the statement's text or its values.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::SystemTime,
};

use opentelemetry::{
    KeyValue,
    trace::{Span as _, SpanKind, Status, TraceContextExt as _, Tracer as _},
};
use sea_orm::{DatabaseBackend, DatabaseConnection};
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

tokio::task_local! {
    static STATEMENTS: Arc<AtomicU64>;
}

/// The statements run inside one operation: [`Counter::scope`] runs a future under it, and
/// every statement it (or a task it spawns through [`Counter::spawn`]) runs is counted.
#[derive(Clone, Default)]
pub struct Counter(Arc<AtomicU64>);

impl Counter {
    /// Runs `f` counting its statements here.
    pub async fn scope<F: Future>(&self, f: F) -> F::Output {
        STATEMENTS.scope(self.0.clone(), f).await
    }

    /// The statements counted so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// The counter of the operation running now, if any.
    pub fn current() -> Option<Self> {
        STATEMENTS.try_with(|c| Self(c.clone())).ok()
    }
}

/// Makes `db` report each statement: a span under the current one when spans are exported,
/// and one more on the running operation's count when metrics are.
pub fn instrument(db: &mut DatabaseConnection) {
    let tracing = super::tracing_on();
    if !tracing && !momentum_core::telemetry::enabled() {
        return;
    }
    let system = match db.get_database_backend() {
        DatabaseBackend::Postgres => "postgresql",
        DatabaseBackend::Sqlite => "sqlite",
        _ => "other_sql",
    };
    let tracer = opentelemetry::global::tracer_with_scope(momentum_core::telemetry::scope());
    db.set_metric_callback(move |info| {
        let _ = STATEMENTS.try_with(|c| c.fetch_add(1, Ordering::Relaxed));
        if !tracing {
            return;
        }
        let (operation, table) = summary(&info.statement.sql);
        let end = SystemTime::now();
        let start = end.checked_sub(info.elapsed).unwrap_or(end);
        let name = match table {
            Some(t) => format!("{operation} {t}"),
            None => operation.to_owned(),
        };
        let mut attributes = vec![
            KeyValue::new("db.system", system),
            KeyValue::new("db.system.name", system),
            KeyValue::new("db.operation.name", operation.to_owned()),
        ];
        if let Some(t) = table {
            attributes.push(KeyValue::new("db.collection.name", t.to_owned()));
        }
        let parent = tracing::Span::current().context();
        // Statements outside a request, a job pass or a delivery (the event hub's reads)
        // would each be a trace of one span: they are counted in no trace.
        if !parent.has_active_span() {
            return;
        }
        let mut span = tracer
            .span_builder(name)
            .with_kind(SpanKind::Client)
            .with_start_time(start)
            .with_attributes(attributes)
            .start_with_context(&tracer, &parent);
        if info.failed {
            span.set_status(Status::error("the statement failed"));
        }
        span.end_with_timestamp(end);
    });
}

/// A table name as written (`"goal"`, `"public"."goal"`, `goal)`), unquoted; `None` for a
/// sub-query or anything that is not a plain name.
fn unquote(w: &str) -> Option<&str> {
    let t = w
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .trim_matches(|c| c == '"' || c == '`' || c == ',' || c == ';' || c == ')');
    (!w.starts_with('(')
        && !t.is_empty()
        && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
    .then_some(t)
}

/// The operation (`SELECT`, `INSERT`, …) and the table a statement names, read from its
/// text: the word after `INTO`, `UPDATE` or `FROM`, unquoted. A `WITH` statement is named by
/// its first data-modifying part (`WITH inserted AS (INSERT INTO goal …) SELECT …` is an
/// `INSERT goal`), else as a `SELECT` of the first table that is not one of its own names.
fn summary(sql: &str) -> (&'static str, Option<&str>) {
    const OPERATIONS: [&str; 10] = [
        "SELECT",
        "INSERT",
        "UPDATE",
        "DELETE",
        "WITH",
        "BEGIN",
        "COMMIT",
        "ROLLBACK",
        "SAVEPOINT",
        "RELEASE",
    ];
    let words: Vec<&str> = sql.split_whitespace().collect();
    let first = words.first().copied().unwrap_or_default();
    let Some(operation) = OPERATIONS
        .into_iter()
        .find(|o| first.trim_start_matches('(').eq_ignore_ascii_case(o))
    else {
        return ("SQL", None);
    };
    let is = |w: &str, k: &str| w.trim_start_matches('(').eq_ignore_ascii_case(k);
    // The word after `keyword` (after `DELETE FROM`, `INSERT INTO`, `UPDATE`), skipping `skip`.
    let after = |keyword: &str, skip: &[&str]| {
        words.windows(2).find_map(|w| {
            if !is(w[0], keyword) {
                return None;
            }
            unquote(w[1]).filter(|t| !skip.iter().any(|s| s.eq_ignore_ascii_case(t)))
        })
    };
    match operation {
        "INSERT" => ("INSERT", after("INTO", &[])),
        "UPDATE" => ("UPDATE", after("UPDATE", &[])),
        "DELETE" | "SELECT" => (operation, after("FROM", &[])),
        "WITH" => {
            // The names the statement gives its parts: `name AS (` or `name AS MATERIALIZED`.
            let own: Vec<&str> = words
                .windows(2)
                .filter(|w| is(w[1], "AS"))
                .filter_map(|w| unquote(w[0]))
                .collect();
            for (op, keyword) in [("INSERT", "INTO"), ("UPDATE", "UPDATE"), ("DELETE", "FROM")] {
                let modifies = words
                    .windows(2)
                    .any(|w| is(w[0], op) && (op == "UPDATE" || is(w[1], keyword)));
                if modifies {
                    let table = if op == "UPDATE" {
                        after("UPDATE", &own)
                    } else {
                        words.windows(3).find_map(|w| {
                            (is(w[0], op) && is(w[1], keyword))
                                .then(|| unquote(w[2]))
                                .flatten()
                        })
                    };
                    return (op, table);
                }
            }
            ("SELECT", after("FROM", &own))
        }
        _ => (operation, None),
    }
}

#[cfg(test)]
mod tests {
    use super::summary;

    #[test]
    fn statements_are_named_by_operation_and_table_only() {
        assert_eq!(
            summary(
                r#"SELECT "goal"."id", "goal"."title" FROM "goal" WHERE "goal"."client_id" = $1"#
            ),
            ("SELECT", Some("goal"))
        );
        assert_eq!(
            summary(r#"INSERT INTO "audit_event" ("id", "actor") VALUES ($1, $2), ($3, $4)"#),
            ("INSERT", Some("audit_event"))
        );
        assert_eq!(
            summary(r#"UPDATE "client" SET "version" = $1 WHERE "id" = $2"#),
            ("UPDATE", Some("client"))
        );
        assert_eq!(
            summary(r#"DELETE FROM "event" WHERE "id" < $1"#),
            ("DELETE", Some("event"))
        );
        assert_eq!(
            summary(r#"WITH "c" AS MATERIALIZED (SELECT 1 FROM "client") SELECT * FROM "c""#),
            ("SELECT", Some("client"))
        );
        assert_eq!(
            summary(
                r#"WITH "inserted" AS (INSERT INTO "tracker_entry" ("id") VALUES ($1) RETURNING *) SELECT * FROM "inserted""#
            ),
            ("INSERT", Some("tracker_entry"))
        );
        assert_eq!(
            summary(
                r#"WITH "gone" AS (DELETE FROM "event" WHERE "id" < $1 RETURNING 1) SELECT COUNT(*) FROM "gone""#
            ),
            ("DELETE", Some("event"))
        );
        assert_eq!(summary("BEGIN"), ("BEGIN", None));
        assert_eq!(
            summary("SELECT pg_advisory_xact_lock($1)"),
            ("SELECT", None)
        );
        assert_eq!(summary("VACUUM"), ("SQL", None));
        assert_eq!(
            summary(r#"SELECT 1 FROM (SELECT 1) AS "x""#),
            ("SELECT", None)
        );
    }
}
