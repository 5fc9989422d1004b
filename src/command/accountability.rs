//! Accountability: who is responsible, consulted and informed on a goal or milestone, and
//! handing the accountable person's part to someone else.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use trellis_events::{stream, Event, ItemRef, RaciRole};

use super::check;
use super::error::CommandError;
use super::state::State;
use super::Decision;

/// Name a person responsible, consulted or informed on a goal or milestone.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignRaci {
    /// Given by the path.
    #[schema(ignore)]
    pub cycle: String,
    pub item: ItemRef,
    pub role: RaciRole,
    pub person: String,
    #[serde(default)]
    pub on: Option<NaiveDate>,
}

/// Make someone else accountable for a goal or milestone, with a reason.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReassignAccountable {
    /// Given by the path.
    #[schema(ignore)]
    pub cycle: String,
    pub item: ItemRef,
    pub to: String,
    pub reason: String,
    #[serde(default)]
    pub on: Option<NaiveDate>,
}

pub(super) fn assign(
    state: &State,
    c: &AssignRaci,
    on: NaiveDate,
) -> Result<Decision, CommandError> {
    let cycle = check::open_cycle(state, &c.cycle)?;
    check::item(cycle, "item", &c.item)?;
    check::person(state, "person", &c.person)?;
    let duplicate = cycle
        .raci
        .iter()
        .any(|r| r.item == c.item && r.role == c.role && r.person == c.person);
    if duplicate {
        return Err(CommandError::conflict(
            "person",
            format!("{} is already {} on this item", c.person, role_name(c.role)),
        ));
    }
    Ok(Decision::one(
        state,
        stream::cycle(&c.cycle),
        on,
        Event::RaciAssigned {
            cycle: c.cycle.clone(),
            item: c.item.clone(),
            role: c.role,
            person: c.person.clone(),
        },
    ))
}

pub(super) fn reassign(
    state: &State,
    c: &ReassignAccountable,
    on: NaiveDate,
) -> Result<Decision, CommandError> {
    let cycle = check::open_cycle(state, &c.cycle)?;
    check::item(cycle, "item", &c.item)?;
    let from = cycle.accountable(&c.item).unwrap_or_default().to_string();
    check::person(state, "to", &c.to)?;
    if c.to == from {
        return Err(CommandError::invalid(
            "to",
            format!("{from} is already accountable for this item"),
        ));
    }
    check::required("reason", &c.reason)?;
    Ok(Decision::one(
        state,
        stream::cycle(&c.cycle),
        on,
        Event::AccountableReassigned {
            cycle: c.cycle.clone(),
            item: c.item.clone(),
            from,
            to: c.to.clone(),
            reason: c.reason.clone(),
        },
    ))
}

fn role_name(role: RaciRole) -> &'static str {
    match role {
        RaciRole::Responsible => "responsible",
        RaciRole::Consulted => "consulted",
        RaciRole::Informed => "informed",
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use serde_json::json;

    fn raci(kind: &str, id: &str, role: &str, person: &str) -> super::super::Command {
        cmd(
            json!({"command": "assign_raci", "cycle": "c1", "item": {"kind": kind, "id": id},
                   "role": role, "person": person}),
        )
    }

    fn reassign(kind: &str, id: &str, to: &str) -> super::super::Command {
        cmd(
            json!({"command": "reassign_accountable", "cycle": "c1", "item": {"kind": kind, "id": id},
                   "to": to, "reason": "parental leave"}),
        )
    }

    #[test]
    fn assigning_a_consulted_person_to_a_goal_records_it() {
        let state = given(history());
        when(&state, raci("goal", "g1", "consulted", "cy")).then_events(
            "cycle-c1",
            vec![Event::RaciAssigned {
                cycle: "c1".into(),
                item: ItemRef::Goal("g1".into()),
                role: RaciRole::Consulted,
                person: "cy".into(),
            }],
        );
    }

    #[test]
    fn the_same_person_in_the_same_role_twice_is_a_conflict_but_another_role_is_fine() {
        let state = history_and(vec![in_cycle(
            "c1",
            Event::RaciAssigned {
                cycle: "c1".into(),
                item: ItemRef::Milestone("m1".into()),
                role: RaciRole::Informed,
                person: "cy".into(),
            },
        )]);
        let e = when(&state, raci("milestone", "m1", "informed", "cy")).then_error("person");
        assert!(matches!(e, CommandError::Conflict { .. }));
        when(&state, raci("milestone", "m1", "responsible", "cy")).decision();
        when(&state, raci("goal", "g1", "informed", "cy")).decision();
    }

    #[test]
    fn a_raci_on_an_unknown_item_is_not_found() {
        let state = given(history());
        let e = when(&state, raci("milestone", "m9", "informed", "cy")).then_error("item");
        assert!(matches!(e, CommandError::NotFound { .. }));
    }

    #[test]
    fn a_raci_for_an_unknown_person_is_not_found() {
        let state = given(history());
        when(&state, raci("goal", "g1", "informed", "zed")).then_error("person");
    }

    #[test]
    fn a_raci_in_a_closed_cycle_is_a_conflict() {
        when(&closed_c1(), raci("goal", "g1", "informed", "cy")).then_error("cycle");
    }

    #[test]
    fn reassigning_a_milestone_records_who_it_passes_from_and_to() {
        let state = given(history());
        when(&state, reassign("milestone", "m1", "cy")).then_events(
            "cycle-c1",
            vec![Event::AccountableReassigned {
                cycle: "c1".into(),
                item: ItemRef::Milestone("m1".into()),
                from: "ben".into(),
                to: "cy".into(),
                reason: "parental leave".into(),
            }],
        );
    }

    #[test]
    fn reassigning_to_the_person_already_accountable_is_rejected() {
        let state = given(history());
        let e = when(&state, reassign("goal", "g1", "ana")).then_error("to");
        assert!(matches!(e, CommandError::Invalid { .. }));
    }

    #[test]
    fn reassigning_to_an_unknown_person_is_not_found() {
        let state = given(history());
        when(&state, reassign("goal", "g1", "zed")).then_error("to");
    }

    #[test]
    fn reassigning_without_a_reason_is_rejected() {
        let state = given(history());
        when(
            &state,
            cmd(json!({"command": "reassign_accountable", "cycle": "c1", "item": {"kind": "goal", "id": "g1"},
                       "to": "ben", "reason": ""})),
        )
        .then_error("reason");
    }

    #[test]
    fn a_second_reassignment_starts_from_the_first_ones_person() {
        let mut state = given(history());
        let d = when(&state, reassign("goal", "g1", "ben")).decision();
        commit(&mut state, &d);
        let d = when(&state, reassign("goal", "g1", "cy")).decision();
        assert!(
            matches!(&d.events[0].event, Event::AccountableReassigned { from, .. } if from == "ben")
        );
    }
}
