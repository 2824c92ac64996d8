//! The embedded org's Okta API over real HTTP: one test binary, one org per test (port 0,
//! temporary data directory), driven with the demo SSWS token.

mod apps;
mod asa;
mod groups;
mod helpers;
mod lifecycle;
mod lockout;
mod oauth;
mod protocol;
mod replay;
mod sessions;
mod users;
