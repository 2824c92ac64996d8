//! How the portal authenticates to Okta: an API token (SSWS), or an OAuth service app using
//! client credentials with `private_key_jwt` (the token is cached and renewed before expiry).
//! Every token request carries a DPoP proof; when Okta answers with a DPoP-bound token (the
//! app requires DPoP, Okta's default), every API call carries a proof for that token too.

use super::{OktaError, dpop::DpopKey};
use crate::secret::Secret;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::RsaPrivateKey;
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, OnceCell};

/// Renew this long before the token expires.
const RENEW_BEFORE: Duration = Duration::from_secs(300);

pub enum OktaAuth {
    ApiToken(Secret),
    PrivateKeyJwt(Box<ServiceApp>),
}

pub struct ServiceApp {
    client_id: String,
    signing: EncodingKey,
    key_id: Option<String>,
    scopes: Vec<String>,
    token: Mutex<Option<AccessToken>>,
    dpop: OnceCell<DpopKey>,
    /// The last `DPoP-Nonce` Okta handed out, sent in the next proofs.
    nonce: std::sync::Mutex<Option<String>>,
}

struct AccessToken {
    value: Secret,
    expires: Instant,
    /// Bound to the DPoP key (`token_type: DPoP`): sent with the `DPoP` scheme and a proof.
    bound: bool,
}

/// The headers one API call carries.
pub struct Credentials {
    pub authorization: String,
    pub dpop: Option<String>,
}

impl OktaAuth {
    pub fn private_key_jwt(
        client_id: String,
        key: RsaPrivateKey,
        key_id: Option<String>,
        scopes: Vec<String>,
    ) -> Result<Self, OktaError> {
        Ok(OktaAuth::PrivateKeyJwt(Box::new(ServiceApp {
            client_id,
            signing: super::dpop::rsa_signing_key(&key)?,
            key_id,
            scopes,
            token: Mutex::new(None),
            dpop: OnceCell::new(),
            nonce: std::sync::Mutex::new(None),
        })))
    }

    /// The credentials for one call (`method` to `url`).
    pub async fn credentials(
        &self,
        http: &reqwest::Client,
        base: &str,
        clock: &crate::Clock,
        method: &str,
        url: &str,
    ) -> Result<Credentials, OktaError> {
        let app = match self {
            OktaAuth::ApiToken(t) => {
                return Ok(Credentials { authorization: format!("SSWS {}", t.expose()), dpop: None });
            }
            OktaAuth::PrivateKeyJwt(app) => app,
        };
        let (token, bound) = app.token(http, base, clock).await?;
        if !bound {
            return Ok(Credentials { authorization: format!("Bearer {}", token.expose()), dpop: None });
        }
        let nonce = app.nonce();
        let proof =
            app.dpop().await?.proof(method, url, Some(token.expose()), nonce.as_deref(), clock.now().timestamp())?;
        Ok(Credentials { authorization: format!("DPoP {}", token.expose()), dpop: Some(proof) })
    }

    /// Drops a cached OAuth token (after a 401); `false` when there is nothing to renew.
    pub async fn forget(&self) -> bool {
        match self {
            OktaAuth::ApiToken(_) => false,
            OktaAuth::PrivateKeyJwt(app) => app.token.lock().await.take().is_some(),
        }
    }

    /// Takes the nonce of an answer saying `use_dpop_nonce`; true when the call should be
    /// made again with it.
    pub fn take_nonce(&self, headers: &reqwest::header::HeaderMap, body: &serde_json::Value) -> bool {
        match self {
            OktaAuth::ApiToken(_) => false,
            OktaAuth::PrivateKeyJwt(app) => app.take_nonce(headers, body),
        }
    }
}

impl ServiceApp {
    async fn dpop(&self) -> Result<&DpopKey, OktaError> {
        self.dpop
            .get_or_try_init(|| async {
                tokio::task::spawn_blocking(DpopKey::generate)
                    .await
                    .map_err(|e| OktaError::transport(format!("cannot make a DPoP key: {e}")))?
            })
            .await
    }

    fn nonce(&self) -> Option<String> {
        self.nonce.lock().ok().and_then(|n| n.clone())
    }

    /// Keeps the nonce of an answer saying `use_dpop_nonce` (token endpoint and API alike).
    fn take_nonce(&self, headers: &reqwest::header::HeaderMap, body: &serde_json::Value) -> bool {
        let nonce = headers.get("dpop-nonce").and_then(|v| v.to_str().ok());
        match (nonce, body.get("error").and_then(|e| e.as_str())) {
            (Some(n), Some("use_dpop_nonce")) => {
                if let Ok(mut kept) = self.nonce.lock() {
                    *kept = Some(n.to_string());
                }
                true
            }
            _ => false,
        }
    }

    async fn token(
        &self,
        http: &reqwest::Client,
        base: &str,
        clock: &crate::Clock,
    ) -> Result<(Secret, bool), OktaError> {
        let mut cached = self.token.lock().await;
        if let Some(t) = cached.as_ref()
            && Instant::now() + RENEW_BEFORE < t.expires
        {
            return Ok((t.value.clone(), t.bound));
        }
        let fresh = self.fetch_token(http, base, clock).await?;
        let out = (fresh.value.clone(), fresh.bound);
        *cached = Some(fresh);
        Ok(out)
    }

    fn client_assertion(&self, aud: &str, clock: &crate::Clock) -> Result<String, OktaError> {
        let now = clock.now().timestamp();
        let mut header = Header::new(Algorithm::RS256);
        header.typ = Some("JWT".into());
        header.kid = self.key_id.clone();
        let claims = serde_json::json!({
            "iss": self.client_id, "sub": self.client_id, "aud": aud,
            "iat": now, "exp": now + 300, "jti": uuid::Uuid::new_v4().to_string(),
        });
        jsonwebtoken::encode(&header, &claims, &self.signing)
            .map_err(|e| OktaError::transport(format!("cannot sign the client assertion: {e}")))
    }

    /// Client credentials with a DPoP proof; one more try when Okta asks for its nonce.
    async fn fetch_token(
        &self,
        http: &reqwest::Client,
        base: &str,
        clock: &crate::Clock,
    ) -> Result<AccessToken, OktaError> {
        let url = format!("{base}/oauth2/v1/token");
        let dpop = self.dpop().await?;
        for attempt in 0..2 {
            // A fresh assertion and proof each time: Okta refuses a reused `jti`.
            let assertion = self.client_assertion(&url, clock)?;
            let proof = dpop.proof("POST", &url, None, self.nonce().as_deref(), clock.now().timestamp())?;
            let res = http
                .post(&url)
                .header("DPoP", proof)
                .form(&[
                    ("grant_type", "client_credentials"),
                    ("scope", &self.scopes.join(" ")),
                    ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
                    ("client_assertion", &assertion),
                ])
                .send()
                .await
                .map_err(|e| if e.is_timeout() { OktaError::timeout() } else { OktaError::transport(e.to_string()) })?;
            let status = res.status().as_u16();
            let headers = res.headers().clone();
            let body: serde_json::Value = res.json().await.map_err(|e| OktaError::decode(e.to_string()))?;
            if !(200..300).contains(&status) {
                if attempt == 0 && status == 400 && self.take_nonce(&headers, &body) {
                    continue;
                }
                let mut e = OktaError::from_response(status, &body, None);
                e.summary = format!("Okta refused the portal's service-app credentials: {}", e.summary);
                return Err(e);
            }
            let token = body
                .get("access_token")
                .and_then(|v| v.as_str())
                .ok_or_else(|| OktaError::decode("no access_token".into()))?;
            let lifetime = body.get("expires_in").and_then(|v| v.as_u64()).unwrap_or(3600);
            let bound = body.get("token_type").and_then(|v| v.as_str()).is_some_and(|t| t.eq_ignore_ascii_case("DPoP"));
            return Ok(AccessToken {
                value: Secret::new(token),
                expires: Instant::now() + Duration::from_secs(lifetime),
                bound,
            });
        }
        Err(OktaError::transport("Okta kept asking for a new DPoP nonce.".into()))
    }
}
