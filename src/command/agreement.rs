//! Next steps (seed 004): the team's operational agreement (how it works, who decides
//! what) and its strategic plan (action steps, learning needs, resources, progress
//! indicators, how success is celebrated). Both are versioned documents: each record is the
//! next version, and all versions stay in the log.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use trellis_events::{stream, ActionStep, DecisionRight, Event};

use super::check;
use super::error::CommandError;
use super::state::State;
use super::Decision;

/// Record (the next version of) an org unit's operational agreement.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordAgreement {
    /// Given by the path.
    #[schema(ignore)]
    pub org: String,
    pub how_we_work: String,
    #[serde(default)]
    pub decision_rights: Vec<DecisionRight>,
    #[serde(default)]
    pub on: Option<NaiveDate>,
}

/// Record (the next version of) an org unit's strategic plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordStrategicPlan {
    /// Given by the path.
    #[schema(ignore)]
    pub org: String,
    /// The area of operation with the greatest leverage on student learning.
    pub focus: String,
    pub steps: Vec<ActionStep>,
    /// How the team will celebrate success.
    pub celebrate_success: String,
    #[serde(default)]
    pub on: Option<NaiveDate>,
}

pub(super) fn record_agreement(
    state: &State,
    c: &RecordAgreement,
    on: NaiveDate,
) -> Result<Decision, CommandError> {
    let org = check::org(state, "org", &c.org)?;
    check::required("how_we_work", &c.how_we_work)?;
    for (i, r) in c.decision_rights.iter().enumerate() {
        if r.decision.trim().is_empty() || r.who.trim().is_empty() {
            return Err(CommandError::invalid(
                "decision_rights",
                format!(
                    "decision right {} needs both a decision and who makes it",
                    i + 1
                ),
            ));
        }
    }
    Ok(Decision::one(
        state,
        stream::org(&c.org),
        on,
        Event::AgreementRecorded {
            org: c.org.clone(),
            version: org.agreement.saturating_add(1),
            how_we_work: c.how_we_work.clone(),
            decision_rights: c.decision_rights.clone(),
        },
    ))
}

pub(super) fn record_plan(
    state: &State,
    c: &RecordStrategicPlan,
    on: NaiveDate,
) -> Result<Decision, CommandError> {
    let org = check::org(state, "org", &c.org)?;
    check::required("focus", &c.focus)?;
    if c.steps.is_empty() {
        return Err(CommandError::invalid(
            "steps",
            "a strategic plan needs at least one action step",
        ));
    }
    for (i, step) in c.steps.iter().enumerate() {
        check_step(state, i + 1, step)?;
    }
    check::required("celebrate_success", &c.celebrate_success)?;
    Ok(Decision::one(
        state,
        stream::org(&c.org),
        on,
        Event::StrategicPlanRecorded {
            org: c.org.clone(),
            version: org.plan.saturating_add(1),
            focus: c.focus.clone(),
            steps: c.steps.clone(),
            celebrate_success: c.celebrate_success.clone(),
        },
    ))
}

/// An action step says what is done; its lists hold no blank entries; its accountable
/// person, if named, exists.
fn check_step(state: &State, n: usize, step: &ActionStep) -> Result<(), CommandError> {
    if step.action.trim().is_empty() {
        return Err(CommandError::invalid(
            "steps",
            format!("step {n} needs an action"),
        ));
    }
    let lists = [
        &step.learning_needs,
        &step.resources,
        &step.progress_indicators,
    ];
    if lists.iter().any(|l| l.iter().any(|x| x.trim().is_empty())) {
        return Err(CommandError::invalid(
            "steps",
            format!("step {n} has a blank entry"),
        ));
    }
    match &step.accountable {
        Some(p) if !state.people.contains(p) => Err(CommandError::not_found("steps", "person", p)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use serde_json::json;

    fn plan(accountable: &str) -> serde_json::Value {
        json!({
            "command": "record_strategic_plan", "org": "d1", "focus": "Instructional coherence",
            "steps": [{
                "action": "Adopt common unit plans",
                "learning_needs": ["backwards design"],
                "resources": ["planning days"],
                "progress_indicators": ["units published"],
                "accountable": accountable,
                "due_on": "2025-08-01"
            }],
            "celebrate_success": "Share wins at the board meeting"
        })
    }

    #[test]
    fn recording_an_agreement_records_version_one_then_two() {
        let state = given(history());
        let c = cmd(json!({
            "command": "record_agreement", "org": "d1", "how_we_work": "Consensus, then commit",
            "decision_rights": [{"decision": "hiring", "who": "superintendent"}]
        }));
        let d = when(&state, c.clone()).then_events(
            "org-d1",
            vec![Event::AgreementRecorded {
                org: "d1".into(),
                version: 1,
                how_we_work: "Consensus, then commit".into(),
                decision_rights: vec![DecisionRight {
                    decision: "hiring".into(),
                    who: "superintendent".into(),
                }],
            }],
        );
        let mut state = state;
        commit(&mut state, &d);
        let d = when(&state, c).decision();
        assert!(matches!(
            d.events[0].event,
            Event::AgreementRecorded { version: 2, .. }
        ));
    }

    #[test]
    fn an_agreement_without_how_we_work_is_rejected() {
        let state = given(history());
        when(
            &state,
            cmd(json!({"command": "record_agreement", "org": "d1", "how_we_work": ""})),
        )
        .then_error("how_we_work");
    }

    #[test]
    fn a_decision_right_without_who_is_rejected() {
        let state = given(history());
        when(
            &state,
            cmd(
                json!({"command": "record_agreement", "org": "d1", "how_we_work": "x",
                       "decision_rights": [{"decision": "budget", "who": ""}]}),
            ),
        )
        .then_error("decision_rights");
    }

    #[test]
    fn an_agreement_for_an_unknown_org_is_not_found() {
        let state = given(history());
        when(
            &state,
            cmd(json!({"command": "record_agreement", "org": "zz", "how_we_work": "x"})),
        )
        .then_error("org");
    }

    #[test]
    fn recording_a_strategic_plan_records_version_one_with_its_steps() {
        let state = given(history());
        let d = when(&state, cmd(plan("ana"))).decision();
        match &d.events[0].event {
            Event::StrategicPlanRecorded { version, steps, .. } => {
                assert_eq!(*version, 1);
                assert_eq!(steps[0].accountable.as_deref(), Some("ana"));
                assert_eq!(steps[0].learning_needs, ["backwards design"]);
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(d.stream, "org-d1");
    }

    #[test]
    fn a_plan_step_with_an_unknown_accountable_person_is_not_found() {
        let state = given(history());
        let e = when(&state, cmd(plan("zed"))).then_error("steps");
        assert!(matches!(e, CommandError::NotFound { .. }));
    }

    #[test]
    fn a_plan_without_steps_is_rejected() {
        let state = given(history());
        let mut c = plan("ana");
        c["steps"] = json!([]);
        when(&state, cmd(c)).then_error("steps");
    }

    #[test]
    fn a_plan_step_without_an_action_is_rejected() {
        let state = given(history());
        let mut c = plan("ana");
        c["steps"][0]["action"] = json!(" ");
        when(&state, cmd(c)).then_error("steps");
    }

    #[test]
    fn a_plan_without_focus_or_a_way_to_celebrate_is_rejected() {
        let state = given(history());
        let mut c = plan("ana");
        c["focus"] = json!("");
        when(&state, cmd(c)).then_error("focus");
        let mut c = plan("ana");
        c["celebrate_success"] = json!("");
        when(&state, cmd(c)).then_error("celebrate_success");
    }
}
