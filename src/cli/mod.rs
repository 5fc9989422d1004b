//! The `trellis` command line: parses arguments and hands each command to the library.

mod audit;
mod bench;
mod demo;
mod export;
pub(crate) mod log;
mod replay;
mod rubric;
mod serve;
mod token;

use std::path::PathBuf;
use std::process::ExitCode;

use crate::instant::{day, instant_from, instant_until};
use clap::{Parser, Subcommand, ValueEnum};

/// Trellis: an event-sourced improvement-cycle tracker for school districts.
#[derive(Debug, Parser)]
#[command(name = "trellis", version, about)]
pub struct Cli {
    /// The data directory holding the log (created when missing).
    #[arg(
        long,
        global = true,
        env = "TRELLIS_DATA",
        default_value = "./trellis-data"
    )]
    pub data: PathBuf,

    /// How log lines are written to stderr: `text` for people, `json` (one object a line)
    /// for log shippers. Which lines is `RUST_LOG`'s choice (default `warn`).
    #[arg(
        long,
        global = true,
        value_enum,
        env = "TRELLIS_LOG_FORMAT",
        default_value_t = LogFormat::Text
    )]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

/// The shape of log lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List and show rubrics: the shipped ones and a district's own (DATA/rubrics/*.toml).
    Rubric {
        #[command(subcommand)]
        action: rubric::RubricAction,
    },
    /// Walk the hash chain; exit code 0 only when it holds.
    Verify,
    /// Read the log.
    Log {
        #[command(subcommand)]
        action: log::LogAction,
    },
    /// Show a view (maturity, timeline, accountability, documents) as of an instant or a
    /// position.
    Replay(replay::ReplayArgs),
    /// Who did what and when: the log's events filtered by actor, stream, type and
    /// recorded time, each with a one-line summary.
    Audit(audit::AuditArgs),
    /// Fill an empty data directory with a sample district (or a large generated log).
    Demo(demo::DemoArgs),
    /// Write the whole log, in order: JSON Lines that an independent script verifies
    /// (tools/verify_export.py), or CSV for spreadsheets.
    Export(export::ExportArgs),
    /// Restore a JSONL export into an empty store, exactly (the chain is verified first).
    Import(export::ImportArgs),
    /// Serve the JSON API over the data directory (with --demo, fill an empty one first).
    Serve(serve::ServeArgs),
    /// Grant, list and revoke API tokens (on a store no server holds).
    Token {
        #[command(subcommand)]
        action: token::TokenAction,
    },
    /// Benchmarks that print their figures beside baselines measured in the same run.
    Bench {
        #[command(subcommand)]
        action: bench::BenchAction,
    },
}

/// "1 step", "3 steps": a count with its noun, for text output.
fn counted(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// How a command prints what it shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Parses the arguments, runs the command and turns its outcome into an exit code.
pub fn main() -> ExitCode {
    quiet_on_closed_stdout();
    let cli = Cli::parse();
    init_tracing(cli.log_format);
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Rubric { action } => rubric::run(&cli.data, action),
        Command::Verify => log::verify(&cli.data),
        Command::Log { action } => log::run(&cli.data, action),
        Command::Replay(args) => replay::run(&cli.data, args),
        Command::Audit(args) => audit::run(&cli.data, args),
        Command::Demo(args) => demo::run(&cli.data, args),
        Command::Bench { action } => bench::run(&cli.data, action),
        Command::Serve(args) => serve::run(&cli.data, args),
        Command::Export(args) => export::export(&cli.data, args),
        Command::Import(args) => export::import(&cli.data, args),
        Command::Token { action } => token::run(&cli.data, action),
    }
}

/// `trellis … | head` closes stdout early; end quietly instead of reporting a panic.
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .unwrap_or_default();
        if msg.contains("failed printing to stdout") {
            std::process::exit(0);
        }
        default(info);
    }));
}

fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let fmt = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => fmt.try_init(),
        LogFormat::Json => fmt.json().try_init(),
    };
}
