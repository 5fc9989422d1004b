//! Milestones: steps toward an open goal, each with a due date, an accountable person and
//! a measure. A milestone is rescheduled while open, and ends reached or missed.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use trellis_events::{stream, Event};

use super::check;
use super::error::CommandError;
use super::goal::open_goal;
use super::state::{Cycle, Milestone, State, Status};
use super::Decision;

/// Plan a milestone of an open goal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanMilestone {
    /// Given by the path.
    #[schema(ignore)]
    pub cycle: String,
    /// Given by the path.
    #[schema(ignore)]
    pub goal: String,
    /// The caller's id for the milestone; `m-<n>` (per cycle) when not given.
    #[serde(default)]
    pub milestone: Option<String>,
    pub title: String,
    pub due_on: NaiveDate,
    pub accountable: String,
    /// How the team will know it was reached.
    pub measure: String,
    #[serde(default)]
    pub on: Option<NaiveDate>,
}

/// Move an open milestone's due date, with a reason.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RescheduleMilestone {
    /// Given by the path.
    #[schema(ignore)]
    pub cycle: String,
    /// Given by the path.
    #[schema(ignore)]
    pub milestone: String,
    pub to: NaiveDate,
    pub reason: String,
    #[serde(default)]
    pub on: Option<NaiveDate>,
}

/// Record that a milestone was reached, with the evidence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkMilestoneReached {
    /// Given by the path.
    #[schema(ignore)]
    pub cycle: String,
    /// Given by the path.
    #[schema(ignore)]
    pub milestone: String,
    pub evidence: String,
    #[serde(default)]
    pub on: Option<NaiveDate>,
}

/// Record that a milestone was missed, with the reason.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkMilestoneMissed {
    /// Given by the path.
    #[schema(ignore)]
    pub cycle: String,
    /// Given by the path.
    #[schema(ignore)]
    pub milestone: String,
    pub reason: String,
    #[serde(default)]
    pub on: Option<NaiveDate>,
}

pub(super) fn plan(
    state: &State,
    c: &PlanMilestone,
    on: NaiveDate,
) -> Result<Decision, CommandError> {
    let cycle = check::open_cycle(state, &c.cycle)?;
    open_goal(cycle, &c.goal, "given milestones")?;
    let milestone = check::new_id(
        "milestone",
        c.milestone.as_deref(),
        "m-",
        cycle.milestones.len(),
        |id| cycle.milestones.contains_key(id),
    )?;
    check::required("title", &c.title)?;
    check::person(state, "accountable", &c.accountable)?;
    check::required("measure", &c.measure)?;
    Ok(Decision::one(
        state,
        stream::cycle(&c.cycle),
        on,
        Event::MilestonePlanned {
            cycle: c.cycle.clone(),
            goal: c.goal.clone(),
            milestone,
            title: c.title.clone(),
            due_on: c.due_on,
            accountable: c.accountable.clone(),
            measure: c.measure.clone(),
        },
    ))
}

pub(super) fn reschedule(
    state: &State,
    c: &RescheduleMilestone,
    on: NaiveDate,
) -> Result<Decision, CommandError> {
    let cycle = check::open_cycle(state, &c.cycle)?;
    let m = open_milestone(cycle, &c.milestone, "rescheduled")?;
    let from = *m.due.current();
    if c.to == from {
        return Err(CommandError::invalid(
            "to",
            format!("milestone {} is already due on {from}", c.milestone),
        ));
    }
    check::required("reason", &c.reason)?;
    Ok(Decision::one(
        state,
        stream::cycle(&c.cycle),
        on,
        Event::MilestoneRescheduled {
            cycle: c.cycle.clone(),
            milestone: c.milestone.clone(),
            from,
            to: c.to,
            reason: c.reason.clone(),
        },
    ))
}

pub(super) fn mark_reached(
    state: &State,
    c: &MarkMilestoneReached,
    on: NaiveDate,
) -> Result<Decision, CommandError> {
    let cycle = check::open_cycle(state, &c.cycle)?;
    open_milestone(cycle, &c.milestone, "marked reached")?;
    check::required("evidence", &c.evidence)?;
    Ok(Decision::one(
        state,
        stream::cycle(&c.cycle),
        on,
        Event::MilestoneReached {
            cycle: c.cycle.clone(),
            milestone: c.milestone.clone(),
            evidence: c.evidence.clone(),
        },
    ))
}

pub(super) fn mark_missed(
    state: &State,
    c: &MarkMilestoneMissed,
    on: NaiveDate,
) -> Result<Decision, CommandError> {
    let cycle = check::open_cycle(state, &c.cycle)?;
    open_milestone(cycle, &c.milestone, "marked missed")?;
    check::required("reason", &c.reason)?;
    Ok(Decision::one(
        state,
        stream::cycle(&c.cycle),
        on,
        Event::MilestoneMissed {
            cycle: c.cycle.clone(),
            milestone: c.milestone.clone(),
            reason: c.reason.clone(),
        },
    ))
}

/// A milestone of the cycle that is neither reached nor missed.
fn open_milestone<'c>(
    cycle: &'c Cycle,
    id: &str,
    act: &str,
) -> Result<&'c Milestone, CommandError> {
    let m = cycle
        .milestones
        .get(id)
        .ok_or_else(|| CommandError::not_found("milestone", "milestone", id))?;
    match m.status.current() {
        Status::Open => Ok(m),
        Status::Done => Err(CommandError::conflict(
            "milestone",
            format!("milestone {id} was already reached and cannot be {act}"),
        )),
        Status::Abandoned => Err(CommandError::conflict(
            "milestone",
            format!("milestone {id} was already missed and cannot be {act}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use serde_json::json;

    fn plan() -> serde_json::Value {
        json!({
            "command": "plan_milestone", "cycle": "c1", "goal": "g1", "title": "Launch mentoring",
            "due_on": "2025-05-01", "accountable": "cy", "measure": "40 mentor pairs"
        })
    }

    fn reached() -> (String, Event) {
        in_cycle(
            "c1",
            Event::MilestoneReached {
                cycle: "c1".into(),
                milestone: "m1".into(),
                evidence: "log".into(),
            },
        )
    }

    fn missed() -> (String, Event) {
        in_cycle(
            "c1",
            Event::MilestoneMissed {
                cycle: "c1".into(),
                milestone: "m1".into(),
                reason: "staffing".into(),
            },
        )
    }

    fn reschedule(to: &str) -> super::super::Command {
        cmd(
            json!({"command": "reschedule_milestone", "cycle": "c1", "milestone": "m1",
                   "to": to, "reason": "testing window"}),
        )
    }

    #[test]
    fn planning_a_milestone_of_an_open_goal_generates_its_id() {
        let state = given(history());
        when(&state, cmd(plan())).then_events(
            "cycle-c1",
            vec![Event::MilestonePlanned {
                cycle: "c1".into(),
                goal: "g1".into(),
                milestone: "m-2".into(),
                title: "Launch mentoring".into(),
                due_on: date("2025-05-01"),
                accountable: "cy".into(),
                measure: "40 mentor pairs".into(),
            }],
        );
    }

    #[test]
    fn a_milestone_of_an_unknown_goal_is_not_found() {
        let state = given(history());
        let mut c = plan();
        c["goal"] = json!("g9");
        when(&state, cmd(c)).then_error("goal");
    }

    #[test]
    fn a_milestone_of_a_met_goal_is_a_conflict() {
        let state = history_and(vec![in_cycle(
            "c1",
            Event::GoalMet {
                cycle: "c1".into(),
                goal: "g1".into(),
                evidence: "e".into(),
            },
        )]);
        let e = when(&state, cmd(plan())).then_error("goal");
        assert!(matches!(e, CommandError::Conflict { .. }));
    }

    #[test]
    fn a_milestone_with_a_taken_id_is_a_conflict() {
        let state = given(history());
        let mut c = plan();
        c["milestone"] = json!("m1");
        when(&state, cmd(c)).then_error("milestone");
    }

    #[test]
    fn a_milestone_without_title_or_measure_is_rejected() {
        let state = given(history());
        for field in ["title", "measure"] {
            let mut c = plan();
            c[field] = json!("");
            when(&state, cmd(c)).then_error(field);
        }
    }

    #[test]
    fn a_milestone_with_an_unknown_accountable_person_is_not_found() {
        let state = given(history());
        let mut c = plan();
        c["accountable"] = json!("zed");
        when(&state, cmd(c)).then_error("accountable");
    }

    #[test]
    fn a_milestone_in_a_closed_cycle_is_a_conflict() {
        when(&closed_c1(), cmd(plan())).then_error("cycle");
    }

    #[test]
    fn rescheduling_records_the_old_and_new_dates() {
        let state = given(history());
        when(&state, reschedule("2025-04-15")).then_events(
            "cycle-c1",
            vec![Event::MilestoneRescheduled {
                cycle: "c1".into(),
                milestone: "m1".into(),
                from: date("2025-04-01"),
                to: date("2025-04-15"),
                reason: "testing window".into(),
            }],
        );
    }

    #[test]
    fn a_second_reschedule_starts_from_the_first_ones_date() {
        let mut state = given(history());
        let d = when(&state, reschedule("2025-04-15")).decision();
        commit(&mut state, &d);
        let d = when(&state, reschedule("2025-04-30")).decision();
        assert!(
            matches!(&d.events[0].event, Event::MilestoneRescheduled { from, .. } if *from == date("2025-04-15"))
        );
    }

    #[test]
    fn rescheduling_to_the_same_date_is_rejected() {
        let state = given(history());
        when(&state, reschedule("2025-04-01")).then_error("to");
    }

    #[test]
    fn rescheduling_without_a_reason_is_rejected() {
        let state = given(history());
        when(
            &state,
            cmd(
                json!({"command": "reschedule_milestone", "cycle": "c1", "milestone": "m1",
                       "to": "2025-05-01", "reason": ""}),
            ),
        )
        .then_error("reason");
    }

    #[test]
    fn rescheduling_a_reached_or_missed_milestone_is_a_conflict() {
        for end in [reached(), missed()] {
            let state = history_and(vec![end]);
            let e = when(&state, reschedule("2025-05-01")).then_error("milestone");
            assert!(matches!(e, CommandError::Conflict { .. }));
        }
    }

    #[test]
    fn marking_a_milestone_reached_records_the_evidence() {
        let state = given(history());
        let (_, event) = reached();
        when(
            &state,
            cmd(json!({"command": "mark_milestone_reached", "cycle": "c1", "milestone": "m1", "evidence": "log"})),
        )
        .then_events("cycle-c1", vec![event]);
    }

    #[test]
    fn marking_reached_without_evidence_is_rejected() {
        let state = given(history());
        when(
            &state,
            cmd(json!({"command": "mark_milestone_reached", "cycle": "c1", "milestone": "m1", "evidence": ""})),
        )
        .then_error("evidence");
    }

    #[test]
    fn marking_a_milestone_missed_records_the_reason() {
        let state = given(history());
        let (_, event) = missed();
        when(
            &state,
            cmd(json!({"command": "mark_milestone_missed", "cycle": "c1", "milestone": "m1", "reason": "staffing"})),
        )
        .then_events("cycle-c1", vec![event]);
    }

    #[test]
    fn marking_missed_without_a_reason_is_rejected() {
        let state = given(history());
        when(
            &state,
            cmd(json!({"command": "mark_milestone_missed", "cycle": "c1", "milestone": "m1", "reason": ""})),
        )
        .then_error("reason");
    }

    #[test]
    fn a_reached_or_missed_milestone_cannot_be_reached_or_missed_again() {
        for end in [reached(), missed()] {
            let state = history_and(vec![end]);
            when(
                &state,
                cmd(json!({"command": "mark_milestone_reached", "cycle": "c1", "milestone": "m1", "evidence": "e"})),
            )
            .then_error("milestone");
            when(
                &state,
                cmd(json!({"command": "mark_milestone_missed", "cycle": "c1", "milestone": "m1", "reason": "r"})),
            )
            .then_error("milestone");
        }
    }

    #[test]
    fn an_unknown_milestone_is_not_found() {
        let state = given(history());
        let e = when(
            &state,
            cmd(json!({"command": "mark_milestone_reached", "cycle": "c1", "milestone": "m9", "evidence": "e"})),
        )
        .then_error("milestone");
        assert!(matches!(e, CommandError::NotFound { .. }));
    }

    #[test]
    fn a_milestone_whose_reached_was_retracted_is_open_again() {
        let state = history_and(vec![
            reached(),
            in_cycle(
                "c1",
                Event::EventRetracted {
                    position: next_position(0),
                    reason: "wrong milestone".into(),
                },
            ),
        ]);
        when(&state, reschedule("2025-05-01")).decision();
    }
}
