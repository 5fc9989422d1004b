use crate::helpers::{copy_dir, files_under, stdout, store_with_people, trellis};

#[test]
fn verify_passes_on_an_intact_store_and_prints_the_head() {
    let dir = tempfile::tempdir().unwrap();
    store_with_people(dir.path(), &["Ada", "Grace", "Katherine"]);
    let out = trellis(dir.path(), &["verify"]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(stdout(&out).contains("3 events checked; head position 3"));
}

#[test]
fn verify_catches_a_flipped_byte_in_a_copied_store() {
    let dir = tempfile::tempdir().unwrap();
    let original = dir.path().join("original");
    let names: Vec<String> = (0..50)
        .map(|i| format!("Marker-{i:03}-Zephyrine"))
        .collect();
    let refs: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
    store_with_people(&original, &refs);
    let copy = dir.path().join("copy");
    copy_dir(&original, &copy);

    let marker = b"Marker-025-Zephyrine";
    let mut flipped = 0;
    for f in files_under(&copy.join("store")) {
        let mut bytes = std::fs::read(&f).unwrap();
        if let Some(at) = bytes.windows(marker.len()).position(|w| w == marker) {
            bytes[at + 7] ^= 0x01;
            std::fs::write(&f, bytes).unwrap();
            flipped += 1;
        }
    }
    assert!(flipped > 0, "the marker was not found in the store's files");

    let ok = trellis(&original, &["verify"]);
    assert!(ok.status.success(), "{}", stdout(&ok));
    let out = trellis(&copy, &["verify"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout: {}\nstderr: {}",
        stdout(&out),
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("verify of the flipped copy said: {}", stdout(&out));
    assert!(stdout(&out).contains("FAILED"), "{}", stdout(&out));
}

#[test]
fn verify_of_a_missing_store_is_an_error_not_a_new_store() {
    let dir = tempfile::tempdir().unwrap();
    let out = trellis(&dir.path().join("nothing"), &["verify"]);
    assert!(!out.status.success());
    assert!(!dir.path().join("nothing").exists());
}

#[test]
fn repacking_a_demo_store_changes_no_event_and_no_view() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let demo = trellis(&data, &["demo"]);
    assert!(demo.status.success(), "{}", stdout(&demo));
    let args = [
        "replay",
        "--at-position",
        "2000",
        "--view",
        "maturity",
        "--format",
        "json",
    ];
    let before = stdout(&trellis(&data, &args));
    let tail = [
        "log", "tail", "--from", "1", "--limit", "100000", "--format", "json",
    ];
    let log_before = stdout(&trellis(&data, &tail));

    let out = trellis(&data, &["log", "repack"]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(stdout(&out).starts_with("repacked "), "{}", stdout(&out));

    let ok = trellis(&data, &["verify"]);
    assert!(ok.status.success(), "{}", stdout(&ok));
    assert_eq!(stdout(&trellis(&data, &tail)), log_before);
    assert_eq!(stdout(&trellis(&data, &args)), before);

    // Compacting gives space back and changes no event, no view, no verdict either.
    let out = trellis(&data, &["log", "compact"]);
    let said = stdout(&out);
    assert!(out.status.success(), "{said}");
    let sizes: Vec<f64> = said
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    assert!(said.starts_with("compacted the store of "), "{said}");
    assert!(sizes.len() >= 3 && sizes[2] < sizes[1], "{said}");
    let ok = trellis(&data, &["verify"]);
    assert!(ok.status.success(), "{}", stdout(&ok));
    assert_eq!(stdout(&trellis(&data, &tail)), log_before);
    assert_eq!(stdout(&trellis(&data, &args)), before);
}

#[test]
fn compacting_a_missing_store_is_an_error_not_a_new_store() {
    let dir = tempfile::tempdir().unwrap();
    let out = trellis(&dir.path().join("nothing"), &["log", "compact"]);
    assert!(!out.status.success());
    assert!(!dir.path().join("nothing").exists());
}
