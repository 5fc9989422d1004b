//! An org unit's shared vision (seed 003): adopted once, revisited often, revised as it
//! evolves. Every version stays readable in the log; the state keeps only the number.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use trellis_events::{stream, Event};

use super::check;
use super::error::CommandError;
use super::state::State;
use super::Decision;

/// Adopt an org unit's first vision (version 1).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdoptVision {
    /// Given by the path.
    #[schema(ignore)]
    pub org: String,
    pub statement: String,
    /// The portrait of a graduate: what thriving students are and can do.
    #[serde(default)]
    pub portrait: Vec<String>,
    #[serde(default)]
    pub on: Option<NaiveDate>,
}

/// Record that the community revisited the current vision.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewVision {
    /// Given by the path.
    #[schema(ignore)]
    pub org: String,
    /// The version the reviewers read; when given it must be the current one, so a review
    /// of a version that was revised meanwhile is not filed under the new text.
    #[serde(default)]
    pub version: Option<u32>,
    pub participants: Vec<String>,
    pub notes: String,
    #[serde(default)]
    pub on: Option<NaiveDate>,
}

/// Record a new version of the vision.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviseVision {
    /// Given by the path.
    #[schema(ignore)]
    pub org: String,
    pub statement: String,
    #[serde(default)]
    pub portrait: Vec<String>,
    pub reason: String,
    #[serde(default)]
    pub on: Option<NaiveDate>,
}

pub(super) fn adopt(
    state: &State,
    c: &AdoptVision,
    on: NaiveDate,
) -> Result<Decision, CommandError> {
    let org = check::org(state, "org", &c.org)?;
    if org.vision > 0 {
        return Err(CommandError::conflict(
            "org",
            format!(
                "org unit {} already adopted a vision (version {}); record a revision instead",
                c.org, org.vision
            ),
        ));
    }
    check::required("statement", &c.statement)?;
    check_portrait(&c.portrait)?;
    Ok(Decision::one(
        state,
        stream::org(&c.org),
        on,
        Event::VisionAdopted {
            org: c.org.clone(),
            version: 1,
            statement: c.statement.clone(),
            portrait: c.portrait.clone(),
        },
    ))
}

pub(super) fn review(
    state: &State,
    c: &ReviewVision,
    on: NaiveDate,
) -> Result<Decision, CommandError> {
    let current = current_version(state, &c.org)?;
    if let Some(v) = c.version.filter(|v| *v != current) {
        return Err(CommandError::conflict(
            "version",
            format!(
                "version {v} is not the current vision of {}; the current one is {current}",
                c.org
            ),
        ));
    }
    check::people(state, "participants", &c.participants)?;
    check::required("notes", &c.notes)?;
    Ok(Decision::one(
        state,
        stream::org(&c.org),
        on,
        Event::VisionReviewed {
            org: c.org.clone(),
            version: current,
            participants: c.participants.clone(),
            notes: c.notes.clone(),
        },
    ))
}

pub(super) fn revise(
    state: &State,
    c: &ReviseVision,
    on: NaiveDate,
) -> Result<Decision, CommandError> {
    let current = current_version(state, &c.org)?;
    check::required("statement", &c.statement)?;
    check_portrait(&c.portrait)?;
    check::required("reason", &c.reason)?;
    Ok(Decision::one(
        state,
        stream::org(&c.org),
        on,
        Event::VisionRevised {
            org: c.org.clone(),
            version: current.saturating_add(1),
            statement: c.statement.clone(),
            portrait: c.portrait.clone(),
            reason: c.reason.clone(),
        },
    ))
}

/// The version of the org's vision now in force; reviewing or revising needs one.
fn current_version(state: &State, org: &str) -> Result<u32, CommandError> {
    let o = check::org(state, "org", org)?;
    if o.vision == 0 {
        return Err(CommandError::conflict(
            "org",
            format!("org unit {org} has not adopted a vision yet; adopt one first"),
        ));
    }
    Ok(o.vision)
}

fn check_portrait(portrait: &[String]) -> Result<(), CommandError> {
    portrait
        .iter()
        .try_for_each(|p| check::required("portrait", p))?;
    check::distinct("portrait", portrait)
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use serde_json::json;

    #[test]
    fn adopting_a_first_vision_records_version_one() {
        let state = given(history());
        when(
            &state,
            cmd(
                json!({"command": "adopt_vision", "org": "s1", "statement": "Every child known",
                       "portrait": ["collaborative", "resilient"]}),
            ),
        )
        .then_events(
            "org-s1",
            vec![Event::VisionAdopted {
                org: "s1".into(),
                version: 1,
                statement: "Every child known".into(),
                portrait: vec!["collaborative".into(), "resilient".into()],
            }],
        );
    }

    #[test]
    fn adopting_a_second_vision_is_a_conflict_that_points_to_revising() {
        let state = given(history());
        let e = when(
            &state,
            cmd(json!({"command": "adopt_vision", "org": "d1", "statement": "Again"})),
        )
        .then_error("org");
        assert!(matches!(&e, CommandError::Conflict { rule, .. } if rule.contains("revision")));
    }

    #[test]
    fn a_vision_without_a_statement_is_rejected() {
        let state = given(history());
        when(
            &state,
            cmd(json!({"command": "adopt_vision", "org": "s1", "statement": ""})),
        )
        .then_error("statement");
    }

    #[test]
    fn an_empty_portrait_item_is_rejected() {
        let state = given(history());
        when(
            &state,
            cmd(json!({"command": "adopt_vision", "org": "s1", "statement": "S", "portrait": ["kind", " "]})),
        )
        .then_error("portrait");
    }

    #[test]
    fn a_vision_for_an_unknown_org_is_not_found() {
        let state = given(history());
        when(
            &state,
            cmd(json!({"command": "adopt_vision", "org": "zz", "statement": "S"})),
        )
        .then_error("org");
    }

    #[test]
    fn reviewing_the_current_vision_records_its_version_and_participants() {
        let state = given(history());
        when(
            &state,
            cmd(
                json!({"command": "review_vision", "org": "d1", "version": 1,
                       "participants": ["ana", "ben"], "notes": "still fits"}),
            ),
        )
        .then_events(
            "org-d1",
            vec![Event::VisionReviewed {
                org: "d1".into(),
                version: 1,
                participants: vec!["ana".into(), "ben".into()],
                notes: "still fits".into(),
            }],
        );
    }

    #[test]
    fn reviewing_an_old_version_is_a_conflict() {
        let state = given(history());
        when(
            &state,
            cmd(
                json!({"command": "review_vision", "org": "d1", "version": 2,
                       "participants": ["ana"], "notes": "n"}),
            ),
        )
        .then_error("version");
    }

    #[test]
    fn a_review_with_an_unknown_participant_is_not_found() {
        let state = given(history());
        let e = when(
            &state,
            cmd(json!({"command": "review_vision", "org": "d1", "participants": ["ana", "zed"], "notes": "n"})),
        )
        .then_error("participants");
        assert!(matches!(e, CommandError::NotFound { .. }));
    }

    #[test]
    fn a_review_without_participants_or_notes_is_rejected() {
        let state = given(history());
        when(
            &state,
            cmd(json!({"command": "review_vision", "org": "d1", "participants": [], "notes": "n"})),
        )
        .then_error("participants");
        when(
            &state,
            cmd(json!({"command": "review_vision", "org": "d1", "participants": ["ana"], "notes": ""})),
        )
        .then_error("notes");
    }

    #[test]
    fn reviewing_before_any_vision_is_adopted_is_a_conflict() {
        let state = given(history());
        let e = when(
            &state,
            cmd(json!({"command": "review_vision", "org": "s1", "participants": ["ana"], "notes": "n"})),
        )
        .then_error("org");
        assert!(matches!(e, CommandError::Conflict { .. }));
    }

    #[test]
    fn revising_the_vision_records_the_next_version_with_its_reason() {
        let state = given(history());
        when(
            &state,
            cmd(json!({"command": "revise_vision", "org": "d1", "statement": "Every student thrives and leads",
                       "portrait": ["curious"], "reason": "community forum"})),
        )
        .then_events(
            "org-d1",
            vec![Event::VisionRevised {
                org: "d1".into(),
                version: 2,
                statement: "Every student thrives and leads".into(),
                portrait: vec!["curious".into()],
                reason: "community forum".into(),
            }],
        );
    }

    #[test]
    fn a_revision_without_a_reason_is_rejected() {
        let state = given(history());
        when(
            &state,
            cmd(json!({"command": "revise_vision", "org": "d1", "statement": "S", "reason": ""})),
        )
        .then_error("reason");
    }

    #[test]
    fn a_revision_of_a_revision_counts_up() {
        let state = history_and(vec![(
            stream::org("d1"),
            Event::VisionRevised {
                org: "d1".into(),
                version: 2,
                statement: "S2".into(),
                portrait: vec![],
                reason: "r".into(),
            },
        )]);
        let d = when(
            &state,
            cmd(json!({"command": "revise_vision", "org": "d1", "statement": "S3", "reason": "r"})),
        )
        .decision();
        assert!(matches!(
            d.events[0].event,
            Event::VisionRevised { version: 3, .. }
        ));
    }
}
