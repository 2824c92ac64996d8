//! The audit trail records sign-ins, actions and refusals; the page and its CSV agree.
use crate::helpers::{fns::*, *};
use portico_app::audit::{AuditFilter, SearchAudit};
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn actions_refusals_and_sign_ins_are_recorded_and_exported() {
    let app = spawn_app().await;
    app.sign_in_as(ADMIN, None).await;
    let ed = app.user_id("ed.engineer@portico.example").await;
    let res = app.call_fn(RunLifecycle { id: ed.clone(), op: LifecycleOp::Suspend, confirm_login: None }).await;
    assert_eq!(res.status(), StatusCode::OK);

    let desk = spawn_app_in(
        app.data_dir.clone(),
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
    )
    .await;
    desk.sign_in_as("hal.helpdesk@portico.example", None).await;
    let refused = desk.call_fn(RunLifecycle { id: ed.clone(), op: LifecycleOp::Deactivate, confirm_login: None }).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let status = desk.call_fn(SearchAudit { filter: AuditFilter::default() }).await.status();
    assert_eq!(status, StatusCode::FORBIDDEN, "help desk cannot read the trail");
    let csv = desk.client.get(format!("{}/audit.csv", desk.base)).send().await.expect("csv");
    assert_eq!(csv.status(), StatusCode::FORBIDDEN);

    let res = app.call_fn(SearchAudit { filter: AuditFilter::default() }).await;
    assert_eq!(res.status(), StatusCode::OK);
    let page: Value = res.json().await.expect("json");
    let rows: Vec<Value> = page["rows"].as_array().expect("rows").clone();
    let find = |action: &str, actor: &str| rows.iter().find(|r| r["action"] == action && r["actor"] == actor).cloned();
    let suspend = find("person.suspend", ADMIN).expect("suspension recorded");
    assert_eq!(
        (suspend["before"].as_str(), suspend["after"].as_str(), suspend["result"].as_str()),
        (Some("ACTIVE"), Some("SUSPENDED"), Some("ok"))
    );
    assert!(suspend["target"].as_str().expect("target").contains("ed.engineer@portico.example"));
    assert!(suspend["upstream_id"].as_str().is_some_and(|id| !id.is_empty()), "Okta's request id: {suspend}");
    let refusals: Vec<&Value> =
        rows.iter().filter(|r| r["actor"] == "hal.helpdesk@portico.example" && r["result"] == "refused").collect();
    assert!(
        refusals
            .iter()
            .any(|r| r["detail"].as_str().expect("detail").contains("run “Deactivate” on Ed Engineer needs approval")),
        "{refusals:?}"
    );
    assert!(refusals.iter().any(|r| r["detail"].as_str().expect("detail").contains("read the audit trail")));
    assert!(find("sign_in", ADMIN).is_some() && find("sign_in", "hal.helpdesk@portico.example").is_some());

    // The CSV holds exactly the filtered rows.
    let filter = AuditFilter { actor: "ada".into(), action: "person.".into(), ..Default::default() };
    let filtered: Value = app.call_fn(SearchAudit { filter }).await.json().await.expect("json");
    let filtered = filtered["rows"].as_array().expect("rows").clone();
    let csv = app.client.get(format!("{}/audit.csv?actor=ada&action=person.", app.base)).send().await.expect("csv");
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.headers()["content-type"].to_str().expect("ct").starts_with("text/csv"));
    let text = csv.text().await.expect("text");
    assert_eq!(text.lines().count(), filtered.len() + 1, "{text}");
    assert!(text.lines().nth(1).expect("a row").contains("person.suspend"));
}

#[tokio::test]
async fn the_page_pages_and_the_csv_holds_every_matching_row() {
    let app = spawn_app().await;
    app.sign_in_as(ADMIN, None).await;
    let db = app.db().await;
    let clock = portico_core::Clock::system();
    // 520 actions on one person (written as the portal writes them), one with a cell a
    // spreadsheet would run, and one beginning with a tab.
    for i in 0..520 {
        let detail = match i {
            7 => "=HYPERLINK(\"https://evil.example\")".to_string(),
            8 => "\tcmd".to_string(),
            _ => format!("reset {i}"),
        };
        portico_core::audit::record(
            db.store(),
            &clock,
            portico_core::audit::AuditEvent {
                op_id: format!("op-{i}"),
                actor: ADMIN.into(),
                action: "person.reset_factors".into(),
                target: "many.resets@portico.example (00umany)".into(),
                result: "ok".into(),
                detail,
                ..Default::default()
            },
        )
        .await;
    }
    let filter = AuditFilter { target: "many.resets".into(), ..Default::default() };
    let mut seen = Vec::new();
    let mut before = String::new();
    let mut pages = 0;
    loop {
        let page: Value = app
            .call_fn(SearchAudit { filter: AuditFilter { before: before.clone(), ..filter.clone() } })
            .await
            .json()
            .await
            .expect("json");
        let rows = page["rows"].as_array().expect("rows");
        assert!(rows.len() <= portico_app::audit::PAGE_SIZE as usize);
        seen.extend(rows.iter().map(|r| r["op_id"].as_str().expect("op").to_string()));
        pages += 1;
        match page["older"].as_i64() {
            Some(id) => before = id.to_string(),
            None => break,
        }
    }
    assert_eq!(pages, 6, "100 a page");
    assert_eq!(seen.len(), 520, "every event, once");
    assert_eq!(seen.iter().collect::<std::collections::HashSet<_>>().len(), 520);
    assert_eq!(seen.first().map(String::as_str), Some("op-519"), "newest first");

    let csv = app.client.get(format!("{}/audit.csv?target=many.resets", app.base)).send().await.expect("csv");
    let text = csv.text().await.expect("text");
    assert_eq!(text.lines().count(), 521, "a header and every one of the 520 rows");
    assert!(text.contains("\"'=HYPERLINK(") && text.contains("\"'\tcmd\""), "formulas and tabs are neutralised");
    // A page cursor in the export's URL does not cut the export short.
    let csv = app.client.get(format!("{}/audit.csv?target=many.resets&before=5", app.base)).send().await.expect("csv");
    assert_eq!(csv.text().await.expect("text").lines().count(), 521);
}

#[tokio::test]
async fn portico_audit_verify_finds_a_row_edited_behind_the_portals_back() {
    let app = spawn_app().await;
    app.sign_in_as(ADMIN, None).await;
    let ed = app.user_id("ed.engineer@portico.example").await;
    for op in [LifecycleOp::Suspend, LifecycleOp::Unsuspend] {
        assert_eq!(
            app.call_fn(RunLifecycle { id: ed.clone(), op, confirm_login: None }).await.status(),
            StatusCode::OK
        );
    }
    let data_dir = app.data_dir.clone();
    let db = app.db().await;
    let _dir = app.stop_keeping_data().await;
    let database = crate::helpers::postgres_for(&data_dir).await;
    let verify = || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_portico"))
            .args(["audit", "verify"])
            .env_clear()
            .envs(database.iter().map(|url| ("PORTICO_DATABASE__URL", url)))
            .env("PORTICO_SERVER__DATA_DIR", &data_dir)
            .env("PORTICO_LOG__FILTER", "error")
            .output()
            .expect("runs");
        (out.status.code(), String::from_utf8_lossy(&out.stdout).to_string())
    };
    let (code, said) = verify();
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("intact"), "{said}");
    // Someone with the database file lifts the guard and rewrites who suspended Ed.
    let suspended = db.int("SELECT id FROM audit_events WHERE action = 'person.suspend'", &[]).await;
    let edit = format!("UPDATE audit_events SET actor = 'nobody' WHERE id = {suspended}");
    match &db {
        PortalDb::Sqlite(db) => sqlx::raw_sql(&format!(
            "DROP TRIGGER audit_events_no_update; {edit}; \
             CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events \
             BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;"
        ))
        .execute(db)
        .await
        .map(drop),
        PortalDb::Postgres(db) => sqlx::raw_sql(&format!(
            "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change; {edit}; \
             ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_change;"
        ))
        .execute(db)
        .await
        .map(drop),
    }
    .expect("tamper");
    let (code, said) = verify();
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains(&format!("BROKEN at event {suspended}")) && said.contains("changed"), "{said}");
}
