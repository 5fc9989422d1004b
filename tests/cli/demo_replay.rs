//! `trellis demo`, then `trellis replay` at two instants: the views differ exactly as the
//! log says.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::helpers::{stdout, trellis};

fn json(data: &std::path::Path, args: &[&str]) -> Value {
    let out = trellis(data, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

/// Every event of the log, as `log tail --format json` prints them.
fn whole_log(data: &std::path::Path) -> Vec<Value> {
    let out = trellis(
        data,
        &[
            "log", "tail", "--from", "1", "--limit", "1000000", "--format", "json",
        ],
    );
    assert!(out.status.success());
    stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn position_recorded_by(log: &[Value], instant: &str) -> u64 {
    let t = chrono::DateTime::parse_from_rfc3339(instant).unwrap();
    log.iter()
        .filter(|e| {
            chrono::DateTime::parse_from_rfc3339(e["recorded_at"].as_str().unwrap()).unwrap() <= t
        })
        .count() as u64
}

fn retracted_by(log: &[Value], k: u64) -> BTreeSet<u64> {
    log.iter()
        .take(k as usize)
        .filter(|e| e["event"]["type"] == "event_retracted")
        .map(|e| e["event"]["data"]["position"].as_u64().unwrap())
        .collect()
}

/// The positions of the current ratings, per org × rubric × indicator, folded by hand from
/// the log: the last live rating by (occurred_on, position).
fn current_ratings_by_hand(log: &[Value], k: u64) -> BTreeMap<(String, String, String), u64> {
    let retracted = retracted_by(log, k);
    let mut best: BTreeMap<(String, String, String), (String, u64)> = BTreeMap::new();
    for e in log.iter().take(k as usize) {
        let ev = &e["event"]["data"];
        let pos = e["position"].as_u64().unwrap();
        if e["event"]["type"] != "indicator_rated" || retracted.contains(&pos) {
            continue;
        }
        let key = (
            ev["org"].as_str().unwrap().to_string(),
            ev["rubric"].as_str().unwrap().to_string(),
            ev["indicator"].as_str().unwrap().to_string(),
        );
        let on = e["occurred_on"].as_str().unwrap().to_string();
        let newer = best
            .get(&key)
            .is_none_or(|(d, p)| (on.as_str(), pos) > (d.as_str(), *p));
        if newer {
            best.insert(key, (on, pos));
        }
    }
    best.into_iter().map(|(k, (_, p))| (k, p)).collect()
}

fn current_ratings_replayed(view: &Value) -> BTreeMap<(String, String, String), u64> {
    let mut out = BTreeMap::new();
    for org in view["orgs"].as_array().unwrap() {
        for c in org["current"].as_array().unwrap() {
            let key = (
                org["org"].as_str().unwrap().to_string(),
                org["summary"]["rubric"].as_str().unwrap().to_string(),
                c["indicator"].as_str().unwrap().to_string(),
            );
            out.insert(key, c["rating"]["stamp"]["position"].as_u64().unwrap());
        }
    }
    out
}

#[test]
fn demo_then_replay_at_two_dates_differs_exactly_as_the_log_says() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let out = trellis(data, &["demo"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout(&out).contains("Leadership System"),
        "{}",
        stdout(&out)
    );
    let log = whole_log(data);
    let (t1, t2) = ("2025-03-01T00:00:00Z", "2026-03-01T00:00:00Z");
    let (k1, k2) = (
        position_recorded_by(&log, t1),
        position_recorded_by(&log, t2),
    );
    assert!(0 < k1 && k1 < k2, "k1 {k1} k2 {k2}");

    // Maturity: each replay names exactly the ratings a hand fold of the log prefix names.
    let m1 = json(
        data,
        &[
            "replay", "--as-of", t1, "--view", "maturity", "--format", "json",
        ],
    );
    let m2 = json(
        data,
        &[
            "replay", "--as-of", t2, "--view", "maturity", "--format", "json",
        ],
    );
    assert_eq!(m1["as_of"]["position"], k1);
    assert_eq!(m2["as_of"]["position"], k2);
    assert_eq!(
        current_ratings_replayed(&m1),
        current_ratings_by_hand(&log, k1)
    );
    assert_eq!(
        current_ratings_replayed(&m2),
        current_ratings_by_hand(&log, k2)
    );
    assert_ne!(current_ratings_replayed(&m1), current_ratings_replayed(&m2));

    // Timeline: a cycle open at t1 gains exactly its stream's events between k1 and k2.
    let cycle_events = |cycle: &str, k: u64| -> BTreeSet<u64> {
        let retracted = retracted_by(&log, k);
        log.iter()
            .take(k as usize)
            .filter(|e| e["stream"] == format!("cycle-{cycle}"))
            .map(|e| e["position"].as_u64().unwrap())
            .filter(|p| !retracted.contains(p))
            .collect()
    };
    let opened = log
        .iter()
        .take(k1 as usize)
        .find(|e| e["event"]["type"] == "cycle_opened")
        .unwrap();
    let cycle = opened["event"]["data"]["cycle"].as_str().unwrap();
    let positions = |v: &Value| -> BTreeSet<u64> {
        v["cycles"][0]["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["position"].as_u64().unwrap())
            .collect()
    };
    let c1 = json(
        data,
        &[
            "replay", "--as-of", t1, "--view", "timeline", "--cycle", cycle, "--format", "json",
        ],
    );
    let c2 = json(
        data,
        &[
            "replay", "--as-of", t2, "--view", "timeline", "--cycle", cycle, "--format", "json",
        ],
    );
    assert_eq!(positions(&c1), cycle_events(cycle, k1));
    assert_eq!(positions(&c2), cycle_events(cycle, k2));

    // Accountability: the people view as of each instant is judged on that day.
    let a1 = json(
        data,
        &[
            "replay",
            "--as-of",
            t1,
            "--view",
            "accountability",
            "--format",
            "json",
        ],
    );
    let a2 = json(
        data,
        &[
            "replay",
            "--as-of",
            t2,
            "--view",
            "accountability",
            "--format",
            "json",
        ],
    );
    assert_eq!(a1["today"], "2025-03-01");
    assert_ne!(a1["people"], a2["people"]);
    let text = stdout(&trellis(
        data,
        &["replay", "--as-of", t2, "--view", "accountability"],
    ));
    assert!(text.contains("open"), "{text}");
}

#[test]
fn demo_refuses_a_data_directory_that_holds_events() {
    let dir = tempfile::tempdir().unwrap();
    crate::helpers::store_with_people(dir.path(), &["Ada"]);
    let out = trellis(dir.path(), &["demo"]);
    assert!(!out.status.success());
    assert_eq!(whole_log(dir.path()).len(), 1);
}

#[test]
fn replay_at_a_position_past_the_head_stops_at_the_head() {
    let dir = tempfile::tempdir().unwrap();
    crate::helpers::store_with_people(dir.path(), &["Ada", "Grace"]);
    let v = json(
        dir.path(),
        &[
            "replay",
            "--at-position",
            "99",
            "--view",
            "maturity",
            "--format",
            "json",
        ],
    );
    assert_eq!(v["as_of"]["position"], 2);
}
