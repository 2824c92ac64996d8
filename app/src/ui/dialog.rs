//! Dialogs over the page: focus goes in, stays in, and comes back; Esc closes.

use leptos::prelude::*;

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
