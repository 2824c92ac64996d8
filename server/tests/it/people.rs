//! People and groups server functions against the embedded org: every action and role,
//! refusals included, and the Okta client's behaviour under upstream faults.
use crate::helpers::{fns::*, *};
use reqwest::StatusCode;

const HELPDESK: &str = "hal.helpdesk@portico.example";
const AUDITOR: &str = "audrey.auditor@portico.example";
const NOBODY: &str = "maria.manager@portico.example";

#[tokio::test]
async fn search_is_for_people_with_a_role_and_escapes_input() {
    let app = spawn_app().await;
    app.sign_in_as(AUDITOR, None).await;
    let (status, page) = json(
        app.call_fn(SearchPeople { query: PeopleQuery { q: "ma".into(), ..Default::default() }, limit: None }).await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let names: Vec<&str> =
        page["rows"].as_array().expect("rows").iter().map(|r| r["name"].as_str().expect("name")).collect();
    assert_eq!(names, vec!["Maria Manager", "Marcus Manager"]);
    let (_, page) = json(
        app.call_fn(SearchPeople {
            query: PeopleQuery { status: "SUSPENDED".into(), ..Default::default() },
            limit: None,
        })
        .await,
    )
    .await;
    assert_eq!(page["rows"][0]["name"], "Erin Engineer");
    // A value built to break out of the expression stays a literal: nobody matches.
    let (status, page) = json(
        app.call_fn(SearchPeople {
            query: PeopleQuery { q: (r#"x" or status eq "ACTIVE"#).to_string(), ..Default::default() },
            limit: None,
        })
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["rows"].as_array().expect("rows").len(), 0);
    let (status, err) = json(
        app.call_fn(SearchPeople {
            query: PeopleQuery { created_from: "last tuesday".into(), ..Default::default() },
            limit: None,
        })
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(err["message"].as_str().expect("msg").contains("date"));
    // Paging: the cursor from one page brings the next, no overlap.
    let (status, first) = json(
        app.call_fn(SearchPeople { query: PeopleQuery { q: "".into(), ..Default::default() }, limit: Some(5) }).await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let next = first["next"].as_str().expect("more pages").to_string();
    let (_, second) = json(
        app.call_fn(SearchPeople {
            query: PeopleQuery { q: "".into(), after: next.clone(), ..Default::default() },
            limit: Some(5),
        })
        .await,
    )
    .await;
    assert_ne!(first["rows"][0]["id"], second["rows"][0]["id"]);

    let nobody = spawn_app().await;
    nobody.sign_in_as(NOBODY, None).await;
    let (status, err) = json(
        nobody.call_fn(SearchPeople { query: PeopleQuery { q: "ma".into(), ..Default::default() }, limit: None }).await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(err["kind"], "forbidden");
}

#[tokio::test]
async fn person_page_offers_what_status_and_role_allow() {
    let app = spawn_app().await;
    app.sign_in_as(ADMIN, None).await;
    let ed = app.user_id("ed.engineer@portico.example").await;
    let (_, person) = json(app.call_fn(GetPerson { id: ed.clone() }).await).await;
    let ops: Vec<&str> =
        person["actions"].as_array().expect("actions").iter().map(|a| a["op"].as_str().expect("op")).collect();
    use LifecycleOp::{Deactivate, ExpirePassword, ResetFactors, ResetPassword, Suspend};
    let want = [ResetPassword, ExpirePassword, ResetFactors, Suspend, Deactivate].map(LifecycleOp::as_str);
    assert_eq!(ops, want);
    assert_eq!(person["manager"][1], "Maria Manager");
    assert!(person["actions"][4]["confirm"].as_str().expect("text").contains("removed from every app assignment"));

    let desk = spawn_app().await;
    desk.sign_in_as(HELPDESK, None).await;
    let (_, person) =
        json(desk.call_fn(GetPerson { id: (desk.user_id("ed.engineer@portico.example").await).to_string() }).await)
            .await;
    // Help desk runs password and MFA resets; the rest it may only request, for approval.
    let ops: Vec<(&str, &str)> = person["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .map(|a| (a["op"].as_str().expect("op"), a["mode"].as_str().expect("mode")))
        .collect();
    assert_eq!(
        ops,
        [
            (ResetPassword, "Run"),
            (ExpirePassword, "Request"),
            (ResetFactors, "Run"),
            (Suspend, "Request"),
            (Deactivate, "Request")
        ]
        .map(|(op, mode)| (op.as_str(), mode))
    );
    assert_eq!(person["actions"][4]["approvers"], "their manager or an admin");
    assert_eq!(person["can_edit"], false);
    assert_eq!(person["membership_permit"]["mode"], "Request");
}

#[tokio::test]
async fn lifecycle_actions_run_once_allowed_and_refuse_otherwise() {
    let app = spawn_app().await;
    app.sign_in_as(ADMIN, None).await;
    let ed = app.user_id("ed.engineer@portico.example").await;
    let (status, out) =
        json(app.call_fn(RunLifecycle { id: ed.clone(), op: LifecycleOp::Suspend, confirm_login: None }).await).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["person"]["status"], "SUSPENDED");
    assert_eq!(out["message"], "Ed Engineer was suspended.");
    // Suspending again is not allowed in SUSPENDED: refused with the current state.
    let (status, err) =
        json(app.call_fn(RunLifecycle { id: ed.clone(), op: LifecycleOp::Suspend, confirm_login: None }).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(err["message"].as_str().expect("msg").contains("suspended now"), "{err}");
    json(app.call_fn(RunLifecycle { id: ed.clone(), op: LifecycleOp::Unsuspend, confirm_login: None }).await).await;

    let (status, out) =
        json(app.call_fn(RunLifecycle { id: ed.clone(), op: LifecycleOp::ExpirePassword, confirm_login: None }).await)
            .await;
    assert_eq!(status, StatusCode::OK);
    assert!(out["temp_password"].as_str().is_some_and(|t| t.len() >= 8), "temporary password shown once");
    assert_eq!(out["person"]["status"], "PASSWORD_EXPIRED");

    // Not a value the argument type can hold: the raw form, as a hostile client sends it.
    let (status, _) = json(app.call_with("people/lifecycle", &[("id", &ed), ("op", "drop_tables")]).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Delete: only once deactivated, and only with the login typed back.
    let steve = app.user_id("steve.sales@portico.example").await;
    let (status, err) = json(
        app.call_fn(RunLifecycle { id: steve.clone(), op: LifecycleOp::Delete, confirm_login: Some("steve".into()) })
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    let (status, out) = json(
        app.call_fn(RunLifecycle {
            id: steve.clone(),
            op: LifecycleOp::Delete,
            confirm_login: Some("Steve.Sales@portico.example".into()),
        })
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert!(out["person"].is_null());
    let (status, _) = json(app.call_fn(GetPerson { id: steve.clone() }).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn help_desk_and_auditors_are_refused_what_they_may_not_do() {
    let desk = spawn_app().await;
    desk.sign_in_as(HELPDESK, None).await;
    let eli = desk.user_id("eli.engineer@portico.example").await;
    let ed = desk.user_id("ed.engineer@portico.example").await;
    for op in [LifecycleOp::Deactivate, LifecycleOp::Suspend, LifecycleOp::ExpirePassword] {
        let (status, err) = json(desk.call_fn(RunLifecycle { id: ed.clone(), op, confirm_login: None }).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{op:?}: {err}");
        assert!(!err["op_id"].as_str().unwrap_or_default().is_empty());
    }
    let (status, out) =
        json(desk.call_fn(RunLifecycle { id: eli.clone(), op: LifecycleOp::Unlock, confirm_login: None }).await).await;
    assert_eq!((status, out["person"]["status"].as_str()), (StatusCode::OK, Some("ACTIVE")));
    let (status, _) =
        json(desk.call_fn(ChangeMembership { group_id: "00gx".into(), user_ids: vec![ed.clone()], add: true }).await)
            .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = json(desk.call_fn(CreateGroup { name: "X".into(), description: "".into() }).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let auditor = spawn_app().await;
    auditor.sign_in_as(AUDITOR, None).await;
    let ed = auditor.user_id("ed.engineer@portico.example").await;
    let (status, _) = json(
        auditor.call_fn(RunLifecycle { id: ed.clone(), op: LifecycleOp::ResetPassword, confirm_login: None }).await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = json(auditor.call_fn(SearchGroups { q: "".into(), after: "".into() }).await).await;
    assert_eq!(status, StatusCode::OK, "auditors read groups");
}

#[tokio::test]
async fn groups_membership_and_management() {
    let app = spawn_app().await;
    app.sign_in_as(ADMIN, None).await;
    let (_, list) = json(app.call_fn(SearchGroups { q: "Sales".into(), after: "".into() }).await).await;
    let rows = list["rows"].as_array().expect("rows");
    let sales = rows.iter().find(|g| g["name"] == "Sales").expect("Sales");
    let app_group = rows.iter().find(|g| g["name"] == "Salesforce Users").expect("app group");
    assert!(app_group["read_only"].as_str().expect("reason").contains("Imported from an application"));
    let ed = app.user_id("ed.engineer@portico.example").await;
    let ivy = app.user_id("ivy.intern@portico.example").await;
    let gid = sales["id"].as_str().expect("id");
    let (status, msg) = json(
        app.call_fn(ChangeMembership { group_id: gid.to_string(), user_ids: vec![ed.clone(), ivy.clone()], add: true })
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{msg}");
    assert_eq!(msg, "Added 2 people to Sales.");
    let (_, members) = json(app.call_fn(GroupMembers { id: gid.to_string(), after: "".into() }).await).await;
    assert!(members["rows"].as_array().expect("rows").iter().any(|r| r["name"] == "Ivy Intern"));
    let (status, msg) = json(
        app.call_fn(ChangeMembership { group_id: gid.to_string(), user_ids: vec![ivy.clone()], add: false }).await,
    )
    .await;
    assert_eq!((status, msg.as_str()), (StatusCode::OK, Some("Removed 1 person from Sales.")));
    let (status, err) = json(
        app.call_fn(ChangeMembership {
            group_id: (app_group["id"].as_str().expect("id")).to_string(),
            user_ids: vec![ed.clone()],
            add: true,
        })
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(err["message"].as_str().expect("msg").contains("Imported"));

    let (status, created) =
        json(app.call_fn(CreateGroup { name: "Release Crew".into(), description: "ships it".into() }).await).await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let new_id = created["id"].as_str().expect("id").to_string();
    let (status, dup) =
        json(app.call_fn(CreateGroup { name: "release crew".into(), description: "".into() }).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(dup["message"].as_str().expect("msg").contains("already exists"), "Okta's own words: {dup}");
    let (_, renamed) = json(
        app.call_fn(RenameGroup { id: new_id.clone(), name: "Release Team".into(), description: "".into() }).await,
    )
    .await;
    assert_eq!(renamed["name"], "Release Team");
    let (status, _) = json(app.call_fn(DeleteGroup { id: new_id.clone() }).await).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) =
        json(app.call_fn(DeleteGroup { id: (app_group["id"].as_str().expect("id")).to_string() }).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "app groups cannot be deleted here");
}

#[tokio::test]
async fn upstream_faults_are_retried_or_reported_and_metered() {
    let app = spawn_app().await;
    app.sign_in_as(ADMIN, None).await;
    // One 429 with a reset in the past: the client waits briefly and retries, the person never sees it.
    app.control("faults", serde_json::json!({ "path_prefix": "/api/v1/users", "status": 429, "times": 1 })).await;
    let (status, page) = json(
        app.call_fn(SearchPeople { query: PeopleQuery { q: "ed".into(), ..Default::default() }, limit: None }).await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    // An empty bucket that refills only in a minute: the person is told at once how long to
    // wait (okta.max_interactive_wait_ms), rather than kept on a spinner until it refills.
    app.control("rate_limits", serde_json::json!({ "bucket": "users", "limit": 1 })).await;
    let search = || SearchPeople { query: PeopleQuery { q: "e".into(), ..Default::default() }, limit: None };
    assert_eq!(app.call_fn(search()).await.status(), StatusCode::OK, "the bucket's last request");
    let (status, err) = json(app.call_fn(search()).await).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{err}");
    let message = err["message"].as_str().unwrap_or_default();
    assert!(message.contains("rate limit is reached") && message.contains(" s."), "{err}");
    app.control("rate_limits", serde_json::json!({ "bucket": "users", "limit": 600 })).await;
    // Portico holds calls in the spent bucket until the reset Okta named, without sending them.
    app.advance_clock(chrono::Duration::seconds(61));
    assert_eq!(app.call_fn(search()).await.status(), StatusCode::OK, "refilled at its reset");
    // A 500 is reported with a reference, and nothing is claimed to have changed.
    let ed = app.user_id("ed.engineer@portico.example").await;
    app.control("faults", serde_json::json!({ "path_prefix": "/api/v1/users", "status": 500, "times": 1 })).await;
    let (status, err) =
        json(app.call_fn(RunLifecycle { id: ed.clone(), op: LifecycleOp::Suspend, confirm_login: None }).await).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{err}");
    assert!(err["message"].as_str().expect("msg").contains("Nothing was changed"));
    // A dropped connection is a clear error too; the retry then works.
    app.control("faults", serde_json::json!({ "path_prefix": "/api/v1/users", "drop_connection": true, "times": 1 }))
        .await;
    let (status, _) = json(
        app.call_fn(SearchPeople { query: PeopleQuery { q: "ed".into(), ..Default::default() }, limit: None }).await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    let (status, _) = json(
        app.call_fn(SearchPeople { query: PeopleQuery { q: "ed".into(), ..Default::default() }, limit: None }).await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

/// Replicas pace by one budget: what another replica heard from Okta (written where every
/// replica reads it) holds this one's calls in that bucket until its reset, and a held call never
/// reaches Okta.
#[tokio::test]
async fn a_bucket_another_replica_found_spent_holds_calls_here_without_sending_them() {
    use portico_core::budget::Observation;
    let app = spawn_app().await;
    app.sign_in_as(ADMIN, None).await;
    let db = app.db().await;
    let search = || SearchPeople { query: PeopleQuery { q: "ed".into(), ..Default::default() }, limit: None };
    let clock = portico_core::Clock::controlled(&app.data_dir);
    let mut held = None;
    for _ in 0..40 {
        // Newer than anything this portal heard itself (its own calls would supersede it).
        let now = clock.now();
        let spent = Observation {
            upstream: "okta".into(),
            bucket: "users".into(),
            limit: 600,
            remaining: 0,
            reset_at: now + chrono::Duration::seconds(30),
            observed_at: now,
        };
        db.store().save_observations(&[spent]).await.expect("another replica's observation");
        tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
        let (status, err) = json(app.call_fn(search()).await).await;
        if status == StatusCode::SERVICE_UNAVAILABLE {
            held = Some(err);
            break;
        }
        assert_eq!(status, StatusCode::OK, "{err}");
    }
    let err = held.expect("the shared budget reached this portal within its exchanges");
    assert!(err["message"].as_str().unwrap_or_default().contains("Try again in"), "{err}");
    // Okta would now fail the next call it receives; a held call is not one of them.
    app.control("faults", serde_json::json!({ "path_prefix": "/api/v1/users", "status": 500, "times": 1 })).await;
    assert_eq!(app.call_fn(search()).await.status(), StatusCode::SERVICE_UNAVAILABLE, "still held");
    // At the reset the bucket is full again: the call goes out, and meets the fault still waiting.
    // (Less than a minute on: the session is not revalidated, which would meet the fault first.)
    app.advance_clock(chrono::Duration::seconds(31));
    assert_eq!(app.call_fn(search()).await.status(), StatusCode::BAD_GATEWAY, "the first call to reach Okta");
    assert_eq!(app.call_fn(search()).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn metrics_answer_only_their_bearer() {
    let app = spawn_app_with(|c| c.server.metrics_token = Some(portico_core::Secret::new("scrape-me"))).await;
    app.sign_in_as(ADMIN, None).await;
    assert_eq!(
        app.call_fn(SearchPeople { query: PeopleQuery { q: "ed".into(), ..Default::default() }, limit: None })
            .await
            .status(),
        StatusCode::OK
    );
    let get = |token: Option<&str>| {
        let mut req = reqwest::Client::new().get(format!("{}/metrics", app.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    assert_eq!(get(None).await.expect("metrics").status(), StatusCode::UNAUTHORIZED);
    assert_eq!(get(Some("scrape-you")).await.expect("metrics").status(), StatusCode::UNAUTHORIZED);
    let metrics = get(Some("scrape-me")).await.expect("metrics").text().await.expect("text");
    // The recorder is the process's: other tests count too, so compare before and after.
    let searches =
        |text: &str| sample(text, "portico_http_requests_total", &[("route", "/api/people/search"), ("status", "200")]);
    let before = searches(&metrics).expect("the search above is counted by its route");
    assert!(
        sample(&metrics, "portico_upstream_requests_total", &[("upstream", "okta"), ("bucket", "users")]).is_some()
    );
    assert!(metrics.contains("portico_upstream_request_duration_seconds_bucket"), "{metrics}");
    assert!(metrics.contains("portico_http_request_duration_seconds_bucket"));
    assert!(metrics.contains("portico_upstream_rate_limit_remaining"));
    for gauge in ["portico_executor_queue_depth", "portico_executor_oldest_age_seconds", "portico_webhook_backlog"] {
        assert!(sample(&metrics, gauge, &[]).is_some(), "{gauge} missing:\n{metrics}");
    }
    app.call_fn(SearchPeople { query: PeopleQuery { q: "ed".into(), ..Default::default() }, limit: None }).await;
    let after = get(Some("scrape-me")).await.expect("metrics").text().await.expect("text");
    assert!(searches(&after).expect("counted") >= before + 1.0);
    // Without a token configured, nobody scrapes them.
    let off = spawn_app().await;
    let res = reqwest::Client::new().get(format!("{}/metrics", off.base)).send().await.expect("metrics");
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn malformed_calls_get_a_400_with_a_reference() {
    let app = spawn_app().await;
    app.sign_in_as(ADMIN, None).await;
    // Not a value the argument type can hold: the raw form, as a hostile client sends it.
    let (status, err) = json(app.call_with("people/search", &[("limit", "many")]).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert_eq!(err["kind"], "bad_request");
    assert!(!err["op_id"].as_str().unwrap_or_default().is_empty());
}

#[tokio::test]
async fn profile_creation_sessions_and_consents_by_role() {
    let app = spawn_app().await;
    app.sign_in_as(ADMIN, None).await;
    let ed = app.user_id("ed.engineer@portico.example").await;
    let (status, person) = json(
        app.call_fn(UpdateProfile { id: ed.clone(), changes: vec![("title".into(), "Staff Engineer".into())] }).await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{person}");
    assert!(
        person["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .any(|f| f["key"] == "title" && f["value"] == "Staff Engineer")
    );
    let (status, err) =
        json(app.call_fn(UpdateProfile { id: ed.clone(), changes: vec![("email".into(), "nope".into())] }).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["fields"][0][0], "email", "Okta's field error comes back by field: {err}");
    let (status, _) =
        json(app.call_fn(UpdateProfile { id: ed.clone(), changes: vec![("login".into(), "x@y.z".into())] }).await)
            .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "the login is not editable here");
    let (status, id) = json(
        app.call_fn(CreatePerson {
            person: portico_app::people::NewPerson {
                first_name: "Tia".into(),
                last_name: "Temp".into(),
                email: "tia.temp@portico.example".into(),
                activate: false,
                ..Default::default()
            },
        })
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{id}");
    let (_, tia) = json(app.call_fn(GetPerson { id: (id.as_str().expect("id")).to_string() }).await).await;
    assert_eq!(tia["status"], "STAGED");
    let (status, msg) = json(app.call_fn(ClearSessions { id: ed.clone(), revoke_tokens: true }).await).await;
    assert_eq!(status, StatusCode::OK, "{msg}");
    let (_, access) = json(app.call_fn(PersonAccess { id: ed.clone() }).await).await;
    assert!(access["consents"].as_array().expect("consents").iter().all(|c| c["tokens"] == 0));
    let (status, _) =
        json(app.call_fn(RevokeConsent { id: ed.clone(), client_id: "0oaPortico0Dashboard1".into() }).await).await;
    assert_eq!(status, StatusCode::OK);

    let desk = spawn_app().await;
    desk.sign_in_as("hal.helpdesk@portico.example", None).await;
    let ed = desk.user_id("ed.engineer@portico.example").await;
    let (status, _) = json(desk.call_fn(ClearSessions { id: ed.clone(), revoke_tokens: false }).await).await;
    assert_eq!(status, StatusCode::OK, "help desk may clear sessions");
    let new = portico_app::people::NewPerson {
        first_name: "X".into(),
        email: "x@portico.example".into(),
        ..Default::default()
    };
    for (what, res) in [
        ("profile", desk.call_fn(UpdateProfile { id: ed.clone(), changes: vec![("title".into(), "x".into())] }).await),
        ("create", desk.call_fn(CreatePerson { person: new }).await),
        (
            "revoke consent",
            desk.call_fn(RevokeConsent { id: ed.clone(), client_id: "0oaPortico0Dashboard1".into() }).await,
        ),
    ] {
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "help desk: {what}");
    }
    let auditor = spawn_app().await;
    auditor.sign_in_as(AUDITOR, None).await;
    let ed = auditor.user_id("ed.engineer@portico.example").await;
    let (status, _) = json(auditor.call_fn(ClearSessions { id: ed.clone(), revoke_tokens: false }).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "auditors only read");
    let (status, _) = json(auditor.call_fn(PersonAccess { id: ed.clone() }).await).await;
    assert_eq!(status, StatusCode::OK);
}

/// The value of the first sample of `name` carrying every label in `labels`.
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text.lines().find_map(|line| {
        let rest = line.strip_prefix(name)?;
        if !(rest.starts_with('{') || rest.starts_with(' ')) {
            return None;
        }
        let (series, value) = rest.rsplit_once(' ')?;
        labels.iter().all(|(k, v)| series.contains(&format!("{k}=\"{v}\""))).then(|| value.parse().ok())?
    })
}

/// A person's groups and the groups list are shared copies for a few seconds (many people on
/// one page spend one call of Okta's bucket): a change made outside the portal shows once the
/// copy is old, the portal's own change shows at once, and deciding what someone may do never
/// reads a copy.
#[tokio::test]
async fn lists_pages_show_are_shared_briefly_and_forgotten_on_our_writes() {
    let app = spawn_app().await;
    app.sign_in_as(ADMIN, None).await;
    let ed = app.user_id("ed.engineer@portico.example").await;
    let names = |v: serde_json::Value| -> Vec<String> {
        v.as_array().expect("groups").iter().map(|g| g["name"].as_str().expect("name").to_string()).collect()
    };
    let groups_of_ed = || app.call_fn(PersonGroups { id: ed.clone() });
    let (_, before) = json(groups_of_ed().await).await;
    assert!(!names(before.clone()).contains(&"Sales".to_string()));
    let sales_list = || app.call_fn(SearchGroups { q: "Sales".into(), after: "".into() });
    let members = |v: &serde_json::Value| {
        let rows = v["rows"].as_array().expect("rows");
        rows.iter().find(|g| g["name"] == "Sales").expect("Sales")["users_count"].as_i64().expect("count")
    };
    let (_, list_before) = json(sales_list().await).await;

    // Someone adds Ed to Sales in Okta itself: the copies are still shown...
    app.okta_membership("Sales", &ed, true).await;
    let (_, cached) = json(groups_of_ed().await).await;
    assert_eq!(names(cached), names(before.clone()), "a shared copy, not a second call");
    let (_, list_cached) = json(sales_list().await).await;
    assert_eq!(members(&list_cached), members(&list_before));
    // ...until they are older than the copies' lifetime.
    app.advance_clock(portico_core::okta::lists::TTL + chrono::Duration::seconds(1));
    let (_, fresh) = json(groups_of_ed().await).await;
    assert!(names(fresh).contains(&"Sales".to_string()), "Okta asked again once the copy was old");
    let (_, list_fresh) = json(sales_list().await).await;
    assert_eq!(members(&list_fresh), members(&list_before) + 1);

    // The portal's own change shows at once.
    let gid = app.group_id("Sales").await;
    let (status, _) =
        json(app.call_fn(ChangeMembership { group_id: gid, user_ids: vec![ed.clone()], add: false }).await).await;
    assert_eq!(status, StatusCode::OK);
    let (_, after) = json(groups_of_ed().await).await;
    assert!(!names(after).contains(&"Sales".to_string()), "our own write forgot the copy");
}
