//! Bad input: each kind answered with the right 4xx in the error shape, the log untouched.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn every_kind_of_bad_input_gets_its_4xx_in_the_error_shape_and_the_log_is_unchanged() {
    let app = spawn_app().await;
    app.small_district().await;
    app.created(
        "/cycles",
        json!({"cycle": "south-c", "org": "south", "title": "T", "rubric": "leadership-system",
        "focus": ["1"], "lead": "ana", "starts_on": "2026-09-01", "ends_on": "2027-06-30"}),
    )
    .await;
    let url = |p: &str| format!("{}{p}", app.base);
    let rating = json!({"rubric": "leadership-system", "indicator": "1", "level": "getting_better", "evidence": "e"});
    let with = |key: &str, value: serde_json::Value| {
        let mut b = rating.clone();
        b[key] = value;
        b
    };
    let admin = app.admin.clone();
    let post_raw = |path: &str, ctype: Option<&str>, body: Vec<u8>| {
        let mut r = app.client.post(url(path)).bearer_auth(&admin).body(body);
        if let Some(c) = ctype {
            r = r.header("content-type", c);
        }
        r
    };
    let cases: Vec<(&str, reqwest::RequestBuilder, StatusCode, Option<&str>)> = vec![
        ("malformed JSON", post_raw("/orgs/oak/ratings", Some("application/json"), b"{\"rubric\": ".to_vec()), StatusCode::BAD_REQUEST, None),
        ("not an object", post_raw("/orgs/oak/ratings", Some("application/json"), b"[1, 2]".to_vec()), StatusCode::UNPROCESSABLE_ENTITY, None),
        ("wrong content type", post_raw("/orgs/oak/ratings", Some("text/plain"), rating.to_string().into_bytes()), StatusCode::UNSUPPORTED_MEDIA_TYPE, None),
        ("no content type", post_raw("/orgs/oak/ratings", None, rating.to_string().into_bytes()), StatusCode::UNSUPPORTED_MEDIA_TYPE, None),
        ("wrong type", app.client.post(url("/orgs/oak/ratings")).bearer_auth(&admin).json(&with("evidence", json!(42))), StatusCode::UNPROCESSABLE_ENTITY, Some("evidence")),
        ("missing field", app.client.post(url("/orgs/oak/ratings")).bearer_auth(&admin).json(&json!({"rubric": "leadership-system", "indicator": "1", "level": "getting_better"})), StatusCode::UNPROCESSABLE_ENTITY, Some("evidence")),
        ("unknown field", app.client.post(url("/orgs/oak/ratings")).bearer_auth(&admin).json(&with("evidense", json!("x"))), StatusCode::UNPROCESSABLE_ENTITY, Some("evidense")),
        ("id also in the body", app.client.post(url("/orgs/oak/ratings")).bearer_auth(&admin).json(&with("org", json!("south"))), StatusCode::UNPROCESSABLE_ENTITY, Some("org")),
        ("unknown indicator", app.client.post(url("/orgs/oak/ratings")).bearer_auth(&admin).json(&with("indicator", json!("99z"))), StatusCode::UNPROCESSABLE_ENTITY, Some("indicator")),
        ("unknown level", app.client.post(url("/orgs/oak/ratings")).bearer_auth(&admin).json(&with("level", json!("superb"))), StatusCode::UNPROCESSABLE_ENTITY, Some("level")),
        ("a date in the future", app.client.post(url("/orgs/oak/ratings")).bearer_auth(&admin).json(&with("on", json!("2999-01-01"))), StatusCode::UNPROCESSABLE_ENTITY, Some("on")),
        ("not a date", app.client.post(url("/orgs/oak/ratings")).bearer_auth(&admin).json(&with("on", json!("yesterday"))), StatusCode::UNPROCESSABLE_ENTITY, Some("on")),
        ("a cycle of another org", app.client.post(url("/orgs/oak/ratings")).bearer_auth(&admin).json(&with("cycle", json!("south-c"))), StatusCode::UNPROCESSABLE_ENTITY, Some("cycle")),
        ("an unknown org in the path", app.client.post(url("/orgs/atlantis/ratings")).bearer_auth(&admin).json(&rating), StatusCode::NOT_FOUND, Some("org")),
        ("an unknown person in the body", app.client.post(url("/cycles")).bearer_auth(&admin).json(&json!({"org": "oak", "title": "T", "rubric": "leadership-system", "focus": ["1"], "lead": "nobody", "starts_on": "2026-09-01", "ends_on": "2027-06-30"})), StatusCode::UNPROCESSABLE_ENTITY, Some("lead")),
        ("an oversize body", app.client.post(url("/orgs/oak/ratings")).bearer_auth(&admin).json(&with("evidence", json!("x".repeat(70 * 1024)))), StatusCode::PAYLOAD_TOO_LARGE, None),
        ("an event over the log's limit", app.client.post(url("/orgs/oak/ratings")).bearer_auth(&admin).json(&with("evidence", json!("x".repeat(40 * 1024)))), StatusCode::PAYLOAD_TOO_LARGE, None),
        ("a bad position", app.client.post(url("/events/abc/retractions")).bearer_auth(&admin).json(&json!({"reason": "r"})), StatusCode::BAD_REQUEST, Some("position")),
        ("a position past the log", app.client.post(url("/events/999999/retractions")).bearer_auth(&admin).json(&json!({"reason": "r"})), StatusCode::NOT_FOUND, Some("position")),
        ("a bad If-Match", app.client.post(url("/orgs/oak/ratings")).bearer_auth(&admin).header("if-match", "soon").json(&rating), StatusCode::BAD_REQUEST, Some("If-Match")),
        ("an unknown route", app.client.post(url("/nowhere")).bearer_auth(&admin).json(&rating), StatusCode::NOT_FOUND, None),
        ("a wrong method", app.client.delete(url("/orgs")).bearer_auth(&admin), StatusCode::METHOD_NOT_ALLOWED, None),
    ];
    for (what, request, want, field) in cases {
        let before = app.head();
        let a = app.raw(request).await;
        assert_eq!(a.status, want, "{what}: {:?}", a.body);
        assert!(
            a.error_code().is_some(),
            "{what}: no error shape in {:?}",
            a.body
        );
        assert!(a.body["error"]["message"].is_string(), "{what}");
        if let Some(f) = field {
            assert_eq!(a.error_field(), Some(f), "{what}: {:?}", a.body);
        }
        assert_eq!(app.head(), before, "{what} appended");
    }
    // Bad queries of reads are 400 in the same shape.
    for path in [
        "/orgs/oak/maturity?as_of=someday",
        "/orgs/oak/maturity?at_position=-1",
        "/orgs/oak/maturity?as_of=2025-01-01&at_position=3",
        "/events?limit=100000",
        "/events?kind=goal_forgotten",
        "/cycles?open=maybe",
    ] {
        let a = app.get(path).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{path}: {:?}", a.body);
        assert!(a.error_code().is_some(), "{path}");
    }
    // An id unknown at the point asked about is 404.
    let early = app.get("/orgs/oak/maturity?at_position=1").await;
    assert_eq!(early.status, StatusCode::NOT_FOUND, "{:?}", early.body);
    app.stop().await;
}
