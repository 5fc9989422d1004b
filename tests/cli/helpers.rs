//! Running the binary and building stores for it to read.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::NaiveDate;
use trellis_events::{Append, Event, Log, NewEvent};

/// Runs `trellis ARGS` with `--data DIR`, capturing everything it prints.
pub fn trellis(data: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_trellis"));
    cmd.args(args)
        .arg("--data")
        .arg(data)
        .env_remove("TRELLIS_DATA");
    cmd.output().expect("the trellis binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Every event of the log, as `log tail --format json` prints them.
pub fn whole_log(data: &Path) -> Vec<serde_json::Value> {
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

/// A store whose events each carry a distinctive name, so tests can find their bytes.
pub fn store_with_people(dir: &Path, names: &[&str]) {
    let log = Log::open(dir).expect("open log");
    for (i, name) in names.iter().enumerate() {
        let ev = NewEvent {
            occurred_on: NaiveDate::from_ymd_opt(2025, 9, 1).expect("date"),
            event: Event::PersonAdded {
                person: format!("p{i}"),
                name: name.to_string(),
                email: None,
            },
        };
        log.append_blocking(Append::new(format!("person-p{i}"), "tester", vec![ev]))
            .expect("append");
    }
}

/// Copies a directory tree (a store) to a new place.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Every file under `dir`.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}
