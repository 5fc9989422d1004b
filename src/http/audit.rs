//! The auditor's check: walk the hash chain and say whether it holds.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use super::error::ApiError;
use super::extract::Caller;
use crate::server::Server;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<Arc<Server>> {
    OpenApiRouter::new().routes(routes!(verify_show))
}

/// Walks every event, recomputing each hash link, on the pool that as-of folds use.
#[utoipa::path(
    get,
    path = "/audit/verify",
    tag = "audit",
    responses((status = 200, description = "OK", body = super::openapi::Verify), super::openapi::ReadErrors)
)]
pub async fn verify_show(State(s): State<Arc<Server>>, c: Caller) -> Result<Json<Value>, ApiError> {
    if !c.sees_all() {
        return Err(ApiError::forbidden(
            "verifying walks the whole log: an admin or auditor token is needed",
        ));
    }
    let log = s.log.clone();
    let report = s.views.on_pool(move || log.verify()).await;
    let (bad, reason) = match &report.problem {
        Some((position, problem)) => (Some(*position), Some(crate::cli::log::describe(problem))),
        None => (None, None),
    };
    Ok(Json(json!({
        "ok": report.holds(),
        "events": report.checked,
        "head_position": report.head.position,
        "head_hash": report.head.hash,
        "first_bad_position": bad,
        "reason": reason,
    })))
}
