use crate::helpers::{stdout, trellis};

#[test]
fn leadership_system_json_has_every_area_practice_indicator_and_descriptor() {
    let dir = tempfile::tempdir().unwrap();
    let out = trellis(
        dir.path(),
        &["rubric", "show", "leadership-system", "--format", "json"],
    );
    assert!(out.status.success());
    let r: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let areas = r["areas"].as_array().unwrap();
    let practices: Vec<_> = areas
        .iter()
        .flat_map(|a| a["practices"].as_array().unwrap())
        .collect();
    let indicators: Vec<_> = practices
        .iter()
        .flat_map(|p| p["indicators"].as_array().unwrap())
        .collect();
    let descriptors: usize = indicators
        .iter()
        .map(|i| i["descriptors"].as_array().unwrap().len())
        .sum();
    assert_eq!(
        (areas.len(), practices.len(), indicators.len(), descriptors),
        (6, 19, 28, 84)
    );
    // The shipped file is held to its seed document by the rubric crate's own tests; here the
    // CLI must print exactly the shipped text.
    let catalog = trellis_rubric::Catalog::shipped();
    let shipped = catalog
        .latest("leadership-system")
        .expect("leadership-system is shipped");
    for i in &indicators {
        let id = i["id"].as_str().unwrap();
        let rubric_indicator = shipped.indicator(id).expect("a shipped indicator");
        let texts: Vec<_> = i["descriptors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["text"].as_str().unwrap())
            .collect();
        let expected: Vec<_> = rubric_indicator
            .descriptors
            .iter()
            .map(|d| d.text.as_str())
            .collect();
        assert_eq!(texts, expected, "descriptors of indicator {id}");
    }
}

#[test]
fn rubric_list_names_both_shipped_rubrics_and_a_districts_own() {
    let dir = tempfile::tempdir().unwrap();
    let own = dir.path().join("rubrics");
    std::fs::create_dir_all(&own).unwrap();
    std::fs::write(
        own.join("building.toml"),
        r#"id = "building-level"
version = 1
title = "Building Leadership"
scale = "maturity"
[[levels]]
id = "started"
label = "Started"
[[levels]]
id = "better"
label = "Better"
[[areas]]
id = "culture"
title = "Culture"
[[areas.practices]]
id = "1"
title = "Leaders model the norms."
[[areas.practices.indicators]]
id = "1"
[areas.practices.indicators.descriptors]
started = "Norms are written."
better = "Norms are lived."
"#,
    )
    .unwrap();
    let out = trellis(dir.path(), &["rubric", "list"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    for id in ["leadership-system", "rapid-improvement", "building-level"] {
        assert!(text.contains(id), "{id} missing from:\n{text}");
    }
}

#[test]
fn an_invalid_district_rubric_is_refused_with_file_item_and_rule() {
    let dir = tempfile::tempdir().unwrap();
    let own = dir.path().join("rubrics");
    std::fs::create_dir_all(&own).unwrap();
    std::fs::write(
        own.join("broken.toml"),
        "id = \"broken\"\nversion = 1\ntitle = \"B\"\nscale = \"m\"\n[[levels]]\nid = \"a\"\nlabel = \"A\"\n[[areas]]\nid = \"x\"\ntitle = \"X\"\n[[areas.practices]]\nid = \"1\"\ntitle = \"P\"\n[[areas.practices.indicators]]\nid = \"1\"\n[areas.practices.indicators.descriptors]\na = \"  \"\n",
    )
    .unwrap();
    let out = trellis(dir.path(), &["rubric", "list"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("broken.toml") && err.contains("indicator 1"),
        "{err}"
    );
}

#[test]
fn an_unknown_rubric_id_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = trellis(dir.path(), &["rubric", "show", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no rubric \"nope\""));
}
