//! The live event stream: no gap, no repeat, resumable, scoped, ended by revocation.

use std::collections::BTreeSet;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{spawn_app, TestApp};

/// Reads SSE frames from a response until `count` events or `wait` passes: (id, data).
async fn read_events(
    resp: &mut reqwest::Response,
    buf: &mut String,
    count: usize,
    wait: Duration,
) -> Vec<(u64, serde_json::Value)> {
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + wait;
    while out.len() < count {
        // Whole frames first.
        while let Some(end) = buf.find("\n\n") {
            let frame: String = buf.drain(..end + 2).collect();
            let mut id = None;
            let mut data = None;
            for line in frame.lines() {
                if let Some(v) = line.strip_prefix("id:") {
                    id = v.trim().parse::<u64>().ok();
                }
                if let Some(v) = line.strip_prefix("data:") {
                    data = serde_json::from_str(v.trim()).ok();
                }
            }
            if let (Some(id), Some(data)) = (id, data) {
                out.push((id, data));
            }
        }
        if out.len() >= count {
            break;
        }
        match tokio::time::timeout_at(deadline, resp.chunk()).await {
            Ok(Ok(Some(bytes))) => buf.push_str(&String::from_utf8_lossy(&bytes)),
            _ => break,
        }
    }
    out
}

async fn subscribe(
    app: &TestApp,
    token: &str,
    after: Option<u64>,
    last: Option<u64>,
) -> reqwest::Response {
    let mut url = format!("{}/events/stream", app.base);
    if let Some(a) = after {
        url.push_str(&format!("?after={a}"));
    }
    let mut req = app.client.get(url).bearer_auth(token);
    if let Some(l) = last {
        req = req.header("last-event-id", l.to_string());
    }
    let resp = req.send().await.expect("the stream answers");
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream")));
    resp
}

#[tokio::test]
async fn a_subscriber_gets_exactly_the_events_after_its_position_while_8_writers_append_and_resumes_without_gap(
) {
    let app = spawn_app().await;
    app.small_district().await;
    let start = app.head();
    let mut first = subscribe(&app, &app.admin, Some(start), None).await;
    let mut writers = Vec::new();
    for i in 0..8 {
        let client = app.client.clone();
        let url = format!("{}/orgs/oak/ratings", app.base);
        let token = app.admin.clone();
        writers.push(tokio::spawn(async move {
            for j in 0..10 {
                let body = json!({"rubric": "leadership-system", "indicator": "9", "level": "getting_started", "evidence": format!("{i}/{j}")});
                let r = client.post(&url).bearer_auth(&token).json(&body).send().await.expect("answered");
                assert_eq!(r.status(), StatusCode::CREATED);
            }
        }));
    }
    let mut buf = String::new();
    let part = read_events(&mut first, &mut buf, 30, Duration::from_secs(20)).await;
    drop(first);
    for w in writers {
        w.await.expect("a writer");
    }
    let last = part.last().map(|(id, _)| *id).expect("some events");
    // Reconnect the way EventSource does: same URL, Last-Event-ID wins over `after`.
    let mut second = subscribe(&app, &app.admin, Some(start), Some(last)).await;
    let mut buf = String::new();
    let rest = read_events(
        &mut second,
        &mut buf,
        80 - part.len(),
        Duration::from_secs(20),
    )
    .await;
    let ids: Vec<u64> = part.iter().chain(&rest).map(|(id, _)| *id).collect();
    let want: Vec<u64> = (start + 1..=start + 80).collect();
    assert_eq!(ids, want, "no gap, no repeat");
    for (id, data) in part.iter().chain(&rest) {
        assert_eq!(data["position"], *id);
        assert_eq!(data["kind"], "indicator_rated");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_scoped_subscriber_never_sees_another_subtrees_event_and_revocation_ends_the_stream() {
    let app = spawn_app().await;
    app.small_district().await;
    let made = app
        .post(
            "/tokens",
            json!({"login": "vee", "role": "viewer", "org": "north"}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    let viewer = made.body["token"].as_str().unwrap_or_default().to_string();
    let id = made.body["id"].as_str().unwrap_or_default().to_string();
    let mut resp = subscribe(&app, &viewer, Some(0), None).await;
    for org in ["south", "oak", "south", "north"] {
        app.created(&format!("/orgs/{org}/ratings"), json!({"rubric": "leadership-system", "indicator": "2", "level": "getting_started", "evidence": org})).await;
    }
    let mut buf = String::new();
    let seen = read_events(&mut resp, &mut buf, 1000, Duration::from_secs(3)).await;
    let streams: BTreeSet<String> = seen
        .iter()
        .filter_map(|(_, d)| d["stream"].as_str().map(String::from))
        .collect();
    assert!(
        streams.contains("org-oak") && streams.contains("org-north"),
        "{streams:?}"
    );
    assert!(
        streams.iter().all(|s| s == "org-oak" || s == "org-north"),
        "{streams:?}"
    );

    let revoked = app
        .call(
            reqwest::Method::DELETE,
            &format!("/tokens/{id}"),
            Some(&app.admin.clone()),
            None,
        )
        .await;
    assert_eq!(revoked.status, StatusCode::OK);
    // The stream ends on its own (within its recheck interval).
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match resp.chunk().await {
                Ok(Some(_)) => continue,
                _ => return,
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the revoked viewer's stream did not end");
    app.stop().await;
}
