//! Step-up: deciding a request and running a bulk job need a recent sign-in. The portal sends
//! `max_age` (then `prompt=login`) and checks `auth_time`, `amr` and `acr` itself; each
//! decision records when its maker last signed in.
use crate::approvals::{decide, request, stored_status};
use crate::helpers::{fns::*, *};
use reqwest::StatusCode;
use serde_json::{Value, json};

const HELPDESK: &str = "hal.helpdesk@portico.example";

/// Follows one redirect with the session's client.
async fn follow(s: &Session, url: &str) -> reqwest::Response {
    s.client.get(url).send().await.expect("follow")
}

/// The org's sign-in form at `authorize`: typed in as `login`; the org's answer.
async fn type_password(app: &TestApp, s: &Session, page: reqwest::Response, login: &str) -> reqwest::Response {
    assert_eq!(page.status(), StatusCode::OK, "the org asks for the password");
    let txn = form_txn(&page.text().await.expect("html"));
    s.client
        .post(format!("{}/login/signin", app.org))
        .form(&[("txn", txn.as_str()), ("username", login), ("password", PASSWORD)])
        .send()
        .await
        .expect("sign-in post")
}

/// "Confirm it's you" from `next`: the portal's redirect to the org.
async fn step_up_start(s: &Session, next: &str) -> String {
    let res = follow(s, &format!("{}/auth/login?step_up=1&next={next}", s.base)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    location(&res)
}

fn param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url).ok()?.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

async fn the_request(who: &Session, id: &str) -> Value {
    let (status, req) = json(who.call_fn(GetRequest { id: id.into() }).await).await;
    assert_eq!(status, StatusCode::OK, "{req}");
    req
}

#[tokio::test]
async fn a_stale_sign_in_is_sent_to_reauthenticate_and_a_fresh_one_decides() {
    let app = spawn_app().await;
    let desk = app.session(HELPDESK).await;
    let ada = app.session(ADMIN).await;
    let ed = app.user_id("ed.engineer@portico.example").await;
    let id = request(&desk, LifecycleOp::Suspend, &ed, "Laptop stolen").await;

    // Signed in eleven minutes ago: the page offers "Confirm it's you", not the buttons.
    app.advance_clock(chrono::Duration::minutes(11));
    let view = the_request(&ada, &id).await;
    assert_eq!((view["can_decide"].as_bool(), view["needs_step_up"].as_bool()), (Some(true), Some(true)));
    let (status, err) = decide(&ada, &id, true, "").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{err}");
    assert_eq!(err["kind"], "step_up");
    assert!(err["message"].as_str().expect("words").contains("confirm it is you"), "{err}");
    let refusals = "SELECT COUNT(*) FROM audit_events WHERE action = 'step_up' AND result = 'refused'";
    assert_eq!(app.db().await.int(refusals, &[]).await, 1, "the refusal is audited");
    assert_eq!(stored_status(&app.db().await, &id).await, "pending", "nothing was decided");

    // The portal asks the org for a sign-in at most ten minutes old: hers is older, so the org
    // asks for the password, and she comes back to the request.
    let authorize = step_up_start(&ada, &format!("/requests/{id}")).await;
    assert_eq!(param(&authorize, "max_age").as_deref(), Some("600"));
    assert_eq!(param(&authorize, "prompt"), None, "max_age first; prompt=login only when needed");
    let signed = type_password(&app, &ada, follow(&ada, &authorize).await, ADMIN).await;
    let back = follow(&ada, &location(&signed)).await;
    assert_eq!(location(&back), format!("/requests/{id}"));

    assert_eq!(the_request(&ada, &id).await["needs_step_up"], false);
    let (status, done) = decide(&ada, &id, true, "Confirmed with Ed's manager").await;
    assert_eq!(status, StatusCode::OK, "{done}");
    let signed_in_at = done["decisions"][0]["signed_in_at"].as_str().expect("the sign-in time is recorded");
    let stored = "SELECT COUNT(*) FROM request_decisions WHERE request_id = $1 AND signed_in_at IS NOT NULL";
    assert_eq!(app.db().await.int(stored, &[&id]).await, 1, "kept with the decision");
    let at = chrono::DateTime::parse_from_rfc3339(signed_in_at).expect("time");
    let now = portico_core::Clock::controlled(&app.data_dir).now();
    assert!(now.signed_duration_since(at) < chrono::Duration::minutes(1), "the fresh sign-in: {at} vs {now}");
}

#[tokio::test]
async fn running_a_bulk_job_needs_a_recent_sign_in_too() {
    let app = spawn_app().await;
    let ada = app.session(ADMIN).await;
    let ed = app.user_id("ed.engineer@portico.example").await;
    let args = PlanJob {
        verb: "suspend".into(),
        group: None,
        all: None,
        query: None,
        ids: Some(vec![ed.clone()]),
        from_group: None,
    };
    let (status, job) = json(ada.call_fn(args).await).await;
    assert_eq!(status, StatusCode::OK, "{job}");
    let job = job.as_str().expect("id").to_string();
    app.advance_clock(chrono::Duration::minutes(11));
    let (_, view) = json(ada.call_fn(GetJob { id: job.clone(), after: None }).await).await;
    assert_eq!(view["needs_step_up"], true);
    let (status, err) = json(ada.call_fn(StartJob { id: job.clone(), confirm: Some("1".into()) }).await).await;
    assert_eq!((status, err["kind"].as_str()), (StatusCode::UNAUTHORIZED, Some("step_up")), "{err}");

    let authorize = step_up_start(&ada, &format!("/jobs/{job}")).await;
    let signed = type_password(&app, &ada, follow(&ada, &authorize).await, ADMIN).await;
    follow(&ada, &location(&signed)).await;
    let (status, started) = json(ada.call_fn(StartJob { id: job, confirm: Some("1".into()) }).await).await;
    assert_eq!(status, StatusCode::OK, "{started}");
}

#[tokio::test]
async fn configured_amr_and_acr_are_checked_and_prompt_login_follows_an_old_sign_in() {
    let app = spawn_app_with(|c| {
        c.approvals.step_up_amr = vec!["mfa".into()];
        c.approvals.step_up_acr = Some("urn:okta:loa:2fa:any".into());
    })
    .await;
    let desk = app.session(HELPDESK).await;
    let ada = app.session(ADMIN).await;
    let ed = app.user_id("ed.engineer@portico.example").await;
    let id = request(&desk, LifecycleOp::Suspend, &ed, "Laptop stolen").await;

    // A fresh sign-in with a password alone does not do.
    assert_eq!(the_request(&ada, &id).await["needs_step_up"], true);
    let (status, err) = decide(&ada, &id, true, "").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{err}");
    assert!(err["message"].as_str().expect("words").contains("did not use mfa"), "{err}");

    // The portal asks for the level; the org's session is recent, so it answers at once, still
    // with a password alone: the portal asks again with prompt=login, and then refuses.
    let authorize = step_up_start(&ada, &format!("/requests/{id}")).await;
    assert_eq!(param(&authorize, "acr_values").as_deref(), Some("urn:okta:loa:2fa:any"));
    let reused = follow(&ada, &authorize).await;
    assert_eq!(reused.status(), StatusCode::SEE_OTHER, "the org's session answers without the form");
    let again = follow(&ada, &location(&reused)).await;
    let again = location(&again);
    assert_eq!(param(&again, "prompt").as_deref(), Some("login"), "{again}");
    let signed = type_password(&app, &ada, follow(&ada, &again).await, ADMIN).await;
    let refused = follow(&ada, &location(&signed)).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(refused.text().await.expect("page").contains("did not confirm a recent sign-in"));

    // With a second factor (the org is told which methods its sign-ins use), it decides.
    app.control("oidc", json!({ "amr": ["pwd", "otp", "mfa"] })).await;
    let authorize = step_up_start(&ada, &format!("/requests/{id}")).await;
    let again = location(&follow(&ada, &location(&follow(&ada, &authorize).await)).await);
    let signed = type_password(&app, &ada, follow(&ada, &again).await, ADMIN).await;
    let back = follow(&ada, &location(&signed)).await;
    assert_eq!(location(&back), format!("/requests/{id}"));
    let (status, done) = decide(&ada, &id, true, "").await;
    assert_eq!(status, StatusCode::OK, "{done}");
}
