//! Properties of the fold over random, valid-enough histories (see [`crate::testkit`]), with
//! timeline entries kept ([`Projections::new`]) and skipped ([`Projections::without_entries`]).

use std::collections::{BTreeSet, HashSet};

use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{json, Value};
use trellis_events::{Envelope, Event};
use trellis_rubric::Catalog;

use crate::testkit::{date, Generator, Op, TEST_MIX};
use crate::{
    as_of_instant, as_of_position, is_retractable, Entries, Part, Parts, Projections, Rest,
    Timelines,
};

fn ops(max: usize) -> impl Strategy<Value = Vec<Op>> {
    let op = (any::<u16>(), any::<u16>(), any::<u16>(), any::<u16>())
        .prop_map(|(pick, a, b, c)| Op { pick, a, b, c });
    prop::collection::vec(op, 0..max)
}

fn history(ops: &[Op]) -> Vec<Envelope> {
    Generator::history(TEST_MIX, ops)
}

fn value(p: &Projections) -> Value {
    serde_json::to_value(p).unwrap_or(Value::Null)
}

/// Folds events into fresh views that skip timeline entries.
fn fold_without_entries<'a>(events: impl IntoIterator<Item = &'a Envelope>) -> Projections {
    let mut p = Projections::without_entries();
    p.extend(events);
    p
}

/// The serialized views of a fold that kept timeline entries, as a fold that skipped them
/// would be: every cycle's entries emptied and the mode said to be `skipped`.
fn value_without_entries(p: &Projections) -> Value {
    let mut v = value(p);
    if let Some(t) = v.get_mut("timelines").and_then(Value::as_object_mut) {
        t.insert("entries".into(), json!("skipped"));
        if let Some(cycles) = t.get_mut("cycles").and_then(Value::as_array_mut) {
            for c in cycles.iter_mut().filter_map(Value::as_object_mut) {
                c.insert("entries".into(), json!([]));
            }
        }
    }
    v
}

/// Everyone a query could be about: people added and anyone named on an item or a role.
fn people_named(events: &[Envelope]) -> BTreeSet<String> {
    let mut people = BTreeSet::new();
    for e in events {
        match &e.event {
            Event::PersonAdded { person, .. }
            | Event::RoleAssigned { person, .. }
            | Event::RaciAssigned { person, .. } => {
                people.insert(person.clone());
            }
            Event::GoalSet { accountable, .. } | Event::MilestonePlanned { accountable, .. } => {
                people.insert(accountable.clone());
            }
            Event::AccountableReassigned { to, .. } => {
                people.insert(to.clone());
            }
            _ => {}
        }
    }
    people
}

/// What users can see: every query over every view, without the indexes that only serve
/// retractions and lookups, and without retraction entries in timelines.
fn visible(p: &Projections, people: &BTreeSet<String>) -> Value {
    let catalog = Catalog::shipped();
    let rubrics: Vec<_> = ["leadership-system", "rapid-improvement"]
        .iter()
        .filter_map(|id| catalog.get(id, 1))
        .collect();
    let orgs: Vec<String> = p.org_tree().units().map(|u| u.id.clone()).collect();

    let mut documents = serde_json::to_value(&p.documents).unwrap_or(Value::Null);
    if let Some(d) = documents.as_object_mut() {
        d.remove("at");
    }

    let mut cells: Vec<_> = p.maturity.cells().collect();
    cells.sort_by(|a, b| (&a.org, &a.rubric, &a.indicator).cmp(&(&b.org, &b.rubric, &b.indicator)));
    let summaries: Vec<_> = orgs
        .iter()
        .flat_map(|o| rubrics.iter().map(move |r| (o, r)))
        .map(|(o, r)| p.maturity.summary(o, r))
        .collect();
    let rollups: Vec<_> = orgs
        .iter()
        .filter_map(|o| {
            rubrics
                .first()
                .map(|r| p.maturity.rollup(p.org_tree(), o, r))
        })
        .collect();
    let adoptions: Vec<_> = orgs.iter().map(|o| p.maturity.adoptions(o)).collect();

    let cycles: Vec<Value> = p
        .timelines
        .cycles()
        .map(|c| {
            let timeline: Vec<_> = c
                .timeline()
                .into_iter()
                .filter(|e| e.kind != "event_retracted")
                .collect();
            json!({
                "header": c.header(),
                "goals": c.goals,
                "milestones": c.milestones,
                "goal_views": c.goal_views(),
                "milestone_views": c.milestone_views(),
                "reflections": c.reflections(),
                "timeline": timeline,
            })
        })
        .collect();

    let days = [date(2024, 9, 1), date(2024, 10, 1), date(2025, 1, 1)];
    let persons: Vec<_> = people
        .iter()
        .flat_map(|who| days.iter().map(move |d| (who, *d)))
        .map(|(who, d)| p.person_view(who, d))
        .collect();
    let per_org: Vec<_> = orgs
        .iter()
        .map(|o| {
            json!({
                "unowned": p.accountability.unowned(&p.timelines, &p.documents, o),
                "reassignments": p.accountability.reassignments(&p.timelines, o),
            })
        })
        .collect();

    json!({
        "documents": documents,
        "cells": cells,
        "summaries": summaries,
        "rollups": rollups,
        "adoptions": adoptions,
        "cycles": cycles,
        "persons": persons,
        "per_org": per_org,
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn folding_with_reads_in_between_equals_rebuilding_from_scratch(ops in ops(250)) {
        let events = history(&ops);
        let people = people_named(&events);
        let mut live = Projections::new();
        for (i, e) in events.iter().enumerate() {
            live.apply(e);
            if i % 25 == 0 {
                // Queries take `&self`; running them mid-fold also checks they never panic.
                let _ = visible(&live, &people);
            }
        }
        let rebuilt = Projections::fold(&events);
        prop_assert_eq!(value(&live), value(&rebuilt));
        prop_assert_eq!(live, rebuilt);
    }

    #[test]
    fn as_of_position_k_equals_the_fold_of_the_first_k_events(ops in ops(250), k in any::<Index>()) {
        let events = history(&ops);
        let k = k.index(events.len() + 1);
        let as_of = as_of_position(&events, k as u64);
        prop_assert_eq!(as_of.position(), k as u64);
        prop_assert_eq!(as_of, Projections::fold(&events[..k]));
    }

    #[test]
    fn as_of_instant_equals_the_fold_of_the_events_recorded_by_then(ops in ops(250), k in any::<Index>()) {
        let events = history(&ops);
        prop_assume!(!events.is_empty());
        let t = events[k.index(events.len())].recorded_at;
        let by_then: Vec<_> = events.iter().filter(|e| e.recorded_at <= t).cloned().collect();
        prop_assert_eq!(as_of_instant(&events, t), Projections::fold(&by_then));
    }

    #[test]
    fn a_restored_checkpoint_folded_on_equals_folding_straight_through(
        ops in ops(250),
        k in any::<Index>(),
        overlap in 0usize..4,
    ) {
        let events = history(&ops);
        let (restored, straight) =
            checkpoint_and_fold_on(&events, k, overlap, Projections::new)?;
        prop_assert_eq!(restored, straight);
    }

    #[test]
    fn retracted_events_leave_every_view_as_if_they_had_never_been_recorded(ops in ops(250)) {
        let events = history(&ops);
        let retractable: HashSet<u64> = events
            .iter()
            .filter(|e| is_retractable(&e.event))
            .map(|e| e.position)
            .collect();
        let retracted: HashSet<u64> = events
            .iter()
            .filter_map(|e| match e.event {
                Event::EventRetracted { position, .. } => Some(position),
                _ => None,
            })
            .filter(|p| retractable.contains(p))
            .collect();
        let clean: Vec<Envelope> = events
            .iter()
            .filter(|e| !retracted.contains(&e.position))
            .filter(|e| !matches!(e.event, Event::EventRetracted { .. }))
            .cloned()
            .collect();
        let people = people_named(&events);
        prop_assert_eq!(
            visible(&Projections::fold(&events), &people),
            visible(&Projections::fold(&clean), &people)
        );
    }

    #[test]
    fn without_entries_folding_with_reads_in_between_equals_rebuilding_from_scratch(
        ops in ops(250),
    ) {
        let events = history(&ops);
        let people = people_named(&events);
        let mut live = Projections::without_entries();
        for (i, e) in events.iter().enumerate() {
            live.apply(e);
            if i % 25 == 0 {
                let _ = visible(&live, &people);
            }
        }
        let rebuilt = fold_without_entries(&events);
        prop_assert_eq!(live.entries(), Entries::Skipped);
        prop_assert_eq!(value(&live), value(&rebuilt));
        prop_assert_eq!(live, rebuilt);
    }

    #[test]
    fn without_entries_as_of_position_k_equals_the_fold_of_the_first_k_events(
        ops in ops(250),
        k in any::<Index>(),
    ) {
        let events = history(&ops);
        let k = k.index(events.len() + 1);
        let as_of = fold_without_entries(events.iter().take_while(|e| e.position <= k as u64));
        prop_assert_eq!(as_of.position(), k as u64);
        prop_assert_eq!(&as_of, &fold_without_entries(&events[..k]));
        // And it is the full as-of, but for the entries.
        prop_assert_eq!(value(&as_of), value_without_entries(&as_of_position(&events, k as u64)));
    }

    #[test]
    fn without_entries_a_restored_checkpoint_keeps_its_mode_and_folds_on_as_straight_through(
        ops in ops(250),
        k in any::<Index>(),
        overlap in 0usize..4,
    ) {
        let events = history(&ops);
        let (restored, straight) =
            checkpoint_and_fold_on(&events, k, overlap, Projections::without_entries)?;
        prop_assert_eq!(restored.entries(), Entries::Skipped);
        prop_assert!(restored.timelines.cycles().all(|c| c.entries().next().is_none()));
        prop_assert_eq!(restored, straight);
    }

    #[test]
    fn views_without_entries_equal_views_with_entries_but_for_the_entries(ops in ops(250)) {
        let events = history(&ops);
        let people = people_named(&events);
        let full = Projections::fold(&events);
        let lean = fold_without_entries(&events);
        prop_assert_eq!(value(&lean), value_without_entries(&full));
        // Every query but the timeline itself answers the same.
        let mut full_visible = visible(&full, &people);
        let mut lean_visible = visible(&lean, &people);
        for v in [&mut full_visible, &mut lean_visible] {
            if let Some(cycles) = v.get_mut("cycles").and_then(Value::as_array_mut) {
                for c in cycles.iter_mut().filter_map(Value::as_object_mut) {
                    c.remove("timeline");
                }
            }
        }
        prop_assert_eq!(lean_visible, full_visible);
    }

    #[test]
    fn without_entries_retracted_events_leave_every_view_as_if_never_recorded(ops in ops(250)) {
        let events = history(&ops);
        let retracted: HashSet<u64> = events
            .iter()
            .filter_map(|e| match e.event {
                Event::EventRetracted { position, .. } => Some(position),
                _ => None,
            })
            .collect();
        let clean: Vec<Envelope> = events
            .iter()
            .filter(|e| !(retracted.contains(&e.position) && is_retractable(&e.event)))
            .filter(|e| !matches!(e.event, Event::EventRetracted { .. }))
            .cloned()
            .collect();
        let people = people_named(&events);
        prop_assert_eq!(
            visible(&fold_without_entries(&events), &people),
            visible(&fold_without_entries(&clean), &people)
        );
    }
}

proptest! {
    // Each case folds the history a few dozen times (once per kind of event it holds), so
    // fewer cases than above cover as many retractions.
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn a_retraction_of_any_event_undoes_it_exactly_when_the_one_rule_allows_it_and_else_changes_nothing(
        ops in ops(250),
        k in any::<Index>(),
    ) {
        // The retracted event is drawn from every event of the history, one of each kind it
        // holds, not from what the views index: the views must follow `Kind::retraction`, the
        // rule the command side enforces.
        let events = history(&ops);
        let people = people_named(&events);
        let unchanged = (
            visible(&Projections::fold(&events), &people),
            visible(&fold_without_entries(&events), &people),
        );
        let mut kinds: Vec<&str> = events.iter().map(|e| e.event.kind()).collect();
        kinds.sort_unstable();
        kinds.dedup();
        for kind in kinds {
            let of_kind: Vec<&Envelope> =
                events.iter().filter(|e| e.event.kind() == kind).collect();
            let target = of_kind[k.index(of_kind.len())];
            let retracted = with_retraction_of(&events, target);
            let expected = if target.event.retraction().is_allowed() {
                let never: Vec<Envelope> =
                    events.iter().filter(|e| e.position != target.position).cloned().collect();
                (
                    visible(&Projections::fold(&never), &people),
                    visible(&fold_without_entries(&never), &people),
                )
            } else {
                unchanged.clone()
            };
            prop_assert_eq!(
                visible(&Projections::fold(&retracted), &people),
                expected.0,
                "retracting {} at {}", kind, target.position
            );
            prop_assert_eq!(
                visible(&fold_without_entries(&retracted), &people),
                expected.1,
                "without entries, retracting {} at {}", kind, target.position
            );
        }
    }
}

/// `events` followed by a retraction of `target`, written to its stream as the command side
/// would write it.
fn with_retraction_of(events: &[Envelope], target: &Envelope) -> Vec<Envelope> {
    let mut out = events.to_vec();
    if let Some(last) = events.last() {
        let mut env = last.clone();
        env.position = last.position + 1;
        env.stream = target.stream.clone();
        env.event = Event::EventRetracted {
            position: target.position,
            reason: "drawn at random".into(),
        };
        out.push(env);
    }
    out
}

/// Views folded (from `empty`) up to a point `k`, checkpointed, restored, and folded on from a
/// few events before `k` (replaying what the checkpoint already holds must change nothing);
/// and the same views folded straight through. The restored views must equal those they
/// were written from.
fn checkpoint_and_fold_on(
    events: &[Envelope],
    k: Index,
    overlap: usize,
    empty: fn() -> Projections,
) -> Result<(Projections, Projections), TestCaseError> {
    let fold = |events: &[Envelope]| {
        let mut p = empty();
        p.extend(events);
        p
    };
    let k = k.index(events.len() + 1);
    let head = fold(&events[..k]);
    let mut restored = through_parts(&head)?;
    prop_assert_eq!(&restored, &head);
    restored.extend(&events[k.saturating_sub(overlap)..]);
    Ok((restored, fold(events)))
}

/// The views written as the app's checkpoint writes them (two MessagePack parts, where dates
/// and instants are numbers) and read back as it reads them (each part on its own thread,
/// with its own names).
fn through_parts(views: &Projections) -> Result<Projections, TestCaseError> {
    let fail = |e: &dyn std::fmt::Display| TestCaseError::fail(e.to_string());
    let timelines = rmp_serde::to_vec(&views.timelines).map_err(|e| fail(&e))?;
    let rest = rmp_serde::to_vec(&views.rest()).map_err(|e| fail(&e))?;
    let (timelines, rest) = std::thread::scope(|s| {
        let t = s.spawn(|| Part::read(|| rmp_serde::from_slice::<Timelines>(&timelines)));
        let r = Part::read(|| rmp_serde::from_slice::<Rest>(&rest));
        (t.join(), r)
    });
    let timelines = timelines
        .map_err(|_| TestCaseError::fail("the reader panicked"))?
        .map_err(|e| fail(&e))?;
    Ok(Projections::from_parts(Parts {
        timelines,
        rest: rest.map_err(|e| fail(&e))?,
    }))
}

#[test]
fn generated_histories_exercise_every_event_kind_and_real_retractions() {
    let mut kinds = BTreeSet::new();
    let events: Vec<_> = Generator::stream(TEST_MIX, 7, 5_000).collect();
    for e in &events {
        kinds.insert(e.event.kind());
    }
    assert_eq!(kinds.len(), 31, "{kinds:?}");
    let p = Projections::fold(&events);
    let retraction_entries = p
        .timelines
        .cycles()
        .flat_map(|c| c.entries())
        .filter(|e| e.fact.kind() == "event_retracted")
        .count();
    assert!(retraction_entries > 50, "{retraction_entries}");
}
