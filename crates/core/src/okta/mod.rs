//! A typed client for Okta's Management API (users, lifecycle, groups), over reqwest.
//!
//! Every call has a timeout; `429` is retried after `X-Rate-Limit-Reset` (bounded); other
//! failures become [`OktaError`] carrying Okta's `errorCode`, `errorSummary` and `errorCauses`.
//! Lists return one page plus the opaque cursor of the next, read from the `Link` header.

mod auth;
pub mod dpop;
mod error;
pub mod lists;
mod model;
pub mod search;

pub use auth::OktaAuth;
pub use error::OktaError;
pub use model::{Group, Page, User};

use reqwest::{Method, StatusCode, header};
use serde_json::Value;
use std::{sync::Arc, time::Duration};

#[derive(Clone)]
pub struct OktaClient {
    base: String,
    auth: Arc<OktaAuth>,
    http: reqwest::Client,
    max_retries: u32,
    /// The longest a call waits, over all its retries, for a rate-limit bucket to refill; beyond
    /// it the call fails at once with how long the wait would be (people are not kept waiting
    /// on a spinner; `bench/src/bin/load.rs` holds every request of its run 2 to it).
    max_wait: Duration,
    /// Stamps the client assertions of OAuth service apps.
    clock: crate::Clock,
    /// Shared copies of the lists pages show (see [`lists`]).
    lists: Arc<lists::Lists>,
    /// Okta's rate limits per bucket, as any replica last heard them (see [`crate::budget`]).
    budget: Arc<crate::budget::Budget>,
    /// Told after every write, so other replicas forget their copies of lists too.
    after_writes: Option<Arc<dyn Fn() + Send + Sync>>,
    /// Calls per rate-limit window this client leaves to others (a job's client, for people).
    reserve: u32,
}

/// A successful answer: status, the `next` cursor (if any) and the JSON body.
pub struct Reply {
    pub status: StatusCode,
    pub next: Option<String>,
    pub body: Value,
    /// Okta's `X-Okta-Request-Id`: what Okta support and its System Log know this call by.
    pub request_id: Option<String>,
}

/// The endpoint family a path belongs to, for metrics (Okta's rate-limit buckets, roughly).
pub fn family(method: &Method, path: &str) -> &'static str {
    let p = path.trim_start_matches("/api/v1/");
    match (method, p.split('/').collect::<Vec<_>>().as_slice()) {
        (_, ["users"]) => "users",
        (&Method::GET, ["users", _]) => "user",
        (_, ["users", _, "lifecycle", ..]) => "user-lifecycle",
        (_, ["users", _, "credentials", ..]) => "user-credentials",
        (_, ["users", ..]) => "user-other",
        (_, ["groups"]) => "groups",
        (_, ["groups", _, "users", ..]) => "group-members",
        (_, ["groups", ..]) => "group",
        _ => "other",
    }
}

/// The `after` cursor of the `rel="next"` link, if there is one.
pub fn next_cursor(headers: &header::HeaderMap) -> Option<String> {
    next_cursor_param(headers, "after")
}

/// Query parameter `param` of the `rel="next"` link (Okta: `after`; ASA: `offset`).
pub fn next_cursor_param(headers: &header::HeaderMap, param: &str) -> Option<String> {
    headers.get_all(header::LINK).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).find_map(|link| {
        let (url, rel) = link.split_once(';')?;
        if !rel.contains("rel=\"next\"") {
            return None;
        }
        let url = url.trim().trim_start_matches('<').trim_end_matches('>');
        let parsed = url::Url::parse(url).ok()?;
        parsed.query_pairs().find(|(k, _)| k == param).map(|(_, v)| v.into_owned())
    })
}

impl OktaClient {
    pub fn new(base: &str, auth: OktaAuth, timeout: Duration) -> Result<OktaClient, OktaError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("portico/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| OktaError::transport(e.to_string()))?;
        Ok(OktaClient {
            base: base.trim_end_matches('/').to_string(),
            auth: Arc::new(auth),
            http,
            max_retries: 2,
            max_wait: Duration::from_secs(2),
            clock: crate::Clock::system(),
            lists: Arc::default(),
            budget: crate::budget::Budget::new("okta"),
            after_writes: None,
            reserve: 0,
        })
    }

    /// `tell` runs after every write this client makes (whatever its outcome).
    pub fn after_writes(mut self, tell: Arc<dyn Fn() + Send + Sync>) -> OktaClient {
        self.after_writes = Some(tell);
        self
    }

    /// Forgets every copy of a list (another replica wrote to Okta).
    pub fn forget_lists(&self) {
        self.lists.forget_all();
    }

    /// The rate-limit budget this client paces its calls by (shared through the database).
    pub fn budget(&self) -> Arc<crate::budget::Budget> {
        self.budget.clone()
    }

    /// See `okta.max_interactive_wait_ms`.
    /// The client bulk jobs call through: it leaves `reserve` calls in each rate-limit window
    /// for people's clicks, and waits out a spent window (up to two minutes) instead of failing
    /// at once, as nobody is kept waiting on it.
    pub fn for_jobs(&self, reserve: u32) -> OktaClient {
        OktaClient { reserve, max_wait: Duration::from_secs(120), ..self.clone() }
    }

    pub fn with_max_wait(mut self, max_wait: Duration) -> OktaClient {
        self.max_wait = max_wait;
        self
    }

    /// The clock this client's signed assertions carry (the portal's, so tests can move it).
    pub fn with_clock(mut self, clock: crate::Clock) -> OktaClient {
        self.clock = clock;
        self
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// One API call with retries on 429 (waiting until `X-Rate-Limit-Reset`, capped) and one
    /// re-authentication on 401 for OAuth tokens (or the DPoP nonce Okta asks for). A write
    /// makes every copy of a list stale, here and (through `after_writes`) on other replicas:
    /// before the call, and again after it whatever its outcome (a write that timed out may
    /// have landed; a copy taken while it ran is old).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Reply, OktaError> {
        let write = method != Method::GET;
        if write {
            self.lists.forget_all();
        }
        let reply = self.exchange(method, path, query, body).await;
        if write {
            self.lists.forget_all();
            if let Some(tell) = &self.after_writes {
                tell();
            }
        }
        reply
    }

    async fn exchange(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Reply, OktaError> {
        let fam = family(&method, path);
        let url = format!("{}{path}", self.base);
        let mut attempt = 0;
        let mut nonce_tries = 0;
        // One budget for the whole call, its own time included: retries and their waits end
        // inside `max_wait` of the call's start, or the call answers at once.
        let begun = std::time::Instant::now();
        loop {
            // A bucket known to be spent holds the call until its reset, or answers at once
            // when that is beyond the call's budget: no request is spent on a certain 429.
            let hold = self.budget.take(fam, self.reserve, self.clock.now());
            if !hold.is_zero() {
                if begun.elapsed() + hold >= self.max_wait {
                    return Err(OktaError::held(hold));
                }
                tokio::time::sleep(hold).await;
            }
            let creds = self.auth.credentials(&self.http, &self.base, &self.clock, method.as_str(), &url).await?;
            let mut req = self
                .http
                .request(method.clone(), &url)
                .header(header::AUTHORIZATION, creds.authorization)
                .header(header::ACCEPT, "application/json")
                .query(query);
            if let Some(proof) = creds.dpop {
                req = req.header("DPoP", proof);
            }
            if let Some(b) = body {
                req = req.json(b);
            }
            let started = std::time::Instant::now();
            let res = req.send().await;
            let elapsed = started.elapsed();
            let res = match res {
                Ok(r) => r,
                Err(e) => {
                    crate::metrics::upstream_call("okta", fam, None, elapsed, None);
                    return Err(if e.is_timeout() {
                        OktaError::timeout()
                    } else {
                        OktaError::transport(e.to_string())
                    });
                }
            };
            let status = res.status();
            let headers = res.headers().clone();
            let remaining =
                headers.get("x-rate-limit-remaining").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
            crate::metrics::upstream_call("okta", fam, Some(status.as_u16()), elapsed, remaining);
            self.budget.observe(fam, status.as_u16(), &headers, self.clock.now());
            let wait = retry_delay(&headers);
            if status == StatusCode::TOO_MANY_REQUESTS
                && attempt < self.max_retries
                && begun.elapsed() + wait < self.max_wait
            {
                attempt += 1;
                tokio::time::sleep(wait).await;
                continue;
            }
            if status == StatusCode::UNAUTHORIZED
                && attempt == 0
                && !headers.contains_key("dpop-nonce")
                && self.auth.forget().await
            {
                attempt += 1;
                continue;
            }
            let text = res.text().await.map_err(|e| OktaError::transport(e.to_string()))?;
            let body: Value =
                if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
            // A DPoP nonce asked for (RFC 9449 §9): the same call again with it, twice at most.
            if matches!(status.as_u16(), 400 | 401) && nonce_tries < 2 && self.auth.take_nonce(&headers, &body) {
                nonce_tries += 1;
                continue;
            }
            let request_id = headers.get("x-okta-request-id").and_then(|v| v.to_str().ok()).map(str::to_string);
            if !status.is_success() {
                let mut e = OktaError::from_response(status.as_u16(), &body, request_id);
                if status == StatusCode::TOO_MANY_REQUESTS {
                    e.retry_after_secs = Some(wait.as_secs());
                }
                return Err(e);
            }
            return Ok(Reply { status, next: next_cursor(&headers), body, request_id });
        }
    }

    pub async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Reply, OktaError> {
        self.call(Method::GET, path, query, None).await
    }

    /// Someone named by their login (or id), else by their primary email; none if nobody is.
    pub async fn find_person(&self, login_or_email: &str) -> Result<Option<User>, OktaError> {
        let key = login_or_email.trim();
        match self.get_user(key).await {
            Ok(u) => Ok(Some(u)),
            Err(e) if e.fault == crate::upstream::Fault::NotFound => {
                let search = format!("profile.email eq {}", search::literal(key));
                Ok(self.search_users(Some(&search), None, None, 2).await?.items.into_iter().next())
            }
            Err(e) => Err(e),
        }
    }

    pub async fn get_user(&self, id: &str) -> Result<User, OktaError> {
        let reply = self.get(&format!("/api/v1/users/{}", enc(id)), &[]).await?;
        User::parse(&reply.body)
    }

    /// One page of users for a `search` expression (or all non-deprovisioned when `None`).
    pub async fn search_users(
        &self,
        search: Option<&str>,
        sort: Option<(&str, bool)>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<User>, OktaError> {
        let mut q: Vec<(&str, String)> = vec![("limit", limit.to_string())];
        if let Some(s) = search {
            q.push(("search", s.to_string()));
            if let Some((by, desc)) = sort {
                q.push(("sortBy", by.to_string()));
                q.push(("sortOrder", if desc { "desc" } else { "asc" }.to_string()));
            }
        }
        if let Some(a) = after {
            q.push(("after", a.to_string()));
        }
        let reply = self.get("/api/v1/users", &q).await?;
        Page::parse(&reply, User::parse)
    }

    /// A lifecycle operation; the reply carries Okta's body and request id (for the audit trail).
    pub async fn lifecycle(&self, id: &str, op: &str, query: &[(&str, String)]) -> Result<Reply, OktaError> {
        self.call(Method::POST, &format!("/api/v1/users/{}/lifecycle/{op}", enc(id)), query, None).await
    }

    /// Deletes (a deprovisioned user) or deactivates (anyone else); returns Okta's request id.
    pub async fn delete_user(&self, id: &str) -> Result<Option<String>, OktaError> {
        self.call(Method::DELETE, &format!("/api/v1/users/{}", enc(id)), &[], None).await.map(|r| r.request_id)
    }

    /// Partial profile update (`POST /users/{id}`): only the given properties change.
    pub async fn update_profile(&self, id: &str, changes: &serde_json::Map<String, Value>) -> Result<User, OktaError> {
        let body = serde_json::json!({ "profile": changes });
        let reply = self.call(Method::POST, &format!("/api/v1/users/{}", enc(id)), &[], Some(&body)).await?;
        User::parse(&reply.body)
    }

    pub async fn create_user(&self, body: &Value, activate: bool) -> Result<User, OktaError> {
        let reply = self.call(Method::POST, "/api/v1/users", &[("activate", activate.to_string())], Some(body)).await?;
        User::parse(&reply.body)
    }

    /// A person's groups to show, from a copy up to [`lists::TTL`] old; never for deciding
    /// what anyone may do (that reads [`OktaClient::user_groups`]).
    pub async fn user_groups_to_show(&self, id: &str) -> Result<Vec<Group>, OktaError> {
        let key = lists::Key::UserGroups(id.to_string());
        if let Some(lists::Value::UserGroups(g)) = self.lists.get(&key, self.clock.now()) {
            return Ok(g);
        }
        let groups = self.user_groups(id).await?;
        self.lists.put(key, lists::Value::UserGroups(groups.clone()), self.clock.now());
        Ok(groups)
    }

    /// A page of the groups list to show, from a copy up to [`lists::TTL`] old.
    pub async fn groups_to_show(
        &self,
        search: Option<&str>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<Group>, OktaError> {
        let key = lists::Key::Groups { search: search.map(str::to_string), after: after.map(str::to_string), limit };
        if let Some(lists::Value::Groups(p)) = self.lists.get(&key, self.clock.now()) {
            return Ok(p);
        }
        let page = self.list_groups(search, None, after, limit).await?;
        self.lists.put(key, lists::Value::Groups(page.clone()), self.clock.now());
        Ok(page)
    }

    pub async fn user_groups(&self, id: &str) -> Result<Vec<Group>, OktaError> {
        let reply = self.get(&format!("/api/v1/users/{}/groups", enc(id)), &[]).await?;
        Page::parse(&reply, Group::parse).map(|p| p.items)
    }

    pub async fn clear_sessions(&self, id: &str, oauth_tokens: bool) -> Result<(), OktaError> {
        let path = format!("/api/v1/users/{}/sessions", enc(id));
        self.call(Method::DELETE, &path, &[("oauthTokens", oauth_tokens.to_string())], None).await.map(|_| ())
    }

    /// A JSON list at `path` (appLinks, grants, clients, tokens), as Okta sends it.
    pub async fn list_json(&self, path: &str) -> Result<Vec<Value>, OktaError> {
        let reply = self.get(path, &[]).await?;
        reply.body.as_array().cloned().ok_or_else(|| OktaError::decode("expected a list".into()))
    }

    pub async fn app_links(&self, id: &str) -> Result<Vec<Value>, OktaError> {
        self.list_json(&format!("/api/v1/users/{}/appLinks", enc(id))).await
    }

    pub async fn grants(&self, id: &str) -> Result<Vec<Value>, OktaError> {
        self.list_json(&format!("/api/v1/users/{}/grants", enc(id))).await
    }

    pub async fn clients(&self, id: &str) -> Result<Vec<Value>, OktaError> {
        self.list_json(&format!("/api/v1/users/{}/clients", enc(id))).await
    }

    pub async fn refresh_tokens(&self, id: &str, client: &str) -> Result<Vec<Value>, OktaError> {
        self.list_json(&format!("/api/v1/users/{}/clients/{}/tokens", enc(id), enc(client))).await
    }

    /// Revokes everything one OAuth client holds for a person: consents and refresh tokens.
    pub async fn revoke_client(&self, id: &str, client: &str) -> Result<(), OktaError> {
        let base = format!("/api/v1/users/{}/clients/{}", enc(id), enc(client));
        self.call(Method::DELETE, &format!("{base}/grants"), &[], None).await?;
        self.call(Method::DELETE, &format!("{base}/tokens"), &[], None).await.map(|_| ())
    }

    pub async fn list_groups(
        &self,
        search: Option<&str>,
        q: Option<&str>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<Group>, OktaError> {
        let mut query: Vec<(&str, String)> = vec![("limit", limit.to_string()), ("expand", "stats".into())];
        if let Some(s) = search {
            query.push(("search", s.to_string()));
            query.push(("sortBy", "profile.name".into()));
        }
        if let Some(q) = q {
            query.push(("q", q.to_string()));
        }
        if let Some(a) = after {
            query.push(("after", a.to_string()));
        }
        let reply = self.get("/api/v1/groups", &query).await?;
        Page::parse(&reply, Group::parse)
    }

    pub async fn get_group(&self, id: &str) -> Result<Group, OktaError> {
        let reply = self.get(&format!("/api/v1/groups/{}", enc(id)), &[("expand", "stats".into())]).await?;
        Group::parse(&reply.body)
    }

    pub async fn group_members(&self, id: &str, after: Option<&str>, limit: usize) -> Result<Page<User>, OktaError> {
        let mut q: Vec<(&str, String)> = vec![("limit", limit.to_string())];
        if let Some(a) = after {
            q.push(("after", a.to_string()));
        }
        let reply = self.get(&format!("/api/v1/groups/{}/users", enc(id)), &q).await?;
        Page::parse(&reply, User::parse)
    }

    /// Returns Okta's request id.
    pub async fn add_member(&self, group: &str, user: &str) -> Result<Option<String>, OktaError> {
        self.call(Method::PUT, &format!("/api/v1/groups/{}/users/{}", enc(group), enc(user)), &[], None)
            .await
            .map(|r| r.request_id)
    }

    /// Returns Okta's request id.
    pub async fn remove_member(&self, group: &str, user: &str) -> Result<Option<String>, OktaError> {
        self.call(Method::DELETE, &format!("/api/v1/groups/{}/users/{}", enc(group), enc(user)), &[], None)
            .await
            .map(|r| r.request_id)
    }

    /// A group's owners as `(id, display name)`: people (and groups) Okta names as its owners.
    pub async fn group_owners(&self, id: &str) -> Result<Vec<(String, String)>, OktaError> {
        let owners = self.list_json(&format!("/api/v1/groups/{}/owners", enc(id))).await?;
        Ok(owners
            .iter()
            .filter(|o| o.get("type").and_then(Value::as_str).unwrap_or("USER") == "USER")
            .filter_map(|o| {
                let id = o.get("id").and_then(Value::as_str)?;
                Some((id.to_string(), o.get("displayName").and_then(Value::as_str).unwrap_or(id).to_string()))
            })
            .collect())
    }

    /// How `user` has the app: Okta's AppUser (`scope` `USER` or `GROUP`, `_links.group`), or
    /// none when they do not have it.
    pub async fn app_user(&self, app: &str, user: &str) -> Result<Option<Value>, OktaError> {
        match self.get(&format!("/api/v1/apps/{}/users/{}", enc(app), enc(user)), &[]).await {
            Ok(reply) => Ok(Some(reply.body)),
            Err(e) if e.fault == crate::upstream::Fault::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// An app's label, as people know it.
    pub async fn app_label(&self, app: &str) -> Result<String, OktaError> {
        let reply = self.get(&format!("/api/v1/apps/{}", enc(app)), &[]).await?;
        Ok(reply.body.get("label").and_then(Value::as_str).unwrap_or(app).to_string())
    }

    /// The ids of everyone who has the app, directly or through a group (every page).
    pub async fn app_user_ids(&self, app: &str) -> Result<Vec<String>, OktaError> {
        let mut ids = Vec::new();
        let mut q: Vec<(&str, String)> = vec![("limit", "500".into())];
        loop {
            let reply = self.get(&format!("/api/v1/apps/{}/users", enc(app)), &q).await?;
            let page = reply.body.as_array().ok_or_else(|| OktaError::decode("expected a list".into()))?;
            ids.extend(page.iter().filter_map(|u| u.get("id").and_then(Value::as_str).map(str::to_string)));
            match reply.next {
                Some(after) => q = vec![("limit", "500".into()), ("after", after)],
                None => return Ok(ids),
            }
        }
    }

    /// Takes away an app assigned to `user` directly. Returns Okta's request id.
    pub async fn unassign_app(&self, app: &str, user: &str) -> Result<Option<String>, OktaError> {
        self.call(Method::DELETE, &format!("/api/v1/apps/{}/users/{}", enc(app), enc(user)), &[], None)
            .await
            .map(|r| r.request_id)
    }

    pub async fn create_group(&self, name: &str, description: Option<&str>) -> Result<Group, OktaError> {
        let body = serde_json::json!({ "profile": { "name": name, "description": description } });
        let reply = self.call(Method::POST, "/api/v1/groups", &[], Some(&body)).await?;
        Group::parse(&reply.body)
    }

    pub async fn replace_group(&self, id: &str, name: &str, description: Option<&str>) -> Result<Group, OktaError> {
        let body = serde_json::json!({ "profile": { "name": name, "description": description } });
        let reply = self.call(Method::PUT, &format!("/api/v1/groups/{}", enc(id)), &[], Some(&body)).await?;
        Group::parse(&reply.body)
    }

    pub async fn delete_group(&self, id: &str) -> Result<(), OktaError> {
        self.call(Method::DELETE, &format!("/api/v1/groups/{}", enc(id)), &[], None).await.map(|_| ())
    }
}

/// Percent-encodes one path segment (ids are safe; logins may carry `@`, `+`, `/`).
fn enc(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes()).collect::<String>().replace('+', "%20")
}

/// How long to wait before retrying a 429: until `X-Rate-Limit-Reset` (by the response's own
/// `Date`, so clocks need not agree; `Date` is truncated to the second, so the answer was made
/// no earlier than it and `reset − Date` from its arrival reaches the reset), at least a
/// second, capped at 60 s.
fn retry_delay(headers: &header::HeaderMap) -> Duration {
    let reset = headers.get("x-rate-limit-reset").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<i64>().ok());
    let date = headers
        .get(header::DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(|d| chrono::DateTime::parse_from_rfc2822(d).ok())
        .map(|d| d.timestamp());
    match (reset, date) {
        (Some(r), Some(d)) => Duration::from_secs((r - d).clamp(1, 60) as u64),
        _ => Duration::from_secs(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_cursor_comes_from_the_next_link_only() {
        let mut h = header::HeaderMap::new();
        h.append(header::LINK, "<https://o/api/v1/users?limit=2>; rel=\"self\"".parse().expect("v"));
        assert_eq!(next_cursor(&h), None);
        h.append(header::LINK, "<https://o/api/v1/users?after=00u2&limit=2>; rel=\"next\"".parse().expect("v"));
        assert_eq!(next_cursor(&h).as_deref(), Some("00u2"));
        let mut combined = header::HeaderMap::new();
        combined.append(
            header::LINK,
            "<https://o/x?limit=2>; rel=\"self\", <https://o/x?after=c%3D&limit=2>; rel=\"next\"".parse().expect("v"),
        );
        assert_eq!(next_cursor(&combined).as_deref(), Some("c="));
    }

    #[test]
    fn retry_waits_for_the_reset_by_the_servers_clock() {
        let mut h = header::HeaderMap::new();
        h.insert(header::DATE, "Mon, 29 Sep 2025 03:49:54 GMT".parse().expect("v"));
        h.insert("x-rate-limit-reset", "1759117784".parse().expect("v")); // 10 s before Date
        assert_eq!(retry_delay(&h), Duration::from_secs(1), "a reset in the past still waits a second");
        h.insert("x-rate-limit-reset", "1759117814".parse().expect("v"));
        assert_eq!(retry_delay(&h), Duration::from_secs(20));
        assert_eq!(retry_delay(&header::HeaderMap::new()), Duration::from_secs(1));
    }

    #[test]
    fn families_group_endpoints() {
        assert_eq!(family(&Method::GET, "/api/v1/users"), "users");
        assert_eq!(family(&Method::GET, "/api/v1/users/00u1"), "user");
        assert_eq!(family(&Method::POST, "/api/v1/users/00u1/lifecycle/suspend"), "user-lifecycle");
        assert_eq!(family(&Method::PUT, "/api/v1/groups/00g1/users/00u1"), "group-members");
    }

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(enc("a+b@x.com"), "a%2Bb%40x.com");
        assert_eq!(enc("a/b c"), "a%2Fb%20c");
    }
}
