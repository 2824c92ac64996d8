//! Server functions of the audit area, one per file.

mod search_audit;

pub use search_audit::*;
