//! DPoP (RFC 9449) for the Okta service app: a key of the portal's own, made at first use and
//! never stored, proves possession of the access token on the token request and on every
//! API call. Okta selects "Require DPoP" by default for new API service apps.

use super::OktaError;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};
use jsonwebtoken::{
    Algorithm, EncodingKey, Header,
    jwk::{AlgorithmParameters, CommonParameters, Jwk, RSAKeyParameters, RSAKeyType},
};
use rsa::{RsaPrivateKey, pkcs1::EncodeRsaPrivateKey, traits::PublicKeyParts};
use sha2::{Digest, Sha256};

pub struct DpopKey {
    signing: EncodingKey,
    jwk: Jwk,
}

impl DpopKey {
    /// A fresh RSA key (2048 bits; slow enough to run off the async threads).
    pub fn generate() -> Result<DpopKey, OktaError> {
        let key = RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048)
            .map_err(|e| OktaError::transport(format!("cannot make a DPoP key: {e}")))?;
        DpopKey::from_rsa(&key)
    }

    pub fn from_rsa(key: &RsaPrivateKey) -> Result<DpopKey, OktaError> {
        let jwk = Jwk {
            common: CommonParameters::default(),
            algorithm: AlgorithmParameters::RSA(RSAKeyParameters {
                key_type: RSAKeyType::RSA,
                n: B64.encode(key.n().to_bytes_be()),
                e: B64.encode(key.e().to_bytes_be()),
            }),
        };
        Ok(DpopKey { signing: rsa_signing_key(key)?, jwk })
    }

    /// A proof for one request: `htm` and `htu` name it, `ath` binds an access token to it
    /// (API calls), `nonce` is the one the server last handed out.
    pub fn proof(
        &self,
        method: &str,
        url: &str,
        access_token: Option<&str>,
        nonce: Option<&str>,
        now: i64,
    ) -> Result<String, OktaError> {
        let mut header = Header::new(Algorithm::RS256);
        header.typ = Some("dpop+jwt".into());
        header.jwk = Some(self.jwk.clone());
        let mut claims = serde_json::json!({
            "jti": uuid::Uuid::new_v4().to_string(),
            "htm": method,
            "htu": htu(url),
            "iat": now,
        });
        if let Some(t) = access_token {
            claims["ath"] = ath(t).into();
        }
        if let Some(n) = nonce {
            claims["nonce"] = n.into();
        }
        jsonwebtoken::encode(&header, &claims, &self.signing)
            .map_err(|e| OktaError::transport(format!("cannot sign a DPoP proof: {e}")))
    }
}

/// An RSA key as jsonwebtoken signs with it (the service app's key and the DPoP key alike).
pub(super) fn rsa_signing_key(key: &RsaPrivateKey) -> Result<EncodingKey, OktaError> {
    let der = key.to_pkcs1_der().map_err(|e| OktaError::transport(format!("unusable RSA key: {e}")))?;
    Ok(EncodingKey::from_rsa_der(der.as_bytes()))
}

/// The URL a proof names: without query or fragment (RFC 9449 §4.2).
pub fn htu(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or(url)
}

/// `ath`: base64url SHA-256 of the access token.
pub fn ath(access_token: &str) -> String {
    B64.encode(Sha256::digest(access_token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{DecodingKey, Validation};

    #[test]
    fn a_proof_carries_its_key_and_names_its_request() {
        let key = DpopKey::generate().expect("key");
        let proof = key.proof("GET", "https://o.example/api/v1/users?q=a", Some("tok"), Some("n1"), 1_700_000_000);
        let proof = proof.expect("proof");
        let header = jsonwebtoken::decode_header(&proof).expect("header");
        assert_eq!(header.typ.as_deref(), Some("dpop+jwt"));
        let jwk = header.jwk.expect("the public key rides in the header");
        let mut v = Validation::new(Algorithm::RS256);
        v.required_spec_claims.clear();
        v.validate_exp = false;
        let claims = jsonwebtoken::decode::<serde_json::Value>(&proof, &DecodingKey::from_jwk(&jwk).expect("jwk"), &v)
            .expect("verifies with the embedded key")
            .claims;
        assert_eq!(claims["htm"], "GET");
        assert_eq!(claims["htu"], "https://o.example/api/v1/users");
        assert_eq!(claims["ath"], ath("tok"));
        assert_eq!(claims["nonce"], "n1");
        assert!(!serde_json::to_string(&jwk).expect("json").contains("\"d\""), "no private part");
    }
}
