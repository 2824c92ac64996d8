//! What hangs off a user: sessions, appLinks, blocks, consent grants, clients and refresh tokens.

use super::{Target, base, flag, json_ok};
use crate::{
    OrgState,
    api::{
        error::{ApiError, ApiResult},
        paging,
    },
};
use axum::{
    Json,
    extract::{Path, Query, RawQuery, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::{Row, sqlite::SqliteRow};
use std::{collections::HashMap, sync::Arc};

pub async fn clear_sessions(
    State(state): State<Arc<OrgState>>,
    Target(user): Target,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    if flag(&q, "oauthTokens", false) {
        sqlx::query("DELETE FROM refresh_tokens WHERE user_id = ?1").bind(&user.id).execute(&state.db).await?;
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /users/{id}/appLinks`: the apps the person has, directly or through a group (none once
/// deactivated: Okta deprovisions their apps).
pub async fn app_links(State(state): State<Arc<OrgState>>, Target(user): Target) -> ApiResult<Response> {
    let base = base(&state);
    if user.status == "DEPROVISIONED" {
        return Ok(json_ok(json!([])));
    }
    let links: Vec<Value> = crate::api::apps::assignments_of(&state.db, &user.id)
        .await?
        .iter()
        .map(|a| {
            // A group-given app has no assignment row of its own: its link names the app.
            let id = a.direct.as_ref().map(|(id, _)| id.clone()).unwrap_or_else(|| format!("0ua{}", &a.app_id[3..]));
            json!({
                "id": id,
                "label": a.label,
                "linkUrl": format!("{base}/home/{}/{}/{id}", a.app_name, a.app_id),
                "logoUrl": format!("{base}/assets/img/logos/default.png"),
                "appName": a.app_name,
                "appInstanceId": a.app_id,
                "appAssignmentId": id,
                "credentialsSetup": false,
                "hidden": false,
                "sortOrder": a.sort_order,
            })
        })
        .collect();
    Ok(json_ok(Value::Array(links)))
}

/// Blocks (devices blocked for the user): the embedded org never blocks anyone.
pub async fn blocks(_: Target) -> ApiResult<Response> {
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

// The rest of a path under `/users/{id}`, by name ([`Target`] takes the `id`).
#[derive(Deserialize)]
pub struct GrantPath {
    grant: String,
}
#[derive(Deserialize)]
pub struct ClientPath {
    client: String,
}
#[derive(Deserialize)]
pub struct TokenPath {
    client: String,
    token: String,
}

/// `GET /users/{id}/grants`: paged as Okta pages it (20 a page unless `limit` says otherwise),
/// with its `Link` headers.
pub async fn grants(
    State(s): State<Arc<OrgState>>,
    Target(user): Target,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let params = paging::Params::parse(raw);
    let limit = paging::limit(params.get("limit"), 20, 200)?;
    let after = match params.get("after") {
        Some(c) => Some(paging::decode_cursor(c)?.1),
        None => None,
    };
    let all = rows_of(&s, "grants", &user.id, None, None, grant_json).await?;
    let mut page: Vec<Value> = all
        .into_iter()
        .filter(|g| after.as_deref().is_none_or(|a| g["id"].as_str().is_some_and(|id| id > a)))
        .take(limit + 1)
        .collect();
    let more = page.len() > limit;
    page.truncate(limit);
    let next = more.then(|| page.last().and_then(|g| g["id"].as_str()).map(|id| paging::encode_cursor(None, id)));
    let path = format!("/api/v1/users/{}/grants", user.id);
    Ok((paging::links(&base(&s), &path, &params.0, limit, next.flatten()), Json(Value::Array(page))).into_response())
}

pub async fn revoke_grants(State(s): State<Arc<OrgState>>, Target(user): Target) -> ApiResult<Response> {
    delete_rows(&s, "grants", &user.id, None, None).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn grant(
    State(s): State<Arc<OrgState>>,
    Target(user): Target,
    Path(GrantPath { grant: g }): Path<GrantPath>,
) -> ApiResult<Response> {
    let found = rows_of(&s, "grants", &user.id, None, Some(&g), grant_json).await?;
    found.into_iter().next().map(json_ok).ok_or_else(|| ApiError::not_found(&g, "OAuth2ScopeConsentGrant"))
}

pub async fn revoke_grant(
    State(s): State<Arc<OrgState>>,
    Target(user): Target,
    Path(GrantPath { grant: g }): Path<GrantPath>,
) -> ApiResult<Response> {
    match delete_rows(&s, "grants", &user.id, None, Some(&g)).await? {
        0 => Err(ApiError::not_found(&g, "OAuth2ScopeConsentGrant")),
        _ => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}

pub async fn clients(State(s): State<Arc<OrgState>>, Target(user): Target) -> ApiResult<Response> {
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
    Target(user): Target,
    Path(ClientPath { client }): Path<ClientPath>,
) -> ApiResult<Response> {
    Ok(json_ok(Value::Array(rows_of(&s, "grants", &user.id, Some(&client), None, grant_json).await?)))
}

pub async fn revoke_client_grants(
    State(s): State<Arc<OrgState>>,
    Target(user): Target,
    Path(ClientPath { client }): Path<ClientPath>,
) -> ApiResult<Response> {
    delete_rows(&s, "grants", &user.id, Some(&client), None).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn refresh_tokens(
    State(s): State<Arc<OrgState>>,
    Target(user): Target,
    Path(ClientPath { client }): Path<ClientPath>,
) -> ApiResult<Response> {
    Ok(json_ok(Value::Array(rows_of(&s, "refresh_tokens", &user.id, Some(&client), None, token_json).await?)))
}

pub async fn revoke_refresh_tokens(
    State(s): State<Arc<OrgState>>,
    Target(user): Target,
    Path(ClientPath { client }): Path<ClientPath>,
) -> ApiResult<Response> {
    delete_rows(&s, "refresh_tokens", &user.id, Some(&client), None).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn refresh_token(
    State(s): State<Arc<OrgState>>,
    Target(user): Target,
    Path(TokenPath { client, token }): Path<TokenPath>,
) -> ApiResult<Response> {
    let found = rows_of(&s, "refresh_tokens", &user.id, Some(&client), Some(&token), token_json).await?;
    found.into_iter().next().map(json_ok).ok_or_else(|| ApiError::not_found(&token, "OAuth2RefreshToken"))
}

pub async fn revoke_refresh_token(
    State(s): State<Arc<OrgState>>,
    Target(user): Target,
    Path(TokenPath { client, token }): Path<TokenPath>,
) -> ApiResult<Response> {
    match delete_rows(&s, "refresh_tokens", &user.id, Some(&client), Some(&token)).await? {
        0 => Err(ApiError::not_found(&token, "OAuth2RefreshToken")),
        _ => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}
