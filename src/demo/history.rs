//! The school years: a discrete-event simulation of districts working improvement cycles.
//!
//! An agenda holds what is due on which day (set up the district, open a cycle, record a
//! measure, check a milestone, rate the focus indicators, close the cycle…), ordered by day
//! and then by when it was put on the agenda, so a seed always replays the same story.
//! Each day, the due tasks turn into acts (commands by named people); the [`Recorder`]
//! decides and records them at times spread over that working day.
//!
//! Per semester, a school runs one cycle, led by its principal: on the rapid-improvement
//! rubric for priority schools, on the leadership-system rubric for the others. The
//! district runs two, both led by the chief academic officer: one on the leadership-system
//! rubric and one on the rapid-improvement rubric (how it supports its priority schools). A cycle opens a few days before its semester starts, sets goals (a measure
//! from baseline to target, a target rubric level, or both) with milestones and RACI
//! assignments, answers reflection questions while planning, then moves through do, study
//! and act: interim measures every two or three weeks, milestones reached, missed or
//! rescheduled, course corrections, celebrations, ratings of its focus indicators at the
//! study phase (mostly rising, sometimes falling), goals met or dropped, and a summary.

use std::collections::BTreeMap;

use anyhow::bail;
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use trellis_events::{
    AdjustmentKind, IndicatorTarget, ItemRef, MeasureDef, OrgKind, Phase, RaciRole,
};

use super::district::{
    self, DistrictSpec, Place, PlanOwners, RoleDef, DISTRICT_ROLES, SCHOOL_IMPROVEMENT_DIRECTOR,
    SCHOOL_ROLES, STATE_ROLES,
};
use super::recorder::{Act, Recorder};
use super::text::{self, fill, pick, MeasureSpec, Theme, LEADERSHIP, RAPID};
use crate::command::*;

const LEADERSHIP_ID: &str = "leadership-system";
const RAPID_ID: &str = "rapid-improvement";
const LS_LEVELS: [&str; 3] = ["getting_started", "getting_better", "keep_improving"];
const LS_LABELS: [&str; 3] = ["Getting Started", "Getting Better", "Keep Improving"];
const RI_LEVELS: [&str; 3] = ["not_started", "partial", "full"];
const RI_LABELS: [&str; 3] = [
    "Not Started",
    "Partial Implementation",
    "Full Implementation",
];

/// Indicators a school's own cycles choose from (building-level work).
const SCHOOL_POOL: &[&str] = &[
    "3a", "3b", "4", "5b", "6a", "6b", "7", "8a", "8b", "9", "10b", "11a", "11b", "12b", "15b",
    "16", "17", "19a",
];

/// Whether the run tells one district's story or fills a large log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Mode {
    /// The default demo: scripted moments (one typo retracted, a principal moving on) and
    /// two school years.
    Sample,
    /// The large-log mode: the same kinds of acts in the same proportions, as many school
    /// years as it takes.
    Scale,
}

pub(super) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// The first day of the simulated history.
pub(super) fn first_day() -> NaiveDate {
    date(2024, 8, 1)
}

/// Semester `k` (0 = fall 2024): its label, first and last day of instruction.
fn term(k: usize) -> (String, NaiveDate, NaiveDate) {
    let year = 2024 + (k / 2) as i32;
    if k.is_multiple_of(2) {
        (
            format!("{year}-fall"),
            weekday(date(year, 8, 19)),
            weekday(date(year, 12, 18)),
        )
    } else {
        (
            format!("{}-spring", year + 1),
            weekday(date(year + 1, 1, 13)),
            weekday(date(year + 1, 5, 28)),
        )
    }
}

/// The same day, or the Monday after a weekend.
fn weekday(d: NaiveDate) -> NaiveDate {
    match d.weekday() {
        Weekday::Sat => d + Duration::days(2),
        Weekday::Sun => d + Duration::days(1),
        _ => d,
    }
}

fn days(n: i64) -> Duration {
    Duration::days(n)
}

/// An org unit as the simulation sees it: who does what there, and where it stands.
struct OrgSim {
    id: String,
    short: String,
    kind: OrgKind,
    rapid: bool,
    district: usize,
    /// Leads its cycles.
    lead: String,
    /// The person above the lead who is kept informed.
    sponsor: String,
    deputy: String,
    coach: String,
    data: String,
    team: Vec<String>,
    portrait: Vec<String>,
    /// Current level rank per leadership-system indicator, and per rapid practice.
    levels: Vec<u8>,
    rapid_levels: Vec<u8>,
    last_focus: Vec<usize>,
    last_rapid_focus: Vec<usize>,
}

struct DistrictSim {
    spec: DistrictSpec,
    org: usize,
    schools: Vec<usize>,
    /// District role → holder.
    roles: BTreeMap<&'static str, String>,
    state_officer: Option<String>,
}

struct MeasureSim {
    name: &'static str,
    unit: &'static str,
    source: &'static str,
    baseline: f64,
    target: f64,
}

struct GoalSim {
    id: String,
    statement: String,
    measure: Option<MeasureSim>,
    /// Theme index and target level rank.
    target: Option<(usize, u8)>,
    serves: Option<String>,
    due: NaiveDate,
    accountable: String,
    open: bool,
    last_value: Option<f64>,
    /// How far toward the target the measure will have moved by the end.
    final_progress: f64,
}

struct MilestoneSim {
    id: String,
    title: &'static str,
    measure: &'static str,
    due: NaiveDate,
    accountable: String,
    open: bool,
    rescheduled: bool,
}

struct CycleSim {
    id: String,
    org: usize,
    rapid: bool,
    focus: Vec<usize>,
    lead: String,
    starts: NaiveDate,
    ends: NaiveDate,
    goals: Vec<GoalSim>,
    milestones: Vec<MilestoneSim>,
    raci: Vec<(ItemRef, RaciRole, String)>,
    answered: Vec<usize>,
    met: u32,
    reached: u32,
    missed: u32,
    closed: bool,
}

impl CycleSim {
    fn themes(&self) -> &'static [Theme] {
        if self.rapid {
            RAPID
        } else {
            LEADERSHIP
        }
    }

    fn rubric(&self) -> &'static str {
        if self.rapid {
            RAPID_ID
        } else {
            LEADERSHIP_ID
        }
    }

    fn level_id(&self, rank: u8) -> &'static str {
        if self.rapid {
            RI_LEVELS[rank as usize]
        } else {
            LS_LEVELS[rank as usize]
        }
    }

    fn level_label(&self, rank: u8) -> &'static str {
        if self.rapid {
            RI_LABELS[rank as usize]
        } else {
            LS_LABELS[rank as usize]
        }
    }

    fn fraction(&self, day: NaiveDate) -> f64 {
        let total = (self.ends - self.starts).num_days().max(1) as f64;
        ((day - self.starts).num_days() as f64 / total).clamp(0.0, 1.0)
    }

    /// A day `f` of the way through the semester.
    fn at(&self, f: f64) -> NaiveDate {
        let total = (self.ends - self.starts).num_days() as f64;
        weekday(self.starts + days((total * f).round() as i64))
    }
}

enum Task {
    Register(usize),
    DefineRoles(usize),
    AssignRoles(usize),
    Adopt(usize),
    Documents(usize),
    Plan(usize, u32),
    Baseline(usize),
    VisionReview(usize, usize),
    VisionRevision(usize),
    SelfAssessment(usize),
    YearTwo(usize),
    Agreement(usize, u32),
    LeaderMove(usize),
    OpenCycle {
        org: usize,
        term: usize,
        rapid: bool,
    },
    Cycle(usize, Step),
    Correct {
        cycle: usize,
        goal: usize,
        tag: u64,
        value: f64,
        typo: f64,
        on: NaiveDate,
    },
}

#[derive(Clone, Copy)]
enum Step {
    Goals,
    Raci,
    Reflect,
    Do,
    Measure(usize),
    Milestone(usize),
    Reassign(usize),
    Adjust,
    Celebrate,
    ReviseGoal(usize),
    Study,
    Rate,
    ReviseReflection,
    Act,
    Resolve,
    Close,
}

pub(super) struct Sim<'r, 'c> {
    pub rng: ChaCha8Rng,
    rec: &'r mut Recorder<'c>,
    mode: Mode,
    /// The last semester to open (the sample stops after two school years).
    last_term: usize,
    agenda: BTreeMap<(NaiveDate, u64), Task>,
    seq: u64,
    orgs: Vec<OrgSim>,
    districts: Vec<DistrictSim>,
    cycles: Vec<CycleSim>,
    states: usize,
    pub people: usize,
    /// Display names by person id, for prose.
    names: std::collections::HashMap<String, String>,
    next_tag: u64,
    /// The sample's one typo is still to come.
    typo_pending: bool,
}

/// Counts of what the simulation set up.
pub(super) struct Totals {
    pub orgs: usize,
    pub people: usize,
    pub cycles: usize,
    pub districts: usize,
    pub schools: usize,
}

impl<'r, 'c> Sim<'r, 'c> {
    pub fn new(rng: ChaCha8Rng, rec: &'r mut Recorder<'c>, mode: Mode) -> Sim<'r, 'c> {
        Sim {
            rng,
            rec,
            mode,
            last_term: if mode == Mode::Sample { 3 } else { usize::MAX },
            agenda: BTreeMap::new(),
            seq: 0,
            orgs: Vec::new(),
            districts: Vec::new(),
            cycles: Vec::new(),
            states: 0,
            people: 0,
            names: std::collections::HashMap::new(),
            next_tag: 0,
            typo_pending: mode == Mode::Sample,
        }
    }

    pub fn totals(&self) -> Totals {
        Totals {
            orgs: self.orgs.len() + self.states,
            people: self.people,
            cycles: self.cycles.len(),
            districts: self.districts.len(),
            schools: self.districts.iter().map(|d| d.schools.len()).sum(),
        }
    }

    fn at(&mut self, day: NaiveDate, task: Task) {
        self.seq += 1;
        self.agenda.insert((day, self.seq), task);
    }

    /// Puts a district on the agenda: its setup in the first days of August 2024, its
    /// yearly moments, and its first semester's cycles.
    pub fn add_district(&mut self, spec: DistrictSpec) {
        let d = self.districts.len();
        let start = first_day();
        let district_org = self.orgs.len();
        let roles: BTreeMap<&'static str, String> = spec
            .people
            .iter()
            .filter(|p| p.place == Place::District)
            .map(|p| (p.role, p.id.clone()))
            .collect();
        let role = |r: &str| roles.get(r).cloned().unwrap_or_default();
        let all_district: Vec<String> = spec
            .people
            .iter()
            .filter(|p| p.place == Place::District)
            .map(|p| p.id.clone())
            .collect();
        let levels = |rng: &mut ChaCha8Rng, n: usize, weights: [f64; 3]| -> Vec<u8> {
            (0..n)
                .map(|_| {
                    let r: f64 = rng.gen();
                    if r < weights[0] {
                        0
                    } else if r < weights[0] + weights[1] {
                        1
                    } else {
                        2
                    }
                })
                .collect()
        };
        let district_levels = levels(&mut self.rng, LEADERSHIP.len(), [0.6, 0.35, 0.05]);
        let district_rapid = levels(&mut self.rng, RAPID.len(), [0.5, 0.5, 0.0]);
        self.orgs.push(OrgSim {
            id: spec.id.clone(),
            short: spec.short.clone(),
            kind: OrgKind::District,
            rapid: false,
            district: d,
            lead: role("chief-academic-officer"),
            sponsor: role("superintendent"),
            deputy: role("director-teaching-learning"),
            coach: role("director-teaching-learning"),
            data: role("data-lead"),
            team: all_district,
            portrait: Vec::new(),
            levels: district_levels,
            rapid_levels: district_rapid,
            last_focus: Vec::new(),
            last_rapid_focus: Vec::new(),
        });
        let mut schools = Vec::new();
        for (i, s) in spec.schools.iter().enumerate() {
            let holders = |r: &str| spec.holders(Place::School(i), r);
            let principal = holders("principal").into_iter().next().unwrap_or_default();
            let coach = holders("instructional-coach")
                .into_iter()
                .next()
                .unwrap_or_default();
            let deputy = holders("assistant-principal")
                .into_iter()
                .next()
                .unwrap_or_else(|| coach.clone());
            let mut team: Vec<String> = spec
                .people
                .iter()
                .filter(|p| p.place == Place::School(i))
                .map(|p| p.id.clone())
                .collect();
            team.push(role("data-lead"));
            let school_levels = levels(&mut self.rng, LEADERSHIP.len(), [0.7, 0.27, 0.03]);
            let rapid_levels = levels(&mut self.rng, RAPID.len(), [0.7, 0.3, 0.0]);
            schools.push(self.orgs.len());
            self.orgs.push(OrgSim {
                id: s.id.clone(),
                short: s.short.clone(),
                kind: OrgKind::School,
                rapid: s.rapid,
                district: d,
                lead: principal,
                sponsor: role("chief-academic-officer"),
                deputy,
                coach,
                data: role("data-lead"),
                team,
                portrait: Vec::new(),
                levels: school_levels,
                rapid_levels,
                last_focus: Vec::new(),
                last_rapid_focus: Vec::new(),
            });
        }
        let state_officer = spec
            .people
            .iter()
            .find(|p| p.place == Place::State)
            .map(|p| p.id.clone());
        if spec.registers_state {
            self.states += 1;
        }
        self.people += spec.people.len() + spec.hires.len();
        for p in spec.people.iter().chain(&spec.hires) {
            self.names.insert(p.id.clone(), p.name.clone());
        }
        let leader_move = spec.leader_move.as_ref().map(|m| m.on);
        self.districts.push(DistrictSim {
            spec,
            org: district_org,
            schools: schools.clone(),
            roles,
            state_officer,
        });

        self.at(start, Task::Register(d));
        self.at(start + days(1), Task::DefineRoles(d));
        self.at(start + days(4), Task::AssignRoles(d));
        self.at(start + days(5), Task::Adopt(d));
        self.at(start + days(6), Task::Documents(d));
        self.at(start + days(7), Task::Plan(d, 1));
        self.at(start + days(8), Task::Baseline(d));
        self.at(weekday(date(2025, 5, 20)), Task::VisionReview(d, 0));
        self.at(weekday(date(2025, 8, 1)), Task::YearTwo(d));
        self.at(weekday(date(2025, 8, 5)), Task::Agreement(d, 2));
        self.at(weekday(date(2025, 8, 7)), Task::Plan(d, 2));
        self.at(weekday(date(2025, 9, 15)), Task::VisionRevision(d));
        self.at(weekday(date(2026, 5, 19)), Task::VisionReview(d, 1));
        if let Some(on) = leader_move {
            self.at(weekday(on), Task::LeaderMove(d));
        }
        let mut orgs = vec![district_org];
        orgs.extend(schools);
        for org in orgs {
            self.schedule_open(org, 0);
        }
    }

    /// Puts an org's first cycles on the agenda: a school's one cycle per semester, and
    /// for the district a second one on the rapid-improvement rubric, about how it
    /// supports its priority schools.
    fn schedule_open(&mut self, org: usize, k: usize) {
        let o = &self.orgs[org];
        if o.kind == OrgKind::District {
            self.schedule_cycle(org, k, false);
            self.schedule_cycle(org, k, true);
        } else {
            self.schedule_cycle(org, k, o.rapid);
        }
    }

    fn schedule_cycle(&mut self, org: usize, k: usize, rapid: bool) {
        if k > self.last_term {
            return;
        }
        let (_, starts, _) = term(k);
        let lead_time = self.rng.gen_range(3..=7);
        let day = weekday(starts - days(lead_time));
        self.at(
            day,
            Task::OpenCycle {
                org,
                term: k,
                rapid,
            },
        );
    }

    /// Runs the agenda day by day until it is empty or the recorder is full.
    pub fn run(&mut self) -> anyhow::Result<()> {
        while let Some((&(day, _), _)) = self.agenda.first_key_value() {
            let mut acts = Vec::new();
            while let Some(entry) = self.agenda.first_entry() {
                if entry.key().0 != day {
                    break;
                }
                let task = entry.remove();
                self.handle(day, task, &mut acts)?;
            }
            self.rec.day(&mut self.rng, day, acts)?;
            if self.rec.is_full() {
                break;
            }
        }
        Ok(())
    }

    fn handle(&mut self, day: NaiveDate, task: Task, acts: &mut Vec<Act>) -> anyhow::Result<()> {
        match task {
            Task::Register(d) => self.register(d, acts),
            Task::DefineRoles(d) => self.define_roles(d, acts),
            Task::AssignRoles(d) => self.assign_roles(d, acts),
            Task::Adopt(d) => self.adopt(d, acts),
            Task::Documents(d) => self.documents(d, acts),
            Task::Plan(d, version) => self.plan(d, version, day, acts),
            Task::Agreement(d, version) => self.agreement(d, version, acts),
            Task::Baseline(d) => self.baseline(d, acts),
            Task::VisionReview(d, n) => self.vision_review(d, n, acts),
            Task::VisionRevision(d) => self.vision_revision(d, acts),
            Task::SelfAssessment(d) => self.self_assessment(d, day, acts),
            Task::YearTwo(d) => self.year_two(d, acts),
            Task::LeaderMove(d) => self.leader_move(d, acts),
            Task::OpenCycle { org, term, rapid } => self.open_cycle(org, term, rapid, day, acts),
            Task::Cycle(c, step) => self.step(c, step, day, acts)?,
            Task::Correct {
                cycle,
                goal,
                tag,
                value,
                typo,
                on,
            } => self.correct(cycle, goal, tag, value, typo, on, acts)?,
        }
        Ok(())
    }

    // --- setup -----------------------------------------------------------------------

    fn superintendent(&self, d: usize) -> String {
        self.districts[d]
            .roles
            .get("superintendent")
            .cloned()
            .unwrap_or_default()
    }

    fn register(&mut self, d: usize, acts: &mut Vec<Act>) {
        let ds = &self.districts[d];
        let spec = &ds.spec;
        let sup = self.superintendent(d);
        if spec.registers_state {
            let actor = ds.state_officer.clone().unwrap_or_else(|| sup.clone());
            acts.push(Act::new(
                &actor,
                register(&spec.state_id, OrgKind::State, &spec.state_name, None),
            ));
        }
        acts.push(Act::new(
            &sup,
            register(
                &spec.id,
                OrgKind::District,
                &spec.name,
                Some(&spec.state_id),
            ),
        ));
        for s in &spec.schools {
            acts.push(Act::new(
                &sup,
                register(&s.id, OrgKind::School, &s.name, Some(&spec.id)),
            ));
        }
        for p in &spec.people {
            acts.push(Act::new(&sup, add_person(&p.id, &p.name, &p.email)));
        }
    }

    fn place_org(&self, d: usize, place: Place) -> String {
        let spec = &self.districts[d].spec;
        match place {
            Place::State => spec.state_id.clone(),
            Place::District => spec.id.clone(),
            Place::School(i) => spec.schools[i].id.clone(),
        }
    }

    fn define_roles(&mut self, d: usize, acts: &mut Vec<Act>) {
        let sup = self.superintendent(d);
        let spec = &self.districts[d].spec;
        let mut places = vec![Place::State, Place::District];
        places.extend((0..spec.schools.len()).map(Place::School));
        for place in places {
            let defs: &[RoleDef] = match place {
                Place::State => STATE_ROLES,
                Place::District => DISTRICT_ROLES,
                Place::School(_) => SCHOOL_ROLES,
            };
            let org = self.place_org(d, place);
            for def in defs {
                if spec
                    .people
                    .iter()
                    .any(|p| p.place == place && p.role == def.id)
                {
                    let actor = match place {
                        Place::State => self.districts[d]
                            .state_officer
                            .clone()
                            .unwrap_or_else(|| sup.clone()),
                        _ => sup.clone(),
                    };
                    acts.push(Act::new(&actor, define_role(&org, def, None)));
                }
            }
        }
    }

    fn assign_roles(&mut self, d: usize, acts: &mut Vec<Act>) {
        let sup = self.superintendent(d);
        let spec = &self.districts[d].spec;
        for p in &spec.people {
            acts.push(Act::new(
                &sup,
                assign_role(&self.place_org(d, p.place), p.role, &p.id),
            ));
        }
    }

    fn adopt(&mut self, d: usize, acts: &mut Vec<Act>) {
        let actor = self.districts[d]
            .roles
            .get("chief-academic-officer")
            .cloned()
            .unwrap_or_default();
        let adopt = |org: &str, rubric: &str| {
            Command::AdoptRubric(AdoptRubric {
                org: org.into(),
                rubric: rubric.into(),
                version: None,
                on: None,
            })
        };
        let ds = &self.districts[d];
        acts.push(Act::new(&actor, adopt(&ds.spec.id, LEADERSHIP_ID)));
        acts.push(Act::new(&actor, adopt(&ds.spec.id, RAPID_ID)));
        for s in &ds.spec.schools {
            acts.push(Act::new(&actor, adopt(&s.id, LEADERSHIP_ID)));
            if s.rapid {
                acts.push(Act::new(&actor, adopt(&s.id, RAPID_ID)));
            }
        }
    }

    /// The operational agreement and the visions, district and schools.
    fn documents(&mut self, d: usize, acts: &mut Vec<Act>) {
        self.agreement(d, 1, acts);
        let sup = self.superintendent(d);
        let ds = &self.districts[d];
        let v = district::vision_v1(&ds.spec.short);
        acts.push(Act::new(
            &sup,
            Command::AdoptVision(AdoptVision {
                org: ds.spec.id.clone(),
                statement: v.statement,
                portrait: v.portrait.clone(),
                on: None,
            }),
        ));
        for (i, s) in ds.spec.schools.iter().enumerate() {
            let principal = ds
                .spec
                .holders(Place::School(i), "principal")
                .into_iter()
                .next()
                .unwrap_or_default();
            acts.push(Act::new(
                &principal,
                Command::AdoptVision(AdoptVision {
                    org: s.id.clone(),
                    statement: district::school_vision(&s.short, s.band),
                    portrait: v.portrait.clone(),
                    on: None,
                }),
            ));
        }
        let (org, schools) = (ds.org, ds.schools.clone());
        for o in std::iter::once(org).chain(schools) {
            self.orgs[o].portrait = v.portrait.clone();
        }
    }

    fn agreement(&mut self, d: usize, version: u32, acts: &mut Vec<Act>) {
        let (how, rights) = district::agreement(version);
        let sup = self.superintendent(d);
        acts.push(Act::new(
            &sup,
            Command::RecordAgreement(RecordAgreement {
                org: self.districts[d].spec.id.clone(),
                how_we_work: how,
                decision_rights: rights,
                on: None,
            }),
        ));
    }

    fn plan(&mut self, d: usize, version: u32, day: NaiveDate, acts: &mut Vec<Act>) {
        let ds = &self.districts[d];
        let role = |r: &str| ds.roles.get(r).cloned().unwrap_or_default();
        let owners = PlanOwners {
            teaching: role("director-teaching-learning"),
            data: role("data-lead"),
            academic: role("chief-academic-officer"),
            retention: role("retention-lead"),
            communications: role("communications-lead"),
        };
        let (focus, steps, celebrate) = district::strategic_plan(version, day, &owners);
        acts.push(Act::new(
            &role("superintendent"),
            Command::RecordStrategicPlan(RecordStrategicPlan {
                org: ds.spec.id.clone(),
                focus,
                steps,
                celebrate_success: celebrate,
                on: None,
            }),
        ));
    }

    /// The leadership team's first self-assessment: the district on every indicator, each
    /// school on a handful of building-level ones (and its rapid-improvement practices).
    fn baseline(&mut self, d: usize, acts: &mut Vec<Act>) {
        let ds = &self.districts[d];
        let (district_org, schools) = (ds.org, ds.schools.clone());
        let note = "Baseline self-assessment by the leadership team, August 2024.";
        let o = &self.orgs[district_org];
        for (i, t) in LEADERSHIP.iter().enumerate() {
            let level = o.levels[i];
            acts.push(Act::new(
                &o.sponsor,
                rate(
                    &o.id,
                    LEADERSHIP_ID,
                    t.indicator,
                    LS_LEVELS[level as usize],
                    format!("{} {note}", t.evidence[level as usize]),
                    None,
                ),
            ));
        }
        for (i, t) in RAPID.iter().enumerate() {
            let level = o.rapid_levels[i] as usize;
            acts.push(Act::new(
                &o.lead,
                rate(
                    &o.id,
                    RAPID_ID,
                    t.indicator,
                    RI_LEVELS[level],
                    format!("{} {note}", t.evidence[level]),
                    None,
                ),
            ));
        }
        for s in schools {
            let mut pool: Vec<usize> = SCHOOL_POOL
                .iter()
                .filter_map(|id| theme_index(id))
                .collect();
            pool.shuffle(&mut self.rng);
            let o = &self.orgs[s];
            for &i in pool.iter().take(6) {
                let level = o.levels[i];
                let t = &LEADERSHIP[i];
                acts.push(Act::new(
                    &o.lead,
                    rate(
                        &o.id,
                        LEADERSHIP_ID,
                        t.indicator,
                        LS_LEVELS[level as usize],
                        format!("{} {note}", t.evidence[level as usize]),
                        None,
                    ),
                ));
            }
            if o.rapid {
                for (i, t) in RAPID.iter().enumerate() {
                    let level = o.rapid_levels[i];
                    acts.push(Act::new(
                        &o.lead,
                        rate(
                            &o.id,
                            RAPID_ID,
                            t.indicator,
                            RI_LEVELS[level as usize],
                            format!("{} {note}", t.evidence[level as usize]),
                            None,
                        ),
                    ));
                }
            }
        }
    }

    fn vision_review(&mut self, d: usize, n: usize, acts: &mut Vec<Act>) {
        let ds = &self.districts[d];
        let mut participants: Vec<String> = [
            "superintendent",
            "chief-academic-officer",
            "communications-lead",
            "family-advisory-chair",
            "student-representative",
            "family-engagement-lead",
        ]
        .iter()
        .filter_map(|r| ds.roles.get(r).cloned())
        .collect();
        for &s in &ds.schools {
            let lead = &self.orgs[s].lead;
            if !participants.contains(lead) {
                participants.push(lead.clone());
            }
        }
        acts.push(Act::new(
            &self.superintendent(d),
            Command::ReviewVision(ReviewVision {
                org: ds.spec.id.clone(),
                version: None,
                participants,
                notes: district::VISION_REVIEW_NOTES[n.min(1)].to_string(),
                on: None,
            }),
        ));
    }

    fn vision_revision(&mut self, d: usize, acts: &mut Vec<Act>) {
        let ds = &self.districts[d];
        let v = district::vision_v2(&ds.spec.short);
        acts.push(Act::new(
            &self.superintendent(d),
            Command::ReviseVision(ReviseVision {
                org: ds.spec.id.clone(),
                statement: v.statement,
                portrait: v.portrait.clone(),
                reason: district::VISION_REVISION_REASON.to_string(),
                on: None,
            }),
        ));
        let (org, schools) = (ds.org, ds.schools.clone());
        for o in std::iter::once(org).chain(schools) {
            self.orgs[o].portrait = v.portrait.clone();
        }
    }

    /// June: the district rates itself on every indicator, outside any cycle.
    fn self_assessment(&mut self, d: usize, day: NaiveDate, acts: &mut Vec<Act>) {
        let org = self.districts[d].org;
        for i in 0..LEADERSHIP.len() {
            // Practices not worked in a cycle still drift up now and then.
            if self.rng.gen_bool(0.15) && self.orgs[org].levels[i] < 2 {
                self.orgs[org].levels[i] += 1;
            }
        }
        let o = &self.orgs[org];
        for i in 0..LEADERSHIP.len() {
            acts.push(year_end_rating(o, &o.sponsor, i, "district", day));
        }
        // Each school rates what it worked on this year and a few building-level
        // indicators besides.
        for s in self.districts[d].schools.clone() {
            let mut pool: Vec<usize> = SCHOOL_POOL
                .iter()
                .filter_map(|id| theme_index(id))
                .collect();
            pool.shuffle(&mut self.rng);
            let o = &self.orgs[s];
            let mut chosen: Vec<usize> = if o.rapid {
                Vec::new()
            } else {
                o.last_focus.clone()
            };
            for i in pool {
                if chosen.len() >= 8 {
                    break;
                }
                if !chosen.contains(&i) {
                    chosen.push(i);
                }
            }
            for i in chosen {
                acts.push(year_end_rating(o, &o.lead, i, "school", day));
            }
        }
    }

    /// August of the second year: people who left, new hires, the coach role redefined,
    /// and the district role a moving principal will take.
    fn year_two(&mut self, d: usize, acts: &mut Vec<Act>) {
        let sup = self.superintendent(d);
        let departures = self.districts[d].spec.departures.clone();
        for (person, place, role, reason) in departures {
            let org = self.place_org(d, place);
            acts.push(Act::new(
                &sup,
                Command::ReleaseRole(ReleaseRole {
                    org,
                    role: role.into(),
                    person: person.clone(),
                    reason: Some(reason.into()),
                    on: None,
                }),
            ));
            for o in self.org_indices(d) {
                self.orgs[o].team.retain(|p| p != &person);
            }
        }
        let hires = self.districts[d].spec.hires.clone();
        for h in &hires {
            acts.push(Act::new(&sup, add_person(&h.id, &h.name, &h.email)));
            acts.push(Act::new(
                &sup,
                assign_role(&self.place_org(d, h.place), h.role, &h.id),
            ));
            if let Place::School(i) = h.place {
                let o = self.districts[d].schools[i];
                self.orgs[o].team.push(h.id.clone());
            }
        }
        let (why_success, reason) = district::COACH_V2;
        let coach = SCHOOL_ROLES.iter().find(|r| r.id == "instructional-coach");
        if let Some(def) = coach {
            let def = RoleDef {
                success: why_success,
                ..*def
            };
            for s in 0..self.districts[d].spec.schools.len() {
                let org = self.place_org(d, Place::School(s));
                acts.push(Act::new(&sup, define_role(&org, &def, Some(reason))));
            }
        }
        if self.districts[d].spec.leader_move.is_some() {
            let org = self.districts[d].spec.id.clone();
            acts.push(Act::new(
                &sup,
                define_role(&org, &SCHOOL_IMPROVEMENT_DIRECTOR, None),
            ));
        }
    }

    fn org_indices(&self, d: usize) -> Vec<usize> {
        let ds = &self.districts[d];
        std::iter::once(ds.org)
            .chain(ds.schools.iter().copied())
            .collect()
    }

    /// A principal moves to the district office mid-semester; the assistant principal
    /// takes over the school, and what the principal was accountable for is handed over.
    fn leader_move(&mut self, d: usize, acts: &mut Vec<Act>) {
        let Some(m) = self.districts[d].spec.leader_move.as_ref() else {
            return;
        };
        let (school, successor) = (m.school, m.successor.clone());
        let sup = self.superintendent(d);
        let org = self.districts[d].schools[school];
        let school_id = self.orgs[org].id.clone();
        let district_id = self.districts[d].spec.id.clone();
        let former = self.orgs[org].lead.clone();
        let short = self.orgs[org].short.clone();
        acts.push(Act::new(
            &sup,
            Command::ReleaseRole(ReleaseRole {
                org: school_id.clone(),
                role: "principal".into(),
                person: former.clone(),
                reason: Some("Named director of school improvement for the district".into()),
                on: None,
            }),
        ));
        acts.push(Act::new(
            &sup,
            assign_role(&district_id, SCHOOL_IMPROVEMENT_DIRECTOR.id, &former),
        ));
        acts.push(Act::new(
            &sup,
            Command::ReleaseRole(ReleaseRole {
                org: school_id.clone(),
                role: "assistant-principal".into(),
                person: successor.clone(),
                reason: Some(format!("Promoted to principal of {short}")),
                on: None,
            }),
        ));
        acts.push(Act::new(
            &sup,
            assign_role(&school_id, "principal", &successor),
        ));
        let o = &mut self.orgs[org];
        o.lead = successor.clone();
        o.team.retain(|p| p != &former);
        // Hand over what the former principal was accountable for in the open cycle, which
        // the new principal now runs (the cycle keeps the lead it was opened with).
        let moved_on = m_day(&self.districts[d]);
        let former_name = self
            .names
            .get(&former)
            .cloned()
            .unwrap_or_else(|| former.clone());
        for c in self
            .cycles
            .iter_mut()
            .filter(|c| c.org == org && c.ends >= moved_on)
        {
            c.lead = successor.clone();
            for g in c
                .goals
                .iter_mut()
                .filter(|g| g.open && g.accountable == former)
            {
                acts.push(Act::new(&successor, reassign(&c.id, ItemRef::Goal(g.id.clone()), &successor, &format!("{former_name} moved to the district office; the new principal owns this goal"))));
                g.accountable = successor.clone();
            }
            for ms in c
                .milestones
                .iter_mut()
                .filter(|m| m.open && m.accountable == former)
            {
                acts.push(Act::new(
                    &successor,
                    reassign(
                        &c.id,
                        ItemRef::Milestone(ms.id.clone()),
                        &successor,
                        "Handed over with the principal's move to the district office",
                    ),
                ));
                ms.accountable = successor.clone();
            }
        }
    }

    // --- cycles ----------------------------------------------------------------------

    fn open_cycle(
        &mut self,
        org: usize,
        k: usize,
        rapid: bool,
        day: NaiveDate,
        acts: &mut Vec<Act>,
    ) {
        let (label, starts, ends) = term(k);
        let o = &self.orgs[org];
        let last_focus = if rapid {
            &o.last_rapid_focus
        } else {
            &o.last_focus
        };
        let pool: Vec<usize> = if rapid {
            (0..RAPID.len()).collect()
        } else if o.kind == OrgKind::District {
            (0..LEADERSHIP.len()).collect()
        } else {
            SCHOOL_POOL
                .iter()
                .filter_map(|id| theme_index(id))
                .collect()
        };
        // Mostly new indicators each semester; sometimes the team stays the course on one.
        let mut fresh: Vec<usize> = pool
            .iter()
            .copied()
            .filter(|i| !last_focus.contains(i))
            .collect();
        fresh.shuffle(&mut self.rng);
        let n = if rapid {
            self.rng.gen_range(2..=3)
        } else {
            self.rng.gen_range(2..=4)
        };
        let mut focus: Vec<usize> = Vec::new();
        if !last_focus.is_empty() && self.rng.gen_bool(0.3) {
            focus.push(last_focus[0]);
        }
        for i in fresh.into_iter().chain(pool.iter().copied()) {
            if focus.len() >= n {
                break;
            }
            if !focus.contains(&i) {
                focus.push(i);
            }
        }
        let themes = if rapid { RAPID } else { LEADERSHIP };
        let id = if o.kind == OrgKind::District && rapid {
            format!("{}-{label}-rapid", o.id)
        } else {
            format!("{}-{label}", o.id)
        };
        let title = format!(
            "{}: {}",
            o.short,
            pick(&mut self.rng, &themes[focus[0]].titles)
        );
        let lead = o.lead.clone();
        acts.push(Act::new(
            &lead,
            Command::OpenCycle(OpenCycle {
                cycle: Some(id.clone()),
                org: o.id.clone(),
                title,
                rubric: (if rapid { RAPID_ID } else { LEADERSHIP_ID }).into(),
                rubric_version: None,
                focus: focus
                    .iter()
                    .map(|&i| themes[i].indicator.to_string())
                    .collect(),
                lead: lead.clone(),
                starts_on: starts,
                ends_on: ends,
                on: None,
            }),
        ));
        if rapid {
            self.orgs[org].last_rapid_focus = focus.clone();
        } else {
            self.orgs[org].last_focus = focus.clone();
        }
        let c = self.cycles.len();
        self.cycles.push(CycleSim {
            id,
            org,
            rapid,
            focus,
            lead,
            starts,
            ends,
            goals: Vec::new(),
            milestones: Vec::new(),
            raci: Vec::new(),
            answered: Vec::new(),
            met: 0,
            reached: 0,
            missed: 0,
            closed: false,
        });
        let cy = &self.cycles[c];
        let goals_day = weekday(day + days(self.rng.gen_range(1..=2)));
        let raci_day = weekday(goals_day + days(self.rng.gen_range(1..=3)));
        let do_day = cy.at(0.15);
        let (study, act, resolve) = (cy.at(0.6), cy.at(0.8), weekday(ends - days(5)));
        let close = weekday(ends + days(self.rng.gen_range(2..=8)));
        let reflections = if rapid {
            self.rng.gen_range(5..=8)
        } else {
            self.rng.gen_range(3..=5)
        };
        let reflect_days: Vec<NaiveDate> = (0..reflections)
            .map(|_| {
                let span = (do_day - goals_day).num_days().max(1);
                weekday(goals_day + days(self.rng.gen_range(0..=span)))
            })
            .collect();
        let adjustments = self.rng.gen_range(1..=4);
        let adjust_days: Vec<NaiveDate> = (0..adjustments)
            .map(|_| cy.at(self.rng.gen_range(0.2..0.85)))
            .collect();
        self.at(goals_day, Task::Cycle(c, Step::Goals));
        self.at(raci_day, Task::Cycle(c, Step::Raci));
        for d in reflect_days {
            self.at(d, Task::Cycle(c, Step::Reflect));
        }
        self.at(do_day, Task::Cycle(c, Step::Do));
        for d in adjust_days {
            self.at(d, Task::Cycle(c, Step::Adjust));
        }
        if self.rng.gen_bool(0.5) {
            let d = self.cycles[c].at(self.rng.gen_range(0.3..0.75));
            self.at(d, Task::Cycle(c, Step::Celebrate));
        }
        self.at(study, Task::Cycle(c, Step::Study));
        let rate_day = weekday(study + days(self.rng.gen_range(1..=4)));
        self.at(rate_day, Task::Cycle(c, Step::Rate));
        if self.rng.gen_bool(0.4) {
            let d = weekday(study + days(self.rng.gen_range(2..=6)));
            self.at(d, Task::Cycle(c, Step::ReviseReflection));
        }
        self.at(act, Task::Cycle(c, Step::Act));
        self.at(resolve, Task::Cycle(c, Step::Resolve));
        self.at(close, Task::Cycle(c, Step::Close));
        self.schedule_cycle(org, k + 1, rapid);
        if self.orgs[org].kind == OrgKind::District && !rapid && k % 2 == 1 && k <= self.last_term {
            // Each spring's end brings the district's year-end self-assessment.
            let year = ends.year();
            self.at(
                weekday(date(year, 6, 10)),
                Task::SelfAssessment(self.orgs[org].district),
            );
        }
    }

    fn step(
        &mut self,
        c: usize,
        step: Step,
        day: NaiveDate,
        acts: &mut Vec<Act>,
    ) -> anyhow::Result<()> {
        if self.cycles[c].closed {
            // A check that fell after the closing (a late milestone): nothing to do.
            return Ok(());
        }
        match step {
            Step::Goals => self.set_goals(c, day, acts),
            Step::Raci => self.raci(c, acts),
            Step::Reflect => self.reflect(c, acts),
            Step::Do => acts.push(self.phase(c, Phase::Do)),
            Step::Study => acts.push(self.phase(c, Phase::Study)),
            Step::Act => acts.push(self.phase(c, Phase::Act)),
            Step::Measure(g) => self.measure(c, g, day, acts),
            Step::Milestone(m) => self.milestone(c, m, day, acts),
            Step::Reassign(m) => self.reassign_milestone(c, m, acts),
            Step::Adjust => self.adjust(c, acts),
            Step::Celebrate => self.celebrate(c, None, acts),
            Step::ReviseGoal(g) => self.revise_goal(c, g, acts),
            Step::Rate => self.rate_focus(c, acts),
            Step::ReviseReflection => self.revise_reflection(c, acts),
            Step::Resolve => self.resolve(c, acts),
            Step::Close => self.close(c, acts),
        }
        Ok(())
    }

    fn phase(&self, c: usize, to: Phase) -> Act {
        let cy = &self.cycles[c];
        Act::new(
            &cy.lead,
            Command::ChangePhase(ChangePhase {
                cycle: cy.id.clone(),
                to,
                on: None,
            }),
        )
    }

    fn team_member(&mut self, c: usize, not: &[&str]) -> String {
        let o = &self.orgs[self.cycles[c].org];
        let candidates: Vec<&String> = o
            .team
            .iter()
            .filter(|p| !not.contains(&p.as_str()))
            .collect();
        match candidates.choose(&mut self.rng) {
            Some(p) => (*p).clone(),
            None => o.lead.clone(),
        }
    }

    fn new_measure(&mut self, spec: &'static MeasureSpec) -> MeasureSim {
        let unit = spec.unit;
        let percent = unit == "%";
        let step = if decimals(unit) { 0.5 } else { 1.0 };
        let mut baseline = round_unit(spec.baseline * self.rng.gen_range(0.9..1.1), unit);
        if percent {
            baseline = baseline.clamp(5.0, 95.0);
        }
        let mut target = round_unit(baseline + spec.change * self.rng.gen_range(0.7..1.3), unit);
        target = if percent {
            target.clamp(0.5, 99.5)
        } else {
            target.max(0.0)
        };
        if (target - baseline).abs() < step {
            target = baseline + spec.change.signum() * step;
        }
        MeasureSim {
            name: spec.name,
            unit,
            source: spec.source,
            baseline,
            target,
        }
    }

    fn set_goals(&mut self, c: usize, day: NaiveDate, acts: &mut Vec<Act>) {
        let (focus, rapid, org, ends, starts) = {
            let cy = &self.cycles[c];
            (cy.focus.clone(), cy.rapid, cy.org, cy.ends, cy.starts)
        };
        let themes = if rapid { RAPID } else { LEADERSHIP };
        let o = &self.orgs[org];
        let (lead, deputy, coach) = (o.lead.clone(), o.deputy.clone(), o.coach.clone());
        let portrait = o.portrait.clone();
        let level_of = |i: usize| {
            if rapid {
                o.rapid_levels[i]
            } else {
                o.levels[i]
            }
        };
        let levels: Vec<u8> = focus.iter().map(|&i| level_of(i)).collect();
        let goal_count = if focus.len() >= 3 && self.rng.gen_bool(0.7) {
            3
        } else {
            2
        };
        let due = weekday(ends - days(7));
        for k in 0..goal_count {
            let ti = focus[k % focus.len()];
            let theme = &themes[ti];
            let level = levels[k % focus.len()];
            // The first goal always has a measure; the second aims at the next rubric level
            // when there is one; a third has both.
            let with_measure = k != 1 || level >= 2;
            let with_target = k >= 1 && level < 2;
            let measure = with_measure.then(|| {
                // Counts of schools are a district's measure; a school tracks its own.
                let district_measure =
                    theme.measure.unit == "schools" && self.orgs[org].kind == OrgKind::School;
                let spec = if district_measure || self.rng.gen_bool(0.25) {
                    pick(&mut self.rng, text::COMMON_MEASURES)
                } else {
                    &theme.measure
                };
                self.new_measure(spec)
            });
            let target = with_target.then_some((ti, level + 1));
            let cy = &self.cycles[c];
            let statement = goal_statement(cy, theme, measure.as_ref(), target.map(|(_, l)| l));
            let accountable = match k {
                0 => lead.clone(),
                1 => coach.clone(),
                _ => deputy.clone(),
            };
            let serves = (!portrait.is_empty()).then(|| pick(&mut self.rng, &portrait).clone());
            let id = format!("g{}", k + 1);
            let final_progress = self.rng.gen_range(0.6..1.5);
            acts.push(Act::new(
                &lead,
                Command::SetGoal(SetGoal {
                    cycle: cy.id.clone(),
                    goal: Some(id.clone()),
                    statement: statement.clone(),
                    target: target.map(|(i, l)| IndicatorTarget {
                        indicator: themes[i].indicator.into(),
                        level: cy.level_id(l).into(),
                    }),
                    measure: measure.as_ref().map(measure_def),
                    due_on: due,
                    accountable: accountable.clone(),
                    serves: serves.clone(),
                    on: None,
                }),
            ));
            let g = self.cycles[c].goals.len();
            self.cycles[c].goals.push(GoalSim {
                id,
                statement,
                measure,
                target,
                serves,
                due,
                accountable,
                open: true,
                last_value: None,
                final_progress,
            });
            // Milestones: one to three of the theme's, spread over the semester.
            let n = self.rng.gen_range(2..=3);
            let mut picks: Vec<usize> = (0..3).collect();
            picks.shuffle(&mut self.rng);
            for (j, &mi) in picks.iter().take(n).enumerate() {
                let (title, measure) = theme.milestones[mi];
                let f = 0.25 + 0.6 * (j as f64 + self.rng.gen_range(0.3..1.0)) / n as f64;
                let due = self.cycles[c].at(f.min(0.85));
                let accountable = self.team_member(c, &[]);
                let cy = &self.cycles[c];
                let mid = format!("m{}", cy.milestones.len() + 1);
                acts.push(Act::new(
                    &lead,
                    Command::PlanMilestone(PlanMilestone {
                        cycle: cy.id.clone(),
                        goal: cy.goals[g].id.clone(),
                        milestone: Some(mid.clone()),
                        title: title.into(),
                        due_on: due,
                        accountable: accountable.clone(),
                        measure: measure.into(),
                        on: None,
                    }),
                ));
                let m = cy.milestones.len();
                self.cycles[c].milestones.push(MilestoneSim {
                    id: mid,
                    title,
                    measure,
                    due,
                    accountable,
                    open: true,
                    rescheduled: false,
                });
                let check = weekday(due + days(self.rng.gen_range(0..=3)));
                self.at(check, Task::Cycle(c, Step::Milestone(m)));
                if self.rng.gen_bool(0.04) {
                    let span = (due - day).num_days();
                    if span > 6 {
                        let when = weekday(day + days(self.rng.gen_range(3..span - 2)));
                        self.at(when, Task::Cycle(c, Step::Reassign(m)));
                    }
                }
            }
            if self.cycles[c].goals[g].measure.is_some() {
                // Operational data (attendance, logs, reports) comes in weekly; surveys
                // are given every few weeks.
                let survey = self.cycles[c].goals[g]
                    .measure
                    .as_ref()
                    .is_some_and(|m| m.source.contains("survey"));
                let cadence = if survey { 21..=35 } else { 6..=10 };
                let mut d = weekday(starts + days(self.rng.gen_range(8..=14)));
                while d < ends - days(8) {
                    self.at(d, Task::Cycle(c, Step::Measure(g)));
                    d = weekday(d + days(self.rng.gen_range(cadence.clone())));
                }
                if self.rng.gen_bool(0.2) {
                    let d = self.cycles[c].at(self.rng.gen_range(0.35..0.5));
                    self.at(d, Task::Cycle(c, Step::ReviseGoal(g)));
                }
            }
        }
    }

    fn raci(&mut self, c: usize, acts: &mut Vec<Act>) {
        let org = self.cycles[c].org;
        let (sponsor, data) = (self.orgs[org].sponsor.clone(), self.orgs[org].data.clone());
        let mut planned: Vec<(ItemRef, RaciRole, String)> = Vec::new();
        for g in 0..self.cycles[c].goals.len() {
            let (id, accountable) = {
                let goal = &self.cycles[c].goals[g];
                (goal.id.clone(), goal.accountable.clone())
            };
            // Whoever is consulted or informed on the goal is not also the one doing it.
            let responsible =
                self.team_member(c, &[accountable.as_str(), data.as_str(), sponsor.as_str()]);
            planned.push((
                ItemRef::Goal(id.clone()),
                RaciRole::Responsible,
                responsible,
            ));
            if data != accountable {
                planned.push((ItemRef::Goal(id.clone()), RaciRole::Consulted, data.clone()));
            }
            if sponsor != accountable {
                planned.push((ItemRef::Goal(id), RaciRole::Informed, sponsor.clone()));
            }
        }
        for m in 0..self.cycles[c].milestones.len() {
            if self.rng.gen_bool(0.35) {
                let (id, accountable) = {
                    let ms = &self.cycles[c].milestones[m];
                    (ms.id.clone(), ms.accountable.clone())
                };
                let who = self.team_member(c, &[accountable.as_str()]);
                let role = if self.rng.gen_bool(0.6) {
                    RaciRole::Responsible
                } else {
                    RaciRole::Consulted
                };
                planned.push((ItemRef::Milestone(id), role, who));
            }
        }
        let cy = &mut self.cycles[c];
        for (item, role, person) in planned {
            if cy
                .raci
                .iter()
                .any(|(i, r, p)| *i == item && *r == role && *p == person)
            {
                continue;
            }
            acts.push(Act::new(
                &cy.lead,
                Command::AssignRaci(AssignRaci {
                    cycle: cy.id.clone(),
                    item: item.clone(),
                    role,
                    person: person.clone(),
                    on: None,
                }),
            ));
            cy.raci.push((item, role, person));
        }
    }

    fn blanks(&self, c: usize) -> Vec<(&'static str, String)> {
        let cy = &self.cycles[c];
        let o = &self.orgs[cy.org];
        let theme = &cy.themes()[cy.focus[0]];
        let measure = cy
            .goals
            .iter()
            .find_map(|g| g.measure.as_ref().map(|m| m.name.to_string()))
            .unwrap_or_else(|| theme.measure.name.to_string());
        vec![
            ("org", o.short.clone()),
            ("lead", self.name_of(&cy.lead)),
            ("data", self.name_of(&o.data)),
            ("topic", theme.topic.to_string()),
            ("measure", measure),
        ]
    }

    /// How a person is named in prose.
    fn name_of(&self, person: &str) -> String {
        self.names
            .get(person)
            .cloned()
            .unwrap_or_else(|| person.to_string())
    }

    fn reflect(&mut self, c: usize, acts: &mut Vec<Act>) {
        let open: Vec<usize> = (0..text::REFLECTIONS.len())
            .filter(|q| !self.cycles[c].answered.contains(q))
            .collect();
        let Some(&q) = open.choose(&mut self.rng) else {
            return;
        };
        let blanks = self.blanks(c);
        let b: Vec<(&str, &str)> = blanks.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let answer = fill(text::phrase(&mut self.rng, text::REFLECTIONS[q]), &b);
        let cy = &mut self.cycles[c];
        cy.answered.push(q);
        acts.push(Act::new(
            &cy.lead,
            Command::AnswerReflection(AnswerReflection {
                cycle: cy.id.clone(),
                question: format!("q{:02}", q + 1),
                answer,
                on: None,
            }),
        ));
    }

    fn revise_reflection(&mut self, c: usize, acts: &mut Vec<Act>) {
        let Some(&q) = self.cycles[c].answered.choose(&mut self.rng) else {
            return;
        };
        let blanks = self.blanks(c);
        let b: Vec<(&str, &str)> = blanks.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let answer = format!(
            "{}{}",
            pick(&mut self.rng, text::REFLECTION_REVISION_PREFIX),
            fill(text::phrase(&mut self.rng, text::REFLECTIONS[q]), &b)
        );
        let reason = pick(&mut self.rng, text::REFLECTION_REVISION_REASONS).to_string();
        let cy = &self.cycles[c];
        acts.push(Act::new(
            &cy.lead,
            Command::ReviseReflection(ReviseReflection {
                cycle: cy.id.clone(),
                question: format!("q{:02}", q + 1),
                answer,
                reason: Some(reason),
                on: None,
            }),
        ));
    }

    fn measure(&mut self, c: usize, g: usize, day: NaiveDate, acts: &mut Vec<Act>) {
        let x = self.cycles[c].fraction(day);
        let noise = self.rng.gen_range(-0.07..0.07);
        let back = self.rng.gen_range(0..=2);
        let cy = &self.cycles[c];
        let goal = &cy.goals[g];
        let Some(m) = goal.measure.as_ref().filter(|_| goal.open) else {
            return;
        };
        let progress = goal.final_progress * x.powf(0.8) + noise;
        let value = clamp_unit(
            round_unit(m.baseline + (m.target - m.baseline) * progress, m.unit),
            m.unit,
        );
        // The value as of a school day: the Friday before, when the day falls on a weekend.
        let mut on = (day - days(back)).max(cy.starts);
        while matches!(on.weekday(), Weekday::Sat | Weekday::Sun) && on > cy.starts {
            on -= days(1);
        }
        let recorder = self.orgs[cy.org].data.clone();
        let org_is_school = self.orgs[cy.org].kind == OrgKind::School;
        let typo = match self.mode {
            Mode::Sample => {
                self.typo_pending
                    && org_is_school
                    && m.unit == "%"
                    && value >= 10.0
                    && value.fract() != 0.0
                    && self.cycle_term(c) == 1
            }
            Mode::Scale => self.rng.gen_bool(0.0015),
        };
        let source = m.source.to_string();
        let id = (cy.id.clone(), goal.id.clone());
        self.cycles[c].goals[g].last_value = Some(value);
        let cmd = |v: f64| {
            Command::RecordMeasure(RecordMeasure {
                cycle: id.0.clone(),
                goal: id.1.clone(),
                value: v,
                source: source.clone(),
                on: Some(on),
            })
        };
        if typo {
            // A slipped decimal point: entered, noticed the next school day, retracted with
            // a reason, and entered again.
            self.typo_pending = false;
            let wrong = (value * 10.0).round();
            self.next_tag += 1;
            let tag = self.next_tag;
            acts.push(Act {
                actor: recorder,
                cmd: cmd(wrong),
                tag: Some(tag),
            });
            self.at(
                weekday(day + days(1)),
                Task::Correct {
                    cycle: c,
                    goal: g,
                    tag,
                    value,
                    typo: wrong,
                    on,
                },
            );
        } else {
            acts.push(Act::new(&recorder, cmd(value)));
        }
    }

    fn cycle_term(&self, c: usize) -> usize {
        let starts = self.cycles[c].starts;
        (0..).find(|&k| term(k).1 == starts).unwrap_or(usize::MAX)
    }

    #[allow(clippy::too_many_arguments)]
    fn correct(
        &mut self,
        c: usize,
        g: usize,
        tag: u64,
        value: f64,
        typo: f64,
        on: NaiveDate,
        acts: &mut Vec<Act>,
    ) -> anyhow::Result<()> {
        if self.cycles[c].closed {
            bail!("the demo scheduled a correction after its cycle closed");
        }
        let Some(position) = self.rec.tagged(tag) else {
            // The recorder filled up before the typo was written; nothing to correct.
            if self.rec.is_full() {
                return Ok(());
            }
            bail!("the demo lost track of the event it meant to retract");
        };
        let cy = &self.cycles[c];
        let goal = &cy.goals[g];
        let Some(m) = goal.measure.as_ref() else {
            return Ok(());
        };
        let recorder = self.orgs[cy.org].data.clone();
        let unit = m.unit;
        acts.push(Act::new(
            &recorder,
            Command::RetractEvent(RetractEvent {
                position,
                reason: format!(
                    "Typo: {} was entered for {}{} (decimal point dropped); the right value is entered again below",
                    fmt_number(typo, unit),
                    fmt_number(value, unit),
                    unit_suffix(unit)
                ),
                on: None,
            }),
        ));
        acts.push(Act::new(
            &recorder,
            Command::RecordMeasure(RecordMeasure {
                cycle: cy.id.clone(),
                goal: goal.id.clone(),
                value,
                source: m.source.to_string(),
                on: Some(on),
            }),
        ));
        Ok(())
    }

    fn milestone(&mut self, c: usize, m: usize, day: NaiveDate, acts: &mut Vec<Act>) {
        let ends = self.cycles[c].ends;
        let r: f64 = self.rng.gen();
        let ms = &self.cycles[c].milestones[m];
        if !ms.open {
            return;
        }
        let cycle = self.cycles[c].id.clone();
        let (id, due, accountable) = (ms.id.clone(), ms.due, ms.accountable.clone());
        let latest = weekday(ends - days(4));
        if !ms.rescheduled && r < 0.18 && latest > due + days(7) {
            let span = (latest - due).num_days().min(21);
            let to = weekday(due + days(self.rng.gen_range(7..=span)));
            if to > due && to <= latest {
                let reason = pick(&mut self.rng, text::MILESTONE_RESCHEDULED).to_string();
                acts.push(Act::new(
                    &accountable,
                    Command::RescheduleMilestone(RescheduleMilestone {
                        cycle,
                        milestone: id,
                        to,
                        reason,
                        on: None,
                    }),
                ));
                let ms = &mut self.cycles[c].milestones[m];
                ms.rescheduled = true;
                ms.due = to;
                let check = weekday(to + days(self.rng.gen_range(0..=3)));
                self.at(check, Task::Cycle(c, Step::Milestone(m)));
                return;
            }
        }
        let on = Some(due.min(day));
        if r < 0.88 {
            let measure = self.cycles[c].milestones[m].measure;
            let evidence = fill(
                text::phrase(&mut self.rng, text::MILESTONE_REACHED),
                &[("measure", measure)],
            );
            acts.push(Act::new(
                &accountable,
                Command::MarkMilestoneReached(MarkMilestoneReached {
                    cycle,
                    milestone: id.clone(),
                    evidence,
                    on,
                }),
            ));
            self.cycles[c].milestones[m].open = false;
            self.cycles[c].reached += 1;
            if self.rng.gen_bool(0.3) {
                self.celebrate(c, Some(ItemRef::Milestone(id)), acts);
            }
        } else {
            let reason = pick(&mut self.rng, text::MILESTONE_MISSED).to_string();
            acts.push(Act::new(
                &accountable,
                Command::MarkMilestoneMissed(MarkMilestoneMissed {
                    cycle,
                    milestone: id,
                    reason,
                    on,
                }),
            ));
            self.cycles[c].milestones[m].open = false;
            self.cycles[c].missed += 1;
        }
    }

    fn reassign_milestone(&mut self, c: usize, m: usize, acts: &mut Vec<Act>) {
        if !self.cycles[c].milestones[m].open {
            return;
        }
        let from = self.cycles[c].milestones[m].accountable.clone();
        let to = self.team_member(c, &[from.as_str()]);
        if to == from {
            return;
        }
        let reason = pick(&mut self.rng, text::REASSIGN_REASONS).to_string();
        let cy = &mut self.cycles[c];
        let ms = &mut cy.milestones[m];
        acts.push(Act::new(
            &cy.lead,
            reassign(&cy.id, ItemRef::Milestone(ms.id.clone()), &to, &reason),
        ));
        ms.accountable = to;
    }

    fn adjust(&mut self, c: usize, acts: &mut Vec<Act>) {
        const KINDS: [(AdjustmentKind, u32); 6] = [
            (AdjustmentKind::Policy, 12),
            (AdjustmentKind::Program, 30),
            (AdjustmentKind::Personnel, 15),
            (AdjustmentKind::Timeline, 20),
            (AdjustmentKind::Resources, 15),
            (AdjustmentKind::Other, 8),
        ];
        let total: u32 = KINDS.iter().map(|k| k.1).sum();
        let mut r = self.rng.gen_range(0..total);
        let mut kind_index = 0;
        for (i, (_, w)) in KINDS.iter().enumerate() {
            if r < *w {
                kind_index = i;
                break;
            }
            r -= w;
        }
        let blanks = self.blanks(c);
        let b: Vec<(&str, &str)> = blanks.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (what, why) = *pick(&mut self.rng, text::ADJUSTMENTS[kind_index]);
        let cy = &self.cycles[c];
        let open_items: Vec<ItemRef> = cy
            .milestones
            .iter()
            .filter(|m| m.open)
            .map(|m| ItemRef::Milestone(m.id.clone()))
            .chain(
                cy.goals
                    .iter()
                    .filter(|g| g.open)
                    .map(|g| ItemRef::Goal(g.id.clone())),
            )
            .collect();
        let touches = if self.rng.gen_bool(0.5) {
            open_items.choose(&mut self.rng).cloned()
        } else {
            None
        };
        let decided_by = if self.rng.gen_bool(0.7) {
            cy.lead.clone()
        } else {
            self.orgs[cy.org].sponsor.clone()
        };
        acts.push(Act::new(
            &cy.lead,
            Command::LogAdjustment(LogAdjustment {
                cycle: cy.id.clone(),
                adjustment: None,
                kind: KINDS[kind_index].0,
                what_changed: fill(what, &b),
                why: fill(why, &b),
                touches,
                decided_by,
                on: None,
            }),
        ));
    }

    fn celebrate(&mut self, c: usize, item: Option<ItemRef>, acts: &mut Vec<Act>) {
        let blanks = self.blanks(c);
        let mut b: Vec<(&str, &str)> = blanks.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let cy = &self.cycles[c];
        let template = match &item {
            Some(ItemRef::Milestone(m)) => {
                let title = cy
                    .milestones
                    .iter()
                    .find(|x| &x.id == m)
                    .map_or("", |x| x.title);
                b.push(("milestone", title));
                *pick(&mut self.rng, text::CELEBRATIONS_FOR_MILESTONE)
            }
            Some(ItemRef::Goal(_)) => *pick(&mut self.rng, text::CELEBRATIONS_FOR_GOAL),
            None => *pick(&mut self.rng, text::CELEBRATIONS_GENERAL),
        };
        let what = fill(template, &b);
        let mut participants: Vec<String> = self.orgs[cy.org].team.clone();
        participants.shuffle(&mut self.rng);
        participants.truncate(self.rng.gen_range(2..=5));
        if !participants.contains(&cy.lead) {
            participants.push(cy.lead.clone());
        }
        acts.push(Act::new(
            &cy.lead,
            Command::LogCelebration(LogCelebration {
                cycle: cy.id.clone(),
                celebration: None,
                what,
                item,
                participants,
                on: None,
            }),
        ));
    }

    fn revise_goal(&mut self, c: usize, g: usize, acts: &mut Vec<Act>) {
        let reason_index = self.rng.gen_range(0..text::GOAL_REVISED.len());
        let shift = self.rng.gen_range(0.6..0.85);
        let cy = &mut self.cycles[c];
        let (rapid, ends) = (cy.rapid, cy.ends);
        let goal = &mut cy.goals[g];
        let Some(m) = goal.measure.as_mut().filter(|_| goal.open) else {
            return;
        };
        let (mut baseline, mut target, mut due) = (m.baseline, m.target, goal.due);
        match reason_index {
            // A corrected baseline.
            0 => {
                baseline = clamp_unit(
                    round_unit(baseline - (target - baseline) * 0.1, m.unit),
                    m.unit,
                )
            }
            // A target closer to the baseline.
            1 => {
                target = clamp_unit(
                    round_unit(baseline + (target - baseline) * shift, m.unit),
                    m.unit,
                )
            }
            // A later due date.
            _ => due = weekday(ends - days(3)),
        }
        // A revision has to change something, and a goal has to ask for a change.
        if target == baseline || (baseline, target, due) == (m.baseline, m.target, goal.due) {
            return;
        }
        (m.baseline, m.target, goal.due) = (baseline, target, due);
        let themes = if rapid { RAPID } else { LEADERSHIP };
        let theme = &themes[goal.target.map_or(cy.focus[0], |(i, _)| i)];
        let label = goal.target.map(|(_, l)| l);
        let statement = {
            let m = goal.measure.as_ref();
            goal_statement_parts(
                theme,
                m,
                label.map(|l| {
                    if rapid {
                        RI_LABELS[l as usize]
                    } else {
                        LS_LABELS[l as usize]
                    }
                }),
            )
        };
        goal.statement = statement.clone();
        acts.push(Act::new(
            &cy.lead,
            Command::ReviseGoal(ReviseGoal {
                cycle: cy.id.clone(),
                goal: goal.id.clone(),
                statement,
                target: goal.target.map(|(i, l)| IndicatorTarget {
                    indicator: themes[i].indicator.into(),
                    level: (if rapid {
                        RI_LEVELS[l as usize]
                    } else {
                        LS_LEVELS[l as usize]
                    })
                    .into(),
                }),
                measure: goal.measure.as_ref().map(measure_def),
                due_on: goal.due,
                serves: goal.serves.clone(),
                reason: text::GOAL_REVISED[reason_index].to_string(),
                on: None,
            }),
        ));
    }

    /// The study phase: the team rates its focus indicators, mostly a level up, sometimes
    /// the same, now and then a level down.
    fn rate_focus(&mut self, c: usize, acts: &mut Vec<Act>) {
        const UP: &[&str] = &[
            "the routines from this cycle are now in place in most classrooms",
            "walkthrough data and the family survey both show the change",
            "staff now run the practice without the leadership team prompting it",
            "the milestones reached this semester are the evidence",
        ];
        const DOWN: &[&str] = &[
            "turnover on the team meant the routine lapsed for several weeks",
            "the new schedule squeezed out the time this depended on",
            "the spring walkthroughs did not bear out the earlier rating",
        ];
        const SAME: &[&str] = &[
            "evidence is growing but not yet consistent across classrooms",
            "the practice is in place in some teams, not yet in all",
            "too early to see the change in the data",
        ];
        let focus = self.cycles[c].focus.clone();
        for i in focus {
            let (org, rapid) = (self.cycles[c].org, self.cycles[c].rapid);
            let old = if rapid {
                self.orgs[org].rapid_levels[i]
            } else {
                self.orgs[org].levels[i]
            };
            let r: f64 = self.rng.gen();
            let new = if r < 0.55 && old < 2 {
                old + 1
            } else if r > 0.88 && old > 0 {
                old - 1
            } else {
                old
            };
            if rapid {
                self.orgs[org].rapid_levels[i] = new;
            } else {
                self.orgs[org].levels[i] = new;
            }
            let cy = &self.cycles[c];
            let theme = &cy.themes()[i];
            let movement = match new.cmp(&old) {
                std::cmp::Ordering::Greater => format!(
                    "Up from {}: {}.",
                    cy.level_label(old),
                    pick(&mut self.rng, UP)
                ),
                std::cmp::Ordering::Less => format!(
                    "Down from {}: {}.",
                    cy.level_label(old),
                    pick(&mut self.rng, DOWN)
                ),
                std::cmp::Ordering::Equal => format!("Holding: {}.", pick(&mut self.rng, SAME)),
            };
            let evidence = format!("{} {movement}", theme.evidence[new as usize]);
            let o = &self.orgs[org];
            acts.push(Act::new(
                &cy.lead,
                rate(
                    &o.id,
                    cy.rubric(),
                    theme.indicator,
                    cy.level_id(new),
                    evidence,
                    Some(cy.id.clone()),
                ),
            ));
        }
    }

    /// Before the cycle closes every goal is met or dropped, and any milestone still open
    /// is called.
    fn resolve(&mut self, c: usize, acts: &mut Vec<Act>) {
        for m in 0..self.cycles[c].milestones.len() {
            if self.cycles[c].milestones[m].open {
                let cy = &mut self.cycles[c];
                let ms = &mut cy.milestones[m];
                ms.open = false;
                cy.missed += 1;
                acts.push(Act::new(
                    &ms.accountable,
                    Command::MarkMilestoneMissed(MarkMilestoneMissed {
                        cycle: cy.id.clone(),
                        milestone: ms.id.clone(),
                        reason: "Still open at the end of the semester; carried into the next cycle's plan".into(),
                        on: None,
                    }),
                ));
            }
        }
        for g in 0..self.cycles[c].goals.len() {
            let cy = &self.cycles[c];
            let goal = &cy.goals[g];
            if !goal.open {
                continue;
            }
            let o = &self.orgs[cy.org];
            let progress = goal.measure.as_ref().map(|m| {
                let v = goal.last_value.unwrap_or(m.baseline);
                (v - m.baseline) / (m.target - m.baseline)
            });
            let level_reached = goal.target.map(|(i, l)| {
                let now = if cy.rapid {
                    o.rapid_levels[i]
                } else {
                    o.levels[i]
                };
                now >= l
            });
            let measure_ok = progress.is_none_or(|p| p >= 0.85);
            let level_ok = level_reached.unwrap_or(true);
            let mut said = Vec::new();
            if let (Some(m), Some(_)) = (goal.measure.as_ref(), progress) {
                let v = goal.last_value.unwrap_or(m.baseline);
                said.push(format!(
                    "{} reached {} against a target of {} (baseline {})",
                    m.name,
                    fmt_value(v, m.unit),
                    fmt_value(m.target, m.unit),
                    fmt_value(m.baseline, m.unit)
                ));
            }
            if let Some((i, l)) = goal.target {
                let now = if cy.rapid {
                    o.rapid_levels[i]
                } else {
                    o.levels[i]
                };
                said.push(format!(
                    "indicator {} rated {} at the study phase (target {})",
                    cy.themes()[i].indicator,
                    cy.level_label(now),
                    cy.level_label(l)
                ));
            }
            let facts = said.join("; ");
            let (cycle, goal_id) = (cy.id.clone(), goal.id.clone());
            let accountable = goal.accountable.clone();
            if measure_ok && level_ok {
                acts.push(Act::new(
                    &accountable,
                    Command::MarkGoalMet(MarkGoalMet {
                        cycle,
                        goal: goal_id.clone(),
                        evidence: capitalize(&format!("{facts}.")),
                        on: None,
                    }),
                ));
                self.cycles[c].met += 1;
                self.cycles[c].goals[g].open = false;
                if self.rng.gen_bool(0.5) {
                    self.celebrate(c, Some(ItemRef::Goal(goal_id)), acts);
                }
            } else {
                let tail = if self.rng.gen_bool(0.3) {
                    pick(&mut self.rng, text::GOAL_DROPPED).to_string()
                } else {
                    "the work carries into the next cycle".to_string()
                };
                acts.push(Act::new(
                    &accountable,
                    Command::DropGoal(DropGoal {
                        cycle,
                        goal: goal_id,
                        reason: format!(
                            "Not met by {}: {facts}; {}",
                            goal.due.format("%B %-d"),
                            lowercase_first(&tail)
                        ),
                        on: None,
                    }),
                ));
                self.cycles[c].goals[g].open = false;
            }
        }
    }

    fn close(&mut self, c: usize, acts: &mut Vec<Act>) {
        let blanks = self.blanks(c);
        let cy = &self.cycles[c];
        let counts = [
            ("met", cy.met.to_string()),
            ("goals", cy.goals.len().to_string()),
            ("reached", cy.reached.to_string()),
            ("missed", cy.missed.to_string()),
            ("next", pick(&mut self.rng, text::NEXT_STEPS).to_string()),
        ];
        let mut b: Vec<(&str, &str)> = blanks.iter().map(|(k, v)| (*k, v.as_str())).collect();
        b.extend(counts.iter().map(|(k, v)| (*k, v.as_str())));
        let summary = fill(text::phrase(&mut self.rng, text::SUMMARIES), &b);
        acts.push(Act::new(
            &cy.lead,
            Command::CloseCycle(CloseCycle {
                cycle: cy.id.clone(),
                summary,
                on: None,
            }),
        ));
        // Nothing more happens in a closed cycle; keep the large mode's memory flat.
        let cy = &mut self.cycles[c];
        cy.closed = true;
        cy.goals = Vec::new();
        cy.milestones = Vec::new();
        cy.raci = Vec::new();
        cy.answered = Vec::new();
    }
}

fn m_day(d: &DistrictSim) -> NaiveDate {
    d.spec.leader_move.as_ref().map_or(first_day(), |m| m.on)
}

fn theme_index(indicator: &str) -> Option<usize> {
    LEADERSHIP.iter().position(|t| t.indicator == indicator)
}

fn register(org: &str, kind: OrgKind, name: &str, parent: Option<&str>) -> Command {
    Command::RegisterOrgUnit(RegisterOrgUnit {
        org: org.into(),
        kind,
        name: name.into(),
        parent: parent.map(Into::into),
        on: None,
    })
}

fn add_person(id: &str, name: &str, email: &str) -> Command {
    Command::AddPerson(AddPerson {
        person: id.into(),
        name: name.into(),
        email: Some(email.into()),
        on: None,
    })
}

fn define_role(org: &str, def: &RoleDef, reason: Option<&str>) -> Command {
    Command::DefineRole(DefineRole {
        org: org.into(),
        role: def.id.into(),
        title: def.title.into(),
        success: def.success.into(),
        why: def.why.into(),
        measure: def.measure.into(),
        reason: reason.map(str::to_string),
        on: None,
    })
}

fn assign_role(org: &str, role: &str, person: &str) -> Command {
    Command::AssignRole(AssignRole {
        org: org.into(),
        role: role.into(),
        person: person.into(),
        on: None,
    })
}

fn rate(
    org: &str,
    rubric: &str,
    indicator: &str,
    level: &str,
    evidence: String,
    cycle: Option<String>,
) -> Command {
    Command::RateIndicator(RateIndicator {
        org: org.into(),
        rubric: rubric.into(),
        rubric_version: None,
        indicator: indicator.into(),
        level: level.into(),
        evidence,
        cycle,
        on: None,
    })
}

fn reassign(cycle: &str, item: ItemRef, to: &str, reason: &str) -> Command {
    Command::ReassignAccountable(ReassignAccountable {
        cycle: cycle.into(),
        item,
        to: to.into(),
        reason: reason.into(),
        on: None,
    })
}

fn measure_def(m: &MeasureSim) -> MeasureDef {
    MeasureDef {
        name: m.name.into(),
        unit: m.unit.into(),
        baseline: m.baseline,
        target: m.target,
    }
}

fn goal_statement(
    cy: &CycleSim,
    theme: &Theme,
    m: Option<&MeasureSim>,
    level: Option<u8>,
) -> String {
    goal_statement_parts(theme, m, level.map(|l| cy.level_label(l)))
}

fn goal_statement_parts(theme: &Theme, m: Option<&MeasureSim>, level: Option<&str>) -> String {
    let measured = m.map(|m| {
        let verb = if m.target > m.baseline {
            "Raise"
        } else {
            "Lower"
        };
        format!(
            "{verb} {} from {} to {}",
            m.name,
            fmt_value(m.baseline, m.unit),
            fmt_value(m.target, m.unit)
        )
    });
    match (measured, level) {
        (Some(s), Some(l)) => format!("{s}, and reach {l} on indicator {}", theme.indicator),
        (Some(s), None) => s,
        (None, Some(l)) => format!(
            "Reach {l} on indicator {} ({})",
            theme.indicator, theme.topic
        ),
        (None, None) => format!("Make progress on {}", theme.topic),
    }
}

fn decimals(unit: &str) -> bool {
    matches!(unit, "%" | "pts")
}

fn round_unit(v: f64, unit: &str) -> f64 {
    if decimals(unit) {
        (v * 10.0).round() / 10.0
    } else {
        v.round()
    }
}

fn clamp_unit(v: f64, unit: &str) -> f64 {
    if unit == "%" {
        v.clamp(0.0, 100.0)
    } else {
        v.max(0.0)
    }
}

fn fmt_number(v: f64, unit: &str) -> String {
    if decimals(unit) && v.fract() != 0.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    }
}

fn unit_suffix(unit: &str) -> String {
    match unit {
        "%" => "%".into(),
        u => format!(" {u}"),
    }
}

fn fmt_value(v: f64, unit: &str) -> String {
    format!("{}{}", fmt_number(v, unit), unit_suffix(unit))
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn lowercase_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A year-end self-assessment rating of leadership indicator `i` at the org's current level.
fn year_end_rating(o: &OrgSim, actor: &str, i: usize, who: &str, day: NaiveDate) -> Act {
    let level = o.levels[i] as usize;
    let t = &LEADERSHIP[i];
    let evidence = format!(
        "{} Year-end {who} self-assessment, June {}.",
        t.evidence[level],
        day.year()
    );
    Act::new(
        actor,
        rate(
            &o.id,
            LEADERSHIP_ID,
            t.indicator,
            LS_LEVELS[level],
            evidence,
            None,
        ),
    )
}
