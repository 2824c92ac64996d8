//! Server functions of the `people` area, one per file.

mod change_membership;
mod get_person;
mod person_groups;
mod run_lifecycle;
mod search_people;
mod update_profile;

pub use change_membership::*;
pub use get_person::*;
pub use person_groups::*;
pub use run_lifecycle::*;
pub use search_people::*;
pub use update_profile::*;

#[cfg(feature = "ssr")]
pub(crate) mod views;
