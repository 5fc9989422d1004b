//! The accountability board: who answers for what, and what nobody does.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use trellis_projections::Projections;

use super::error::ApiError;
use super::extract::{Caller, PointQuery, Q};
use super::people::TodayQuery;
use super::read::{csv_view, view, AsOf, Point, ViewFormat};
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
    params(super::extract::PointQuery, OrgQuery, TodayQuery, ViewFormat),
    responses(
        (status = 200, description = "OK (with format=csv: one row per person and open item)", content(
            (super::openapi::Accountability = "application/json"),
            (String = "text/csv")
        )),
        super::openapi::ReadErrors
    )
)]
pub async fn accountability_list(
    State(s): State<Arc<Server>>,
    c: Caller,
    Q(point): Q<PointQuery>,
    Q(org): Q<OrgQuery>,
    Q(today): Q<TodayQuery>,
    Q(format): Q<ViewFormat>,
) -> Result<Response, ApiError> {
    let report = move |v: &Projections, p: Point| {
        let org = match (org.org, c.sees_all()) {
            (Some(o), _) => Some(o),
            (None, true) => None,
            (None, false) => c.0.org.clone(),
        };
        if let Some(o) = &org {
            c.may_read(v.org_tree(), o)?;
        }
        let today = p.today(today.today);
        Ok((
            today,
            replay::accountability(v, None, org.as_deref(), today),
        ))
    };
    if format.csv() {
        return csv_view(&s, &point, "accountability", move |v, p| {
            report(v, p).map(|(_, r)| crate::export::accountability_csv(&r.people))
        })
        .await;
    }
    view(&s, &point, move |v, p| {
        let (today, report) = report(v, p)?;
        Ok(json!({
            "as_of": AsOf::of(v),
            "view": "accountability",
            "today": today,
            "people": report.people,
            "orgs": report.orgs,
        }))
    })
    .await
    .map(IntoResponse::into_response)
}
