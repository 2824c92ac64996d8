//! `GET /users` with `q`, `filter` or `search`, and the paged user lists other resources share.

use super::{COLS, User, base, json_ok};
use crate::{
    OrgState,
    api::{
        error::{ApiError, ApiResult},
        paging,
        query::{self, Dialect},
    },
};
use axum::{
    Json,
    extract::{RawQuery, State},
    response::{IntoResponse, Response},
};
use serde_json::Value;
use sqlx::SqlitePool;
use std::sync::Arc;

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
