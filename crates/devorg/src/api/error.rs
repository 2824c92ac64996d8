//! Okta's error envelope. Every 4xx/5xx from `/api/v1` is one of these, with the documented code
//! and HTTP status (`errorLink` equals `errorCode`; `errorCauses` is always an array).

use super::query::QueryError;
use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::json;

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub summary: String,
    pub causes: Vec<String>,
    /// `WWW-Authenticate` for bearer-token refusals.
    pub www_authenticate: Option<String>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, summary: impl Into<String>) -> Self {
        Self { status, code, summary: summary.into(), causes: Vec::new(), www_authenticate: None }
    }

    pub fn with_cause(mut self, cause: impl Into<String>) -> Self {
        self.causes.push(cause.into());
        self
    }

    /// E0000001: `Api validation failed: <field>`, one cause per violation.
    pub fn validation(field: &str, causes: Vec<String>) -> Self {
        let mut e = Self::new(StatusCode::BAD_REQUEST, "E0000001", format!("Api validation failed: {field}"));
        e.causes = causes;
        e
    }

    pub fn malformed_body() -> Self {
        Self::new(StatusCode::BAD_REQUEST, "E0000003", "The request body was not well-formed.")
    }

    pub fn invalid_session() -> Self {
        Self::new(StatusCode::FORBIDDEN, "E0000005", "Invalid session")
    }

    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, "E0000006", "You do not have permission to perform the requested action")
    }

    /// E0000007 with Okta's wording: `Not found: Resource not found: <id> (User)`.
    pub fn not_found(id: &str, kind: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "E0000007", format!("Not found: Resource not found: {id} ({kind})"))
    }

    pub fn no_route() -> Self {
        Self::new(StatusCode::NOT_FOUND, "E0000008", "The requested path was not found")
    }

    pub fn invalid_token() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "E0000011", "Invalid token provided")
    }

    pub fn not_allowed_in_status() -> Self {
        Self::new(StatusCode::FORBIDDEN, "E0000038", "This operation is not allowed in the user's current status.")
    }

    pub fn method_not_allowed() -> Self {
        Self::new(StatusCode::METHOD_NOT_ALLOWED, "E0000022", "The endpoint does not support the provided HTTP method")
    }

    pub fn paging() -> Self {
        Self::new(StatusCode::BAD_REQUEST, "E0000029", "Invalid paging request.")
    }

    pub fn rate_limited() -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, "E0000047", "API call exceeded rate limit due to too many requests.")
    }

    pub fn search_and_filter() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "E0000033",
            "Bad request. Can't specify a search query and filter in the same request.",
        )
    }

    pub fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "E0000009", "Internal Server Error")
    }
}

impl From<QueryError> for ApiError {
    fn from(e: QueryError) -> Self {
        match e {
            QueryError::Date(_) => ApiError::new(
                StatusCode::BAD_REQUEST,
                "E0000030",
                "Bad request. Invalid date. Dates must be of the form yyyy-MM-dd'T'HH:mm:ss.SSSZZ, e.g. 2013-01-01T12:00:00.000-07:00.",
            ),
            other => ApiError::new(StatusCode::BAD_REQUEST, "E0000031", "Invalid search criteria.")
                .with_cause(other.to_string()),
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        tracing::error!(error = %e, "embedded org: database error");
        ApiError::internal()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({
            "errorCode": self.code,
            "errorSummary": self.summary,
            "errorLink": self.code,
            "errorId": format!("oae{}", crate::ids::random_token(22)),
            "errorCauses": self.causes.iter().map(|c| json!({ "errorSummary": c })).collect::<Vec<_>>(),
        });
        let mut res = (self.status, Json(body)).into_response();
        if let Some(v) = self.www_authenticate.and_then(|v| HeaderValue::from_str(&v).ok()) {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
        res
    }
}
