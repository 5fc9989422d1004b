//! Commands and their rules: `decide(state, command, context) → events | error`.
//!
//! A [`Command`] is what a user asks for; [`decide`] checks it against the write model
//! ([`State`]) and either refuses it with a [`CommandError`] naming the field and the rule,
//! or answers a [`Decision`]: the events to append to one stream, with the stream version
//! the state saw. Appending with that expectation makes two deciders that saw the same
//! state conflict at the log instead of both writing.
//!
//! Deciding is pure and deterministic: no I/O and no clock. Today's date and the rubric
//! catalog come in through the [`Context`]. Ids of new things (cycles, goals, milestones,
//! adjustments, celebrations) are either chosen by the caller (a slug or a ULID) or
//! generated from the state as the first free `<prefix><n>`, counting on from how many
//! exist: `c-<n>` for cycles, and per cycle `g-<n>` goals, `m-<n>` milestones, `adj-<n>`
//! adjustments, `cel-<n>` celebrations. Ids are never reused, even after a retraction.
//!
//! Every command may say `on` which day it happened (default: today); a day after today is
//! refused. The day it was recorded is the log's business.
//!
//! # Layout
//! - `state`: [`State`], the compact write model folded from the log.
//! - `error`: [`CommandError`].
//! - `check`: checks several commands share.
//! - one module per domain noun, holding its commands, their rules and their tests:
//!   `org`, `person`, `role`, `vision`, `agreement` (operational agreement and strategic
//!   plan), `rubric_adoption`, `rating`, `cycle`, `goal`, `milestone`, `measure`,
//!   `accountability`, `adjustment`, `celebration`, `reflection`, `correction`.
//!
//! # Streams
//! Org-unit facts (roles, vision, agreement, plan, adoptions, ratings outside a cycle) go
//! to `org-<id>`, people to `person-<id>`, everything about a cycle (ratings made in it
//! included) to `cycle-<id>`, and a retraction to the stream of the fact it retracts.

mod accountability;
mod adjustment;
mod agreement;
mod celebration;
mod check;
mod correction;
mod cycle;
mod error;
mod goal;
mod measure;
mod milestone;
mod org;
mod person;
mod rating;
mod reflection;
mod role;
mod rubric_adoption;
mod state;
mod vision;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod testkit;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use trellis_events::{Append, Event, Expected, NewEvent};
use trellis_rubric::Catalog;

pub use accountability::{AssignRaci, ReassignAccountable};
pub use adjustment::LogAdjustment;
pub use agreement::{RecordAgreement, RecordStrategicPlan};
pub use celebration::LogCelebration;
pub use correction::RetractEvent;
pub use cycle::{ChangePhase, CloseCycle, OpenCycle};
pub use error::CommandError;
pub use goal::{DropGoal, MarkGoalMet, ReviseGoal, SetGoal};
pub use measure::RecordMeasure;
pub use milestone::{
    MarkMilestoneMissed, MarkMilestoneReached, PlanMilestone, RescheduleMilestone,
};
pub use org::RegisterOrgUnit;
pub use person::AddPerson;
pub use rating::RateIndicator;
pub use reflection::{AnswerReflection, ReviseReflection};
pub use role::{AssignRole, DefineRole, ReleaseRole};
pub use rubric_adoption::AdoptRubric;
pub use state::State;
pub use vision::{AdoptVision, ReviewVision, ReviseVision};

/// Everything a user can ask Trellis to record. The JSON form is tagged by `command`, e.g.
/// `{"command": "close_cycle", "cycle": "c-1", "summary": "…"}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    RegisterOrgUnit(RegisterOrgUnit),
    AddPerson(AddPerson),
    DefineRole(DefineRole),
    AssignRole(AssignRole),
    ReleaseRole(ReleaseRole),
    AdoptVision(AdoptVision),
    ReviewVision(ReviewVision),
    ReviseVision(ReviseVision),
    RecordAgreement(RecordAgreement),
    RecordStrategicPlan(RecordStrategicPlan),
    AdoptRubric(AdoptRubric),
    RateIndicator(RateIndicator),
    OpenCycle(OpenCycle),
    ChangePhase(ChangePhase),
    CloseCycle(CloseCycle),
    SetGoal(SetGoal),
    ReviseGoal(ReviseGoal),
    MarkGoalMet(MarkGoalMet),
    DropGoal(DropGoal),
    PlanMilestone(PlanMilestone),
    RescheduleMilestone(RescheduleMilestone),
    MarkMilestoneReached(MarkMilestoneReached),
    MarkMilestoneMissed(MarkMilestoneMissed),
    RecordMeasure(RecordMeasure),
    AssignRaci(AssignRaci),
    ReassignAccountable(ReassignAccountable),
    LogAdjustment(LogAdjustment),
    LogCelebration(LogCelebration),
    AnswerReflection(AnswerReflection),
    ReviseReflection(ReviseReflection),
    RetractEvent(RetractEvent),
}

impl Command {
    /// The day the user says it happened, if they said.
    pub fn on(&self) -> Option<NaiveDate> {
        match self {
            Command::RegisterOrgUnit(c) => c.on,
            Command::AddPerson(c) => c.on,
            Command::DefineRole(c) => c.on,
            Command::AssignRole(c) => c.on,
            Command::ReleaseRole(c) => c.on,
            Command::AdoptVision(c) => c.on,
            Command::ReviewVision(c) => c.on,
            Command::ReviseVision(c) => c.on,
            Command::RecordAgreement(c) => c.on,
            Command::RecordStrategicPlan(c) => c.on,
            Command::AdoptRubric(c) => c.on,
            Command::RateIndicator(c) => c.on,
            Command::OpenCycle(c) => c.on,
            Command::ChangePhase(c) => c.on,
            Command::CloseCycle(c) => c.on,
            Command::SetGoal(c) => c.on,
            Command::ReviseGoal(c) => c.on,
            Command::MarkGoalMet(c) => c.on,
            Command::DropGoal(c) => c.on,
            Command::PlanMilestone(c) => c.on,
            Command::RescheduleMilestone(c) => c.on,
            Command::MarkMilestoneReached(c) => c.on,
            Command::MarkMilestoneMissed(c) => c.on,
            Command::RecordMeasure(c) => c.on,
            Command::AssignRaci(c) => c.on,
            Command::ReassignAccountable(c) => c.on,
            Command::LogAdjustment(c) => c.on,
            Command::LogCelebration(c) => c.on,
            Command::AnswerReflection(c) => c.on,
            Command::ReviseReflection(c) => c.on,
            Command::RetractEvent(c) => c.on,
        }
    }
}

/// Where in the org tree a command acts, for permissions scoped to a subtree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target<'s> {
    /// Within this org unit (a unit's own facts, or its cycle's).
    Org(&'s str),
    /// Not within any unit: adding a person, whom any unit's team may name.
    Anywhere,
    /// Above every unit: registering a unit with no parent, or a fact of no unit.
    Top,
    /// The command names something the state does not know; deciding will say what.
    Unknown,
}

/// The org unit `cmd` acts within, as `state` knows it.
pub fn target<'s>(state: &'s State, cmd: &'s Command) -> Target<'s> {
    let org = |o: &'s String| Target::Org(o.as_str());
    let cycle = |c: &'s String| state.cycle_org(c).map_or(Target::Unknown, Target::Org);
    match cmd {
        Command::RegisterOrgUnit(c) => c.parent.as_ref().map_or(Target::Top, org),
        Command::AddPerson(_) => Target::Anywhere,
        Command::DefineRole(c) => org(&c.org),
        Command::AssignRole(c) => org(&c.org),
        Command::ReleaseRole(c) => org(&c.org),
        Command::AdoptVision(c) => org(&c.org),
        Command::ReviewVision(c) => org(&c.org),
        Command::ReviseVision(c) => org(&c.org),
        Command::RecordAgreement(c) => org(&c.org),
        Command::RecordStrategicPlan(c) => org(&c.org),
        Command::AdoptRubric(c) => org(&c.org),
        Command::RateIndicator(c) => org(&c.org),
        Command::OpenCycle(c) => org(&c.org),
        Command::ChangePhase(c) => cycle(&c.cycle),
        Command::CloseCycle(c) => cycle(&c.cycle),
        Command::SetGoal(c) => cycle(&c.cycle),
        Command::ReviseGoal(c) => cycle(&c.cycle),
        Command::MarkGoalMet(c) => cycle(&c.cycle),
        Command::DropGoal(c) => cycle(&c.cycle),
        Command::PlanMilestone(c) => cycle(&c.cycle),
        Command::RescheduleMilestone(c) => cycle(&c.cycle),
        Command::MarkMilestoneReached(c) => cycle(&c.cycle),
        Command::MarkMilestoneMissed(c) => cycle(&c.cycle),
        Command::RecordMeasure(c) => cycle(&c.cycle),
        Command::AssignRaci(c) => cycle(&c.cycle),
        Command::ReassignAccountable(c) => cycle(&c.cycle),
        Command::LogAdjustment(c) => cycle(&c.cycle),
        Command::LogCelebration(c) => cycle(&c.cycle),
        Command::AnswerReflection(c) => cycle(&c.cycle),
        Command::ReviseReflection(c) => cycle(&c.cycle),
        Command::RetractEvent(c) => match state.org_at(c.position) {
            Some(o) => Target::Org(o),
            None if state.position() >= c.position && c.position > 0 => Target::Top,
            None => Target::Unknown,
        },
    }
}

/// What deciding needs from outside the state. The clock is read by the caller, once, so
/// deciding the same command on the same state always gives the same answer.
#[derive(Clone, Debug)]
pub struct Context<'a> {
    /// Who asks (from the authenticated token, or the CLI's `--actor`).
    pub actor: String,
    /// Today, in the deployment's time zone; facts dated after it are refused.
    pub today: NaiveDate,
    pub catalog: &'a Catalog,
}

/// The events a command decided, for one stream, with the stream version they were
/// decided against.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    pub stream: String,
    pub expected: Expected,
    pub events: Vec<NewEvent>,
}

impl Decision {
    /// One event for `stream`, expected at the version the state has seen.
    fn one(state: &State, stream: String, on: NaiveDate, event: Event) -> Decision {
        let expected = match state.stream_version(&stream) {
            0 => Expected::NoStream,
            v => Expected::Exact(v),
        };
        Decision {
            stream,
            expected,
            events: vec![NewEvent {
                occurred_on: on,
                event,
            }],
        }
    }

    /// The append request that records this decision on behalf of `actor`.
    pub fn into_append(self, actor: impl Into<String>) -> Append {
        Append::new(self.stream, actor, self.events).expect(self.expected)
    }
}

/// Checks `cmd` against `state` and decides the events that record it, or refuses it.
/// A refusal decides nothing.
pub fn decide(state: &State, cmd: &Command, ctx: &Context) -> Result<Decision, CommandError> {
    let on = check::occurred_on(cmd.on(), ctx.today)?;
    match cmd {
        Command::RegisterOrgUnit(c) => org::register(state, c, on),
        Command::AddPerson(c) => person::add(state, c, on),
        Command::DefineRole(c) => role::define(state, c, on),
        Command::AssignRole(c) => role::assign(state, c, on),
        Command::ReleaseRole(c) => role::release(state, c, on),
        Command::AdoptVision(c) => vision::adopt(state, c, on),
        Command::ReviewVision(c) => vision::review(state, c, on),
        Command::ReviseVision(c) => vision::revise(state, c, on),
        Command::RecordAgreement(c) => agreement::record_agreement(state, c, on),
        Command::RecordStrategicPlan(c) => agreement::record_plan(state, c, on),
        Command::AdoptRubric(c) => rubric_adoption::adopt(state, c, ctx, on),
        Command::RateIndicator(c) => rating::rate(state, c, ctx, on),
        Command::OpenCycle(c) => cycle::open(state, c, ctx, on),
        Command::ChangePhase(c) => cycle::change_phase(state, c, on),
        Command::CloseCycle(c) => cycle::close(state, c, on),
        Command::SetGoal(c) => goal::set(state, c, ctx, on),
        Command::ReviseGoal(c) => goal::revise(state, c, ctx, on),
        Command::MarkGoalMet(c) => goal::mark_met(state, c, on),
        Command::DropGoal(c) => goal::drop(state, c, on),
        Command::PlanMilestone(c) => milestone::plan(state, c, on),
        Command::RescheduleMilestone(c) => milestone::reschedule(state, c, on),
        Command::MarkMilestoneReached(c) => milestone::mark_reached(state, c, on),
        Command::MarkMilestoneMissed(c) => milestone::mark_missed(state, c, on),
        Command::RecordMeasure(c) => measure::record(state, c, on),
        Command::AssignRaci(c) => accountability::assign(state, c, on),
        Command::ReassignAccountable(c) => accountability::reassign(state, c, on),
        Command::LogAdjustment(c) => adjustment::log(state, c, on),
        Command::LogCelebration(c) => celebration::log(state, c, on),
        Command::AnswerReflection(c) => reflection::answer(state, c, ctx, on),
        Command::ReviseReflection(c) => reflection::revise(state, c, on),
        Command::RetractEvent(c) => correction::retract(state, c, on),
    }
}

#[cfg(test)]
mod tests {
    use super::testkit::*;
    use super::*;
    use serde_json::json;

    #[test]
    fn a_command_deserializes_from_its_tagged_json_form() {
        let c = cmd(json!({"command": "close_cycle", "cycle": "c1", "summary": "done"}));
        assert_eq!(
            c,
            Command::CloseCycle(CloseCycle {
                cycle: "c1".into(),
                summary: "done".into(),
                on: None
            })
        );
    }

    #[test]
    fn a_command_with_an_unknown_field_is_rejected_by_the_json_form() {
        let r: Result<Command, _> = serde_json::from_value(
            json!({"command": "close_cycle", "cycle": "c1", "summary": "done", "sumary": "x"}),
        );
        assert!(
            r.is_err(),
            "a misspelled field must not be silently dropped"
        );
    }

    #[test]
    fn any_command_dated_in_the_future_is_rejected_naming_on() {
        let state = given(history());
        when(
            &state,
            cmd(json!({"command": "close_cycle", "cycle": "c1", "summary": "done", "on": "2025-03-11"})),
        )
        .then_error("on");
    }

    #[test]
    fn a_command_dated_in_the_past_records_that_day() {
        let state = given(history());
        let d = when(
            &state,
            cmd(json!({"command": "close_cycle", "cycle": "c1", "summary": "done", "on": "2025-02-01"})),
        )
        .decision();
        assert_eq!(d.events[0].occurred_on, date("2025-02-01"));
    }

    #[test]
    fn a_decision_becomes_an_append_expecting_the_version_the_state_saw() {
        let state = given(history());
        let d = when(
            &state,
            cmd(json!({"command": "close_cycle", "cycle": "c1", "summary": "done"})),
        )
        .decision();
        let append = d.into_append("ana");
        assert_eq!(append.stream, "cycle-c1");
        assert_eq!(append.actor, "ana");
        assert_eq!(
            append.expected,
            Expected::Exact(state.stream_version("cycle-c1"))
        );
    }
}
