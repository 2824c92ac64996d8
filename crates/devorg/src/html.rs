//! The few server-rendered pages of the embedded org (sign-in, signed-out, errors).

/// Escapes text for an HTML text node or a double-quoted attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font:15px/1.5 system-ui,sans-serif;background:#eef1f6;color:#1d2433;margin:0;\
display:flex;min-height:100vh;align-items:center;justify-content:center}\
main{background:#fff;border-radius:12px;box-shadow:0 8px 30px #0002;padding:32px 36px;width:340px}\
h1{font-size:20px;margin:0 0 4px}p.sub{color:#5b6478;margin:0 0 20px}\
label{display:block;font-weight:600;margin:12px 0 4px}\
input{width:100%;box-sizing:border-box;padding:9px 10px;border:1px solid #b8c0cf;border-radius:6px;font:inherit}\
button{margin-top:20px;width:100%;padding:10px;border:0;border-radius:6px;background:#1f5eff;color:#fff;\
font:inherit;font-weight:600;cursor:pointer}\
.error{background:#fde8e8;color:#8a1c1c;border-radius:6px;padding:8px 10px;margin:0 0 8px}\
details{margin-top:18px;color:#5b6478;font-size:13px}code{background:#eef1f6;padding:1px 4px;border-radius:4px}";

/// A complete page with the org's own strict CSP-friendly markup (no scripts at all).
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>{}</title><style>{STYLE}</style></head><body><main>{body}</main></body></html>",
        escape(title)
    )
}

/// The sign-in form for one authorization transaction.
pub fn sign_in_form(txn: &str, username: &str, error: Option<&str>, hint: &str) -> String {
    let error = error.map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e))).unwrap_or_default();
    page(
        "Sign in · Portico demo org",
        &format!(
            "<h1>Sign in</h1><p class=\"sub\">Portico demo org</p>{error}\
<form method=\"post\" action=\"/login/signin\">\
<input type=\"hidden\" name=\"txn\" value=\"{txn}\">\
<label for=\"username\">Username</label>\
<input id=\"username\" name=\"username\" autocomplete=\"username\" required autofocus value=\"{user}\">\
<label for=\"password\">Password</label>\
<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\
<button type=\"submit\">Sign in</button></form>{hint}",
            txn = escape(txn),
            user = escape(username),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(escape("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    }

    #[test]
    fn form_never_reflects_raw_input() {
        let html = sign_in_form("t", "\"><script>", Some("<b>"), "");
        assert!(!html.contains("<script>"));
        assert!(!html.contains("<b>"));
    }
}
