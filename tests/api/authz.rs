//! The authorisation matrix: every write route, each role, in and out of scope.

use std::collections::HashMap;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use trellis::token::Role;

use crate::helpers::{spawn_app, TestApp};

/// A write route: its label, and the path and body for the n-th actor's own things
/// (`s{n}` a school under north, `cy{n}` its cycle), given what earlier writes answered.
type Route = (
    &'static str,
    fn(u32, &HashMap<&'static str, u64>) -> (String, Value),
);

fn routes() -> Vec<Route> {
    vec![
        ("register org", |n, _| {
            (
                "/orgs".into(),
                json!({"org": format!("s{n}"), "kind": "school", "name": "S", "parent": "north"}),
            )
        }),
        ("add person", |n, _| {
            (
                "/people".into(),
                json!({"person": format!("p{n}"), "name": "P"}),
            )
        }),
        ("define role", |n, _| {
            (
                format!("/orgs/s{n}/roles"),
                json!({"role": "lead", "title": "Lead", "success": "s", "why": "w", "measure": "m"}),
            )
        }),
        ("assign role", |n, _| {
            (
                format!("/orgs/s{n}/roles/lead/holders"),
                json!({"person": "ana"}),
            )
        }),
        ("release role", |n, _| {
            (
                format!("/orgs/s{n}/roles/lead/releases"),
                json!({"person": "ana"}),
            )
        }),
        ("adopt vision", |n, _| {
            (
                format!("/orgs/s{n}/vision"),
                json!({"statement": "All read"}),
            )
        }),
        ("revise vision", |n, _| {
            (
                format!("/orgs/s{n}/vision/revisions"),
                json!({"statement": "All read well", "reason": "r"}),
            )
        }),
        ("review vision", |n, _| {
            (
                format!("/orgs/s{n}/vision/reviews"),
                json!({"participants": ["ana"], "notes": "ok"}),
            )
        }),
        ("record agreement", |n, _| {
            (
                format!("/orgs/s{n}/agreements"),
                json!({"how_we_work": "weekly"}),
            )
        }),
        ("record plan", |n, _| {
            (
                format!("/orgs/s{n}/plans"),
                json!({"focus": "reading", "steps": [{"action": "tutor"}], "celebrate_success": "assembly"}),
            )
        }),
        ("adopt rubric", |n, _| {
            (
                format!("/orgs/s{n}/rubrics"),
                json!({"rubric": "leadership-system"}),
            )
        }),
        ("rate", |n, _| {
            (
                format!("/orgs/s{n}/ratings"),
                json!({"rubric": "leadership-system", "indicator": "1", "level": "getting_started", "evidence": "e"}),
            )
        }),
        ("open cycle", |n, _| {
            (
                "/cycles".into(),
                json!({"cycle": format!("cy{n}"), "org": format!("s{n}"), "title": "T", "rubric": "leadership-system", "focus": ["1"], "lead": "ana", "starts_on": "2026-09-01", "ends_on": "2027-06-30"}),
            )
        }),
        ("change phase", |n, _| {
            (format!("/cycles/cy{n}/phase"), json!({"to": "do"}))
        }),
        ("set goal", |n, _| {
            (
                format!("/cycles/cy{n}/goals"),
                json!({"goal": "g", "statement": "S", "due_on": "2027-06-01", "accountable": "ana", "measure": {"name": "n", "unit": "%", "baseline": 1.0, "target": 2.0}}),
            )
        }),
        ("set second goal", |n, _| {
            (
                format!("/cycles/cy{n}/goals"),
                json!({"goal": "g2", "statement": "S2", "due_on": "2027-06-01", "accountable": "ana"}),
            )
        }),
        ("revise goal", |n, _| {
            (
                format!("/cycles/cy{n}/goals/g/revisions"),
                json!({"statement": "S!", "due_on": "2027-06-01", "reason": "r", "measure": {"name": "n", "unit": "%", "baseline": 1.0, "target": 2.0}}),
            )
        }),
        ("plan milestone", |n, _| {
            (
                format!("/cycles/cy{n}/goals/g/milestones"),
                json!({"milestone": "m", "title": "M", "due_on": "2027-01-01", "accountable": "ben", "measure": "x"}),
            )
        }),
        ("plan second milestone", |n, _| {
            (
                format!("/cycles/cy{n}/goals/g/milestones"),
                json!({"milestone": "m2", "title": "M2", "due_on": "2027-01-01", "accountable": "ben", "measure": "x"}),
            )
        }),
        ("reschedule", |n, _| {
            (
                format!("/cycles/cy{n}/milestones/m/reschedules"),
                json!({"to": "2027-02-01", "reason": "r"}),
            )
        }),
        ("reach", |n, _| {
            (
                format!("/cycles/cy{n}/milestones/m/reached"),
                json!({"evidence": "e"}),
            )
        }),
        ("miss", |n, _| {
            (
                format!("/cycles/cy{n}/milestones/m2/missed"),
                json!({"reason": "r"}),
            )
        }),
        ("record measure", |n, _| {
            (
                format!("/cycles/cy{n}/goals/g/measures"),
                json!({"value": 3.0, "source": "s"}),
            )
        }),
        ("assign raci", |n, _| {
            (
                format!("/cycles/cy{n}/raci"),
                json!({"item": {"kind": "goal", "id": "g"}, "role": "consulted", "person": "ben"}),
            )
        }),
        ("reassign", |n, _| {
            (
                format!("/cycles/cy{n}/reassignments"),
                json!({"item": {"kind": "goal", "id": "g"}, "to": "ben", "reason": "r"}),
            )
        }),
        ("log adjustment", |n, _| {
            (
                format!("/cycles/cy{n}/adjustments"),
                json!({"kind": "program", "what_changed": "w", "why": "y", "decided_by": "ana"}),
            )
        }),
        ("log celebration", |n, _| {
            (
                format!("/cycles/cy{n}/celebrations"),
                json!({"what": "w", "participants": ["ana"]}),
            )
        }),
        ("answer reflection", |n, _| {
            (
                format!("/cycles/cy{n}/reflections"),
                json!({"question": "q01", "answer": "a"}),
            )
        }),
        ("revise reflection", |n, _| {
            (
                format!("/cycles/cy{n}/reflections/q01/revisions"),
                json!({"answer": "a2"}),
            )
        }),
        ("goal met", |n, _| {
            (
                format!("/cycles/cy{n}/goals/g/met"),
                json!({"evidence": "e"}),
            )
        }),
        ("goal dropped", |n, _| {
            (
                format!("/cycles/cy{n}/goals/g2/dropped"),
                json!({"reason": "r"}),
            )
        }),
        ("retract", |_, seen| {
            (
                format!(
                    "/events/{}/retractions",
                    seen.get("record measure").copied().unwrap_or(0)
                ),
                json!({"reason": "typo"}),
            )
        }),
        ("close cycle", |n, _| {
            (format!("/cycles/cy{n}/close"), json!({"summary": "done"}))
        }),
    ]
}

async fn post(app: &TestApp, token: Option<&str>, path: &str, body: &Value) -> (StatusCode, Value) {
    let a = app
        .call(Method::POST, path, token, Some(body.clone()))
        .await;
    (a.status, a.body)
}

#[tokio::test]
async fn every_write_route_answers_each_role_in_and_out_of_scope_with_the_exact_status() {
    let app = spawn_app().await;
    app.small_district().await;
    let editor_in = app.token("ed-north", Role::Editor, Some("north")).await;
    let editor_out = app.token("ed-south", Role::Editor, Some("south")).await;
    let auditor = app.token("aud", Role::Auditor, None).await;
    let viewer = app.token("view-north", Role::Viewer, Some("north")).await;
    let admin = app.admin.clone();

    // Admin writes n = 0's things; before each, every refusal is tried on the same target.
    let mut seen = HashMap::new();
    for (label, route) in routes() {
        let (path, body) = route(0, &seen);
        let refusals: [(&str, Option<&str>, StatusCode); 5] = [
            ("no token", None, StatusCode::UNAUTHORIZED),
            ("bad token", Some("trl_nope_0000"), StatusCode::UNAUTHORIZED),
            ("auditor", Some(&auditor), StatusCode::FORBIDDEN),
            ("viewer", Some(&viewer), StatusCode::FORBIDDEN),
            (
                "editor out of scope",
                Some(&editor_out),
                // People belong to no unit: any unit's editor may add one.
                if label == "add person" {
                    StatusCode::CREATED
                } else {
                    StatusCode::FORBIDDEN
                },
            ),
        ];
        for (who, token, want) in refusals {
            let mut body = body.clone();
            if want == StatusCode::CREATED {
                body["person"] = json!("someone-else");
            }
            let before = app.head();
            let (status, answer) = post(&app, token, &path, &body).await;
            assert_eq!(status, want, "{label} as {who}: {answer}");
            if want != StatusCode::CREATED {
                assert_eq!(app.head(), before, "{label} as {who} appended");
                assert!(
                    answer["error"]["code"].is_string(),
                    "{label} as {who}: {answer}"
                );
            }
        }
        let (status, answer) = post(&app, Some(&admin), &path, &body).await;
        assert_eq!(status, StatusCode::CREATED, "{label} as admin: {answer}");
        seen.insert(label, answer["events"][0]["position"].as_u64().unwrap_or(0));
    }

    // The in-scope editor does the same for n = 1's things, in north.
    let mut seen = HashMap::new();
    for (label, route) in routes() {
        let (path, body) = route(1, &seen);
        let (status, answer) = post(&app, Some(&editor_in), &path, &body).await;
        assert_eq!(
            status,
            StatusCode::CREATED,
            "{label} as editor in scope: {answer}"
        );
        seen.insert(label, answer["events"][0]["position"].as_u64().unwrap_or(0));
    }

    // Only an admin registers a unit with no parent, and manages tokens.
    let top = json!({"org": "east", "kind": "district", "name": "East"});
    let before = app.head();
    assert_eq!(
        post(&app, Some(&editor_in), "/orgs", &top).await.0,
        StatusCode::FORBIDDEN
    );
    let new_token = json!({"login": "x", "role": "viewer", "org": "north"});
    assert_eq!(
        post(&app, Some(&editor_in), "/tokens", &new_token).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.head(), before);
    app.stop().await;
}

#[tokio::test]
async fn scoped_readers_see_only_their_subtree_and_a_revoked_token_is_refused_at_once() {
    let app = spawn_app().await;
    app.small_district().await;
    app.created("/orgs/south/ratings", json!({"rubric": "leadership-system", "indicator": "2", "level": "getting_started", "evidence": "s"})).await;
    app.created("/orgs/oak/ratings", json!({"rubric": "leadership-system", "indicator": "2", "level": "getting_better", "evidence": "o"})).await;
    let made = app
        .post(
            "/tokens",
            json!({"login": "vee", "role": "viewer", "org": "north"}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    let viewer = made.body["token"].as_str().unwrap_or_default().to_string();
    let id = made.body["id"].as_str().unwrap_or_default().to_string();

    let orgs = app.get_as(&viewer, "/orgs").await;
    let ids: Vec<&str> = orgs.body["orgs"]
        .as_array()
        .map(|a| a.iter().filter_map(|o| o["id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(ids, ["north", "oak"]);
    assert_eq!(
        app.get_as(&viewer, "/orgs/oak/maturity").await.status,
        StatusCode::OK
    );
    // A body already rendered for a reader who may see it is still refused outside the
    // scope, and one within it is the same for every reader.
    assert_eq!(app.get("/orgs/south/maturity").await.status, StatusCode::OK);
    assert_eq!(
        app.get_as(&viewer, "/orgs/south/maturity").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/orgs/oak/maturity").await.body,
        app.get_as(&viewer, "/orgs/oak/maturity").await.body
    );
    assert_eq!(
        app.get_as(&viewer, "/orgs/nowhere/maturity").await.status,
        StatusCode::NOT_FOUND
    );
    let events = app.get_as(&viewer, "/events?limit=500").await;
    let streams: Vec<&str> = events.body["events"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["stream"].as_str()).collect())
        .unwrap_or_default();
    assert!(!streams.is_empty());
    assert!(
        streams.iter().all(|s| *s == "org-north" || *s == "org-oak"),
        "{streams:?}"
    );

    // Grants and revocations are on the record, never the secret.
    let log = app.get("/events?stream=access").await;
    let text = log.body.to_string();
    assert!(text.contains("vee") && !text.contains(viewer.rsplit('_').next().unwrap_or("?")));

    let listed = app.get("/tokens").await;
    assert!(listed.body.to_string().contains(&id));
    assert!(!listed.body.to_string().contains(&viewer));
    let revoked = app
        .call(
            Method::DELETE,
            &format!("/tokens/{id}"),
            Some(&app.admin.clone()),
            None,
        )
        .await;
    assert_eq!(revoked.status, StatusCode::OK);
    assert_eq!(
        app.get_as(&viewer, "/orgs").await.status,
        StatusCode::UNAUTHORIZED
    );
    let kinds = app.get("/events?stream=access").await.body.to_string();
    assert!(kinds.contains("access_revoked"));
    app.stop().await;
}
