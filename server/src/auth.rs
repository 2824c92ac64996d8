//! Sign-in as a Backend-for-Frontend: authorization code + PKCE against any OpenID provider
//! found by discovery. State, PKCE verifier, nonce and tokens live in the server-side session;
//! the browser only ever holds the session cookie.

use crate::{ServerState, pages};
use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl,
    Nonce, PkceCodeChallenge, PkceCodeVerifier, ProviderMetadataWithLogout, RedirectUrl, Scope, TokenResponse,
    core::{CoreAuthenticationFlow, CoreClient},
};
use portico_app::ssr::SESSION_PRINCIPAL;
use portico_core::{AppState, Principal, Secret};
use serde::{Deserialize, Serialize};
use std::{
    sync::Arc,
    time::{Duration, Instant},
};
use tokio::sync::RwLock;
use tower_sessions::Session;

const SESSION_FLOW: &str = "oidc_flow";
const SESSION_ID_TOKEN: &str = "id_token";
/// Unix seconds of sign-in, for the absolute session lifetime.
pub const SESSION_SIGNED_IN_AT: &str = "signed_in_at";
/// Unix seconds (Portico's clock) of the session's last recorded activity, for the idle timeout.
pub const SESSION_SEEN_AT: &str = "seen_at";
/// The sign-in's id in `sign_ins` (the session lives while that row is not ended).
pub const SESSION_SIGN_IN: &str = "sign_in";
/// When the session was last checked against Okta (unix seconds, by the clock).
pub const SESSION_CHECKED_AT: &str = "checked_at";
/// Discovery (and the JWKS in it) is refreshed this often, and at once when a key is unknown.
const DISCOVERY_TTL: Duration = Duration::from_secs(900);

type Client =
    CoreClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointMaybeSet, EndpointMaybeSet>;

/// Where and as whom the portal signs people in.
#[derive(Clone, Debug)]
pub struct OidcSettings {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Secret,
    pub scopes: Vec<String>,
    pub redirect_uri: String,
    pub post_logout_redirect_uri: String,
}

struct Discovered {
    client: Client,
    end_session: Option<url::Url>,
    fetched: Instant,
}

/// The configured provider, discovered lazily and cached.
pub struct Auth {
    settings: OidcSettings,
    http: reqwest::Client,
    discovered: RwLock<Option<Arc<Discovered>>>,
    /// ID tokens' `exp` is judged by the portal's clock, the one the embedded org signs with.
    clock: portico_core::Clock,
}

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("The identity provider could not be reached. Try again in a moment.")]
    ProviderUnavailable(String),
    #[error("This sign-in attempt is unknown or was already used. Start again.")]
    UnknownFlow,
    #[error("The sign-in response did not match this browser's request (state mismatch). Start again.")]
    StateMismatch,
    #[error("The identity provider refused the sign-in: {0}")]
    Refused(String),
    #[error("The identity provider's answer could not be trusted: {0}")]
    InvalidToken(String),
    #[error("Your session could not be saved. Try again.")]
    Session,
    #[error("{0}")]
    NotActive(String),
    #[error("Okta could not be reached to confirm your groups. Try again in a moment.")]
    OktaUnavailable,
    #[error("The identity provider did not confirm a recent sign-in ({0}). Nothing was decided; try again.")]
    StepUpFailed(String),
}

impl SignInError {
    fn status(&self) -> StatusCode {
        match self {
            SignInError::ProviderUnavailable(_) | SignInError::OktaUnavailable => StatusCode::BAD_GATEWAY,
            SignInError::NotActive(_) | SignInError::StepUpFailed(_) => StatusCode::FORBIDDEN,
            SignInError::Session => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

/// Pending sign-in, kept in the session between `/auth/login` and `/auth/callback`.
#[derive(Serialize, Deserialize)]
struct Flow {
    state: String,
    pkce_verifier: String,
    nonce: String,
    next: String,
    /// A step-up: 0 no, 1 asked with `max_age`, 2 asked again with `prompt=login` too.
    #[serde(default)]
    step_up: u8,
}

impl Auth {
    pub fn new(settings: OidcSettings, clock: portico_core::Clock) -> anyhow::Result<Auth> {
        let http = reqwest::Client::builder()
            // Following redirects from the provider would open the portal to SSRF.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()?;
        Ok(Auth { settings, http, discovered: RwLock::new(None), clock })
    }

    pub fn issuer(&self) -> &str {
        &self.settings.issuer
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    pub fn end_session_origin(&self) -> Option<String> {
        url::Url::parse(&self.settings.issuer).ok().map(|u| u.origin().ascii_serialization())
    }

    async fn discovered(&self, refresh: bool) -> Result<Arc<Discovered>, SignInError> {
        if !refresh
            && let Some(d) = self.discovered.read().await.as_ref()
            && d.fetched.elapsed() < DISCOVERY_TTL
        {
            return Ok(d.clone());
        }
        let issuer = IssuerUrl::new(self.settings.issuer.clone())
            .map_err(|e| SignInError::ProviderUnavailable(e.to_string()))?;
        let metadata = ProviderMetadataWithLogout::discover_async(issuer, &self.http)
            .await
            .map_err(|e| SignInError::ProviderUnavailable(format!("discovery failed: {e}")))?;
        let end_session = metadata.additional_metadata().end_session_endpoint.as_ref().map(|u| u.url().clone());
        let redirect = RedirectUrl::new(self.settings.redirect_uri.clone())
            .map_err(|e| SignInError::ProviderUnavailable(e.to_string()))?;
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.settings.client_id.clone()),
            Some(ClientSecret::new(self.settings.client_secret.expose().to_string())),
        )
        .set_redirect_uri(redirect);
        let d = Arc::new(Discovered { client, end_session, fetched: Instant::now() });
        *self.discovered.write().await = Some(d.clone());
        Ok(d)
    }
}

/// Only local paths: `/x` but never `//host` or `/\host`, which browsers treat as other origins.
pub fn safe_next(next: Option<&str>) -> String {
    // Browsers drop tabs and newlines inside URLs and read `\` as `/`, so `/<TAB>/evil` and
    // `/\evil` become `//evil`: any control character or backslash refuses the whole value.
    let Some(n) = next.filter(|n| n.starts_with('/') && !n.chars().any(|c| c.is_control() || c == '\\')) else {
        return "/".into();
    };
    // What is left is parsed as a URL against a stand-in origin and must stay on it: a path,
    // with its query and fragment, in the parser's normal form.
    let origin = url::Url::parse("http://portico.invalid").expect("static URL");
    match origin.join(n) {
        Ok(u) if u.origin() == origin.origin() && !n.starts_with("//") => u[url::Position::BeforePath..].to_string(),
        _ => "/".into(),
    }
}

#[derive(Deserialize)]
pub struct LoginParams {
    next: Option<String>,
    /// Present: a step-up ("confirm it's you"), which asks the provider for a recent sign-in.
    step_up: Option<String>,
}

pub async fn login(State(state): State<ServerState>, session: Session, Query(p): Query<LoginParams>) -> Response {
    let step_up = u8::from(p.step_up.is_some());
    match begin(&state.auth, &state.app, &session, safe_next(p.next.as_deref()), step_up).await {
        Ok(url) => Redirect::to(url.as_str()).into_response(),
        Err(e) => failure(&state, e),
    }
}

async fn begin(
    auth: &Auth,
    app: &AppState,
    session: &Session,
    next: String,
    step_up: u8,
) -> Result<url::Url, SignInError> {
    let d = auth.discovered(false).await?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request =
        d.client.authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random);
    for scope in auth.settings.scopes.iter().filter(|s| *s != "openid") {
        request = request.add_scope(Scope::new(scope.clone()));
    }
    // A step-up asks for a sign-in no older than the window (the provider asks for the password
    // when its own is older), at the configured level; the second time, for the password itself.
    let cfg = &app.config.approvals;
    if step_up > 0 {
        request = request.set_max_age(Duration::from_secs(u64::from(cfg.step_up_minutes) * 60));
        if let Some(acr) = &cfg.step_up_acr {
            request = request.add_auth_context_value(openidconnect::AuthenticationContextClass::new(acr.clone()));
        }
    }
    if step_up > 1 {
        request = request.add_prompt(openidconnect::core::CoreAuthPrompt::Login);
    }
    let (url, csrf, nonce) = request.set_pkce_challenge(challenge).url();
    let flow = Flow {
        state: csrf.secret().clone(),
        pkce_verifier: verifier.secret().clone(),
        nonce: nonce.secret().clone(),
        next,
        step_up,
    };
    session.insert(SESSION_FLOW, flow).await.map_err(|_| SignInError::Session)?;
    Ok(url)
}

#[derive(Deserialize)]
pub struct CallbackParams {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

pub async fn callback(State(state): State<ServerState>, session: Session, Query(p): Query<CallbackParams>) -> Response {
    let result = finish(&state.auth, &state.app, &session, p).await;
    // The provider let an old sign-in through a step-up: ask once more, for the password itself.
    let result = match result {
        Ok(Finished::Again(next)) => {
            return match begin(&state.auth, &state.app, &session, next, 2).await {
                Ok(url) => Redirect::to(url.as_str()).into_response(),
                Err(e) => failure(&state, e),
            };
        }
        Ok(Finished::Done(next)) => Ok(next),
        Err(e) => Err(e),
    };
    // A callback with no sign-in in progress in this browser is noise anyone can send: it gets a
    // log line (at most one a second), not an append-only audit row.
    if let Err(SignInError::UnknownFlow) = &result {
        stray_callback();
        return failure(&state, SignInError::UnknownFlow);
    }
    let who = session.get::<Principal>(SESSION_PRINCIPAL).await.ok().flatten().map(|p| p.login);
    let (outcome, detail) = match &result {
        Ok(_) => ("ok", String::new()),
        Err(e) => ("refused", e.to_string()),
    };
    portico_core::audit::record(
        state.app.db(),
        &state.app.clock,
        portico_core::audit::AuditEvent {
            op_id: crate::security::current_request_id().unwrap_or_default(),
            actor: who.clone().unwrap_or_else(|| "-".into()),
            action: "sign_in".into(),
            target: who.unwrap_or_else(|| "-".into()),
            result: outcome.into(),
            detail,
            ..Default::default()
        },
    )
    .await;
    match result {
        Ok(next) => {
            tracing::info!("signed in");
            Redirect::to(&next).into_response()
        }
        Err(e) => failure(&state, e),
    }
}

/// Where a callback leads.
enum Finished {
    /// Signed in: go to this local path.
    Done(String),
    /// A step-up whose sign-in was not recent enough: ask again, then go here.
    Again(String),
}

async fn finish(auth: &Auth, app: &AppState, session: &Session, p: CallbackParams) -> Result<Finished, SignInError> {
    // Taking the flow out of the session makes every callback URL single-use.
    let flow: Flow =
        session.remove(SESSION_FLOW).await.map_err(|_| SignInError::Session)?.ok_or(SignInError::UnknownFlow)?;
    if p.state.as_deref() != Some(flow.state.as_str()) {
        return Err(SignInError::StateMismatch);
    }
    if let Some(error) = p.error {
        return Err(SignInError::Refused(p.error_description.unwrap_or(error)));
    }
    let code = p.code.ok_or_else(|| SignInError::Refused("no authorization code was returned".into()))?;
    let d = auth.discovered(false).await?;
    let response = d
        .client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|e| SignInError::ProviderUnavailable(e.to_string()))?
        .set_pkce_verifier(PkceCodeVerifier::new(flow.pkce_verifier))
        .request_async(&auth.http)
        .await
        .map_err(|e| match e {
            openidconnect::RequestTokenError::ServerResponse(r) => {
                SignInError::Refused(r.error_description().cloned().unwrap_or_else(|| r.error().to_string()))
            }
            other => SignInError::ProviderUnavailable(other.to_string()),
        })?;
    let id_token = response.id_token().ok_or_else(|| SignInError::InvalidToken("no ID token".into()))?;
    let nonce = Nonce::new(flow.nonce);
    let clock = auth.clock.clone();
    let verify = |d: &Discovered| {
        let now = clock.clone();
        id_token.claims(&d.client.id_token_verifier().set_time_fn(move || now.now()), &nonce).cloned()
    };
    let claims = match verify(&d) {
        Ok(c) => c,
        // The provider may have rotated its keys since discovery: refresh once and retry.
        Err(openidconnect::ClaimsVerificationError::SignatureVerification(_)) => {
            let fresh = auth.discovered(true).await?;
            verify(&fresh).map_err(|e| SignInError::InvalidToken(e.to_string()))?
        }
        Err(e) => return Err(SignInError::InvalidToken(e.to_string())),
    };
    let raw = id_token.to_string();
    let groups = groups_claim(&raw);
    let login = claims.preferred_username().map(|u| u.to_string()).unwrap_or_else(|| claims.subject().to_string());
    let authn = claims.auth_time().map(|at| portico_core::Authn {
        at,
        amr: claims.auth_method_refs().map(|m| m.iter().map(|r| r.to_string()).collect()).unwrap_or_default(),
        acr: claims.auth_context_ref().map(|a| a.to_string()),
    });
    let principal = Principal {
        sub: claims.subject().to_string(),
        name: claims.name().and_then(|n| n.get(None)).map(|n| n.to_string()).unwrap_or_else(|| login.clone()),
        email: claims.email().map(|e| e.to_string()),
        login,
        groups,
        group_ids: None,
        authn,
    };
    // A step-up counts only when the provider says the sign-in is recent (and as strong as
    // configured): asked once with `max_age`, then once with `prompt=login`, then refused.
    if flow.step_up > 0
        && let Some(why) =
            portico_core::actor::Actor::new(principal.clone(), app.clone(), String::new()).step_up_lacks()
    {
        if flow.step_up == 1 {
            return Ok(Finished::Again(flow.next));
        }
        return Err(SignInError::StepUpFailed(why));
    }
    // Roles come from the person as Okta has them now, by group id; the claim's names count
    // only for someone no Okta user matches. Someone Okta no longer has active does not sign in.
    use portico_core::sessions::{Standing, standing};
    let principal = match standing(app, &principal).await {
        Ok(Standing::Current(now)) => now,
        Ok(Standing::NotInOkta) => principal,
        Ok(Standing::Gone(why)) => return Err(SignInError::NotActive(why)),
        Err(e) => {
            tracing::warn!(error = %e, "could not read the person from Okta at sign-in");
            return Err(SignInError::OktaUnavailable);
        }
    };
    // A new id at privilege change defeats session fixation.
    session.cycle_id().await.map_err(|_| SignInError::Session)?;
    session.insert(SESSION_PRINCIPAL, &principal).await.map_err(|_| SignInError::Session)?;
    session.insert(SESSION_ID_TOKEN, raw).await.map_err(|_| SignInError::Session)?;
    let now = app.clock.now().timestamp();
    session.insert(SESSION_SIGNED_IN_AT, now).await.map_err(|_| SignInError::Session)?;
    // The sign-in's row is what lets Portico end this session from elsewhere.
    let sign_in = portico_core::sessions::record_sign_in(app.db(), &app.clock, &principal).await.map_err(|e| {
        tracing::error!(error = %e, "could not record the sign-in");
        SignInError::Session
    })?;
    session.insert(SESSION_SIGN_IN, sign_in).await.map_err(|_| SignInError::Session)?;
    session.insert(SESSION_CHECKED_AT, now).await.map_err(|_| SignInError::Session)?;
    Ok(Finished::Done(flow.next))
}

/// The `groups` claim of an ID token whose signature and claims were already verified.
fn groups_claim(jwt: &str) -> Vec<String> {
    #[derive(Deserialize)]
    struct Groups {
        #[serde(default)]
        groups: Vec<String>,
    }
    jwt.split('.')
        .nth(1)
        .and_then(|p| URL_SAFE_NO_PAD.decode(p).ok())
        .and_then(|b| serde_json::from_slice::<Groups>(&b).ok())
        .map(|g| g.groups)
        .unwrap_or_default()
}

/// Logs callbacks that match no sign-in, at most once a second with how many there were.
fn stray_callback() {
    use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
    static LAST: AtomicI64 = AtomicI64::new(0);
    static SINCE: AtomicU64 = AtomicU64::new(0);
    let now = chrono::Utc::now().timestamp();
    let seen = SINCE.fetch_add(1, Ordering::Relaxed) + 1;
    if LAST.swap(now, Ordering::Relaxed) != now {
        SINCE.store(0, Ordering::Relaxed);
        tracing::info!(callbacks = seen, "sign-in callbacks with no sign-in in progress");
    }
}

fn failure(state: &ServerState, e: SignInError) -> Response {
    let detail = match &e {
        SignInError::ProviderUnavailable(d) => d.as_str(),
        _ => "",
    };
    // Debug formatting escapes newlines: text from the provider cannot forge a log line.
    tracing::warn!(reason = ?e.to_string(), detail = ?detail, "sign-in failed");
    pages::message(&state.site, e.status(), "Sign-in failed", &e.to_string(), Some(("/auth/login", "Try again")))
}

/// Ends the Portico session, then the provider's (RP-initiated logout) when it supports it.
pub async fn logout(State(state): State<ServerState>, session: Session) -> Response {
    let id_token: Option<String> = session.get(SESSION_ID_TOKEN).await.ok().flatten();
    let _ = session.flush().await;
    tracing::info!("signed out");
    let end_session = state.auth.discovered(false).await.ok().and_then(|d| d.end_session.clone());
    match (end_session, id_token) {
        (Some(mut url), Some(hint)) => {
            url.query_pairs_mut()
                .append_pair("id_token_hint", &hint)
                .append_pair("post_logout_redirect_uri", &state.auth.settings.post_logout_redirect_uri);
            Redirect::to(url.as_str()).into_response()
        }
        _ => Redirect::to("/signed-out").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_always_a_local_path() {
        assert_eq!(safe_next(Some("/people?q=a")), "/people?q=a");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("//evil.example/x")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(Some("/x\r\nSet-Cookie: a=b")), "/");
        assert_eq!(safe_next(None), "/");
        // Whitespace and control characters browsers strip, anywhere in the value.
        for evil in
            ["/\t/evil.example", "/\n/evil.example", "/\u{0}/evil", "/x/\\evil", "/\u{85}/evil", " //evil.example"]
        {
            assert_eq!(safe_next(Some(evil)), "/", "{evil:?}");
        }
        // A local path keeps its query and fragment, normalised.
        assert_eq!(safe_next(Some("/people?q=ed#top")), "/people?q=ed#top");
        assert_eq!(safe_next(Some("/a/../requests/R-1")), "/requests/R-1");
    }

    #[test]
    fn groups_are_read_from_the_payload() {
        let payload = URL_SAFE_NO_PAD.encode(r#"{"sub":"1","groups":["A","B"]}"#);
        assert_eq!(groups_claim(&format!("h.{payload}.s")), vec!["A", "B"]);
        assert!(groups_claim("garbage").is_empty());
    }
}
