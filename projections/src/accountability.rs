//! Accountability: for each person, the open goals and milestones they are accountable for
//! (overdue ones and ones due soon picked out), their roles and their RACI assignments; for each
//! org unit, open items nobody known is accountable for and the history of reassignments.
//!
//! The goals and milestones themselves live in the [`Timelines`] (one fold, one place where
//! due dates, statuses and accountable people are derived); this view keeps only an index from
//! people to the items they were ever named for, and queries read the live state through it.
//! An item counts as open while it is neither met, dropped, reached nor missed and its cycle
//! is not closed; its due date follows live reschedules and revisions.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use trellis_events::{Envelope, Event, RaciRole};

use crate::cycle::{Cycle, Item, ItemView, Reassignment};
use crate::documents::{Documents, RoleDefinition};
use crate::live::Stamp;
use crate::name::{FxHashMap, FxHashSet, Interner, Name};
use crate::timeline::Timelines;

/// Items due within this many days of "today" (inclusive) are due soon.
pub const DUE_SOON_DAYS: u64 = 14;

/// A goal or milestone of a cycle.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ItemKey {
    pub cycle: Name,
    pub item: Item,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Accountability {
    /// Person → every item they were ever named for: accountable when set or planned, by a
    /// reassignment, or in a RACI role. A superset on purpose: queries check each item's live
    /// state, so a retraction needs no bookkeeping here. In the order they were named, and
    /// an item may be listed more than once: a naming is a push. A sorted list (a binary
    /// search and an insert in the middle) was a quarter of the views' fold, and a set (a
    /// hash of each key and a probe of a table as large as all of a person's items) still
    /// an eighth; queries drop the repeats and sort what they show.
    by_person: FxHashMap<Name, Vec<ItemKey>>,
}

impl Accountability {
    /// Folds one event; `names` is the interner the views share, and `cycle_id` the event's
    /// cycle id if the caller already holds it shared (else it is looked up in `names`).
    pub fn apply(&mut self, env: &Envelope, cycle_id: Option<&Name>, names: &mut Interner) {
        let (person, cycle, item) = match &env.event {
            Event::GoalSet {
                cycle,
                goal,
                accountable,
                ..
            } => (accountable, cycle, Item::Goal(names.name(goal))),
            Event::MilestonePlanned {
                cycle,
                milestone,
                accountable,
                ..
            } => (accountable, cycle, Item::Milestone(names.name(milestone))),
            Event::AccountableReassigned {
                cycle, item, to, ..
            } => (to, cycle, Item::interned(item, names)),
            Event::RaciAssigned {
                cycle,
                item,
                person,
                ..
            } => (person, cycle, Item::interned(item, names)),
            _ => return,
        };
        let key = ItemKey {
            cycle: cycle_id
                .filter(|id| id.as_str() == cycle.as_str())
                .cloned()
                .unwrap_or_else(|| names.name(cycle)),
            item,
        };
        match self.by_person.get_mut(person.as_str()) {
            // Namings of one item often follow each other (its RACI assignments): listed once.
            Some(items) if items.last() == Some(&key) => {}
            Some(items) => items.push(key),
            None => {
                self.by_person.insert(names.name(person), vec![key]);
            }
        }
    }

    /// What `person` answers for as of `today`.
    pub fn for_person(
        &self,
        timelines: &Timelines,
        documents: &Documents,
        person: &str,
        today: NaiveDate,
    ) -> PersonView {
        let mut open = Vec::new();
        let mut raci = Vec::new();
        let mut seen = FxHashSet::default();
        let named = self.by_person.get(person).into_iter().flatten();
        for key in named.filter(|key| seen.insert(*key)) {
            let Some(cycle) = timelines.cycle(&key.cycle) else {
                continue;
            };
            let Some(view) = cycle.item_view(&key.item) else {
                continue;
            };
            if let Some(people) = cycle.people(&key.item) {
                // The same role given twice is one assignment, dated by the first.
                let mut seen = Vec::new();
                for r in people.raci.iter().filter(|r| r.value.person == person) {
                    if !seen.contains(&r.value.role) {
                        seen.push(r.value.role);
                        raci.push(RaciView {
                            role: r.value.role,
                            since: r.stamp.clone(),
                            item: view.clone(),
                        });
                    }
                }
            }
            if view.accountable == person && is_open(cycle, &view) {
                open.push(view);
            }
        }
        open.sort_by(|a, b| (a.due_on, &a.cycle, &a.item).cmp(&(b.due_on, &b.cycle, &b.item)));
        // In the order they were given, not the index's order: that is the order the person
        // was first named for each item, and a retracted naming would leave it changed.
        raci.sort_by(|a, b| {
            (a.since.position, &a.item.cycle, &a.item.item, a.role).cmp(&(
                b.since.position,
                &b.item.cycle,
                &b.item.item,
                b.role,
            ))
        });
        let soon = today
            .checked_add_days(Days::new(DUE_SOON_DAYS))
            .unwrap_or(today);
        let overdue = open.iter().filter(|i| i.due_on < today).cloned().collect();
        let due_soon = open
            .iter()
            .filter(|i| (today..=soon).contains(&i.due_on))
            .cloned()
            .collect();
        let roles = documents
            .roles_held_by(person)
            .map(|r| HeldRole {
                org: r.org.clone(),
                role: r.role.clone(),
                definition: r.current().map(|d| d.value.clone()),
                since: r
                    .holders()
                    .into_iter()
                    .find(|h| h.value.person() == person)
                    .map(|h| h.stamp.clone()),
            })
            .collect();
        PersonView {
            person: person.to_owned(),
            name: documents.person(person).map(|p| p.name.clone()),
            today,
            open,
            overdue,
            due_soon,
            roles,
            raci,
        }
    }

    /// Open items of `org`'s cycles whose accountable person was never added as a person.
    pub fn unowned(
        &self,
        timelines: &Timelines,
        documents: &Documents,
        org: &str,
    ) -> Vec<ItemView> {
        let mut out = Vec::new();
        for cycle in timelines.cycles_of(org) {
            for item in cycle.items() {
                let Some(view) = cycle.item_view(&item) else {
                    continue;
                };
                if is_open(cycle, &view) && documents.person(&view.accountable).is_none() {
                    out.push(view);
                }
            }
        }
        out
    }

    /// Every live reassignment in `org`'s cycles, in log order.
    pub fn reassignments(&self, timelines: &Timelines, org: &str) -> Vec<ReassignmentView> {
        let mut out = Vec::new();
        for cycle in timelines.cycles_of(org) {
            for item in cycle.items() {
                let Some(people) = cycle.people(&item) else {
                    continue;
                };
                for r in &people.reassignments {
                    out.push(ReassignmentView {
                        cycle: cycle.id.clone(),
                        item: item.clone(),
                        change: r.value.clone(),
                        stamp: r.stamp.clone(),
                    });
                }
            }
        }
        out.sort_by_key(|r| r.stamp.position);
        out
    }
}

fn is_open(cycle: &Cycle, item: &ItemView) -> bool {
    item.status.is_open() && !cycle.is_closed()
}

/// A role someone holds now.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HeldRole {
    pub org: String,
    pub role: String,
    /// Title, definition of success, why, measure; `None` if the role was never defined.
    pub definition: Option<RoleDefinition>,
    /// The assignment that made them a holder.
    pub since: Option<Stamp>,
}

/// A live RACI assignment of a person to an item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RaciView {
    pub role: RaciRole,
    pub since: Stamp,
    pub item: ItemView,
}

/// What one person answers for, as of a day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PersonView {
    pub person: String,
    pub name: Option<String>,
    pub today: NaiveDate,
    /// Open items they are accountable for, by due date.
    pub open: Vec<ItemView>,
    /// Open items due before `today`.
    pub overdue: Vec<ItemView>,
    /// Open items due from `today` to [`DUE_SOON_DAYS`] days after it.
    pub due_soon: Vec<ItemView>,
    pub roles: Vec<HeldRole>,
    pub raci: Vec<RaciView>,
}

/// A change of who is accountable for an item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReassignmentView {
    pub cycle: Name,
    pub item: Item,
    #[serde(flatten)]
    pub change: Reassignment,
    pub stamp: Stamp,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{date, Log};
    use trellis_events::{ItemRef, RaciRole};

    fn ids(items: &[ItemView]) -> Vec<String> {
        items.iter().map(|i| i.item.id().to_string()).collect()
    }

    /// Ann is accountable for goal g1 (due Dec 20) and milestones m1 (Sep 20), m2 (Oct 10),
    /// m3 (Nov 30) of cycle c1 in s1.
    fn anns_cycle() -> Log {
        let mut log = Log::new();
        log.person("ann", "Ann Lee");
        log.open_cycle("c1", "s1", "Literacy push");
        log.goal(
            "c1",
            "g1",
            "Raise reading scores",
            date(2024, 12, 20),
            "ann",
        );
        log.milestone("c1", "g1", "m1", "Baseline test", date(2024, 9, 20), "ann");
        log.milestone("c1", "g1", "m2", "PLC launch", date(2024, 10, 10), "ann");
        log.milestone(
            "c1",
            "g1",
            "m3",
            "Mid-year check",
            date(2024, 11, 30),
            "ann",
        );
        log
    }

    #[test]
    fn given_open_items_the_person_view_lists_overdue_and_due_within_14_days() {
        let log = anns_cycle();
        let view = log.fold().person_view("ann", date(2024, 10, 1));

        assert_eq!(view.name.as_deref(), Some("Ann Lee"));
        assert_eq!(ids(&view.open), ["m1", "m2", "m3", "g1"]);
        assert_eq!(ids(&view.overdue), ["m1"]);
        assert_eq!(ids(&view.due_soon), ["m2"]);
    }

    /// The index lists a person's namings as they come, an item again when other namings
    /// came between; what the person sees lists each item and each role once.
    #[test]
    fn given_an_item_named_again_after_others_it_is_shown_once() {
        let mut log = anns_cycle();
        let g1 = || ItemRef::Goal("g1".into());
        let m2 = || ItemRef::Milestone("m2".into());
        log.raci("c1", g1(), RaciRole::Consulted, "ann");
        log.raci("c1", m2(), RaciRole::Informed, "ann");
        log.raci("c1", g1(), RaciRole::Consulted, "ann");
        log.raci("c1", g1(), RaciRole::Informed, "ann");
        log.reassign("c1", m2(), "ann", "ann", "still hers");
        let view = log.fold().person_view("ann", date(2024, 10, 1));

        assert_eq!(ids(&view.open), ["m1", "m2", "m3", "g1"]);
        let raci: Vec<_> = view
            .raci
            .iter()
            .map(|r| (r.item.item.id().to_string(), r.role))
            .collect();
        assert_eq!(
            raci,
            [
                ("g1".to_string(), RaciRole::Consulted),
                ("m2".to_string(), RaciRole::Informed),
                ("g1".to_string(), RaciRole::Informed),
            ]
        );
    }

    #[test]
    fn given_an_item_due_today_or_in_exactly_14_days_it_is_due_soon_and_not_overdue() {
        let p = anns_cycle().fold();
        let view = p.person_view("ann", date(2024, 9, 20));
        assert!(view.overdue.is_empty());
        assert_eq!(ids(&view.due_soon), ["m1"], "due today");

        let view = p.person_view("ann", date(2024, 9, 26));
        assert_eq!(ids(&view.due_soon), ["m2"], "due in exactly 14 days");
        assert_eq!(ids(&view.overdue), ["m1"]);
    }

    #[test]
    fn given_a_milestone_reached_and_a_goal_dropped_they_are_no_longer_open() {
        let mut log = anns_cycle();
        log.reached("c1", "m1", "done");
        log.goal_dropped("c1", "g1", "superseded");
        let view = log.fold().person_view("ann", date(2024, 10, 1));

        assert_eq!(ids(&view.open), ["m2", "m3"]);
        assert!(view.overdue.is_empty());
    }

    #[test]
    fn given_the_reached_milestone_retracted_it_is_overdue_again() {
        let mut log = anns_cycle();
        let reached = log.reached("c1", "m1", "done");
        log.retract("cycle-c1", reached, "not actually done");
        let view = log.fold().person_view("ann", date(2024, 10, 1));

        assert_eq!(ids(&view.overdue), ["m1"]);
    }

    #[test]
    fn given_a_reschedule_the_due_date_follows_it_and_retracting_it_restores_the_plan() {
        let mut log = anns_cycle();
        let moved = log.reschedule(
            "c1",
            "m1",
            date(2024, 9, 20),
            date(2024, 10, 5),
            "late data",
        );
        let view = log.fold().person_view("ann", date(2024, 10, 1));
        assert!(view.overdue.is_empty());
        assert_eq!(ids(&view.due_soon), ["m1", "m2"]);

        log.retract("cycle-c1", moved, "the date did not move after all");
        let view = log.fold().person_view("ann", date(2024, 10, 1));
        assert_eq!(ids(&view.overdue), ["m1"]);
    }

    #[test]
    fn given_a_reassignment_the_item_moves_to_the_new_person_and_the_org_keeps_the_history() {
        let mut log = anns_cycle();
        log.person("bob", "Bob Ray");
        log.reassign(
            "c1",
            ItemRef::Milestone("m2".into()),
            "ann",
            "bob",
            "ann on leave",
        );
        let p = log.fold();

        assert_eq!(
            ids(&p.person_view("ann", date(2024, 10, 1)).open),
            ["m1", "m3", "g1"]
        );
        assert_eq!(
            ids(&p.person_view("bob", date(2024, 10, 1)).due_soon),
            ["m2"]
        );
        let history = p.accountability.reassignments(&p.timelines, "s1");
        assert_eq!(history.len(), 1);
        assert_eq!(
            (
                history[0].change.from.as_str(),
                history[0].change.to.as_str()
            ),
            ("ann", "bob")
        );
        assert_eq!(history[0].change.reason, "ann on leave");
        assert_eq!(history[0].stamp.occurred_on, date(2024, 9, 2));
    }

    #[test]
    fn given_a_reassignment_retracted_the_item_returns_and_leaves_the_history() {
        let mut log = anns_cycle();
        let r = log.reassign(
            "c1",
            ItemRef::Milestone("m2".into()),
            "ann",
            "bob",
            "mistake",
        );
        log.retract("cycle-c1", r, "wrong milestone");
        let p = log.fold();

        assert_eq!(
            ids(&p.person_view("ann", date(2024, 10, 1)).due_soon),
            ["m2"]
        );
        assert!(p.person_view("bob", date(2024, 10, 1)).open.is_empty());
        assert!(p
            .accountability
            .reassignments(&p.timelines, "s1")
            .is_empty());
    }

    #[test]
    fn given_an_item_whose_accountable_person_was_never_added_it_is_unowned() {
        let mut log = anns_cycle();
        log.milestone("c1", "g1", "m4", "Family night", date(2024, 10, 20), "zed");
        let p = log.fold();

        let unowned = p.accountability.unowned(&p.timelines, &p.documents, "s1");
        assert_eq!(ids(&unowned), ["m4"]);
    }

    #[test]
    fn given_roles_and_raci_the_person_view_lists_them() {
        let mut log = anns_cycle();
        log.role_defined(
            "s1",
            "principal",
            "Principal",
            "Every student reads by grade 3",
        );
        log.role_assigned("s1", "principal", "ann");
        log.raci("c1", ItemRef::Goal("g1".into()), RaciRole::Informed, "ann");
        let raci = log.raci(
            "c1",
            ItemRef::Milestone("m2".into()),
            RaciRole::Consulted,
            "ann",
        );
        log.retract("cycle-c1", raci, "not needed");
        let view = log.fold().person_view("ann", date(2024, 10, 1));

        assert_eq!(view.roles.len(), 1);
        let def = view.roles[0]
            .definition
            .as_ref()
            .expect("the role is defined");
        assert_eq!(def.success, "Every student reads by grade 3");
        assert_eq!(view.raci.len(), 1);
        assert_eq!(view.raci[0].role, RaciRole::Informed);
        assert_eq!(view.raci[0].item.item, Item::goal("g1"));
    }

    #[test]
    fn given_a_closed_cycle_its_items_are_no_longer_open() {
        let mut log = anns_cycle();
        log.close_cycle("c1", "done for the year");
        let view = log.fold().person_view("ann", date(2024, 10, 1));

        assert!(view.open.is_empty() && view.overdue.is_empty());
    }
}
