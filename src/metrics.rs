//! Every metric the server exports, named in this one place, with the small functions that
//! record them, and the Prometheus recorder they are recorded into.
//!
//! The recorder is global to the process: [`install`] sets it up once (the API tests start
//! many servers in one process, and every one of them calls it) and starts a thread that
//! runs the exporter's upkeep (draining the histograms' buckets) every few seconds. Until it
//! is installed, recording is a no-op, so the CLI's other commands never pay for it.
//!
//! | metric | type | labels | what |
//! |---|---|---|---|
//! | `trellis_http_requests_total` | counter | `method`, `route`, `status` | requests answered |
//! | `trellis_http_request_duration_seconds` | histogram | `method`, `route`, `status` | time to answer |
//! | `trellis_auth_failures_total` | counter | `reason` | requests refused for their token |
//! | `trellis_append_group_size` | histogram | | appends handed to the log in one group |
//! | `trellis_append_flush_seconds` | histogram | | a group's durable flush |
//! | `trellis_log_events` | gauge | | events in the log (positions are gap-free, so also the head) |
//! | `trellis_log_head_position` | gauge | | the log's last durable position |
//! | `trellis_projection_lag_events` | gauge | | durable events the live views have not folded yet |
//! | `trellis_sse_subscribers` | gauge | | open event streams |

use std::sync::OnceLock;
use std::time::Duration;

use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Requests answered, by method, matched route and status.
pub const HTTP_REQUESTS: &str = "trellis_http_requests_total";
/// Time to answer a request, by method, matched route and status.
pub const HTTP_DURATION: &str = "trellis_http_request_duration_seconds";
/// Requests refused for their token: `reason="missing"` without one, `"bad_token"` when it
/// is unknown, malformed or revoked.
pub const AUTH_FAILURES: &str = "trellis_auth_failures_total";
/// How many appends the writer handed to the log in one group (one durable flush).
pub const APPEND_GROUP_SIZE: &str = "trellis_append_group_size";
/// How long a group's durable flush took.
pub const APPEND_FLUSH: &str = "trellis_append_flush_seconds";
/// Events in the log.
pub const LOG_EVENTS: &str = "trellis_log_events";
/// The log's last durable position.
pub const LOG_HEAD: &str = "trellis_log_head_position";
/// Durable events not yet folded into the live views.
pub const PROJECTION_LAG: &str = "trellis_projection_lag_events";
/// Open server-sent event streams.
pub const SSE_SUBSCRIBERS: &str = "trellis_sse_subscribers";

/// Every metric's name, for documentation and tests.
pub const NAMES: &[&str] = &[
    HTTP_REQUESTS,
    HTTP_DURATION,
    AUTH_FAILURES,
    APPEND_GROUP_SIZE,
    APPEND_FLUSH,
    LOG_EVENTS,
    LOG_HEAD,
    PROJECTION_LAG,
    SSE_SUBSCRIBERS,
];

/// Buckets of the latency histograms, in seconds.
const SECONDS: &[f64] = &[
    0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Buckets of the group size histogram.
const GROUP: &[f64] = &[
    1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0,
];

/// How often the exporter's upkeep runs.
const UPKEEP: Duration = Duration::from_secs(5);

/// Installs the process's recorder (once; later calls answer the same handle) and starts
/// its upkeep. `None` when another recorder was installed first, by something else.
pub fn install() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE.get_or_init(build).as_ref()
}

fn build() -> Option<PrometheusHandle> {
    let builder = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), SECONDS)
        .and_then(|b| b.set_buckets_for_metric(Matcher::Full(APPEND_FLUSH.into()), SECONDS))
        .and_then(|b| b.set_buckets_for_metric(Matcher::Full(APPEND_GROUP_SIZE.into()), GROUP));
    let builder = match builder {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "the metrics recorder cannot be built");
            return None;
        }
    };
    let handle = match builder.install_recorder() {
        Ok(handle) => handle,
        Err(e) => {
            tracing::error!(error = %e, "the metrics recorder cannot be installed");
            return None;
        }
    };
    describe();
    let upkeep = handle.clone();
    let started = std::thread::Builder::new()
        .name("trellis-metrics".into())
        .spawn(move || loop {
            std::thread::sleep(UPKEEP);
            upkeep.run_upkeep();
        });
    if let Err(e) = started {
        tracing::error!(error = %e, "the metrics upkeep thread cannot start");
    }
    Some(handle)
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(
        HTTP_REQUESTS,
        "Requests answered, by method, matched route and status"
    );
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "Time to answer a request, by method, matched route and status"
    );
    describe_counter!(
        AUTH_FAILURES,
        "Requests refused for their token (missing, or unknown, malformed or revoked)"
    );
    describe_histogram!(
        APPEND_GROUP_SIZE,
        Unit::Count,
        "Appends handed to the log in one group, sharing one durable flush"
    );
    describe_histogram!(
        APPEND_FLUSH,
        Unit::Seconds,
        "Time a group's durable flush took"
    );
    describe_gauge!(LOG_EVENTS, Unit::Count, "Events in the log");
    describe_gauge!(LOG_HEAD, "The log's last durable position");
    describe_gauge!(
        PROJECTION_LAG,
        Unit::Count,
        "Durable events the live views have not folded yet"
    );
    describe_gauge!(
        SSE_SUBSCRIBERS,
        Unit::Count,
        "Open server-sent event streams"
    );
    // Shown (at zero) before anything happened, so that a dashboard finds them at once.
    counter!(AUTH_FAILURES, "reason" => "missing").increment(0);
    counter!(AUTH_FAILURES, "reason" => "bad_token").increment(0);
    gauge!(SSE_SUBSCRIBERS).increment(0.0);
}

/// One answered request. `route` is the matched route (a template, never a raw path).
pub fn request(method: &str, route: &str, status: u16, took: Duration) {
    let labels = [
        ("method", method.to_string()),
        ("route", route.to_string()),
        ("status", status.to_string()),
    ];
    counter!(HTTP_REQUESTS, &labels).increment(1);
    histogram!(HTTP_DURATION, &labels).record(took.as_secs_f64());
}

/// A request refused for its token: `"missing"` (no bearer token) or `"bad_token"`
/// (unknown, malformed or revoked).
pub fn auth_failure(reason: &'static str) {
    counter!(AUTH_FAILURES, "reason" => reason).increment(1);
}

/// One group of `appends` handed to the log, whose durable flush took `flush`.
pub fn append_group(appends: usize, flush: Duration) {
    histogram!(APPEND_GROUP_SIZE).record(appends as f64);
    histogram!(APPEND_FLUSH).record(flush.as_secs_f64());
}

/// The log's head and the live views' lag behind it, set when the page is rendered.
pub fn log_state(head: u64, lag: u64) {
    gauge!(LOG_EVENTS).set(head as f64);
    gauge!(LOG_HEAD).set(head as f64);
    gauge!(PROJECTION_LAG).set(lag as f64);
}

/// An event stream opened (`1.0`) or closed (`-1.0`).
pub fn sse_subscribers(delta: f64) {
    gauge!(SSE_SUBSCRIBERS).increment(delta);
}

/// Counts one open event stream for as long as it is held.
#[must_use = "the stream is counted only while the guard is held"]
pub struct SseSubscriber(());

impl SseSubscriber {
    pub fn new() -> SseSubscriber {
        sse_subscribers(1.0);
        SseSubscriber(())
    }
}

impl Default for SseSubscriber {
    fn default() -> SseSubscriber {
        SseSubscriber::new()
    }
}

impl Drop for SseSubscriber {
    fn drop(&mut self) {
        sse_subscribers(-1.0);
    }
}

/// The Prometheus text page, with the log's gauges set to `head` and `lag` first. Empty
/// when no recorder could be installed.
pub fn render(head: u64, lag: u64) -> String {
    let Some(handle) = install() else {
        return String::new();
    };
    log_state(head, lag);
    handle.render()
}
