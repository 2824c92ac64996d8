//! Plain server-rendered pages for the few answers that are not Leptos routes (sign-in errors).

use axum::{
    http::StatusCode,
    response::{Html, IntoResponse, Response},
};

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A titled message with an optional action link, in the portal's styles. The request id is
/// added by the caller's log line and echoed in the `x-request-id` header.
pub fn message(
    site: &crate::site::Site,
    status: StatusCode,
    title: &str,
    text: &str,
    action: Option<(&str, &str)>,
) -> Response {
    let action = action
        .map(|(href, label)| format!("<p><a class=\"button\" href=\"{}\">{}</a></p>", escape(href), escape(label)))
        .unwrap_or_default();
    let reference = crate::security::current_request_id()
        .map(|id| format!("<p class=\"muted small\">Reference: <code>{}</code></p>", escape(&id)))
        .unwrap_or_default();
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{t} · Portico</title><link rel=\"stylesheet\" href=\"{css}\"></head>\
<body><main class=\"page\"><div class=\"card narrow\" role=\"alert\"><h1>{t}</h1><p>{m}</p>{action}{reference}</div></main></body></html>",
        t = escape(title),
        m = escape(text),
        css = escape(site.css_href()),
    );
    (status, Html(body)).into_response()
}
