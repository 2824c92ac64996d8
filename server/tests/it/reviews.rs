//! Access reviews over real HTTP against the embedded org: a manager reviews their four people
//! with the context beside each item (last sign-in, peers, ASA), revokes a group that runs once
//! after approval; nobody reviews their own access; undecided items escalate at the due date on
//! the engine's clock and are never kept; auditors read every review and its CSV but decide
//! nothing; a closed review is frozen.
use crate::approvals::{decide, wait_for};
use crate::helpers::{fns::*, *};
use chrono::Duration;
use reqwest::StatusCode;
use serde_json::Value;

const MARIA: &str = "maria.manager@portico.example";
const ED: &str = "ed.engineer@portico.example";
const AUDREY: &str = "audrey.auditor@portico.example";

/// `YYYY-MM-DDTHH:MM` in UTC, `days` from the portal's now.
fn in_days(app: &TestApp, days: i64) -> String {
    (portico_core::Clock::controlled(&app.data_dir).now() + Duration::days(days)).format("%Y-%m-%dT%H:%M").to_string()
}

async fn start(app: &TestApp, admin: &Session, scope: &str, ids: Vec<String>, days: i64) -> String {
    let ask = CreateReview {
        name: "Q1 access review".into(),
        scope: scope.into(),
        scope_ids: ids,
        fallback_group: "Portico Admins".into(),
        due: in_days(app, days),
        zone: "UTC".into(),
        remind_hours: String::new(),
    };
    let (status, id) = json(admin.call_fn(ask).await).await;
    assert_eq!(status, StatusCode::OK, "{id}");
    id.as_str().expect("id").to_string()
}

async fn read(who: &Session, id: &str) -> Value {
    let (status, view) = json(who.call_fn(Review { id: id.into() }).await).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    view
}

fn items(view: &Value) -> Vec<Value> {
    view["items"].as_array().expect("items").clone()
}

/// The item about `person` (a display name) and `access` (its name as shown).
fn item<'a>(items: &'a [Value], person: &str, access: &str) -> &'a Value {
    items
        .iter()
        .find(|i| i["item"]["person_name"] == person && i["item"]["target_name"] == access)
        .unwrap_or_else(|| panic!("no item {person}: {access}"))
}

fn ids(items: &[Value]) -> Vec<String> {
    items.iter().map(|i| i["item"]["id"].as_str().expect("id").to_string()).collect()
}

async fn verdict(who: &Session, items: Vec<String>, verdict: &str, comment: &str) -> (StatusCode, Value) {
    json(who.call_fn(DecideReview { items, verdict: verdict.into(), comment: comment.into() }).await).await
}

#[tokio::test]
async fn a_manager_reviews_four_people_and_a_revoked_group_is_removed_once_after_approval() {
    let app = spawn_app().await;
    let admin = app.session(ADMIN).await;
    let maria_id = app.user_id(MARIA).await;
    // A request about Eli still open when the review starts shows beside his items.
    let hal = app.session("hal.helpdesk@portico.example").await;
    let eli = app.user_id("eli.engineer@portico.example").await;
    crate::approvals::request(&hal, LifecycleOp::Deactivate, &eli, "Left in November").await;
    let id = start(&app, &admin, "managers", vec![maria_id], 7).await;

    // Maria sees her four people, each item with its context.
    let maria = app.session(MARIA).await;
    let view = read(&maria, &id).await;
    let all = items(&view);
    let mut people: Vec<&str> = all.iter().filter_map(|i| i["item"]["person_name"].as_str()).collect();
    people.sort();
    people.dedup();
    assert_eq!(people, ["Ed Engineer", "Eli Engineer", "Emma Engineer", "Erin Engineer"]);
    assert!(all.iter().all(|i| i["may_decide"] == true), "Maria reviews every item");
    let eng = item(&all, "Ed Engineer", "Engineering");
    assert_eq!(eng["item"]["reviewer_why"], "owner", "Maria owns Engineering");
    // Peers: Maria, Erin, Eli, Emma and Ivy are Ed's department; all five are in Engineering,
    // two of them (Eli, Emma) have AWS Console.
    assert_eq!(
        (eng["item"]["context"]["peers_with"].as_u64(), eng["item"]["context"]["peers"].as_u64()),
        (Some(5), Some(5))
    );
    let aws = item(&all, "Ed Engineer", "AWS Console");
    assert_eq!(aws["item"]["context"]["peers_with"], 2);
    assert!(aws["item"]["via"].is_null(), "assigned directly");
    let github = item(&all, "Ed Engineer", "GitHub Enterprise");
    assert_eq!(github["item"]["via"][1], "Engineering", "GitHub comes through Engineering");
    assert_eq!(eng["item"]["context"]["inactive"], false);
    assert_eq!(item(&all, "Eli Engineer", "Engineering")["item"]["context"]["open_requests"], 1);
    assert_eq!(eng["item"]["context"]["open_requests"], 0);
    let drift = eng["item"]["context"]["drift"].as_str().unwrap_or_default();
    assert!(drift.contains("Disabled in ASA"), "Ed's ASA account is disabled while Okta has him active: {drift}");
    assert_eq!(item(&all, "Erin Engineer", "Engineering")["item"]["context"]["inactive"], true, "Erin: 130 days");
    // ASA: Ed's account is disabled (not reviewed again); his ASA groups are.
    assert!(all.iter().any(|i| i["item"]["kind"] == "asa_group" && i["item"]["person_name"] == "Ed Engineer"));
    assert!(!all.iter().any(|i| i["item"]["kind"] == "asa_account" && i["item"]["person_name"] == "Ed Engineer"));
    assert!(all.iter().any(|i| i["item"]["kind"] == "asa_account"), "active ASA accounts are reviewed");

    // An auditor reads it, but decides nothing (refused and audited).
    let audrey = app.session(AUDREY).await;
    assert_eq!(items(&read(&audrey, &id).await).len(), all.len());
    let eng_id = eng["item"]["id"].as_str().expect("id").to_string();
    let (status, _) = verdict(&audrey, vec![eng_id.clone()], "keep", "").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let db = app.db().await;
    assert!(
        db.int("SELECT COUNT(*) FROM audit_events WHERE action = 'review.decide' AND result = 'refused'", &[]).await
            >= 1
    );

    // Revoking Ed's Engineering membership is a request Ada approves; it runs once. The same
    // decision sent twice at once (a double click, two tabs) is taken once.
    let maria_again = app.session(MARIA).await;
    let (first, second) = tokio::join!(
        verdict(&maria, vec![eng_id.clone()], "revoke", "Moved to the data team"),
        verdict(&maria_again, vec![eng_id.clone()], "revoke", "Moved to the data team"),
    );
    let mut statuses = [first.0, second.0];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT], "{} / {}", first.1, second.1);
    assert_eq!(
        db.int("SELECT COUNT(*) FROM requests WHERE purpose = 'revoke' AND parent_id = $1", &[&eng_id]).await,
        1,
        "one revocation"
    );
    let view = read(&maria, &id).await;
    let eng = item(&items(&view), "Ed Engineer", "Engineering").clone();
    assert_eq!(eng["item"]["verdict"], "revoke");
    assert_eq!(eng["request_state"], "Waiting for approval");
    let request = eng["item"]["request_id"].as_str().expect("a request").to_string();
    let (status, _) = verdict(&maria, vec![eng_id.clone()], "keep", "").await;
    assert_eq!(status, StatusCode::CONFLICT, "decided once");
    // Closing waits for every item.
    let (status, _) = json(admin.call_fn(CloseReview { id: id.clone() }).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = decide(&admin, &request, true, "Agreed").await;
    assert_eq!(status, StatusCode::OK);
    wait_for(&db, &request, "done").await;
    let ed = app.user_id(ED).await;
    assert_eq!(app.okta_events("group.user_membership.remove", &ed).await, 1);

    // The page narrows to what a reviewer works through: the undecided of one kind, the
    // revoked, the inactive; the rows shown are exactly those.
    let count = |pred: &dyn Fn(&Value) -> bool| all.iter().filter(|i| pred(&i["item"])).count();
    let undecided_apps = count(&|i| i["kind"] == "app");
    let inactive = count(&|i| i["context"]["inactive"] == true);
    assert!(undecided_apps > 0 && inactive > 0 && inactive < all.len());
    for (query, rows) in [
        ("show=undecided&kind=app", undecided_apps),
        ("show=revoked", 1),
        ("show=revoked&kind=app", 0),
        ("show=inactive", inactive),
        ("show=nonsense", all.len()),
    ] {
        let res = maria.client.get(format!("{}/reviews/{id}?{query}", app.base)).send().await.expect("page");
        let html = res.text().await.expect("html");
        assert_eq!(html.matches("data-testid=\"review-item\"").count(), rows, "{query}");
        if query != "show=nonsense" {
            assert!(html.contains(&format!("Showing {rows} of {} items", all.len())), "{query}");
        }
    }

    // The rest are kept in one go.
    let rest: Vec<String> = ids(&items(&read(&maria, &id).await)).into_iter().filter(|i| *i != eng_id).collect();
    let (status, kept) = verdict(&maria, rest.clone(), "keep", "Still needed").await;
    assert_eq!(status, StatusCode::OK, "{kept}");
    assert_eq!(kept["decided"].as_u64(), Some(rest.len() as u64));
    let (status, closed) = json(admin.call_fn(CloseReview { id: id.clone() }).await).await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    assert_eq!(closed["closed"], true);
    assert_eq!(closed["revoked"], 1);
    // Closed: frozen.
    let (status, _) = verdict(&maria, vec![eng_id.clone()], "keep", "").await;
    assert_eq!(status, StatusCode::CONFLICT);

    // The evidence, as the auditor downloads it: the revoke and its outcome.
    let res = audrey.client.get(format!("{}/reviews/{id}/report.csv", app.base)).send().await.expect("csv");
    assert_eq!(res.status(), StatusCode::OK);
    let csv = res.text().await.expect("body");
    let row = csv.lines().find(|l| l.contains("\"Engineering\"") && l.contains("\"Ed Engineer\"")).expect("Ed's row");
    assert!(
        row.contains("\"revoke\"") && row.contains("\"Moved to the data team\"") && row.contains("\"done\""),
        "{row}"
    );
    assert!(row.contains("Maria Manager (maria.manager@portico.example)"), "{row}");
    assert_eq!(csv.lines().count(), all.len() + 1);
    // Still once, after everything.
    assert_eq!(app.okta_events("group.user_membership.remove", &ed).await, 1);
}

#[tokio::test]
async fn nobody_reviews_their_own_access_and_undecided_items_escalate_at_the_due_date() {
    let app = spawn_app().await;
    let admin = app.session(ADMIN).await;
    let eng = app.group_id("Engineering").await;
    let id = start(&app, &admin, "okta_groups", vec![eng], 1).await;
    let db = app.db().await;

    // Maria owns Engineering but is in it: her own membership goes to the fallback group.
    let view = read(&admin, &id).await;
    let all = items(&view);
    let own = item(&all, "Maria Manager", "Engineering");
    assert_eq!(own["item"]["reviewer_id"], "group:Portico Admins");
    assert!(all.iter().all(|i| i["item"]["person_id"] != i["item"]["reviewer_id"]));
    // Ivy's apps go to her manager, Ed.
    let ivy_jira = item(&all, "Ivy Intern", "Jira");
    assert_eq!(
        (ivy_jira["item"]["reviewer_name"].as_str(), ivy_jira["item"]["reviewer_why"].as_str()),
        (Some("Ed Engineer"), Some("manager"))
    );

    // Ada is in the fallback group, yet her own items are not hers to decide… (none here), and
    // Maria cannot decide her own membership.
    let maria = app.session(MARIA).await;
    let own_id = own["item"]["id"].as_str().expect("id").to_string();
    let (status, _) = verdict(&maria, vec![own_id.clone()], "keep", "").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(db.int("SELECT COUNT(*) FROM audit_events WHERE action = 'review.decide' AND result = 'refused' AND detail LIKE '%own access%'", &[]).await >= 1);

    // Past the due date nothing is kept by default: every undecided item escalates once.
    let undecided = all.len();
    app.advance_clock(Duration::days(2));
    let mut escalated = 0;
    for _ in 0..300 {
        escalated = db
            .int("SELECT COUNT(*) FROM review_items WHERE campaign_id = $1 AND escalated_at IS NOT NULL", &[&id])
            .await;
        if escalated as usize == undecided {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(escalated as usize, undecided);
    assert_eq!(
        db.int("SELECT COUNT(*) FROM review_items WHERE campaign_id = $1 AND verdict IS NOT NULL", &[&id]).await,
        0
    );
    let admin = app.session(ADMIN).await;
    let all = items(&read(&admin, &id).await);
    let ivy_jira = item(&all, "Ivy Intern", "Jira");
    assert_eq!(ivy_jira["item"]["reviewer_name"], "Maria Manager", "Ed's manager");
    assert_eq!(ivy_jira["item"]["escalated_from"], "Ed Engineer");
    assert_eq!(item(&all, "Maria Manager", "Engineering")["item"]["reviewer_id"], "group:Portico Admins");
    assert!(
        db.int("SELECT COUNT(*) FROM audit_events WHERE action = 'review.escalate'", &[]).await as usize >= undecided
    );
    // The escalated reviewer decides; Maria still never her own.
    let maria = app.session(MARIA).await;
    let (status, _) = verdict(&maria, vec![ivy_jira["item"]["id"].as_str().expect("id").into()], "keep", "").await;
    assert_eq!(status, StatusCode::OK);
    // Every item decided or escalated: it closes, and the report says what stayed undecided.
    let (status, closed) = json(admin.call_fn(CloseReview { id: id.clone() }).await).await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    let audrey = app.session(AUDREY).await;
    let csv = audrey.client.get(format!("{}/reviews/{id}/report.csv", app.base)).send().await.expect("csv");
    let csv = csv.text().await.expect("body");
    assert!(csv.lines().filter(|l| l.contains("\"undecided\"")).count() == undecided - 1, "{csv}");
}

#[tokio::test]
async fn revocations_follow_the_policy_an_admin_runs_at_once_a_direct_app_goes_after_approval() {
    let app = spawn_app().await;
    let admin = app.session(ADMIN).await;
    let db = app.db().await;

    // An ASA group's review reaches the Okta people behind its accounts.
    let id = start(&app, &admin, "asa_groups", vec!["sre".into()], 7).await;
    assert!(!items(&read(&admin, &id).await).is_empty(), "the sre group has people");

    // Managers has no owner and Marcus no manager: the fallback group (Ada's) reviews it, and an
    // admin's revoke runs at once.
    let managers = app.group_id("Managers").await;
    let id = start(&app, &admin, "okta_groups", vec![managers], 7).await;
    let all = items(&read(&admin, &id).await);
    let marcus = item(&all, "Marcus Manager", "Managers");
    assert_eq!(marcus["item"]["reviewer_why"], "fallback");
    let (status, done) = verdict(&admin, vec![marcus["item"]["id"].as_str().expect("id").into()], "revoke", "").await;
    assert_eq!(status, StatusCode::OK, "{done}");
    let marcus_id = app.user_id("marcus.manager@portico.example").await;
    let all = items(&read(&admin, &id).await);
    assert_eq!(item(&all, "Marcus Manager", "Managers")["request_state"], "Done");
    assert_eq!(app.okta_events("group.user_membership.remove", &marcus_id).await, 1);

    // A direct application: Maria's revoke needs an admin's approval, then Okta unassigns it once.
    let maria_id = app.user_id(MARIA).await;
    let id = start(&app, &admin, "managers", vec![maria_id], 7).await;
    let aws = item(&items(&read(&admin, &id).await), "Ed Engineer", "AWS Console").clone();
    let aws_id = aws["item"]["id"].as_str().expect("id").to_string();
    let (status, _) = verdict(&admin, vec![aws_id.clone()], "revoke", "").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "admins decide only what they review");
    let maria = app.session(MARIA).await;
    let (status, done) = verdict(&maria, vec![aws_id.clone()], "revoke", "No longer on call").await;
    assert_eq!(status, StatusCode::OK, "{done}");
    let request = items(&read(&maria, &id).await)
        .iter()
        .find(|i| i["item"]["id"] == aws_id.as_str())
        .and_then(|i| i["item"]["request_id"].as_str().map(str::to_string))
        .expect("request");
    assert_eq!(
        db.text("SELECT action FROM requests WHERE id = $1", &[&request]).await.as_deref(),
        Some("app_assignment")
    );
    let (status, _) = decide(&admin, &request, true, "").await;
    assert_eq!(status, StatusCode::OK);
    wait_for(&db, &request, "done").await;
    let ed = app.user_id(ED).await;
    assert_eq!(app.okta_events("application.user_membership.remove", &ed).await, 1);

    // An app that comes through a group is revoked by leaving that group; an ASA account by
    // disabling it (managers may not even ask for that themselves: the review asks them).
    let all = items(&read(&maria, &id).await);
    let github = item(&all, "Ed Engineer", "GitHub Enterprise")["item"]["id"].as_str().expect("id").to_string();
    let account = all
        .iter()
        .find(|i| i["item"]["person_name"] == "Eli Engineer" && i["item"]["kind"] == "asa_account")
        .and_then(|i| i["item"]["id"].as_str())
        .expect("Eli's ASA account")
        .to_string();
    let (status, done) = verdict(&maria, vec![github.clone(), account.clone()], "revoke", "").await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["decided"], 2);
    let all = items(&read(&maria, &id).await);
    for (item_id, action) in [(&github, "membership"), (&account, "asa_status")] {
        let request = all
            .iter()
            .find(|i| i["item"]["id"] == item_id.as_str())
            .and_then(|i| i["item"]["request_id"].as_str())
            .expect("request")
            .to_string();
        assert_eq!(db.text("SELECT action FROM requests WHERE id = $1", &[&request]).await.as_deref(), Some(action));
        let (status, _) = decide(&admin, &request, true, "").await;
        assert_eq!(status, StatusCode::OK);
        wait_for(&db, &request, "done").await;
    }
    assert_eq!(app.okta_events("group.user_membership.remove", &ed).await, 1, "Engineering, for GitHub");
    let (_, eli) = json(admin.call_fn(AsaUser { name: "Eli.Engineer".into() }).await).await;
    assert_eq!(eli["user"]["status"], "DISABLED", "{eli}");
}

#[tokio::test]
async fn a_revocation_that_could_not_start_keeps_its_decision_and_starts_again_once() {
    let app = spawn_app().await;
    let admin = app.session(ADMIN).await;
    let maria_id = app.user_id(MARIA).await;
    let id = start(&app, &admin, "managers", vec![maria_id], 7).await;
    let maria = app.session(MARIA).await;
    let aws = item(&items(&read(&maria, &id).await), "Ed Engineer", "AWS Console")["item"]["id"]
        .as_str()
        .expect("id")
        .to_string();

    // Okta refuses the read the revocation's plan makes: the decision stands, nothing is asked yet.
    app.control("faults", serde_json::json!({ "path_prefix": "/api/v1/apps/", "status": 403, "times": 1 })).await;
    let (status, err) = verdict(&maria, vec![aws.clone()], "revoke", "Off the on-call rota").await;
    assert!(status.is_server_error(), "{status}: {err}");
    assert!(err["message"].as_str().unwrap_or_default().contains("Start again"), "{err}");
    let view = read(&maria, &id).await;
    let row = items(&view).into_iter().find(|i| i["item"]["id"] == aws.as_str()).expect("item");
    assert_eq!(row["item"]["verdict"], "revoke");
    assert!(row["item"]["request_id"].is_null(), "no request yet: {row}");
    assert_eq!(row["may_restart"], true);

    // Started again: one request; then there is nothing more to start.
    let (status, started) = json(maria.call_fn(RestartRevocation { item: aws.clone() }).await).await;
    assert_eq!(status, StatusCode::OK, "{started}");
    let request = started.as_str().expect("request id").to_string();
    let (status, _) = json(maria.call_fn(RestartRevocation { item: aws.clone() }).await).await;
    assert_eq!(status, StatusCode::CONFLICT, "under way: nothing to start");
    let (status, _) = decide(&admin, &request, true, "").await;
    assert_eq!(status, StatusCode::OK);
    let db = app.db().await;
    wait_for(&db, &request, "done").await;
    let ed = app.user_id(ED).await;
    assert_eq!(app.okta_events("application.user_membership.remove", &ed).await, 1);
    let row = items(&read(&maria, &id).await).into_iter().find(|i| i["item"]["id"] == aws.as_str()).expect("item");
    assert_eq!(
        (row["item"]["request_id"].as_str(), row["may_restart"].as_bool()),
        (Some(request.as_str()), Some(false))
    );
    // Someone who is not its reviewer cannot start it (refused and audited).
    let (status, _) = json(app.session(AUDREY).await.call_fn(RestartRevocation { item: aws }).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
