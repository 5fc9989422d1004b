//! The one error type of this crate, and the validation rules a rubric file can break.

use std::fmt;

/// Why a rubric file, or a directory of them, could not be loaded.
///
/// Every variant's `Display` starts with the file (or files) concerned.
#[derive(Debug, thiserror::Error)]
pub enum RubricError {
    /// The file or directory could not be read (missing, unreadable, not UTF-8).
    #[error("{file}: cannot read: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// The text is not TOML, or does not have the shape of a rubric file (wrong type, unknown
    /// key).
    #[error("{file}: {}{message}", at(*.location))]
    Toml {
        file: String,
        /// Where the problem starts, when the TOML parser knows.
        location: Option<Location>,
        message: String,
    },
    /// The file parsed but breaks one or more rules; all of them are listed, one per line.
    #[error("{}", invalid(file, problems))]
    Invalid {
        file: String,
        /// Never empty.
        problems: Vec<Problem>,
    },
    /// Two sources define the same rubric id and version.
    #[error("rubric {id} version {version} is defined twice: in {first} and in {second}")]
    Duplicate {
        id: String,
        version: u32,
        first: String,
        second: String,
    },
}

/// A 1-based line and column (in characters) in a rubric file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

/// One broken rule, and the item that breaks it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The item, as a path: `rubric`, `level getting_started`,
    /// `area shape-identity > practice 1 > indicator 1`, `question q01`.
    /// An item without a usable id is named by its position, e.g. `area #2`.
    pub item: String,
    pub rule: Rule,
}

/// A validation rule of the rubric file format.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Rule {
    #[error("`{field}` is missing")]
    Missing { field: &'static str },
    #[error("`{field}` is empty")]
    Empty { field: &'static str },
    #[error("id {id:?} is not a slug (use only a-z, 0-9 and -)")]
    NotASlug { id: String },
    #[error("id {id:?} may use only letters, digits, - and _")]
    BadId { id: String },
    #[error(
        "version must be a whole number from 1 to {}, found {version}",
        u32::MAX
    )]
    BadVersion { version: i64 },
    #[error("at least one {what} is required")]
    NoneGiven { what: &'static str },
    #[error("duplicate {kind} id {id:?} (already used by {first})")]
    DuplicateId {
        kind: &'static str,
        id: String,
        first: String,
    },
    #[error("no descriptor for level `{level}`")]
    MissingDescriptor { level: String },
    #[error("descriptor for level `{level}` is empty")]
    EmptyDescriptor { level: String },
    #[error("descriptor for unknown level `{level}` (the levels are: {})", known.join(", "))]
    UnknownLevel { level: String, known: Vec<String> },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.item, self.rule)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

fn at(location: Option<Location>) -> String {
    location.map(|l| format!("{l}: ")).unwrap_or_default()
}

/// One line per problem, each starting with the file, as compilers do, so that every line
/// stands on its own in a log.
fn invalid(file: &str, problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("{file}: {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}
