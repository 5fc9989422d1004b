//! Trellis: an event-sourced improvement-cycle tracker for school districts.
//!
//! # Layout
//! - [`command`]: commands and their rules — `decide(state, command) → events | error`.
//! - [`app`]: an open data directory: log, catalog, write model and projections, with
//!   checkpoints.
//! - [`replay`]: every view as of a recorded instant or a log position.
//! - [`audit`]: who did what and when, filtered, read straight from the log.
//! - [`demo`]: the sample district and large generated logs.
//! - [`bench`]: the `trellis bench` measurements.
//! - [`progress`]: progress bars for long work.
//! - [`metrics`]: every metric the server exports, and the Prometheus recorder.
//! - [`cli`]: the `trellis` command line.

pub mod app;
pub mod audit;
pub mod bench;
pub mod checkpoint;
pub mod cli;
pub mod command;
pub mod demo;
pub mod export;
pub mod http;
pub mod instant;
pub mod metrics;
pub mod progress;
pub mod replay;
pub mod server;
pub mod token;
