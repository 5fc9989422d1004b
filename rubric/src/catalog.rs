//! The rubrics a Trellis instance knows: the shipped ones plus a district's own files.

use std::path::Path;

use crate::error::RubricError;
use crate::model::Rubric;
use crate::shipped;

/// A set of rubrics keyed by id and version.
///
/// Invariant: no two entries share an id and version, and entries are kept sorted by id, then
/// version, so [`Catalog::list`] and [`Catalog::latest`] need no sorting.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Catalog {
    entries: Vec<Entry>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    rubric: Rubric,
    /// Where the rubric came from (a path, or the shipped file's name), for error messages.
    origin: String,
}

impl Catalog {
    /// An empty catalog.
    pub fn new() -> Self {
        Catalog::default()
    }

    /// The rubrics shipped inside the binary.
    ///
    /// # Panics
    ///
    /// If a shipped rubric file is invalid, which is a defect of the build, not of any input:
    /// the crate's tests load every shipped file.
    pub fn shipped() -> Self {
        let mut catalog = Catalog::new();
        for file in shipped::FILES {
            let origin = file.origin();
            let rubric = Rubric::from_toml_str(&origin, file.text)
                .unwrap_or_else(|e| panic!("shipped rubric is invalid: {e}"));
            catalog
                .add(rubric, origin)
                .unwrap_or_else(|e| panic!("shipped rubrics clash: {e}"));
        }
        catalog
    }

    /// The shipped rubrics plus every `*.toml` file in `dir`.
    pub fn with_dir(dir: impl AsRef<Path>) -> Result<Self, RubricError> {
        let mut catalog = Catalog::shipped();
        catalog.load_dir(dir)?;
        Ok(catalog)
    }

    /// Adds one rubric; `origin` says where it came from, for error messages.
    ///
    /// A rubric whose id and version are already in the catalog is refused, naming both origins.
    pub fn add(&mut self, rubric: Rubric, origin: impl Into<String>) -> Result<(), RubricError> {
        let key = (rubric.id.as_str(), rubric.version);
        match self
            .entries
            .binary_search_by(|e| (e.rubric.id.as_str(), e.rubric.version).cmp(&key))
        {
            Ok(at) => Err(RubricError::Duplicate {
                id: rubric.id.clone(),
                version: rubric.version,
                first: self.entries[at].origin.clone(),
                second: origin.into(),
            }),
            Err(at) => {
                let origin = origin.into();
                self.entries.insert(at, Entry { rubric, origin });
                Ok(())
            }
        }
    }

    /// Loads every `*.toml` file directly in `dir` (not in subdirectories; hidden files are
    /// skipped), in file-name order.
    ///
    /// All or nothing: if any file cannot be read, is invalid, or repeats an id and version,
    /// the first such error (in file-name order) is returned and the catalog is unchanged, so a
    /// half-loaded directory never serves ratings.
    pub fn load_dir(&mut self, dir: impl AsRef<Path>) -> Result<(), RubricError> {
        let dir = dir.as_ref();
        let io = |source| RubricError::Io {
            file: dir.display().to_string(),
            source,
        };
        let mut paths = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io)? {
            let path = entry.map_err(io)?.path();
            let is_toml = path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
            let hidden = path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'));
            if is_toml && !hidden && path.is_file() {
                paths.push(path);
            }
        }
        paths.sort();

        let mut next = self.clone();
        for path in paths {
            let rubric = Rubric::from_file(&path)?;
            next.add(rubric, path.display().to_string())?;
        }
        *self = next;
        Ok(())
    }

    /// The rubric with this id and version.
    pub fn get(&self, id: &str, version: u32) -> Option<&Rubric> {
        self.entries
            .binary_search_by(|e| (e.rubric.id.as_str(), e.rubric.version).cmp(&(id, version)))
            .ok()
            .map(|at| &self.entries[at].rubric)
    }

    /// The highest version of the rubric with this id.
    pub fn latest(&self, id: &str) -> Option<&Rubric> {
        self.entries
            .iter()
            .rev()
            .find(|e| e.rubric.id == id)
            .map(|e| &e.rubric)
    }

    /// Where the rubric with this id and version came from: a path, or a shipped file.
    pub fn origin(&self, id: &str, version: u32) -> Option<&str> {
        self.entries
            .iter()
            .find(|e| e.rubric.id == id && e.rubric.version == version)
            .map(|e| e.origin.as_str())
    }

    /// Every rubric, sorted by id, then version.
    pub fn list(&self) -> Vec<&Rubric> {
        self.entries.iter().map(|e| &e.rubric).collect()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn custom(id: &str, version: u32) -> String {
        format!(
            r#"id = "{id}"
version = {version}
title = "Building-level practices"
scale = "maturity"

[[levels]]
id = "getting_started"
label = "Getting Started"
[[levels]]
id = "keep_improving"
label = "Keep Improving"

[[areas]]
id = "culture"
title = "Culture"
[[areas.practices]]
id = "1"
title = "Building leaders model the norms."
[[areas.practices.indicators]]
id = "1"
descriptors = {{ getting_started = "Norms are written.", keep_improving = "Norms are lived." }}
"#
        )
    }

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).expect("write to the temp dir");
    }

    #[test]
    fn shipped_catalog_holds_both_rubrics_sorted_by_id() {
        let catalog = Catalog::shipped();
        let ids: Vec<_> = catalog
            .list()
            .iter()
            .map(|r| (r.id.as_str(), r.version))
            .collect();
        assert_eq!(ids, [("leadership-system", 1), ("rapid-improvement", 1)]);
        assert!(catalog.get("leadership-system", 1).is_some());
        assert!(catalog.get("leadership-system", 2).is_none());
        assert_eq!(
            catalog.origin("rapid-improvement", 1),
            Some("rubrics/rapid-improvement.toml (shipped)")
        );
    }

    #[test]
    fn load_dir_adds_a_districts_rubrics_beside_the_shipped_ones() {
        let dir = tempfile::tempdir().expect("temp dir");
        write(dir.path(), "building.toml", &custom("building", 1));
        write(dir.path(), "building-v2.TOML", &custom("building", 2));
        write(dir.path(), "notes.txt", "not a rubric");
        write(dir.path(), ".draft.toml", "not even toml [");
        std::fs::create_dir(dir.path().join("old.toml")).expect("a directory named like a file");

        let catalog = Catalog::with_dir(dir.path()).expect("the directory loads");
        let ids: Vec<_> = catalog
            .list()
            .iter()
            .map(|r| (r.id.as_str(), r.version))
            .collect();
        assert_eq!(
            ids,
            [
                ("building", 1),
                ("building", 2),
                ("leadership-system", 1),
                ("rapid-improvement", 1)
            ]
        );
        assert_eq!(catalog.latest("building").map(|r| r.version), Some(2));
        assert_eq!(
            catalog.latest("leadership-system").map(|r| r.version),
            Some(1)
        );
        assert!(catalog.latest("nope").is_none());
    }

    #[test]
    fn load_dir_with_one_invalid_file_names_it_and_loads_nothing() {
        let dir = tempfile::tempdir().expect("temp dir");
        write(dir.path(), "a-building.toml", &custom("building", 1));
        let broken = custom("broken", 1).replace("\"Norms are lived.\"", "\"\"");
        write(dir.path(), "b-broken.toml", &broken);

        let mut catalog = Catalog::shipped();
        let err = catalog
            .load_dir(dir.path())
            .expect_err("one file is invalid");
        let shown = err.to_string();
        let file = dir.path().join("b-broken.toml").display().to_string();
        assert_eq!(
            shown,
            format!(
                "{file}: area culture > practice 1 > indicator 1: \
                 descriptor for level `keep_improving` is empty"
            )
        );
        assert_eq!(catalog, Catalog::shipped(), "nothing was loaded");
    }

    #[test]
    fn a_duplicate_id_and_version_names_both_sources() {
        let dir = tempfile::tempdir().expect("temp dir");
        write(dir.path(), "mine.toml", &custom("leadership-system", 1));
        let err = Catalog::with_dir(dir.path()).expect_err("clashes with the shipped rubric");
        let mine = dir.path().join("mine.toml").display().to_string();
        assert_eq!(
            err.to_string(),
            format!(
                "rubric leadership-system version 1 is defined twice: \
                 in rubrics/leadership-system.toml (shipped) and in {mine}"
            )
        );
    }

    #[test]
    fn a_missing_directory_is_an_io_error_naming_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let missing = dir.path().join("absent");
        let err = Catalog::with_dir(&missing).expect_err("no such directory");
        assert!(matches!(err, RubricError::Io { .. }), "{err:?}");
        assert!(err.to_string().starts_with(&missing.display().to_string()));
    }
}
