//! The signed-in person: who they are and what Portico lets them do.

mod home;
pub mod server;

pub use home::HomePage;

use crate::error::PortalError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A portal role as the browser sees it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct RoleView {
    pub key: String,
    pub label: String,
}

/// The signed-in person, as a view model (no tokens, no upstream JSON).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Me {
    pub user_id: String,
    pub name: String,
    pub login: String,
    pub email: Option<String>,
    pub roles: Vec<RoleView>,
    pub groups: Vec<String>,
    /// The areas the navigation offers: only those the server will open for this person.
    pub nav: Nav,
}

/// Which areas a person's roles open (decided on the server; the links only mirror it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Nav {
    pub people: bool,
    pub groups: bool,
    pub asa: bool,
    pub audit: bool,
    /// Pending requests this person may decide now ("Waiting on me").
    pub waiting: u32,
    /// Access reviews to read; and items waiting for this person's decision.
    pub reviews: bool,
    pub to_review: u32,
}

/// One fetch of [`Me`] per page load, shared by the top bar and the pages.
#[derive(Clone, Copy)]
pub struct MeResource(pub Resource<Result<Me, PortalError>>);

pub fn provide_me() {
    provide_context(MeResource(Resource::new(|| (), |_| server::get_me())));
}

pub fn use_me() -> MeResource {
    expect_context::<MeResource>()
}
