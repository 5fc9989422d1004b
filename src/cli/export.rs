//! `trellis export` and `trellis import`: take the log away, and restore it exactly.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use trellis_events::Log;

use super::log::open_existing;
use crate::export::{self, Format, ImportError};
use crate::progress::Progress;

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[arg(long, value_enum, default_value = "jsonl")]
    pub format: Format,
    /// Write to this file instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// A JSONL export (`trellis export` or `GET /api/v1/export?format=jsonl`).
    pub file: PathBuf,
}

pub fn export(data: &Path, args: ExportArgs) -> anyhow::Result<ExitCode> {
    let log = open_existing(data)?;
    let n = match &args.out {
        Some(path) => {
            let file = std::fs::File::create(path)?;
            export::write(&log, args.format, file)?
        }
        None => export::write(&log, args.format, std::io::stdout().lock())?,
    };
    if let Some(path) = &args.out {
        eprintln!("exported {n} events to {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

pub fn import(data: &Path, args: ImportArgs) -> anyhow::Result<ExitCode> {
    let log = Log::open(data)?;
    let show = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let bar = std::cell::RefCell::new(None::<Progress>);
    let result = export::import(&log, &args.file, |done, total| {
        let mut bar = bar.borrow_mut();
        bar.get_or_insert_with(|| Progress::new("importing", total, show && total > 10_000))
            .tick(done);
    });
    if let Some(bar) = bar.into_inner() {
        bar.finish();
    }
    match result {
        Ok((events, head)) => {
            println!("imported {events} events; head hash {head}");
            Ok(ExitCode::SUCCESS)
        }
        Err(e @ (ImportError::Bad { .. } | ImportError::Empty | ImportError::NotEmpty(_))) => {
            eprintln!("error: {e}; nothing was written");
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(e.into()),
    }
}
