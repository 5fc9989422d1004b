//! `trellis audit` on the demo district: every filter lists exactly the events a hand
//! filter of the whole log picks, in log order.

use serde_json::Value;

use crate::helpers::{stdout, trellis, whole_log};

fn listed(data: &std::path::Path, filters: &[&str]) -> Vec<Value> {
    let mut args = vec!["audit", "--format", "json"];
    args.extend_from_slice(filters);
    let out = trellis(data, &args);
    assert!(
        out.status.success(),
        "{filters:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

fn positions(entries: &[Value]) -> Vec<u64> {
    entries
        .iter()
        .map(|e| e["position"].as_u64().unwrap())
        .collect()
}

#[test]
fn audit_lists_exactly_what_each_filter_picks_from_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    assert!(trellis(data, &["demo"]).status.success());
    let log = whole_log(data);
    let by_hand = |pick: &dyn Fn(&Value) -> bool| -> Vec<u64> {
        log.iter()
            .filter(|e| pick(e))
            .map(|e| e["position"].as_u64().unwrap())
            .collect()
    };
    let recorded = |e: &Value| {
        chrono::DateTime::parse_from_rfc3339(e["recorded_at"].as_str().unwrap()).unwrap()
    };
    let instant = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap();

    // Every event type the log holds is one `--kind` accepts, and the demo holds every one
    // but the grants and revocations of API tokens, which only a token's making writes.
    let kinds: std::collections::BTreeSet<&str> = log
        .iter()
        .map(|e| e["event"]["type"].as_str().unwrap())
        .collect();
    let domain = trellis_events::KINDS
        .iter()
        .filter(|k| !k.starts_with("access_"))
        .count();
    assert_eq!(kinds.len(), domain);
    for kind in &kinds {
        assert!(trellis_events::KINDS.contains(kind), "{kind}");
    }

    let all = listed(data, &[]);
    assert_eq!(positions(&all), by_hand(&|_| true));
    assert!(all
        .iter()
        .all(|e| !e["summary"].as_str().unwrap().is_empty()));

    // Someone who records measures, so that every case below picks something.
    let actor = log[log.len() / 2..]
        .iter()
        .find(|e| e["event"]["type"] == "measure_recorded")
        .map(|e| e["actor"].as_str().unwrap().to_string())
        .unwrap();
    let stream = log[log.len() / 2]["stream"].as_str().unwrap().to_string();
    let (from, to) = ("2025-01-01T00:00:00Z", "2025-06-30T23:59:59Z");
    let in_window = |e: &Value| instant(from) <= recorded(e) && recorded(e) <= instant(to);
    type Pick<'a> = Box<dyn Fn(&Value) -> bool + 'a>;
    let cases: Vec<(Vec<&str>, Pick)> = vec![
        (
            vec!["--actor", &actor],
            Box::new(|e: &Value| e["actor"] == actor.as_str()),
        ),
        (
            vec!["--kind", "milestone_rescheduled"],
            Box::new(|e: &Value| e["event"]["type"] == "milestone_rescheduled"),
        ),
        (vec!["--from", from, "--to", to], Box::new(in_window)),
        // A day stands for all of it: from its start, to its end (UTC).
        (
            vec!["--from", "2025-02-03", "--to", "2025-02-07"],
            Box::new(|e: &Value| {
                let day = recorded(e).date_naive().to_string();
                ("2025-02-03".."2025-02-08").contains(&day.as_str())
            }),
        ),
        (
            vec!["--stream", &stream],
            Box::new(|e: &Value| e["stream"] == stream.as_str()),
        ),
        (
            vec!["--stream", &stream, "--from", from, "--to", to],
            Box::new(|e: &Value| e["stream"] == stream.as_str() && in_window(e)),
        ),
        (
            vec![
                "--actor",
                &actor,
                "--kind",
                "measure_recorded",
                "--from",
                from,
            ],
            Box::new(|e: &Value| {
                e["actor"] == actor.as_str()
                    && e["event"]["type"] == "measure_recorded"
                    && instant(from) <= recorded(e)
            }),
        ),
    ];
    for (filters, pick) in &cases {
        let want = by_hand(pick.as_ref());
        assert!(!want.is_empty(), "{filters:?} picks something in the demo");
        assert_eq!(positions(&listed(data, filters)), want, "{filters:?}");
    }

    // A limit keeps the first matches; text ends with the count.
    let first3 = listed(data, &["--kind", "goal_set", "--limit", "3"]);
    assert_eq!(
        positions(&first3),
        by_hand(&|e| e["event"]["type"] == "goal_set")[..3]
    );
    let text = stdout(&trellis(
        data,
        &["audit", "--kind", "accountable_reassigned"],
    ));
    let n = by_hand(&|e| e["event"]["type"] == "accountable_reassigned").len();
    assert!(
        text.ends_with(&format!("{n} events matched of {} read\n", log.len())),
        "{text}"
    );

    // A stream the log does not have is said, not answered with an empty list.
    let out = trellis(data, &["audit", "--stream", "cycle-no-such-cycle"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no stream \"cycle-no-such-cycle\""));

    // A malformed filter is refused, not answered with an empty list.
    for (filters, said) in [
        (&["--kind", "goal_forgotten"][..], "is not an event type"),
        (&["--from", to, "--to", from][..], "is after --to"),
        (&["--from", "last week"][..], "expected an instant"),
    ] {
        let mut args = vec!["audit"];
        args.extend_from_slice(filters);
        let out = trellis(data, &args);
        assert_eq!(out.status.code(), Some(2), "{filters:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(said),
            "{filters:?}"
        );
        assert!(out.stdout.is_empty());
    }
}
