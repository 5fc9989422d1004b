//! The OpenAPI 3.1 document of the API, generated from the handlers' `#[utoipa::path]`
//! annotations as the routers register them (see [`super::api`]), served at
//! `GET /api/v1/openapi.json`.
//!
//! Request bodies are the command structs of [`crate::command`] (the ids the path names left
//! out). Read answers are JSON objects built in the handlers; the schemas here name their
//! top-level members and leave what is inside open.

#![allow(dead_code)] // the structs below only describe answers; nothing builds them

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{Content, OpenApi, Ref, RefOr};
use utoipa::{IntoResponses, Modify, ToSchema};

use crate::token::Role;

/// The routes a request may make without a token.
pub const PUBLIC: &[&str] = &["/api/v1/healthz", "/api/v1/openapi.json"];

/// The name of the bearer security scheme.
pub const BEARER: &str = "bearer";

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Trellis API",
        description = "Event-sourced improvement-cycle tracker for school districts. \
            Every refusal is answered as `{\"error\": {\"code\", \"message\", \"field\"}}`."
    ),
    components(schemas(ErrorBody, ErrorDetail)),
    modifiers(&Bearer)
)]
pub struct ApiDoc;

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("trl_…")
                    .description(Some("A Trellis token: `Authorization: Bearer trl_…`"))
                    .build(),
            ),
        );
    }
}

/// Requires the bearer token on every operation but the public ones.
pub fn secure(mut spec: OpenApi) -> OpenApi {
    for (path, item) in spec.paths.paths.iter_mut() {
        if PUBLIC.contains(&path.as_str()) {
            continue;
        }
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ];
        for op in operations.into_iter().flatten() {
            op.security = Some(vec![SecurityRequirement::new(BEARER, Vec::<String>::new())]);
        }
    }
    spec
}

/// The error shape of every refusal.
#[derive(ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong: a stable code, a message for people, and the field at fault if any.
/// A version mismatch adds `current_version`.
#[derive(ToSchema)]
pub struct ErrorDetail {
    /// e.g. `bad_request`, `unauthorized`, `forbidden`, `not_found`, `conflict`,
    /// `version_mismatch`, `too_large`, `unsupported_media_type`, `invalid`, `unknown_id`,
    /// `unavailable`.
    pub code: String,
    pub message: String,
    /// The field, query parameter, header or path id at fault.
    pub field: Option<String>,
    /// Only on `version_mismatch`: the stream's version now.
    #[schema(required = false)]
    pub current_version: Option<u64>,
}

fn errors(statuses: &[(u16, &str)]) -> BTreeMap<String, RefOr<Response>> {
    statuses
        .iter()
        .map(|(status, description)| {
            let response = ResponseBuilder::new()
                .description(*description)
                .content(
                    "application/json",
                    Content::new(Some(Ref::from_schema_name("ErrorBody"))),
                )
                .build();
            (status.to_string(), RefOr::T(response))
        })
        .collect()
}

const BAD_REQUEST: (u16, &str) = (400, "Malformed: JSON syntax, a query parameter or a header");
const UNAUTHORIZED: (u16, &str) = (401, "No token, or one unknown, malformed or revoked");
const FORBIDDEN: (u16, &str) = (403, "The token's role or scope does not allow this");
const NOT_FOUND: (u16, &str) = (404, "An id in the path does not exist");
const CONFLICT: (u16, &str) = (409, "A rule of the domain, or If-Match, conflicts");
const TOO_LARGE: (u16, &str) = (413, "The body is too large");
const MEDIA_TYPE: (u16, &str) = (415, "The body is not sent as application/json");
const INVALID: (u16, &str) = (422, "Well-formed, but a field breaks a rule");
const UNAVAILABLE: (u16, &str) = (503, "Too slow, or writes are unavailable");

/// The refusals of a write route.
pub struct WriteErrors;

impl IntoResponses for WriteErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        errors(&[
            BAD_REQUEST,
            UNAUTHORIZED,
            FORBIDDEN,
            NOT_FOUND,
            CONFLICT,
            TOO_LARGE,
            MEDIA_TYPE,
            INVALID,
            UNAVAILABLE,
        ])
    }
}

/// The refusals of a read route.
pub struct ReadErrors;

impl IntoResponses for ReadErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        errors(&[BAD_REQUEST, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, UNAVAILABLE])
    }
}

/// The refusals of an admin's token route.
pub struct AdminErrors;

impl IntoResponses for AdminErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        errors(&[
            BAD_REQUEST,
            UNAUTHORIZED,
            FORBIDDEN,
            NOT_FOUND,
            TOO_LARGE,
            MEDIA_TYPE,
            INVALID,
            UNAVAILABLE,
        ])
    }
}

/// Where a write's events landed (201).
#[derive(ToSchema)]
pub struct Written {
    pub events: Vec<EventRef>,
    /// True when this answers a retry with the same `Idempotency-Key`: nothing new was
    /// written.
    pub deduplicated: bool,
}

/// One appended event.
#[derive(ToSchema)]
pub struct EventRef {
    pub position: u64,
    pub id: String,
    pub hash: String,
    pub stream: String,
    pub stream_version: u64,
    /// The event type, e.g. `goal_set`.
    pub kind: String,
}

/// The point of the log a read shows.
#[derive(ToSchema)]
pub struct AsOf {
    pub position: u64,
    pub recorded_at: Option<DateTime<Utc>>,
}

#[derive(ToSchema)]
pub struct Health {
    pub ok: bool,
}

/// The org tree: every unit the caller may read.
#[derive(ToSchema)]
pub struct OrgList {
    pub as_of: AsOf,
    pub orgs: Vec<Value>,
}

/// One org unit, its children and its cycles.
#[derive(ToSchema)]
pub struct OrgShow {
    pub as_of: AsOf,
    pub org: Value,
    pub cycles: Vec<Value>,
}

/// A view of org units (maturity, documents).
#[derive(ToSchema)]
pub struct OrgView {
    pub as_of: AsOf,
    pub view: String,
    pub orgs: Vec<Value>,
}

/// One indicator's ratings for one unit.
#[derive(ToSchema)]
pub struct Trajectory {
    pub as_of: AsOf,
    pub org: String,
    pub rubric: String,
    pub indicator: String,
    pub current: Value,
    pub trajectory: Vec<Value>,
}

/// A page of cycles.
#[derive(ToSchema)]
pub struct CycleList {
    pub as_of: AsOf,
    pub cycles: Vec<Value>,
    /// The offset of the next page, if there is one.
    pub next_offset: Option<u64>,
}

/// One cycle: its header, goals, milestones and reflection answers.
#[derive(ToSchema)]
pub struct CycleShow {
    pub as_of: AsOf,
    pub cycle: Value,
    pub goals: Vec<Value>,
    pub milestones: Vec<Value>,
    pub reflections: Value,
}

/// A cycle's facts in the order they happened.
#[derive(ToSchema)]
pub struct Timeline {
    pub as_of: AsOf,
    pub view: String,
    pub cycles: Vec<Value>,
}

#[derive(ToSchema)]
pub struct GoalShow {
    pub as_of: AsOf,
    pub cycle: String,
    pub goal: Value,
}

#[derive(ToSchema)]
pub struct MilestoneShow {
    pub as_of: AsOf,
    pub cycle: String,
    pub milestone: Value,
}

/// A page of people.
#[derive(ToSchema)]
pub struct PersonList {
    pub as_of: AsOf,
    pub people: Vec<Value>,
    pub next_offset: Option<u64>,
}

/// Who answers for what.
#[derive(ToSchema)]
pub struct Accountability {
    pub as_of: AsOf,
    pub view: String,
    pub today: NaiveDate,
    pub people: Vec<Value>,
    pub orgs: Vec<Value>,
}

/// A page of the raw log.
#[derive(ToSchema)]
pub struct EventPage {
    pub events: Vec<Value>,
    /// Where the next page starts, if there is more to read.
    pub next_after: Option<u64>,
}

/// Whether the hash chain holds.
#[derive(ToSchema)]
pub struct Verify {
    pub ok: bool,
    pub events: u64,
    pub head_position: u64,
    pub head_hash: Value,
    pub first_bad_position: Option<u64>,
    pub reason: Option<String>,
}

#[derive(ToSchema)]
pub struct RubricList {
    pub rubrics: Vec<Value>,
}

/// A whole rubric: areas, practices, indicators, descriptors and questions.
#[derive(ToSchema)]
#[schema(as = Rubric)]
pub struct RubricDoc {
    pub id: String,
    pub version: u32,
    pub title: String,
}

/// A token's grant: everything but the secret.
#[derive(ToSchema)]
pub struct Grant {
    pub id: String,
    pub login: String,
    pub role: Role,
    pub org: Option<String>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A new token: its grant, and the secret, shown this once.
#[derive(ToSchema)]
pub struct Minted {
    pub id: String,
    pub login: String,
    pub role: Role,
    pub org: Option<String>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub token: String,
}

#[derive(ToSchema)]
pub struct TokenList {
    pub tokens: Vec<Grant>,
}

/// The headers every write route takes.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // only its documentation is used
pub struct WriteHeaders {
    /// Makes a retry safe: the same key and request answer the first write again.
    #[param(rename = "Idempotency-Key")]
    idempotency_key: Option<String>,
    /// The stream version the write expects, e.g. "3".
    #[param(rename = "If-Match")]
    if_match: Option<u64>,
}
