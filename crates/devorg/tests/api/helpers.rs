use portico_devorg::{DevOrg, DevOrgConfig};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

pub struct Org {
    pub org: DevOrg,
    pub base: String,
    pub http: reqwest::Client,
    /// Carries the control API's token.
    pub control: reqwest::Client,
    /// The org's clock, which tests move.
    pub clock: portico_clock::Clock,
    _dir: tempfile::TempDir,
}

/// Where the org's sign-in page sends people back to in these tests (nothing listens there).
pub const SIGN_IN_RETURN: &str = "http://127.0.0.1:9/callback";

pub async fn spawn_org() -> Org {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = portico_clock::Clock::controlled(dir.path());
    let org = DevOrg::start(DevOrgConfig {
        data_dir: dir.path().to_path_buf(),
        listen: "127.0.0.1:0".parse().expect("addr"),
        redirect_uris: vec![SIGN_IN_RETURN.into()],
        post_logout_redirect_uris: vec![],
        test_control: true,
        allow_non_loopback: false,
        asa_token_ttl: std::time::Duration::from_secs(3600),
        lockout_attempts: 10,
        clock: clock.clone(),
    })
    .await
    .expect("org starts");
    let base = org.url.as_str().trim_end_matches('/').to_string();
    let control = portico_testkit::control_client(org.control_token.as_deref());
    Org { org, base, http: reqwest::Client::new(), control, clock, _dir: dir }
}

/// A response read once: status, headers and JSON body.
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    pub async fn from(res: Response) -> Reply {
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.expect("body");
        let body =
            if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        Reply { status, headers, body }
    }

    /// Asserts an Okta error envelope with this status and code.
    pub fn error(&self, status: u16, code: &str) -> &Self {
        assert_eq!(self.status.as_u16(), status, "{}", self.body);
        assert_eq!(self.body["errorCode"], code, "{}", self.body);
        assert_eq!(self.body["errorLink"], code);
        assert!(self.body["errorId"].as_str().is_some_and(|id| id.starts_with("oae")));
        assert!(self.body["errorCauses"].is_array());
        self
    }

    pub fn ok(&self) -> &Value {
        assert!(self.status.is_success(), "{} {}", self.status, self.body);
        &self.body
    }

    pub fn links(&self) -> Vec<String> {
        self.headers.get_all("link").iter().map(|v| v.to_str().expect("ascii").to_string()).collect()
    }

    pub fn next(&self) -> Option<String> {
        self.links()
            .iter()
            .find(|l| l.ends_with("rel=\"next\""))
            .map(|l| l.trim_start_matches('<').split('>').next().expect("url").to_string())
    }
}

impl Org {
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let url = if path.starts_with("http") { path.to_string() } else { format!("{}{path}", self.base) };
        let mut req = self.http.request(method, url).header("Authorization", format!("SSWS {}", self.org.api_token));
        if let Some(b) = body {
            req = req.json(&b);
        }
        Reply::from(req.send().await.expect("request")).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.call(Method::POST, path, Some(body)).await
    }

    /// Follows `Link: rel="next"` to the end; returns every item and the number of pages.
    pub async fn all_pages(&self, path: &str) -> (Vec<Value>, usize) {
        let mut items = Vec::new();
        let mut pages = 0;
        let mut next = Some(path.to_string());
        while let Some(url) = next {
            let reply = self.get(&url).await;
            items.extend(reply.ok().as_array().expect("array").iter().cloned());
            pages += 1;
            next = reply.next();
            assert!(pages < 1000, "paging never ends");
        }
        (items, pages)
    }

    /// Types `login` and `password` into the org's own sign-in page (as a person does, after the
    /// portal sent them there); its answer: 303 on to the portal, or the page again and its words.
    pub async fn try_sign_in(&self, login: &str, password: &str) -> (StatusCode, String) {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        let page = http
            .get(format!("{}/oauth2/v1/authorize", self.base))
            .query(&[
                ("client_id", self.org.client_id.as_str()),
                ("redirect_uri", SIGN_IN_RETURN),
                ("response_type", "code"),
                ("scope", "openid"),
                ("state", "s"),
                ("nonce", "n"),
                ("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"),
                ("code_challenge_method", "S256"),
            ])
            .send()
            .await
            .expect("authorize")
            .text()
            .await
            .expect("page");
        let txn = portico_testkit::form_txn(&page).expect("a sign-in form");
        let res = http
            .post(format!("{}/login/signin", self.base))
            .form(&[("txn", txn.as_str()), ("username", login), ("password", password)])
            .send()
            .await
            .expect("sign in");
        (res.status(), res.text().await.expect("answer"))
    }

    /// Creates a user; `status` is reached through the API where one exists, else test control.
    pub async fn user_in(&self, status: &str) -> Value {
        let n = portico_devorg_test_counter();
        let login = format!("t{n}.person@example.com");
        let password = status != "PROVISIONED" && status != "STAGED";
        let mut body = json!({ "profile": { "firstName": "Test", "lastName": format!("Person{n}"), "email": login, "login": login } });
        if password || status == "STAGED" {
            body["credentials"] = json!({ "password": { "value": "Tr0ub4dor&3x" }, "recovery_question": { "question": "Favourite colour?", "answer": "blue-green" } });
        }
        let activate = status != "STAGED";
        let user = self.post(&format!("/api/v1/users?activate={activate}"), body).await.ok().clone();
        let id = user["id"].as_str().expect("id").to_string();
        let via = |s: &str| format!("/api/v1/users/{id}/lifecycle/{s}");
        match status {
            "STAGED" | "PROVISIONED" | "ACTIVE" => {}
            "SUSPENDED" => {
                self.post(&via("suspend"), json!({})).await.ok();
            }
            "DEPROVISIONED" => {
                self.post(&via("deactivate"), json!({})).await.ok();
            }
            "RECOVERY" => {
                self.post(&via("reset_password?sendEmail=false"), json!({})).await.ok();
            }
            "PASSWORD_EXPIRED" => {
                self.post(&via("expire_password"), json!({})).await.ok();
            }
            other => {
                let res = self
                    .control
                    .post(format!("{}/__devorg/control/users/{id}/status", self.base))
                    .json(&json!({ "status": other }))
                    .send()
                    .await
                    .expect("control");
                assert_eq!(res.status(), StatusCode::NO_CONTENT);
            }
        }
        let fresh = self.get(&format!("/api/v1/users/{id}")).await;
        assert_eq!(fresh.ok()["status"], status);
        fresh.body
    }
}

fn portico_devorg_test_counter() -> usize {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// A query value as a browser would send it.
pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
