//! Server functions of the `me` area, one per file.

mod get_me;

pub use get_me::*;
