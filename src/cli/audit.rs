//! `trellis audit`: who did what and when.

use std::path::Path;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::Args;
use trellis_events::KINDS;
use trellis_projections::AuditFilter;

use super::log::open_existing;
use super::{counted, Format};

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only events recorded by this actor (a login).
    #[arg(long)]
    pub actor: Option<String>,
    /// Only events of this stream (e.g. cycle-ID, org-ID).
    #[arg(long)]
    pub stream: Option<String>,
    /// Only events of this type (e.g. milestone_rescheduled).
    #[arg(long)]
    pub kind: Option<String>,
    /// Only events recorded at or after this instant (RFC 3339), or from the start of this
    /// day (2025-03-01, UTC).
    #[arg(long, value_parser = super::instant_from)]
    pub from: Option<DateTime<Utc>>,
    /// Only events recorded at or before this instant (RFC 3339), or to the end of this day
    /// (UTC).
    #[arg(long, value_parser = super::instant_until)]
    pub to: Option<DateTime<Utc>>,
    /// At most this many events (the first that match).
    #[arg(long)]
    pub limit: Option<usize>,
    /// `json` prints one JSON object per line.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

pub fn run(data: &Path, args: AuditArgs) -> anyhow::Result<ExitCode> {
    if let Some(wrong) = refused(&args) {
        eprintln!("error: {wrong}");
        return Ok(ExitCode::from(2));
    }
    let log = open_existing(data)?;
    if let Some(stream) = &args.stream {
        if log.stream_version(stream)? == 0 {
            eprintln!("error: the log has no stream {stream:?}");
            return Ok(ExitCode::from(1));
        }
    }
    let filter = AuditFilter {
        actor: args.actor,
        stream: args.stream,
        kind: args.kind,
        from: args.from,
        to: args.to,
    };
    let show_progress = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let format = args.format;
    let scanned = crate::audit::list(&log, &filter, args.limit, show_progress, |e| {
        match format {
            Format::Json => println!("{}", serde_json::to_string(&e)?),
            Format::Text => println!(
                "{:>8}  {}  {:<10}  {:<14}  {:<24}  {}",
                e.position,
                e.recorded_at.format("%Y-%m-%d %H:%M:%S"),
                e.occurred_on,
                e.actor,
                e.kind,
                e.summary
            ),
        }
        Ok(())
    })?;
    if format == Format::Text {
        println!(
            "{} matched of {} read",
            counted(scanned.matched as usize, "event"),
            scanned.read
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// A filter that can match nothing because it is malformed: said instead of an empty list.
fn refused(args: &AuditArgs) -> Option<String> {
    if let Some(kind) = &args.kind {
        if !KINDS.contains(&kind.as_str()) {
            return Some(format!(
                "--kind {kind:?} is not an event type; one of: {}",
                KINDS.join(", ")
            ));
        }
    }
    if let (Some(from), Some(to)) = (args.from, args.to) {
        if from > to {
            return Some(format!("--from {from} is after --to {to}"));
        }
    }
    None
}
