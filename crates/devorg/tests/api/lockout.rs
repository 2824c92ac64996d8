//! Password guessing is stopped as Okta's default password policy stops it: ten wrong passwords
//! in a row lock the person out until someone unlocks them.

use crate::helpers::{Org, spawn_org};
use reqwest::StatusCode;
use serde_json::{Value, json};

const PASSWORD: &str = "Tr0ub4dor&3x";
const WRONG: &str = "Unable to sign in: the username or password is wrong.";
const LOCKED: &str = "Your account is locked.";

/// A new person in `status`, with the password [`PASSWORD`]: their id, login and user.
async fn person(org: &Org, status: &str) -> (String, String, Value) {
    let user = org.user_in(status).await;
    let id = user["id"].as_str().expect("id").to_string();
    let login = user["profile"]["login"].as_str().expect("login").to_string();
    (id, login, user)
}

#[tokio::test]
async fn ten_wrong_passwords_lock_the_person_out_until_unlocked() {
    let org = spawn_org().await;
    let (id, login, user) = person(&org, "ACTIVE").await;
    let status = || async { org.get(&format!("/api/v1/users/{id}")).await.ok().clone() };

    // Nine wrong, then the right one: a good sign-in starts the count again.
    for _ in 0..9 {
        let (code, page) = org.try_sign_in(&login, "guess").await;
        assert_eq!(code, StatusCode::UNAUTHORIZED);
        assert!(page.contains(WRONG), "{page}");
    }
    assert_eq!(org.try_sign_in(&login, PASSWORD).await.0, StatusCode::SEE_OTHER);
    for _ in 0..9 {
        assert!(org.try_sign_in(&login, "guess").await.1.contains(WRONG));
    }
    assert_eq!(status().await["status"], "ACTIVE", "nine in a row is not yet ten");

    // The tenth locks, and says so.
    let (code, page) = org.try_sign_in(&login, "guess").await;
    assert_eq!(code, StatusCode::UNAUTHORIZED);
    assert!(page.contains(LOCKED) && !page.contains(WRONG), "{page}");
    let locked = status().await;
    assert_eq!(locked["status"], "LOCKED_OUT");
    assert_ne!(locked["statusChanged"], user["statusChanged"]);
    assert_eq!(locked["lastUpdated"], locked["statusChanged"]);
    assert!(locked["_links"]["unlock"]["href"].as_str().is_some_and(|h| h.ends_with("/lifecycle/unlock")));

    // Locked, the right password and a wrong one get the same words: nothing about the password.
    let (right_code, right_page) = org.try_sign_in(&login, PASSWORD).await;
    let (wrong_code, wrong_page) = org.try_sign_in(&login, "guess").await;
    assert_eq!((right_code, wrong_code), (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED));
    assert!(right_page.contains(LOCKED) && wrong_page.contains(LOCKED));

    // The System Log records the lockout once.
    let filter = format!(r#"eventType eq "user.account.lock" and target.id eq "{id}""#);
    let log = org.get(&format!("/api/v1/logs?filter={}", crate::helpers::urlencode(&filter))).await;
    let events = log.ok().as_array().expect("events").clone();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["target"][0]["alternateId"], login.as_str());

    // Unlock clears the count: nine more wrong ones leave the person ACTIVE.
    org.post(&format!("/api/v1/users/{id}/lifecycle/unlock"), json!({})).await.ok();
    for _ in 0..9 {
        assert!(org.try_sign_in(&login, "guess").await.1.contains(WRONG));
    }
    assert_eq!(status().await["status"], "ACTIVE");
    assert_eq!(org.try_sign_in(&login, PASSWORD).await.0, StatusCode::SEE_OTHER);
}

/// A new password (here a reset to a temporary one) starts the count again; an expired
/// password can be locked out too, and people who cannot sign in anyway are never locked.
#[tokio::test]
async fn a_new_password_clears_the_count_and_only_people_who_can_sign_in_are_locked() {
    let org = spawn_org().await;
    let (id, login, _) = person(&org, "ACTIVE").await;
    let status = || async { org.get(&format!("/api/v1/users/{id}")).await.ok()["status"].clone() };
    for _ in 0..9 {
        org.try_sign_in(&login, "guess").await;
    }
    let reset = org.post(&format!("/api/v1/users/{id}/lifecycle/expire_password_with_temp_password"), json!({})).await;
    assert!(reset.ok()["tempPassword"].is_string());
    for _ in 0..9 {
        assert!(org.try_sign_in(&login, "guess").await.1.contains(WRONG));
    }
    assert_eq!(status().await, "PASSWORD_EXPIRED", "the reset started the count again");
    assert!(org.try_sign_in(&login, "guess").await.1.contains(LOCKED));
    assert_eq!(status().await, "LOCKED_OUT");

    let (s_id, s_login, _) = person(&org, "SUSPENDED").await;
    for _ in 0..12 {
        assert!(org.try_sign_in(&s_login, "guess").await.1.contains(WRONG));
    }
    assert_eq!(org.get(&format!("/api/v1/users/{s_id}")).await.ok()["status"], "SUSPENDED");
}
