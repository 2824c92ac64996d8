//! Messages at the bottom of the screen: every action ends in one. A success fades after six
//! seconds; a failure stays until it is dismissed, so its reference can be read and quoted.
//!
//! Islands do not share a reactive owner, so the list is one per page (a thread-local signal):
//! any island can add to it and the one [`ToastHost`] shows it. A success that reloads the page
//! (see [`finish`]) travels in `sessionStorage` and is shown once the new page is live.

use leptos::prelude::*;

/// `(id, text, ok)`
type Toast = (u64, String, bool);

thread_local! {
    static TOASTS: ArcRwSignal<Vec<Toast>> = ArcRwSignal::new(Vec::new());
}

/// Where a success waits while the page reloads.
#[cfg(feature = "hydrate")]
const FLASH_KEY: &str = "portico.toast";

fn toasts() -> ArcRwSignal<Vec<Toast>> {
    TOASTS.with(|t| t.clone())
}

/// Shows a message; a success fades after six seconds, a failure stays until dismissed.
pub fn toast(message: impl Into<String>, ok: bool) {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    toasts().update(|t| t.push((id, message.into(), ok)));
    if ok {
        set_timeout(move || dismiss(id), std::time::Duration::from_secs(6));
    }
}

fn dismiss(id: u64) {
    toasts().update(|t| t.retain(|(i, _, _)| *i != id));
}

/// An error as a toast: the message and, when present, the reference to quote.
pub fn error_text(e: &crate::error::PortalError) -> String {
    match e.op_id.as_deref().filter(|id| !id.is_empty()) {
        Some(id) => format!("{} (reference {id})", e.message),
        None => e.message.clone(),
    }
}

/// Ends a successful change: the page is rendered again by the server (the one place that knows
/// what changed, what the person may do now and which requests are open), at `go` or where it
/// is, and `message` is shown there.
pub fn finish(message: &str, go: Option<&str>) {
    #[cfg(feature = "hydrate")]
    {
        if let Ok(Some(storage)) = window().session_storage() {
            let _ = storage.set_item(FLASH_KEY, message);
        }
        let location = window().location();
        let _ = match go {
            Some(url) => location.assign(url),
            None => location.reload(),
        };
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (message, go);
}

/// The message a previous page left in [`finish`], taken once.
#[cfg(feature = "hydrate")]
fn take_flash() -> Option<String> {
    let storage = window().session_storage().ok()??;
    let message = storage.get_item(FLASH_KEY).ok()??;
    let _ = storage.remove_item(FLASH_KEY);
    Some(message)
}

/// The one place toasts are drawn. Placed after the page's other islands, so a message carried
/// over a reload appears once the page is live.
#[island]
pub fn ToastHost() -> impl IntoView {
    let list = toasts();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Some(message) = take_flash() {
            toast(message, true);
        }
    });
    view! {
        <div class="toasts" role="status" aria-live="polite">
            <For each=move || list.get() key=|t| t.0 let:t>
                <div class=if t.2 { "toast ok" } else { "toast bad" } data-testid="toast">
                    <span>{t.1}</span>
                    <button type="button" class="toast-close" aria-label="Dismiss" on:click=move |_| dismiss(t.0)>"×"</button>
                </div>
            </For>
        </div>
    }
}
