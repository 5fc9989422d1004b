//! `trellis bench replay` on a small generated log: every row of its table, with figures.

use crate::helpers::{stdout, trellis};

/// The figure printed on the row that starts with `label`.
fn figure(table: &str, label: &str) -> f64 {
    let line = table
        .lines()
        .find(|l| l.trim_start().starts_with(label))
        .unwrap_or_else(|| panic!("no row {label:?} in\n{table}"));
    line[label.len() + (line.len() - line.trim_start().len())..]
        .split_whitespace()
        .next()
        .and_then(|f| f.parse().ok())
        .unwrap_or_else(|| panic!("no figure on {line:?}"))
}

/// Runs `bench replay` on a 3000-event log kept in `dir/bench`, timing `queries` queries.
fn bench_replay(dir: &std::path::Path, queries: &str) -> std::process::Output {
    let bench = dir.join("bench");
    let bench = bench.to_str().expect("utf-8 path");
    let args = ["bench", "replay", "--events", "3000", "--queries", queries];
    trellis(dir, &[&args[..], &["--dir", bench]].concat())
}

#[test]
fn bench_replay_prints_every_measure_beside_its_baseline() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = bench_replay(tmp.path(), "20");
    let table = stdout(&out);
    assert!(
        out.status.success(),
        "{table}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for label in [
        "baseline: scan + decode, no projection",
        "rebuild of all projections (fresh process)",
        "its reading thread, time on a core",
        "its folding thread, time on a core",
        "the same on one thread (read, decode, fold)",
        "speed-up of its two threads over one",
        "its fold alone (events decoded beforehand)",
        "pace of two busy cores (1.00: no slowdown)",
        "rebuild with the write model (no checkpoint)",
        "start-up with checkpoint (fresh process)",
        "first start-up (fold, then write checkpoint)",
        "as-of timeline p50 (20 queries)",
        "as-of timeline p99",
        "peak RSS of the rebuild (baseline: raw scan)",
        "peak RSS of the rebuild with the write model",
        "peak RSS of start-up",
        "peak RSS of a first start-up",
    ] {
        assert!(figure(&table, label) > 0.0, "{label} in\n{table}");
    }
    assert!(
        table.contains("replay benchmark on a 3000-event log"),
        "{table}"
    );
    // Two processes at once can at best each keep the pace of one alone (a little over
    // it only by chance of timing).
    let pace = figure(&table, "pace of two busy cores (1.00: no slowdown)");
    assert!(pace <= 1.5, "{table}");

    // A second run reuses the generated log instead of generating it again.
    let again = bench_replay(tmp.path(), "5");
    assert!(again.status.success());
    assert!(!String::from_utf8_lossy(&again.stderr).contains("generating"));
}

#[test]
fn bench_http_prints_every_row_of_its_table() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let bench = tmp.path().join("bench");
    let args = ["bench", "http", "--seconds", "1", "--dir"];
    let out = trellis(
        tmp.path(),
        &[&args[..], &[bench.to_str().expect("utf-8 path")]].concat(),
    );
    let table = stdout(&out);
    assert!(
        out.status.success(),
        "{table}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for label in [
        "1-client write p50",
        "1-client write p99",
        "64-client writes/s",
        "64-client write p99",
        "64-client /healthz reads/s",
        "64-client maturity reads/s",
        "64-client maturity read p99",
        "64-client timeline reads/s",
        "64-client timeline read p99",
    ] {
        assert!(figure(&table, label) > 0.0, "{label} in\n{table}");
    }
    assert!(table.contains("shares the"), "{table}");
    // PostgreSQL is measured when it is installed; otherwise its rows say it was skipped.
    assert!(
        table.contains("peer: PostgreSQL skipped") || table.contains("synchronous_commit=on"),
        "{table}"
    );
    // The scratch store is gone.
    assert!(!bench.join("http").exists());
}
