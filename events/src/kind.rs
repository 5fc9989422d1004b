//! What is known of each kind of event without its payload: its stable type name and whether
//! a later [`Event::EventRetracted`] may undo it.
//!
//! This is the one definition of what can be retracted: the write model refuses a retraction
//! unless [`Kind::retraction`] allows it, and the views undo only what it allows, so the two
//! cannot disagree about whether a retracted fact still counts.

use serde::{Deserialize, Serialize};

use crate::event::Event;

/// The kind of an [`Event`], one byte, for folds that keep one per log position.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[repr(u8)]
pub enum Kind {
    OrgUnitRegistered,
    PersonAdded,
    RoleDefined,
    RoleAssigned,
    RoleReleased,
    VisionAdopted,
    VisionReviewed,
    VisionRevised,
    AgreementRecorded,
    StrategicPlanRecorded,
    RubricAdopted,
    IndicatorRated,
    CycleOpened,
    CyclePhaseChanged,
    CycleClosed,
    GoalSet,
    GoalRevised,
    GoalMet,
    GoalDropped,
    MilestonePlanned,
    MilestoneRescheduled,
    MilestoneReached,
    MilestoneMissed,
    MeasureRecorded,
    RaciAssigned,
    AccountableReassigned,
    AdjustmentLogged,
    CelebrationLogged,
    ReflectionAnswered,
    ReflectionRevised,
    AccessGranted,
    AccessRevoked,
    EventRetracted,
}

/// Whether a fact of some kind can be retracted, and if not, how it is corrected instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retraction {
    /// A retraction undoes it: every view and the write model behave as if it had never been
    /// recorded.
    Allowed,
    /// It created something later facts refer to; the hint says how it is corrected.
    Structural(&'static str),
    /// It is a numbered version of a document; retracting it would leave a hole in the
    /// numbering, so a new version corrects it. The hint says which.
    Versioned(&'static str),
    /// It is a retraction: retractions are final, and a fact is restored by recording it again.
    Final,
}

impl Retraction {
    pub fn is_allowed(self) -> bool {
        self == Retraction::Allowed
    }
}

impl Kind {
    /// Every kind, in the order of [`crate::KINDS`].
    pub const ALL: [Kind; 33] = [
        Kind::OrgUnitRegistered,
        Kind::PersonAdded,
        Kind::RoleDefined,
        Kind::RoleAssigned,
        Kind::RoleReleased,
        Kind::VisionAdopted,
        Kind::VisionReviewed,
        Kind::VisionRevised,
        Kind::AgreementRecorded,
        Kind::StrategicPlanRecorded,
        Kind::RubricAdopted,
        Kind::IndicatorRated,
        Kind::CycleOpened,
        Kind::CyclePhaseChanged,
        Kind::CycleClosed,
        Kind::GoalSet,
        Kind::GoalRevised,
        Kind::GoalMet,
        Kind::GoalDropped,
        Kind::MilestonePlanned,
        Kind::MilestoneRescheduled,
        Kind::MilestoneReached,
        Kind::MilestoneMissed,
        Kind::MeasureRecorded,
        Kind::RaciAssigned,
        Kind::AccountableReassigned,
        Kind::AdjustmentLogged,
        Kind::CelebrationLogged,
        Kind::ReflectionAnswered,
        Kind::ReflectionRevised,
        Kind::AccessGranted,
        Kind::AccessRevoked,
        Kind::EventRetracted,
    ];

    pub fn of(event: &Event) -> Kind {
        match event {
            Event::OrgUnitRegistered { .. } => Kind::OrgUnitRegistered,
            Event::PersonAdded { .. } => Kind::PersonAdded,
            Event::RoleDefined { .. } => Kind::RoleDefined,
            Event::RoleAssigned { .. } => Kind::RoleAssigned,
            Event::RoleReleased { .. } => Kind::RoleReleased,
            Event::VisionAdopted { .. } => Kind::VisionAdopted,
            Event::VisionReviewed { .. } => Kind::VisionReviewed,
            Event::VisionRevised { .. } => Kind::VisionRevised,
            Event::AgreementRecorded { .. } => Kind::AgreementRecorded,
            Event::StrategicPlanRecorded { .. } => Kind::StrategicPlanRecorded,
            Event::RubricAdopted { .. } => Kind::RubricAdopted,
            Event::IndicatorRated { .. } => Kind::IndicatorRated,
            Event::CycleOpened { .. } => Kind::CycleOpened,
            Event::CyclePhaseChanged { .. } => Kind::CyclePhaseChanged,
            Event::CycleClosed { .. } => Kind::CycleClosed,
            Event::GoalSet { .. } => Kind::GoalSet,
            Event::GoalRevised { .. } => Kind::GoalRevised,
            Event::GoalMet { .. } => Kind::GoalMet,
            Event::GoalDropped { .. } => Kind::GoalDropped,
            Event::MilestonePlanned { .. } => Kind::MilestonePlanned,
            Event::MilestoneRescheduled { .. } => Kind::MilestoneRescheduled,
            Event::MilestoneReached { .. } => Kind::MilestoneReached,
            Event::MilestoneMissed { .. } => Kind::MilestoneMissed,
            Event::MeasureRecorded { .. } => Kind::MeasureRecorded,
            Event::RaciAssigned { .. } => Kind::RaciAssigned,
            Event::AccountableReassigned { .. } => Kind::AccountableReassigned,
            Event::AdjustmentLogged { .. } => Kind::AdjustmentLogged,
            Event::CelebrationLogged { .. } => Kind::CelebrationLogged,
            Event::ReflectionAnswered { .. } => Kind::ReflectionAnswered,
            Event::ReflectionRevised { .. } => Kind::ReflectionRevised,
            Event::AccessGranted { .. } => Kind::AccessGranted,
            Event::AccessRevoked { .. } => Kind::AccessRevoked,
            Event::EventRetracted { .. } => Kind::EventRetracted,
        }
    }

    /// The stable type name, as stored in the log (the serde tag).
    pub fn name(self) -> &'static str {
        match self {
            Kind::OrgUnitRegistered => "org_unit_registered",
            Kind::PersonAdded => "person_added",
            Kind::RoleDefined => "role_defined",
            Kind::RoleAssigned => "role_assigned",
            Kind::RoleReleased => "role_released",
            Kind::VisionAdopted => "vision_adopted",
            Kind::VisionReviewed => "vision_reviewed",
            Kind::VisionRevised => "vision_revised",
            Kind::AgreementRecorded => "agreement_recorded",
            Kind::StrategicPlanRecorded => "strategic_plan_recorded",
            Kind::RubricAdopted => "rubric_adopted",
            Kind::IndicatorRated => "indicator_rated",
            Kind::CycleOpened => "cycle_opened",
            Kind::CyclePhaseChanged => "cycle_phase_changed",
            Kind::CycleClosed => "cycle_closed",
            Kind::GoalSet => "goal_set",
            Kind::GoalRevised => "goal_revised",
            Kind::GoalMet => "goal_met",
            Kind::GoalDropped => "goal_dropped",
            Kind::MilestonePlanned => "milestone_planned",
            Kind::MilestoneRescheduled => "milestone_rescheduled",
            Kind::MilestoneReached => "milestone_reached",
            Kind::MilestoneMissed => "milestone_missed",
            Kind::MeasureRecorded => "measure_recorded",
            Kind::RaciAssigned => "raci_assigned",
            Kind::AccountableReassigned => "accountable_reassigned",
            Kind::AdjustmentLogged => "adjustment_logged",
            Kind::CelebrationLogged => "celebration_logged",
            Kind::ReflectionAnswered => "reflection_answered",
            Kind::ReflectionRevised => "reflection_revised",
            Kind::AccessGranted => "access_granted",
            Kind::AccessRevoked => "access_revoked",
            Kind::EventRetracted => "event_retracted",
        }
    }

    /// Whether a fact of this kind can be retracted, and if not, why and what to do instead.
    ///
    /// Allowed are the facts whose undo is simple: each changes one item's live history (a
    /// rating, a status, a reschedule, an answer, a role's holder, a cycle's phase or its
    /// closing, which is how a closed cycle is reopened). Structural facts are referred to by
    /// later facts, and numbered versions of documents are corrected by a further version.
    pub fn retraction(self) -> Retraction {
        use Retraction::*;
        match self {
            Kind::OrgUnitRegistered => {
                Structural("an org unit's registration; record the right facts about it instead")
            }
            Kind::PersonAdded => {
                Structural("a person's addition; record the right facts about them instead")
            }
            Kind::CycleOpened => {
                Structural("a cycle's opening; close it with a summary that says why")
            }
            Kind::GoalSet => Structural("a goal; revise it, or drop it with a reason"),
            Kind::MilestonePlanned => Structural(
                "a milestone; reschedule it, reassign it, or mark it missed with a reason",
            ),
            Kind::VisionAdopted => {
                Structural("a vision's adoption; record a revision of the vision")
            }
            // Who could do what stays on the record; a token is revoked, not retracted.
            Kind::AccessGranted | Kind::AccessRevoked => {
                Structural("a token's grant or revocation; revoke the token instead")
            }
            Kind::VisionRevised => Versioned("record a further revision of the vision"),
            Kind::RoleDefined => Versioned("define the role again with a reason"),
            Kind::AgreementRecorded => Versioned("record a new version of the agreement"),
            Kind::StrategicPlanRecorded => Versioned("record a new version of the strategic plan"),
            Kind::EventRetracted => Final,
            Kind::RoleAssigned
            | Kind::RoleReleased
            | Kind::VisionReviewed
            | Kind::RubricAdopted
            | Kind::IndicatorRated
            | Kind::CyclePhaseChanged
            | Kind::CycleClosed
            | Kind::GoalRevised
            | Kind::GoalMet
            | Kind::GoalDropped
            | Kind::MilestoneRescheduled
            | Kind::MilestoneReached
            | Kind::MilestoneMissed
            | Kind::MeasureRecorded
            | Kind::RaciAssigned
            | Kind::AccountableReassigned
            | Kind::AdjustmentLogged
            | Kind::CelebrationLogged
            | Kind::ReflectionAnswered
            | Kind::ReflectionRevised => Allowed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::KINDS;

    #[test]
    fn every_kind_is_named_as_the_log_names_it_in_the_same_order() {
        let names: Vec<_> = Kind::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(names, KINDS);
    }

    #[test]
    fn a_kind_is_one_byte() {
        assert_eq!(std::mem::size_of::<Kind>(), 1);
        assert_eq!(std::mem::size_of::<Option<Kind>>(), 1);
    }

    #[test]
    fn a_closing_can_be_retracted_and_document_versions_cannot() {
        assert!(Kind::CycleClosed.retraction().is_allowed());
        for kind in [
            Kind::VisionRevised,
            Kind::AgreementRecorded,
            Kind::StrategicPlanRecorded,
            Kind::RoleDefined,
        ] {
            assert!(
                matches!(kind.retraction(), Retraction::Versioned(_)),
                "{kind:?}"
            );
        }
        assert_eq!(Kind::EventRetracted.retraction(), Retraction::Final);
    }
}
