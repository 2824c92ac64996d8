//! A real SMTP server for tests: PyPI's `aiosmtpd` (installed by `make setup-test` into the
//! project's `.venv`), run by `py/smtp_server.py` on a free port of 127.0.0.1. Every message it
//! accepts is kept, whole, for the test to read. Stopped when dropped. No mock.

use anyhow::{Context, bail};
use std::{
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::Duration,
};

pub struct SmtpServer {
    pub port: u16,
    out: tempfile::NamedTempFile,
    child: Child,
}

/// One message as the server received it.
#[derive(Clone, Debug)]
pub struct Received {
    pub to: Vec<String>,
    /// The whole message: headers and body.
    pub data: String,
    /// Who authenticated to send it, when the server asked.
    pub login: Option<String>,
}

impl Received {
    /// A header's value (first occurrence).
    pub fn header(&self, name: &str) -> Option<String> {
        let prefix = format!("{}:", name.to_lowercase());
        self.data.lines().find(|l| l.to_lowercase().starts_with(&prefix)).map(|l| l[prefix.len()..].trim().to_string())
    }
}

fn python() -> PathBuf {
    if let Ok(p) = std::env::var("PORTICO_TEST_PYTHON") {
        return p.into();
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python")
}

impl SmtpServer {
    /// Starts a server; with `auth`, it requires that user and password.
    pub fn start(auth: Option<(&str, &str)>) -> anyhow::Result<SmtpServer> {
        let out = tempfile::NamedTempFile::new()?;
        let port = crate::pg::free_port()?;
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("py/smtp_server.py");
        let mut cmd = Command::new(python());
        cmd.arg(script).arg(port.to_string()).arg(out.path());
        if let Some((user, password)) = auth {
            cmd.args([user, password]);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("could not run {} (run `make setup-test`)", python().display()))?;
        let stdout = child.stdout.take().context("stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        if line.trim() != "ready" {
            let _ = child.kill();
            bail!("the SMTP server did not start (is aiosmtpd in .venv? run `make setup-test`)");
        }
        Ok(SmtpServer { port, out, child })
    }

    /// Everything received so far, oldest first.
    pub fn received(&self) -> Vec<Received> {
        let text = std::fs::read_to_string(self.out.path()).unwrap_or_default();
        text.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .map(|v| Received {
                to: v["to"]
                    .as_array()
                    .map(|a| a.iter().filter_map(|t| t.as_str().map(str::to_string)).collect())
                    .unwrap_or_default(),
                data: v["data"].as_str().unwrap_or_default().to_string(),
                login: v["login"].as_str().map(str::to_string),
            })
            .collect()
    }

    /// Waits (bounded, 30 s) until at least `n` messages arrived; all of them.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..300 {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let got = self.received();
        panic!(
            "expected {n} mails, the SMTP server received {}: {:?}",
            got.len(),
            got.iter().map(|m| &m.to).collect::<Vec<_>>()
        );
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
