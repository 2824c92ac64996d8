//! DPoP (RFC 9449) as Okta's org authorization server does it for service apps that require
//! it: the token request needs a proof carrying the server's nonce (`use_dpop_nonce` hands one
//! out), the token is bound to the proof's key (`token_type: DPoP`), and every API call with
//! it needs a fresh proof naming the call and the token.

use crate::OrgState;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, jwk::AlgorithmParameters};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// How far a proof's `iat` may be from now, either way.
const IAT_WINDOW_SECS: i64 = 300;
/// How long a nonce the server handed out is accepted.
const NONCE_SECS: i64 = 600;

/// A proof that checked out: the key it was made with, by RFC 7638 thumbprint.
pub struct Proof {
    pub jkt: String,
    pub nonce: Option<String>,
}

/// Checks a `DPoP` header: a `dpop+jwt` signed by the public key it carries, naming `method`
/// and `url`, recent, not seen before, and (for API calls) bound to `access_token`.
pub async fn verify(
    state: &OrgState,
    proof: &str,
    method: &str,
    url: &str,
    access_token: Option<&str>,
) -> Result<Proof, &'static str> {
    const INVALID: &str = "The DPoP proof JWT is invalid.";
    let header = jsonwebtoken::decode_header(proof).map_err(|_| INVALID)?;
    if header.typ.as_deref() != Some("dpop+jwt") {
        return Err("The DPoP proof JWT header 'typ' must be 'dpop+jwt'.");
    }
    if !matches!(header.alg, Algorithm::RS256 | Algorithm::ES256) {
        return Err("The DPoP proof JWT 'alg' is not supported.");
    }
    let jwk = header.jwk.ok_or("The DPoP proof JWT header is missing the 'jwk'.")?;
    if private_parts(proof) {
        return Err("The DPoP proof JWT 'jwk' must not contain a private key.");
    }
    let key = DecodingKey::from_jwk(&jwk).map_err(|_| INVALID)?;
    let mut validation = Validation::new(header.alg);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_aud = false;
    let claims = jsonwebtoken::decode::<Value>(proof, &key, &validation)
        .map_err(|_| "The DPoP proof JWT signature is invalid.")?
        .claims;
    if claims["htm"].as_str() != Some(method) {
        return Err("The DPoP proof 'htm' claim does not match the request method.");
    }
    if claims["htu"].as_str().map(strip_query) != Some(strip_query(url)) {
        return Err("The DPoP proof 'htu' claim does not match the request URL.");
    }
    let now = state.now_secs();
    match claims["iat"].as_i64() {
        Some(iat) if (iat - now).abs() <= IAT_WINDOW_SECS => {}
        _ => return Err("The DPoP proof JWT 'iat' is too far from the current time."),
    }
    if let Some(token) = access_token
        && claims["ath"].as_str() != Some(B64.encode(Sha256::digest(token.as_bytes())).as_str())
    {
        return Err("'ath' claim in the DPoP proof does not match the presented access_token.");
    }
    let jti = claims["jti"].as_str().ok_or(INVALID)?;
    let iat = claims["iat"].as_i64().unwrap_or(now);
    if !state.dpop_jtis.lock().await.spend(jti, iat, now) {
        return Err("The DPoP proof JWT has already been used.");
    }
    Ok(Proof { jkt: thumbprint(&jwk.algorithm).ok_or(INVALID)?, nonce: claims["nonce"].as_str().map(str::to_string) })
}

/// The `jti` of every proof still young enough to be presented (its `iat` inside the window):
/// an older one is refused by its `iat`, so forgetting it loses nothing, and the set stays the
/// size of a few minutes of calls instead of growing with every API call.
#[derive(Default)]
pub struct SpentJtis {
    iat_by_jti: std::collections::HashMap<String, i64>,
    /// Size at which the next sweep runs (doubles with what survives, so sweeping stays cheap).
    sweep_at: usize,
}

impl SpentJtis {
    /// Spends `jti`; false when it was spent before.
    fn spend(&mut self, jti: &str, iat: i64, now: i64) -> bool {
        if self.iat_by_jti.len() >= self.sweep_at {
            self.iat_by_jti.retain(|_, at| *at + IAT_WINDOW_SECS >= now);
            self.sweep_at = (self.iat_by_jti.len() * 2).max(1024);
        }
        self.iat_by_jti.insert(jti.to_string(), iat).is_none()
    }
}

fn strip_query(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or(url)
}

/// Whether the header's `jwk` carries a private parameter (`d`, or RSA's primes).
fn private_parts(proof: &str) -> bool {
    let header = proof.split('.').next().and_then(|h| B64.decode(h).ok());
    let header: Option<Value> = header.and_then(|h| serde_json::from_slice(&h).ok());
    header.is_some_and(|h| ["d", "p", "q", "dp", "dq", "qi"].iter().any(|k| h["jwk"].get(k).is_some()))
}

/// RFC 7638: SHA-256 over the required members, in lexicographic order, no whitespace.
pub fn thumbprint(key: &AlgorithmParameters) -> Option<String> {
    let canonical = match key {
        AlgorithmParameters::RSA(k) => format!(r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#, k.e, k.n),
        AlgorithmParameters::EllipticCurve(k) => {
            let crv = serde_json::to_value(&k.curve).ok()?;
            format!(r#"{{"crv":"{}","kty":"EC","x":"{}","y":"{}"}}"#, crv.as_str()?, k.x, k.y)
        }
        _ => return None,
    };
    Some(B64.encode(Sha256::digest(canonical.as_bytes())))
}

/// A nonce for the next proof, remembered for a while.
pub async fn new_nonce(state: &OrgState) -> String {
    let nonce = crate::ids::random_token(32);
    let now = state.now_secs();
    let mut nonces = state.dpop_nonces.lock().await;
    nonces.retain(|_, issued| now - *issued < NONCE_SECS);
    nonces.insert(nonce.clone(), now);
    nonce
}

pub async fn nonce_is_current(state: &OrgState, nonce: Option<&str>) -> bool {
    let Some(n) = nonce else { return false };
    let now = state.now_secs();
    state.dpop_nonces.lock().await.get(n).is_some_and(|issued| now - *issued < NONCE_SECS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::jwk::{RSAKeyParameters, RSAKeyType};

    #[test]
    fn thumbprints_follow_rfc_7638() {
        // RFC 7638 §3.1's example key and thumbprint.
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        let key =
            AlgorithmParameters::RSA(RSAKeyParameters { key_type: RSAKeyType::RSA, n: n.into(), e: "AQAB".into() });
        assert_eq!(thumbprint(&key).as_deref(), Some("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"));
    }

    #[test]
    fn a_proof_is_spent_once_and_forgotten_once_too_old_to_present() {
        let mut spent = SpentJtis::default();
        assert!(spent.spend("a", 1_000, 1_000));
        assert!(!spent.spend("a", 1_000, 1_000), "a replay inside the window");
        // Fill up to the next sweep with proofs made at 1 000 s...
        let mut i = 0;
        while spent.iat_by_jti.len() < spent.sweep_at {
            spent.spend(&format!("old{i}"), 1_000, 1_000);
            i += 1;
        }
        assert!(i > 1_000);
        // ...then, long after, the sweep drops what no longer passes the `iat` check.
        spent.spend("b", 5_000, 5_000);
        spent.spend("c", 5_000, 5_000);
        assert!(spent.iat_by_jti.len() < 1_000, "{}", spent.iat_by_jti.len());
        assert!(!spent.spend("c", 5_000, 5_000));
    }

    #[test]
    fn the_url_a_proof_names_has_no_query() {
        assert_eq!(strip_query("http://o/api/v1/users?q=a#f"), "http://o/api/v1/users");
    }
}
