//! A goal's milestones: planned, rescheduled, reached, missed.

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
        .routes(routes!(milestones_create))
        .routes(routes!(milestones_show))
        .routes(routes!(reschedules_create))
        .routes(routes!(reached_create))
        .routes(routes!(missed_create))
}

type S = State<Arc<Server>>;

#[utoipa::path(
    post,
    path = "/cycles/{cycle}/goals/{goal}/milestones",
    tag = "milestones",
    params(("cycle" = String, Path, description = "A cycle's id"), ("goal" = String, Path, description = "A goal's id"), super::openapi::WriteHeaders),
    request_body(content = crate::command::PlanMilestone, content_type = "application/json"),
    responses((status = 201, description = "Recorded: where each event landed", body = super::openapi::Written), super::openapi::WriteErrors)
)]
pub async fn milestones_create(
    State(s): S,
    c: Caller,
    Path((cycle, goal)): Path<(String, String)>,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    let path = [id("cycle", &cycle), id("goal", &goal)];
    command(&s, c, "plan_milestone", &path, &h, &b).await
}

/// A write to one milestone: the command `tag` with the cycle and milestone from the path.
async fn on_milestone(
    s: &Arc<Server>,
    c: Caller,
    tag: &'static str,
    (cycle, milestone): (String, String),
    h: &HeaderMap,
    b: &[u8],
) -> Result<Response, ApiError> {
    let path = [id("cycle", &cycle), id("milestone", &milestone)];
    command(s, c, tag, &path, h, b).await
}

#[utoipa::path(
    post,
    path = "/cycles/{cycle}/milestones/{milestone}/reschedules",
    tag = "milestones",
    params(("cycle" = String, Path, description = "A cycle's id"), ("milestone" = String, Path, description = "A milestone's id"), super::openapi::WriteHeaders),
    request_body(content = crate::command::RescheduleMilestone, content_type = "application/json"),
    responses((status = 201, description = "Recorded: where each event landed", body = super::openapi::Written), super::openapi::WriteErrors)
)]
pub async fn reschedules_create(
    State(s): S,
    c: Caller,
    Path(p): Path<(String, String)>,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    on_milestone(&s, c, "reschedule_milestone", p, &h, &b).await
}

#[utoipa::path(
    post,
    path = "/cycles/{cycle}/milestones/{milestone}/reached",
    tag = "milestones",
    params(("cycle" = String, Path, description = "A cycle's id"), ("milestone" = String, Path, description = "A milestone's id"), super::openapi::WriteHeaders),
    request_body(content = crate::command::MarkMilestoneReached, content_type = "application/json"),
    responses((status = 201, description = "Recorded: where each event landed", body = super::openapi::Written), super::openapi::WriteErrors)
)]
pub async fn reached_create(
    State(s): S,
    c: Caller,
    Path(p): Path<(String, String)>,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    on_milestone(&s, c, "mark_milestone_reached", p, &h, &b).await
}

#[utoipa::path(
    post,
    path = "/cycles/{cycle}/milestones/{milestone}/missed",
    tag = "milestones",
    params(("cycle" = String, Path, description = "A cycle's id"), ("milestone" = String, Path, description = "A milestone's id"), super::openapi::WriteHeaders),
    request_body(content = crate::command::MarkMilestoneMissed, content_type = "application/json"),
    responses((status = 201, description = "Recorded: where each event landed", body = super::openapi::Written), super::openapi::WriteErrors)
)]
pub async fn missed_create(
    State(s): S,
    c: Caller,
    Path(p): Path<(String, String)>,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    on_milestone(&s, c, "mark_milestone_missed", p, &h, &b).await
}

/// One milestone as the cycle's view shows it.
#[utoipa::path(
    get,
    path = "/cycles/{cycle}/milestones/{milestone}",
    tag = "milestones",
    params(("cycle" = String, Path, description = "A cycle's id"), ("milestone" = String, Path, description = "A milestone's id"), super::extract::PointQuery),
    responses((status = 200, description = "OK", body = super::openapi::MilestoneShow), super::openapi::ReadErrors)
)]
pub async fn milestones_show(
    State(s): S,
    c: Caller,
    Path((cycle, milestone)): Path<(String, String)>,
    Q(point): Q<PointQuery>,
) -> Result<Json<Value>, ApiError> {
    view(&s, &point, move |v, _| {
        let cy = readable(v, &c, &cycle)?;
        let found = cy
            .milestone_views()
            .into_iter()
            .find(|m| m.id.as_str() == milestone)
            .ok_or_else(|| {
                ApiError::not_found(format!("no milestone {milestone:?} in {cycle}"))
                    .at("milestone")
            })?;
        Ok(json!({ "as_of": AsOf::of(v), "cycle": cycle, "milestone": found }))
    })
    .await
}
