//! A cycle's goals: set, revised, met, dropped, and the measures recorded against them.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Json;
use serde_json::{json, Value};

use super::cycles::readable;
use super::error::ApiError;
use super::extract::{Caller, JsonBytes, PointQuery, Q};
use super::read::{view, AsOf};
use super::write::{command, id};
use crate::server::Server;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<Arc<Server>> {
    OpenApiRouter::new()
        .routes(routes!(goals_create))
        .routes(routes!(goals_show))
        .routes(routes!(revisions_create))
        .routes(routes!(met_create))
        .routes(routes!(dropped_create))
        .routes(routes!(measures_create))
}

type S = State<Arc<Server>>;

#[utoipa::path(
    post,
    path = "/cycles/{cycle}/goals",
    tag = "goals",
    params(("cycle" = String, Path, description = "A cycle's id"), super::openapi::WriteHeaders),
    request_body(content = crate::command::SetGoal, content_type = "application/json"),
    responses((status = 201, description = "Recorded: where each event landed", body = super::openapi::Written), super::openapi::WriteErrors)
)]
pub async fn goals_create(
    State(s): S,
    c: Caller,
    Path(cycle): Path<String>,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    command(&s, c, "set_goal", &[id("cycle", &cycle)], &h, &b).await
}

/// A write to one goal: the command `tag` with the cycle and goal from the path.
async fn on_goal(
    s: &Arc<Server>,
    c: Caller,
    tag: &'static str,
    (cycle, goal): (String, String),
    h: &HeaderMap,
    b: &[u8],
) -> Result<Response, ApiError> {
    command(s, c, tag, &[id("cycle", &cycle), id("goal", &goal)], h, b).await
}

#[utoipa::path(
    post,
    path = "/cycles/{cycle}/goals/{goal}/revisions",
    tag = "goals",
    params(("cycle" = String, Path, description = "A cycle's id"), ("goal" = String, Path, description = "A goal's id"), super::openapi::WriteHeaders),
    request_body(content = crate::command::ReviseGoal, content_type = "application/json"),
    responses((status = 201, description = "Recorded: where each event landed", body = super::openapi::Written), super::openapi::WriteErrors)
)]
pub async fn revisions_create(
    State(s): S,
    c: Caller,
    Path(p): Path<(String, String)>,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    on_goal(&s, c, "revise_goal", p, &h, &b).await
}

#[utoipa::path(
    post,
    path = "/cycles/{cycle}/goals/{goal}/met",
    tag = "goals",
    params(("cycle" = String, Path, description = "A cycle's id"), ("goal" = String, Path, description = "A goal's id"), super::openapi::WriteHeaders),
    request_body(content = crate::command::MarkGoalMet, content_type = "application/json"),
    responses((status = 201, description = "Recorded: where each event landed", body = super::openapi::Written), super::openapi::WriteErrors)
)]
pub async fn met_create(
    State(s): S,
    c: Caller,
    Path(p): Path<(String, String)>,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    on_goal(&s, c, "mark_goal_met", p, &h, &b).await
}

#[utoipa::path(
    post,
    path = "/cycles/{cycle}/goals/{goal}/dropped",
    tag = "goals",
    params(("cycle" = String, Path, description = "A cycle's id"), ("goal" = String, Path, description = "A goal's id"), super::openapi::WriteHeaders),
    request_body(content = crate::command::DropGoal, content_type = "application/json"),
    responses((status = 201, description = "Recorded: where each event landed", body = super::openapi::Written), super::openapi::WriteErrors)
)]
pub async fn dropped_create(
    State(s): S,
    c: Caller,
    Path(p): Path<(String, String)>,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    on_goal(&s, c, "drop_goal", p, &h, &b).await
}

#[utoipa::path(
    post,
    path = "/cycles/{cycle}/goals/{goal}/measures",
    tag = "goals",
    params(("cycle" = String, Path, description = "A cycle's id"), ("goal" = String, Path, description = "A goal's id"), super::openapi::WriteHeaders),
    request_body(content = crate::command::RecordMeasure, content_type = "application/json"),
    responses((status = 201, description = "Recorded: where each event landed", body = super::openapi::Written), super::openapi::WriteErrors)
)]
pub async fn measures_create(
    State(s): S,
    c: Caller,
    Path(p): Path<(String, String)>,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    on_goal(&s, c, "record_measure", p, &h, &b).await
}

/// One goal as the cycle's view shows it.
#[utoipa::path(
    get,
    path = "/cycles/{cycle}/goals/{goal}",
    tag = "goals",
    params(("cycle" = String, Path, description = "A cycle's id"), ("goal" = String, Path, description = "A goal's id"), super::extract::PointQuery),
    responses((status = 200, description = "OK", body = super::openapi::GoalShow), super::openapi::ReadErrors)
)]
pub async fn goals_show(
    State(s): S,
    c: Caller,
    Path((cycle, goal)): Path<(String, String)>,
    Q(point): Q<PointQuery>,
) -> Result<Json<Value>, ApiError> {
    view(&s, &point, move |v, _| {
        let cy = readable(v, &c, &cycle)?;
        let found = cy
            .goal_views()
            .into_iter()
            .find(|g| g.id.as_str() == goal)
            .ok_or_else(|| {
                ApiError::not_found(format!("no goal {goal:?} in {cycle}")).at("goal")
            })?;
        Ok(json!({ "as_of": AsOf::of(v), "cycle": cycle, "goal": found }))
    })
    .await
}
