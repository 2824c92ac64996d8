//! The embedded ASA team over HTTP: tokens, users, groups, membership, roles, paging, errors.
use crate::helpers::*;
use portico_devorg::asa::TEAM;
use reqwest::StatusCode;
use serde_json::{Value, json};

struct Asa<'a> {
    org: &'a Org,
    token: String,
}

async fn token(org: &Org, key: &(String, String)) -> reqwest::Response {
    org.http
        .post(format!("{}/v1/teams/{TEAM}/service_token", org.base))
        .json(&json!({ "key_id": key.0, "key_secret": key.1 }))
        .send()
        .await
        .expect("token")
}

impl<'a> Asa<'a> {
    async fn new(org: &'a Org) -> Asa<'a> {
        let body: Value = token(org, &org.org.asa_key).await.json().await.expect("json");
        Asa { org, token: body["bearer_token"].as_str().expect("token").to_string() }
    }
    async fn req(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value, Option<String>) {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}/v1/teams/{TEAM}{path}", self.org.base)
        };
        let mut r = self.org.http.request(method, url).bearer_auth(&self.token);
        if let Some(b) = body {
            r = r.json(&b);
        }
        let res = r.send().await.expect("asa call");
        let status = res.status();
        let link = res
            .headers()
            .get("link")
            .and_then(|v| v.to_str().ok())
            .map(|l| l.trim_start_matches('<').split('>').next().unwrap_or_default().to_string());
        let text = res.text().await.expect("body");
        (status, if text.is_empty() { Value::Null } else { serde_json::from_str(&text).expect("json") }, link)
    }
    async fn get(&self, path: &str) -> (StatusCode, Value, Option<String>) {
        self.req(reqwest::Method::GET, path, None).await
    }
    fn names(v: &Value) -> Vec<String> {
        v["list"].as_array().expect("list").iter().map(|u| u["name"].as_str().expect("name").to_string()).collect()
    }
}

#[tokio::test]
async fn service_tokens() {
    let org = spawn_org().await;
    let ok = token(&org, &org.org.asa_key).await;
    assert_eq!(ok.status(), StatusCode::OK);
    let body: Value = ok.json().await.expect("json");
    assert_eq!(body["team_name"], TEAM);
    assert!(body["expires_at"].as_str().expect("expiry").ends_with('Z'));
    let bad = token(&org, &(org.org.asa_key.0.clone(), "wrong".into())).await;
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
    let wrong_team = org
        .http
        .post(format!("{}/v1/teams/other/service_token", org.base))
        .json(&json!({ "key_id": "x", "key_secret": "y" }))
        .send()
        .await
        .expect("token");
    assert_eq!(wrong_team.status(), StatusCode::NOT_FOUND);
    let none = org.http.get(format!("{}/v1/teams/{TEAM}/users", org.base)).send().await.expect("get");
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
    let asa = Asa::new(&org).await;
    let (status, me, _) = asa.get("/current_user").await;
    assert_eq!((status, me["name"].as_str()), (StatusCode::OK, Some("portico-service")));
}

#[tokio::test]
async fn tokens_expire() {
    let dir = tempfile::tempdir().expect("tempdir");
    let org = portico_devorg::DevOrg::start(portico_devorg::DevOrgConfig {
        data_dir: dir.path().to_path_buf(),
        listen: "127.0.0.1:0".parse().expect("addr"),
        redirect_uris: vec![],
        post_logout_redirect_uris: vec![],
        test_control: false,
        allow_non_loopback: false,
        asa_token_ttl: std::time::Duration::from_millis(200),
        lockout_attempts: 10,
        clock: Default::default(),
    })
    .await
    .expect("org");
    let base = org.url.as_str().trim_end_matches('/').to_string();
    let http = reqwest::Client::new();
    let t: Value = http
        .post(format!("{base}/v1/teams/{TEAM}/service_token"))
        .json(&json!({ "key_id": org.asa_key.0, "key_secret": org.asa_key.1 }))
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    let bearer = t["bearer_token"].as_str().expect("token");
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    let res = http.get(format!("{base}/v1/teams/{TEAM}/users")).bearer_auth(bearer).send().await.expect("get");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "an expired token is refused");
}

#[tokio::test]
async fn users_list_filter_page_and_change_status() {
    let org = spawn_org().await;
    let asa = Asa::new(&org).await;
    let (_, all, _) = asa.get("/users").await;
    let names = Asa::names(&all);
    assert_eq!(names.len(), 13, "the seed's people minus the two never provisioned to ASA");
    assert!(!names.contains(&"portico-service".to_string()), "service users only on request");
    let (_, with_service, _) = asa.get("/users?include_service_users=true").await;
    assert_eq!(Asa::names(&with_service).len(), 14);
    let (_, starts, _) = asa.get("/users?starts_with=Ma").await;
    assert_eq!(Asa::names(&starts), vec!["Maria.Manager", "Marcus.Manager"]);
    let (_, disabled, _) = asa.get("/users?status=DISABLED&status=DELETED").await;
    assert_eq!(Asa::names(&disabled), vec!["Ed.Engineer"]);
    // Paging: count propagates through the Link header's next URL.
    let (mut seen, mut next, mut pages) = (Vec::new(), Some(format!("{}/v1/teams/{TEAM}/users?count=4", org.base)), 0);
    while let Some(url) = next {
        let (status, page, link) = asa.get(&url).await;
        assert_eq!(status, StatusCode::OK);
        seen.extend(Asa::names(&page));
        next = link;
        pages += 1;
    }
    assert_eq!((seen.len(), pages), (13, 4));
    assert_eq!(seen, names);

    let (status, user, _) = asa.get("/users/Steve.Sales").await;
    assert_eq!(
        (status, user["status"].as_str(), user["details"]["email"].as_str()),
        (StatusCode::OK, Some("ACTIVE"), Some("steve.sales@portico.example"))
    );
    let (status, _, _) =
        asa.req(reqwest::Method::PUT, "/users/Steve.Sales", Some(json!({ "status": "DISABLED" }))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, user, _) = asa.get("/users/Steve.Sales").await;
    assert_eq!(user["status"], "DISABLED");
    asa.req(reqwest::Method::PUT, "/users/Steve.Sales", Some(json!({ "status": "DELETED" }))).await;
    let (_, user, _) = asa.get("/users/Steve.Sales").await;
    assert!(user["deleted_at"].as_str().is_some());
    let (status, err, _) =
        asa.req(reqwest::Method::PUT, "/users/portico-service", Some(json!({ "status": "DISABLED" }))).await;
    assert_eq!((status, err["type"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")));
    let (status, _, _) = asa.req(reqwest::Method::PUT, "/users/Ed.Engineer", Some(json!({ "status": "GONE" }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, err, _) = asa.get("/users/Nobody.Here").await;
    assert_eq!((status, err["type"].as_str()), (StatusCode::NOT_FOUND, Some("resource_does_not_exist")));
    let (_, groups, _) = asa.get("/users/Ed.Engineer/groups").await;
    assert_eq!(Asa::names(&groups), vec!["everyone", "sre", "engineering"]);
}

#[tokio::test]
async fn groups_roles_and_membership() {
    let org = spawn_org().await;
    let asa = Asa::new(&org).await;
    let (_, groups, _) = asa.get("/groups").await;
    assert_eq!(Asa::names(&groups), vec!["everyone", "owners", "sre", "auditors", "engineering"]);
    let (status, created, _) =
        asa.req(reqwest::Method::POST, "/groups", Some(json!({ "name": "dbas", "roles": ["access_user"] }))).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(created["roles"], json!(["access_user"]));
    assert!(created["deleted_at"].is_null() && created["federated_from_team"].is_null());
    let (status, err, _) =
        asa.req(reqwest::Method::POST, "/groups", Some(json!({ "name": "dbas", "roles": [] }))).await;
    assert_eq!((status, err["type"].as_str()), (StatusCode::CONFLICT, Some("resource_already_exists")));
    let (status, _, _) =
        asa.req(reqwest::Method::POST, "/groups", Some(json!({ "name": "x", "roles": ["root"] }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _, _) = asa
        .req(reqwest::Method::PUT, "/groups/dbas", Some(json!({ "roles": ["access_admin", "reporting_user"] })))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, g, _) = asa.get("/groups/dbas").await;
    assert_eq!(g["roles"], json!(["access_admin", "reporting_user"]));

    let (status, _, _) =
        asa.req(reqwest::Method::POST, "/groups/dbas/users", Some(json!({ "name": "Sam.Sales" }))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, members, _) = asa.get("/groups/dbas/users").await;
    assert_eq!(Asa::names(&members), vec!["Sam.Sales"]);
    let (status, _, _) = asa.req(reqwest::Method::DELETE, "/groups/dbas/users/Sam.Sales", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = asa.req(reqwest::Method::DELETE, "/groups/dbas/users/Sam.Sales", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not a member any more");

    let (_, eng, _) = asa.get("/groups/engineering").await;
    assert_eq!(eng["managed_by_okta"], true);
    let (status, err, _) =
        asa.req(reqwest::Method::POST, "/groups/engineering/users", Some(json!({ "name": "Sam.Sales" }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(err["message"].as_str().expect("msg").contains("pushed from Okta"));

    let (status, _, _) = asa.req(reqwest::Method::DELETE, "/groups/owners", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "owners stays");
    let (status, _, _) = asa.req(reqwest::Method::DELETE, "/groups/dbas", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = asa.get("/groups/dbas").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, with_deleted, _) = asa.get("/groups?include_deleted=true").await;
    assert!(Asa::names(&with_deleted).contains(&"dbas".to_string()));

    // Without access_admin, writes are refused (the service user leaves owners).
    let (status, _, _) = asa.req(reqwest::Method::DELETE, "/groups/owners/users/portico-service", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, err, _) = asa.req(reqwest::Method::POST, "/groups", Some(json!({ "name": "y", "roles": [] }))).await;
    assert_eq!((status, err["type"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden_error")));
    let (status, _, _) = asa.get("/groups").await;
    assert_eq!(status, StatusCode::OK, "reading still works with access_user");
}

#[tokio::test]
async fn the_seed_is_deliberately_out_of_step_with_okta() {
    let org = spawn_org().await;
    let asa = Asa::new(&org).await;
    // Deprovisioned, suspended and locked out in Okta, yet active in ASA.
    for (okta, asa_name) in
        [("steve.sales", "Steve.Sales"), ("erin.engineer", "Erin.Engineer"), ("eli.engineer", "Eli.Engineer")]
    {
        let okta_status =
            org.get(&format!("/api/v1/users/{okta}")).await.ok()["status"].as_str().expect("status").to_string();
        assert_ne!(okta_status, "ACTIVE");
        let (_, u, _) = asa.get(&format!("/users/{asa_name}")).await;
        assert_eq!(u["status"], "ACTIVE", "{asa_name}");
    }
    // Active in Okta, disabled in ASA.
    assert_eq!(org.get("/api/v1/users/ed.engineer").await.ok()["status"], "ACTIVE");
    assert_eq!(asa.get("/users/Ed.Engineer").await.1["status"], "DISABLED");
}
