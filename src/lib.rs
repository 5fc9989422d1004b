//! Trellis: an event-sourced improvement-cycle tracker for school districts.
//!
//! # Layout
//! - [`command`]: commands and their rules — `decide(state, command) → events | error`.
//! - [`cli`]: the `trellis` command line.

pub mod cli;
pub mod command;
