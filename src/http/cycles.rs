//! Improvement cycles: opening, phases, closing, and what happens within them (RACI,
//! reassignments, adjustments, celebrations, reflections); their lists and timelines.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::ApiError;
use super::extract::{Caller, JsonBytes, PointQuery, Q};
use super::read::{key, rendered_view, view, AsOf, Page};
use super::write::{command, id};
use crate::replay;
use crate::server::Server;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<Arc<Server>> {
    OpenApiRouter::new()
        .routes(routes!(cycles_create, cycles_list))
        .routes(routes!(cycles_show))
        .routes(routes!(timeline_show))
        .routes(routes!(phase_create))
        .routes(routes!(close_create))
        .routes(routes!(raci_create))
        .routes(routes!(reassignments_create))
        .routes(routes!(adjustments_create))
        .routes(routes!(celebrations_create))
        .routes(routes!(reflections_create))
        .routes(routes!(reflection_revisions_create))
}

type S = State<Arc<Server>>;

#[utoipa::path(
    post,
    path = "/cycles",
    tag = "cycles",
    params(super::openapi::WriteHeaders),
    request_body(content = crate::command::OpenCycle, content_type = "application/json"),
    responses((status = 201, description = "Recorded: where each event landed", body = super::openapi::Written), super::openapi::WriteErrors)
)]
pub async fn cycles_create(
    State(s): S,
    c: Caller,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    command(&s, c, "open_cycle", &[], &h, &b).await
}

/// A write to one cycle: the command `tag` with the cycle from the path.
async fn in_cycle(
    s: &Arc<Server>,
    c: Caller,
    tag: &'static str,
    cycle: &str,
    h: &HeaderMap,
    b: &[u8],
) -> Result<Response, ApiError> {
    command(s, c, tag, &[id("cycle", cycle)], h, b).await
}

#[utoipa::path(
    post,
    path = "/cycles/{cycle}/phase",
    tag = "cycles",
    params(("cycle" = String, Path, description = "A cycle's id"), super::openapi::WriteHeaders),
    request_body(content = crate::command::ChangePhase, content_type = "application/json"),
    responses((status = 201, description = "Recorded: where each event landed", body = super::openapi::Written), super::openapi::WriteErrors)
)]
pub async fn phase_create(
    State(s): S,
    c: Caller,
    Path(cycle): Path<String>,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    in_cycle(&s, c, "change_phase", &cycle, &h, &b).await
}

#[utoipa::path(
    post,
    path = "/cycles/{cycle}/close",
    tag = "cycles",
    params(("cycle" = String, Path, description = "A cycle's id"), super::openapi::WriteHeaders),
    request_body(content = crate::command::CloseCycle, content_type = "application/json"),
    responses((status = 201, description = "Recorded: where each event landed", body = super::openapi::Written), super::openapi::WriteErrors)
)]
pub async fn close_create(
    State(s): S,
    c: Caller,
    Path(cycle): Path<String>,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    in_cycle(&s, c, "close_cycle", &cycle, &h, &b).await
}

#[utoipa::path(
    post,
    path = "/cycles/{cycle}/raci",
    tag = "cycles",
    params(("cycle" = String, Path, description = "A cycle's id"), super::openapi::WriteHeaders),
    request_body(content = crate::command::AssignRaci, content_type = "application/json"),
    responses((status = 201, description = "Recorded: where each event landed", body = super::openapi::Written), super::openapi::WriteErrors)
)]
pub async fn raci_create(
    State(s): S,
    c: Caller,
    Path(cycle): Path<String>,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    in_cycle(&s, c, "assign_raci", &cycle, &h, &b).await
}

#[utoipa::path(
    post,
    path = "/cycles/{cycle}/reassignments",
    tag = "cycles",
    params(("cycle" = String, Path, description = "A cycle's id"), super::openapi::WriteHeaders),
    request_body(content = crate::command::ReassignAccountable, content_type = "application/json"),
    responses((status = 201, description = "Recorded: where each event landed", body = super::openapi::Written), super::openapi::WriteErrors)
)]
pub async fn reassignments_create(
    State(s): S,
    c: Caller,
    Path(cycle): Path<String>,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    in_cycle(&s, c, "reassign_accountable", &cycle, &h, &b).await
}

#[utoipa::path(
    post,
    path = "/cycles/{cycle}/adjustments",
    tag = "cycles",
    params(("cycle" = String, Path, description = "A cycle's id"), super::openapi::WriteHeaders),
    request_body(content = crate::command::LogAdjustment, content_type = "application/json"),
    responses((status = 201, description = "Recorded: where each event landed", body = super::openapi::Written), super::openapi::WriteErrors)
)]
pub async fn adjustments_create(
    State(s): S,
    c: Caller,
    Path(cycle): Path<String>,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    in_cycle(&s, c, "log_adjustment", &cycle, &h, &b).await
}

#[utoipa::path(
    post,
    path = "/cycles/{cycle}/celebrations",
    tag = "cycles",
    params(("cycle" = String, Path, description = "A cycle's id"), super::openapi::WriteHeaders),
    request_body(content = crate::command::LogCelebration, content_type = "application/json"),
    responses((status = 201, description = "Recorded: where each event landed", body = super::openapi::Written), super::openapi::WriteErrors)
)]
pub async fn celebrations_create(
    State(s): S,
    c: Caller,
    Path(cycle): Path<String>,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    in_cycle(&s, c, "log_celebration", &cycle, &h, &b).await
}

#[utoipa::path(
    post,
    path = "/cycles/{cycle}/reflections",
    tag = "cycles",
    params(("cycle" = String, Path, description = "A cycle's id"), super::openapi::WriteHeaders),
    request_body(content = crate::command::AnswerReflection, content_type = "application/json"),
    responses((status = 201, description = "Recorded: where each event landed", body = super::openapi::Written), super::openapi::WriteErrors)
)]
pub async fn reflections_create(
    State(s): S,
    c: Caller,
    Path(cycle): Path<String>,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    in_cycle(&s, c, "answer_reflection", &cycle, &h, &b).await
}

#[utoipa::path(
    post,
    path = "/cycles/{cycle}/reflections/{question}/revisions",
    tag = "cycles",
    params(("cycle" = String, Path, description = "A cycle's id"), ("question" = String, Path, description = "A reflection question's id"), super::openapi::WriteHeaders),
    request_body(content = crate::command::ReviseReflection, content_type = "application/json"),
    responses((status = 201, description = "Recorded: where each event landed", body = super::openapi::Written), super::openapi::WriteErrors)
)]
pub async fn reflection_revisions_create(
    State(s): S,
    c: Caller,
    Path((cycle, question)): Path<(String, String)>,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    let path = [id("cycle", &cycle), id("question", &question)];
    command(&s, c, "revise_reflection", &path, &h, &b).await
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CycleFilter {
    /// Only this org unit's cycles.
    pub org: Option<String>,
    /// Only open (true) or closed (false) cycles.
    pub open: Option<bool>,
}

/// The cycles the caller may read, in the order they were opened, a page at a time.
#[utoipa::path(
    get,
    path = "/cycles",
    tag = "cycles",
    params(super::extract::PointQuery, CycleFilter, super::read::Page),
    responses((status = 200, description = "OK", body = super::openapi::CycleList), super::openapi::ReadErrors)
)]
pub async fn cycles_list(
    State(s): S,
    c: Caller,
    Q(point): Q<PointQuery>,
    Q(filter): Q<CycleFilter>,
    Q(page): Q<Page>,
) -> Result<Json<Value>, ApiError> {
    view(&s, &point, move |v, _| {
        let tree = v.org_tree();
        if let Some(org) = &filter.org {
            c.may_read(tree, org)?;
        }
        let cycles = v
            .timelines
            .cycles()
            .filter(|cy| filter.org.as_deref().is_none_or(|o| cy.opening.org == o))
            .filter(|cy| c.sees(tree, &cy.opening.org))
            .filter(|cy| filter.open.is_none_or(|open| open != cy.is_closed()))
            .map(|cy| cy.header());
        let (cycles, next_offset) = page.cut(cycles)?;
        Ok(json!({ "as_of": AsOf::of(v), "cycles": cycles, "next_offset": next_offset }))
    })
    .await
}

/// One cycle: its header, goals, milestones and reflection answers.
#[utoipa::path(
    get,
    path = "/cycles/{cycle}",
    tag = "cycles",
    params(("cycle" = String, Path, description = "A cycle's id"), super::extract::PointQuery),
    responses((status = 200, description = "OK", body = super::openapi::CycleShow), super::openapi::ReadErrors)
)]
pub async fn cycles_show(
    State(s): S,
    c: Caller,
    Path(cycle): Path<String>,
    Q(point): Q<PointQuery>,
) -> Result<Response, ApiError> {
    let k = key("cycle", &[&cycle]);
    rendered_view(&s, &point, c, k, move |v, c| {
        let cy = readable(v, c, &cycle)?;
        let body = json!({
            "as_of": AsOf::of(v),
            "cycle": cy.header(),
            "goals": cy.goal_views(),
            "milestones": cy.milestone_views(),
            "reflections": cy.reflections(),
        });
        Ok((body, cy.opening.org.to_string()))
    })
    .await
}

/// A cycle of `v` the caller may read: 404 when unknown at that point, 403 outside scope.
pub fn readable<'v>(
    v: &'v trellis_projections::Projections,
    c: &Caller,
    cycle: &str,
) -> Result<&'v trellis_projections::cycle::Cycle, ApiError> {
    let cy = v
        .timelines
        .cycle(cycle)
        .ok_or_else(|| ApiError::not_found(format!("no cycle {cycle:?}")).at("cycle"))?;
    c.may_read(v.org_tree(), &cy.opening.org)?;
    Ok(cy)
}

/// A cycle's facts in the order they happened, folded from its own stream up to the point.
#[utoipa::path(
    get,
    path = "/cycles/{cycle}/timeline",
    tag = "cycles",
    params(("cycle" = String, Path, description = "A cycle's id"), super::extract::PointQuery),
    responses((status = 200, description = "OK", body = super::openapi::Timeline), super::openapi::ReadErrors)
)]
pub async fn timeline_show(
    State(s): S,
    c: Caller,
    Path(cycle): Path<String>,
    Q(point): Q<PointQuery>,
) -> Result<Response, ApiError> {
    let log = s.log.clone();
    let k = key("timeline", &[&cycle]);
    rendered_view(&s, &point, c, k, move |v, c| {
        let org = readable(v, c, &cycle)?.opening.org.to_string();
        let as_of = AsOf::of(v);
        let report = replay::cycle_at(&log, &cycle, as_of.position)?
            .ok_or_else(|| ApiError::not_found(format!("no cycle {cycle:?}")).at("cycle"))?;
        let body = json!({ "as_of": as_of, "view": "timeline", "cycles": [report] });
        Ok((body, org))
    })
    .await
}
