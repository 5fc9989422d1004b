//! Reading a rubric file: TOML text → the raw, unchecked shape of the file.
//!
//! Every field a rule speaks about is optional here, so that a missing field is reported by
//! [`crate::validate`] with the item it belongs to, rather than by serde with only a line number.
//! Unknown keys are refused: a misspelt key would otherwise silently drop content.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::{Location, RubricError};
use crate::model::Rubric;
use crate::validate;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRubric {
    pub id: Option<String>,
    pub version: Option<i64>,
    pub title: Option<String>,
    pub source: Option<String>,
    pub description: Option<String>,
    pub scale: Option<String>,
    #[serde(default)]
    pub levels: Vec<RawLevel>,
    #[serde(default)]
    pub areas: Vec<RawArea>,
    #[serde(default)]
    pub questions: Vec<RawQuestion>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLevel {
    pub id: Option<String>,
    pub label: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawArea {
    pub id: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub practices: Vec<RawPractice>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPractice {
    pub id: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub enactment: Option<RawEnactment>,
    #[serde(default)]
    pub indicators: Vec<RawIndicator>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEnactment {
    pub state: Option<String>,
    pub district: Option<String>,
    pub school: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawIndicator {
    pub id: Option<String>,
    /// Keyed by level id. A map rather than fixed fields because the levels are data; keys that
    /// name no level are caught by validation.
    pub descriptors: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawQuestion {
    pub id: Option<String>,
    pub text: Option<String>,
}

impl Rubric {
    /// Parses and validates a rubric from TOML text.
    ///
    /// `name` is only used in errors, to say which file is wrong.
    pub fn from_toml_str(name: &str, text: &str) -> Result<Rubric, RubricError> {
        let raw: RawRubric = toml::from_str(text).map_err(|e| RubricError::Toml {
            file: name.to_owned(),
            location: e.span().map(|s| location(text, s.start)),
            // One line, so that every error is one line per problem.
            message: e.message().trim().lines().collect::<Vec<_>>().join("; "),
        })?;
        validate::rubric(raw).map_err(|problems| RubricError::Invalid {
            file: name.to_owned(),
            problems,
        })
    }

    /// Reads, parses and validates a rubric file; errors name the file by its path.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Rubric, RubricError> {
        let path = path.as_ref();
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| RubricError::Io {
            file: file.clone(),
            source,
        })?;
        Rubric::from_toml_str(&file, &text)
    }
}

/// The 1-based line and character column of a byte offset.
///
/// Works on bytes so that an offset that is out of range or inside a character cannot panic.
fn location(text: &str, offset: usize) -> Location {
    let bytes = text.as_bytes();
    let before = &bytes[..offset.min(bytes.len())];
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    // Count characters, not bytes: UTF-8 continuation bytes look like 0b10xx_xxxx.
    let column = before[line_start..]
        .iter()
        .filter(|&&b| b & 0xC0 != 0x80)
        .count();
    Location {
        line: before.iter().filter(|&&b| b == b'\n').count() + 1,
        column: column + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_counts_lines_and_characters_from_one() {
        let text = "a = 1\nb = \"é\"x\n";
        assert_eq!(location(text, 0), Location { line: 1, column: 1 });
        assert_eq!(location(text, 6), Location { line: 2, column: 1 });
        // The `x` sits after a two-byte character: byte 12, character column 7.
        assert_eq!(location(text, 12), Location { line: 2, column: 7 });
        assert_eq!(location(text, 999), Location { line: 3, column: 1 });
        // An offset inside a multi-byte character does not panic.
        assert_eq!(location(text, 11).line, 2);
    }

    #[test]
    fn deeply_nested_arrays_are_an_error_not_a_stack_overflow() {
        let text = format!("a = {}1{}", "[".repeat(100_000), "]".repeat(100_000));
        let err = Rubric::from_toml_str("deep.toml", &text).expect_err("too deep");
        assert!(
            err.to_string().starts_with("deep.toml: line 1, column "),
            "{err}"
        );
    }

    #[test]
    fn a_missing_file_is_an_io_error_naming_the_path() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("absent.toml");
        let err = Rubric::from_file(&path).expect_err("no such file");
        assert!(matches!(err, RubricError::Io { .. }), "{err:?}");
        assert!(err.to_string().starts_with(&path.display().to_string()));
    }

    #[test]
    fn a_file_that_is_not_utf8_is_an_io_error_naming_the_path() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("latin1.toml");
        std::fs::write(&path, b"title = \"caf\xe9\"\n").expect("write");
        let err = Rubric::from_file(&path).expect_err("not UTF-8");
        assert!(err.to_string().starts_with(&path.display().to_string()));
    }

    mod fuzz {
        use proptest::prelude::*;

        use crate::shipped::FILES;
        use crate::{Rubric, RubricError};

        /// Every error names the file it is about.
        fn check(text: &str) {
            match Rubric::from_toml_str("fuzz.toml", text) {
                Ok(_) => {}
                Err(RubricError::Duplicate { .. }) => unreachable!("parsing alone never clashes"),
                Err(e) => assert!(e.to_string().starts_with("fuzz.toml: "), "{e}"),
            }
        }

        proptest! {
            #[test]
            fn arbitrary_text_never_panics_the_parser(text in "\\PC*") {
                check(&text);
            }

            #[test]
            fn arbitrary_toml_like_text_never_panics_the_parser(
                text in r#"([\[\]{}="a-z0-9_. \n#,-]|id|version|levels|areas|practices|indicators|descriptors|questions){0,200}"#
            ) {
                check(&text);
            }

            #[test]
            fn a_shipped_file_with_a_slice_cut_out_or_repeated_never_panics_the_parser(
                which in 0..FILES.len(),
                start in 0usize..60_000,
                len in 0usize..2_000,
                repeat in any::<bool>(),
            ) {
                let bytes = FILES[which].text.as_bytes();
                let start = start.min(bytes.len());
                let end = (start + len).min(bytes.len());
                let mut mutated = bytes[..start].to_vec();
                if repeat {
                    mutated.extend_from_slice(&bytes[start..end]);
                    mutated.extend_from_slice(&bytes[start..]);
                } else {
                    mutated.extend_from_slice(&bytes[end..]);
                }
                // Cutting may split a character; the parser only takes valid UTF-8.
                check(&String::from_utf8_lossy(&mutated));
            }
        }
    }
}
