//! Improvement cycles: opened on an org unit and a rubric it adopted, moved through
//! plan → do → study → act (and round again), closed once with a summary.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use trellis_events::{stream, Event, Phase};

use super::check;
use super::error::CommandError;
use super::state::State;
use super::{Context, Decision};

/// Open an improvement cycle.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenCycle {
    /// The caller's id for the cycle (a slug or a ULID); `c-<n>` when not given.
    #[serde(default)]
    pub cycle: Option<String>,
    pub org: String,
    pub title: String,
    pub rubric: String,
    /// Which adopted version; the latest the org adopted when not given.
    #[serde(default)]
    pub rubric_version: Option<u32>,
    /// The indicators the cycle works on; at least one, all of the rubric.
    pub focus: Vec<String>,
    pub lead: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    #[serde(default)]
    pub on: Option<NaiveDate>,
}

/// Move a cycle to its next phase. The caller says which phase it moves to, so a request
/// made on a stale screen is refused instead of skipping a phase.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePhase {
    /// Given by the path.
    #[schema(ignore)]
    pub cycle: String,
    pub to: Phase,
    #[serde(default)]
    pub on: Option<NaiveDate>,
}

/// Close a cycle with a summary.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseCycle {
    /// Given by the path.
    #[schema(ignore)]
    pub cycle: String,
    pub summary: String,
    #[serde(default)]
    pub on: Option<NaiveDate>,
}

pub(super) fn open(
    state: &State,
    c: &OpenCycle,
    ctx: &Context,
    on: NaiveDate,
) -> Result<Decision, CommandError> {
    let id = check::new_id(
        "cycle",
        c.cycle.as_deref(),
        "c-",
        state.cycles.len(),
        |id| state.cycles.contains_key(id),
    )?;
    let org = check::org(state, "org", &c.org)?;
    check::required("title", &c.title)?;
    let rubric = check::adopted_rubric(ctx.catalog, org, &c.org, &c.rubric, c.rubric_version)?;
    if c.focus.is_empty() {
        return Err(CommandError::invalid(
            "focus",
            "a cycle focuses on at least one indicator",
        ));
    }
    check::distinct("focus", &c.focus)?;
    if let Some(unknown) = c.focus.iter().find(|i| rubric.indicator(i).is_none()) {
        return Err(CommandError::not_found("focus", "indicator", unknown));
    }
    check::person(state, "lead", &c.lead)?;
    if c.ends_on <= c.starts_on {
        return Err(CommandError::invalid(
            "ends_on",
            format!(
                "a cycle must end after it starts ({} is not after {})",
                c.ends_on, c.starts_on
            ),
        ));
    }
    Ok(Decision::one(
        state,
        stream::cycle(&id),
        on,
        Event::CycleOpened {
            cycle: id.clone(),
            org: c.org.clone(),
            title: c.title.clone(),
            rubric: rubric.id.clone(),
            rubric_version: rubric.version,
            focus: c.focus.clone(),
            lead: c.lead.clone(),
            starts_on: c.starts_on,
            ends_on: c.ends_on,
        },
    ))
}

pub(super) fn change_phase(
    state: &State,
    c: &ChangePhase,
    on: NaiveDate,
) -> Result<Decision, CommandError> {
    let cycle = check::open_cycle(state, &c.cycle)?;
    let from = *cycle.phase.current();
    if c.to != from.next() {
        return Err(CommandError::invalid(
            "to",
            format!(
                "cycle {} is in {}; it can only move on to {}",
                c.cycle,
                phase_name(from),
                phase_name(from.next())
            ),
        ));
    }
    Ok(Decision::one(
        state,
        stream::cycle(&c.cycle),
        on,
        Event::CyclePhaseChanged {
            cycle: c.cycle.clone(),
            from,
            to: c.to,
        },
    ))
}

pub(super) fn close(
    state: &State,
    c: &CloseCycle,
    on: NaiveDate,
) -> Result<Decision, CommandError> {
    let cycle = check::cycle(state, &c.cycle)?;
    if cycle.is_closed() {
        return Err(CommandError::conflict(
            "cycle",
            format!("cycle {} is already closed", c.cycle),
        ));
    }
    check::required("summary", &c.summary)?;
    Ok(Decision::one(
        state,
        stream::cycle(&c.cycle),
        on,
        Event::CycleClosed {
            cycle: c.cycle.clone(),
            summary: c.summary.clone(),
        },
    ))
}

fn phase_name(p: Phase) -> &'static str {
    match p {
        Phase::Plan => "plan",
        Phase::Do => "do",
        Phase::Study => "study",
        Phase::Act => "act",
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use serde_json::json;

    fn open(cycle: Option<&str>) -> serde_json::Value {
        json!({
            "command": "open_cycle", "cycle": cycle, "org": "d1", "title": "Chronic absence",
            "rubric": "leadership-system", "focus": ["3a", "10b"], "lead": "ben",
            "starts_on": "2025-03-01", "ends_on": "2025-08-31"
        })
    }

    fn opened(cycle: &str) -> Event {
        Event::CycleOpened {
            cycle: cycle.into(),
            org: "d1".into(),
            title: "Chronic absence".into(),
            rubric: "leadership-system".into(),
            rubric_version: 1,
            focus: vec!["3a".into(), "10b".into()],
            lead: "ben".into(),
            starts_on: date("2025-03-01"),
            ends_on: date("2025-08-31"),
        }
    }

    fn phase(to: &str) -> super::super::Command {
        cmd(json!({"command": "change_phase", "cycle": "c1", "to": to}))
    }

    #[test]
    fn opening_a_cycle_with_a_chosen_id_starts_its_stream() {
        let state = given(history());
        when(&state, cmd(open(Some("absence-2025"))))
            .then_events("cycle-absence-2025", vec![opened("absence-2025")]);
    }

    #[test]
    fn opening_a_cycle_without_an_id_generates_the_next_free_one() {
        let state = given(history());
        when(&state, cmd(open(None))).then_events("cycle-c-2", vec![opened("c-2")]);
    }

    #[test]
    fn opening_a_cycle_with_a_ulid_as_its_id_is_accepted() {
        let state = given(history());
        let id = "01JNQ3Z8X6W5V4T3S2R1Q0P9N8";
        when(&state, cmd(open(Some(id)))).then_events(&format!("cycle-{id}"), vec![opened(id)]);
    }

    #[test]
    fn opening_a_cycle_with_a_taken_id_is_a_conflict() {
        let state = given(history());
        let e = when(&state, cmd(open(Some("c1")))).then_error("cycle");
        assert!(matches!(e, CommandError::Conflict { .. }));
    }

    #[test]
    fn opening_a_cycle_for_an_unknown_org_is_not_found() {
        let state = given(history());
        let mut c = open(None);
        c["org"] = json!("zz");
        when(&state, cmd(c)).then_error("org");
    }

    #[test]
    fn opening_a_cycle_on_a_rubric_the_org_has_not_adopted_is_rejected() {
        let state = given(history());
        let mut c = open(None);
        c["org"] = json!("s1");
        when(&state, cmd(c)).then_error("rubric");
    }

    #[test]
    fn opening_a_cycle_without_focus_is_rejected() {
        let state = given(history());
        let mut c = open(None);
        c["focus"] = json!([]);
        when(&state, cmd(c)).then_error("focus");
    }

    #[test]
    fn a_focus_indicator_outside_the_rubric_is_not_found() {
        let state = given(history());
        let mut c = open(None);
        c["focus"] = json!(["3a", "1A"]);
        let e = when(&state, cmd(c)).then_error("focus");
        assert!(matches!(&e, CommandError::NotFound { id, .. } if id == "1A"));
    }

    #[test]
    fn an_unknown_lead_is_not_found() {
        let state = given(history());
        let mut c = open(None);
        c["lead"] = json!("zed");
        when(&state, cmd(c)).then_error("lead");
    }

    #[test]
    fn a_cycle_that_ends_before_it_starts_is_rejected() {
        let state = given(history());
        let mut c = open(None);
        c["ends_on"] = json!("2025-03-01");
        when(&state, cmd(c)).then_error("ends_on");
    }

    #[test]
    fn a_cycle_without_a_title_is_rejected() {
        let state = given(history());
        let mut c = open(None);
        c["title"] = json!("");
        when(&state, cmd(c)).then_error("title");
    }

    #[test]
    fn a_cycle_moves_from_plan_to_do() {
        let state = given(history());
        when(&state, phase("do")).then_events(
            "cycle-c1",
            vec![Event::CyclePhaseChanged {
                cycle: "c1".into(),
                from: Phase::Plan,
                to: Phase::Do,
            }],
        );
    }

    #[test]
    fn a_cycle_cannot_skip_a_phase() {
        let state = given(history());
        let e = when(&state, phase("study")).then_error("to");
        assert!(matches!(e, CommandError::Invalid { .. }));
    }

    #[test]
    fn after_act_a_cycle_goes_round_to_plan_again() {
        let mut state = given(history());
        for to in ["do", "study", "act"] {
            let d = when(&state, phase(to)).decision();
            commit(&mut state, &d);
        }
        when(&state, phase("do")).then_error("to");
        let d = when(&state, phase("plan")).decision();
        assert!(matches!(
            d.events[0].event,
            Event::CyclePhaseChanged {
                from: Phase::Act,
                to: Phase::Plan,
                ..
            }
        ));
    }

    #[test]
    fn a_closed_cycle_cannot_change_phase() {
        let e = when(&closed_c1(), phase("do")).then_error("cycle");
        assert!(matches!(e, CommandError::Conflict { .. }));
    }

    #[test]
    fn closing_a_cycle_records_its_summary() {
        let state = given(history());
        when(
            &state,
            cmd(json!({"command": "close_cycle", "cycle": "c1", "summary": "Attendance up 3 points"})),
        )
        .then_events(
            "cycle-c1",
            vec![Event::CycleClosed {
                cycle: "c1".into(),
                summary: "Attendance up 3 points".into(),
            }],
        );
    }

    #[test]
    fn closing_a_cycle_twice_is_a_conflict() {
        let e = when(
            &closed_c1(),
            cmd(json!({"command": "close_cycle", "cycle": "c1", "summary": "again"})),
        )
        .then_error("cycle");
        assert!(matches!(e, CommandError::Conflict { .. }));
    }

    #[test]
    fn closing_without_a_summary_is_rejected() {
        let state = given(history());
        when(
            &state,
            cmd(json!({"command": "close_cycle", "cycle": "c1", "summary": ""})),
        )
        .then_error("summary");
    }

    #[test]
    fn closing_an_unknown_cycle_is_not_found() {
        let state = given(history());
        let e = when(
            &state,
            cmd(json!({"command": "close_cycle", "cycle": "c9", "summary": "s"})),
        )
        .then_error("cycle");
        assert!(matches!(e, CommandError::NotFound { .. }));
    }
}
