//! Driving a running portal over HTTP as a browser would: shared by the integration tests and
//! the benchmarks. [`pg`]: a throwaway PostgreSQL cluster for tests; [`smtp`]: a real SMTP server.

pub mod pg;
pub mod smtp;

use anyhow::{Context, bail};
use reqwest::{StatusCode, header};

/// The transaction id in the embedded org's sign-in form.
pub fn form_txn(html: &str) -> Option<String> {
    let marker = "name=\"txn\" value=\"";
    let start = html.find(marker)? + marker.len();
    html[start..].split('"').next().map(str::to_string)
}

fn location(res: &reqwest::Response) -> anyhow::Result<String> {
    Ok(res.headers().get(header::LOCATION).context("no Location header")?.to_str()?.to_string())
}

/// Signs in at `base` with `client` (which must keep cookies and not follow redirects).
pub async fn sign_in(client: &reqwest::Client, base: &str, login: &str, password: &str) -> anyhow::Result<()> {
    let res = client.get(format!("{base}/auth/login")).send().await?;
    // `prompt=login`: this person signs in now, whoever the org's own session remembers.
    let authorize = format!("{}&prompt=login", location(&res)?);
    let page = client.get(&authorize).send().await?.text().await?;
    let txn = form_txn(&page).context("no sign-in form")?;
    let org = url::Url::parse(&authorize)?;
    let org = org.origin().ascii_serialization();
    let res = client
        .post(format!("{org}/login/signin"))
        .form(&[("txn", txn.as_str()), ("username", login), ("password", password)])
        .send()
        .await?;
    if res.status() != StatusCode::SEE_OTHER {
        bail!("sign-in refused: {}", res.status());
    }
    let res = client.get(location(&res)?).send().await?;
    if res.status() != StatusCode::SEE_OTHER {
        bail!("callback refused: {}", res.status());
    }
    Ok(())
}

/// A client for the embedded org's test-control API: every call carries the token the org
/// printed at start (`DevOrg::control_token`).
pub fn control_client(token: Option<&str>) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(value) = token.and_then(|t| reqwest::header::HeaderValue::from_str(&format!("Bearer {t}")).ok()) {
        headers.insert(reqwest::header::AUTHORIZATION, value);
    }
    reqwest::Client::builder().default_headers(headers).build().unwrap_or_default()
}
