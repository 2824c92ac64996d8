//! Server functions of the approvals area, one per file.

mod away;
mod cancel_request;
mod decide_request;
mod end_away;
mod get_request;
mod inbox;
mod my_people;
mod my_requests;
mod request_action;
mod reveal_temp_password;
mod set_away;

pub use away::*;
pub use cancel_request::*;
pub use decide_request::*;
pub use end_away::*;
pub use get_request::*;
pub use inbox::*;
pub use my_people::*;
pub use my_requests::*;
pub use request_action::*;
pub use reveal_temp_password::*;
pub use set_away::*;

#[cfg(feature = "ssr")]
pub(crate) mod views;
