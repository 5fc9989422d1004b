//! `/metrics`: the Prometheus page, for admins on the API's address and for anyone on the
//! `--metrics-addr` listener, parsed by a Prometheus text parser.
//!
//! The recorder is global to the test process, and the other tests' servers record into
//! it at the same time: counters and histograms are compared before and after this test's
//! own requests (they must have moved at least by those), and the log gauges, which only a
//! rendering sets, are rendered by this test alone.

use prometheus_parse::{LineInfo, Scrape, Value};
use reqwest::StatusCode;
use serde_json::json;
use trellis::token::Role;

use crate::helpers::{spawn_app, TestApp};

/// The server's root (`base` without `/api/v1`).
fn root(app: &TestApp) -> String {
    app.base.trim_end_matches("/api/v1").to_string()
}

async fn fetch(app: &TestApp, url: &str, token: Option<&str>) -> (StatusCode, String) {
    let mut req = app.client.get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.expect("the server answers");
    let status = r.status();
    let content_type = r
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let text = r.text().await.expect("a body");
    if status == StatusCode::OK {
        assert!(
            content_type.starts_with("text/plain"),
            "the page is Prometheus text, not {content_type:?}"
        );
    }
    (status, text)
}

/// Parses the page, refusing any line the parser would skip. `prometheus-parse` reads a
/// label value up to its first `}`, so it skips (never misreads) the samples of routes with
/// a path parameter (`route="/api/v1/orgs/{org}"`); CI's `api_fuzz` step reads the whole
/// page with Prometheus' own Python parser.
fn parse(text: &str) -> Scrape {
    for line in text.lines() {
        let labels = match (line.find('{'), line.rfind('}')) {
            (Some(open), Some(close)) if open < close => &line[open + 1..close],
            _ => "",
        };
        if labels.contains(['{', '}']) {
            continue;
        }
        assert!(
            !matches!(LineInfo::parse(line), LineInfo::Ignored),
            "not Prometheus text: {line:?}"
        );
    }
    let scrape = Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).expect("it parses");
    assert!(!scrape.samples.is_empty(), "no samples in:\n{text}");
    scrape
}

/// The sum of the samples named `name` whose labels include `labels` (a histogram's
/// samples count their observations).
fn value(scrape: &Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    scrape
        .samples
        .iter()
        .filter(|s| s.metric == name)
        .filter(|s| labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match &s.value {
            Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => *v,
            Value::Histogram(buckets) => buckets
                .iter()
                .find(|b| b.less_than.is_infinite())
                .map_or(0.0, |b| b.count),
            Value::Summary(_) => panic!("{name} is a summary, not a histogram"),
        })
        .sum()
}

fn request(method: &str, route: &str, status: &str) -> [(&'static str, String); 3] {
    [
        ("method", method.to_string()),
        ("route", route.to_string()),
        ("status", status.to_string()),
    ]
}

fn requests(scrape: &Scrape, method: &str, route: &str, status: &str) -> f64 {
    let labels = request(method, route, status);
    let labels: Vec<(&str, &str)> = labels.iter().map(|(k, v)| (*k, v.as_str())).collect();
    value(scrape, "trellis_http_requests_total", &labels)
}

#[tokio::test]
async fn the_metrics_page_counts_this_tests_requests() {
    let app = spawn_app().await;
    let page = format!("{}/metrics", root(&app));
    let (status, text) = fetch(&app, &page, Some(&app.admin)).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let before = parse(&text);

    // A write, a read, a bad token, and the page without a token and with a viewer's.
    app.created(
        "/orgs",
        json!({"org": "north", "kind": "district", "name": "North District", "on": "2025-01-02"}),
    )
    .await;
    assert_eq!(app.get("/orgs").await.status, StatusCode::OK);
    let bad = app.get_as("trl_nosuchtoken_00", "/orgs").await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    let viewer = app.token("vera", Role::Viewer, Some("north")).await;
    let (status, text) = fetch(&app, &page, Some(&viewer)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{text}");
    let (status, text) = fetch(&app, &page, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{text}");

    let (status, text) = fetch(&app, &page, Some(&app.admin)).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let head = app.head();
    let after = parse(&text);

    let moved = |name: &str, by: f64, f: &dyn Fn(&Scrape) -> f64| {
        let (b, a) = (f(&before), f(&after));
        assert!(
            a - b >= by,
            "{name}: {b} before, {a} after; expected +{by}\n{text}"
        );
    };
    moved("POST /orgs 201", 1.0, &|s| {
        requests(s, "POST", "/api/v1/orgs", "201")
    });
    moved("GET /orgs 200", 1.0, &|s| {
        requests(s, "GET", "/api/v1/orgs", "200")
    });
    moved("GET /orgs 401", 1.0, &|s| {
        requests(s, "GET", "/api/v1/orgs", "401")
    });
    moved("GET /metrics 200", 1.0, &|s| {
        requests(s, "GET", "/metrics", "200")
    });
    moved("GET /metrics 403", 1.0, &|s| {
        requests(s, "GET", "/metrics", "403")
    });
    moved("GET /metrics 401", 1.0, &|s| {
        requests(s, "GET", "/metrics", "401")
    });
    moved("latency of POST /orgs", 1.0, &|s| {
        value(
            s,
            "trellis_http_request_duration_seconds",
            &[("method", "POST"), ("route", "/api/v1/orgs")],
        )
    });
    moved("bad tokens", 1.0, &|s| {
        value(s, "trellis_auth_failures_total", &[("reason", "bad_token")])
    });
    moved("missing tokens", 1.0, &|s| {
        value(s, "trellis_auth_failures_total", &[("reason", "missing")])
    });
    moved("append groups", 1.0, &|s| {
        value(s, "trellis_append_group_size_count", &[])
    });
    moved("append group histogram", 1.0, &|s| {
        value(s, "trellis_append_group_size", &[])
    });
    moved("flushes", 1.0, &|s| {
        value(s, "trellis_append_flush_seconds_count", &[])
    });

    assert!(head >= 1, "the write landed");
    assert_eq!(value(&after, "trellis_log_head_position", &[]), head as f64);
    assert_eq!(value(&after, "trellis_log_events", &[]), head as f64);
    let lag = value(&after, "trellis_projection_lag_events", &[]);
    assert!(lag >= 0.0 && lag <= head as f64, "lag {lag}");
    assert!(
        after
            .samples
            .iter()
            .all(|s| s.metric.starts_with("trellis_")),
        "only trellis metrics"
    );

    // The same page on a listener of its own, without a token (`--metrics-addr`).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(trellis::server::run_metrics(
        listener,
        app.server.clone(),
        async {
            let _ = stopped.await;
        },
    ));
    let (status, text) = fetch(&app, &format!("http://{addr}/metrics"), None).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let open = parse(&text);
    assert_eq!(value(&open, "trellis_log_head_position", &[]), head as f64);
    let (status, _) = fetch(&app, &format!("http://{addr}/api/v1/orgs"), None).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "only the metrics are served there"
    );
    let _ = stop.send(());
    serving.await.expect("joins").expect("serves");
    app.stop().await;
}
