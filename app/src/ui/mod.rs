//! Small shared pieces: status and type badges, times, toasts, dialogs and the action button.
//!
//! Pages are rendered on the server only; what runs in the browser is an island (`#[island]`):
//! [`ToastHost`], [`ActionButton`] and the forms of each area. See ARCHITECTURE.md.

mod button;
mod dialog;
mod toasts;

pub use button::{ActionButton, Confirm, Press};
pub use dialog::Modal;
pub use toasts::{ToastHost, error_text, finish, toast};

use leptos::prelude::*;

/// `2026-03-01T14:22:05.000Z` → `2026-03-01 14:22 UTC`; `—` for nothing.
pub fn when(t: &Option<String>) -> String {
    match t {
        Some(t) if t.len() >= 16 => format!("{} {} UTC", &t[..10], &t[11..16]),
        Some(t) => t.clone(),
        None => "—".into(),
    }
}

/// A name that links to its page when it has one (a deleted person, an ASA-only account: none).
#[component]
pub fn MaybeLink(href: Option<String>, text: String) -> impl IntoView {
    match href {
        Some(h) => view! { <leptos_router::components::A href=h>{text}</leptos_router::components::A> }.into_any(),
        None => view! { <span>{text}</span> }.into_any(),
    }
}

/// A time as the viewer reads it: the server renders it in UTC (so the page is whole without
/// JavaScript); the browser rewrites every `<time datetime>` in the viewer's own time zone and
/// keeps UTC on hover (`frontend`'s `local_times`).
#[component]
pub fn When(at: Option<String>) -> impl IntoView {
    let utc = when(&at);
    let title = utc.clone();
    view! { <time datetime=at title=title>{utc}</time> }
}

#[component]
pub fn StatusBadge(status: portico_vocab::UserStatus) -> impl IntoView {
    let class = format!("badge {}", status.css());
    view! { <span class=class>{status.label().to_string()}</span> }
}

#[component]
pub fn KindBadge(kind: portico_vocab::GroupKind) -> impl IntoView {
    let class = format!("badge {}", kind.css());
    view! { <span class=class>{kind.label().to_string()}</span> }
}
