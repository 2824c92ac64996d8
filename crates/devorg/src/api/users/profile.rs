//! Creating, reading, updating and deleting users, with the default schema's profile and
//! password rules.

use super::{Target, User, base, body, find, flag, hash, json_ok, str_at};
use crate::{
    OrgState,
    api::error::{ApiError, ApiResult},
    ids::okta_id,
};
use axum::{
    body::Bytes,
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::{Map, Value};
use sqlx::SqlitePool;
use std::{collections::HashMap, sync::Arc};

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
    let now = state.now();
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

pub async fn get_one(State(state): State<Arc<OrgState>>, Target(user): Target) -> ApiResult<Response> {
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
    let now = state.now();
    if let Some(p) = credentials.and_then(|c| c.get("password")).and_then(|p| p.get("value")).and_then(Value::as_str) {
        check_password(p, &login)?;
        let h = hash(p.to_string()).await?;
        sqlx::query("UPDATE users SET password_hash = ?2, password_changed = ?3, failed_sign_ins = 0 WHERE id = ?1")
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
pub async fn update(State(state): State<Arc<OrgState>>, Target(user): Target, bytes: Bytes) -> ApiResult<Response> {
    let body = body(&bytes, &["profile", "credentials", "type", "id", "status", "_links"])?;
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
pub async fn replace(State(state): State<Arc<OrgState>>, Target(user): Target, bytes: Bytes) -> ApiResult<Response> {
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
pub async fn remove(State(state): State<Arc<OrgState>>, Target(user): Target) -> ApiResult<Response> {
    let (login, name) = crate::api::logs::target_of(&user.profile);
    if user.status != "DEPROVISIONED" {
        super::lifecycle::deactivate(&state, &user).await?;
        crate::api::logs::record(&state, &crate::api::logs::event_type("deactivate"), &user.id, &login, &name).await;
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let mut tx = state.db.begin().await?;
    let now = state.now();
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
    crate::api::logs::record(&state, &crate::api::logs::event_type("delete"), &user.id, &login, &name).await;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
