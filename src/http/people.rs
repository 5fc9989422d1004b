//! People, and what each one answers for.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::ApiError;
use super::extract::{Caller, JsonBytes, PointQuery, Q};
use super::read::{view, AsOf, Page};
use super::write::command;
use crate::replay;
use crate::server::Server;

pub fn router() -> Router<Arc<Server>> {
    Router::new()
        .route("/people", post(people_create).get(people_list))
        .route("/people/{person}/accountability", get(accountability_show))
}

type S = State<Arc<Server>>;

pub async fn people_create(
    State(s): S,
    c: Caller,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    command(&s, c, "add_person", &[], &h, &b).await
}

/// Everyone added, by id, a page at a time.
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

#[derive(Debug, Default, Deserialize)]
pub struct TodayQuery {
    /// The day overdue and due-soon items are judged on (default: the point's day, or today).
    pub today: Option<NaiveDate>,
}

/// What one person answers for: open items (overdue, due soon), roles and RACI; a scoped
/// token sees only the part of their work within its subtree.
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
