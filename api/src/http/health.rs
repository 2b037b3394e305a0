//! Liveness and readiness.

use actix_web::{HttpResponse, web};

use crate::state::AppState;

/// `GET /healthz`: the process is up.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(r#"{"status":"ok"}"#)
}

/// `GET /readyz`: the database answers.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let db = state.db.clone();
    let pinged = state
        .on_main(async move { db.ping().await.map_err(|e| e.to_string()) })
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r);
    match pinged {
        Ok(()) => HttpResponse::Ok()
            .content_type("application/json")
            .body(r#"{"status":"ready"}"#),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            HttpResponse::ServiceUnavailable()
                .content_type("application/json")
                .body(r#"{"status":"database unavailable"}"#)
        }
    }
}
