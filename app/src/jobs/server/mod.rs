//! Server functions of the jobs area, one per file.

mod bulk_choices;
mod cancel_job;
mod get_job;
mod job_progress;
mod list_jobs;
mod plan_job;
mod request_job;
mod start_job;

pub use bulk_choices::*;
pub use cancel_job::*;
pub use get_job::*;
pub use job_progress::*;
pub use list_jobs::*;
pub use plan_job::*;
pub use request_job::*;
pub use start_job::*;

#[cfg(feature = "ssr")]
pub(crate) mod views;
