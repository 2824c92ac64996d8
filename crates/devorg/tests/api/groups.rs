use crate::helpers::*;
use reqwest::Method;
use serde_json::{Value, json};

async fn group_id(org: &Org, name: &str) -> String {
    let found = org.get(&format!("/api/v1/groups?q={}", name.replace(' ', "%20"))).await;
    found.ok().as_array().expect("array").iter().find(|g| g["profile"]["name"] == name).expect("group")["id"]
        .as_str()
        .expect("id")
        .to_string()
}

#[tokio::test]
async fn list_q_filter_search_and_paging() {
    let org = spawn_org().await;
    let (all, _) = org.all_pages("/api/v1/groups").await;
    assert_eq!(all.len(), 9);
    let types: Vec<&str> = all.iter().map(|g| g["type"].as_str().expect("type")).collect();
    assert!(types.contains(&"BUILT_IN") && types.contains(&"APP_GROUP") && types.contains(&"OKTA_GROUP"));
    let (paged, pages) = org.all_pages("/api/v1/groups?limit=4").await;
    assert_eq!((paged.len(), pages), (9, 3));
    let q = org.get("/api/v1/groups?q=portico").await;
    assert_eq!(q.ok().as_array().expect("array").len(), 3);
    assert!(q.links().is_empty());
    let exact_first = org.get("/api/v1/groups?q=Sales").await;
    assert_eq!(exact_first.ok()[0]["profile"]["name"], "Sales");
    let (builtin, _) = org.all_pages("/api/v1/groups?filter=type+eq+%22BUILT_IN%22").await;
    assert_eq!(builtin[0]["profile"]["name"], "Everyone");
    let (search, _) =
        org.all_pages("/api/v1/groups?search=profile.name+sw+%22portico%22&sortBy=profile.name&sortOrder=desc").await;
    let names: Vec<&str> = search.iter().map(|g| g["profile"]["name"].as_str().expect("name")).collect();
    assert_eq!(names, vec!["Portico Help Desk", "Portico Auditors", "Portico Admins"]);
    org.get("/api/v1/groups?filter=profile.name+sw+%22x%22").await.error(400, "E0000031");
    let stats = org.get("/api/v1/groups?q=Everyone&expand=stats").await;
    assert_eq!(stats.ok()[0]["_embedded"]["stats"]["usersCount"], 15);
}

#[tokio::test]
async fn create_rename_delete_and_refusals() {
    let org = spawn_org().await;
    let created = org.post("/api/v1/groups", json!({ "profile": { "name": "Test-Group" } })).await;
    let g = created.ok().clone();
    assert_eq!(g["type"], "OKTA_GROUP");
    assert!(g["profile"]["description"].is_null());
    assert!(g["_links"]["users"]["href"].as_str().expect("href").ends_with("/users"));
    let id = g["id"].as_str().expect("id");
    org.post("/api/v1/groups", json!({ "profile": { "name": "test-group" } })).await.error(400, "E0000001");
    org.post("/api/v1/groups", json!({ "profile": { "name": " " } })).await.error(400, "E0000001");
    org.post("/api/v1/groups", json!({ "profile": { "name": "x" }, "boop": 1 })).await.error(400, "E0000003");
    let renamed = org
        .call(
            Method::PUT,
            &format!("/api/v1/groups/{id}"),
            Some(json!({ "profile": { "name": "Renamed", "description": "d" } })),
        )
        .await;
    assert_eq!(renamed.ok()["profile"]["name"], "Renamed");
    assert_eq!(org.call(Method::DELETE, &format!("/api/v1/groups/{id}"), None).await.status.as_u16(), 204);
    org.get(&format!("/api/v1/groups/{id}")).await.error(404, "E0000007");

    for name in ["Everyone", "Salesforce Users"] {
        let gid = group_id(&org, name).await;
        org.call(Method::PUT, &format!("/api/v1/groups/{gid}"), Some(json!({ "profile": { "name": "x" } })))
            .await
            .error(403, "E0000006");
        org.call(Method::DELETE, &format!("/api/v1/groups/{gid}"), None).await.error(403, "E0000006");
    }
}

#[tokio::test]
async fn membership() {
    let org = spawn_org().await;
    let eng = group_id(&org, "Engineering").await;
    let (members, pages) = org.all_pages(&format!("/api/v1/groups/{eng}/users?limit=2")).await;
    assert_eq!((members.len(), pages), (6, 3));
    let user: Value = org.get("/api/v1/users/sam.sales").await.ok().clone();
    let uid = user["id"].as_str().expect("id");
    let before = org.get(&format!("/api/v1/groups/{eng}")).await.ok()["lastMembershipUpdated"].clone();
    assert_eq!(org.call(Method::PUT, &format!("/api/v1/groups/{eng}/users/{uid}"), None).await.status.as_u16(), 204);
    assert_eq!(
        org.call(Method::PUT, &format!("/api/v1/groups/{eng}/users/{uid}"), None).await.status.as_u16(),
        204,
        "idempotent"
    );
    let (members, _) = org.all_pages(&format!("/api/v1/groups/{eng}/users")).await;
    assert_eq!(members.len(), 7);
    assert_ne!(org.get(&format!("/api/v1/groups/{eng}")).await.ok()["lastMembershipUpdated"], before);
    assert_eq!(org.call(Method::DELETE, &format!("/api/v1/groups/{eng}/users/{uid}"), None).await.status.as_u16(), 204);
    let (members, _) = org.all_pages(&format!("/api/v1/groups/{eng}/users")).await;
    assert_eq!(members.len(), 6);
    // The System Log has one add (the second PUT changed nothing) and one remove, about Sam.
    for (event, n) in [("group.user_membership.add", 1), ("group.user_membership.remove", 1)] {
        let filter = format!(r#"eventType eq "{event}" and target.id eq "{uid}""#);
        let log = org.get(&format!("/api/v1/logs?filter={}", crate::helpers::urlencode(&filter))).await;
        let events = log.ok().as_array().expect("events").clone();
        assert_eq!(events.len(), n, "{event}: {events:?}");
        assert_eq!(events[0]["target"][0]["alternateId"], "sam.sales@portico.example");
    }

    let everyone = group_id(&org, "Everyone").await;
    org.call(Method::PUT, &format!("/api/v1/groups/{everyone}/users/{uid}"), None).await.error(501, "E0000060");
    let app = group_id(&org, "Salesforce Users").await;
    org.call(Method::PUT, &format!("/api/v1/groups/{app}/users/{uid}"), None).await.error(403, "E0000006");
    org.call(Method::DELETE, &format!("/api/v1/groups/{app}/users/{uid}"), None).await.error(403, "E0000006");
    org.call(Method::PUT, &format!("/api/v1/groups/{eng}/users/00unobody"), None).await.error(404, "E0000007");
    org.call(Method::PUT, &format!("/api/v1/groups/00gnope/users/{uid}"), None).await.error(404, "E0000007");

    let (theirs, pages) = org.all_pages(&format!("/api/v1/users/{uid}/groups?limit=1")).await;
    assert_eq!(theirs.len(), pages);
    assert!(theirs.iter().any(|g| g["profile"]["name"] == "Everyone"));
}

#[tokio::test]
async fn owners_are_listed_assigned_and_removed() {
    let org = spawn_org().await;
    let eng = group_id(&org, "Engineering").await;
    let owners = org.get(&format!("/api/v1/groups/{eng}/owners")).await;
    let owners = owners.ok().as_array().expect("owners").clone();
    assert_eq!(owners.len(), 1, "seeded: Maria owns Engineering");
    assert_eq!((owners[0]["displayName"].as_str(), owners[0]["type"].as_str()), (Some("Maria Manager"), Some("USER")));
    assert_eq!(
        (owners[0]["originType"].as_str(), owners[0]["resolved"].as_bool()),
        (Some("OKTA_DIRECTORY"), Some(true))
    );

    let ed: Value = org.get("/api/v1/users/ed.engineer").await.ok().clone();
    let ed = ed["id"].as_str().expect("id").to_string();
    let added = org.post(&format!("/api/v1/groups/{eng}/owners"), json!({ "id": ed, "type": "USER" })).await;
    assert_eq!(added.status.as_u16(), 201, "{}", added.body);
    assert_eq!(added.body["displayName"], "Ed Engineer");
    org.post(&format!("/api/v1/groups/{eng}/owners"), json!({ "id": ed, "type": "USER" })).await.error(400, "E0000001");
    assert_eq!(org.get(&format!("/api/v1/groups/{eng}/owners")).await.ok().as_array().map(Vec::len), Some(2));
    let path = format!("/api/v1/groups/{eng}/owners/{ed}");
    assert_eq!(org.call(Method::DELETE, &path, None).await.status.as_u16(), 204);
    org.call(Method::DELETE, &path, None).await.error(404, "E0000007");
    org.get("/api/v1/groups/00gnope/owners").await.error(404, "E0000007");
    org.post(&format!("/api/v1/groups/{eng}/owners"), json!({ "id": "00unobody", "type": "USER" }))
        .await
        .error(404, "E0000007");
}
