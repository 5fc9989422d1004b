//! `trellis bench log|replay|http`: measurements that print their own baselines.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;

use crate::bench::replay::{self, ChildMode, ReplayBenchOpts};

#[derive(Debug, Subcommand)]
pub enum BenchAction {
    /// Durable appends: latency and throughput against raw fdatasync and sled baselines.
    Log {
        /// A short run (for smoke tests).
        #[arg(long)]
        quick: bool,
        /// Where to put the scratch stores (default: inside the data directory).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Projection rebuild, start-up with checkpoints, as-of queries, peak memory.
    Replay {
        /// Size of the generated log.
        #[arg(long, default_value_t = 1_000_000)]
        events: u64,
        /// As-of timeline queries to time.
        #[arg(long, default_value_t = 500)]
        queries: usize,
        /// Where to keep the generated log (default: inside the data directory).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// The server over HTTP: durable writes and reads, against PostgreSQL (pgbench).
    Http {
        /// The longest each measure runs (also pgbench's -T).
        #[arg(long, default_value_t = crate::bench::http::DEFAULT_SECONDS)]
        seconds: u64,
        /// Where to put the scratch store (default: inside the data directory).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// One measurement of `bench replay` in a fresh process (internal).
    #[command(hide = true)]
    ReplayChild {
        #[arg(value_enum)]
        mode: ChildMode,
    },
}

pub fn run(data: &Path, action: BenchAction) -> anyhow::Result<ExitCode> {
    match action {
        BenchAction::Log { quick, dir } => {
            let dir = dir.unwrap_or_else(|| data.join("bench"));
            std::fs::create_dir_all(&dir)?;
            let opts = crate::bench::LogBenchOpts {
                quick,
                ..Default::default()
            };
            let report = crate::bench::run_log_bench(&dir, opts)?;
            println!("{report}");
        }
        BenchAction::Replay {
            events,
            queries,
            dir,
        } => {
            let dir = dir.unwrap_or_else(|| data.join("bench"));
            std::fs::create_dir_all(&dir)?;
            let report = replay::run(&ReplayBenchOpts {
                dir,
                events,
                queries,
            })?;
            println!("{report}");
        }
        BenchAction::Http { seconds, dir } => {
            let default = dir.is_none();
            let dir = dir.unwrap_or_else(|| data.join("bench"));
            std::fs::create_dir_all(&dir)?;
            let report = crate::bench::http::run(&crate::bench::http::HttpBenchOpts {
                dir: dir.clone(),
                seconds,
            });
            if default {
                // Only when it is left empty.
                let _ = std::fs::remove_dir(&dir);
            }
            println!("{}", report?);
        }
        BenchAction::ReplayChild { mode } => {
            let report = replay::run_child(data, mode)?;
            println!("{}", serde_json::to_string(&report)?);
        }
    }
    Ok(ExitCode::SUCCESS)
}
