//! Org units: the state → district → school tree.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use trellis_events::{stream, Event, OrgKind};

use super::check;
use super::error::CommandError;
use super::state::State;
use super::Decision;

/// Register an org unit in the tree.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterOrgUnit {
    /// A slug, unique across the tree.
    pub org: String,
    pub kind: OrgKind,
    pub name: String,
    /// A school's district, a district's state (if any); a state has none.
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default)]
    pub on: Option<NaiveDate>,
}

pub(super) fn register(
    state: &State,
    c: &RegisterOrgUnit,
    on: NaiveDate,
) -> Result<Decision, CommandError> {
    check::slug("org", &c.org)?;
    if state.orgs.contains_key(&c.org) {
        return Err(CommandError::conflict(
            "org",
            format!("org unit {} is already registered", c.org),
        ));
    }
    check::required("name", &c.name)?;
    check_parent(state, c.kind, c.parent.as_deref())?;
    Ok(Decision::one(
        state,
        stream::org(&c.org),
        on,
        Event::OrgUnitRegistered {
            org: c.org.clone(),
            kind: c.kind,
            name: c.name.clone(),
            parent: c.parent.clone(),
        },
    ))
}

/// The tree is state → district → school: a school hangs under a district, a district
/// under a state or nothing, a state under nothing.
fn check_parent(state: &State, kind: OrgKind, parent: Option<&str>) -> Result<(), CommandError> {
    let wanted = match (kind, parent) {
        (OrgKind::State, None) | (OrgKind::District, None) => return Ok(()),
        (OrgKind::State, Some(_)) => {
            return Err(CommandError::invalid("parent", "a state has no parent"));
        }
        (OrgKind::School, None) => {
            return Err(CommandError::invalid(
                "parent",
                "a school's parent must be a district",
            ));
        }
        (OrgKind::District, Some(_)) => OrgKind::State,
        (OrgKind::School, Some(_)) => OrgKind::District,
    };
    let id = parent.unwrap_or_default();
    let p = check::org(state, "parent", id)?;
    if p.kind != wanted {
        return Err(CommandError::invalid(
            "parent",
            format!(
                "a {}'s parent must be a {}, and {id} is a {}",
                kind_name(kind),
                kind_name(wanted),
                kind_name(p.kind)
            ),
        ));
    }
    Ok(())
}

fn kind_name(kind: OrgKind) -> &'static str {
    match kind {
        OrgKind::State => "state",
        OrgKind::District => "district",
        OrgKind::School => "school",
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use serde_json::json;

    fn register(org: &str, kind: &str, parent: Option<&str>) -> super::super::Command {
        cmd(
            json!({"command": "register_org_unit", "org": org, "kind": kind, "name": "East", "parent": parent}),
        )
    }

    #[test]
    fn registering_a_school_under_a_district_records_it_in_its_own_stream() {
        let state = given(history());
        when(&state, register("east", "school", Some("d1"))).then_events(
            "org-east",
            vec![Event::OrgUnitRegistered {
                org: "east".into(),
                kind: OrgKind::School,
                name: "East".into(),
                parent: Some("d1".into()),
            }],
        );
    }

    #[test]
    fn a_state_and_a_parentless_district_are_accepted() {
        let state = given(vec![]);
        when(&state, register("ny", "state", None)).decision();
        when(&state, register("solo", "district", None)).decision();
    }

    #[test]
    fn a_district_under_a_state_is_accepted() {
        let state = given(history());
        when(&state, register("d2", "district", Some("st"))).decision();
    }

    #[test]
    fn an_org_id_that_is_not_a_slug_is_rejected() {
        let state = given(history());
        let e = when(&state, register("East High", "school", Some("d1"))).then_error("org");
        assert!(matches!(e, CommandError::Invalid { .. }));
    }

    #[test]
    fn an_org_id_already_registered_is_a_conflict() {
        let state = given(history());
        let e = when(&state, register("s1", "school", Some("d1"))).then_error("org");
        assert!(matches!(e, CommandError::Conflict { .. }));
    }

    #[test]
    fn an_empty_name_is_rejected() {
        let state = given(history());
        when(
            &state,
            cmd(json!({"command": "register_org_unit", "org": "x", "kind": "state", "name": "  "})),
        )
        .then_error("name");
    }

    #[test]
    fn a_state_with_a_parent_is_rejected() {
        let state = given(history());
        when(&state, register("x", "state", Some("st"))).then_error("parent");
    }

    #[test]
    fn a_school_without_a_parent_is_rejected() {
        let state = given(history());
        when(&state, register("x", "school", None)).then_error("parent");
    }

    #[test]
    fn a_school_under_a_state_is_rejected() {
        let state = given(history());
        let e = when(&state, register("x", "school", Some("st"))).then_error("parent");
        assert!(matches!(e, CommandError::Invalid { .. }));
    }

    #[test]
    fn a_district_under_a_school_is_rejected() {
        let state = given(history());
        when(&state, register("x", "district", Some("s1"))).then_error("parent");
    }

    #[test]
    fn a_parent_that_does_not_exist_is_not_found() {
        let state = given(history());
        let e = when(&state, register("x", "school", Some("nowhere"))).then_error("parent");
        assert!(matches!(e, CommandError::NotFound { .. }));
    }
}
