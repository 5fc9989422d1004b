//! Ratings: an org unit's level on one indicator of a rubric it adopted, with evidence.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use trellis_events::{stream, Event};

use super::check;
use super::error::CommandError;
use super::state::State;
use super::{Context, Decision};

/// Rate an indicator of an adopted rubric for an org unit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateIndicator {
    /// Given by the path.
    #[schema(ignore)]
    pub org: String,
    pub rubric: String,
    /// Which adopted version; the latest the org adopted when not given.
    #[serde(default)]
    pub rubric_version: Option<u32>,
    pub indicator: String,
    pub level: String,
    pub evidence: String,
    /// The (open) cycle of the same org the rating is part of, if any.
    #[serde(default)]
    pub cycle: Option<String>,
    #[serde(default)]
    pub on: Option<NaiveDate>,
}

/// A rating made within a cycle goes to the cycle's stream, so a cycle stream holds the
/// cycle's whole timeline; any other rating goes to the org's stream.
pub(super) fn rate(
    state: &State,
    c: &RateIndicator,
    ctx: &Context,
    on: NaiveDate,
) -> Result<Decision, CommandError> {
    let org = check::org(state, "org", &c.org)?;
    let rubric = check::adopted_rubric(ctx.catalog, org, &c.org, &c.rubric, c.rubric_version)?;
    if rubric.indicator(&c.indicator).is_none() {
        return Err(CommandError::not_found(
            "indicator",
            "indicator",
            &c.indicator,
        ));
    }
    if rubric.level(&c.level).is_none() {
        return Err(CommandError::not_found("level", "level", &c.level));
    }
    check::required("evidence", &c.evidence)?;
    let stream = match &c.cycle {
        Some(id) => {
            let cycle = check::open_cycle(state, id)?;
            if cycle.org != c.org {
                return Err(CommandError::invalid(
                    "cycle",
                    format!(
                        "cycle {id} belongs to org unit {}, not {}",
                        cycle.org, c.org
                    ),
                ));
            }
            stream::cycle(id)
        }
        None => stream::org(&c.org),
    };
    Ok(Decision::one(
        state,
        stream,
        on,
        Event::IndicatorRated {
            org: c.org.clone(),
            rubric: rubric.id.clone(),
            rubric_version: rubric.version,
            indicator: c.indicator.clone(),
            level: c.level.clone(),
            evidence: c.evidence.clone(),
            cycle: c.cycle.clone(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use serde_json::json;

    fn rating(cycle: Option<&str>) -> serde_json::Value {
        json!({
            "command": "rate_indicator", "org": "d1", "rubric": "leadership-system",
            "indicator": "3a", "level": "getting_better",
            "evidence": "Walkthrough notes from 12 schools", "cycle": cycle
        })
    }

    fn rated(cycle: Option<&str>) -> Event {
        Event::IndicatorRated {
            org: "d1".into(),
            rubric: "leadership-system".into(),
            rubric_version: 1,
            indicator: "3a".into(),
            level: "getting_better".into(),
            evidence: "Walkthrough notes from 12 schools".into(),
            cycle: cycle.map(str::to_string),
        }
    }

    #[test]
    fn a_rating_outside_a_cycle_goes_to_the_org_stream_with_the_adopted_version() {
        let state = given(history());
        when(&state, cmd(rating(None))).then_events("org-d1", vec![rated(None)]);
    }

    #[test]
    fn a_rating_in_a_cycle_goes_to_the_cycle_stream() {
        let state = given(history());
        when(&state, cmd(rating(Some("c1")))).then_events("cycle-c1", vec![rated(Some("c1"))]);
    }

    #[test]
    fn a_rating_with_an_unknown_indicator_is_rejected_naming_it() {
        let state = given(history());
        let mut c = rating(None);
        c["indicator"] = json!("3c");
        let e = when(&state, cmd(c)).then_error("indicator");
        assert!(matches!(&e, CommandError::NotFound { id, .. } if id == "3c"));
    }

    #[test]
    fn a_rating_with_a_level_of_another_rubric_is_rejected_naming_it() {
        let state = given(history());
        let mut c = rating(None);
        c["level"] = json!("partial");
        let e = when(&state, cmd(c)).then_error("level");
        assert!(matches!(&e, CommandError::NotFound { id, .. } if id == "partial"));
    }

    #[test]
    fn a_rating_without_evidence_is_rejected() {
        let state = given(history());
        let mut c = rating(None);
        c["evidence"] = json!("");
        when(&state, cmd(c)).then_error("evidence");
    }

    #[test]
    fn a_rating_against_a_rubric_the_org_has_not_adopted_is_rejected() {
        let state = given(history());
        let mut c = rating(None);
        c["org"] = json!("s1");
        let e = when(&state, cmd(c)).then_error("rubric");
        assert!(matches!(e, CommandError::Invalid { .. }));
    }

    #[test]
    fn a_rating_naming_a_version_the_org_has_not_adopted_is_rejected() {
        let state = given(history());
        let mut c = rating(None);
        c["rubric_version"] = json!(2);
        when(&state, cmd(c)).then_error("rubric_version");
    }

    #[test]
    fn a_rating_in_an_unknown_cycle_is_not_found() {
        let state = given(history());
        when(&state, cmd(rating(Some("c9")))).then_error("cycle");
    }

    #[test]
    fn a_rating_in_a_closed_cycle_is_a_conflict() {
        let e = when(&closed_c1(), cmd(rating(Some("c1")))).then_error("cycle");
        assert!(matches!(e, CommandError::Conflict { .. }));
    }

    #[test]
    fn a_rating_in_a_cycle_of_another_org_is_rejected() {
        let state = history_and(vec![(
            stream::org("s1"),
            Event::RubricAdopted {
                org: "s1".into(),
                rubric: "leadership-system".into(),
                version: 1,
            },
        )]);
        let mut c = rating(Some("c1"));
        c["org"] = json!("s1");
        let e = when(&state, cmd(c)).then_error("cycle");
        assert!(matches!(e, CommandError::Invalid { .. }));
    }

    #[test]
    fn a_rating_of_a_rapid_improvement_practice_uses_that_rubrics_levels() {
        let state = given(history());
        let d = when(
            &state,
            cmd(
                json!({"command": "rate_indicator", "org": "d1", "rubric": "rapid-improvement",
                       "indicator": "1B", "level": "partial", "evidence": "e"}),
            ),
        )
        .decision();
        assert!(
            matches!(&d.events[0].event, Event::IndicatorRated { rubric_version: 1, level, .. } if level == "partial")
        );
    }
}
