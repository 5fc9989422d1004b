//! What handlers take from a request, each refusal answered in the API's error shape: the
//! caller's token, the query, a JSON body, and the point in the log a read is about.

use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use chrono::{DateTime, Utc};

use crate::instant::instant_until;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use trellis_projections::org_tree::OrgTree;

use super::error::ApiError;
use crate::server::Server;
use crate::token::{Grant, Role};

/// The authenticated caller.
pub struct Caller(pub Grant);

impl FromRequestParts<Arc<Server>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        server: &Arc<Server>,
    ) -> Result<Caller, ApiError> {
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            crate::metrics::auth_failure("missing");
            return Err(ApiError::unauthorized(
                "an Authorization: Bearer <token> header is required",
            ));
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let grant = token.and_then(|t| server.tokens.authenticate(t));
        match grant {
            Some(grant) => {
                if let Some(slot) = parts.extensions.get::<ActorSlot>() {
                    let _ = slot.0.set(grant.login.clone());
                }
                Ok(Caller(grant))
            }
            None => {
                crate::metrics::auth_failure("bad_token");
                tracing::info!("a request with a bad token was refused");
                Err(ApiError::unauthorized(
                    "the token is unknown, malformed or revoked",
                ))
            }
        }
    }
}

/// Where the caller's login is left for the request's log line.
#[derive(Clone, Default)]
pub struct ActorSlot(pub Arc<std::sync::OnceLock<String>>);

impl Caller {
    pub fn login(&self) -> &str {
        &self.0.login
    }

    /// Admins only (token management, import).
    pub fn admin(&self) -> Result<(), ApiError> {
        match self.0.role {
            Role::Admin => Ok(()),
            role => Err(ApiError::forbidden(format!(
                "only an admin may do this; this token is an {} token",
                role.as_str()
            ))),
        }
    }

    /// Whether the caller may read org unit `org` (its subtree, for scoped tokens).
    pub fn sees(&self, tree: &OrgTree, org: &str) -> bool {
        match (&self.0.role, &self.0.org) {
            (Role::Admin | Role::Auditor, _) => true,
            (_, Some(scope)) => within(tree, org, scope),
            (_, None) => false,
        }
    }

    /// Refuses a read of `org` outside the caller's scope (404 when it does not exist).
    pub fn may_read(&self, tree: &OrgTree, org: &str) -> Result<(), ApiError> {
        if tree.unit(org).is_none() {
            return Err(ApiError::not_found(format!("no org unit {org:?}")).at("org"));
        }
        if !self.sees(tree, org) {
            return Err(ApiError::forbidden(format!(
                "org unit {org:?} is outside this token's scope"
            )));
        }
        Ok(())
    }

    /// Refuses a read of a unit outside the caller's scope, given the unit and its parents
    /// as [`org_chain`] lists them (the unit is known to exist where they were listed).
    pub fn may_read_chain(&self, chain: &[String]) -> Result<(), ApiError> {
        let sees = match (&self.0.role, &self.0.org) {
            (Role::Admin | Role::Auditor, _) => true,
            (_, Some(scope)) => chain.iter().any(|id| id == scope),
            (_, None) => false,
        };
        if sees {
            return Ok(());
        }
        let org = chain.first().map_or("", String::as_str);
        Err(ApiError::forbidden(format!(
            "org unit {org:?} is outside this token's scope"
        )))
    }

    /// Whether the token reads the whole tree.
    pub fn sees_all(&self) -> bool {
        !self.0.role.is_scoped()
    }
}

/// Whether `org` is `ancestor` or below it.
pub fn within(tree: &OrgTree, org: &str, ancestor: &str) -> bool {
    let mut at = Some(org.to_string());
    // The tree is three levels deep; the bound guards against a loop of parents.
    for _ in 0..16 {
        match at {
            Some(id) if id == ancestor => return true,
            Some(id) => at = tree.unit(&id).and_then(|u| u.parent.clone()),
            None => return false,
        }
    }
    false
}

/// `org` and its parents, nearest first, as [`within`] walks them (so `within(tree, org, a)`
/// is whether `a` is among them).
pub fn org_chain(tree: &OrgTree, org: &str) -> Vec<String> {
    let mut chain = Vec::new();
    let mut at = Some(org.to_string());
    for _ in 0..16 {
        let Some(id) = at else { break };
        at = tree.unit(&id).and_then(|u| u.parent.clone());
        chain.push(id);
    }
    chain
}

/// A query string, refused with 400 (and the parameter) when it does not parse.
pub struct Q<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Q<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Q<T>, ApiError> {
        let query = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de).map(Q).map_err(|e| {
            let field = e.path().to_string();
            let mut err = ApiError::bad_request(format!("query: {}", e.inner()));
            if field != "." {
                err = err.at(field);
            }
            err
        })
    }
}

/// A JSON body's bytes: refused with 415 unless it says it is JSON, 413 when too large.
pub struct JsonBytes(pub axum::body::Bytes);

impl<S: Send + Sync> FromRequest<S> for JsonBytes {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<JsonBytes, ApiError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "the body must be JSON, sent with Content-Type: application/json",
            ));
        }
        match axum::body::Bytes::from_request(req, state).await {
            Ok(bytes) => Ok(JsonBytes(bytes)),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("the body is over {} bytes", super::MAX_BODY),
            )),
            Err(e) => Err(ApiError::bad_request(e.body_text())),
        }
    }
}

/// Which point of the log a read is about: `as_of` (an RFC 3339 instant, or a day, which
/// stands for its end in UTC) or `at_position`; neither means now.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PointQuery {
    pub as_of: Option<String>,
    pub at_position: Option<u64>,
}

/// The position a read is answered at, and when that event was recorded.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct AsOf {
    pub position: u64,
    pub recorded_at: Option<DateTime<Utc>>,
    /// True when the read asked for an earlier point than now.
    #[serde(skip)]
    pub past: bool,
    /// The instant asked for, if any (accountability is judged on its day).
    #[serde(skip)]
    pub instant: Option<DateTime<Utc>>,
}

impl PointQuery {
    /// Resolves the point against the log (never past its head).
    pub fn resolve(&self, server: &Server) -> Result<AsOf, ApiError> {
        let head = server.log.head_position();
        let (position, instant) = match (&self.as_of, self.at_position) {
            (Some(_), Some(_)) => {
                return Err(ApiError::bad_request("give as_of or at_position, not both").at("as_of"))
            }
            (Some(t), None) => {
                let t = instant_until(t).map_err(|e| ApiError::bad_request(e).at("as_of"))?;
                (server.log.position_at(t)?, Some(t))
            }
            (None, Some(n)) => (n.min(head), None),
            (None, None) => (head, None),
        };
        let recorded_at = server.log.get(position)?.map(|e| e.recorded_at);
        Ok(AsOf {
            position,
            recorded_at,
            past: position < head,
            instant,
        })
    }
}
