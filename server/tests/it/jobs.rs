//! Bulk jobs over real HTTP against the embedded org: the preview, running, the report, a
//! restart mid-job, cancelling, a manager's scope, group and ASA actions.
use crate::helpers::{fns::*, *};
use reqwest::StatusCode;
use serde_json::Value;
use std::time::Duration;

const SUSPEND: &str = "user.lifecycle.suspend";

fn plan(verb: &str, ids: &[&str]) -> PlanJob {
    PlanJob {
        verb: verb.into(),
        group: None,
        all: None,
        query: None,
        ids: Some(ids.iter().map(|s| s.to_string()).collect()),
        from_group: None,
    }
}

fn plan_all(verb: &str, query: PeopleQuery) -> PlanJob {
    PlanJob { verb: verb.into(), group: None, all: Some("1".into()), query: Some(query), ids: None, from_group: None }
}

/// Plans a job; its id.
async fn planned(who: &Session, args: PlanJob) -> String {
    let (status, id) = json(who.call_fn(args).await).await;
    assert_eq!(status, StatusCode::OK, "{id}");
    id.as_str().expect("job id").to_string()
}

async fn job(who: &Session, id: &str) -> Value {
    let (status, job) = json(who.call_fn(GetJob { id: id.into(), after: None }).await).await;
    assert_eq!(status, StatusCode::OK, "{job}");
    job
}

/// The preview's totals by outcome.
fn previewed(job: &Value) -> Vec<(String, u64)> {
    job["by_plan"]
        .as_array()
        .expect("by_plan")
        .iter()
        .map(|p| (p[0].as_str().expect("key").to_string(), p[2].as_u64().expect("n")))
        .collect()
}

/// Each person's (id, preview, status, message).
fn items(job: &Value) -> Vec<(String, String, String, String)> {
    job["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            let id = i["href"].as_str().unwrap_or_default().trim_start_matches("/people/").to_string();
            let s = |k: &str| i[k].as_str().expect(k).to_string();
            (id, s("plan"), s("status"), s("message"))
        })
        .collect()
}

async fn counts(who: &Session, id: &str) -> Value {
    let (status, c) = json(who.call_fn(JobProgress { id: id.into() }).await).await;
    assert_eq!(status, StatusCode::OK, "{c}");
    c
}

/// Waits (by the job's own numbers) until `done` items are done, or the job has ended.
async fn wait_until(who: &Session, id: &str, ready: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..600 {
        let c = counts(who, id).await;
        if ready(&c) {
            return c;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("job {id} did not get there: {}", counts(who, id).await);
}

async fn ended(who: &Session, id: &str) -> Value {
    wait_until(who, id, |c| c["ended"] == true).await
}

async fn start(who: &Session, id: &str, confirm: Option<&str>) -> (StatusCode, Value) {
    json(who.call_fn(StartJob { id: id.into(), confirm: confirm.map(str::to_string) }).await).await
}

/// Starts a job that asks for the number of people typed back, typing it.
async fn start_typed(who: &Session, id: &str) -> (StatusCode, Value) {
    let n = counts(who, id).await["to_run"].as_u64().expect("to_run").to_string();
    start(who, id, Some(&n)).await
}

/// An admin's suspension of everyone in Engineering: the preview says what each person would
/// see (an already suspended person is left alone), the run suspends each of the rest once, and
/// the report, its CSV and the audit trail say so item by item and for the job.
#[tokio::test]
async fn a_bulk_suspend_previews_runs_once_per_person_and_reports() {
    let app = spawn_app().await;
    let ada = app.session(ADMIN).await;
    let query = PeopleQuery { department: "Engineering".into(), ..Default::default() };
    let id = planned(&ada, plan_all("suspend", query)).await;
    let draft = job(&ada, &id).await;
    assert_eq!(draft["status"], "draft");
    let erin = app.user_id("erin.engineer@portico.example").await;
    let rows = items(&draft);
    let erin_row = rows.iter().find(|r| r.0 == erin).expect("erin is in Engineering");
    assert_eq!((erin_row.1.as_str(), erin_row.3.as_str()), ("no_change", "Already suspended."));
    let to_run: Vec<String> = rows.iter().filter(|r| r.1 == "run").map(|r| r.0.clone()).collect();
    assert!(to_run.len() >= 2, "{rows:?}");
    assert_eq!(previewed(&draft).iter().find(|(k, _)| k == "run").map(|(_, n)| *n), Some(to_run.len() as u64));
    // Nothing runs before it is started.
    for person in &to_run {
        assert_eq!(app.okta_events(SUSPEND, person).await, 0);
    }

    let (status, said) = start(&ada, &id, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "suspending signs people out: the count is typed back ({said})");
    let (status, said) = start_typed(&ada, &id).await;
    assert_eq!(status, StatusCode::OK, "{said}");
    let (again, _) = start_typed(&ada, &id).await;
    assert_eq!(again, StatusCode::CONFLICT, "a job starts once");
    let done = ended(&ada, &id).await;
    assert_eq!((done["done"].as_u64(), done["failed"].as_u64()), (Some(to_run.len() as u64), Some(0)), "{done}");
    assert_eq!(done["remaining"], 0);
    for person in &to_run {
        assert_eq!(app.okta_events(SUSPEND, person).await, 1, "suspended once: {person}");
    }
    assert_eq!(app.okta_events(SUSPEND, &erin).await, 0, "already suspended: left alone");

    let report = job(&ada, &id).await;
    assert_eq!(report["status"], "done");
    assert!(items(&report).iter().filter(|r| r.1 == "run").all(|r| r.2 == "done"), "{report}");
    let csv = ada.client.get(format!("{}/jobs/{id}/report.csv", ada.base)).send().await.expect("csv");
    assert_eq!(csv.status(), StatusCode::OK);
    let csv = csv.text().await.expect("text");
    assert!(csv.starts_with("seq,person_id,target,name,preview,status,message,okta_request_id"), "{csv}");
    assert_eq!(csv.lines().count(), rows.len() + 1, "{csv}");
    assert!(csv.contains(r#""no_change","skipped","Already suspended.""#), "{csv}");

    let db = app.db().await;
    let per_item = db
        .int(
            "SELECT COUNT(*) FROM audit_events WHERE op_id LIKE $1 AND action = 'person.suspend' AND result = 'ok'",
            &[&format!("{id}#%")],
        )
        .await;
    assert_eq!(per_item, to_run.len() as i64, "one audit entry per person suspended");
    for (action, n) in [("job.start", 1), ("job.finish", 1)] {
        let found = db.int("SELECT COUNT(*) FROM audit_events WHERE action = $1 AND target = $2", &[action, &id]).await;
        assert_eq!(found, n, "{action}");
    }

    // Someone else's job is not theirs to see (an auditor may).
    let hal = app.session("hal.helpdesk@portico.example").await;
    assert_eq!(hal.call_fn(GetJob { id: id.clone(), after: None }).await.status(), StatusCode::NOT_FOUND);
    let audrey = app.session("audrey.auditor@portico.example").await;
    assert_eq!(audrey.call_fn(GetJob { id: id.clone(), after: None }).await.status(), StatusCode::OK);
    let (_, list) = json(audrey.call_fn(ListJobs {}).await).await;
    assert!(list.as_array().expect("jobs").iter().any(|j| j["id"] == id.as_str()));
}

/// A job interrupted by a crash finishes after a restart, with every person suspended once
/// (the org's System Log) and one audit entry each.
#[tokio::test]
async fn a_job_interrupted_by_a_restart_finishes_with_every_item_done_once() {
    let slow = |c: &mut portico_core::Config| c.jobs.concurrency = 2;
    let dir = tempfile::tempdir().expect("tempdir");
    let app = try_spawn_app_in(dir.path().to_path_buf(), browser(), slow).await.expect("portal");
    app.control("seed", serde_json::json!({ "users": 60, "groups": 0 })).await;
    let ada = app.session(ADMIN).await;
    let query = PeopleQuery { title: "Specialist".into(), status: "ACTIVE".into(), ..Default::default() };
    let id = planned(&ada, plan_all("suspend", query)).await;
    let people: Vec<String> = items(&job(&ada, &id).await).into_iter().filter(|r| r.1 == "run").map(|r| r.0).collect();
    assert!(people.len() >= 8, "{people:?}");
    // Okta answers slowly, so the job is part way when the portal dies.
    app.control("faults", serde_json::json!({ "path_prefix": "/api/v1/users/", "latency_ms": 150 })).await;
    let (status, said) = start_typed(&ada, &id).await;
    assert_eq!(status, StatusCode::OK, "{said}");
    let part = wait_until(&ada, &id, |c| c["done"].as_u64() >= Some(2)).await;
    assert!(part["remaining"].as_u64() > Some(0), "{part}");
    let data_dir = app.data_dir.clone();
    drop(app.crash_keeping_data());

    let again = try_spawn_app_in(data_dir, browser(), slow).await.expect("portal again");
    // The dead process's leases run out by the clock; then its items are taken back.
    again.advance_clock(chrono::Duration::seconds(61));
    let ada = again.session(ADMIN).await;
    let done = ended(&ada, &id).await;
    assert_eq!((done["done"].as_u64(), done["failed"].as_u64()), (Some(people.len() as u64), Some(0)), "{done}");
    for person in &people {
        assert_eq!(again.okta_events(SUSPEND, person).await, 1, "suspended exactly once: {person}");
    }
    let audited = again
        .db()
        .await
        .int(
            "SELECT COUNT(DISTINCT op_id) FROM audit_events WHERE op_id LIKE $1 AND action = 'person.suspend'",
            &[&format!("{id}#%")],
        )
        .await;
    assert!(audited >= people.len() as i64 - 2, "an audit entry per item ({audited} of {})", people.len());
    drop(dir);
}

/// Cancelling stops what has not begun: those people stay as they were, and the report says
/// which ran.
#[tokio::test]
async fn cancelling_a_job_leaves_the_rest_untouched() {
    let app = spawn_app_with(|c| c.jobs.concurrency = 1).await;
    app.control("seed", serde_json::json!({ "users": 40, "groups": 0 })).await;
    let ada = app.session(ADMIN).await;
    let query = PeopleQuery { title: "Specialist".into(), status: "ACTIVE".into(), ..Default::default() };
    let id = planned(&ada, plan_all("suspend", query)).await;
    app.control("faults", serde_json::json!({ "path_prefix": "/api/v1/users/", "latency_ms": 200 })).await;
    start_typed(&ada, &id).await;
    wait_until(&ada, &id, |c| c["done"].as_u64() >= Some(1)).await;
    let (status, said) = json(ada.call_fn(CancelJob { id: id.clone() }).await).await;
    assert_eq!(status, StatusCode::OK, "{said}");
    let c = ended(&ada, &id).await;
    assert!(c["cancelled"].as_u64() > Some(0), "{c}");
    let report = job(&ada, &id).await;
    assert_eq!(report["status"], "cancelled");
    for (person, _, status, _) in items(&report) {
        let expected = if status == "done" { 1 } else { 0 };
        assert_eq!(app.okta_events(SUSPEND, &person).await, expected, "{person} was {status}");
    }
    let (again, _) = json(ada.call_fn(CancelJob { id: id.clone() }).await).await;
    assert_eq!(again, StatusCode::CONFLICT, "an ended job cannot be cancelled");
    let hal = app.session("hal.helpdesk@portico.example").await;
    assert_eq!(hal.call_fn(CancelJob { id }).await.status(), StatusCode::NOT_FOUND, "not theirs");
}

/// A manager's selection holds only their people: someone else's id is refused (and audited),
/// "all" means their own people, and what they may run runs.
#[tokio::test]
async fn a_managers_bulk_selection_never_reaches_outside_their_scope() {
    let app = spawn_app().await;
    let maria = app.session("maria.manager@portico.example").await;
    let (eli, sam) =
        (app.user_id("eli.engineer@portico.example").await, app.user_id("sam.sales@portico.example").await);
    let res = maria.call_fn(plan("unlock", &[&eli, &sam])).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let db = app.db().await;
    let refused = db
        .int(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'person.view' AND result = 'refused' AND target LIKE $1",
            &[&format!("%{sam}%")],
        )
        .await;
    assert_eq!(refused, 1, "the refusal is audited");

    let id = planned(&maria, plan_all("unlock", PeopleQuery::default())).await;
    let draft = job(&maria, &id).await;
    assert_eq!(draft["source"], "all of their people");
    let rows = items(&draft);
    let ed = app.user_id("ed.engineer@portico.example").await;
    assert!(rows.iter().any(|r| r.0 == ed) && !rows.iter().any(|r| r.0 == sam), "{rows:?}");
    let eli_row = rows.iter().find(|r| r.0 == eli).expect("eli");
    assert_eq!(eli_row.1, "run", "maria may unlock her locked-out report");
    start(&maria, &id, None).await;
    ended(&maria, &id).await;
    assert_eq!(app.okta_events("user.account.unlock", &eli).await, 1);

    // Suspending needs an approval for her: the preview says so, and nothing can start.
    let id = planned(&maria, plan("suspend", &[&ed])).await;
    assert_eq!(previewed(&job(&maria, &id).await), [("needs_approval".to_string(), 1)]);
    let (status, _) = start(&maria, &id, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

/// Group and ASA actions in bulk; deleting needs the count typed back.
#[tokio::test]
async fn group_and_asa_actions_run_in_bulk() {
    let app = spawn_app().await;
    let ada = app.session(ADMIN).await;
    let (ed, erin, sam, stan) = (
        app.user_id("ed.engineer@portico.example").await,
        app.user_id("erin.engineer@portico.example").await,
        app.user_id("sam.sales@portico.example").await,
        app.user_id("stan.sales@portico.example").await,
    );
    let engineering = app.group_id("Engineering").await;
    let add = PlanJob { group: Some(engineering.clone()), ..plan("group_add", &[&ed, &sam]) };
    let id = planned(&ada, add).await;
    let rows = items(&job(&ada, &id).await);
    let sam_row = rows.iter().find(|r| r.0 == sam).expect("sam");
    let ed_row = rows.iter().find(|r| r.0 == ed).expect("ed");
    assert_eq!((sam_row.1.as_str(), ed_row.1.as_str()), ("run", "no_change"));
    start(&ada, &id, None).await;
    ended(&ada, &id).await;
    let (_, groups) = json(ada.call_fn(PersonGroups { id: sam.clone() }).await).await;
    assert!(groups.to_string().contains("Engineering"), "{groups}");

    // ASA: Ed is already disabled there, Stan has no account, Erin is disabled now.
    let id = planned(&ada, plan("asa_disable", &[&ed, &erin, &stan])).await;
    let rows = items(&job(&ada, &id).await);
    let of = |who: &str| rows.iter().find(|r| r.0 == who).map(|r| r.1.clone()).expect("row");
    assert_eq!((of(&ed), of(&erin), of(&stan)), ("no_change".into(), "run".into(), "not_applicable".into()));
    start(&ada, &id, None).await;
    ended(&ada, &id).await;
    let (_, erin_asa) = json(ada.call_fn(AsaUser { name: "Erin.Engineer".into() }).await).await;
    assert_eq!(erin_asa["user"]["status"], "DISABLED", "{erin_asa}");

    // Expiring passwords in bulk hands out no temporary ones: each person chooses a new password
    // with their current one at their next sign-in.
    let id = planned(&ada, plan("expire_password", &[&ed])).await;
    let (status, said) = start(&ada, &id, None).await;
    assert_eq!(status, StatusCode::OK, "{said}");
    ended(&ada, &id).await;
    let (_, person) = json(ada.call_fn(GetPerson { id: ed.clone() }).await).await;
    assert_eq!(person["status"], "PASSWORD_EXPIRED", "{person}");
    let report = job(&ada, &id).await;
    assert!(!report.to_string().to_lowercase().contains("temporary password"), "{report}");
    assert_eq!(app.db().await.int("SELECT COUNT(*) FROM request_secrets", &[]).await, 0, "no password kept");

    // Deleting cannot be undone: the number of people is typed back.
    app.okta_lifecycle(&sam, LifecycleOp::Deactivate).await;
    let id = planned(&ada, plan("delete", &[&sam])).await;
    let (status, _) = start(&ada, &id, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, said) = start(&ada, &id, Some("1")).await;
    assert_eq!(status, StatusCode::OK, "{said}");
    ended(&ada, &id).await;
    assert_eq!(ada.call_fn(GetPerson { id: sam }).await.status(), StatusCode::NOT_FOUND);
}

/// What needs approval becomes one request for the whole set: the approver sees the preview
/// (the job's page), approves once, and every person is then suspended once. Nobody decides a
/// job they are in, and a rejected request's job never runs.
#[tokio::test]
async fn a_bulk_request_approved_once_runs_every_item() {
    use crate::approvals::decide;
    let app = spawn_app().await;
    let (hal, ada) = (app.session("hal.helpdesk@portico.example").await, app.session(ADMIN).await);
    let people = [
        app.user_id("ed.engineer@portico.example").await,
        app.user_id("emma.engineer@portico.example").await,
        app.user_id("sam.sales@portico.example").await,
    ];
    let ids: Vec<&str> = people.iter().map(String::as_str).collect();
    let id = planned(&hal, plan("suspend", &ids)).await;
    let draft = job(&hal, &id).await;
    assert_eq!(previewed(&draft), [("needs_approval".to_string(), 3)]);
    assert_eq!(draft["ask"]["job"], id.as_str(), "the preview offers the request");
    assert_eq!(start(&hal, &id, Some("3")).await.0, StatusCode::BAD_REQUEST, "help desk cannot run it");
    assert_eq!(
        ada.call_fn(GetJob { id: id.clone(), after: None }).await.status(),
        StatusCode::OK,
        "an admin reads every job"
    );

    let (status, asked) =
        json(hal.call_fn(RequestJob { id: id.clone(), reason: "Contractor wave ended".into() }).await).await;
    assert_eq!(status, StatusCode::OK, "{asked}");
    let (request, released) =
        (asked[0].as_str().expect("request").to_string(), asked[1].as_str().expect("job").to_string());
    assert_eq!(released, id, "all of it needed approval: the same job waits");
    assert_eq!(job(&hal, &id).await["status"], "waiting");
    let (status, _) = json(hal.call_fn(RequestJob { id: id.clone(), reason: "again".into() }).await).await;
    assert_eq!(status, StatusCode::CONFLICT, "asked once");
    for person in &people {
        assert_eq!(app.okta_events(SUSPEND, person).await, 0, "nothing runs before the approval");
    }
    // The request names the job; its page is the preview the approver decides on.
    let (_, view) = json(ada.call_fn(GetRequest { id: request.clone() }).await).await;
    assert_eq!(view["target_href"], format!("/jobs/{id}"), "{view}");
    assert_eq!(view["can_decide"], true, "{view}");

    let (status, decided) = decide(&ada, &request, true, "Checked the list").await;
    assert_eq!(status, StatusCode::OK, "{decided}");
    let done = ended(&hal, &id).await;
    assert_eq!((done["done"].as_u64(), done["failed"].as_u64()), (Some(3), Some(0)), "{done}");
    for person in &people {
        assert_eq!(app.okta_events(SUSPEND, person).await, 1, "suspended once: {person}");
    }
    let db = app.db().await;
    assert_eq!(db.text("SELECT status FROM requests WHERE id = $1", &[&request]).await.as_deref(), Some("done"));

    // Ada is one of the people in the next one: she cannot decide it; a rejection ends it.
    let erin = app.user_id("erin.engineer@portico.example").await;
    let id = planned(&hal, plan("unsuspend", &[&erin])).await;
    let (_, asked) = json(hal.call_fn(RequestJob { id: id.clone(), reason: "Back from leave".into() }).await).await;
    let request = asked[0].as_str().expect("request").to_string();
    // A manager approves a change to their own people; a job's people are many, so its
    // approval is by role.
    let maria = app.session("maria.manager@portico.example").await;
    let (status, _) = decide(&maria, &request, true, "").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, rejected) = decide(&ada, &request, false, "Not this week").await;
    assert_eq!(status, StatusCode::OK, "{rejected}");
    let c = ended(&hal, &id).await;
    assert_eq!((c["done"].as_u64(), job(&hal, &id).await["status"].as_str()), (Some(0), Some("cancelled")));
    assert_eq!(app.okta_events("user.lifecycle.unsuspend", &erin).await, 0);
}

/// Nobody decides a bulk request that changes them.
#[tokio::test]
async fn an_approver_in_the_job_cannot_decide_it() {
    use crate::approvals::decide;
    let app = spawn_app().await;
    let (hal, ada) = (app.session("hal.helpdesk@portico.example").await, app.session(ADMIN).await);
    let (ed, ada_id) = (app.user_id("ed.engineer@portico.example").await, app.user_id(ADMIN).await);
    // An admin is protected: help desk cannot even plan a change to her.
    let planned_ada = planned(&hal, plan("suspend", &[&ed, &ada_id])).await;
    let rows = items(&job(&hal, &planned_ada).await);
    let ada_row = rows.iter().find(|r| r.0 == ada_id).expect("ada");
    assert_eq!(ada_row.1, "not_allowed", "{rows:?}");
    // So the request is for Ed alone. Were Ada among the people it changes (as another policy
    // could make her), she could not decide it.
    let (_, asked) = json(hal.call_fn(RequestJob { id: planned_ada.clone(), reason: "Incident".into() }).await).await;
    let request = asked[0].as_str().expect("request").to_string();
    let (_, view) = json(ada.call_fn(GetRequest { id: request.clone() }).await).await;
    assert_eq!(view["can_decide"], true, "she is listed, but not changed: {view}");
    let db = app.db().await;
    db.run("UPDATE job_items SET plan = 'needs_approval' WHERE job_id = $1", &[&planned_ada]).await;
    let (status, said) = decide(&ada, &request, true, "").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{said}");
    assert!(said["message"].as_str().unwrap_or_default().contains("one of the people"), "{said}");
}

/// Without JavaScript the list's own form opens the preview; a form that asks for nothing comes
/// back to the list saying why.
#[tokio::test]
async fn the_lists_plain_form_opens_the_preview_or_says_why_not() {
    let app = spawn_app().await;
    let ada = app.session(ADMIN).await;
    let list = format!("{}/people?department=Engineering", ada.base);
    let html = ada.client.get(&list).send().await.expect("page").text().await.expect("html");
    assert!(html.contains(r#"action="/api/jobs/plan""#) && html.contains(r#"name="ids[0]""#), "the rows can be ticked");
    let ed = app.user_id("ed.engineer@portico.example").await;
    let post = |form: Vec<(&'static str, String)>| {
        ada.client
            .post(format!("{}/api/jobs/plan", ada.base))
            .header(reqwest::header::ORIGIN, &ada.base)
            .header(reqwest::header::ACCEPT, "text/html")
            .header(reqwest::header::REFERER, &list)
            .form(&form)
            .send()
    };
    let res =
        post(vec![("verb", "unlock".into()), ("ids[3]", ed.clone()), ("all", String::new())]).await.expect("post");
    assert!(res.status().is_redirection(), "{}", res.status());
    assert!(location(&res).starts_with("/jobs/J-"), "to the preview: {}", location(&res));

    let res = post(vec![("verb", "unlock".into()), ("all", String::new())]).await.expect("post");
    assert!(res.status().is_redirection(), "a browser follows it back to the list: {}", res.status());
    let back = location(&res);
    assert!(back.starts_with(&list) && back.contains("__err="), "{back}");
    let page = ada.client.get(&back).send().await.expect("page").text().await.expect("html");
    assert!(page.contains(r#"data-testid="form-error""#) && page.contains("Select at least one person."), "{page}");
}
