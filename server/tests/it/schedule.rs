//! Scheduled changes and time-bound access on the engine's clock: grants that end by
//! themselves exactly once (across a restart), changes at a stated time and zone, approved
//! before or after it, cancelled, re-checked when they run; reminders before access ends.
use crate::approvals::{decide, stored_status, wait_for};
use crate::helpers::{fns::*, *};
use chrono::{DateTime, Duration, Timelike, Utc};
use portico_core::config::{EmailConfig, SmtpTls};
use portico_testkit::smtp::SmtpServer;
use reqwest::StatusCode;
use serde_json::Value;

const MARIA: &str = "maria.manager@portico.example";
const MARCUS: &str = "marcus.manager@portico.example";
const HELPDESK: &str = "hal.helpdesk@portico.example";
const ED: &str = "ed.engineer@portico.example";
const ADD: &str = "group.user_membership.add";
const REMOVE: &str = "group.user_membership.remove";
const DEACTIVATE: &str = "user.lifecycle.deactivate";
const SUSPEND: &str = "user.lifecycle.suspend";

/// The portal's now, as the tests' clock has it.
fn now(app: &TestApp) -> DateTime<Utc> {
    portico_core::Clock::controlled(&app.data_dir).now()
}

/// `at` as someone in `zone` would type it into the form (`YYYY-MM-DDTHH:MM`).
fn local(at: DateTime<Utc>, zone: &str) -> String {
    let tz: chrono_tz::Tz = zone.parse().expect("zone");
    at.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string()
}

/// A whole minute, as the forms state times.
fn minute(at: DateTime<Utc>) -> DateTime<Utc> {
    at.with_second(0).and_then(|t| t.with_nanosecond(0)).expect("a minute")
}

fn grant(person: &str, system: &str, group: &str, hours: &str) -> GrantAccess {
    GrantAccess {
        person: person.into(),
        system: system.into(),
        group: group.into(),
        hours: Some(hours.into()),
        until: None,
        zone: None,
        reason: "On call this week".into(),
    }
}

fn change(person: &str, op: LifecycleOp, at: &str, zone: &str) -> ScheduleChange {
    ScheduleChange { person: person.into(), op, at: at.into(), zone: zone.into(), reason: "Last day".into() }
}

/// The open grant's end (a request) for this person, from the person's upcoming list.
async fn upcoming(who: &Session, person: &str) -> Vec<Value> {
    let (status, list) =
        json(who.call_fn(Upcoming { person: Some(person.into()), mine: None, action: None, kind: None }).await).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list.as_array().expect("list").clone()
}

async fn members_of_asa_group(app: &TestApp, group: &str) -> Vec<String> {
    let admin = app.session(ADMIN).await;
    let (status, g) = json(admin.call_fn(AsaGroup { name: group.into() }).await).await;
    assert_eq!(status, StatusCode::OK, "{g}");
    g["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| m["name"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn a_two_minute_membership_survives_a_restart_and_ends_exactly_once() {
    let app = spawn_app().await;
    let ada = app.session(ADMIN).await;
    let ed = app.user_id(ED).await;
    let sales = app.group_id("Sales").await;
    // Two minutes (0.0333… hours).
    let (status, msg) = json(ada.call_fn(grant(&ed, "okta", &sales, "0.0333334")).await).await;
    assert_eq!(status, StatusCode::OK, "{msg}");
    assert!(msg.as_str().is_some_and(|m| m.contains("Add Ed Engineer to Sales for 2 minutes")), "{msg}");
    assert_eq!(app.okta_events(ADD, &ed).await, 1, "granted at once: an admin may");
    let ends = upcoming(&ada, &ed).await;
    assert_eq!(ends.len(), 1, "{ends:?}");
    assert_eq!((ends[0]["grant_end"].as_bool(), ends[0]["state"].as_str()), (Some(true), Some("Approved")));
    let end_id = ends[0]["id"].as_str().expect("id").to_string();

    // Half way, the portal stops and starts again on the same data.
    app.advance_clock(Duration::minutes(1));
    let data_dir = app.data_dir.clone();
    let dir = app.stop_keeping_data().await;
    let again = spawn_app_in(data_dir, browser()).await;
    let db = again.db().await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(stored_status(&db, &end_id).await, "approved", "not before its end");
    again.advance_clock(Duration::seconds(61));
    wait_for(&db, &end_id, "done").await;

    assert_eq!((again.okta_events(ADD, &ed).await, again.okta_events(REMOVE, &ed).await), (1, 1));
    let ada = again.session(ADMIN).await;
    let (_, groups) = json(ada.call_fn(PersonGroups { id: ed.clone() }).await).await;
    assert!(!groups.to_string().contains("\"Sales\""), "no longer in Sales: {groups}");
    assert!(upcoming(&ada, &ed).await.is_empty());
    drop(dir);
}

#[tokio::test]
async fn time_bound_asa_access_ends_and_the_manager_is_reminded_by_mail_and_webhook() {
    let smtp = SmtpServer::start(None).expect("aiosmtpd starts");
    let (hook, received) = webhook().await;
    let port = smtp.port;
    let app = spawn_app_with(move |c| {
        c.approvals.webhook_url = Some(hook.parse().expect("url"));
        c.email = Some(EmailConfig {
            host: "127.0.0.1".into(),
            port,
            tls: SmtpTls::None,
            username: None,
            password: None,
            from: "Portico <portico@portico.example>".into(),
            timeout_seconds: 10,
        });
    })
    .await;
    let ada = app.session(ADMIN).await;
    let sam = app.user_id("sam.sales@portico.example").await;
    let (status, msg) = json(ada.call_fn(grant(&sam, "asa", "sre", "8")).await).await;
    assert_eq!(status, StatusCode::OK, "{msg}");
    assert!(members_of_asa_group(&app, "sre").await.contains(&"Sam.Sales".to_string()));

    // Eight hours: the reminder comes half way (shorter than the 24 hours before by default).
    app.advance_clock(Duration::hours(4));
    let mails = smtp.wait_for(2).await;
    let mut to: Vec<String> = mails.iter().flat_map(|m| m.to.clone()).collect();
    to.sort();
    assert_eq!(to, [ADMIN, MARCUS], "Sam's manager, and the admin who granted it");
    let manager = mails.iter().find(|m| m.to == [MARCUS.to_string()]).expect("to Marcus");
    assert!(
        manager.header("subject").unwrap_or_default().starts_with("Access ends"),
        "{:?}",
        manager.header("subject")
    );
    assert!(manager.data.contains("Add Sam.Sales to ASA group sre for 8 hours"), "{}", manager.data);
    assert!(manager.data.contains("extend it in Portico"), "{}", manager.data);
    for _ in 0..100 {
        if received.lock().expect("lock").iter().any(|b| b["event"] == "request.grant_ending") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(received.lock().expect("lock").iter().any(|b| b["event"] == "request.grant_ending"), "and the webhook");

    app.advance_clock(Duration::hours(4));
    let ends = app.db().await.texts("SELECT id FROM requests WHERE purpose = 'grant_end'", &[]).await;
    let end_id = ends[0].clone().expect("an end");
    wait_for(&app.db().await, &end_id, "done").await;
    assert!(!members_of_asa_group(&app, "sre").await.contains(&"Sam.Sales".to_string()), "removed at its end");
    smtp.wait_for(3).await;
    let all: Vec<(Vec<String>, Option<String>)> =
        smtp.received().iter().map(|m| (m.to.clone(), m.header("subject"))).collect();
    assert_eq!(all.len(), 3, "reminded once, then Ada hears the access ended: {all:?}");
}

#[tokio::test]
async fn a_cancelled_scheduled_deactivation_never_runs() {
    let app = spawn_app().await;
    let ada = app.session(ADMIN).await;
    let ed = app.user_id(ED).await;
    let at = minute(now(&app)) + Duration::days(1);
    let (status, msg) = json(
        ada.call_fn(change(&ed, LifecycleOp::Deactivate, &local(at, "America/New_York"), "America/New_York")).await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{msg}");
    let list = upcoming(&ada, &ed).await;
    assert_eq!(list.len(), 1);
    let id = list[0]["id"].as_str().expect("id").to_string();
    assert_eq!(list[0]["state"], "Approved", "an admin may deactivate: only its time waits");
    assert!(list[0]["at_words"].as_str().is_some_and(|w| w.ends_with("America/New_York")), "{}", list[0]);

    // The help desk may only ask to deactivate: it cannot cancel an admin's schedule.
    let hal = app.session(HELPDESK).await;
    let (status, _) = json(hal.call_fn(CancelRequest { id: id.clone() }).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let db = app.db().await;
    assert_eq!(
        db.int("SELECT COUNT(*) FROM audit_events WHERE action = 'request.cancel' AND result = 'refused'", &[]).await,
        1
    );

    let (status, view) = json(ada.call_fn(CancelRequest { id: id.clone() }).await).await;
    assert_eq!((status, view["status"].as_str()), (StatusCode::OK, Some("cancelled")), "{view}");
    app.advance_clock(Duration::days(2));
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert_eq!(stored_status(&db, &id).await, "cancelled");
    assert_eq!(app.okta_events(DEACTIVATE, &ed).await, 0, "never ran");
}

#[tokio::test]
async fn a_scheduled_deactivation_approved_in_advance_runs_at_its_time_and_not_before() {
    let app = spawn_app().await;
    let maria = app.session(MARIA).await;
    let ed = app.user_id(ED).await;
    let at = minute(now(&app)) + Duration::days(3);
    let (status, _) =
        json(maria.call_fn(change(&ed, LifecycleOp::Deactivate, &local(at, "Europe/Berlin"), "Europe/Berlin")).await)
            .await;
    assert_eq!(status, StatusCode::OK);
    let db = app.db().await;
    let id = db.text("SELECT id FROM requests WHERE action = 'deactivate'", &[]).await.expect("a request");
    assert_eq!(stored_status(&db, &id).await, "pending", "a manager asks; an admin approves");
    // The time was read in Berlin's zone.
    let stored = portico_core::requests::get(db.store(), &id).await.expect("read").expect("the request");
    let stored = portico_core::requests::scheduled::in_zone(&stored.run_at.expect("run_at"), None);
    assert_eq!(stored, at.format("%Y-%m-%d %H:%M UTC").to_string());

    let ada = app.session(ADMIN).await;
    assert_eq!(decide(&ada, &id, true, "Confirmed with HR").await.0, StatusCode::OK);
    app.advance_clock(at - now(&app) - Duration::minutes(2));
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert_eq!(stored_status(&db, &id).await, "approved", "approved, but not before its time");
    assert_eq!(app.okta_events(DEACTIVATE, &ed).await, 0);
    app.advance_clock(at - now(&app) + Duration::seconds(5));
    wait_for(&db, &id, "done").await;
    assert_eq!(app.okta_events(DEACTIVATE, &ed).await, 1);
    let result = db.text("SELECT result FROM requests WHERE id = $1", &[&id]).await.unwrap_or_default();
    assert!(!result.contains("late"), "on time: {result}");
}

#[tokio::test]
async fn an_approval_after_the_time_runs_at_once_and_says_it_ran_late() {
    let app = spawn_app().await;
    let maria = app.session(MARIA).await;
    let ed = app.user_id(ED).await;
    let at = minute(now(&app)) + Duration::hours(1);
    let (status, _) = json(maria.call_fn(change(&ed, LifecycleOp::Suspend, &local(at, "UTC"), "UTC")).await).await;
    assert_eq!(status, StatusCode::OK);
    let db = app.db().await;
    let id = db.text("SELECT id FROM requests WHERE action = 'suspend'", &[]).await.expect("a request");
    app.advance_clock(Duration::hours(3));
    let ada = app.session(ADMIN).await;
    assert_eq!(decide(&ada, &id, true, "").await.0, StatusCode::OK, "still decidable after its time");
    wait_for(&db, &id, "done").await;
    assert_eq!(app.okta_events(SUSPEND, &ed).await, 1);
    let result = db.text("SELECT result FROM requests WHERE id = $1", &[&id]).await.unwrap_or_default();
    assert!(result.contains("It ran late") && result.contains("approved after that"), "{result}");
}

#[tokio::test]
async fn at_its_time_the_requesters_authority_is_checked_again() {
    let app = spawn_app().await;
    let maria = app.session(MARIA).await;
    let ed = app.user_id(ED).await;
    let at = minute(now(&app)) + Duration::days(1);
    json(maria.call_fn(change(&ed, LifecycleOp::Suspend, &local(at, "UTC"), "UTC")).await).await;
    let db = app.db().await;
    let id = db.text("SELECT id FROM requests WHERE action = 'suspend'", &[]).await.expect("a request");
    let ada = app.session(ADMIN).await;
    assert_eq!(decide(&ada, &id, true, "").await.0, StatusCode::OK);
    // Before the day comes, Ed moves to another manager: Maria may no longer ask for it.
    let marcus = app.user_id(MARCUS).await;
    let org = app.portal.devorg.as_ref().expect("org");
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/users/{ed}", app.org))
        .header("Authorization", format!("SSWS {}", org.api_token))
        .json(&serde_json::json!({ "profile": { "managerId": marcus } }))
        .send()
        .await
        .expect("profile");
    assert!(res.status().is_success(), "{}", res.status());
    app.advance_clock(Duration::days(1) + Duration::minutes(1));
    wait_for(&db, &id, "stale").await;
    let result = db.text("SELECT result FROM requests WHERE id = $1", &[&id]).await.unwrap_or_default();
    assert!(result.contains("may no longer ask"), "{result}");
    assert_eq!(app.okta_events(SUSPEND, &ed).await, 0);
}

#[tokio::test]
async fn upcoming_changes_for_a_person_for_a_managers_people_and_for_everyone_filtered() {
    let app = spawn_app().await;
    let ada = app.session(ADMIN).await;
    let (ed, sam) = (app.user_id(ED).await, app.user_id("sam.sales@portico.example").await);
    let at = local(minute(now(&app)) + Duration::days(2), "UTC");
    assert_eq!(json(ada.call_fn(change(&ed, LifecycleOp::Suspend, &at, "UTC")).await).await.0, StatusCode::OK);
    let it = app.group_id("IT").await;
    assert_eq!(json(ada.call_fn(grant(&sam, "okta", &it, "48")).await).await.0, StatusCode::OK);

    let all = |kind: Option<&str>, action: Option<&str>| Upcoming {
        person: None,
        mine: None,
        action: action.map(str::to_string),
        kind: kind.map(str::to_string),
    };
    let (_, everything) = json(ada.call_fn(all(None, None)).await).await;
    assert_eq!(everything.as_array().map(Vec::len), Some(2), "{everything}");
    let (_, ends) = json(ada.call_fn(all(Some("ends"), None)).await).await;
    assert_eq!(ends.as_array().map(Vec::len), Some(1));
    assert!(ends[0]["extend"].is_object(), "an admin may extend it: {}", ends[0]);
    let (_, suspends) = json(ada.call_fn(all(None, Some("suspend"))).await).await;
    assert_eq!(suspends[0]["target_name"], "ed.engineer@portico.example");

    // Maria sees her people's (Ed), not Sam's; she may not cancel an admin's schedule.
    let maria = app.session(MARIA).await;
    let (_, mine) =
        json(maria.call_fn(Upcoming { person: None, mine: Some(true), action: None, kind: None }).await).await;
    assert_eq!(mine.as_array().map(Vec::len), Some(1), "{mine}");
    assert_eq!(
        (mine[0]["can_cancel"].as_bool(), mine[0]["target_href"].as_str()),
        (Some(false), Some(format!("/people/{ed}").as_str()))
    );
    // Nor the whole list, without a role that sees people.
    let (status, _) = json(maria.call_fn(all(None, None)).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn extending_access_is_a_new_request_through_the_policy_and_moves_its_end() {
    let app = spawn_app().await;
    let ada = app.session(ADMIN).await;
    let ed = app.user_id(ED).await;
    let sales = app.group_id("Sales").await;
    assert_eq!(json(ada.call_fn(grant(&ed, "okta", &sales, "8")).await).await.0, StatusCode::OK);
    let db = app.db().await;
    let end = db.text("SELECT id FROM requests WHERE purpose = 'grant_end'", &[]).await.expect("an end");

    // Maria, Ed's manager, may only ask: her extension waits for an admin.
    let maria = app.session(MARIA).await;
    let until = minute(now(&app)) + Duration::days(2);
    let extend = GrantAccess {
        person: ed.clone(),
        system: "okta".into(),
        group: sales.clone(),
        hours: None,
        until: Some(local(until, "Europe/Berlin")),
        zone: Some("Europe/Berlin".into()),
        reason: "The project runs two more days".into(),
    };
    let (status, msg) = json(maria.call_fn(extend).await).await;
    assert_eq!(status, StatusCode::OK, "{msg}");
    assert!(msg.as_str().is_some_and(|m| m.contains("sent for approval")), "{msg}");
    let asked = db.text("SELECT id FROM requests WHERE requester_login = $1", &[MARIA]).await.expect("request");
    assert_eq!(decide(&ada, &asked, true, "").await.0, StatusCode::OK);
    wait_for(&db, &asked, "done").await;

    // The same end, moved: not at eight hours, at the new time; one removal in all.
    let moved = portico_core::requests::get(db.store(), &end).await.expect("read").expect("the end");
    assert_eq!(
        moved.run_at.as_deref().map(|t| portico_core::requests::scheduled::in_zone(t, None)),
        Some(until.format("%Y-%m-%d %H:%M UTC").to_string())
    );
    assert_eq!(db.int("SELECT COUNT(*) FROM requests WHERE purpose = 'grant_end'", &[]).await, 1);
    app.advance_clock(Duration::hours(9));
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert_eq!(stored_status(&db, &end).await, "approved", "still a member after the first end");
    assert_eq!(app.okta_events(REMOVE, &ed).await, 0);
    app.advance_clock(until - now(&app) + Duration::seconds(5));
    wait_for(&db, &end, "done").await;
    assert_eq!(
        (app.okta_events(ADD, &ed).await, app.okta_events(REMOVE, &ed).await),
        (1, 1),
        "added once, removed once"
    );
}

#[tokio::test]
async fn access_that_would_already_have_ended_is_refused_with_its_reference() {
    let app = spawn_app().await;
    let ada = app.session(ADMIN).await;
    let ed = app.user_id(ED).await;
    let sales = app.group_id("Sales").await;
    let past = GrantAccess {
        person: ed.clone(),
        system: "okta".into(),
        group: sales,
        hours: None,
        until: Some(local(now(&app) - Duration::hours(1), "UTC")),
        zone: Some("UTC".into()),
        reason: "typo in the date".into(),
    };
    let (status, err) = json(ada.call_fn(past).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    let message = err["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("was not granted") && message.contains("has passed") && message.contains("R-"),
        "{message}"
    );
    assert_eq!(app.okta_events(ADD, &ed).await, 0, "nobody was added");
}

#[tokio::test]
async fn a_requester_cannot_make_approved_time_bound_access_permanent_by_cancelling_its_end() {
    let app = spawn_app().await;
    let maria = app.session(MARIA).await;
    let ed = app.user_id(ED).await;
    let sales = app.group_id("Sales").await;
    let (status, msg) = json(maria.call_fn(grant(&ed, "okta", &sales, "8")).await).await;
    assert!(msg.as_str().is_some_and(|m| m.contains("sent for approval")), "{status} {msg}");
    let db = app.db().await;
    let asked = db.text("SELECT id FROM requests WHERE requester_login = $1", &[MARIA]).await.expect("request");
    let ada = app.session(ADMIN).await;
    assert_eq!(decide(&ada, &asked, true, "").await.0, StatusCode::OK);
    wait_for(&db, &asked, "done").await;
    let end = db.text("SELECT id FROM requests WHERE purpose = 'grant_end'", &[]).await.expect("an end");
    let list = upcoming(&maria, &ed).await;
    assert_eq!(list[0]["can_cancel"].as_bool(), Some(false), "not offered to Maria: {}", list[0]);
    let (status, _) = json(maria.call_fn(CancelRequest { id: end.clone() }).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the end stays");
    assert_eq!(stored_status(&db, &end).await, "approved");
    let (status, _) = json(ada.call_fn(CancelRequest { id: end.clone() }).await).await;
    assert_eq!(status, StatusCode::OK, "an admin, who could grant it for good, may");
}
