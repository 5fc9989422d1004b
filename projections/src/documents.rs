//! The documents of each org unit: its people, roles (every version of each definition, current
//! and past holders), shared vision (every version, reviews), operational agreements and
//! strategic plans (current and every past version), and the org tree.
//!
//! "Current" is always the most recently recorded live version: a retracted revision falls
//! away and the one before it is current again.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use trellis_events::{ActionStep, DecisionRight, Envelope, Event};

use crate::live::{Live, PosIndex, Stamp, Stamped};
use crate::org_tree::OrgTree;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    /// The `PersonAdded` this state comes from (the latest, if the person was added again).
    pub added: Stamp,
}

/// One version of a vision: the adopted one, or a revision with its reason.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VisionVersion {
    pub version: u32,
    pub statement: String,
    pub portrait: Vec<String>,
    /// Why it was revised; `None` for the adopted version.
    pub reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VisionReview {
    pub version: u32,
    pub participants: Vec<String>,
    pub notes: String,
}

/// An org unit's shared vision and portrait of a graduate, with its history.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Vision {
    /// Adoption and live revisions, in log order.
    pub versions: Live<VisionVersion>,
    pub reviews: Live<VisionReview>,
}

impl Vision {
    /// The latest live version.
    pub fn current(&self) -> Option<&Stamped<VisionVersion>> {
        self.versions.last()
    }
}

/// One version of a role's written definition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoleDefinition {
    pub title: String,
    pub success: String,
    pub why: String,
    pub measure: String,
    pub reason: Option<String>,
}

/// A change of who holds a role.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Tenure {
    Assigned {
        person: String,
    },
    Released {
        person: String,
        reason: Option<String>,
    },
}

impl Tenure {
    pub fn person(&self) -> &str {
        match self {
            Tenure::Assigned { person } | Tenure::Released { person, .. } => person,
        }
    }
}

/// A role in an org unit: every version of its definition and every live change of holders.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Role {
    pub org: String,
    pub role: String,
    /// Every definition in log order (definitions are not retractable).
    pub definitions: Live<RoleDefinition>,
    /// The holder history: live assignments and releases in log order.
    pub tenure: Live<Tenure>,
}

impl Role {
    fn new(org: &str, role: &str) -> Role {
        Role {
            org: org.to_owned(),
            role: role.to_owned(),
            definitions: Live::default(),
            tenure: Live::default(),
        }
    }

    /// The current definition; `None` if the role was assigned but never defined.
    pub fn current(&self) -> Option<&Stamped<RoleDefinition>> {
        self.definitions.last()
    }

    /// Current holders with the assignment that made each one a holder, in assignment order.
    pub fn holders(&self) -> Vec<&Stamped<Tenure>> {
        let mut holders: Vec<&Stamped<Tenure>> = Vec::new();
        for change in &self.tenure {
            let person = change.value.person();
            holders.retain(|h| h.value.person() != person);
            if matches!(change.value, Tenure::Assigned { .. }) {
                holders.push(change);
            }
        }
        holders
    }

    pub fn is_held_by(&self, person: &str) -> bool {
        self.holders().iter().any(|h| h.value.person() == person)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Agreement {
    pub version: u32,
    pub how_we_work: String,
    pub decision_rights: Vec<DecisionRight>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StrategicPlan {
    pub version: u32,
    pub focus: String,
    pub steps: Vec<ActionStep>,
    pub celebrate_success: String,
}

/// Which document a retractable event changed (a vision's review, a role's holder; numbered
/// versions of documents are not retractable, see [`crate::is_retractable`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum DocAt {
    Vision(String),
    Role(String, String),
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Documents {
    pub org_tree: OrgTree,
    people: BTreeMap<String, Person>,
    /// Org → role id → role.
    roles: BTreeMap<String, BTreeMap<String, Role>>,
    visions: BTreeMap<String, Vision>,
    agreements: BTreeMap<String, Live<Agreement>>,
    plans: BTreeMap<String, Live<StrategicPlan>>,
    at: PosIndex<DocAt>,
}

impl Documents {
    pub fn apply(&mut self, env: &Envelope) {
        let stamp = || Stamp::of(env);
        match &env.event {
            Event::OrgUnitRegistered { .. } => self.org_tree.apply(env),
            Event::PersonAdded {
                person,
                name,
                email,
            } => {
                let p = Person {
                    id: person.clone(),
                    name: name.clone(),
                    email: email.clone(),
                    added: stamp(),
                };
                self.people.insert(person.clone(), p);
            }
            Event::RoleDefined {
                org,
                role,
                title,
                success,
                why,
                measure,
                reason,
            } => {
                let def = RoleDefinition {
                    title: title.clone(),
                    success: success.clone(),
                    why: why.clone(),
                    measure: measure.clone(),
                    reason: reason.clone(),
                };
                self.role_mut(org, role).definitions.push(stamp(), def);
            }
            Event::RoleAssigned { org, role, person } => {
                let change = Tenure::Assigned {
                    person: person.clone(),
                };
                self.role_mut(org, role).tenure.push(stamp(), change);
                self.index(env, DocAt::Role(org.clone(), role.clone()));
            }
            Event::RoleReleased {
                org,
                role,
                person,
                reason,
            } => {
                let change = Tenure::Released {
                    person: person.clone(),
                    reason: reason.clone(),
                };
                self.role_mut(org, role).tenure.push(stamp(), change);
                self.index(env, DocAt::Role(org.clone(), role.clone()));
            }
            Event::VisionAdopted {
                org,
                version,
                statement,
                portrait,
            } => {
                let v = VisionVersion {
                    version: *version,
                    statement: statement.clone(),
                    portrait: portrait.clone(),
                    reason: None,
                };
                self.visions
                    .entry(org.clone())
                    .or_default()
                    .versions
                    .push(stamp(), v);
            }
            Event::VisionRevised {
                org,
                version,
                statement,
                portrait,
                reason,
            } => {
                let v = VisionVersion {
                    version: *version,
                    statement: statement.clone(),
                    portrait: portrait.clone(),
                    reason: Some(reason.clone()),
                };
                self.visions
                    .entry(org.clone())
                    .or_default()
                    .versions
                    .push(stamp(), v);
            }
            Event::VisionReviewed {
                org,
                version,
                participants,
                notes,
            } => {
                let r = VisionReview {
                    version: *version,
                    participants: participants.clone(),
                    notes: notes.clone(),
                };
                self.visions
                    .entry(org.clone())
                    .or_default()
                    .reviews
                    .push(stamp(), r);
                self.index(env, DocAt::Vision(org.clone()));
            }
            Event::AgreementRecorded {
                org,
                version,
                how_we_work,
                decision_rights,
            } => {
                let a = Agreement {
                    version: *version,
                    how_we_work: how_we_work.clone(),
                    decision_rights: decision_rights.clone(),
                };
                self.agreements
                    .entry(org.clone())
                    .or_default()
                    .push(stamp(), a);
            }
            Event::StrategicPlanRecorded {
                org,
                version,
                focus,
                steps,
                celebrate_success,
            } => {
                let p = StrategicPlan {
                    version: *version,
                    focus: focus.clone(),
                    steps: steps.clone(),
                    celebrate_success: celebrate_success.clone(),
                };
                self.plans.entry(org.clone()).or_default().push(stamp(), p);
            }
            Event::EventRetracted { position, .. } => self.retract(*position),
            _ => {}
        }
    }

    /// Remembers where a fact went, if it can be retracted at all (numbered versions of
    /// documents cannot: a further version corrects them).
    fn index(&mut self, env: &Envelope, at: DocAt) {
        if crate::is_retractable(&env.event) {
            self.at.insert(env.position, at);
        }
    }

    fn role_mut(&mut self, org: &str, role: &str) -> &mut Role {
        // Role events are rare, so the key allocations of `entry` do not matter here.
        self.roles
            .entry(org.to_owned())
            .or_default()
            .entry(role.to_owned())
            .or_insert_with(|| Role::new(org, role))
    }

    /// Undoes the retractable event at `position`. A document left with no live facts is
    /// removed, so the views equal those of a log that never had the retracted event.
    fn retract(&mut self, position: u64) {
        let Some(at) = self.at.get(position) else {
            return;
        };
        match at {
            DocAt::Vision(org) => {
                if let Some(v) = self.visions.get_mut(org) {
                    v.reviews.retract(position);
                    if v.versions.is_empty() && v.reviews.is_empty() {
                        self.visions.remove(org);
                    }
                }
            }
            DocAt::Role(org, role) => {
                let Some(roles) = self.roles.get_mut(org) else {
                    return;
                };
                if let Some(r) = roles.get_mut(role) {
                    r.tenure.retract(position);
                    if r.tenure.is_empty() && r.definitions.is_empty() {
                        roles.remove(role);
                    }
                }
                if roles.is_empty() {
                    self.roles.remove(org);
                }
            }
        }
    }

    pub fn person(&self, id: &str) -> Option<&Person> {
        self.people.get(id)
    }

    /// Everyone added, by id.
    pub fn people(&self) -> impl Iterator<Item = &Person> {
        self.people.values()
    }

    pub fn role(&self, org: &str, role: &str) -> Option<&Role> {
        self.roles.get(org)?.get(role)
    }

    /// The roles of one org unit, by role id.
    pub fn roles_of(&self, org: &str) -> impl Iterator<Item = &Role> {
        self.roles.get(org).into_iter().flat_map(|rs| rs.values())
    }

    /// Every role, by org then role id.
    pub fn roles(&self) -> impl Iterator<Item = &Role> {
        self.roles.values().flat_map(|rs| rs.values())
    }

    /// The roles `person` holds now, by org then role id.
    pub fn roles_held_by<'a>(&'a self, person: &'a str) -> impl Iterator<Item = &'a Role> + 'a {
        self.roles().filter(move |r| r.is_held_by(person))
    }

    pub fn vision(&self, org: &str) -> Option<&Vision> {
        self.visions.get(org)
    }

    /// The current operational agreement of `org`.
    pub fn agreement(&self, org: &str) -> Option<&Stamped<Agreement>> {
        self.agreements.get(org)?.last()
    }

    /// Every live version of `org`'s agreement, oldest first.
    pub fn agreements(&self, org: &str) -> &[Stamped<Agreement>] {
        self.agreements.get(org).map_or(&[], Live::as_slice)
    }

    /// The current strategic plan of `org`.
    pub fn plan(&self, org: &str) -> Option<&Stamped<StrategicPlan>> {
        self.plans.get(org)?.last()
    }

    /// Every live version of `org`'s strategic plan, oldest first.
    pub fn plans(&self, org: &str) -> &[Stamped<StrategicPlan>] {
        self.plans.get(org).map_or(&[], Live::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::Log;

    fn versions(v: &Vision) -> Vec<u32> {
        v.versions.iter().map(|s| s.value.version).collect()
    }

    #[test]
    fn given_a_vision_adopted_and_revised_the_current_is_the_revision_and_both_are_kept() {
        let mut log = Log::new();
        log.vision_adopted("d1", 1, "Every child known");
        log.vision_reviewed("d1", 1, "annual review");
        log.vision_revised("d1", 2, "Every child known and thriving", "community input");
        let p = log.fold();

        let v = p.documents.vision("d1").expect("d1 has a vision");
        assert_eq!(versions(v), [1, 2]);
        let current = v.current().expect("a current version");
        assert_eq!(current.value.statement, "Every child known and thriving");
        assert_eq!(current.value.reason.as_deref(), Some("community input"));
        assert_eq!(v.reviews.len(), 1);
    }

    #[test]
    fn given_a_vision_revision_retracted_it_stays_current_since_versions_are_not_retractable() {
        // The command side refuses such a retraction; one in the log anyway changes nothing.
        let mut log = Log::new();
        log.vision_adopted("d1", 1, "Every child known");
        let revised = log.vision_revised("d1", 2, "Typo'd vision", "oops");
        log.retract("org-d1", revised, "recorded against the wrong district");
        let p = log.fold();

        let v = p.documents.vision("d1").expect("d1 has a vision");
        assert_eq!(versions(v), [1, 2]);
        assert_eq!(v.current().map(|c| c.value.version), Some(2));
    }

    #[test]
    fn given_role_versions_and_holders_the_role_keeps_every_version_and_the_holder_history() {
        let mut log = Log::new();
        log.person("ann", "Ann Lee");
        log.person("bob", "Bob Ray");
        log.role_defined("d1", "coach", "Instructional coach", "Teachers grow");
        log.role_assigned("d1", "coach", "ann");
        log.role_defined("d1", "coach", "Instructional coach", "Every teacher grows");
        log.role_assigned("d1", "coach", "bob");
        log.role_released("d1", "coach", "ann");
        let p = log.fold();

        let role = p.documents.role("d1", "coach").expect("the role exists");
        assert_eq!(role.definitions.len(), 2);
        assert_eq!(
            role.current().map(|d| d.value.success.as_str()),
            Some("Every teacher grows")
        );
        let holders: Vec<_> = role.holders().iter().map(|h| h.value.person()).collect();
        assert_eq!(holders, ["bob"]);
        assert_eq!(
            role.tenure.len(),
            3,
            "assignments and the release are the history"
        );
        assert_eq!(p.documents.roles_held_by("ann").count(), 0);
        assert_eq!(p.documents.roles_held_by("bob").count(), 1);
        assert_eq!(
            p.documents.person("ann").map(|x| x.name.as_str()),
            Some("Ann Lee")
        );
    }

    #[test]
    fn given_a_release_retracted_the_person_holds_the_role_again() {
        let mut log = Log::new();
        log.role_defined("d1", "coach", "Instructional coach", "Teachers grow");
        log.role_assigned("d1", "coach", "ann");
        let released = log.role_released("d1", "coach", "ann");
        log.retract("org-d1", released, "released by mistake");
        let p = log.fold();

        let role = p.documents.role("d1", "coach").expect("the role exists");
        assert!(role.is_held_by("ann"));
    }

    #[test]
    fn given_document_versions_recorded_twice_the_latest_is_current_and_a_retraction_removes_none()
    {
        let mut log = Log::new();
        log.agreement("d1", 1, "We meet weekly");
        log.agreement("d1", 2, "We meet biweekly");
        log.plan("d1", 1, "Literacy");
        let second = log.plan("d1", 2, "Numeracy");
        log.retract("org-d1", second, "draft recorded too early");
        let p = log.fold();

        assert_eq!(p.documents.agreements("d1").len(), 2);
        assert_eq!(
            p.documents
                .agreement("d1")
                .map(|a| a.value.how_we_work.as_str()),
            Some("We meet biweekly")
        );
        // Numbered versions are corrected by a further version, not retracted.
        assert_eq!(p.documents.plans("d1").len(), 2);
        assert_eq!(
            p.documents.plan("d1").map(|a| a.value.focus.as_str()),
            Some("Numeracy")
        );
        assert!(p.documents.plan("d2").is_none());
    }
}
