//! One improvement cycle as the timeline holds it: its header (org, title, lead, dates, phase,
//! status, summary), its goals and milestones with their live histories, its reflections, and
//! (when [`Entries::Kept`]) the entries of its timeline.
//!
//! Phases, the closing, goals, milestones and reflection answers keep the facts that change
//! them as [`Live`] lists and derive their current state from those lists, so a retraction (of
//! a reschedule, a reached milestone, a reassignment, an answer, the closing…) undoes exactly
//! one fact: a retracted closing leaves the cycle open, as if it had never been closed. A
//! retraction finds that fact by its position in those lists, never through the entries, so
//! it is as exact when the entries are not kept.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use trellis_events::{Envelope, Event, IndicatorTarget, ItemRef, MeasureDef, Phase, RaciRole};

use crate::by_id::ById;
use crate::live::{Live, Stamp, Stamped};
use crate::name::{Interner, Name};
use crate::timeline::{
    Entries, Entry, Fact, GoalRevised, GoalSet, MilestonePlanned, Reassigned, TimelineEntry,
};

/// A goal or a milestone of a cycle: the events' `ItemRef`, with a shared id. It serializes
/// as `ItemRef` does.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Item {
    Goal(Name),
    Milestone(Name),
}

impl Item {
    pub fn goal(id: &str) -> Item {
        Item::Goal(Name::new(id))
    }

    pub fn milestone(id: &str) -> Item {
        Item::Milestone(Name::new(id))
    }

    pub(crate) fn interned(item: &ItemRef, names: &mut Interner) -> Item {
        match item {
            ItemRef::Goal(id) => Item::Goal(names.name(id)),
            ItemRef::Milestone(id) => Item::Milestone(names.name(id)),
        }
    }

    pub fn id(&self) -> &Name {
        match self {
            Item::Goal(id) | Item::Milestone(id) => id,
        }
    }
}

/// What a goal says at one version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GoalVersion {
    pub statement: String,
    pub target: Option<IndicatorTarget>,
    pub measure: Option<MeasureDef>,
    #[serde(with = "crate::dates::day")]
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
    pub from: Name,
    pub to: Name,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Raci {
    pub role: RaciRole,
    pub person: Name,
}

/// Who answers for a goal or milestone.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct People {
    /// The accountable person named when the item was set or planned.
    pub initial: Name,
    pub reassignments: Live<Reassignment>,
    pub raci: Live<Raci>,
}

impl People {
    fn new(accountable: Name) -> People {
        People {
            initial: accountable,
            reassignments: Live::default(),
            raci: Live::default(),
        }
    }

    /// The accountable person: the last live reassignment's, else the one first named.
    pub fn accountable(&self) -> &Name {
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
    #[serde(with = "crate::dates::day")]
    pub occurred_on: NaiveDate,
    pub value: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Goal {
    pub id: Name,
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
    #[serde(with = "crate::dates::day")]
    pub from: NaiveDate,
    #[serde(with = "crate::dates::day")]
    pub to: NaiveDate,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Milestone {
    pub id: Name,
    pub goal: Name,
    pub title: String,
    /// The due date as planned; see [`Milestone::due_on`] for the current one.
    #[serde(with = "crate::dates::day")]
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
    pub org: Name,
    pub title: String,
    pub rubric: Name,
    pub rubric_version: u32,
    pub focus: Vec<String>,
    pub lead: Name,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cycle {
    pub id: Name,
    pub opening: Opening,
    pub opened: Stamp,
    pub phases: Live<PhaseChange>,
    /// The live closings with their summaries: one while the cycle is closed, none while it
    /// is open (retracting the closing reopens it).
    pub closings: Live<String>,
    /// In the order they were set or planned (see [`ById`] for why not a hash map).
    pub goals: ById<Name, Goal>,
    pub milestones: ById<Name, Milestone>,
    /// The live answers to each reflection question (answers and revisions), in log order.
    pub answers: BTreeMap<Name, Live<String>>,
    /// Every live fact and every retraction in log order (so a fact is a push and a
    /// retraction a binary search), when [`Entries::Kept`]; empty otherwise.
    /// [`Cycle::timeline`] puts them in the order they happened when asked.
    entries: Vec<Entry>,
}

/// A goal or milestone of a cycle, as accountability lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ItemView {
    pub cycle: Name,
    pub cycle_title: String,
    pub org: Name,
    pub item: Item,
    /// The goal's statement or the milestone's title.
    pub title: String,
    pub due_on: NaiveDate,
    pub accountable: Name,
    pub status: Status,
}

impl Cycle {
    pub(crate) fn open(
        id: Name,
        opening: Opening,
        env: &Envelope,
        entries: Entries,
        names: &mut Interner,
    ) -> Cycle {
        let mut cycle = Cycle {
            id,
            opened: Stamp::interned(env, names),
            phases: Live::default(),
            closings: Live::default(),
            goals: ById::new(),
            milestones: ById::new(),
            answers: BTreeMap::new(),
            entries: Vec::new(),
            opening,
        };
        cycle.apply(env, entries, names);
        cycle
    }

    /// Folds one fact of this cycle into its records and, if kept, its timeline.
    pub(crate) fn apply(&mut self, env: &Envelope, entries: Entries, names: &mut Interner) {
        if entries == Entries::Skipped {
            match &env.event {
                // A quarter of a log; its record needs neither a fact nor a stamp.
                Event::MeasureRecorded { goal, value, .. } => {
                    return self.measure(goal, env.position, env.occurred_on, *value);
                }
                event if !shapes_records(event) => return,
                _ => {}
            }
        }
        let Some(fact) = Fact::from_event(&env.event, names) else {
            return;
        };
        let stamp = Stamp::interned(env, names);
        if entries == Entries::Kept {
            self.track(stamp.clone(), fact.clone());
            self.note(Entry { stamp, fact });
        } else {
            self.track(stamp, fact);
        }
    }

    /// Undoes what the fact at `position` did to the records and removes its entry,
    /// answering the entry if there was one (never when entries are not kept).
    pub(crate) fn retract(&mut self, position: u64) -> Option<Entry> {
        self.untrack(position);
        let at = self
            .entries
            .binary_search_by_key(&position, |e| e.stamp.position)
            .ok()?;
        Some(self.entries.remove(at))
    }

    /// Adds an entry; entries arrive in log order, so this is a push.
    pub(crate) fn note(&mut self, entry: Entry) {
        let position = entry.stamp.position;
        match self.entries.last() {
            Some(last) if last.stamp.position >= position => {
                // Only when fed out of order; keep the log order anyway.
                let at = self
                    .entries
                    .partition_point(|e| e.stamp.position < position);
                self.entries.insert(at, entry);
            }
            _ => self.entries.push(entry),
        }
    }

    /// Records what `fact` changes. It takes the fact and its stamp by value: without
    /// timeline entries nothing else needs them, so their texts and names move into the
    /// records instead of being copied and then dropped (half of all events carry a text).
    fn track(&mut self, stamp: Stamp, fact: Fact) {
        match fact {
            Fact::CyclePhaseChanged { from, to } => {
                self.phases.push(stamp, PhaseChange { from, to });
            }
            Fact::CycleClosed { summary } => {
                self.closings.push(stamp, summary);
            }
            Fact::GoalSet(g) => {
                let GoalSet {
                    goal: id,
                    version,
                    accountable,
                } = *g;
                if !self.goals.contains_key(&id) {
                    let goal = Goal {
                        id: id.clone(),
                        set: Stamped {
                            stamp,
                            value: version,
                        },
                        revisions: Live::default(),
                        outcomes: Live::default(),
                        people: People::new(accountable),
                        measures: Vec::new(),
                    };
                    self.goals.insert(id, goal);
                }
            }
            Fact::GoalRevised(r) => {
                let GoalRevised {
                    goal,
                    version,
                    reason,
                } = *r;
                if let Some(goal) = self.goals.get_mut(&goal) {
                    goal.revisions.push(stamp, Revision { version, reason });
                }
            }
            Fact::GoalMet { goal, evidence } => {
                if let Some(goal) = self.goals.get_mut(&goal) {
                    goal.outcomes.push(stamp, Outcome::Met { evidence });
                }
            }
            Fact::GoalDropped { goal, reason } => {
                if let Some(goal) = self.goals.get_mut(&goal) {
                    goal.outcomes.push(stamp, Outcome::Dropped { reason });
                }
            }
            Fact::MeasureRecorded { goal, value, .. } => {
                self.measure(&goal, stamp.position, stamp.occurred_on, value);
            }
            Fact::MilestonePlanned(m) => {
                let MilestonePlanned {
                    goal,
                    milestone: id,
                    title,
                    due_on,
                    accountable,
                    measure,
                } = *m;
                if !self.milestones.contains_key(&id) {
                    let milestone = Milestone {
                        id: id.clone(),
                        goal,
                        title,
                        planned_due_on: due_on,
                        measure,
                        planned: stamp,
                        reschedules: Live::default(),
                        outcomes: Live::default(),
                        people: People::new(accountable),
                    };
                    self.milestones.insert(id, milestone);
                }
            }
            Fact::MilestoneRescheduled {
                milestone,
                from,
                to,
                reason,
            } => {
                if let Some(m) = self.milestones.get_mut(&milestone) {
                    m.reschedules.push(stamp, Reschedule { from, to, reason });
                }
            }
            Fact::MilestoneReached {
                milestone,
                evidence,
            } => {
                if let Some(m) = self.milestones.get_mut(&milestone) {
                    m.outcomes.push(stamp, Outcome::Reached { evidence });
                }
            }
            Fact::MilestoneMissed { milestone, reason } => {
                if let Some(m) = self.milestones.get_mut(&milestone) {
                    m.outcomes.push(stamp, Outcome::Missed { reason });
                }
            }
            Fact::RaciAssigned { item, role, person } => {
                if let Some(people) = self.people_mut(&item) {
                    people.raci.push(stamp, Raci { role, person });
                }
            }
            Fact::AccountableReassigned(r) => {
                let Reassigned {
                    item,
                    from,
                    to,
                    reason,
                } = *r;
                if let Some(people) = self.people_mut(&item) {
                    people
                        .reassignments
                        .push(stamp, Reassignment { from, to, reason });
                }
            }
            Fact::ReflectionAnswered { question, answer }
            | Fact::ReflectionRevised {
                question, answer, ..
            } => {
                self.answers
                    .entry(question)
                    .or_default()
                    .push(stamp, answer);
            }
            // What [`shapes_records`] says is not tracked.
            Fact::CycleOpened { .. }
            | Fact::IndicatorRated(_)
            | Fact::AdjustmentLogged(_)
            | Fact::CelebrationLogged(_)
            | Fact::EventRetracted { .. } => {}
        }
    }

    /// A point of a goal's measure (a measure's source is kept only in the timeline).
    fn measure(&mut self, goal: &str, position: u64, occurred_on: NaiveDate, value: f64) {
        if let Some(goal) = self.goals.get_mut(goal) {
            goal.measures.push(MeasurePoint {
                position,
                occurred_on,
                value,
            });
        }
    }

    /// Removes the live fact at `position` from whichever record holds it. Positions are
    /// unique along the log, so at most one does; a position no record holds (a fact that
    /// changed nothing, or one already retracted) changes nothing.
    fn untrack(&mut self, position: u64) {
        if self.phases.retract(position).is_some() || self.closings.retract(position).is_some() {
            return;
        }
        if self.goals.values_mut().any(|g| g.retract(position)) {
            return;
        }
        if self.milestones.values_mut().any(|m| m.retract(position)) {
            return;
        }
        for answers in self.answers.values_mut() {
            if answers.retract(position).is_some() {
                return;
            }
        }
    }

    fn people_mut(&mut self, item: &Item) -> Option<&mut People> {
        match item {
            Item::Goal(id) => self.goals.get_mut(id).map(|g| &mut g.people),
            Item::Milestone(id) => self.milestones.get_mut(id).map(|m| &mut m.people),
        }
    }

    /// The current phase: the last live phase change's, else plan.
    pub fn phase(&self) -> Phase {
        self.phases.last().map_or(Phase::Plan, |c| c.value.to)
    }

    /// The live closing, if the cycle is closed.
    pub fn closed(&self) -> Option<&Stamped<String>> {
        self.closings.last()
    }

    pub fn is_closed(&self) -> bool {
        self.closed().is_some()
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
            summary: self.closed().map(|c| c.value.clone()),
            opened: self.opened.clone(),
            closed: self.closed().map(|c| c.stamp.clone()),
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
                    accountable: g.people.accountable().clone(),
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
                accountable: m.people.accountable().clone(),
                measure: m.measure.clone(),
                status: m.status(),
                reschedules: m.reschedules.len(),
            })
            .collect()
    }

    /// The current answer to each reflection question, by question: the latest live answer
    /// or revision.
    pub fn reflections(&self) -> Vec<Answer> {
        self.answers
            .iter()
            .filter_map(|(q, answers)| {
                answers.last().map(|a| Answer {
                    question: q.clone(),
                    answer: a.value.clone(),
                    stamp: a.stamp.clone(),
                })
            })
            .collect()
    }

    /// The stored entries (live facts and retractions) in log order; none unless the views
    /// were folded with [`Entries::Kept`].
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter()
    }

    /// The timeline as the API shows it: every live fact in the order it happened
    /// (`occurred_on`, ties by position), each with a one-line summary. Empty unless the views
    /// were folded with [`Entries::Kept`] (fold the cycle's own stream to show one).
    pub fn timeline(&self) -> Vec<TimelineEntry> {
        let mut entries: Vec<&Entry> = self.entries.iter().collect();
        // Stable, and the entries are in log order: ties on the day stay in position order.
        entries.sort_by_key(|e| e.stamp.occurred_on);
        entries
            .into_iter()
            .map(|e| TimelineEntry::new(e, Some(self)))
            .collect()
    }

    /// Accountability's view of a goal or milestone.
    pub fn item_view(&self, item: &Item) -> Option<ItemView> {
        let (title, due_on, people, status) = match item {
            Item::Goal(id) => {
                let g = self.goals.get(id)?;
                let v = g.current();
                (&v.statement, v.due_on, &g.people, g.status())
            }
            Item::Milestone(id) => {
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
            accountable: people.accountable().clone(),
            status,
        })
    }

    /// Who answers for a goal or milestone.
    pub fn people(&self, item: &Item) -> Option<&People> {
        match item {
            Item::Goal(id) => self.goals.get(id).map(|g| &g.people),
            Item::Milestone(id) => self.milestones.get(id).map(|m| &m.people),
        }
    }

    /// Every goal in the order they were set, then every milestone in the order they were
    /// planned.
    pub fn items(&self) -> Vec<Item> {
        let mut goals: Vec<_> = self.goals.values().collect();
        goals.sort_by_key(|g| g.set.stamp.position);
        let mut milestones: Vec<_> = self.milestones.values().collect();
        milestones.sort_by_key(|m| m.planned.position);
        let goals = goals.into_iter().map(|g| Item::Goal(g.id.clone()));
        let milestones = milestones
            .into_iter()
            .map(|m| Item::Milestone(m.id.clone()));
        goals.chain(milestones).collect()
    }

    /// A short name for an item in summaries: its title, else its id.
    pub(crate) fn item_name(&self, item: &Item) -> Option<&str> {
        match item {
            Item::Goal(id) => self.goal_name(id),
            Item::Milestone(id) => self.milestone_name(id),
        }
    }

    pub(crate) fn goal_name(&self, id: &str) -> Option<&str> {
        self.goals.get(id).map(|g| g.current().statement.as_str())
    }

    pub(crate) fn milestone_name(&self, id: &str) -> Option<&str> {
        self.milestones.get(id).map(|m| m.title.as_str())
    }
}

/// Whether folding this event changes a cycle's records (phases, closing, goals, milestones,
/// people, reflections) rather than only adding an entry: the facts `track` ignores
/// are not even built when entries are skipped.
fn shapes_records(event: &Event) -> bool {
    !matches!(
        event,
        Event::CycleOpened { .. }
            | Event::IndicatorRated { .. }
            | Event::AdjustmentLogged { .. }
            | Event::CelebrationLogged { .. }
            | Event::EventRetracted { .. }
    )
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CycleStatus {
    Open,
    Closed,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CycleHeader {
    pub id: Name,
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
    pub id: Name,
    pub statement: String,
    pub target: Option<IndicatorTarget>,
    pub measure: Option<MeasureDef>,
    pub due_on: NaiveDate,
    pub serves: Option<String>,
    pub accountable: Name,
    pub status: Status,
    pub latest_measure: Option<MeasurePoint>,
    /// How many live revisions it has had.
    pub revisions: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MilestoneView {
    pub id: Name,
    pub goal: Name,
    pub title: String,
    pub due_on: NaiveDate,
    pub planned_due_on: NaiveDate,
    pub accountable: Name,
    pub measure: String,
    pub status: Status,
    pub reschedules: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub question: Name,
    pub answer: String,
    pub stamp: Stamp,
}
