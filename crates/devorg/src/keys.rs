//! The org's RS256 signing key: created once, persisted in the database, published as a JWKS.

use anyhow::Context;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};
use rsa::{
    RsaPrivateKey, RsaPublicKey,
    pkcs1v15::{Signature, SigningKey, VerifyingKey},
    pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding},
    signature::{SignatureEncoding, Signer, Verifier},
    traits::PublicKeyParts,
};
use sha2::{Digest, Sha256};
use sqlx::{Row, SqlitePool};

/// One RSA key and its key id.
#[derive(Clone)]
pub struct Key {
    pub kid: String,
    private: RsaPrivateKey,
}

impl Key {
    pub fn generate() -> anyhow::Result<Key> {
        let private = RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).context("generating an RSA key")?;
        Ok(Self::from_private(private))
    }

    fn from_private(private: RsaPrivateKey) -> Key {
        let n = private.n().to_bytes_be();
        let kid = B64.encode(&Sha256::digest(&n)[..12]);
        Key { kid, private }
    }

    /// The same key presented under another key id (to forge tokens in tests).
    pub fn with_kid(mut self, kid: &str) -> Key {
        self.kid = kid.to_string();
        self
    }

    /// A compact JWS (`header.payload.signature`) over `claims`, RS256.
    pub fn sign(&self, claims: &serde_json::Value) -> String {
        let header = serde_json::json!({ "alg": "RS256", "kid": self.kid, "typ": "JWT" });
        let signing_input = format!("{}.{}", B64.encode(header.to_string()), B64.encode(claims.to_string()));
        let signer = SigningKey::<Sha256>::new(self.private.clone());
        let signature: Signature = signer.sign(signing_input.as_bytes());
        format!("{signing_input}.{}", B64.encode(signature.to_bytes()))
    }

    /// The payload of a token this key signed, or `None` when the signature does not verify.
    /// Expiry is the caller's concern (logout accepts expired ID token hints, as Okta does).
    pub fn verify(&self, token: &str) -> Option<serde_json::Value> {
        let (signing_input, signature) = token.rsplit_once('.')?;
        let (header, payload) = signing_input.split_once('.')?;
        let header: serde_json::Value = serde_json::from_slice(&B64.decode(header).ok()?).ok()?;
        if header.get("kid")?.as_str()? != self.kid || header.get("alg")?.as_str()? != "RS256" {
            return None;
        }
        let signature = Signature::try_from(B64.decode(signature).ok()?.as_slice()).ok()?;
        let verifier = VerifyingKey::<Sha256>::new(RsaPublicKey::from(&self.private));
        verifier.verify(signing_input.as_bytes(), &signature).ok()?;
        serde_json::from_slice(&B64.decode(payload).ok()?).ok()
    }

    pub fn jwk(&self) -> serde_json::Value {
        let public = RsaPublicKey::from(&self.private);
        serde_json::json!({
            "kty": "RSA",
            "alg": "RS256",
            "use": "sig",
            "kid": self.kid,
            "n": B64.encode(public.n().to_bytes_be()),
            "e": B64.encode(public.e().to_bytes_be()),
        })
    }
}

/// The published signing keys (one active key for now; rotation would add a second).
pub struct KeyRing {
    pub active: Key,
}

impl KeyRing {
    pub async fn load_or_create(db: &SqlitePool, now: &str) -> anyhow::Result<KeyRing> {
        let row = sqlx::query("SELECT private_pem FROM signing_keys ORDER BY created DESC LIMIT 1")
            .fetch_optional(db)
            .await?;
        if let Some(row) = row {
            let pem: String = row.get("private_pem");
            let private = RsaPrivateKey::from_pkcs8_pem(&pem).context("stored signing key is unreadable")?;
            return Ok(KeyRing { active: Key::from_private(private) });
        }
        let key = tokio::task::spawn_blocking(Key::generate).await??;
        let pem = key.private.to_pkcs8_pem(LineEnding::LF).context("encoding the signing key")?;
        sqlx::query("INSERT INTO signing_keys (kid, private_pem, created) VALUES (?1, ?2, ?3)")
            .bind(&key.kid)
            .bind(pem.as_str())
            .bind(now)
            .execute(db)
            .await?;
        Ok(KeyRing { active: key })
    }

    pub fn jwks(&self) -> serde_json::Value {
        serde_json::json!({ "keys": [self.active.jwk()] })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies_and_rejects_tampering() {
        let key = Key::generate().expect("key");
        let token = key.sign(&serde_json::json!({ "sub": "00u1" }));
        assert_eq!(key.verify(&token).expect("valid")["sub"], "00u1");
        let mut tampered = token.clone();
        tampered.insert(token.find('.').expect("dot") + 2, 'A');
        assert!(key.verify(&tampered).is_none());
        let other = Key::generate().expect("key");
        assert!(other.verify(&token).is_none());
    }
}
