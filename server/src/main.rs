#![recursion_limit = "512"]
//! `portico`: serve the portal (default), `portico devorg` to run only the embedded org, or
//! `portico audit verify` to check the audit trail's hash chain (exit 1 at the first break).

use portico_core::Config;
use portico_server::{Portal, telemetry};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let config = match Config::load() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("portico: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    telemetry::init(&config.log);
    let result = match std::env::args().nth(1).as_deref() {
        None | Some("serve") => serve(config).await,
        Some("devorg") => portico_server::devorg_only(config, shutdown_signal()).await,
        Some("audit") if std::env::args().nth(2).as_deref() == Some("verify") => {
            return match portico_server::audit_verify(&config).await {
                Ok(true) => std::process::ExitCode::SUCCESS,
                Ok(false) => std::process::ExitCode::from(1),
                Err(e) => {
                    eprintln!("portico: {e:#}");
                    std::process::ExitCode::from(2)
                }
            };
        }
        Some(other) => {
            eprintln!("portico: unknown command {other:?}; use `portico`, `portico devorg` or `portico audit verify`");
            return std::process::ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "portico stopped");
            eprintln!("portico: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(config.server.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.server.listen))?;
    let portal = Portal::start(config, listener).await?;
    portal.print_banner();
    shutdown_signal().await;
    tracing::info!("shutting down: finishing in-flight requests");
    portal.stop().await;
    Ok(())
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = ctrl_c.await;
                return;
            }
        };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
