//! Reads: a view of the projections as of the point a request names, answered as JSON.

use std::sync::Arc;

use axum::Json;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use trellis_projections::Projections;

use super::error::ApiError;
use super::extract::PointQuery;
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
    let (position, point) = match (&point.as_of, point.at_position) {
        (None, None) => (u64::MAX, Point::default()),
        _ => {
            let at = point.resolve(server)?;
            let day = at.instant.or(at.recorded_at).map(|t| t.date_naive());
            (at.position, Point { day })
        }
    };
    let answer = server
        .views
        .with(position, move |v| read(v, point))
        .await??;
    Ok(Json(answer))
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
