//! Cursor paging with absolute `Link` headers, `self` first and `next` last, as Okta sends them
//! (the Python SDK keeps only the last `Link` header, so the order matters).

use super::error::{ApiError, ApiResult};
use axum::http::{HeaderMap, HeaderValue, header};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

/// A request's query parameters, in order (links echo them back).
pub struct Params(pub Vec<(String, String)>);

impl Params {
    pub fn parse(raw: Option<String>) -> Params {
        Params(url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()).into_owned().collect())
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Every value of a repeated parameter (`status=A&status=B`).
    pub fn all(&self, key: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == key).map(|(_, v)| v.clone()).collect()
    }

    /// A boolean parameter: `true` (any case) or not.
    pub fn flag(&self, key: &str) -> bool {
        self.get(key).is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }
}

/// Page size from `limit`: default when absent, clamped to `max`; nonsense is refused.
pub fn limit(raw: Option<&str>, default: usize, max: usize) -> ApiResult<usize> {
    match raw {
        None | Some("") => Ok(default),
        Some(v) => match v.parse::<i64>() {
            Ok(n) if n >= 1 => Ok((n as usize).min(max)),
            _ => Err(ApiError::validation("limit", vec![format!("limit: {v} is not a valid page size")])),
        },
    }
}

/// A cursor is opaque to clients: the sort key (if any) and the id of the last row shown.
pub fn encode_cursor(sort_key: Option<&str>, id: &str) -> String {
    let raw = serde_json::json!([sort_key, id]).to_string();
    URL_SAFE_NO_PAD.encode(raw)
}

pub fn decode_cursor(cursor: &str) -> ApiResult<(Option<String>, String)> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| ApiError::paging())?;
    let (key, id): (Option<String>, String) = serde_json::from_slice(&bytes).map_err(|_| ApiError::paging())?;
    Ok((key, id))
}

/// `Link` headers for a page: `self` (with the effective limit) and, when more rows exist, `next`.
pub fn links(base: &str, path: &str, params: &[(String, String)], limit: usize, next: Option<String>) -> HeaderMap {
    let url = |after: Option<&str>| {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        if let Some(a) = after {
            q.append_pair("after", a);
        }
        q.append_pair("limit", &limit.to_string());
        for (k, v) in params.iter().filter(|(k, _)| k != "after" && k != "limit") {
            q.append_pair(k, v);
        }
        format!("{base}{path}?{}", q.finish())
    };
    let mut h = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&format!("<{}>; rel=\"self\"", url(None))) {
        h.append(header::LINK, v);
    }
    if let Some(cursor) = next
        && let Ok(v) = HeaderValue::from_str(&format!("<{}>; rel=\"next\"", url(Some(&cursor))))
    {
        h.append(header::LINK, v);
    }
    h
}

/// One keyset page of `SELECT <columns> FROM <from_where>` (`from_where` ends in a `WHERE`
/// clause; the rows need `id`), ordered by `sort` (an SQL expression) then `id_col`, starting
/// after the cursor.
/// Returns the rows and the next page's cursor. Users and groups page the same way.
#[allow(clippy::too_many_arguments)]
pub async fn keyset(
    db: &sqlx::SqlitePool,
    columns: &str,
    from_where: &str,
    id_col: &str,
    sort: Option<&str>,
    desc: bool,
    limit: usize,
    after: Option<&str>,
    binds: &mut Vec<String>,
) -> ApiResult<(Vec<sqlx::sqlite::SqliteRow>, Option<String>)> {
    use sqlx::Row;
    let sort_key = sort.unwrap_or("''");
    let mut sql = format!("SELECT {columns}, {sort_key} AS sort_key FROM {from_where}");
    if let Some(cursor) = after {
        let (key, id) = decode_cursor(cursor)?;
        match sort {
            Some(expr) => {
                let cmp = if desc { "<" } else { ">" };
                sql.push_str(&format!(" AND ({expr} {cmp} ? OR ({expr} = ? AND {id_col} > ?))"));
                let key = key.unwrap_or_default();
                binds.extend([key.clone(), key, id]);
            }
            None => {
                sql.push_str(&format!(" AND {id_col} > ?"));
                binds.push(id);
            }
        }
    }
    match sort {
        Some(expr) => sql.push_str(&format!(" ORDER BY {expr} {}, {id_col} ASC", if desc { "DESC" } else { "ASC" })),
        None => sql.push_str(&format!(" ORDER BY {id_col} ASC")),
    }
    sql.push_str(&format!(" LIMIT {}", limit + 1));
    let mut query = sqlx::query(&sql);
    for b in binds.iter() {
        query = query.bind(b);
    }
    let mut rows = query.fetch_all(db).await?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next = if more {
        rows.last().map(|r| encode_cursor(sort.map(|_| r.get::<&str, _>("sort_key")), r.get("id")))
    } else {
        None
    };
    Ok((rows, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_default_clamp_and_refuse() {
        assert_eq!(limit(None, 200, 200).ok(), Some(200));
        assert_eq!(limit(Some("500"), 200, 200).ok(), Some(200));
        assert_eq!(limit(Some("5"), 200, 200).ok(), Some(5));
        assert!(limit(Some("0"), 200, 200).is_err());
        assert!(limit(Some("x"), 200, 200).is_err());
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let c = encode_cursor(Some("smith"), "00u1");
        assert_eq!(decode_cursor(&c).ok(), Some((Some("smith".into()), "00u1".into())));
        assert!(decode_cursor("!!").is_err());
    }

    #[test]
    fn self_comes_first_and_next_last() {
        let h = links(
            "http://o",
            "/api/v1/users",
            &[("search".into(), "status eq \"ACTIVE\"".into())],
            5,
            Some("c".into()),
        );
        let all: Vec<_> = h.get_all(header::LINK).iter().map(|v| v.to_str().unwrap_or_default().to_string()).collect();
        assert_eq!(all.len(), 2);
        assert!(
            all[0].ends_with("rel=\"self\"")
                && all[0].contains("limit=5")
                && all[0].contains("search=status+eq+%22ACTIVE%22")
        );
        assert!(all[1].ends_with("rel=\"next\"") && all[1].contains("after=c"));
    }
}
