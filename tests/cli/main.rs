//! End-to-end tests of the `trellis` binary: each runs the real executable on a real data
//! directory in a temp dir.

mod audit;
mod bench;
mod demo_replay;
mod helpers;
mod rubric;
mod token;
mod verify;
