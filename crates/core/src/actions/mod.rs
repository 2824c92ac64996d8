//! The one place Portico's actions make their upstream calls. Direct server functions and the
//! request executor both come here, so an approved run and a direct run of the same action make
//! the same calls and say the same thing.

pub mod lifecycle;
pub mod plan;
