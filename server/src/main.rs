#![recursion_limit = "512"]
//! `portico`: serve the portal (default); see [`USAGE`] for the other commands.

use portico_core::Config;
use portico_server::{Portal, telemetry};

const USAGE: &str = "\
Portico: an admin portal in front of Okta and Okta Advanced Server Access.

Usage:
  portico                  serve the portal (the embedded demo org too, when [oidc] is absent)
  portico devorg           run only the embedded Okta-compatible org
  portico audit verify     check the audit trail's hash chain (exit 1 at the first broken link)
  portico backup <file>    write a consistent copy of the portal's database to <file> while it runs
  portico --help | --version

Configuration: portico.toml in the working directory (or the file PORTICO_CONFIG names), then
PORTICO_<SECTION>__<KEY> environment variables, e.g. PORTICO_SERVER__LISTEN=0.0.0.0:3000.
";

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // Answered before configuration is read, so they work anywhere.
    match std::env::args().nth(1).as_deref() {
        Some("--help" | "-h" | "help") => {
            print!("{USAGE}");
            return std::process::ExitCode::SUCCESS;
        }
        Some("--version" | "-V") => {
            println!("portico {}", env!("CARGO_PKG_VERSION"));
            return std::process::ExitCode::SUCCESS;
        }
        _ => {}
    }
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
        Some("backup") => {
            let Some(file) = std::env::args().nth(2) else {
                eprintln!("portico: backup needs a file to write: portico backup <file>");
                return std::process::ExitCode::from(2);
            };
            return match portico_server::backup(&config, std::path::Path::new(&file)).await {
                Ok(()) => {
                    println!("portico: the portal's database is copied to {file}");
                    std::process::ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("portico: {e:#}");
                    std::process::ExitCode::FAILURE
                }
            };
        }
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
            eprintln!("portico: unknown command {other:?}\n\n{USAGE}");
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
