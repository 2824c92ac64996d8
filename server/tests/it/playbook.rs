//! The leaver playbook over real HTTP against the embedded org, on the engine's clock: each
//! step once and in order, up to the deletion; a manager's offboarding approved, then restored
//! before the day; a failed step blocks the rest until it is tried again.
use crate::approvals::{decide, wait_for};
use crate::helpers::{fns::*, *};
use chrono::Duration;
use reqwest::StatusCode;
use serde_json::Value;

const MARIA: &str = "maria.manager@portico.example";
const ED: &str = "ed.engineer@portico.example";
const SAM: &str = "sam.sales@portico.example";

/// `YYYY-MM-DDTHH:MM` in UTC, `days` from the portal's now.
fn in_days(app: &TestApp, days: i64) -> String {
    (portico_core::Clock::controlled(&app.data_dir).now() + Duration::days(days)).format("%Y-%m-%dT%H:%M").to_string()
}

fn offboard(person: &str, on: &str, new_manager: Option<&str>) -> Offboard {
    Offboard {
        person: person.into(),
        on: on.into(),
        zone: "UTC".into(),
        new_manager: new_manager.map(str::to_string),
        reason: "Last day is Friday".into(),
    }
}

/// The playbook's steps as its checklist shows them: `(n, status)`.
async fn steps(who: &Session, id: &str) -> Vec<(u64, String)> {
    let (status, c) = json(who.call_fn(Checklist { id: id.into() }).await).await;
    assert_eq!(status, StatusCode::OK, "{c}");
    c["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| (s["n"].as_u64().unwrap_or_default(), s["status"].as_str().unwrap_or_default().to_string()))
        .collect()
}

/// Waits (bounded) until step `n` of `playbook` has `want`.
async fn step_becomes(db: &PortalDb, playbook: &str, n: &str, want: &str) -> String {
    for _ in 0..300 {
        let n_now = db
            .int("SELECT COUNT(*) FROM requests WHERE parent_id = $1 AND step = CAST($2 AS INTEGER)", &[playbook, n])
            .await;
        if n_now == 1 {
            let id = db
                .text("SELECT id FROM requests WHERE parent_id = $1 AND step = CAST($2 AS INTEGER)", &[playbook, n])
                .await
                .expect("id");
            if db.text("SELECT status FROM requests WHERE id = $1", &[&id]).await.as_deref() == Some(want) {
                return id;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("step {n} of {playbook} never became {want}");
}

async fn person(who: &Session, id: &str) -> Value {
    let (status, p) = json(who.call_fn(GetPerson { id: id.into() }).await).await;
    assert_eq!(status, StatusCode::OK, "{p}");
    p
}

async fn groups_of(who: &Session, id: &str) -> Vec<String> {
    let (_, groups) = json(who.call_fn(PersonGroups { id: id.into() }).await).await;
    groups.as_array().expect("groups").iter().map(|g| g["name"].as_str().unwrap_or_default().to_string()).collect()
}

#[tokio::test]
async fn the_playbook_runs_each_step_once_in_order_up_to_the_deletion() {
    let app = spawn_app().await;
    let ada = app.session(ADMIN).await;
    let sam = app.user_id(SAM).await;
    let (status, id) = json(ada.call_fn(offboard(&sam, &in_days(&app, 2), None)).await).await;
    assert_eq!(status, StatusCode::OK, "{id}");
    let id = id.as_str().expect("id").to_string();
    let db = app.db().await;
    // An admin may: it started at once, and its first steps run one after another.
    assert_eq!(crate::approvals::stored_status(&db, &id).await, "done");
    step_becomes(&db, &id, "4", "done").await;
    let now = steps(&ada, &id).await;
    assert_eq!(
        now,
        [(1, "done"), (2, "done"), (3, "done"), (4, "done"), (6, "approved"), (7, "approved")]
            .map(|(n, s)| (n, s.to_string())),
        "no reports, so no step 5"
    );
    assert_eq!(app.okta_events("user.lifecycle.suspend", &sam).await, 1);
    assert_eq!(app.okta_events("group.user_membership.remove", &sam).await, 1, "Sales, recorded");
    let (_, account) = json(ada.call_fn(AsaUser { name: "Sam.Sales".into() }).await).await;
    assert_eq!(account["user"]["status"], "DISABLED");
    let (_, drift) = json(ada.call_fn(Drift {}).await).await;
    assert!(!drift.to_string().contains("Sam.Sales"), "Okta and ASA agree about Sam: {drift}");
    assert_eq!(app.okta_events("user.lifecycle.deactivate", &sam).await, 0, "not before the day");

    app.advance_clock(Duration::days(2) + Duration::minutes(1));
    let six = step_becomes(&db, &id, "6", "done").await;
    let result = db.text("SELECT result FROM requests WHERE id = $1", &[&six]).await;
    assert_eq!(app.okta_events("user.lifecycle.deactivate", &sam).await, 1, "{result:?}");
    app.advance_clock(Duration::days(30));
    step_becomes(&db, &id, "7", "done").await;
    assert_eq!(app.okta_events("user.lifecycle.delete.completed", &sam).await, 1);
    let ada = app.session(ADMIN).await;
    assert!(steps(&ada, &id).await.iter().all(|(_, s)| s == "done"), "the checklist reaches done");
}

#[tokio::test]
async fn a_managers_offboarding_is_approved_then_restored_before_the_day() {
    let app = spawn_app().await;
    let maria = app.session(MARIA).await;
    let (ed, maria_id) = (app.user_id(ED).await, app.user_id(MARIA).await);
    let intern = app.user_id("ivy.intern@portico.example").await;
    // Ed manages someone: the playbook asks who takes them over.
    let (status, err) = json(maria.call_fn(offboard(&ed, &in_days(&app, 3), None)).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert!(err.to_string().contains("manages 1 person"), "{err}");
    let (status, id) = json(maria.call_fn(offboard(&ed, &in_days(&app, 3), Some(MARIA))).await).await;
    assert_eq!(status, StatusCode::OK, "{id}");
    let id = id.as_str().expect("id").to_string();
    let db = app.db().await;
    assert_eq!(crate::approvals::stored_status(&db, &id).await, "pending", "a manager asks; an admin approves");

    let ada = app.session(ADMIN).await;
    assert_eq!(decide(&ada, &id, true, "HR confirmed").await.0, StatusCode::OK);
    step_becomes(&db, &id, "5", "done").await;
    assert_eq!(person(&ada, &ed).await["status"], "SUSPENDED");
    assert!(!groups_of(&ada, &ed).await.contains(&"Engineering".to_string()));
    assert_eq!(person(&ada, &intern).await["manager"][0], maria_id.as_str(), "the report went to Maria");
    let checklist = steps(&ada, &id).await;
    assert!(checklist.contains(&(3, "stale".into())) || !checklist.iter().any(|(n, _)| *n == 3), "{checklist:?}");

    // Restore: itself a request through the policy.
    let (status, restore) =
        json(maria.call_fn(RestoreLeaver { playbook: id.clone(), reason: "Stays after all".into() }).await).await;
    assert_eq!(status, StatusCode::OK, "{restore}");
    let restore = restore.as_str().expect("id").to_string();
    assert_eq!(crate::approvals::stored_status(&db, &restore).await, "pending");
    assert_eq!(decide(&ada, &restore, true, "").await.0, StatusCode::OK);
    wait_for(&db, &restore, "done").await;
    step_becomes(&db, &restore, "4", "done").await;
    assert_eq!(person(&ada, &ed).await["status"], "ACTIVE");
    assert!(groups_of(&ada, &ed).await.contains(&"Engineering".to_string()), "the recorded groups came back");
    assert_eq!(person(&ada, &intern).await["manager"][0], ed.as_str(), "and the report");
    let left: Vec<(u64, String)> = steps(&ada, &id).await.into_iter().filter(|(n, _)| *n >= 6).collect();
    assert_eq!(left, [(6, "cancelled".to_string()), (7, "cancelled".to_string())]);

    app.advance_clock(Duration::days(4));
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert_eq!(app.okta_events("user.lifecycle.deactivate", &ed).await, 0, "the day came and nothing ran");
    let maria = app.session(MARIA).await;
    let (status, again) =
        json(maria.call_fn(RestoreLeaver { playbook: id.clone(), reason: "again".into() }).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "restored once: {again}");
}

#[tokio::test]
async fn a_failed_step_holds_the_rest_until_it_is_tried_again() {
    let app = spawn_app().await;
    let ada = app.session(ADMIN).await;
    let sam = app.user_id(SAM).await;
    let sales = app.group_id("Sales").await;
    app.control(
        "faults",
        serde_json::json!({ "path_prefix": format!("/api/v1/groups/{sales}/users/{sam}"), "status": 403, "times": 1 }),
    )
    .await;
    let (_, id) = json(ada.call_fn(offboard(&sam, &in_days(&app, 1), None)).await).await;
    let id = id.as_str().expect("id").to_string();
    let db = app.db().await;
    let failed = step_becomes(&db, &id, "4", "failed").await;
    app.advance_clock(Duration::days(1) + Duration::minutes(1));
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert_eq!(app.okta_events("user.lifecycle.deactivate", &sam).await, 0, "the deactivation waits for step 4");

    // A day later: a new sign-in.
    let ada = app.session(ADMIN).await;
    let (status, msg) = json(ada.call_fn(RetryStep { id: failed.clone() }).await).await;
    assert_eq!(status, StatusCode::OK, "{msg}");
    step_becomes(&db, &id, "6", "done").await;
    assert_eq!(app.okta_events("group.user_membership.remove", &sam).await, 1);
    assert_eq!(app.okta_events("user.lifecycle.deactivate", &sam).await, 1, "then the rest, once");
}
