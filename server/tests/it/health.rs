use crate::helpers::spawn_app;
use reqwest::StatusCode;

#[tokio::test]
async fn health_and_readiness_answer_without_sign_in() {
    let app = spawn_app().await;
    let res = app.client.get(format!("{}/healthz", app.base)).send().await.expect("healthz");
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.client.get(format!("{}/readyz", app.base)).send().await.expect("readyz");
    assert_eq!(res.status(), StatusCode::OK);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body, serde_json::json!({ "database": "ok", "upstream": "ok" }));
}

#[tokio::test]
async fn readiness_fails_when_the_upstream_org_is_gone() {
    let mut app = spawn_app().await;
    app.portal.devorg.take().expect("org").stop().await;
    let res = app.client.get(format!("{}/readyz", app.base)).send().await.expect("readyz");
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["upstream"], "unavailable");
    assert_eq!(body["database"], "ok");
}

#[tokio::test]
async fn readiness_does_not_call_the_provider_on_every_probe() {
    let app = spawn_app().await;
    let ready = || async { app.client.get(format!("{}/readyz", app.base)).send().await.expect("readyz").status() };
    assert_eq!(ready().await, StatusCode::OK);
    // The provider would now fail its discovery document: a probe within the check's lifetime
    // does not ask it again.
    app.control("faults", serde_json::json!({ "path_prefix": "/.well-known/openid-configuration", "status": 503 }))
        .await;
    for _ in 0..5 {
        assert_eq!(ready().await, StatusCode::OK, "answered from the last check");
    }
}

/// `portico backup` copies the database while the portal writes to it; the copy is whole (its
/// audit trail verifies) and an existing file is never overwritten. On PostgreSQL it copies
/// nothing and says what backs PostgreSQL up instead.
#[tokio::test]
async fn a_backup_is_a_consistent_copy_taken_while_the_portal_runs() {
    let app = spawn_app().await;
    app.sign_in_as(crate::helpers::ADMIN, None).await;
    let mut config = portico_core::Config::for_test(app.data_dir.clone());
    config.database.url = crate::helpers::postgres_for(&app.data_dir).await.map(portico_core::Secret::new);
    let out = tempfile::tempdir().expect("tempdir");
    let file = out.path().join("portico-backup.sqlite");
    if config.database.url.is_some() {
        let refused = portico_server::backup(&config, &file).await.expect_err("not a SQLite file");
        assert!(format!("{refused:#}").contains("pg_dump"), "{refused:#}");
        assert!(!file.exists());
        return;
    }
    portico_server::backup(&config, &file).await.expect("backup");
    let copy = sqlx::SqlitePool::connect(&format!("sqlite://{}", file.display())).await.expect("open the copy");
    let verified = portico_core::audit::verify(&copy).await.expect("verify");
    assert!(verified.chained > 0 && verified.first_broken.is_none(), "{verified:?}");
    let again = portico_server::backup(&config, &file).await.expect_err("no overwrite");
    assert!(again.to_string().contains("exists already"), "{again}");
}

#[test]
fn the_binary_answers_help_and_version_without_configuration() {
    let run = |arg: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_portico"))
            .arg(arg)
            // Neither a config file nor a Kubernetes-injected variable stands in the way.
            .env("PORTICO_PORT", "tcp://10.0.0.7:3000")
            .current_dir(std::env::temp_dir())
            .output()
            .expect("runs")
    };
    let help = run("--help");
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(text.contains("portico backup <file>") && text.contains("PORTICO_<SECTION>__<KEY>"), "{text}");
    let version = run("--version");
    assert_eq!(String::from_utf8_lossy(&version.stdout).trim(), format!("portico {}", env!("CARGO_PKG_VERSION")));
    let unknown = run("frobnicate");
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("Usage:"));
}
