//! Corrections: a mistaken fact is retracted by a later fact that names its log position and
//! says why. The log keeps both; views ignore the retracted fact from then on.
//!
//! Only facts whose undo is simple can be retracted (see `trellis_events::Kind::retraction`,
//! which the views follow too):
//! structural facts (an org unit, a person, a cycle, a goal, a milestone, a vision's
//! adoption) are referred to by later facts, and numbered versions of documents would leave
//! a hole in their numbering, so both are corrected by a later revision instead.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use trellis_events::{Event, Kind, Retraction};

use super::check;
use super::error::CommandError;
use super::state::{Owner, State};
use super::Decision;

/// Retract the fact at a log position, with a reason.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetractEvent {
    /// Given by the path.
    #[schema(ignore)]
    pub position: u64,
    pub reason: String,
    #[serde(default)]
    pub on: Option<NaiveDate>,
}

/// The retraction goes to the stream of the fact it retracts, so that stream alone tells
/// the whole story of its aggregate (and its version guards against racing corrections).
pub(super) fn retract(
    state: &State,
    c: &RetractEvent,
    on: NaiveDate,
) -> Result<Decision, CommandError> {
    check::required("reason", &c.reason)?;
    let p = c.position;
    let fact = state
        .at(p)
        .ok_or_else(|| CommandError::not_found("position", "event at position", p.to_string()))?;
    match fact.kind.retraction() {
        Retraction::Allowed => {}
        Retraction::Structural(what) => {
            return Err(CommandError::invalid(
                "position",
                format!("event {p} records {what}: a structural fact cannot be retracted; correct it with a later revision"),
            ));
        }
        Retraction::Versioned(how) => {
            return Err(CommandError::invalid(
                "position",
                format!(
                    "event {p} is a numbered version of a document and cannot be retracted; {how}"
                ),
            ));
        }
        Retraction::Final => {
            return Err(CommandError::invalid(
                "position",
                format!("event {p} is a retraction, which cannot itself be retracted; record the fact again instead"),
            ));
        }
    }
    if fact.retracted {
        return Err(CommandError::conflict(
            "position",
            format!("event {p} is already retracted"),
        ));
    }
    // A closed cycle's record is final, like every other change to it; retracting the
    // closing itself is the way to reopen it.
    if let Owner::Cycle(id) = fact.owner {
        let closed = state.cycles.get(id).is_some_and(|c| c.is_closed());
        if closed && fact.kind != Kind::CycleClosed {
            return Err(CommandError::conflict(
                "position",
                format!(
                    "event {p} belongs to cycle {id}, which is closed; retract its closing first"
                ),
            ));
        }
    }
    Ok(Decision::one(
        state,
        fact.stream.to_string(),
        on,
        Event::EventRetracted {
            position: p,
            reason: c.reason.clone(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use serde_json::json;
    use trellis_events::stream;
    use trellis_projections::cycle::CycleStatus;
    use trellis_projections::Projections;

    fn retract(position: u64) -> super::super::Command {
        cmd(
            json!({"command": "retract_event", "position": position, "reason": "entered by mistake"}),
        )
    }

    fn retracted(position: u64) -> Event {
        Event::EventRetracted {
            position,
            reason: "entered by mistake".into(),
        }
    }

    fn position_of(pred: impl Fn(&Event) -> bool) -> u64 {
        history()
            .iter()
            .position(|(_, e)| pred(e))
            .map(|i| i as u64 + 1)
            .expect("the history holds such an event")
    }

    fn rating() -> (String, Event) {
        (
            stream::org("d1"),
            Event::IndicatorRated {
                org: "d1".into(),
                rubric: "leadership-system".into(),
                rubric_version: 1,
                indicator: "3a".into(),
                level: "getting_started".into(),
                evidence: "e".into(),
                cycle: None,
            },
        )
    }

    #[test]
    fn retracting_a_rating_goes_to_the_ratings_stream() {
        let state = history_and(vec![rating()]);
        let p = next_position(0);
        when(&state, retract(p)).then_events("org-d1", vec![retracted(p)]);
    }

    #[test]
    fn retracting_a_milestone_reached_goes_to_the_cycle_stream() {
        let state = history_and(vec![in_cycle(
            "c1",
            Event::MilestoneReached {
                cycle: "c1".into(),
                milestone: "m1".into(),
                evidence: "e".into(),
            },
        )]);
        let p = next_position(0);
        when(&state, retract(p)).then_events("cycle-c1", vec![retracted(p)]);
    }

    #[test]
    fn a_retraction_without_a_reason_is_rejected() {
        let state = history_and(vec![rating()]);
        when(
            &state,
            cmd(json!({"command": "retract_event", "position": next_position(0), "reason": ""})),
        )
        .then_error("reason");
    }

    #[test]
    fn a_position_beyond_the_log_is_not_found() {
        let state = given(history());
        let e = when(&state, retract(999)).then_error("position");
        assert!(matches!(e, CommandError::NotFound { .. }));
        let e = when(&state, retract(0)).then_error("position");
        assert!(matches!(e, CommandError::NotFound { .. }));
    }

    #[test]
    fn structural_facts_cannot_be_retracted_and_the_error_says_to_revise() {
        let state = given(history());
        let structural = [
            position_of(|e| matches!(e, Event::OrgUnitRegistered { .. })),
            position_of(|e| matches!(e, Event::PersonAdded { .. })),
            position_of(|e| matches!(e, Event::CycleOpened { .. })),
            position_of(|e| matches!(e, Event::GoalSet { .. })),
            position_of(|e| matches!(e, Event::MilestonePlanned { .. })),
            position_of(|e| matches!(e, Event::VisionAdopted { .. })),
        ];
        for p in structural {
            let e = when(&state, retract(p)).then_error("position");
            assert!(
                matches!(&e, CommandError::Invalid { rule, .. } if rule.contains("structural") && rule.contains("revision")),
                "{e:?}"
            );
        }
    }

    #[test]
    fn a_numbered_version_of_a_document_cannot_be_retracted() {
        let state = history_and(vec![(
            stream::org("d1"),
            Event::VisionRevised {
                org: "d1".into(),
                version: 2,
                statement: "s".into(),
                portrait: vec![],
                reason: "r".into(),
            },
        )]);
        let e = when(&state, retract(next_position(0))).then_error("position");
        assert!(matches!(e, CommandError::Invalid { .. }));
    }

    #[test]
    fn a_retraction_cannot_be_retracted() {
        let p = next_position(0);
        let state = history_and(vec![rating(), (stream::org("d1"), retracted(p))]);
        let e = when(&state, retract(p + 1)).then_error("position");
        assert!(matches!(&e, CommandError::Invalid { rule, .. } if rule.contains("cannot itself")));
    }

    #[test]
    fn a_fact_already_retracted_cannot_be_retracted_again() {
        let p = next_position(0);
        let state = history_and(vec![rating(), (stream::org("d1"), retracted(p))]);
        let e = when(&state, retract(p)).then_error("position");
        assert!(matches!(e, CommandError::Conflict { .. }));
    }

    #[test]
    fn a_fact_of_a_closed_cycle_cannot_be_retracted_until_the_closing_is() {
        let met_at = next_position(0);
        let mut state = history_and(vec![
            in_cycle(
                "c1",
                Event::GoalMet {
                    cycle: "c1".into(),
                    goal: "g1".into(),
                    evidence: "e".into(),
                },
            ),
            in_cycle(
                "c1",
                Event::CycleClosed {
                    cycle: "c1".into(),
                    summary: "s".into(),
                },
            ),
        ]);
        let e = when(&state, retract(met_at)).then_error("position");
        assert!(matches!(e, CommandError::Conflict { .. }));

        let d = when(&state, retract(met_at + 1)).decision();
        commit(&mut state, &d);
        assert_eq!(
            state.cycle_phase("c1").map(|(_, closed)| closed),
            Some(false)
        );
        when(&state, retract(met_at)).then_events("cycle-c1", vec![retracted(met_at)]);
    }

    #[test]
    fn retracting_a_closing_reopens_the_cycle_in_the_write_model_and_in_every_view() {
        // Given c1 closed,
        let mut events = history();
        events.push(in_cycle(
            "c1",
            Event::CycleClosed {
                cycle: "c1".into(),
                summary: "closed too soon".into(),
            },
        ));
        let closed_at = events.len() as u64;
        let closed = Projections::fold(&envelopes(events.clone()));
        assert!(closed.person_view("ana", today()).open.is_empty());
        let set_goal = || {
            cmd(
                json!({"command": "set_goal", "cycle": "c1", "statement": "Cut chronic absence",
                       "due_on": "2025-06-15", "accountable": "ben"}),
            )
        };
        when(&given(events.clone()), set_goal()).then_error("cycle");

        // when its closing is retracted,
        let d = when(&given(events.clone()), retract(closed_at))
            .then_events("cycle-c1", vec![retracted(closed_at)]);
        events.extend(d.events.iter().map(|e| (d.stream.clone(), e.event.clone())));
        let state = given(events.clone());
        let views = Projections::fold(&envelopes(events));

        // then the write model takes goals again,
        assert_eq!(
            state.cycle_phase("c1").map(|(_, closed)| closed),
            Some(false)
        );
        when(&state, set_goal()).decision();
        // and every view says c1 is open, with its items back on accountability.
        let cycle = views.timelines.cycle("c1").expect("c1 is known");
        let header = cycle.header();
        assert_eq!(header.status, CycleStatus::Open);
        assert_eq!((header.summary, header.closed), (None, None));
        let timeline = cycle.timeline();
        assert!(timeline.iter().all(|e| e.kind != "cycle_closed"));
        assert_eq!(
            timeline.last().map(|e| e.kind.as_str()),
            Some("event_retracted")
        );
        let open = |who: &str| -> Vec<String> {
            let view = views.person_view(who, today());
            view.open.iter().map(|i| i.item.id().to_string()).collect()
        };
        assert_eq!(open("ana"), ["g1"]);
        assert_eq!(open("ben"), ["m1"]);
        assert_eq!(
            views
                .accountability
                .unowned(&views.timelines, &views.documents, "d1"),
            []
        );
    }

    #[test]
    fn a_retracted_adoption_stops_ratings_against_that_rubric() {
        let p = position_of(
            |e| matches!(e, Event::RubricAdopted { rubric, .. } if rubric == "rapid-improvement"),
        );
        let mut state = given(history());
        let d = when(&state, retract(p)).decision();
        assert_eq!(d.stream, "org-d1");
        commit(&mut state, &d);
        when(
            &state,
            cmd(
                json!({"command": "rate_indicator", "org": "d1", "rubric": "rapid-improvement",
                       "indicator": "1A", "level": "full", "evidence": "e"}),
            ),
        )
        .then_error("rubric");
    }
}
