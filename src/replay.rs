//! Replaying the log to a point: every view as of a recorded instant or a log position.
//!
//! "As of" is the same fold stopped early: the events up to the point are folded into fresh
//! views, which therefore equal the live views fed only those events. A single cycle's
//! timeline needs only its own stream (every fact of a cycle, ratings made in it and
//! retractions of its facts included, is appended to `cycle-<id>`), so that query folds a few
//! hundred events instead of the whole log.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use trellis_events::{stream, Log, LogError};
use trellis_projections::cycle::CycleHeader;
use trellis_projections::maturity::{MaturitySummary, Rating, Rollup};
use trellis_projections::timeline::TimelineEntry;
use trellis_projections::{PersonView, Projections};
use trellis_rubric::Catalog;

use crate::progress::Progress;

/// Where to stop the replay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Point {
    Instant(DateTime<Utc>),
    Position(u64),
    Head,
}

/// The position a point stands for, and when that event was recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct AsOf {
    pub position: u64,
    pub recorded_at: Option<DateTime<Utc>>,
}

/// Resolves a point to a log position (never beyond the head).
pub fn resolve(log: &Log, point: Point) -> Result<AsOf, LogError> {
    let head = log.head_position();
    let position = match point {
        Point::Instant(t) => log.position_at(t)?,
        Point::Position(n) => n.min(head),
        Point::Head => head,
    };
    let recorded_at = log.get(position)?.map(|e| e.recorded_at);
    Ok(AsOf {
        position,
        recorded_at,
    })
}

/// Every view as of `position`, folded from the start of the log.
pub fn views_at(log: &Log, position: u64, progress: bool) -> Result<Projections, LogError> {
    let bar = Progress::new("replaying", position, progress && position > 200_000);
    let mut views = Projections::new();
    for (n, env) in log.iter_prefetched(1).take(position as usize).enumerate() {
        views.apply(&env?);
        bar.tick(n as u64 + 1);
    }
    bar.finish();
    Ok(views)
}

/// One cycle's header and timeline as of `position`, folded from the cycle's stream alone.
pub fn cycle_at(log: &Log, cycle: &str, position: u64) -> Result<Option<CycleReport>, LogError> {
    let mut views = Projections::new();
    for env in log.read_stream(&stream::cycle(cycle), 1)? {
        if env.position > position {
            break;
        }
        views.apply(&env);
    }
    Ok(cycle_report(&views, cycle))
}

/// A cycle as the timeline view shows it.
#[derive(Clone, Debug, Serialize)]
pub struct CycleReport {
    pub header: CycleHeader,
    pub entries: Vec<TimelineEntry>,
}

fn cycle_report(views: &Projections, cycle: &str) -> Option<CycleReport> {
    let c = views.timelines.cycle(cycle)?;
    Some(CycleReport {
        header: c.header(),
        entries: c.timeline(),
    })
}

/// The cycles of one org unit (or every cycle) as of the views' position.
pub fn cycles(views: &Projections, org: Option<&str>) -> Vec<CycleReport> {
    views
        .timelines
        .cycles()
        .filter(|c| org.is_none_or(|o| c.header().opening.org == o))
        .filter_map(|c| cycle_report(views, &c.header().id))
        .collect()
}

/// Where one org unit stands on one adopted rubric.
#[derive(Clone, Debug, Serialize)]
pub struct OrgMaturity {
    pub org: String,
    pub name: String,
    pub kind: trellis_events::OrgKind,
    pub summary: MaturitySummary,
    /// The current rating of each rated indicator.
    pub current: Vec<CurrentRating>,
    /// For a district: its schools' distribution of levels per indicator.
    pub rollup: Option<Rollup>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CurrentRating {
    pub indicator: String,
    pub rating: Rating,
    /// How many live ratings led here.
    pub ratings: usize,
}

/// The maturity view for `org` (or every org unit that adopted a rubric).
pub fn maturity(views: &Projections, catalog: &Catalog, org: Option<&str>) -> Vec<OrgMaturity> {
    let tree = views.org_tree();
    let mut out = Vec::new();
    for unit in tree.units().filter(|u| org.is_none_or(|o| u.id == o)) {
        for adoption in views.maturity.adopted(&unit.id) {
            let a = &adoption.value;
            let Some(rubric) = catalog.get(&a.rubric, a.version) else {
                continue;
            };
            let current = views
                .maturity
                .cells_of(&unit.id, &a.rubric)
                .filter_map(|c| {
                    c.current().map(|r| CurrentRating {
                        indicator: c.indicator.to_string(),
                        rating: r.clone(),
                        ratings: c.trajectory.len(),
                    })
                })
                .collect();
            let rollup = (unit.kind == trellis_events::OrgKind::District)
                .then(|| views.maturity.rollup(tree, &unit.id, rubric));
            out.push(OrgMaturity {
                org: unit.id.clone(),
                name: unit.name.clone(),
                kind: unit.kind,
                summary: views.maturity.summary(&unit.id, rubric),
                current,
                rollup,
            });
        }
    }
    out
}

/// What each person (or one person) answers for on `today`.
pub fn accountability(
    views: &Projections,
    person: Option<&str>,
    today: NaiveDate,
) -> Vec<PersonView> {
    let people: Vec<String> = match person {
        Some(p) => vec![p.to_string()],
        None => views.documents.people().map(|p| p.id.clone()).collect(),
    };
    let mut views: Vec<PersonView> = people
        .iter()
        .map(|p| views.person_view(p, today))
        .filter(|v| person.is_some() || !v.open.is_empty() || !v.roles.is_empty())
        .collect();
    // Most urgent first: who has the most overdue, then the most open.
    views.sort_by_key(|v| {
        (
            std::cmp::Reverse(v.overdue.len()),
            std::cmp::Reverse(v.open.len()),
        )
    });
    views
}
