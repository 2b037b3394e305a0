//! HTTP: routes, the GraphQL handler, health checks and request ids.

pub mod graphql;
pub mod health;
pub mod request_id;
pub mod ws;

use actix_web::web;

/// Registers every route.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/graphql", web::post().to(graphql::execute))
        .route("/graphql", web::get().to(graphql::graphiql))
        .route("/graphql/ws", web::get().to(ws::subscriptions))
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz));
}
