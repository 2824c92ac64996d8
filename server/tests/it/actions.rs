//! One engine: every lifecycle operation, run directly by an admin and approved after a help-desk
//! request, against the embedded org. Both ways must make the same upstream call (the org's
//! System Log), leave the same audit record (action, before, after, result, Okta's request id)
//! and keep the same promise (an expired password's temporary password reaches whoever asked).
use crate::approvals::{decide, wait_for};
use crate::helpers::{fns::*, *};
use portico_app::people::server::RunLifecycle;
use portico_vocab::{LifecycleOp, PolicyAction, UserStatus};
use reqwest::StatusCode;
use serde_json::Value;

const HELPDESK: &str = "hal.helpdesk@portico.example";

/// Every lifecycle operation: admins run it, the help desk requests it, an admin approves.
fn policy() -> String {
    LifecycleOp::ALL
        .iter()
        .map(|op| {
            format!(
                "[actions.{op}]\nrun = [\"admin\"]\nrequest = [\"helpdesk\"]\nstages = [{{ approvers = [\"admin\"] }}]\nreason_required = false\n"
            )
        })
        .collect()
}

/// The status a person must be in for `op` to be offered.
fn status_before(op: LifecycleOp) -> UserStatus {
    match op {
        LifecycleOp::Activate => UserStatus::Staged,
        LifecycleOp::Reactivate => UserStatus::Provisioned,
        LifecycleOp::Unlock => UserStatus::LockedOut,
        LifecycleOp::Unsuspend => UserStatus::Suspended,
        LifecycleOp::Delete => UserStatus::Deprovisioned,
        _ => UserStatus::Active,
    }
}

async fn org_call(app: &TestApp, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
    let token = &app.portal.devorg.as_ref().expect("org").api_token;
    let mut req = reqwest::Client::new()
        .request(method, format!("{}{path}", app.org))
        .header("Authorization", format!("SSWS {token}"));
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.expect("org call");
    assert!(res.status().is_success(), "{path}: {}", res.status());
    res.json().await.unwrap_or(Value::Null)
}

/// A new person in `status`; returns their id.
async fn person_in(app: &TestApp, login: &str, status: &UserStatus) -> String {
    let user = org_call(
        app,
        reqwest::Method::POST,
        "/api/v1/users?activate=true",
        Some(serde_json::json!({
            "profile": { "firstName": "Both", "lastName": login, "email": format!("{login}@example.com"), "login": format!("{login}@example.com") },
            "credentials": { "password": { "value": "Correct-Horse-9" } }
        })),
    )
    .await;
    let id = user["id"].as_str().expect("id").to_string();
    if *status != UserStatus::Active {
        app.control(&format!("users/{id}/status"), serde_json::json!({ "status": status.as_str() })).await;
    }
    id
}

/// What the org's System Log recorded about `id`, in order.
async fn logged(app: &TestApp, id: &str) -> Vec<String> {
    let filter = format!(r#"target.id eq "{id}""#);
    let path =
        format!("/api/v1/logs?filter={}", url::form_urlencoded::byte_serialize(filter.as_bytes()).collect::<String>());
    let events = org_call(app, reqwest::Method::GET, &path, None).await;
    events.as_array().expect("events").iter().map(|e| e["eventType"].as_str().unwrap_or("").to_string()).collect()
}

/// The audit record of the action itself on `id`: (action, before, after, result, has Okta's id).
async fn audit_shape(db: &PortalDb, action: &str, id: &str) -> (String, Option<String>, Option<String>, String, bool) {
    let target = format!("%({id})");
    // The executor records the request done, then audits the call: wait (bounded) for the row.
    let count = "SELECT COUNT(*) FROM audit_events WHERE action = $1 AND target LIKE $2";
    for _ in 0..300 {
        if db.int(count, &[action, &target]).await > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let row = db
        .texts(
            "SELECT action, before, after, result, CASE WHEN upstream_id IS NULL THEN 'no' ELSE 'yes' END \
             FROM audit_events WHERE action = $1 AND target LIKE $2 ORDER BY id DESC LIMIT 1",
            &[action, &target],
        )
        .await;
    let text = |i: usize| row[i].clone().unwrap_or_default();
    (text(0), row[1].clone(), row[2].clone(), text(3), text(4) == "yes")
}

/// A portal with [`policy`], an admin and a help-desk session, and its database; the policy
/// file lives as long as the directory handed back.
async fn portal() -> (TestApp, Session, Session, PortalDb, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let policy_file = dir.path().join("policy.toml");
    std::fs::write(&policy_file, policy()).expect("policy");
    let app = spawn_app_with(move |c| c.approvals.policy_file = Some(policy_file)).await;
    let (admin, desk) = (app.session(ADMIN).await, app.session(HELPDESK).await);
    let db = app.db().await;
    (app, admin, desk, db, dir)
}

#[tokio::test]
async fn every_lifecycle_operation_runs_the_same_way_directly_and_approved() {
    let (app, admin, desk, db, _dir) = portal().await;

    for op in LifecycleOp::ALL {
        let before = status_before(op);
        let direct = person_in(&app, &format!("direct-{op}"), &before).await;
        let approved = person_in(&app, &format!("approved-{op}"), &before).await;
        let (direct_log, approved_log) = (logged(&app, &direct).await, logged(&app, &approved).await);

        // Directly, as the admin.
        let confirm_login = (op == LifecycleOp::Delete).then(|| format!("direct-{op}@example.com"));
        let res = admin.call_fn(RunLifecycle { id: direct.clone(), op, confirm_login }).await;
        assert_eq!(res.status(), StatusCode::OK, "{op} directly: {}", res.text().await.unwrap_or_default());
        let outcome: Value = res.json().await.expect("json");

        // Requested by the help desk, approved by the admin, run by the executor.
        let res = desk.call_fn(crate::approvals::ask(PolicyAction::Lifecycle(op), &approved, "")).await;
        assert_eq!(res.status(), StatusCode::OK, "{op} requested: {}", res.text().await.unwrap_or_default());
        let request: Value = res.json().await.expect("json");
        let request_id = request["id"].as_str().expect("id").to_string();
        let (status, body) = decide(&admin, &request_id, true, "").await;
        assert_eq!(status, StatusCode::OK, "{op} approved: {body}");
        wait_for(&db, &request_id, "done").await;

        // The same upstream calls…
        let direct_new: Vec<String> = logged(&app, &direct).await.split_off(direct_log.len());
        let approved_new: Vec<String> = logged(&app, &approved).await.split_off(approved_log.len());
        assert_eq!(direct_new, approved_new, "{op}: the org saw the same calls");
        // …the same audit record…
        let (d, a) = (
            audit_shape(&db, &op.audit_action(), &direct).await,
            audit_shape(&db, &op.audit_action(), &approved).await,
        );
        assert_eq!(d, a, "{op}: the same audit record both ways");
        assert_eq!(d.1.as_deref(), Some(before.as_str()), "{op}: status before");
        if let Some(after) = op.status_after() {
            assert_eq!(d.2.as_deref(), Some(after.as_str()), "{op}: status after");
        }
        // …and the same promise kept.
        let reveal = desk.call_fn(RevealTempPassword { id: request_id.clone() }).await;
        if op == LifecycleOp::ExpirePassword {
            let direct_temp = outcome["temp_password"].as_str().unwrap_or_default().to_string();
            assert!(!direct_temp.is_empty(), "the direct run shows a temporary password");
            assert_eq!(reveal.status(), StatusCode::OK);
            let approved_temp: String = reveal.json().await.expect("json");
            assert!(!approved_temp.is_empty() && approved_temp != direct_temp, "the requester gets theirs");
            let sealed = db
                .bytes("SELECT sealed FROM request_secrets WHERE request_id = $1", &[&request_id])
                .await
                .unwrap_or_default();
            assert!(sealed.is_empty(), "shown once, then erased");
            let again = desk.call_fn(RevealTempPassword { id: request_id.clone() }).await;
            assert_eq!(again.status(), StatusCode::CONFLICT, "only once");
            assert_eq!(audited(&db, "request.reveal", "ok", &request_id).await, 1, "the reveal is audited");
        } else {
            assert_eq!(reveal.status(), StatusCode::CONFLICT, "{op}: nothing to reveal");
        }
    }
}

#[tokio::test]
async fn a_waiting_temporary_password_is_sealed_and_only_its_requester_sees_it() {
    let (app, admin, desk, db, _dir) = portal().await;
    let id = person_in(&app, "sealed", &UserStatus::Active).await;
    let res = desk
        .call_fn(crate::approvals::ask(PolicyAction::Lifecycle(LifecycleOp::ExpirePassword), &id, "forgot it"))
        .await;
    let request: Value = res.json().await.expect("json");
    let request_id = request["id"].as_str().expect("id").to_string();
    decide(&admin, &request_id, true, "").await;
    wait_for(&db, &request_id, "done").await;

    // At rest it is sealed: the stored bytes do not contain anything password-like in the clear.
    let sealed = db
        .bytes("SELECT sealed FROM request_secrets WHERE request_id = $1", &[&request_id])
        .await
        .expect("kept for the requester");
    assert!(sealed.len() > 24 + 16, "nonce, ciphertext and tag");
    // The approver (and anyone else) is refused, and the refusal is audited.
    let other = admin.call_fn(RevealTempPassword { id: request_id.clone() }).await;
    assert_eq!(other.status(), StatusCode::FORBIDDEN);
    let refused =
        db.int("SELECT COUNT(*) FROM audit_events WHERE action = 'request.reveal' AND result = 'refused'", &[]).await;
    assert_eq!(refused, 1);
    // The requester's page offers it once.
    let page: Value = desk.call_fn(GetRequest { id: request_id.clone() }).await.json().await.expect("json");
    assert_eq!(page["can_reveal"], true);
    let password: String =
        desk.call_fn(RevealTempPassword { id: request_id.clone() }).await.json().await.expect("json");
    // It is the password Okta set: the person signs in with it (and must then choose their own).
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let authorize = app.start_login(None).await;
    let form = client.get(&authorize).send().await.expect("form").text().await.expect("html");
    let signin = client
        .post(format!("{}/login/signin", app.org))
        .form(&[("txn", form_txn(&form).as_str()), ("username", "sealed@example.com"), ("password", &password)])
        .send()
        .await
        .expect("sign in");
    let text = signin.text().await.unwrap_or_default();
    // The org checks the password before it says the password must change.
    assert!(text.contains("Your password has expired"), "the temporary password is the one Okta set: {text}");
    let page: Value = desk.call_fn(GetRequest { id: request_id.clone() }).await.json().await.expect("json");
    assert_eq!(page["can_reveal"], false, "gone once shown");
}
