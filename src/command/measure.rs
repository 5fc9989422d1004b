//! Measures: interim data points of a goal's measure, dated by `on`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use trellis_events::{stream, Event};

use super::check;
use super::error::CommandError;
use super::state::State;
use super::Decision;

/// Record an interim value of a goal's measure, as of `on`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordMeasure {
    /// Given by the path.
    #[schema(ignore)]
    pub cycle: String,
    /// Given by the path.
    #[schema(ignore)]
    pub goal: String,
    pub value: f64,
    /// Where the number comes from (a report, a system, a count).
    pub source: String,
    #[serde(default)]
    pub on: Option<NaiveDate>,
}

pub(super) fn record(
    state: &State,
    c: &RecordMeasure,
    on: NaiveDate,
) -> Result<Decision, CommandError> {
    let cycle = check::open_cycle(state, &c.cycle)?;
    let goal = cycle
        .goals
        .get(&c.goal)
        .ok_or_else(|| CommandError::not_found("goal", "goal", &c.goal))?;
    if !goal.definition.current().has_measure {
        return Err(CommandError::invalid(
            "goal",
            format!("goal {} has no measure; revise it to add one first", c.goal),
        ));
    }
    check::finite("value", c.value)?;
    check::required("source", &c.source)?;
    Ok(Decision::one(
        state,
        stream::cycle(&c.cycle),
        on,
        Event::MeasureRecorded {
            cycle: c.cycle.clone(),
            goal: c.goal.clone(),
            value: c.value,
            source: c.source.clone(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use serde_json::json;

    fn measure() -> serde_json::Value {
        json!({"command": "record_measure", "cycle": "c1", "goal": "g1", "value": 90.5,
               "source": "SIS weekly report", "on": "2025-03-07"})
    }

    #[test]
    fn recording_a_measure_dates_it_by_on() {
        let state = given(history());
        let d = when(&state, cmd(measure())).decision();
        assert_eq!(d.stream, "cycle-c1");
        assert_eq!(d.events[0].occurred_on, date("2025-03-07"));
        assert_eq!(
            d.events[0].event,
            Event::MeasureRecorded {
                cycle: "c1".into(),
                goal: "g1".into(),
                value: 90.5,
                source: "SIS weekly report".into(),
            }
        );
    }

    #[test]
    fn a_measure_for_a_goal_without_a_measure_is_rejected() {
        let state = history_and(vec![in_cycle(
            "c1",
            Event::GoalSet {
                cycle: "c1".into(),
                goal: "g2".into(),
                statement: "Reach getting better on 3a".into(),
                target: Some(trellis_events::IndicatorTarget {
                    indicator: "3a".into(),
                    level: "getting_better".into(),
                }),
                measure: None,
                due_on: date("2025-06-01"),
                accountable: "ana".into(),
                serves: None,
            },
        )]);
        let mut c = measure();
        c["goal"] = json!("g2");
        let e = when(&state, cmd(c)).then_error("goal");
        assert!(matches!(e, CommandError::Invalid { .. }));
    }

    #[test]
    fn a_measure_for_an_unknown_goal_is_not_found() {
        let state = given(history());
        let mut c = measure();
        c["goal"] = json!("g9");
        let e = when(&state, cmd(c)).then_error("goal");
        assert!(matches!(e, CommandError::NotFound { .. }));
    }

    #[test]
    fn a_measure_without_a_source_is_rejected() {
        let state = given(history());
        let mut c = measure();
        c["source"] = json!("");
        when(&state, cmd(c)).then_error("source");
    }

    #[test]
    fn a_measure_that_is_not_a_finite_number_is_rejected() {
        let state = given(history());
        let c = super::super::Command::RecordMeasure(RecordMeasure {
            cycle: "c1".into(),
            goal: "g1".into(),
            value: f64::INFINITY,
            source: "s".into(),
            on: None,
        });
        when(&state, c).then_error("value");
    }

    #[test]
    fn a_measure_dated_in_the_future_is_rejected() {
        let state = given(history());
        let mut c = measure();
        c["on"] = json!("2025-04-01");
        when(&state, cmd(c)).then_error("on");
    }

    #[test]
    fn a_measure_in_a_closed_cycle_is_a_conflict() {
        when(&closed_c1(), cmd(measure())).then_error("cycle");
    }
}
