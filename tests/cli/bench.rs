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

#[test]
fn bench_replay_prints_every_measure_beside_its_baseline() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let bench = tmp.path().join("bench");
    let out = trellis(
        tmp.path(),
        &[
            "bench",
            "replay",
            "--events",
            "3000",
            "--queries",
            "20",
            "--dir",
            bench.to_str().expect("utf-8 path"),
        ],
    );
    let table = stdout(&out);
    assert!(
        out.status.success(),
        "{table}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for label in [
        "baseline: scan + decode, no projection",
        "rebuild of all projections (fresh process)",
        "its fold alone (events decoded beforehand)",
        "start-up with checkpoint (fresh process)",
        "writing the checkpoint",
        "as-of timeline p50 (20 queries)",
        "as-of timeline p99",
        "peak RSS of the rebuild (baseline: raw scan)",
        "peak RSS of start-up",
    ] {
        assert!(figure(&table, label) > 0.0, "{label} in\n{table}");
    }
    assert!(
        table.contains("replay benchmark on a 3000-event log"),
        "{table}"
    );

    // A second run reuses the generated log instead of generating it again.
    let again = trellis(
        tmp.path(),
        &[
            "bench",
            "replay",
            "--events",
            "3000",
            "--queries",
            "5",
            "--dir",
        ]
        .into_iter()
        .chain([bench.to_str().expect("utf-8 path")])
        .collect::<Vec<_>>(),
    );
    assert!(again.status.success());
    assert!(!String::from_utf8_lossy(&again.stderr).contains("generating"));
}
