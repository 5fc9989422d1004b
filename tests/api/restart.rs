//! Stopping and restarting the server, gracefully or by SIGKILL.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_demo, start};

#[tokio::test]
async fn a_restarted_server_shows_every_view_as_before() {
    let app = spawn_demo().await;
    app.created(
        "/orgs/cedar-grove-elementary/ratings",
        json!({"rubric": "leadership-system",
        "indicator": "2", "level": "keep_improving", "evidence": "restart"}),
    )
    .await;
    let paths = [
        "/orgs",
        "/orgs/maple-valley/maturity",
        "/orgs/cedar-grove-elementary/maturity",
        "/orgs/cedar-grove-elementary/documents",
        "/accountability?today=2026-01-15",
        "/cycles?limit=500",
        "/people?limit=500",
        "/events?after=2300&limit=500",
    ];
    let mut before = Vec::new();
    for p in paths {
        let a = app.get(p).await;
        assert_eq!(a.status, StatusCode::OK, "{p}: {:?}", a.body);
        before.push(a.body);
    }
    let cycle = before[5]["cycles"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let timeline = app.get(&format!("/cycles/{cycle}/timeline")).await.body;
    let (dir, admin) = app.stop().await;
    let app = start(dir, Some(admin)).await;
    for (p, want) in paths.iter().zip(&before) {
        assert_eq!(&app.get(p).await.body, want, "{p} differs after a restart");
    }
    assert_eq!(
        app.get(&format!("/cycles/{cycle}/timeline")).await.body,
        timeline
    );
    app.stop().await;
}

/// The binary serving `dir` on a free port: its base URL and admin token.
fn serve(dir: &std::path::Path) -> (Child, String, Option<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_trellis"))
        .args(["serve", "--addr", "127.0.0.1:0", "--data"])
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut token = None;
    while let Some(Ok(line)) = lines.next() {
        if let Some(t) = line.trim().strip_prefix("trl_") {
            token = Some(format!("trl_{t}"));
        }
        if let Some(url) = line
            .split(" on ")
            .nth(1)
            .filter(|_| line.starts_with("serving"))
        {
            // Keep reading what it says, as a terminal would.
            std::thread::spawn(move || lines.for_each(drop));
            return (child, url.trim().to_string(), token);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server never said where it serves");
}

#[tokio::test]
async fn every_write_answered_201_survives_a_sigkill_with_its_position_and_hash() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut child, base, token) = serve(dir.path());
    let token = token.expect("a first admin token");
    let client = reqwest::Client::new();
    let post = |path: &str, body: Value| {
        client
            .post(format!("{base}{path}"))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    for (path, body) in [
        (
            "/orgs",
            json!({"org": "north", "kind": "district", "name": "North"}),
        ),
        (
            "/orgs/north/rubrics",
            json!({"rubric": "leadership-system"}),
        ),
    ] {
        assert_eq!(
            post(path, body).await.expect("answered").status(),
            StatusCode::CREATED
        );
    }
    let mut writers = Vec::new();
    for i in 0..64 {
        let client = client.clone();
        let url = format!("{base}/orgs/north/ratings");
        let token = token.clone();
        writers.push(tokio::spawn(async move {
            let mut acked = Vec::new();
            for j in 0.. {
                let body = json!({"rubric": "leadership-system", "indicator": "7", "level": "getting_started",
                                  "evidence": format!("{i}/{j}")});
                let Ok(r) = client.post(&url).bearer_auth(&token).json(&body).send().await else { break };
                if r.status() != StatusCode::CREATED {
                    break;
                }
                let Ok(v) = r.json::<Value>().await else { break };
                acked.push((v["events"][0]["position"].as_u64().unwrap_or(0), v["events"][0]["hash"].as_str().unwrap_or_default().to_string()));
                if j >= 200 {
                    break;
                }
            }
            acked
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    let mut acked = Vec::new();
    for w in writers {
        acked.extend(w.await.expect("a writer"));
    }
    assert!(
        !acked.is_empty(),
        "some writes were acknowledged before the kill"
    );

    let log = trellis_events::Log::open(dir.path()).expect("the store reopens");
    let report = log.verify();
    assert!(report.holds(), "{:?}", report.problem);
    for (position, hash) in &acked {
        let e = log
            .get(*position)
            .expect("reads")
            .expect("an acknowledged write is in the log");
        assert_eq!(&e.hash.to_hex(), hash, "position {position}");
    }
    drop(log);
    // And it serves again.
    let (mut child, base, _) = serve(dir.path());
    let health = client
        .get(format!("{base}/healthz"))
        .send()
        .await
        .expect("answered");
    assert_eq!(health.status(), StatusCode::OK);
    child.kill().expect("kill");
    child.wait().expect("reaped");
}

#[tokio::test]
async fn sigterm_lets_writes_in_flight_finish_then_exits_zero_with_a_checkpoint() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut child, base, token) = serve(dir.path());
    let token = token.expect("a first admin token");
    let client = reqwest::Client::new();
    let mut writers = Vec::new();
    for i in 0..16 {
        let client = client.clone();
        let url = format!("{base}/people");
        let token = token.clone();
        writers.push(tokio::spawn(async move {
            let mut acked = 0;
            for j in 0..50 {
                let body = json!({"person": format!("p{i}-{j}"), "name": "P"});
                match client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                {
                    Ok(r) if r.status() == StatusCode::CREATED => acked += 1,
                    _ => break,
                }
            }
            acked
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let pid = i32::try_from(child.id()).expect("a pid");
    // The workspace forbids unsafe code, so the signal goes through the `kill` command.
    let sent = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success());
    let status = child.wait().expect("exits");
    assert_eq!(status.code(), Some(0), "a graceful stop exits 0");
    let mut acked = 0;
    for w in writers {
        acked += w.await.expect("a writer");
    }
    let log = trellis_events::Log::open(dir.path()).expect("reopens");
    // The grant of the first token, then every acknowledged person.
    assert!(
        log.head_position() > acked,
        "{} <= {acked}",
        log.head_position()
    );
    assert!(log.verify().holds());
    assert!(
        dir.path().join("checkpoint").exists(),
        "the views were checkpointed"
    );
}
