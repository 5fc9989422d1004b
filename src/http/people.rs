//! People, and what each one answers for.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Json;
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::ApiError;
use super::extract::{Caller, JsonBytes, PointQuery, Q};
use super::read::{view, AsOf, Page};
use super::write::command;
use crate::replay;
use crate::server::Server;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<Arc<Server>> {
    OpenApiRouter::new()
        .routes(routes!(people_create, people_list))
        .routes(routes!(accountability_show))
}

type S = State<Arc<Server>>;

#[utoipa::path(
    post,
    path = "/people",
    tag = "people",
    params(super::openapi::WriteHeaders),
    request_body(content = crate::command::AddPerson, content_type = "application/json"),
    responses((status = 201, description = "Recorded: where each event landed", body = super::openapi::Written), super::openapi::WriteErrors)
)]
pub async fn people_create(
    State(s): S,
    c: Caller,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    command(&s, c, "add_person", &[], &h, &b).await
}

/// Everyone added, by id, a page at a time.
#[utoipa::path(
    get,
    path = "/people",
    tag = "people",
    params(super::extract::PointQuery, super::read::Page),
    responses((status = 200, description = "OK", body = super::openapi::PersonList), super::openapi::ReadErrors)
)]
pub async fn people_list(
    State(s): S,
    _c: Caller,
    Q(point): Q<PointQuery>,
    Q(page): Q<Page>,
) -> Result<Json<Value>, ApiError> {
    view(&s, &point, move |v, _| {
        let (people, next_offset) = page.cut(v.documents.people())?;
        Ok(json!({ "as_of": AsOf::of(v), "people": people, "next_offset": next_offset }))
    })
    .await
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TodayQuery {
    /// The day overdue and due-soon items are judged on (default: the point's day, or today).
    pub today: Option<NaiveDate>,
}

/// What one person answers for: open items (overdue, due soon), roles and RACI; a scoped
/// token sees only the part of their work within its subtree.
#[utoipa::path(
    get,
    path = "/people/{person}/accountability",
    tag = "people",
    params(("person" = String, Path, description = "A person's id"), super::extract::PointQuery, TodayQuery),
    responses((status = 200, description = "OK", body = super::openapi::Accountability), super::openapi::ReadErrors)
)]
pub async fn accountability_show(
    State(s): S,
    c: Caller,
    Path(person): Path<String>,
    Q(point): Q<PointQuery>,
    Q(today): Q<TodayQuery>,
) -> Result<Json<Value>, ApiError> {
    view(&s, &point, move |v, p| {
        if v.documents.person(&person).is_none() {
            return Err(ApiError::not_found(format!("no person {person:?}")).at("person"));
        }
        let today = p.today(today.today);
        let mut report = replay::accountability(v, Some(&person), None, today);
        if !c.sees_all() {
            let tree = v.org_tree();
            let sees = |org: &str| c.sees(tree, org);
            for pv in &mut report.people {
                pv.open.retain(|i| sees(&i.org));
                pv.overdue.retain(|i| sees(&i.org));
                pv.due_soon.retain(|i| sees(&i.org));
                pv.roles.retain(|r| sees(&r.org));
                pv.raci.retain(|r| sees(&r.item.org));
            }
            report.orgs.retain(|o| sees(&o.org));
        }
        Ok(json!({
            "as_of": AsOf::of(v),
            "view": "accountability",
            "today": today,
            "people": report.people,
            "orgs": report.orgs,
        }))
    })
    .await
}
