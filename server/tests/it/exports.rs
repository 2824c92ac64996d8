//! CSV exports of people: the people list's filter (every page), a manager's own people, a
//! group's members; each authorized like its page and audited with how many rows went out.
use crate::helpers::{fns::*, *};
use reqwest::StatusCode;
use std::collections::BTreeSet;

/// Ids (first column) of a CSV export, and its rows' other cells.
fn rows(csv: &str) -> Vec<Vec<String>> {
    csv.lines().skip(1).map(|line| line.split("\",\"").map(|c| c.trim_matches('"').to_string()).collect()).collect()
}

/// Every id the org's API lists at `path` (all pages, by the org's own token).
async fn org_ids(app: &TestApp, path: &str, query: &[(&str, &str)]) -> BTreeSet<String> {
    let token = app.portal.devorg.as_ref().expect("org").api_token.clone();
    let mut ids = BTreeSet::new();
    let mut after: Option<String> = None;
    loop {
        let mut q: Vec<(&str, String)> = query.iter().map(|(k, v)| (*k, v.to_string())).collect();
        q.push(("limit", "200".into()));
        if let Some(a) = &after {
            q.push(("after", a.clone()));
        }
        let res = reqwest::Client::new()
            .get(format!("{}{path}", app.org))
            .query(&q)
            .header("Authorization", format!("SSWS {token}"))
            .send()
            .await
            .expect("org");
        after = portico_core::okta::next_cursor(res.headers());
        let page: serde_json::Value = res.json().await.expect("json");
        ids.extend(page.as_array().expect("list").iter().map(|u| u["id"].as_str().expect("id").to_string()));
        if after.is_none() {
            return ids;
        }
    }
}

async fn get(who: &Session, path: &str) -> (StatusCode, String) {
    let res = who.client.get(format!("{}{path}", who.base)).send().await.expect("export");
    (res.status(), res.text().await.expect("body"))
}

#[tokio::test]
async fn the_people_export_is_every_page_of_the_filter_and_is_audited() {
    let app = spawn_app().await;
    app.control("seed", serde_json::json!({ "users": 450, "groups": 3 })).await;
    let ada = app.session(ADMIN).await;

    // No filter: what the list shows (as Okta lists users: all but the deactivated), more than
    // two of Okta's pages of 200.
    let (status, csv) = get(&ada, "/people.csv").await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.starts_with("id,name,login,status,department,title,last_sign_in\n"), "{}", &csv[..80]);
    let everyone = org_ids(&app, "/api/v1/users", &[]).await;
    assert!(everyone.len() > 400, "{}", everyone.len());
    let exported: BTreeSet<String> = rows(&csv).into_iter().map(|r| r[0].clone()).collect();
    assert_eq!(exported, everyone, "every page, each person once");

    // A filter: exactly the people it matches, each with the columns the list shows.
    let (status, csv) = get(&ada, "/people.csv?status=SUSPENDED&sort=name").await;
    assert_eq!(status, StatusCode::OK);
    let suspended = rows(&csv);
    assert!(!suspended.is_empty() && suspended.iter().all(|r| r[3] == "SUSPENDED"), "{csv}");
    let expected = org_ids(&app, "/api/v1/users", &[("search", "status eq \"SUSPENDED\"")]).await;
    assert_eq!(suspended.iter().map(|r| r[0].clone()).collect::<BTreeSet<_>>(), expected);

    // Each export is one audit entry: who, which filter, how many rows.
    let db = app.db().await;
    let detail = db
        .text(
            "SELECT detail FROM audit_events WHERE action = 'people.export' AND actor = $1 ORDER BY id DESC LIMIT 1",
            &[ADMIN],
        )
        .await
        .expect("audited");
    assert_eq!(detail, format!("people matching status eq \"SUSPENDED\"; {} rows", expected.len()));
    let all = format!("people matching everyone; {} rows", everyone.len());
    assert_eq!(
        db.int("SELECT COUNT(*) FROM audit_events WHERE action = 'people.export' AND detail = $1", &[&all]).await,
        1
    );
}

#[tokio::test]
async fn a_manager_exports_only_their_people_and_others_are_refused() {
    let app = spawn_app().await;
    let maria = app.session("maria.manager@portico.example").await;
    let (status, csv) = get(&maria, "/people.csv?q=a").await;
    assert_eq!(status, StatusCode::OK);
    let (_, mine) = json(maria.call_fn(MyPeople {}).await).await;
    let mine: BTreeSet<String> =
        mine.as_array().expect("people").iter().map(|p| p["id"].as_str().expect("id").to_string()).collect();
    assert!(!mine.is_empty());
    assert_eq!(rows(&csv).into_iter().map(|r| r[0].clone()).collect::<BTreeSet<_>>(), mine, "their people only");

    // Someone with no role and nobody to manage is refused, and the refusal is audited.
    let ivy = app.session("ivy.intern@portico.example").await;
    let (status, _) = get(&ivy, "/people.csv").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let refused = app
        .db()
        .await
        .int(
            "SELECT COUNT(*) FROM audit_events WHERE actor = 'ivy.intern@portico.example' AND result = 'refused' \
             AND detail LIKE '%export people%'",
            &[],
        )
        .await;
    assert_eq!(refused, 1);
    let (status, _) = get(&ivy, "/groups/00gAnything/members.csv").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_group_export_is_every_member_and_is_audited() {
    let app = spawn_app().await;
    // Two new groups: everyone seeded is in both.
    app.control("seed", serde_json::json!({ "users": 450, "groups": 2 })).await;
    let ada = app.session(ADMIN).await;
    let (_, groups) = json(ada.call_fn(SearchGroups { q: "Team".into(), after: String::new() }).await).await;
    let group = groups["rows"][0].clone();
    let id = group["id"].as_str().expect("id").to_string();
    let (status, csv) = get(&ada, &format!("/groups/{id}/members.csv")).await;
    assert_eq!(status, StatusCode::OK);
    let members = org_ids(&app, &format!("/api/v1/groups/{id}/users"), &[]).await;
    assert!(members.len() > 200, "more than one page: {}", members.len());
    assert_eq!(rows(&csv).into_iter().map(|r| r[0].clone()).collect::<BTreeSet<_>>(), members);
    let detail = app
        .db()
        .await
        .text(
            "SELECT detail FROM audit_events WHERE action = 'group.export_members' AND target LIKE $1",
            &[&format!("%({id})")],
        )
        .await
        .expect("audited");
    assert_eq!(detail, format!("the group's members; {} rows", members.len()));
}
