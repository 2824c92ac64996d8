//! Groups and membership. OKTA_GROUPs are managed here; APP_GROUPs (imported from an app) and
//! BUILT_IN groups (`Everyone`) are read-only, as in Okta.

use super::{
    ApiCaller,
    error::{ApiError, ApiResult},
    paging,
    query::{self, Dialect},
    users::{self, base},
};
use crate::{OrgState, ids::okta_id};
use axum::{
    Extension, Json,
    body::Bytes,
    extract::{Path, RawQuery, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::{Map, Value, json};
use sqlx::{Row, SqlitePool, sqlite::SqliteRow};
use std::sync::Arc;

const COLS: &str = "g.id, g.type, g.name, g.profile, g.created, g.last_updated, g.last_membership_updated";

fn group_json(base: &str, r: &SqliteRow, stats: bool) -> Value {
    let id: String = r.get("id");
    let kind: String = r.get("type");
    let profile: Value = serde_json::from_str(r.get::<&str, _>("profile")).unwrap_or(json!({}));
    let logo = |size: &str| json!({ "name": size, "href": format!("{base}/assets/img/logos/groups/okta-{size}.png"), "type": "image/png" });
    let mut g = json!({
        "id": id,
        "created": r.get::<String, _>("created"),
        "lastUpdated": r.get::<String, _>("last_updated"),
        "lastMembershipUpdated": r.get::<String, _>("last_membership_updated"),
        "objectClass": ["okta:user_group"],
        "type": kind,
        "profile": profile,
        "_links": {
            "logo": [logo("medium"), logo("large")],
            "users": { "href": format!("{base}/api/v1/groups/{id}/users") },
            "apps": { "href": format!("{base}/api/v1/groups/{id}/apps") },
        },
    });
    if kind == "APP_GROUP" {
        g["source"] = json!({ "id": "0oaPortico0Salesforce" });
        g["_links"]["source"] = json!({ "href": format!("{base}/api/v1/apps/0oaPortico0Salesforce") });
    }
    if stats {
        g["_embedded"] = json!({ "stats": {
            "usersCount": r.try_get::<i64, _>("users_count").unwrap_or(0),
            "appsCount": 0,
            "groupPushMappingsCount": 0,
            "hasAdminPrivilege": false,
        }});
    }
    g
}

async fn find(db: &SqlitePool, id: &str) -> ApiResult<SqliteRow> {
    sqlx::query(&format!("SELECT {COLS} FROM groups g WHERE g.id = ?1"))
        .bind(id)
        .fetch_optional(db)
        .await?
        .ok_or_else(|| ApiError::not_found(id, "UserGroup"))
}

fn stats_select(expand: Option<&str>) -> (bool, &'static str) {
    let stats = expand.is_some_and(|e| e.split(',').any(|x| x == "stats"));
    (stats, if stats { ", (SELECT COUNT(*) FROM group_members m WHERE m.group_id = g.id) AS users_count" } else { "" })
}

pub async fn list(State(state): State<Arc<OrgState>>, RawQuery(raw): RawQuery) -> ApiResult<Response> {
    let params = paging::Params::parse(raw);
    let get = |k: &str| params.get(k);
    let (search, filter, q) = (get("search"), get("filter"), get("q"));
    if search.is_some() && filter.is_some() {
        return Err(ApiError::search_and_filter());
    }
    let base = base(&state);
    let (stats, stats_col) = stats_select(get("expand"));
    if let (Some(q), None, None) = (q, search, filter) {
        // Type-ahead: name prefix, exact matches first, no paging and no Link header.
        let limit = paging::limit(get("limit"), 300, 10000)?;
        let pattern = format!("{}%", query::escape_like(&q.to_lowercase()));
        let sql = format!(
            "SELECT {COLS}{stats_col} FROM groups g WHERE lower(g.name) LIKE ?1 ESCAPE '\\' \
             ORDER BY lower(g.name) = lower(?2) DESC, g.id LIMIT ?3"
        );
        let rows = sqlx::query(&sql).bind(pattern).bind(q).bind(limit as i64).fetch_all(&state.db).await?;
        return Ok(Json(Value::Array(rows.iter().map(|r| group_json(&base, r, stats)).collect())).into_response());
    }
    let (condition, mut binds, sort) = match (search, filter) {
        (Some(s), _) => {
            let sql = query::compile(&query::parse(s)?, Dialect::GroupSearch)?;
            let sort = match get("sortBy") {
                Some(attr) => Some(
                    query::sort_expr(Dialect::GroupSearch, attr)
                        .ok_or(ApiError::from(query::QueryError::Unsupported(attr.into())))?,
                ),
                None => None,
            };
            (sql.condition, sql.params, sort)
        }
        (_, Some(f)) => {
            let sql = query::compile(&query::parse(f)?, Dialect::GroupFilter)?;
            (sql.condition, sql.params, None)
        }
        _ => ("1 = 1".to_string(), Vec::new(), None),
    };
    let limit = paging::limit(get("limit"), 10000, 10000)?;
    let desc = get("sortOrder").is_some_and(|o| o.eq_ignore_ascii_case("desc"));
    // Group columns are unqualified in compiled conditions; the alias-free subquery keeps them valid.
    let from = format!("(SELECT * FROM groups) g WHERE ({condition})");
    let columns = format!("{COLS}{stats_col}");
    let (rows, next) =
        paging::keyset(&state.db, &columns, &from, "g.id", sort.as_deref(), desc, limit, get("after"), &mut binds)
            .await?;
    let body: Vec<Value> = rows.iter().map(|r| group_json(&base, r, stats)).collect();
    Ok((paging::links(&base, "/api/v1/groups", &params.0, limit, next), Json(Value::Array(body))).into_response())
}

fn parse_profile(bytes: &Bytes, allowed: &[&str]) -> ApiResult<Map<String, Value>> {
    let value: Value = serde_json::from_slice(bytes).map_err(|_| ApiError::malformed_body())?;
    let Value::Object(body) = value else { return Err(ApiError::malformed_body()) };
    if body.keys().any(|k| !allowed.contains(&k.as_str())) {
        return Err(ApiError::malformed_body());
    }
    let Some(Value::Object(profile)) = body.get("profile") else {
        return Err(ApiError::validation("name", vec!["name: The field cannot be left blank".into()]));
    };
    let mut profile = profile.clone();
    let name = profile.get("name").and_then(Value::as_str).map(str::trim).unwrap_or_default().to_string();
    if name.is_empty() {
        return Err(ApiError::validation("name", vec!["name: The field cannot be left blank".into()]));
    }
    if name.chars().count() > 255 {
        return Err(ApiError::validation("name", vec!["name: The field is too long".into()]));
    }
    if profile.get("description").and_then(Value::as_str).is_some_and(|d| d.chars().count() > 1024) {
        return Err(ApiError::validation("description", vec!["description: The field is too long".into()]));
    }
    profile.insert("name".into(), json!(name));
    profile.entry("description").or_insert(Value::Null);
    Ok(profile)
}

async fn name_taken(db: &SqlitePool, name: &str, except: &str) -> ApiResult<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM groups WHERE lower(name) = lower(?1) AND id != ?2")
        .bind(name)
        .bind(except)
        .fetch_one(db)
        .await?;
    Ok(n > 0)
}

fn duplicate_name() -> ApiError {
    ApiError::validation(
        "name",
        vec!["name: An object with this field already exists in the current organization".into()],
    )
}

pub async fn create(State(state): State<Arc<OrgState>>, bytes: Bytes) -> ApiResult<Response> {
    let profile = parse_profile(&bytes, &["profile"])?;
    let name = profile["name"].as_str().unwrap_or_default().to_string();
    if name_taken(&state.db, &name, "").await? {
        return Err(duplicate_name());
    }
    let id = okta_id("00g");
    let now = state.now();
    sqlx::query(
        "INSERT INTO groups (id, type, name, profile, created, last_updated, last_membership_updated) \
         VALUES (?1, 'OKTA_GROUP', ?2, ?3, ?4, ?4, ?4)",
    )
    .bind(&id)
    .bind(&name)
    .bind(Value::Object(profile).to_string())
    .bind(&now)
    .execute(&state.db)
    .await?;
    let row = find(&state.db, &id).await?;
    Ok(Json(group_json(&base(&state), &row, false)).into_response())
}

pub async fn get_one(
    State(state): State<Arc<OrgState>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let expand = url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "expand")
        .map(|(_, v)| v.into_owned());
    let (stats, stats_col) = stats_select(expand.as_deref());
    let row = sqlx::query(&format!("SELECT {COLS}{stats_col} FROM groups g WHERE g.id = ?1"))
        .bind(&id)
        .fetch_optional(&state.db)
        .await?
        .ok_or_else(|| ApiError::not_found(&id, "UserGroup"))?;
    Ok(Json(group_json(&base(&state), &row, stats)).into_response())
}

/// Only OKTA_GROUPs can be changed; the others answer E0000006 like Okta.
fn require_okta_group(row: &SqliteRow) -> ApiResult<()> {
    match row.get::<&str, _>("type") {
        "OKTA_GROUP" => Ok(()),
        _ => Err(ApiError::forbidden()),
    }
}

pub async fn replace(State(state): State<Arc<OrgState>>, Path(id): Path<String>, bytes: Bytes) -> ApiResult<Response> {
    let row = find(&state.db, &id).await?;
    let profile = parse_profile(
        &bytes,
        &[
            "profile",
            "id",
            "type",
            "objectClass",
            "created",
            "lastUpdated",
            "lastMembershipUpdated",
            "_links",
            "_embedded",
            "source",
        ],
    )?;
    require_okta_group(&row)?;
    let name = profile["name"].as_str().unwrap_or_default().to_string();
    if name_taken(&state.db, &name, &id).await? {
        return Err(duplicate_name());
    }
    sqlx::query("UPDATE groups SET name = ?2, profile = ?3, last_updated = ?4 WHERE id = ?1")
        .bind(&id)
        .bind(&name)
        .bind(Value::Object(profile).to_string())
        .bind(state.now())
        .execute(&state.db)
        .await?;
    let row = find(&state.db, &id).await?;
    Ok(Json(group_json(&base(&state), &row, false)).into_response())
}

pub async fn remove(State(state): State<Arc<OrgState>>, Path(id): Path<String>) -> ApiResult<Response> {
    let row = find(&state.db, &id).await?;
    require_okta_group(&row)?;
    sqlx::query("DELETE FROM groups WHERE id = ?1 AND type = 'OKTA_GROUP'").bind(&id).execute(&state.db).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn members(
    State(state): State<Arc<OrgState>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    find(&state.db, &id).await?;
    let params = paging::Params::parse(raw);
    let get = |k: &str| params.get(k);
    let limit = paging::limit(get("limit"), 1000, 1000)?;
    let mut binds = vec![id.clone()];
    users::page_of_users(
        &state.db,
        &base(&state),
        &format!("/api/v1/groups/{id}/users"),
        &params.0,
        // Walking the membership index in user-id order keeps every page cheap, even for
        // Everyone (all users) and for small groups alike.
        "group_members m JOIN users ON users.id = m.user_id",
        "m.user_id",
        "m.group_id = ?".into(),
        &mut binds,
        None,
        false,
        limit,
        get("after"),
    )
    .await
}

/// Membership changes: OKTA_GROUP only (BUILT_IN: 501 E0000060; APP_GROUP: 403 E0000006).
async fn membership_target(state: &OrgState, caller: &ApiCaller, gid: &str, uid: &str) -> ApiResult<String> {
    let row = find(&state.db, gid).await?;
    let user = users::load(state, caller, uid).await?;
    match row.get::<&str, _>("type") {
        "OKTA_GROUP" => Ok(user.id),
        "BUILT_IN" => Err(ApiError::new(StatusCode::NOT_IMPLEMENTED, "E0000060", "Unsupported operation.")),
        _ => Err(ApiError::forbidden()),
    }
}

pub async fn add_member(
    State(state): State<Arc<OrgState>>,
    Extension(caller): Extension<ApiCaller>,
    Path((gid, uid)): Path<(String, String)>,
) -> ApiResult<Response> {
    let user_id = membership_target(&state, &caller, &gid, &uid).await?;
    let added = sqlx::query("INSERT OR IGNORE INTO group_members (group_id, user_id) VALUES (?1, ?2)")
        .bind(&gid)
        .bind(&user_id)
        .execute(&state.db)
        .await?;
    if added.rows_affected() > 0 {
        touch_membership(&state, &gid, &user_id, "group.user_membership.add").await?;
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn remove_member(
    State(state): State<Arc<OrgState>>,
    Extension(caller): Extension<ApiCaller>,
    Path((gid, uid)): Path<(String, String)>,
) -> ApiResult<Response> {
    let user_id = membership_target(&state, &caller, &gid, &uid).await?;
    let removed = sqlx::query("DELETE FROM group_members WHERE group_id = ?1 AND user_id = ?2")
        .bind(&gid)
        .bind(&user_id)
        .execute(&state.db)
        .await?;
    if removed.rows_affected() > 0 {
        touch_membership(&state, &gid, &user_id, "group.user_membership.remove").await?;
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A membership that changed: the group's `lastMembershipUpdated`, and Okta's System Log event
/// (`group.user_membership.add` / `.remove`, about the person) — only when something changed,
/// as Okta logs no event for adding a member twice.
async fn touch_membership(state: &OrgState, gid: &str, user_id: &str, event: &str) -> ApiResult<()> {
    sqlx::query("UPDATE groups SET last_membership_updated = ?2 WHERE id = ?1")
        .bind(gid)
        .bind(state.now())
        .execute(&state.db)
        .await?;
    let profile: Option<String> =
        sqlx::query_scalar("SELECT profile FROM users WHERE id = ?1").bind(user_id).fetch_optional(&state.db).await?;
    let profile = profile.and_then(|p| serde_json::from_str(&p).ok()).unwrap_or_default();
    let (login, name) = super::logs::target_of(&profile);
    super::logs::record(state, event, user_id, &login, &name).await;
    Ok(())
}

/// `GET /users/{id}/groups`, paged by group id.
pub async fn of_user(
    State(state): State<Arc<OrgState>>,
    Extension(caller): Extension<ApiCaller>,
    Path(key): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let user = users::load(&state, &caller, &key).await?;
    let params = paging::Params::parse(raw);
    let get = |k: &str| params.get(k);
    let limit = paging::limit(get("limit"), 200, 200)?;
    let after = match get("after") {
        Some(c) => paging::decode_cursor(c)?.1,
        None => String::new(),
    };
    let mut rows = sqlx::query(&format!(
        "SELECT {COLS} FROM groups g JOIN group_members m ON m.group_id = g.id \
         WHERE m.user_id = ?1 AND g.id > ?2 ORDER BY g.id LIMIT ?3"
    ))
    .bind(&user.id)
    .bind(after)
    .bind((limit + 1) as i64)
    .fetch_all(&state.db)
    .await?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    let base = base(&state);
    let next = more.then(|| rows.last().map(|r| paging::encode_cursor(None, r.get("id")))).flatten();
    let body: Vec<Value> = rows.iter().map(|r| group_json(&base, r, false)).collect();
    let path = format!("/api/v1/users/{}/groups", user.id);
    Ok((paging::links(&base, &path, &params.0, limit, next), Json(Value::Array(body))).into_response())
}
