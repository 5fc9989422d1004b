//! Token management, for admins: grant, list, revoke.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::ApiError;
use super::extract::{Caller, JsonBytes};
use crate::server::Server;
use crate::token::Role;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<Arc<Server>> {
    OpenApiRouter::new()
        .routes(routes!(tokens_create, tokens_list))
        .routes(routes!(tokens_delete))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    pub login: String,
    pub role: Role,
    #[serde(default)]
    pub org: Option<String>,
}

/// Makes a token; the secret is in this answer and nowhere else, ever.
#[utoipa::path(
    post,
    path = "/tokens",
    tag = "tokens",
    request_body(content = NewToken, content_type = "application/json"),
    responses((status = 201, description = "OK", body = super::openapi::Minted), super::openapi::AdminErrors)
)]
pub async fn tokens_create(
    State(s): State<Arc<Server>>,
    c: Caller,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    c.admin()?;
    let value: Value = serde_json::from_slice(&b)
        .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))?;
    let new: NewToken = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        ApiError::invalid(
            if path == "." { String::new() } else { path },
            e.inner().to_string(),
        )
    })?;
    let minted = s.grant(&c.0, &new.login, new.role, new.org).await?;
    let mut body = serde_json::to_value(&minted.grant).map_err(ApiError::internal)?;
    body["token"] = Value::String(minted.token);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// Every token's grant (never a secret), revoked ones included.
#[utoipa::path(
    get,
    path = "/tokens",
    tag = "tokens",
    responses((status = 200, description = "OK", body = super::openapi::TokenList), super::openapi::AdminErrors)
)]
pub async fn tokens_list(State(s): State<Arc<Server>>, c: Caller) -> Result<Json<Value>, ApiError> {
    c.admin()?;
    Ok(Json(json!({ "tokens": s.tokens.list() })))
}

/// Revokes a token: refused from the next request on.
#[utoipa::path(
    delete,
    path = "/tokens/{id}",
    tag = "tokens",
    params(("id" = String, Path, description = "The id")),
    responses((status = 200, description = "OK", body = super::openapi::Grant), super::openapi::AdminErrors)
)]
pub async fn tokens_delete(
    State(s): State<Arc<Server>>,
    c: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    c.admin()?;
    let grant = s.revoke(&c.0, &id).await?;
    Ok(Json(
        serde_json::to_value(grant).map_err(ApiError::internal)?,
    ))
}
