//! Server functions of the approvals area, one per file.

mod away;
mod break_glass;
mod cancel_request;
mod decide_request;
mod end_away;
mod get_request;
mod inbox;
mod my_people;
mod my_requests;
mod open_reviews;
mod request_action;
mod reveal_temp_password;
mod review_break_glass;
mod set_away;

pub use away::*;
pub use break_glass::*;
pub use cancel_request::*;
pub use decide_request::*;
pub use end_away::*;
pub use get_request::*;
pub use inbox::*;
pub use my_people::*;
pub use my_requests::*;
pub use open_reviews::*;
pub use request_action::*;
pub use reveal_temp_password::*;
pub use review_break_glass::*;
pub use set_away::*;

#[cfg(feature = "ssr")]
pub(crate) mod views;
