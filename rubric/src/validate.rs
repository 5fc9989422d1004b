//! The rules of the rubric file format: raw parsed file → [`Rubric`], or every broken rule.
//!
//! Rules, each a [`Rule`] variant:
//! - the rubric id is a slug (`[a-z0-9-]+`); other ids use letters, digits, `-` and `_`;
//! - the version is a whole number, 1 or more;
//! - ids are unique: levels, areas and questions among their kind, practices and indicators
//!   across the whole rubric (a rating names an indicator by rubric and id alone);
//! - there is at least one level, area, practice per area and indicator per practice;
//! - every indicator has exactly one descriptor for every level and none for unknown levels;
//! - no text is empty or only whitespace (text is stored trimmed).

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::error::{Problem, Rule};
use crate::model::{Area, Descriptor, Enactment, Indicator, Level, Practice, Question, Rubric};
use crate::parse::{RawArea, RawEnactment, RawIndicator, RawPractice, RawRubric};

pub(crate) fn rubric(raw: RawRubric) -> Result<Rubric, Vec<Problem>> {
    let mut c = Checker::default();
    let item = "rubric";

    let id = match raw.id {
        None => {
            c.push(item, Rule::Missing { field: "id" });
            String::new()
        }
        Some(id) => {
            if !is_slug(&id) {
                c.push(item, Rule::NotASlug { id: id.clone() });
            }
            id
        }
    };
    let version = match raw.version {
        None => {
            c.push(item, Rule::Missing { field: "version" });
            0
        }
        Some(v) => match u32::try_from(v) {
            Ok(v) if v >= 1 => v,
            _ => {
                c.push(item, Rule::BadVersion { version: v });
                0
            }
        },
    };
    let title = c.required(item, "title", raw.title);
    let source = c.optional(item, "source", raw.source);
    let description = c.optional(item, "description", raw.description);
    let scale = c.required(item, "scale", raw.scale);

    if raw.levels.is_empty() {
        c.push(item, Rule::NoneGiven { what: "level" });
    }
    let mut level_ids = Ids::new("level");
    let levels: Vec<Level> = raw
        .levels
        .into_iter()
        .enumerate()
        .map(|(n, l)| {
            let (item, id) = c.id("", "level", n, l.id, &mut level_ids);
            let label = c.required(&item, "label", l.label);
            Level { id, label }
        })
        .collect();
    // Descriptors are checked against the usable level ids, each once, so that one bad level
    // is reported once rather than once per indicator.
    let mut seen = HashSet::new();
    let known: Vec<String> = levels
        .iter()
        .filter(|l| is_item_id(&l.id) && seen.insert(l.id.as_str()))
        .map(|l| l.id.clone())
        .collect();

    if raw.areas.is_empty() {
        c.push(item, Rule::NoneGiven { what: "area" });
    }
    let mut ids = RubricIds {
        areas: Ids::new("area"),
        practices: Ids::new("practice"),
        indicators: Ids::new("indicator"),
    };
    let areas = raw
        .areas
        .into_iter()
        .enumerate()
        .map(|(n, a)| c.area(n, a, &known, &mut ids))
        .collect();

    let mut question_ids = Ids::new("question");
    let questions = raw
        .questions
        .into_iter()
        .enumerate()
        .map(|(n, q)| {
            let (item, id) = c.id("", "question", n, q.id, &mut question_ids);
            let text = c.required(&item, "text", q.text);
            Question { id, text }
        })
        .collect();

    if c.problems.is_empty() {
        Ok(Rubric {
            id,
            version,
            title,
            source,
            description,
            scale,
            levels,
            areas,
            questions,
        })
    } else {
        Err(c.problems)
    }
}

/// A slug: one or more of `a-z`, `0-9`, `-`.
fn is_slug(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// An item id: one or more of ASCII letters, digits, `-`, `_` (ids appear in URLs and in the
/// `>` paths of error messages, so nothing that needs quoting).
fn is_item_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The ids seen so far of one kind, each with the item that first used it.
struct Ids {
    kind: &'static str,
    first: HashMap<String, String>,
}

impl Ids {
    fn new(kind: &'static str) -> Self {
        Ids {
            kind,
            first: HashMap::new(),
        }
    }
}

struct RubricIds {
    areas: Ids,
    practices: Ids,
    indicators: Ids,
}

#[derive(Default)]
struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    fn push(&mut self, item: &str, rule: Rule) {
        self.problems.push(Problem {
            item: item.to_owned(),
            rule,
        });
    }

    /// Checks the id of the `n`th item of a kind under `parent`, records it in `seen`, and
    /// returns the item's name for messages and the id.
    ///
    /// An item whose id is missing or malformed is named by its 1-based position instead.
    fn id(
        &mut self,
        parent: &str,
        kind: &'static str,
        n: usize,
        id: Option<String>,
        seen: &mut Ids,
    ) -> (String, String) {
        let prefix = if parent.is_empty() {
            String::new()
        } else {
            format!("{parent} > ")
        };
        let by_position = format!("{prefix}{kind} #{}", n + 1);
        let Some(id) = id else {
            self.push(&by_position, Rule::Missing { field: "id" });
            return (by_position, String::new());
        };
        if !is_item_id(&id) {
            self.push(&by_position, Rule::BadId { id: id.clone() });
            return (by_position, id);
        }
        let item = format!("{prefix}{kind} {id}");
        if let Some(first) = seen.first.get(&id) {
            let rule = Rule::DuplicateId {
                kind: seen.kind,
                id: id.clone(),
                first: first.clone(),
            };
            self.push(&item, rule);
        } else {
            seen.first.insert(id.clone(), item.clone());
        }
        (item, id)
    }

    /// A required text field, trimmed.
    fn required(&mut self, item: &str, field: &'static str, value: Option<String>) -> String {
        match value {
            None => {
                self.push(item, Rule::Missing { field });
                String::new()
            }
            Some(text) => self.text(item, field, text),
        }
    }

    /// An optional text field, trimmed; present but blank is a problem, not an absence.
    fn optional(
        &mut self,
        item: &str,
        field: &'static str,
        value: Option<String>,
    ) -> Option<String> {
        value.map(|text| self.text(item, field, text))
    }

    fn text(&mut self, item: &str, field: &'static str, text: String) -> String {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            self.push(item, Rule::Empty { field });
        }
        if trimmed.len() == text.len() {
            text
        } else {
            trimmed.to_owned()
        }
    }

    fn area(&mut self, n: usize, raw: RawArea, levels: &[String], ids: &mut RubricIds) -> Area {
        let (item, id) = self.id("", "area", n, raw.id, &mut ids.areas);
        let title = self.required(&item, "title", raw.title);
        let description = self.optional(&item, "description", raw.description);
        if raw.practices.is_empty() {
            self.push(&item, Rule::NoneGiven { what: "practice" });
        }
        let practices = raw
            .practices
            .into_iter()
            .enumerate()
            .map(|(n, p)| self.practice(&item, n, p, levels, ids))
            .collect();
        Area {
            id,
            title,
            description,
            practices,
        }
    }

    fn practice(
        &mut self,
        parent: &str,
        n: usize,
        raw: RawPractice,
        levels: &[String],
        ids: &mut RubricIds,
    ) -> Practice {
        let (item, id) = self.id(parent, "practice", n, raw.id, &mut ids.practices);
        let title = self.required(&item, "title", raw.title);
        let description = self.optional(&item, "description", raw.description);
        let enactment = raw.enactment.map(|e| self.enactment(&item, e));
        if raw.indicators.is_empty() {
            self.push(&item, Rule::NoneGiven { what: "indicator" });
        }
        let indicators = raw
            .indicators
            .into_iter()
            .enumerate()
            .map(|(n, i)| self.indicator(&item, n, i, levels, ids))
            .collect();
        Practice {
            id,
            title,
            description,
            enactment,
            indicators,
        }
    }

    fn enactment(&mut self, item: &str, raw: RawEnactment) -> Enactment {
        Enactment {
            state: self.required(item, "enactment.state", raw.state),
            district: self.required(item, "enactment.district", raw.district),
            school: self.required(item, "enactment.school", raw.school),
        }
    }

    fn indicator(
        &mut self,
        parent: &str,
        n: usize,
        raw: RawIndicator,
        levels: &[String],
        ids: &mut RubricIds,
    ) -> Indicator {
        let (item, id) = self.id(parent, "indicator", n, raw.id, &mut ids.indicators);
        let Some(mut given) = raw.descriptors else {
            self.push(
                &item,
                Rule::Missing {
                    field: "descriptors",
                },
            );
            return Indicator {
                id,
                descriptors: Vec::new(),
            };
        };
        let descriptors = self.descriptors(&item, &mut given, levels);
        for level in given.into_keys() {
            let known = levels.to_vec();
            self.push(&item, Rule::UnknownLevel { level, known });
        }
        Indicator { id, descriptors }
    }

    /// Takes one descriptor per level out of `given`, in level order; what is left names
    /// unknown levels.
    fn descriptors(
        &mut self,
        item: &str,
        given: &mut BTreeMap<String, String>,
        levels: &[String],
    ) -> Vec<Descriptor> {
        let mut out = Vec::with_capacity(levels.len());
        for level in levels {
            match given.remove(level) {
                None => self.push(
                    item,
                    Rule::MissingDescriptor {
                        level: level.clone(),
                    },
                ),
                Some(text) if text.trim().is_empty() => self.push(
                    item,
                    Rule::EmptyDescriptor {
                        level: level.clone(),
                    },
                ),
                Some(text) => out.push(Descriptor {
                    level: level.clone(),
                    text: text.trim().to_owned(),
                }),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::error::{Problem, RubricError, Rule};
    use crate::model::Rubric;

    const GOOD: &str = r#"
id = "tiny"
version = 2
title = "  Tiny rubric  "
scale = "maturity"

[[levels]]
id = "low"
label = "Low"

[[levels]]
id = "high"
label = "High"

[[areas]]
id = "shape-identity"
title = "Shape"

[[areas.practices]]
id = "1"
title = "Do the thing."

[areas.practices.enactment]
state = "S"
district = "D"
school = "Sc"

[[areas.practices.indicators]]
id = "3a"
[areas.practices.indicators.descriptors]
high = "Does it well."
low = "Starts."

[[questions]]
id = "q01"
text = "Why?"
"#;

    fn problems(text: &str) -> (Vec<Problem>, String) {
        match Rubric::from_toml_str("custom.toml", text) {
            Err(e @ RubricError::Invalid { .. }) => {
                let shown = e.to_string();
                let RubricError::Invalid { problems, .. } = e else {
                    unreachable!("matched above")
                };
                (problems, shown)
            }
            other => panic!("expected an invalid-rubric error, got {other:?}"),
        }
    }

    #[test]
    fn a_valid_file_parses_with_descriptors_in_level_order_and_text_trimmed() {
        let r = Rubric::from_toml_str("custom.toml", GOOD).expect("valid");
        assert_eq!(r.title, "Tiny rubric");
        assert_eq!(r.version, 2);
        let i = r.indicator("3a").expect("3a exists");
        let levels: Vec<_> = i.descriptors.iter().map(|d| d.level.as_str()).collect();
        assert_eq!(levels, ["low", "high"]);
        let enactment = r.areas[0].practices[0].enactment.as_ref();
        assert_eq!(enactment.map(|e| e.district.as_str()), Some("D"));
        assert_eq!(r.question("q01").map(|q| q.text.as_str()), Some("Why?"));
    }

    #[test]
    fn duplicate_indicator_id_across_practices_names_file_item_and_rule() {
        let text = format!(
            "{GOOD}\n{}",
            r#"
[[areas]]
id = "other"
title = "Other"
[[areas.practices]]
id = "2"
title = "Another."
[[areas.practices.indicators]]
id = "3a"
descriptors = { low = "l", high = "h" }
"#
        );
        let (problems, shown) = problems(&text);
        assert_eq!(
            problems[0].rule,
            Rule::DuplicateId {
                kind: "indicator",
                id: "3a".into(),
                first: "area shape-identity > practice 1 > indicator 3a".into()
            }
        );
        assert_eq!(
            shown,
            "custom.toml: area other > practice 2 > indicator 3a: duplicate indicator id \"3a\" \
             (already used by area shape-identity > practice 1 > indicator 3a)"
        );
    }

    #[test]
    fn missing_descriptor_for_a_level_names_file_indicator_and_level() {
        let text = GOOD.replace("high = \"Does it well.\"\n", "");
        let (problems, shown) = problems(&text);
        assert_eq!(
            problems,
            [Problem {
                item: "area shape-identity > practice 1 > indicator 3a".into(),
                rule: Rule::MissingDescriptor {
                    level: "high".into()
                }
            }]
        );
        assert_eq!(
            shown,
            "custom.toml: area shape-identity > practice 1 > indicator 3a: \
             no descriptor for level `high`"
        );
    }

    #[test]
    fn empty_descriptor_is_rejected_with_file_indicator_and_level() {
        let text = GOOD.replace("\"Starts.\"", "\"  \\t \"");
        let (_, shown) = problems(&text);
        assert_eq!(
            shown,
            "custom.toml: area shape-identity > practice 1 > indicator 3a: \
             descriptor for level `low` is empty"
        );
    }

    #[test]
    fn descriptor_for_an_unknown_level_is_rejected_and_the_known_levels_are_listed() {
        let text = GOOD.replace("low = \"Starts.\"", "low = \"Starts.\"\nmedium = \"Hm.\"");
        let (_, shown) = problems(&text);
        assert_eq!(
            shown,
            "custom.toml: area shape-identity > practice 1 > indicator 3a: \
             descriptor for unknown level `medium` (the levels are: low, high)"
        );
    }

    #[test]
    fn bad_toml_syntax_names_file_line_and_column() {
        let text = GOOD.replace("title = \"Shape\"", "title = Shape");
        let err = Rubric::from_toml_str("custom.toml", &text).expect_err("bad syntax");
        let shown = err.to_string();
        let RubricError::Toml { location, .. } = &err else {
            panic!("expected a TOML error, got {err:?}")
        };
        let line = GOOD
            .lines()
            .position(|l| l == "title = \"Shape\"")
            .map(|n| n + 1);
        assert_eq!(location.map(|l| l.line), line);
        assert!(
            shown.starts_with(&format!("custom.toml: line {}, column ", line.unwrap_or(0))),
            "{shown}"
        );
    }

    #[test]
    fn a_misspelt_key_is_refused_rather_than_ignored() {
        let text = GOOD.replace("title = \"Shape\"", "titel = \"Shape\"");
        let err = Rubric::from_toml_str("custom.toml", &text).expect_err("unknown key");
        let shown = err.to_string();
        assert!(shown.starts_with("custom.toml: line "), "{shown}");
        assert!(shown.contains("titel"), "{shown}");
    }

    #[test]
    fn every_broken_rule_is_reported_each_on_its_own_line() {
        let text = r#"
id = "Not A Slug"
version = 0
title = " "
scale = "s"

[[levels]]
id = "a"
label = "A"
[[levels]]
id = "a"
label = ""

[[areas]]
title = "No id"
[[areas.practices]]
id = "p 1"
title = "P"
[[areas.practices.indicators]]
id = "i"

[[questions]]
id = "q01"
text = "Q?"
[[questions]]
id = "q01"
"#;
        let (problems, shown) = problems(text);
        let expected = [
            (
                "rubric",
                Rule::NotASlug {
                    id: "Not A Slug".into(),
                },
            ),
            ("rubric", Rule::BadVersion { version: 0 }),
            ("rubric", Rule::Empty { field: "title" }),
            (
                "level a",
                Rule::DuplicateId {
                    kind: "level",
                    id: "a".into(),
                    first: "level a".into(),
                },
            ),
            ("level a", Rule::Empty { field: "label" }),
            ("area #1", Rule::Missing { field: "id" }),
            ("area #1 > practice #1", Rule::BadId { id: "p 1".into() }),
            (
                "area #1 > practice #1 > indicator i",
                Rule::Missing {
                    field: "descriptors",
                },
            ),
            (
                "question q01",
                Rule::DuplicateId {
                    kind: "question",
                    id: "q01".into(),
                    first: "question q01".into(),
                },
            ),
            ("question q01", Rule::Missing { field: "text" }),
        ];
        let got: Vec<_> = problems
            .iter()
            .map(|p| (p.item.as_str(), p.rule.clone()))
            .collect();
        assert_eq!(got, expected);
        assert_eq!(shown.lines().count(), expected.len());
        assert!(shown.lines().all(|l| l.starts_with("custom.toml: ")));
    }

    #[test]
    fn a_file_without_levels_or_areas_says_so() {
        let text = "id = \"x\"\nversion = 1\ntitle = \"X\"\nscale = \"s\"\n";
        let (problems, _) = problems(text);
        let rules: Vec<_> = problems.into_iter().map(|p| p.rule).collect();
        assert_eq!(
            rules,
            [
                Rule::NoneGiven { what: "level" },
                Rule::NoneGiven { what: "area" }
            ]
        );
    }

    #[test]
    fn an_enactment_must_give_all_three_levels_of_the_system() {
        let text = GOOD.replace("school = \"Sc\"\n", "");
        let (problems, _) = problems(&text);
        assert_eq!(
            problems,
            [Problem {
                item: "area shape-identity > practice 1".into(),
                rule: Rule::Missing {
                    field: "enactment.school"
                }
            }]
        );
    }

    #[test]
    fn a_version_beyond_u32_or_of_the_wrong_type_is_rejected() {
        let text = GOOD.replace("version = 2", "version = 99999999999");
        let (problems, _) = problems(&text);
        assert_eq!(
            problems[0].rule,
            Rule::BadVersion {
                version: 99_999_999_999
            }
        );
        let text = GOOD.replace("version = 2", "version = \"2\"");
        let err = Rubric::from_toml_str("custom.toml", &text).expect_err("string version");
        assert!(matches!(err, RubricError::Toml { .. }), "{err:?}");
    }

    #[test]
    fn the_example_in_the_readme_is_a_valid_rubric() {
        let readme = include_str!("../README.md");
        let example = readme
            .split("```toml\n")
            .nth(1)
            .and_then(|rest| rest.split("```").next())
            .unwrap_or_default();
        let r = Rubric::from_toml_str("README.md", example).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.indicator_count(), 1);
        assert_eq!(r.questions.len(), 1);
    }
}
