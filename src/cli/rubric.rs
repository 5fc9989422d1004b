//! `trellis rubric list|show`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;
use trellis_rubric::Catalog;

use super::Format;

#[derive(Debug, Subcommand)]
pub enum RubricAction {
    /// One line per rubric: id, version, title, counts, where it came from.
    List,
    /// One rubric in full: areas → practices → indicators → descriptors.
    Show {
        id: String,
        /// A version other than the latest.
        #[arg(long)]
        version: Option<u32>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
}

/// The shipped rubrics plus the district's own files in `DATA/rubrics/`, validated.
pub fn catalog(data: &Path) -> anyhow::Result<Catalog> {
    let mut catalog = Catalog::shipped();
    let own = data.join("rubrics");
    if own.is_dir() {
        catalog
            .load_dir(&own)
            .with_context(|| format!("loading rubrics from {}", own.display()))?;
    }
    Ok(catalog)
}

pub fn run(data: &Path, action: RubricAction) -> anyhow::Result<ExitCode> {
    let catalog = catalog(data)?;
    match action {
        RubricAction::List => {
            for r in catalog.list() {
                println!(
                    "{:<24} v{:<3} {:<48} {} areas, {} practices, {} indicators  ({})",
                    r.id,
                    r.version,
                    r.title,
                    r.area_count(),
                    r.practice_count(),
                    r.indicator_count(),
                    catalog.origin(&r.id, r.version).unwrap_or("?"),
                );
            }
        }
        RubricAction::Show {
            id,
            version,
            format,
        } => {
            let found = match version {
                Some(v) => catalog.get(&id, v),
                None => catalog.latest(&id),
            };
            let Some(rubric) = found else {
                let known: Vec<String> = catalog
                    .list()
                    .iter()
                    .map(|r| format!("{} v{}", r.id, r.version))
                    .collect();
                eprintln!(
                    "error: no rubric {id:?}{}; known: {}",
                    version.map(|v| format!(" version {v}")).unwrap_or_default(),
                    known.join(", ")
                );
                return Ok(ExitCode::from(1));
            };
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(rubric)?),
                Format::Text => print!("{}", trellis_rubric::render_text(rubric)),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
