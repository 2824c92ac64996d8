//! Small shared pieces: status and type badges, time formatting, toasts, the confirm dialog.

use leptos::prelude::*;

/// `2026-03-01T14:22:05.000Z` → `2026-03-01 14:22 UTC`; `—` for nothing.
pub fn when(t: &Option<String>) -> String {
    match t {
        Some(t) if t.len() >= 16 => format!("{} {} UTC", &t[..10], &t[11..16]),
        Some(t) => t.clone(),
        None => "—".into(),
    }
}

#[component]
pub fn StatusBadge(status: String) -> impl IntoView {
    let class = format!("badge status-{}", status.to_lowercase().replace('_', "-"));
    view! { <span class=class>{crate::people::status_label(&status)}</span> }
}

#[component]
pub fn KindBadge(kind: String) -> impl IntoView {
    let class = format!("badge kind-{}", kind.to_lowercase().replace('_', "-"));
    view! { <span class=class>{crate::groups::kind_label(&kind)}</span> }
}

/// Transient messages at the bottom of the screen: every action ends in one.
#[derive(Clone, Copy)]
pub struct Toasts(RwSignal<Vec<(u64, String, bool)>>);

impl Toasts {
    pub fn show(&self, message: impl Into<String>, ok: bool) {
        let id = js_sys_now();
        self.0.update(|t| t.push((id, message.into(), ok)));
        let list = self.0;
        set_timeout(move || list.update(|t| t.retain(|(i, _, _)| *i != id)), std::time::Duration::from_secs(6));
    }
}

fn js_sys_now() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

pub fn provide_toasts() {
    provide_context(Toasts(RwSignal::new(Vec::new())));
}

pub fn use_toasts() -> Toasts {
    expect_context::<Toasts>()
}

#[component]
pub fn ToastHost() -> impl IntoView {
    let toasts = use_toasts().0;
    view! {
        <div class="toasts" role="status" aria-live="polite">
            <For each=move || toasts.get() key=|t| t.0 let:t>
                <div class=if t.2 { "toast ok" } else { "toast bad" } data-testid="toast">{t.1}</div>
            </For>
        </div>
    }
}

/// An error as a toast: the message and, when present, the reference to quote.
pub fn error_text(e: &crate::error::PortalError) -> String {
    match e.op_id.as_deref().filter(|id| !id.is_empty()) {
        Some(id) => format!("{} (reference {id})", e.message),
        None => e.message.clone(),
    }
}
