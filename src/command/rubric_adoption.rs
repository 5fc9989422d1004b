//! An org unit adopts a rubric (id and version) from the catalog before rating against it
//! or opening cycles on it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use trellis_events::{stream, Event};

use super::check;
use super::error::CommandError;
use super::state::State;
use super::{Context, Decision};

/// Adopt a rubric of the catalog for an org unit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdoptRubric {
    /// Given by the path.
    #[schema(ignore)]
    pub org: String,
    pub rubric: String,
    /// Which version; the catalog's latest when not given (the event records the number).
    #[serde(default)]
    pub version: Option<u32>,
    #[serde(default)]
    pub on: Option<NaiveDate>,
}

pub(super) fn adopt(
    state: &State,
    c: &AdoptRubric,
    ctx: &Context,
    on: NaiveDate,
) -> Result<Decision, CommandError> {
    let org = check::org(state, "org", &c.org)?;
    let rubric = match c.version {
        Some(v) => ctx.catalog.get(&c.rubric, v).ok_or_else(|| {
            CommandError::not_found("version", "rubric version", format!("{} v{v}", c.rubric))
        })?,
        None => ctx
            .catalog
            .latest(&c.rubric)
            .ok_or_else(|| CommandError::not_found("rubric", "rubric", &c.rubric))?,
    };
    if org.adopted_versions(&rubric.id).contains(&rubric.version) {
        return Err(CommandError::conflict(
            "rubric",
            format!(
                "org unit {} already adopted {} v{}",
                c.org, rubric.id, rubric.version
            ),
        ));
    }
    Ok(Decision::one(
        state,
        stream::org(&c.org),
        on,
        Event::RubricAdopted {
            org: c.org.clone(),
            rubric: rubric.id.clone(),
            version: rubric.version,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use serde_json::json;

    #[test]
    fn adopting_a_catalog_rubric_records_its_id_and_version() {
        let state = given(history());
        when(
            &state,
            cmd(json!({"command": "adopt_rubric", "org": "s1", "rubric": "rapid-improvement", "version": 1})),
        )
        .then_events(
            "org-s1",
            vec![Event::RubricAdopted {
                org: "s1".into(),
                rubric: "rapid-improvement".into(),
                version: 1,
            }],
        );
    }

    #[test]
    fn adopting_without_a_version_takes_the_catalogs_latest() {
        let state = given(history());
        let d = when(
            &state,
            cmd(json!({"command": "adopt_rubric", "org": "s1", "rubric": "leadership-system"})),
        )
        .decision();
        assert!(matches!(
            d.events[0].event,
            Event::RubricAdopted { version: 1, .. }
        ));
    }

    #[test]
    fn adopting_a_rubric_the_catalog_does_not_have_is_not_found() {
        let state = given(history());
        let e = when(
            &state,
            cmd(json!({"command": "adopt_rubric", "org": "s1", "rubric": "building-level"})),
        )
        .then_error("rubric");
        assert!(matches!(e, CommandError::NotFound { .. }));
    }

    #[test]
    fn adopting_a_version_the_catalog_does_not_have_is_not_found() {
        let state = given(history());
        when(
            &state,
            cmd(json!({"command": "adopt_rubric", "org": "s1", "rubric": "leadership-system", "version": 9})),
        )
        .then_error("version");
    }

    #[test]
    fn adopting_the_same_rubric_version_twice_is_a_conflict() {
        let state = given(history());
        let e = when(
            &state,
            cmd(json!({"command": "adopt_rubric", "org": "d1", "rubric": "leadership-system", "version": 1})),
        )
        .then_error("rubric");
        assert!(matches!(e, CommandError::Conflict { .. }));
    }

    #[test]
    fn adopting_for_an_unknown_org_is_not_found() {
        let state = given(history());
        when(
            &state,
            cmd(json!({"command": "adopt_rubric", "org": "zz", "rubric": "leadership-system"})),
        )
        .then_error("org");
    }
}
