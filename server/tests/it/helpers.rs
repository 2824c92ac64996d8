use portico_core::Config;
use portico_server::Portal;
use reqwest::{Response, StatusCode, header};
use std::path::PathBuf;
use tokio::net::TcpListener;

pub const ADMIN: &str = "ada.admin@portico.example";
pub const PASSWORD: &str = portico_devorg::seed::DEMO_PASSWORD;

pub struct TestApp {
    pub portal: Portal,
    /// `http://127.0.0.1:<port>` of the portal.
    pub base: String,
    /// The embedded org's issuer URL.
    pub org: String,
    /// A browser stand-in: keeps cookies, does not follow redirects (tests inspect each hop).
    pub client: reqwest::Client,
    pub data_dir: PathBuf,
    _dir: Option<tempfile::TempDir>,
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().expect("client")
}

pub async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut app = spawn_app_in(dir.path().to_path_buf(), browser()).await;
    app._dir = Some(dir);
    app
}

/// Starts a portal on a fresh port over an existing data directory (restarts keep data).
pub async fn spawn_app_in(data_dir: PathBuf, client: reqwest::Client) -> TestApp {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let mut config = Config::for_test(data_dir.clone());
    config.server.public_url = format!("http://{addr}").parse().expect("url");
    config.devorg.listen = "127.0.0.1:0".parse().expect("addr");
    config.devorg.test_control = true;
    let portal = Portal::start(config, listener).await.expect("portal starts");
    let org = portal.devorg.as_ref().expect("embedded org").url.as_str().trim_end_matches('/').to_string();
    TestApp { portal, base: format!("http://{addr}"), org, client, data_dir, _dir: None }
}

pub fn location(res: &Response) -> String {
    res.headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("no Location on {} {}", res.status(), res.url()))
        .to_string()
}

/// The transaction id in the org's sign-in form.
pub fn form_txn(html: &str) -> String {
    portico_server::testkit::form_txn(html).expect("sign-in form")
}

impl TestApp {
    /// Stops the portal but keeps its data directory (for restart tests).
    pub async fn stop_keeping_data(self) -> Option<tempfile::TempDir> {
        self.portal.stop().await;
        self._dir
    }

    /// Starts sign-in at the portal; returns the provider's authorize URL.
    pub async fn start_login(&self, next: Option<&str>) -> String {
        let mut url = format!("{}/auth/login", self.base);
        if let Some(n) = next {
            url = format!("{url}?next={}", url::form_urlencoded::byte_serialize(n.as_bytes()).collect::<String>());
        }
        let res = self.client.get(url).send().await.expect("login");
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let authorize = location(&res);
        assert!(authorize.starts_with(&format!("{}/oauth2/v1/authorize", self.org)), "{authorize}");
        authorize
    }

    /// Opens the provider's sign-in page and submits the form; returns the provider's answer.
    pub async fn submit_credentials(&self, authorize_url: &str, login: &str, password: &str) -> Response {
        let page = self.client.get(authorize_url).send().await.expect("authorize");
        assert_eq!(page.status(), StatusCode::OK);
        let txn = form_txn(&page.text().await.expect("html"));
        self.client
            .post(format!("{}/login/signin", self.org))
            .form(&[("txn", txn.as_str()), ("username", login), ("password", password)])
            .send()
            .await
            .expect("sign-in post")
    }

    /// The whole sign-in; returns the portal's answer to the callback.
    pub async fn sign_in_as(&self, login: &str, next: Option<&str>) -> Response {
        let authorize = self.start_login(next).await;
        let res = self.submit_credentials(&authorize, login, PASSWORD).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "provider accepted the credentials");
        let callback = location(&res);
        assert!(callback.starts_with(&format!("{}/auth/callback?", self.base)), "{callback}");
        self.client.get(callback).send().await.expect("callback")
    }

    /// Calls a server function as the page's own script would (same-origin POST).
    pub async fn call(&self, endpoint: &str) -> Response {
        self.client
            .post(format!("{}/api/{endpoint}", self.base))
            .header(header::ORIGIN, &self.base)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body("")
            .send()
            .await
            .expect("server fn")
    }

    /// Calls a server function with form arguments (as the browser's POST would).
    pub async fn call_with(&self, endpoint: &str, form: &[(&str, &str)]) -> Response {
        self.client
            .post(format!("{}/api/{endpoint}", self.base))
            .header(header::ORIGIN, &self.base)
            .form(form)
            .send()
            .await
            .expect("server fn")
    }

    /// The embedded org's id for a login, read straight from its API.
    pub async fn user_id(&self, login: &str) -> String {
        let org = self.portal.devorg.as_ref().expect("org");
        let user: serde_json::Value = reqwest::Client::new()
            .get(format!("{}/api/v1/users/{login}", self.org))
            .header("Authorization", format!("SSWS {}", org.api_token))
            .send()
            .await
            .expect("get user")
            .json()
            .await
            .expect("json");
        user["id"].as_str().expect("id").to_string()
    }

    pub async fn control(&self, path: &str, body: serde_json::Value) {
        let res = reqwest::Client::new()
            .post(format!("{}/__devorg/control/{path}", self.org))
            .json(&body)
            .send()
            .await
            .expect("control");
        assert!(res.status().is_success(), "control {path}: {}", res.status());
    }

    pub async fn set_id_token_fault(&self, fault: &str) {
        let res = reqwest::Client::new()
            .post(format!("{}/__devorg/control/oidc", self.org))
            .json(&serde_json::json!({ "id_token": fault }))
            .send()
            .await
            .expect("control");
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
    }
}
