//! Server-only domain of Portico: configuration, identities and roles, shared state.
//!
//! Nothing here is compiled to WASM; the `app` crate reaches it only behind its `ssr` feature.

pub mod actions;
pub mod actor;
pub mod asa;
pub mod audit;
pub mod authz;
pub mod budget;
pub use portico_clock as clock;
pub mod config;
pub mod db;
pub mod export;
pub mod identity;
pub mod jobs;
pub mod metrics;
pub mod okta;
pub mod policy;
pub mod requests;
pub mod reviews;
pub mod sealed;
pub mod secret;
pub mod sessions;
pub mod state;
pub mod upstream;
pub mod views;

pub use clock::Clock;
pub use config::Config;
pub use identity::{Authn, Principal, Role};
pub use secret::Secret;
pub use state::AppState;
