//! Users: CRUD, lists with `q`/`filter`/`search`, the lifecycle state machine, credentials,
//! sessions, appLinks, grants and refresh tokens.

use super::{
    ApiCaller,
    error::{ApiError, ApiResult},
    paging,
    query::{self, Dialect},
};
use crate::{
    OrgState,
    ids::{okta_id, okta_time, random_token},
};
use axum::{
    Extension, Json,
    body::Bytes,
    extract::{Path, Query, RawQuery, State},
    http::StatusCode,
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
            for op in allowed_ops(&self.status, self.has_password) {
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

/// Every lifecycle and credential operation: one table decides both the links a user gets and
/// whether the operation is accepted, so the two can never disagree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Activate,
    Reactivate,
    Deactivate,
    Suspend,
    Unsuspend,
    Unlock,
    ResetPassword,
    ExpirePassword,
    ResetFactors,
    ChangePassword,
    ChangeRecoveryQuestion,
    ForgotPassword,
    Delete,
}

impl Op {
    fn link(self) -> &'static str {
        match self {
            Op::Activate => "activate",
            Op::Reactivate => "reactivate",
            Op::Deactivate => "deactivate",
            Op::Suspend => "suspend",
            Op::Unsuspend => "unsuspend",
            Op::Unlock => "unlock",
            Op::ResetPassword => "resetPassword",
            Op::ExpirePassword => "expirePassword",
            Op::ResetFactors => "resetFactors",
            Op::ChangePassword => "changePassword",
            Op::ChangeRecoveryQuestion => "changeRecoveryQuestion",
            Op::ForgotPassword => "forgotPassword",
            Op::Delete => "delete",
        }
    }

    fn path(self) -> &'static str {
        match self {
            Op::Activate => "lifecycle/activate",
            Op::Reactivate => "lifecycle/reactivate",
            Op::Deactivate => "lifecycle/deactivate",
            Op::Suspend => "lifecycle/suspend",
            Op::Unsuspend => "lifecycle/unsuspend",
            Op::Unlock => "lifecycle/unlock",
            Op::ResetPassword => "lifecycle/reset_password",
            Op::ExpirePassword => "lifecycle/expire_password",
            Op::ResetFactors => "lifecycle/reset_factors",
            Op::ChangePassword => "credentials/change_password",
            Op::ChangeRecoveryQuestion => "credentials/change_recovery_question",
            Op::ForgotPassword => "credentials/forgot_password",
            Op::Delete => "",
        }
    }

    /// The refusal Okta gives when the status does not allow this operation.
    fn refusal(self, id: &str) -> ApiError {
        match self {
            Op::Activate => {
                ApiError::new(StatusCode::FORBIDDEN, "E0000016", "Activation failed because the user is already active")
            }
            Op::Deactivate | Op::Delete => ApiError::not_found(id, "User"),
            Op::Suspend => ApiError::validation("suspendUser", vec!["Cannot suspend a user that is not active".into()]),
            Op::Unsuspend => {
                ApiError::validation("unsuspendUser", vec!["Cannot unsuspend a user that is not suspended".into()])
            }
            Op::Unlock => ApiError::new(StatusCode::FORBIDDEN, "E0000032", "Unlock is not allowed for this user.")
                .with_cause("The user is not locked out."),
            Op::ChangePassword => {
                ApiError::new(StatusCode::FORBIDDEN, "E0000035", "Change password not allowed on specified user.")
            }
            Op::ChangeRecoveryQuestion => ApiError::new(
                StatusCode::FORBIDDEN,
                "E0000036",
                "Change recovery question not allowed on specified user.",
            ),
            Op::ForgotPassword => {
                ApiError::new(StatusCode::FORBIDDEN, "E0000034", "Forgot password not allowed on specified user.")
            }
            Op::Reactivate | Op::ResetPassword | Op::ExpirePassword | Op::ResetFactors => {
                ApiError::not_allowed_in_status()
            }
        }
    }
}

/// What each status allows (see the crate README for the choices where Okta's docs are silent).
pub fn allowed_ops(status: &str, has_password: bool) -> Vec<Op> {
    use Op::*;
    let mut ops = match status {
        // Okta accepts deactivation from any status but DEPROVISIONED; its STAGED users just do
        // not advertise it. Here links and acceptance come from one table, so STAGED shows it.
        "STAGED" => vec![Activate, ResetFactors, Deactivate],
        "PROVISIONED" => vec![Reactivate, ResetPassword, Deactivate, ResetFactors],
        "ACTIVE" => vec![Suspend, ResetPassword, ExpirePassword, ForgotPassword, ResetFactors, Deactivate],
        "PASSWORD_EXPIRED" => vec![ResetPassword, ExpirePassword, ForgotPassword, ResetFactors, Deactivate],
        "RECOVERY" => vec![ResetPassword, ResetFactors, Deactivate],
        "LOCKED_OUT" => vec![Unlock, ResetPassword, ResetFactors, Deactivate],
        "SUSPENDED" => vec![Unsuspend, ResetFactors, Deactivate],
        "DEPROVISIONED" => vec![Activate, Delete],
        _ => vec![],
    };
    // Okta's docs also allow password changes while STAGED, but real STAGED users carry no
    // such links (recordings), so the embedded org follows the recordings.
    if has_password && matches!(status, "ACTIVE" | "PASSWORD_EXPIRED" | "RECOVERY") {
        ops.extend([ChangePassword, ChangeRecoveryQuestion]);
    }
    ops
}

pub fn base(state: &OrgState) -> String {
    state.issuer.as_str().trim_end_matches('/').to_string()
}

fn now() -> String {
    okta_time(chrono::Utc::now())
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

fn flag(q: &HashMap<String, String>, name: &str, default: bool) -> bool {
    q.get(name).map(|v| v.eq_ignore_ascii_case("true")).unwrap_or(default)
}

fn json_ok(value: Value) -> Response {
    (StatusCode::OK, Json(value)).into_response()
}

/// Parses a JSON body allowing only `allowed` top-level properties (Okta: E0000003 otherwise).
fn body(bytes: &Bytes, allowed: &[&str]) -> ApiResult<Map<String, Value>> {
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

fn looks_like_email(v: &str) -> bool {
    let mut parts = v.splitn(2, '@');
    let (local, domain) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !v.contains(char::is_whitespace)
}

/// Profile rules of Okta's default user schema: login (email-shaped), email, firstName,
/// lastName required. Returns E0000001 naming the first failing field, one cause per violation.
fn validate_profile(profile: &Map<String, Value>) -> ApiResult<()> {
    let text = |k: &str| profile.get(k).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());
    let mut causes = Vec::new();
    let mut first = None;
    for field in ["login", "firstName", "lastName", "email"] {
        if text(field).is_none() {
            causes.push(format!("{field}: The field cannot be left blank"));
            first.get_or_insert(field);
        }
    }
    if !text("login").is_some_and(looks_like_email) {
        causes.push("login: Username must be in the form of an email address".into());
        first.get_or_insert("login");
    }
    if let Some(email) = text("email")
        && !looks_like_email(email)
    {
        causes.push("email: Does not match required pattern".into());
        first.get_or_insert("email");
    }
    for (k, v) in profile {
        if matches!(v, Value::Object(_)) {
            causes.push(format!("{k}: Property value is not of a supported type"));
            first.get_or_insert("profile");
        }
    }
    match first {
        None => Ok(()),
        Some(f) => {
            // Okta lists blank-field causes first, then format causes; the summary names a field.
            let mut e = ApiError::validation(f, causes);
            if f == "firstName" || f == "lastName" || f == "email" {
                e.summary = format!("Api validation failed: {f}");
            }
            Err(e)
        }
    }
}

/// Okta's default password policy: 8–72 characters, an upper- and lower-case letter, a digit,
/// and no part (of 4+ characters) of the login.
pub fn check_password(password: &str, login: &str) -> ApiResult<()> {
    let mut problems = Vec::new();
    if password.chars().count() < 8 {
        problems.push("at least 8 characters");
    }
    if password.chars().count() > 72 {
        problems.push("at most 72 characters");
    }
    if !password.chars().any(|c| c.is_lowercase()) {
        problems.push("a lowercase letter");
    }
    if !password.chars().any(|c| c.is_uppercase()) {
        problems.push("an uppercase letter");
    }
    if !password.chars().any(|c| c.is_ascii_digit()) {
        problems.push("a number");
    }
    let lower = password.to_lowercase();
    if login.to_lowercase().split([',', '.', '_', '#', '@', '-']).any(|part| part.len() >= 4 && lower.contains(part)) {
        problems.push("no parts of your username");
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(ApiError::validation(
        "password",
        vec![format!("password: Password requirements were not met. Password requirements: {}.", problems.join(", "))],
    ))
}

async fn hash(password: String) -> ApiResult<String> {
    tokio::task::spawn_blocking(move || crate::seed::hash_password(&password))
        .await
        .map_err(|_| ApiError::internal())?
        .map_err(|_| ApiError::internal())
}

async fn verify(hash: Option<String>, candidate: String) -> bool {
    let Some(hash) = hash else { return false };
    tokio::task::spawn_blocking(move || {
        use argon2::{Argon2, PasswordHash, PasswordVerifier};
        PasswordHash::new(&hash)
            .map(|h| Argon2::default().verify_password(candidate.as_bytes(), &h).is_ok())
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

async fn login_taken(db: &SqlitePool, login: &str, except: Option<&str>) -> ApiResult<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE login = ?1 AND id != ?2")
        .bind(login)
        .bind(except.unwrap_or(""))
        .fetch_one(db)
        .await?;
    Ok(n > 0)
}

fn duplicate_login() -> ApiError {
    ApiError::validation(
        "login",
        vec!["login: An object with this field already exists in the current organization".into()],
    )
}

fn str_at<'a>(v: &'a Map<String, Value>, path: &[&str]) -> Option<&'a str> {
    let mut cur = v.get(path[0])?;
    for p in &path[1..] {
        cur = cur.get(p)?;
    }
    cur.as_str()
}

// ---- create, read, update, delete ----

pub async fn create(
    State(state): State<Arc<OrgState>>,
    Query(q): Query<HashMap<String, String>>,
    bytes: Bytes,
) -> ApiResult<Response> {
    let body = body(&bytes, &["profile", "credentials", "groupIds", "type"])?;
    let profile = match body.get("profile") {
        Some(Value::Object(p)) => p.clone(),
        _ => Map::new(),
    };
    validate_profile(&profile)?;
    let login = str_at(&profile, &["login"]).unwrap_or_default().trim().to_string();
    if login_taken(&state.db, &login, None).await? {
        return Err(duplicate_login());
    }
    let activate = flag(&q, "activate", true);
    let password =
        body.get("credentials").and_then(|c| c.get("password")).and_then(|p| p.get("value")).and_then(Value::as_str);
    let question = body.get("credentials").and_then(|c| c.get("recovery_question"));
    let provider = body
        .get("credentials")
        .and_then(|c| c.get("provider"))
        .and_then(|p| p.get("type"))
        .and_then(Value::as_str)
        .unwrap_or("OKTA")
        .to_string();
    let federated = flag(&q, "provider", false) || provider != "OKTA";
    let change_at_next = q.get("nextLogin").is_some_and(|v| v == "changePassword");
    if change_at_next && password.is_none() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "E0000124",
            "Could not create user. To create a user and expire their password immediately, a password must be specified.",
        ));
    }
    if change_at_next && !activate {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "E0000125",
            "Could not create user. To create a user and expire their password immediately, `activate` must be true.",
        ));
    }
    if let Some(p) = password {
        check_password(p, &login)?;
    }
    let group_ids: Vec<String> = match body.get("groupIds") {
        Some(Value::Array(ids)) => ids.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
        Some(_) => return Err(ApiError::malformed_body()),
        None => Vec::new(),
    };
    if group_ids.len() > 20 {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "E0000093", "Target count limit exceeded")
            .with_cause("The number of group targets is too large"));
    }
    for gid in &group_ids {
        let kind: Option<String> =
            sqlx::query_scalar("SELECT type FROM groups WHERE id = ?1").bind(gid).fetch_optional(&state.db).await?;
        match kind.as_deref() {
            Some("OKTA_GROUP") => {}
            Some(_) => return Err(ApiError::forbidden()),
            None => return Err(ApiError::not_found(gid, "UserGroup")),
        }
    }
    let status = match (activate, password.is_some() || federated, change_at_next) {
        (false, _, _) => "STAGED",
        (true, _, true) => "PASSWORD_EXPIRED",
        (true, true, false) => "ACTIVE",
        (true, false, false) => "PROVISIONED",
    };
    let password_hash = match password {
        Some(p) => Some(hash(p.to_string()).await?),
        None => None,
    };
    let (rq, rq_answer) = match question {
        Some(Value::Object(qa)) => {
            let answer = qa.get("answer").and_then(Value::as_str).map(str::to_string);
            let hashed = match answer {
                Some(a) => Some(hash(a.trim().to_lowercase()).await?),
                None => None,
            };
            (qa.get("question").and_then(Value::as_str).map(str::to_string), hashed)
        }
        _ => (None, None),
    };
    let id = okta_id("00u");
    let now = now();
    let mut tx = state.db.begin().await?;
    sqlx::query(
        "INSERT INTO users (id, status, created, activated, status_changed, last_updated, password_changed, login, \
         profile, password_hash, recovery_question, recovery_answer_hash, provider) \
         VALUES (?1, ?2, ?3, ?4, ?3, ?3, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )
    .bind(&id)
    .bind(status)
    .bind(&now)
    .bind(activate.then(|| now.clone()))
    .bind(password_hash.as_ref().map(|_| now.clone()))
    .bind(&login)
    .bind(Value::Object(profile).to_string())
    .bind(&password_hash)
    .bind(&rq)
    .bind(&rq_answer)
    .bind(&provider)
    .execute(&mut *tx)
    .await?;
    let everyone: Option<String> =
        sqlx::query_scalar("SELECT id FROM groups WHERE type = 'BUILT_IN' AND name = 'Everyone'")
            .fetch_optional(&mut *tx)
            .await?;
    for gid in everyone.iter().chain(group_ids.iter()) {
        sqlx::query("INSERT OR IGNORE INTO group_members (group_id, user_id) VALUES (?1, ?2)")
            .bind(gid)
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE groups SET last_membership_updated = ?2 WHERE id = ?1")
            .bind(gid)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    let user = find(&state.db, &id).await?.ok_or_else(ApiError::internal)?;
    Ok(json_ok(user.to_json(&base(&state), true)))
}

pub async fn get_one(
    State(state): State<Arc<OrgState>>,
    Extension(caller): Extension<ApiCaller>,
    Path(key): Path<String>,
) -> ApiResult<Response> {
    let user = load(&state, &caller, &key).await?;
    let mut res = json_ok(user.to_json(&base(&state), true));
    // Okta's ETag covers the profile only.
    let etag = format!("W/\"{}\"", crate::ids::sha256_hex(&Value::Object(user.profile.clone()).to_string()));
    if let Ok(v) = axum::http::HeaderValue::from_str(&etag) {
        res.headers_mut().insert(axum::http::header::ETAG, v);
    }
    Ok(res)
}

async fn save_profile(
    state: &OrgState,
    user: &User,
    profile: Map<String, Value>,
    credentials: Option<&Value>,
) -> ApiResult<Response> {
    validate_profile(&profile)?;
    let login = str_at(&profile, &["login"]).unwrap_or_default().trim().to_string();
    if login_taken(&state.db, &login, Some(&user.id)).await? {
        return Err(duplicate_login());
    }
    let now = now();
    if let Some(p) = credentials.and_then(|c| c.get("password")).and_then(|p| p.get("value")).and_then(Value::as_str) {
        check_password(p, &login)?;
        let h = hash(p.to_string()).await?;
        sqlx::query("UPDATE users SET password_hash = ?2, password_changed = ?3 WHERE id = ?1")
            .bind(&user.id)
            .bind(h)
            .bind(&now)
            .execute(&state.db)
            .await?;
    }
    let done = sqlx::query(
        "UPDATE users SET profile = ?2, login = ?3, last_updated = ?4 WHERE id = ?1 AND status != 'DEPROVISIONED'",
    )
    .bind(&user.id)
    .bind(Value::Object(profile).to_string())
    .bind(&login)
    .bind(&now)
    .execute(&state.db)
    .await?;
    if done.rows_affected() == 0 {
        return Err(ApiError::not_found(&user.id, "User"));
    }
    let user = find(&state.db, &user.id).await?.ok_or_else(ApiError::internal)?;
    Ok(json_ok(user.to_json(&base(state), true)))
}

/// `POST /users/{id}`: partial update; given profile properties replace, others stay.
pub async fn update(
    State(state): State<Arc<OrgState>>,
    Extension(caller): Extension<ApiCaller>,
    Path(key): Path<String>,
    bytes: Bytes,
) -> ApiResult<Response> {
    let body = body(&bytes, &["profile", "credentials", "type", "id", "status", "_links"])?;
    let user = load(&state, &caller, &key).await?;
    if user.status == "DEPROVISIONED" {
        return Err(ApiError::not_found(&user.id, "User"));
    }
    let mut profile = user.profile.clone();
    if let Some(Value::Object(changes)) = body.get("profile") {
        for (k, v) in changes {
            profile.insert(k.clone(), v.clone());
        }
    }
    save_profile(&state, &user, profile, body.get("credentials")).await
}

/// `PUT /users/{id}`: strict replace; omitted profile properties are removed.
pub async fn replace(
    State(state): State<Arc<OrgState>>,
    Extension(caller): Extension<ApiCaller>,
    Path(key): Path<String>,
    bytes: Bytes,
) -> ApiResult<Response> {
    let body = body(
        &bytes,
        &[
            "profile",
            "credentials",
            "type",
            "id",
            "status",
            "created",
            "activated",
            "statusChanged",
            "lastLogin",
            "lastUpdated",
            "passwordChanged",
            "_links",
            "_embedded",
            "transitioningToStatus",
            "realmId",
        ],
    )?;
    let user = load(&state, &caller, &key).await?;
    if user.status == "DEPROVISIONED" {
        return Err(ApiError::not_found(&user.id, "User"));
    }
    let profile = match body.get("profile") {
        Some(Value::Object(p)) => p.clone(),
        _ => Map::new(),
    };
    save_profile(&state, &user, profile, body.get("credentials")).await
}

/// `DELETE /users/{id}`: deactivates first; a deactivated user is deleted for good.
pub async fn remove(
    State(state): State<Arc<OrgState>>,
    Extension(caller): Extension<ApiCaller>,
    Path(key): Path<String>,
) -> ApiResult<Response> {
    let user = load(&state, &caller, &key).await?;
    if user.status != "DEPROVISIONED" {
        deactivate(&state.db, &user).await?;
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let mut tx = state.db.begin().await?;
    let now = now();
    sqlx::query(
        "UPDATE groups SET last_membership_updated = ?2 WHERE id IN (SELECT group_id FROM group_members WHERE user_id = ?1)",
    )
    .bind(&user.id)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM users WHERE id = ?1 AND status = 'DEPROVISIONED'")
        .bind(&user.id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ---- lists ----

pub async fn list(State(state): State<Arc<OrgState>>, RawQuery(raw): RawQuery) -> ApiResult<Response> {
    let params = paging::Params::parse(raw);
    let get = |k: &str| params.get(k);
    let (search, filter, q) = (get("search"), get("filter"), get("q"));
    if search.is_some() && filter.is_some() {
        return Err(ApiError::search_and_filter());
    }
    let base = base(&state);
    if let (Some(q), None, None) = (q, search, filter) {
        // `q`: prefix match on names, email and login; no DEPROVISIONED; no paging.
        let limit = paging::limit(get("limit"), 10, 200)?;
        let pattern = format!("{}%", query::escape_like(&q.to_lowercase()));
        let sql = format!(
            "SELECT {COLS} FROM users WHERE status != 'DEPROVISIONED' AND ( \
             lower(json_extract(profile, '$.firstName')) LIKE ?1 ESCAPE '\\' OR \
             lower(json_extract(profile, '$.lastName')) LIKE ?1 ESCAPE '\\' OR \
             lower(json_extract(profile, '$.email')) LIKE ?1 ESCAPE '\\' OR lower(login) LIKE ?1 ESCAPE '\\') \
             ORDER BY id LIMIT ?2"
        );
        let rows = sqlx::query(&sql).bind(pattern).bind(limit as i64).fetch_all(&state.db).await?;
        let users: Vec<Value> = rows.iter().map(|r| User::from_row(r).to_json(&base, false)).collect();
        return Ok(json_ok(Value::Array(users)));
    }
    let (condition, mut binds, dialect) = match (search, filter) {
        (Some(s), _) => {
            let sql = query::compile(&query::parse(s)?, Dialect::UserSearch)?;
            (sql.condition, sql.params, Some(Dialect::UserSearch))
        }
        (_, Some(f)) => {
            let sql = query::compile(&query::parse(f)?, Dialect::UserFilter)?;
            (sql.condition, sql.params, Some(Dialect::UserFilter))
        }
        _ => ("status != 'DEPROVISIONED'".to_string(), Vec::new(), None),
    };
    let limit = paging::limit(get("limit"), 200, 200)?;
    let sort = match (get("sortBy"), dialect) {
        (Some(attr), Some(Dialect::UserSearch)) => Some(
            query::sort_expr(Dialect::UserSearch, attr)
                .ok_or(ApiError::from(query::QueryError::Unsupported(attr.into())))?,
        ),
        _ => None,
    };
    let desc = get("sortOrder").is_some_and(|o| o.eq_ignore_ascii_case("desc"));
    page_of_users(
        &state.db,
        &base,
        "/api/v1/users",
        &params.0,
        "users",
        "id",
        condition,
        &mut binds,
        sort,
        desc,
        limit,
        get("after"),
    )
    .await
}

/// One page of a user query over `source` (`users`, or a join that yields user rows), ordered
/// by `sort` (then id) or by id, with its `Link` headers.
#[allow(clippy::too_many_arguments)]
pub async fn page_of_users(
    db: &SqlitePool,
    base: &str,
    path: &str,
    params: &[(String, String)],
    source: &str,
    id_col: &str,
    condition: String,
    binds: &mut Vec<String>,
    sort: Option<String>,
    desc: bool,
    limit: usize,
    after: Option<&str>,
) -> ApiResult<Response> {
    let from_where = format!("{source} WHERE ({condition})");
    let (rows, next) =
        paging::keyset(db, COLS, &from_where, id_col, sort.as_deref(), desc, limit, after, binds).await?;
    let users: Vec<Value> = rows.iter().map(|r| User::from_row(r).to_json(base, false)).collect();
    Ok((paging::links(base, path, params, limit, next), Json(Value::Array(users))).into_response())
}

// ---- lifecycle ----

fn revoke_everything_sql() -> [&'static str; 2] {
    ["DELETE FROM grants WHERE user_id = ?1", "DELETE FROM refresh_tokens WHERE user_id = ?1"]
}

/// Deactivation: DEPROVISIONED, password and recovery question removed, grants, tokens and app
/// assignments revoked; group memberships kept.
async fn deactivate(db: &SqlitePool, user: &User) -> ApiResult<()> {
    let now = now();
    let mut tx = db.begin().await?;
    let done = sqlx::query(
        "UPDATE users SET status = 'DEPROVISIONED', status_changed = ?2, last_updated = ?2, password_hash = NULL, \
         recovery_question = NULL, recovery_answer_hash = NULL WHERE id = ?1 AND status != 'DEPROVISIONED'",
    )
    .bind(&user.id)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(ApiError::not_found(&user.id, "User"));
    }
    for sql in revoke_everything_sql().into_iter().chain(["DELETE FROM app_links WHERE user_id = ?1"]) {
        sqlx::query(sql).bind(&user.id).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Moves `user` from its current status to `to`, only if nobody changed it meanwhile.
async fn transition(db: &SqlitePool, user: &User, to: &str, activated: bool) -> ApiResult<()> {
    let now = now();
    let done = sqlx::query(
        "UPDATE users SET status = ?3, status_changed = ?4, last_updated = ?4, \
         activated = CASE WHEN ?5 THEN ?4 ELSE activated END WHERE id = ?1 AND status = ?2",
    )
    .bind(&user.id)
    .bind(&user.status)
    .bind(to)
    .bind(&now)
    .bind(activated)
    .execute(db)
    .await?;
    if done.rows_affected() == 0 {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "E0000195",
            "Api validation failed due to conflict: the user changed during this request",
        ));
    }
    Ok(())
}

fn token_url(base: &str, kind: &str) -> (String, String) {
    let token = random_token(20);
    (format!("{base}/{kind}/{token}"), token)
}

pub async fn lifecycle(
    State(state): State<Arc<OrgState>>,
    Extension(caller): Extension<ApiCaller>,
    Path((key, op)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let user = load(&state, &caller, &key).await?;
    let (id, text) =
        (user.id.clone(), |k: &str| user.profile.get(k).and_then(Value::as_str).unwrap_or_default().to_string());
    let (login, name) = (text("login"), format!("{} {}", text("firstName"), text("lastName")));
    let res = run_lifecycle(&state, user, &op, &q).await;
    if res.is_ok() {
        super::logs::record(&state.db, &super::logs::event_type(&op), &id, &login, name.trim()).await;
    }
    res
}

/// The operation itself; [`lifecycle`] logs it once it succeeded.
async fn run_lifecycle(state: &OrgState, user: User, op: &str, q: &HashMap<String, String>) -> ApiResult<Response> {
    let base = base(state);
    let operation = match op {
        "activate" => Op::Activate,
        "reactivate" => Op::Reactivate,
        "deactivate" => Op::Deactivate,
        "suspend" => Op::Suspend,
        "unsuspend" => Op::Unsuspend,
        "unlock" => Op::Unlock,
        "reset_password" => Op::ResetPassword,
        "expire_password" | "expire_password_with_temp_password" => Op::ExpirePassword,
        "reset_factors" => Op::ResetFactors,
        _ => return Err(ApiError::no_route()),
    };
    if !allowed_ops(&user.status, user.has_password).contains(&operation) {
        return Err(operation.refusal(&user.id));
    }
    let send_email = flag(q, "sendEmail", true);
    let empty = || Ok(json_ok(json!({})));
    match operation {
        Op::Activate | Op::Reactivate => {
            let to = if user.status == "STAGED" && (user.has_password || user.provider != "OKTA") {
                "ACTIVE"
            } else {
                "PROVISIONED"
            };
            if operation == Op::Activate {
                transition(&state.db, &user, to, true).await?;
            }
            if send_email {
                return empty();
            }
            let (url, token) = token_url(&base, "welcome");
            Ok(json_ok(json!({ "activationUrl": url, "activationToken": token })))
        }
        Op::Deactivate => {
            deactivate(&state.db, &user).await?;
            empty()
        }
        Op::Suspend => {
            transition(&state.db, &user, "SUSPENDED", false).await?;
            empty()
        }
        Op::Unsuspend | Op::Unlock => {
            transition(&state.db, &user, "ACTIVE", false).await?;
            empty()
        }
        Op::ResetPassword => {
            if user.status != "RECOVERY" {
                transition(&state.db, &user, "RECOVERY", false).await?;
            }
            if send_email {
                return empty();
            }
            let (url, _) = token_url(&base, "reset_password");
            Ok(json_ok(json!({ "resetPasswordUrl": url })))
        }
        Op::ExpirePassword => {
            let temp = op == "expire_password_with_temp_password" || flag(q, "tempPassword", false);
            let mut temp_password = None;
            if temp {
                let t = format!("{}{}", random_token(10), "aA1");
                let h = hash(t.clone()).await?;
                sqlx::query("UPDATE users SET password_hash = ?2, password_changed = ?3 WHERE id = ?1")
                    .bind(&user.id)
                    .bind(h)
                    .bind(now())
                    .execute(&state.db)
                    .await?;
                temp_password = Some(t);
            }
            if user.status != "PASSWORD_EXPIRED" {
                transition(&state.db, &user, "PASSWORD_EXPIRED", false).await?;
            }
            if flag(q, "revokeSessions", false) {
                for sql in revoke_everything_sql() {
                    sqlx::query(sql).bind(&user.id).execute(&state.db).await?;
                }
            }
            match temp_password {
                Some(t) => Ok(json_ok(json!({ "tempPassword": t }))),
                None => {
                    let user = find(&state.db, &user.id).await?.ok_or_else(ApiError::internal)?;
                    Ok(json_ok(user.to_json(&base, true)))
                }
            }
        }
        Op::ResetFactors => empty(),
        _ => Err(ApiError::no_route()),
    }
}

// ---- credentials ----

fn credentials_json(user: &User) -> Value {
    user.to_json("", false)["credentials"].clone()
}

pub async fn credentials(
    State(state): State<Arc<OrgState>>,
    Extension(caller): Extension<ApiCaller>,
    Path((key, op)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
    bytes: Bytes,
) -> ApiResult<Response> {
    let user = load(&state, &caller, &key).await?;
    let login = str_at(&user.profile, &["login"]).unwrap_or_default().to_string();
    let stored: (Option<String>, Option<String>) =
        sqlx::query_as("SELECT password_hash, recovery_answer_hash FROM users WHERE id = ?1")
            .bind(&user.id)
            .fetch_one(&state.db)
            .await?;
    let ops = allowed_ops(&user.status, user.has_password);
    let now = now();
    match op.as_str() {
        "change_password" => {
            if !ops.contains(&Op::ChangePassword) {
                return Err(Op::ChangePassword.refusal(&user.id));
            }
            let body = body(&bytes, &["oldPassword", "newPassword", "revokeSessions"])?;
            let old = str_at(&body, &["oldPassword", "value"]).unwrap_or_default().to_string();
            let new = str_at(&body, &["newPassword", "value"]).unwrap_or_default().to_string();
            if !verify(stored.0, old).await {
                return Err(ApiError::new(StatusCode::FORBIDDEN, "E0000014", "Update of credentials failed")
                    .with_cause("oldPassword: The credentials provided were incorrect."));
            }
            check_password(&new, &login)?;
            let h = hash(new).await?;
            sqlx::query(
                "UPDATE users SET password_hash = ?2, password_changed = ?3, last_updated = ?3, \
                 status = CASE WHEN status IN ('RECOVERY', 'PASSWORD_EXPIRED') THEN 'ACTIVE' ELSE status END, \
                 status_changed = CASE WHEN status IN ('RECOVERY', 'PASSWORD_EXPIRED') THEN ?3 ELSE status_changed END \
                 WHERE id = ?1",
            )
            .bind(&user.id)
            .bind(h)
            .bind(&now)
            .execute(&state.db)
            .await?;
        }
        "change_recovery_question" => {
            if !ops.contains(&Op::ChangeRecoveryQuestion) {
                return Err(Op::ChangeRecoveryQuestion.refusal(&user.id));
            }
            let body = body(&bytes, &["password", "recovery_question"])?;
            let password = str_at(&body, &["password", "value"]).unwrap_or_default().to_string();
            if !verify(stored.0, password).await {
                return Err(ApiError::new(StatusCode::FORBIDDEN, "E0000014", "Update of credentials failed")
                    .with_cause("password: The credentials provided were incorrect."));
            }
            let question = str_at(&body, &["recovery_question", "question"]).unwrap_or_default().trim().to_string();
            let answer = str_at(&body, &["recovery_question", "answer"]).unwrap_or_default().trim().to_lowercase();
            if question.is_empty() || answer.len() < 4 {
                return Err(ApiError::validation(
                    "recovery_question",
                    vec![
                        "recovery_question: The security question answer must be at least 4 characters in length"
                            .into(),
                    ],
                ));
            }
            let h = hash(answer).await?;
            sqlx::query(
                "UPDATE users SET recovery_question = ?2, recovery_answer_hash = ?3, last_updated = ?4 WHERE id = ?1",
            )
            .bind(&user.id)
            .bind(question)
            .bind(h)
            .bind(&now)
            .execute(&state.db)
            .await?;
        }
        "forgot_password" | "forgot_password_recovery_question" => {
            if !ops.contains(&Op::ForgotPassword) {
                return Err(Op::ForgotPassword.refusal(&user.id));
            }
            let body = body(&bytes, &["password", "recovery_question"])?;
            if body.is_empty() {
                if flag(&q, "sendEmail", true) {
                    return Ok(json_ok(json!({})));
                }
                let (url, _) = token_url(&base(&state), "signin/reset-password");
                return Ok(json_ok(json!({ "resetPasswordUrl": url })));
            }
            let answer = str_at(&body, &["recovery_question", "answer"]).unwrap_or_default().trim().to_lowercase();
            if !verify(stored.1, answer).await {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "E0000087",
                    "The recovery question answer did not match our records.",
                ));
            }
            let new = str_at(&body, &["password", "value"]).unwrap_or_default().to_string();
            check_password(&new, &login)?;
            let h = hash(new).await?;
            sqlx::query("UPDATE users SET password_hash = ?2, password_changed = ?3, last_updated = ?3 WHERE id = ?1")
                .bind(&user.id)
                .bind(h)
                .bind(&now)
                .execute(&state.db)
                .await?;
        }
        _ => return Err(ApiError::no_route()),
    }
    let user = find(&state.db, &user.id).await?.ok_or_else(ApiError::internal)?;
    Ok(json_ok(credentials_json(&user)))
}

// ---- sessions, appLinks, blocks, grants, clients, refresh tokens ----

pub async fn clear_sessions(
    State(state): State<Arc<OrgState>>,
    Extension(caller): Extension<ApiCaller>,
    Path(key): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let user = load(&state, &caller, &key).await?;
    if flag(&q, "oauthTokens", false) {
        sqlx::query("DELETE FROM refresh_tokens WHERE user_id = ?1").bind(&user.id).execute(&state.db).await?;
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn app_links(
    State(state): State<Arc<OrgState>>,
    Extension(caller): Extension<ApiCaller>,
    Path(key): Path<String>,
) -> ApiResult<Response> {
    let user = load(&state, &caller, &key).await?;
    let base = base(&state);
    let rows = sqlx::query("SELECT * FROM app_links WHERE user_id = ?1 ORDER BY sort_order, label")
        .bind(&user.id)
        .fetch_all(&state.db)
        .await?;
    let links: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "id": r.get::<String, _>("id"),
                "label": r.get::<String, _>("label"),
                "linkUrl": format!("{base}/home/{}/{}/{}", r.get::<String, _>("app_name"), r.get::<String, _>("app_instance_id"), r.get::<String, _>("id")),
                "logoUrl": format!("{base}/assets/img/logos/default.png"),
                "appName": r.get::<String, _>("app_name"),
                "appInstanceId": r.get::<String, _>("app_instance_id"),
                "appAssignmentId": r.get::<String, _>("id"),
                "credentialsSetup": false,
                "hidden": false,
                "sortOrder": r.get::<i64, _>("sort_order"),
            })
        })
        .collect();
    Ok(json_ok(Value::Array(links)))
}

/// Blocks (devices blocked for the user): the embedded org never blocks anyone.
pub async fn blocks(
    State(state): State<Arc<OrgState>>,
    Extension(caller): Extension<ApiCaller>,
    Path(key): Path<String>,
) -> ApiResult<Response> {
    load(&state, &caller, &key).await?;
    Ok(json_ok(json!([])))
}

fn grant_json(base: &str, r: &SqliteRow) -> Value {
    let (id, user_id, client_id): (String, String, String) = (r.get("id"), r.get("user_id"), r.get("client_id"));
    json!({
        "id": id,
        "status": "ACTIVE",
        "created": r.get::<String, _>("created"),
        "lastUpdated": r.get::<String, _>("created"),
        "issuer": base,
        "clientId": client_id,
        "userId": user_id,
        "scopeId": r.get::<String, _>("scope_id"),
        "source": "END_USER",
        "_embedded": { "scope": { "id": r.get::<String, _>("scope_id"), "name": r.get::<String, _>("scope") } },
        "_links": {
            "self": { "href": format!("{base}/api/v1/users/{user_id}/grants/{id}"), "hints": { "allow": ["GET", "DELETE"] } },
            "client": { "href": format!("{base}/oauth2/v1/clients/{client_id}"), "title": r.get::<String, _>("client_name") },
            "revoke": { "href": format!("{base}/api/v1/users/{user_id}/grants/{id}"), "hints": { "allow": ["DELETE"] } },
        },
    })
}

fn token_json(base: &str, r: &SqliteRow) -> Value {
    let (id, user_id, client_id): (String, String, String) = (r.get("id"), r.get("user_id"), r.get("client_id"));
    let scopes: Value = serde_json::from_str(r.get::<&str, _>("scopes")).unwrap_or(json!([]));
    json!({
        "id": id,
        "status": "ACTIVE",
        "created": r.get::<String, _>("created"),
        "lastUpdated": r.get::<String, _>("created"),
        "expiresAt": r.get::<String, _>("expires_at"),
        "issuer": base,
        "clientId": client_id,
        "userId": user_id,
        "scopes": scopes,
        "_links": {
            "self": { "href": format!("{base}/api/v1/users/{user_id}/clients/{client_id}/tokens/{id}"), "hints": { "allow": ["GET", "DELETE"] } },
            "revoke": { "href": format!("{base}/api/v1/users/{user_id}/clients/{client_id}/tokens/{id}"), "hints": { "allow": ["DELETE"] } },
        },
    })
}

/// A `SELECT` over the user's grants or tokens with optional client / id narrowing, rendered.
async fn rows_of(
    state: &OrgState,
    table: &str,
    user_id: &str,
    client: Option<&str>,
    id: Option<&str>,
    render: fn(&str, &SqliteRow) -> Value,
) -> ApiResult<Vec<Value>> {
    let sql = format!(
        "SELECT * FROM {table} WHERE user_id = ?1 AND (?2 IS NULL OR client_id = ?2) AND (?3 IS NULL OR id = ?3) ORDER BY id"
    );
    let rows = sqlx::query(&sql).bind(user_id).bind(client).bind(id).fetch_all(&state.db).await?;
    let base = base(state);
    Ok(rows.iter().map(|r| render(&base, r)).collect())
}

async fn delete_rows(
    state: &OrgState,
    table: &str,
    user_id: &str,
    client: Option<&str>,
    id: Option<&str>,
) -> ApiResult<u64> {
    let sql = format!(
        "DELETE FROM {table} WHERE user_id = ?1 AND (?2 IS NULL OR client_id = ?2) AND (?3 IS NULL OR id = ?3)"
    );
    Ok(sqlx::query(&sql).bind(user_id).bind(client).bind(id).execute(&state.db).await?.rows_affected())
}

type UserPath = Path<String>;

pub async fn grants(
    State(s): State<Arc<OrgState>>,
    Extension(c): Extension<ApiCaller>,
    Path(k): UserPath,
) -> ApiResult<Response> {
    let user = load(&s, &c, &k).await?;
    Ok(json_ok(Value::Array(rows_of(&s, "grants", &user.id, None, None, grant_json).await?)))
}

pub async fn revoke_grants(
    State(s): State<Arc<OrgState>>,
    Extension(c): Extension<ApiCaller>,
    Path(k): UserPath,
) -> ApiResult<Response> {
    let user = load(&s, &c, &k).await?;
    delete_rows(&s, "grants", &user.id, None, None).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn grant(
    State(s): State<Arc<OrgState>>,
    Extension(c): Extension<ApiCaller>,
    Path((k, g)): Path<(String, String)>,
) -> ApiResult<Response> {
    let user = load(&s, &c, &k).await?;
    let found = rows_of(&s, "grants", &user.id, None, Some(&g), grant_json).await?;
    found.into_iter().next().map(json_ok).ok_or_else(|| ApiError::not_found(&g, "OAuth2ScopeConsentGrant"))
}

pub async fn revoke_grant(
    State(s): State<Arc<OrgState>>,
    Extension(c): Extension<ApiCaller>,
    Path((k, g)): Path<(String, String)>,
) -> ApiResult<Response> {
    let user = load(&s, &c, &k).await?;
    match delete_rows(&s, "grants", &user.id, None, Some(&g)).await? {
        0 => Err(ApiError::not_found(&g, "OAuth2ScopeConsentGrant")),
        _ => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}

pub async fn clients(
    State(s): State<Arc<OrgState>>,
    Extension(c): Extension<ApiCaller>,
    Path(k): UserPath,
) -> ApiResult<Response> {
    let user = load(&s, &c, &k).await?;
    let base = base(&s);
    let rows = sqlx::query(
        "SELECT client_id, client_name FROM grants WHERE user_id = ?1 UNION \
         SELECT client_id, client_name FROM refresh_tokens WHERE user_id = ?1 ORDER BY client_id",
    )
    .bind(&user.id)
    .fetch_all(&s.db)
    .await?;
    let list: Vec<Value> = rows
        .iter()
        .map(|r| {
            let cid: String = r.get("client_id");
            json!({
                "client_id": cid,
                "client_name": r.get::<String, _>("client_name"),
                "client_uri": null,
                "logo_uri": null,
                "_links": {
                    "grants": { "href": format!("{base}/api/v1/users/{}/clients/{cid}/grants", user.id) },
                    "tokens": { "href": format!("{base}/api/v1/users/{}/clients/{cid}/tokens", user.id) },
                },
            })
        })
        .collect();
    Ok(json_ok(Value::Array(list)))
}

pub async fn client_grants(
    State(s): State<Arc<OrgState>>,
    Extension(c): Extension<ApiCaller>,
    Path((k, client)): Path<(String, String)>,
) -> ApiResult<Response> {
    let user = load(&s, &c, &k).await?;
    Ok(json_ok(Value::Array(rows_of(&s, "grants", &user.id, Some(&client), None, grant_json).await?)))
}

pub async fn revoke_client_grants(
    State(s): State<Arc<OrgState>>,
    Extension(c): Extension<ApiCaller>,
    Path((k, client)): Path<(String, String)>,
) -> ApiResult<Response> {
    let user = load(&s, &c, &k).await?;
    delete_rows(&s, "grants", &user.id, Some(&client), None).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn refresh_tokens(
    State(s): State<Arc<OrgState>>,
    Extension(c): Extension<ApiCaller>,
    Path((k, client)): Path<(String, String)>,
) -> ApiResult<Response> {
    let user = load(&s, &c, &k).await?;
    Ok(json_ok(Value::Array(rows_of(&s, "refresh_tokens", &user.id, Some(&client), None, token_json).await?)))
}

pub async fn revoke_refresh_tokens(
    State(s): State<Arc<OrgState>>,
    Extension(c): Extension<ApiCaller>,
    Path((k, client)): Path<(String, String)>,
) -> ApiResult<Response> {
    let user = load(&s, &c, &k).await?;
    delete_rows(&s, "refresh_tokens", &user.id, Some(&client), None).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn refresh_token(
    State(s): State<Arc<OrgState>>,
    Extension(c): Extension<ApiCaller>,
    Path((k, client, token)): Path<(String, String, String)>,
) -> ApiResult<Response> {
    let user = load(&s, &c, &k).await?;
    let found = rows_of(&s, "refresh_tokens", &user.id, Some(&client), Some(&token), token_json).await?;
    found.into_iter().next().map(json_ok).ok_or_else(|| ApiError::not_found(&token, "OAuth2RefreshToken"))
}

pub async fn revoke_refresh_token(
    State(s): State<Arc<OrgState>>,
    Extension(c): Extension<ApiCaller>,
    Path((k, client, token)): Path<(String, String, String)>,
) -> ApiResult<Response> {
    let user = load(&s, &c, &k).await?;
    match delete_rows(&s, "refresh_tokens", &user.id, Some(&client), Some(&token)).await? {
        0 => Err(ApiError::not_found(&token, "OAuth2RefreshToken")),
        _ => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_follow_the_status_table() {
        let names = |s: &str| allowed_ops(s, true).iter().map(|o| o.link()).collect::<Vec<_>>();
        assert_eq!(names("STAGED"), vec!["activate", "resetFactors", "deactivate"]);
        assert!(names("ACTIVE").contains(&"suspend") && !names("ACTIVE").contains(&"unsuspend"));
        assert_eq!(names("SUSPENDED"), vec!["unsuspend", "resetFactors", "deactivate"]);
        assert_eq!(names("DEPROVISIONED"), vec!["activate", "delete"]);
        assert!(names("LOCKED_OUT").contains(&"unlock"));
    }

    #[test]
    fn default_password_policy() {
        assert!(check_password("Abcdefg1", "x@example.com").is_ok());
        for bad in ["Ab1", "abcdefg1", "ABCDEFG1", "Abcdefgh", "Johnny-Doe1X"] {
            assert!(check_password(bad, "johnny.doe@example.com").is_err(), "{bad}");
        }
    }

    #[test]
    fn profiles_need_the_base_fields() {
        let mut p = Map::new();
        p.insert("mobilePhone".into(), json!("555"));
        let e = validate_profile(&p).expect_err("blank");
        assert_eq!(e.summary, "Api validation failed: login");
        assert_eq!(e.causes.len(), 5, "four blanks and the login format, as Okta answers");
        p.insert("login".into(), json!("not-an-email"));
        p.insert("email".into(), json!("a@b.co"));
        p.insert("firstName".into(), json!("A"));
        p.insert("lastName".into(), json!("B"));
        assert!(validate_profile(&p).expect_err("login form").causes[0].contains("email address"));
    }
}
