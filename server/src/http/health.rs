//! `/healthz`: the process answers. `/readyz`: it can serve, i.e. the database answers within a
//! second. The cloud is deliberately not part of readiness: a slow zone must not take the panel out
//! of a load balancer. A server that is shutting down is not ready either, so the balancer stops
//! sending it requests while it finishes the ones it has.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

pub async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

pub async fn readyz(State(db): State<crate::db::Db>, State(draining): State<super::serve::Draining>) -> (StatusCode, Json<Value>) {
    if draining.is_draining() {
        (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "draining"})))
    } else if db.ping().await {
        (StatusCode::OK, Json(json!({"status": "ready"})))
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "unavailable", "reason": "database"})))
    }
}
