//! Adjustments: course corrections of a cycle — what changed, why, who decided.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use trellis_events::{stream, AdjustmentKind, Event, ItemRef};

use super::check;
use super::error::CommandError;
use super::state::State;
use super::Decision;

/// Log a course correction in a cycle.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogAdjustment {
    /// Given by the path.
    #[schema(ignore)]
    pub cycle: String,
    /// The caller's id for the adjustment; `adj-<n>` (per cycle) when not given.
    #[serde(default)]
    pub adjustment: Option<String>,
    pub kind: AdjustmentKind,
    pub what_changed: String,
    pub why: String,
    /// The goal or milestone the correction touches, if any.
    #[serde(default)]
    pub touches: Option<ItemRef>,
    pub decided_by: String,
    #[serde(default)]
    pub on: Option<NaiveDate>,
}

pub(super) fn log(
    state: &State,
    c: &LogAdjustment,
    on: NaiveDate,
) -> Result<Decision, CommandError> {
    let cycle = check::open_cycle(state, &c.cycle)?;
    let adjustment = check::new_id(
        "adjustment",
        c.adjustment.as_deref(),
        "adj-",
        cycle.adjustments.len(),
        |id| cycle.adjustments.contains_key(id),
    )?;
    check::required("what_changed", &c.what_changed)?;
    check::required("why", &c.why)?;
    if let Some(item) = &c.touches {
        check::item(cycle, "touches", item)?;
    }
    check::person(state, "decided_by", &c.decided_by)?;
    Ok(Decision::one(
        state,
        stream::cycle(&c.cycle),
        on,
        Event::AdjustmentLogged {
            cycle: c.cycle.clone(),
            adjustment,
            kind: c.kind,
            what_changed: c.what_changed.clone(),
            why: c.why.clone(),
            touches: c.touches.clone(),
            decided_by: c.decided_by.clone(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use serde_json::json;

    fn adjust() -> serde_json::Value {
        json!({
            "command": "log_adjustment", "cycle": "c1", "kind": "timeline",
            "what_changed": "Moved family calls before spring break",
            "why": "Absences spike after breaks",
            "touches": {"kind": "milestone", "id": "m1"}, "decided_by": "ana"
        })
    }

    #[test]
    fn logging_an_adjustment_generates_its_id_and_records_what_why_and_who() {
        let state = given(history());
        when(&state, cmd(adjust())).then_events(
            "cycle-c1",
            vec![Event::AdjustmentLogged {
                cycle: "c1".into(),
                adjustment: "adj-1".into(),
                kind: AdjustmentKind::Timeline,
                what_changed: "Moved family calls before spring break".into(),
                why: "Absences spike after breaks".into(),
                touches: Some(ItemRef::Milestone("m1".into())),
                decided_by: "ana".into(),
            }],
        );
    }

    #[test]
    fn an_adjustment_of_an_unknown_kind_is_refused_by_the_json_form() {
        let mut c = adjust();
        c["kind"] = json!("vibes");
        assert!(serde_json::from_value::<super::super::Command>(c).is_err());
    }

    #[test]
    fn an_adjustment_without_what_or_why_is_rejected() {
        let state = given(history());
        for field in ["what_changed", "why"] {
            let mut c = adjust();
            c[field] = json!("");
            when(&state, cmd(c)).then_error(field);
        }
    }

    #[test]
    fn an_adjustment_touching_an_unknown_goal_is_not_found() {
        let state = given(history());
        let mut c = adjust();
        c["touches"] = json!({"kind": "goal", "id": "g9"});
        let e = when(&state, cmd(c)).then_error("touches");
        assert!(matches!(e, CommandError::NotFound { .. }));
    }

    #[test]
    fn an_adjustment_decided_by_an_unknown_person_is_not_found() {
        let state = given(history());
        let mut c = adjust();
        c["decided_by"] = json!("zed");
        when(&state, cmd(c)).then_error("decided_by");
    }

    #[test]
    fn an_adjustment_with_a_taken_id_is_a_conflict() {
        let mut state = given(history());
        let d = when(&state, cmd(adjust())).decision();
        commit(&mut state, &d);
        let mut c = adjust();
        c["adjustment"] = json!("adj-1");
        when(&state, cmd(c)).then_error("adjustment");
        let d = when(&state, cmd(adjust())).decision();
        assert!(
            matches!(&d.events[0].event, Event::AdjustmentLogged { adjustment, .. } if adjustment == "adj-2")
        );
    }

    #[test]
    fn an_adjustment_in_a_closed_cycle_is_a_conflict() {
        when(&closed_c1(), cmd(adjust())).then_error("cycle");
    }
}
