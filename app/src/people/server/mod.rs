//! Server functions of the `people` area, one per file.

mod change_membership;
mod clear_sessions;
mod create_person;
mod get_person;
mod person_access;
mod person_groups;
mod revoke_consent;
mod run_lifecycle;
mod saved_views;
mod search_people;
mod update_profile;

pub use change_membership::*;
pub use clear_sessions::*;
pub use create_person::*;
pub use get_person::*;
pub use person_access::*;
pub use person_groups::*;
pub use revoke_consent::*;
pub use run_lifecycle::*;
pub use saved_views::*;
pub use search_people::*;
pub use update_profile::*;

#[cfg(feature = "ssr")]
pub(crate) mod views;
