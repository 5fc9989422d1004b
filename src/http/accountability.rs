//! The accountability board: who answers for what, and what nobody does.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::ApiError;
use super::extract::{Caller, PointQuery, Q};
use super::people::TodayQuery;
use super::read::{view, AsOf};
use crate::replay;
use crate::server::Server;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<Arc<Server>> {
    OpenApiRouter::new().routes(routes!(accountability_list))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrgQuery {
    pub org: Option<String>,
}

/// Per person, open items (overdue, due soon) with roles and RACI; per unit, unowned items
/// and reassignments. With `org`, that unit only; a scoped token must name one within its
/// subtree, or gets its own unit.
#[utoipa::path(
    get,
    path = "/accountability",
    tag = "accountability",
    params(super::extract::PointQuery, OrgQuery, TodayQuery),
    responses((status = 200, description = "OK", body = super::openapi::Accountability), super::openapi::ReadErrors)
)]
pub async fn accountability_list(
    State(s): State<Arc<Server>>,
    c: Caller,
    Q(point): Q<PointQuery>,
    Q(org): Q<OrgQuery>,
    Q(today): Q<TodayQuery>,
) -> Result<Json<Value>, ApiError> {
    view(&s, &point, move |v, p| {
        let org = match (org.org, c.sees_all()) {
            (Some(o), _) => Some(o),
            (None, true) => None,
            (None, false) => c.0.org.clone(),
        };
        if let Some(o) = &org {
            c.may_read(v.org_tree(), o)?;
        }
        let today = p.today(today.today);
        let report = replay::accountability(v, None, org.as_deref(), today);
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
