//! Replaying the log to a point: every view as of a recorded instant or a log position.
//!
//! "As of" is the same fold stopped early: the events up to the point are folded into fresh
//! views, which therefore equal the live views fed only those events. Like the app's live
//! views, those views keep no timeline entries ([`Projections::without_entries`]): a cycle's
//! timeline needs only its own stream (every fact of a cycle, ratings made in it and
//! retractions of its facts included, is appended to `cycle-<id>`), so it is always shown by
//! folding that stream up to the point with entries kept ([`cycle_at`]), a few hundred events
//! instead of the whole log.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use trellis_events::{stream, Log, LogError};
use trellis_projections::accountability::ReassignmentView;
use trellis_projections::cycle::{CycleHeader, ItemView};
use trellis_projections::documents::{Agreement, Role, StrategicPlan, Vision};
use trellis_projections::live::Stamped;
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

/// Every view as of `position`, folded from the start of the log, without timeline entries
/// (maturity, accountability and the list of cycles need none; see [`cycles`] for timelines).
pub fn views_at(log: &Log, position: u64, progress: bool) -> Result<Projections, LogError> {
    let bar = Progress::new("replaying", position, progress && position > 200_000);
    let views = fold_views(log, position, |n| bar.tick(n))?;
    bar.finish();
    Ok(views)
}

/// [`views_at`], telling `tick` how many events were folded after each one.
pub fn fold_views(
    log: &Log,
    position: u64,
    mut tick: impl FnMut(u64),
) -> Result<Projections, LogError> {
    // Never past the log's end.
    let mut views = empty_views(position.min(log.head_position()));
    let mut events = log.prefetched(1);
    let mut n = 0;
    while n < position {
        let Some(env) = events.next() else { break };
        views.apply(env?);
        n += 1;
        tick(n);
    }
    Ok(views)
}

/// Views without timeline entries, with room for `events` events in their per-event indexes,
/// so that a fold of that many grows them once.
pub fn empty_views(events: u64) -> Projections {
    let mut views = Projections::without_entries();
    views.reserve(usize::try_from(events).unwrap_or(usize::MAX));
    views
}

/// One cycle's header and timeline as of `position`, folded from the cycle's stream alone into
/// views that keep timeline entries.
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

/// `views` must keep timeline entries (only [`cycle_at`]'s do).
fn cycle_report(views: &Projections, cycle: &str) -> Option<CycleReport> {
    let c = views.timelines.cycle(cycle)?;
    Some(CycleReport {
        header: c.header(),
        entries: c.timeline(),
    })
}

/// The cycles of one org unit (or every cycle), in the order they were opened, as of the
/// position of `views`: `views` (timeline entries kept or not, e.g. from [`views_at`]) lists
/// them, and each one's header and timeline are folded from its own stream ([`cycle_at`]).
pub fn cycles(
    log: &Log,
    views: &Projections,
    org: Option<&str>,
) -> Result<Vec<CycleReport>, LogError> {
    let ids: Vec<String> = match org {
        Some(o) => views
            .timelines
            .cycles_of(o)
            .map(|c| c.id.to_string())
            .collect(),
        None => views.timelines.cycles().map(|c| c.id.to_string()).collect(),
    };
    let position = views.position();
    let mut reports = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(report) = cycle_at(log, &id, position)? {
            reports.push(report);
        }
    }
    Ok(reports)
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
    /// The current rating: the trajectory's last.
    pub rating: Rating,
    /// Every live rating of the indicator in the order they happened (by date, then log
    /// position), the current one last.
    pub trajectory: Vec<Rating>,
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
                        trajectory: c.trajectory.clone(),
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

/// One org unit's written documents, every version kept: its vision (adoption, revisions
/// and reviews), its team's operational agreements, its strategic plans, and its roles.
#[derive(Clone, Debug, Serialize)]
pub struct OrgDocuments {
    pub org: String,
    pub name: String,
    pub kind: trellis_events::OrgKind,
    pub vision: Option<Vision>,
    /// In the order they were recorded; the current one last.
    pub agreements: Vec<Stamped<Agreement>>,
    /// In the order they were recorded; the current one last.
    pub plans: Vec<Stamped<StrategicPlan>>,
    pub roles: Vec<RoleReport>,
}

/// A role: every version of its definition, its holder history, and who holds it now.
#[derive(Clone, Debug, Serialize)]
pub struct RoleReport {
    #[serde(flatten)]
    pub role: Role,
    pub holders: Vec<String>,
}

/// The documents of `org` (or of every org unit that has any), in the org tree's order.
pub fn documents(views: &Projections, org: Option<&str>) -> Vec<OrgDocuments> {
    let docs = &views.documents;
    views
        .org_tree()
        .units()
        .filter(|u| org.is_none_or(|o| u.id == o))
        .map(|u| OrgDocuments {
            org: u.id.clone(),
            name: u.name.clone(),
            kind: u.kind,
            vision: docs.vision(&u.id).cloned(),
            agreements: docs.agreements(&u.id).to_vec(),
            plans: docs.plans(&u.id).to_vec(),
            roles: docs
                .roles_of(&u.id)
                .map(|r| RoleReport {
                    holders: r
                        .holders()
                        .iter()
                        .map(|h| h.value.person().to_owned())
                        .collect(),
                    role: r.clone(),
                })
                .collect(),
        })
        .filter(|d| {
            org.is_some()
                || d.vision.is_some()
                || !d.agreements.is_empty()
                || !d.plans.is_empty()
                || !d.roles.is_empty()
        })
        .collect()
}

/// The accountability view: who answers for what, and, per org unit, what nobody does.
#[derive(Clone, Debug, Serialize)]
pub struct AccountabilityReport {
    pub people: Vec<PersonView>,
    pub orgs: Vec<OrgAccountability>,
}

/// One org unit's part of the accountability view.
#[derive(Clone, Debug, Serialize)]
pub struct OrgAccountability {
    pub org: String,
    pub name: String,
    /// Open items of its cycles whose accountable person was never added as a person.
    pub unowned: Vec<ItemView>,
    /// Every live change of who is accountable for an item of its cycles, in log order.
    pub reassignments: Vec<ReassignmentView>,
}

/// What each person (or one person) answers for on `today`, and each org unit's items with
/// no accountable person and reassignments.
///
/// With `org`, only that unit: the people who hold a role in it or answer for an item of its
/// cycles, each shown with that unit's part of their work, and the unit's own section even
/// when empty. Without it, every unit that has something to show.
///
/// With `person`, each unit's section keeps only the reassignments that person was part of
/// (from or to); items with no accountable person are nobody's, so none are listed.
pub fn accountability(
    views: &Projections,
    person: Option<&str>,
    org: Option<&str>,
    today: NaiveDate,
) -> AccountabilityReport {
    let ids: Vec<String> = match person {
        Some(p) => vec![p.to_string()],
        None => views.documents.people().map(|p| p.id.clone()).collect(),
    };
    let mut people: Vec<PersonView> = ids
        .iter()
        .map(|p| views.person_view(p, today))
        .map(|v| match org {
            Some(o) => within(v, o),
            None => v,
        })
        .filter(|v| person.is_some() || !v.open.is_empty() || !v.roles.is_empty())
        .collect();
    // Most urgent first: who has the most overdue, then the most open.
    people.sort_by_key(|v| {
        (
            std::cmp::Reverse(v.overdue.len()),
            std::cmp::Reverse(v.open.len()),
        )
    });
    let orgs = views
        .org_tree()
        .units()
        .filter(|u| org.is_none_or(|o| u.id == o))
        .map(|u| {
            let mut reassignments = views.accountability.reassignments(&views.timelines, &u.id);
            let unowned = match person {
                Some(p) => {
                    reassignments.retain(|m| m.change.from == p || m.change.to == p);
                    Vec::new()
                }
                None => views
                    .accountability
                    .unowned(&views.timelines, &views.documents, &u.id),
            };
            OrgAccountability {
                org: u.id.clone(),
                name: u.name.clone(),
                unowned,
                reassignments,
            }
        })
        .filter(|o| org.is_some() || !o.unowned.is_empty() || !o.reassignments.is_empty())
        .collect();
    AccountabilityReport { people, orgs }
}

/// A person's view cut down to what they answer for in `org`.
fn within(mut v: PersonView, org: &str) -> PersonView {
    v.open.retain(|i| i.org == org);
    v.overdue.retain(|i| i.org == org);
    v.due_soon.retain(|i| i.org == org);
    v.roles.retain(|r| r.org == org);
    v.raci.retain(|r| r.item.org == org);
    v
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde_json::Value;
    use trellis_events::Envelope;

    use super::*;
    use crate::demo::tests::reopen;
    use crate::demo::{self, DemoOptions};

    fn demo_log(dir: &Path) -> (Log, Vec<Envelope>) {
        demo::generate(dir, &Catalog::shipped(), &DemoOptions::default()).expect("demo");
        let log = reopen(dir);
        let events = log
            .iter(1)
            .collect::<Result<Vec<_>, _>>()
            .expect("the log reads");
        (log, events)
    }

    /// The timeline view as it was when the whole-log fold kept every cycle's entries.
    fn cycles_from_a_full_fold(events: &[Envelope], k: u64, org: Option<&str>) -> Vec<Value> {
        let full = trellis_projections::as_of_position(events, k);
        full.timelines
            .cycles()
            .filter(|c| org.is_none_or(|o| c.opening.org == o))
            .map(|c| serde_json::json!({ "header": c.header(), "entries": c.timeline() }))
            .collect()
    }

    #[test]
    fn every_cycles_timeline_folded_from_its_stream_equals_the_whole_log_fold_with_entries() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let (log, events) = demo_log(dir.path());
        let head = events.len() as u64;
        let retraction = events
            .iter()
            .find(|e| matches!(e.event, trellis_events::Event::EventRetracted { .. }))
            .map(|e| e.position)
            .expect("the demo retracts once");
        let some_org = events
            .iter()
            .find_map(|e| match &e.event {
                trellis_events::Event::CycleOpened { org, .. } => Some(org.clone()),
                _ => None,
            })
            .expect("the demo opens cycles");
        for k in [1, head / 3, retraction - 1, retraction, head / 2 + 7, head] {
            let views = views_at(&log, k, false).expect("replay");
            assert_eq!(views.entries(), trellis_projections::Entries::Skipped);
            for org in [None, Some(some_org.as_str()), Some("no-such-org")] {
                let got = cycles(&log, &views, org).expect("cycles");
                let got: Vec<Value> = got
                    .iter()
                    .map(|r| serde_json::to_value(r).expect("json"))
                    .collect();
                let want = cycles_from_a_full_fold(&events, k, org);
                assert_eq!(got.len(), want.len(), "k {k} org {org:?}");
                assert_eq!(got, want, "k {k} org {org:?}");
            }
        }
        // And the rest of the views, but for the entries, are what the full fold holds.
        let lean = views_at(&log, head, false).expect("replay");
        let full = Projections::fold(&events);
        for c in full.timelines.cycles() {
            let l = lean.timelines.cycle(&c.id).expect("the same cycles");
            assert_eq!(l.header(), c.header());
            assert_eq!(l.goal_views(), c.goal_views());
            assert_eq!(l.milestone_views(), c.milestone_views());
            assert_eq!(l.reflections(), c.reflections());
        }
        let today = chrono::NaiveDate::from_ymd_opt(2025, 3, 1).expect("a date");
        for org in [None, Some(some_org.as_str())] {
            assert_eq!(
                serde_json::to_value(accountability(&lean, None, org, today)).expect("json"),
                serde_json::to_value(accountability(&full, None, org, today)).expect("json"),
            );
        }
        let catalog = Catalog::shipped();
        assert_eq!(
            serde_json::to_value(maturity(&lean, &catalog, None)).expect("json"),
            serde_json::to_value(maturity(&full, &catalog, None)).expect("json"),
        );

        // The checkpoint form (MessagePack, as the app writes it) with and without entries.
        let with = rmp_serde::to_vec(&full).expect("msgpack").len();
        let without = rmp_serde::to_vec(&lean).expect("msgpack").len();
        eprintln!(
            "demo log of {head} events: projections checkpoint {with} B with entries, \
             {without} B without ({:.0}%)",
            100.0 * without as f64 / with as f64
        );
        assert!(without < with, "{without} B without entries, {with} B with");
    }
}
