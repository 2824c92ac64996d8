//! Server functions of the `groups` area, one per file.

mod get_group;
mod group_members;
mod manage_group;
mod search_groups;

pub use get_group::*;
pub use group_members::*;
pub use manage_group::*;
pub use search_groups::*;

#[cfg(feature = "ssr")]
pub(crate) mod views;
