//! The domain facts Trellis records, one past-tense variant each.
//!
//! Payloads hold only the domain fact; position, id, actor, clocks and hash links live in the
//! [`Envelope`](crate::Envelope). Every variant has a stable type name (its serde tag) and a
//! schema version ([`Event::schema`]); when a payload's shape changes, bump its version and
//! teach [`crate::upcast`] to lift the old shape, so old events are upcast on read and never
//! rewritten.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::kind::{Kind, Retraction};

/// Kinds of org unit; the tree is state → district → school.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    State,
    District,
    School,
}

/// The plan-do-study-act phase of an improvement cycle.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Plan,
    Do,
    Study,
    Act,
}

impl Phase {
    /// The phase that follows this one; `act` leads back to `plan`.
    pub fn next(self) -> Phase {
        match self {
            Phase::Plan => Phase::Do,
            Phase::Do => Phase::Study,
            Phase::Study => Phase::Act,
            Phase::Act => Phase::Plan,
        }
    }
}

/// What a course correction changed.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AdjustmentKind {
    Policy,
    Program,
    Personnel,
    Timeline,
    Resources,
    Other,
}

/// The non-accountable parts of a RACI assignment (the accountable person is held on the
/// goal or milestone itself and changes only through a reassignment).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RaciRole {
    Responsible,
    Consulted,
    Informed,
}

/// A goal or a milestone of a cycle, the two things people are accountable for.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum ItemRef {
    Goal(String),
    Milestone(String),
}

/// A goal's quantitative measure: what is counted, in what unit, from where to where.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MeasureDef {
    pub name: String,
    pub unit: String,
    pub baseline: f64,
    pub target: f64,
}

/// A target level on a rubric indicator ("reach getting_better on 3a").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IndicatorTarget {
    pub indicator: String,
    pub level: String,
}

/// Who decides what, in an operational agreement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DecisionRight {
    pub decision: String,
    pub who: String,
}

/// One action step of a strategic plan (seed 004).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ActionStep {
    pub action: String,
    #[serde(default)]
    pub learning_needs: Vec<String>,
    #[serde(default)]
    pub resources: Vec<String>,
    #[serde(default)]
    pub progress_indicators: Vec<String>,
    #[serde(default)]
    pub accountable: Option<String>,
    #[serde(default, deserialize_with = "crate::date::opt_date")]
    pub due_on: Option<NaiveDate>,
}

/// Every fact Trellis records. The serde tag is the stable type name stored in the log.
///
/// Adjacently tagged (`{"type": …, "data": {…}}`) rather than internally: with the tag first,
/// serde decodes the payload in one pass instead of buffering it to look for the tag.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum Event {
    // --- org tree, people and roles (seed 000) ---
    OrgUnitRegistered {
        org: String,
        kind: OrgKind,
        name: String,
        parent: Option<String>,
    },
    PersonAdded {
        person: String,
        name: String,
        #[serde(default)]
        email: Option<String>,
    },
    /// A role in an org unit with its written definition of success, its "why" and the
    /// measure it connects to. Defining an existing role again is a new version of it.
    RoleDefined {
        org: String,
        role: String,
        title: String,
        success: String,
        why: String,
        measure: String,
        #[serde(default)]
        reason: Option<String>,
    },
    RoleAssigned {
        org: String,
        role: String,
        person: String,
    },
    RoleReleased {
        org: String,
        role: String,
        person: String,
        #[serde(default)]
        reason: Option<String>,
    },

    // --- shared vision (seed 003) ---
    VisionAdopted {
        org: String,
        version: u32,
        statement: String,
        portrait: Vec<String>,
    },
    VisionReviewed {
        org: String,
        version: u32,
        participants: Vec<String>,
        notes: String,
    },
    VisionRevised {
        org: String,
        version: u32,
        statement: String,
        portrait: Vec<String>,
        reason: String,
    },

    // --- next steps (seed 004) ---
    AgreementRecorded {
        org: String,
        version: u32,
        how_we_work: String,
        decision_rights: Vec<DecisionRight>,
    },
    StrategicPlanRecorded {
        org: String,
        version: u32,
        focus: String,
        steps: Vec<ActionStep>,
        celebrate_success: String,
    },

    // --- rubrics and ratings (seeds 001, 002) ---
    RubricAdopted {
        org: String,
        rubric: String,
        version: u32,
    },
    IndicatorRated {
        org: String,
        rubric: String,
        rubric_version: u32,
        indicator: String,
        level: String,
        evidence: String,
        #[serde(default)]
        cycle: Option<String>,
    },

    // --- improvement cycles ---
    CycleOpened {
        cycle: String,
        org: String,
        title: String,
        rubric: String,
        rubric_version: u32,
        focus: Vec<String>,
        lead: String,
        #[serde(deserialize_with = "crate::date::date")]
        starts_on: NaiveDate,
        #[serde(deserialize_with = "crate::date::date")]
        ends_on: NaiveDate,
    },
    CyclePhaseChanged {
        cycle: String,
        from: Phase,
        to: Phase,
    },
    CycleClosed {
        cycle: String,
        summary: String,
    },
    GoalSet {
        cycle: String,
        goal: String,
        statement: String,
        #[serde(default)]
        target: Option<IndicatorTarget>,
        #[serde(default)]
        measure: Option<MeasureDef>,
        #[serde(deserialize_with = "crate::date::date")]
        due_on: NaiveDate,
        accountable: String,
        #[serde(default)]
        serves: Option<String>,
    },
    /// A goal's new values; the old ones stay in the earlier events.
    GoalRevised {
        cycle: String,
        goal: String,
        statement: String,
        #[serde(default)]
        target: Option<IndicatorTarget>,
        #[serde(default)]
        measure: Option<MeasureDef>,
        #[serde(deserialize_with = "crate::date::date")]
        due_on: NaiveDate,
        #[serde(default)]
        serves: Option<String>,
        reason: String,
    },
    GoalMet {
        cycle: String,
        goal: String,
        evidence: String,
    },
    GoalDropped {
        cycle: String,
        goal: String,
        reason: String,
    },
    MilestonePlanned {
        cycle: String,
        goal: String,
        milestone: String,
        title: String,
        #[serde(deserialize_with = "crate::date::date")]
        due_on: NaiveDate,
        accountable: String,
        measure: String,
    },
    MilestoneRescheduled {
        cycle: String,
        milestone: String,
        #[serde(deserialize_with = "crate::date::date")]
        from: NaiveDate,
        #[serde(deserialize_with = "crate::date::date")]
        to: NaiveDate,
        reason: String,
    },
    MilestoneReached {
        cycle: String,
        milestone: String,
        evidence: String,
    },
    MilestoneMissed {
        cycle: String,
        milestone: String,
        reason: String,
    },
    /// An interim data point of a goal's measure; its date is the envelope's `occurred_on`.
    MeasureRecorded {
        cycle: String,
        goal: String,
        value: f64,
        source: String,
    },
    RaciAssigned {
        cycle: String,
        item: ItemRef,
        role: RaciRole,
        person: String,
    },
    AccountableReassigned {
        cycle: String,
        item: ItemRef,
        from: String,
        to: String,
        reason: String,
    },
    AdjustmentLogged {
        cycle: String,
        adjustment: String,
        kind: AdjustmentKind,
        what_changed: String,
        why: String,
        #[serde(default)]
        touches: Option<ItemRef>,
        decided_by: String,
    },
    CelebrationLogged {
        cycle: String,
        celebration: String,
        what: String,
        #[serde(default)]
        item: Option<ItemRef>,
        participants: Vec<String>,
    },
    ReflectionAnswered {
        cycle: String,
        question: String,
        answer: String,
    },
    ReflectionRevised {
        cycle: String,
        question: String,
        answer: String,
        #[serde(default)]
        reason: Option<String>,
    },

    // --- access to the API ---
    /// A token was made for `login` in `role` (limited to `org`'s subtree for editors and
    /// viewers). Never carries the secret or its digest.
    AccessGranted {
        token: String,
        login: String,
        role: String,
        #[serde(default)]
        org: Option<String>,
    },
    /// The token was revoked: refused from then on.
    AccessRevoked {
        token: String,
        login: String,
    },

    // --- corrections ---
    /// Retracts the event at `position`: views ignore it from here on, the log keeps both.
    EventRetracted {
        position: u64,
        reason: String,
    },
}

/// Every event type name, as [`Event::kind`] gives them (and the log stores them).
pub const KINDS: [&str; 33] = [
    "org_unit_registered",
    "person_added",
    "role_defined",
    "role_assigned",
    "role_released",
    "vision_adopted",
    "vision_reviewed",
    "vision_revised",
    "agreement_recorded",
    "strategic_plan_recorded",
    "rubric_adopted",
    "indicator_rated",
    "cycle_opened",
    "cycle_phase_changed",
    "cycle_closed",
    "goal_set",
    "goal_revised",
    "goal_met",
    "goal_dropped",
    "milestone_planned",
    "milestone_rescheduled",
    "milestone_reached",
    "milestone_missed",
    "measure_recorded",
    "raci_assigned",
    "accountable_reassigned",
    "adjustment_logged",
    "celebration_logged",
    "reflection_answered",
    "reflection_revised",
    "access_granted",
    "access_revoked",
    "event_retracted",
];

impl Event {
    /// The stable type name, as stored in the log.
    pub fn kind(&self) -> &'static str {
        Kind::of(self).name()
    }

    /// Whether this fact can be retracted ([`Kind::retraction`]).
    pub fn retraction(&self) -> Retraction {
        Kind::of(self).retraction()
    }

    /// The schema version of this event type's payload as written today.
    pub fn schema(&self) -> u32 {
        1
    }

    /// The cycle this fact belongs to, if any.
    pub fn cycle(&self) -> Option<&str> {
        match self {
            Event::IndicatorRated { cycle, .. } => cycle.as_deref(),
            Event::CycleOpened { cycle, .. }
            | Event::CyclePhaseChanged { cycle, .. }
            | Event::CycleClosed { cycle, .. }
            | Event::GoalSet { cycle, .. }
            | Event::GoalRevised { cycle, .. }
            | Event::GoalMet { cycle, .. }
            | Event::GoalDropped { cycle, .. }
            | Event::MilestonePlanned { cycle, .. }
            | Event::MilestoneRescheduled { cycle, .. }
            | Event::MilestoneReached { cycle, .. }
            | Event::MilestoneMissed { cycle, .. }
            | Event::MeasureRecorded { cycle, .. }
            | Event::RaciAssigned { cycle, .. }
            | Event::AccountableReassigned { cycle, .. }
            | Event::AdjustmentLogged { cycle, .. }
            | Event::CelebrationLogged { cycle, .. }
            | Event::ReflectionAnswered { cycle, .. }
            | Event::ReflectionRevised { cycle, .. } => Some(cycle),
            _ => None,
        }
    }
}

/// Stream names: one stream per aggregate, so optimistic concurrency guards exactly the
/// facts a command decided on.
pub mod stream {
    pub fn org(id: &str) -> String {
        format!("org-{id}")
    }
    pub fn person(id: &str) -> String {
        format!("person-{id}")
    }
    pub fn cycle(id: &str) -> String {
        format!("cycle-{id}")
    }
    /// Whether `stream` is the stream of cycle `id` (without building its name).
    pub fn is_cycle(stream: &str, id: &str) -> bool {
        stream.strip_prefix("cycle-") == Some(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether serde's own derive knows `kind` as a variant name (the payload is left empty,
    /// so a known name fails on a missing field instead).
    fn is_variant(kind: &str) -> bool {
        let err = serde_json::from_str::<Event>(&format!(r#"{{"type":"{kind}","data":{{}}}}"#))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        !err.contains("unknown variant")
    }

    #[test]
    fn every_listed_kind_is_a_distinct_variant_name() {
        let distinct: std::collections::BTreeSet<_> = KINDS.iter().collect();
        assert_eq!(distinct.len(), KINDS.len());
        for kind in KINDS {
            assert!(is_variant(kind), "{kind}");
        }
        assert!(!is_variant("goal_forgotten"));
    }
}
