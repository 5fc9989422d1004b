//! `trellis demo`, then `trellis replay` at two instants: the views differ exactly as the
//! log says.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::helpers::{stdout, trellis, whole_log};

fn json(data: &std::path::Path, args: &[&str]) -> Value {
    let out = trellis(data, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

/// `replay --as-of T --view VIEW --format json`.
fn view_as_of(data: &std::path::Path, t: &str, view: &str) -> Value {
    json(
        data,
        &["replay", "--as-of", t, "--view", view, "--format", "json"],
    )
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

type Cell = (String, String, String);

/// The positions of the live ratings, per org × rubric × indicator, folded by hand from the
/// log prefix, in the order they happened: by (occurred_on, position). The last is current.
fn trajectories_by_hand(log: &[Value], k: u64) -> BTreeMap<Cell, Vec<u64>> {
    let retracted = retracted_by(log, k);
    let mut cells: BTreeMap<Cell, Vec<(String, u64)>> = BTreeMap::new();
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
        cells.entry(key).or_default().push((on, pos));
    }
    cells
        .into_iter()
        .map(|(k, mut ratings)| {
            ratings.sort();
            (k, ratings.into_iter().map(|(_, p)| p).collect())
        })
        .collect()
}

fn current_ratings_by_hand(log: &[Value], k: u64) -> BTreeMap<Cell, u64> {
    trajectories_by_hand(log, k)
        .into_iter()
        .filter_map(|(k, t)| Some((k, *t.last()?)))
        .collect()
}

/// Per org × rubric × indicator, the replayed view's current rating and trajectory.
fn ratings_replayed(view: &Value) -> BTreeMap<Cell, (u64, Vec<u64>)> {
    let mut out = BTreeMap::new();
    for org in view["orgs"].as_array().unwrap() {
        for c in org["current"].as_array().unwrap() {
            let key = (
                org["org"].as_str().unwrap().to_string(),
                org["summary"]["rubric"].as_str().unwrap().to_string(),
                c["indicator"].as_str().unwrap().to_string(),
            );
            let trajectory = c["trajectory"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["stamp"]["position"].as_u64().unwrap())
                .collect();
            let current = c["rating"]["stamp"]["position"].as_u64().unwrap();
            out.insert(key, (current, trajectory));
        }
    }
    out
}

fn current_ratings_replayed(view: &Value) -> BTreeMap<Cell, u64> {
    ratings_replayed(view)
        .into_iter()
        .map(|(k, (current, _))| (k, current))
        .collect()
}

fn trajectories_replayed(view: &Value) -> BTreeMap<Cell, Vec<u64>> {
    ratings_replayed(view)
        .into_iter()
        .map(|(k, (_, t))| (k, t))
        .collect()
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
    let m1 = view_as_of(data, t1, "maturity");
    let m2 = view_as_of(data, t2, "maturity");
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
    // And each indicator's whole trajectory, in the order the ratings happened.
    assert_eq!(trajectories_replayed(&m1), trajectories_by_hand(&log, k1));
    assert_eq!(trajectories_replayed(&m2), trajectories_by_hand(&log, k2));
    assert!(
        trajectories_replayed(&m2).values().any(|t| t.len() > 1),
        "the demo rates some indicator more than once"
    );
    let text = stdout(&trellis(data, &["replay", "--as-of", t2]));
    assert!(text.contains("  area ") && text.contains(" → "), "{text}");
    // A district's roll-up counts, per indicator, its schools' current levels.
    let mut rolled = 0;
    for district in m2["orgs"].as_array().unwrap() {
        let Some(rollup) = district["rollup"].as_object() else {
            continue;
        };
        let rubric = &district["summary"]["rubric"];
        let schools = rollup["schools"].as_array().unwrap();
        for row in rollup["indicators"].as_array().unwrap() {
            let levels_by_hand: Vec<&Value> = m2["orgs"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|o| schools.contains(&o["org"]) && o["summary"]["rubric"] == *rubric)
                .flat_map(|o| o["current"].as_array().unwrap())
                .filter(|c| c["indicator"] == row["indicator"])
                .map(|c| &c["rating"]["level"])
                .collect();
            let tally = &row["tally"];
            for level in tally["levels"].as_array().unwrap() {
                let n = levels_by_hand
                    .iter()
                    .filter(|l| **l == &level["level"])
                    .count();
                assert_eq!(level["count"], n, "{rubric} {}", row["indicator"]);
            }
            assert_eq!(tally["unrated"], schools.len() - levels_by_hand.len());
            rolled += levels_by_hand.len();
        }
        let first = &rollup["indicators"][0];
        let line = format!("    {:<4} {}", first["indicator"].as_str().unwrap(), {
            let levels = first["tally"]["levels"].as_array().unwrap();
            let counts: Vec<String> = levels
                .iter()
                .map(|l| format!("{} {}", l["label"].as_str().unwrap(), l["count"]))
                .collect();
            format!(
                "{}; unrated {}",
                counts.join(", "),
                first["tally"]["unrated"]
            )
        });
        assert!(text.contains(&line), "{line}\n{text}");
    }
    assert!(rolled > 0, "the demo's schools are rated");

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
    let a1 = view_as_of(data, t1, "accountability");
    let a2 = view_as_of(data, t2, "accountability");
    assert_eq!(a1["today"], "2025-03-01");
    assert_ne!(a1["people"], a2["people"]);
    let text = stdout(&trellis(
        data,
        &["replay", "--as-of", t2, "--view", "accountability"],
    ));
    assert!(text.contains("open"), "{text}");

    // A day alone stands for its end: everything recorded that day (UTC), nothing after.
    let day = log[log.len() / 2]["recorded_at"].as_str().unwrap()[..10].to_string();
    let end_of_day = format!("{day}T23:59:59.999999999Z");
    let by_day = view_as_of(data, &day, "maturity");
    assert_eq!(
        by_day["as_of"]["position"],
        position_recorded_by(&log, &end_of_day)
    );
    assert!(
        position_recorded_by(&log, &end_of_day)
            > position_recorded_by(&log, &format!("{day}T00:00:00Z"))
    );
    let out = trellis(data, &["replay", "--as-of", "March 1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected an instant"));
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

/// Opens the log in this process once the binary is done with it.
fn open_log(data: &std::path::Path) -> trellis_events::Log {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        match trellis_events::Log::open(data) {
            Err(trellis_events::LogError::Locked { .. })
                if std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(20))
            }
            other => return other.unwrap(),
        }
    }
}

/// `replay --view timeline` without `--cycle` folds each listed cycle's own stream; what it
/// shows is what a fold of the whole log prefix keeping every cycle's entries shows, and each
/// cycle holds exactly its stream's live events.
#[test]
fn the_timeline_of_every_cycle_is_what_a_whole_log_fold_with_entries_shows() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    assert!(trellis(data, &["demo"]).status.success());
    let log = whole_log(data);
    let t1 = "2025-03-01T00:00:00Z";
    let k1 = position_recorded_by(&log, t1);
    let head = log.len() as u64;
    let org = log
        .iter()
        .find(|e| e["event"]["type"] == "cycle_opened")
        .map(|e| e["event"]["data"]["org"].as_str().unwrap().to_string())
        .unwrap();

    let all_now = json(data, &["replay", "--view", "timeline", "--format", "json"]);
    let all_then = view_as_of(data, t1, "timeline");
    let org_then = json(
        data,
        &[
            "replay", "--as-of", t1, "--view", "timeline", "--org", &org, "--format", "json",
        ],
    );
    let text = stdout(&trellis(data, &["replay", "--view", "timeline"]));

    // A hand fold: every cycle opened by k, holding its stream's live events.
    let by_hand = |k: u64, org: Option<&str>| -> Vec<(String, BTreeSet<u64>)> {
        let retracted = retracted_by(&log, k);
        log.iter()
            .take(k as usize)
            .filter(|e| e["event"]["type"] == "cycle_opened")
            .filter(|e| org.is_none_or(|o| e["event"]["data"]["org"] == o))
            .map(|opened| {
                let cycle = opened["event"]["data"]["cycle"].as_str().unwrap();
                let positions = log
                    .iter()
                    .take(k as usize)
                    .filter(|e| e["stream"] == format!("cycle-{cycle}"))
                    .map(|e| e["position"].as_u64().unwrap())
                    .filter(|p| !retracted.contains(p))
                    .collect();
                (cycle.to_string(), positions)
            })
            .collect()
    };
    let shown = |v: &Value| -> Vec<(String, BTreeSet<u64>)> {
        v["cycles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let positions = c["entries"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e["position"].as_u64().unwrap())
                    // The retraction's own entry is in the stream too; the hand fold keeps it.
                    .collect();
                (c["header"]["id"].as_str().unwrap().to_string(), positions)
            })
            .collect()
    };
    assert_eq!(shown(&all_now), by_hand(head, None));
    assert_eq!(shown(&all_then), by_hand(k1, None));
    assert_eq!(shown(&org_then), by_hand(k1, Some(&org)));
    assert!(!shown(&org_then).is_empty());

    // The same cycles, headers, entries and summaries as a whole-log fold that keeps entries.
    let events: Vec<_> = open_log(data)
        .iter(1)
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let full_fold = |k: u64, org: Option<&str>| -> Value {
        let p = trellis_projections::as_of_position(&events, k);
        let cycles: Vec<Value> = p
            .timelines
            .cycles()
            .filter(|c| org.is_none_or(|o| c.opening.org == o))
            .map(|c| serde_json::json!({ "header": c.header(), "entries": c.timeline() }))
            .collect();
        serde_json::to_value(cycles).unwrap()
    };
    assert_eq!(all_now["cycles"], full_fold(head, None));
    assert_eq!(all_then["cycles"], full_fold(k1, None));
    assert_eq!(org_then["cycles"], full_fold(k1, Some(&org)));

    // The text form: a header line per cycle and a line per entry.
    let cycles = all_now["cycles"].as_array().unwrap();
    let entries: usize = cycles
        .iter()
        .map(|c| c["entries"].as_array().unwrap().len())
        .sum();
    let entry_lines = text.lines().filter(|l| l.contains("  (#")).count();
    assert_eq!(entry_lines, entries, "{text}");
    for c in cycles {
        let id = c["header"]["id"].as_str().unwrap();
        assert!(text.contains(&format!("[{id}]")), "{id} in {text}");
    }
}

/// The accountability view's per-org part: each org unit's reassignments as of two
/// instants are exactly the live `accountable_reassigned` facts of its cycles recorded by
/// then; `--org` keeps to one unit; an unknown id is an error, not an empty view.
#[test]
fn accountability_per_org_shows_the_reassignments_the_log_holds_as_of_each_instant() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    assert!(trellis(data, &["demo"]).status.success());
    let log = whole_log(data);
    let org_of_cycle: BTreeMap<&str, &str> = log
        .iter()
        .filter(|e| e["event"]["type"] == "cycle_opened")
        .map(|e| {
            let d = &e["event"]["data"];
            (d["cycle"].as_str().unwrap(), d["org"].as_str().unwrap())
        })
        .collect();
    let by_hand = |k: u64| -> BTreeMap<String, Vec<u64>> {
        let retracted = retracted_by(&log, k);
        let mut out: BTreeMap<String, Vec<u64>> = BTreeMap::new();
        for e in log.iter().take(k as usize) {
            let pos = e["position"].as_u64().unwrap();
            if e["event"]["type"] == "accountable_reassigned" && !retracted.contains(&pos) {
                let cycle = e["event"]["data"]["cycle"].as_str().unwrap();
                out.entry(org_of_cycle[cycle].to_string())
                    .or_default()
                    .push(pos);
            }
        }
        out
    };
    let shown = |v: &Value| -> BTreeMap<String, Vec<u64>> {
        v["orgs"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| !o["reassignments"].as_array().unwrap().is_empty())
            .map(|o| {
                let positions = o["reassignments"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["stamp"]["position"].as_u64().unwrap())
                    .collect();
                (o["org"].as_str().unwrap().to_string(), positions)
            })
            .collect()
    };
    let (t1, t2) = ("2025-03-01T00:00:00Z", "2026-01-01T00:00:00Z");
    let at = |t: &str| view_as_of(data, t, "accountability");
    let (a1, a2) = (at(t1), at(t2));
    let (h1, h2) = (
        by_hand(position_recorded_by(&log, t1)),
        by_hand(position_recorded_by(&log, t2)),
    );
    assert!(
        !h1.is_empty() && h1 != h2,
        "the demo reassigns between them"
    );
    assert_eq!(shown(&a1), h1);
    assert_eq!(shown(&a2), h2);

    // One org unit: its own section (even when empty), and only its part of each person's work.
    let (org, positions) = h2.iter().next().unwrap();
    let org_args = [
        "replay",
        "--as-of",
        t2,
        "--view",
        "accountability",
        "--org",
        org,
    ];
    let one = json(data, &[&org_args[..], &["--format", "json"]].concat());
    assert_eq!(
        shown(&one),
        BTreeMap::from([(org.clone(), positions.clone())])
    );
    let people = one["people"].as_array().unwrap();
    assert!(!people.is_empty());
    for p in people {
        for list in ["open", "overdue", "due_soon"] {
            for item in p[list].as_array().unwrap() {
                assert_eq!(item["org"], org.as_str(), "{p}");
            }
        }
        for role in p["roles"].as_array().unwrap() {
            assert_eq!(role["org"], org.as_str(), "{p}");
        }
    }
    let text = stdout(&trellis(data, &org_args));
    assert!(text.contains("reassignment"), "{text}");
    assert!(text.contains(&format!("#{}", positions[0])), "{text}");

    // One person: each unit keeps the reassignments they were handed or handed on, and no
    // unowned items (those are nobody's); text lists every open item they answer for.
    let handed = log
        .iter()
        .take(position_recorded_by(&log, t1) as usize)
        .find(|e| e["event"]["type"] == "accountable_reassigned")
        .unwrap();
    let person = handed["event"]["data"]["to"].as_str().unwrap();
    let person_args = [
        "replay",
        "--as-of",
        t1,
        "--view",
        "accountability",
        "--person",
        person,
    ];
    let theirs = json(data, &[&person_args[..], &["--format", "json"]].concat());
    let involving = |v: &Value| -> Vec<u64> {
        v["orgs"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|o| o["reassignments"].as_array().unwrap())
            .filter(|r| r["from"] == person || r["to"] == person)
            .map(|r| r["stamp"]["position"].as_u64().unwrap())
            .collect()
    };
    let all_involving = involving(&a1);
    assert!(all_involving.contains(&handed["position"].as_u64().unwrap()));
    assert_eq!(involving(&theirs), all_involving);
    for o in theirs["orgs"].as_array().unwrap() {
        assert!(o["unowned"].as_array().unwrap().is_empty(), "{o}");
        for r in o["reassignments"].as_array().unwrap() {
            assert!(r["from"] == person || r["to"] == person, "{r}");
        }
    }
    let text = stdout(&trellis(data, &person_args));
    let open = theirs["people"][0]["open"].as_array().unwrap();
    assert!(!open.is_empty(), "{person} answers for something at {t1}");
    for item in open {
        let title: String = item["title"].as_str().unwrap().chars().take(40).collect();
        assert!(text.contains(&title), "{title} in {text}");
    }
    assert!(text.contains("they were part of"), "{text}");

    // Wrong ids and misplaced options say so.
    for (args, code, said) in [
        (
            &["replay", "--view", "maturity", "--org", "no-such-org"][..],
            1,
            "no org unit \"no-such-org\"",
        ),
        (
            &["replay", "--view", "accountability", "--person", "nobody"][..],
            1,
            "no person \"nobody\"",
        ),
        (
            &["replay", "--view", "maturity", "--person", "nobody"][..],
            2,
            "--person applies to --view accountability",
        ),
        (
            &["replay", "--view", "accountability", "--cycle", "c"][..],
            2,
            "--cycle applies to --view timeline",
        ),
        (
            &[
                "replay",
                "--view",
                "accountability",
                "--today",
                "2025-13-01",
            ][..],
            2,
            "expected a day such as 2025-03-01, got \"2025-13-01\"",
        ),
    ] {
        let out = trellis(data, args);
        assert_eq!(out.status.code(), Some(code), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(said), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

/// The documents view as of two instants: each org unit's vision versions, agreements and
/// plans are exactly its live facts of those kinds recorded by then, in log order, and each
/// role's holders are who was assigned and not released since.
#[test]
fn documents_keep_every_version_the_log_holds_as_of_each_instant() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    assert!(trellis(data, &["demo"]).status.success());
    let log = whole_log(data);
    type Shown = BTreeMap<
        String,
        (
            Vec<u64>,
            Vec<u64>,
            Vec<u64>,
            BTreeMap<String, BTreeSet<String>>,
        ),
    >;
    let by_hand = |k: u64| -> Shown {
        let retracted = retracted_by(&log, k);
        let mut out: Shown = BTreeMap::new();
        for e in log.iter().take(k as usize) {
            let pos = e["position"].as_u64().unwrap();
            let d = &e["event"]["data"];
            let Some(org) = d["org"].as_str() else {
                continue;
            };
            if retracted.contains(&pos) {
                continue;
            }
            let entry = out.entry(org.to_string()).or_default();
            match e["event"]["type"].as_str().unwrap() {
                "vision_adopted" | "vision_revised" => entry.0.push(pos),
                "agreement_recorded" => entry.1.push(pos),
                "strategic_plan_recorded" => entry.2.push(pos),
                "role_defined" => {
                    entry
                        .3
                        .entry(d["role"].as_str().unwrap().to_string())
                        .or_default();
                }
                "role_assigned" => {
                    let role = entry
                        .3
                        .entry(d["role"].as_str().unwrap().to_string())
                        .or_default();
                    role.insert(d["person"].as_str().unwrap().to_string());
                }
                "role_released" => {
                    let role = entry
                        .3
                        .entry(d["role"].as_str().unwrap().to_string())
                        .or_default();
                    role.remove(d["person"].as_str().unwrap());
                }
                _ => {}
            }
        }
        out.retain(|_, (v, a, p, r)| {
            !(v.is_empty() && a.is_empty() && p.is_empty() && r.is_empty())
        });
        out
    };
    let positions = |list: &Value| -> Vec<u64> {
        list.as_array()
            .map(|l| {
                l.iter()
                    .map(|s| s["stamp"]["position"].as_u64().unwrap())
                    .collect()
            })
            .unwrap_or_default()
    };
    let shown = |v: &Value| -> Shown {
        v["orgs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                let roles = o["roles"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| {
                        let holders = r["holders"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|h| h.as_str().unwrap().to_string())
                            .collect();
                        (r["role"].as_str().unwrap().to_string(), holders)
                    })
                    .collect();
                (
                    o["org"].as_str().unwrap().to_string(),
                    (
                        positions(&o["vision"]["versions"]),
                        positions(&o["agreements"]),
                        positions(&o["plans"]),
                        roles,
                    ),
                )
            })
            .collect()
    };
    let (t1, t2) = ("2024-09-01T00:00:00Z", "2026-01-01T00:00:00Z");
    let at = |t: &str| view_as_of(data, t, "documents");
    let (h1, h2) = (
        by_hand(position_recorded_by(&log, t1)),
        by_hand(position_recorded_by(&log, t2)),
    );
    assert_ne!(
        h1, h2,
        "the demo revises documents between the two instants"
    );
    assert!(
        h2.values().any(|(v, ..)| v.len() > 1),
        "a vision was revised"
    );
    assert_eq!(shown(&at(t1)), h1);
    assert_eq!(shown(&at(t2)), h2);

    let (org, _) = h2.iter().find(|(_, (v, ..))| v.len() > 1).unwrap();
    let text = stdout(&trellis(
        data,
        &["replay", "--as-of", t2, "--view", "documents", "--org", org],
    ));
    assert!(
        text.contains(", current (revised ") && text.contains(" because "),
        "{text}"
    );
}
