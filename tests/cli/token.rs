//! `trellis token`: grant, list and revoke API tokens on a store no server holds.

use crate::helpers::{stdout, trellis, whole_log};

#[test]
fn tokens_made_listed_and_revoked_on_the_command_line_are_on_the_record_without_their_secret() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    assert!(trellis(data, &["demo"]).status.success());

    let made = trellis(
        data,
        &[
            "token",
            "create",
            "--login",
            "ana",
            "--role",
            "editor",
            "--org",
            "maple-valley",
        ],
    );
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let out = stdout(&made);
    let token = out
        .lines()
        .find(|l| l.starts_with("trl_"))
        .unwrap()
        .to_string();
    let id = token.split('_').nth(1).unwrap().to_string();

    let listed = stdout(&trellis(data, &["token", "list"]));
    assert!(listed.contains(&id) && listed.contains("editor") && listed.contains("maple-valley"));
    assert!(!listed.contains(&token), "a secret is never listed");

    // Scoped roles need an existing org; unscoped ones refuse one.
    let no_org = trellis(
        data,
        &["token", "create", "--login", "ben", "--role", "viewer"],
    );
    assert_eq!(no_org.status.code(), Some(1));
    let unknown = trellis(
        data,
        &[
            "token", "create", "--login", "ben", "--role", "viewer", "--org", "atlantis",
        ],
    );
    assert_eq!(unknown.status.code(), Some(1));

    let revoked = trellis(data, &["token", "revoke", &id]);
    assert!(revoked.status.success());
    assert!(stdout(&trellis(data, &["token", "list"])).contains("revoked"));

    let log = whole_log(data);
    let access: Vec<_> = log.iter().filter(|e| e["stream"] == "access").collect();
    let kinds: Vec<_> = access
        .iter()
        .map(|e| e["event"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["access_granted", "access_revoked"]);
    let text = serde_json::to_string(&access).unwrap();
    let secret = token.rsplit('_').next().unwrap();
    assert!(!text.contains(secret));
    assert!(text.contains("ana") && text.contains("maple-valley"));
}
