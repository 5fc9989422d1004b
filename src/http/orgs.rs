//! Org units: the tree, and each unit's roles, vision, agreements, plans, rubrics, ratings,
//! maturity and documents.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::ApiError;
use super::extract::{Caller, JsonBytes, PointQuery, Q};
use super::read::{view, AsOf};
use super::write::{command, id};
use crate::replay;
use crate::server::Server;

pub fn router() -> Router<Arc<Server>> {
    Router::new()
        .route("/orgs", post(orgs_create).get(orgs_list))
        .route("/orgs/{org}", get(orgs_show))
        .route("/orgs/{org}/roles", post(roles_create))
        .route(
            "/orgs/{org}/roles/{role}/holders",
            post(role_holders_create),
        )
        .route(
            "/orgs/{org}/roles/{role}/releases",
            post(role_releases_create),
        )
        .route("/orgs/{org}/vision", post(vision_create))
        .route(
            "/orgs/{org}/vision/revisions",
            post(vision_revisions_create),
        )
        .route("/orgs/{org}/vision/reviews", post(vision_reviews_create))
        .route("/orgs/{org}/agreements", post(agreements_create))
        .route("/orgs/{org}/plans", post(plans_create))
        .route("/orgs/{org}/rubrics", post(rubric_adoptions_create))
        .route("/orgs/{org}/ratings", post(ratings_create))
        .route("/orgs/{org}/maturity", get(maturity_show))
        .route("/orgs/{org}/maturity/{indicator}", get(trajectory_show))
        .route("/orgs/{org}/documents", get(documents_show))
}

type S = State<Arc<Server>>;

pub async fn orgs_create(
    State(s): S,
    c: Caller,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    command(&s, c, "register_org_unit", &[], &h, &b).await
}

pub async fn roles_create(
    State(s): S,
    c: Caller,
    Path(org): Path<String>,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    command(&s, c, "define_role", &[id("org", &org)], &h, &b).await
}

pub async fn role_holders_create(
    State(s): S,
    c: Caller,
    Path((org, role)): Path<(String, String)>,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    let path = [id("org", &org), id("role", &role)];
    command(&s, c, "assign_role", &path, &h, &b).await
}

pub async fn role_releases_create(
    State(s): S,
    c: Caller,
    Path((org, role)): Path<(String, String)>,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    let path = [id("org", &org), id("role", &role)];
    command(&s, c, "release_role", &path, &h, &b).await
}

pub async fn vision_create(
    State(s): S,
    c: Caller,
    Path(org): Path<String>,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    command(&s, c, "adopt_vision", &[id("org", &org)], &h, &b).await
}

pub async fn vision_revisions_create(
    State(s): S,
    c: Caller,
    Path(org): Path<String>,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    command(&s, c, "revise_vision", &[id("org", &org)], &h, &b).await
}

pub async fn vision_reviews_create(
    State(s): S,
    c: Caller,
    Path(org): Path<String>,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    command(&s, c, "review_vision", &[id("org", &org)], &h, &b).await
}

pub async fn agreements_create(
    State(s): S,
    c: Caller,
    Path(org): Path<String>,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    command(&s, c, "record_agreement", &[id("org", &org)], &h, &b).await
}

pub async fn plans_create(
    State(s): S,
    c: Caller,
    Path(org): Path<String>,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    command(&s, c, "record_strategic_plan", &[id("org", &org)], &h, &b).await
}

pub async fn rubric_adoptions_create(
    State(s): S,
    c: Caller,
    Path(org): Path<String>,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    command(&s, c, "adopt_rubric", &[id("org", &org)], &h, &b).await
}

pub async fn ratings_create(
    State(s): S,
    c: Caller,
    Path(org): Path<String>,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    command(&s, c, "rate_indicator", &[id("org", &org)], &h, &b).await
}

/// The org tree: every unit the caller may read, each with its children.
pub async fn orgs_list(
    State(s): S,
    c: Caller,
    Q(point): Q<PointQuery>,
) -> Result<Json<Value>, ApiError> {
    view(&s, &point, move |v, _| {
        let tree = v.org_tree();
        let orgs: Vec<_> = tree
            .units()
            .filter(|u| c.sees(tree, &u.id))
            .filter_map(|u| tree.node(&u.id))
            .collect();
        Ok(json!({ "as_of": AsOf::of(v), "orgs": orgs }))
    })
    .await
}

/// One unit, its children and its cycles.
pub async fn orgs_show(
    State(s): S,
    c: Caller,
    Path(org): Path<String>,
    Q(point): Q<PointQuery>,
) -> Result<Json<Value>, ApiError> {
    view(&s, &point, move |v, _| {
        let tree = v.org_tree();
        c.may_read(tree, &org)?;
        let cycles: Vec<_> = v.timelines.cycles_of(&org).map(|c| c.header()).collect();
        Ok(json!({ "as_of": AsOf::of(v), "org": tree.node(&org), "cycles": cycles }))
    })
    .await
}

/// Where the unit stands on each rubric it adopted, with its schools' roll-up; each
/// indicator's trajectory is its own resource (it grows with every rating).
pub async fn maturity_show(
    State(s): S,
    c: Caller,
    Path(org): Path<String>,
    Q(point): Q<PointQuery>,
) -> Result<Json<Value>, ApiError> {
    let catalog = s.catalog.clone();
    view(&s, &point, move |v, _| {
        c.may_read(v.org_tree(), &org)?;
        let mut orgs = replay::maturity(v, &catalog, Some(&org));
        for o in &mut orgs {
            for r in &mut o.current {
                r.trajectory = Vec::new();
            }
        }
        Ok(json!({ "as_of": AsOf::of(v), "view": "maturity", "orgs": orgs }))
    })
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct RubricQuery {
    /// Which adopted rubric the indicator is of (default: the first adopted that has it).
    pub rubric: Option<String>,
}

/// One indicator's ratings for one unit, in the order they happened, with the rubric's
/// descriptor of each level rated.
pub async fn trajectory_show(
    State(s): S,
    c: Caller,
    Path((org, indicator)): Path<(String, String)>,
    Q(point): Q<PointQuery>,
    Q(which): Q<RubricQuery>,
) -> Result<Json<Value>, ApiError> {
    let catalog = s.catalog.clone();
    view(&s, &point, move |v, _| {
        c.may_read(v.org_tree(), &org)?;
        let adopted = v.maturity.adopted(&org);
        let rubric = adopted
            .iter()
            .map(|a| &a.value)
            .filter(|a| {
                which
                    .rubric
                    .as_deref()
                    .is_none_or(|r| r == a.rubric.as_str())
            })
            .find(|a| {
                catalog
                    .get(&a.rubric, a.version)
                    .is_some_and(|r| r.indicator(&indicator).is_some())
            })
            .ok_or_else(|| {
                ApiError::not_found(format!(
                    "{org} has adopted no rubric with indicator {indicator:?}"
                ))
                .at("indicator")
            })?;
        let cell = v
            .maturity
            .cells_of(&org, &rubric.rubric)
            .find(|c| c.indicator.as_str() == indicator);
        let trajectory: Vec<Value> = cell
            .map(|c| c.trajectory.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|r| {
                let descriptor = catalog
                    .get(&rubric.rubric, r.rubric_version)
                    .and_then(|ru| ru.indicator(&indicator))
                    .and_then(|i| i.descriptor(&r.level))
                    .map(|d| d.text.clone());
                json!({ "rating": r, "descriptor": descriptor })
            })
            .collect();
        Ok(json!({
            "as_of": AsOf::of(v),
            "org": org,
            "rubric": rubric.rubric,
            "indicator": indicator,
            "current": trajectory.last(),
            "trajectory": trajectory,
        }))
    })
    .await
}

/// The unit's vision, agreements, plans and roles, every version kept.
pub async fn documents_show(
    State(s): S,
    c: Caller,
    Path(org): Path<String>,
    Q(point): Q<PointQuery>,
) -> Result<Json<Value>, ApiError> {
    view(&s, &point, move |v, _| {
        c.may_read(v.org_tree(), &org)?;
        let orgs = replay::documents(v, Some(&org));
        Ok(json!({ "as_of": AsOf::of(v), "view": "documents", "orgs": orgs }))
    })
    .await
}
