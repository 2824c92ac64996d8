use crate::helpers::*;
use reqwest::Method;
use serde_json::{Value, json};

fn logins(items: &[Value]) -> Vec<String> {
    items.iter().map(|u| u["profile"]["login"].as_str().expect("login").to_string()).collect()
}

#[tokio::test]
async fn list_pages_by_link_and_hides_deprovisioned() {
    let org = spawn_org().await;
    let first = org.get("/api/v1/users?limit=4").await;
    let links = first.links();
    assert_eq!(links.len(), 2, "self and next");
    assert!(links[0].starts_with(&format!("<{}/api/v1/users?", org.base)) && links[0].ends_with("rel=\"self\""));
    assert!(links[1].ends_with("rel=\"next\""));
    let (all, pages) = org.all_pages("/api/v1/users?limit=4").await;
    assert_eq!(all.len(), 14, "15 seeded, one deprovisioned");
    assert_eq!(pages, 4);
    let ids: Vec<&str> = all.iter().map(|u| u["id"].as_str().expect("id")).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "ordered by id");
    assert!(all.iter().all(|u| u["_links"].as_object().expect("links").len() == 1), "collections carry only self");
    // No params: the self link still names the effective limit.
    let all_at_once = org.get("/api/v1/users").await;
    assert!(all_at_once.links()[0].contains("limit=200"));
    assert!(all_at_once.next().is_none());
}

#[tokio::test]
async fn filter_search_and_q() {
    let org = spawn_org().await;
    let (deprov, _) = org.all_pages("/api/v1/users?filter=status+eq+%22DEPROVISIONED%22").await;
    assert_eq!(logins(&deprov), vec!["steve.sales@portico.example"]);
    // search values are case-insensitive; filter values are not.
    let (eng, _) = org.all_pages("/api/v1/users?search=profile.department%20eq%20%22engineering%22").await;
    assert_eq!(eng.len(), 6);
    let (none, _) = org.all_pages("/api/v1/users?filter=status+eq+%22active%22").await;
    assert!(none.is_empty());
    let (sw, _) = org.all_pages("/api/v1/users?search=profile.lastName+sw+%22sal%22+and+status+eq+%22ACTIVE%22").await;
    assert_eq!(logins(&sw), vec!["sam.sales@portico.example"]);
    let q = org.get("/api/v1/users?q=ma").await;
    assert_eq!(
        logins(q.ok().as_array().expect("array")),
        vec!["maria.manager@portico.example", "marcus.manager@portico.example"]
    );
    assert!(q.links().is_empty(), "q does not page");
    // Sorted search pages keep their order across cursors.
    let (sorted, pages) = org
        .all_pages("/api/v1/users?search=status+eq+%22ACTIVE%22&sortBy=profile.firstName&sortOrder=desc&limit=3")
        .await;
    assert!(pages > 1);
    let names: Vec<&str> = sorted.iter().map(|u| u["profile"]["firstName"].as_str().expect("name")).collect();
    let mut expected = names.clone();
    expected.sort_by_key(|n| std::cmp::Reverse(n.to_lowercase()));
    assert_eq!(names, expected);
    // Since/until on lastUpdated with a date literal.
    org.get("/api/v1/users?filter=lastUpdated+gt+%222000-01-01T00:00:00.000Z%22").await.ok();
}

#[tokio::test]
async fn attribute_names_never_reach_sql_unchecked() {
    let org = spawn_org().await;
    // A crafted profile key in sortBy (or a filter) once ran as SQL and put the org's signing
    // key into the paging cursor; now it is an unsupported attribute like any other.
    let evil = "profile.a\"'), ''), (SELECT group_concat(private_key) FROM signing_keys)) --";
    for path in [
        format!(
            "/api/v1/users?search=status+pr&sortBy={}",
            url::form_urlencoded::byte_serialize(evil.as_bytes()).collect::<String>()
        ),
        format!(
            "/api/v1/groups?search=profile.name+pr&sortBy={}",
            url::form_urlencoded::byte_serialize(evil.as_bytes()).collect::<String>()
        ),
        format!(
            "/api/v1/users?search={}",
            url::form_urlencoded::byte_serialize(format!("{} pr", evil.replace(' ', "")).as_bytes())
                .collect::<String>()
        ),
    ] {
        let res = org.get(&path).await;
        res.error(400, "E0000031");
        let all = format!("{} {:?}", res.body, res.headers);
        assert!(!all.contains("PRIVATE KEY"), "{path}");
    }
    let fine = org.get("/api/v1/users?search=status+pr&sortBy=profile.lastName&limit=2").await;
    fine.ok();
    let cursor = fine.next().expect("more pages");
    let after = cursor.split("after=").nth(1).and_then(|c| c.split('&').next()).expect("cursor");
    use base64::Engine;
    let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(after).expect("base64");
    assert!(!String::from_utf8_lossy(&decoded).contains("PRIVATE"), "a cursor holds a sort key and an id only");
}

#[tokio::test]
async fn bad_expressions_get_okta_errors_not_wrong_answers() {
    let org = spawn_org().await;
    let syntax = org.get("/api/v1/users?search=status+eq").await;
    syntax.error(400, "E0000031");
    assert_eq!(syntax.body["errorCauses"][0]["errorSummary"], "Invalid search syntax.");
    let unsupported = org.get("/api/v1/users?filter=profile.title+eq+%22x%22").await;
    unsupported.error(400, "E0000031");
    assert_eq!(unsupported.body["errorCauses"][0]["errorSummary"], "Invalid search query.");
    org.get("/api/v1/users?search=status+ne+%22ACTIVE%22").await.error(400, "E0000031");
    org.get("/api/v1/users?search=lastUpdated+gt+%22yesterday%22").await.error(400, "E0000030");
    org.get("/api/v1/users?search=status+eq+%22ACTIVE%22&filter=status+eq+%22ACTIVE%22").await.error(400, "E0000033");
    org.get("/api/v1/users?after=garbage!").await.error(400, "E0000029");
    org.get("/api/v1/users?limit=0").await.error(400, "E0000001");
    // A quote inside a value stays a literal: no user matches, nothing leaks.
    let injected = org.get("/api/v1/users?search=profile.lastName+eq+%22x%5C%22+or+status+eq+%5C%22ACTIVE%22").await;
    assert_eq!(injected.ok().as_array().expect("array").len(), 0);
}

#[tokio::test]
async fn create_follows_the_documented_outcomes() {
    let org = spawn_org().await;
    let profile = |n: &str| json!({ "firstName": "New", "lastName": n, "email": format!("{n}@example.com"), "login": format!("{n}@example.com") });
    let pw = json!({ "password": { "value": "Tr0ub4dor&3x" } });
    let staged = org.post("/api/v1/users?activate=false", json!({ "profile": profile("a1") })).await;
    assert_eq!(staged.ok()["status"], "STAGED");
    assert!(staged.body["activated"].is_null());
    let provisioned = org.post("/api/v1/users", json!({ "profile": profile("a2") })).await;
    assert_eq!(provisioned.ok()["status"], "PROVISIONED");
    assert!(provisioned.body["credentials"].get("password").is_none());
    let active = org.post("/api/v1/users?activate=true", json!({ "profile": profile("a3"), "credentials": pw })).await;
    assert_eq!(active.ok()["status"], "ACTIVE");
    assert_eq!(active.body["credentials"]["password"], json!({}), "password is write-only");
    assert_eq!(active.body["credentials"]["provider"]["type"], "OKTA");
    assert!(active.body["_links"]["suspend"]["href"].as_str().expect("href").ends_with("/lifecycle/suspend"));
    let expired = org
        .post(
            "/api/v1/users?activate=true&nextLogin=changePassword",
            json!({ "profile": profile("a4"), "credentials": pw }),
        )
        .await;
    assert_eq!(expired.ok()["status"], "PASSWORD_EXPIRED");
    org.post("/api/v1/users?nextLogin=changePassword", json!({ "profile": profile("a5") }))
        .await
        .error(400, "E0000124");
    org.post(
        "/api/v1/users?activate=false&nextLogin=changePassword",
        json!({ "profile": profile("a6"), "credentials": pw }),
    )
    .await
    .error(400, "E0000125");
    let federated = org.post("/api/v1/users?provider=true", json!({ "profile": profile("a11"), "credentials": { "provider": { "type": "FEDERATION", "name": "FEDERATION" } } })).await;
    assert_eq!(federated.ok()["status"], "ACTIVE", "federated people need no password");
    assert_eq!(federated.body["credentials"]["provider"]["type"], "FEDERATION");
    let with_question = org.post("/api/v1/users?activate=false", json!({ "profile": profile("a12"), "credentials": { "recovery_question": { "question": "Pet?", "answer": "rexie" } } })).await;
    assert_eq!(with_question.ok()["credentials"]["recovery_question"]["question"], "Pet?");
    assert!(with_question.body["credentials"]["recovery_question"].get("answer").is_none(), "answers are write-only");
    let dup = org.post("/api/v1/users", json!({ "profile": profile("a1") })).await;
    dup.error(400, "E0000001");
    assert_eq!(
        dup.body["errorCauses"][0]["errorSummary"],
        "login: An object with this field already exists in the current organization"
    );
    org.post("/api/v1/users", json!({ "profile": profile("a7"), "boop": "bap" })).await.error(400, "E0000003");
    let blank = org.post("/api/v1/users", json!({ "profile": { "mobilePhone": "555" } })).await;
    blank.error(400, "E0000001");
    assert_eq!(blank.body["errorSummary"], "Api validation failed: login");
    let weak = org
        .post("/api/v1/users", json!({ "profile": profile("a8"), "credentials": { "password": { "value": "short" } } }))
        .await;
    weak.error(400, "E0000001");
    assert_eq!(weak.body["errorSummary"], "Api validation failed: password");

    // groupIds puts the new person in those groups (and Everyone).
    let (groups, _) = org.all_pages("/api/v1/groups?q=Engineering").await;
    let gid = groups[0]["id"].as_str().expect("id").to_string();
    let member = org.post("/api/v1/users?activate=false", json!({ "profile": profile("a9"), "groupIds": [gid] })).await;
    let uid = member.ok()["id"].as_str().expect("id").to_string();
    let theirs = org.get(&format!("/api/v1/users/{uid}/groups")).await;
    let names: Vec<&str> =
        theirs.ok().as_array().expect("array").iter().map(|g| g["profile"]["name"].as_str().expect("name")).collect();
    assert!(names.contains(&"Engineering") && names.contains(&"Everyone"), "{names:?}");
    org.post("/api/v1/users", json!({ "profile": profile("a10"), "groupIds": ["00gnope"] }))
        .await
        .error(404, "E0000007");
}

#[tokio::test]
async fn get_by_id_login_shortname_and_not_found() {
    let org = spawn_org().await;
    let by_login = org.get("/api/v1/users/maria.manager%40portico.example").await;
    let id = by_login.ok()["id"].as_str().expect("id").to_string();
    assert!(by_login.headers.contains_key("etag"));
    assert_eq!(org.get(&format!("/api/v1/users/{id}")).await.ok()["id"], id.as_str());
    assert_eq!(org.get("/api/v1/users/maria.manager").await.ok()["id"], id.as_str());
    let missing = org.get("/api/v1/users/fakeuserid").await;
    missing.error(404, "E0000007");
    assert_eq!(missing.body["errorSummary"], "Not found: Resource not found: fakeuserid (User)");
}

#[tokio::test]
async fn partial_update_strict_replace_and_two_step_delete() {
    let org = spawn_org().await;
    let user = org.user_in("ACTIVE").await;
    let id = user["id"].as_str().expect("id");
    let updated = org.post(&format!("/api/v1/users/{id}"), json!({ "profile": { "title": "Chief Tester" } })).await;
    assert_eq!(updated.ok()["profile"]["title"], "Chief Tester");
    assert_eq!(updated.body["profile"]["firstName"], "Test", "partial update keeps other fields");
    let strict = org
        .call(
            Method::PUT,
            &format!("/api/v1/users/{id}"),
            Some(json!({ "profile": { "mobilePhone": "555-415-1337" } })),
        )
        .await;
    strict.error(400, "E0000001");
    assert_eq!(strict.body["errorCauses"].as_array().expect("causes").len(), 5);
    let mut full = user["profile"].clone();
    full["nickName"] = json!("Tess");
    let replaced = org.call(Method::PUT, &format!("/api/v1/users/{id}"), Some(json!({ "profile": full }))).await;
    assert_eq!(replaced.ok()["profile"]["nickName"], "Tess");
    assert!(replaced.body["profile"].get("title").is_none(), "strict replace drops omitted fields");

    assert_eq!(org.call(Method::DELETE, &format!("/api/v1/users/{id}"), None).await.status.as_u16(), 204);
    let after_first = org.get(&format!("/api/v1/users/{id}")).await;
    assert_eq!(after_first.ok()["status"], "DEPROVISIONED");
    assert!(after_first.body["credentials"].get("password").is_none(), "deactivation removes the password");
    org.post(&format!("/api/v1/users/{id}"), json!({ "profile": { "title": "x" } })).await.error(404, "E0000007");
    assert_eq!(org.call(Method::DELETE, &format!("/api/v1/users/{id}"), None).await.status.as_u16(), 204);
    org.get(&format!("/api/v1/users/{id}")).await.error(404, "E0000007");
}

#[tokio::test]
async fn sessions_apps_grants_and_tokens() {
    let org = spawn_org().await;
    let me = org.get("/api/v1/users/ed.engineer").await;
    let id = me.ok()["id"].as_str().expect("id").to_string();
    let apps = org.get(&format!("/api/v1/users/{id}/appLinks")).await;
    assert_eq!(apps.ok().as_array().expect("array").len(), 4, "Slack, GitHub (Engineering), AWS, Jira");
    assert_eq!(org.get(&format!("/api/v1/users/{id}/blocks")).await.ok(), &json!([]));
    let grants = org.get(&format!("/api/v1/users/{id}/grants")).await;
    let list = grants.ok().as_array().expect("array").clone();
    assert_eq!(list.len(), 2);
    // Paged as Okta pages it: a `self` link with its default of 20, and `next` when more wait.
    assert_eq!(grants.links(), vec![format!("<{}/api/v1/users/{id}/grants?limit=20>; rel=\"self\"", org.base)]);
    let first = org.get(&format!("/api/v1/users/{id}/grants?limit=1")).await;
    assert_eq!(first.ok().as_array().expect("array").len(), 1);
    let rest = org.get(&first.next().expect("a next page")).await;
    assert_eq!(rest.ok().as_array().expect("array").len(), 1);
    assert_ne!(rest.body[0]["id"], first.body[0]["id"]);
    assert!(rest.next().is_none());
    let grant_id = list[0]["id"].as_str().expect("id");
    assert!(grant_id.starts_with("oag"));
    org.get(&format!("/api/v1/users/{id}/grants/{grant_id}")).await.ok();
    assert_eq!(
        org.call(Method::DELETE, &format!("/api/v1/users/{id}/grants/{grant_id}"), None).await.status.as_u16(),
        204
    );
    org.get(&format!("/api/v1/users/{id}/grants/{grant_id}")).await.error(404, "E0000007");
    let clients = org.get(&format!("/api/v1/users/{id}/clients")).await;
    let client = clients.ok()[0]["client_id"].as_str().expect("client").to_string();
    let tokens = org.get(&format!("/api/v1/users/{id}/clients/0oaPortico0MobileApp1/tokens")).await;
    assert_eq!(tokens.ok().as_array().expect("array").len(), 1);
    assert!(!client.is_empty());
    // Clearing sessions with oauthTokens revokes refresh tokens too.
    let cleared = org.call(Method::DELETE, &format!("/api/v1/users/{id}/sessions?oauthTokens=true"), None).await;
    assert_eq!(cleared.status.as_u16(), 204);
    let tokens = org.get(&format!("/api/v1/users/{id}/clients/0oaPortico0MobileApp1/tokens")).await;
    assert!(tokens.ok().as_array().expect("array").is_empty());
    assert_eq!(org.call(Method::DELETE, &format!("/api/v1/users/{id}/grants"), None).await.status.as_u16(), 204);
    assert!(org.get(&format!("/api/v1/users/{id}/grants")).await.ok().as_array().expect("array").is_empty());
}

#[tokio::test]
async fn credentials_change_and_recover() {
    let org = spawn_org().await;
    let user = org.user_in("RECOVERY").await;
    let id = user["id"].as_str().expect("id");
    let wrong = org
        .post(
            &format!("/api/v1/users/{id}/credentials/change_password"),
            json!({ "oldPassword": { "value": "nope" }, "newPassword": { "value": "N3w-Passw0rd!" } }),
        )
        .await;
    wrong.error(403, "E0000014");
    let ok = org
        .post(
            &format!("/api/v1/users/{id}/credentials/change_password"),
            json!({ "oldPassword": { "value": "Tr0ub4dor&3x" }, "newPassword": { "value": "N3w-Passw0rd!" } }),
        )
        .await;
    assert_eq!(ok.ok()["password"], json!({}));
    assert_eq!(
        org.get(&format!("/api/v1/users/{id}")).await.ok()["status"],
        "ACTIVE",
        "RECOVERY ends with a new password"
    );
    let rq = org.post(&format!("/api/v1/users/{id}/credentials/change_recovery_question"), json!({ "password": { "value": "N3w-Passw0rd!" }, "recovery_question": { "question": "First pet?", "answer": "rex the dog" } })).await;
    assert_eq!(rq.ok()["recovery_question"]["question"], "First pet?");
    let link = org.post(&format!("/api/v1/users/{id}/credentials/forgot_password?sendEmail=false"), json!({})).await;
    assert!(link.ok()["resetPasswordUrl"].as_str().is_some());
    let bad = org
        .post(
            &format!("/api/v1/users/{id}/credentials/forgot_password"),
            json!({ "password": { "value": "An0ther-Pass!" }, "recovery_question": { "answer": "cat" } }),
        )
        .await;
    bad.error(403, "E0000087");
    org.post(
        &format!("/api/v1/users/{id}/credentials/forgot_password"),
        json!({ "password": { "value": "An0ther-Pass!" }, "recovery_question": { "answer": "Rex the dog" } }),
    )
    .await
    .ok();
    let staged = org.user_in("SUSPENDED").await;
    org.post(
        &format!("/api/v1/users/{}/credentials/change_password", staged["id"].as_str().expect("id")),
        json!({ "oldPassword": { "value": "Tr0ub4dor&3x" }, "newPassword": { "value": "N3w-Passw0rd!" } }),
    )
    .await
    .error(403, "E0000035");
}
