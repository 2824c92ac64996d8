//! The audit trail records sign-ins, actions and refusals; the page and its CSV agree.
use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn actions_refusals_and_sign_ins_are_recorded_and_exported() {
    let app = spawn_app().await;
    app.sign_in_as(ADMIN, None).await;
    let ed = app.user_id("ed.engineer@portico.example").await;
    let res = app.call_with("people/lifecycle", &[("id", &ed), ("op", "suspend")]).await;
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
    let refused = desk.call_with("people/lifecycle", &[("id", &ed), ("op", "deactivate")]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let (status, _) = (desk.call_with("audit/search", &[("filter[actor]", "")]).await.status(), ());
    assert_eq!(status, StatusCode::FORBIDDEN, "help desk cannot read the trail");
    let csv = desk.client.get(format!("{}/audit.csv", desk.base)).send().await.expect("csv");
    assert_eq!(csv.status(), StatusCode::FORBIDDEN);

    let res = app.call_with("audit/search", &[("filter[actor]", "")]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let rows: Vec<Value> = res.json().await.expect("json");
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
    let filtered: Vec<Value> = app
        .call_with("audit/search", &[("filter[actor]", "ada"), ("filter[action]", "person.")])
        .await
        .json()
        .await
        .expect("json");
    let csv = app.client.get(format!("{}/audit.csv?actor=ada&action=person.", app.base)).send().await.expect("csv");
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.headers()["content-type"].to_str().expect("ct").starts_with("text/csv"));
    let text = csv.text().await.expect("text");
    assert_eq!(text.lines().count(), filtered.len() + 1, "{text}");
    assert!(text.lines().nth(1).expect("a row").contains("person.suspend"));
}
