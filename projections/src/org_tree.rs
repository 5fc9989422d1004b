//! The org tree: state → district → school, from `OrgUnitRegistered`.
//!
//! Roll-ups and permission scopes follow this tree. Registering a unit again updates its kind,
//! name and parent (moving it under its new parent). A parent may be registered after its
//! children; children are kept by parent id, so they appear once the parent does.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use trellis_events::{Envelope, Event, OrgKind};

use crate::live::Stamp;

/// One org unit as last registered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrgUnit {
    pub id: String,
    pub kind: OrgKind,
    pub name: String,
    pub parent: Option<String>,
    /// The registration this state comes from.
    pub registered: Stamp,
}

/// A unit with its children, as the API shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrgNode {
    #[serde(flatten)]
    pub unit: OrgUnit,
    pub children: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OrgTree {
    units: BTreeMap<String, OrgUnit>,
    /// Parent id → child ids in registration order; kept apart from `units` so that a child
    /// registered before its parent is already in place when the parent arrives.
    children: BTreeMap<String, Vec<String>>,
}

impl OrgTree {
    pub fn apply(&mut self, env: &Envelope) {
        let Event::OrgUnitRegistered {
            org,
            kind,
            name,
            parent,
        } = &env.event
        else {
            return;
        };
        let old_parent = self.units.get(org).map(|u| u.parent.clone());
        if old_parent.as_ref() != Some(parent) {
            if let Some(Some(old)) = &old_parent {
                if let Some(siblings) = self.children.get_mut(old) {
                    siblings.retain(|c| c != org);
                }
            }
            if let Some(p) = parent {
                self.children
                    .entry(p.clone())
                    .or_default()
                    .push(org.clone());
            }
        }
        self.units.insert(
            org.clone(),
            OrgUnit {
                id: org.clone(),
                kind: *kind,
                name: name.clone(),
                parent: parent.clone(),
                registered: Stamp::of(env),
            },
        );
    }

    pub fn unit(&self, id: &str) -> Option<&OrgUnit> {
        self.units.get(id)
    }

    /// Every unit, by id.
    pub fn units(&self) -> impl Iterator<Item = &OrgUnit> {
        self.units.values()
    }

    /// The ids of the units registered under `id`, in registration order.
    pub fn children(&self, id: &str) -> &[String] {
        self.children.get(id).map_or(&[], Vec::as_slice)
    }

    /// A unit with its children.
    pub fn node(&self, id: &str) -> Option<OrgNode> {
        let unit = self.units.get(id)?.clone();
        let children = self.children(id).to_vec();
        Some(OrgNode { unit, children })
    }

    /// Units with no parent, or whose parent is not registered.
    pub fn roots(&self) -> impl Iterator<Item = &OrgUnit> {
        self.units.values().filter(|u| {
            u.parent
                .as_deref()
                .is_none_or(|p| !self.units.contains_key(p))
        })
    }

    /// Every registered unit below `id`, breadth first.
    ///
    /// The visited set guards against a parent loop in the log (A under B under A), which the
    /// command side should refuse but a fold must survive.
    pub fn descendants(&self, id: &str) -> Vec<&OrgUnit> {
        let mut seen = BTreeSet::from([id]);
        let mut queue = std::collections::VecDeque::from([id]);
        let mut out = Vec::new();
        while let Some(at) = queue.pop_front() {
            for child in self.children(at) {
                if seen.insert(child) {
                    queue.push_back(child);
                    if let Some(u) = self.units.get(child) {
                        out.push(u);
                    }
                }
            }
        }
        out
    }

    /// The schools below `id` (at any depth), in breadth-first order.
    pub fn schools_of(&self, id: &str) -> Vec<&OrgUnit> {
        self.descendants(id)
            .into_iter()
            .filter(|u| u.kind == OrgKind::School)
            .collect()
    }

    /// The chain of parents of `id`, nearest first; stops at a loop or an unknown parent.
    pub fn ancestors(&self, id: &str) -> Vec<&OrgUnit> {
        let mut seen = BTreeSet::from([id]);
        let mut out = Vec::new();
        let mut at = self.units.get(id);
        while let Some(parent) = at.and_then(|u| u.parent.as_deref()) {
            if !seen.insert(parent) {
                break;
            }
            at = self.units.get(parent);
            if let Some(u) = at {
                out.push(u);
            }
        }
        out
    }

    /// Whether `unit` is `ancestor` or lies below it.
    pub fn is_within(&self, unit: &str, ancestor: &str) -> bool {
        unit == ancestor || self.ancestors(unit).iter().any(|u| u.id == ancestor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::Log;

    #[test]
    fn given_a_state_two_districts_and_schools_the_tree_has_kinds_parents_and_children() {
        let mut log = Log::new();
        log.org("st", OrgKind::State, None);
        log.org("d1", OrgKind::District, Some("st"));
        log.org("d2", OrgKind::District, Some("st"));
        log.org("s1", OrgKind::School, Some("d1"));
        log.org("s2", OrgKind::School, Some("d1"));
        let tree = log.fold().documents.org_tree;

        assert_eq!(tree.children("st"), ["d1", "d2"]);
        assert_eq!(tree.unit("s2").map(|u| u.kind), Some(OrgKind::School));
        let node = tree.node("d1").expect("d1 is registered");
        assert_eq!(node.unit.parent.as_deref(), Some("st"));
        assert_eq!(node.children, ["s1", "s2"]);
        let schools: Vec<_> = tree
            .schools_of("st")
            .iter()
            .map(|u| u.id.as_str())
            .collect();
        assert_eq!(schools, ["s1", "s2"]);
        let roots: Vec<_> = tree.roots().map(|u| u.id.as_str()).collect();
        assert_eq!(roots, ["st"]);
        assert!(tree.is_within("s2", "st"));
        assert!(!tree.is_within("s2", "d2"));
    }

    #[test]
    fn given_a_school_registered_again_under_another_district_it_moves() {
        let mut log = Log::new();
        log.org("d1", OrgKind::District, None);
        log.org("d2", OrgKind::District, None);
        log.org("s1", OrgKind::School, Some("d1"));
        log.org("s1", OrgKind::School, Some("d2"));
        let tree = log.fold().documents.org_tree;

        assert!(tree.children("d1").is_empty());
        assert_eq!(tree.children("d2"), ["s1"]);
    }

    #[test]
    fn given_a_parent_loop_the_traversals_end() {
        let mut log = Log::new();
        log.org("a", OrgKind::District, Some("b"));
        log.org("b", OrgKind::District, Some("a"));
        let tree = log.fold().documents.org_tree;

        assert_eq!(tree.descendants("a").len(), 1);
        assert_eq!(tree.ancestors("a").len(), 1);
        assert!(tree.roots().next().is_none());
    }
}
