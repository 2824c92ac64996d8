//! Server access (ASA) server functions against the embedded team: every action, every role.
use crate::helpers::{fns::*, *};
use reqwest::StatusCode;

#[tokio::test]
async fn drift_finds_everyone_out_of_step_and_fixes_one() {
    let app = spawn_app().await;
    app.sign_in_as(ADMIN, None).await;
    let (status, rows) = json(app.call("asa/drift").await).await;
    assert_eq!(status, StatusCode::OK, "{rows}");
    let mut found: Vec<(String, String)> = rows
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| (r["asa_name"].as_str().expect("name").to_string(), r["fix_to"].as_str().expect("fix").to_string()))
        .collect();
    found.sort();
    assert_eq!(
        found,
        vec![
            ("Ed.Engineer".into(), "ACTIVE".into()),
            ("Erin.Engineer".into(), "DISABLED".into()),
            ("Steve.Sales".into(), "DISABLED".into()),
        ]
    );
    let (status, msg) = json(app.call_fn(FixDrift { asa_name: "Steve.Sales".into() }).await).await;
    assert_eq!((status, msg.as_str()), (StatusCode::OK, Some("Steve.Sales was disabled in ASA to match Okta.")));
    let (_, rows) = json(app.call("asa/drift").await).await;
    assert_eq!(rows.as_array().expect("rows").len(), 2);
    let (status, _) = json(app.call_fn(FixDrift { asa_name: "Steve.Sales".into() }).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "no longer out of step: nothing to fix");
}

#[tokio::test]
async fn users_groups_and_membership_for_admins() {
    let app = spawn_app().await;
    app.sign_in_as(ADMIN, None).await;
    let (status, page) =
        json(app.call_fn(AsaUsers { q: "Ma".into(), status: "".into(), service: false, offset: "".into() }).await)
            .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let names: Vec<&str> =
        page["rows"].as_array().expect("rows").iter().map(|r| r["name"].as_str().expect("name")).collect();
    assert_eq!(names, vec!["Maria.Manager", "Marcus.Manager"]);
    let (_, user) = json(app.call_fn(AsaUser { name: "Ed.Engineer".into() }).await).await;
    assert_eq!(user["user"]["status"], "DISABLED");
    assert!(user["groups"].as_array().expect("groups").iter().any(|g| g["name"] == "engineering"));
    let (status, msg) =
        json(app.call_fn(SetAsaStatus { name: "Ed.Engineer".into(), status: "ACTIVE".into() }).await).await;
    assert_eq!((status, msg.as_str()), (StatusCode::OK, Some("Ed.Engineer was enabled in ASA.")));
    let (_, person) = json(app.call_fn(AsaForPerson { email: "ED.ENGINEER@portico.example".into() }).await).await;
    assert_eq!((person["name"].as_str(), person["status"].as_str()), (Some("Ed.Engineer"), Some("ACTIVE")));
    let (_, nobody) = json(app.call_fn(AsaForPerson { email: "stan.sales@portico.example".into() }).await).await;
    assert!(nobody.is_null(), "Stan was never provisioned to ASA");

    let (status, msg) =
        json(app.call_fn(SaveAsaGroup { name: "dbas".into(), roles: vec!["access_user".into()], create: true }).await)
            .await;
    assert_eq!(status, StatusCode::OK, "{msg}");
    let (status, msg) = json(
        app.call_fn(SaveAsaGroup {
            name: "dbas".into(),
            roles: vec!["access_admin".into(), "reporting_user".into()],
            create: false,
        })
        .await,
    )
    .await;
    assert_eq!((status, msg.as_str()), (StatusCode::OK, Some("Saved the roles of dbas.")));
    let (_, g) = json(app.call_fn(AsaGroup { name: "dbas".into() }).await).await;
    assert_eq!(g["group"]["roles"], serde_json::json!(["access_admin", "reporting_user"]));
    let (status, _) =
        json(app.call_fn(AsaMembership { group: "dbas".into(), user: "Sam.Sales".into(), add: true }).await).await;
    assert_eq!(status, StatusCode::OK);
    let (_, g) = json(app.call_fn(AsaGroup { name: "dbas".into() }).await).await;
    assert_eq!(g["members"][0]["name"], "Sam.Sales");
    let (status, err) =
        json(app.call_fn(AsaMembership { group: "engineering".into(), user: "Sam.Sales".into(), add: true }).await)
            .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(err["message"].as_str().expect("msg").contains("pushed from Okta"));
    let (status, err) =
        json(app.call_fn(SaveAsaGroup { name: "dbas".into(), roles: vec!["access_user".into()], create: true }).await)
            .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "duplicate: {err}");
    assert!(err["message"].as_str().expect("msg").contains("already exists"));
    let (status, _) = json(app.call_fn(DeleteAsaGroup { name: "dbas".into() }).await).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = json(app.call_fn(AsaGroup { name: "dbas".into() }).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = json(app.call_fn(DeleteAsaGroup { name: "owners".into() }).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn help_desk_and_auditors_only_look() {
    for login in ["hal.helpdesk@portico.example", "audrey.auditor@portico.example"] {
        let app = spawn_app().await;
        app.sign_in_as(login, None).await;
        let (status, _) = json(app.call("asa/drift").await).await;
        assert_eq!(status, StatusCode::OK, "{login} may look");
        let (_, user) = json(app.call_fn(AsaUser { name: "Steve.Sales".into() }).await).await;
        assert_eq!(user["can_manage"], false);
        for (what, res) in [
            ("status", app.call_fn(SetAsaStatus { name: "Steve.Sales".into(), status: "DISABLED".into() }).await),
            ("drift fix", app.call_fn(FixDrift { asa_name: "Steve.Sales".into() }).await),
            (
                "group save",
                app.call_fn(SaveAsaGroup { name: "x".into(), roles: vec!["access_user".into()], create: true }).await,
            ),
            ("group delete", app.call_fn(DeleteAsaGroup { name: "sre".into() }).await),
            (
                "membership",
                app.call_fn(AsaMembership { group: "sre".into(), user: "Sam.Sales".into(), add: true }).await,
            ),
        ] {
            assert_eq!(res.status(), StatusCode::FORBIDDEN, "{login} {what}");
        }
    }
    let nobody = spawn_app().await;
    nobody.sign_in_as("maria.manager@portico.example", None).await;
    let (status, _) = json(nobody.call("asa/drift").await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_asa_client_renews_a_token_the_team_stopped_accepting() {
    let app = spawn_app().await;
    app.sign_in_as(ADMIN, None).await;
    let args = || AsaUsers { q: String::new(), status: String::new(), service: false, offset: String::new() };
    let (status, _) = json(app.call_fn(args()).await).await;
    assert_eq!(status, StatusCode::OK);
    // The cached token dies early: the next call gets a 401, fetches a new token, retries once.
    let res =
        app.control_http().delete(format!("{}/__devorg/control/asa_tokens", app.org)).send().await.expect("revoke");
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let (status, page) = json(app.call_fn(args()).await).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["rows"].as_array().expect("rows").len(), 13);
}
