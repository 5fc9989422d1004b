//! Maturity: for each org unit × rubric × indicator, the current level with who rated it, when
//! and on what evidence, and the whole trajectory of live ratings; summaries per practice and
//! area against a [`Rubric`]; a district's roll-up over its schools; rubric adoptions.
//!
//! A trajectory is ordered by when each rating happened (`occurred_on`, ties by position), and
//! the current level is the last of it: a rating recorded late but dated earlier joins the
//! history in its place without overturning a newer judgement.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use trellis_events::{Envelope, Event};
use trellis_rubric::Rubric;

use crate::live::{Live, PosIndex, Stamp, Stamped};
use crate::name::{FxHashMap, Interner, Name};
use crate::org_tree::OrgTree;

/// One live rating of one indicator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rating {
    pub stamp: Stamp,
    pub level: Name,
    pub evidence: String,
    pub rubric_version: u32,
    /// The cycle it was made in, if any.
    pub cycle: Option<Name>,
}

/// The ratings of one indicator of one rubric for one org unit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    pub org: Name,
    pub rubric: Name,
    pub indicator: Name,
    /// Live ratings in the order they happened: by `occurred_on`, ties by position.
    pub trajectory: Vec<Rating>,
}

impl Cell {
    /// The latest live rating; `None` once every rating was retracted.
    pub fn current(&self) -> Option<&Rating> {
        self.trajectory.last()
    }
}

/// A rubric (id and version) an org unit adopted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Adoption {
    pub rubric: String,
    pub version: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Maturity {
    /// Every cell ever rated; a cell whose ratings were all retracted stays, empty.
    cells: Vec<Cell>,
    /// "org␟rubric␟indicator" → index in `cells`: one hash lookup per rating, where nested
    /// maps cost three. Ids never contain the separator (U+001F); the command side accepts
    /// only letters, digits, '-' and '_'.
    index: FxHashMap<Box<str>, u32>,
    /// Org → its cells, in the order they were first rated.
    by_org: FxHashMap<Name, Vec<u32>>,
    /// Rating position → cell, for retractions.
    ratings: PosIndex<u32>,
    /// Org → live adoptions in log order.
    adoptions: BTreeMap<String, Live<Adoption>>,
    /// Adoption position → org, for retractions.
    adopted_at: PosIndex<String>,
}

impl Maturity {
    /// Folds one event; `names` is the interner the views share.
    pub fn apply(&mut self, env: &Envelope, names: &mut Interner) {
        match &env.event {
            Event::IndicatorRated {
                org,
                rubric,
                rubric_version,
                indicator,
                level,
                evidence,
                cycle,
            } => {
                let slot = self.slot(org, rubric, indicator, names);
                let rating = Rating {
                    stamp: Stamp::interned(env, names),
                    level: names.name(level),
                    evidence: evidence.clone(),
                    rubric_version: *rubric_version,
                    cycle: cycle.as_deref().map(|c| names.name(c)),
                };
                if let Some(cell) = self.cells.get_mut(slot as usize) {
                    let key = (env.occurred_on, env.position);
                    // Usually the end: ratings mostly arrive in the order they happened.
                    let at = cell
                        .trajectory
                        .partition_point(|r| (r.stamp.occurred_on, r.stamp.position) <= key);
                    cell.trajectory.insert(at, rating);
                }
                self.ratings.insert(env.position, slot);
            }
            Event::RubricAdopted {
                org,
                rubric,
                version,
            } => {
                let adoption = Adoption {
                    rubric: rubric.clone(),
                    version: *version,
                };
                let live = self.adoptions.entry(org.clone()).or_default();
                live.push(Stamp::of(env), adoption);
                self.adopted_at.insert(env.position, org.clone());
            }
            Event::EventRetracted { position, .. } => self.retract(*position),
            _ => {}
        }
    }

    fn slot(&mut self, org: &str, rubric: &str, indicator: &str, names: &mut Interner) -> u32 {
        if let Some(&slot) = with_key(org, rubric, indicator, |k| self.index.get(k)) {
            return slot;
        }
        // Past 4 billion cells (never, in practice) new ratings share the last slot rather
        // than panic.
        let slot = u32::try_from(self.cells.len()).unwrap_or(u32::MAX);
        let org = names.name(org);
        self.cells.push(Cell {
            org: org.clone(),
            rubric: names.name(rubric),
            indicator: names.name(indicator),
            trajectory: Vec::new(),
        });
        let key = with_key(&org, rubric, indicator, |k| Box::<str>::from(k));
        self.index.insert(key, slot);
        self.by_org.entry(org).or_default().push(slot);
        slot
    }

    fn retract(&mut self, position: u64) {
        if let Some(&slot) = self.ratings.get(position) {
            if let Some(cell) = self.cells.get_mut(slot as usize) {
                cell.trajectory.retain(|r| r.stamp.position != position);
            }
        } else if let Some(org) = self.adopted_at.get(position) {
            if let Some(live) = self.adoptions.get_mut(org) {
                live.retract(position);
                // An org left with no adoption reads as one that never adopted.
                if live.is_empty() {
                    self.adoptions.remove(org);
                }
            }
        }
    }

    /// The ratings of one indicator for one org unit, if it was ever rated.
    pub fn cell(&self, org: &str, rubric: &str, indicator: &str) -> Option<&Cell> {
        let slot = *with_key(org, rubric, indicator, |k| self.index.get(k))?;
        self.cells.get(slot as usize)
    }

    /// The current rating of one indicator for one org unit.
    pub fn current(&self, org: &str, rubric: &str, indicator: &str) -> Option<&Rating> {
        self.cell(org, rubric, indicator)?.current()
    }

    /// Every cell with at least one live rating (any org, rubric, indicator), in the order
    /// they were first rated.
    pub fn cells(&self) -> impl Iterator<Item = &Cell> {
        self.cells.iter().filter(|c| !c.trajectory.is_empty())
    }

    /// The cells of one org unit and rubric that have a live rating, in the order they were
    /// first rated.
    pub fn cells_of<'a>(&'a self, org: &str, rubric: &'a str) -> impl Iterator<Item = &'a Cell> {
        self.by_org
            .get(org)
            .into_iter()
            .flatten()
            .filter_map(|&slot| self.cells.get(slot as usize))
            .filter(move |c| c.rubric == rubric && !c.trajectory.is_empty())
    }

    /// Where `org` stands on every indicator of `rubric`, with tallies per practice and area.
    ///
    /// Ratings count whatever rubric version they were made against, as long as their level
    /// is one of this rubric's levels; an indicator whose current rating names a level this
    /// rubric does not know counts as unrated.
    pub fn summary(&self, org: &str, rubric: &Rubric) -> MaturitySummary {
        let mut total = TallyBuilder::new(rubric);
        let mut areas = Vec::with_capacity(rubric.areas.len());
        for area in &rubric.areas {
            let mut area_tally = TallyBuilder::new(rubric);
            let mut practices = Vec::with_capacity(area.practices.len());
            for practice in &area.practices {
                let mut tally = TallyBuilder::new(rubric);
                let indicators: Vec<_> = practice
                    .indicators
                    .iter()
                    .map(|i| self.status(org, rubric, &i.id))
                    .collect();
                for s in &indicators {
                    for t in [&mut tally, &mut area_tally, &mut total] {
                        t.add(s.rank);
                    }
                }
                practices.push(PracticeSummary {
                    practice: practice.id.clone(),
                    title: practice.title.clone(),
                    tally: tally.finish(rubric),
                    indicators,
                });
            }
            areas.push(AreaSummary {
                area: area.id.clone(),
                title: area.title.clone(),
                tally: area_tally.finish(rubric),
                practices,
            });
        }
        MaturitySummary {
            org: org.to_owned(),
            rubric: rubric.id.clone(),
            version: rubric.version,
            tally: total.finish(rubric),
            areas,
        }
    }

    fn status(&self, org: &str, rubric: &Rubric, indicator: &str) -> IndicatorStatus {
        let current = self.current(org, &rubric.id, indicator);
        IndicatorStatus {
            indicator: indicator.to_owned(),
            level: current.map(|r| r.level.to_string()),
            rank: current.and_then(|r| rubric.level_rank(&r.level)),
            rated_on: current.map(|r| r.stamp.occurred_on),
            rubric_version: current.map(|r| r.rubric_version),
        }
    }

    /// How the schools below `district` stand on each indicator of `rubric`: per indicator,
    /// how many schools are at each level and how many are unrated.
    pub fn rollup(&self, tree: &OrgTree, district: &str, rubric: &Rubric) -> Rollup {
        let schools: Vec<String> = tree
            .schools_of(district)
            .into_iter()
            .map(|u| u.id.clone())
            .collect();
        let mut total = TallyBuilder::new(rubric);
        let indicators = rubric
            .indicators()
            .map(|(area, practice, indicator)| {
                let mut tally = TallyBuilder::new(rubric);
                for school in &schools {
                    let rank = self
                        .current(school, &rubric.id, &indicator.id)
                        .and_then(|r| rubric.level_rank(&r.level));
                    tally.add(rank);
                    total.add(rank);
                }
                IndicatorRollup {
                    indicator: indicator.id.clone(),
                    practice: practice.id.clone(),
                    area: area.id.clone(),
                    tally: tally.finish(rubric),
                }
            })
            .collect();
        Rollup {
            district: district.to_owned(),
            rubric: rubric.id.clone(),
            version: rubric.version,
            schools,
            tally: total.finish(rubric),
            indicators,
        }
    }

    /// Every live rubric adoption of `org`, oldest first.
    pub fn adoptions(&self, org: &str) -> &[Stamped<Adoption>] {
        self.adoptions.get(org).map_or(&[], Live::as_slice)
    }

    /// The version of each rubric `org` currently uses: its latest live adoption per rubric id.
    pub fn adopted(&self, org: &str) -> Vec<&Stamped<Adoption>> {
        let mut latest: BTreeMap<&str, &Stamped<Adoption>> = BTreeMap::new();
        for a in self.adoptions(org) {
            latest.insert(&a.value.rubric, a);
        }
        latest.into_values().collect()
    }
}

/// Runs `f` on the cell key "org␟rubric␟indicator", built on the stack when it is short,
/// so that looking a cell up allocates nothing.
fn with_key<R>(org: &str, rubric: &str, indicator: &str, f: impl FnOnce(&str) -> R) -> R {
    const SEP: u8 = 0x1f;
    let mut buf = [0u8; 128];
    let len = org.len() + rubric.len() + indicator.len() + 2;
    if len > buf.len() {
        return f(&format!("{org}\u{1f}{rubric}\u{1f}{indicator}"));
    }
    let mut at = 0;
    for (i, part) in [org, rubric, indicator].into_iter().enumerate() {
        if i > 0 {
            buf[at] = SEP;
            at += 1;
        }
        buf[at..at + part.len()].copy_from_slice(part.as_bytes());
        at += part.len();
    }
    // UTF-8 strings joined by an ASCII byte are UTF-8; the fallback is never taken.
    match std::str::from_utf8(&buf[..at]) {
        Ok(key) => f(key),
        Err(_) => f(&format!("{org}\u{1f}{rubric}\u{1f}{indicator}")),
    }
}

/// How many indicators sit at one level.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelCount {
    pub level: String,
    pub label: String,
    pub count: usize,
}

/// Counts of indicators per level (in the rubric's level order), unrated ones, and the mean
/// rank of the rated ones (0 is the lowest level).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    pub levels: Vec<LevelCount>,
    pub unrated: usize,
    pub mean_rank: Option<f64>,
}

struct TallyBuilder {
    counts: Vec<usize>,
    unrated: usize,
}

impl TallyBuilder {
    fn new(rubric: &Rubric) -> TallyBuilder {
        TallyBuilder {
            counts: vec![0; rubric.levels.len()],
            unrated: 0,
        }
    }

    fn add(&mut self, rank: Option<usize>) {
        match rank.and_then(|r| self.counts.get_mut(r)) {
            Some(c) => *c += 1,
            None => self.unrated += 1,
        }
    }

    fn finish(self, rubric: &Rubric) -> Tally {
        let rated: usize = self.counts.iter().sum();
        let weighted: usize = self.counts.iter().enumerate().map(|(r, c)| r * c).sum();
        let mean_rank = (rated > 0).then(|| weighted as f64 / rated as f64);
        let levels = rubric
            .levels
            .iter()
            .zip(self.counts)
            .map(|(l, count)| LevelCount {
                level: l.id.clone(),
                label: l.label.clone(),
                count,
            })
            .collect();
        Tally {
            levels,
            unrated: self.unrated,
            mean_rank,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndicatorStatus {
    pub indicator: String,
    pub level: Option<String>,
    /// The level's rank in the rubric (0 is the lowest); `None` when unrated or unknown.
    pub rank: Option<usize>,
    pub rated_on: Option<NaiveDate>,
    pub rubric_version: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PracticeSummary {
    pub practice: String,
    pub title: String,
    pub tally: Tally,
    pub indicators: Vec<IndicatorStatus>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AreaSummary {
    pub area: String,
    pub title: String,
    pub tally: Tally,
    pub practices: Vec<PracticeSummary>,
}

/// Where one org unit stands on one rubric.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MaturitySummary {
    pub org: String,
    pub rubric: String,
    pub version: u32,
    pub tally: Tally,
    pub areas: Vec<AreaSummary>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IndicatorRollup {
    pub indicator: String,
    pub practice: String,
    pub area: String,
    /// Schools per level of this indicator.
    pub tally: Tally,
}

/// Where the schools of a district stand on one rubric.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rollup {
    pub district: String,
    pub rubric: String,
    pub version: u32,
    pub schools: Vec<String>,
    /// Over every school × indicator.
    pub tally: Tally,
    pub indicators: Vec<IndicatorRollup>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{date, Log};
    use trellis_events::OrgKind;
    use trellis_rubric::Catalog;

    const LS: &str = "leadership-system";

    fn leadership() -> Rubric {
        Catalog::shipped()
            .get(LS, 1)
            .cloned()
            .expect("the leadership system is shipped")
    }

    fn levels(t: &Tally) -> Vec<usize> {
        t.levels.iter().map(|l| l.count).collect()
    }

    #[test]
    fn given_two_ratings_of_an_indicator_the_current_is_the_later_with_its_rater_and_evidence() {
        let mut log = Log::new();
        log.as_actor("ann")
            .rate("s1", "3a", "getting_started", "survey");
        log.next_day();
        log.as_actor("bob")
            .rate("s1", "3a", "getting_better", "walkthroughs");
        let p = log.fold();

        let cell = p.maturity.cell("s1", LS, "3a").expect("3a was rated");
        let current = cell.current().expect("a current rating");
        assert_eq!(current.level, "getting_better");
        assert_eq!(current.stamp.actor, "bob");
        assert_eq!(current.evidence, "walkthroughs");
        assert_eq!(current.rubric_version, 1);
        assert_eq!(current.stamp.occurred_on, date(2024, 9, 3));
        let trajectory: Vec<_> = cell.trajectory.iter().map(|r| r.level.as_str()).collect();
        assert_eq!(trajectory, ["getting_started", "getting_better"]);
    }

    #[test]
    fn given_a_rating_retracted_the_previous_rating_is_current_again_and_leaves_the_trajectory() {
        let mut log = Log::new();
        log.rate("s1", "3a", "getting_started", "survey");
        let wrong = log.rate("s1", "3a", "keep_improving", "wrong school");
        log.retract("org-s1", wrong, "rated the wrong school");
        let p = log.fold();

        let cell = p.maturity.cell("s1", LS, "3a").expect("3a was rated");
        assert_eq!(
            cell.current().map(|r| r.level.as_str()),
            Some("getting_started")
        );
        assert_eq!(cell.trajectory.len(), 1);
    }

    #[test]
    fn given_the_only_rating_retracted_the_indicator_is_unrated() {
        let mut log = Log::new();
        let only = log.rate("s1", "3a", "getting_started", "survey");
        log.retract("org-s1", only, "typo");
        let p = log.fold();

        assert!(p.maturity.current("s1", LS, "3a").is_none());
        assert_eq!(p.maturity.cells().count(), 0);
        assert_eq!(p.maturity.summary("s1", &leadership()).tally.unrated, 28);
    }

    #[test]
    fn given_a_backdated_rating_it_joins_the_trajectory_in_date_order_without_becoming_current() {
        let mut log = Log::new();
        log.day(date(2024, 10, 1));
        log.rate("s1", "1", "getting_better", "vision drafted");
        log.on(date(2024, 9, 15))
            .rate("s1", "1", "getting_started", "forgotten note");
        let p = log.fold();

        let cell = p.maturity.cell("s1", LS, "1").expect("1 was rated");
        let levels: Vec<_> = cell.trajectory.iter().map(|r| r.level.as_str()).collect();
        assert_eq!(levels, ["getting_started", "getting_better"]);
        assert_eq!(
            cell.current().map(|r| r.level.as_str()),
            Some("getting_better")
        );
    }

    #[test]
    fn given_ratings_of_a_school_the_leadership_summary_counts_levels_per_practice_and_area() {
        let mut log = Log::new();
        // Practice 3 (area build-relationships) has indicators 3a and 3b.
        log.rate("s1", "3a", "getting_started", "e");
        log.rate("s1", "3b", "keep_improving", "e");
        log.rate("s1", "1", "getting_better", "e");
        log.rate("s1", "2", "not_a_level", "e");
        let summary = log.fold().maturity.summary("s1", &leadership());

        assert_eq!((summary.rubric.as_str(), summary.version), (LS, 1));
        assert_eq!(levels(&summary.tally), [1, 1, 1]);
        assert_eq!(
            summary.tally.unrated, 25,
            "28 indicators, 3 rated at a known level"
        );
        assert_eq!(summary.tally.mean_rank, Some(1.0));

        let area = |id: &str| summary.areas.iter().find(|a| a.area == id).expect("area");
        let identity = area("shape-identity");
        assert_eq!(levels(&identity.tally), [0, 1, 0]);
        assert_eq!(
            identity.tally.unrated, 1,
            "indicator 2 names an unknown level"
        );

        let relationships = area("build-relationships");
        let p3 = relationships
            .practices
            .iter()
            .find(|p| p.practice == "3")
            .expect("practice 3");
        assert_eq!(levels(&p3.tally), [1, 0, 1]);
        assert_eq!(p3.tally.unrated, 0);
        assert_eq!(p3.tally.mean_rank, Some(1.0));
        let statuses: Vec<_> = p3
            .indicators
            .iter()
            .map(|i| (i.indicator.as_str(), i.rank))
            .collect();
        assert_eq!(statuses, [("3a", Some(0)), ("3b", Some(2))]);
        assert_eq!(summary.areas.len(), 6);
        let practices: usize = summary.areas.iter().map(|a| a.practices.len()).sum();
        assert_eq!(practices, 19);
    }

    #[test]
    fn given_a_district_with_three_schools_the_rollup_counts_schools_per_level_per_indicator() {
        let mut log = Log::new();
        log.org("d1", OrgKind::District, None);
        for s in ["s1", "s2", "s3"] {
            log.org(s, OrgKind::School, Some("d1"));
        }
        log.org("d2", OrgKind::District, None);
        log.org("x9", OrgKind::School, Some("d2"));
        log.rate("s1", "1", "getting_started", "e");
        log.rate("s2", "1", "keep_improving", "e");
        log.rate("s2", "2", "getting_better", "e");
        log.rate("x9", "1", "keep_improving", "another district");
        log.rate(
            "d1",
            "1",
            "keep_improving",
            "the district itself is not a school",
        );
        let p = log.fold();
        let rollup = p.maturity.rollup(p.org_tree(), "d1", &leadership());

        assert_eq!(rollup.schools, ["s1", "s2", "s3"]);
        let one = &rollup.indicators[0];
        assert_eq!(one.indicator, "1");
        assert_eq!(levels(&one.tally), [1, 0, 1]);
        assert_eq!(one.tally.unrated, 1);
        let two = &rollup.indicators[1];
        assert_eq!(levels(&two.tally), [0, 1, 0]);
        assert_eq!(two.tally.unrated, 2);
        assert_eq!(rollup.indicators.len(), 28);
        assert_eq!(rollup.tally.unrated, 28 * 3 - 3);
    }

    #[test]
    fn given_rubric_adoptions_the_latest_live_one_per_rubric_is_in_use() {
        let mut log = Log::new();
        log.adopt("d1", LS, 1);
        log.adopt("d1", "rapid-improvement", 1);
        let v2 = log.adopt("d1", LS, 2);
        let mut p = log.fold();

        let adopted: Vec<_> = p
            .maturity
            .adopted("d1")
            .iter()
            .map(|a| (a.value.rubric.as_str(), a.value.version))
            .collect();
        assert_eq!(adopted, [(LS, 2), ("rapid-improvement", 1)]);

        log.retract("org-d1", v2, "v2 is not approved yet");
        p = log.fold();
        assert_eq!(p.maturity.adoptions("d1").len(), 2);
        assert_eq!(p.maturity.adopted("d1")[0].value.version, 1);
    }
}
