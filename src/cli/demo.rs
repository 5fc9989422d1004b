//! `trellis demo`: fill an empty data directory with a sample district.

use std::path::Path;
use std::process::ExitCode;

use clap::Args;

use crate::app::App;
use crate::demo::{self, DemoOptions, DEFAULT_SEED};
use crate::replay;

use super::rubric::catalog;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Same seed, same district.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// Instead of the sample district, generate a large log of exactly N events.
    #[arg(long)]
    pub events: Option<u64>,
}

pub fn run(data: &Path, args: DemoArgs) -> anyhow::Result<ExitCode> {
    let catalog = catalog(data)?;
    let opts = DemoOptions {
        seed: args.seed,
        events: args.events,
        progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
    };
    let summary = demo::generate(data, &catalog, &opts)?;
    println!("{summary}");
    // Build the views once and checkpoint them, so every later start-up is quick.
    let app = App::open(data, catalog)?;
    app.save_checkpoint()?;
    if args.events.is_none() {
        print_overview(&app);
    }
    println!("\ndata directory: {}", data.display());
    println!("next: trellis replay --view timeline | accountability | documents, --as-of 2025-03-01T00:00:00Z; trellis audit --kind accountable_reassigned; trellis verify");
    Ok(ExitCode::SUCCESS)
}

/// Where each school and the district stand on the leadership rubric today.
fn print_overview(app: &App) {
    let orgs = replay::maturity(&app.projections, &app.catalog, None);
    println!("\nWhere they stand on the Leadership System (getting started / getting better / keep improving, unrated):");
    for o in orgs
        .iter()
        .filter(|o| o.summary.rubric == "leadership-system")
    {
        let counts: Vec<String> = o
            .summary
            .tally
            .levels
            .iter()
            .map(|l| l.count.to_string())
            .collect();
        println!(
            "  {:<40} {:>8}  {}, unrated {}",
            o.name,
            format!("{:?}", o.kind).to_lowercase(),
            counts.join(" / "),
            o.summary.tally.unrated
        );
    }
}
