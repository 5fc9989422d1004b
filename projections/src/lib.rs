//! Pure folds from the event log to the read models Trellis shows: maturity levels, the
//! timeline of each improvement cycle, who is accountable for what, the documents of each org
//! unit, and a filter over the log for auditors.
//!
//! Invariant: this crate does no I/O and reads no clock. [`Projections::apply`] folds one
//! envelope into every view, and queries read what was applied; dates a query needs ("as of
//! today") are arguments. So the log alone rebuilds every view, the rebuilt state equals the
//! live one, and a view "as of" a log position or an instant is the same fold stopped early
//! ([`as_of_position`], [`as_of_instant`]).
//!
//! Retractions (`EventRetracted`) make views behave as if the retracted event had never been
//! folded, while the log keeps both. Views keep, per item, the live facts that shaped it and
//! derive the item from them, so undoing one fact is exact (see [`live`]).
//!
//! Keeping each cycle's timeline entries (a copy of every fact of every cycle) is a choice of
//! the [`Projections`] value ([`Entries`]): [`Projections::new`] keeps them,
//! [`Projections::without_entries`] folds everything else the same and skips them. The views
//! an app keeps live over the whole log skip them; a cycle's timeline is shown by folding that
//! cycle's own stream into views that keep them, which is all the facts it needs.
//!
//! Folding is built to be cheap, because a restart without a checkpoint folds the whole log:
//! `apply` does no sorting and no scan, only a few hash lookups, pushes and (for free text)
//! allocations per event; ids are interned once and shared by every view ([`name`]).
//! Listings that need an order (a timeline by the day things happened) sort when asked.
//! Measure with `cargo run --release -p trellis-projections --features testkit --example
//! rebuild [N]`, which decodes and folds N generated events from their stored form.
//!
//! # Layout
//! - [`Projections`] (this file): every view together, the fold, "as of", checkpoints and
//!   [`CODE_VERSION`].
//! - [`live`]: stamps, live-fact lists and the position index that retractions use.
//! - [`name`]: interned ids ([`name::Name`]) and the fast hash the views' maps use.
//! - [`org_tree`]: state → district → school.
//! - [`documents`]: people, roles and their holders, visions, agreements, strategic plans.
//! - [`maturity`]: current level and trajectory per org × rubric × indicator; summaries per
//!   practice and area; district roll-ups; rubric adoptions.
//! - [`cycle`]: one improvement cycle: header, goals, milestones, reflections and (if kept)
//!   its entries.
//! - [`timeline`]: every cycle, and (if kept) each cycle's facts in the order they happened.
//! - [`accountability`]: per person open, overdue and due-soon items with roles and RACI;
//!   per org unit items without an accountable person and reassignment history.
//! - [`audit`]: a filter over envelopes and a one-line summary of any event.
//! - `testkit` (feature `testkit`, and in tests): a small log builder and a generator of
//!   valid-enough random event sequences.

pub mod accountability;
pub mod audit;
pub mod by_id;
pub mod cycle;
pub mod dates;
pub mod documents;
pub mod live;
pub mod maturity;
pub mod name;
pub mod org_tree;
pub mod timeline;

#[cfg(any(test, feature = "testkit"))]
pub mod testkit;

#[cfg(test)]
mod properties;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use trellis_events::{Envelope, Event, Kind, Retraction};

pub use accountability::{Accountability, PersonView};
pub use audit::{AuditEntry, AuditFilter};
pub use documents::Documents;
pub use maturity::Maturity;
pub use name::{Interner, Name};
pub use org_tree::OrgTree;
pub use timeline::{Entries, Timelines};

/// The version of the fold code and of the views' shapes.
///
/// A checkpoint (the app's, written from [`Projections::timelines`] and [`Projections::rest`])
/// records the version it was written by; one written by another version is refused and the
/// views are rebuilt from the log instead.
/// Bump it whenever any view's fields or any fold's behaviour change, even if the JSON would
/// still parse: a checkpoint built by an older fold would otherwise silently disagree with a
/// rebuild.
pub const CODE_VERSION: u32 = 6;

/// Every view, folded together from one log.
///
/// Written to a checkpoint in two [`Parts`]; reading them shares the allocations of repeated
/// ids, so a restored checkpoint takes no more memory than the fold it was written from.
/// Whether cycles keep their timeline entries ([`Projections::entries`]) is serialized with
/// the timelines, so a restored checkpoint keeps folding the way it was written.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Projections {
    /// The position of the last applied event; 0 before any.
    position: u64,
    /// When the last applied event was recorded.
    recorded_at: Option<DateTime<Utc>>,
    pub documents: Documents,
    pub maturity: Maturity,
    pub timelines: Timelines,
    pub accountability: Accountability,
    /// The ids every view has seen, so that each is stored once and looked up once per event.
    #[serde(skip)]
    names: Interner,
}

/// The views cut in two parts of similar size, so that a checkpoint can encode and decode
/// them on two threads: the cycles ([`Timelines`]), and everything else ([`Rest`]).
pub struct Parts<R> {
    pub timelines: Part<Timelines>,
    pub rest: Part<R>,
}

/// One part as read, with the names it read (shared within the part).
pub struct Part<T> {
    value: T,
    names: Interner,
}

impl<T: serde::de::DeserializeOwned> Part<T> {
    /// Reads one part with `read` (a deserialization), sharing the names it reads; run each
    /// part's read on its own thread.
    pub fn read<E>(read: impl FnOnce() -> Result<T, E>) -> Result<Part<T>, E> {
        let (value, names) = name::sharing_names(read);
        Ok(Part {
            value: value?,
            names: names.unwrap_or_default(),
        })
    }
}

/// Every view but the timelines, as written.
#[derive(Serialize)]
pub struct RestOut<'a> {
    position: u64,
    recorded_at: Option<DateTime<Utc>>,
    documents: &'a Documents,
    maturity: &'a Maturity,
    accountability: &'a Accountability,
}

/// Every view but the timelines, as read.
#[derive(Deserialize)]
pub struct Rest {
    position: u64,
    recorded_at: Option<DateTime<Utc>>,
    documents: Documents,
    maturity: Maturity,
    accountability: Accountability,
}

impl Projections {
    /// The part of the views besides [`Projections::timelines`], for writing on its own.
    pub fn rest(&self) -> RestOut<'_> {
        RestOut {
            position: self.position,
            recorded_at: self.recorded_at,
            documents: &self.documents,
            maturity: &self.maturity,
            accountability: &self.accountability,
        }
    }

    /// The views from their two parts, read on their own; names the parts share are then
    /// shared by the fold that goes on.
    pub fn from_parts(parts: Parts<Rest>) -> Projections {
        let Parts { timelines, rest } = parts;
        let mut names = rest.names;
        names.absorb(timelines.names);
        let r = rest.value;
        Projections {
            position: r.position,
            recorded_at: r.recorded_at,
            documents: r.documents,
            maturity: r.maturity,
            timelines: timelines.value,
            accountability: r.accountability,
            names,
        }
    }
}

impl Projections {
    /// Empty views that keep every cycle's timeline entries ([`Entries::Kept`]): for folding
    /// one cycle's stream to show its timeline, and for tests.
    pub fn new() -> Projections {
        Projections::default()
    }

    /// Empty views that skip timeline entries ([`Entries::Skipped`]) and otherwise fold
    /// exactly as [`Projections::new`]: for views kept live over the whole log.
    pub fn without_entries() -> Projections {
        Projections::with_entries(Entries::Skipped)
    }

    /// Empty views keeping timeline entries or not.
    pub fn with_entries(entries: Entries) -> Projections {
        Projections {
            timelines: Timelines::new(entries),
            ..Projections::default()
        }
    }

    /// Whether cycles keep their timeline entries.
    pub fn entries(&self) -> Entries {
        self.timelines.entries()
    }

    /// Makes room for `events` more events in the views' per-event indexes: a rebuild that
    /// knows how many it will fold grows them once instead of copying them as they double.
    pub fn reserve(&mut self, events: usize) {
        self.timelines.reserve(events);
    }

    /// Folds one event into every view.
    ///
    /// An envelope at or below [`Projections::position`] was folded already (positions grow
    /// along the log) and is skipped, so replaying an overlap after a checkpoint is harmless.
    ///
    /// Answers the timelines' slot of the event's cycle, if it is known: a slot always names
    /// the same cycle ([`Timelines::id_at`]), so a fold beside these views (the write model)
    /// can find the cycle by it instead of looking its id up again.
    pub fn apply(&mut self, env: &Envelope) -> Option<u32> {
        if env.position <= self.position {
            return None;
        }
        self.documents.apply(env);
        self.maturity.apply(env, &mut self.names);
        let slot = self.timelines.apply(env, &mut self.names);
        // The cycle's shared id, so that accountability need not look it up again.
        let cycle = slot.and_then(|s| self.timelines.id_at(s));
        self.accountability.apply(env, cycle, &mut self.names);
        self.position = env.position;
        self.recorded_at = Some(env.recorded_at);
        slot
    }

    /// Folds events into fresh views that keep timeline entries.
    pub fn fold<'a>(events: impl IntoIterator<Item = &'a Envelope>) -> Projections {
        let mut p = Projections::new();
        p.extend(events);
        p
    }

    /// Folds more events into these views.
    pub fn extend<'a>(&mut self, events: impl IntoIterator<Item = &'a Envelope>) {
        for env in events {
            self.apply(env);
        }
    }

    /// The position of the last applied event (0 before any).
    pub fn position(&self) -> u64 {
        self.position
    }

    /// When the last applied event was recorded.
    pub fn recorded_at(&self) -> Option<DateTime<Utc>> {
        self.recorded_at
    }

    /// The org tree (held by [`Documents`]).
    pub fn org_tree(&self) -> &OrgTree {
        &self.documents.org_tree
    }

    /// What `person` is accountable for as of `today`: open, overdue and due-soon items, roles
    /// and RACI assignments.
    pub fn person_view(&self, person: &str, today: NaiveDate) -> PersonView {
        self.accountability
            .for_person(&self.timelines, &self.documents, person, today)
    }
}

/// The views as of log position `k`: the fold of every event at a position up to `k` (timeline
/// entries kept).
pub fn as_of_position<'a>(events: impl IntoIterator<Item = &'a Envelope>, k: u64) -> Projections {
    Projections::fold(events.into_iter().take_while(|e| e.position <= k))
}

/// The views as of instant `t`: the fold stopped at the first event recorded after `t`
/// (timeline entries kept).
///
/// `recorded_at` never decreases along the log, so this is a prefix of the log.
pub fn as_of_instant<'a>(
    events: impl IntoIterator<Item = &'a Envelope>,
    t: DateTime<Utc>,
) -> Projections {
    Projections::fold(events.into_iter().take_while(|e| e.recorded_at <= t))
}

/// Whether an event of this kind can be retracted, by the one rule the write model follows too
/// ([`Kind::retraction`]); views index only these, so a retraction naming anything else
/// (which the command side refuses) changes nothing.
pub fn is_retractable(event: &Event) -> bool {
    matches!(Kind::of(event).retraction(), Retraction::Allowed)
}
