//! `GET /api/v1/openapi.json`: served without a token, and names every route the router
//! serves with its methods, the bearer scheme and the error shape.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::spawn_app;

/// Every route the API serves, with its methods (kept by hand: a route added to the router
/// without a `#[utoipa::path]`, or documented but not served, fails here or in the probe).
const ROUTES: &[(&str, &[&str])] = &[
    ("/api/v1/healthz", &["get"]),
    ("/api/v1/openapi.json", &["get"]),
    ("/api/v1/orgs", &["get", "post"]),
    ("/api/v1/orgs/{org}", &["get"]),
    ("/api/v1/orgs/{org}/roles", &["post"]),
    ("/api/v1/orgs/{org}/roles/{role}/holders", &["post"]),
    ("/api/v1/orgs/{org}/roles/{role}/releases", &["post"]),
    ("/api/v1/orgs/{org}/vision", &["post"]),
    ("/api/v1/orgs/{org}/vision/revisions", &["post"]),
    ("/api/v1/orgs/{org}/vision/reviews", &["post"]),
    ("/api/v1/orgs/{org}/agreements", &["post"]),
    ("/api/v1/orgs/{org}/plans", &["post"]),
    ("/api/v1/orgs/{org}/rubrics", &["post"]),
    ("/api/v1/orgs/{org}/ratings", &["post"]),
    ("/api/v1/orgs/{org}/maturity", &["get"]),
    ("/api/v1/orgs/{org}/maturity/{indicator}", &["get"]),
    ("/api/v1/orgs/{org}/documents", &["get"]),
    ("/api/v1/people", &["get", "post"]),
    ("/api/v1/people/{person}/accountability", &["get"]),
    ("/api/v1/cycles", &["get", "post"]),
    ("/api/v1/cycles/{cycle}", &["get"]),
    ("/api/v1/cycles/{cycle}/timeline", &["get"]),
    ("/api/v1/cycles/{cycle}/phase", &["post"]),
    ("/api/v1/cycles/{cycle}/close", &["post"]),
    ("/api/v1/cycles/{cycle}/raci", &["post"]),
    ("/api/v1/cycles/{cycle}/reassignments", &["post"]),
    ("/api/v1/cycles/{cycle}/adjustments", &["post"]),
    ("/api/v1/cycles/{cycle}/celebrations", &["post"]),
    ("/api/v1/cycles/{cycle}/reflections", &["post"]),
    (
        "/api/v1/cycles/{cycle}/reflections/{question}/revisions",
        &["post"],
    ),
    ("/api/v1/cycles/{cycle}/goals", &["post"]),
    ("/api/v1/cycles/{cycle}/goals/{goal}", &["get"]),
    ("/api/v1/cycles/{cycle}/goals/{goal}/revisions", &["post"]),
    ("/api/v1/cycles/{cycle}/goals/{goal}/met", &["post"]),
    ("/api/v1/cycles/{cycle}/goals/{goal}/dropped", &["post"]),
    ("/api/v1/cycles/{cycle}/goals/{goal}/measures", &["post"]),
    ("/api/v1/cycles/{cycle}/goals/{goal}/milestones", &["post"]),
    ("/api/v1/cycles/{cycle}/milestones/{milestone}", &["get"]),
    (
        "/api/v1/cycles/{cycle}/milestones/{milestone}/reschedules",
        &["post"],
    ),
    (
        "/api/v1/cycles/{cycle}/milestones/{milestone}/reached",
        &["post"],
    ),
    (
        "/api/v1/cycles/{cycle}/milestones/{milestone}/missed",
        &["post"],
    ),
    ("/api/v1/accountability", &["get"]),
    ("/api/v1/events", &["get"]),
    ("/api/v1/events/{position}/retractions", &["post"]),
    ("/api/v1/events/stream", &["get"]),
    ("/api/v1/export", &["get"]),
    ("/api/v1/import", &["post"]),
    ("/api/v1/audit/verify", &["get"]),
    ("/api/v1/rubrics", &["get"]),
    ("/api/v1/rubrics/{id}", &["get"]),
    ("/api/v1/tokens", &["get", "post"]),
    ("/api/v1/tokens/{id}", &["delete"]),
];

const PUBLIC: &[&str] = &["/api/v1/healthz", "/api/v1/openapi.json"];

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

async fn spec() -> Value {
    let app = spawn_app().await;
    let a = app.call(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(a.status, StatusCode::OK, "{:?}", a.body);
    assert!(a.headers[reqwest::header::CONTENT_TYPE]
        .to_str()
        .unwrap_or_default()
        .starts_with("application/json"));
    a.body
}

#[tokio::test]
async fn the_document_is_served_without_a_token_and_names_every_route() {
    let spec = spec().await;
    assert!(
        spec["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "{}",
        spec["openapi"]
    );
    let paths = spec["paths"].as_object().expect("paths");
    for (path, methods) in ROUTES {
        let item = paths
            .get(*path)
            .unwrap_or_else(|| panic!("{path} is not in the document"));
        let documented: Vec<&str> = METHODS
            .iter()
            .copied()
            .filter(|m| item.get(*m).is_some())
            .collect();
        let mut expected = methods.to_vec();
        expected.sort_unstable();
        let mut documented_sorted = documented.clone();
        documented_sorted.sort_unstable();
        assert_eq!(documented_sorted, expected, "the methods of {path}");
    }
    for path in paths.keys() {
        assert!(
            ROUTES.iter().any(|(p, _)| p == path),
            "{path} is documented but not in the test's list of routes"
        );
    }
}

#[tokio::test]
async fn every_route_but_the_public_ones_needs_the_bearer_token() {
    let spec = spec().await;
    let scheme = &spec["components"]["securitySchemes"]["bearer"];
    assert_eq!(scheme["type"], "http", "{scheme}");
    assert_eq!(scheme["scheme"], "bearer", "{scheme}");
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for method in METHODS {
            let Some(op) = item.get(*method) else {
                continue;
            };
            let security = &op["security"];
            if PUBLIC.contains(&path.as_str()) {
                assert!(security.is_null(), "{method} {path} is public: {security}");
            } else {
                assert!(
                    security
                        .as_array()
                        .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some())),
                    "{method} {path} does not name the bearer scheme: {security}"
                );
                assert!(
                    op["responses"].get("401").is_some(),
                    "{method} {path} does not document 401"
                );
            }
        }
    }
}

#[tokio::test]
async fn refusals_are_documented_in_the_error_shape() {
    let spec = spec().await;
    let schemas = &spec["components"]["schemas"];
    let body = &schemas["ErrorBody"];
    assert_eq!(
        body["properties"]["error"]["$ref"],
        "#/components/schemas/ErrorDetail"
    );
    let detail = &schemas["ErrorDetail"];
    for member in ["code", "message", "field"] {
        assert!(
            detail["properties"].get(member).is_some(),
            "{member}: {detail}"
        );
    }
    let error_ref = "#/components/schemas/ErrorBody";
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for method in METHODS {
            let Some(op) = item.get(*method) else {
                continue;
            };
            for (status, response) in op["responses"].as_object().expect("responses") {
                if status.starts_with('4') || status.starts_with('5') {
                    assert_eq!(
                        response["content"]["application/json"]["schema"]["$ref"], error_ref,
                        "{method} {path} {status}"
                    );
                }
            }
            if *method == "post" && !PUBLIC.contains(&path.as_str()) {
                for status in ["400", "401", "403", "413", "415", "422", "503"] {
                    assert!(
                        op["responses"].get(status).is_some(),
                        "{method} {path} does not document {status}"
                    );
                }
                if path != "/api/v1/import" && path != "/api/v1/tokens" {
                    let headers: Vec<&str> = op["parameters"]
                        .as_array()
                        .map(|ps| {
                            ps.iter()
                                .filter(|p| p["in"] == "header")
                                .filter_map(|p| p["name"].as_str())
                                .collect()
                        })
                        .unwrap_or_default();
                    assert_eq!(headers, ["Idempotency-Key", "If-Match"], "{method} {path}");
                }
                // An import's body is an export, JSON Lines sent as text; every other write
                // takes JSON.
                let media = if path == "/api/v1/import" {
                    "text/plain"
                } else {
                    "application/json"
                };
                assert!(
                    op["requestBody"]["content"][media]["schema"].is_object(),
                    "{method} {path} has no {media} body schema"
                );
            }
        }
    }
}

#[tokio::test]
async fn write_bodies_leave_out_the_paths_ids() {
    let spec = spec().await;
    let schemas = &spec["components"]["schemas"];
    let properties = |name: &str| -> Vec<String> {
        schemas[name]["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("no schema {name}"))
            .keys()
            .cloned()
            .collect()
    };
    let set_goal = properties("SetGoal");
    assert!(set_goal.contains(&"statement".to_string()), "{set_goal:?}");
    assert!(!set_goal.contains(&"cycle".to_string()), "{set_goal:?}");
    let plan = properties("PlanMilestone");
    assert!(
        !plan.iter().any(|p| p == "cycle" || p == "goal"),
        "{plan:?}"
    );
    let retract = properties("RetractEvent");
    assert!(!retract.contains(&"position".to_string()), "{retract:?}");
    let org = properties("RegisterOrgUnit");
    assert!(org.contains(&"org".to_string()), "{org:?}");
}

/// Every `$ref` in `value`, wherever it stands.
fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v.as_str()) {
                    ("$ref", Some(r)) => out.push(r),
                    _ => refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn every_reference_in_the_document_names_a_schema_it_holds() {
    let app = spawn_app().await;
    let doc = app.get("/openapi.json").await.body;
    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(!found.is_empty());
    for r in found {
        let name = r.strip_prefix("#/components/schemas/").unwrap_or(r);
        assert!(
            doc["components"]["schemas"].get(name).is_some(),
            "{r} does not exist in the document"
        );
    }
    app.stop().await;
}
