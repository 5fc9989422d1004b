//! One improvement cycle as the timeline holds it: its header (org, title, lead, dates, phase,
//! status, summary), its goals and milestones with their live histories, and the entries of
//! its timeline.
//!
//! Goals and milestones keep the facts that change them as [`Live`] lists and derive their
//! current statement, due date, status and accountable person from those lists, so a
//! retraction (of a reschedule, a reached milestone, a reassignment…) undoes exactly one fact.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use trellis_events::{Envelope, IndicatorTarget, ItemRef, MeasureDef, Phase, RaciRole};

use crate::live::{Live, Stamp, Stamped};
use crate::timeline::{Entries, Entry, Fact, TimelineEntry};

/// What a goal says at one version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GoalVersion {
    pub statement: String,
    pub target: Option<IndicatorTarget>,
    pub measure: Option<MeasureDef>,
    pub due_on: NaiveDate,
    /// The part of the vision the goal serves.
    pub serves: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Revision {
    pub version: GoalVersion,
    pub reason: String,
}

/// How a goal or milestone ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Met { evidence: String },
    Dropped { reason: String },
    Reached { evidence: String },
    Missed { reason: String },
}

/// Where a goal or milestone stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Open,
    Met,
    Dropped,
    Reached,
    Missed,
}

impl Status {
    fn of(outcomes: &Live<Outcome>) -> Status {
        match outcomes.last().map(|o| &o.value) {
            None => Status::Open,
            Some(Outcome::Met { .. }) => Status::Met,
            Some(Outcome::Dropped { .. }) => Status::Dropped,
            Some(Outcome::Reached { .. }) => Status::Reached,
            Some(Outcome::Missed { .. }) => Status::Missed,
        }
    }

    pub fn is_open(self) -> bool {
        self == Status::Open
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reassignment {
    pub from: String,
    pub to: String,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Raci {
    pub role: RaciRole,
    pub person: String,
}

/// Who answers for a goal or milestone.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct People {
    /// The accountable person named when the item was set or planned.
    pub initial: String,
    pub reassignments: Live<Reassignment>,
    pub raci: Live<Raci>,
}

impl People {
    fn new(accountable: &str) -> People {
        People {
            initial: accountable.to_owned(),
            reassignments: Live::default(),
            raci: Live::default(),
        }
    }

    /// The accountable person: the last live reassignment's, else the one first named.
    pub fn accountable(&self) -> &str {
        self.reassignments
            .last()
            .map_or(&self.initial, |r| &r.value.to)
    }

    fn retract(&mut self, position: u64) -> bool {
        self.reassignments.retract(position).is_some() || self.raci.retract(position).is_some()
    }
}

/// One data point of a goal's measure; the fact itself is in the timeline.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeasurePoint {
    pub position: u64,
    pub occurred_on: NaiveDate,
    pub value: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Goal {
    pub id: String,
    /// The goal as first set.
    pub set: Stamped<GoalVersion>,
    pub revisions: Live<Revision>,
    pub outcomes: Live<Outcome>,
    pub people: People,
    /// Live measure points in log order.
    pub measures: Vec<MeasurePoint>,
}

impl Goal {
    /// The goal's current version: its last live revision, else as set.
    pub fn current(&self) -> &GoalVersion {
        self.revisions
            .last()
            .map_or(&self.set.value, |r| &r.value.version)
    }

    /// The version a revision at `position` replaced.
    pub fn version_before(&self, position: u64) -> &GoalVersion {
        self.revisions
            .before(position)
            .map_or(&self.set.value, |r| &r.value.version)
    }

    pub fn status(&self) -> Status {
        Status::of(&self.outcomes)
    }

    /// The most recent data point by the day it was measured.
    pub fn latest_measure(&self) -> Option<MeasurePoint> {
        self.measures
            .iter()
            .max_by_key(|m| (m.occurred_on, m.position))
            .copied()
    }

    fn retract(&mut self, position: u64) -> bool {
        if let Some(i) = self.measures.iter().position(|m| m.position == position) {
            self.measures.remove(i);
            return true;
        }
        self.revisions.retract(position).is_some()
            || self.outcomes.retract(position).is_some()
            || self.people.retract(position)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reschedule {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Milestone {
    pub id: String,
    pub goal: String,
    pub title: String,
    /// The due date as planned; see [`Milestone::due_on`] for the current one.
    pub planned_due_on: NaiveDate,
    pub measure: String,
    pub planned: Stamp,
    pub reschedules: Live<Reschedule>,
    pub outcomes: Live<Outcome>,
    pub people: People,
}

impl Milestone {
    /// The due date after the last live reschedule.
    pub fn due_on(&self) -> NaiveDate {
        self.reschedules
            .last()
            .map_or(self.planned_due_on, |r| r.value.to)
    }

    pub fn status(&self) -> Status {
        Status::of(&self.outcomes)
    }

    fn retract(&mut self, position: u64) -> bool {
        self.reschedules.retract(position).is_some()
            || self.outcomes.retract(position).is_some()
            || self.people.retract(position)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseChange {
    pub from: Phase,
    pub to: Phase,
}

/// What the cycle holds, as it was opened.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Opening {
    pub org: String,
    pub title: String,
    pub rubric: String,
    pub rubric_version: u32,
    pub focus: Vec<String>,
    pub lead: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cycle {
    pub id: String,
    pub opening: Opening,
    pub opened: Stamp,
    pub phases: Live<PhaseChange>,
    pub closed: Option<Stamped<String>>,
    pub goals: BTreeMap<String, Goal>,
    pub milestones: BTreeMap<String, Milestone>,
    entries: Entries,
}

/// A goal or milestone of a cycle, as accountability lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ItemView {
    pub cycle: String,
    pub cycle_title: String,
    pub org: String,
    pub item: ItemRef,
    /// The goal's statement or the milestone's title.
    pub title: String,
    pub due_on: NaiveDate,
    pub accountable: String,
    pub status: Status,
}

impl Cycle {
    pub(crate) fn open(id: &str, opening: Opening, env: &Envelope) -> Cycle {
        let mut cycle = Cycle {
            id: id.to_owned(),
            opened: Stamp::of(env),
            phases: Live::default(),
            closed: None,
            goals: BTreeMap::new(),
            milestones: BTreeMap::new(),
            entries: Entries::default(),
            opening,
        };
        cycle.apply(env);
        cycle
    }

    /// Folds one fact of this cycle into its records and its timeline.
    pub(crate) fn apply(&mut self, env: &Envelope) {
        let Some(fact) = Fact::from_event(&env.event) else {
            return;
        };
        let stamp = Stamp::of(env);
        self.track(&stamp, &fact);
        self.entries.insert(Entry { stamp, fact });
    }

    /// Removes the entry at (`occurred_on`, `position`) and undoes what it did to the records.
    pub(crate) fn retract(&mut self, occurred_on: NaiveDate, position: u64) -> Option<Entry> {
        let entry = self.entries.remove(occurred_on, position)?;
        self.untrack(position, &entry.fact);
        Some(entry)
    }

    /// Adds an entry that only the timeline shows (a retraction).
    pub(crate) fn note(&mut self, entry: Entry) {
        self.entries.insert(entry);
    }

    fn track(&mut self, stamp: &Stamp, fact: &Fact) {
        match fact {
            Fact::CyclePhaseChanged { from, to } => {
                let change = PhaseChange {
                    from: *from,
                    to: *to,
                };
                self.phases.push(stamp.clone(), change);
            }
            Fact::CycleClosed { summary } => {
                self.closed = Some(Stamped {
                    stamp: stamp.clone(),
                    value: summary.clone(),
                });
            }
            Fact::GoalSet(g) => {
                if !self.goals.contains_key(&g.goal) {
                    let goal = Goal {
                        id: g.goal.clone(),
                        set: Stamped {
                            stamp: stamp.clone(),
                            value: g.version.clone(),
                        },
                        revisions: Live::default(),
                        outcomes: Live::default(),
                        people: People::new(&g.accountable),
                        measures: Vec::new(),
                    };
                    self.goals.insert(g.goal.clone(), goal);
                }
            }
            Fact::GoalRevised(r) => {
                if let Some(goal) = self.goals.get_mut(&r.goal) {
                    let revision = Revision {
                        version: r.version.clone(),
                        reason: r.reason.clone(),
                    };
                    goal.revisions.push(stamp.clone(), revision);
                }
            }
            Fact::GoalMet { goal, evidence } => {
                let outcome = Outcome::Met {
                    evidence: evidence.clone(),
                };
                if let Some(goal) = self.goals.get_mut(goal) {
                    goal.outcomes.push(stamp.clone(), outcome);
                }
            }
            Fact::GoalDropped { goal, reason } => {
                let outcome = Outcome::Dropped {
                    reason: reason.clone(),
                };
                if let Some(goal) = self.goals.get_mut(goal) {
                    goal.outcomes.push(stamp.clone(), outcome);
                }
            }
            Fact::MeasureRecorded { goal, value, .. } => {
                if let Some(goal) = self.goals.get_mut(goal) {
                    goal.measures.push(MeasurePoint {
                        position: stamp.position,
                        occurred_on: stamp.occurred_on,
                        value: *value,
                    });
                }
            }
            Fact::MilestonePlanned(m) => {
                if !self.milestones.contains_key(&m.milestone) {
                    let milestone = Milestone {
                        id: m.milestone.clone(),
                        goal: m.goal.clone(),
                        title: m.title.clone(),
                        planned_due_on: m.due_on,
                        measure: m.measure.clone(),
                        planned: stamp.clone(),
                        reschedules: Live::default(),
                        outcomes: Live::default(),
                        people: People::new(&m.accountable),
                    };
                    self.milestones.insert(m.milestone.clone(), milestone);
                }
            }
            Fact::MilestoneRescheduled {
                milestone,
                from,
                to,
                reason,
            } => {
                let change = Reschedule {
                    from: *from,
                    to: *to,
                    reason: reason.clone(),
                };
                if let Some(m) = self.milestones.get_mut(milestone) {
                    m.reschedules.push(stamp.clone(), change);
                }
            }
            Fact::MilestoneReached {
                milestone,
                evidence,
            } => {
                let outcome = Outcome::Reached {
                    evidence: evidence.clone(),
                };
                if let Some(m) = self.milestones.get_mut(milestone) {
                    m.outcomes.push(stamp.clone(), outcome);
                }
            }
            Fact::MilestoneMissed { milestone, reason } => {
                let outcome = Outcome::Missed {
                    reason: reason.clone(),
                };
                if let Some(m) = self.milestones.get_mut(milestone) {
                    m.outcomes.push(stamp.clone(), outcome);
                }
            }
            Fact::RaciAssigned { item, role, person } => {
                let raci = Raci {
                    role: *role,
                    person: person.clone(),
                };
                if let Some(people) = self.people_mut(item) {
                    people.raci.push(stamp.clone(), raci);
                }
            }
            Fact::AccountableReassigned(r) => {
                let change = Reassignment {
                    from: r.from.clone(),
                    to: r.to.clone(),
                    reason: r.reason.clone(),
                };
                if let Some(people) = self.people_mut(&r.item) {
                    people.reassignments.push(stamp.clone(), change);
                }
            }
            Fact::CycleOpened { .. }
            | Fact::IndicatorRated(_)
            | Fact::AdjustmentLogged(_)
            | Fact::CelebrationLogged(_)
            | Fact::ReflectionAnswered { .. }
            | Fact::ReflectionRevised { .. }
            | Fact::EventRetracted { .. } => {}
        }
    }

    fn untrack(&mut self, position: u64, fact: &Fact) {
        match fact {
            Fact::CyclePhaseChanged { .. } => {
                self.phases.retract(position);
            }
            Fact::GoalRevised(r) => self.retract_goal(&r.goal, position),
            Fact::GoalMet { goal, .. }
            | Fact::GoalDropped { goal, .. }
            | Fact::MeasureRecorded { goal, .. } => self.retract_goal(goal, position),
            Fact::MilestoneRescheduled { milestone, .. }
            | Fact::MilestoneReached { milestone, .. }
            | Fact::MilestoneMissed { milestone, .. } => {
                if let Some(m) = self.milestones.get_mut(milestone) {
                    m.retract(position);
                }
            }
            Fact::RaciAssigned { item, .. } => self.retract_people(item, position),
            Fact::AccountableReassigned(r) => self.retract_people(&r.item, position),
            _ => {}
        }
    }

    fn retract_goal(&mut self, goal: &str, position: u64) {
        if let Some(g) = self.goals.get_mut(goal) {
            g.retract(position);
        }
    }

    fn retract_people(&mut self, item: &ItemRef, position: u64) {
        if let Some(p) = self.people_mut(item) {
            p.retract(position);
        }
    }

    fn people_mut(&mut self, item: &ItemRef) -> Option<&mut People> {
        match item {
            ItemRef::Goal(id) => self.goals.get_mut(id).map(|g| &mut g.people),
            ItemRef::Milestone(id) => self.milestones.get_mut(id).map(|m| &mut m.people),
        }
    }

    /// The current phase: the last live phase change's, else plan.
    pub fn phase(&self) -> Phase {
        self.phases.last().map_or(Phase::Plan, |c| c.value.to)
    }

    pub fn is_closed(&self) -> bool {
        self.closed.is_some()
    }

    /// The header as the API shows it.
    pub fn header(&self) -> CycleHeader {
        CycleHeader {
            id: self.id.clone(),
            opening: self.opening.clone(),
            phase: self.phase(),
            status: if self.is_closed() {
                CycleStatus::Closed
            } else {
                CycleStatus::Open
            },
            summary: self.closed.as_ref().map(|c| c.value.clone()),
            opened: self.opened.clone(),
            closed: self.closed.as_ref().map(|c| c.stamp.clone()),
        }
    }

    /// The goals with their current state, in the order they were set.
    pub fn goal_views(&self) -> Vec<GoalView> {
        let mut goals: Vec<_> = self.goals.values().collect();
        goals.sort_by_key(|g| g.set.stamp.position);
        goals
            .into_iter()
            .map(|g| {
                let v = g.current();
                GoalView {
                    id: g.id.clone(),
                    statement: v.statement.clone(),
                    target: v.target.clone(),
                    measure: v.measure.clone(),
                    due_on: v.due_on,
                    serves: v.serves.clone(),
                    accountable: g.people.accountable().to_owned(),
                    status: g.status(),
                    latest_measure: g.latest_measure(),
                    revisions: g.revisions.len(),
                }
            })
            .collect()
    }

    /// The milestones with their current state, in the order they were planned.
    pub fn milestone_views(&self) -> Vec<MilestoneView> {
        let mut milestones: Vec<_> = self.milestones.values().collect();
        milestones.sort_by_key(|m| m.planned.position);
        milestones
            .into_iter()
            .map(|m| MilestoneView {
                id: m.id.clone(),
                goal: m.goal.clone(),
                title: m.title.clone(),
                due_on: m.due_on(),
                planned_due_on: m.planned_due_on,
                accountable: m.people.accountable().to_owned(),
                measure: m.measure.clone(),
                status: m.status(),
                reschedules: m.reschedules.len(),
            })
            .collect()
    }

    /// The current answer to each reflection question: the latest live answer or revision.
    pub fn reflections(&self) -> Vec<Answer> {
        let mut latest: BTreeMap<&str, (&Stamp, &str)> = BTreeMap::new();
        for e in self.entries.iter() {
            if let Fact::ReflectionAnswered { question, answer }
            | Fact::ReflectionRevised {
                question, answer, ..
            } = &e.fact
            {
                let newer = latest
                    .get(question.as_str())
                    .is_none_or(|(s, _)| s.position < e.stamp.position);
                if newer {
                    latest.insert(question, (&e.stamp, answer));
                }
            }
        }
        latest
            .into_iter()
            .map(|(q, (stamp, a))| Answer {
                question: q.to_owned(),
                answer: a.to_owned(),
                stamp: stamp.clone(),
            })
            .collect()
    }

    /// The stored entries in timeline order: by `occurred_on`, ties by position.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter()
    }

    /// The timeline as the API shows it: every live fact in the order it happened, each with
    /// a one-line summary.
    pub fn timeline(&self) -> Vec<TimelineEntry> {
        self.entries
            .iter()
            .map(|e| TimelineEntry::new(e, Some(self)))
            .collect()
    }

    /// Accountability's view of a goal or milestone.
    pub fn item_view(&self, item: &ItemRef) -> Option<ItemView> {
        let (title, due_on, people, status) = match item {
            ItemRef::Goal(id) => {
                let g = self.goals.get(id)?;
                let v = g.current();
                (&v.statement, v.due_on, &g.people, g.status())
            }
            ItemRef::Milestone(id) => {
                let m = self.milestones.get(id)?;
                (&m.title, m.due_on(), &m.people, m.status())
            }
        };
        Some(ItemView {
            cycle: self.id.clone(),
            cycle_title: self.opening.title.clone(),
            org: self.opening.org.clone(),
            item: item.clone(),
            title: title.clone(),
            due_on,
            accountable: people.accountable().to_owned(),
            status,
        })
    }

    /// Who answers for a goal or milestone.
    pub fn people(&self, item: &ItemRef) -> Option<&People> {
        match item {
            ItemRef::Goal(id) => self.goals.get(id).map(|g| &g.people),
            ItemRef::Milestone(id) => self.milestones.get(id).map(|m| &m.people),
        }
    }

    /// Every goal then every milestone of the cycle.
    pub fn items(&self) -> impl Iterator<Item = ItemRef> + '_ {
        let goals = self.goals.keys().map(|g| ItemRef::Goal(g.clone()));
        let milestones = self
            .milestones
            .keys()
            .map(|m| ItemRef::Milestone(m.clone()));
        goals.chain(milestones)
    }

    /// A short name for an item in summaries: its title, else its id.
    pub(crate) fn item_name(&self, item: &ItemRef) -> Option<&str> {
        match item {
            ItemRef::Goal(id) => self.goal_name(id),
            ItemRef::Milestone(id) => self.milestone_name(id),
        }
    }

    pub(crate) fn goal_name(&self, id: &str) -> Option<&str> {
        self.goals.get(id).map(|g| g.current().statement.as_str())
    }

    pub(crate) fn milestone_name(&self, id: &str) -> Option<&str> {
        self.milestones.get(id).map(|m| m.title.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CycleStatus {
    Open,
    Closed,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CycleHeader {
    pub id: String,
    #[serde(flatten)]
    pub opening: Opening,
    pub phase: Phase,
    pub status: CycleStatus,
    /// The closing summary.
    pub summary: Option<String>,
    pub opened: Stamp,
    pub closed: Option<Stamp>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GoalView {
    pub id: String,
    pub statement: String,
    pub target: Option<IndicatorTarget>,
    pub measure: Option<MeasureDef>,
    pub due_on: NaiveDate,
    pub serves: Option<String>,
    pub accountable: String,
    pub status: Status,
    pub latest_measure: Option<MeasurePoint>,
    /// How many live revisions it has had.
    pub revisions: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MilestoneView {
    pub id: String,
    pub goal: String,
    pub title: String,
    pub due_on: NaiveDate,
    pub planned_due_on: NaiveDate,
    pub accountable: String,
    pub measure: String,
    pub status: Status,
    pub reschedules: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub question: String,
    pub answer: String,
    pub stamp: Stamp,
}
