//! Email over a real SMTP server (PyPI's aiosmtpd, run by the testkit): each person who may
//! decide a request is asked by mail, and its requester hears of every decision and outcome;
//! reminders, escalation and break-glass on the engine's clock.
use crate::approvals::{decide, request, stored_status, wait_for};
use crate::helpers::{fns::*, *};
use portico_core::{
    Secret,
    config::{EmailConfig, SmtpTls},
};
use portico_testkit::smtp::{Received, SmtpServer};
use reqwest::StatusCode;

const HELPDESK: &str = "hal.helpdesk@portico.example";
const MARIA: &str = "maria.manager@portico.example";
const SUSPEND: &str = "user.lifecycle.suspend";

fn email(port: u16, tls: SmtpTls, auth: Option<(&str, &str)>) -> EmailConfig {
    EmailConfig {
        host: "127.0.0.1".into(),
        port,
        tls,
        username: auth.map(|a| a.0.to_string()),
        password: auth.map(|a| Secret::new(a.1)),
        from: "Portico <portico@portico.example>".into(),
        timeout_seconds: 10,
    }
}

/// The mails sent to `to`, in order.
fn to<'a>(mails: &'a [Received], to: &str) -> Vec<&'a Received> {
    mails.iter().filter(|m| m.to == [to.to_string()]).collect()
}

fn subject(m: &Received) -> String {
    m.header("subject").unwrap_or_default()
}

#[tokio::test]
async fn approvers_are_asked_by_mail_and_the_requester_hears_every_decision_and_outcome() {
    let smtp = SmtpServer::start(Some(("portico", "smtp-secret"))).expect("aiosmtpd starts");
    let port = smtp.port;
    let app =
        spawn_app_with(move |c| c.email = Some(email(port, SmtpTls::None, Some(("portico", "smtp-secret"))))).await;
    let desk = app.session(HELPDESK).await;
    let ed = app.user_id("ed.engineer@portico.example").await;
    let id = request(&desk, LifecycleOp::Suspend, &ed, "Laptop stolen").await;

    // Asked: each person who may decide it now (the admin, Ed's manager), and nobody else.
    let mails = smtp.wait_for(2).await;
    let mut asked: Vec<String> = mails.iter().flat_map(|m| m.to.clone()).collect();
    asked.sort();
    assert_eq!(asked, [ADMIN, MARIA]);
    for m in &mails {
        assert_eq!(m.login.as_deref(), Some("portico"), "the configured credentials were used");
        assert!(subject(m).starts_with("Approval needed: Suspend"), "{}", subject(m));
        assert!(subject(m).contains(&id));
        assert!(m.data.contains(&format!("{}/requests/{id}", app.base)), "a link to the request: {}", m.data);
        assert!(m.data.contains("Laptop stolen"));
        assert_eq!(m.header("from").as_deref(), Some("Portico <portico@portico.example>"));
    }

    // Maria approves; it runs: Hal hears of both.
    let maria = app.session(MARIA).await;
    assert_eq!(decide(&maria, &id, true, "").await.0, StatusCode::OK);
    wait_for(&app.db().await, &id, "done").await;
    let mails = smtp.wait_for(4).await;
    let hal = to(&mails, HELPDESK);
    assert_eq!(hal.len(), 2, "{:?}", mails.iter().map(subject).collect::<Vec<_>>());
    assert!(hal[0].data.contains("gave the last approval"), "{}", hal[0].data);
    assert!(subject(hal[1]).contains("done"), "{}", subject(hal[1]));
    assert!(hal[1].data.contains("It ran"), "{}", hal[1].data);

    // A rejection reaches him with its reason.
    let erin = app.user_id("erin.engineer@portico.example").await;
    let id = request(&desk, LifecycleOp::Unsuspend, &erin, "Back from leave").await;
    smtp.wait_for(6).await;
    let ada = app.session(ADMIN).await;
    assert_eq!(decide(&ada, &id, false, "Leave ends next week").await.0, StatusCode::OK);
    let mails = smtp.wait_for(7).await;
    let last = mails.last().expect("mail");
    assert_eq!(last.to, [HELPDESK]);
    assert!(subject(last).contains("rejected"), "{}", subject(last));
    assert!(last.data.contains("Leave ends next week"), "{}", last.data);
}

#[tokio::test]
async fn a_server_that_cannot_do_starttls_gets_no_mail_and_the_mail_waits_for_a_retry() {
    let smtp = SmtpServer::start(None).expect("aiosmtpd starts");
    let port = smtp.port;
    let app = spawn_app_with(move |c| c.email = Some(email(port, SmtpTls::Starttls, None))).await;
    let desk = app.session(HELPDESK).await;
    let ed = app.user_id("ed.engineer@portico.example").await;
    request(&desk, LifecycleOp::Suspend, &ed, "Laptop stolen").await;
    let db = app.db().await;
    let tried = "SELECT COUNT(*) FROM notifications WHERE channel = 'email' AND attempts >= 1 AND done = 0";
    for _ in 0..100 {
        if db.int(tried, &[]).await == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(db.int(tried, &[]).await, 2, "both mails were tried and wait for another attempt");
    assert!(smtp.received().is_empty(), "nothing was sent in clear text");
}

#[tokio::test]
async fn a_reminder_at_half_time_then_escalation_to_the_approvers_manager_who_decides() {
    let smtp = SmtpServer::start(None).expect("aiosmtpd starts");
    let port = smtp.port;
    let app = spawn_app_with(move |c| {
        c.email = Some(email(port, SmtpTls::None, None));
        c.approvals.poll_ms = 100;
    })
    .await;
    let desk = app.session(HELPDESK).await;
    let ivy = app.user_id("ivy.intern@portico.example").await;
    let id = request(&desk, LifecycleOp::Suspend, &ivy, "Badge lost").await;
    let asked = smtp.wait_for(2).await;
    let mut asked: Vec<String> = asked.iter().flat_map(|m| m.to.clone()).collect();
    asked.sort();
    assert_eq!(asked, [ADMIN, "ed.engineer@portico.example"], "the admin and Ivy's manager, Ed");

    // Half of its 72 hours: each of them is reminded, once.
    app.advance_clock(chrono::Duration::hours(36));
    let mails = smtp.wait_for(4).await;
    for m in &mails[2..] {
        assert!(subject(m).starts_with("Reminder: approval needed"), "{}", subject(m));
    }
    let db = app.db().await;
    assert_eq!(audited(&db, "request.remind", "ok", &id).await, 1);

    // Its deadline: instead of expiring it goes to the manager of each who could decide it (Ed's
    // manager, Maria; Ada has none), and Hal hears where it went.
    app.advance_clock(chrono::Duration::hours(36));
    let mails = smtp.wait_for(6).await;
    let maria_mail = to(&mails, MARIA);
    assert_eq!(maria_mail.len(), 1);
    assert!(subject(maria_mail[0]).starts_with("Escalated to you"), "{}", subject(maria_mail[0]));
    assert!(to(&mails, HELPDESK)[0].data.contains("went to Maria Manager"));
    assert_eq!(audited(&db, "request.escalate", "ok", &id).await, 1);
    assert_eq!(stored_status(&db, &id).await, "pending", "escalated, not expired");
    assert_eq!(audited(&db, "request.remind", "ok", &id).await, 1, "reminded once");

    // Maria manages neither Ivy nor anyone here, but the escalation names her: she decides, and
    // the executor accepts her word.
    let maria = app.session(MARIA).await;
    let (_, me) = json(maria.call_fn(portico_app::me::server::GetMe {}).await).await;
    assert_eq!(me["nav"]["waiting"], 1);
    let (_, view) = json(maria.call_fn(GetRequest { id: id.clone() }).await).await;
    assert!(view["approvers"].as_array().expect("names").iter().any(|n| n == "Maria Manager"), "{view}");
    assert_eq!(decide(&maria, &id, true, "Confirmed with Ed").await.0, StatusCode::OK);
    wait_for(&db, &id, "done").await;
    assert_eq!(app.okta_events(SUSPEND, &ivy).await, 1);

    // Nobody who could decide has a manager (Ada, and Ed's manager Maria): it goes to the
    // policy's fallback group, Portico Admins; escalated and still undecided at the
    // escalation's end, it expires.
    let ed = app.user_id("ed.engineer@portico.example").await;
    let desk = app.session(HELPDESK).await;
    let id = request(&desk, LifecycleOp::Suspend, &ed, "Badge lost").await;
    app.advance_clock(chrono::Duration::hours(72));
    for _ in 0..100 {
        if audited(&db, "request.escalate", "ok", &id).await == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let to = db.text("SELECT escalated_to FROM requests WHERE id = $1", &[&id]).await.expect("escalated");
    assert!(to.contains("Ada Admin") && !to.contains("Maria"), "the fallback group's members: {to}");
    app.advance_clock(chrono::Duration::hours(24));
    wait_for(&db, &id, "expired").await;
}

#[tokio::test]
async fn with_nobody_to_escalate_to_a_request_expires_saying_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = dir.path().join("policy.toml");
    let rule = "[actions.suspend]\nrequest = [\"helpdesk\"]\nstages = [{ approvers = [\"admin\"] }]\n\
                escalate = { to = \"group:Nobody Here\" }\n";
    std::fs::write(&policy, rule).expect("write");
    let app = spawn_app_with(move |c| {
        c.approvals.policy_file = Some(policy);
        c.approvals.poll_ms = 100;
    })
    .await;
    let desk = app.session(HELPDESK).await;
    let ed = app.user_id("ed.engineer@portico.example").await;
    let id = request(&desk, LifecycleOp::Suspend, &ed, "Badge lost").await;
    app.advance_clock(chrono::Duration::hours(72));
    let db = app.db().await;
    wait_for(&db, &id, "expired").await;
    assert_eq!(audited(&db, "request.escalate", "failed", &id).await, 1, "nobody to escalate to, said once");
}

fn emergency(op: LifecycleOp, target: &str, reason: &str) -> BreakGlass {
    BreakGlass {
        action: PolicyAction::Lifecycle(op),
        target: target.into(),
        reason: reason.into(),
        group: None,
        add: None,
        status: None,
        changes: None,
    }
}

#[tokio::test]
async fn break_glass_runs_once_tells_reviewers_at_once_and_its_review_shows_overdue_until_done() {
    let smtp = SmtpServer::start(None).expect("aiosmtpd starts");
    let port = smtp.port;
    let app = spawn_app_with(move |c| {
        c.email = Some(email(port, SmtpTls::None, None));
        c.approvals.poll_ms = 100;
        c.break_glass.group = Some("Portico Help Desk".into());
        c.break_glass.review_hours = 24;
    })
    .await;
    let (desk, maria) = (app.session(HELPDESK).await, app.session(MARIA).await);
    let ed = app.user_id("ed.engineer@portico.example").await;
    let db = app.db().await;

    // Only the break-glass group may: Maria may request a suspension, not break glass (audited).
    let (status, _) = json(maria.call_fn(emergency(LifecycleOp::Suspend, &ed, "Phished")).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let refused = "SELECT COUNT(*) FROM audit_events WHERE action = 'request.break_glass' AND result = 'refused'";
    assert_eq!(db.int(refused, &[]).await, 1);
    // A reason is always needed.
    let (status, _) = json(desk.call_fn(emergency(LifecycleOp::Suspend, &ed, "  ")).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Hal breaks glass: it runs at once, once, and the reviewers (the admins) are told at once.
    let (status, req) =
        json(desk.call_fn(emergency(LifecycleOp::Suspend, &ed, "Account phished, active session")).await).await;
    assert_eq!(status, StatusCode::OK, "{req}");
    let id = req["id"].as_str().expect("id").to_string();
    assert_eq!(req["status"], "approved", "no approval waited for");
    wait_for(&db, &id, "done").await;
    assert_eq!(app.okta_events(SUSPEND, &ed).await, 1, "run once");
    assert_eq!(audited(&db, "request.break_glass", "ok", &id).await, 1);
    let mails = smtp.wait_for(2).await;
    let told = to(&mails, ADMIN);
    assert_eq!(told.len(), 1, "the admins, once");
    assert!(subject(told[0]).starts_with("Break-glass: Suspend"), "{}", subject(told[0]));
    assert!(told[0].data.contains("Account phished"));
    assert!(subject(to(&mails, HELPDESK)[0]).contains("done"), "Hal hears it ran");

    // The review waits on the home page of reviewers and auditors.
    let ada = app.session(ADMIN).await;
    let (_, open) = json(ada.call_fn(OpenReviews {}).await).await;
    assert_eq!((open[0]["id"].as_str(), open[0]["break_glass"]["overdue"].as_bool()), (Some(id.as_str()), Some(false)));
    let (_, none) = json(maria.call_fn(OpenReviews {}).await).await;
    assert_eq!(none, serde_json::json!([]), "not for someone who neither reviews nor audits");

    // Unanswered past its time: overdue, once, in the audit trail, and the reviewers are told.
    app.advance_clock(chrono::Duration::hours(25));
    for _ in 0..100 {
        if audited(&db, "request.review_overdue", "failed", &id).await == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(audited(&db, "request.review_overdue", "failed", &id).await, 1);
    let mails = smtp.wait_for(3).await;
    let told = to(&mails, ADMIN);
    assert!(subject(told[1]).starts_with("Overdue: review of break-glass"), "{}", subject(told[1]));
    let (ada, audrey) = (app.session(ADMIN).await, app.session("audrey.auditor@portico.example").await);
    let (_, open) = json(audrey.call_fn(OpenReviews {}).await).await;
    assert_eq!(open[0]["break_glass"]["overdue"], true);

    // Someone else reviews it; Hal cannot review his own.
    let desk = app.session(HELPDESK).await;
    let review = |sound: bool| ReviewBreakGlass { id: id.clone(), sound, comment: "Phishing confirmed by SOC".into() };
    assert_eq!(json(desk.call_fn(review(true)).await).await.0, StatusCode::FORBIDDEN);
    let (status, done) = json(ada.call_fn(review(true)).await).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert!(done["break_glass"]["review"].as_str().expect("review").contains("found it justified"));
    let (_, open) = json(ada.call_fn(OpenReviews {}).await).await;
    assert_eq!(open, serde_json::json!([]));
    let mails = smtp.wait_for(4).await;
    let hal = to(&mails, HELPDESK);
    assert!(hal[1].data.contains("reviewed your break-glass action: justified"), "{}", hal[1].data);

    // Break-glass needs a recent sign-in.
    app.advance_clock(chrono::Duration::minutes(11));
    let erin = app.user_id("erin.engineer@portico.example").await;
    let (status, err) = json(desk.call_fn(emergency(LifecycleOp::Unsuspend, &erin, "Locked out CEO")).await).await;
    assert_eq!((status, err["kind"].as_str()), (StatusCode::UNAUTHORIZED, Some("step_up")), "{err}");
}

#[tokio::test]
async fn access_reviewers_are_reminded_at_each_reminder_time_once_and_undecided_items_escalate() {
    let smtp = SmtpServer::start(None).expect("aiosmtpd starts");
    let port = smtp.port;
    let app = spawn_app_with(move |c| c.email = Some(email(port, SmtpTls::None, None))).await;
    let admin = app.session(ADMIN).await;
    let maria_id = app.user_id(MARIA).await;
    let due = (portico_core::Clock::controlled(&app.data_dir).now() + chrono::Duration::days(2))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let ask = CreateReview {
        name: "Quarterly".into(),
        scope: "managers".into(),
        scope_ids: vec![maria_id],
        fallback_group: "Portico Admins".into(),
        due,
        zone: "UTC".into(),
        remind_hours: "36, 12".into(),
    };
    let (status, id) = json(admin.call_fn(ask).await).await;
    assert_eq!(status, StatusCode::OK, "{id}");
    // 36 hours before the due date, then 12 hours before: Maria hears each time, once.
    app.advance_clock(chrono::Duration::hours(13));
    let mails = smtp.wait_for(1).await;
    let reminded = to(&mails, MARIA);
    assert_eq!(reminded.len(), 1);
    assert!(subject(reminded[0]).contains("Reminder: access review"), "{}", subject(reminded[0]));
    assert!(reminded[0].data.contains(&format!("{}/reviews", app.base)));
    app.advance_clock(chrono::Duration::hours(24));
    assert_eq!(to(&smtp.wait_for(2).await, MARIA).len(), 2);
    // Past the due date every item escalates to Maria's manager; she has none, so the fallback
    // group, whose members are not mailed one by one. Nothing more reaches Maria.
    app.advance_clock(chrono::Duration::days(2));
    let db = app.db().await;
    let id = id.as_str().expect("id").to_string();
    for _ in 0..300 {
        if db.int("SELECT COUNT(*) FROM review_items WHERE campaign_id = $1 AND escalated_at IS NULL", &[&id]).await
            == 0
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        db.int("SELECT COUNT(*) FROM review_items WHERE campaign_id = $1 AND escalated_at IS NULL", &[&id]).await,
        0
    );
    assert_eq!(
        db.text("SELECT DISTINCT reviewer_id FROM review_items WHERE campaign_id = $1", &[&id]).await.as_deref(),
        Some("group:Portico Admins")
    );
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(to(&smtp.received(), MARIA).len(), 2, "each reminder once");
}
