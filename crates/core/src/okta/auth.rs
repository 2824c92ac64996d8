//! How the portal authenticates to Okta: an API token (SSWS), or an OAuth service app using
//! client credentials with `private_key_jwt` (the token is cached and renewed before expiry).

use super::OktaError;
use crate::secret::Secret;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};
use rsa::{
    RsaPrivateKey,
    pkcs1v15::SigningKey,
    signature::{SignatureEncoding, Signer},
};
use sha2::Sha256;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// Renew this long before the token expires.
const RENEW_BEFORE: Duration = Duration::from_secs(300);

pub enum OktaAuth {
    ApiToken(Secret),
    PrivateKeyJwt {
        client_id: String,
        key: Box<RsaPrivateKey>,
        key_id: Option<String>,
        scopes: Vec<String>,
        token: Mutex<Option<(Secret, Instant)>>,
    },
}

impl OktaAuth {
    pub fn private_key_jwt(client_id: String, key: RsaPrivateKey, key_id: Option<String>, scopes: Vec<String>) -> Self {
        OktaAuth::PrivateKeyJwt { client_id, key: Box::new(key), key_id, scopes, token: Mutex::new(None) }
    }

    /// The `Authorization` header value for the next call.
    pub async fn header(&self, http: &reqwest::Client, base: &str, clock: &crate::Clock) -> Result<String, OktaError> {
        match self {
            OktaAuth::ApiToken(t) => Ok(format!("SSWS {}", t.expose())),
            OktaAuth::PrivateKeyJwt { client_id, key, key_id, scopes, token } => {
                let mut cached = token.lock().await;
                if let Some((t, expires)) = cached.as_ref()
                    && Instant::now() + RENEW_BEFORE < *expires
                {
                    return Ok(format!("Bearer {}", t.expose()));
                }
                let (t, lifetime) = fetch_token(http, base, client_id, key, key_id.as_deref(), scopes, clock).await?;
                let header = format!("Bearer {}", t.expose());
                *cached = Some((t, Instant::now() + lifetime));
                Ok(header)
            }
        }
    }

    /// Drops a cached OAuth token (after a 401); `false` when there is nothing to renew.
    pub async fn forget(&self) -> bool {
        match self {
            OktaAuth::ApiToken(_) => false,
            OktaAuth::PrivateKeyJwt { token, .. } => token.lock().await.take().is_some(),
        }
    }
}

fn client_assertion(
    client_id: &str,
    aud: &str,
    key: &RsaPrivateKey,
    key_id: Option<&str>,
    clock: &crate::Clock,
) -> String {
    let now = clock.now().timestamp();
    let mut header = serde_json::json!({ "alg": "RS256", "typ": "JWT" });
    if let Some(kid) = key_id {
        header["kid"] = serde_json::json!(kid);
    }
    let claims = serde_json::json!({
        "iss": client_id, "sub": client_id, "aud": aud,
        "iat": now, "exp": now + 300, "jti": uuid::Uuid::new_v4().to_string(),
    });
    let input = format!("{}.{}", B64.encode(header.to_string()), B64.encode(claims.to_string()));
    let signature = SigningKey::<Sha256>::new(key.clone()).sign(input.as_bytes());
    format!("{input}.{}", B64.encode(signature.to_bytes()))
}

async fn fetch_token(
    http: &reqwest::Client,
    base: &str,
    client_id: &str,
    key: &RsaPrivateKey,
    key_id: Option<&str>,
    scopes: &[String],
    clock: &crate::Clock,
) -> Result<(Secret, Duration), OktaError> {
    let url = format!("{base}/oauth2/v1/token");
    let assertion = client_assertion(client_id, &url, key, key_id, clock);
    let res = http
        .post(&url)
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", &scopes.join(" ")),
            ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
            ("client_assertion", &assertion),
        ])
        .send()
        .await
        .map_err(|e| if e.is_timeout() { OktaError::timeout() } else { OktaError::transport(e.to_string()) })?;
    let status = res.status().as_u16();
    let body: serde_json::Value = res.json().await.map_err(|e| OktaError::decode(e.to_string()))?;
    if !(200..300).contains(&status) {
        let mut e = OktaError::from_response(status, &body, None);
        e.summary = format!("Okta refused the portal's service-app credentials: {}", e.summary);
        return Err(e);
    }
    let token =
        body.get("access_token").and_then(|v| v.as_str()).ok_or_else(|| OktaError::decode("no access_token".into()))?;
    let lifetime = body.get("expires_in").and_then(|v| v.as_u64()).unwrap_or(3600);
    Ok((Secret::new(token), Duration::from_secs(lifetime)))
}
