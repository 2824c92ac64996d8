//! Server access (ASA) server functions against the embedded team: every action, every role.
use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::Value;

async fn json(res: reqwest::Response) -> (StatusCode, Value) {
    let status = res.status();
    (status, res.json().await.expect("json"))
}

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
    let (status, msg) = json(app.call_with("asa/drift-fix", &[("asa_name", "Steve.Sales")]).await).await;
    assert_eq!((status, msg.as_str()), (StatusCode::OK, Some("Steve.Sales was disabled in ASA to match Okta.")));
    let (_, rows) = json(app.call("asa/drift").await).await;
    assert_eq!(rows.as_array().expect("rows").len(), 2);
    let (status, _) = json(app.call_with("asa/drift-fix", &[("asa_name", "Steve.Sales")]).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "no longer out of step: nothing to fix");
}

#[tokio::test]
async fn users_groups_and_membership_for_admins() {
    let app = spawn_app().await;
    app.sign_in_as(ADMIN, None).await;
    let (status, page) =
        json(app.call_with("asa/users", &[("q", "Ma"), ("status", ""), ("service", "false"), ("offset", "")]).await)
            .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let names: Vec<&str> =
        page["rows"].as_array().expect("rows").iter().map(|r| r["name"].as_str().expect("name")).collect();
    assert_eq!(names, vec!["Maria.Manager", "Marcus.Manager"]);
    let (_, user) = json(app.call_with("asa/user", &[("name", "Ed.Engineer")]).await).await;
    assert_eq!(user["user"]["status"], "DISABLED");
    assert!(user["groups"].as_array().expect("groups").iter().any(|g| g["name"] == "engineering"));
    let (status, msg) = json(app.call_with("asa/status", &[("name", "Ed.Engineer"), ("status", "ACTIVE")]).await).await;
    assert_eq!((status, msg.as_str()), (StatusCode::OK, Some("Ed.Engineer was enabled in ASA.")));
    let (_, person) = json(app.call_with("asa/for-person", &[("email", "ED.ENGINEER@portico.example")]).await).await;
    assert_eq!((person["name"].as_str(), person["status"].as_str()), (Some("Ed.Engineer"), Some("ACTIVE")));
    let (_, nobody) = json(app.call_with("asa/for-person", &[("email", "stan.sales@portico.example")]).await).await;
    assert!(nobody.is_null(), "Stan was never provisioned to ASA");

    let (status, msg) = json(
        app.call_with("asa/group-save", &[("name", "dbas"), ("roles[0]", "access_user"), ("create", "true")]).await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{msg}");
    let (status, msg) = json(
        app.call_with(
            "asa/group-save",
            &[("name", "dbas"), ("roles[0]", "access_admin"), ("roles[1]", "reporting_user"), ("create", "false")],
        )
        .await,
    )
    .await;
    assert_eq!((status, msg.as_str()), (StatusCode::OK, Some("Saved the roles of dbas.")));
    let (_, g) = json(app.call_with("asa/group", &[("name", "dbas")]).await).await;
    assert_eq!(g["group"]["roles"], serde_json::json!(["access_admin", "reporting_user"]));
    let (status, _) =
        json(app.call_with("asa/membership", &[("group", "dbas"), ("user", "Sam.Sales"), ("add", "true")]).await).await;
    assert_eq!(status, StatusCode::OK);
    let (_, g) = json(app.call_with("asa/group", &[("name", "dbas")]).await).await;
    assert_eq!(g["members"][0]["name"], "Sam.Sales");
    let (status, err) = json(
        app.call_with("asa/membership", &[("group", "engineering"), ("user", "Sam.Sales"), ("add", "true")]).await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(err["message"].as_str().expect("msg").contains("pushed from Okta"));
    let (status, err) = json(
        app.call_with("asa/group-save", &[("name", "dbas"), ("roles[0]", "access_user"), ("create", "true")]).await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "duplicate: {err}");
    assert!(err["message"].as_str().expect("msg").contains("already exists"));
    let (status, _) = json(app.call_with("asa/group-delete", &[("name", "dbas")]).await).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = json(app.call_with("asa/group", &[("name", "dbas")]).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = json(app.call_with("asa/group-delete", &[("name", "owners")]).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn help_desk_and_auditors_only_look() {
    for login in ["hal.helpdesk@portico.example", "audrey.auditor@portico.example"] {
        let app = spawn_app().await;
        app.sign_in_as(login, None).await;
        let (status, _) = json(app.call("asa/drift").await).await;
        assert_eq!(status, StatusCode::OK, "{login} may look");
        let (_, user) = json(app.call_with("asa/user", &[("name", "Steve.Sales")]).await).await;
        assert_eq!(user["can_manage"], false);
        for (endpoint, form) in [
            ("asa/status", vec![("name", "Steve.Sales"), ("status", "DISABLED")]),
            ("asa/drift-fix", vec![("asa_name", "Steve.Sales")]),
            ("asa/group-save", vec![("name", "x"), ("roles[0]", "access_user"), ("create", "true")]),
            ("asa/group-delete", vec![("name", "sre")]),
            ("asa/membership", vec![("group", "sre"), ("user", "Sam.Sales"), ("add", "true")]),
        ] {
            let (status, _) = json(app.call_with(endpoint, &form).await).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{login} {endpoint}");
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
    let args = [("q", ""), ("status", ""), ("service", "false"), ("offset", "")];
    let (status, _) = json(app.call_with("asa/users", &args).await).await;
    assert_eq!(status, StatusCode::OK);
    // The cached token dies early: the next call gets a 401, fetches a new token, retries once.
    let res =
        reqwest::Client::new().delete(format!("{}/__devorg/control/asa_tokens", app.org)).send().await.expect("revoke");
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let (status, page) = json(app.call_with("asa/users", &args).await).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["rows"].as_array().expect("rows").len(), 13);
}
