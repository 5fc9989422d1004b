//! Random command sequences: deciding never panics, is deterministic, and every accepted
//! decision folds back into the state as the log would append it.

use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use trellis_events::{
    ActionStep, AdjustmentKind, DecisionRight, Expected, IndicatorTarget, ItemRef, MeasureDef,
    OrgKind, Phase, RaciRole,
};

use std::collections::HashSet;

use proptest::sample::Index;
use trellis_events::Event;
use trellis_projections::cycle::Status as ViewStatus;
use trellis_projections::Projections;

use super::state::Status;
use super::testkit::{commit, context, envelopes, given, history};
use super::*;

// Pools repeat the values that exist in `history()` so most commands reach the rules
// past the lookups.
const ORGS: &[&str] = &["d1", "d1", "st", "s1", "d2", "x y"];
const PEOPLE: &[&str] = &["ana", "ben", "cy", "dee", "zed"];
const ROLES: &[&str] = &["lead", "coach"];
const CYCLES: &[&str] = &["c1", "c1", "c1", "c-2", "c9"];
/// Closing is final, so the main cycle is closed less often than it is used.
const CLOSED: &[&str] = &["c-2", "c-3", "c9", "c1"];
const GOALS: &[&str] = &["g1", "g1", "g-2", "g-3", "g9"];
const MILESTONES: &[&str] = &["m1", "m1", "m-2", "m-3", "m9"];
const RUBRICS: &[&str] = &["leadership-system", "rapid-improvement", "nope"];
const INDICATORS: &[&str] = &["3a", "1", "1A", "zz"];
const LEVELS: &[&str] = &["getting_better", "keep_improving", "partial", "zz"];
const QUESTIONS: &[&str] = &["q01", "q02", "q18", "q99"];
const TEXTS: &[&str] = &["because", "evidence in the binder", "", "x"];

/// The random choices one command is built from.
#[derive(Clone, Debug)]
struct Seed {
    which: u8,
    picks: [usize; 6],
    day: u64,
    value: f64,
    on: Option<u64>,
}

fn seed() -> impl Strategy<Value = Seed> {
    (
        0u8..31,
        prop::array::uniform6(0usize..16),
        0u64..160,
        -10.0f64..110.0,
        prop::option::of(0u64..75),
    )
        .prop_map(|(which, picks, day, value, on)| Seed {
            which,
            picks,
            day,
            value,
            on,
        })
}

fn pick(pool: &[&str], i: usize) -> String {
    pool[i % pool.len()].to_string()
}

fn day(n: u64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 1, 1)
        .and_then(|d| d.checked_add_days(Days::new(n)))
        .unwrap_or_default()
}

fn maybe(i: usize, v: String) -> Option<String> {
    (!i.is_multiple_of(3)).then_some(v)
}

fn item(i: usize, j: usize) -> ItemRef {
    if i.is_multiple_of(2) {
        ItemRef::Goal(pick(GOALS, j))
    } else {
        ItemRef::Milestone(pick(MILESTONES, j))
    }
}

/// Builds a command from a seed; the pools mix existing, new and invalid values so that
/// both acceptances and every kind of refusal occur.
fn build(s: &Seed) -> Command {
    let [a, b, c, d, e, f] = s.picks;
    let on = s.on.map(day);
    let text = |i: usize| pick(TEXTS, i);
    match s.which {
        0 => Command::RegisterOrgUnit(RegisterOrgUnit {
            org: pick(ORGS, a),
            kind: [OrgKind::State, OrgKind::District, OrgKind::School][b % 3],
            name: text(c),
            parent: maybe(d, pick(ORGS, e)),
            on,
        }),
        1 => Command::AddPerson(AddPerson {
            person: pick(PEOPLE, a),
            name: text(b),
            email: maybe(c, "p@d1.org".into()),
            on,
        }),
        2 => Command::DefineRole(DefineRole {
            org: pick(ORGS, a),
            role: pick(ROLES, b),
            title: text(c),
            success: text(d),
            why: text(e),
            measure: text(f),
            reason: maybe(a + b, text(c + 1)),
            on,
        }),
        3 => Command::AssignRole(AssignRole {
            org: pick(ORGS, a),
            role: pick(ROLES, b),
            person: pick(PEOPLE, c),
            on,
        }),
        4 => Command::ReleaseRole(ReleaseRole {
            org: pick(ORGS, a),
            role: pick(ROLES, b),
            person: pick(PEOPLE, c),
            reason: maybe(d, text(e)),
            on,
        }),
        5 => Command::AdoptVision(AdoptVision {
            org: pick(ORGS, a),
            statement: text(b),
            portrait: vec![text(c)],
            on,
        }),
        6 => Command::ReviewVision(ReviewVision {
            org: pick(ORGS, a),
            version: b.is_multiple_of(2).then_some((c % 3) as u32),
            participants: vec![pick(PEOPLE, d), pick(PEOPLE, e)],
            notes: text(f),
            on,
        }),
        7 => Command::ReviseVision(ReviseVision {
            org: pick(ORGS, a),
            statement: text(b),
            portrait: vec![],
            reason: text(c),
            on,
        }),
        8 => Command::RecordAgreement(RecordAgreement {
            org: pick(ORGS, a),
            how_we_work: text(b),
            decision_rights: vec![DecisionRight {
                decision: text(c),
                who: text(d),
            }],
            on,
        }),
        9 => Command::RecordStrategicPlan(RecordStrategicPlan {
            org: pick(ORGS, a),
            focus: text(b),
            steps: vec![ActionStep {
                action: text(c),
                learning_needs: vec![text(d)],
                resources: vec![],
                progress_indicators: vec![],
                accountable: maybe(e, pick(PEOPLE, f)),
                due_on: None,
            }],
            celebrate_success: text(a + 1),
            on,
        }),
        10 => Command::AdoptRubric(AdoptRubric {
            org: pick(ORGS, a),
            rubric: pick(RUBRICS, b),
            version: c.is_multiple_of(2).then_some((d % 3) as u32),
            on,
        }),
        11 => Command::RateIndicator(RateIndicator {
            org: pick(ORGS, a),
            rubric: pick(RUBRICS, b),
            rubric_version: None,
            indicator: pick(INDICATORS, c),
            level: pick(LEVELS, d),
            evidence: text(e),
            cycle: maybe(f, pick(CYCLES, a)),
            on,
        }),
        12 => Command::OpenCycle(OpenCycle {
            cycle: maybe(a, pick(CYCLES, b)).filter(|_| a.is_multiple_of(2)),
            org: pick(ORGS, c),
            title: text(d),
            rubric: pick(RUBRICS, e),
            rubric_version: None,
            focus: vec![pick(INDICATORS, f)],
            lead: pick(PEOPLE, a),
            starts_on: day(s.day),
            ends_on: day(s.day + (b as u64 % 5) * 30),
            on,
        }),
        13 => Command::ChangePhase(ChangePhase {
            cycle: pick(CYCLES, a),
            to: [Phase::Plan, Phase::Do, Phase::Study, Phase::Act][b % 4],
            on,
        }),
        14 => Command::CloseCycle(CloseCycle {
            cycle: pick(CLOSED, a),
            summary: text(b),
            on,
        }),
        15 => Command::SetGoal(SetGoal {
            cycle: pick(CYCLES, a),
            goal: maybe(b, pick(GOALS, c)).filter(|_| b.is_multiple_of(2)),
            statement: text(d),
            target: maybe(e, String::new()).map(|_| IndicatorTarget {
                indicator: pick(INDICATORS, f),
                level: pick(LEVELS, a),
            }),
            measure: maybe(f, String::new()).map(|_| MeasureDef {
                name: "attendance".into(),
                unit: "%".into(),
                baseline: 80.0,
                target: s.value,
            }),
            due_on: day(s.day),
            accountable: pick(PEOPLE, e),
            serves: maybe(c, text(d)),
            on,
        }),
        16 => Command::ReviseGoal(ReviseGoal {
            cycle: pick(CYCLES, a),
            goal: pick(GOALS, b),
            statement: text(c),
            target: None,
            measure: maybe(d, String::new()).map(|_| MeasureDef {
                name: "n".into(),
                unit: "u".into(),
                baseline: 1.0,
                target: s.value,
            }),
            due_on: day(s.day),
            serves: None,
            reason: text(e),
            on,
        }),
        17 => Command::MarkGoalMet(MarkGoalMet {
            cycle: pick(CYCLES, a),
            goal: pick(GOALS, b),
            evidence: text(c),
            on,
        }),
        18 => Command::DropGoal(DropGoal {
            cycle: pick(CYCLES, a),
            goal: pick(GOALS, b),
            reason: text(c),
            on,
        }),
        19 => Command::PlanMilestone(PlanMilestone {
            cycle: pick(CYCLES, a),
            goal: pick(GOALS, b),
            milestone: maybe(c, pick(MILESTONES, d)).filter(|_| c.is_multiple_of(2)),
            title: text(e),
            due_on: day(s.day),
            accountable: pick(PEOPLE, f),
            measure: text(a + 1),
            on,
        }),
        20 => Command::RescheduleMilestone(RescheduleMilestone {
            cycle: pick(CYCLES, a),
            milestone: pick(MILESTONES, b),
            to: day(s.day),
            reason: text(c),
            on,
        }),
        21 => Command::MarkMilestoneReached(MarkMilestoneReached {
            cycle: pick(CYCLES, a),
            milestone: pick(MILESTONES, b),
            evidence: text(c),
            on,
        }),
        22 => Command::MarkMilestoneMissed(MarkMilestoneMissed {
            cycle: pick(CYCLES, a),
            milestone: pick(MILESTONES, b),
            reason: text(c),
            on,
        }),
        23 => Command::RecordMeasure(RecordMeasure {
            cycle: pick(CYCLES, a),
            goal: pick(GOALS, b),
            value: s.value,
            source: text(c),
            on,
        }),
        24 => Command::AssignRaci(AssignRaci {
            cycle: pick(CYCLES, a),
            item: item(b, c),
            role: [
                RaciRole::Responsible,
                RaciRole::Consulted,
                RaciRole::Informed,
            ][d % 3],
            person: pick(PEOPLE, e),
            on,
        }),
        25 => Command::ReassignAccountable(ReassignAccountable {
            cycle: pick(CYCLES, a),
            item: item(b, c),
            to: pick(PEOPLE, d),
            reason: text(e),
            on,
        }),
        26 => Command::LogAdjustment(LogAdjustment {
            cycle: pick(CYCLES, a),
            adjustment: None,
            kind: AdjustmentKind::Program,
            what_changed: text(b),
            why: text(c),
            touches: d.is_multiple_of(2).then(|| item(e, f)),
            decided_by: pick(PEOPLE, a),
            on,
        }),
        27 => Command::LogCelebration(LogCelebration {
            cycle: pick(CYCLES, a),
            celebration: None,
            what: text(b),
            item: c.is_multiple_of(2).then(|| item(d, e)),
            participants: vec![pick(PEOPLE, f)],
            on,
        }),
        28 => Command::AnswerReflection(AnswerReflection {
            cycle: pick(CYCLES, a),
            question: pick(QUESTIONS, b),
            answer: text(c),
            on,
        }),
        29 => Command::ReviseReflection(ReviseReflection {
            cycle: pick(CYCLES, a),
            question: pick(QUESTIONS, b),
            answer: text(c),
            reason: None,
            on,
        }),
        _ => Command::RetractEvent(RetractEvent {
            position: (a * 16 + b) as u64 % 48,
            reason: text(c),
            on,
        }),
    }
}

/// What the write model says of every cycle and item, one line each, sorted.
fn write_model_sees(state: &State) -> Vec<String> {
    let mut lines = Vec::new();
    for (id, c) in &state.cycles {
        lines.push(format!(
            "{id}: closed {}, {:?}",
            c.is_closed(),
            c.phase.current()
        ));
        for (g, goal) in c.goals.iter() {
            lines.push(format!(
                "{id}/{g}: {:?}, {}",
                goal.status.current(),
                goal.accountable.current()
            ));
        }
        for (m, ms) in c.milestones.iter() {
            lines.push(format!(
                "{id}/{m}: {:?}, {}, due {}",
                ms.status.current(),
                ms.accountable.current(),
                ms.due.current()
            ));
        }
    }
    lines.sort();
    lines
}

/// The same, as the views say it.
fn views_see(views: &Projections) -> Vec<String> {
    let status = |s: ViewStatus| match s {
        ViewStatus::Open => Status::Open,
        ViewStatus::Met | ViewStatus::Reached => Status::Done,
        ViewStatus::Dropped | ViewStatus::Missed => Status::Abandoned,
    };
    let mut lines = Vec::new();
    for c in views.timelines.cycles() {
        let id = &c.id;
        lines.push(format!("{id}: closed {}, {:?}", c.is_closed(), c.phase()));
        for g in c.goal_views() {
            lines.push(format!(
                "{id}/{}: {:?}, {}",
                g.id,
                status(g.status),
                g.accountable
            ));
        }
        for m in c.milestone_views() {
            let (mid, st, who, due) = (&m.id, status(m.status), &m.accountable, m.due_on);
            lines.push(format!("{id}/{mid}: {st:?}, {who}, due {due}"));
        }
    }
    lines.sort();
    lines
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_command_sequences_never_panic_and_accepted_decisions_fold_back(
        seeds in prop::collection::vec(seed(), 1..80)
    ) {
        let ctx = context();
        let mut state = given(history());
        for s in &seeds {
            let command = build(s);
            let first = decide(&state, &command, &ctx);
            let again = decide(&state, &command, &ctx);
            prop_assert_eq!(&first, &again, "deciding is deterministic");
            match first {
                Ok(decision) => {
                    prop_assert!(!decision.events.is_empty());
                    let before = state.stream_version(&decision.stream);
                    let expected = if before == 0 { Expected::NoStream } else { Expected::Exact(before) };
                    prop_assert_eq!(decision.expected, expected);
                    prop_assert!(decision.events.iter().all(|e| e.occurred_on <= ctx.today));
                    commit(&mut state, &decision);
                    prop_assert_eq!(
                        state.stream_version(&decision.stream),
                        before + decision.events.len() as u64
                    );
                }
                Err(e) => prop_assert!(!e.field().is_empty()),
            }
        }
    }

    #[test]
    fn a_command_accepted_once_and_committed_is_not_accepted_again_when_it_creates_something(
        seeds in prop::collection::vec(seed(), 1..40)
    ) {
        // Creating commands with a caller-chosen id must not be accepted twice: the second
        // one would name an existing thing.
        let ctx = context();
        let mut state = given(history());
        for s in &seeds {
            let command = build(s);
            if let Ok(decision) = decide(&state, &command, &ctx) {
                commit(&mut state, &decision);
                let creates_named = matches!(
                    &command,
                    Command::RegisterOrgUnit(_) | Command::AddPerson(_) | Command::AdoptVision(_)
                        | Command::AdoptRubric(_) | Command::CloseCycle(_) | Command::MarkGoalMet(_)
                        | Command::DropGoal(_) | Command::MarkMilestoneReached(_)
                        | Command::MarkMilestoneMissed(_) | Command::AnswerReflection(_)
                        | Command::RetractEvent(_) | Command::AssignRaci(_) | Command::AssignRole(_)
                        | Command::ReleaseRole(_)
                );
                if creates_named {
                    prop_assert!(decide(&state, &command, &ctx).is_err(), "{:?} accepted twice", command);
                }
            }
        }
    }

    #[test]
    fn a_retraction_of_any_event_is_refused_unless_the_one_rule_allows_it_and_then_every_fold_agrees(
        seeds in prop::collection::vec(seed(), 1..60),
        picks in prop::collection::vec(any::<Index>(), 1..12),
    ) {
        // Positions are drawn from every event of the log, whatever its kind.
        let ctx = context();
        let mut events = history();
        let mut state = given(events.clone());
        let accept = |state: &mut State, events: &mut Vec<(String, Event)>, d: &Decision| {
            commit(state, d);
            events.extend(d.events.iter().map(|e| (d.stream.clone(), e.event.clone())));
        };
        for s in &seeds {
            if let Ok(d) = decide(&state, &build(s), &ctx) {
                accept(&mut state, &mut events, &d);
            }
        }
        for pick in &picks {
            let p = pick.index(events.len()) as u64 + 1;
            let target = events[pick.index(events.len())].1.clone();
            let command = Command::RetractEvent(RetractEvent {
                position: p,
                reason: "drawn at random".into(),
                on: None,
            });
            match decide(&state, &command, &ctx) {
                Ok(d) => {
                    prop_assert!(target.retraction().is_allowed(), "{} retracted", target.kind());
                    accept(&mut state, &mut events, &d);
                }
                Err(e) if target.retraction().is_allowed() => {
                    // Allowed by the rule, refused by the state: already retracted, or in a
                    // cycle that is closed.
                    prop_assert!(matches!(e, CommandError::Conflict { .. }), "{e:?}");
                }
                Err(e) => prop_assert!(matches!(e, CommandError::Invalid { .. }), "{e:?}"),
            }
        }

        // The write model and the views agree, and both equal folding the log as if every
        // retracted event (and every retraction) had never been recorded.
        let retracted: HashSet<u64> = events
            .iter()
            .filter_map(|(_, e)| match e {
                Event::EventRetracted { position, .. } => Some(*position),
                _ => None,
            })
            .collect();
        let clean: Vec<(String, Event)> = events
            .iter()
            .enumerate()
            .filter(|(i, (_, e))| {
                !retracted.contains(&(*i as u64 + 1)) && !matches!(e, Event::EventRetracted { .. })
            })
            .map(|(_, e)| e.clone())
            .collect();
        let views = Projections::fold(&envelopes(events));
        let expected = write_model_sees(&given(clean.clone()));
        prop_assert_eq!(&write_model_sees(&state), &expected);
        prop_assert_eq!(&views_see(&views), &expected);
        prop_assert_eq!(&views_see(&Projections::fold(&envelopes(clean))), &expected);
    }
}
