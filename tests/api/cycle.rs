//! A team's whole cycle over HTTP, then its views as of two instants.

use chrono::Utc;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{all_events, spawn_app};

#[tokio::test]
async fn a_teams_whole_cycle_over_http_and_its_views_as_of_two_instants_differ_as_the_log_says() {
    let app = spawn_app().await;
    app.small_district().await;
    app.created(
        "/orgs/oak/roles",
        json!({"role": "principal", "title": "Principal", "success": "Every teacher grows",
               "why": "Teachers carry the work", "measure": "walkthrough data"}),
    )
    .await;
    app.created(
        "/orgs/oak/roles/principal/holders",
        json!({"person": "ana"}),
    )
    .await;
    app.created(
        "/orgs/oak/vision",
        json!({"statement": "Every student reads by grade 3", "portrait": ["curious"]}),
    )
    .await;
    let opened = app
        .created(
            "/cycles",
            json!({"cycle": "oak-fall", "org": "oak", "title": "Reading first", "rubric": "leadership-system",
                   "focus": ["1", "3a"], "lead": "ana", "starts_on": "2026-09-01", "ends_on": "2027-01-31"}),
        )
        .await;
    assert_eq!(
        opened.headers.get("location").and_then(|v| v.to_str().ok()),
        Some("/api/v1/cycles/oak-fall")
    );
    app.created(
        "/orgs/oak/ratings",
        json!({"rubric": "leadership-system", "indicator": "1", "level": "getting_started",
               "evidence": "baseline walk", "cycle": "oak-fall"}),
    )
    .await;
    let goal = app
        .created(
            "/cycles/oak-fall/goals",
            json!({"statement": "Raise reading scores", "due_on": "2027-01-15", "accountable": "ana",
                   "measure": {"name": "on grade level", "unit": "%", "baseline": 40.0, "target": 60.0}}),
        )
        .await;
    let goal_at = goal.headers["location"]
        .to_str()
        .unwrap_or_default()
        .to_string();
    let goal_id = goal_at.rsplit('/').next().unwrap_or_default().to_string();
    assert_eq!(
        app.get(&goal_at["/api/v1".len()..]).await.status,
        StatusCode::OK
    );
    let milestone = app
        .created(
            &format!("/cycles/oak-fall/goals/{goal_id}/milestones"),
            json!({"title": "Tutoring starts", "due_on": "2026-12-20", "accountable": "ben",
                   "measure": "sessions held"}),
        )
        .await;
    let m_id = milestone.headers["location"]
        .to_str()
        .unwrap_or_default()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    app.created(
        "/cycles/oak-fall/raci",
        json!({"item": {"kind": "goal", "id": goal_id}, "role": "consulted", "person": "ben"}),
    )
    .await;
    app.created(
        &format!("/cycles/oak-fall/goals/{goal_id}/measures"),
        json!({"value": 45.0, "source": "benchmark test"}),
    )
    .await;

    // The first instant: everything above is in, nothing below.
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let first = Utc::now();
    let first_position = app.head();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;

    app.created(
        &format!("/cycles/oak-fall/milestones/{m_id}/reschedules"),
        json!({"to": "2027-01-10", "reason": "tutors hired late"}),
    )
    .await;
    app.created(
        "/cycles/oak-fall/adjustments",
        json!({"kind": "timeline", "what_changed": "tutoring moved to January",
               "why": "tutors hired late", "decided_by": "ana"}),
    )
    .await;
    app.created("/cycles/oak-fall/phase", json!({"to": "do"}))
        .await;
    app.created(
        &format!("/cycles/oak-fall/milestones/{m_id}/reached"),
        json!({"evidence": "sessions log"}),
    )
    .await;
    app.created(
        "/cycles/oak-fall/celebrations",
        json!({"what": "tutoring launched", "participants": ["ana", "ben"]}),
    )
    .await;
    app.created(
        "/cycles/oak-fall/reflections",
        json!({"question": "q01", "answer": "Reading on grade level"}),
    )
    .await;
    app.created(
        "/cycles/oak-fall/reflections/q01/revisions",
        json!({"answer": "Reading on grade level by grade 3", "reason": "sharper"}),
    )
    .await;
    app.created(
        "/orgs/oak/ratings",
        json!({"rubric": "leadership-system", "indicator": "1", "level": "getting_better",
               "evidence": "second walk", "cycle": "oak-fall"}),
    )
    .await;
    app.created("/cycles/oak-fall/close", json!({"summary": "a good start"}))
        .await;
    let second = Utc::now();
    let second_position = app.head();

    let at = |t: chrono::DateTime<Utc>| {
        t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
            .replace('+', "%2B")
    };
    // Maturity: the indicator's level as it stood at each instant.
    let level = |body: &serde_json::Value| {
        body["orgs"][0]["current"]
            .as_array()
            .and_then(|c| c.iter().find(|r| r["indicator"] == "1"))
            .map(|r| r["rating"]["level"].clone())
    };
    let m1 = app
        .get(&format!("/orgs/oak/maturity?as_of={}", at(first)))
        .await;
    let m2 = app
        .get(&format!("/orgs/oak/maturity?as_of={}", at(second)))
        .await;
    assert_eq!(m1.status, StatusCode::OK, "{:?}", m1.body);
    assert_eq!(m1.body["as_of"]["position"], first_position);
    assert_eq!(m2.body["as_of"]["position"], second_position);
    assert_eq!(level(&m1.body), Some(json!("getting_started")));
    assert_eq!(level(&m2.body), Some(json!("getting_better")));
    let trajectory = app.get("/orgs/oak/maturity/1").await;
    assert_eq!(
        trajectory.body["trajectory"].as_array().map(Vec::len),
        Some(2)
    );
    assert!(trajectory.body["current"]["descriptor"].is_string());

    // The timeline: exactly the cycle's events up to each point.
    let events = all_events(&app).await;
    let in_cycle = |upto: u64| {
        events
            .iter()
            .filter(|e| e["stream"] == "cycle-oak-fall" && e["position"].as_u64() <= Some(upto))
            .count()
    };
    let t1 = app
        .get(&format!("/cycles/oak-fall/timeline?as_of={}", at(first)))
        .await;
    let t2 = app
        .get(&format!(
            "/cycles/oak-fall/timeline?at_position={second_position}"
        ))
        .await;
    let entries = |b: &serde_json::Value| b["cycles"][0]["entries"].as_array().map(Vec::len);
    assert_eq!(entries(&t1.body), Some(in_cycle(first_position)));
    assert_eq!(entries(&t2.body), Some(in_cycle(second_position)));
    assert!(entries(&t2.body) > entries(&t1.body));
    assert_eq!(t1.body["cycles"][0]["header"]["status"], "open");
    assert_eq!(t2.body["cycles"][0]["header"]["status"], "closed");

    // Accountability: ben's milestone was open at the first instant; the cycle is closed at
    // the second, so nothing of it is open any more.
    let a1 = app
        .get(&format!(
            "/people/ben/accountability?as_of={}&today=2026-12-07",
            at(first)
        ))
        .await;
    let a2 = app
        .get(&format!(
            "/people/ben/accountability?as_of={}&today=2026-12-07",
            at(second)
        ))
        .await;
    let open = |b: &serde_json::Value| b["people"][0]["open"].as_array().map(Vec::len);
    assert_eq!(open(&a1.body), Some(1), "{:?}", a1.body);
    assert_eq!(open(&a2.body), Some(0), "{:?}", a2.body);

    // The live view equals the view as of the head.
    let live = app.get("/orgs/oak/maturity").await;
    assert_eq!(live.body, m2.body);

    // Every event carries the token's login as its actor.
    assert!(events
        .iter()
        .all(|e| e["actor"] == "admin" || e["stream"] == "access"));
    // The chain holds.
    let v = app.get("/audit/verify").await;
    assert_eq!(v.body["ok"], true);
    assert_eq!(v.body["head_position"], second_position);
    app.stop().await;
}
