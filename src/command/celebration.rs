//! Celebrations: what the team celebrated, who took part, and the milestone or goal it
//! marks, if any.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use trellis_events::{stream, Event, ItemRef};

use super::check;
use super::error::CommandError;
use super::state::State;
use super::Decision;

/// Log a celebration in a cycle.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogCelebration {
    /// Given by the path.
    #[schema(ignore)]
    pub cycle: String,
    /// The caller's id for the celebration; `cel-<n>` (per cycle) when not given.
    #[serde(default)]
    pub celebration: Option<String>,
    pub what: String,
    #[serde(default)]
    pub item: Option<ItemRef>,
    pub participants: Vec<String>,
    #[serde(default)]
    pub on: Option<NaiveDate>,
}

pub(super) fn log(
    state: &State,
    c: &LogCelebration,
    on: NaiveDate,
) -> Result<Decision, CommandError> {
    let cycle = check::open_cycle(state, &c.cycle)?;
    let celebration = check::new_id(
        "celebration",
        c.celebration.as_deref(),
        "cel-",
        cycle.celebrations.len(),
        |id| cycle.celebrations.contains_key(id),
    )?;
    check::required("what", &c.what)?;
    if let Some(item) = &c.item {
        check::item(cycle, "item", item)?;
    }
    check::people(state, "participants", &c.participants)?;
    Ok(Decision::one(
        state,
        stream::cycle(&c.cycle),
        on,
        Event::CelebrationLogged {
            cycle: c.cycle.clone(),
            celebration,
            what: c.what.clone(),
            item: c.item.clone(),
            participants: c.participants.clone(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use serde_json::json;

    fn celebrate() -> serde_json::Value {
        json!({
            "command": "log_celebration", "cycle": "c1", "celebration": "perfect-week",
            "what": "First week with no chronic absences at Lincoln",
            "item": {"kind": "goal", "id": "g1"}, "participants": ["ana", "ben"]
        })
    }

    #[test]
    fn logging_a_celebration_records_what_and_who() {
        let state = given(history());
        when(&state, cmd(celebrate())).then_events(
            "cycle-c1",
            vec![Event::CelebrationLogged {
                cycle: "c1".into(),
                celebration: "perfect-week".into(),
                what: "First week with no chronic absences at Lincoln".into(),
                item: Some(ItemRef::Goal("g1".into())),
                participants: vec!["ana".into(), "ben".into()],
            }],
        );
    }

    #[test]
    fn a_celebration_without_an_id_is_given_one() {
        let state = given(history());
        let mut c = celebrate();
        c["celebration"] = json!(null);
        let d = when(&state, cmd(c)).decision();
        assert!(
            matches!(&d.events[0].event, Event::CelebrationLogged { celebration, .. } if celebration == "cel-1")
        );
    }

    #[test]
    fn a_celebration_without_what_is_rejected() {
        let state = given(history());
        let mut c = celebrate();
        c["what"] = json!("");
        when(&state, cmd(c)).then_error("what");
    }

    #[test]
    fn a_celebration_without_participants_is_rejected() {
        let state = given(history());
        let mut c = celebrate();
        c["participants"] = json!([]);
        let e = when(&state, cmd(c)).then_error("participants");
        assert!(matches!(e, CommandError::Invalid { .. }));
    }

    #[test]
    fn a_celebration_with_an_unknown_participant_is_not_found() {
        let state = given(history());
        let mut c = celebrate();
        c["participants"] = json!(["ana", "zed"]);
        let e = when(&state, cmd(c)).then_error("participants");
        assert!(matches!(e, CommandError::NotFound { .. }));
    }

    #[test]
    fn a_celebration_of_an_unknown_milestone_is_not_found() {
        let state = given(history());
        let mut c = celebrate();
        c["item"] = json!({"kind": "milestone", "id": "m9"});
        when(&state, cmd(c)).then_error("item");
    }

    #[test]
    fn a_celebration_in_a_closed_cycle_is_a_conflict() {
        when(&closed_c1(), cmd(celebrate())).then_error("cycle");
    }
}
