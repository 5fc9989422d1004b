//! Rubrics as data: the model of a rubric (levels of a scale; areas of focus → practices →
//! progress indicators, each with one descriptor per level; an optional question set), the
//! TOML file format it is written in, the validation every file passes before it is used, and
//! the rubrics shipped with Trellis.
//! A district loads its own rubric files beside the shipped ones through a [`Catalog`]; a
//! rating names the rubric `id` and `version` it was made against.
//!
//! Invariant: this crate knows nothing of events or HTTP.
//! It reads files only when asked to ([`Rubric::from_file`], [`Catalog::load_dir`]).
//!
//! The file format is described in `rubric/README.md`; in short:
//!
//! ```toml
//! id = "leadership-system"       # a slug: a-z, 0-9, -
//! version = 1                    # 1 or more
//! title = "Leadership System"
//! scale = "maturity"
//!
//! [[levels]]                     # in rank order, lowest first
//! id = "getting_started"
//! label = "Getting Started"
//!
//! [[areas]]
//! id = "shape-identity"
//! title = "Shape the District's Identity"
//!
//! [[areas.practices]]
//! id = "1"
//! title = "District leaders establish the identity of the district…"
//!
//! [[areas.practices.indicators]]
//! id = "1"                       # unique across the whole rubric
//! [areas.practices.indicators.descriptors]
//! getting_started = "District leaders engage representative members…"
//!
//! [[questions]]                  # optional
//! id = "q01"
//! text = "What are your school improvement goals?"
//! ```
//!
//! # Layout
//!
//! - `model` — [`Rubric`] and its parts, with the lookups the rest of Trellis uses.
//! - `parse` — TOML text or file → the raw shape of the file ([`Rubric::from_toml_str`],
//!   [`Rubric::from_file`]).
//! - `validate` — the rules of the format; raw file → [`Rubric`] or every [`Problem`].
//! - `error` — [`RubricError`], [`Problem`], [`Rule`].
//! - `catalog` — [`Catalog`]: shipped rubrics plus a district's own, by id and version.
//! - `render` — [`render_text`], a plain-text rendering.
//! - `shipped` — the embedded files of `rubric/rubrics/`, and the tests that hold them to their
//!   seed documents.

mod catalog;
mod error;
mod model;
mod parse;
mod render;
mod shipped;
mod validate;

pub use catalog::Catalog;
pub use error::{Location, Problem, RubricError, Rule};
pub use model::{Area, Descriptor, Enactment, Indicator, Level, Practice, Question, Rubric};
pub use render::render_text;
