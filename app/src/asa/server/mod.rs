//! Server functions of the `asa` area, one per file.

mod asa_groups;
mod asa_user;
mod asa_users;
mod drift;
mod manage_asa_group;
mod set_asa_status;

pub use asa_groups::*;
pub use asa_user::*;
pub use asa_users::*;
pub use drift::*;
pub use manage_asa_group::*;
pub use set_asa_status::*;

#[cfg(feature = "ssr")]
pub(crate) mod views {
    use crate::{
        asa::{AsaGroupRow, AsaUserRow},
        error::PortalError,
        ssr::{Caller, fail},
    };
    use portico_core::asa::{AsaClient, AsaError, AsaGroup, AsaUser};
    use std::sync::Arc;

    pub fn user(u: &AsaUser) -> AsaUserRow {
        AsaUserRow {
            name: u.name.clone(),
            full_name: u.full_name(),
            email: u.email().map(str::to_string),
            status: u.status.clone(),
            service: u.user_type == "service",
        }
    }

    pub fn group(g: &AsaGroup) -> AsaGroupRow {
        AsaGroupRow {
            name: g.name.clone(),
            roles: g.roles.clone(),
            read_only: g
                .managed_by_okta
                .then(|| "Pushed from Okta: change its members in Okta; ASA mirrors them.".to_string()),
        }
    }

    /// The ASA client, or a clear refusal when none is configured.
    pub fn client(caller: &Caller) -> Result<Arc<AsaClient>, PortalError> {
        caller.state.asa.clone().ok_or_else(|| {
            fail(PortalError::bad_request("Advanced Server Access is not configured (see [asa] in the README)."))
        })
    }

    /// ASA failures as the person sees them (the one place they are mapped).
    pub fn asa_error(e: AsaError) -> PortalError {
        use crate::error::ErrorKind;
        use portico_core::upstream::Fault;
        let kind = match e.fault() {
            Fault::NotFound => ErrorKind::NotFound,
            Fault::Refused => ErrorKind::BadRequest,
            Fault::RateLimited => ErrorKind::Transport,
            Fault::Unreachable | Fault::Timeout | Fault::ServerError => ErrorKind::Upstream,
        };
        let suffix = if kind == ErrorKind::Upstream { " Nothing was changed; try again." } else { "" };
        fail(PortalError::new(kind, format!("ASA: {}{suffix}", e.message)))
    }
}
