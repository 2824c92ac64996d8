use crate::helpers::*;
use reqwest::Method;
use serde_json::{Value, json};

const AWS: &str = "0oaPortico0AwsConsole";
const GITHUB: &str = "0oaPortico0GitHub0001";

async fn user_id(org: &Org, login: &str) -> String {
    org.get(&format!("/api/v1/users/{login}")).await.ok()["id"].as_str().expect("id").to_string()
}

fn scope_of(users: &[Value], id: &str) -> Option<String> {
    users.iter().find(|u| u["id"] == id).and_then(|u| u["scope"].as_str()).map(str::to_string)
}

#[tokio::test]
async fn app_assignments_are_direct_or_through_a_group_and_only_direct_ones_are_removed() {
    let org = spawn_org().await;
    let ed = user_id(&org, "ed.engineer").await;
    let ada = user_id(&org, "ada.admin").await;
    let apps = org.get("/api/v1/apps").await;
    assert_eq!(apps.ok().as_array().map(Vec::len), Some(5));

    // GitHub comes to Ed through Engineering, to Ada directly.
    let (users, _) = org.all_pages(&format!("/api/v1/apps/{GITHUB}/users?limit=2")).await;
    assert_eq!(scope_of(&users, &ed).as_deref(), Some("GROUP"));
    assert_eq!(scope_of(&users, &ada).as_deref(), Some("USER"));
    let via = users.iter().find(|u| u["id"] == ed).expect("ed");
    assert_eq!(via["_links"]["group"]["name"], "Engineering");
    assert_eq!(via["credentials"]["userName"], "ed.engineer@portico.example");
    let groups = org.get(&format!("/api/v1/apps/{GITHUB}/groups")).await;
    assert_eq!(groups.ok().as_array().map(Vec::len), Some(1));

    // Unassigning a group-given app is refused, as Okta refuses it.
    let refused = org.call(Method::DELETE, &format!("/api/v1/apps/{GITHUB}/users/{ed}"), None).await;
    refused.error(403, "E0000046");
    assert!(refused.body["errorCauses"][0]["errorSummary"].as_str().unwrap_or_default().contains("group memberships"));

    // A direct one goes, once; the System Log says so once.
    let links = org.get(&format!("/api/v1/users/{ed}/appLinks")).await.ok().clone();
    let labels: Vec<&str> = links.as_array().expect("links").iter().filter_map(|l| l["label"].as_str()).collect();
    assert_eq!(labels, ["Slack", "GitHub Enterprise", "AWS Console", "Jira"]);
    let path = format!("/api/v1/apps/{AWS}/users/{ed}");
    assert_eq!(org.get(&path).await.ok()["scope"], "USER");
    assert_eq!(org.call(Method::DELETE, &path, None).await.status.as_u16(), 204);
    org.call(Method::DELETE, &path, None).await.error(404, "E0000007");
    org.get(&path).await.error(404, "E0000007");
    let links = org.get(&format!("/api/v1/users/{ed}/appLinks")).await.ok().clone();
    assert_eq!(links.as_array().map(Vec::len), Some(3));
    let filter = format!(r#"eventType eq "application.user_membership.remove" and target.id eq "{ed}""#);
    let log = org.get(&format!("/api/v1/logs?filter={}", urlencode(&filter))).await;
    assert_eq!(log.ok().as_array().map(Vec::len), Some(1));

    // Assigning again brings it back, directly.
    let back = org.post(&format!("/api/v1/apps/{AWS}/users"), json!({ "id": ed })).await;
    assert_eq!(back.ok()["scope"], "USER");
    org.get("/api/v1/apps/0oanope/users").await.error(404, "E0000007");
}

#[tokio::test]
async fn people_have_last_sign_ins_and_a_sign_in_records_one() {
    let org = spawn_org().await;
    let erin = org.get("/api/v1/users/erin.engineer").await.ok().clone();
    let last = chrono::DateTime::parse_from_rfc3339(erin["lastLogin"].as_str().expect("seeded")).expect("time");
    assert!(chrono::Utc::now().signed_duration_since(last).num_days() >= 90, "Erin has been away: {last}");
    assert!(org.get("/api/v1/users/stan.sales").await.ok()["lastLogin"].is_null(), "Stan never signed in");
    let before = org.get("/api/v1/users/sam.sales").await.ok()["lastLogin"].clone();
    let (status, _) = org.try_sign_in("sam.sales@portico.example", "Portico-Demo-1").await;
    assert!(status.is_success() || status.is_redirection(), "{status}");
    assert_ne!(org.get("/api/v1/users/sam.sales").await.ok()["lastLogin"], before);
}
