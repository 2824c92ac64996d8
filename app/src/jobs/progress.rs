//! The live progress bar of a running job: asks the server for its numbers every second and,
//! once it has ended, loads the page again to show the report. Leaving the page changes nothing:
//! the job runs on the server.

use crate::jobs::JobCounts;
use leptos::prelude::*;

/// "about 3 min left".
pub fn eta_words(seconds: Option<u64>) -> String {
    match seconds {
        None => "estimating time left…".into(),
        Some(s) if s < 60 => format!("about {s} s left"),
        Some(s) => format!("about {} min left", s.div_ceil(60)),
    }
}

#[island]
pub fn JobProgress(id: String, initial: JobCounts) -> impl IntoView {
    let counts = RwSignal::new(initial);
    #[cfg(feature = "hydrate")]
    {
        let id = StoredValue::new(id.clone());
        let asking = RwSignal::new(false);
        let _ = set_interval_with_handle(
            move || {
                if asking.get_untracked() {
                    return;
                }
                asking.set(true);
                leptos::task::spawn_local(async move {
                    let now = super::server::job_progress(id.get_value()).await;
                    asking.set(false);
                    if let Ok(c) = now {
                        let ended = c.ended;
                        counts.set(c);
                        if ended {
                            // The full bar stays a moment before the report replaces it.
                            set_timeout(
                                || crate::ui::finish("The job has ended.", None),
                                std::time::Duration::from_millis(800),
                            );
                        }
                    }
                });
            },
            std::time::Duration::from_secs(1),
        );
    }
    let _ = id;
    view! {
        <div class="job-progress" data-testid="job-progress">
            <progress max=move || counts.get().to_run.max(1) value=move || { let c = counts.get(); c.to_run - c.remaining }
                aria-label="Progress" data-testid="job-bar" data-percent=move || counts.get().percent()>
            </progress>
            <p class="counts" aria-live="polite">
                <strong data-testid="job-percent">{move || format!("{}%", counts.get().percent())}</strong>
                {move || {
                    let c = counts.get();
                    format!(
                        " · {} done · {} failed · {} skipped · {} remaining · {}",
                        c.done, c.failed, c.skipped, c.remaining,
                        if c.remaining == 0 { "finishing…".to_string() } else { eta_words(c.eta_seconds) }
                    )
                }}
            </p>
        </div>
    }
}
