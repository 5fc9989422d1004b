//! The log taken away: a JSON Lines export that anyone can verify with a short script, a
//! CSV of it for spreadsheets, and the exact restore of an export into an empty store.
//!
//! Each JSONL line carries `position`, `prev_hash`, `hash` and `body`: the exact bytes the
//! hash covers, as a string, so that `sha256(prev_hash bytes ‖ body) == hash` on every line
//! and each `prev_hash` is the line before's `hash` (the first line's is [`GENESIS`]). The
//! decoded envelope sits beside it for convenience; a verifier ignores it. Exports are
//! written a line at a time as the log is read, never built in memory.

use std::io::{BufRead, Write};
use std::path::Path;

use serde::Deserialize;
use serde_json::{json, Value};
use trellis_events::envelope::decode_stored;
use trellis_events::envelope::{encode_stored, split_stored};
use trellis_events::{Envelope, Hash, Log, LogError};
use trellis_projections::AuditEntry;

/// The `prev_hash` of the first event: 32 zero bytes.
pub const GENESIS: Hash = Hash::ZERO;

/// How many events a restore writes per batch.
const RESTORE_BATCH: usize = 2048;

/// One line of the JSONL export.
pub fn jsonl_line(position: u64, hash: &Hash, body: &[u8], env: &Envelope) -> Value {
    let payload = serde_json::to_value(&env.event)
        .ok()
        .and_then(|mut v| v.get_mut("data").map(Value::take))
        .unwrap_or(Value::Null);
    json!({
        "position": position,
        "prev_hash": env.prev_hash,
        "hash": hash,
        "body": String::from_utf8_lossy(body),
        "stream": env.stream,
        "actor": env.actor,
        "recorded_at": env.recorded_at,
        "occurred_on": env.occurred_on,
        "kind": env.event.kind(),
        "payload": payload,
    })
}

/// The CSV header: one row per event.
pub const CSV_HEADER: [&str; 8] = [
    "position",
    "recorded_at",
    "occurred_on",
    "actor",
    "stream",
    "kind",
    "summary",
    "payload",
];

/// A cell a spreadsheet would take for a formula is quoted with a leading `'`.
pub fn cell(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_string(),
    }
}

/// One CSV row of an event.
pub fn csv_row(env: &Envelope) -> [String; 8] {
    let payload = serde_json::to_value(&env.event)
        .ok()
        .and_then(|mut v| v.get_mut("data").map(Value::take))
        .unwrap_or(Value::Null);
    let entry = AuditEntry::from(env);
    [
        env.position.to_string(),
        env.recorded_at.to_rfc3339(),
        env.occurred_on.to_string(),
        cell(&env.actor),
        cell(&env.stream),
        env.event.kind().to_string(),
        cell(&entry.summary),
        cell(&payload.to_string()),
    ]
}

/// The export formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Jsonl,
    Csv,
}

/// Writes every durable event, in log order, to `out`; answers how many.
pub fn write(log: &Log, format: Format, out: impl Write) -> anyhow::Result<u64> {
    let mut n = 0;
    match format {
        Format::Jsonl => {
            let mut out = std::io::BufWriter::new(out);
            for record in log.iter_raw(1) {
                let (position, stored) = record?;
                let (hash, body) = split_stored(&stored)?;
                let env = decode_stored(&stored)
                    .map_err(|source| LogError::Decode { position, source })?;
                serde_json::to_writer(&mut out, &jsonl_line(position, &hash, body, &env))?;
                out.write_all(b"\n")?;
                n += 1;
            }
            out.flush()?;
        }
        Format::Csv => {
            let mut out = csv::Writer::from_writer(out);
            out.write_record(CSV_HEADER)?;
            for env in log.iter(1) {
                out.write_record(csv_row(&env?))?;
                n += 1;
            }
            out.flush()?;
        }
    }
    Ok(n)
}

/// Why an export cannot be imported; `line` is 1-based.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("line {line}: {reason}")]
    Bad { line: u64, reason: String },
    #[error("the store in {0} already holds events; import only into an empty one")]
    NotEmpty(String),
    #[error("the file holds no events")]
    Empty,
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Log(#[from] LogError),
}

/// What a line of an export must hold for verification and restore.
#[derive(Deserialize)]
struct Line {
    position: u64,
    prev_hash: String,
    hash: String,
    body: String,
}

/// The stored bytes a verified line stands for.
fn check_line(text: &str, line: u64, head: &mut (u64, Hash)) -> Result<Vec<u8>, ImportError> {
    let bad = |reason: String| ImportError::Bad { line, reason };
    let l: Line =
        serde_json::from_str(text).map_err(|e| bad(format!("not an export line: {e}")))?;
    if l.position != head.0 + 1 {
        return Err(bad(format!(
            "position {} where {} was due",
            l.position,
            head.0 + 1
        )));
    }
    let prev =
        Hash::from_hex(&l.prev_hash).ok_or_else(|| bad("prev_hash is not 64 hex digits".into()))?;
    let hash = Hash::from_hex(&l.hash).ok_or_else(|| bad("hash is not 64 hex digits".into()))?;
    if prev != head.1 {
        return Err(bad("prev_hash is not the hash of the line before".into()));
    }
    if Hash::link(&prev, l.body.as_bytes()) != hash {
        return Err(bad(
            "hash is not SHA-256 of prev_hash and body: the body was altered".into(),
        ));
    }
    let stored = encode_stored(&hash, l.body.as_bytes());
    let env = decode_stored(&stored).map_err(|e| bad(format!("the body is not an event: {e}")))?;
    if env.position != l.position || env.prev_hash != prev {
        return Err(bad(
            "the body's position or prev_hash differs from the line's".into(),
        ));
    }
    *head = (l.position, hash);
    Ok(stored)
}

/// Walks an export, checking every line; answers the events and the head hash, or the
/// first bad line.
pub fn verify(file: &Path) -> Result<(u64, Hash), ImportError> {
    let mut head = (0, GENESIS);
    for_each_line(file, |text, line| {
        check_line(text, line, &mut head).map(drop)
    })?;
    if head.0 == 0 {
        return Err(ImportError::Empty);
    }
    Ok((head.0, head.1))
}

fn for_each_line(
    file: &Path,
    mut each: impl FnMut(&str, u64) -> Result<(), ImportError>,
) -> Result<(), ImportError> {
    let reader = std::io::BufReader::new(std::fs::File::open(file)?);
    for (i, text) in reader.lines().enumerate() {
        let text = text?;
        let line = i as u64 + 1;
        if text.trim().is_empty() {
            return Err(ImportError::Bad {
                line,
                reason: "an empty line".into(),
            });
        }
        each(&text, line)?;
    }
    Ok(())
}

/// Restores an export into the empty store of `log`: the whole file is verified first, and
/// only then written, with every event's original position, recorded time and hash.
/// `progress` hears how many of how many events are written after each batch.
pub fn import(
    log: &Log,
    file: &Path,
    mut progress: impl FnMut(u64, u64),
) -> Result<(u64, Hash), ImportError> {
    if log.head_position() != 0 {
        return Err(ImportError::NotEmpty(log.dir().display().to_string()));
    }
    let verified = verify(file)?;
    let mut head = (0, GENESIS);
    let mut batch = Vec::with_capacity(RESTORE_BATCH);
    for_each_line(file, |text, line| {
        batch.push(check_line(text, line, &mut head)?);
        if batch.len() == RESTORE_BATCH {
            log.restore(&batch)?;
            batch.clear();
            progress(head.0, verified.0);
        }
        Ok(())
    })?;
    log.restore(&batch)?;
    progress(head.0, verified.0);
    Ok(verified)
}

/// Renders rows as CSV with a header, every cell guarded against formula injection.
fn csv_table<const N: usize>(
    header: [&str; N],
    rows: impl IntoIterator<Item = [String; N]>,
) -> Vec<u8> {
    let mut out = csv::Writer::from_writer(Vec::new());
    // Writing into memory cannot fail but for a row of another width, which N rules out.
    let _ = out.write_record(header);
    for row in rows {
        let _ = out.write_record(row.iter().map(|c| cell(c)));
    }
    out.into_inner().unwrap_or_default()
}

/// The maturity view as CSV: one row per org unit, rubric and rated indicator.
pub fn maturity_csv(orgs: &[crate::replay::OrgMaturity]) -> Vec<u8> {
    let header = [
        "org",
        "org_name",
        "rubric",
        "rubric_version",
        "indicator",
        "level",
        "rated_on",
        "rated_by",
        "evidence",
        "cycle",
    ];
    let rows = orgs.iter().flat_map(|o| {
        o.current.iter().map(move |c| {
            [
                o.org.clone(),
                o.name.clone(),
                o.summary.rubric.to_string(),
                c.rating.rubric_version.to_string(),
                c.indicator.clone(),
                c.rating.level.to_string(),
                c.rating.stamp.occurred_on.to_string(),
                c.rating.stamp.actor.to_string(),
                c.rating.evidence.clone(),
                c.rating
                    .cycle
                    .as_ref()
                    .map(|c| c.to_string())
                    .unwrap_or_default(),
            ]
        })
    });
    csv_table(header, rows)
}

/// The accountability view as CSV: one row per person and open item they answer for.
pub fn accountability_csv(people: &[trellis_projections::PersonView]) -> Vec<u8> {
    let header = [
        "person",
        "name",
        "standing",
        "org",
        "cycle",
        "cycle_title",
        "item",
        "item_id",
        "title",
        "due_on",
        "status",
    ];
    let rows = people.iter().flat_map(|p| {
        p.open.iter().map(move |i| {
            let standing = if p
                .overdue
                .iter()
                .any(|o| o.item == i.item && o.cycle == i.cycle)
            {
                "overdue"
            } else if p
                .due_soon
                .iter()
                .any(|o| o.item == i.item && o.cycle == i.cycle)
            {
                "due_soon"
            } else {
                "later"
            };
            let (kind, id) = match &i.item {
                trellis_projections::cycle::Item::Goal(id) => ("goal", id.to_string()),
                trellis_projections::cycle::Item::Milestone(id) => ("milestone", id.to_string()),
            };
            [
                p.person.clone(),
                p.name.clone().unwrap_or_default(),
                standing.to_string(),
                i.org.to_string(),
                i.cycle.to_string(),
                i.cycle_title.clone(),
                kind.to_string(),
                id,
                i.title.clone(),
                i.due_on.to_string(),
                serde_json::to_value(i.status)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default(),
            ]
        })
    });
    csv_table(header, rows)
}
