//! The vocabulary's Okta names checked against real Okta traffic: the recordings of Okta's own
//! SDK tests (`conformance/okta-recordings/`), so the portal and the embedded org cannot agree
//! on a wrong string.

use crate::{GroupKind, LifecycleOp, UserStatus};
use std::collections::BTreeSet;

fn recordings() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../conformance/okta-recordings");
    let mut texts: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .map(|p| std::fs::read_to_string(p).expect("recording"))
        .collect();
    texts.sort();
    assert!(texts.len() >= 30, "the recordings are there");
    texts
}

/// Every `"{key}":{"href":"…/api/v1/users/…/lifecycle/{op}"` link of a user.
fn user_lifecycle_links(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("\":{\"href\":\"") {
        let key_start = rest[..i].rfind('"').map_or(0, |k| k + 1);
        let key = &rest[key_start..i];
        let href_start = i + "\":{\"href\":\"".len();
        let href = rest[href_start..].split('"').next().unwrap_or("");
        if href.contains("/api/v1/users/")
            && let Some(op) = href.split("/lifecycle/").nth(1)
        {
            out.push((key.to_string(), op.to_string()));
        }
        rest = &rest[href_start..];
    }
    out
}

#[test]
fn links_and_paths_are_oktas() {
    let (mut seen, mut called) = (BTreeSet::new(), BTreeSet::new());
    for text in recordings() {
        for (key, path) in user_lifecycle_links(&text) {
            // Okta links the temporary-password variant of expiry too; Portico's button is the other.
            if path == "expire_password_with_temp_password" {
                continue;
            }
            let op = LifecycleOp::parse(&path).unwrap_or_else(|| panic!("Okta's path {path} is not an operation"));
            assert_eq!(op.link(), key, "Okta links {path} as {key}");
            seen.insert(op);
        }
        // Every lifecycle call made at Okta's users API has a name Portico knows.
        for part in text.split("/api/v1/users/").skip(1) {
            let Some(call) = part.split_whitespace().next() else { continue };
            let Some(name) = call.split("/lifecycle/").nth(1) else { continue };
            let name: String = name.chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect();
            if name != "expire_password_with_temp_password" {
                assert!(LifecycleOp::parse(&name).is_some(), "Okta answered lifecycle/{name}; unknown here");
                called.insert(name);
            }
        }
    }
    assert!(seen.len() >= 6, "the recordings link most operations: {seen:?}");
    assert!(called.len() >= 8, "and call most of them: {called:?}");
}

#[test]
fn every_user_status_and_group_type_okta_sent_is_known() {
    let (mut statuses, mut kinds) = (BTreeSet::new(), BTreeSet::new());
    for text in recordings() {
        for part in text.split("{\"id\":\"00u").skip(1) {
            let Some(s) = part.split("\"status\":\"").nth(1).and_then(|s| s.split('"').next()) else { continue };
            if part.find("\"status\":\"").is_some_and(|i| i < 40) {
                statuses.insert(s.to_string());
            }
        }
        for part in text.split("{\"id\":\"00g").skip(1) {
            let head = part.split("\"_links\"").next().unwrap_or(part);
            if let Some(t) = head.split("\"type\":\"").nth(1).and_then(|s| s.split('"').next()) {
                kinds.insert(t.to_string());
            }
        }
    }
    assert!(statuses.len() >= 4 && kinds.len() >= 2, "{statuses:?} {kinds:?}");
    for s in &statuses {
        assert!(!matches!(UserStatus::from_okta(s), UserStatus::Other(_)), "Okta's user status {s} is unknown here");
    }
    for k in &kinds {
        assert!(!matches!(GroupKind::from_okta(k), GroupKind::Other(_)), "Okta's group type {k} is unknown here");
    }
}
