//! Event types and the append-only, hash-chained log on sled.
//!
//! Everything Trellis knows is an [`Event`] in an [`Envelope`] at a position of the
//! [`Log`]. The log is the only source of truth: projections are folds over it.
//!
//! # Layout
//! - [`event`]: the domain facts, past-tense variants with stable type names.
//! - [`kind`]: each kind of fact's type name and whether it can be retracted, defined once.
//! - [`envelope`]: bookkeeping around a fact, its stored bytes and the SHA-256 chain link.
//! - `body`: the stored body read fast in the one shape the log writes it.
//! - [`upcast`]: reading payloads written under an older schema.
//! - [`append`]: append requests, expected versions, idempotency, append errors.
//! - [`log`]: the sled-backed log: one writer at a time with group commit, lock-free readers,
//!   live subscriptions.
//! - `prefetch`: a replay's reading and decoding on a second thread.
//! - `segment`, `repack`: events packed into sled values, and small ones merged later.
//! - [`verify`]: walking the chain to prove nothing was altered, removed or reordered.

pub mod append;
mod as_of;
mod body;
pub mod compact;
pub mod date;
pub mod envelope;
pub mod event;
pub mod kind;
pub mod log;
mod prefetch;
mod repack;
mod segment;
pub mod upcast;
pub mod verify;

pub use append::{Append, AppendError, Appended, Expected, NewEvent};
pub use compact::Compacted;
pub use envelope::{Envelope, Hash};
pub use event::*;
pub use kind::{Kind, Retraction};
pub use log::{Head, Log, LogError, Options, Pending, Record, Subscription};
pub use repack::Repacked;
pub use verify::{Problem, Report};
