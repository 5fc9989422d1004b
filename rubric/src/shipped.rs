//! The rubric files shipped with Trellis, embedded so that the binary carries them.
//!
//! The tests here hold the shipped files to their seed documents in `shared/seeds/`: every
//! transcribed text must be there verbatim (up to whitespace).

/// One embedded rubric file.
pub(crate) struct ShippedFile {
    /// The file's name under `rubric/rubrics/`.
    pub name: &'static str,
    pub text: &'static str,
}

impl ShippedFile {
    /// How errors and [`crate::Catalog::origin`] name this file.
    pub fn origin(&self) -> String {
        format!("rubrics/{} (shipped)", self.name)
    }
}

pub(crate) const FILES: [ShippedFile; 2] = [
    ShippedFile {
        name: "leadership-system.toml",
        text: include_str!("../rubrics/leadership-system.toml"),
    },
    ShippedFile {
        name: "rapid-improvement.toml",
        text: include_str!("../rubrics/rapid-improvement.toml"),
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Rubric;
    use crate::render::render_text;
    use std::io::Write;
    use std::path::{Path, PathBuf};
    use std::sync::Once;

    const LEADERSHIP_SEED: &str = "001_a7d5674b7f97fa4d.txt";
    const RAPID_SEED: &str = "002_db165bdf1f71d606.txt";

    /// A seed document's text, from `TRELLIS_SEEDS` or, when that is unset, from `shared/seeds`
    /// beside the checkout. A bare clone has neither: then the comparison is skipped, with a line
    /// on the terminal saying so, and `None`. CI sets the variable, so there a missing seed fails.
    fn seed(name: &str) -> Option<String> {
        let dir = match std::env::var_os("TRELLIS_SEEDS") {
            Some(dir) => PathBuf::from(dir),
            None => {
                let beside = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/seeds");
                if !beside.is_dir() {
                    // Said once, to the terminal directly, past the test harness's capture.
                    static SAID: Once = Once::new();
                    SAID.call_once(|| {
                        let _ = writeln!(
                            std::io::stderr(),
                            "seed comparison skipped: TRELLIS_SEEDS is unset and \
                             ../shared/seeds is not beside the checkout"
                        );
                    });
                    return None;
                }
                beside
            }
        };
        let path = dir.join(name);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("seed {}: {e}", path.display()));
        Some(text)
    }

    fn shipped(name: &str) -> Rubric {
        let file = FILES
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("{name} is not shipped"));
        Rubric::from_toml_str(&file.origin(), file.text).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Collapses every run of whitespace (including no-break spaces) to one space.
    fn norm(text: &str) -> String {
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// The indicator rows of the leadership seed: `[practice, IN#, three descriptors]`, in order.
    fn seed_rows(seed: &str) -> Vec<Vec<String>> {
        seed.lines()
            .map(|l| l.split('\t').map(norm).collect::<Vec<_>>())
            .filter(|cells| cells.len() == 5 && cells[0] != "PRACTICE")
            .collect()
    }

    const LEADERSHIP_INDICATORS: [&str; 28] = [
        "1", "2", "3a", "3b", "4", "5a", "5b", "6a", "6b", "7", "8a", "8b", "9", "10a", "10b",
        "11a", "11b", "12a", "12b", "13", "14", "15a", "15b", "16", "17", "18", "19a", "19b",
    ];

    #[test]
    fn every_shipped_file_is_a_valid_rubric() {
        for file in &FILES {
            if let Err(e) = Rubric::from_toml_str(&file.origin(), file.text) {
                panic!("{e}");
            }
        }
    }

    #[test]
    fn leadership_system_has_6_areas_19_practices_28_indicators_and_84_descriptors() {
        let r = shipped("leadership-system.toml");
        assert_eq!((r.id.as_str(), r.version), ("leadership-system", 1));
        assert_eq!(r.scale, "maturity");
        assert_eq!(r.area_count(), 6);
        assert_eq!(r.practice_count(), 19);
        assert_eq!(r.indicator_count(), 28);
        assert_eq!(r.descriptor_count(), 84);
        let ids: Vec<_> = r.indicators().map(|(_, _, i)| i.id.as_str()).collect();
        assert_eq!(ids, LEADERSHIP_INDICATORS);
        let practices: Vec<_> = r.practices().map(|(_, p)| p.id.clone()).collect();
        let expected: Vec<_> = (1..=19).map(|n| n.to_string()).collect();
        assert_eq!(practices, expected);
        let levels: Vec<_> = r
            .levels
            .iter()
            .map(|l| (l.id.as_str(), l.label.as_str()))
            .collect();
        assert_eq!(
            levels,
            [
                ("getting_started", "Getting Started"),
                ("getting_better", "Getting Better"),
                ("keep_improving", "Keep Improving")
            ]
        );
    }

    #[test]
    fn leadership_system_first_and_last_descriptors_are_the_seeds_text() {
        let r = shipped("leadership-system.toml");
        let text = |indicator: &str, level: &str| {
            r.indicator(indicator)
                .and_then(|i| i.descriptor(level))
                .map(|d| d.text.clone())
        };
        assert_eq!(
            text("1", "getting_started").as_deref(),
            Some(
                "District leaders engage representative members of their community, including \
                 students, staff, parents, and representative members of the community, for the \
                 purpose of sharing perspectives in order to develop a student-centered vision \
                 and mission for the district."
            )
        );
        assert_eq!(
            text("1", "getting_better").as_deref(),
            Some(
                "District leaders seek input from all individuals within their district community \
                 with regard to the development of a district mission and \"portrait of a \
                 graduate\" (or similar consideration). This feedback, along with representative \
                 voices from constituent members of their district community, is used to shape \
                 the district mission and vision."
            )
        );
        assert_eq!(
            text("19b", "keep_improving").as_deref(),
            Some(
                "District leaders initiate an individual or team focused on improvement and \
                 innovation of processes, programs, and strategies. The team works with groups of \
                 educators or other staff who will be involved in pilot or early implementation \
                 phases of the program, and works through planning and implementation processes. \
                 The team uses improvement cycles to monitor and adjust implementation strategies \
                 as needed and determines readiness for scaling of the innovation."
            )
        );
        let Some(seed) = seed(LEADERSHIP_SEED) else {
            return;
        };
        let seed = norm(&seed);
        for t in [text("1", "getting_started"), text("19b", "keep_improving")] {
            assert!(seed.contains(&t.unwrap_or_default()));
        }
    }

    #[test]
    fn every_leadership_descriptor_is_verbatim_from_its_seed_row_and_every_row_is_transcribed() {
        let Some(seed) = seed(LEADERSHIP_SEED) else {
            return;
        };
        let rows = seed_rows(&seed);
        let r = shipped("leadership-system.toml");
        let shipped: Vec<_> = r.indicators().collect();
        assert_eq!(rows.len(), shipped.len(), "one indicator per seed row");
        for (row, (_, practice, indicator)) in rows.iter().zip(shipped) {
            assert_eq!(row[1], indicator.id);
            let texts: Vec<_> = indicator
                .descriptors
                .iter()
                .map(|d| norm(&d.text))
                .collect();
            assert_eq!(texts, row[2..], "descriptors of indicator {}", indicator.id);
            // A row that opens a practice carries its numbered statement.
            if !row[0].is_empty() {
                assert_eq!(
                    row[0],
                    format!("{}. {}", practice.id, norm(&practice.title))
                );
            }
        }
        // And, independent of row order: each descriptor occurs verbatim in the seed.
        let whole = norm(&seed);
        for (_, _, i) in r.indicators() {
            for d in &i.descriptors {
                assert!(whole.contains(&norm(&d.text)), "{} {}", i.id, d.level);
            }
        }
    }

    #[test]
    fn leadership_areas_are_the_seeds_headings_and_the_description_is_verbatim() {
        let Some(seed) = seed(LEADERSHIP_SEED) else {
            return;
        };
        let headings: Vec<_> = seed
            .lines()
            .map(str::trim)
            .filter(|l| {
                l.len() > 3 && !l.contains('\t') && *l == l.to_uppercase() && *l != "PRACTICE"
            })
            .collect();
        let r = shipped("leadership-system.toml");
        let titles: Vec<_> = r.areas.iter().map(|a| a.title.to_uppercase()).collect();
        assert_eq!(titles, headings);
        let whole = norm(&seed);
        let description = r.description.as_deref().unwrap_or_default();
        for paragraph in description.split("\n\n") {
            assert!(whole.contains(&norm(paragraph)), "{paragraph}");
        }
    }

    #[test]
    fn rapid_improvement_has_3_practices_rated_on_an_implementation_scale() {
        let r = shipped("rapid-improvement.toml");
        assert_eq!((r.id.as_str(), r.version), ("rapid-improvement", 1));
        assert_eq!(r.scale, "implementation");
        assert_eq!(r.area_count(), 1);
        assert_eq!(
            r.areas[0].title,
            "Domain 1 - Leadership for Rapid Improvement"
        );
        let practices: Vec<_> = r.practices().map(|(_, p)| p.id.as_str()).collect();
        assert_eq!(practices, ["1A", "1B", "1C"]);
        let indicators: Vec<_> = r.indicators().map(|(_, _, i)| i.id.as_str()).collect();
        assert_eq!(indicators, ["1A", "1B", "1C"]);
        let labels: Vec<_> = r.levels.iter().map(|l| l.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "Not Started",
                "Partial Implementation",
                "Full Implementation"
            ]
        );
        assert_eq!(r.descriptor_count(), 9);
        assert!(r
            .source
            .as_deref()
            .is_some_and(|s| s.contains("no level descriptors")));
    }

    #[test]
    fn rapid_improvement_practice_text_and_enactment_are_verbatim_from_the_seed() {
        let Some(seed) = seed(RAPID_SEED) else {
            return;
        };
        let seed = norm(&seed);
        let r = shipped("rapid-improvement.toml");
        for (_, p) in r.practices() {
            assert!(seed.contains(&format!("Practice {}: {}", p.id, p.title)));
            let description = p.description.as_deref().unwrap_or_default();
            assert_eq!(
                description.lines().count(),
                if p.id == "1C" { 3 } else { 4 }
            );
            for bullet in description.lines() {
                assert!(seed.contains(&norm(bullet)), "{}: {bullet}", p.id);
            }
            let e = p
                .enactment
                .as_ref()
                .unwrap_or_else(|| panic!("{} enactment", p.id));
            for (who, text) in [
                ("State", &e.state),
                ("District", &e.district),
                ("School", &e.school),
            ] {
                assert!(
                    seed.contains(&format!("{who}. {}", norm(text))),
                    "{} {who}",
                    p.id
                );
            }
        }
        let description = r.description.as_deref().unwrap_or_default();
        assert!(seed.contains(&norm(description)));
    }

    #[test]
    fn rapid_improvement_has_the_18_reflection_questions_verbatim_with_stable_ids() {
        let Some(seed) = seed(RAPID_SEED) else {
            return;
        };
        let r = shipped("rapid-improvement.toml");
        let ids: Vec<_> = r.questions.iter().map(|q| q.id.clone()).collect();
        let expected: Vec<_> = (1..=18).map(|n| format!("q{n:02}")).collect();
        assert_eq!(ids, expected);
        // The seed lists the questions as bullets after this heading, in this order.
        let after = seed
            .split("Domain 1 Self Reflection Questions")
            .nth(1)
            .unwrap_or_default();
        let bullets: Vec<_> = after
            .lines()
            .filter_map(|l| l.trim().strip_prefix('•'))
            .map(norm)
            .collect();
        let texts: Vec<_> = r.questions.iter().map(|q| q.text.clone()).collect();
        assert_eq!(texts, bullets);
        assert_eq!(
            r.question("q01").map(|q| q.text.as_str()),
            Some("What are your school improvement goals?")
        );
    }

    #[test]
    fn rendered_text_carries_every_descriptor_and_question() {
        for file in &FILES {
            let r = shipped(file.name);
            let text = norm(&render_text(&r));
            assert!(text.contains(&norm(&r.title)));
            for (_, p, i) in r.indicators() {
                assert!(text.contains(&norm(&p.title)), "practice {}", p.id);
                for d in &i.descriptors {
                    assert!(text.contains(&norm(&d.text)), "{} {}", i.id, d.level);
                }
            }
            for q in &r.questions {
                assert!(text.contains(&norm(&q.text)), "{}", q.id);
            }
            for l in &r.levels {
                assert!(text.contains(&l.label));
            }
        }
    }
}
