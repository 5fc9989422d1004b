//! The HTTP API under `/api/v1`: one module per domain noun, each with its `router()`,
//! merged into one router over the shared [`Server`].
//!
//! Only this layer knows wire types: requests become [`crate::command::Command`]s and view
//! reads, and every refusal is an [`error::ApiError`] in the one error shape.
//!
//! # Layout
//! - `error`: the error shape and how each refusal maps to a status.
//! - `extract`: the caller's token, the query, JSON bodies, the point a read is about.
//! - `write`: a write route is a command; `read`: a read route is a view at a point.
//! - one module per noun: `orgs`, `people`, `cycles`, `goals`, `milestones`,
//!   `accountability`, `events`, `audit`, `rubrics`, `tokens`.

pub mod accountability;
pub mod audit;
pub mod cycles;
pub mod error;
pub mod events;
pub mod export;
pub mod extract;
pub mod goals;
pub mod milestones;
pub mod openapi;
pub mod orgs;
pub mod people;
pub mod read;
pub mod rubrics;
pub mod stream;
pub mod tokens;
pub mod write;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::server::Server;
use error::ApiError;

/// The largest request body accepted.
pub const MAX_BODY: usize = 64 * 1024;

/// The longest a request may take before it is answered 503.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The routes under `/api/v1` with their OpenAPI description: the one list of what is
/// served and of what the document says.
pub fn api() -> OpenApiRouter<Arc<Server>> {
    let api = OpenApiRouter::new()
        .merge(orgs::router())
        .merge(people::router())
        .merge(cycles::router())
        .merge(goals::router())
        .merge(milestones::router())
        .merge(accountability::router())
        .merge(events::router())
        .merge(stream::router())
        .merge(export::router())
        .merge(audit::router())
        .merge(rubrics::router())
        .merge(tokens::router())
        .routes(routes!(healthz))
        .routes(routes!(openapi_json));
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi()).nest("/api/v1", api)
}

/// The OpenAPI 3.1 document of [`api`], with the bearer token required wherever it is.
pub fn openapi() -> utoipa::openapi::OpenApi {
    openapi::secure(api().split_for_parts().1)
}

/// The whole HTTP surface over `server`.
pub fn router(server: Arc<Server>) -> Router {
    let (api, _) = api().split_for_parts();
    api.route("/metrics", axum::routing::get(metrics_page))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(middleware::from_fn(logged))
        .layer(middleware::from_fn(json_errors))
        .layer(CatchPanicLayer::new())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ))
        .with_state(server)
}

/// The metrics page alone, without a token, for `trellis serve --metrics-addr`: a listener
/// that only the monitoring network should reach.
pub fn metrics_router(server: Arc<Server>) -> Router {
    Router::new()
        .route(
            "/metrics",
            axum::routing::get(
                |State(server): State<Arc<Server>>| async move { metrics_text(&server) },
            ),
        )
        .fallback(not_found)
        .layer(middleware::from_fn(json_errors))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ))
        .with_state(server)
}

/// The metrics in Prometheus' text format, for admins (see [`crate::metrics`]). Served at
/// `/metrics`, outside `/api/v1` and its OpenAPI document.
async fn metrics_page(
    caller: extract::Caller,
    State(server): State<Arc<Server>>,
) -> Result<Response, ApiError> {
    caller.admin()?;
    Ok(metrics_text(&server))
}

fn metrics_text(server: &Server) -> Response {
    let page = crate::metrics::render(server.log.head_position(), server.views.lag());
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        page,
    )
        .into_response()
}

/// Liveness, without a token.
#[utoipa::path(get, path = "/healthz", tag = "meta",
    responses((status = 200, description = "The server is up", body = openapi::Health)))]
async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "ok": true }))
}

/// This document, without a token.
#[utoipa::path(get, path = "/openapi.json", tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 document of this API",
        content_type = "application/json", body = Object)))]
async fn openapi_json() -> Result<Response, ApiError> {
    static SPEC: OnceLock<Result<String, String>> = OnceLock::new();
    let spec = SPEC.get_or_init(|| openapi().to_json().map_err(|e| e.to_string()));
    match spec {
        Ok(json) => {
            Ok(([(header::CONTENT_TYPE, "application/json")], json.clone()).into_response())
        }
        Err(e) => Err(ApiError::internal(e)),
    }
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not take that method",
    )
}

/// One log line per request (method, matched route, status, latency and actor, in the
/// request's span), and the request's count and latency in the metrics.
async fn logged(mut request: Request, next: Next) -> Response {
    let slot = extract::ActorSlot::default();
    request.extensions_mut().insert(slot.clone());
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let started = std::time::Instant::now();
    let span = tracing::info_span!(
        "request",
        %method,
        route = %route,
        status = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
        actor = tracing::field::Empty,
    );
    let response = tracing::Instrument::instrument(next.run(request), span.clone()).await;
    let actor = slot.0.get().map_or("", String::as_str);
    let took = started.elapsed();
    let status = response.status().as_u16();
    crate::metrics::request(method.as_str(), &route, status, took);
    span.record("status", status);
    span.record("latency_ms", took.as_secs_f64() * 1000.0);
    span.record("actor", actor);
    span.in_scope(|| tracing::info!("answered"));
    response
}

/// Gives every error response built outside our handlers (axum's own rejections, the
/// timeout, the panic guard) the API's error shape.
async fn json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, MAX_BODY)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let (code, message) = match status {
        StatusCode::INTERNAL_SERVER_ERROR => ("internal", "internal error; it was logged".into()),
        StatusCode::SERVICE_UNAVAILABLE => ("unavailable", "the request took too long".into()),
        StatusCode::PAYLOAD_TOO_LARGE => {
            ("too_large", format!("the body is over {MAX_BODY} bytes"))
        }
        _ if text.is_empty() => ("bad_request", status.to_string()),
        _ => ("bad_request", text),
    };
    let mut out = (status, Json(error::body(code, &message, None))).into_response();
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out
}
