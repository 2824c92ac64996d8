//! State shared by every request: built once at start, cheap to clone.

use crate::{asa::AsaClient, clock::Clock, config::Config, okta::OktaClient, policy::Policy};
use std::sync::Arc;

/// Handed to Leptos server functions (`provide_context`) and to axum routes (`with_state`).
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    /// The portal's own database: sign-ins, requests, the audit trail, notifications (SQLite, or
    /// PostgreSQL shared by every replica).
    pub db: crate::db::Db,
    /// Okta's Management API (the embedded org's when no Okta is configured).
    pub okta: OktaClient,
    /// Okta Advanced Server Access, when configured (always with the embedded org).
    pub asa: Option<Arc<AsaClient>>,
    /// The approval policy, validated at start.
    pub policy: Arc<Policy>,
    /// The groups configuration names, as the Okta group ids they were resolved to at start.
    pub group_ids: Arc<crate::identity::GroupIds>,
    /// Seals secrets kept at rest (a temporary password waiting for its requester).
    pub seal: crate::sealed::SealKey,
    /// Where every time comes from (see [`Clock`]).
    pub clock: Clock,
    /// This process's name on the work it claims (requests, notifications); unique per start.
    pub instance: String,
    /// Wakes the request executor when a request is approved (it also polls).
    pub wake: Arc<tokio::sync::Notify>,
    /// Wakes the job runner when a job starts or work is announced (it also polls).
    pub job_wake: Arc<tokio::sync::Notify>,
}

impl AppState {
    /// The portal's database, as the stores' functions take it.
    pub fn db(&self) -> &dyn crate::db::Store {
        &*self.db
    }
}
