//! Goals of a cycle: what the team means to reach (a measure from baseline to target, a
//! target rubric level, or both), by when, who is accountable, and which part of the
//! vision it serves. A goal is revised while open, and ends met or dropped.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use trellis_events::{stream, Event, IndicatorTarget, MeasureDef};

use super::check;
use super::error::CommandError;
use super::state::{Cycle, Goal, GoalDef, State, Status};
use super::{Context, Decision};

/// Set a goal in a cycle.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetGoal {
    /// Given by the path.
    #[schema(ignore)]
    pub cycle: String,
    /// The caller's id for the goal; `g-<n>` (per cycle) when not given.
    #[serde(default)]
    pub goal: Option<String>,
    pub statement: String,
    #[serde(default)]
    pub target: Option<IndicatorTarget>,
    #[serde(default)]
    pub measure: Option<MeasureDef>,
    pub due_on: NaiveDate,
    pub accountable: String,
    /// The part of the org's vision the goal serves.
    #[serde(default)]
    pub serves: Option<String>,
    #[serde(default)]
    pub on: Option<NaiveDate>,
}

/// Give an open goal new values, with a reason. The accountable person changes through
/// `reassign_accountable`, not here.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviseGoal {
    /// Given by the path.
    #[schema(ignore)]
    pub cycle: String,
    /// Given by the path.
    #[schema(ignore)]
    pub goal: String,
    pub statement: String,
    #[serde(default)]
    pub target: Option<IndicatorTarget>,
    #[serde(default)]
    pub measure: Option<MeasureDef>,
    pub due_on: NaiveDate,
    #[serde(default)]
    pub serves: Option<String>,
    pub reason: String,
    #[serde(default)]
    pub on: Option<NaiveDate>,
}

/// Record that a goal was met, with the evidence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkGoalMet {
    /// Given by the path.
    #[schema(ignore)]
    pub cycle: String,
    /// Given by the path.
    #[schema(ignore)]
    pub goal: String,
    pub evidence: String,
    #[serde(default)]
    pub on: Option<NaiveDate>,
}

/// Drop a goal, with the reason.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DropGoal {
    /// Given by the path.
    #[schema(ignore)]
    pub cycle: String,
    /// Given by the path.
    #[schema(ignore)]
    pub goal: String,
    pub reason: String,
    #[serde(default)]
    pub on: Option<NaiveDate>,
}

/// The values a goal is set or revised with.
struct Values<'a> {
    statement: &'a str,
    target: Option<&'a IndicatorTarget>,
    measure: Option<&'a MeasureDef>,
    serves: Option<&'a str>,
}

pub(super) fn set(
    state: &State,
    c: &SetGoal,
    ctx: &Context,
    on: NaiveDate,
) -> Result<Decision, CommandError> {
    let cycle = check::open_cycle(state, &c.cycle)?;
    let goal = check::new_id("goal", c.goal.as_deref(), "g-", cycle.goals.len(), |id| {
        cycle.goals.contains_key(id)
    })?;
    check_values(state, ctx, cycle, &values_of_set(c))?;
    check::person(state, "accountable", &c.accountable)?;
    Ok(Decision::one(
        state,
        stream::cycle(&c.cycle),
        on,
        Event::GoalSet {
            cycle: c.cycle.clone(),
            goal,
            statement: c.statement.clone(),
            target: c.target.clone(),
            measure: c.measure.clone(),
            due_on: c.due_on,
            accountable: c.accountable.clone(),
            serves: c.serves.clone(),
        },
    ))
}

pub(super) fn revise(
    state: &State,
    c: &ReviseGoal,
    ctx: &Context,
    on: NaiveDate,
) -> Result<Decision, CommandError> {
    let cycle = check::open_cycle(state, &c.cycle)?;
    let goal = open_goal(cycle, &c.goal, "revised")?;
    let values = Values {
        statement: &c.statement,
        target: c.target.as_ref(),
        measure: c.measure.as_ref(),
        serves: c.serves.as_deref(),
    };
    check_values(state, ctx, cycle, &values)?;
    let revised = GoalDef::of(
        &c.statement,
        c.target.as_ref(),
        c.measure.as_ref(),
        c.due_on,
        c.serves.as_deref(),
    );
    if revised.fingerprint == goal.definition.current().fingerprint {
        return Err(CommandError::invalid(
            "goal",
            format!("the revision changes none of goal {}'s values", c.goal),
        ));
    }
    check::required("reason", &c.reason)?;
    Ok(Decision::one(
        state,
        stream::cycle(&c.cycle),
        on,
        Event::GoalRevised {
            cycle: c.cycle.clone(),
            goal: c.goal.clone(),
            statement: c.statement.clone(),
            target: c.target.clone(),
            measure: c.measure.clone(),
            due_on: c.due_on,
            serves: c.serves.clone(),
            reason: c.reason.clone(),
        },
    ))
}

pub(super) fn mark_met(
    state: &State,
    c: &MarkGoalMet,
    on: NaiveDate,
) -> Result<Decision, CommandError> {
    let cycle = check::open_cycle(state, &c.cycle)?;
    open_goal(cycle, &c.goal, "marked met")?;
    check::required("evidence", &c.evidence)?;
    Ok(Decision::one(
        state,
        stream::cycle(&c.cycle),
        on,
        Event::GoalMet {
            cycle: c.cycle.clone(),
            goal: c.goal.clone(),
            evidence: c.evidence.clone(),
        },
    ))
}

pub(super) fn drop(state: &State, c: &DropGoal, on: NaiveDate) -> Result<Decision, CommandError> {
    let cycle = check::open_cycle(state, &c.cycle)?;
    open_goal(cycle, &c.goal, "dropped")?;
    check::required("reason", &c.reason)?;
    Ok(Decision::one(
        state,
        stream::cycle(&c.cycle),
        on,
        Event::GoalDropped {
            cycle: c.cycle.clone(),
            goal: c.goal.clone(),
            reason: c.reason.clone(),
        },
    ))
}

fn values_of_set(c: &SetGoal) -> Values<'_> {
    Values {
        statement: &c.statement,
        target: c.target.as_ref(),
        measure: c.measure.as_ref(),
        serves: c.serves.as_deref(),
    }
}

/// A goal of the cycle that is neither met nor dropped; `act` says what was attempted.
pub(super) fn open_goal<'c>(
    cycle: &'c Cycle,
    id: &str,
    act: &str,
) -> Result<&'c Goal, CommandError> {
    let goal = cycle
        .goals
        .get(id)
        .ok_or_else(|| CommandError::not_found("goal", "goal", id))?;
    match goal.status.current() {
        Status::Open => Ok(goal),
        Status::Done => Err(CommandError::conflict(
            "goal",
            format!("goal {id} is already met and cannot be {act}"),
        )),
        Status::Abandoned => Err(CommandError::conflict(
            "goal",
            format!("goal {id} was dropped and cannot be {act}"),
        )),
    }
}

/// The rules a goal's values follow, whether set or revised.
fn check_values(
    state: &State,
    ctx: &Context,
    cycle: &Cycle,
    v: &Values,
) -> Result<(), CommandError> {
    check::required("statement", v.statement)?;
    if let Some(t) = v.target {
        let rubric = check::cycle_rubric(ctx.catalog, cycle)?;
        if rubric.indicator(&t.indicator).is_none() {
            return Err(CommandError::not_found(
                "target.indicator",
                "indicator",
                &t.indicator,
            ));
        }
        if rubric.level(&t.level).is_none() {
            return Err(CommandError::not_found("target.level", "level", &t.level));
        }
    }
    if let Some(m) = v.measure {
        check_measure(m)?;
    }
    if let Some(serves) = v.serves {
        check::required("serves", serves)?;
        let has_vision = state.orgs.get(&cycle.org).is_some_and(|o| o.vision > 0);
        if !has_vision {
            return Err(CommandError::invalid(
                "serves",
                format!(
                    "org unit {} has no adopted vision for the goal to serve; adopt one first",
                    cycle.org
                ),
            ));
        }
    }
    Ok(())
}

fn check_measure(m: &MeasureDef) -> Result<(), CommandError> {
    check::required("measure.name", &m.name)?;
    check::required("measure.unit", &m.unit)?;
    check::finite("measure.baseline", m.baseline)?;
    check::finite("measure.target", m.target)?;
    if m.baseline == m.target {
        return Err(CommandError::invalid(
            "measure.target",
            "the target must differ from the baseline, or there is nothing to improve",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use serde_json::json;

    fn set_goal() -> serde_json::Value {
        json!({
            "command": "set_goal", "cycle": "c1", "statement": "Cut chronic absence",
            "target": {"indicator": "3a", "level": "keep_improving"},
            "measure": {"name": "chronic absence", "unit": "%", "baseline": 18.0, "target": 12.0},
            "due_on": "2025-06-15", "accountable": "ben", "serves": "every student thrives"
        })
    }

    fn goal_set(id: &str) -> Event {
        Event::GoalSet {
            cycle: "c1".into(),
            goal: id.into(),
            statement: "Cut chronic absence".into(),
            target: Some(IndicatorTarget {
                indicator: "3a".into(),
                level: "keep_improving".into(),
            }),
            measure: Some(MeasureDef {
                name: "chronic absence".into(),
                unit: "%".into(),
                baseline: 18.0,
                target: 12.0,
            }),
            due_on: date("2025-06-15"),
            accountable: "ben".into(),
            serves: Some("every student thrives".into()),
        }
    }

    fn revise() -> serde_json::Value {
        json!({
            "command": "revise_goal", "cycle": "c1", "goal": "g1", "statement": "Raise attendance to 95",
            "measure": {"name": "attendance", "unit": "%", "baseline": 88.0, "target": 95.0},
            "due_on": "2025-06-20", "reason": "board raised the bar"
        })
    }

    fn met() -> (String, Event) {
        in_cycle(
            "c1",
            Event::GoalMet {
                cycle: "c1".into(),
                goal: "g1".into(),
                evidence: "94.2%".into(),
            },
        )
    }

    fn dropped() -> (String, Event) {
        in_cycle(
            "c1",
            Event::GoalDropped {
                cycle: "c1".into(),
                goal: "g1".into(),
                reason: "merged".into(),
            },
        )
    }

    #[test]
    fn setting_a_goal_without_an_id_generates_the_next_one_in_the_cycle() {
        let state = given(history());
        when(&state, cmd(set_goal())).then_events("cycle-c1", vec![goal_set("g-2")]);
    }

    #[test]
    fn setting_a_goal_with_a_chosen_id_keeps_it() {
        let state = given(history());
        let mut c = set_goal();
        c["goal"] = json!("absence");
        when(&state, cmd(c)).then_events("cycle-c1", vec![goal_set("absence")]);
    }

    #[test]
    fn a_goal_id_already_in_the_cycle_is_a_conflict() {
        let state = given(history());
        let mut c = set_goal();
        c["goal"] = json!("g1");
        let e = when(&state, cmd(c)).then_error("goal");
        assert!(matches!(e, CommandError::Conflict { .. }));
    }

    #[test]
    fn a_goal_without_a_statement_is_rejected() {
        let state = given(history());
        let mut c = set_goal();
        c["statement"] = json!("");
        when(&state, cmd(c)).then_error("statement");
    }

    #[test]
    fn a_goal_targeting_an_indicator_outside_the_cycles_rubric_is_not_found() {
        let state = given(history());
        let mut c = set_goal();
        c["target"]["indicator"] = json!("1A");
        when(&state, cmd(c)).then_error("target.indicator");
    }

    #[test]
    fn a_goal_targeting_a_level_outside_the_cycles_rubric_is_not_found() {
        let state = given(history());
        let mut c = set_goal();
        c["target"]["level"] = json!("full");
        when(&state, cmd(c)).then_error("target.level");
    }

    #[test]
    fn a_measure_whose_target_equals_its_baseline_is_rejected() {
        let state = given(history());
        let mut c = set_goal();
        c["measure"]["target"] = json!(18.0);
        let e = when(&state, cmd(c)).then_error("measure.target");
        assert!(matches!(e, CommandError::Invalid { .. }));
    }

    #[test]
    fn a_measure_without_a_name_or_unit_is_rejected() {
        let state = given(history());
        let mut c = set_goal();
        c["measure"]["name"] = json!("");
        when(&state, cmd(c)).then_error("measure.name");
        let mut c = set_goal();
        c["measure"]["unit"] = json!("");
        when(&state, cmd(c)).then_error("measure.unit");
    }

    #[test]
    fn a_measure_with_a_non_finite_baseline_is_rejected() {
        let state = given(history());
        let mut c = match cmd(set_goal()) {
            super::super::Command::SetGoal(c) => c,
            other => panic!("unexpected {other:?}"),
        };
        if let Some(m) = c.measure.as_mut() {
            m.baseline = f64::NAN;
        }
        when(&state, super::super::Command::SetGoal(c)).then_error("measure.baseline");
    }

    #[test]
    fn a_goal_with_an_unknown_accountable_person_is_not_found() {
        let state = given(history());
        let mut c = set_goal();
        c["accountable"] = json!("zed");
        let e = when(&state, cmd(c)).then_error("accountable");
        assert!(matches!(e, CommandError::NotFound { .. }));
    }

    #[test]
    fn a_goal_serving_a_vision_its_org_never_adopted_is_rejected() {
        let state = history_and(vec![
            (
                stream::org("s1"),
                Event::RubricAdopted {
                    org: "s1".into(),
                    rubric: "leadership-system".into(),
                    version: 1,
                },
            ),
            in_cycle(
                "c2",
                Event::CycleOpened {
                    cycle: "c2".into(),
                    org: "s1".into(),
                    title: "t".into(),
                    rubric: "leadership-system".into(),
                    rubric_version: 1,
                    focus: vec!["1".into()],
                    lead: "ana".into(),
                    starts_on: date("2025-01-01"),
                    ends_on: date("2025-06-01"),
                },
            ),
        ]);
        let mut c = set_goal();
        c["cycle"] = json!("c2");
        when(&state, cmd(c.clone())).then_error("serves");
        c["serves"] = json!(null);
        when(&state, cmd(c)).decision();
    }

    #[test]
    fn a_goal_in_a_closed_cycle_is_a_conflict() {
        let e = when(&closed_c1(), cmd(set_goal())).then_error("cycle");
        assert!(matches!(e, CommandError::Conflict { .. }));
    }

    #[test]
    fn a_goal_in_an_unknown_cycle_is_not_found() {
        let state = given(history());
        let mut c = set_goal();
        c["cycle"] = json!("c9");
        when(&state, cmd(c)).then_error("cycle");
    }

    #[test]
    fn revising_an_open_goal_records_the_new_values_and_reason() {
        let state = given(history());
        when(&state, cmd(revise())).then_events(
            "cycle-c1",
            vec![Event::GoalRevised {
                cycle: "c1".into(),
                goal: "g1".into(),
                statement: "Raise attendance to 95".into(),
                target: None,
                measure: Some(MeasureDef {
                    name: "attendance".into(),
                    unit: "%".into(),
                    baseline: 88.0,
                    target: 95.0,
                }),
                due_on: date("2025-06-20"),
                serves: None,
                reason: "board raised the bar".into(),
            }],
        );
    }

    #[test]
    fn a_revision_without_a_reason_is_rejected() {
        let state = given(history());
        let mut c = revise();
        c["reason"] = json!("");
        when(&state, cmd(c)).then_error("reason");
    }

    #[test]
    fn revising_a_met_goal_is_a_conflict() {
        let state = history_and(vec![met()]);
        let e = when(&state, cmd(revise())).then_error("goal");
        assert!(matches!(e, CommandError::Conflict { .. }));
    }

    #[test]
    fn revising_a_dropped_goal_is_a_conflict() {
        let state = history_and(vec![dropped()]);
        when(&state, cmd(revise())).then_error("goal");
    }

    #[test]
    fn revising_an_unknown_goal_is_not_found() {
        let state = given(history());
        let mut c = revise();
        c["goal"] = json!("g9");
        let e = when(&state, cmd(c)).then_error("goal");
        assert!(matches!(e, CommandError::NotFound { .. }));
    }

    #[test]
    fn a_revision_that_changes_nothing_is_rejected() {
        let state = given(history());
        let e = when(
            &state,
            cmd(json!({
                "command": "revise_goal", "cycle": "c1", "goal": "g1", "statement": "Raise attendance",
                "measure": {"name": "attendance", "unit": "%", "baseline": 88.0, "target": 94.0},
                "due_on": "2025-06-01", "reason": "no change really"
            })),
        )
        .then_error("goal");
        assert!(matches!(e, CommandError::Invalid { .. }));
    }

    #[test]
    fn a_revision_that_only_moves_the_due_date_is_a_change() {
        let state = given(history());
        when(
            &state,
            cmd(json!({
                "command": "revise_goal", "cycle": "c1", "goal": "g1", "statement": "Raise attendance",
                "measure": {"name": "attendance", "unit": "%", "baseline": 88.0, "target": 94.0},
                "due_on": "2025-06-02", "reason": "calendar"
            })),
        )
        .decision();
    }

    #[test]
    fn a_revision_that_removes_the_measure_stops_interim_data_points() {
        let mut state = given(history());
        let d = when(
            &state,
            cmd(json!({
                "command": "revise_goal", "cycle": "c1", "goal": "g1", "statement": "Raise attendance",
                "target": {"indicator": "3a", "level": "getting_better"},
                "due_on": "2025-06-01", "reason": "rated instead of counted"
            })),
        )
        .decision();
        commit(&mut state, &d);
        when(
            &state,
            cmd(json!({"command": "record_measure", "cycle": "c1", "goal": "g1", "value": 90, "source": "s"})),
        )
        .then_error("goal");
    }

    #[test]
    fn a_revision_follows_the_same_rules_as_setting() {
        let state = given(history());
        let mut c = revise();
        c["measure"]["target"] = json!(88.0);
        when(&state, cmd(c)).then_error("measure.target");
    }

    #[test]
    fn marking_a_goal_met_records_the_evidence() {
        let state = given(history());
        let (_, event) = met();
        when(
            &state,
            cmd(json!({"command": "mark_goal_met", "cycle": "c1", "goal": "g1", "evidence": "94.2%"})),
        )
        .then_events("cycle-c1", vec![event]);
    }

    #[test]
    fn marking_a_goal_met_without_evidence_is_rejected() {
        let state = given(history());
        when(
            &state,
            cmd(json!({"command": "mark_goal_met", "cycle": "c1", "goal": "g1", "evidence": ""})),
        )
        .then_error("evidence");
    }

    #[test]
    fn marking_a_goal_met_twice_is_a_conflict() {
        let state = history_and(vec![met()]);
        when(
            &state,
            cmd(json!({"command": "mark_goal_met", "cycle": "c1", "goal": "g1", "evidence": "again"})),
        )
        .then_error("goal");
    }

    #[test]
    fn dropping_a_goal_records_the_reason() {
        let state = given(history());
        let (_, event) = dropped();
        when(
            &state,
            cmd(json!({"command": "drop_goal", "cycle": "c1", "goal": "g1", "reason": "merged"})),
        )
        .then_events("cycle-c1", vec![event]);
    }

    #[test]
    fn dropping_without_a_reason_is_rejected() {
        let state = given(history());
        when(
            &state,
            cmd(json!({"command": "drop_goal", "cycle": "c1", "goal": "g1", "reason": " "})),
        )
        .then_error("reason");
    }

    #[test]
    fn dropping_a_dropped_or_met_goal_is_a_conflict() {
        for end in [met(), dropped()] {
            let state = history_and(vec![end]);
            let e = when(
                &state,
                cmd(json!({"command": "drop_goal", "cycle": "c1", "goal": "g1", "reason": "r"})),
            )
            .then_error("goal");
            assert!(matches!(e, CommandError::Conflict { .. }));
        }
    }

    #[test]
    fn a_goal_whose_met_was_retracted_can_be_met_again() {
        let state = history_and(vec![
            met(),
            in_cycle(
                "c1",
                Event::EventRetracted {
                    position: next_position(0),
                    reason: "data was wrong".into(),
                },
            ),
        ]);
        when(
            &state,
            cmd(json!({"command": "mark_goal_met", "cycle": "c1", "goal": "g1", "evidence": "really"})),
        )
        .decision();
    }
}
