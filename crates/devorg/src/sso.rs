//! The org's own sign-in session (Okta's `sid` cookie): after someone signs in, a later
//! `/authorize` for them skips the form unless the client asks otherwise. `prompt=login` always
//! shows the form; `max_age` shows it when the session's sign-in is older than that; `prompt=none`
//! never shows it (`login_required` instead). The ID token's `auth_time` is when the person last
//! typed their password, so a client can tell an old sign-in from a fresh one (step-up).

use crate::{OrgState, ids::random_token, ids::sha256_hex};
use axum::http::{HeaderMap, HeaderValue, header};
use std::collections::HashMap;

/// The cookie that names a session (its value is kept only as a hash).
pub const COOKIE: &str = "sid";
/// How long an org session lasts (Okta's default global session: two hours).
const LIFETIME_SECS: i64 = 2 * 3600;

/// One person's session with the org.
#[derive(Clone, Debug)]
pub struct SsoSession {
    pub user_id: String,
    /// When they last typed their password (unix seconds, the org's clock).
    pub auth_time: i64,
    /// How they authenticated (RFC 8176 values).
    pub amr: Vec<String>,
}

/// Sessions by the SHA-256 of their cookie.
pub type Sessions = HashMap<String, SsoSession>;

/// How the sign-in that issues a code was made.
#[derive(Clone, Debug)]
pub struct Authentication {
    pub auth_time: i64,
    pub amr: Vec<String>,
}

impl Authentication {
    /// Okta's `acr` for these methods: two factors or one.
    pub fn acr(&self) -> &'static str {
        if self.amr.iter().any(|m| m == "mfa") { "urn:okta:loa:2fa:any" } else { "urn:okta:loa:1fa:pwd" }
    }
}

fn cookie_value(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_string())
}

/// What `/authorize` does about the form.
#[derive(Debug, PartialEq, Eq)]
pub enum Prompt {
    /// The session is good enough: issue a code at once, as this sign-in.
    Reuse,
    /// Show the sign-in form.
    Form,
    /// `prompt=none` and no usable session.
    LoginRequired,
}

/// The session the browser brings, if it is still live and its person still active.
pub async fn current(state: &OrgState, headers: &HeaderMap) -> Option<SsoSession> {
    let hash = sha256_hex(&cookie_value(headers)?);
    let now = state.now_secs();
    let session = {
        let mut sessions = state.sso.lock().await;
        sessions.retain(|_, s| now - s.auth_time < LIFETIME_SECS);
        sessions.get(&hash).cloned()?
    };
    let active = crate::db::claims_for(&state.db, &session.user_id).await.ok().flatten().is_some_and(|c| c.active);
    active.then_some(session)
}

/// Decides `/authorize`'s answer from `prompt`, `max_age` and the session.
pub fn decide(session: Option<&SsoSession>, prompt: Option<&str>, max_age: Option<i64>, now: i64) -> Prompt {
    let prompts: Vec<&str> = prompt.unwrap_or_default().split(' ').filter(|p| !p.is_empty()).collect();
    let fresh_enough = |s: &SsoSession| max_age.is_none_or(|m| now - s.auth_time <= m);
    let usable = session.filter(|s| fresh_enough(s)).is_some();
    if prompts.contains(&"none") {
        return if usable { Prompt::Reuse } else { Prompt::LoginRequired };
    }
    if prompts.contains(&"login") || !usable { Prompt::Form } else { Prompt::Reuse }
}

/// Starts a session for someone who just signed in; the `Set-Cookie` value for it.
pub async fn start(state: &OrgState, session: SsoSession) -> Option<HeaderValue> {
    let value = random_token(32);
    state.sso.lock().await.insert(sha256_hex(&value), session);
    HeaderValue::from_str(&format!("{COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax")).ok()
}

/// Ends the browser's session (sign-out); the `Set-Cookie` value that clears it.
pub async fn end(state: &OrgState, headers: &HeaderMap) -> HeaderValue {
    if let Some(value) = cookie_value(headers) {
        state.sso.lock().await.remove(&sha256_hex(&value));
    }
    HeaderValue::from_static("sid=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(auth_time: i64) -> SsoSession {
        SsoSession { user_id: "00u1".into(), auth_time, amr: vec!["pwd".into()] }
    }

    #[test]
    fn prompt_and_max_age_decide_the_form() {
        let s = at(1000);
        assert_eq!(decide(None, None, None, 1100), Prompt::Form);
        assert_eq!(decide(Some(&s), None, None, 1100), Prompt::Reuse);
        assert_eq!(decide(Some(&s), Some("login"), None, 1100), Prompt::Form);
        assert_eq!(decide(Some(&s), None, Some(600), 1600), Prompt::Reuse, "exactly max_age old");
        assert_eq!(decide(Some(&s), None, Some(600), 1601), Prompt::Form, "older than max_age");
        assert_eq!(decide(Some(&s), Some("none"), Some(60), 1100), Prompt::LoginRequired);
        assert_eq!(decide(None, Some("none"), None, 1100), Prompt::LoginRequired);
        assert_eq!(decide(Some(&s), Some("none"), None, 1100), Prompt::Reuse);
    }

    #[test]
    fn acr_follows_the_methods() {
        let one = Authentication { auth_time: 0, amr: vec!["pwd".into()] };
        let two = Authentication { auth_time: 0, amr: vec!["pwd".into(), "otp".into(), "mfa".into()] };
        assert_eq!(one.acr(), "urn:okta:loa:1fa:pwd");
        assert_eq!(two.acr(), "urn:okta:loa:2fa:any");
    }
}
