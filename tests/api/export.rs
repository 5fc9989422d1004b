//! The export an independent script verifies, its tampered copies, CSV, and exact restore.

use std::path::Path;
use std::process::Command;

use reqwest::StatusCode;
use serde_json::Value;
use trellis_rubric::Catalog;

use crate::helpers::{spawn_app, spawn_demo};

/// Whether python3 can run here. A machine with only the Rust toolchain may lack it: the
/// script's checks are then skipped, with a line saying so; CI (which sets `CI`) has it and
/// must run them.
fn have_python() -> bool {
    let found = Command::new("python3").arg("--version").output().is_ok();
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have python3 to run tools/verify_export.py"
        );
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "tools/verify_export.py checks skipped: no python3 here"
        );
    }
    found
}

/// Runs tools/verify_export.py on `file`: (success, what it printed).
fn python_verify(file: &Path) -> (bool, String) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tools/verify_export.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(file)
        .output()
        .expect("python3 runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn write_lines(path: &Path, lines: &[String]) {
    std::fs::write(path, lines.join("\n") + "\n").expect("writes");
}

#[tokio::test]
async fn the_demos_export_verifies_with_the_script_and_each_tampered_copy_fails_at_the_right_position(
) {
    let app = spawn_demo().await;
    let resp = app
        .client
        .get(format!("{}/export?format=jsonl", app.base))
        .bearer_auth(&app.admin)
        .send()
        .await
        .expect("answered");
    assert_eq!(resp.status(), StatusCode::OK);
    let text = resp.text().await.expect("a body");
    let dir = tempfile::tempdir().expect("temp dir");
    let good = dir.path().join("good.jsonl");
    std::fs::write(&good, &text).expect("writes");
    let python = have_python();
    let head = app.server.log.head();
    if python {
        let (ok, said) = python_verify(&good);
        assert!(ok, "{said}");
        assert!(said.contains(&head.hash.to_hex()), "{said}");
    }
    assert_eq!(
        trellis::export::verify(&good).ok().map(|(_, h)| h),
        Some(head.hash)
    );
    assert_eq!(
        app.get("/audit/verify").await.body["head_hash"],
        head.hash.to_hex()
    );

    let lines: Vec<String> = text.lines().map(String::from).collect();
    let n = lines.len();
    let changed = {
        let mut l = lines.clone();
        let mut line: Value = serde_json::from_str(&l[99]).expect("json");
        let body = line["body"].as_str().unwrap_or_default();
        let altered = body.replacen("\"occurred_on\":\"2", "\"occurred_on\":\"3", 1);
        assert_ne!(altered, body);
        line["body"] = Value::String(altered);
        l[99] = line.to_string();
        l
    };
    let mut dropped = lines.clone();
    dropped.remove(499);
    let mut swapped = lines.clone();
    swapped.swap(199, 200);
    let mut forged = lines.clone();
    let last: Value = serde_json::from_str(&lines[n - 1]).expect("json");
    forged.push(
        serde_json::json!({
            "position": n + 1,
            "prev_hash": last["hash"],
            "hash": "ab".repeat(32),
            "body": "{\"position\":0}",
        })
        .to_string(),
    );
    let tampered = [
        (
            "one character changed",
            changed,
            "position 100 ".to_string(),
        ),
        ("one line dropped", dropped, "position 501 ".to_string()),
        ("two lines swapped", swapped, "position 201 ".to_string()),
        (
            "a line appended with a forged hash",
            forged,
            format!("position {} ", n + 1),
        ),
    ];
    for (what, copy, at) in tampered {
        let file = dir.path().join("bad.jsonl");
        write_lines(&file, &copy);
        if python {
            let (ok, said) = python_verify(&file);
            assert!(!ok, "{what} passed: {said}");
            assert!(said.contains(&at), "{what}: {said} does not name {at}");
        }
        // The importer refuses it too, and writes nothing.
        let target = tempfile::tempdir().expect("temp dir");
        let log = trellis_events::Log::open(target.path()).expect("log");
        let refused = trellis::export::import(&log, &file, |_, _| {});
        assert!(refused.is_err(), "{what} imported");
        assert_eq!(log.head_position(), 0, "{what} wrote something");
    }
    app.stop().await;
}

#[tokio::test]
async fn export_then_import_reproduces_the_head_hash_and_every_view_at_three_positions() {
    let source = tempfile::tempdir().expect("temp dir");
    trellis::demo::generate(source.path(), &Catalog::shipped(), &Default::default()).expect("demo");
    let file = source.path().join("export.jsonl");
    let status = Command::new(env!("CARGO_BIN_EXE_trellis"))
        .args(["export", "--out"])
        .arg(&file)
        .arg("--data")
        .arg(source.path())
        .status()
        .expect("runs");
    assert!(status.success());
    let restored = tempfile::tempdir().expect("temp dir");
    let out = Command::new(env!("CARGO_BIN_EXE_trellis"))
        .arg("import")
        .arg(&file)
        .arg("--data")
        .arg(restored.path())
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let verify = |dir: &Path| {
        let out = Command::new(env!("CARGO_BIN_EXE_trellis"))
            .arg("verify")
            .arg("--data")
            .arg(dir)
            .output()
            .expect("runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(verify(source.path()), verify(restored.path()));
    assert!(verify(restored.path()).starts_with("OK"));

    // A second import into the same store is refused: it is no longer empty.
    let again = Command::new(env!("CARGO_BIN_EXE_trellis"))
        .arg("import")
        .arg(&file)
        .arg("--data")
        .arg(restored.path())
        .output()
        .expect("runs");
    assert_eq!(again.status.code(), Some(1));

    let a = trellis_events::Log::open(source.path()).expect("log");
    let b = trellis_events::Log::open(restored.path()).expect("log");
    let head = a.head_position();
    let catalog = Catalog::shipped();
    for at in [head / 3, head / 2 + 17, head] {
        let va = trellis::replay::views_at(&a, at, false).expect("views");
        let vb = trellis::replay::views_at(&b, at, false).expect("views");
        assert_eq!(va, vb, "views at {at}");
        let ma =
            serde_json::to_value(trellis::replay::maturity(&va, &catalog, None)).expect("json");
        let mb =
            serde_json::to_value(trellis::replay::maturity(&vb, &catalog, None)).expect("json");
        assert_eq!(ma, mb);
        let day = chrono::NaiveDate::from_ymd_opt(2025, 6, 1).expect("day");
        let aa = serde_json::to_value(trellis::replay::accountability(&va, None, None, day))
            .expect("json");
        let ab = serde_json::to_value(trellis::replay::accountability(&vb, None, None, day))
            .expect("json");
        assert_eq!(aa, ab);
        let ca = serde_json::to_value(trellis::replay::cycles(&a, &va, None).expect("cycles"))
            .expect("json");
        let cb = serde_json::to_value(trellis::replay::cycles(&b, &vb, None).expect("cycles"))
            .expect("json");
        assert_eq!(ca, cb, "timelines at {at}");
    }
    drop((a, b));

    // The CSV form: a header and one row per event.
    let csv = Command::new(env!("CARGO_BIN_EXE_trellis"))
        .args(["export", "--format", "csv", "--data"])
        .arg(source.path())
        .output()
        .expect("runs");
    let mut rows = csv::Reader::from_reader(csv.stdout.as_slice());
    let header: Vec<String> = rows
        .headers()
        .expect("a header")
        .iter()
        .map(String::from)
        .collect();
    assert_eq!(header, trellis::export::CSV_HEADER);
    assert_eq!(rows.records().count() as u64, head);
}

#[tokio::test]
async fn an_import_over_http_restores_into_an_empty_server_and_is_refused_by_a_populated_one() {
    let source = tempfile::tempdir().expect("temp dir");
    trellis::demo::generate(source.path(), &Catalog::shipped(), &Default::default()).expect("demo");
    let mut export = Vec::new();
    {
        let log = trellis_events::Log::open(source.path()).expect("log");
        trellis::export::write(&log, trellis::export::Format::Jsonl, &mut export).expect("export");
    }
    let head = trellis_events::Log::open(source.path())
        .expect("log")
        .head();
    let app = spawn_app().await;
    assert_eq!(
        app.head(),
        0,
        "a new server's store is empty until something is written"
    );
    let post = |body: Vec<u8>| {
        app.client
            .post(format!("{}/import", app.base))
            .bearer_auth(&app.admin)
            .header("content-type", "text/plain")
            .body(body)
    };
    // A tampered file writes nothing.
    let mut bad = export.clone();
    let at = bad.len() / 2;
    bad[at] = if bad[at] == b'a' { b'b' } else { b'a' };
    let refused = app.raw(post(bad)).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        refused.body
    );
    assert_eq!(app.head(), 0);

    let done = app.raw(post(export.clone())).await;
    assert_eq!(done.status, StatusCode::CREATED, "{:?}", done.body);
    assert_eq!(done.body["head_hash"], head.hash.to_hex());
    let restored = app
        .server
        .log
        .get(head.position)
        .expect("reads")
        .expect("there");
    assert_eq!(restored.hash, head.hash);
    // The server's own admin grant is recorded after the restored events.
    assert_eq!(app.head(), head.position + 1);
    let again = app.raw(post(export)).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let maturity = app.get("/orgs/maple-valley/maturity").await;
    assert_eq!(maturity.status, StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn maturity_and_accountability_come_as_csv_with_the_same_rows_as_their_json() {
    let app = spawn_demo().await;
    let csv_of = |path: String| {
        let req = app
            .client
            .get(format!("{}{path}", app.base))
            .bearer_auth(&app.admin);
        async move {
            let resp = req.send().await.expect("answered");
            assert_eq!(resp.status(), StatusCode::OK);
            let ctype = resp.headers()["content-type"]
                .to_str()
                .unwrap_or_default()
                .to_string();
            assert!(ctype.starts_with("text/csv"), "{ctype}");
            let text = resp.text().await.expect("a body");
            let mut reader = csv::Reader::from_reader(text.as_bytes());
            let header: Vec<String> = reader
                .headers()
                .expect("a header")
                .iter()
                .map(String::from)
                .collect();
            let rows: Vec<Vec<String>> = reader
                .records()
                .map(|r| r.expect("a row").iter().map(String::from).collect())
                .collect();
            (header, rows)
        }
    };
    let (header, rows) = csv_of("/orgs/maple-valley/maturity?format=csv".into()).await;
    assert_eq!(
        header[..5],
        ["org", "org_name", "rubric", "rubric_version", "indicator"]
    );
    let json = app.get("/orgs/maple-valley/maturity").await.body;
    let rated: usize = json["orgs"]
        .as_array()
        .map(|o| {
            o.iter()
                .map(|o| o["current"].as_array().map_or(0, Vec::len))
                .sum()
        })
        .unwrap_or(0);
    assert!(rated > 0);
    assert_eq!(rows.len(), rated);
    // No cell starts a formula.
    assert!(rows
        .iter()
        .flatten()
        .all(|c| !c.starts_with(['=', '+', '-', '@'])));

    let (header, rows) =
        csv_of("/accountability?format=csv&as_of=2025-03-01&today=2025-03-01".into()).await;
    assert_eq!(header[..3], ["person", "name", "standing"]);
    let json = app
        .get("/accountability?as_of=2025-03-01&today=2025-03-01")
        .await
        .body;
    let open: usize = json["people"]
        .as_array()
        .map(|p| {
            p.iter()
                .map(|p| p["open"].as_array().map_or(0, Vec::len))
                .sum()
        })
        .unwrap_or(0);
    assert!(open > 0);
    assert_eq!(rows.len(), open);
    app.stop().await;
}
