//! Applications and who is assigned to them, as Okta has it: a person is assigned directly
//! (`scope: USER`) or through a group assigned to the app (`scope: GROUP`). Unassigning a person
//! the app reaches through a group is refused (403 E0000046), as Okta refuses it: their group
//! membership is what must go. An access review reads and removes these assignments.

use super::{
    ApiCaller,
    error::{ApiError, ApiResult},
    paging, users,
};
use crate::{OrgState, ids::okta_id};
use axum::{
    Extension, Json,
    body::Bytes,
    extract::{Path, RawQuery, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};
use sqlx::{Row, SqlitePool};
use std::{collections::BTreeMap, sync::Arc};

pub const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS apps (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    label TEXT NOT NULL,
    created TEXT NOT NULL,
    sort_order INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS app_groups (
    app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    priority INTEGER NOT NULL DEFAULT 0,
    last_updated TEXT NOT NULL,
    PRIMARY KEY (app_id, group_id)
);
CREATE TABLE IF NOT EXISTS app_users (
    id TEXT NOT NULL,
    app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created TEXT NOT NULL,
    PRIMARY KEY (app_id, user_id)
);
CREATE INDEX IF NOT EXISTS app_users_by_user ON app_users(user_id);
"#;

/// One person's assignment to one app: direct, or the first group (by priority) that gives it.
pub struct Assignment {
    pub app_id: String,
    pub app_name: String,
    pub label: String,
    pub sort_order: i64,
    /// The direct assignment's id; none when only a group assigns the app.
    pub direct: Option<(String, String)>,
    /// `(group id, group name)` of the group that assigns it, when one does.
    pub group: Option<(String, String)>,
}

/// Every app assigned to `user_id`, directly or through their groups, one entry per app.
pub async fn assignments_of(db: &SqlitePool, user_id: &str) -> ApiResult<Vec<Assignment>> {
    let rows = sqlx::query(
        "SELECT a.id, a.name, a.label, a.sort_order, u.id AS direct_id, u.created AS direct_created, \
                NULL AS group_id, NULL AS group_name, 0 AS priority \
         FROM app_users u JOIN apps a ON a.id = u.app_id WHERE u.user_id = ?1 \
         UNION ALL \
         SELECT a.id, a.name, a.label, a.sort_order, NULL, NULL, g.id, g.name, ag.priority \
         FROM app_groups ag JOIN apps a ON a.id = ag.app_id JOIN groups g ON g.id = ag.group_id \
              JOIN group_members m ON m.group_id = ag.group_id \
         WHERE m.user_id = ?1 \
         ORDER BY 4, 1, 9",
    )
    .bind(user_id)
    .fetch_all(db)
    .await?;
    let mut by_app: BTreeMap<String, Assignment> = BTreeMap::new();
    let mut order = Vec::new();
    for r in rows {
        let id: String = r.get("id");
        let entry = by_app.entry(id.clone()).or_insert_with(|| {
            order.push(id.clone());
            Assignment {
                app_id: id,
                app_name: r.get("name"),
                label: r.get("label"),
                sort_order: r.get("sort_order"),
                direct: None,
                group: None,
            }
        });
        if let (Some(d), Some(c)) =
            (r.get::<Option<String>, _>("direct_id"), r.get::<Option<String>, _>("direct_created"))
        {
            entry.direct = Some((d, c));
        }
        if let (None, Some(g), Some(n)) =
            (&entry.group, r.get::<Option<String>, _>("group_id"), r.get::<Option<String>, _>("group_name"))
        {
            entry.group = Some((g, n));
        }
    }
    Ok(order.into_iter().filter_map(|id| by_app.remove(&id)).collect())
}

async fn app_row(state: &OrgState, id: &str) -> ApiResult<(String, String, String)> {
    sqlx::query_as("SELECT id, name, label FROM apps WHERE id = ?1")
        .bind(id)
        .fetch_optional(&state.db)
        .await?
        .ok_or_else(|| ApiError::not_found(id, "AppInstance"))
}

fn app_json(base: &str, id: &str, name: &str, label: &str) -> Value {
    json!({
        "id": id,
        "name": name,
        "label": label,
        "status": "ACTIVE",
        "signOnMode": "SAML_2_0",
        "_links": {
            "users": { "href": format!("{base}/api/v1/apps/{id}/users") },
            "groups": { "href": format!("{base}/api/v1/apps/{id}/groups") },
            "self": { "href": format!("{base}/api/v1/apps/{id}") },
        },
    })
}

/// `GET /apps`: every app (this org has a handful).
pub async fn list(State(state): State<Arc<OrgState>>) -> ApiResult<Response> {
    let base = users::base(&state);
    let rows: Vec<(String, String, String)> =
        sqlx::query_as("SELECT id, name, label FROM apps ORDER BY sort_order, label").fetch_all(&state.db).await?;
    Ok(Json(rows.iter().map(|(id, name, label)| app_json(&base, id, name, label)).collect::<Vec<_>>()).into_response())
}

/// `GET /apps/{id}`.
pub async fn get_one(State(state): State<Arc<OrgState>>, Path(id): Path<String>) -> ApiResult<Response> {
    let (id, name, label) = app_row(&state, &id).await?;
    Ok(Json(app_json(&users::base(&state), &id, &name, &label)).into_response())
}

/// An AppUser: `scope` says how the person has the app; a group-scoped one links its group.
fn app_user_json(base: &str, app_id: &str, user: &users::User, a: &Assignment) -> Value {
    let created = a.direct.as_ref().map(|(_, c)| c.clone()).unwrap_or_else(|| user.created.clone());
    let login = user.profile.get("login").cloned().unwrap_or(Value::Null);
    let mut v = json!({
        "id": user.id,
        "externalId": null,
        "created": created,
        "lastUpdated": created,
        "scope": if a.direct.is_some() { "USER" } else { "GROUP" },
        "status": "ACTIVE",
        "statusChanged": created,
        "passwordChanged": null,
        "syncState": "DISABLED",
        "credentials": { "userName": login },
        "profile": {},
        "_links": {
            "app": { "href": format!("{base}/api/v1/apps/{app_id}") },
            "user": { "href": format!("{base}/api/v1/users/{}", user.id) },
        },
    });
    if let (None, Some((gid, name))) = (&a.direct, &a.group) {
        v["_links"]["group"] = json!({ "name": name, "href": format!("{base}/api/v1/groups/{gid}") });
    }
    v
}

/// `GET /apps/{id}/users`, paged by user id: people assigned directly and through groups.
pub async fn app_users(
    State(state): State<Arc<OrgState>>,
    Path(app_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    app_row(&state, &app_id).await?;
    let params = paging::Params::parse(raw);
    let limit = paging::limit(params.get("limit"), 50, 500)?;
    let after = params.get("after").unwrap_or_default().to_string();
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT user_id FROM app_users WHERE app_id = ?1 \
         UNION SELECT m.user_id FROM app_groups ag JOIN group_members m ON m.group_id = ag.group_id \
               JOIN users u ON u.id = m.user_id \
               WHERE ag.app_id = ?1 AND u.status != 'DEPROVISIONED' \
         ORDER BY 1",
    )
    .bind(&app_id)
    .fetch_all(&state.db)
    .await?;
    let page: Vec<&String> =
        ids.iter().filter(|id| after.is_empty() || id.as_str() > after.as_str()).take(limit + 1).collect();
    let more = page.len() > limit;
    let base = users::base(&state);
    let mut out = Vec::new();
    for id in page.iter().take(limit) {
        let Some(user) = users::find(&state.db, id).await? else { continue };
        if let Some(a) = assignments_of(&state.db, id).await?.into_iter().find(|a| a.app_id == app_id) {
            out.push(app_user_json(&base, &app_id, &user, &a));
        }
    }
    let next = more.then(|| page[limit - 1].clone());
    let path = format!("/api/v1/apps/{app_id}/users");
    let headers = paging::links(&base, &path, &params.0, limit, next);
    Ok((headers, Json(out)).into_response())
}

async fn assignment(
    state: &OrgState,
    caller: &ApiCaller,
    app_id: &str,
    uid: &str,
) -> ApiResult<(users::User, Assignment)> {
    app_row(state, app_id).await?;
    let user = users::load(state, caller, uid).await?;
    let found = assignments_of(&state.db, &user.id).await?.into_iter().find(|a| a.app_id == app_id);
    match found {
        Some(a) => Ok((user, a)),
        None => Err(ApiError::not_found(uid, "AppUser")),
    }
}

/// `GET /apps/{id}/users/{userId}`.
pub async fn app_user(
    State(state): State<Arc<OrgState>>,
    Extension(caller): Extension<ApiCaller>,
    Path((app_id, uid)): Path<(String, String)>,
) -> ApiResult<Response> {
    let (user, a) = assignment(&state, &caller, &app_id, &uid).await?;
    Ok(Json(app_user_json(&users::base(&state), &app_id, &user, &a)).into_response())
}

/// `POST /apps/{id}/users` with `{"id": userId}`: assigns the person directly.
pub async fn assign(
    State(state): State<Arc<OrgState>>,
    Extension(caller): Extension<ApiCaller>,
    Path(app_id): Path<String>,
    bytes: Bytes,
) -> ApiResult<Response> {
    app_row(&state, &app_id).await?;
    let body: Value = serde_json::from_slice(&bytes).map_err(|_| ApiError::malformed_body())?;
    let Some(uid) = body.get("id").and_then(Value::as_str) else {
        return Err(ApiError::validation("id", vec!["id: The field cannot be left blank".into()]));
    };
    let user = users::load(&state, &caller, uid).await?;
    let added = sqlx::query("INSERT OR IGNORE INTO app_users (id, app_id, user_id, created) VALUES (?1, ?2, ?3, ?4)")
        .bind(okta_id("0ua"))
        .bind(&app_id)
        .bind(&user.id)
        .bind(state.now())
        .execute(&state.db)
        .await?;
    if added.rows_affected() > 0 {
        log(&state, "application.user_membership.add", &user).await;
    }
    let (user, a) = assignment(&state, &caller, &app_id, &user.id).await?;
    Ok(Json(app_user_json(&users::base(&state), &app_id, &user, &a)).into_response())
}

/// `DELETE /apps/{id}/users/{userId}`: 204. Refused (403 E0000046) while a group the person is
/// in assigns the app, as Okta refuses it.
pub async fn unassign(
    State(state): State<Arc<OrgState>>,
    Extension(caller): Extension<ApiCaller>,
    Path((app_id, uid)): Path<(String, String)>,
) -> ApiResult<Response> {
    let (user, a) = assignment(&state, &caller, &app_id, &uid).await?;
    if a.group.is_some() {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "E0000046", "Deactivate application for user forbidden.")
            .with_cause(
                "The application cannot be unassigned from the user while their group memberships grant them access",
            ));
    }
    let gone = sqlx::query("DELETE FROM app_users WHERE app_id = ?1 AND user_id = ?2")
        .bind(&app_id)
        .bind(&user.id)
        .execute(&state.db)
        .await?;
    if gone.rows_affected() > 0 {
        log(&state, "application.user_membership.remove", &user).await;
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /apps/{id}/groups`: the groups assigned to the app.
pub async fn app_groups(State(state): State<Arc<OrgState>>, Path(app_id): Path<String>) -> ApiResult<Response> {
    app_row(&state, &app_id).await?;
    let base = users::base(&state);
    let rows: Vec<(String, i64, String)> = sqlx::query_as(
        "SELECT group_id, priority, last_updated FROM app_groups WHERE app_id = ?1 ORDER BY priority, group_id",
    )
    .bind(&app_id)
    .fetch_all(&state.db)
    .await?;
    let out: Vec<Value> = rows
        .iter()
        .map(|(gid, priority, updated)| {
            json!({
                "id": gid,
                "lastUpdated": updated,
                "priority": priority,
                "profile": {},
                "_links": {
                    "app": { "href": format!("{base}/api/v1/apps/{app_id}") },
                    "self": { "href": format!("{base}/api/v1/apps/{app_id}/groups/{gid}") },
                    "group": { "href": format!("{base}/api/v1/groups/{gid}") },
                },
            })
        })
        .collect();
    Ok(Json(out).into_response())
}

async fn log(state: &OrgState, event: &str, user: &users::User) {
    let (login, name) = super::logs::target_of(&user.profile);
    super::logs::record(state, event, &user.id, &login, &name).await;
}
