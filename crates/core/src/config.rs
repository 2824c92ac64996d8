//! One configuration struct, read from `portico.toml` (or the file named by `PORTICO_CONFIG`) and
//! overlaid by `PORTICO_*` environment variables (`__` separates sections:
//! `PORTICO_OIDC__CLIENT_ID`). Unknown keys are errors, so a typo never silently falls back.

use crate::secret::Secret;
use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use serde::{Deserialize, Serialize};
use std::{net::SocketAddr, path::PathBuf};
use url::Url;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub server: ServerConfig,
    #[serde(default)]
    pub database: DatabaseConfig,
    #[serde(default)]
    pub session: SessionConfig,
    /// The OpenID provider people sign in with. Absent: the embedded org is started and used.
    #[serde(default)]
    pub oidc: Option<OidcConfig>,
    /// The Okta Management API the portal acts on. Absent with the embedded org: the embedded
    /// org's API and demo token.
    #[serde(default)]
    pub okta: Option<OktaConfig>,
    /// Okta Advanced Server Access. Absent with the embedded org: its ASA team.
    #[serde(default)]
    pub asa: Option<AsaConfig>,
    #[serde(default)]
    pub roles: RolesConfig,
    #[serde(default)]
    pub delegation: DelegationConfig,
    #[serde(default)]
    pub approvals: ApprovalsConfig,
    /// Email to people (approvers, requesters) over SMTP. Absent: no email; the webhook, the
    /// inbox and the navigation's count still tell them.
    #[serde(default)]
    pub email: Option<EmailConfig>,
    #[serde(default)]
    pub break_glass: BreakGlassConfig,
    #[serde(default)]
    pub schedule: ScheduleConfig,
    #[serde(default)]
    pub jobs: JobsConfig,
    #[serde(default)]
    pub devorg: DevOrgSettings,
    #[serde(default)]
    pub log: LogConfig,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address the portal listens on.
    pub listen: SocketAddr,
    /// The URL people use to reach the portal; decides the OAuth redirect URI and whether
    /// cookies are `Secure` (https).
    pub public_url: Url,
    /// Where the portal keeps its database (and the embedded org its own).
    pub data_dir: PathBuf,
    /// The built site (`/pkg` with hashed, precompressed WASM, JS and CSS) that `portico-site` writes.
    pub site_root: PathBuf,
    /// Seals what Portico keeps for a while and must not store in the clear (a temporary
    /// password waiting for its requester): 32 bytes, base64. Every replica needs the same one.
    /// Absent: generated once into `data_dir/secret.key`.
    #[serde(skip_serializing)]
    pub secret_key: Option<Secret>,
    /// `/metrics` answers only with `Authorization: Bearer <this>`. Absent: `/metrics` is off.
    #[serde(skip_serializing)]
    pub metrics_token: Option<Secret>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 3000)),
            public_url: Url::parse("http://127.0.0.1:3000").expect("static URL"),
            data_dir: PathBuf::from("data"),
            site_root: PathBuf::from("target/site"),
            secret_key: None,
            metrics_token: None,
        }
    }
}

/// Where the portal keeps its state (sessions, requests, decisions, the audit trail,
/// notifications).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// Absent or `sqlite://<file>`: a local SQLite file (absent: `data_dir/portico.sqlite`, with
    /// sessions beside it in `sessions.sqlite`). `postgres://…`: PostgreSQL, shared by every
    /// replica. A secret: it usually carries a password.
    #[serde(skip_serializing)]
    pub url: Option<Secret>,
    /// Connections each process keeps open to PostgreSQL.
    pub max_connections: u32,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self { url: None, max_connections: 10 }
    }
}

/// Which backend `database.url` names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A SQLite file; `None`: the default one in the data directory.
    Sqlite(Option<PathBuf>),
    Postgres(Secret),
}

impl DatabaseConfig {
    /// The backend, or why the URL names none Portico knows.
    pub fn backend(&self) -> Result<DatabaseUrl, String> {
        let Some(url) = &self.url else { return Ok(DatabaseUrl::Sqlite(None)) };
        let raw = url.expose();
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(url.clone()));
        }
        match raw.strip_prefix("sqlite://") {
            Some(path) if !path.is_empty() => Ok(DatabaseUrl::Sqlite(Some(PathBuf::from(path)))),
            _ => Err("database.url must be sqlite://<file> or postgres://… (or absent, for the local file)".into()),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SessionConfig {
    /// A session unused for this long ends.
    pub idle_timeout_minutes: u32,
    /// A session ends this long after sign-in, however active.
    pub absolute_lifetime_hours: u32,
    /// How often a session is checked against Okta (status, groups); changes check every time.
    pub revalidate_seconds: u32,
    /// How a signed-in person is found in Okta. Absent: by `sub` when the OpenID provider is the
    /// Okta org (or the embedded org), otherwise by the login claim.
    pub match_by: Option<MatchBy>,
}

/// Which claim finds the signed-in person's Okta user.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MatchBy {
    /// The ID token's subject is the Okta user id.
    Sub,
    /// `preferred_username` is the Okta login.
    Login,
    /// The `email` claim is the Okta primary email.
    Email,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self { idle_timeout_minutes: 30, absolute_lifetime_hours: 12, revalidate_seconds: 60, match_by: None }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcConfig {
    /// Issuer, exactly as the provider writes it in its ID tokens (Okta: no trailing slash);
    /// `<issuer>/.well-known/openid-configuration` must be reachable.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Secret,
    /// Scopes asked for at sign-in; `groups` carries the role mapping's input.
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
}

fn default_scopes() -> Vec<String> {
    ["openid", "profile", "email", "groups"].map(String::from).to_vec()
}

/// How the portal reaches Okta's Management API: an API token, or an OAuth service app
/// (client credentials with `private_key_jwt`; Okta's recommendation).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OktaConfig {
    /// `https://your-org.okta.com`
    pub org_url: String,
    #[serde(default)]
    pub api_token: Option<Secret>,
    #[serde(default)]
    pub client_id: Option<String>,
    /// PEM file (PKCS#8 or PKCS#1) holding the service app's private key.
    #[serde(default)]
    pub private_key_file: Option<PathBuf>,
    #[serde(default)]
    pub key_id: Option<String>,
    #[serde(default = "default_okta_scopes")]
    pub scopes: Vec<String>,
    /// Every call to Okta gives up after this long.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
    /// The longest a call waits for an empty rate-limit bucket; a longer wait answers at once
    /// "Okta's rate limit is reached; try again in N s" (approved requests retry later).
    #[serde(default = "default_max_wait")]
    pub max_interactive_wait_ms: u64,
}

fn default_max_wait() -> u64 {
    2000
}

/// The Management API scopes asked for by default: people, groups and applications.
pub fn default_okta_scopes() -> Vec<String> {
    [
        "okta.users.read",
        "okta.users.manage",
        "okta.groups.read",
        "okta.groups.manage",
        "okta.apps.read",
        "okta.apps.manage",
    ]
    .map(String::from)
    .to_vec()
}

fn default_timeout() -> u64 {
    10
}

/// An ASA team and the service user the portal acts as (needs `access_admin` to change things).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AsaConfig {
    /// `https://app.scaleft.com`
    pub host: String,
    pub team: String,
    pub key_id: String,
    pub key_secret: Secret,
}

/// Which groups grant which portal role (exact, case-sensitive group names).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RolesConfig {
    pub admin_groups: Vec<String>,
    pub helpdesk_groups: Vec<String>,
    pub auditor_groups: Vec<String>,
    /// Members of these groups (beyond every role group, always protected) can be changed
    /// only by an admin: executives, break-glass accounts.
    pub protected_groups: Vec<String>,
}

impl RolesConfig {
    /// Every group this section names: the role groups and the protected groups. Their members
    /// are the protected people, and each is resolved to its Okta group at start.
    pub fn named_groups(&self) -> impl Iterator<Item = &String> {
        self.admin_groups.iter().chain(&self.helpdesk_groups).chain(&self.auditor_groups).chain(&self.protected_groups)
    }
}

impl Default for RolesConfig {
    fn default() -> Self {
        Self {
            admin_groups: vec!["Portico Admins".into()],
            helpdesk_groups: vec!["Portico Help Desk".into()],
            auditor_groups: vec!["Portico Auditors".into()],
            protected_groups: Vec::new(),
        }
    }
}

/// Who counts as someone's manager (beyond `profile.managerId`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DelegationConfig {
    /// 1: managers act on their direct reports; 2: also on their reports' reports.
    pub levels: u8,
    /// Manager login → names of Okta groups whose members they also manage.
    pub managed_groups: std::collections::BTreeMap<String, Vec<String>>,
}

impl Default for DelegationConfig {
    fn default() -> Self {
        Self { levels: 1, managed_groups: Default::default() }
    }
}

/// Requests and approvals: the policy, notifications, and how approved calls are retried.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApprovalsConfig {
    /// A TOML policy overlaying the shipped defaults action by action (see
    /// `crates/core/src/policy.default.toml`). Absent: the defaults.
    pub policy_file: Option<PathBuf>,
    /// Receives a JSON POST (Slack-compatible: it has `text`) on new requests and decisions.
    pub webhook_url: Option<Url>,
    /// Attempts at an approved call before it is reported as failed.
    pub max_attempts: u32,
    /// The wait before the first retry; doubled for each further one.
    pub retry_base_ms: u64,
    /// How often the executor looks for due work when nothing wakes it.
    pub poll_ms: u64,
    /// How long a process's claim on an approved call (or a notification) lasts without being
    /// renewed; it renews every third of this while it works. Another process takes the work
    /// back only after this much silence, so keep it well above Okta's slowest answer.
    pub lease_seconds: u32,
    /// Approving, rejecting, running a bulk job and break-glass need a sign-in at most this many
    /// minutes old (the provider's `auth_time`); an older one is sent to sign in again.
    pub step_up_minutes: u32,
    /// Methods that sign-in must also show in `amr` (e.g. `["mfa"]`); empty: any.
    pub step_up_amr: Vec<String>,
    /// The `acr` that sign-in must show, asked for with `acr_values` (e.g.
    /// `urn:okta:loa:2fa:any`); absent: any.
    pub step_up_acr: Option<String>,
}

impl Default for ApprovalsConfig {
    fn default() -> Self {
        Self {
            policy_file: None,
            webhook_url: None,
            max_attempts: 5,
            retry_base_ms: 2000,
            poll_ms: 5000,
            lease_seconds: 60,
            step_up_minutes: 10,
            step_up_amr: Vec::new(),
            step_up_acr: None,
        }
    }
}

/// Scheduled changes and time-bound access.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScheduleConfig {
    /// The manager (and whoever granted it) hears this many hours before time-bound access ends
    /// (half way through shorter grants).
    pub remind_before_hours: u32,
    /// The leaver playbook deletes the person this many days after deactivating them (0: it
    /// does not delete).
    pub delete_after_days: u32,
}

impl Default for ScheduleConfig {
    fn default() -> Self {
        Self { remind_before_hours: 24, delete_after_days: 30 }
    }
}

/// Break-glass: acting at once, in an emergency, on what normally needs approval.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct BreakGlassConfig {
    /// Members of this Okta group may run, at once and with a reason, an action the policy lets
    /// them only request. Absent: nobody may.
    pub group: Option<String>,
    /// Someone other than the person who acted must review it within this many hours.
    pub review_hours: u32,
    /// Who is told at once and may review it: members of these groups (empty: the admin groups).
    pub reviewer_groups: Vec<String>,
}

impl Default for BreakGlassConfig {
    fn default() -> Self {
        Self { group: None, review_hours: 24, reviewer_groups: Vec::new() }
    }
}

impl BreakGlassConfig {
    /// The groups whose members review break-glass actions.
    pub fn reviewers<'a>(&'a self, roles: &'a RolesConfig) -> &'a [String] {
        if self.reviewer_groups.is_empty() { &roles.admin_groups } else { &self.reviewer_groups }
    }
}

/// The SMTP server Portico sends its mail through.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    pub host: String,
    /// 587 for STARTTLS, 465 for TLS, 25 for a local relay.
    #[serde(default = "default_smtp_port")]
    pub port: u16,
    #[serde(default)]
    pub tls: SmtpTls,
    /// Both or neither: SMTP AUTH (PLAIN or LOGIN).
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<Secret>,
    /// The sender: `Portico <portico@example.com>`.
    pub from: String,
    /// Sending one mail gives up after this long (it is retried later).
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
}

fn default_smtp_port() -> u16 {
    587
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain text: only for a relay on this machine or a trusted network.
    None,
    /// STARTTLS, required (the server must offer it).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

/// Bulk jobs: how hard one process drives Okta for them.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct JobsConfig {
    /// Items one process runs at once. Okta refuses more than 75 calls in flight per org (its
    /// concurrency limit, shared with every other client), so replicas × this stays below it
    /// (three replicas at the default: 72).
    pub concurrency: u32,
    /// Calls per rate-limit window a job leaves in each bucket for people's clicks: a job waits
    /// for the next window rather than spend them.
    pub reserve: u32,
    /// The most people one job may hold.
    pub max_items: u32,
}

impl Default for JobsConfig {
    fn default() -> Self {
        Self { concurrency: 24, reserve: 10, max_items: 5000 }
    }
}

/// The embedded org, used only when `oidc` is not configured.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DevOrgSettings {
    /// Its own loopback address (port 0 picks a free one).
    pub listen: SocketAddr,
    /// Enables its test-control API (fault injection, behind a token printed at start). Never
    /// on in a real deployment.
    pub test_control: bool,
    /// Lets `listen` be an address other machines can reach. The demo org signs anyone in with
    /// a published password, so it stays on loopback unless this is set on purpose.
    pub allow_non_loopback: bool,
    /// Consecutive failed sign-ins that lock a demo person out, as Okta's default password
    /// policy does (10); 0 never locks.
    pub lockout_attempts: u32,
}

impl Default for DevOrgSettings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 3100)),
            test_control: false,
            allow_non_loopback: false,
            lockout_attempts: 10,
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    pub format: LogFormat,
    /// A `tracing` filter, e.g. `info,portico=debug`; `RUST_LOG` wins when set.
    pub filter: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self { format: LogFormat::Text, filter: "info".into() }
    }
}

/// Why configuration could not be loaded, in words an operator can act on.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Invalid(String),
}

impl Config {
    /// Defaults, then the TOML file (if any), then `PORTICO_*` environment variables.
    pub fn load() -> Result<Self, ConfigError> {
        let file = std::env::var("PORTICO_CONFIG").ok().map(PathBuf::from);
        Self::from_figment(Self::figment(file.as_deref(), Env::prefixed("PORTICO_")))
    }

    fn figment(file: Option<&std::path::Path>, env: Env) -> Figment {
        let mut fig = Figment::new();
        match file {
            Some(path) => fig = fig.merge(Toml::file_exact(path)),
            None => fig = fig.merge(Toml::file("portico.toml")),
        }
        // Only `PORTICO_<SECTION>__<KEY>` is configuration: a bare `PORTICO_SOMETHING` (a
        // Kubernetes Service named `portico` injects `PORTICO_PORT`) is someone else's.
        fig.merge(env.filter(|key| key.as_str().contains("__")).split("__"))
    }

    fn from_figment(fig: Figment) -> Result<Self, ConfigError> {
        let config: Config = fig.extract().map_err(|e| ConfigError::Invalid(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// Settings for tests: everything default, data in `data_dir`.
    pub fn for_test(data_dir: PathBuf) -> Self {
        let mut config =
            Self::from_figment(Figment::from(Serialized::defaults(serde_json::json!({})))).expect("defaults are valid");
        config.server.data_dir = data_dir;
        config
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let scheme = self.server.public_url.scheme();
        if scheme != "http" && scheme != "https" {
            return Err(ConfigError::Invalid(format!("server.public_url must be http or https, not {scheme}")));
        }
        if self.session.idle_timeout_minutes == 0 || self.session.absolute_lifetime_hours == 0 {
            return Err(ConfigError::Invalid(
                "session.idle_timeout_minutes and session.absolute_lifetime_hours must be above 0".into(),
            ));
        }
        if !(1..=2).contains(&self.delegation.levels) {
            return Err(ConfigError::Invalid("delegation.levels must be 1 or 2".into()));
        }
        if let Some(hook) = &self.approvals.webhook_url {
            let loopback = matches!(hook.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
            if hook.scheme() != "https" && !loopback {
                return Err(ConfigError::Invalid(format!(
                    "approvals.webhook_url must be https (it carries who asked for what): {hook}"
                )));
            }
        }
        self.database.backend().map_err(ConfigError::Invalid)?;
        if self.database.max_connections == 0 {
            return Err(ConfigError::Invalid("database.max_connections must be at least 1".into()));
        }
        if !(1..=24 * 60).contains(&self.approvals.step_up_minutes) {
            // 0 could never be met: a sign-in is always some seconds old by the time it is checked.
            return Err(ConfigError::Invalid("approvals.step_up_minutes must be between 1 and 1440".into()));
        }
        if self.approvals.lease_seconds < 3 {
            return Err(ConfigError::Invalid("approvals.lease_seconds must be at least 3".into()));
        }
        if self.jobs.concurrency == 0 || self.jobs.concurrency > 75 {
            return Err(ConfigError::Invalid(
                "jobs.concurrency must be between 1 and 75 (Okta's concurrency limit)".into(),
            ));
        }
        if let Some(email) = &self.email {
            if email.from.parse::<lettre::message::Mailbox>().is_err() {
                return Err(ConfigError::Invalid(format!(
                    "email.from must be an address, like `Portico <portico@example.com>`: {}",
                    email.from
                )));
            }
            if email.username.is_some() != email.password.is_some() {
                return Err(ConfigError::Invalid("email.username and email.password go together".into()));
            }
        }
        if self.schedule.remind_before_hours > 24 * 30 {
            return Err(ConfigError::Invalid("schedule.remind_before_hours must be at most 720".into()));
        }
        if self.schedule.delete_after_days > 3650 {
            return Err(ConfigError::Invalid("schedule.delete_after_days must be at most 3650 (0: never)".into()));
        }
        if self.break_glass.review_hours == 0 || self.break_glass.review_hours > 24 * 30 {
            return Err(ConfigError::Invalid("break_glass.review_hours must be between 1 and 720".into()));
        }
        if self.approvals.max_attempts == 0 {
            return Err(ConfigError::Invalid("approvals.max_attempts must be at least 1".into()));
        }
        if self.okta.is_some() && self.oidc.is_none() {
            return Err(ConfigError::Invalid(
                "okta.org_url is set but [oidc] is not: Portico would sign people in against its embedded \
                 demo org (published passwords) while acting on your real Okta org. Add [oidc] with your \
                 org's issuer, client_id and client_secret, or remove [okta] to run the demo."
                    .into(),
            ));
        }
        if self.oidc.is_none() && !self.devorg.listen.ip().is_loopback() && !self.devorg.allow_non_loopback {
            return Err(ConfigError::Invalid(format!(
                "devorg.listen {} is not a loopback address: the embedded demo org signs anyone in with a \
                 published password. Use 127.0.0.1, or set devorg.allow_non_loopback = true on purpose.",
                self.devorg.listen
            )));
        }
        if let Some(okta) = &self.okta {
            if Url::parse(&okta.org_url).is_err() {
                return Err(ConfigError::Invalid(format!("okta.org_url is not a URL: {}", okta.org_url)));
            }
            let oauth = okta.client_id.is_some() && okta.private_key_file.is_some();
            if okta.api_token.is_none() && !oauth {
                return Err(ConfigError::Invalid(
                    "okta needs either api_token, or client_id and private_key_file (OAuth service app)".into(),
                ));
            }
        }
        if let Some(oidc) = &self.oidc {
            if Url::parse(&oidc.issuer).is_err() {
                return Err(ConfigError::Invalid(format!("oidc.issuer is not a URL: {}", oidc.issuer)));
            }
            if !oidc.scopes.iter().any(|s| s == "openid") {
                return Err(ConfigError::Invalid("oidc.scopes must include \"openid\"".into()));
            }
        }
        Ok(())
    }

    /// Cookies get `Secure` and the `__Host-` prefix when people reach the portal over https.
    pub fn is_https(&self) -> bool {
        self.server.public_url.scheme() == "https"
    }

    /// `scheme://host[:port]` of the public URL, as browsers send it in `Origin`.
    pub fn public_origin(&self) -> String {
        self.server.public_url.origin().ascii_serialization()
    }
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment's Jail API returns its own large error type
mod tests {
    use super::*;
    use figment::Jail;

    #[test]
    fn defaults_need_no_file() {
        Jail::expect_with(|_| {
            let c = Config::from_figment(Config::figment(None, Env::prefixed("PORTICO_"))).expect("defaults load");
            assert!(c.oidc.is_none());
            assert_eq!(c.server.listen.port(), 3000);
            Ok(())
        });
    }

    #[test]
    fn env_overlays_file_and_secrets_stay_hidden() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "portico.toml",
                r#"
                [oidc]
                issuer = "https://example.okta.com"
                client_id = "abc"
                client_secret = "from-file"
                "#,
            )?;
            jail.set_env("PORTICO_OIDC__CLIENT_SECRET", "from-env");
            jail.set_env("PORTICO_SERVER__LISTEN", "0.0.0.0:8080");
            let c = Config::from_figment(Config::figment(None, Env::prefixed("PORTICO_"))).expect("loads");
            let oidc = c.oidc.expect("oidc set");
            assert_eq!(oidc.client_secret.expose(), "from-env");
            assert_eq!(c.server.listen.port(), 8080);
            assert!(!format!("{oidc:?}").contains("from-env"));
            Ok(())
        });
    }

    #[test]
    fn the_demo_org_never_stands_in_for_a_real_one_nor_leaves_loopback() {
        Jail::expect_with(|jail| {
            let load = || Config::from_figment(Config::figment(None, Env::prefixed("PORTICO_")));
            jail.create_file("portico.toml", "[okta]\norg_url = \"https://acme.okta.com\"\napi_token = \"x\"\n")?;
            let err = load().expect_err("a real org with the demo sign-in");
            assert!(err.to_string().contains("[oidc]"), "{err}");
            jail.create_file("portico.toml", "[devorg]\nlisten = \"0.0.0.0:3100\"\n")?;
            let err = load().expect_err("the demo org on every interface");
            assert!(err.to_string().contains("allow_non_loopback"), "{err}");
            jail.create_file("portico.toml", "[devorg]\nlisten = \"0.0.0.0:3100\"\nallow_non_loopback = true\n")?;
            assert!(load().is_ok(), "on purpose");
            Ok(())
        });
    }

    #[test]
    fn only_section_keys_are_read_from_the_environment() {
        Jail::expect_with(|jail| {
            jail.set_env("PORTICO_PORT", "tcp://10.0.0.7:3000");
            jail.set_env("PORTICO_SERVICE_HOST", "10.0.0.7");
            jail.set_env("PORTICO_SESSION__IDLE_TIMEOUT_MINUTES", "7");
            let c = Config::from_figment(Config::figment(None, Env::prefixed("PORTICO_"))).expect("starts");
            assert_eq!(c.session.idle_timeout_minutes, 7);
            Ok(())
        });
    }

    #[test]
    fn unknown_keys_are_refused() {
        Jail::expect_with(|jail| {
            jail.create_file("portico.toml", "[server]\nlisten_addr = \"x\"\n")?;
            let err = Config::from_figment(Config::figment(None, Env::prefixed("PORTICO_"))).expect_err("typo refused");
            assert!(err.to_string().contains("listen_addr"), "{err}");
            jail.create_file("portico.toml", "")?;
            jail.set_env("PORTICO_SESION__IDLE_TIMEOUT_MINUTES", "5");
            assert!(Config::from_figment(Config::figment(None, Env::prefixed("PORTICO_"))).is_err());
            Ok(())
        });
    }

    #[test]
    fn https_public_url_means_secure_cookies() {
        Jail::expect_with(|jail| {
            jail.set_env("PORTICO_SERVER__PUBLIC_URL", "https://portal.example.com");
            let c = Config::from_figment(Config::figment(None, Env::prefixed("PORTICO_"))).expect("loads");
            assert!(c.is_https());
            assert_eq!(c.public_origin(), "https://portal.example.com");
            Ok(())
        });
    }

    #[test]
    fn webhooks_need_https_except_on_loopback() {
        Jail::expect_with(|jail| {
            jail.set_env("PORTICO_APPROVALS__WEBHOOK_URL", "http://hooks.example.com/x");
            let err = Config::from_figment(Config::figment(None, Env::prefixed("PORTICO_"))).expect_err("plain http");
            assert!(err.to_string().contains("must be https"), "{err}");
            for ok in ["https://hooks.example.com/x", "http://127.0.0.1:9/hook", "http://localhost:9/hook"] {
                jail.set_env("PORTICO_APPROVALS__WEBHOOK_URL", ok);
                assert!(Config::from_figment(Config::figment(None, Env::prefixed("PORTICO_"))).is_ok(), "{ok}");
            }
            Ok(())
        });
    }

    #[test]
    fn email_and_step_up_settings_are_checked() {
        Jail::expect_with(|jail| {
            let load = || Config::from_figment(Config::figment(None, Env::prefixed("PORTICO_")));
            jail.set_env("PORTICO_APPROVALS__STEP_UP_MINUTES", "0");
            assert!(load().expect_err("0 minutes").to_string().contains("step_up_minutes"));
            jail.set_env("PORTICO_APPROVALS__STEP_UP_MINUTES", "10");
            jail.set_env("PORTICO_EMAIL__HOST", "smtp.example.com");
            jail.set_env("PORTICO_EMAIL__FROM", "not an address");
            assert!(load().expect_err("bad sender").to_string().contains("email.from"));
            jail.set_env("PORTICO_EMAIL__FROM", "Portico <portico@example.com>");
            jail.set_env("PORTICO_EMAIL__USERNAME", "portico");
            assert!(load().expect_err("no password").to_string().contains("go together"));
            jail.set_env("PORTICO_EMAIL__PASSWORD", "s3cret");
            let email = load().expect("valid").email.expect("email");
            assert_eq!((email.port, email.tls), (587, SmtpTls::Starttls), "STARTTLS on 587 unless told");
            assert!(!format!("{email:?}").contains("s3cret"), "the password stays hidden");
            Ok(())
        });
    }

    #[test]
    fn schedule_settings_are_checked() {
        Jail::expect_with(|jail| {
            let load = || Config::from_figment(Config::figment(None, Env::prefixed("PORTICO_")));
            let defaults = load().expect("defaults").schedule;
            assert_eq!((defaults.remind_before_hours, defaults.delete_after_days), (24, 30));
            jail.set_env("PORTICO_SCHEDULE__DELETE_AFTER_DAYS", "4000");
            assert!(load().expect_err("eleven years").to_string().contains("delete_after_days"));
            jail.set_env("PORTICO_SCHEDULE__DELETE_AFTER_DAYS", "0");
            jail.set_env("PORTICO_SCHEDULE__REMIND_BEFORE_HOURS", "1000");
            assert!(load().expect_err("too early").to_string().contains("remind_before_hours"));
            jail.set_env("PORTICO_SCHEDULE__REMIND_BEFORE_HOURS", "2");
            assert_eq!(load().expect("valid").schedule.delete_after_days, 0, "0: never delete");
            Ok(())
        });
    }

    #[test]
    fn the_database_url_names_the_backend() {
        Jail::expect_with(|jail| {
            let load = || Config::from_figment(Config::figment(None, Env::prefixed("PORTICO_")));
            assert_eq!(load().expect("default").database.backend(), Ok(DatabaseUrl::Sqlite(None)));
            jail.set_env("PORTICO_DATABASE__URL", "sqlite:///var/lib/portico/p.sqlite");
            assert_eq!(
                load().expect("sqlite").database.backend(),
                Ok(DatabaseUrl::Sqlite(Some(PathBuf::from("/var/lib/portico/p.sqlite"))))
            );
            jail.set_env("PORTICO_DATABASE__URL", "postgres://portico:pw@db:5432/portico");
            let pg = load().expect("postgres");
            assert!(matches!(pg.database.backend(), Ok(DatabaseUrl::Postgres(_))));
            assert!(!format!("{pg:?}").contains("pw@"), "the URL's password stays out of logs");
            jail.set_env("PORTICO_DATABASE__URL", "mysql://db/portico");
            let err = load().expect_err("unknown scheme");
            assert!(err.to_string().contains("database.url must be"), "{err}");
            Ok(())
        });
    }
}
