//! Rebuild benchmark: decode and fold a large generated log, as a restart without checkpoint
//! would (into views without timeline entries, as the app keeps them).
//!
//! `cargo run --release -p trellis-projections --features testkit --example rebuild [N]`
//!
//! The log (N events, default 1,000,000, in the stored form: hash-chained JSON bodies) is
//! written to a temporary file first, so the measured phase holds only what the fold holds:
//! it reads each stored value, decodes it (`decode_stored`, with upcasting) and applies it.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::time::Instant;

use trellis_events::envelope::{decode_stored, encode_body, encode_stored};
use trellis_events::Hash;
use trellis_projections::testkit::{Generator, REALISTIC_MIX};
use trellis_projections::Projections;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: u64 = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let path = std::env::temp_dir().join(format!("trellis-rebuild-{}.log", std::process::id()));

    let started = Instant::now();
    let mut bytes = 0u64;
    {
        let mut out = BufWriter::new(File::create(&path)?);
        let mut prev = Hash::ZERO;
        for mut env in Generator::stream(REALISTIC_MIX, 42, n) {
            env.prev_hash = prev;
            let body = encode_body(&env);
            let hash = Hash::link(&prev, &body);
            let stored = encode_stored(&hash, &body);
            out.write_all(&(stored.len() as u32).to_le_bytes())?;
            out.write_all(&stored)?;
            bytes += stored.len() as u64;
            prev = hash;
        }
        out.flush()?;
    }
    println!(
        "generated {n} events ({:.0} MB stored, {:.0} B/event) in {:.2?}",
        bytes as f64 / 1e6,
        bytes as f64 / n as f64,
        started.elapsed()
    );
    let rss_before = rss_kb("VmRSS");

    let mut decode_only = std::time::Duration::ZERO;
    let mut projections = Projections::without_entries();
    let started = Instant::now();
    let mut input = BufReader::with_capacity(1 << 20, File::open(&path)?);
    let mut buf = Vec::new();
    let mut len = [0u8; 4];
    while input.read_exact(&mut len).is_ok() {
        buf.resize(u32::from_le_bytes(len) as usize, 0);
        input.read_exact(&mut buf)?;
        let t = Instant::now();
        let env = decode_stored(&buf)?;
        decode_only += t.elapsed();
        projections.apply(&env);
    }
    let total = started.elapsed();
    std::fs::remove_file(&path)?;

    let secs = total.as_secs_f64();
    println!(
        "decoded and folded {} events in {total:.2?}: {:.2} M events/s (decode {:.2?}, fold {:.2?})",
        projections.position(),
        projections.position() as f64 / secs / 1e6,
        decode_only,
        total.saturating_sub(decode_only),
    );
    let cycles = projections.timelines.cycles().count();
    let items: usize = projections
        .timelines
        .cycles()
        .map(|c| c.goals.len() + c.milestones.len())
        .sum();
    println!(
        "views: {cycles} cycles, {items} goals and milestones, {} rated cells, {} people",
        projections.maturity.cells().count(),
        projections.documents.people().count()
    );
    println!(
        "RSS: {} MB after folding (was {} MB before), peak {} MB",
        rss_kb("VmRSS") / 1024,
        rss_before / 1024,
        rss_kb("VmHWM") / 1024
    );
    Ok(())
}

/// A memory figure of this process from /proc, in kB (0 where /proc is unavailable).
fn rss_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}
