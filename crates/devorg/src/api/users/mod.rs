//! Users: CRUD and profiles, lists with `q`/`filter`/`search`, the lifecycle state machine,
//! credentials, and what hangs off a user (sessions, appLinks, grants, refresh tokens).
//!
//! Every handler under `/users/{id}` takes a [`Target`]: the user the path names, loaded once
//! (or 404 E0000007, as Okta answers), so no handler repeats the preamble.

mod credentials;
mod lifecycle;
mod list;
mod ops;
mod profile;
mod tokens;

pub use credentials::credentials;
pub use lifecycle::lifecycle;
pub use list::{list, page_of_users};
pub use ops::{Op, allowed_ops};
pub use profile::{check_password, create, get_one, remove, replace, update};
pub use tokens::{
    app_links, blocks, clear_sessions, client_grants, clients, grant, grants, refresh_token, refresh_tokens,
    revoke_client_grants, revoke_grant, revoke_grants, revoke_refresh_token, revoke_refresh_tokens,
};

use super::{
    ApiCaller,
    error::{ApiError, ApiResult},
    query,
};
use crate::OrgState;
use axum::{
    Json,
    body::Bytes,
    extract::{FromRequestParts, RawPathParams},
    http::{StatusCode, request::Parts},
    response::{IntoResponse, Response},
};
use serde_json::{Map, Value, json};
use sqlx::{Row, SqlitePool, sqlite::SqliteRow};
use std::{collections::HashMap, sync::Arc};

pub const COLS: &str = "id, status, transitioning_to_status, created, activated, status_changed, last_login, \
    last_updated, password_changed, profile, password_hash IS NOT NULL AS has_password, recovery_question, \
    provider, type_id";

/// A stored user, as much as the API shows.
pub struct User {
    pub id: String,
    pub status: String,
    pub transitioning: Option<String>,
    pub created: String,
    pub activated: Option<String>,
    pub status_changed: Option<String>,
    pub last_login: Option<String>,
    pub last_updated: String,
    pub password_changed: Option<String>,
    pub profile: Map<String, Value>,
    pub has_password: bool,
    pub recovery_question: Option<String>,
    pub provider: String,
    pub type_id: String,
}

impl User {
    pub fn from_row(r: &SqliteRow) -> User {
        User {
            id: r.get("id"),
            status: r.get("status"),
            transitioning: r.get("transitioning_to_status"),
            created: r.get("created"),
            activated: r.get("activated"),
            status_changed: r.get("status_changed"),
            last_login: r.get("last_login"),
            last_updated: r.get("last_updated"),
            password_changed: r.get("password_changed"),
            profile: serde_json::from_str(r.get::<&str, _>("profile")).unwrap_or_default(),
            has_password: r.get("has_password"),
            recovery_question: r.get("recovery_question"),
            provider: r.get("provider"),
            type_id: r.get("type_id"),
        }
    }

    /// Okta's JSON: every timestamp key present (null when unset), credentials without secrets,
    /// and `_links` for what the status allows (`full`) or only `self` (collections).
    pub fn to_json(&self, base: &str, full: bool) -> Value {
        let url = format!("{base}/api/v1/users/{}", self.id);
        let mut profile = self.profile.clone();
        profile.entry("mobilePhone").or_insert(Value::Null);
        profile.entry("secondEmail").or_insert(Value::Null);
        let mut credentials = Map::new();
        if self.has_password {
            credentials.insert("password".into(), json!({}));
        }
        if let Some(q) = &self.recovery_question {
            credentials.insert("recovery_question".into(), json!({ "question": q }));
        }
        if let Some(email) = profile.get("email").and_then(Value::as_str) {
            credentials.insert("emails".into(), json!([{ "value": email, "status": "VERIFIED", "type": "PRIMARY" }]));
        }
        credentials.insert("provider".into(), json!({ "type": self.provider, "name": self.provider }));
        let mut links = Map::new();
        links.insert("self".into(), json!({ "href": url }));
        if full {
            links.insert(
                "schema".into(),
                json!({ "href": format!("{base}/api/v1/meta/schemas/user/oscPortico0Default01") }),
            );
            links.insert("type".into(), json!({ "href": format!("{base}/api/v1/meta/types/user/{}", self.type_id) }));
            // Okta accepts deactivating a STAGED user but does not offer the link (recordings).
            let offered = |op: &Op| !(self.status == "STAGED" && *op == Op::Deactivate);
            for op in allowed_ops(&self.status, self.has_password).into_iter().filter(offered) {
                let (method, href) = match op {
                    Op::Delete => ("DELETE", url.clone()),
                    _ => ("POST", format!("{url}/{}", op.path())),
                };
                links.insert(op.link().into(), json!({ "href": href, "method": method }));
            }
        }
        let mut user = json!({
            "id": self.id,
            "status": self.status,
            "created": self.created,
            "activated": self.activated,
            "statusChanged": self.status_changed,
            "lastLogin": self.last_login,
            "lastUpdated": self.last_updated,
            "passwordChanged": self.password_changed,
            "realmId": DEFAULT_REALM,
            "type": { "id": self.type_id },
            "profile": profile,
            "credentials": credentials,
            "_links": links,
        });
        if let Some(t) = &self.transitioning {
            user["transitioningToStatus"] = json!(t);
        }
        user
    }
}

/// The org's one realm: current Okta orgs put every user in the default realm and say so on
/// every user (`realmId`).
pub const DEFAULT_REALM: &str = "guoPortico0Default01";

/// The user named by the path's `{id}` (an id, a login, a login's shortname, or `me`).
pub struct Target(pub User);

impl FromRequestParts<Arc<OrgState>> for Target {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<OrgState>) -> ApiResult<Target> {
        let params = RawPathParams::from_request_parts(parts, state).await.map_err(|_| ApiError::no_route())?;
        let key =
            params.iter().find(|(name, _)| *name == "id").map(|(_, v)| v.to_string()).ok_or_else(ApiError::no_route)?;
        let caller = parts.extensions.get::<ApiCaller>().cloned().unwrap_or_default();
        load(state, &caller, &key).await.map(Target)
    }
}

pub fn base(state: &OrgState) -> String {
    state.issuer.as_str().trim_end_matches('/').to_string()
}

/// Finds a user by id, login, or login shortname (the part before `@`, when unambiguous).
pub async fn find(db: &SqlitePool, key: &str) -> ApiResult<Option<User>> {
    let by_id = format!("SELECT {COLS} FROM users WHERE id = ?1 OR login = ?1 LIMIT 1");
    if let Some(row) = sqlx::query(&by_id).bind(key).fetch_optional(db).await? {
        return Ok(Some(User::from_row(&row)));
    }
    if key.contains('@') {
        return Ok(None);
    }
    let by_short = format!("SELECT {COLS} FROM users WHERE login LIKE ?1 ESCAPE '\\' LIMIT 2");
    let pattern = format!("{}@%", query::escape_like(key));
    let rows = sqlx::query(&by_short).bind(pattern).fetch_all(db).await?;
    Ok(if rows.len() == 1 { Some(User::from_row(&rows[0])) } else { None })
}

/// The user named in the path (`me` is the token's owner), or 404 E0000007.
pub async fn load(state: &OrgState, caller: &ApiCaller, key: &str) -> ApiResult<User> {
    let key = if key == "me" { caller.user_id.as_deref().unwrap_or("me") } else { key };
    find(&state.db, key).await?.ok_or_else(|| ApiError::not_found(key, "User"))
}

pub(super) fn flag(q: &HashMap<String, String>, name: &str, default: bool) -> bool {
    q.get(name).map(|v| v.eq_ignore_ascii_case("true")).unwrap_or(default)
}

pub(super) fn json_ok(value: Value) -> Response {
    (StatusCode::OK, Json(value)).into_response()
}

/// Parses a JSON body allowing only `allowed` top-level properties (Okta: E0000003 otherwise).
pub(super) fn body(bytes: &Bytes, allowed: &[&str]) -> ApiResult<Map<String, Value>> {
    if bytes.is_empty() {
        return Ok(Map::new());
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|_| ApiError::malformed_body())?;
    let Value::Object(map) = value else { return Err(ApiError::malformed_body()) };
    if map.keys().any(|k| !allowed.contains(&k.as_str())) {
        return Err(ApiError::malformed_body());
    }
    Ok(map)
}

pub(super) async fn hash(password: String) -> ApiResult<String> {
    crate::passwords::hash(password).await.map_err(|_| ApiError::internal())
}

pub(super) use crate::passwords::verify;

pub(super) fn str_at<'a>(v: &'a Map<String, Value>, path: &[&str]) -> Option<&'a str> {
    let mut cur = v.get(path[0])?;
    for p in &path[1..] {
        cur = cur.get(p)?;
    }
    cur.as_str()
}
