//! People: anyone who holds a role, leads a cycle or is accountable for something.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use trellis_events::{stream, Event};

use super::check;
use super::error::CommandError;
use super::state::State;
use super::Decision;

/// Add a person.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddPerson {
    pub person: String,
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub on: Option<NaiveDate>,
}

pub(super) fn add(state: &State, c: &AddPerson, on: NaiveDate) -> Result<Decision, CommandError> {
    check::id("person", &c.person)?;
    if state.people.contains(&c.person) {
        return Err(CommandError::conflict(
            "person",
            format!("person {} already exists", c.person),
        ));
    }
    check::required("name", &c.name)?;
    if let Some(email) = &c.email {
        // Only a sanity check: the address is the person's business, not ours to verify.
        let plausible = email
            .split_once('@')
            .is_some_and(|(u, d)| !u.trim().is_empty() && !d.trim().is_empty());
        if !plausible {
            return Err(CommandError::invalid(
                "email",
                "email must look like name@domain",
            ));
        }
    }
    Ok(Decision::one(
        state,
        stream::person(&c.person),
        on,
        Event::PersonAdded {
            person: c.person.clone(),
            name: c.name.clone(),
            email: c.email.clone(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use serde_json::json;

    #[test]
    fn adding_a_person_records_them_in_their_own_stream() {
        let state = given(history());
        when(
            &state,
            cmd(json!({"command": "add_person", "person": "dee", "name": "Dee Diaz", "email": "dee@d1.org"})),
        )
        .then_events(
            "person-dee",
            vec![Event::PersonAdded {
                person: "dee".into(),
                name: "Dee Diaz".into(),
                email: Some("dee@d1.org".into()),
            }],
        );
    }

    #[test]
    fn a_person_id_already_taken_is_a_conflict() {
        let state = given(history());
        let e = when(
            &state,
            cmd(json!({"command": "add_person", "person": "ana", "name": "Ana"})),
        )
        .then_error("person");
        assert!(matches!(e, CommandError::Conflict { .. }));
    }

    #[test]
    fn a_person_without_a_name_is_rejected() {
        let state = given(history());
        when(
            &state,
            cmd(json!({"command": "add_person", "person": "dee", "name": ""})),
        )
        .then_error("name");
    }

    #[test]
    fn a_person_id_with_spaces_is_rejected() {
        let state = given(history());
        when(
            &state,
            cmd(json!({"command": "add_person", "person": "d d", "name": "D"})),
        )
        .then_error("person");
    }

    #[test]
    fn an_email_without_an_at_sign_is_rejected() {
        let state = given(history());
        when(
            &state,
            cmd(json!({"command": "add_person", "person": "dee", "name": "Dee", "email": "dee"})),
        )
        .then_error("email");
    }
}
