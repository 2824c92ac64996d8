//! The approvals pages, one file each.

mod away;
mod card;
mod dialog;
mod lists;
mod my_people;

pub use away::AwayPage;
pub use card::RequestCard;
pub use dialog::{Ask, RequestDialog};
pub use lists::{InboxPage, MyRequestsPage, RequestPage};
pub use my_people::MyPeoplePage;
