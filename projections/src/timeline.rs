//! The timeline of each improvement cycle: every fact of the cycle in the order it happened
//! (`occurred_on`, ties by log position), each kept with when it was recorded and by whom.
//!
//! A retracted fact leaves the timeline and undoes what it did to the cycle's goals and
//! milestones; the retraction itself takes its place in the timeline as an entry saying what
//! was retracted and why.
//!
//! Keeping the entries is a choice ([`Entries`]): the views an app keeps live for the whole log
//! skip them (every cycle's header, goals, milestones, phases and reflections are kept all the
//! same), and a timeline is shown by folding that one cycle's stream with entries kept.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use trellis_events::{AdjustmentKind, Envelope, Event, Phase, RaciRole};

use crate::by_id::LastFound;
use crate::cycle::{Cycle, GoalVersion, Item, Opening};
use crate::live::{PosIndex, Stamp};
use crate::name::{FxHashMap, Interner, Name};

/// A fact of a cycle, as the timeline keeps it: the event's payload without its cycle id.
///
/// Variant names and the `type` tag follow the event type names, so a fact reads the same in
/// the log and in the timeline; rare, large payloads are boxed to keep every entry small.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Fact {
    CycleOpened {
        title: String,
        lead: Name,
        starts_on: NaiveDate,
        ends_on: NaiveDate,
    },
    CyclePhaseChanged {
        from: Phase,
        to: Phase,
    },
    CycleClosed {
        summary: String,
    },
    IndicatorRated(Box<Rated>),
    GoalSet(Box<GoalSet>),
    GoalRevised(Box<GoalRevised>),
    GoalMet {
        goal: Name,
        evidence: String,
    },
    GoalDropped {
        goal: Name,
        reason: String,
    },
    MilestonePlanned(Box<MilestonePlanned>),
    MilestoneRescheduled {
        milestone: Name,
        from: NaiveDate,
        to: NaiveDate,
        reason: String,
    },
    MilestoneReached {
        milestone: Name,
        evidence: String,
    },
    MilestoneMissed {
        milestone: Name,
        reason: String,
    },
    MeasureRecorded {
        goal: Name,
        value: f64,
        source: String,
    },
    RaciAssigned {
        item: Item,
        role: RaciRole,
        person: Name,
    },
    AccountableReassigned(Box<Reassigned>),
    AdjustmentLogged(Box<Adjustment>),
    CelebrationLogged(Box<Celebration>),
    ReflectionAnswered {
        question: Name,
        answer: String,
    },
    ReflectionRevised {
        question: Name,
        answer: String,
        reason: Option<String>,
    },
    /// A retraction, holding the entry it removed.
    EventRetracted {
        retracted: Box<Entry>,
        reason: String,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rated {
    pub org: Name,
    pub rubric: Name,
    pub rubric_version: u32,
    pub indicator: Name,
    pub level: Name,
    pub evidence: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GoalSet {
    pub goal: Name,
    pub version: GoalVersion,
    pub accountable: Name,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GoalRevised {
    pub goal: Name,
    pub version: GoalVersion,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MilestonePlanned {
    pub goal: Name,
    pub milestone: Name,
    pub title: String,
    pub due_on: NaiveDate,
    pub accountable: Name,
    pub measure: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reassigned {
    pub item: Item,
    pub from: Name,
    pub to: Name,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Adjustment {
    /// Unique per adjustment, so not interned.
    pub adjustment: String,
    pub kind: AdjustmentKind,
    pub what_changed: String,
    pub why: String,
    pub touches: Option<Item>,
    pub decided_by: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Celebration {
    /// Unique per celebration, so not interned.
    pub celebration: String,
    pub what: String,
    pub item: Option<Item>,
    pub participants: Vec<String>,
}

impl Fact {
    /// The fact an event records about a cycle (or a rating, in or out of a cycle); `None` for
    /// events that are not facts of a cycle.
    pub fn from_event(event: &Event, names: &mut Interner) -> Option<Fact> {
        let s = |x: &String| x.clone();
        Some(match event {
            Event::CycleOpened {
                title,
                lead,
                starts_on,
                ends_on,
                ..
            } => Fact::CycleOpened {
                title: s(title),
                lead: names.name(lead),
                starts_on: *starts_on,
                ends_on: *ends_on,
            },
            Event::CyclePhaseChanged { from, to, .. } => Fact::CyclePhaseChanged {
                from: *from,
                to: *to,
            },
            Event::CycleClosed { summary, .. } => Fact::CycleClosed {
                summary: s(summary),
            },
            Event::IndicatorRated {
                org,
                rubric,
                rubric_version,
                indicator,
                level,
                evidence,
                ..
            } => Fact::IndicatorRated(Box::new(Rated {
                org: names.name(org),
                rubric: names.name(rubric),
                rubric_version: *rubric_version,
                indicator: names.name(indicator),
                level: names.name(level),
                evidence: s(evidence),
            })),
            Event::GoalSet {
                goal,
                statement,
                target,
                measure,
                due_on,
                accountable,
                serves,
                ..
            } => Fact::GoalSet(Box::new(GoalSet {
                goal: names.name(goal),
                version: GoalVersion {
                    statement: s(statement),
                    target: target.clone(),
                    measure: measure.clone(),
                    due_on: *due_on,
                    serves: serves.clone(),
                },
                accountable: names.name(accountable),
            })),
            Event::GoalRevised {
                goal,
                statement,
                target,
                measure,
                due_on,
                serves,
                reason,
                ..
            } => Fact::GoalRevised(Box::new(GoalRevised {
                goal: names.name(goal),
                version: GoalVersion {
                    statement: s(statement),
                    target: target.clone(),
                    measure: measure.clone(),
                    due_on: *due_on,
                    serves: serves.clone(),
                },
                reason: s(reason),
            })),
            Event::GoalMet { goal, evidence, .. } => Fact::GoalMet {
                goal: names.name(goal),
                evidence: s(evidence),
            },
            Event::GoalDropped { goal, reason, .. } => Fact::GoalDropped {
                goal: names.name(goal),
                reason: s(reason),
            },
            Event::MilestonePlanned {
                goal,
                milestone,
                title,
                due_on,
                accountable,
                measure,
                ..
            } => Fact::MilestonePlanned(Box::new(MilestonePlanned {
                goal: names.name(goal),
                milestone: names.name(milestone),
                title: s(title),
                due_on: *due_on,
                accountable: names.name(accountable),
                measure: s(measure),
            })),
            Event::MilestoneRescheduled {
                milestone,
                from,
                to,
                reason,
                ..
            } => Fact::MilestoneRescheduled {
                milestone: names.name(milestone),
                from: *from,
                to: *to,
                reason: s(reason),
            },
            Event::MilestoneReached {
                milestone,
                evidence,
                ..
            } => Fact::MilestoneReached {
                milestone: names.name(milestone),
                evidence: s(evidence),
            },
            Event::MilestoneMissed {
                milestone, reason, ..
            } => Fact::MilestoneMissed {
                milestone: names.name(milestone),
                reason: s(reason),
            },
            Event::MeasureRecorded {
                goal,
                value,
                source,
                ..
            } => Fact::MeasureRecorded {
                goal: names.name(goal),
                value: *value,
                source: s(source),
            },
            Event::RaciAssigned {
                item, role, person, ..
            } => Fact::RaciAssigned {
                item: Item::interned(item, names),
                role: *role,
                person: names.name(person),
            },
            Event::AccountableReassigned {
                item,
                from,
                to,
                reason,
                ..
            } => Fact::AccountableReassigned(Box::new(Reassigned {
                item: Item::interned(item, names),
                from: names.name(from),
                to: names.name(to),
                reason: s(reason),
            })),
            Event::AdjustmentLogged {
                adjustment,
                kind,
                what_changed,
                why,
                touches,
                decided_by,
                ..
            } => Fact::AdjustmentLogged(Box::new(Adjustment {
                adjustment: s(adjustment),
                kind: *kind,
                what_changed: s(what_changed),
                why: s(why),
                touches: touches.as_ref().map(|i| Item::interned(i, names)),
                decided_by: s(decided_by),
            })),
            Event::CelebrationLogged {
                celebration,
                what,
                item,
                participants,
                ..
            } => Fact::CelebrationLogged(Box::new(Celebration {
                celebration: s(celebration),
                what: s(what),
                item: item.as_ref().map(|i| Item::interned(i, names)),
                participants: participants.clone(),
            })),
            Event::ReflectionAnswered {
                question, answer, ..
            } => Fact::ReflectionAnswered {
                question: names.name(question),
                answer: s(answer),
            },
            Event::ReflectionRevised {
                question,
                answer,
                reason,
                ..
            } => Fact::ReflectionRevised {
                question: names.name(question),
                answer: s(answer),
                reason: reason.clone(),
            },
            _ => return None,
        })
    }

    /// The stable type name of the event this fact came from.
    pub fn kind(&self) -> &'static str {
        match self {
            Fact::CycleOpened { .. } => "cycle_opened",
            Fact::CyclePhaseChanged { .. } => "cycle_phase_changed",
            Fact::CycleClosed { .. } => "cycle_closed",
            Fact::IndicatorRated(_) => "indicator_rated",
            Fact::GoalSet(_) => "goal_set",
            Fact::GoalRevised(_) => "goal_revised",
            Fact::GoalMet { .. } => "goal_met",
            Fact::GoalDropped { .. } => "goal_dropped",
            Fact::MilestonePlanned(_) => "milestone_planned",
            Fact::MilestoneRescheduled { .. } => "milestone_rescheduled",
            Fact::MilestoneReached { .. } => "milestone_reached",
            Fact::MilestoneMissed { .. } => "milestone_missed",
            Fact::MeasureRecorded { .. } => "measure_recorded",
            Fact::RaciAssigned { .. } => "raci_assigned",
            Fact::AccountableReassigned(_) => "accountable_reassigned",
            Fact::AdjustmentLogged(_) => "adjustment_logged",
            Fact::CelebrationLogged(_) => "celebration_logged",
            Fact::ReflectionAnswered { .. } => "reflection_answered",
            Fact::ReflectionRevised { .. } => "reflection_revised",
            Fact::EventRetracted { .. } => "event_retracted",
        }
    }

    /// A short human line. With the cycle at hand, goals and milestones are named by their
    /// statement or title, and a goal revision shows what it changed from; without it (the
    /// audit view), by id.
    pub fn summary(&self, position: u64, cycle: Option<&Cycle>) -> String {
        let goal = |id: &str| {
            let name = cycle.and_then(|c| c.goal_name(id));
            quoted(name.unwrap_or(id))
        };
        let milestone = |id: &str| {
            let name = cycle.and_then(|c| c.milestone_name(id));
            quoted(name.unwrap_or(id))
        };
        let item = |i: &Item| {
            let (kind, id) = match i {
                Item::Goal(id) => ("goal", id),
                Item::Milestone(id) => ("milestone", id),
            };
            let name = cycle.and_then(|c| c.item_name(i));
            format!("{kind} {}", quoted(name.unwrap_or(id)))
        };
        match self {
            Fact::CycleOpened {
                title,
                lead,
                starts_on,
                ends_on,
            } => format!(
                "cycle opened: {} led by {lead}, {starts_on} to {ends_on}",
                quoted(title)
            ),
            Fact::CyclePhaseChanged { from, to } => {
                format!("phase changed: {} → {}", phase(*from), phase(*to))
            }
            Fact::CycleClosed { summary } => format!("cycle closed: {}", short(summary)),
            Fact::IndicatorRated(r) => format!(
                "rated {} on {} {} at {}: {}",
                r.org,
                r.rubric,
                r.indicator,
                r.level,
                short(&r.evidence)
            ),
            Fact::GoalSet(g) => format!(
                "goal set: {}, due {}, accountable {}",
                quoted(&g.version.statement),
                g.version.due_on,
                g.accountable
            ),
            Fact::GoalRevised(r) => {
                let before = cycle
                    .and_then(|c| c.goals.get(&r.goal))
                    .map(|g| g.version_before(position));
                revision_summary(&r.goal, before, &r.version, &r.reason)
            }
            Fact::GoalMet { goal: g, evidence } => {
                format!("goal met: {}: {}", goal(g), short(evidence))
            }
            Fact::GoalDropped { goal: g, reason } => {
                format!("goal dropped: {} because {}", goal(g), short(reason))
            }
            Fact::MilestonePlanned(m) => format!(
                "milestone planned: {}, due {}, accountable {}",
                quoted(&m.title),
                m.due_on,
                m.accountable
            ),
            Fact::MilestoneRescheduled {
                milestone: m,
                from,
                to,
                reason,
            } => format!(
                "milestone {} rescheduled: {from} → {to} because {}",
                milestone(m),
                short(reason)
            ),
            Fact::MilestoneReached {
                milestone: m,
                evidence,
            } => format!("milestone reached: {}: {}", milestone(m), short(evidence)),
            Fact::MilestoneMissed {
                milestone: m,
                reason,
            } => format!(
                "milestone missed: {} because {}",
                milestone(m),
                short(reason)
            ),
            Fact::MeasureRecorded {
                goal: g,
                value,
                source,
            } => {
                let unit = cycle
                    .and_then(|c| c.goals.get(g))
                    .and_then(|x| x.current().measure.as_ref())
                    .map(|m| format!(" {}", m.unit))
                    .unwrap_or_default();
                format!("measured {value}{unit} for {} ({})", goal(g), short(source))
            }
            Fact::RaciAssigned {
                item: i,
                role,
                person,
            } => format!("{person} is {} for {}", raci(*role), item(i)),
            Fact::AccountableReassigned(r) => format!(
                "accountable for {} reassigned: {} → {} because {}",
                item(&r.item),
                r.from,
                r.to,
                short(&r.reason)
            ),
            Fact::AdjustmentLogged(a) => format!(
                "adjustment ({}): {} because {}",
                adjustment(a.kind),
                short(&a.what_changed),
                short(&a.why)
            ),
            Fact::CelebrationLogged(c) => format!("celebrated: {}", short(&c.what)),
            Fact::ReflectionAnswered { question, answer } => {
                format!("reflection {question} answered: {}", short(answer))
            }
            Fact::ReflectionRevised {
                question,
                answer,
                reason,
            } => match reason {
                Some(why) => format!(
                    "reflection {question} revised: {} because {}",
                    short(answer),
                    short(why)
                ),
                None => format!("reflection {question} revised: {}", short(answer)),
            },
            Fact::EventRetracted { retracted, reason } => format!(
                "retracted: {} because {}",
                retracted.fact.summary(retracted.stamp.position, cycle),
                short(reason)
            ),
        }
    }
}

/// "goal revised: "old" → "new"; due d1 → d2 because …", naming only what changed.
fn revision_summary(
    id: &str,
    before: Option<&GoalVersion>,
    after: &GoalVersion,
    reason: &str,
) -> String {
    let mut changes = Vec::new();
    match before {
        Some(b) => {
            if b.statement != after.statement {
                changes.push(format!(
                    "{} → {}",
                    quoted(&b.statement),
                    quoted(&after.statement)
                ));
            }
            if b.due_on != after.due_on {
                changes.push(format!("due {} → {}", b.due_on, after.due_on));
            }
            if b.target != after.target || b.measure != after.measure {
                changes.push("target changed".to_owned());
            }
            if b.serves != after.serves {
                changes.push("serves another part of the vision".to_owned());
            }
        }
        None => changes.push(format!("{} now {}", id, quoted(&after.statement))),
    }
    if changes.is_empty() {
        changes.push("no change".to_owned());
    }
    format!(
        "goal revised: {} because {}",
        changes.join("; "),
        short(reason)
    )
}

/// Summaries stay one line: long free text is cut at a character boundary.
fn short(text: &str) -> String {
    const MAX: usize = 80;
    let line = text.lines().next().unwrap_or_default();
    match line.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None if line.len() < text.len() => format!("{line}…"),
        None => line.to_owned(),
    }
}

fn quoted(text: &str) -> String {
    format!("“{}”", short(text))
}

fn phase(p: Phase) -> &'static str {
    match p {
        Phase::Plan => "plan",
        Phase::Do => "do",
        Phase::Study => "study",
        Phase::Act => "act",
    }
}

fn raci(r: RaciRole) -> &'static str {
    match r {
        RaciRole::Responsible => "responsible",
        RaciRole::Consulted => "consulted",
        RaciRole::Informed => "informed",
    }
}

fn adjustment(k: AdjustmentKind) -> &'static str {
    match k {
        AdjustmentKind::Policy => "policy",
        AdjustmentKind::Program => "program",
        AdjustmentKind::Personnel => "personnel",
        AdjustmentKind::Timeline => "timeline",
        AdjustmentKind::Resources => "resources",
        AdjustmentKind::Other => "other",
    }
}

/// One stored fact of a cycle with its stamp.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub stamp: Stamp,
    pub fact: Fact,
}

/// One line of a cycle's timeline as the API shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub position: u64,
    pub occurred_on: NaiveDate,
    pub recorded_at: DateTime<Utc>,
    pub actor: Name,
    /// The event type name (`milestone_rescheduled`, `event_retracted`, …).
    pub kind: String,
    pub summary: String,
    pub detail: Fact,
    /// For a goal revision: the version it replaced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<GoalVersion>,
}

impl TimelineEntry {
    pub fn new(entry: &Entry, cycle: Option<&Cycle>) -> TimelineEntry {
        let position = entry.stamp.position;
        let before = match (&entry.fact, cycle) {
            (Fact::GoalRevised(r), Some(c)) => c
                .goals
                .get(&r.goal)
                .map(|g| g.version_before(position).clone()),
            _ => None,
        };
        TimelineEntry {
            position,
            occurred_on: entry.stamp.occurred_on,
            recorded_at: entry.stamp.recorded_at,
            actor: entry.stamp.actor.clone(),
            kind: entry.fact.kind().to_owned(),
            summary: entry.fact.summary(position, cycle),
            detail: entry.fact.clone(),
            before,
        }
    }
}

/// Whether cycles keep their timeline entries (a copy of every live fact and every
/// retraction), which only [`Cycle::timeline`] and [`Cycle::entries`] read.
///
/// Everything else a cycle holds (header, phases, goals and milestones with their live
/// histories, reflections) is folded the same either way, and retractions stay exact: they
/// find what to undo by position, not through the entries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entries {
    /// Every cycle keeps its entries, so its timeline can be shown: for folds of one cycle's
    /// stream (`cycle-<id>`) and for tests.
    #[default]
    Kept,
    /// No cycle keeps entries: for the views kept live over the whole log, where a copy of
    /// every fact of every cycle would be most of the memory and of the checkpoint.
    Skipped,
}

/// Every cycle, with its timeline if [`Entries::Kept`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Timelines {
    /// Whether cycles keep their entries; serialized, so a restored checkpoint keeps it.
    entries: Entries,
    cycles: Vec<Cycle>,
    /// Cycle id → index in `cycles`.
    by_id: FxHashMap<Name, u32>,
    /// Org → its cycles, in the order they were opened.
    by_org: BTreeMap<Name, Vec<u32>>,
    /// Position of each retractable fact → its cycle.
    at: PosIndex<u32>,
    /// The slot of the cycle the last event belonged to.
    #[serde(skip)]
    last: LastFound,
}

impl Timelines {
    /// No cycles yet; cycles opened later keep their entries or not as `entries` says.
    pub fn new(entries: Entries) -> Timelines {
        Timelines {
            entries,
            ..Timelines::default()
        }
    }

    /// Whether cycles keep their timeline entries.
    pub fn entries(&self) -> Entries {
        self.entries
    }

    /// Makes room for the facts of `events` more events, so that a rebuild grows its index
    /// of retractable facts once instead of copying it at every doubling.
    pub fn reserve(&mut self, events: usize) {
        self.at.reserve(events);
    }

    /// Folds one event; `names` is the interner the views share. Answers the slot of the
    /// event's cycle if the cycle is known (see [`Timelines::id_at`]), so that other folds
    /// need not look the cycle up again.
    pub fn apply(&mut self, env: &Envelope, names: &mut Interner) -> Option<u32> {
        match &env.event {
            Event::CycleOpened {
                cycle,
                org,
                title,
                rubric,
                rubric_version,
                focus,
                lead,
                starts_on,
                ends_on,
            } => {
                // Opening a cycle twice is refused by the command side; keep the first.
                if let Some(&slot) = self.by_id.get(cycle.as_str()) {
                    return Some(slot);
                }
                let opening = Opening {
                    org: names.name(org),
                    title: title.clone(),
                    rubric: names.name(rubric),
                    rubric_version: *rubric_version,
                    focus: focus.clone(),
                    lead: names.name(lead),
                    starts_on: *starts_on,
                    ends_on: *ends_on,
                };
                // Past 4 billion cycles (never) new ones would be unreachable, not a panic.
                let slot = u32::try_from(self.cycles.len()).unwrap_or(u32::MAX);
                let id = names.name(cycle);
                let org = opening.org.clone();
                self.cycles
                    .push(Cycle::open(id.clone(), opening, env, self.entries, names));
                self.by_id.insert(id, slot);
                self.by_org.entry(org).or_default().push(slot);
                Some(slot)
            }
            Event::EventRetracted { position, reason } => {
                self.retract(env, *position, reason, names);
                None
            }
            event => {
                // Facts of a cycle never opened are dropped: there is no timeline to put them in.
                let slot = self.slot_of(event.cycle()?)?;
                let cycle = self.cycles.get_mut(slot as usize)?;
                cycle.apply(env, self.entries, names);
                if crate::is_retractable(event) {
                    self.at.insert(env.position, slot);
                }
                Some(slot)
            }
        }
    }

    /// The slot of the cycle `id`, if it was opened.
    fn slot_of(&mut self, id: &str) -> Option<u32> {
        if let Some(slot) = self.last.get(id) {
            return Some(slot);
        }
        let slot = *self.by_id.get(id)?;
        self.last.set(id, slot);
        Some(slot)
    }

    /// The id of the cycle in `slot`. A slot names the same cycle for as long as these views
    /// live, and in a checkpoint of them (cycles are never removed, only added).
    pub fn id_at(&self, slot: u32) -> Option<&Name> {
        self.cycles.get(slot as usize).map(|c| &c.id)
    }

    fn retract(&mut self, env: &Envelope, position: u64, reason: &str, names: &mut Interner) {
        let Some(&slot) = self.at.get(position) else {
            return;
        };
        let Some(cycle) = self.cycles.get_mut(slot as usize) else {
            return;
        };
        // Without entries this still undoes the fact; there is just no entry to record.
        if let Some(retracted) = cycle.retract(position) {
            cycle.note(Entry {
                stamp: Stamp::interned(env, names),
                fact: Fact::EventRetracted {
                    retracted: Box::new(retracted),
                    reason: reason.to_owned(),
                },
            });
        }
    }

    pub fn cycle(&self, id: &str) -> Option<&Cycle> {
        self.cycles.get(*self.by_id.get(id)? as usize)
    }

    /// Every cycle, in the order they were opened.
    pub fn cycles(&self) -> impl Iterator<Item = &Cycle> {
        self.cycles.iter()
    }

    /// The cycles of one org unit, in the order they were opened.
    pub fn cycles_of<'a>(&'a self, org: &str) -> impl Iterator<Item = &'a Cycle> {
        self.by_org
            .get(org)
            .into_iter()
            .flatten()
            .filter_map(|&slot| self.cycles.get(slot as usize))
    }

    /// The timeline of one cycle; empty unless entries are [`Entries::Kept`].
    pub fn timeline(&self, cycle: &str) -> Option<Vec<TimelineEntry>> {
        self.cycle(cycle).map(Cycle::timeline)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cycle::{CycleStatus, Status};
    use crate::testkit::{date, Log};
    use trellis_events::ItemRef;

    fn kinds(entries: &[TimelineEntry]) -> Vec<&str> {
        entries.iter().map(|e| e.kind.as_str()).collect()
    }

    fn timeline(log: &Log) -> Vec<TimelineEntry> {
        log.fold().timelines.timeline("c1").expect("c1 is open")
    }

    /// A cycle c1 of s1 opened on 2024-09-02 with goal g1 and milestone m1 due 2024-10-01.
    fn cycle_with_goal_and_milestone() -> Log {
        let mut log = Log::new();
        log.open_cycle("c1", "s1", "Literacy push");
        log.goal(
            "c1",
            "g1",
            "Raise reading scores",
            date(2024, 12, 20),
            "ann",
        );
        log.milestone("c1", "g1", "m1", "Benchmark test", date(2024, 10, 1), "bob");
        log
    }

    #[test]
    fn given_every_kind_of_cycle_fact_the_timeline_has_one_entry_each_in_order() {
        let mut log = cycle_with_goal_and_milestone();
        log.next_day();
        log.phase("c1", Phase::Plan, Phase::Do);
        log.rate_in("c1", "s1", "3a", "getting_better", "walkthrough notes");
        log.measure("c1", "g1", 41.5, "fall benchmark");
        log.revise_goal(
            "c1",
            "g1",
            "Raise reading scores by 5 points",
            date(2025, 1, 31),
            "board ask",
        );
        log.reschedule(
            "c1",
            "m1",
            date(2024, 10, 1),
            date(2024, 10, 15),
            "testing window moved",
        );
        log.raci(
            "c1",
            ItemRef::Milestone("m1".into()),
            RaciRole::Responsible,
            "cat",
        );
        log.reassign(
            "c1",
            ItemRef::Goal("g1".into()),
            "ann",
            "dan",
            "ann moved schools",
        );
        log.adjust("c1", "a1", "Added a reading block", "data showed gaps");
        log.celebrate("c1", "k1", "Benchmark participation at 98%");
        log.reflect("c1", "q01", "Our goal is literacy");
        log.revise_reflection("c1", "q01", "Our goal is literacy for every grade");
        log.reached("c1", "m1", "scores posted");
        log.goal_met("c1", "g1", "scores up 6 points");
        log.close_cycle("c1", "Good year");
        let entries = timeline(&log);

        assert_eq!(
            kinds(&entries),
            [
                "cycle_opened",
                "goal_set",
                "milestone_planned",
                "cycle_phase_changed",
                "indicator_rated",
                "measure_recorded",
                "goal_revised",
                "milestone_rescheduled",
                "raci_assigned",
                "accountable_reassigned",
                "adjustment_logged",
                "celebration_logged",
                "reflection_answered",
                "reflection_revised",
                "milestone_reached",
                "goal_met",
                "cycle_closed",
            ]
        );
        let summary = |kind: &str| {
            entries
                .iter()
                .find(|e| e.kind == kind)
                .map(|e| e.summary.clone())
                .unwrap_or_default()
        };
        assert_eq!(summary("cycle_phase_changed"), "phase changed: plan → do");
        assert_eq!(
            summary("goal_revised"),
            "goal revised: “Raise reading scores” → “Raise reading scores by 5 points”; \
             due 2024-12-20 → 2025-01-31 because board ask"
        );
        assert_eq!(
            summary("milestone_rescheduled"),
            "milestone “Benchmark test” rescheduled: 2024-10-01 → 2024-10-15 because testing \
             window moved"
        );
        assert_eq!(
            summary("accountable_reassigned"),
            "accountable for goal “Raise reading scores by 5 points” reassigned: ann → dan \
             because ann moved schools"
        );
        assert_eq!(
            summary("indicator_rated"),
            "rated s1 on leadership-system 3a at getting_better: walkthrough notes"
        );
        assert_eq!(
            summary("milestone_reached"),
            "milestone reached: “Benchmark test”: scores posted"
        );
        let revised = entries
            .iter()
            .find(|e| e.kind == "goal_revised")
            .expect("a revision");
        assert_eq!(
            revised.before.as_ref().map(|b| b.statement.as_str()),
            Some("Raise reading scores")
        );

        let cycle = log.fold().timelines.cycle("c1").cloned().expect("c1");
        let header = cycle.header();
        assert_eq!(header.phase, Phase::Do);
        assert_eq!(header.status, CycleStatus::Closed);
        assert_eq!(header.summary.as_deref(), Some("Good year"));
        assert_eq!(header.opening.org, "s1");
        let goals = cycle.goal_views();
        assert_eq!(goals[0].status, Status::Met);
        assert_eq!(goals[0].accountable, "dan");
        assert_eq!(goals[0].due_on, date(2025, 1, 31));
        assert_eq!(goals[0].latest_measure.map(|m| m.value), Some(41.5));
        let milestones = cycle.milestone_views();
        assert_eq!(milestones[0].status, Status::Reached);
        assert_eq!(milestones[0].due_on, date(2024, 10, 15));
        assert_eq!(milestones[0].planned_due_on, date(2024, 10, 1));
        let answers = cycle.reflections();
        assert_eq!(answers.len(), 1);
        assert_eq!(answers[0].answer, "Our goal is literacy for every grade");
    }

    #[test]
    fn given_facts_recorded_out_of_date_order_the_timeline_follows_occurred_on_and_keeps_recorded_at(
    ) {
        let mut log = cycle_with_goal_and_milestone();
        log.day(date(2024, 9, 20));
        let late = log.celebrate("c1", "k1", "Kickoff went well");
        log.next_day();
        let early = log
            .on(date(2024, 9, 10))
            .adjust("c1", "a1", "Moved PLC time", "conflict");
        let same_day = log
            .on(date(2024, 9, 10))
            .celebrate("c1", "k2", "PLC attendance");
        let entries = timeline(&log);

        let order: Vec<u64> = entries.iter().map(|e| e.position).collect();
        assert_eq!(order[3..], [early, same_day, late]);
        let adjustment = &entries[3];
        assert_eq!(adjustment.occurred_on, date(2024, 9, 10));
        assert_eq!(adjustment.recorded_at.date_naive(), date(2024, 9, 21));
        assert!(
            entries[3].recorded_at > entries[5].recorded_at,
            "recorded later, happened earlier"
        );
    }

    #[test]
    fn given_a_milestone_reached_then_retracted_it_is_open_again_and_the_timeline_says_why() {
        let mut log = cycle_with_goal_and_milestone();
        let reached = log.reached("c1", "m1", "posted the wrong file");
        log.as_actor("auditor")
            .retract("cycle-c1", reached, "evidence was for another school");
        let p = log.fold();
        let cycle = p.timelines.cycle("c1").expect("c1");
        let entries = cycle.timeline();

        assert_eq!(cycle.milestone_views()[0].status, Status::Open);
        assert!(entries.iter().all(|e| e.position != reached));
        let last = entries.last().expect("the retraction is an entry");
        assert_eq!(last.kind, "event_retracted");
        assert_eq!(last.actor, "auditor");
        assert_eq!(
            last.summary,
            "retracted: milestone reached: “Benchmark test”: posted the wrong file because \
             evidence was for another school"
        );
    }

    #[test]
    fn given_a_reschedule_retracted_the_due_date_returns_to_the_one_before() {
        let mut log = cycle_with_goal_and_milestone();
        log.reschedule(
            "c1",
            "m1",
            date(2024, 10, 1),
            date(2024, 10, 15),
            "window moved",
        );
        let second = log.reschedule("c1", "m1", date(2024, 10, 15), date(2024, 11, 1), "typo");
        log.retract("cycle-c1", second, "meant a different milestone");
        let p = log.fold();
        let m = &p.timelines.cycle("c1").expect("c1").milestone_views()[0];

        assert_eq!(m.due_on, date(2024, 10, 15));
        assert_eq!(m.reschedules, 1);
    }

    #[test]
    fn given_a_rating_in_a_cycle_retracted_it_leaves_the_timeline_and_the_maturity() {
        let mut log = cycle_with_goal_and_milestone();
        let rated = log.rate_in("c1", "s1", "3a", "keep_improving", "optimistic");
        log.retract("cycle-c1", rated, "not yet");
        let p = log.fold();

        let entries = p.timelines.timeline("c1").expect("c1");
        assert_eq!(kinds(&entries).last(), Some(&"event_retracted"));
        assert!(!kinds(&entries).contains(&"indicator_rated"));
        assert!(p
            .maturity
            .current("s1", "leadership-system", "3a")
            .is_none());
    }

    #[test]
    fn given_a_phase_change_retracted_the_cycle_is_back_in_its_earlier_phase() {
        let mut log = cycle_with_goal_and_milestone();
        log.phase("c1", Phase::Plan, Phase::Do);
        let study = log.phase("c1", Phase::Do, Phase::Study);
        log.retract("cycle-c1", study, "too early");
        let p = log.fold();

        assert_eq!(p.timelines.cycle("c1").map(Cycle::phase), Some(Phase::Do));
    }

    #[test]
    fn given_the_closing_retracted_the_cycle_is_open_again_and_its_items_are_back_on_accountability(
    ) {
        let mut log = cycle_with_goal_and_milestone();
        let closed = log.close_cycle("c1", "Wrong cycle closed");
        let before = log.fold();
        assert_eq!(
            before.timelines.cycle("c1").map(Cycle::is_closed),
            Some(true)
        );
        assert!(before.person_view("ann", date(2024, 9, 3)).open.is_empty());

        log.as_actor("auditor")
            .retract("cycle-c1", closed, "closed the wrong cycle");
        let mut lean = crate::Projections::without_entries();
        lean.extend(log.envelopes());
        let full = log.fold();
        for p in [&full, &lean] {
            let cycle = p.timelines.cycle("c1").expect("c1");
            let header = cycle.header();
            assert_eq!(header.status, CycleStatus::Open);
            assert_eq!(header.summary, None);
            assert_eq!(header.closed, None);
            assert!(!cycle.is_closed());
            let ann = p.person_view("ann", date(2024, 9, 3));
            let bob = p.person_view("bob", date(2024, 9, 3));
            assert_eq!(ann.open.len(), 1, "goal g1 is open again");
            assert_eq!(bob.open.len(), 1, "milestone m1 is open again");
        }
        let entries = full.timelines.timeline("c1").expect("c1");
        assert!(!kinds(&entries).contains(&"cycle_closed"));
        let last = entries.last().expect("the retraction is an entry");
        assert_eq!(last.kind, "event_retracted");
        assert_eq!(last.actor, "auditor");
        assert!(last.summary.contains("cycle closed"), "{}", last.summary);
    }

    #[test]
    fn given_views_without_entries_retractions_still_undo_exactly_and_no_timeline_is_kept() {
        let mut log = cycle_with_goal_and_milestone();
        log.phase("c1", Phase::Plan, Phase::Do);
        let study = log.phase("c1", Phase::Do, Phase::Study);
        log.reschedule("c1", "m1", date(2024, 10, 1), date(2024, 10, 15), "moved");
        let reached = log.reached("c1", "m1", "wrong file");
        log.reflect("c1", "q01", "First answer");
        let revised = log.revise_reflection("c1", "q01", "Second answer");
        let reassigned = log.reassign("c1", ItemRef::Goal("g1".into()), "ann", "dan", "typo");
        let adjusted = log.adjust("c1", "a1", "Moved PLC time", "conflict");
        for p in [study, reached, revised, reassigned, adjusted] {
            log.retract("cycle-c1", p, "mistake");
        }
        let mut p = crate::Projections::without_entries();
        p.extend(log.envelopes());
        let full = log.fold();

        assert_eq!(p.entries(), crate::Entries::Skipped);
        let cycle = p.timelines.cycle("c1").expect("c1");
        assert_eq!(cycle.entries().count(), 0);
        assert!(p.timelines.timeline("c1").is_some_and(|t| t.is_empty()));
        assert_eq!(cycle.phase(), Phase::Do);
        assert_eq!(cycle.milestone_views()[0].status, Status::Open);
        assert_eq!(cycle.milestone_views()[0].due_on, date(2024, 10, 15));
        assert_eq!(cycle.goal_views()[0].accountable, "ann");
        assert_eq!(cycle.reflections()[0].answer, "First answer");
        let full_cycle = full.timelines.cycle("c1").expect("c1");
        assert_eq!(cycle.header(), full_cycle.header());
        assert_eq!(cycle.goal_views(), full_cycle.goal_views());
        assert_eq!(cycle.milestone_views(), full_cycle.milestone_views());
        assert_eq!(cycle.reflections(), full_cycle.reflections());
        assert!(full_cycle.entries().count() > 0);
    }

    #[test]
    fn given_facts_for_an_unknown_cycle_and_odd_retractions_nothing_breaks() {
        let mut log = cycle_with_goal_and_milestone();
        log.measure("ghost", "g1", 1.0, "nowhere");
        log.reached("c1", "no-such-milestone", "x");
        log.retract("cycle-c1", 1, "cannot retract an opening");
        log.retract("cycle-c1", 9_999, "no such position");
        let retraction = log.retract("cycle-c1", 3, "not retractable either");
        log.retract("cycle-c1", retraction, "retracting a retraction");
        let p = log.fold();

        assert!(p.timelines.cycle("ghost").is_none());
        let entries = p.timelines.timeline("c1").expect("c1");
        assert_eq!(
            kinds(&entries),
            [
                "cycle_opened",
                "goal_set",
                "milestone_planned",
                "milestone_reached"
            ]
        );
        assert_eq!(p.timelines.cycles_of("s1").count(), 1);
    }
}
