use crate::helpers::*;
use reqwest::{StatusCode, header};

#[tokio::test]
async fn pages_redirect_to_sign_in_and_come_back() {
    let app = spawn_app().await;
    let res = app.client.get(format!("{}/people?q=ed", app.base)).send().await.expect("page");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/auth/login?next=%2Fpeople%3Fq%3Ded");
    let res = app.sign_in_as(ADMIN, Some("/people?q=ed")).await;
    assert_eq!(location(&res), "/people?q=ed");
}

#[tokio::test]
async fn server_functions_need_a_session() {
    let app = spawn_app().await;
    let res = app.call("me").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["kind"], "unauthenticated");
    assert!(!body["op_id"].as_str().unwrap_or_default().is_empty(), "errors carry an operation id");
}

#[tokio::test]
async fn cross_site_server_function_calls_are_refused() {
    let app = spawn_app().await;
    app.sign_in_as(ADMIN, None).await;
    let url = format!("{}/api/me", app.base);
    let cross_site = app
        .client
        .post(&url)
        .header("sec-fetch-site", "cross-site")
        .header(header::ORIGIN, &app.base)
        .send()
        .await
        .expect("call");
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
    let evil_origin = app.client.post(&url).header(header::ORIGIN, "https://evil.example").send().await.expect("call");
    assert_eq!(evil_origin.status(), StatusCode::FORBIDDEN);
    let no_evidence = app.client.post(&url).send().await.expect("call");
    assert_eq!(no_evidence.status(), StatusCode::FORBIDDEN);
    let same_site = app.client.post(&url).header("sec-fetch-site", "same-origin").send().await.expect("call");
    assert_eq!(same_site.status(), StatusCode::OK);
}

#[tokio::test]
async fn every_response_carries_security_headers_and_a_request_id() {
    let app = spawn_app().await;
    app.sign_in_as(ADMIN, None).await;
    for path in ["/", "/healthz", "/auth/callback?state=x", "/no-such-page"] {
        let res = app.client.get(format!("{}{path}", app.base)).send().await.expect("get");
        let h = res.headers();
        let csp = h
            .get(header::CONTENT_SECURITY_POLICY)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("CSP on {path}"));
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("'wasm-unsafe-eval'"), "{csp}");
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert!(h.contains_key(header::REFERRER_POLICY));
        assert!(h.contains_key("x-request-id"), "{path}");
    }
    // Inline scripts carry the response's nonce, so hydration runs under the CSP.
    let res = app.client.get(format!("{}/", app.base)).send().await.expect("home");
    let csp = res.headers()[header::CONTENT_SECURITY_POLICY].to_str().expect("csp").to_string();
    let nonce = csp.split("'nonce-").nth(1).and_then(|s| s.split('\'').next()).expect("nonce").to_string();
    let html = res.text().await.expect("html");
    assert!(html.contains(&format!("nonce=\"{nonce}\"")), "scripts carry the nonce");
    let without = html.matches("<script").count() - html.matches(&format!("nonce=\"{nonce}\"")).count();
    assert_eq!(without, 0, "every script has the nonce: {html}");
}

#[tokio::test]
async fn error_pages_quote_the_request_id() {
    let app = spawn_app().await;
    let res = app.client.get(format!("{}/auth/callback?code=x&state=y", app.base)).send().await.expect("callback");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let id = res.headers()["x-request-id"].to_str().expect("id").to_string();
    assert!(res.text().await.expect("html").contains(&id));
}

#[tokio::test]
async fn a_clients_request_id_is_never_portals_reference_and_stray_callbacks_write_no_audit() {
    let app = spawn_app().await;
    let db = app.db().await;
    let count = || db.int("SELECT COUNT(*) FROM audit_events", &[]);
    let before = count().await;
    // Anyone, signed in or not, can send callbacks: they are answered, and logged, not audited.
    for i in 0..3 {
        let res = app
            .client
            .get(format!("{}/auth/callback?code=x&state=y", app.base))
            .header("x-request-id", format!("R-FORGED-{i}"))
            .send()
            .await
            .expect("callback");
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        let id = res.headers()["x-request-id"].to_str().expect("id").to_string();
        assert!(!id.contains("FORGED") && id.len() == 36, "Portico's own id: {id}");
    }
    assert_eq!(count().await, before, "no audit rows for callbacks that match no sign-in");

    // A real action carries Portico's reference, whatever the client sends.
    app.sign_in_as(ADMIN, None).await;
    let ed = app.user_id("ed.engineer@portico.example").await;
    let res = app
        .client
        .post(format!("{}/api/people/clear-sessions", app.base))
        .header(header::ORIGIN, &app.base)
        .header("x-request-id", "R-FORGED-ACTION")
        .form(&[("id", ed.as_str()), ("revoke_tokens", "false")])
        .send()
        .await
        .expect("clear sessions");
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap_or_default());
    let forged = db.int("SELECT COUNT(*) FROM audit_events WHERE op_id LIKE '%FORGED%'", &[]).await;
    assert_eq!(forged, 0, "the trail never carries a client's id");
    let sign_ins = db.int("SELECT COUNT(*) FROM audit_events WHERE action = 'sign_in'", &[]).await;
    assert_eq!(sign_ins, 1, "a real sign-in is audited");
}

#[tokio::test]
async fn groups_and_navigation_follow_roles_and_scope() {
    use portico_app::{groups::server::SearchGroups, me::server::GetMe};
    let app = spawn_app().await;
    let db = app.db().await;
    let search = || SearchGroups { q: String::new(), after: String::new() };
    // No role and nobody to manage: no group list, and the refusal is audited.
    let ivy = app.session("ivy.intern@portico.example").await;
    assert_eq!(ivy.call_fn(search()).await.status(), StatusCode::FORBIDDEN);
    let refused = db
        .int("SELECT COUNT(*) FROM audit_events WHERE actor = 'ivy.intern@portico.example' AND result = 'refused'", &[])
        .await;
    assert_eq!(refused, 1);
    // A manager picks groups for requests about their people.
    let maria = app.session("maria.manager@portico.example").await;
    assert_eq!(maria.call_fn(search()).await.status(), StatusCode::OK);
    // The navigation offers only what opens.
    let nav = |me: serde_json::Value| {
        let n = &me["nav"];
        (n["people"].as_bool(), n["groups"].as_bool(), n["asa"].as_bool(), n["audit"].as_bool())
    };
    let me: serde_json::Value = maria.call_fn(GetMe {}).await.json().await.expect("json");
    assert_eq!(nav(me), (Some(false), Some(false), Some(false), Some(false)), "a manager: their people and requests");
    let hal = app.session("hal.helpdesk@portico.example").await;
    let me: serde_json::Value = hal.call_fn(GetMe {}).await.json().await.expect("json");
    assert_eq!(
        nav(me),
        (Some(true), Some(true), Some(true), Some(false)),
        "the help desk does not read the audit trail"
    );
    let audrey = app.session("audrey.auditor@portico.example").await;
    let me: serde_json::Value = audrey.call_fn(GetMe {}).await.json().await.expect("json");
    assert_eq!(nav(me), (Some(true), Some(true), Some(true), Some(true)));
}

/// How many live Portico sessions the person page shows `who` for the person `id`.
async fn portico_sessions(who: &Session, id: &str) -> Option<usize> {
    let res = who.call_fn(portico_app::people::server::PersonAccess { id: id.into() }).await;
    res.json::<serde_json::Value>().await.expect("json")["portico_sessions"].as_array().map(Vec::len)
}

#[tokio::test]
async fn sessions_follow_their_person() {
    use portico_app::{
        approvals::server::Inbox,
        audit::{AuditFilter, SearchAudit},
        people::{
            PeopleQuery,
            server::{ClearSessions, RunLifecycle, SearchPeople},
        },
    };
    let app = spawn_app().await;
    let (ada, hal, audrey, maria) = (
        app.session(ADMIN).await,
        app.session("hal.helpdesk@portico.example").await,
        app.session("audrey.auditor@portico.example").await,
        app.session("maria.manager@portico.example").await,
    );
    let hal_id = app.user_id("hal.helpdesk@portico.example").await;
    let ed = app.user_id("ed.engineer@portico.example").await;
    let search = || SearchPeople { query: PeopleQuery { q: "ed".into(), ..Default::default() }, limit: None };

    // A change re-reads the person from Okta first: out of the help desk, no clearing sessions.
    app.okta_membership("Portico Help Desk", &hal_id, false).await;
    let res = hal.call_fn(ClearSessions { id: ed.clone(), revoke_tokens: false }).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "roles come from the groups Okta has now");
    app.okta_membership("Portico Help Desk", &hal_id, true).await;

    // Reads follow Okta within `session.revalidate_seconds`: an auditor taken out of the
    // auditors still reads for up to a minute, then not.
    let audrey_id = app.user_id("audrey.auditor@portico.example").await;
    app.okta_membership("Portico Auditors", &audrey_id, false).await;
    assert_eq!(audrey.call_fn(SearchAudit { filter: AuditFilter::default() }).await.status(), StatusCode::OK);
    app.advance_clock(chrono::Duration::seconds(61));
    assert_eq!(audrey.call_fn(SearchAudit { filter: AuditFilter::default() }).await.status(), StatusCode::FORBIDDEN);

    // Deactivated in Okta (not by Portico): signed out at the next check, and told why.
    let maria_id = app.user_id("maria.manager@portico.example").await;
    app.okta_lifecycle(&maria_id, portico_vocab::LifecycleOp::Deactivate).await;
    app.advance_clock(chrono::Duration::seconds(61));
    let res = maria.call_fn(Inbox {}).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = res.json().await.expect("json");
    assert!(
        body["message"].as_str().unwrap_or("").contains("no longer active")
            || body["message"].as_str().unwrap_or("").contains("deactivated"),
        "{body}"
    );

    // Deactivated by Portico: signed out at once, on the next request, pages and functions.
    assert_eq!(hal.call_fn(search()).await.status(), StatusCode::OK);
    assert_eq!(portico_sessions(&ada, &hal_id).await, Some(1), "the admin sees Hal's Portico session");
    let res = ada
        .call_fn(RunLifecycle { id: hal_id.clone(), op: portico_vocab::LifecycleOp::Deactivate, confirm_login: None })
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(hal.call_fn(search()).await.status(), StatusCode::UNAUTHORIZED, "no minute's grace");
    assert_eq!(portico_sessions(&ada, &hal_id).await, Some(0));
    let page = hal.client.get(format!("{}/people", hal.base)).send().await.expect("page");
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    assert!(location(&page).starts_with("/auth/login"), "the session is gone: {}", location(&page));
    let ended = app
        .db()
        .await
        .text("SELECT reason FROM sign_ins WHERE sub = $1 AND ended_at IS NOT NULL", &[&hal_id])
        .await
        .expect("ended sign-in");
    assert!(ended.contains("deactivated"), "{ended}");
}

/// The idle timeout is Portico's, on Portico's clock, and the embedded org keeps the same time:
/// what it records (a status change, a sign-in) and the ID tokens it signs move with the clock.
#[tokio::test]
async fn an_idle_session_ends_on_portals_clock_which_the_org_shares() {
    use portico_app::{approvals::server::Inbox, people::server::RunLifecycle};
    let app = spawn_app_with(|c| c.session.idle_timeout_minutes = 30).await;
    let ada = app.session(ADMIN).await;
    // Each request within the timeout counts as activity.
    for _ in 0..2 {
        app.advance_clock(chrono::Duration::minutes(29));
        assert_eq!(ada.call_fn(Inbox {}).await.status(), StatusCode::OK, "active within the idle timeout");
    }
    app.advance_clock(chrono::Duration::minutes(31));
    assert_eq!(ada.call_fn(Inbox {}).await.status(), StatusCode::UNAUTHORIZED, "idle for 31 minutes");
    let page = ada.client.get(format!("{}/people", ada.base)).send().await.expect("page");
    assert!(location(&page).starts_with("/auth/login"), "the session is gone: {}", location(&page));

    // 89 minutes on: signing in again works (the org signs its ID token at the moved time and
    // the portal judges it by the same clock), and the org stamps what it does at that time.
    let ada = app.session(ADMIN).await;
    let ed = app.user_id("ed.engineer@portico.example").await;
    let res = ada
        .call_fn(RunLifecycle { id: ed.clone(), op: portico_vocab::LifecycleOp::Suspend, confirm_login: None })
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let token = &app.portal.devorg.as_ref().expect("org").api_token;
    let user: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/api/v1/users/{ed}", app.org))
        .header("Authorization", format!("SSWS {token}"))
        .send()
        .await
        .expect("user")
        .json()
        .await
        .expect("json");
    let changed = chrono::DateTime::parse_from_rfc3339(user["statusChanged"].as_str().expect("statusChanged"))
        .expect("time")
        .to_utc();
    let clock = portico_core::Clock::controlled(&app.data_dir).now();
    assert!(
        (clock - changed).num_seconds().abs() < 60,
        "the org's record is on the portal's clock: {changed} vs {clock}"
    );
    assert!(changed - chrono::Utc::now() > chrono::Duration::minutes(80), "not on the wall clock: {changed}");
}

/// Someone who holds a Portico role, or is in a protected group, is changed only by an admin:
/// the help desk is offered nothing on their page, and every change it tries is refused and
/// audited, directly or as a request.
#[tokio::test]
async fn people_with_a_role_or_in_a_protected_group_are_changed_only_by_admins() {
    use portico_app::people::server::{ClearSessions, GetPerson, RunLifecycle};
    use portico_vocab::{LifecycleOp, PolicyAction};
    let app = spawn_app_with(|c| c.roles.protected_groups = vec!["Managers".into()]).await;
    let (ada, hal) = (app.session(ADMIN).await, app.session("hal.helpdesk@portico.example").await);
    let (ada_id, maria, ed) = (
        app.user_id(ADMIN).await,
        app.user_id("maria.manager@portico.example").await,
        app.user_id("ed.engineer@portico.example").await,
    );
    let page: serde_json::Value = hal.call_fn(GetPerson { id: ada_id.clone() }).await.json().await.expect("json");
    assert!(page["protected"].as_str().is_some_and(|w| w.contains("only an admin")), "{page}");
    assert_eq!(page["actions"], serde_json::json!([]), "nothing offered that the server would refuse");

    let res =
        hal.call_fn(RunLifecycle { id: ada_id.clone(), op: LifecycleOp::ResetFactors, confirm_login: None }).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let body: serde_json::Value = res.json().await.expect("json");
    assert!(body["message"].as_str().unwrap_or_default().contains("only an admin"), "{body}");
    for id in [&ada_id, &maria] {
        let res = hal.call_fn(ClearSessions { id: id.clone(), revoke_tokens: false }).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "a role holder or a protected group's member");
    }
    let asked =
        hal.call_fn(crate::approvals::ask(PolicyAction::Lifecycle(LifecycleOp::Deactivate), &ada_id, "Leaving")).await;
    assert_eq!(asked.status(), StatusCode::FORBIDDEN, "not by asking either");

    // Everyone else, as before; and an admin changes protected people.
    assert_eq!(hal.call_fn(ClearSessions { id: ed, revoke_tokens: false }).await.status(), StatusCode::OK);
    assert_eq!(ada.call_fn(ClearSessions { id: maria, revoke_tokens: false }).await.status(), StatusCode::OK);
    let refused = app
        .db()
        .await
        .int("SELECT COUNT(*) FROM audit_events WHERE action = 'person.change' AND result = 'refused'", &[])
        .await;
    assert_eq!(refused, 4, "every refusal is in the audit trail");
}

/// Roles follow the configured group's identity: a group an application imports under the same
/// name grants nothing, and a name two Okta groups share stops the start with its reason.
#[tokio::test]
async fn roles_are_granted_by_group_identity_not_by_a_same_named_group() {
    use portico_app::{me::server::GetMe, people::server::SearchPeople};
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn_app_in(dir.path().to_path_buf(), browser()).await;
    let ed = app.user_id("ed.engineer@portico.example").await;
    let real_admins = app.group_id("Portico Admins").await;
    // What an app or directory integration can do: push a group named like the admins' group.
    let org = org_db(dir.path()).await;
    org_group(&org, "00gImportedAdmins01", "APP_GROUP", "Portico Admins").await;
    sqlx::query("INSERT INTO group_members (group_id, user_id) VALUES ('00gImportedAdmins01', ?)")
        .bind(&ed)
        .execute(&org)
        .await
        .expect("member");
    let ed_session = app.session("ed.engineer@portico.example").await;
    let me: serde_json::Value = ed_session.call_fn(GetMe {}).await.json().await.expect("me");
    assert!(me["groups"].as_array().expect("groups").iter().any(|g| g == "Portico Admins"), "the name is there: {me}");
    assert_eq!(me["roles"], serde_json::json!([]), "and grants nothing: {me}");
    let search = SearchPeople { query: Default::default(), limit: None };
    assert_eq!(ed_session.call_fn(search).await.status(), StatusCode::FORBIDDEN);

    // A signed-in admin moved from the real group to a same-named app group whose id sorts in
    // the real one's place: the names in the session stay the same, in the same order; the ids
    // do not, and the role goes at the next check.
    let ada = app.session(ADMIN).await;
    let ada_id = app.user_id(ADMIN).await;
    let stand_in = format!("{}zzzzzzz", &real_admins[..13]);
    org_group(&org, &stand_in, "APP_GROUP", "Portico Admins").await;
    sqlx::query("INSERT INTO group_members (group_id, user_id) VALUES (?, ?)")
        .bind(&stand_in)
        .bind(&ada_id)
        .execute(&org)
        .await
        .expect("member");
    sqlx::query("DELETE FROM group_members WHERE group_id = ? AND user_id = ?")
        .bind(&real_admins)
        .bind(&ada_id)
        .execute(&org)
        .await
        .expect("out of the real group");
    app.advance_clock(chrono::Duration::seconds(61));
    let me: serde_json::Value = ada.call_fn(GetMe {}).await.json().await.expect("me");
    assert!(me["groups"].as_array().expect("groups").iter().any(|g| g == "Portico Admins"), "{me}");
    assert_eq!(me["roles"], serde_json::json!([]), "the role followed the group, not its name: {me}");

    // Two OKTA_GROUPs of a configured name: which one is meant? The portal does not start.
    let kept = app.stop_keeping_data().await;
    org_group(&org, "00gSecondAuditors1", "OKTA_GROUP", "Portico Auditors").await;
    let refused = try_spawn_app_in(dir.path().to_path_buf(), browser(), |_| {}).await.err().expect("refused");
    assert!(
        refused.to_string().contains("\"Portico Auditors\"") && refused.to_string().contains("ambiguous"),
        "{refused:#}"
    );
    drop(kept);
}

/// A group written straight into the org's database, as an integration (or a mistake) makes one.
async fn org_group(org: &sqlx::SqlitePool, id: &str, kind: &str, name: &str) {
    sqlx::query(
        "INSERT INTO groups (id, type, name, profile, created, last_updated, last_membership_updated) \
         VALUES (?1, ?2, ?3, json_object('name', ?3), '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', \
         '2026-01-01T00:00:00.000Z')",
    )
    .bind(id)
    .bind(kind)
    .bind(name)
    .execute(org)
    .await
    .expect("group");
}

/// Sessions are read from memory between saves, but whether one has ended is not: a sign-in
/// ended behind this process's back (by another replica, straight in the database) refuses
/// the very next request, though the session's copy is still in memory.
#[tokio::test]
async fn a_session_ended_elsewhere_is_refused_at_once_despite_its_copy_in_memory() {
    use portico_app::approvals::server::Inbox;
    let app = spawn_app().await;
    let ada = app.session(ADMIN).await;
    assert_eq!(ada.call_fn(Inbox {}).await.status(), StatusCode::OK);
    assert_eq!(ada.call_fn(Inbox {}).await.status(), StatusCode::OK, "served from the copy");
    app.db()
        .await
        .run("UPDATE sign_ins SET ended_at = '2026-01-01T00:00:00.000Z', ended_by = 'replica-2', reason = 'test'", &[])
        .await;
    assert_eq!(ada.call_fn(Inbox {}).await.status(), StatusCode::UNAUTHORIZED);
}
