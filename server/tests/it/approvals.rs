//! Delegated managers, requests and approvals against the embedded org over HTTP: the whole
//! chain, concurrent approvals, a crash mid-execution, expiry, cancellation, stale state,
//! retries, out-of-scope managers and webhook notifications. "Ran once" is counted in the
//! org's own System Log, which survives restarts.
use crate::helpers::{fns::*, *};
use portico_app::audit::{AuditFilter, SearchAudit};
use reqwest::StatusCode;
use serde_json::Value;
use std::time::Duration;

const HELPDESK: &str = "hal.helpdesk@portico.example";
const MARIA: &str = "maria.manager@portico.example";
const MARCUS: &str = "marcus.manager@portico.example";
const DEACTIVATE: &str = "user.lifecycle.deactivate";
const SUSPEND: &str = "user.lifecycle.suspend";

/// Asks for `action` on `target` as `who`; returns the request id.
pub(crate) async fn request(who: &Session, op: LifecycleOp, target: &str, reason: &str) -> String {
    let (status, req) = json(who.call_fn(ask(PolicyAction::Lifecycle(op), target, reason)).await).await;
    assert_eq!(status, StatusCode::OK, "{req}");
    assert_eq!(req["status"], "pending");
    req["id"].as_str().expect("id").to_string()
}

/// A request for `action` on `target` with nothing else filled in.
pub(crate) fn ask(action: PolicyAction, target: &str, reason: &str) -> RequestAction {
    RequestAction {
        action,
        target: target.into(),
        reason: reason.into(),
        group: None,
        add: None,
        status: None,
        changes: None,
    }
}

/// A request to set an ASA account's status.
fn asa_status(account: &str, status: &str, reason: &str) -> RequestAction {
    RequestAction { status: Some(status.into()), ..ask(PolicyAction::AsaStatus, account, reason) }
}

pub(crate) async fn decide(who: &Session, id: &str, approve: bool, comment: &str) -> (StatusCode, Value) {
    json(who.call_fn(DecideRequest { id: id.to_string(), approve, comment: comment.to_string() }).await).await
}

/// The request's status as stored (read from the database, so polling calls nothing upstream).
pub(crate) async fn stored_status(db: &PortalDb, id: &str) -> String {
    db.text("SELECT status FROM requests WHERE id = $1", &[id]).await.expect("a status")
}

/// Waits (bounded) until the executor has moved the request to `want`.
pub(crate) async fn wait_for(db: &PortalDb, id: &str, want: &str) {
    for _ in 0..300 {
        if stored_status(db, id).await == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("request {id} never became {want}; it is {}", stored_status(db, id).await);
}

async fn okta_status(app: &TestApp, login: &str) -> String {
    let admin = app.session(ADMIN).await;
    let id = app.user_id(login).await;
    let (_, person) = json(admin.call_fn(GetPerson { id: id.clone() }).await).await;
    person["status"].as_str().expect("status").to_string()
}

#[tokio::test]
async fn a_manager_approves_a_help_desk_deactivation_and_it_runs_once() {
    let app = spawn_app().await;
    let (desk, maria, marcus) = (app.session(HELPDESK).await, app.session(MARIA).await, app.session(MARCUS).await);
    let ed = app.user_id("ed.engineer@portico.example").await;

    // Help desk may not deactivate directly; the refusal says how to ask.
    let (status, err) =
        json(desk.call_fn(RunLifecycle { id: ed.clone(), op: LifecycleOp::Deactivate, confirm_login: None }).await)
            .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(err["message"].as_str().expect("msg").contains("approval"), "{err}");
    // A reason is required by the default policy.
    let (status, err) = json(desk.call_fn(ask(PolicyAction::Lifecycle(LifecycleOp::Deactivate), &ed, " ")).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["fields"][0][0], "reason");

    let id = request(&desk, LifecycleOp::Deactivate, &ed, "Left the company on Friday").await;
    // One open request per target and action.
    let (status, err) =
        json(desk.call_fn(ask(PolicyAction::Lifecycle(LifecycleOp::Deactivate), &ed, "again")).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(err["message"].as_str().expect("msg").contains(&id), "{err}");

    // It waits on Maria (Ed's manager), not on the requester nor on another manager.
    let (_, inbox) = json(maria.call_fn(Inbox {}).await).await;
    let waiting = &inbox[0];
    assert_eq!(waiting["id"], id.as_str());
    assert_eq!(waiting["requester"], "Hal Helpdesk");
    assert_eq!(waiting["reason"], "Left the company on Friday");
    assert_eq!(waiting["target_status"], "ACTIVE");
    assert_eq!(waiting["target_status_after"], "DEPROVISIONED");
    assert_eq!(waiting["can_decide"], true);
    let (_, none) = json(marcus.call_fn(Inbox {}).await).await;
    assert_eq!(none.as_array().expect("list").len(), 0);
    let (status, err) = decide(&desk, &id, true, "").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(err["message"], "You cannot decide your own request.");
    let (status, _) = decide(&marcus, &id, true, "").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "another team's manager may not approve");
    // Rejecting needs a comment.
    let (status, _) = decide(&maria, &id, false, "").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (status, decided) = decide(&maria, &id, true, "Confirmed with HR").await;
    assert_eq!(status, StatusCode::OK, "{decided}");
    let db = app.db().await;
    wait_for(&db, &id, "done").await;
    assert_eq!(okta_status(&app, "ed.engineer@portico.example").await, "DEPROVISIONED");
    assert_eq!(app.okta_events(DEACTIVATE, &ed).await, 1);
    let (status, _) = decide(&maria, &id, true, "").await;
    assert_eq!(status, StatusCode::CONFLICT, "a decided request cannot be decided again");

    // The requester sees the outcome.
    let (_, mine) = json(desk.call_fn(MyRequests {}).await).await;
    assert_eq!(mine[0]["status"], "done");
    assert!(mine[0]["result"].as_str().expect("result").contains("deactivated"), "{mine}");

    // The audit trail has the whole chain, with who did each step.
    let admin = app.session(ADMIN).await;
    let filter = AuditFilter { target: ed.clone(), ..Default::default() };
    let (_, events) = json(admin.call_fn(SearchAudit { filter }).await).await;
    let chain: Vec<(String, String)> = events["rows"]
        .as_array()
        .expect("events")
        .iter()
        .rev()
        .map(|e| (e["action"].as_str().unwrap_or("").to_string(), e["actor"].as_str().unwrap_or("").to_string()))
        .collect();
    let expected = [
        (LifecycleOp::Deactivate.as_str(), HELPDESK),
        ("request.create", HELPDESK),
        ("request.approve", MARIA),
        ("person.deactivate", "portico"),
        ("request.execute", "portico"),
    ];
    let got: Vec<(&str, &str)> = chain.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    for step in expected {
        assert!(got.contains(&step), "{step:?} missing from {got:?}");
    }
    let executed =
        events["rows"].as_array().expect("events").iter().find(|e| e["action"] == "person.deactivate").expect("run");
    assert!(executed["upstream_id"].as_str().is_some_and(|id| !id.is_empty()), "Okta's request id is kept: {executed}");
    assert_eq!((executed["before"].as_str(), executed["after"].as_str()), (Some("ACTIVE"), Some("DEPROVISIONED")));
    let refused = events["rows"].as_array().expect("events").iter().filter(|e| e["result"] == "refused").count();
    assert!(refused >= 2, "the direct attempt and the other manager's decision are recorded as refusals");
}

#[tokio::test]
async fn two_approvers_at_the_same_moment_run_it_once() {
    let app = spawn_app().await;
    let (desk, maria, admin) = (app.session(HELPDESK).await, app.session(MARIA).await, app.session(ADMIN).await);
    let eli = app.user_id("eli.engineer@portico.example").await;
    let id = request(&desk, LifecycleOp::Deactivate, &eli, "Contract ended").await;
    let ((a, _), (b, _)) = tokio::join!(decide(&maria, &id, true, ""), decide(&admin, &id, true, ""));
    let mut statuses = [a, b];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT], "exactly one decision approves");
    let db = app.db().await;
    wait_for(&db, &id, "done").await;
    assert_eq!(app.okta_events(DEACTIVATE, &eli).await, 1);
}

#[tokio::test]
async fn a_crash_during_execution_resumes_and_runs_once() {
    let app = spawn_app().await;
    let (desk, maria) = (app.session(HELPDESK).await, app.session(MARIA).await);
    let emma = app.user_id("emma.engineer@portico.example").await;
    let id = request(&desk, LifecycleOp::Deactivate, &emma, "Moved to a partner company").await;
    // Okta takes its time over the deactivation; the portal dies while waiting for it.
    app.control(
        "faults",
        serde_json::json!({ "path_prefix": format!("/api/v1/users/{emma}/lifecycle"), "latency_ms": 30000, "times": 1 }),
    )
    .await;
    let (status, _) = decide(&maria, &id, true, "").await;
    assert_eq!(status, StatusCode::OK);
    let db = app.db().await;
    wait_for(&db, &id, "executing").await;
    let data_dir = app.data_dir.clone();
    let dir = app.crash_keeping_data();

    let again = spawn_app_in(data_dir, reqwest::Client::new()).await;
    // The dead process's lease still runs: its call could be in flight, so nothing runs it yet.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(stored_status(&db, &id).await, "executing");
    again.advance_clock(chrono::Duration::seconds(61));
    wait_for(&db, &id, "done").await;
    assert_eq!(again.okta_events(DEACTIVATE, &emma).await, 1);
    assert_eq!(okta_status(&again, "emma.engineer@portico.example").await, "DEPROVISIONED");
    drop(dir);
}

#[tokio::test]
async fn a_call_that_landed_before_a_crash_is_not_run_again() {
    let app = spawn_app().await;
    let (desk, maria) = (app.session(HELPDESK).await, app.session(MARIA).await);
    let ed = app.user_id("ed.engineer@portico.example").await;
    let id = request(&desk, LifecycleOp::Suspend, &ed, "Security investigation").await;
    let (status, _) = decide(&maria, &id, true, "").await;
    assert_eq!(status, StatusCode::OK);
    let db = app.db().await;
    wait_for(&db, &id, "done").await;
    assert_eq!(app.okta_events(SUSPEND, &ed).await, 1);
    // Put the request back where a crash after Okta's answer would have left it.
    db.run("UPDATE requests SET status = 'executing', result = NULL WHERE id = $1", &[&id]).await;
    let data_dir = app.data_dir.clone();
    let dir = app.stop_keeping_data().await;

    let again = spawn_app_in(data_dir, reqwest::Client::new()).await;
    wait_for(&db, &id, "done").await;
    let result = result_of(&db, &id).await;
    assert!(result.contains("not run again"), "{result}");
    assert_eq!(again.okta_events(SUSPEND, &ed).await, 1, "the restart did not suspend twice");
    drop(dir);
}

#[tokio::test]
async fn expired_cancelled_and_stale_requests_do_not_run() {
    let app = spawn_app().await;
    let (desk, maria) = (app.session(HELPDESK).await, app.session(MARIA).await);
    let db = app.db().await;
    let (ed, erin, eli) = (
        app.user_id("ed.engineer@portico.example").await,
        app.user_id("erin.engineer@portico.example").await,
        app.user_id("eli.engineer@portico.example").await,
    );

    // Expired: escalated and past the escalation's time too, it cannot be approved, and the
    // executor marks it expired.
    let expired = request(&desk, LifecycleOp::Deactivate, &ed, "Left").await;
    db.run(
        "UPDATE requests SET expires_at = '2000-01-01T00:00:00.000Z', escalated_at = '1999-12-31T00:00:00.000Z' \
         WHERE id = $1",
        &[&expired],
    )
    .await;
    let (status, err) = decide(&maria, &expired, true, "").await;
    assert!(status == StatusCode::CONFLICT, "{status} {err}");
    assert_eq!(stored_status(&db, &expired).await, "expired");
    // Help desk resets MFA at once: there is nothing to request.
    let (status, _) =
        json(desk.call_fn(ask(PolicyAction::Lifecycle(LifecycleOp::ResetFactors), &erin, "Lost phone")).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Cancelled: only the requester cancels; then nobody can approve it.
    let cancelled = request(&maria, LifecycleOp::Deactivate, &eli, "Leaving").await;
    let (status, _) = json(desk.call_fn(CancelRequest { id: cancelled.clone() }).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, view) = json(maria.call_fn(CancelRequest { id: cancelled.clone() }).await).await;
    assert_eq!((status, view["status"].as_str()), (StatusCode::OK, Some("cancelled")));
    let admin = app.session(ADMIN).await;
    let (status, _) = decide(&admin, &cancelled, true, "").await;
    assert_eq!(status, StatusCode::CONFLICT);

    // Stale: the person was deactivated elsewhere before approval; the suspension is refused at
    // execution and recorded as such.
    let stale = request(&desk, LifecycleOp::Suspend, &ed, "Investigation").await;
    app.okta_lifecycle(&ed, portico_vocab::LifecycleOp::Deactivate).await;
    let (status, _) = decide(&maria, &stale, true, "").await;
    assert_eq!(status, StatusCode::OK);
    wait_for(&db, &stale, "stale").await;
    let result = result_of(&db, &stale).await;
    assert!(result.contains("deactivated now"), "{result}");
    assert_eq!(app.okta_events(SUSPEND, &ed).await, 0);
    assert_eq!(app.okta_events(DEACTIVATE, &eli).await, 0);
    assert_eq!(app.okta_events(DEACTIVATE, &ed).await, 1, "only the deactivation made outside the portal");
}

#[tokio::test]
async fn upstream_failures_are_retried_then_reported_with_oktas_message() {
    let app = spawn_app().await;
    let (desk, maria) = (app.session(HELPDESK).await, app.session(MARIA).await);
    let db = app.db().await;
    let (ed, eli) =
        (app.user_id("ed.engineer@portico.example").await, app.user_id("eli.engineer@portico.example").await);

    // Two outages, then success: it runs once.
    app.control(
        "faults",
        serde_json::json!({ "path_prefix": format!("/api/v1/users/{ed}/lifecycle"), "status": 503, "times": 2 }),
    )
    .await;
    let id = request(&desk, LifecycleOp::Suspend, &ed, "Investigation").await;
    decide(&maria, &id, true, "").await;
    wait_for(&db, &id, "done").await;
    let attempts = db.int("SELECT attempts FROM requests WHERE id = $1", &[&id]).await;
    assert_eq!(attempts, 3);
    assert_eq!(app.okta_events(SUSPEND, &ed).await, 1);

    // A refusal is final and reaches the requester in Okta's words.
    app.control(
        "faults",
        serde_json::json!({ "path_prefix": format!("/api/v1/users/{eli}/lifecycle"), "status": 403, "times": 1 }),
    )
    .await;
    let id = request(&desk, LifecycleOp::Deactivate, &eli, "Left").await;
    decide(&maria, &id, true, "").await;
    wait_for(&db, &id, "failed").await;
    let (_, mine) = json(desk.call_fn(MyRequests {}).await).await;
    let failed = mine.as_array().expect("list").iter().find(|r| r["id"] == id.as_str()).expect("listed").clone();
    assert!(failed["result"].as_str().expect("result").starts_with("Okta:"), "{failed}");
    assert_eq!(app.okta_events(DEACTIVATE, &eli).await, 0);
    // Failed requests can be asked for again.
    request(&desk, LifecycleOp::Deactivate, &eli, "Left, second try").await;
}

#[tokio::test]
async fn managers_act_only_on_their_people() {
    let app = spawn_app().await;
    let (maria, marcus) = (app.session(MARIA).await, app.session(MARCUS).await);
    let (ed, ivy) = (app.user_id("ed.engineer@portico.example").await, app.user_id("ivy.intern@portico.example").await);

    // Maria sees Ed, may unlock-style actions at once and request the rest.
    let (status, person) = json(maria.call_fn(GetPerson { id: ed.clone() }).await).await;
    assert_eq!(status, StatusCode::OK, "{person}");
    let mode = |op: LifecycleOp| {
        person["actions"]
            .as_array()
            .expect("actions")
            .iter()
            .find(|a| a["op"] == op.as_str())
            .map(|a| a["mode"].clone())
    };
    assert_eq!(mode(LifecycleOp::ResetPassword), Some(Value::from("Run")));
    assert_eq!(mode(LifecycleOp::Deactivate), Some(Value::from("Request")));
    assert_eq!(mode(LifecycleOp::Delete), None);
    let (_, people) = json(maria.call_fn(MyPeople {}).await).await;
    let mut names: Vec<&str> =
        people.as_array().expect("rows").iter().map(|r| r["name"].as_str().expect("name")).collect();
    names.sort();
    assert_eq!(names, vec!["Ed Engineer", "Eli Engineer", "Emma Engineer", "Erin Engineer"]);
    // Ivy reports to Ed: two levels are off by default.
    let (status, _) = json(maria.call_fn(GetPerson { id: ivy.clone() }).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Marcus manages other people: Ed is out of his scope for reading, acting and requesting.
    let (status, err) = json(marcus.call_fn(GetPerson { id: ed.clone() }).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{err}");
    let (status, _) = json(marcus.call_fn(PersonGroups { id: ed.clone() }).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = json(
        marcus.call_fn(RunLifecycle { id: ed.clone(), op: LifecycleOp::ResetPassword, confirm_login: None }).await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = json(marcus.call_fn(ask(PolicyAction::Lifecycle(LifecycleOp::Deactivate), &ed, "x")).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = json(
        marcus.call_fn(SearchPeople { query: PeopleQuery { q: "ed".into(), ..Default::default() }, limit: None }).await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "managers list their people, not everyone");
    // Every refusal is in the audit trail.
    let admin = app.session(ADMIN).await;
    let filter = AuditFilter { actor: MARCUS.into(), ..Default::default() };
    let (_, events) = json(admin.call_fn(SearchAudit { filter }).await).await;
    let refused = events["rows"].as_array().expect("events").iter().filter(|e| e["result"] == "refused").count();
    assert!(refused >= 4, "{events}");

    // With two levels configured, Ivy is Maria's too.
    let deep = spawn_app_with(|c| c.delegation.levels = 2).await;
    let maria = deep.session(MARIA).await;
    let ivy = deep.user_id("ivy.intern@portico.example").await;
    let (status, _) = json(maria.call_fn(GetPerson { id: ivy.clone() }).await).await;
    assert_eq!(status, StatusCode::OK);
    let (_, people) = json(maria.call_fn(MyPeople {}).await).await;
    let via =
        people.as_array().expect("rows").iter().find(|r| r["id"] == ivy.as_str()).expect("ivy listed")["via"].clone();
    assert_eq!(via, "Reports to Ed Engineer");
}

#[tokio::test]
async fn requests_and_decisions_notify_a_webhook_with_a_slack_compatible_body() {
    let (hook, received) = webhook().await;

    let app = spawn_app_with(|c| c.approvals.webhook_url = Some(hook.parse().expect("url"))).await;
    let (desk, maria) = (app.session(HELPDESK).await, app.session(MARIA).await);
    let ed = app.user_id("ed.engineer@portico.example").await;
    let id = request(&desk, LifecycleOp::Deactivate, &ed, "Left the company").await;
    decide(&maria, &id, true, "ok").await;
    let mut events = Vec::new();
    for _ in 0..300 {
        events = received.lock().expect("lock").clone();
        if events.len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let kinds: Vec<&str> = events.iter().map(|e| e["event"].as_str().unwrap_or("")).collect();
    assert_eq!(kinds, vec!["request.create", "request.approve", "request.execute"], "{events:?}");
    let created = &events[0];
    let text = created["text"].as_str().expect("slack text");
    assert!(text.contains("Left the company") && text.contains(&format!("{}/requests/{id}|{id}>", app.base)), "{text}");
    assert_eq!(created["request"]["requester"], HELPDESK);
    // The link opens the portal, where signing in is required.
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(format!("{}/requests/{id}", app.base))
        .send()
        .await
        .expect("page");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), format!("/auth/login?next=%2Frequests%2F{id}"), "sign-in first, then the request");
}

#[tokio::test]
async fn group_and_server_access_changes_go_through_requests_too() {
    let app = spawn_app().await;
    let (desk, maria, admin) = (app.session(HELPDESK).await, app.session(MARIA).await, app.session(ADMIN).await);
    let db = app.db().await;
    let ed = app.user_id("ed.engineer@portico.example").await;
    let (_, groups) = json(admin.call_fn(SearchGroups { q: "Sales".into(), after: "".into() }).await).await;
    let sales = groups["rows"][0]["id"].as_str().expect("Sales group").to_string();

    // A manager asks to add their report to a group; an admin approves; Okta has the member.
    let (status, req) = json(
        maria
            .call_fn(RequestAction {
                group: Some(sales.clone()),
                add: Some(true),
                ..ask(PolicyAction::Membership, &ed, "Joins the deal desk")
            })
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{req}");
    assert_eq!(req["summary"], "Add Ed Engineer to Sales");
    let id = req["id"].as_str().expect("id").to_string();
    let (status, _) = decide(&maria, &id, true, "").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the requester does not approve");
    let (status, _) = decide(&admin, &id, true, "").await;
    assert_eq!(status, StatusCode::OK);
    wait_for(&db, &id, "done").await;
    let (_, eds) = json(admin.call_fn(PersonGroups { id: ed.clone() }).await).await;
    assert!(eds.as_array().expect("groups").iter().any(|g| g["name"] == "Sales"), "{eds}");

    // Help desk asks to disable an ASA account; an admin approves; ASA has it disabled.
    let (status, req) = json(desk.call_fn(asa_status("Sam.Sales", "DISABLED", "Laptop stolen")).await).await;
    assert_eq!(status, StatusCode::OK, "{req}");
    let id = req["id"].as_str().expect("id").to_string();
    let (status, _) = decide(&admin, &id, true, "").await;
    assert_eq!(status, StatusCode::OK);
    wait_for(&db, &id, "done").await;
    let (_, sam) = json(admin.call_fn(AsaUser { name: "Sam.Sales".into() }).await).await;
    assert_eq!(sam["user"]["status"], "DISABLED");

    // Managers have no say over server access in the default policy.
    let (status, _) = json(maria.call_fn(asa_status("Ed.Engineer", "ACTIVE", "x")).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_bad_policy_file_stops_the_portal_with_its_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, "[actions.suspend]\nrequest = [\"helpdesk\"]\nstages = [{ approvers = [\"managers\"] }]\n")
        .expect("write");
    let mut config = portico_core::Config::for_test(dir.path().to_path_buf());
    config.approvals.policy_file = Some(policy);
    config.devorg.listen = "127.0.0.1:0".parse().expect("addr");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let err = match portico_server::Portal::start(config, listener).await {
        Ok(_) => panic!("a portal started with an invalid policy"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("actions.suspend") && err.contains("\"managers\""), "{err}");
}

#[tokio::test]
async fn stages_run_in_order_and_n_of_m_needs_n_people() {
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = dir.path().join("policy.toml");
    std::fs::write(
        &policy,
        r#"
[actions.suspend]
run = []
request = ["helpdesk", "manager", "admin"]
stages = [{ approvers = ["manager"] }, { approvers = ["admin"] }]

[actions.deactivate]
run = []
request = ["helpdesk", "manager", "admin"]
stages = [{ approvers = ["manager", "admin"], required = 2 }]
ttl_hours = 1
"#,
    )
    .expect("policy");
    let app = spawn_app_with(|c| c.approvals.policy_file = Some(policy)).await;
    let (desk, maria, admin) = (app.session(HELPDESK).await, app.session(MARIA).await, app.session(ADMIN).await);
    let db = app.db().await;
    let ed = app.user_id("ed.engineer@portico.example").await;
    let eli = app.user_id("eli.engineer@portico.example").await;

    // Nobody runs these at once under this policy, not even an admin.
    let (status, _) =
        json(admin.call_fn(RunLifecycle { id: ed.clone(), op: LifecycleOp::Suspend, confirm_login: None }).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Two stages: the admin cannot go first; after the manager, the admin finishes it.
    let id = request(&desk, LifecycleOp::Suspend, &ed, "Investigation").await;
    let (_, inbox) = json(admin.call_fn(Inbox {}).await).await;
    assert_eq!(inbox.as_array().expect("list").len(), 0, "not the admin's turn yet");
    let (status, _) = decide(&admin, &id, true, "").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, view) = decide(&maria, &id, true, "").await;
    assert_eq!((status, view["status"].as_str()), (StatusCode::OK, Some("pending")));
    assert!(view["stage_line"].as_str().expect("stage").starts_with("Stage 2 of 2"), "{view}");
    let (status, _) = decide(&admin, &id, true, "").await;
    assert_eq!(status, StatusCode::OK);
    wait_for(&db, &id, "done").await;
    assert_eq!(app.okta_events(SUSPEND, &ed).await, 1);

    // Two of {manager, admin}: one approval is not enough; the second person's is.
    let id = request(&desk, LifecycleOp::Deactivate, &eli, "Left").await;
    let (_, view) = decide(&admin, &id, true, "").await;
    assert_eq!(view["status"], "pending");
    assert!(view["stage_line"].as_str().expect("stage").contains("1 of 2 approvals"), "{view}");
    let (status, _) = decide(&admin, &id, true, "").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the same person twice does not count");
    decide(&maria, &id, true, "").await;
    wait_for(&db, &id, "done").await;
    assert_eq!(app.okta_events(DEACTIVATE, &eli).await, 1);
}

/// Okta answers 503 to the next lifecycle call on `user`.
async fn outage(app: &TestApp, user: &str) {
    app.control(
        "faults",
        serde_json::json!({ "path_prefix": format!("/api/v1/users/{user}/lifecycle"), "status": 503, "times": 1 }),
    )
    .await;
}

async fn result_of(db: &PortalDb, id: &str) -> String {
    db.text("SELECT result FROM requests WHERE id = $1", &[id]).await.unwrap_or_default()
}

/// Waits (bounded) until the request's first attempt has failed and a retry is scheduled.
async fn first_attempt_failed(db: &PortalDb, id: &str) {
    for _ in 0..300 {
        if result_of(db, id).await.starts_with("Attempt 1 failed") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the first attempt of {id} never failed");
}

#[tokio::test]
async fn at_execution_the_requester_and_approvers_must_still_hold_their_authority() {
    // Okta is down for the first attempt; the retry comes a minute later (by the test's clock).
    let app = spawn_app_with(|c| c.approvals.retry_base_ms = 60_000).await;
    let (desk, maria) = (app.session(HELPDESK).await, app.session(MARIA).await);
    let db = app.db().await;

    // The help desk asks; between the approval and the run, Hal leaves the help desk.
    let ed = app.user_id("ed.engineer@portico.example").await;
    outage(&app, &ed).await;
    let id = request(&desk, LifecycleOp::Deactivate, &ed, "Left the company").await;
    assert_eq!(decide(&maria, &id, true, "").await.0, StatusCode::OK);
    first_attempt_failed(&db, &id).await;
    let hal = app.user_id(HELPDESK).await;
    app.okta_membership("Portico Help Desk", &hal, false).await;
    app.advance_clock(chrono::Duration::seconds(61));
    wait_for(&db, &id, "stale").await;
    let said = result_of(&db, &id).await;
    assert!(said.contains(HELPDESK) && said.contains("may no longer ask"), "{said}");
    assert_eq!(app.okta_events(DEACTIVATE, &ed).await, 0, "not run on a word that no longer holds");

    // Hal is back; this time the approver leaves the company before the request runs.
    app.okta_membership("Portico Help Desk", &hal, true).await;
    let emma = app.user_id("emma.engineer@portico.example").await;
    outage(&app, &emma).await;
    let id = request(&desk, LifecycleOp::Deactivate, &emma, "Moved to a partner company").await;
    assert_eq!(decide(&maria, &id, true, "").await.0, StatusCode::OK);
    first_attempt_failed(&db, &id).await;
    app.okta_lifecycle(&app.user_id(MARIA).await, portico_vocab::LifecycleOp::Deactivate).await;
    app.advance_clock(chrono::Duration::seconds(61));
    wait_for(&db, &id, "stale").await;
    let said = result_of(&db, &id).await;
    assert!(said.contains(MARIA) && said.contains("no longer active"), "{said}");
    assert_eq!(app.okta_events(DEACTIVATE, &emma).await, 0);
    assert_eq!(audited(&db, "request.stale", "refused", &id).await, 1, "the refusal at execution is audited");
    let version = db.text("SELECT policy_version FROM requests WHERE id = $1", &[&id]).await;
    assert_eq!(version.map(|v| v.len()), Some(12), "routed by a recorded policy version");
}

/// An ASA request is about the Okta person who owns the account: the owner cannot approve a
/// request about their own server access, whoever else may.
#[tokio::test]
async fn nobody_approves_a_request_about_their_own_server_access() {
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = dir.path().join("policy.toml");
    std::fs::write(
        &policy,
        "[actions.asa_status]\nrun = [\"admin\"]\nrequest = [\"helpdesk\", \"group:Engineering\"]\n\
         stages = [{ approvers = [\"group:Engineering\"] }]\n",
    )
    .expect("policy");
    let app = spawn_app_with(move |c| c.approvals.policy_file = Some(policy)).await;
    let (desk, ed, maria) = (
        app.session("hal.helpdesk@portico.example").await,
        app.session("ed.engineer@portico.example").await,
        app.session("maria.manager@portico.example").await,
    );
    let (status, req) = json(desk.call_fn(asa_status("Ed.Engineer", "DISABLED", "Suspicious logins")).await).await;
    assert_eq!(status, StatusCode::OK, "{req}");
    assert_eq!(req["target_href"], "/asa/users/Ed.Engineer", "the request shows the account");
    let id = req["id"].as_str().expect("id").to_string();
    let (status, err) = decide(&ed, &id, true, "").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "an engineer, but it is his own account: {err}");
    assert!(err["message"].as_str().unwrap_or_default().contains("about yourself"), "{err}");
    let (status, body) = decide(&maria, &id, true, "").await;
    assert_eq!(status, StatusCode::OK, "another engineer approves: {body}");
}

#[tokio::test]
async fn named_approvers_are_who_may_decide_and_the_navigation_counts_what_waits() {
    let app = spawn_app().await;
    let desk = app.session(HELPDESK).await;
    let ed = app.user_id("ed.engineer@portico.example").await;
    let id = request(&desk, LifecycleOp::Suspend, &ed, "Laptop stolen").await;
    let approvers = |v: &Value| -> Vec<String> {
        v["approvers"].as_array().expect("approvers").iter().map(|a| a.as_str().expect("name").to_string()).collect()
    };
    let (_, view) = json(desk.call_fn(GetRequest { id: id.clone() }).await).await;
    assert_eq!(approvers(&view), ["Ada Admin", "Maria Manager"], "the admin, and Ed's manager");

    // Each one named finds it waiting on them (the navigation counts it) and may decide it…
    for login in [ADMIN, MARIA] {
        let s = app.session(login).await;
        let (_, me) = json(s.call_fn(portico_app::me::server::GetMe {}).await).await;
        assert_eq!(me["nav"]["waiting"], 1, "{login}");
        let (_, inbox) = json(s.call_fn(Inbox {}).await).await;
        assert_eq!(inbox[0]["id"], id.as_str(), "{login}");
        assert_eq!(approvers(&inbox[0]), ["Ada Admin", "Maria Manager"]);
    }
    // …and nobody else: the requester, the person, another manager, the auditor.
    for login in [HELPDESK, "ed.engineer@portico.example", MARCUS, "audrey.auditor@portico.example"] {
        let s = app.session(login).await;
        let (_, me) = json(s.call_fn(portico_app::me::server::GetMe {}).await).await;
        assert_eq!(me["nav"]["waiting"], 0, "{login}");
        let (status, _) = decide(&s, &id, true, "").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{login}");
    }

    // Who may decide is asked of Okta now: Ada leaves the admins' group and is no longer named.
    app.okta_membership("Portico Admins", &app.user_id(ADMIN).await, false).await;
    let (_, view) = json(desk.call_fn(GetRequest { id: id.clone() }).await).await;
    assert_eq!(approvers(&view), ["Maria Manager"]);
    let maria = app.session(MARIA).await;
    assert_eq!(decide(&maria, &id, true, "").await.0, StatusCode::OK);
    let (_, view) = json(desk.call_fn(GetRequest { id }).await).await;
    assert!(approvers(&view).is_empty(), "decided: nobody is waited on");
}

#[tokio::test]
async fn a_delegate_decides_for_an_approver_away_and_never_their_own_request() {
    let app = spawn_app().await;
    let (ada, desk, maria) = (app.session(ADMIN).await, app.session(HELPDESK).await, app.session(MARIA).await);
    let today = portico_core::Clock::controlled(&app.data_dir).now();
    let in_a_week = (today + chrono::Duration::days(7)).format("%Y-%m-%d").to_string();
    let (status, said) = json(ada.call_fn(SetAway { delegate: HELPDESK.into(), until: in_a_week.clone() }).await).await;
    assert_eq!(status, StatusCode::OK, "{said}");
    let (_, mine) = json(ada.call_fn(Away {}).await).await;
    assert_eq!(mine["delegate"], "Hal Helpdesk");
    let (_, theirs) = json(desk.call_fn(Away {}).await).await;
    assert_eq!(theirs["deciding_for"][0][0], "Ada Admin");
    let names = |v: &Value| -> Vec<String> {
        v["approvers"].as_array().expect("approvers").iter().map(|a| a.as_str().expect("name").to_string()).collect()
    };

    // Hal's own request: Ada's authority does not let him decide it.
    let ed = app.user_id("ed.engineer@portico.example").await;
    let own = request(&desk, LifecycleOp::Suspend, &ed, "Laptop stolen").await;
    let (_, view) = json(desk.call_fn(GetRequest { id: own.clone() }).await).await;
    assert_eq!(names(&view), ["Ada Admin", "Maria Manager"], "not Hal for Ada");
    let (status, err) = decide(&desk, &own, true, "").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{err}");
    assert!(err["message"].as_str().expect("words").contains("your own request"), "{err}");

    // Maria's request about Eli: Hal decides it for Ada, recorded as such, and it runs.
    let eli = app.user_id("eli.engineer@portico.example").await;
    let id = request(&maria, LifecycleOp::Deactivate, &eli, "Left the company").await;
    let (_, view) = json(desk.call_fn(GetRequest { id: id.clone() }).await).await;
    assert_eq!(names(&view), ["Ada Admin", "Hal Helpdesk for Ada Admin"]);
    let (_, me) = json(desk.call_fn(portico_app::me::server::GetMe {}).await).await;
    assert_eq!(me["nav"]["waiting"], 1, "{me}");
    let (status, decided) = decide(&desk, &id, true, "For Ada, who is away").await;
    assert_eq!(decided["status"], "approved", "{decided}");
    assert_eq!(status, StatusCode::OK, "{decided}");
    assert_eq!(decided["decisions"][0]["approver"], "Hal Helpdesk for Ada Admin");
    let db = app.db().await;
    assert_eq!(
        db.text("SELECT for_login FROM request_decisions WHERE request_id = $1", &[&id]).await.as_deref(),
        Some(ADMIN)
    );
    let maker = db
        .text(
            "SELECT actor FROM audit_events WHERE action = 'request.approve' AND detail LIKE $1",
            &[&format!("{id}:%")],
        )
        .await;
    assert_eq!(maker, Some(format!("{HELPDESK} for {ADMIN}")));
    wait_for(&db, &id, "done").await;

    // Ada is back: Hal no longer decides for her.
    let (status, _) = json(ada.call_fn(EndAway {}).await).await;
    assert_eq!(status, StatusCode::OK);
    let emma = app.user_id("emma.engineer@portico.example").await;
    let id = request(&maria, LifecycleOp::Deactivate, &emma, "Left the company").await;
    assert_eq!(decide(&desk, &id, true, "").await.0, StatusCode::FORBIDDEN);

    // A delegation ends by itself at its date.
    json(ada.call_fn(SetAway { delegate: HELPDESK.into(), until: in_a_week }).await).await;
    let (_, view) = json(desk.call_fn(GetRequest { id: id.clone() }).await).await;
    assert_eq!(view["can_decide"], true);
    app.advance_clock(chrono::Duration::days(8));
    let desk = app.session(HELPDESK).await;
    let (status, _) = json(desk.call_fn(GetRequest { id }).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no longer involved once the delegation is over");
}
