//! An Okta Advanced Server Access team (`/v1/teams/{team}/…`): service-user tokens, users,
//! groups and membership, with ASA's `{"list": [...]}` envelopes, name-addressed paths, team
//! roles checked on the caller, `count`/`offset` paging with `Link` headers, and errors as
//! `{"type", "message"}` (the documented identifiers; ASA publishes no body format).

mod api;
pub mod seed;

pub use api::AsaToken;
pub(crate) use api::router;

/// The embedded team's name.
pub const TEAM: &str = "portico-demo";
/// The demo service user the portal (and people trying the API) authenticate as.
pub const SERVICE_USER: &str = "portico-service";
