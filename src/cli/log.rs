//! `trellis verify`, `trellis log tail`, `trellis log repack` and `trellis log compact`.

use std::path::Path;
use std::process::ExitCode;

use clap::Subcommand;
use trellis_events::{Log, LogError, Problem};

use super::Format;
use crate::progress::{Deferred, Progress};

#[derive(Debug, Subcommand)]
pub enum LogAction {
    /// Print events from a position on (the last 20 when --from is not given).
    Tail {
        /// First position to print.
        #[arg(long)]
        from: Option<u64>,
        /// At most this many events.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Merge the small segments that single appends leave into larger ones now (the log
    /// also does this in the background as it grows); the events' bytes do not change.
    Repack,
    /// Give back the disk space the store no longer uses: copy it into a fresh store, check
    /// the copy's whole hash chain, and swap it in (the original stays on any failure).
    /// Needs the store to itself, like every command here.
    Compact,
}

/// Opens the log of an existing data directory; a missing one is an error, not a new store.
pub fn open_existing(data: &Path) -> anyhow::Result<Log> {
    if !trellis_events::compact::has_store(data) {
        anyhow::bail!(
            "no Trellis store in {} (set --data or TRELLIS_DATA; `trellis demo` creates one)",
            data.display()
        );
    }
    Ok(Log::open(data)?)
}

pub fn verify(data: &Path) -> anyhow::Result<ExitCode> {
    if !trellis_events::compact::has_store(data) {
        anyhow::bail!("no Trellis store in {}", data.display());
    }
    let log = match Log::open(data) {
        Ok(log) => log,
        Err(e @ LogError::Locked { .. }) => return Err(e.into()),
        Err(e) => {
            println!("FAILED: the store cannot be trusted: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    let report = log.verify();
    match &report.problem {
        None => {
            println!(
                "OK: {} events checked; head position {} hash {}",
                report.checked, report.head.position, report.head.hash
            );
            Ok(ExitCode::SUCCESS)
        }
        Some((position, problem)) => {
            println!(
                "FAILED at position {position}: {}; {} events before it checked out (last good hash {})",
                describe(problem),
                report.checked,
                report.head.hash
            );
            Ok(ExitCode::from(1))
        }
    }
}

pub(crate) fn describe(p: &Problem) -> String {
    match p {
        Problem::Missing { found } => format!("position missing (next stored is {found})"),
        Problem::Altered => "stored bytes were altered (hash does not match)".into(),
        Problem::BrokenLink => "previous-hash link broken (reordered or spliced)".into(),
        Problem::Misplaced { says } => format!("event says it belongs at position {says}"),
        Problem::Undecodable { reason } => format!("event cannot be decoded: {reason}"),
        Problem::Truncated { acknowledged } => {
            format!("log ends early: {acknowledged} events were acknowledged as durable")
        }
        Problem::HeadMismatch => "the acknowledged head hash differs from the stored event".into(),
        Problem::Unreadable { reason } => format!("store unreadable: {reason}"),
    }
}

pub fn run(data: &Path, action: LogAction) -> anyhow::Result<ExitCode> {
    match action {
        LogAction::Tail {
            from,
            limit,
            format,
        } => {
            let log = open_existing(data)?;
            let from = from.unwrap_or_else(|| {
                log.head_position()
                    .saturating_sub((limit as u64).saturating_sub(1))
                    .max(1)
            });
            for env in log.iter(from).take(limit) {
                let env = env?;
                match format {
                    Format::Json => println!("{}", serde_json::to_string(&env)?),
                    Format::Text => println!(
                        "{:>8}  {}  {:<10}  {:<16}  {:<14}  {}",
                        env.position,
                        env.recorded_at.format("%Y-%m-%d %H:%M:%S"),
                        env.occurred_on,
                        env.actor,
                        env.stream,
                        env.event.kind()
                    ),
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        LogAction::Repack => {
            let log = open_existing(data)?;
            let head = log.head_position();
            let bar = Progress::new("repacking", head, true);
            let done = log.repack_with(&mut |position| {
                bar.set(position);
                true
            })?;
            bar.finish();
            println!(
                "repacked {} segments into {} (log of {head} events)",
                done.segments, done.runs
            );
            Ok(ExitCode::SUCCESS)
        }
        LogAction::Compact => {
            open_existing(data).map(drop)?;
            let mut bar = Deferred::new("compacting", true);
            let done = trellis_events::compact::compact(data, &mut |copied, total| {
                bar.set(copied, total)
            })?;
            bar.finish();
            let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
            println!(
                "compacted the store of {} events: {:.1} MiB -> {:.1} MiB ({} entries copied, chain checked up to position {})",
                done.head.position,
                mib(done.bytes_before),
                mib(done.bytes_after),
                done.entries,
                done.head.position
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
