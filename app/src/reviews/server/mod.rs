//! Server functions of the reviews area, one per file, each a few lines over
//! `portico_core::reviews`.

mod close_review;
mod create_review;
mod decide_review;
mod restart_revocation;
mod review;
mod review_options;
mod reviews;

pub use close_review::*;
pub use create_review::*;
pub use decide_review::*;
pub use restart_revocation::*;
pub use review::*;
pub use review_options::*;
pub use reviews::*;

/// A review's refusal or failure as the person sees it.
#[cfg(feature = "ssr")]
pub(crate) fn error_of(e: &portico_core::reviews::ReviewError) -> crate::error::PortalError {
    use crate::error::PortalError;
    use portico_core::reviews::ReviewError;
    match e {
        ReviewError::Denied(d) => d.clone().into(),
        ReviewError::NotFound => crate::ssr::fail(PortalError::not_found("access review")),
        ReviewError::Invalid(m) => crate::ssr::fail(PortalError::conflict(m.clone())),
        ReviewError::Upstream(m) => crate::ssr::fail(PortalError::internal().with_message(m.clone())),
        ReviewError::Db(err) => {
            tracing::error!(error = %err, "access review");
            crate::ssr::fail(PortalError::internal())
        }
    }
}
