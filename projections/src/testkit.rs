//! Building event logs for tests and benchmarks, without the command side or a store.
//!
//! - [`Log`]: a given/when/then builder, one method per event (`log.goal(..)`,
//!   `log.reached(..)`, `log.retract(..)`), with a clock that only moves forward and an
//!   `occurred_on` that can be set per event.
//! - [`Generator`]: turns a sequence of [`Op`]s (random numbers) into a valid-enough history:
//!   positions increase by one, `recorded_at` never decreases, events mostly refer to things
//!   that exist, with a share of backdated facts, retractions (of live, already retracted and
//!   non-retractable events) and facts about unknown cycles and items.

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Days, NaiveDate, TimeDelta, Utc};
use trellis_events::{AdjustmentKind, Envelope, Event, Hash, ItemRef, OrgKind, Phase, RaciRole};
use ulid::Ulid;

use crate::Projections;

pub const LEADERSHIP: &str = "leadership-system";
pub const RAPID: &str = "rapid-improvement";
const LEADERSHIP_INDICATORS: [&str; 28] = [
    "1", "2", "3a", "3b", "4", "5a", "5b", "6a", "6b", "7", "8a", "8b", "9", "10a", "10b", "11a",
    "11b", "12a", "12b", "13", "14", "15a", "15b", "16", "17", "18", "19a", "19b",
];
const LEADERSHIP_LEVELS: [&str; 3] = ["getting_started", "getting_better", "keep_improving"];

/// A calendar date; panics only on an impossible literal in a test.
pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid calendar date")
}

/// Stamps events as the log would: positions, stream versions and a clock.
#[derive(Clone, Debug)]
pub struct Clock {
    position: u64,
    now: DateTime<Utc>,
    actor: String,
    /// The `occurred_on` of the next event only, when it differs from the recording day.
    on: Option<NaiveDate>,
    versions: HashMap<String, u64>,
}

impl Default for Clock {
    fn default() -> Self {
        Clock {
            position: 0,
            now: date(2024, 9, 2)
                .and_hms_opt(8, 0, 0)
                .map(|t| t.and_utc())
                .unwrap_or_default(),
            actor: "lee".into(),
            on: None,
            versions: HashMap::new(),
        }
    }
}

impl Clock {
    /// The next envelope; the clock moves a minute.
    pub fn stamp(&mut self, stream: &str, event: Event) -> Envelope {
        self.position += 1;
        let version = self.versions.entry(stream.to_owned()).or_default();
        *version += 1;
        let env = Envelope {
            position: self.position,
            id: Ulid(u128::from(self.position)),
            stream: stream.to_owned(),
            stream_version: *version,
            actor: self.actor.clone(),
            recorded_at: self.now,
            occurred_on: self.on.take().unwrap_or(self.now.date_naive()),
            schema: event.schema(),
            prev_hash: Hash::ZERO,
            hash: Hash::ZERO,
            event,
        };
        self.now += TimeDelta::minutes(1);
        env
    }

    pub fn today(&self) -> NaiveDate {
        self.now.date_naive()
    }

    pub fn position(&self) -> u64 {
        self.position
    }

    /// Moves the clock to 08:00 on `day`, if that is later than now.
    pub fn day(&mut self, day: NaiveDate) {
        if let Some(t) = day.and_hms_opt(8, 0, 0).map(|t| t.and_utc()) {
            self.now = self.now.max(t);
        }
    }
}

/// A log built event by event, for given/when/then tests.
#[derive(Clone, Debug, Default)]
pub struct Log {
    clock: Clock,
    events: Vec<Envelope>,
}

impl Log {
    pub fn new() -> Log {
        Log::default()
    }

    pub fn envelopes(&self) -> &[Envelope] {
        &self.events
    }

    pub fn fold(&self) -> Projections {
        Projections::fold(&self.events)
    }

    /// Who records the next events.
    pub fn as_actor(&mut self, actor: &str) -> &mut Log {
        self.clock.actor = actor.to_owned();
        self
    }

    /// The next event happened on `day` (it is still recorded now).
    pub fn on(&mut self, day: NaiveDate) -> &mut Log {
        self.clock.on = Some(day);
        self
    }

    /// Moves the clock forward to `day`.
    pub fn day(&mut self, day: NaiveDate) -> &mut Log {
        self.clock.day(day);
        self
    }

    pub fn next_day(&mut self) -> &mut Log {
        let next = self.clock.today() + Days::new(1);
        self.day(next)
    }

    /// Appends an event to `stream` and returns its position.
    pub fn push(&mut self, stream: &str, event: Event) -> u64 {
        let env = self.clock.stamp(stream, event);
        let position = env.position;
        self.events.push(env);
        position
    }

    fn org_event(&mut self, org: &str, event: Event) -> u64 {
        self.push(&format!("org-{org}"), event)
    }

    fn cycle_event(&mut self, cycle: &str, event: Event) -> u64 {
        self.push(&format!("cycle-{cycle}"), event)
    }

    pub fn org(&mut self, org: &str, kind: OrgKind, parent: Option<&str>) -> u64 {
        let event = Event::OrgUnitRegistered {
            org: org.into(),
            kind,
            name: format!("{org} name"),
            parent: parent.map(Into::into),
        };
        self.org_event(org, event)
    }

    pub fn person(&mut self, person: &str, name: &str) -> u64 {
        let event = Event::PersonAdded {
            person: person.into(),
            name: name.into(),
            email: None,
        };
        self.push(&format!("person-{person}"), event)
    }

    pub fn role_defined(&mut self, org: &str, role: &str, title: &str, success: &str) -> u64 {
        let event = Event::RoleDefined {
            org: org.into(),
            role: role.into(),
            title: title.into(),
            success: success.into(),
            why: "because it matters".into(),
            measure: "a measure".into(),
            reason: None,
        };
        self.org_event(org, event)
    }

    pub fn role_assigned(&mut self, org: &str, role: &str, person: &str) -> u64 {
        let event = Event::RoleAssigned {
            org: org.into(),
            role: role.into(),
            person: person.into(),
        };
        self.org_event(org, event)
    }

    pub fn role_released(&mut self, org: &str, role: &str, person: &str) -> u64 {
        let event = Event::RoleReleased {
            org: org.into(),
            role: role.into(),
            person: person.into(),
            reason: Some("moved on".into()),
        };
        self.org_event(org, event)
    }

    pub fn vision_adopted(&mut self, org: &str, version: u32, statement: &str) -> u64 {
        let event = Event::VisionAdopted {
            org: org.into(),
            version,
            statement: statement.into(),
            portrait: vec!["curious".into(), "kind".into()],
        };
        self.org_event(org, event)
    }

    pub fn vision_reviewed(&mut self, org: &str, version: u32, notes: &str) -> u64 {
        let event = Event::VisionReviewed {
            org: org.into(),
            version,
            participants: vec!["ann".into(), "bob".into()],
            notes: notes.into(),
        };
        self.org_event(org, event)
    }

    pub fn vision_revised(
        &mut self,
        org: &str,
        version: u32,
        statement: &str,
        reason: &str,
    ) -> u64 {
        let event = Event::VisionRevised {
            org: org.into(),
            version,
            statement: statement.into(),
            portrait: vec!["curious".into()],
            reason: reason.into(),
        };
        self.org_event(org, event)
    }

    pub fn agreement(&mut self, org: &str, version: u32, how_we_work: &str) -> u64 {
        let event = Event::AgreementRecorded {
            org: org.into(),
            version,
            how_we_work: how_we_work.into(),
            decision_rights: Vec::new(),
        };
        self.org_event(org, event)
    }

    pub fn plan(&mut self, org: &str, version: u32, focus: &str) -> u64 {
        let event = Event::StrategicPlanRecorded {
            org: org.into(),
            version,
            focus: focus.into(),
            steps: Vec::new(),
            celebrate_success: "a breakfast".into(),
        };
        self.org_event(org, event)
    }

    pub fn adopt(&mut self, org: &str, rubric: &str, version: u32) -> u64 {
        let event = Event::RubricAdopted {
            org: org.into(),
            rubric: rubric.into(),
            version,
        };
        self.org_event(org, event)
    }

    /// A leadership-system rating outside any cycle.
    pub fn rate(&mut self, org: &str, indicator: &str, level: &str, evidence: &str) -> u64 {
        let event = rating(org, indicator, level, evidence, None);
        self.org_event(org, event)
    }

    /// A leadership-system rating made within a cycle (so it is in the cycle's stream).
    pub fn rate_in(
        &mut self,
        cycle: &str,
        org: &str,
        indicator: &str,
        level: &str,
        evidence: &str,
    ) -> u64 {
        let event = rating(org, indicator, level, evidence, Some(cycle));
        self.cycle_event(cycle, event)
    }

    /// Opens a leadership-system cycle led by lee, from today for 270 days.
    pub fn open_cycle(&mut self, cycle: &str, org: &str, title: &str) -> u64 {
        let today = self.clock.today();
        let event = Event::CycleOpened {
            cycle: cycle.into(),
            org: org.into(),
            title: title.into(),
            rubric: LEADERSHIP.into(),
            rubric_version: 1,
            focus: vec!["3a".into(), "3b".into()],
            lead: "lee".into(),
            starts_on: today,
            ends_on: today + Days::new(270),
        };
        self.cycle_event(cycle, event)
    }

    pub fn phase(&mut self, cycle: &str, from: Phase, to: Phase) -> u64 {
        let event = Event::CyclePhaseChanged {
            cycle: cycle.into(),
            from,
            to,
        };
        self.cycle_event(cycle, event)
    }

    pub fn close_cycle(&mut self, cycle: &str, summary: &str) -> u64 {
        let event = Event::CycleClosed {
            cycle: cycle.into(),
            summary: summary.into(),
        };
        self.cycle_event(cycle, event)
    }

    pub fn goal(
        &mut self,
        cycle: &str,
        goal: &str,
        statement: &str,
        due_on: NaiveDate,
        accountable: &str,
    ) -> u64 {
        let event = Event::GoalSet {
            cycle: cycle.into(),
            goal: goal.into(),
            statement: statement.into(),
            target: None,
            measure: None,
            due_on,
            accountable: accountable.into(),
            serves: None,
        };
        self.cycle_event(cycle, event)
    }

    pub fn revise_goal(
        &mut self,
        cycle: &str,
        goal: &str,
        statement: &str,
        due_on: NaiveDate,
        reason: &str,
    ) -> u64 {
        let event = Event::GoalRevised {
            cycle: cycle.into(),
            goal: goal.into(),
            statement: statement.into(),
            target: None,
            measure: None,
            due_on,
            serves: None,
            reason: reason.into(),
        };
        self.cycle_event(cycle, event)
    }

    pub fn goal_met(&mut self, cycle: &str, goal: &str, evidence: &str) -> u64 {
        let event = Event::GoalMet {
            cycle: cycle.into(),
            goal: goal.into(),
            evidence: evidence.into(),
        };
        self.cycle_event(cycle, event)
    }

    pub fn goal_dropped(&mut self, cycle: &str, goal: &str, reason: &str) -> u64 {
        let event = Event::GoalDropped {
            cycle: cycle.into(),
            goal: goal.into(),
            reason: reason.into(),
        };
        self.cycle_event(cycle, event)
    }

    pub fn milestone(
        &mut self,
        cycle: &str,
        goal: &str,
        milestone: &str,
        title: &str,
        due_on: NaiveDate,
        accountable: &str,
    ) -> u64 {
        let event = Event::MilestonePlanned {
            cycle: cycle.into(),
            goal: goal.into(),
            milestone: milestone.into(),
            title: title.into(),
            due_on,
            accountable: accountable.into(),
            measure: "done or not".into(),
        };
        self.cycle_event(cycle, event)
    }

    pub fn reschedule(
        &mut self,
        cycle: &str,
        milestone: &str,
        from: NaiveDate,
        to: NaiveDate,
        reason: &str,
    ) -> u64 {
        let event = Event::MilestoneRescheduled {
            cycle: cycle.into(),
            milestone: milestone.into(),
            from,
            to,
            reason: reason.into(),
        };
        self.cycle_event(cycle, event)
    }

    pub fn reached(&mut self, cycle: &str, milestone: &str, evidence: &str) -> u64 {
        let event = Event::MilestoneReached {
            cycle: cycle.into(),
            milestone: milestone.into(),
            evidence: evidence.into(),
        };
        self.cycle_event(cycle, event)
    }

    pub fn missed(&mut self, cycle: &str, milestone: &str, reason: &str) -> u64 {
        let event = Event::MilestoneMissed {
            cycle: cycle.into(),
            milestone: milestone.into(),
            reason: reason.into(),
        };
        self.cycle_event(cycle, event)
    }

    pub fn measure(&mut self, cycle: &str, goal: &str, value: f64, source: &str) -> u64 {
        let event = Event::MeasureRecorded {
            cycle: cycle.into(),
            goal: goal.into(),
            value,
            source: source.into(),
        };
        self.cycle_event(cycle, event)
    }

    pub fn raci(&mut self, cycle: &str, item: ItemRef, role: RaciRole, person: &str) -> u64 {
        let event = Event::RaciAssigned {
            cycle: cycle.into(),
            item,
            role,
            person: person.into(),
        };
        self.cycle_event(cycle, event)
    }

    pub fn reassign(
        &mut self,
        cycle: &str,
        item: ItemRef,
        from: &str,
        to: &str,
        reason: &str,
    ) -> u64 {
        let event = Event::AccountableReassigned {
            cycle: cycle.into(),
            item,
            from: from.into(),
            to: to.into(),
            reason: reason.into(),
        };
        self.cycle_event(cycle, event)
    }

    pub fn adjust(&mut self, cycle: &str, adjustment: &str, what_changed: &str, why: &str) -> u64 {
        let event = Event::AdjustmentLogged {
            cycle: cycle.into(),
            adjustment: adjustment.into(),
            kind: AdjustmentKind::Program,
            what_changed: what_changed.into(),
            why: why.into(),
            touches: None,
            decided_by: "team".into(),
        };
        self.cycle_event(cycle, event)
    }

    pub fn celebrate(&mut self, cycle: &str, celebration: &str, what: &str) -> u64 {
        let event = Event::CelebrationLogged {
            cycle: cycle.into(),
            celebration: celebration.into(),
            what: what.into(),
            item: None,
            participants: vec!["team".into()],
        };
        self.cycle_event(cycle, event)
    }

    pub fn reflect(&mut self, cycle: &str, question: &str, answer: &str) -> u64 {
        let event = Event::ReflectionAnswered {
            cycle: cycle.into(),
            question: question.into(),
            answer: answer.into(),
        };
        self.cycle_event(cycle, event)
    }

    pub fn revise_reflection(&mut self, cycle: &str, question: &str, answer: &str) -> u64 {
        let event = Event::ReflectionRevised {
            cycle: cycle.into(),
            question: question.into(),
            answer: answer.into(),
            reason: None,
        };
        self.cycle_event(cycle, event)
    }

    /// Retracts the event at `position`; the retraction goes to `stream`, the retracted
    /// event's stream.
    pub fn retract(&mut self, stream: &str, position: u64, reason: &str) -> u64 {
        let event = Event::EventRetracted {
            position,
            reason: reason.into(),
        };
        self.push(stream, event)
    }
}

fn rating(org: &str, indicator: &str, level: &str, evidence: &str, cycle: Option<&str>) -> Event {
    Event::IndicatorRated {
        org: org.into(),
        rubric: LEADERSHIP.into(),
        rubric_version: 1,
        indicator: indicator.into(),
        level: level.into(),
        evidence: evidence.into(),
        cycle: cycle.map(Into::into),
    }
}

/// One step of a random history: `pick` chooses the kind of event (weighted by the
/// generator's mix), `a`, `b`, `c` choose its targets and values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Op {
    pub pick: u16,
    pub a: u16,
    pub b: u16,
    pub c: u16,
}

/// What a generated step does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Org,
    Person,
    RoleDefine,
    RoleAssign,
    RoleRelease,
    Vision,
    Agreement,
    Plan,
    Adopt,
    Rate,
    Open,
    Phase,
    Close,
    GoalSet,
    GoalRevise,
    GoalEnd,
    MilestonePlan,
    Reschedule,
    MilestoneEnd,
    Measure,
    Raci,
    Reassign,
    Adjust,
    Celebrate,
    Reflect,
    Retract,
    Ghost,
    NextDay,
}

/// A mix for property tests: every kind often, retractions and oddities included.
pub const TEST_MIX: &[(Kind, u32)] = &[
    (Kind::Org, 30),
    (Kind::Person, 30),
    (Kind::RoleDefine, 15),
    (Kind::RoleAssign, 20),
    (Kind::RoleRelease, 10),
    (Kind::Vision, 15),
    (Kind::Agreement, 8),
    (Kind::Plan, 8),
    (Kind::Adopt, 10),
    (Kind::Rate, 60),
    (Kind::Open, 25),
    (Kind::Phase, 15),
    (Kind::Close, 5),
    (Kind::GoalSet, 30),
    (Kind::GoalRevise, 15),
    (Kind::GoalEnd, 10),
    (Kind::MilestonePlan, 30),
    (Kind::Reschedule, 20),
    (Kind::MilestoneEnd, 20),
    (Kind::Measure, 25),
    (Kind::Raci, 15),
    (Kind::Reassign, 15),
    (Kind::Adjust, 10),
    (Kind::Celebrate, 10),
    (Kind::Reflect, 15),
    (Kind::Retract, 45),
    (Kind::Ghost, 15),
    (Kind::NextDay, 30),
];

/// A mix like a district's working log: mostly ratings, measures and milestone traffic.
pub const REALISTIC_MIX: &[(Kind, u32)] = &[
    (Kind::Org, 3),
    (Kind::Person, 10),
    (Kind::RoleDefine, 3),
    (Kind::RoleAssign, 6),
    (Kind::RoleRelease, 2),
    (Kind::Vision, 3),
    (Kind::Agreement, 2),
    (Kind::Plan, 2),
    (Kind::Adopt, 2),
    (Kind::Rate, 250),
    (Kind::Open, 4),
    (Kind::Phase, 8),
    (Kind::Close, 2),
    (Kind::GoalSet, 25),
    (Kind::GoalRevise, 8),
    (Kind::GoalEnd, 9),
    (Kind::MilestonePlan, 60),
    (Kind::Reschedule, 25),
    (Kind::MilestoneEnd, 43),
    (Kind::Measure, 180),
    (Kind::Raci, 30),
    (Kind::Reassign, 8),
    (Kind::Adjust, 40),
    (Kind::Celebrate, 30),
    (Kind::Reflect, 50),
    (Kind::Retract, 15),
    (Kind::Ghost, 1),
    (Kind::NextDay, 1),
];

#[derive(Clone, Debug)]
struct GenCycle {
    id: String,
    org: String,
    phase: Phase,
    goals: Vec<String>,
    /// Milestone id, its current due date as the generator last set it, its accountable.
    milestones: Vec<(String, NaiveDate, String)>,
}

/// Turns [`Op`]s into a valid-enough history (see the module docs).
#[derive(Clone, Debug)]
pub struct Generator {
    clock: Clock,
    mix: &'static [(Kind, u32)],
    total: u32,
    orgs: Vec<(String, OrgKind)>,
    people: Vec<String>,
    roles: Vec<(String, String)>,
    cycles: Vec<GenCycle>,
    /// Recent retractable events and their streams; retractions mostly fix recent mistakes.
    recent: VecDeque<(u64, String)>,
    next_id: u64,
}

impl Generator {
    pub fn new(mix: &'static [(Kind, u32)]) -> Generator {
        Generator {
            clock: Clock::default(),
            mix,
            total: mix.iter().map(|(_, w)| w).sum::<u32>().max(1),
            orgs: Vec::new(),
            people: Vec::new(),
            roles: Vec::new(),
            cycles: Vec::new(),
            recent: VecDeque::new(),
            next_id: 0,
        }
    }

    /// The history `ops` describe.
    pub fn history(mix: &'static [(Kind, u32)], ops: &[Op]) -> Vec<Envelope> {
        let mut g = Generator::new(mix);
        ops.iter().filter_map(|op| g.step(*op)).collect()
    }

    /// `n` events of a history drawn from a seeded pseudo-random stream, generated lazily.
    pub fn stream(
        mix: &'static [(Kind, u32)],
        seed: u64,
        n: u64,
    ) -> impl Iterator<Item = Envelope> {
        let mut g = Generator::new(mix);
        let mut rng = SplitMix(seed);
        std::iter::from_fn(move || loop {
            if g.clock.position() >= n {
                return None;
            }
            let r = rng.next();
            let op = Op {
                pick: r as u16,
                a: (r >> 16) as u16,
                b: (r >> 32) as u16,
                c: (r >> 48) as u16,
            };
            if let Some(env) = g.step(op) {
                return Some(env);
            }
        })
    }

    fn kind(&self, pick: u16) -> Kind {
        let mut at = u32::from(pick) % self.total;
        for (kind, weight) in self.mix {
            if at < *weight {
                return *kind;
            }
            at -= weight;
        }
        Kind::NextDay
    }

    fn id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}{}", self.next_id)
    }

    /// Recent cycles are the busy ones.
    fn cycle(&self, a: u16) -> Option<usize> {
        let n = self.cycles.len();
        let window = n.min(50);
        (window > 0).then(|| n - 1 - usize::from(a) % window)
    }

    fn person(&self, i: u16) -> String {
        pick(&self.people, i)
            .cloned()
            .unwrap_or_else(|| "nobody".into())
    }

    fn emit(&mut self, stream: String, event: Event, backdate: Option<u16>) -> Envelope {
        if let Some(days) = backdate {
            let day = self.clock.today() - Days::new(u64::from(days % 20));
            self.clock.on = Some(day);
        }
        let retractable = crate::is_retractable(&event);
        let env = self.clock.stamp(&stream, event);
        if retractable {
            self.recent.push_back((env.position, stream));
            if self.recent.len() > 256 {
                self.recent.pop_front();
            }
        }
        env
    }

    /// The event `op` describes, if it makes sense given what exists so far.
    pub fn step(&mut self, op: Op) -> Option<Envelope> {
        let Op { a, b, c, .. } = op;
        // About one cycle fact in seven is dated in the past.
        let backdate = (c % 7 == 0).then_some(b);
        let kind = self.kind(op.pick);
        let event = match kind {
            Kind::Org => {
                let districts: Vec<_> = self
                    .orgs
                    .iter()
                    .filter(|(_, k)| *k == OrgKind::District)
                    .map(|(o, _)| o.clone())
                    .collect();
                let (kind, parent) = if self.orgs.is_empty() {
                    (OrgKind::State, None)
                } else if districts.is_empty() || districts.len() * 20 < self.orgs.len() {
                    (OrgKind::District, self.orgs.first().map(|(o, _)| o.clone()))
                } else {
                    (OrgKind::School, pick(&districts, a).cloned())
                };
                let org = self.id("o");
                self.orgs.push((org.clone(), kind));
                let name = format!("Unit {org}");
                let event = Event::OrgUnitRegistered {
                    org: org.clone(),
                    kind,
                    name,
                    parent,
                };
                return Some(self.emit(format!("org-{org}"), event, None));
            }
            Kind::Person => {
                let person = self.id("p");
                self.people.push(person.clone());
                let event = Event::PersonAdded {
                    person: person.clone(),
                    name: format!("Person {person}"),
                    email: None,
                };
                return Some(self.emit(format!("person-{person}"), event, None));
            }
            Kind::RoleDefine => {
                let (org, _) = pick(&self.orgs, a)?.clone();
                let role = format!("r{}", b % 4);
                if !self.roles.contains(&(org.clone(), role.clone())) {
                    self.roles.push((org.clone(), role.clone()));
                }
                Event::RoleDefined {
                    org,
                    role,
                    title: format!("Role {}", b % 4),
                    success: format!("success v{c}"),
                    why: "it matters".into(),
                    measure: "a measure".into(),
                    reason: (c % 2 == 0).then(|| "clarified".into()),
                }
            }
            Kind::RoleAssign | Kind::RoleRelease => {
                let (org, role) = pick(&self.roles, a)?.clone();
                let person = self.person(b);
                if kind == Kind::RoleAssign {
                    Event::RoleAssigned { org, role, person }
                } else {
                    let reason = Some("moved on".into());
                    Event::RoleReleased {
                        org,
                        role,
                        person,
                        reason,
                    }
                }
            }
            Kind::Vision => {
                let (org, _) = pick(&self.orgs, a)?.clone();
                let version = u32::from(b % 5) + 1;
                match c % 3 {
                    0 => Event::VisionAdopted {
                        org,
                        version,
                        statement: format!("Vision {version}"),
                        portrait: vec!["curious".into()],
                    },
                    1 => Event::VisionReviewed {
                        org,
                        version,
                        participants: vec![self.person(c)],
                        notes: "reviewed".into(),
                    },
                    _ => Event::VisionRevised {
                        org,
                        version,
                        statement: format!("Vision {version} revised"),
                        portrait: vec!["kind".into()],
                        reason: "feedback".into(),
                    },
                }
            }
            Kind::Agreement => {
                let (org, _) = pick(&self.orgs, a)?.clone();
                Event::AgreementRecorded {
                    org,
                    version: u32::from(b % 5) + 1,
                    how_we_work: format!("We meet every {} days", c % 14 + 1),
                    decision_rights: Vec::new(),
                }
            }
            Kind::Plan => {
                let (org, _) = pick(&self.orgs, a)?.clone();
                Event::StrategicPlanRecorded {
                    org,
                    version: u32::from(b % 5) + 1,
                    focus: format!("Focus {}", c % 5),
                    steps: Vec::new(),
                    celebrate_success: "assembly".into(),
                }
            }
            Kind::Adopt => {
                let (org, _) = pick(&self.orgs, a)?.clone();
                let rubric = if b % 2 == 0 { LEADERSHIP } else { RAPID };
                Event::RubricAdopted {
                    org,
                    rubric: rubric.into(),
                    version: 1 + u32::from(c % 3 == 0),
                }
            }
            Kind::Rate => {
                let in_cycle = (c % 3 == 0).then(|| self.cycle(a)).flatten();
                let (org, cycle) = match in_cycle {
                    Some(i) => (self.cycles[i].org.clone(), Some(self.cycles[i].id.clone())),
                    None => (pick(&self.orgs, a)?.0.clone(), None),
                };
                let level = if c % 97 == 1 {
                    "not_a_level"
                } else {
                    LEADERSHIP_LEVELS[usize::from(c) % 3]
                };
                let stream = match &cycle {
                    Some(id) => format!("cycle-{id}"),
                    None => format!("org-{org}"),
                };
                let event = Event::IndicatorRated {
                    org,
                    rubric: LEADERSHIP.into(),
                    rubric_version: 1,
                    indicator: LEADERSHIP_INDICATORS[usize::from(b) % 28].into(),
                    level: level.into(),
                    evidence: format!("observed in walkthrough {c}"),
                    cycle,
                };
                return Some(self.emit(stream, event, backdate));
            }
            Kind::Open => {
                let (org, _) = pick(&self.orgs, a)?.clone();
                let id = self.id("c");
                let today = self.clock.today();
                self.cycles.push(GenCycle {
                    id: id.clone(),
                    org: org.clone(),
                    phase: Phase::Plan,
                    goals: Vec::new(),
                    milestones: Vec::new(),
                });
                Event::CycleOpened {
                    cycle: id,
                    org,
                    title: format!("Cycle {b}"),
                    rubric: LEADERSHIP.into(),
                    rubric_version: 1,
                    focus: vec![LEADERSHIP_INDICATORS[usize::from(b) % 28].into()],
                    lead: self.person(c),
                    starts_on: today,
                    ends_on: today + Days::new(200),
                }
            }
            Kind::Phase => {
                let at = self.cycle(a)?;
                let cycle = &mut self.cycles[at];
                let from = cycle.phase;
                cycle.phase = from.next();
                Event::CyclePhaseChanged {
                    cycle: cycle.id.clone(),
                    from,
                    to: cycle.phase,
                }
            }
            Kind::Close => Event::CycleClosed {
                cycle: self.cycles[self.cycle(a)?].id.clone(),
                summary: format!("closed with {b} notes"),
            },
            Kind::GoalSet => {
                let at = self.cycle(a)?;
                let goal = self.id("g");
                // About one goal in eleven names someone never added as a person.
                let accountable = if c % 11 == 0 {
                    "stranger".into()
                } else {
                    self.person(c)
                };
                let cycle = &mut self.cycles[at];
                cycle.goals.push(goal.clone());
                Event::GoalSet {
                    cycle: cycle.id.clone(),
                    goal,
                    statement: format!("Goal {b}"),
                    target: None,
                    measure: None,
                    due_on: self.clock.today() + Days::new(u64::from(b % 200)),
                    accountable,
                    serves: None,
                }
            }
            Kind::GoalRevise => {
                let cycle = &self.cycles[self.cycle(a)?];
                Event::GoalRevised {
                    cycle: cycle.id.clone(),
                    goal: pick(&cycle.goals, b)?.clone(),
                    statement: format!("Goal revised {c}"),
                    target: None,
                    measure: None,
                    due_on: self.clock.today() + Days::new(u64::from(c % 200)),
                    serves: None,
                    reason: "board asked".into(),
                }
            }
            Kind::GoalEnd => {
                let cycle = &self.cycles[self.cycle(a)?];
                let (cycle_id, goal) = (cycle.id.clone(), pick(&cycle.goals, b)?.clone());
                if c % 3 == 0 {
                    let reason = "superseded".into();
                    Event::GoalDropped {
                        cycle: cycle_id,
                        goal,
                        reason,
                    }
                } else {
                    let evidence = "data".into();
                    Event::GoalMet {
                        cycle: cycle_id,
                        goal,
                        evidence,
                    }
                }
            }
            Kind::MilestonePlan => {
                let at = self.cycle(a)?;
                let goal = pick(&self.cycles[at].goals, b)?.clone();
                let milestone = self.id("m");
                let due = (self.clock.today() + Days::new(u64::from(c % 120))) - Days::new(30);
                let accountable = self.person(c);
                let cycle = &mut self.cycles[at];
                cycle
                    .milestones
                    .push((milestone.clone(), due, accountable.clone()));
                Event::MilestonePlanned {
                    cycle: cycle.id.clone(),
                    goal,
                    milestone,
                    title: format!("Milestone {b}"),
                    due_on: due,
                    accountable,
                    measure: "done or not".into(),
                }
            }
            Kind::Reschedule => {
                let at = self.cycle(a)?;
                let cycle = &mut self.cycles[at];
                let n = cycle.milestones.len();
                let (milestone, due, _) = cycle.milestones.get_mut(usize::from(b) % n.max(1))?;
                let from = *due;
                *due = from + Days::new(u64::from(c % 30));
                Event::MilestoneRescheduled {
                    cycle: cycle.id.clone(),
                    milestone: milestone.clone(),
                    from,
                    to: *due,
                    reason: "calendar moved".into(),
                }
            }
            Kind::MilestoneEnd => {
                let cycle = &self.cycles[self.cycle(a)?];
                let (milestone, _, _) = pick(&cycle.milestones, b)?.clone();
                let cycle = cycle.id.clone();
                if c % 4 == 0 {
                    let reason = "ran out of time".into();
                    Event::MilestoneMissed {
                        cycle,
                        milestone,
                        reason,
                    }
                } else {
                    let evidence = format!("artifact {c}");
                    Event::MilestoneReached {
                        cycle,
                        milestone,
                        evidence,
                    }
                }
            }
            Kind::Measure => {
                let cycle = &self.cycles[self.cycle(a)?];
                Event::MeasureRecorded {
                    cycle: cycle.id.clone(),
                    goal: pick(&cycle.goals, b)?.clone(),
                    value: f64::from(c) / 10.0,
                    source: "benchmark".into(),
                }
            }
            Kind::Raci | Kind::Reassign => {
                let at = self.cycle(a)?;
                let person = self.person(c);
                let cycle = &mut self.cycles[at];
                let (item, from) = if b % 2 == 0 {
                    let goal = pick(&cycle.goals, b / 2)?.clone();
                    (ItemRef::Goal(goal), "someone".to_owned())
                } else {
                    let n = cycle.milestones.len();
                    let (m, _, who) = cycle.milestones.get_mut(usize::from(b / 2) % n.max(1))?;
                    let from = who.clone();
                    if kind == Kind::Reassign {
                        who.clone_from(&person);
                    }
                    (ItemRef::Milestone(m.clone()), from)
                };
                let cycle = cycle.id.clone();
                if kind == Kind::Raci {
                    let role = [
                        RaciRole::Responsible,
                        RaciRole::Consulted,
                        RaciRole::Informed,
                    ][usize::from(c) % 3];
                    Event::RaciAssigned {
                        cycle,
                        item,
                        role,
                        person,
                    }
                } else {
                    Event::AccountableReassigned {
                        cycle,
                        item,
                        from,
                        to: person,
                        reason: "workload".into(),
                    }
                }
            }
            Kind::Adjust => Event::AdjustmentLogged {
                cycle: self.cycles[self.cycle(a)?].id.clone(),
                adjustment: self.id("a"),
                kind: AdjustmentKind::Timeline,
                what_changed: format!("moved PLC to day {b}"),
                why: "schedule conflict".into(),
                touches: None,
                decided_by: "team".into(),
            },
            Kind::Celebrate => Event::CelebrationLogged {
                cycle: self.cycles[self.cycle(a)?].id.clone(),
                celebration: self.id("k"),
                what: format!("attendance up {b}"),
                item: None,
                participants: vec!["team".into()],
            },
            Kind::Reflect => {
                let cycle = self.cycles[self.cycle(a)?].id.clone();
                let question = format!("q{:02}", b % 18 + 1);
                let answer = format!("answer {c}");
                if c % 3 == 0 {
                    Event::ReflectionRevised {
                        cycle,
                        question,
                        answer,
                        reason: Some("new data".into()),
                    }
                } else {
                    Event::ReflectionAnswered {
                        cycle,
                        question,
                        answer,
                    }
                }
            }
            Kind::Retract => {
                let now = self.clock.position();
                if now == 0 {
                    return None;
                }
                let (position, stream) = if c % 5 == 0 || self.recent.is_empty() {
                    // Any earlier event: maybe retracted already, maybe not retractable at all.
                    (u64::from(a) % now + 1, "org-odd".to_owned())
                } else {
                    let n = self.recent.len();
                    self.recent.get(usize::from(a) % n)?.clone()
                };
                let event = Event::EventRetracted {
                    position,
                    reason: format!("mistake {b}"),
                };
                return Some(self.emit(stream, event, None));
            }
            Kind::Ghost => match c % 3 {
                0 => Event::MeasureRecorded {
                    cycle: "ghost".into(),
                    goal: "g0".into(),
                    value: 1.0,
                    source: "nowhere".into(),
                },
                1 => Event::MilestoneReached {
                    cycle: self.cycles[self.cycle(a)?].id.clone(),
                    milestone: "no-such-milestone".into(),
                    evidence: "?".into(),
                },
                _ => Event::AccountableReassigned {
                    cycle: self.cycles[self.cycle(a)?].id.clone(),
                    item: ItemRef::Goal("no-such-goal".into()),
                    from: "x".into(),
                    to: "y".into(),
                    reason: "?".into(),
                },
            },
            Kind::NextDay => {
                let next = self.clock.today() + Days::new(u64::from(a % 3) + 1);
                self.clock.day(next);
                return None;
            }
        };
        let stream = match event.cycle() {
            Some(cycle) => format!("cycle-{cycle}"),
            None => stream_of_org_event(&event),
        };
        Some(self.emit(stream, event, backdate))
    }
}

/// The stream an event outside any cycle belongs to.
fn stream_of_org_event(event: &Event) -> String {
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
        | Event::IndicatorRated { org, .. } => format!("org-{org}"),
        Event::PersonAdded { person, .. } => format!("person-{person}"),
        _ => "misc".into(),
    }
}

fn pick<T>(items: &[T], i: u16) -> Option<&T> {
    (!items.is_empty()).then(|| &items[usize::from(i) % items.len()])
}

/// A tiny seeded pseudo-random stream (SplitMix64), so the benchmark needs no dependency.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}
