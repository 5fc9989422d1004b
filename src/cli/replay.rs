//! `trellis replay`: any view as of a recorded instant or a log position.

use std::path::Path;
use std::process::ExitCode;

use crate::replay::{self, AsOf, CycleReport, OrgMaturity, Point};
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, ValueEnum};
use serde_json::json;
use trellis_projections::maturity::Tally;
use trellis_projections::PersonView;

use super::log::open_existing;
use super::rubric::catalog;
use super::Format;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum View {
    Maturity,
    Timeline,
    Accountability,
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// Replay up to this recorded instant (RFC 3339, e.g. 2025-03-01T00:00:00Z).
    #[arg(long, conflicts_with = "at_position")]
    pub as_of: Option<DateTime<Utc>>,
    /// Replay up to this log position.
    #[arg(long)]
    pub at_position: Option<u64>,
    #[arg(long, value_enum, default_value = "maturity")]
    pub view: View,
    /// Only this org unit.
    #[arg(long)]
    pub org: Option<String>,
    /// Only this cycle (timeline view).
    #[arg(long)]
    pub cycle: Option<String>,
    /// Only this person (accountability view).
    #[arg(long)]
    pub person: Option<String>,
    /// The day "overdue" and "due soon" are judged on (accountability view); defaults to
    /// the day of the replayed instant.
    #[arg(long)]
    pub today: Option<NaiveDate>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

pub fn run(data: &Path, args: ReplayArgs) -> anyhow::Result<ExitCode> {
    let catalog = catalog(data)?;
    let log = open_existing(data)?;
    let point = match (args.as_of, args.at_position) {
        (Some(t), _) => Point::Instant(t),
        (None, Some(n)) => Point::Position(n),
        (None, None) => Point::Head,
    };
    let as_of = replay::resolve(&log, point)?;
    let show_progress = std::io::IsTerminal::is_terminal(&std::io::stderr());

    // A single cycle's timeline folds only that cycle's stream.
    if let (View::Timeline, Some(cycle)) = (args.view, &args.cycle) {
        let Some(report) = replay::cycle_at(&log, cycle, as_of.position)? else {
            eprintln!(
                "error: no cycle {cycle:?} as of position {}",
                as_of.position
            );
            return Ok(ExitCode::from(1));
        };
        print_cycles(args.format, as_of, &[report]);
        return Ok(ExitCode::SUCCESS);
    }

    let views = replay::views_at(&log, as_of.position, show_progress)?;
    match args.view {
        View::Maturity => {
            let orgs = replay::maturity(&views, &catalog, args.org.as_deref());
            print_maturity(args.format, as_of, &orgs);
        }
        View::Timeline => {
            // The views list the cycles; each timeline is folded from the cycle's stream.
            let cycles = replay::cycles(&log, &views, args.org.as_deref())?;
            print_cycles(args.format, as_of, &cycles);
        }
        View::Accountability => {
            // Judged on the day asked about: the instant's, or the replayed event's.
            let today = args
                .today
                .or(args.as_of.map(|t| t.date_naive()))
                .or(as_of.recorded_at.map(|t| t.date_naive()))
                .unwrap_or_else(|| Utc::now().date_naive());
            let people = replay::accountability(&views, args.person.as_deref(), today);
            print_accountability(args.format, as_of, today, &people);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn header(as_of: AsOf) -> String {
    match as_of.recorded_at {
        Some(t) => format!(
            "as of position {} (recorded {})",
            as_of.position,
            t.to_rfc3339()
        ),
        None => format!("as of position {} (empty log)", as_of.position),
    }
}

fn print_json(value: serde_json::Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(&value).unwrap_or_default()
    );
}

fn print_maturity(format: Format, as_of: AsOf, orgs: &[OrgMaturity]) {
    if format == Format::Json {
        return print_json(json!({ "as_of": as_of, "view": "maturity", "orgs": orgs }));
    }
    println!("Maturity {}", header(as_of));
    for o in orgs {
        let s = &o.summary;
        println!(
            "\n{} ({:?}) — {} v{}: {}",
            o.name,
            o.kind,
            s.rubric,
            s.version,
            tally_text(&s.tally)
        );
        for c in &o.current {
            println!(
                "  {:<4} {:<16} {}  by {:<14} ({} rating{})  {}",
                c.indicator,
                c.rating.level,
                c.rating.stamp.occurred_on,
                c.rating.stamp.actor,
                c.ratings,
                if c.ratings == 1 { "" } else { "s" },
                clip(&c.rating.evidence, 60)
            );
        }
        if let Some(r) = &o.rollup {
            println!("  schools ({}): {}", r.schools.len(), tally_text(&r.tally));
        }
    }
}

fn print_cycles(format: Format, as_of: AsOf, cycles: &[CycleReport]) {
    if format == Format::Json {
        return print_json(json!({ "as_of": as_of, "view": "timeline", "cycles": cycles }));
    }
    println!("Timeline {}", header(as_of));
    for c in cycles {
        let h = &c.header;
        println!(
            "\n{} [{}] {} — {} to {}, lead {}, phase {:?}, {:?}",
            h.opening.title,
            h.id,
            h.opening.org,
            h.opening.starts_on,
            h.opening.ends_on,
            h.opening.lead,
            h.phase,
            h.status
        );
        for e in &c.entries {
            println!(
                "  {}  {:<22} {}   (#{} recorded {} by {})",
                e.occurred_on,
                e.kind,
                clip(&e.summary, 90),
                e.position,
                e.recorded_at.format("%Y-%m-%d"),
                e.actor
            );
        }
    }
}

fn print_accountability(format: Format, as_of: AsOf, today: NaiveDate, people: &[PersonView]) {
    if format == Format::Json {
        return print_json(
            json!({ "as_of": as_of, "view": "accountability", "today": today, "people": people }),
        );
    }
    println!("Accountability on {today}, {}", header(as_of));
    for p in people {
        println!(
            "\n{} ({}): {} open, {} overdue, {} due within 14 days",
            p.name.as_deref().unwrap_or("?"),
            p.person,
            p.open.len(),
            p.overdue.len(),
            p.due_soon.len()
        );
        for r in &p.roles {
            if let Some(d) = &r.definition {
                println!(
                    "  role {} in {}: success = {}",
                    d.title,
                    r.org,
                    clip(&d.success, 70)
                );
            }
        }
        for i in &p.overdue {
            println!(
                "  OVERDUE  due {}  {}  ({})",
                i.due_on,
                clip(&i.title, 70),
                i.cycle_title
            );
        }
        for i in &p.due_soon {
            println!(
                "  due soon {}  {}  ({})",
                i.due_on,
                clip(&i.title, 70),
                i.cycle_title
            );
        }
    }
}

/// "Getting Started 3, Getting Better 5, Keep Improving 1; unrated 19".
fn tally_text(t: &Tally) -> String {
    let levels: Vec<String> = t
        .levels
        .iter()
        .map(|l| format!("{} {}", l.label, l.count))
        .collect();
    format!("{}; unrated {}", levels.join(", "), t.unrated)
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let cut: String = s.chars().take(n.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}
