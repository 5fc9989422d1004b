//! Roles (seed 000): every role has a written definition of success, its "why", and the
//! measure it connects to; people hold roles in org units.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use trellis_events::{stream, Event};

use super::check;
use super::error::CommandError;
use super::state::{Role, State};
use super::Decision;

/// Define a role in an org unit, or define it again (a new version, which needs a reason).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DefineRole {
    /// Given by the path.
    #[schema(ignore)]
    pub org: String,
    pub role: String,
    pub title: String,
    /// What success looks like in this role.
    pub success: String,
    /// Why the role matters: how its work connects to the whole.
    pub why: String,
    /// The measure the role connects to.
    pub measure: String,
    /// Required when the role is already defined.
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub on: Option<NaiveDate>,
}

/// Make a person a holder of a role.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignRole {
    /// Given by the path.
    #[schema(ignore)]
    pub org: String,
    /// Given by the path.
    #[schema(ignore)]
    pub role: String,
    pub person: String,
    #[serde(default)]
    pub on: Option<NaiveDate>,
}

/// End a person's holding of a role.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseRole {
    /// Given by the path.
    #[schema(ignore)]
    pub org: String,
    /// Given by the path.
    #[schema(ignore)]
    pub role: String,
    pub person: String,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub on: Option<NaiveDate>,
}

pub(super) fn define(
    state: &State,
    c: &DefineRole,
    on: NaiveDate,
) -> Result<Decision, CommandError> {
    let org = check::org(state, "org", &c.org)?;
    check::id("role", &c.role)?;
    check::required("title", &c.title)?;
    check::required("success", &c.success)?;
    check::required("why", &c.why)?;
    check::required("measure", &c.measure)?;
    check::optional("reason", c.reason.as_deref())?;
    let defined = org.roles.get(&c.role).is_some_and(|r| r.versions > 0);
    if defined && c.reason.is_none() {
        return Err(CommandError::invalid(
            "reason",
            format!(
                "role {} is already defined; a new version of it needs a reason",
                c.role
            ),
        ));
    }
    Ok(Decision::one(
        state,
        stream::org(&c.org),
        on,
        Event::RoleDefined {
            org: c.org.clone(),
            role: c.role.clone(),
            title: c.title.clone(),
            success: c.success.clone(),
            why: c.why.clone(),
            measure: c.measure.clone(),
            reason: c.reason.clone(),
        },
    ))
}

pub(super) fn assign(
    state: &State,
    c: &AssignRole,
    on: NaiveDate,
) -> Result<Decision, CommandError> {
    let role = defined_role(state, &c.org, &c.role)?;
    check::person(state, "person", &c.person)?;
    if role.held_by(&c.person) {
        return Err(CommandError::conflict(
            "person",
            format!("{} already holds role {}", c.person, c.role),
        ));
    }
    Ok(Decision::one(
        state,
        stream::org(&c.org),
        on,
        Event::RoleAssigned {
            org: c.org.clone(),
            role: c.role.clone(),
            person: c.person.clone(),
        },
    ))
}

pub(super) fn release(
    state: &State,
    c: &ReleaseRole,
    on: NaiveDate,
) -> Result<Decision, CommandError> {
    let role = defined_role(state, &c.org, &c.role)?;
    check::optional("reason", c.reason.as_deref())?;
    if !role.held_by(&c.person) {
        return Err(CommandError::conflict(
            "person",
            format!("{} does not hold role {}", c.person, c.role),
        ));
    }
    Ok(Decision::one(
        state,
        stream::org(&c.org),
        on,
        Event::RoleReleased {
            org: c.org.clone(),
            role: c.role.clone(),
            person: c.person.clone(),
            reason: c.reason.clone(),
        },
    ))
}

fn defined_role<'s>(state: &'s State, org: &str, role: &str) -> Result<&'s Role, CommandError> {
    check::org(state, "org", org)?
        .roles
        .get(role)
        .filter(|r| r.versions > 0)
        .ok_or_else(|| CommandError::not_found("role", "role", role))
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use serde_json::json;

    fn defined() -> (String, Event) {
        (
            stream::org("d1"),
            Event::RoleDefined {
                org: "d1".into(),
                role: "retention-lead".into(),
                title: "Retention lead".into(),
                success: "Teachers stay".into(),
                why: "Without retention other goals collapse".into(),
                measure: "teacher retention rate".into(),
                reason: None,
            },
        )
    }

    fn assigned(person: &str) -> (String, Event) {
        (
            stream::org("d1"),
            Event::RoleAssigned {
                org: "d1".into(),
                role: "retention-lead".into(),
                person: person.into(),
            },
        )
    }

    fn define(reason: Option<&str>) -> super::super::Command {
        cmd(json!({
            "command": "define_role", "org": "d1", "role": "retention-lead",
            "title": "Retention lead", "success": "Teachers stay",
            "why": "Without retention other goals collapse", "measure": "teacher retention rate",
            "reason": reason
        }))
    }

    #[test]
    fn defining_a_role_records_its_success_why_and_measure_in_the_org_stream() {
        let state = given(history());
        let (_, event) = defined();
        when(&state, define(None)).then_events("org-d1", vec![event]);
    }

    #[test]
    fn redefining_a_role_without_a_reason_is_rejected() {
        let state = history_and(vec![defined()]);
        let e = when(&state, define(None)).then_error("reason");
        assert!(matches!(e, CommandError::Invalid { .. }));
    }

    #[test]
    fn redefining_a_role_with_a_reason_is_a_new_version() {
        let state = history_and(vec![defined()]);
        let d = when(&state, define(Some("new season"))).decision();
        assert!(
            matches!(&d.events[0].event, Event::RoleDefined { reason: Some(r), .. } if r == "new season")
        );
    }

    #[test]
    fn a_role_without_a_why_is_rejected() {
        let state = given(history());
        when(
            &state,
            cmd(json!({
                "command": "define_role", "org": "d1", "role": "r", "title": "T",
                "success": "S", "why": "", "measure": "M"
            })),
        )
        .then_error("why");
    }

    #[test]
    fn a_role_without_a_measure_or_success_is_rejected() {
        let state = given(history());
        let base = json!({"command": "define_role", "org": "d1", "role": "r", "title": "T",
                          "success": "S", "why": "W", "measure": "M"});
        for field in ["title", "success", "measure"] {
            let mut c = base.clone();
            c[field] = json!("");
            when(&state, cmd(c)).then_error(field);
        }
    }

    #[test]
    fn a_role_in_an_unknown_org_is_not_found() {
        let state = given(history());
        let mut c = serde_json::to_value(define(None)).expect("serializes");
        c["org"] = json!("nowhere");
        when(&state, cmd(c)).then_error("org");
    }

    #[test]
    fn assigning_a_known_person_to_a_defined_role_records_the_holder() {
        let state = history_and(vec![defined()]);
        let (_, event) = assigned("ben");
        when(
            &state,
            cmd(json!({"command": "assign_role", "org": "d1", "role": "retention-lead", "person": "ben"})),
        )
        .then_events("org-d1", vec![event]);
    }

    #[test]
    fn assigning_an_undefined_role_is_not_found() {
        let state = given(history());
        let e = when(
            &state,
            cmd(json!({"command": "assign_role", "org": "d1", "role": "retention-lead", "person": "ben"})),
        )
        .then_error("role");
        assert!(matches!(e, CommandError::NotFound { .. }));
    }

    #[test]
    fn assigning_an_unknown_person_is_not_found() {
        let state = history_and(vec![defined()]);
        when(
            &state,
            cmd(json!({"command": "assign_role", "org": "d1", "role": "retention-lead", "person": "zed"})),
        )
        .then_error("person");
    }

    #[test]
    fn assigning_a_person_who_already_holds_the_role_is_a_conflict() {
        let state = history_and(vec![defined(), assigned("ben")]);
        let e = when(
            &state,
            cmd(json!({"command": "assign_role", "org": "d1", "role": "retention-lead", "person": "ben"})),
        )
        .then_error("person");
        assert!(matches!(e, CommandError::Conflict { .. }));
    }

    #[test]
    fn releasing_a_holder_records_the_release() {
        let state = history_and(vec![defined(), assigned("ben")]);
        when(
            &state,
            cmd(
                json!({"command": "release_role", "org": "d1", "role": "retention-lead",
                       "person": "ben", "reason": "moved to East"}),
            ),
        )
        .then_events(
            "org-d1",
            vec![Event::RoleReleased {
                org: "d1".into(),
                role: "retention-lead".into(),
                person: "ben".into(),
                reason: Some("moved to East".into()),
            }],
        );
    }

    #[test]
    fn releasing_someone_who_does_not_hold_the_role_is_a_conflict() {
        let state = history_and(vec![defined(), assigned("ben")]);
        let e = when(
            &state,
            cmd(json!({"command": "release_role", "org": "d1", "role": "retention-lead", "person": "cy"})),
        )
        .then_error("person");
        assert!(matches!(e, CommandError::Conflict { .. }));
    }

    #[test]
    fn a_released_holder_can_be_assigned_again() {
        let state = history_and(vec![
            defined(),
            assigned("ben"),
            (
                stream::org("d1"),
                Event::RoleReleased {
                    org: "d1".into(),
                    role: "retention-lead".into(),
                    person: "ben".into(),
                    reason: None,
                },
            ),
        ]);
        when(
            &state,
            cmd(json!({"command": "assign_role", "org": "d1", "role": "retention-lead", "person": "ben"})),
        )
        .decision();
    }
}
