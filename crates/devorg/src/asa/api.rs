use super::TEAM;
use crate::OrgState;
use axum::{
    Extension, Json, Router,
    extract::{Path, RawQuery, Request, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    middleware::{Next, from_fn_with_state},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::{Row, sqlite::SqliteRow};
use std::{sync::Arc, time::Instant};

/// An issued bearer token: whose, until when.
pub struct AsaToken {
    pub user_id: String,
    pub expires: Instant,
    pub expires_at: String,
}

#[derive(Debug)]
pub struct AsaError(StatusCode, &'static str, String);

impl AsaError {
    fn not_found(what: &str) -> Self {
        AsaError(StatusCode::NOT_FOUND, "resource_does_not_exist", format!("{what} does not exist"))
    }
    fn invalid(message: impl Into<String>) -> Self {
        AsaError(StatusCode::BAD_REQUEST, "invalid_request", message.into())
    }
    fn forbidden() -> Self {
        AsaError(StatusCode::FORBIDDEN, "forbidden_error", "You do not have the team role this needs.".into())
    }
}

impl IntoResponse for AsaError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "type": self.1, "message": self.2 }))).into_response()
    }
}

impl From<sqlx::Error> for AsaError {
    fn from(e: sqlx::Error) -> Self {
        tracing::error!(error = %e, "asa: database error");
        AsaError(StatusCode::INTERNAL_SERVER_ERROR, "unknown_error", "Try again.".into())
    }
}

type AsaResult<T> = Result<T, AsaError>;

/// The authenticated service user and the team roles its groups grant.
#[derive(Clone)]
struct Caller {
    id: String,
    roles: Vec<String>,
}

impl Caller {
    fn can_read(&self) -> AsaResult<()> {
        if self.roles.iter().any(|r| matches!(r.as_str(), "access_user" | "access_admin" | "reporting_user")) {
            Ok(())
        } else {
            Err(AsaError::forbidden())
        }
    }
    fn can_write(&self) -> AsaResult<()> {
        if self.roles.iter().any(|r| r == "access_admin") { Ok(()) } else { Err(AsaError::forbidden()) }
    }
}

pub fn router(state: Arc<OrgState>) -> Router<Arc<OrgState>> {
    let authed = Router::new()
        .route("/v1/teams/{team}/current_user", get(current_user))
        .route("/v1/teams/{team}/users", get(list_users))
        .route("/v1/teams/{team}/users/{user}", get(get_user).put(update_user))
        .route("/v1/teams/{team}/users/{user}/groups", get(user_groups))
        .route("/v1/teams/{team}/groups", get(list_groups).post(create_group))
        .route("/v1/teams/{team}/groups/{group}", get(get_group).put(update_group).delete(delete_group))
        .route("/v1/teams/{team}/groups/{group}/users", get(group_users).post(add_member))
        .route("/v1/teams/{team}/groups/{group}/users/{user}", axum::routing::delete(remove_member))
        .route_layer(from_fn_with_state(state, authenticate));
    Router::new().route("/v1/teams/{team}/service_token", post(service_token)).merge(authed)
}

/// Now, as ASA writes times (RFC 3339, whole seconds).
fn asa_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[derive(Deserialize)]
pub struct TokenRequest {
    key_id: String,
    key_secret: String,
}

async fn service_token(
    State(state): State<Arc<OrgState>>,
    Path(team): Path<String>,
    body: Option<Json<TokenRequest>>,
) -> AsaResult<Response> {
    if team != TEAM {
        return Err(AsaError::not_found("team"));
    }
    let Some(Json(req)) = body else { return Err(AsaError::invalid("key_id and key_secret are required")) };
    let user: Option<String> = sqlx::query_scalar(
        "SELECT k.user_id FROM asa_keys k JOIN asa_users u ON u.id = k.user_id WHERE k.id = ?1 AND k.secret_hash = ?2 AND u.status = 'ACTIVE'",
    )
    .bind(&req.key_id)
    .bind(crate::ids::sha256_hex(&req.key_secret))
    .fetch_optional(&state.db)
    .await?;
    let Some(user_id) = user else {
        return Err(AsaError(
            StatusCode::UNAUTHORIZED,
            "authentication_error",
            "The key id or secret is wrong.".into(),
        ));
    };
    let ttl = state.asa_token_ttl;
    let expires_at = asa_time(state.clock.now() + chrono::Duration::from_std(ttl).unwrap_or_default());
    let token = crate::ids::random_token(64);
    state
        .asa_tokens
        .lock()
        .await
        .insert(token.clone(), AsaToken { user_id, expires: Instant::now() + ttl, expires_at: expires_at.clone() });
    Ok(Json(json!({ "bearer_token": token, "expires_at": expires_at, "team_name": TEAM })).into_response())
}

async fn authenticate(State(state): State<Arc<OrgState>>, mut req: Request, next: Next) -> Response {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    let user = match token {
        Some(t) => {
            state.asa_tokens.lock().await.get(&t).filter(|t| t.expires > Instant::now()).map(|t| t.user_id.clone())
        }
        None => None,
    };
    let Some(user_id) = user else {
        return AsaError(
            StatusCode::UNAUTHORIZED,
            "authentication_error",
            "Missing or expired token: get a new one from service_token.".into(),
        )
        .into_response();
    };
    let roles: Vec<String> = match sqlx::query_scalar::<_, String>(
        "SELECT g.roles FROM asa_groups g JOIN asa_members m ON m.group_id = g.id WHERE m.user_id = ?1 AND g.deleted_at IS NULL",
    )
    .bind(&user_id)
    .fetch_all(&state.db)
    .await
    {
        Ok(rows) => rows.iter().flat_map(|r| serde_json::from_str::<Vec<String>>(r).unwrap_or_default()).collect(),
        Err(e) => return AsaError::from(e).into_response(),
    };
    req.extensions_mut().insert(Caller { id: user_id, roles });
    next.run(req).await
}

/// The request's JSON object, or ASA's 415.
fn json_body(body: Option<Json<Value>>) -> AsaResult<Value> {
    match body {
        Some(Json(v @ Value::Object(_))) => Ok(v),
        _ => {
            Err(AsaError(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_content_type", "Send a JSON object.".into()))
        }
    }
}

fn team_ok(team: &str) -> AsaResult<()> {
    if team == TEAM { Ok(()) } else { Err(AsaError::not_found("team")) }
}

fn user_json(r: &SqliteRow) -> Value {
    let human = r.get::<String, _>("user_type") == "human";
    json!({
        "team_name": TEAM,
        "id": r.get::<String, _>("id"),
        "name": r.get::<String, _>("name"),
        "status": r.get::<String, _>("status"),
        "details": if human { json!({
            "first_name": r.get::<Option<String>, _>("first_name"),
            "last_name": r.get::<Option<String>, _>("last_name"),
            "full_name": r.get::<Option<String>, _>("full_name"),
            "email": r.get::<Option<String>, _>("email"),
        }) } else { Value::Null },
        "user_type": r.get::<String, _>("user_type"),
        "deleted_at": r.get::<Option<String>, _>("deleted_at"),
    })
}

fn group_json(r: &SqliteRow) -> Value {
    json!({
        "id": r.get::<String, _>("id"),
        "name": r.get::<String, _>("name"),
        "roles": serde_json::from_str::<Value>(r.get::<&str, _>("roles")).unwrap_or(json!([])),
        "federated_from_team": r.get::<Option<String>, _>("federated_from_team"),
        "federation_approved_at": Value::Null,
        "deleted_at": r.get::<Option<String>, _>("deleted_at"),
    })
}

/// Query parameters (`status` may repeat).
type Q = crate::api::paging::Params;

/// `count`: 100 by default, at most 1000.
fn page_size(q: &Q) -> AsaResult<usize> {
    match q.get("count") {
        None => Ok(100),
        Some(c) => c
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= 1)
            .map(|n| n.min(1000))
            .ok_or_else(|| AsaError::invalid("count must be a positive number")),
    }
}

/// One page over `table` (`asa_users u` or `asa_groups g`), ordered by creation, with `Link`.
#[allow(clippy::too_many_arguments)]
async fn page(
    state: &OrgState,
    path: &str,
    q: &Q,
    select: &str,
    mut conds: Vec<String>,
    mut binds: Vec<String>,
    alias: &str,
    render: fn(&SqliteRow) -> Value,
) -> AsaResult<Response> {
    let count = page_size(q)?;
    if let Some(offset) = q.get("offset") {
        conds.push(format!(
            "{alias}.seq > (SELECT seq FROM {} WHERE id = ?)",
            if alias == "u" { "asa_users" } else { "asa_groups" }
        ));
        binds.push(offset.to_string());
    }
    let where_ = if conds.is_empty() { String::new() } else { format!(" WHERE {}", conds.join(" AND ")) };
    let sql = format!("{select}{where_} ORDER BY {alias}.seq LIMIT {}", count + 1);
    let mut query = sqlx::query(&sql);
    for b in &binds {
        query = query.bind(b);
    }
    let mut rows = query.fetch_all(&state.db).await?;
    let more = rows.len() > count;
    rows.truncate(count);
    let mut headers = HeaderMap::new();
    if more && let Some(last) = rows.last() {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in q.0.iter().filter(|(k, _)| k != "offset" && k != "count") {
            ser.append_pair(k, v);
        }
        ser.append_pair("count", &count.to_string());
        ser.append_pair("offset", &last.get::<String, _>("id"));
        let base = state.issuer.as_str().trim_end_matches('/');
        if let Ok(v) = HeaderValue::from_str(&format!("<{base}{path}?{}>; rel=\"next\"", ser.finish())) {
            headers.insert(header::LINK, v);
        }
    }
    Ok((headers, Json(json!({ "list": rows.iter().map(render).collect::<Vec<_>>() }))).into_response())
}

const USER_SELECT: &str = "SELECT u.* FROM asa_users u";
const GROUP_SELECT: &str = "SELECT g.* FROM asa_groups g";

fn user_filters(q: &Q, conds: &mut Vec<String>, binds: &mut Vec<String>) -> AsaResult<()> {
    if let Some(s) = q.get("starts_with") {
        conds.push("u.name LIKE ? ESCAPE '\\'".into());
        binds.push(format!("{}%", crate::api::query::escape_like(s)));
    }
    if let Some(c) = q.get("contains") {
        conds.push("u.name LIKE ? ESCAPE '\\'".into());
        binds.push(format!("%{}%", crate::api::query::escape_like(c)));
    }
    let statuses = q.all("status");
    if !statuses.is_empty() {
        if let Some(bad) = statuses.iter().find(|s| !matches!(s.as_str(), "ACTIVE" | "DISABLED" | "DELETED")) {
            return Err(AsaError::invalid(format!("unknown status {bad}")));
        }
        conds.push(format!("u.status IN ({})", vec!["?"; statuses.len()].join(", ")));
        binds.extend(statuses);
    }
    Ok(())
}

async fn current_user(
    State(state): State<Arc<OrgState>>,
    Path(team): Path<String>,
    Extension(caller): Extension<Caller>,
) -> AsaResult<Response> {
    team_ok(&team)?;
    let name: String =
        sqlx::query_scalar("SELECT name FROM asa_users WHERE id = ?1").bind(&caller.id).fetch_one(&state.db).await?;
    Ok(Json(json!({ "id": caller.id, "name": name, "team_name": TEAM })).into_response())
}

async fn list_users(
    State(state): State<Arc<OrgState>>,
    Path(team): Path<String>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> AsaResult<Response> {
    team_ok(&team)?;
    caller.can_read()?;
    let q = Q::parse(raw);
    let (mut conds, mut binds) = (Vec::new(), Vec::new());
    user_filters(&q, &mut conds, &mut binds)?;
    if !q.flag("include_service_users") {
        conds.push("u.user_type = 'human'".into());
    }
    page(&state, &format!("/v1/teams/{TEAM}/users"), &q, USER_SELECT, conds, binds, "u", user_json).await
}

async fn find_user(state: &OrgState, name: &str) -> AsaResult<SqliteRow> {
    sqlx::query("SELECT * FROM asa_users WHERE name = ?1")
        .bind(name)
        .fetch_optional(&state.db)
        .await?
        .ok_or_else(|| AsaError::not_found(&format!("user {name}")))
}

async fn find_group(state: &OrgState, name: &str) -> AsaResult<SqliteRow> {
    sqlx::query("SELECT * FROM asa_groups WHERE name = ?1 AND deleted_at IS NULL AND federated_from_team IS NULL")
        .bind(name)
        .fetch_optional(&state.db)
        .await?
        .ok_or_else(|| AsaError::not_found(&format!("group {name}")))
}

async fn get_user(
    State(state): State<Arc<OrgState>>,
    Path((team, user)): Path<(String, String)>,
    Extension(caller): Extension<Caller>,
) -> AsaResult<Response> {
    team_ok(&team)?;
    caller.can_read()?;
    Ok(Json(user_json(&find_user(&state, &user).await?)).into_response())
}

/// `PUT /users/{user}`: only `status` changes (names are immutable; details come from Okta).
async fn update_user(
    State(state): State<Arc<OrgState>>,
    Path((team, user)): Path<(String, String)>,
    Extension(caller): Extension<Caller>,
    body: Option<Json<Value>>,
) -> AsaResult<Response> {
    team_ok(&team)?;
    caller.can_write()?;
    let row = find_user(&state, &user).await?;
    let body = json_body(body)?;
    let status = body.get("status").and_then(Value::as_str).ok_or_else(|| AsaError::invalid("status is required"))?;
    if !matches!(status, "ACTIVE" | "DISABLED" | "DELETED") {
        return Err(AsaError::invalid(format!("status must be ACTIVE, DISABLED or DELETED, not {status}")));
    }
    if row.get::<String, _>("id") == caller.id && status != "ACTIVE" {
        return Err(AsaError::invalid("ASA Users can't disable or delete their own ASA User."));
    }
    let deleted_at = (status == "DELETED").then(|| asa_time(state.clock.now()));
    sqlx::query("UPDATE asa_users SET status = ?2, deleted_at = ?3 WHERE name = ?1")
        .bind(&user)
        .bind(status)
        .bind(deleted_at)
        .execute(&state.db)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn user_groups(
    State(state): State<Arc<OrgState>>,
    Path((team, user)): Path<(String, String)>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> AsaResult<Response> {
    team_ok(&team)?;
    caller.can_read()?;
    let row = find_user(&state, &user).await?;
    let q = Q::parse(raw);
    let conds =
        vec!["g.deleted_at IS NULL".into(), "g.id IN (SELECT group_id FROM asa_members WHERE user_id = ?)".into()];
    page(
        &state,
        &format!("/v1/teams/{TEAM}/users/{user}/groups"),
        &q,
        GROUP_SELECT,
        conds,
        vec![row.get("id")],
        "g",
        group_json,
    )
    .await
}

async fn list_groups(
    State(state): State<Arc<OrgState>>,
    Path(team): Path<String>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> AsaResult<Response> {
    team_ok(&team)?;
    caller.can_read()?;
    let q = Q::parse(raw);
    let (mut conds, mut binds) = (Vec::new(), Vec::new());
    if !q.flag("include_deleted") {
        conds.push("g.deleted_at IS NULL".to_string());
    }
    if let Some(c) = q.get("contains") {
        conds.push("g.name LIKE ? ESCAPE '\\'".into());
        binds.push(format!("%{}%", crate::api::query::escape_like(c)));
    }
    page(&state, &format!("/v1/teams/{TEAM}/groups"), &q, GROUP_SELECT, conds, binds, "g", group_json).await
}

const ROLES: &[&str] = &["access_user", "access_admin", "reporting_user"];

fn roles_from(body: &Value) -> AsaResult<Vec<String>> {
    let roles: Vec<String> = match body.get("roles") {
        Some(Value::Array(a)) => a
            .iter()
            .map(|r| r.as_str().map(str::to_string).ok_or_else(|| AsaError::invalid("roles must be strings")))
            .collect::<AsaResult<_>>()?,
        None => Vec::new(),
        Some(_) => return Err(AsaError::invalid("roles must be a list")),
    };
    if let Some(bad) = roles.iter().find(|r| !ROLES.contains(&r.as_str())) {
        return Err(AsaError::invalid(format!("unknown role {bad}; use access_user, access_admin or reporting_user")));
    }
    Ok(roles)
}

async fn create_group(
    State(state): State<Arc<OrgState>>,
    Path(team): Path<String>,
    Extension(caller): Extension<Caller>,
    body: Option<Json<Value>>,
) -> AsaResult<Response> {
    team_ok(&team)?;
    caller.can_write()?;
    let body = json_body(body)?;
    let name = body
        .get("name")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| AsaError::invalid("name is required"))?
        .to_string();
    let roles = roles_from(&body)?;
    if find_group(&state, &name).await.is_ok() {
        return Err(AsaError(
            StatusCode::CONFLICT,
            "resource_already_exists",
            format!("A group named {name} already exists."),
        ));
    }
    let id = uuid::Uuid::new_v4().to_string();
    sqlx::query("INSERT INTO asa_groups (id, seq, name, roles) VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM asa_groups), ?2, ?3)")
        .bind(&id)
        .bind(&name)
        .bind(json!(roles).to_string())
        .execute(&state.db)
        .await?;
    let row = find_group(&state, &name).await?;
    Ok((StatusCode::CREATED, Json(group_json(&row))).into_response())
}

async fn get_group(
    State(state): State<Arc<OrgState>>,
    Path((team, group)): Path<(String, String)>,
    Extension(caller): Extension<Caller>,
) -> AsaResult<Response> {
    team_ok(&team)?;
    caller.can_read()?;
    let row = find_group(&state, &group).await?;
    let mut g = group_json(&row);
    // Not part of ASA's object: tells clients (the portal) why membership is read-only.
    g["managed_by_okta"] = json!(row.get::<bool, _>("scim_managed"));
    Ok(Json(g).into_response())
}

async fn update_group(
    State(state): State<Arc<OrgState>>,
    Path((team, group)): Path<(String, String)>,
    Extension(caller): Extension<Caller>,
    body: Option<Json<Value>>,
) -> AsaResult<Response> {
    team_ok(&team)?;
    caller.can_write()?;
    find_group(&state, &group).await?;
    let body = json_body(body)?;
    let roles = roles_from(&body)?;
    sqlx::query("UPDATE asa_groups SET roles = ?2 WHERE name = ?1 AND deleted_at IS NULL")
        .bind(&group)
        .bind(json!(roles).to_string())
        .execute(&state.db)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn delete_group(
    State(state): State<Arc<OrgState>>,
    Path((team, group)): Path<(String, String)>,
    Extension(caller): Extension<Caller>,
) -> AsaResult<Response> {
    team_ok(&team)?;
    caller.can_write()?;
    let row = find_group(&state, &group).await?;
    if matches!(group.as_str(), "owners" | "everyone") {
        return Err(AsaError::invalid(format!("The {group} group cannot be deleted.")));
    }
    let id: String = row.get("id");
    // Members and the group go together: a failure leaves both as they were.
    let mut tx = state.db.begin().await?;
    sqlx::query("DELETE FROM asa_members WHERE group_id = ?1").bind(&id).execute(&mut *tx).await?;
    sqlx::query("UPDATE asa_groups SET deleted_at = ?2 WHERE id = ?1")
        .bind(&id)
        .bind(asa_time(state.clock.now()))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn group_users(
    State(state): State<Arc<OrgState>>,
    Path((team, group)): Path<(String, String)>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> AsaResult<Response> {
    team_ok(&team)?;
    caller.can_read()?;
    let row = find_group(&state, &group).await?;
    let q = Q::parse(raw);
    let (mut conds, mut binds) = (
        vec!["u.id IN (SELECT user_id FROM asa_members WHERE group_id = ?)".to_string()],
        vec![row.get::<String, _>("id")],
    );
    user_filters(&q, &mut conds, &mut binds)?;
    page(&state, &format!("/v1/teams/{TEAM}/groups/{group}/users"), &q, USER_SELECT, conds, binds, "u", user_json).await
}

/// Memberships of groups pushed from Okta (SCIM) and of `everyone` are not ASA's to change.
fn membership_editable(group: &SqliteRow) -> AsaResult<()> {
    if group.get::<bool, _>("scim_managed") {
        return Err(AsaError::invalid("This group is pushed from Okta (SCIM): change its membership in Okta."));
    }
    if group.get::<String, _>("name") == "everyone" {
        return Err(AsaError::invalid("Everyone holds every user; its membership cannot be changed."));
    }
    Ok(())
}

async fn add_member(
    State(state): State<Arc<OrgState>>,
    Path((team, group)): Path<(String, String)>,
    Extension(caller): Extension<Caller>,
    body: Option<Json<Value>>,
) -> AsaResult<Response> {
    team_ok(&team)?;
    caller.can_write()?;
    let g = find_group(&state, &group).await?;
    membership_editable(&g)?;
    let body = json_body(body)?;
    let name = body.get("name").and_then(Value::as_str).ok_or_else(|| AsaError::invalid("name is required"))?;
    let user = find_user(&state, name).await?;
    sqlx::query("INSERT OR IGNORE INTO asa_members (group_id, user_id) VALUES (?1, ?2)")
        .bind(g.get::<String, _>("id"))
        .bind(user.get::<String, _>("id"))
        .execute(&state.db)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn remove_member(
    State(state): State<Arc<OrgState>>,
    Path((team, group, user)): Path<(String, String, String)>,
    Extension(caller): Extension<Caller>,
) -> AsaResult<Response> {
    team_ok(&team)?;
    caller.can_write()?;
    let g = find_group(&state, &group).await?;
    membership_editable(&g)?;
    let u = find_user(&state, &user).await?;
    let done = sqlx::query("DELETE FROM asa_members WHERE group_id = ?1 AND user_id = ?2")
        .bind(g.get::<String, _>("id"))
        .bind(u.get::<String, _>("id"))
        .execute(&state.db)
        .await?;
    if done.rows_affected() == 0 {
        return Err(AsaError::not_found(&format!("{user} in {group}")));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
