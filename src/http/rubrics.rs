//! The rubrics teams rate against: the shipped ones and the district's own.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::ApiError;
use super::extract::{Caller, Q};
use crate::server::Server;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<Arc<Server>> {
    OpenApiRouter::new()
        .routes(routes!(rubrics_list))
        .routes(routes!(rubrics_show))
}

#[utoipa::path(
    get,
    path = "/rubrics",
    tag = "rubrics",
    responses((status = 200, description = "OK", body = super::openapi::RubricList), super::openapi::ReadErrors)
)]
pub async fn rubrics_list(State(s): State<Arc<Server>>, _c: Caller) -> Json<Value> {
    let rubrics: Vec<Value> = s
        .catalog
        .list()
        .into_iter()
        .map(|r| {
            json!({
                "id": r.id,
                "version": r.version,
                "title": r.title,
                "scale": r.scale,
                "indicators": r.indicator_count(),
                "origin": s.catalog.origin(&r.id, r.version),
            })
        })
        .collect();
    Json(json!({ "rubrics": rubrics }))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VersionQuery {
    /// Default: the latest version.
    pub version: Option<u32>,
}

/// A whole rubric: areas → practices → indicators → descriptors, and its questions.
#[utoipa::path(
    get,
    path = "/rubrics/{id}",
    tag = "rubrics",
    params(("id" = String, Path, description = "The id"), VersionQuery),
    responses((status = 200, description = "OK", body = super::openapi::RubricDoc), super::openapi::ReadErrors)
)]
pub async fn rubrics_show(
    State(s): State<Arc<Server>>,
    _c: Caller,
    Path(id): Path<String>,
    Q(v): Q<VersionQuery>,
) -> Result<Json<Value>, ApiError> {
    let rubric = match v.version {
        Some(n) => s.catalog.get(&id, n),
        None => s.catalog.latest(&id),
    };
    let rubric = rubric.ok_or_else(|| ApiError::not_found(format!("no rubric {id:?}")).at("id"))?;
    serde_json::to_value(rubric)
        .map(Json)
        .map_err(ApiError::internal)
}
