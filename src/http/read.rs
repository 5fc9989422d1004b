//! Reads: a view of the projections as of the point a request names, answered as JSON.

use std::sync::Arc;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use trellis_projections::Projections;

use super::error::ApiError;
use super::extract::{org_chain, Caller, PointQuery};
use crate::server::rendered::Body;
use crate::server::Server;

/// The most items one page of a list holds.
pub const MAX_PAGE: usize = 500;
/// A page's size when none is asked for.
pub const DEFAULT_PAGE: usize = 100;

/// The point of the log a view shows, as every view body states it.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct AsOf {
    pub position: u64,
    pub recorded_at: Option<DateTime<Utc>>,
}

impl AsOf {
    pub fn of(views: &Projections) -> AsOf {
        AsOf {
            position: views.position(),
            recorded_at: views.recorded_at(),
        }
    }
}

/// Runs `read` on the views as of the request's point: today's live views when it names
/// none, else a fold up to it (see [`crate::server::Views::with`]).
pub async fn view<T: Serialize + Send + 'static>(
    server: &Arc<Server>,
    point: &PointQuery,
    read: impl FnOnce(&Projections, Point) -> Result<T, ApiError> + Send + 'static,
) -> Result<Json<T>, ApiError> {
    at_point(server, point, read).await.map(Json)
}

/// A view as CSV, for leaders who live in spreadsheets: `read` renders the rows.
pub async fn csv_view(
    server: &Arc<Server>,
    point: &PointQuery,
    name: &str,
    read: impl FnOnce(&Projections, Point) -> Result<Vec<u8>, ApiError> + Send + 'static,
) -> Result<Response, ApiError> {
    let bytes = at_point(server, point, read).await?;
    let disposition = format!("attachment; filename=\"{name}.csv\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

/// What `read` answers of the views as of the request's point.
async fn at_point<T: Send + 'static>(
    server: &Arc<Server>,
    point: &PointQuery,
    read: impl FnOnce(&Projections, Point) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let (position, point) = match (&point.as_of, point.at_position) {
        (None, None) => (u64::MAX, Point::default()),
        _ => {
            let at = point.resolve(server)?;
            let day = at.instant.or(at.recorded_at).map(|t| t.date_naive());
            (at.position, Point { day })
        }
    };
    server.views.with(position, move |v| read(v, point)).await?
}

/// `json` (the default) or `csv`, for the views that come in both.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ViewFormat {
    /// `json` (default) or `csv`.
    #[param(inline)]
    pub format: Option<Shape>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Shape {
    Json,
    Csv,
}

impl ViewFormat {
    pub fn csv(self) -> bool {
        self.format == Some(Shape::Csv)
    }
}

/// A read whose body depends on the views' position alone, besides `key` (which must name
/// everything else it depends on: the route and its path and query values): rendered once
/// per position and kept ([`crate::server::rendered`]), then handed to every reader as the
/// same bytes until the views move on, with no blocking thread and no JSON built.
///
/// `read` checks the caller as [`view`]'s reads do and answers the body with the org unit
/// it is about; a kept body is handed out only once the caller's scope covers that unit as
/// the tree stood at the body's position.
pub async fn rendered_view(
    server: &Arc<Server>,
    point: &PointQuery,
    caller: Caller,
    key: String,
    read: impl FnOnce(&Projections, &Caller) -> Result<(serde_json::Value, String), ApiError>
        + Send
        + 'static,
) -> Result<Response, ApiError> {
    let views = &server.views;
    let asked = match (&point.as_of, point.at_position) {
        (None, None) => {
            views.caught_up().await;
            None
        }
        _ => Some(point.resolve(server)?.position),
    };
    let at = asked.unwrap_or_else(|| views.position());
    if let Some(body) = views.rendered.get(&key, at) {
        caller.may_read_chain(&body.orgs)?;
        return Ok(json_bytes(body.bytes));
    }
    let (position, body) = views
        .with(asked.unwrap_or(u64::MAX), move |v| {
            let (value, org) = read(v, &caller)?;
            let bytes = serde_json::to_vec(&value).map_err(ApiError::internal)?;
            let orgs = org_chain(v.org_tree(), &org).into();
            Ok::<_, ApiError>((
                v.position(),
                Body {
                    bytes: bytes.into(),
                    orgs,
                },
            ))
        })
        .await??;
    views.rendered.put(key, position, body.clone());
    Ok(json_bytes(body.bytes))
}

/// A route key for [`rendered_view`]: the route's name, then each part with its length, so
/// that no two lists of parts give the same key.
pub fn key(route: &str, parts: &[&str]) -> String {
    let mut key = String::from(route);
    for part in parts {
        key.push_str(&format!(":{}:{part}", part.len()));
    }
    key
}

/// A JSON body already rendered.
fn json_bytes(bytes: axum::body::Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], bytes).into_response()
}

/// What a read knows of the point it was asked about.
#[derive(Clone, Copy, Debug, Default)]
pub struct Point {
    /// The day of the instant asked for, or of the event at the position asked for; `None`
    /// for now.
    pub day: Option<NaiveDate>,
}

impl Point {
    /// The day "overdue" and "due soon" are judged on, unless the request says.
    pub fn today(self, asked: Option<NaiveDate>) -> NaiveDate {
        asked
            .or(self.day)
            .unwrap_or_else(|| Utc::now().date_naive())
    }
}

/// `limit` and `offset` of a paged list.
#[derive(Clone, Copy, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Page {
    pub limit: Option<usize>,
    pub offset: Option<usize>,
}

impl Page {
    pub fn limit(self) -> Result<usize, ApiError> {
        match self.limit {
            None => Ok(DEFAULT_PAGE),
            Some(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
            Some(_) => Err(ApiError::bad_request(format!("limit is 1 to {MAX_PAGE}")).at("limit")),
        }
    }

    /// One page of `items`, and the offset of the next page if there is one.
    pub fn cut<T>(
        self,
        items: impl Iterator<Item = T>,
    ) -> Result<(Vec<T>, Option<usize>), ApiError> {
        let limit = self.limit()?;
        let offset = self.offset.unwrap_or(0);
        let mut page: Vec<T> = items.skip(offset).take(limit + 1).collect();
        let next = (page.len() > limit).then(|| {
            page.truncate(limit);
            offset + limit
        });
        Ok((page, next))
    }
}
