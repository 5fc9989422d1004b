//! Org units: the tree, and each unit's roles, vision, agreements, plans, rubrics, ratings,
//! maturity and documents.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::ApiError;
use super::extract::{Caller, JsonBytes, PointQuery, Q};
use super::read::{key, rendered_view, view, AsOf};
use super::write::{command, id};
use crate::replay;
use crate::server::Server;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<Arc<Server>> {
    OpenApiRouter::new()
        .routes(routes!(orgs_create, orgs_list))
        .routes(routes!(orgs_show))
        .routes(routes!(roles_create))
        .routes(routes!(role_holders_create))
        .routes(routes!(role_releases_create))
        .routes(routes!(vision_create))
        .routes(routes!(vision_revisions_create))
        .routes(routes!(vision_reviews_create))
        .routes(routes!(agreements_create))
        .routes(routes!(plans_create))
        .routes(routes!(rubric_adoptions_create))
        .routes(routes!(ratings_create))
        .routes(routes!(maturity_show))
        .routes(routes!(trajectory_show))
        .routes(routes!(documents_show))
}

type S = State<Arc<Server>>;

#[utoipa::path(
    post,
    path = "/orgs",
    tag = "orgs",
    params(super::openapi::WriteHeaders),
    request_body(content = crate::command::RegisterOrgUnit, content_type = "application/json"),
    responses((status = 201, description = "Recorded: where each event landed", body = super::openapi::Written), super::openapi::WriteErrors)
)]
pub async fn orgs_create(
    State(s): S,
    c: Caller,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    command(&s, c, "register_org_unit", &[], &h, &b).await
}

#[utoipa::path(
    post,
    path = "/orgs/{org}/roles",
    tag = "orgs",
    params(("org" = String, Path, description = "An org unit's id"), super::openapi::WriteHeaders),
    request_body(content = crate::command::DefineRole, content_type = "application/json"),
    responses((status = 201, description = "Recorded: where each event landed", body = super::openapi::Written), super::openapi::WriteErrors)
)]
pub async fn roles_create(
    State(s): S,
    c: Caller,
    Path(org): Path<String>,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    command(&s, c, "define_role", &[id("org", &org)], &h, &b).await
}

#[utoipa::path(
    post,
    path = "/orgs/{org}/roles/{role}/holders",
    tag = "orgs",
    params(("org" = String, Path, description = "An org unit's id"), ("role" = String, Path, description = "A role's id"), super::openapi::WriteHeaders),
    request_body(content = crate::command::AssignRole, content_type = "application/json"),
    responses((status = 201, description = "Recorded: where each event landed", body = super::openapi::Written), super::openapi::WriteErrors)
)]
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

#[utoipa::path(
    post,
    path = "/orgs/{org}/roles/{role}/releases",
    tag = "orgs",
    params(("org" = String, Path, description = "An org unit's id"), ("role" = String, Path, description = "A role's id"), super::openapi::WriteHeaders),
    request_body(content = crate::command::ReleaseRole, content_type = "application/json"),
    responses((status = 201, description = "Recorded: where each event landed", body = super::openapi::Written), super::openapi::WriteErrors)
)]
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

#[utoipa::path(
    post,
    path = "/orgs/{org}/vision",
    tag = "orgs",
    params(("org" = String, Path, description = "An org unit's id"), super::openapi::WriteHeaders),
    request_body(content = crate::command::AdoptVision, content_type = "application/json"),
    responses((status = 201, description = "Recorded: where each event landed", body = super::openapi::Written), super::openapi::WriteErrors)
)]
pub async fn vision_create(
    State(s): S,
    c: Caller,
    Path(org): Path<String>,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    command(&s, c, "adopt_vision", &[id("org", &org)], &h, &b).await
}

#[utoipa::path(
    post,
    path = "/orgs/{org}/vision/revisions",
    tag = "orgs",
    params(("org" = String, Path, description = "An org unit's id"), super::openapi::WriteHeaders),
    request_body(content = crate::command::ReviseVision, content_type = "application/json"),
    responses((status = 201, description = "Recorded: where each event landed", body = super::openapi::Written), super::openapi::WriteErrors)
)]
pub async fn vision_revisions_create(
    State(s): S,
    c: Caller,
    Path(org): Path<String>,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    command(&s, c, "revise_vision", &[id("org", &org)], &h, &b).await
}

#[utoipa::path(
    post,
    path = "/orgs/{org}/vision/reviews",
    tag = "orgs",
    params(("org" = String, Path, description = "An org unit's id"), super::openapi::WriteHeaders),
    request_body(content = crate::command::ReviewVision, content_type = "application/json"),
    responses((status = 201, description = "Recorded: where each event landed", body = super::openapi::Written), super::openapi::WriteErrors)
)]
pub async fn vision_reviews_create(
    State(s): S,
    c: Caller,
    Path(org): Path<String>,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    command(&s, c, "review_vision", &[id("org", &org)], &h, &b).await
}

#[utoipa::path(
    post,
    path = "/orgs/{org}/agreements",
    tag = "orgs",
    params(("org" = String, Path, description = "An org unit's id"), super::openapi::WriteHeaders),
    request_body(content = crate::command::RecordAgreement, content_type = "application/json"),
    responses((status = 201, description = "Recorded: where each event landed", body = super::openapi::Written), super::openapi::WriteErrors)
)]
pub async fn agreements_create(
    State(s): S,
    c: Caller,
    Path(org): Path<String>,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    command(&s, c, "record_agreement", &[id("org", &org)], &h, &b).await
}

#[utoipa::path(
    post,
    path = "/orgs/{org}/plans",
    tag = "orgs",
    params(("org" = String, Path, description = "An org unit's id"), super::openapi::WriteHeaders),
    request_body(content = crate::command::RecordStrategicPlan, content_type = "application/json"),
    responses((status = 201, description = "Recorded: where each event landed", body = super::openapi::Written), super::openapi::WriteErrors)
)]
pub async fn plans_create(
    State(s): S,
    c: Caller,
    Path(org): Path<String>,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    command(&s, c, "record_strategic_plan", &[id("org", &org)], &h, &b).await
}

#[utoipa::path(
    post,
    path = "/orgs/{org}/rubrics",
    tag = "orgs",
    params(("org" = String, Path, description = "An org unit's id"), super::openapi::WriteHeaders),
    request_body(content = crate::command::AdoptRubric, content_type = "application/json"),
    responses((status = 201, description = "Recorded: where each event landed", body = super::openapi::Written), super::openapi::WriteErrors)
)]
pub async fn rubric_adoptions_create(
    State(s): S,
    c: Caller,
    Path(org): Path<String>,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    command(&s, c, "adopt_rubric", &[id("org", &org)], &h, &b).await
}

#[utoipa::path(
    post,
    path = "/orgs/{org}/ratings",
    tag = "orgs",
    params(("org" = String, Path, description = "An org unit's id"), super::openapi::WriteHeaders),
    request_body(content = crate::command::RateIndicator, content_type = "application/json"),
    responses((status = 201, description = "Recorded: where each event landed", body = super::openapi::Written), super::openapi::WriteErrors)
)]
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
#[utoipa::path(
    get,
    path = "/orgs",
    tag = "orgs",
    params(super::extract::PointQuery),
    responses((status = 200, description = "OK", body = super::openapi::OrgList), super::openapi::ReadErrors)
)]
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
#[utoipa::path(
    get,
    path = "/orgs/{org}",
    tag = "orgs",
    params(("org" = String, Path, description = "An org unit's id"), super::extract::PointQuery),
    responses((status = 200, description = "OK", body = super::openapi::OrgShow), super::openapi::ReadErrors)
)]
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
#[utoipa::path(
    get,
    path = "/orgs/{org}/maturity",
    tag = "orgs",
    params(("org" = String, Path, description = "An org unit's id"), super::extract::PointQuery, super::read::ViewFormat),
    responses(
        (status = 200, description = "OK (with format=csv: one row per rated indicator)", content(
            (super::openapi::OrgView = "application/json"),
            (String = "text/csv")
        )),
        super::openapi::ReadErrors
    )
)]
pub async fn maturity_show(
    State(s): S,
    c: Caller,
    Path(org): Path<String>,
    Q(point): Q<PointQuery>,
    Q(format): Q<super::read::ViewFormat>,
) -> Result<Response, ApiError> {
    let catalog = s.catalog.clone();
    if format.csv() {
        return super::read::csv_view(&s, &point, &format!("maturity-{org}"), move |v, _| {
            c.may_read(v.org_tree(), &org)?;
            Ok(crate::export::maturity_csv(&replay::maturity(
                v,
                &catalog,
                Some(&org),
            )))
        })
        .await;
    }
    let k = key("maturity", &[&org]);
    rendered_view(&s, &point, c, k, move |v, c| {
        c.may_read(v.org_tree(), &org)?;
        let mut orgs = replay::maturity(v, &catalog, Some(&org));
        for o in &mut orgs {
            for r in &mut o.current {
                r.trajectory = Vec::new();
            }
        }
        let body = json!({ "as_of": AsOf::of(v), "view": "maturity", "orgs": orgs });
        Ok((body, org))
    })
    .await
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RubricQuery {
    /// Which adopted rubric the indicator is of (default: the first adopted that has it).
    pub rubric: Option<String>,
}

/// One indicator's ratings for one unit, in the order they happened, with the rubric's
/// descriptor of each level rated.
#[utoipa::path(
    get,
    path = "/orgs/{org}/maturity/{indicator}",
    tag = "orgs",
    params(("org" = String, Path, description = "An org unit's id"), ("indicator" = String, Path, description = "A rubric indicator's id"), super::extract::PointQuery, RubricQuery),
    responses((status = 200, description = "OK", body = super::openapi::Trajectory), super::openapi::ReadErrors)
)]
pub async fn trajectory_show(
    State(s): S,
    c: Caller,
    Path((org, indicator)): Path<(String, String)>,
    Q(point): Q<PointQuery>,
    Q(which): Q<RubricQuery>,
) -> Result<Response, ApiError> {
    let catalog = s.catalog.clone();
    let k = match &which.rubric {
        None => key("trajectory", &[&org, &indicator]),
        Some(r) => key("trajectory-of", &[&org, &indicator, r]),
    };
    rendered_view(&s, &point, c, k, move |v, c| {
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
        let body = json!({
            "as_of": AsOf::of(v),
            "org": org,
            "rubric": rubric.rubric,
            "indicator": indicator,
            "current": trajectory.last(),
            "trajectory": trajectory,
        });
        Ok((body, org))
    })
    .await
}

/// The unit's vision, agreements, plans and roles, every version kept.
#[utoipa::path(
    get,
    path = "/orgs/{org}/documents",
    tag = "orgs",
    params(("org" = String, Path, description = "An org unit's id"), super::extract::PointQuery),
    responses((status = 200, description = "OK", body = super::openapi::OrgView), super::openapi::ReadErrors)
)]
pub async fn documents_show(
    State(s): S,
    c: Caller,
    Path(org): Path<String>,
    Q(point): Q<PointQuery>,
) -> Result<Response, ApiError> {
    let k = key("documents", &[&org]);
    rendered_view(&s, &point, c, k, move |v, c| {
        c.may_read(v.org_tree(), &org)?;
        let orgs = replay::documents(v, Some(&org));
        let body = json!({ "as_of": AsOf::of(v), "view": "documents", "orgs": orgs });
        Ok((body, org))
    })
    .await
}
