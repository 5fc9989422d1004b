//! `trellis replay`: any view as of a recorded instant or a log position.

use std::path::Path;
use std::process::ExitCode;

use crate::replay::{
    self, AccountabilityReport, AsOf, CycleReport, OrgDocuments, OrgMaturity, Point,
};
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, ValueEnum};
use serde_json::json;
use trellis_projections::accountability::DUE_SOON_DAYS;
use trellis_projections::cycle::Item;
use trellis_projections::maturity::{Rating, Tally};
use trellis_projections::Projections;

use super::log::open_existing;
use super::rubric::catalog;
use super::{counted, Format};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum View {
    /// Levels per org unit and indicator, each indicator's trajectory, a district's roll-up
    Maturity,
    /// Each cycle's facts in the order they happened
    Timeline,
    /// What each person answers for; per org unit, unowned items and reassignments
    Accountability,
    /// Visions, operational agreements, strategic plans and roles, every version kept.
    Documents,
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// Replay up to this recorded instant (RFC 3339, e.g. 2025-03-01T00:00:00Z), or to the
    /// end of this day (2025-03-01, UTC).
    #[arg(long, conflicts_with = "at_position", value_parser = super::instant_until)]
    pub as_of: Option<DateTime<Utc>>,
    /// Replay up to this log position.
    #[arg(long)]
    pub at_position: Option<u64>,
    #[arg(long, value_enum, default_value = "maturity")]
    pub view: View,
    /// Only this org unit (an unknown one is an error).
    #[arg(long)]
    pub org: Option<String>,
    /// Only this cycle (timeline view; an unknown one is an error).
    #[arg(long, conflicts_with = "org")]
    pub cycle: Option<String>,
    /// Only this person, with every open item they answer for and the reassignments they
    /// were part of (accountability view; an unknown one is an error).
    #[arg(long)]
    pub person: Option<String>,
    /// The day "overdue" and "due soon" are judged on (accountability view); defaults to
    /// the day of the replayed instant.
    #[arg(long, value_parser = super::day)]
    pub today: Option<NaiveDate>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

pub fn run(data: &Path, args: ReplayArgs) -> anyhow::Result<ExitCode> {
    if let Some(wrong) = misplaced_option(&args) {
        eprintln!("error: {wrong}");
        return Ok(ExitCode::from(2));
    }
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
    if let Some(missing) = unknown_id(&views, &args) {
        eprintln!("error: {missing} as of position {}", as_of.position);
        return Ok(ExitCode::from(1));
    }
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
            let report =
                replay::accountability(&views, args.person.as_deref(), args.org.as_deref(), today);
            let one = args.person.is_some();
            print_accountability(args.format, as_of, today, one, &report);
        }
        View::Documents => {
            let orgs = replay::documents(&views, args.org.as_deref());
            print_documents(args.format, as_of, &orgs);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// An option given with a view that does not use it: said, rather than silently ignored.
fn misplaced_option(args: &ReplayArgs) -> Option<&'static str> {
    let (timeline, accountability) = (
        args.view == View::Timeline,
        args.view == View::Accountability,
    );
    if args.cycle.is_some() && !timeline {
        return Some("--cycle applies to --view timeline");
    }
    if args.person.is_some() && !accountability {
        return Some("--person applies to --view accountability");
    }
    if args.today.is_some() && !accountability {
        return Some("--today applies to --view accountability");
    }
    None
}

/// The org unit or person asked for, when the views as of the point do not know it: an
/// empty view would read as "nothing there" where the id is simply wrong (or not yet
/// registered at that point).
fn unknown_id(views: &Projections, args: &ReplayArgs) -> Option<String> {
    if let Some(org) = &args.org {
        if views.org_tree().unit(org).is_none() {
            return Some(format!("no org unit {org:?}"));
        }
    }
    if let Some(person) = &args.person {
        if views.documents.person(person).is_none() {
            return Some(format!("no person {person:?}"));
        }
    }
    None
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
        for a in &s.areas {
            println!("  area {}: {}", a.title, tally_text(&a.tally));
        }
        for c in &o.current {
            println!(
                "  {:<4} {:<16} {}  by {:<14} ({})  {}",
                c.indicator,
                c.rating.level,
                c.rating.stamp.occurred_on,
                c.rating.stamp.actor,
                counted(c.trajectory.len(), "rating"),
                clip(&c.rating.evidence, 60)
            );
            if c.trajectory.len() > 1 {
                println!("       {}", trajectory_text(&c.trajectory));
            }
        }
        if let Some(r) = &o.rollup {
            println!("  schools ({}): {}", r.schools.len(), tally_text(&r.tally));
            for i in &r.indicators {
                println!("    {:<4} {}", i.indicator, tally_text(&i.tally));
            }
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

/// `one_person`: the report was cut to one person, so their open items are listed in full
/// and each unit shows only the reassignments they were part of.
fn print_accountability(
    format: Format,
    as_of: AsOf,
    today: NaiveDate,
    one_person: bool,
    r: &AccountabilityReport,
) {
    if format == Format::Json {
        return print_json(json!({
            "as_of": as_of,
            "view": "accountability",
            "today": today,
            "people": r.people,
            "orgs": r.orgs,
        }));
    }
    println!("Accountability on {today}, {}", header(as_of));
    for p in &r.people {
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
        if one_person {
            // The rest of what they answer for: open, and not due for a while.
            let soon = today
                .checked_add_days(chrono::Days::new(DUE_SOON_DAYS))
                .unwrap_or(today);
            for i in p.open.iter().filter(|i| i.due_on > soon) {
                println!(
                    "  open     due {}  {}  ({})",
                    i.due_on,
                    clip(&i.title, 70),
                    i.cycle_title
                );
            }
        }
    }
    for o in &r.orgs {
        if one_person {
            println!(
                "\n{} ({}): {} they were part of",
                o.name,
                o.org,
                counted(o.reassignments.len(), "reassignment")
            );
        } else {
            println!(
                "\n{} ({}): {} with no accountable person, {}",
                o.name,
                o.org,
                counted(o.unowned.len(), "open item"),
                counted(o.reassignments.len(), "reassignment")
            );
        }
        for i in &o.unowned {
            println!(
                "  NO OWNER due {}  {}  ({}; named: {}, never added as a person)",
                i.due_on,
                clip(&i.title, 60),
                i.cycle_title,
                i.accountable
            );
        }
        for m in &o.reassignments {
            println!(
                "  {}  {} {} in {}: {} -> {}  {}  (#{} by {})",
                m.stamp.occurred_on,
                match m.item {
                    Item::Goal(_) => "goal",
                    Item::Milestone(_) => "milestone",
                },
                m.item.id(),
                m.cycle,
                m.change.from,
                m.change.to,
                clip(&m.change.reason, 60),
                m.stamp.position,
                m.stamp.actor
            );
        }
    }
}

fn print_documents(format: Format, as_of: AsOf, orgs: &[OrgDocuments]) {
    if format == Format::Json {
        return print_json(json!({ "as_of": as_of, "view": "documents", "orgs": orgs }));
    }
    println!("Documents {}", header(as_of));
    for o in orgs {
        println!("\n{} ({}, {:?})", o.name, o.org, o.kind);
        if let Some(v) = &o.vision {
            for (i, s) in v.versions.iter().enumerate() {
                let current = i + 1 == v.versions.len();
                let on = s.stamp.occurred_on;
                let what = match &s.value.reason {
                    Some(why) => format!("revised {on} because {}", clip(why, 50)),
                    None => format!("adopted {on}"),
                };
                println!(
                    "  vision v{}{} ({what}, #{}): {}",
                    s.value.version,
                    if current { ", current" } else { "" },
                    s.stamp.position,
                    clip(&s.value.statement, 80)
                );
                if current && !s.value.portrait.is_empty() {
                    println!(
                        "    portrait of a graduate: {}",
                        s.value.portrait.join("; ")
                    );
                }
            }
            for r in &v.reviews {
                println!(
                    "  vision v{} reviewed {} by {} people: {}",
                    r.value.version,
                    r.stamp.occurred_on,
                    r.value.participants.len(),
                    clip(&r.value.notes, 70)
                );
            }
        }
        for a in &o.agreements {
            println!(
                "  agreement v{} ({}, #{}): {}; how we work: {}",
                a.value.version,
                a.stamp.occurred_on,
                a.stamp.position,
                counted(a.value.decision_rights.len(), "decision right"),
                clip(&a.value.how_we_work, 60)
            );
        }
        for p in &o.plans {
            println!(
                "  plan v{} ({}, #{}): {}; focus: {}",
                p.value.version,
                p.stamp.occurred_on,
                p.stamp.position,
                counted(p.value.steps.len(), "step"),
                clip(&p.value.focus, 60)
            );
        }
        if let Some(p) = o.plans.last() {
            for step in &p.value.steps {
                println!(
                    "    - {} (accountable {}, due {})",
                    clip(&step.action, 70),
                    step.accountable.as_deref().unwrap_or("nobody named"),
                    step.due_on.map_or("none".to_string(), |d| d.to_string())
                );
            }
        }
        for r in &o.roles {
            let title = r
                .role
                .current()
                .map_or("(never defined)", |d| d.value.title.as_str());
            println!(
                "  role {} \"{}\": held by {}; {} of its definition",
                r.role.role,
                title,
                if r.holders.is_empty() {
                    "nobody".to_string()
                } else {
                    r.holders.join(", ")
                },
                counted(r.role.definitions.len(), "version")
            );
            if let Some(d) = r.role.current() {
                println!("    success: {}", clip(&d.value.success, 80));
            }
        }
    }
}

/// "getting_started 2024-10-02 → getting_better 2025-05-14".
fn trajectory_text(ratings: &[Rating]) -> String {
    let steps: Vec<String> = ratings
        .iter()
        .map(|r| format!("{} {}", r.level, r.stamp.occurred_on))
        .collect();
    steps.join(" → ")
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
