//! OAuth 2.0 for Okta's Management API: service apps get access tokens with the client
//! credentials grant, authenticating with `private_key_jwt` (a JWT signed by a key the app
//! registered), and scopes such as `okta.users.read` decide what the token may call.

use crate::{OrgState, api::error::ApiError, ids::random_token};
use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};
use rsa::{
    BigUint, RsaPublicKey,
    pkcs1v15::{Signature, VerifyingKey},
    signature::Verifier,
};
use serde_json::{Value, json};
use sha2::Sha256;
use std::time::{Duration, Instant};

pub const SCOPES: &[&str] = &[
    "okta.users.read",
    "okta.users.manage",
    "okta.groups.read",
    "okta.groups.manage",
    "okta.apps.read",
    "okta.apps.manage",
];
const TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// An issued access token.
pub struct ServiceToken {
    pub scopes: Vec<String>,
    pub expires: Instant,
    /// The DPoP key the token is bound to (RFC 7638 thumbprint), when the app requires DPoP.
    pub jkt: Option<String>,
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut res = (status, Json(json!({ "error": error, "error_description": description }))).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

fn invalid_dpop_proof(description: &str) -> Response {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_dpop_proof", description)
}

/// Okta's answer to a proof without the current nonce: the nonce to put in the next one.
async fn use_dpop_nonce(state: &OrgState) -> Response {
    let mut res =
        oauth_error(StatusCode::BAD_REQUEST, "use_dpop_nonce", "Authorization server requires nonce in DPoP proof.");
    if let Ok(v) = HeaderValue::from_str(&crate::dpop::new_nonce(state).await) {
        res.headers_mut().insert("dpop-nonce", v);
    }
    res
}

fn invalid_client(description: &str) -> Response {
    oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", description)
}

fn public_key(jwk: &Value) -> Option<RsaPublicKey> {
    if jwk.get("kty")?.as_str()? != "RSA" {
        return None;
    }
    let n = BigUint::from_bytes_be(&B64.decode(jwk.get("n")?.as_str()?).ok()?);
    let e = BigUint::from_bytes_be(&B64.decode(jwk.get("e")?.as_str()?).ok()?);
    RsaPublicKey::new(n, e).ok()
}

/// Checks an RS256 JWS against any of `keys` (the one named by `kid` when given).
fn verify_jws(token: &str, keys: &[Value]) -> Option<Value> {
    let (signing_input, signature) = token.rsplit_once('.')?;
    let (header, payload) = signing_input.split_once('.')?;
    let header: Value = serde_json::from_slice(&B64.decode(header).ok()?).ok()?;
    if header.get("alg")?.as_str()? != "RS256" {
        return None;
    }
    let kid = header.get("kid").and_then(Value::as_str);
    let signature = Signature::try_from(B64.decode(signature).ok()?.as_slice()).ok()?;
    let verified = keys
        .iter()
        .filter(|k| kid.is_none() || k.get("kid").and_then(Value::as_str) == kid)
        .filter_map(public_key)
        .any(|key| VerifyingKey::<Sha256>::new(key).verify(signing_input.as_bytes(), &signature).is_ok());
    verified.then(|| serde_json::from_slice(&B64.decode(payload).ok()?).ok()).flatten()
}

fn collapse_slashes(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let mut out = String::with_capacity(rest.len());
            for c in rest.chars() {
                if !(c == '/' && out.ends_with('/')) {
                    out.push(c);
                }
            }
            format!("{scheme}://{out}")
        }
        None => url.to_string(),
    }
}

/// `grant_type=client_credentials` at `/oauth2/v1/token`.
pub async fn client_credentials(
    state: &OrgState,
    dpop: Option<&str>,
    assertion_type: Option<&str>,
    assertion: Option<&str>,
    scope: Option<&str>,
    used_secret: bool,
) -> Response {
    if used_secret || assertion.is_none() {
        return invalid_client(
            "Client Credentials requests to the Org Authorization Server must use the private_key_jwt token_endpoint_auth_method.",
        );
    }
    if assertion_type != Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer") {
        return invalid_client("The client_assertion_type is invalid.");
    }
    let assertion = assertion.unwrap_or_default();
    // The client is named by the assertion itself (`iss`), read before verification only to
    // find its keys.
    let unverified_iss = assertion
        .split('.')
        .nth(1)
        .and_then(|p| B64.decode(p).ok())
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .and_then(|c| c.get("iss").and_then(Value::as_str).map(str::to_string));
    let Some(client_id) = unverified_iss else {
        return invalid_client("The client_assertion token is invalid.");
    };
    let app: Option<(String, String, bool)> =
        match sqlx::query_as("SELECT jwks, scopes, require_dpop FROM service_apps WHERE client_id = ?1")
            .bind(&client_id)
            .fetch_optional(&state.db)
            .await
        {
            Ok(a) => a,
            Err(e) => return ApiError::from(e).into_response(),
        };
    let Some((jwks, granted, require_dpop)) = app else {
        return invalid_client("The client_id is not registered as a service app.");
    };
    // Checked before the assertion, whose `jti` is spent only on a request that can succeed.
    let jkt = if require_dpop {
        let Some(proof) = dpop else {
            return invalid_dpop_proof("The DPoP proof JWT header is missing.");
        };
        let url = format!("{}/oauth2/v1/token", state.issuer.as_str().trim_end_matches('/'));
        let proof = match crate::dpop::verify(state, proof, "POST", &url, None).await {
            Ok(p) => p,
            Err(why) => return invalid_dpop_proof(why),
        };
        if !crate::dpop::nonce_is_current(state, proof.nonce.as_deref()).await {
            return use_dpop_nonce(state).await;
        }
        Some(proof.jkt)
    } else {
        None
    };
    let keys: Vec<Value> = serde_json::from_str::<Value>(&jwks)
        .ok()
        .and_then(|j| j.get("keys").and_then(Value::as_array).cloned())
        .unwrap_or_default();
    let Some(claims) = verify_jws(assertion, &keys) else {
        return invalid_client("The client_assertion signature is invalid.");
    };
    let now = state.now_secs();
    if claims["sub"].as_str() != Some(client_id.as_str()) {
        return invalid_client("The client_assertion sub claim must match the client_id.");
    }
    let expected_aud = format!("{}/oauth2/v1/token", state.issuer.as_str().trim_end_matches('/'));
    let aud_ok = match &claims["aud"] {
        Value::String(a) => collapse_slashes(a) == expected_aud,
        Value::Array(list) => list.iter().filter_map(Value::as_str).any(|a| collapse_slashes(a) == expected_aud),
        _ => false,
    };
    if !aud_ok {
        return invalid_client("The audience claim for client_assertion must be the endpoint invoked for the request.");
    }
    match claims["exp"].as_i64() {
        Some(exp) if exp < now => return invalid_client("The client_assertion token is expired."),
        Some(exp) if exp > now + 3600 + 60 => {
            return invalid_client("The client_assertion token has an expiration too far in the future.");
        }
        Some(_) => {}
        None => return invalid_client("The client_assertion token is invalid."),
    }
    let Some(jti) = claims["jti"].as_str() else {
        return invalid_client("The client_assertion token is missing a jti claim.");
    };
    {
        let mut used = state.used_jtis.lock().await;
        if !used.insert(format!("{client_id}:{jti}")) {
            return invalid_client("The client_assertion token has already been used.");
        }
    }
    let requested: Vec<&str> = scope.unwrap_or_default().split_whitespace().collect();
    if requested.is_empty() {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_scope", "No scopes were requested.");
    }
    let granted: Vec<String> = serde_json::from_str(&granted).unwrap_or_default();
    let scopes: Vec<String> =
        requested.iter().filter(|s| granted.iter().any(|g| g == *s)).map(|s| s.to_string()).collect();
    if scopes.is_empty() {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "consent_required",
            "You are not allowed any of the requested scopes.",
        );
    }
    let token = random_token(48);
    state.service_tokens.lock().await.insert(
        token.clone(),
        ServiceToken { scopes: scopes.clone(), expires: Instant::now() + TOKEN_LIFETIME, jkt: jkt.clone() },
    );
    let mut res = Json(json!({
        "token_type": if jkt.is_some() { "DPoP" } else { "Bearer" },
        "expires_in": TOKEN_LIFETIME.as_secs(),
        "access_token": token,
        "scope": scopes.join(" "),
    }))
    .into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// The scope an endpoint needs (a `manage` scope includes `read`).
pub fn required_scope(method: &axum::http::Method, route: &str) -> &'static str {
    let read = *method == axum::http::Method::GET;
    if route.starts_with("/api/v1/logs") {
        return "okta.logs.read";
    }
    if route.starts_with("/api/v1/apps") {
        return if read { "okta.apps.read" } else { "okta.apps.manage" };
    }
    match (route.starts_with("/api/v1/groups"), read) {
        (true, true) => "okta.groups.read",
        (true, false) => "okta.groups.manage",
        (false, true) => "okta.users.read",
        (false, false) => "okta.users.manage",
    }
}

pub fn allows(scopes: &[String], needed: &str) -> bool {
    let manage = needed.replace(".read", ".manage");
    scopes.iter().any(|s| s == needed || *s == manage)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Method;

    #[test]
    fn manage_implies_read_and_scopes_follow_the_route() {
        assert_eq!(required_scope(&Method::GET, "/api/v1/users/{id}/groups"), "okta.users.read");
        assert_eq!(required_scope(&Method::PUT, "/api/v1/groups/{id}/users/{user}"), "okta.groups.manage");
        assert!(allows(&["okta.users.manage".into()], "okta.users.read"));
        assert!(!allows(&["okta.users.read".into()], "okta.users.manage"));
        assert!(!allows(&["okta.users.manage".into()], "okta.groups.read"));
    }

    #[test]
    fn audience_tolerates_double_slashes() {
        assert_eq!(collapse_slashes("http://o:1//oauth2/v1/token"), "http://o:1/oauth2/v1/token");
    }
}
