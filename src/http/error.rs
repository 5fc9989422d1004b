//! The one error shape of the API: `{"error": {"code", "message", "field"}}`.
//!
//! Every refusal, from a malformed body to a rule of the domain, is answered in this shape
//! with a 4xx status that says whose fault it is; 5xx is only for our own faults, whose
//! cause is logged and never shown.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::command::CommandError;
use crate::server::{GrantError, WriteError};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    /// Extra members of the error object (e.g. a conflict's current version).
    pub extra: Option<(&'static str, Value)>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
            extra: None,
        }
    }

    pub fn at(mut self, field: impl Into<String>) -> ApiError {
        self.field = Some(field.into());
        self
    }

    /// 400: the request itself is malformed (JSON syntax, a bad query or header).
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 401: no token, or one that is unknown, changed or revoked.
    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// 403: the token's role or scope does not allow this.
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 404: an id in the path that does not exist (at the point asked about).
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 422: well-formed, but a field breaks a rule.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message).at(field)
    }

    /// 500: our fault. The cause is logged; the client is told only that it happened.
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        tracing::error!(cause = %cause, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; it was logged",
        )
    }

    /// A command's refusal; `path_fields` are the fields the path named (an unknown id there
    /// is 404, in the body 422).
    pub fn from_command(e: CommandError, path_fields: &[&str]) -> ApiError {
        let field = e.field().to_string();
        match &e {
            CommandError::Invalid { .. } => ApiError::invalid(field, e.to_string()),
            CommandError::NotFound { .. } if path_fields.contains(&field.as_str()) => {
                ApiError::not_found(e.to_string()).at(field)
            }
            CommandError::NotFound { .. } => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown_id",
                e.to_string(),
            )
            .at(field),
            CommandError::Conflict { .. } => {
                ApiError::new(StatusCode::CONFLICT, "conflict", e.to_string()).at(field)
            }
        }
    }

    pub fn from_write(e: WriteError, path_fields: &[&str]) -> ApiError {
        match e {
            WriteError::Rejected(e) => ApiError::from_command(e, path_fields),
            WriteError::Forbidden(why) => ApiError::forbidden(why),
            WriteError::VersionMismatch {
                stream,
                expected,
                actual,
            } => {
                let mut e = ApiError::new(
                    StatusCode::CONFLICT,
                    "version_mismatch",
                    format!("stream {stream} is at version {actual}, not {expected}"),
                )
                .at("If-Match");
                e.extra = Some(("current_version", json!(actual)));
                e
            }
            WriteError::KeyReused(_) => ApiError::invalid(
                "Idempotency-Key",
                "this idempotency key was already used for a different request",
            ),
            WriteError::TooLarge(why) => {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", why)
            }
            WriteError::Unavailable(why) => {
                tracing::error!(why = %why, "a write was refused: the log is unavailable");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "writes are unavailable; reads go on",
                )
            }
            WriteError::Internal(why) => ApiError::internal(why),
        }
    }
}

impl From<GrantError> for ApiError {
    fn from(e: GrantError) -> ApiError {
        match e {
            GrantError::Token(crate::token::TokenError::Invalid { field, rule }) => {
                ApiError::invalid(field, rule)
            }
            GrantError::Token(crate::token::TokenError::NotFound(id)) => {
                ApiError::not_found(format!("no token {id:?}")).at("id")
            }
            GrantError::Token(e @ crate::token::TokenError::Store(_)) => ApiError::internal(e),
            GrantError::UnknownOrg(org) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown_id",
                format!("no org unit {org:?}"),
            )
            .at("org"),
            GrantError::Write(e) => ApiError::from_write(e, &[]),
        }
    }
}

impl From<trellis_events::LogError> for ApiError {
    fn from(e: trellis_events::LogError) -> ApiError {
        ApiError::internal(e)
    }
}

/// The error body, for responses built elsewhere (fallbacks, the panic guard).
pub fn body(code: &str, message: &str, field: Option<&str>) -> Value {
    json!({ "error": { "code": code, "message": message, "field": field } })
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut value = body(self.code, &self.message, self.field.as_deref());
        if let Some((key, extra)) = self.extra {
            value["error"][key] = extra;
        }
        let mut response = (self.status, axum::Json(value)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"trellis\""),
            );
        }
        response
    }
}
