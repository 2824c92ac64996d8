//! An OpenID provider shaped like Okta's org authorization server (`/oauth2/v1/*`):
//! authorization code flow with mandatory PKCE (S256), RS256 ID tokens, userinfo, RP-initiated
//! logout. Errors follow RFC 6749: redirected to the client once its redirect URI is trusted,
//! shown as a page before that.

use crate::{
    OrgState, PORTAL_CLIENT_ID,
    control::IdTokenFault,
    db, html,
    ids::{random_token, sha256_hex},
};
use axum::{
    Form, Json,
    extract::{Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Redirect, Response},
};
use base64::{Engine, engine::general_purpose::STANDARD, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::{
    sync::Arc,
    time::{Duration, Instant},
};
use url::Url;

const TXN_LIFETIME: Duration = Duration::from_secs(600);
const CODE_LIFETIME: Duration = Duration::from_secs(120);
const TOKEN_LIFETIME_SECS: i64 = 3600;

pub struct PendingAuthorization {
    redirect_uri: String,
    scope: String,
    state: String,
    nonce: Option<String>,
    code_challenge: String,
    created: Instant,
}

pub struct IssuedCode {
    user_id: String,
    /// The sign-in the code stands for (a fresh one, or the org session's).
    auth: crate::sso::Authentication,
    redirect_uri: String,
    scope: String,
    nonce: Option<String>,
    code_challenge: String,
    created: Instant,
}

pub struct AccessGrant {
    user_id: String,
    scope: String,
    expires: Instant,
}

fn issuer(state: &OrgState) -> String {
    state.issuer.as_str().trim_end_matches('/').to_string()
}

pub async fn discovery(State(state): State<Arc<OrgState>>) -> Json<serde_json::Value> {
    let iss = issuer(&state);
    Json(json!({
        "issuer": iss,
        "authorization_endpoint": format!("{iss}/oauth2/v1/authorize"),
        "token_endpoint": format!("{iss}/oauth2/v1/token"),
        "userinfo_endpoint": format!("{iss}/oauth2/v1/userinfo"),
        "jwks_uri": format!("{iss}/oauth2/v1/keys"),
        "end_session_endpoint": format!("{iss}/oauth2/v1/logout"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "client_credentials"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "profile", "email", "groups"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt"],
        "claims_supported": ["iss", "sub", "aud", "iat", "exp", "auth_time", "amr", "acr", "nonce", "name",
            "email", "preferred_username", "groups"],
        "code_challenge_methods_supported": ["S256"],
        "request_parameter_supported": false,
    }))
}

pub async fn jwks(State(state): State<Arc<OrgState>>) -> Response {
    let mut res = Json(state.keys.jwks()).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("max-age=300"));
    res
}

fn error_page(status: StatusCode, message: &str) -> Response {
    let body = html::page(
        "Sign-in error",
        &format!(
            "<h1>Something is wrong with this sign-in request</h1><p class=\"error\">{}</p>",
            html::escape(message)
        ),
    );
    let mut res = (status, Html(body)).into_response();
    res.headers_mut().insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    res
}

/// Sends an OAuth error back to a trusted redirect URI.
fn redirect_error(redirect_uri: &str, error: &str, description: &str, state: &str) -> Response {
    match Url::parse(redirect_uri) {
        Ok(mut url) => {
            url.query_pairs_mut()
                .append_pair("error", error)
                .append_pair("error_description", description)
                .append_pair("state", state);
            Redirect::to(url.as_str()).into_response()
        }
        Err(_) => error_page(StatusCode::BAD_REQUEST, description),
    }
}

#[derive(Deserialize)]
pub struct AuthorizeParams {
    client_id: Option<String>,
    redirect_uri: Option<String>,
    response_type: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    nonce: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    login_hint: Option<String>,
    /// `login` (always ask for the password), `none` (never ask).
    prompt: Option<String>,
    /// Seconds: ask for the password again when the session's sign-in is older.
    max_age: Option<String>,
}

pub async fn authorize(
    State(state): State<Arc<OrgState>>,
    headers: HeaderMap,
    Query(p): Query<AuthorizeParams>,
) -> Response {
    if p.client_id.as_deref() != Some(PORTAL_CLIENT_ID) {
        return error_page(StatusCode::BAD_REQUEST, "The client_id is not registered with this org.");
    }
    let Some(redirect_uri) = p.redirect_uri.filter(|r| state.redirect_uris.contains(r)) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "The redirect_uri is not registered for this client (it must match exactly).",
        );
    };
    let client_state = p.state.unwrap_or_default();
    if client_state.is_empty() {
        return redirect_error(&redirect_uri, "invalid_request", "The state parameter is required.", "");
    }
    if p.response_type.as_deref() != Some("code") {
        return redirect_error(
            &redirect_uri,
            "unsupported_response_type",
            "Only response_type=code is supported.",
            &client_state,
        );
    }
    let scope = p.scope.unwrap_or_default();
    if !scope.split(' ').any(|s| s == "openid") {
        return redirect_error(&redirect_uri, "invalid_scope", "The openid scope is required.", &client_state);
    }
    let Some(code_challenge) = p.code_challenge.filter(|c| (43..=128).contains(&c.len())) else {
        return redirect_error(
            &redirect_uri,
            "invalid_request",
            "PKCE is required: send a code_challenge.",
            &client_state,
        );
    };
    if p.code_challenge_method.as_deref() != Some("S256") {
        return redirect_error(
            &redirect_uri,
            "invalid_request",
            "PKCE code_challenge_method must be S256.",
            &client_state,
        );
    }
    let max_age = match p.max_age.as_deref().map(str::parse::<i64>) {
        None => None,
        Some(Ok(m)) if m >= 0 => Some(m),
        Some(_) => {
            return redirect_error(
                &redirect_uri,
                "invalid_request",
                "max_age must be a number of seconds.",
                &client_state,
            );
        }
    };
    let session = crate::sso::current(&state, &headers).await;
    let prompt = crate::sso::decide(session.as_ref(), p.prompt.as_deref(), max_age, state.now_secs());
    if prompt == crate::sso::Prompt::LoginRequired {
        return redirect_error(
            &redirect_uri,
            "login_required",
            "The user is not signed in, or not recently enough.",
            &client_state,
        );
    }
    let return_origin = origin_of(&redirect_uri);
    let pending = PendingAuthorization {
        redirect_uri,
        scope,
        state: client_state,
        nonce: p.nonce,
        code_challenge,
        created: Instant::now(),
    };
    // The org's session does: a code at once, standing for that session's sign-in.
    if let (crate::sso::Prompt::Reuse, Some(s)) = (prompt, session) {
        let auth = crate::sso::Authentication { auth_time: s.auth_time, amr: s.amr };
        return issue_code(&state, pending, s.user_id, auth).await;
    }
    let txn = random_token(32);
    {
        let mut waiting = state.pending.lock().await;
        waiting.retain(|_, p| p.created.elapsed() < TXN_LIFETIME);
        waiting.insert(txn.clone(), pending);
    }
    sign_in_page(StatusCode::OK, &txn, p.login_hint.as_deref().unwrap_or(""), None, &return_origin)
}

/// `scheme://host:port` of a redirect URI: the sign-in form's CSP must let the post redirect
/// there (browsers apply `form-action` to the redirects that follow a form submission).
fn origin_of(uri: &str) -> String {
    Url::parse(uri).map(|u| u.origin().ascii_serialization()).unwrap_or_default()
}

fn sign_in_page(status: StatusCode, txn: &str, username: &str, error: Option<&str>, return_origin: &str) -> Response {
    let hint = format!(
        "<details><summary>Demo accounts</summary><p>Sign in as <code>{}</code> (admin), \
         <code>hal.helpdesk@{d}</code>, <code>audrey.auditor@{d}</code> or <code>maria.manager@{d}</code> \
         with the password <code>{}</code>.</p></details>",
        crate::seed::ADMIN_LOGIN,
        crate::seed::DEMO_PASSWORD,
        d = crate::seed::DOMAIN,
    );
    let mut res = (status, Html(html::sign_in_form(txn, username, error, &hint))).into_response();
    let headers = res.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    let csp = format!(
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' {return_origin}; frame-ancestors 'none'"
    );
    if let Ok(v) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    res
}

#[derive(Deserialize)]
pub struct SignInForm {
    txn: String,
    username: String,
    password: String,
}

enum SignInOutcome {
    Ok(String),
    BadCredentials,
    Locked,
    PasswordExpired,
}

async fn check_credentials(state: &OrgState, login: &str, password: &str) -> anyhow::Result<SignInOutcome> {
    let Some(record) = db::find_for_sign_in(&state.db, login).await? else {
        return Ok(SignInOutcome::BadCredentials);
    };
    let Some(hash) = record.password_hash else {
        return Ok(SignInOutcome::BadCredentials);
    };
    let matches = crate::passwords::verify(Some(hash), password.to_string()).await;
    // A locked account says so whatever was typed, so the answer tells a guesser nothing about
    // the password; other statuses are revealed only to someone who knows it, as Okta does.
    Ok(match (matches, record.status.as_str()) {
        (_, "LOCKED_OUT") => SignInOutcome::Locked,
        (false, status) => {
            if matches!(status, "ACTIVE" | "PASSWORD_EXPIRED")
                && db::failed_sign_in(&state.db, &record.id, state.lockout_attempts, &state.now()).await?
            {
                let profile = serde_json::from_str(&record.profile).unwrap_or_default();
                let (who, name) = crate::api::logs::target_of(&profile);
                tracing::info!(login = %who, "locked out after {} failed sign-ins", state.lockout_attempts);
                crate::api::logs::record(state, "user.account.lock", &record.id, &who, &name).await;
                return Ok(SignInOutcome::Locked);
            }
            SignInOutcome::BadCredentials
        }
        (true, "ACTIVE") => {
            db::signed_in(&state.db, &record.id, &state.now()).await?;
            SignInOutcome::Ok(record.id)
        }
        (true, "PASSWORD_EXPIRED") => SignInOutcome::PasswordExpired,
        (true, _) => SignInOutcome::BadCredentials,
    })
}

pub async fn sign_in(State(state): State<Arc<OrgState>>, Form(form): Form<SignInForm>) -> Response {
    let return_origin = {
        let pending = state.pending.lock().await;
        pending.get(&form.txn).filter(|p| p.created.elapsed() < TXN_LIFETIME).map(|p| origin_of(&p.redirect_uri))
    };
    let Some(return_origin) = return_origin else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "This sign-in page has expired. Go back to the application and sign in again.",
        );
    };
    let login = form.username.trim();
    let outcome = match check_credentials(&state, login, &form.password).await {
        Ok(o) => o,
        Err(e) => {
            tracing::error!(error = %e, "sign-in check failed");
            return error_page(StatusCode::INTERNAL_SERVER_ERROR, "Sign-in is unavailable right now. Try again.");
        }
    };
    let user_id = match outcome {
        SignInOutcome::Ok(id) => id,
        SignInOutcome::BadCredentials => {
            return sign_in_page(
                StatusCode::UNAUTHORIZED,
                &form.txn,
                login,
                Some("Unable to sign in: the username or password is wrong."),
                &return_origin,
            );
        }
        SignInOutcome::Locked => {
            return sign_in_page(
                StatusCode::UNAUTHORIZED,
                &form.txn,
                login,
                Some("Your account is locked. Contact your help desk to unlock it."),
                &return_origin,
            );
        }
        SignInOutcome::PasswordExpired => {
            return sign_in_page(
                StatusCode::UNAUTHORIZED,
                &form.txn,
                login,
                Some("Your password has expired. Contact your help desk to reset it."),
                &return_origin,
            );
        }
    };
    let Some(txn) = state.pending.lock().await.remove(&form.txn) else {
        return error_page(StatusCode::BAD_REQUEST, "This sign-in was already completed.");
    };
    if let Err(e) = db::record_sign_in(&state.db, &user_id, &state.now()).await {
        tracing::warn!(error = %e, "could not record last sign-in");
    }
    let amr = match &state.control {
        Some(control) => control.lock().await.amr.clone(),
        None => None,
    }
    .unwrap_or_else(|| vec!["pwd".to_string()]);
    let auth = crate::sso::Authentication { auth_time: state.now_secs(), amr };
    let session = crate::sso::SsoSession { user_id: user_id.clone(), auth_time: auth.auth_time, amr: auth.amr.clone() };
    let cookie = crate::sso::start(&state, session).await;
    let mut res = issue_code(&state, txn, user_id, auth).await;
    if let Some(cookie) = cookie {
        res.headers_mut().append(header::SET_COOKIE, cookie);
    }
    res
}

/// Sends the browser back to the client with a fresh single-use code for this sign-in.
async fn issue_code(
    state: &OrgState,
    txn: PendingAuthorization,
    user_id: String,
    auth: crate::sso::Authentication,
) -> Response {
    let code = random_token(43);
    let mut target = match Url::parse(&txn.redirect_uri) {
        Ok(u) => u,
        Err(_) => return error_page(StatusCode::BAD_REQUEST, "The redirect_uri is invalid."),
    };
    target.query_pairs_mut().append_pair("code", &code).append_pair("state", &txn.state);
    {
        let mut codes = state.codes.lock().await;
        codes.retain(|_, c| c.created.elapsed() < CODE_LIFETIME);
        codes.insert(
            code,
            IssuedCode {
                user_id,
                auth,
                redirect_uri: txn.redirect_uri,
                scope: txn.scope,
                nonce: txn.nonce,
                code_challenge: txn.code_challenge,
                created: Instant::now(),
            },
        );
    }
    Redirect::to(target.as_str()).into_response()
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut res = (status, Json(json!({ "error": error, "error_description": description }))).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if status == StatusCode::UNAUTHORIZED {
        res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"oauth2\""));
    }
    res
}

#[derive(Deserialize)]
pub struct TokenForm {
    grant_type: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    scope: Option<String>,
    client_assertion_type: Option<String>,
    client_assertion: Option<String>,
}

/// Client credentials from HTTP Basic (form-urlencoded parts, RFC 6749 §2.3.1) or the body.
fn client_credentials(headers: &HeaderMap, form: &TokenForm) -> Option<(String, String)> {
    if let Some(basic) =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Basic "))
    {
        let decoded = String::from_utf8(STANDARD.decode(basic.trim()).ok()?).ok()?;
        let (id, secret) = decoded.split_once(':')?;
        let unescape =
            |s: &str| url::form_urlencoded::parse(format!("x={s}").as_bytes()).next().map(|(_, v)| v.into_owned());
        return Some((unescape(id)?, unescape(secret)?));
    }
    Some((form.client_id.clone()?, form.client_secret.clone()?))
}

pub async fn token(State(state): State<Arc<OrgState>>, headers: HeaderMap, Form(form): Form<TokenForm>) -> Response {
    if form.grant_type.as_deref() == Some("client_credentials") {
        // A DPoP header matters only to apps that require DPoP: the Node SDK sends one even when
        // DPoP is not configured.
        let used_secret = headers.contains_key(header::AUTHORIZATION) || form.client_secret.is_some();
        let dpop = headers.get("dpop").and_then(|v| v.to_str().ok());
        return crate::service_apps::client_credentials(
            &state,
            dpop,
            form.client_assertion_type.as_deref(),
            form.client_assertion.as_deref(),
            form.scope.as_deref(),
            used_secret,
        )
        .await;
    }
    let Some((client_id, secret)) = client_credentials(&headers, &form) else {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "Client authentication failed.");
    };
    if client_id != PORTAL_CLIENT_ID || sha256_hex(&secret) != state.client_secret_hash {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "Client authentication failed.");
    }
    if form.grant_type.as_deref() != Some("authorization_code") {
        return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "The grant type is not supported.");
    }
    // Removing the code first makes it single-use even when the rest of the request fails.
    let issued = match &form.code {
        Some(code) => state.codes.lock().await.remove(code),
        None => None,
    };
    let Some(issued) = issued.filter(|c| c.created.elapsed() < CODE_LIFETIME) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "The authorization code is invalid or has expired.",
        );
    };
    if form.redirect_uri.as_deref() != Some(issued.redirect_uri.as_str()) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "The redirect_uri does not match the authorization request.",
        );
    }
    let Some(verifier) = form.code_verifier.filter(|v| (43..=128).contains(&v.len())) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "PKCE verification failed: code_verifier is missing or malformed.",
        );
    };
    if URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) != issued.code_challenge {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "PKCE verification failed.");
    }
    let claims = match db::claims_for(&state.db, &issued.user_id).await {
        Ok(Some(c)) => c,
        Ok(None) => return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "The user no longer exists."),
        Err(e) => {
            tracing::error!(error = %e, "token: reading the user failed");
            return oauth_error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", "Try again.");
        }
    };
    let now = state.now_secs();
    let (fault, rogue) = match &state.control {
        Some(control) => {
            let f = control.lock().await;
            (f.id_token, f.rogue_key.clone())
        }
        None => (IdTokenFault::None, None),
    };
    let (iat, exp) = match fault {
        IdTokenFault::Expired => (now - 2 * TOKEN_LIFETIME_SECS, now - TOKEN_LIFETIME_SECS),
        _ => (now, now + TOKEN_LIFETIME_SECS),
    };
    let mut id_claims = json!({
        "ver": 1,
        "iss": issuer(&state),
        "aud": PORTAL_CLIENT_ID,
        "sub": claims.id,
        "iat": iat,
        "exp": exp,
        "auth_time": issued.auth.auth_time,
        "jti": format!("ID.{}", random_token(24)),
        "amr": issued.auth.amr,
        "acr": issued.auth.acr(),
        "name": claims.name,
        "preferred_username": claims.login,
    });
    if let Some(email) = &claims.email {
        id_claims["email"] = json!(email);
    }
    if let Some(nonce) = &issued.nonce {
        id_claims["nonce"] = json!(nonce);
    }
    if issued.scope.split(' ').any(|s| s == "groups") {
        id_claims["groups"] = json!(claims.groups);
    }
    let id_token = match (fault, rogue) {
        (IdTokenFault::RogueKey, Some(key)) => key.sign(&id_claims),
        _ => state.keys.active.sign(&id_claims),
    };
    let access_token = random_token(48);
    state.access_tokens.lock().await.insert(
        access_token.clone(),
        AccessGrant {
            user_id: issued.user_id,
            scope: issued.scope.clone(),
            expires: Instant::now() + Duration::from_secs(TOKEN_LIFETIME_SECS as u64),
        },
    );
    let mut res = Json(json!({
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME_SECS,
        "access_token": access_token,
        "scope": issued.scope,
        "id_token": id_token,
    }))
    .into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res.headers_mut().insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    res
}

pub async fn userinfo(State(state): State<Arc<OrgState>>, headers: HeaderMap) -> Response {
    let invalid = || {
        let mut res = StatusCode::UNAUTHORIZED.into_response();
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(
                "Bearer error=\"invalid_token\", error_description=\"The access token is invalid.\"",
            ),
        );
        res
    };
    let Some(token) =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "))
    else {
        return invalid();
    };
    let grant = {
        let tokens = state.access_tokens.lock().await;
        tokens.get(token.trim()).filter(|g| g.expires > Instant::now()).map(|g| (g.user_id.clone(), g.scope.clone()))
    };
    let Some((user_id, scope)) = grant else {
        return invalid();
    };
    match db::claims_for(&state.db, &user_id).await {
        Ok(Some(c)) => {
            let mut body = json!({ "sub": c.id, "name": c.name, "preferred_username": c.login, "email": c.email });
            if scope.split(' ').any(|s| s == "groups") {
                body["groups"] = json!(c.groups);
            }
            Json(body).into_response()
        }
        Ok(None) => invalid(),
        Err(e) => {
            tracing::error!(error = %e, "userinfo failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[derive(Deserialize)]
pub struct LogoutParams {
    id_token_hint: Option<String>,
    post_logout_redirect_uri: Option<String>,
    state: Option<String>,
}

pub async fn logout(State(state): State<Arc<OrgState>>, headers: HeaderMap, Query(p): Query<LogoutParams>) -> Response {
    // The org's session ends whatever else this request says.
    let cleared = crate::sso::end(&state, &headers).await;
    let mut res = end_session(&state, p);
    res.headers_mut().append(header::SET_COOKIE, cleared);
    res
}

fn end_session(state: &OrgState, p: LogoutParams) -> Response {
    let Some(target) = p.post_logout_redirect_uri else {
        return Html(html::page(
            "Signed out",
            "<h1>You are signed out</h1><p class=\"sub\">You can close this window.</p>",
        ))
        .into_response();
    };
    // Like Okta: a post-logout redirect needs a valid ID token hint (expired is fine) from a
    // client that registered that URI.
    let hint_ok = p
        .id_token_hint
        .as_deref()
        .and_then(|t| state.keys.active.verify(t))
        .is_some_and(|claims| claims["aud"] == PORTAL_CLIENT_ID);
    if !hint_ok {
        return error_page(StatusCode::BAD_REQUEST, "The id_token_hint is missing or invalid.");
    }
    if !state.post_logout_redirect_uris.contains(&target) {
        return error_page(StatusCode::BAD_REQUEST, "The post_logout_redirect_uri is not registered for this client.");
    }
    match (Url::parse(&target), p.state) {
        (Ok(mut url), Some(s)) => {
            url.query_pairs_mut().append_pair("state", &s);
            Redirect::to(url.as_str()).into_response()
        }
        (Ok(url), None) => Redirect::to(url.as_str()).into_response(),
        (Err(_), _) => error_page(StatusCode::BAD_REQUEST, "The post_logout_redirect_uri is invalid."),
    }
}
