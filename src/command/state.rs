//! The write model: the little the rules need to know, folded from the log.
//!
//! [`State::apply`] is pure bookkeeping (no rule, no I/O, no clock): rules live in the
//! command modules. The state must stay compact because the whole log is folded through it,
//! so it keeps ids, statuses and version numbers, never texts. Per log position it keeps one
//! 8-byte [`Slot`] (its stream, its [`Kind`], whether it was retracted), which is what a
//! retraction needs to be validated and routed.
//!
//! Retracted facts stop counting. Every fact a retraction can undo is kept in a small
//! per-item history tagged with its log position ([`Tracked`], the reflection and RACI
//! lists, the rubric adoptions), so undoing one is "forget that position" and the current
//! value is recomputed from what is left. Facts whose undo is not simple (structural facts
//! and numbered versions of documents) cannot be retracted at all; what can is defined once,
//! beside the events, by [`Kind::retraction`], which the views follow too.

use std::collections::{HashMap, HashSet};

use indexmap::IndexMap;
use trellis_projections::by_id::{ById, LastFound};
use trellis_projections::live::grow_exactly;
use trellis_projections::name::{FxBuild, FxHasher, Name};

/// Maps and sets keyed by ids: the Fx hash, several times cheaper than SipHash on short
/// ids, and a replay looks ids up on every event (see `trellis_projections::name`).
type Map<K, V> = HashMap<K, V, FxBuild>;
type Set<K> = HashSet<K, FxBuild>;
use std::hash::{Hash, Hasher};

use chrono::NaiveDate;
use trellis_events::{
    stream, Envelope, Event, IndicatorTarget, ItemRef, Kind, MeasureDef, OrgKind, Phase, RaciRole,
};

/// Positions further ahead than this are not given slots (see [`State::record_slot`]).
/// The log is gap-free, so this never triggers; it only stops a corrupt position from making
/// the slot table allocate without bound.
const MAX_GAP: u64 = 1 << 16;

/// The write model. Build it with `State::default()` and [`State::apply`] every envelope of
/// the log in order.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct State {
    /// The last position folded; envelopes at or before it are ignored, so replaying an
    /// overlap (a subscription that restarts a little early) is harmless.
    position: u64,
    /// One slot per log position: `slots[p - 1]` describes position `p`.
    slots: Vec<Slot>,
    /// Streams by interned index (slots refer to streams by index to stay small).
    streams: Vec<StreamInfo>,
    stream_index: Map<String, u32>,
    pub(crate) orgs: Map<String, Org>,
    pub(crate) people: Set<String>,
    /// In the order they were opened; a cycle keeps its index (none is ever removed), so
    /// `by_view_slot` can point at it.
    pub(crate) cycles: IndexMap<String, Cycle, FxBuild>,
    /// The views' slot of a cycle (what `Projections::apply` answers) → its index in
    /// `cycles`, learned the first time the slot is seen; derived, so not saved.
    #[serde(skip)]
    by_view_slot: Vec<u32>,
    /// The cycle the last event was of, and its index. Derived, so not saved.
    #[serde(skip)]
    last_cycle: LastFound,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Slot {
    stream: u32,
    /// `None` for a position the log skipped (it never does; see [`MAX_GAP`]).
    kind: Option<Kind>,
    retracted: bool,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct StreamInfo {
    name: String,
    version: u64,
    /// Which aggregate the stream belongs to, so a retraction can find what to undo.
    owner: Owner,
}

/// The aggregate a stream belongs to.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum Owner {
    None,
    Org(String),
    Cycle(String),
}

/// What the rules know of one log position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Position<'s> {
    pub stream: &'s str,
    pub owner: &'s Owner,
    pub kind: Kind,
    pub retracted: bool,
}

/// An org unit: its place in the tree, what it adopted, its roles and document versions.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct Org {
    pub kind: OrgKind,
    pub parent: Option<String>,
    /// Live rubric adoptions: (position, rubric id, version).
    pub adopted: Vec<(u64, String, u32)>,
    pub roles: Map<String, Role>,
    /// Current version numbers; 0 means none recorded yet.
    pub vision: u32,
    pub agreement: u32,
    pub plan: u32,
}

impl Org {
    /// The versions of `rubric` this org has adopted (and not retracted), lowest first.
    pub fn adopted_versions(&self, rubric: &str) -> Vec<u32> {
        let mut v: Vec<u32> = self
            .adopted
            .iter()
            .filter(|(_, r, _)| r == rubric)
            .map(|(_, _, v)| *v)
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    fn forget(&mut self, position: u64) {
        self.adopted.retain(|(p, _, _)| *p != position);
        for role in self.roles.values_mut() {
            for held in role.holders.values_mut() {
                held.forget(position);
            }
        }
    }
}

/// A role of an org unit.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct Role {
    /// How many times it was defined; the first definition makes it exist.
    pub versions: u32,
    /// Whether each person holds it, with the assignments and releases that say so.
    pub holders: Map<String, Tracked<bool>>,
}

impl Role {
    pub fn held_by(&self, person: &str) -> bool {
        self.holders.get(person).is_some_and(|h| *h.current())
    }
}

/// An improvement cycle and the items in it.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct Cycle {
    /// Its stream's slot in `State::streams` when its opening went to `cycle-<id>` (always,
    /// from this app), so that folding its events finds the stream through the cycle, which
    /// the fold looks up anyway, instead of by the stream's name: that second lookup was
    /// ~12% of a rebuild.
    pub stream: Option<u32>,
    pub org: String,
    pub rubric: String,
    pub rubric_version: u32,
    pub focus: Vec<String>,
    pub phase: Tracked<Phase>,
    /// The position of the live `CycleClosed`, if the cycle is closed.
    pub closed: Option<u64>,
    // A cycle holds a handful of each, so lists searched by id (see `ById`), not hash maps.
    // Their ids are `Name`s: short ids are held inline, so a search compares them without
    // reading other memory, and storing one allocates nothing.
    pub goals: ById<Name, Goal>,
    pub milestones: ById<Name, Milestone>,
    /// Ids stay taken even when the fact is retracted, so an id never names two things.
    pub adjustments: ById<Name, ()>,
    pub celebrations: ById<Name, ()>,
    /// Live RACI assignments.
    pub raci: Vec<Raci>,
    /// Live answer and revision positions per question; answered while non-empty.
    pub reflections: ById<Name, Vec<u64>>,
}

impl Cycle {
    pub fn is_closed(&self) -> bool {
        self.closed.is_some()
    }

    pub fn answered(&self, question: &str) -> bool {
        self.reflections
            .get(question)
            .is_some_and(|v| !v.is_empty())
    }

    /// The accountable person of a goal or milestone, if the item exists.
    pub fn accountable(&self, item: &ItemRef) -> Option<&str> {
        match item {
            ItemRef::Goal(g) => self.goals.get(g).map(|g| g.accountable.current().as_str()),
            ItemRef::Milestone(m) => self
                .milestones
                .get(m)
                .map(|m| m.accountable.current().as_str()),
        }
    }

    pub fn has_item(&self, item: &ItemRef) -> bool {
        self.accountable(item).is_some()
    }

    fn forget(&mut self, position: u64) {
        self.phase.forget(position);
        if self.closed == Some(position) {
            self.closed = None;
        }
        for goal in self.goals.values_mut() {
            goal.accountable.forget(position);
            goal.definition.forget(position);
            goal.status.forget(position);
        }
        for m in self.milestones.values_mut() {
            m.due.forget(position);
            m.accountable.forget(position);
            m.status.forget(position);
        }
        self.raci.retain(|r| r.position != position);
        for answers in self.reflections.values_mut() {
            answers.retain(|p| *p != position);
        }
    }

    /// Folds a fact of this cycle (one that changes nothing here is ignored).
    fn fold(&mut self, pos: u64, event: &Event) {
        match event {
            Event::CyclePhaseChanged { to, .. } => self.phase.set(pos, *to),
            Event::CycleClosed { .. } => {
                self.closed.get_or_insert(pos);
            }
            Event::GoalSet {
                goal,
                statement,
                target,
                measure,
                due_on,
                accountable,
                serves,
                ..
            } => {
                self.goals.get_or_insert_with(Name::new(goal), || Goal {
                    accountable: Tracked::new(Name::new(accountable)),
                    definition: Tracked::new(GoalDef::of(
                        statement,
                        target.as_ref(),
                        measure.as_ref(),
                        *due_on,
                        serves.as_deref(),
                    )),
                    status: Tracked::new(Status::Open),
                });
            }
            Event::GoalRevised {
                goal,
                statement,
                target,
                measure,
                due_on,
                serves,
                ..
            } => {
                if let Some(g) = self.goals.get_mut(goal) {
                    let def = GoalDef::of(
                        statement,
                        target.as_ref(),
                        measure.as_ref(),
                        *due_on,
                        serves.as_deref(),
                    );
                    g.definition.set(pos, def);
                }
            }
            Event::GoalMet { goal, .. } => set_goal_status(self, pos, goal, Status::Done),
            Event::GoalDropped { goal, .. } => set_goal_status(self, pos, goal, Status::Abandoned),
            Event::MilestonePlanned {
                goal,
                milestone,
                due_on,
                accountable,
                ..
            } => {
                self.milestones
                    .get_or_insert_with(Name::new(milestone), || Milestone {
                        goal: Name::new(goal),
                        due: Tracked::new(*due_on),
                        accountable: Tracked::new(Name::new(accountable)),
                        status: Tracked::new(Status::Open),
                    });
            }
            Event::MilestoneRescheduled { milestone, to, .. } => {
                if let Some(m) = self.milestones.get_mut(milestone) {
                    m.due.set(pos, *to);
                }
            }
            Event::MilestoneReached { milestone, .. } => {
                set_milestone_status(self, pos, milestone, Status::Done)
            }
            Event::MilestoneMissed { milestone, .. } => {
                set_milestone_status(self, pos, milestone, Status::Abandoned)
            }
            Event::RaciAssigned {
                item, role, person, ..
            } => self.raci.push(Raci {
                position: pos,
                item: item.clone(),
                role: *role,
                person: Name::new(person),
            }),
            Event::AccountableReassigned { item, to, .. } => match item {
                ItemRef::Goal(g) => {
                    if let Some(g) = self.goals.get_mut(g) {
                        g.accountable.set(pos, Name::new(to));
                    }
                }
                ItemRef::Milestone(m) => {
                    if let Some(m) = self.milestones.get_mut(m) {
                        m.accountable.set(pos, Name::new(to));
                    }
                }
            },
            Event::AdjustmentLogged { adjustment, .. } => {
                self.adjustments.insert(Name::new(adjustment), ());
            }
            Event::CelebrationLogged { celebration, .. } => {
                self.celebrations.insert(Name::new(celebration), ());
            }
            Event::ReflectionAnswered { question, .. }
            | Event::ReflectionRevised { question, .. } => {
                self.reflections
                    .get_or_insert_with(Name::new(question), Vec::new)
                    .push(pos);
            }
            _ => {}
        }
    }
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct Goal {
    pub accountable: Tracked<Name>,
    /// What the rules need of the goal's current values (set, then revised).
    pub definition: Tracked<GoalDef>,
    pub status: Tracked<Status>,
}

/// A goal's values, reduced to what the rules need: whether it has a measure (interim data
/// points need one), and a fingerprint of all its values, so a revision that changes
/// nothing is caught without keeping the texts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct GoalDef {
    pub has_measure: bool,
    pub fingerprint: u64,
}

impl GoalDef {
    /// The fingerprint is saved with the write model in the checkpoint, so the hasher must
    /// give the same answer in every build: std's `DefaultHasher` promises that only within
    /// one, so this is our own Fx hash (a collision could only refuse a real revision as
    /// changing nothing, on one goal, with odds of one in 2^64).
    pub fn of(
        statement: &str,
        target: Option<&IndicatorTarget>,
        measure: Option<&MeasureDef>,
        due_on: NaiveDate,
        serves: Option<&str>,
    ) -> GoalDef {
        let mut h = FxHasher::default();
        statement.hash(&mut h);
        target.map(|t| (&t.indicator, &t.level)).hash(&mut h);
        measure
            .map(|m| (&m.name, &m.unit, m.baseline.to_bits(), m.target.to_bits()))
            .hash(&mut h);
        due_on.hash(&mut h);
        serves.hash(&mut h);
        GoalDef {
            has_measure: measure.is_some(),
            fingerprint: h.finish(),
        }
    }
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct Milestone {
    pub goal: Name,
    pub due: Tracked<NaiveDate>,
    pub accountable: Tracked<Name>,
    pub status: Tracked<Status>,
}

/// Where a goal or milestone stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum Status {
    Open,
    /// A goal met, a milestone reached.
    Done,
    /// A goal dropped, a milestone missed.
    Abandoned,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct Raci {
    pub position: u64,
    pub item: ItemRef,
    pub role: RaciRole,
    pub person: Name,
}

/// A value set by a structural fact and changed by later, retractable facts. The current
/// value is the last live change, or the base when every change was retracted.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct Tracked<T> {
    base: T,
    changes: Vec<(u64, T)>,
}

impl<T> Tracked<T> {
    pub fn new(base: T) -> Self {
        Tracked {
            base,
            changes: Vec::new(),
        }
    }

    pub fn current(&self) -> &T {
        self.changes.last().map_or(&self.base, |(_, v)| v)
    }

    fn set(&mut self, position: u64, value: T) {
        grow_exactly(&mut self.changes);
        self.changes.push((position, value));
    }

    fn forget(&mut self, position: u64) {
        self.changes.retain(|(p, _)| *p != position);
    }
}

impl State {
    /// An empty state, as before the first event of the log.
    pub fn new() -> Self {
        State::default()
    }

    /// Folds one envelope of the log. Envelopes must come in log order; one at or before
    /// the last folded position is ignored.
    pub fn apply(&mut self, env: &Envelope) {
        self.apply_beside_views(env, None);
    }

    /// [`State::apply`], given the slot the views answered for the same envelope
    /// (`Projections::apply`), which finds its cycle without looking the id up: in a
    /// rebuild, finding each event's cycle was two fifths of this fold.
    pub fn apply_beside_views(&mut self, env: &Envelope, view_slot: Option<u32>) {
        if env.position <= self.position {
            return;
        }
        let kind = Kind::of(&env.event);
        // A fact of a known cycle in the cycle's own stream (nearly every event of a log):
        // the cycle is looked up once, and its stream found through it.
        let at = self.cycle_in_own_stream(env, view_slot);
        if let Some(c) = at
            .and_then(|i| self.cycles.get_index_mut(i))
            .map(|(_, c)| c)
        {
            if let Some(stream) = c.stream {
                note_version(&mut self.streams, stream, env);
                record_slot(&mut self.slots, env.position, stream, kind);
                self.position = env.position;
                // The fold of a cycle's facts touches nothing but the cycle (its opening
                // is already folded: the cycle exists).
                c.fold(env.position, &env.event);
                return;
            }
        }
        let stream = self.record_stream(env);
        record_slot(&mut self.slots, env.position, stream, kind);
        self.position = env.position;
        self.fold(env, stream);
    }

    /// Makes room for `events` more positions, so that a rebuild grows its per-position
    /// slots once instead of copying them as they double.
    pub fn reserve(&mut self, events: usize) {
        // If memory does not allow it, the slots grow as they go.
        let _ = self.slots.try_reserve(events);
    }

    /// The last log position folded (0 before the first).
    pub fn position(&self) -> u64 {
        self.position
    }

    /// How many events the stream holds, as far as this state has seen (0 if none).
    pub fn stream_version(&self, stream: &str) -> u64 {
        self.stream_index
            .get(stream)
            .and_then(|i| self.streams.get(*i as usize))
            .map_or(0, |s| s.version)
    }

    /// Whether an org unit with this id is registered.
    pub fn has_org(&self, id: &str) -> bool {
        self.orgs.contains_key(id)
    }

    /// Whether a person with this id was added.
    pub fn has_person(&self, id: &str) -> bool {
        self.people.contains(id)
    }

    /// The phase of a cycle and whether it is closed, if the cycle exists.
    pub fn cycle_phase(&self, id: &str) -> Option<(Phase, bool)> {
        self.cycles
            .get(id)
            .map(|c| (*c.phase.current(), c.is_closed()))
    }

    /// Whether org unit `org` is `ancestor` or lies below it in the tree (permissions are
    /// scoped to a subtree).
    pub fn is_within(&self, org: &str, ancestor: &str) -> bool {
        let mut current = self.orgs.get_key_value(org).map(|(k, _)| k.as_str());
        // The tree is three levels deep; the cap only guards against a cycle of parents in
        // a log written by something other than `decide`.
        for _ in 0..8 {
            match current {
                Some(id) if id == ancestor => return true,
                Some(id) => current = self.orgs.get(id).and_then(|o| o.parent.as_deref()),
                None => return false,
            }
        }
        false
    }

    /// The org unit a cycle belongs to, if the cycle exists.
    pub fn cycle_org(&self, cycle: &str) -> Option<&str> {
        self.cycles.get(cycle).map(|c| c.org.as_str())
    }

    /// The org unit whose subtree the fact at `position` lies in: its org, or its cycle's
    /// org. `None` for facts of no org (people, tokens) or a position the log does not have.
    pub fn org_at(&self, position: u64) -> Option<&str> {
        match self.at(position)?.owner {
            Owner::Org(org) => Some(org),
            Owner::Cycle(cycle) => self.cycle_org(cycle),
            Owner::None => None,
        }
    }

    /// The indicators a cycle focuses on, if the cycle exists.
    pub fn cycle_focus(&self, cycle: &str) -> Option<&[String]> {
        self.cycles.get(cycle).map(|c| c.focus.as_slice())
    }

    /// The goal a milestone of a cycle serves, if both exist.
    pub fn milestone_goal(&self, cycle: &str, milestone: &str) -> Option<&str> {
        self.cycles
            .get(cycle)?
            .milestones
            .get(milestone)
            .map(|m| m.goal.as_str())
    }

    /// What is known of the fact at `position`, if the log has one there.
    pub(crate) fn at(&self, position: u64) -> Option<Position<'_>> {
        let index = usize::try_from(position.checked_sub(1)?).ok()?;
        let slot = self.slots.get(index)?;
        let stream = self.streams.get(slot.stream as usize)?;
        Some(Position {
            stream: &stream.name,
            owner: &stream.owner,
            kind: slot.kind?,
            retracted: slot.retracted,
        })
    }

    /// The index in `cycles` of the cycle `env` is a fact of, if the cycle is known and the
    /// event is in the cycle's own stream; through `view_slot` when given (see
    /// [`State::apply_beside_views`]), else by the cycle's id.
    fn cycle_in_own_stream(&mut self, env: &Envelope, view_slot: Option<u32>) -> Option<usize> {
        let id = env.event.cycle()?;
        if !stream::is_cycle(&env.stream, id) {
            return None;
        }
        if let Some(at) = self.last_cycle.get(id) {
            return Some(at as usize);
        }
        let at = self.cycle_by_view_slot(id, view_slot)?;
        // Indexes of cycles never change (none is ever removed).
        if let Ok(at) = u32::try_from(at) {
            self.last_cycle.set(id, at);
        }
        Some(at)
    }

    /// The index of cycle `id`, found through the views' slot for it when there is one.
    fn cycle_by_view_slot(&mut self, id: &str, view_slot: Option<u32>) -> Option<usize> {
        let Some(slot) = view_slot.map(|s| s as usize) else {
            return self.cycles.get_index_of(id);
        };
        // Checked against the id, so that views other than the ones this state was folded
        // beside (a slot meaning another cycle) cost a lookup, never a wrong cycle.
        let remembered = self.by_view_slot.get(slot).map(|&at| at as usize);
        if let Some(at) =
            remembered.filter(|&at| self.cycles.get_index(at).is_some_and(|(k, _)| k == id))
        {
            return Some(at);
        }
        let at = self.cycles.get_index_of(id)?;
        self.remember_slot(slot, at);
        Some(at)
    }

    /// Remembers that the views' `slot` is the cycle at index `at`. Slots are dense (one per
    /// cycle the views know), so this stays as small as the list of cycles; a slot beyond
    /// it is simply not remembered.
    fn remember_slot(&mut self, slot: usize, at: usize) {
        let Ok(at) = u32::try_from(at) else {
            return;
        };
        if slot > self.cycles.len() {
            return;
        }
        if self.by_view_slot.len() <= slot {
            self.by_view_slot.resize(slot + 1, u32::MAX);
        }
        if let Some(entry) = self.by_view_slot.get_mut(slot) {
            *entry = at;
        }
    }

    fn record_stream(&mut self, env: &Envelope) -> u32 {
        let index = match self.stream_index.get(&env.stream) {
            Some(i) => *i,
            None => {
                let i = u32::try_from(self.streams.len()).unwrap_or(u32::MAX);
                self.streams.push(StreamInfo {
                    name: env.stream.clone(),
                    version: 0,
                    owner: owner_of(&env.event),
                });
                self.stream_index.insert(env.stream.clone(), i);
                i
            }
        };
        note_version(&mut self.streams, index, env);
        index
    }

    /// The bookkeeping of one fact. No rules here: a fact about something unknown (which
    /// decide never produces) is ignored rather than guessed at.
    fn fold(&mut self, env: &Envelope, stream_slot: u32) {
        let (pos, event) = (env.position, &env.event);
        match event {
            Event::OrgUnitRegistered {
                org, kind, parent, ..
            } => {
                self.orgs.entry(org.clone()).or_insert_with(|| Org {
                    kind: *kind,
                    parent: parent.clone(),
                    adopted: Vec::new(),
                    roles: Map::default(),
                    vision: 0,
                    agreement: 0,
                    plan: 0,
                });
            }
            Event::PersonAdded { person, .. } => {
                self.people.insert(person.clone());
            }
            Event::RoleDefined { org, role, .. } => {
                if let Some(o) = self.orgs.get_mut(org) {
                    o.roles.entry(role.clone()).or_default().versions += 1;
                }
            }
            Event::RoleAssigned { org, role, person } => self.hold(pos, org, role, person, true),
            Event::RoleReleased {
                org, role, person, ..
            } => self.hold(pos, org, role, person, false),
            Event::VisionAdopted { org, version, .. }
            | Event::VisionRevised { org, version, .. } => {
                if let Some(o) = self.orgs.get_mut(org) {
                    o.vision = o.vision.max(*version);
                }
            }
            Event::AgreementRecorded { org, version, .. } => {
                if let Some(o) = self.orgs.get_mut(org) {
                    o.agreement = o.agreement.max(*version);
                }
            }
            Event::StrategicPlanRecorded { org, version, .. } => {
                if let Some(o) = self.orgs.get_mut(org) {
                    o.plan = o.plan.max(*version);
                }
            }
            Event::RubricAdopted {
                org,
                rubric,
                version,
            } => {
                if let Some(o) = self.orgs.get_mut(org) {
                    o.adopted.push((pos, rubric.clone(), *version));
                }
            }
            Event::CycleOpened {
                cycle,
                org,
                rubric,
                rubric_version,
                focus,
                ..
            } => {
                let c = self.cycles.entry(cycle.clone()).or_insert_with(|| Cycle {
                    stream: None,
                    org: org.clone(),
                    rubric: rubric.clone(),
                    rubric_version: *rubric_version,
                    focus: focus.clone(),
                    phase: Tracked::new(Phase::Plan),
                    closed: None,
                    goals: ById::new(),
                    milestones: ById::new(),
                    adjustments: ById::new(),
                    celebrations: ById::new(),
                    raci: Vec::new(),
                    reflections: ById::new(),
                });
                if c.stream.is_none() && stream::is_cycle(&env.stream, cycle) {
                    c.stream = Some(stream_slot);
                }
            }
            Event::EventRetracted { position, .. } => self.retract(*position),
            Event::VisionReviewed { .. }
            | Event::IndicatorRated { .. }
            | Event::MeasureRecorded { .. } => {}
            _ => {
                if let Some(c) = event.cycle().and_then(|id| self.cycles.get_mut(id)) {
                    c.fold(pos, event);
                }
            }
        }
    }

    fn hold(&mut self, pos: u64, org: &str, role: &str, person: &str, holds: bool) {
        if let Some(o) = self.orgs.get_mut(org) {
            o.roles
                .entry(role.to_string())
                .or_default()
                .holders
                .entry(person.to_string())
                .or_insert_with(|| Tracked::new(false))
                .set(pos, holds);
        }
    }

    /// Marks `position` retracted and forgets it wherever its aggregate tracked it, so the
    /// values it changed fall back to what the remaining facts say.
    fn retract(&mut self, position: u64) {
        let Some(index) = position
            .checked_sub(1)
            .and_then(|i| usize::try_from(i).ok())
        else {
            return;
        };
        let Some(slot) = self.slots.get_mut(index) else {
            return;
        };
        if slot.retracted {
            return;
        }
        slot.retracted = true;
        let owner = self.streams.get(slot.stream as usize).map(|s| &s.owner);
        match owner {
            Some(Owner::Org(id)) => {
                if let Some(o) = self.orgs.get_mut(id) {
                    o.forget(position);
                }
            }
            Some(Owner::Cycle(id)) => {
                if let Some(c) = self.cycles.get_mut(id) {
                    c.forget(position);
                }
            }
            Some(Owner::None) | None => {}
        }
    }
}

/// Brings stream `index` up to `env`'s version and gives it an owner if it has none.
fn note_version(streams: &mut [StreamInfo], index: u32, env: &Envelope) {
    if let Some(s) = streams.get_mut(index as usize) {
        // The envelope's stream version is the log's; trust it over counting.
        s.version = s.version.max(env.stream_version);
        if s.owner == Owner::None {
            s.owner = owner_of(&env.event);
        }
    }
}

/// Gives `position` its slot. Positions are gap-free, so this normally just pushes;
/// a skipped range is padded with gaps, unless it is absurdly large, in which case the
/// position gets no slot and simply cannot be retracted.
fn record_slot(slots: &mut Vec<Slot>, position: u64, stream: u32, kind: Kind) {
    let next = slots.len() as u64 + 1;
    if position < next || position - next > MAX_GAP {
        return;
    }
    let gap = Slot {
        stream,
        kind: None,
        retracted: false,
    };
    for _ in next..position {
        slots.push(gap);
    }
    slots.push(Slot {
        stream,
        kind: Some(kind),
        retracted: false,
    });
}

fn set_goal_status(c: &mut Cycle, pos: u64, goal: &str, status: Status) {
    if let Some(g) = c.goals.get_mut(goal) {
        g.status.set(pos, status);
    }
}

fn set_milestone_status(c: &mut Cycle, pos: u64, milestone: &str, status: Status) {
    if let Some(m) = c.milestones.get_mut(milestone) {
        m.status.set(pos, status);
    }
}

/// The aggregate whose stream a fact is written to.
fn owner_of(event: &Event) -> Owner {
    if let Some(cycle) = event.cycle() {
        return Owner::Cycle(cycle.to_string());
    }
    match event {
        Event::OrgUnitRegistered { org, .. }
        | Event::RoleDefined { org, .. }
        | Event::RoleAssigned { org, .. }
        | Event::RoleReleased { org, .. }
        | Event::VisionAdopted { org, .. }
        | Event::VisionReviewed { org, .. }
        | Event::VisionRevised { org, .. }
        | Event::AgreementRecorded { org, .. }
        | Event::StrategicPlanRecorded { org, .. }
        | Event::RubricAdopted { org, .. }
        | Event::IndicatorRated { org, .. } => Owner::Org(org.clone()),
        _ => Owner::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::testkit::{given, history, history_and, in_cycle};
    use trellis_events::stream;

    /// `history()` with a second cycle `c2` beside `c1` (opened after it), and facts of
    /// both, interleaved, as envelopes.
    fn two_cycles() -> Vec<Envelope> {
        let mut events = history();
        // c2 opens as c1 did, under its own id.
        let mut opening = events
            .iter()
            .find_map(|(_, e)| matches!(e, Event::CycleOpened { .. }).then(|| e.clone()));
        if let Some(Event::CycleOpened { cycle, .. }) = &mut opening {
            *cycle = "c2".into();
        }
        events.extend(opening.map(|e| in_cycle("c2", e)));
        for (cycle, goal) in [("c2", "g7"), ("c1", "g2"), ("c2", "g8")] {
            events.push(in_cycle(
                cycle,
                Event::GoalSet {
                    cycle: cycle.into(),
                    goal: goal.into(),
                    statement: format!("{goal} of {cycle}"),
                    target: None,
                    measure: None,
                    due_on: crate::command::testkit::today(),
                    accountable: "cy".into(),
                    serves: None,
                },
            ));
            events.push(in_cycle(
                cycle,
                Event::GoalMet {
                    cycle: cycle.into(),
                    goal: "g1".into(),
                    evidence: "done".into(),
                },
            ));
        }
        crate::command::testkit::envelopes(events)
    }

    #[test]
    fn folding_beside_the_views_ends_as_folding_alone_even_with_slots_of_other_views() {
        let events = two_cycles();
        let as_json = |s: &State| serde_json::to_value(s).expect("a state serializes");
        let mut alone = State::new();
        for env in &events {
            alone.apply(env);
        }
        let mut beside = State::new();
        let mut views = crate::app::App::new_projections();
        let mut slots = Vec::new();
        for env in &events {
            let slot = views.apply(env);
            slots.push(slot);
            beside.apply_beside_views(env, slot);
        }
        // The views did answer slots, both cycles' among them, so the slot path was taken.
        assert!(
            slots.contains(&Some(0)) && slots.contains(&Some(1)),
            "{slots:?}"
        );
        assert_eq!(as_json(&beside), as_json(&alone));
        assert_eq!(beside.cycles["c2"].goals.len(), 2);
        // Once the state has learned what each slot means, slots that name the other cycle
        // (other views, which opened them in another order) are caught by the id check:
        // each fact still goes to its own cycle.
        let mut crossed = State::new();
        let learned = events.len() - 4;
        for (i, (env, slot)) in events.iter().zip(&slots).enumerate() {
            let slot = if i < learned {
                *slot
            } else {
                slot.map(|s| 1 - s.min(1))
            };
            crossed.apply_beside_views(env, slot);
        }
        assert_eq!(as_json(&crossed), as_json(&alone));
        // A slot no views ever answered is not remembered, and changes nothing either.
        let mut far = State::new();
        for env in &events {
            far.apply_beside_views(env, Some(u32::MAX));
        }
        assert_eq!(as_json(&far), as_json(&alone));
    }

    #[test]
    fn a_slot_is_eight_bytes_so_a_million_events_cost_eight_megabytes() {
        assert_eq!(std::mem::size_of::<Slot>(), 8);
    }

    #[test]
    fn stream_versions_follow_the_envelopes() {
        let state = given(history());
        assert_eq!(state.stream_version(&stream::org("d1")), 4);
        assert_eq!(state.stream_version(&stream::person("ana")), 1);
        assert_eq!(state.stream_version("nowhere"), 0);
        assert!(state.position() > 0);
    }

    #[test]
    fn replaying_an_envelope_already_folded_changes_nothing() {
        let mut events = history();
        events.push((
            stream::cycle("c1"),
            Event::GoalMet {
                cycle: "c1".into(),
                goal: "g1".into(),
                evidence: "done".into(),
            },
        ));
        let mut state = given(events);
        let before = state.stream_version(&stream::cycle("c1"));
        let env = crate::command::testkit::envelope(
            1,
            stream::cycle("c1"),
            99,
            Event::GoalDropped {
                cycle: "c1".into(),
                goal: "g1".into(),
                reason: "late replay".into(),
            },
        );
        state.apply(&env);
        assert_eq!(state.stream_version(&stream::cycle("c1")), before);
        assert_eq!(
            *state.cycles["c1"]
                .goals
                .get("g1")
                .expect("goal g1")
                .status
                .current(),
            Status::Done
        );
    }

    #[test]
    fn a_retracted_milestone_reached_makes_the_milestone_open_again() {
        let mut events = history();
        events.push((
            stream::cycle("c1"),
            Event::MilestoneReached {
                cycle: "c1".into(),
                milestone: "m1".into(),
                evidence: "done".into(),
            },
        ));
        let reached_at = events.len() as u64;
        let state = given(events.clone());
        assert_eq!(
            *state.cycles["c1"]
                .milestones
                .get("m1")
                .expect("milestone m1")
                .status
                .current(),
            Status::Done
        );

        events.push((
            stream::cycle("c1"),
            Event::EventRetracted {
                position: reached_at,
                reason: "entered on the wrong milestone".into(),
            },
        ));
        let state = given(events);
        assert_eq!(
            *state.cycles["c1"]
                .milestones
                .get("m1")
                .expect("milestone m1")
                .status
                .current(),
            Status::Open
        );
        assert!(state.at(reached_at).is_some_and(|p| p.retracted));
    }

    #[test]
    fn a_retracted_reassignment_gives_the_goal_back_to_the_earlier_person() {
        let mut events = history();
        let item = ItemRef::Goal("g1".into());
        events.push((
            stream::cycle("c1"),
            Event::AccountableReassigned {
                cycle: "c1".into(),
                item: item.clone(),
                from: "ana".into(),
                to: "ben".into(),
                reason: "leave".into(),
            },
        ));
        let at = events.len() as u64;
        events.push((
            stream::cycle("c1"),
            Event::EventRetracted {
                position: at,
                reason: "wrong goal".into(),
            },
        ));
        let state = given(events);
        assert_eq!(state.cycles["c1"].accountable(&item), Some("ana"));
    }

    #[test]
    fn a_retracted_phase_change_puts_the_cycle_back_in_its_earlier_phase() {
        let mut events = history();
        events.push((
            stream::cycle("c1"),
            Event::CyclePhaseChanged {
                cycle: "c1".into(),
                from: Phase::Plan,
                to: Phase::Do,
            },
        ));
        let at = events.len() as u64;
        assert_eq!(
            given(events.clone()).cycle_phase("c1"),
            Some((Phase::Do, false))
        );
        events.push((
            stream::cycle("c1"),
            Event::EventRetracted {
                position: at,
                reason: "clicked too early".into(),
            },
        ));
        assert_eq!(given(events).cycle_phase("c1"), Some((Phase::Plan, false)));
    }

    #[test]
    fn a_retracted_role_assignment_means_the_person_never_held_it() {
        let mut events = history();
        let role = |e| (stream::org("d1"), e);
        events.push(role(Event::RoleDefined {
            org: "d1".into(),
            role: "coach".into(),
            title: "Coach".into(),
            success: "s".into(),
            why: "w".into(),
            measure: "m".into(),
            reason: None,
        }));
        events.push(role(Event::RoleAssigned {
            org: "d1".into(),
            role: "coach".into(),
            person: "cy".into(),
        }));
        let at = events.len() as u64;
        assert!(given(events.clone()).orgs["d1"].roles["coach"].held_by("cy"));
        events.push(role(Event::EventRetracted {
            position: at,
            reason: "wrong person".into(),
        }));
        assert!(!given(events).orgs["d1"].roles["coach"].held_by("cy"));
    }

    #[test]
    fn a_retracted_adoption_is_no_longer_an_adopted_rubric() {
        let mut events = history();
        let adoption = events
            .iter()
            .position(|(_, e)| matches!(e, Event::RubricAdopted { rubric, .. } if rubric == "rapid-improvement"))
            .map(|i| i as u64 + 1)
            .expect("the history adopts rapid-improvement");
        events.push((
            stream::org("d1"),
            Event::EventRetracted {
                position: adoption,
                reason: "adopted by mistake".into(),
            },
        ));
        let state = given(events);
        assert!(state.orgs["d1"]
            .adopted_versions("rapid-improvement")
            .is_empty());
        assert_eq!(state.orgs["d1"].adopted_versions("leadership-system"), [1]);
    }

    #[test]
    fn the_tree_queries_follow_parents_up_to_the_state() {
        let state = given(history());
        assert!(state.is_within("s1", "st"));
        assert!(state.is_within("s1", "d1"));
        assert!(state.is_within("d1", "d1"));
        assert!(!state.is_within("d1", "s1"));
        assert!(!state.is_within("nowhere", "nowhere"));
        assert_eq!(state.cycle_focus("c1"), Some(&["3a".to_string()][..]));
        assert_eq!(state.milestone_goal("c1", "m1"), Some("g1"));
        assert_eq!(state.milestone_goal("c1", "m9"), None);
    }

    #[test]
    fn facts_about_unknown_things_are_ignored_by_the_fold() {
        let state = given(vec![(
            stream::cycle("ghost"),
            Event::GoalMet {
                cycle: "ghost".into(),
                goal: "g".into(),
                evidence: "x".into(),
            },
        )]);
        assert!(state.cycles.is_empty());
        assert_eq!(state.stream_version(&stream::cycle("ghost")), 1);
    }

    #[test]
    fn a_cycles_facts_count_in_the_stream_they_were_written_to_even_another_one() {
        let phase = |from, to| Event::CyclePhaseChanged {
            cycle: "c1".into(),
            from,
            to,
        };
        // The usual place, then a stray fact of c1 written to another stream.
        let state = history_and(vec![
            in_cycle("c1", phase(Phase::Plan, Phase::Do)),
            (stream::org("s1"), phase(Phase::Do, Phase::Study)),
            in_cycle("c1", phase(Phase::Study, Phase::Act)),
        ]);
        let plain = given(history());
        let c1 = stream::cycle("c1");
        assert_eq!(state.stream_version(&c1), plain.stream_version(&c1) + 2);
        assert_eq!(
            state.stream_version(&stream::org("s1")),
            plain.stream_version(&stream::org("s1")) + 1
        );
        assert!(state.cycles["c1"].stream.is_some());
        // Each position knows its own stream, whichever way it was found.
        let last = state.position();
        let streams: Vec<&str> = (last - 2..=last)
            .map(|p| state.at(p).map_or("?", |at| at.stream))
            .collect();
        assert_eq!(streams, [c1.as_str(), "org-s1", c1.as_str()]);
    }
}
