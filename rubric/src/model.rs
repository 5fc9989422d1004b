//! The validated rubric model and the lookups the rest of Trellis uses.
//!
//! Values of these types built by [`Rubric::from_toml_str`] or [`Rubric::from_file`] have passed
//! every rule in [`crate::Rule`].
//! Deserializing one from JSON does not re-check them: JSON is the form Trellis itself writes, not
//! an authoring format.

use serde::{Deserialize, Serialize};

/// A rubric: ordered levels of a scale, and areas → practices → indicators, each indicator with
/// one descriptor per level, plus an optional question set.
///
/// A rating names the rubric it was made against by `id` and `version`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rubric {
    /// A slug (`[a-z0-9-]+`), stable across versions.
    pub id: String,
    /// 1 or more; a changed rubric is shipped under a new version so old ratings keep their meaning.
    pub version: u32,
    pub title: String,
    /// Where the content comes from, and what (if anything) was written rather than transcribed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The name of the scale the levels form, e.g. "maturity" or "implementation".
    pub scale: String,
    /// Ordered by rank, lowest first; never empty.
    pub levels: Vec<Level>,
    pub areas: Vec<Area>,
    #[serde(default)]
    pub questions: Vec<Question>,
}

/// One step of the rubric's scale.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level {
    pub id: String,
    pub label: String,
}

/// An area of focus: a group of practices.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Area {
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub practices: Vec<Practice>,
}

/// A practice: a statement of what leaders do, rated through its indicators.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Practice {
    /// Unique across the whole rubric.
    pub id: String,
    /// The practice's title or statement.
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// How each level of the system (state, district, school) can enact the practice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enactment: Option<Enactment>,
    pub indicators: Vec<Indicator>,
}

/// How the state, a district and a school can each enact a practice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enactment {
    pub state: String,
    pub district: String,
    pub school: String,
}

/// A progress indicator: the thing a team rates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indicator {
    /// Unique across the whole rubric, so a rating needs only the rubric and this id.
    pub id: String,
    /// Exactly one per level of the rubric, in level order.
    pub descriptors: Vec<Descriptor>,
}

/// What an indicator looks like at one level.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Descriptor {
    /// The id of a [`Level`] of the same rubric.
    pub level: String,
    pub text: String,
}

/// A reflection question that a cycle's team answers and revisits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// Stable, e.g. "q01", so answers keep pointing at the same question.
    pub id: String,
    pub text: String,
}

impl Rubric {
    /// The indicator with this id, wherever it sits in the rubric.
    pub fn indicator(&self, id: &str) -> Option<&Indicator> {
        self.indicators()
            .find(|(_, _, i)| i.id == id)
            .map(|(_, _, i)| i)
    }

    /// Every indicator in rubric order, with the area and practice that hold it.
    pub fn indicators(&self) -> impl Iterator<Item = (&Area, &Practice, &Indicator)> + '_ {
        self.practices()
            .flat_map(|(a, p)| p.indicators.iter().map(move |i| (a, p, i)))
    }

    /// Every practice in rubric order, with the area that holds it.
    pub fn practices(&self) -> impl Iterator<Item = (&Area, &Practice)> + '_ {
        self.areas
            .iter()
            .flat_map(|a| a.practices.iter().map(move |p| (a, p)))
    }

    /// The area with this id.
    pub fn area(&self, id: &str) -> Option<&Area> {
        self.areas.iter().find(|a| a.id == id)
    }

    /// The practice with this id, with the area that holds it.
    pub fn practice(&self, id: &str) -> Option<(&Area, &Practice)> {
        self.practices().find(|(_, p)| p.id == id)
    }

    /// The area and practice that hold the indicator with this id.
    pub fn practice_of(&self, indicator_id: &str) -> Option<(&Area, &Practice)> {
        self.indicators()
            .find(|(_, _, i)| i.id == indicator_id)
            .map(|(a, p, _)| (a, p))
    }

    /// The level with this id.
    pub fn level(&self, id: &str) -> Option<&Level> {
        self.levels.iter().find(|l| l.id == id)
    }

    /// The rank of a level: 0 for the lowest, counting up.
    pub fn level_rank(&self, id: &str) -> Option<usize> {
        self.levels.iter().position(|l| l.id == id)
    }

    /// The question with this id.
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }

    pub fn area_count(&self) -> usize {
        self.areas.len()
    }

    pub fn practice_count(&self) -> usize {
        self.areas.iter().map(|a| a.practices.len()).sum()
    }

    pub fn indicator_count(&self) -> usize {
        self.practices().map(|(_, p)| p.indicators.len()).sum()
    }

    pub fn descriptor_count(&self) -> usize {
        self.indicators().map(|(_, _, i)| i.descriptors.len()).sum()
    }
}

impl Indicator {
    /// The descriptor of this indicator at the given level.
    pub fn descriptor(&self, level: &str) -> Option<&Descriptor> {
        self.descriptors.iter().find(|d| d.level == level)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Rubric {
        let descriptors = |x: &str| {
            vec![
                Descriptor {
                    level: "low".into(),
                    text: format!("{x} low"),
                },
                Descriptor {
                    level: "high".into(),
                    text: format!("{x} high"),
                },
            ]
        };
        Rubric {
            id: "tiny".into(),
            version: 1,
            title: "Tiny".into(),
            source: None,
            description: None,
            scale: "maturity".into(),
            levels: vec![
                Level {
                    id: "low".into(),
                    label: "Low".into(),
                },
                Level {
                    id: "high".into(),
                    label: "High".into(),
                },
            ],
            areas: vec![
                Area {
                    id: "a".into(),
                    title: "A".into(),
                    description: None,
                    practices: vec![Practice {
                        id: "1".into(),
                        title: "One".into(),
                        description: None,
                        enactment: None,
                        indicators: vec![
                            Indicator {
                                id: "1a".into(),
                                descriptors: descriptors("1a"),
                            },
                            Indicator {
                                id: "1b".into(),
                                descriptors: descriptors("1b"),
                            },
                        ],
                    }],
                },
                Area {
                    id: "b".into(),
                    title: "B".into(),
                    description: None,
                    practices: vec![Practice {
                        id: "2".into(),
                        title: "Two".into(),
                        description: None,
                        enactment: None,
                        indicators: vec![Indicator {
                            id: "2".into(),
                            descriptors: descriptors("2"),
                        }],
                    }],
                },
            ],
            questions: vec![Question {
                id: "q01".into(),
                text: "Why?".into(),
            }],
        }
    }

    #[test]
    fn lookups_find_items_anywhere_in_the_rubric_and_none_for_unknown_ids() {
        let r = tiny();
        assert_eq!(r.indicator("2").map(|i| i.id.as_str()), Some("2"));
        assert!(r.indicator("3").is_none());
        let (a, p) = r.practice_of("1b").expect("1b is in practice 1");
        assert_eq!((a.id.as_str(), p.id.as_str()), ("a", "1"));
        assert!(r.practice_of("nope").is_none());
        assert_eq!(r.practice("2").map(|(a, _)| a.id.as_str()), Some("b"));
        assert_eq!(r.area("b").map(|a| a.title.as_str()), Some("B"));
        assert_eq!(r.question("q01").map(|q| q.text.as_str()), Some("Why?"));
        assert!(r.question("q02").is_none());
        assert_eq!(
            r.indicator("1a")
                .and_then(|i| i.descriptor("high"))
                .map(|d| d.text.as_str()),
            Some("1a high")
        );
    }

    #[test]
    fn level_rank_counts_up_from_the_lowest_level() {
        let r = tiny();
        assert_eq!(r.level_rank("low"), Some(0));
        assert_eq!(r.level_rank("high"), Some(1));
        assert_eq!(r.level_rank("medium"), None);
        assert_eq!(r.level("high").map(|l| l.label.as_str()), Some("High"));
    }

    #[test]
    fn counts_and_iteration_follow_rubric_order() {
        let r = tiny();
        assert_eq!(r.area_count(), 2);
        assert_eq!(r.practice_count(), 2);
        assert_eq!(r.indicator_count(), 3);
        assert_eq!(r.descriptor_count(), 6);
        let ids: Vec<_> = r.indicators().map(|(_, _, i)| i.id.as_str()).collect();
        assert_eq!(ids, ["1a", "1b", "2"]);
    }

    #[test]
    fn json_form_round_trips_and_nests_areas_practices_indicators_descriptors() {
        let r = tiny();
        let json = serde_json::to_value(&r).expect("a rubric serializes");
        assert_eq!(
            json["areas"][0]["practices"][0]["indicators"][1]["descriptors"][1]["text"],
            "1b high"
        );
        assert!(
            json.get("source").is_none(),
            "absent options are left out of the JSON form"
        );
        let back: Rubric = serde_json::from_value(json).expect("the JSON form deserializes");
        assert_eq!(back, r);
    }
}
