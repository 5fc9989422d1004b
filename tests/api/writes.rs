//! Retries, expected versions and many writers at once.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{all_events, spawn_app};

#[tokio::test]
async fn a_retry_with_the_same_key_returns_the_original_answer_and_writes_nothing() {
    let app = spawn_app().await;
    app.small_district().await;
    let rating = json!({"rubric": "leadership-system", "indicator": "4", "level": "getting_better", "evidence": "e"});
    let send = |body: serde_json::Value, key: &str| {
        app.client
            .post(format!("{}/orgs/oak/ratings", app.base))
            .bearer_auth(&app.admin)
            .header("idempotency-key", key)
            .json(&body)
    };
    let first = app.raw(send(rating.clone(), "k-1")).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let head = app.head();
    let again = app.raw(send(rating.clone(), "k-1")).await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.body["events"], first.body["events"]);
    assert_eq!(again.body["deduplicated"], true);
    assert_eq!(app.head(), head, "a retry writes nothing");
    let mut other = rating.clone();
    other["evidence"] = json!("different");
    let reused = app.raw(send(other, "k-1")).await;
    assert_eq!(
        reused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        reused.body
    );
    assert_eq!(reused.error_field(), Some("Idempotency-Key"));
    assert_eq!(app.head(), head);

    // The key survives a restart: it is kept in the store, not a cache.
    let (dir, admin) = app.stop().await;
    let app = crate::helpers::start(dir, Some(admin)).await;
    let after = app
        .raw(
            app.client
                .post(format!("{}/orgs/oak/ratings", app.base))
                .bearer_auth(&app.admin)
                .header("idempotency-key", "k-1")
                .json(&rating),
        )
        .await;
    assert_eq!(after.status, StatusCode::CREATED);
    assert_eq!(after.body["events"], first.body["events"]);
    assert_eq!(app.head(), head);
    app.stop().await;
}

#[tokio::test]
async fn if_match_a_stale_stream_version_is_a_409_with_the_current_version() {
    let app = spawn_app().await;
    app.small_district().await;
    let opened = app
        .created(
            "/cycles",
            json!({"cycle": "c", "org": "oak", "title": "T", "rubric": "leadership-system",
        "focus": ["1"], "lead": "ana", "starts_on": "2026-09-01", "ends_on": "2027-06-30"}),
        )
        .await;
    let version = opened.body["events"][0]["stream_version"]
        .as_u64()
        .unwrap_or(0);
    let phase = |v: u64, to: &str| {
        app.client
            .post(format!("{}/cycles/c/phase", app.base))
            .bearer_auth(&app.admin)
            .header("if-match", format!("\"{v}\""))
            .json(&json!({"to": to}))
    };
    let ok = app.raw(phase(version, "do")).await;
    assert_eq!(ok.status, StatusCode::CREATED, "{:?}", ok.body);
    let head = app.head();
    let stale = app.raw(phase(version, "study")).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(stale.error_code(), Some("version_mismatch"));
    assert_eq!(stale.body["error"]["current_version"], version + 1);
    assert_eq!(app.head(), head);
    app.stop().await;
}

#[tokio::test]
async fn sixty_four_concurrent_writers_are_all_answered_each_201_once_in_the_log_and_the_chain_holds(
) {
    let app = spawn_app().await;
    app.small_district().await;
    let start = app.head();
    let mut tasks = Vec::new();
    for i in 0..64 {
        let client = app.client.clone();
        let url = format!("{}/orgs/oak/ratings", app.base);
        let token = app.admin.clone();
        tasks.push(tokio::spawn(async move {
            let mut positions = Vec::new();
            for j in 0..4 {
                let body = json!({"rubric": "leadership-system", "indicator": "5a", "level": "getting_better",
                                  "evidence": format!("writer {i} write {j}")});
                let r = client.post(&url).bearer_auth(&token).json(&body).send().await.expect("answered");
                assert_eq!(r.status(), StatusCode::CREATED);
                let v: serde_json::Value = r.json().await.expect("json");
                positions.push((v["events"][0]["position"].as_u64().unwrap_or(0), v["events"][0]["hash"].clone()));
            }
            positions
        }));
    }
    let mut answered = Vec::new();
    for t in tasks {
        answered.extend(t.await.expect("a writer"));
    }
    assert_eq!(answered.len(), 256);
    let distinct: HashSet<u64> = answered.iter().map(|(p, _)| *p).collect();
    assert_eq!(distinct.len(), 256, "every position answered once");
    assert_eq!(app.head(), start + 256);
    let events = all_events(&app).await;
    for (position, hash) in &answered {
        let e = &events[(*position - 1) as usize];
        assert_eq!(e["position"], *position);
        assert_eq!(&e["hash"], hash);
    }
    let v = app.get("/audit/verify").await;
    assert_eq!(v.body["ok"], true, "{:?}", v.body);
    // Reads see every write once it is answered.
    let m = app.get("/orgs/oak/maturity/5a").await;
    assert_eq!(m.body["trajectory"].as_array().map(Vec::len), Some(256));
    app.stop().await;
}

#[tokio::test]
async fn when_a_groups_flush_fails_no_writer_gets_a_201_nothing_is_kept_and_later_writes_get_503_while_reads_go_on(
) {
    let app = spawn_app().await;
    app.small_district().await;
    app.created("/orgs/oak/ratings", json!({"rubric": "leadership-system", "indicator": "8a", "level": "getting_started", "evidence": "before"})).await;
    let before = app.get("/orgs/oak/maturity").await.body;
    let head = app.head();
    app.server.log.fail_commits();
    let mut tasks = Vec::new();
    for i in 0..16 {
        let client = app.client.clone();
        let url = format!("{}/orgs/oak/ratings", app.base);
        let token = app.admin.clone();
        tasks.push(tokio::spawn(async move {
            let body = json!({"rubric": "leadership-system", "indicator": "8a", "level": "keep_improving", "evidence": format!("lost {i}")});
            client.post(&url).bearer_auth(&token).json(&body).send().await.expect("answered").status()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.expect("a writer"), StatusCode::SERVICE_UNAVAILABLE);
    }
    assert_eq!(app.head(), head, "nothing was acknowledged");
    // Later writes, even of facts the lost ones would have conflicted with, are refused.
    let later = app
        .post("/people", json!({"person": "cat", "name": "Cat"}))
        .await;
    assert_eq!(later.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(later.error_code(), Some("unavailable"));
    // Reads go on, from views that hold nothing unwritten.
    let after = app.get("/orgs/oak/maturity").await;
    assert_eq!(after.status, StatusCode::OK);
    assert_eq!(after.body, before);
    assert_eq!(
        app.get("/orgs/oak/maturity/8a").await.body["trajectory"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    app.stop().await;
}
