//! Okta Advanced Server Access, behind a narrow interface ([`ServerAccess`]) that another backend
//! (Okta Privileged Access replaces ASA) could implement. The ASA client caches its service
//! token, renews it before `expires_at`, retries once after a 401, and follows `Link` paging.

pub mod drift;

use crate::{okta::next_cursor_param, secret::Secret};
use reqwest::{Method, StatusCode, header};
use serde::Deserialize;
use serde_json::Value;
use std::time::Duration;
use tokio::sync::Mutex;

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct AsaUser {
    pub id: String,
    pub name: String,
    pub status: String,
    #[serde(default)]
    pub user_type: String,
    #[serde(default)]
    pub details: Option<AsaDetails>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
pub struct AsaDetails {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub full_name: Option<String>,
    pub email: Option<String>,
}

impl AsaUser {
    pub fn email(&self) -> Option<&str> {
        self.details.as_ref().and_then(|d| d.email.as_deref())
    }
    pub fn full_name(&self) -> String {
        self.details.as_ref().and_then(|d| d.full_name.clone()).unwrap_or_else(|| self.name.clone())
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct AsaGroup {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub managed_by_okta: bool,
    #[serde(default)]
    pub federated_from_team: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AsaError {
    /// HTTP status; 0 when ASA was not reached.
    pub status: u16,
    pub message: String,
}

impl AsaError {
    /// What kind of failure it is (see [`crate::upstream::Fault`]).
    pub fn fault(&self) -> crate::upstream::Fault {
        crate::upstream::Fault::of_status(self.status)
    }
}

impl std::fmt::Display for AsaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// What the portal needs from a server-access product.
#[allow(async_fn_in_trait)]
pub trait ServerAccess {
    async fn users(
        &self,
        starts_with: Option<&str>,
        statuses: &[&str],
        include_service: bool,
        offset: Option<&str>,
    ) -> Result<(Vec<AsaUser>, Option<String>), AsaError>;
    async fn user(&self, name: &str) -> Result<AsaUser, AsaError>;
    async fn set_status(&self, name: &str, status: &str) -> Result<(), AsaError>;
    async fn user_groups(&self, name: &str) -> Result<Vec<AsaGroup>, AsaError>;
    async fn groups(&self, contains: Option<&str>) -> Result<Vec<AsaGroup>, AsaError>;
    async fn group(&self, name: &str) -> Result<AsaGroup, AsaError>;
    async fn members(&self, group: &str) -> Result<Vec<AsaUser>, AsaError>;
    async fn create_group(&self, name: &str, roles: &[String]) -> Result<AsaGroup, AsaError>;
    async fn set_roles(&self, group: &str, roles: &[String]) -> Result<(), AsaError>;
    async fn delete_group(&self, group: &str) -> Result<(), AsaError>;
    async fn add_member(&self, group: &str, user: &str) -> Result<(), AsaError>;
    async fn remove_member(&self, group: &str, user: &str) -> Result<(), AsaError>;
}

pub struct AsaClient {
    base: String,
    team: String,
    key_id: String,
    key_secret: Secret,
    http: reqwest::Client,
    token: Mutex<Option<(Secret, chrono::DateTime<chrono::Utc>)>>,
    /// Compared with the tokens' `expires_at`, which the team's clock wrote.
    clock: crate::Clock,
    /// ASA's rate limits per bucket, as any replica last heard them (see [`crate::budget`]).
    budget: std::sync::Arc<crate::budget::Budget>,
}

/// The longest a call waits for a spent bucket to refill before answering that it is spent.
const MAX_HOLD: Duration = Duration::from_secs(2);

fn seg(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>().replace('+', "%20")
}

/// The endpoint family of a team URL, for metrics: what follows `/teams/<team>/`.
fn bucket(method: &Method, url: &str) -> &'static str {
    let path = url.split_once("/teams/").map_or("", |(_, rest)| rest);
    let path = path.split('?').next().unwrap_or_default();
    match (method, path.split('/').skip(1).collect::<Vec<_>>().as_slice()) {
        (_, ["users"]) => "users",
        (_, ["users", _, "groups", ..]) => "user-groups",
        (&Method::GET, ["users", _]) => "user",
        (_, ["users", ..]) => "user-other",
        (_, ["groups"]) => "groups",
        (_, ["groups", _, "users", ..]) => "group-members",
        (_, ["groups", ..]) => "group",
        _ => "other",
    }
}

fn transport(e: reqwest::Error) -> AsaError {
    AsaError { status: 0, message: format!("ASA could not be reached: {e}") }
}

impl AsaClient {
    pub fn new(
        base: &str,
        team: &str,
        key_id: &str,
        key_secret: Secret,
        timeout: Duration,
    ) -> Result<AsaClient, AsaError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(transport)?;
        Ok(AsaClient {
            base: base.trim_end_matches('/').into(),
            team: team.into(),
            key_id: key_id.into(),
            key_secret,
            http,
            token: Mutex::new(None),
            clock: crate::Clock::system(),
            budget: crate::budget::Budget::new("asa"),
        })
    }

    /// The rate-limit budget this client paces its calls by (shared through the database).
    pub fn budget(&self) -> std::sync::Arc<crate::budget::Budget> {
        self.budget.clone()
    }

    /// The clock token expiry is judged by (the portal's, so tests can move it).
    pub fn with_clock(mut self, clock: crate::Clock) -> AsaClient {
        self.clock = clock;
        self
    }

    pub fn team(&self) -> &str {
        &self.team
    }

    /// A valid bearer token: cached until a minute before `expires_at`.
    async fn bearer(&self, renew: bool) -> Result<String, AsaError> {
        let mut cached = self.token.lock().await;
        if !renew
            && let Some((t, exp)) = cached.as_ref()
            && self.clock.now() + chrono::Duration::seconds(60) < *exp
        {
            return Ok(t.expose().to_string());
        }
        let res = self
            .http
            .post(format!("{}/v1/teams/{}/service_token", self.base, seg(&self.team)))
            .json(&serde_json::json!({ "key_id": self.key_id, "key_secret": self.key_secret.expose() }))
            .send()
            .await
            .map_err(transport)?;
        if res.status() == StatusCode::UNAUTHORIZED {
            return Err(AsaError {
                status: 401,
                message: "ASA refused the portal's service-user key; check asa.key_id and asa.key_secret.".into(),
            });
        }
        let body: Value = res.json().await.map_err(transport)?;
        let token = body["bearer_token"]
            .as_str()
            .ok_or_else(|| AsaError { status: 502, message: "ASA sent no token".into() })?
            .to_string();
        let exp = body["expires_at"]
            .as_str()
            .and_then(|e| chrono::DateTime::parse_from_rfc3339(e).ok())
            .map(|d| d.to_utc())
            .unwrap_or_else(|| self.clock.now());
        *cached = Some((Secret::new(token.clone()), exp));
        Ok(token)
    }

    /// One call; a 401 gets one fresh token and one retry.
    async fn call(
        &self,
        method: Method,
        url: String,
        body: Option<Value>,
    ) -> Result<(Value, Option<String>), AsaError> {
        for attempt in 0..2 {
            let token = self.bearer(attempt > 0).await?;
            let mut req =
                self.http.request(method.clone(), &url).bearer_auth(token).header(header::ACCEPT, "application/json");
            if let Some(b) = &body {
                req = req.json(b);
            }
            let bucket = bucket(&method, &url);
            let hold = self.budget.take(bucket, 0, self.clock.now());
            if !hold.is_zero() {
                if hold > MAX_HOLD {
                    let secs = hold.as_secs_f64().ceil() as u64;
                    let message = format!(
                        "ASA's rate limit for this kind of call is used up for about {secs} s more; nothing was sent. Try again then."
                    );
                    return Err(AsaError { status: 429, message });
                }
                tokio::time::sleep(hold).await;
            }
            let started = std::time::Instant::now();
            let res = req.send().await;
            crate::metrics::upstream_call(
                "asa",
                bucket,
                res.as_ref().ok().map(|r| r.status().as_u16()),
                started.elapsed(),
                None,
            );
            let res = res.map_err(transport)?;
            let status = res.status();
            self.budget.observe(bucket, status.as_u16(), res.headers(), self.clock.now());
            if status == StatusCode::UNAUTHORIZED && attempt == 0 {
                continue;
            }
            let next = next_cursor_param(res.headers(), "offset");
            let text = res.text().await.map_err(transport)?;
            let value: Value =
                if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
            if !status.is_success() {
                let message = value
                    .get("message")
                    .and_then(|m| m.as_str())
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("ASA answered HTTP {status}"));
                return Err(AsaError { status: status.as_u16(), message });
            }
            return Ok((value, next));
        }
        Err(AsaError { status: 401, message: "ASA kept refusing fresh tokens.".into() })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/v1/teams/{}{path}", self.base, seg(&self.team))
    }

    fn list<T: for<'de> Deserialize<'de>>(v: &Value) -> Result<Vec<T>, AsaError> {
        serde_json::from_value(v.get("list").cloned().unwrap_or(Value::Array(vec![])))
            .map_err(|e| AsaError { status: 502, message: format!("ASA's answer could not be read: {e}") })
    }

    /// Every page of a list.
    async fn all<T: for<'de> Deserialize<'de>>(&self, path: &str) -> Result<Vec<T>, AsaError> {
        let mut out = Vec::new();
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut offset: Option<String> = None;
        for _ in 0..1000 {
            let url = match &offset {
                Some(o) => format!("{}{sep}offset={}", self.url(path), seg(o)),
                None => self.url(path),
            };
            let (v, next) = self.call(Method::GET, url, None).await?;
            out.extend(Self::list::<T>(&v)?);
            match next {
                Some(n) => offset = Some(n),
                None => break,
            }
        }
        Ok(out)
    }
}

impl ServerAccess for AsaClient {
    async fn users(
        &self,
        starts_with: Option<&str>,
        statuses: &[&str],
        include_service: bool,
        offset: Option<&str>,
    ) -> Result<(Vec<AsaUser>, Option<String>), AsaError> {
        // Built before any await: the serializer is not Send.
        let query = {
            let mut q = url::form_urlencoded::Serializer::new(String::new());
            q.append_pair("count", "100");
            if let Some(s) = starts_with.filter(|s| !s.is_empty()) {
                q.append_pair("starts_with", s);
            }
            for s in statuses {
                q.append_pair("status", s);
            }
            if include_service {
                q.append_pair("include_service_users", "true");
            }
            if let Some(o) = offset.filter(|o| !o.is_empty()) {
                q.append_pair("offset", o);
            }
            q.finish()
        };
        let (v, next) = self.call(Method::GET, format!("{}?{query}", self.url("/users")), None).await?;
        Ok((Self::list(&v)?, next))
    }
    async fn user(&self, name: &str) -> Result<AsaUser, AsaError> {
        let (v, _) = self.call(Method::GET, self.url(&format!("/users/{}", seg(name))), None).await?;
        serde_json::from_value(v).map_err(|e| AsaError { status: 502, message: e.to_string() })
    }
    async fn set_status(&self, name: &str, status: &str) -> Result<(), AsaError> {
        self.call(
            Method::PUT,
            self.url(&format!("/users/{}", seg(name))),
            Some(serde_json::json!({ "name": name, "status": status })),
        )
        .await
        .map(|_| ())
    }
    async fn user_groups(&self, name: &str) -> Result<Vec<AsaGroup>, AsaError> {
        self.all(&format!("/users/{}/groups", seg(name))).await
    }
    async fn groups(&self, contains: Option<&str>) -> Result<Vec<AsaGroup>, AsaError> {
        match contains.filter(|c| !c.is_empty()) {
            Some(c) => self.all(&format!("/groups?contains={}", seg(c))).await,
            None => self.all("/groups").await,
        }
    }
    async fn group(&self, name: &str) -> Result<AsaGroup, AsaError> {
        let (v, _) = self.call(Method::GET, self.url(&format!("/groups/{}", seg(name))), None).await?;
        serde_json::from_value(v).map_err(|e| AsaError { status: 502, message: e.to_string() })
    }
    async fn members(&self, group: &str) -> Result<Vec<AsaUser>, AsaError> {
        self.all(&format!("/groups/{}/users", seg(group))).await
    }
    async fn create_group(&self, name: &str, roles: &[String]) -> Result<AsaGroup, AsaError> {
        let (v, _) = self
            .call(Method::POST, self.url("/groups"), Some(serde_json::json!({ "name": name, "roles": roles })))
            .await?;
        serde_json::from_value(v).map_err(|e| AsaError { status: 502, message: e.to_string() })
    }
    async fn set_roles(&self, group: &str, roles: &[String]) -> Result<(), AsaError> {
        self.call(
            Method::PUT,
            self.url(&format!("/groups/{}", seg(group))),
            Some(serde_json::json!({ "roles": roles })),
        )
        .await
        .map(|_| ())
    }
    async fn delete_group(&self, group: &str) -> Result<(), AsaError> {
        self.call(Method::DELETE, self.url(&format!("/groups/{}", seg(group))), None).await.map(|_| ())
    }
    async fn add_member(&self, group: &str, user: &str) -> Result<(), AsaError> {
        self.call(
            Method::POST,
            self.url(&format!("/groups/{}/users", seg(group))),
            Some(serde_json::json!({ "name": user })),
        )
        .await
        .map(|_| ())
    }
    async fn remove_member(&self, group: &str, user: &str) -> Result<(), AsaError> {
        self.call(Method::DELETE, self.url(&format!("/groups/{}/users/{}", seg(group), seg(user))), None)
            .await
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_follow_the_team_path() {
        let u = |p: &str| format!("https://asa.example/v1/teams/t{p}");
        assert_eq!(bucket(&Method::GET, &u("/users?count=100")), "users");
        assert_eq!(bucket(&Method::GET, &u("/users/ed")), "user");
        assert_eq!(bucket(&Method::PUT, &u("/users/ed")), "user-other");
        assert_eq!(bucket(&Method::GET, &u("/users/ed/groups")), "user-groups");
        assert_eq!(bucket(&Method::POST, &u("/groups/ops/users/ed")), "group-members");
        assert_eq!(bucket(&Method::GET, &u("/groups")), "groups");
        assert_eq!(bucket(&Method::GET, "https://asa.example/v1/service_token"), "other");
    }
}
