//! Server functions of the `me` area, one per file.

mod get_me;
mod manages_people;

pub use get_me::*;
pub use manages_people::*;
