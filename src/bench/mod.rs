//! `trellis bench`: measurements that print the raw baselines they are bound by.
//!
//! # Layout
//! - [`log`]: durable appends (latency and throughput) against `fdatasync` and raw sled.
//! - [`replay`]: projection rebuild, start-up with checkpoints, as-of queries.
//! - [`http`]: the server over HTTP (durable writes, reads) against PostgreSQL.

pub mod http;
pub mod log;
pub mod replay;

pub use log::{run_log_bench, LogBenchOpts, LogBenchReport};
