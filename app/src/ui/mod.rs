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

/// A time as the viewer reads it: the server renders it in UTC (so the page is whole without
/// JavaScript), then the browser shows it in the viewer's own time zone, with UTC on hover.
#[component]
pub fn When(at: Option<String>) -> impl IntoView {
    let utc = when(&at);
    let local = RwSignal::new(None::<String>);
    #[cfg(feature = "hydrate")]
    {
        let at = at.clone();
        Effect::new(move |_| local.set(at.as_deref().and_then(local_time)));
    }
    let shown = utc.clone();
    view! {
        <time datetime=at title=utc>{move || local.get().unwrap_or_else(|| shown.clone())}</time>
    }
}

/// `2026-03-01T14:22:05.000Z` in the browser's time zone: `2026-03-01 15:22 (UTC+01:00)`.
#[cfg(feature = "hydrate")]
fn local_time(iso: &str) -> Option<String> {
    let d = js_sys::Date::new(&leptos::wasm_bindgen::JsValue::from_str(iso));
    if d.get_time().is_nan() {
        return None;
    }
    // getTimezoneOffset is minutes *behind* UTC: Tokyo is -540.
    let ahead = -(d.get_timezone_offset() as i64);
    let sign = if ahead < 0 { '-' } else { '+' };
    Some(format!(
        "{:04}-{:02}-{:02} {:02}:{:02} (UTC{sign}{:02}:{:02})",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes(),
        ahead.abs() / 60,
        ahead.abs() % 60
    ))
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

/// Messages at the bottom of the screen: every action ends in one. A success fades after six
/// seconds; a failure stays until it is dismissed, so its reference can be read and quoted.
#[derive(Clone, Copy)]
pub struct Toasts(RwSignal<Vec<(u64, String, bool)>>);

impl Toasts {
    pub fn show(&self, message: impl Into<String>, ok: bool) {
        let id = js_sys_now();
        self.0.update(|t| t.push((id, message.into(), ok)));
        if ok {
            let this = *self;
            set_timeout(move || this.dismiss(id), std::time::Duration::from_secs(6));
        }
    }

    pub fn dismiss(&self, id: u64) {
        self.0.update(|t| t.retain(|(i, _, _)| *i != id));
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
                <div class=if t.2 { "toast ok" } else { "toast bad" } data-testid="toast">
                    <span>{t.1}</span>
                    <button type="button" class="toast-close" aria-label="Dismiss"
                        on:click=move |_| use_toasts().dismiss(t.0)>"×"</button>
                </div>
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

/// Every action ends in a visible result: a failure becomes a toast quoting its reference;
/// success runs `on_ok`.
pub fn on_result<T: Clone + 'static>(
    value: impl Get<Value = Option<Result<T, crate::error::PortalError>>> + 'static,
    on_ok: impl Fn(T) + 'static,
) {
    let toasts = use_toasts();
    on_outcome(value, on_ok, move |e| toasts.show(error_text(&e), false));
}

/// How many times an action has succeeded, to key a resource on where a failure must keep what
/// the person typed (an edit form, a dialog's reason): the resource reads again after each
/// success only. Where reading again after a failure is harmless, key on `action.version()`.
pub fn successes<T: Clone + Send + Sync + 'static>(
    value: impl Get<Value = Option<Result<T, crate::error::PortalError>>> + 'static,
) -> ReadSignal<usize> {
    let count = RwSignal::new(0usize);
    on_outcome(value, move |_| count.update(|n| *n += 1), |_| {});
    count.read_only()
}

/// Runs `on_ok` or `on_err` for each result an action completes with from now on, never for
/// the one it already holds: actions live on the page, so a section drawn again after a
/// refresh must not repeat the last outcome (a second toast, a temporary password shown again).
pub fn on_outcome<T: Clone + 'static>(
    value: impl Get<Value = Option<Result<T, crate::error::PortalError>>> + 'static,
    on_ok: impl Fn(T) + 'static,
    on_err: impl Fn(crate::error::PortalError) + 'static,
) {
    Effect::watch(
        move || value.get(),
        move |result, _, _| match result.clone() {
            Some(Ok(v)) => on_ok(v),
            Some(Err(e)) => on_err(e),
            None => {}
        },
        false,
    );
}

/// Search as you type: navigates (replacing the history entry) once typing pauses for 300 ms,
/// unless the person has left the list page (`path`) in the meantime.
pub fn debounced_navigation(path: &'static str) -> impl Fn(String) + Clone + 'static {
    let navigate = leptos_router::hooks::use_navigate();
    let location = leptos_router::hooks::use_location();
    let pending = StoredValue::new(None::<TimeoutHandle>);
    move |href: String| {
        if let Some(h) = pending.get_value() {
            h.clear();
        }
        let navigate = navigate.clone();
        let handle = set_timeout_with_handle(
            move || {
                if location.pathname.get_untracked() == path {
                    navigate(&href, leptos_router::NavigateOptions { replace: true, ..Default::default() });
                }
            },
            std::time::Duration::from_millis(300),
        );
        pending.set_value(handle.ok());
    }
}

/// A dialog over the page: it takes focus when it opens, Tab and Shift+Tab stay inside it, Esc
/// closes it (`on_close`), and focus goes back where it was when it closes.
#[component]
pub fn Modal(
    /// The id of the heading that names the dialog.
    labelled_by: &'static str,
    #[prop(into)] on_close: Callback<()>,
    #[prop(optional)] testid: &'static str,
    children: Children,
) -> impl IntoView {
    use leptos::{wasm_bindgen::JsCast, web_sys::HtmlElement};
    let node = NodeRef::<leptos::html::Div>::new();
    // Only in the browser: a dialog the server renders has nothing focused to remember.
    let before = StoredValue::new_local(if cfg!(feature = "hydrate") {
        document().active_element().and_then(|e| e.dyn_into::<HtmlElement>().ok())
    } else {
        None
    });
    Effect::new(move |_| {
        if let Some(first) = node.get().and_then(|el| focusables(&el).into_iter().next()) {
            let _ = first.focus();
        }
    });
    on_cleanup(move || {
        if let Some(Some(el)) = before.try_get_value() {
            let _ = el.focus();
        }
    });
    let keydown = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "Escape" => {
            ev.prevent_default();
            on_close.run(());
        }
        "Tab" => {
            let Some(modal) = node.get_untracked() else { return };
            let items = focusables(&modal);
            let (Some(first), Some(last)) = (items.first(), items.last()) else { return };
            let active = document().active_element();
            let at =
                |el: &HtmlElement| active.as_ref().is_some_and(|a| a == el.unchecked_ref::<leptos::web_sys::Element>());
            if ev.shift_key() && at(first) {
                ev.prevent_default();
                let _ = last.focus();
            } else if !ev.shift_key() && at(last) {
                ev.prevent_default();
                let _ = first.focus();
            }
        }
        _ => {}
    };
    view! {
        <div class="modal-backdrop">
            <div class="modal" role="dialog" aria-modal="true" aria-labelledby=labelled_by
                data-testid=(!testid.is_empty()).then_some(testid) node_ref=node on:keydown=keydown>
                {children()}
            </div>
        </div>
    }
}

/// What inside `root` can take focus, in document order (enabled buttons, fields, links).
fn focusables(root: &leptos::web_sys::Element) -> Vec<leptos::web_sys::HtmlElement> {
    use leptos::wasm_bindgen::JsCast;
    let mut out = Vec::new();
    let children = root.children();
    for i in 0..children.length() {
        let Some(child) = children.item(i) else { continue };
        let focusable = match child.tag_name().as_str() {
            "BUTTON" | "INPUT" | "TEXTAREA" | "SELECT" => !child.has_attribute("disabled"),
            "A" => child.has_attribute("href"),
            _ => false,
        };
        if focusable && let Ok(el) = child.clone().dyn_into::<leptos::web_sys::HtmlElement>() {
            out.push(el);
        }
        out.extend(focusables(&child));
    }
    out
}

/// "Are you sure?": says what will happen, then Cancel or the action itself (disabled while it
/// runs). Every destructive button goes through one of these.
#[component]
pub fn ConfirmDialog(
    title: String,
    message: String,
    confirm_label: String,
    #[prop(optional)] danger: bool,
    #[prop(into)] busy: Signal<bool>,
    #[prop(into)] on_confirm: Callback<()>,
    #[prop(into)] on_cancel: Callback<()>,
) -> impl IntoView {
    view! {
        <Modal labelled_by="confirm-title" on_close=on_cancel>
            <h2 id="confirm-title">{title}</h2>
            <p>{message}</p>
            <div class="modal-buttons">
                <button type="button" class="button ghost" on:click=move |_| on_cancel.run(())>"Cancel"</button>
                <button type="button" class=if danger { "button danger" } else { "button" } data-testid="confirm"
                    disabled=move || busy.get() on:click=move |_| on_confirm.run(())>{confirm_label}</button>
            </div>
        </Modal>
    }
}
