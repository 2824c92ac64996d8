//! What the page does in the browser without being an island: each of these works on the HTML
//! the server sent, and the page is complete without them.
//!
//! - `live_forms`: a search form marked `data-live="ID"` refreshes element `ID` as you type
//!   (300 ms after typing pauses) or choose, by fetching the page the form would open and taking
//!   that element from it; the address bar follows. Submitting still opens the page.
//! - `local_times`: every `<time datetime>` in the viewer's time zone (UTC stays on hover).
//! - `/` jumps to the page's search box.
//! - `select_all`: a box marked `data-select-all="NAME"` ticks (or clears) every
//!   `data-pick="NAME"` box in its form; without it, rows are ticked one by one.
//! - `browser_zone`: a time-zone field marked `data-browser-zone` starts at the viewer's zone
//!   (IANA name) instead of UTC.
//! - `html[data-hydrated]` once the islands are live, for tests and the benchmark.

use leptos::prelude::{TimeoutHandle, document, set_timeout, set_timeout_with_handle, window, window_event_listener};
use std::{cell::Cell, rc::Rc, time::Duration};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{DomParser, Element, HtmlElement, HtmlFormElement, HtmlInputElement, HtmlSelectElement, SupportedType};

pub fn install() {
    slash_to_search();
    live_forms();
    select_all();
    browser_zone();
    if let Some(body) = document().body() {
        local_times(&body);
    }
    // Islands hydrate in the microtasks that follow `hydrate()`; a zero timeout runs after them.
    set_timeout(
        || {
            if let Some(root) = document().document_element() {
                let _ = root.set_attribute("data-hydrated", "true");
            }
        },
        Duration::ZERO,
    );
}

/// Fills `input[data-browser-zone]` still at UTC with the browser's own zone.
fn browser_zone() {
    let options = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new()).resolved_options();
    let Some(zone) = js_sys::Reflect::get(&options, &"timeZone".into()).ok().and_then(|z| z.as_string()) else {
        return;
    };
    let Ok(fields) = document().query_selector_all("input[data-browser-zone]") else { return };
    for i in 0..fields.length() {
        if let Some(input) = fields.item(i).and_then(|n| n.dyn_into::<HtmlInputElement>().ok())
            && input.value() == "UTC"
        {
            input.set_value(&zone);
        }
    }
}

/// `/` focuses `#search`, unless the person is typing somewhere.
fn slash_to_search() {
    let _ = window_event_listener(leptos::ev::keydown, |ev| {
        let typing = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlElement>().ok())
            .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
        if ev.key() == "/"
            && !typing
            && let Some(search) = document().get_element_by_id("search")
            && let Ok(input) = search.dyn_into::<HtmlElement>()
        {
            ev.prevent_default();
            let _ = input.focus();
        }
    });
}

/// Listens on the document, so it also works in results swapped in by a live search.
fn select_all() {
    let _ = window_event_listener(leptos::ev::change, |ev| {
        let Some(all) = ev.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) else { return };
        let (Some(name), Some(form)) = (all.get_attribute("data-select-all"), all.form()) else { return };
        let Ok(boxes) = form.query_selector_all(&format!("input[data-pick=\"{name}\"]")) else { return };
        for i in 0..boxes.length() {
            if let Some(b) = boxes.item(i).and_then(|n| n.dyn_into::<HtmlInputElement>().ok()) {
                b.set_checked(all.checked());
            }
        }
    });
}

thread_local! {
    /// The latest refresh asked for; an older answer arriving late is dropped.
    static ASKED: Cell<u32> = const { Cell::new(0) };
}

fn live_forms() {
    let pending: Rc<Cell<Option<TimeoutHandle>>> = Rc::default();
    let _ = window_event_listener(leptos::ev::input, move |ev| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) else { return };
        let Some(form) = input.form().filter(|f| input.type_() == "search" && f.has_attribute("data-live")) else {
            return;
        };
        if let Some(h) = pending.take() {
            h.clear();
        }
        pending.set(set_timeout_with_handle(move || refresh(form), Duration::from_millis(300)).ok());
    });
    let _ = window_event_listener(leptos::ev::change, |ev| {
        let Some(select) = ev.target().and_then(|t| t.dyn_into::<HtmlSelectElement>().ok()) else { return };
        if let Some(form) = select.form().filter(|f| f.has_attribute("data-live")) {
            refresh(form);
        }
    });
}

/// The address the form would open: its action with the non-empty fields, from the first page.
fn address(form: &HtmlFormElement) -> Option<String> {
    let action = form.get_attribute("action")?;
    let data = web_sys::FormData::new_with_form(form).ok()?;
    let query = web_sys::UrlSearchParams::new().ok()?;
    for entry in js_sys::try_iter(&data).ok()??.flatten() {
        let pair: js_sys::Array = entry.unchecked_into();
        let (key, value) = (pair.get(0).as_string()?, pair.get(1).as_string().unwrap_or_default());
        if !value.is_empty() && key != "after" {
            query.append(&key, &value);
        }
    }
    let query = String::from(query.to_string());
    Some(if query.is_empty() { action } else { format!("{action}?{query}") })
}

fn refresh(form: HtmlFormElement) {
    let (Some(target), Some(href)) = (form.get_attribute("data-live"), address(&form)) else { return };
    let asked = ASKED.with(|a| {
        a.set(a.get() + 1);
        a.get()
    });
    leptos::task::spawn_local(async move {
        let fetched = fetch_element(&href, &target).await;
        if ASKED.with(Cell::get) != asked {
            return;
        }
        match (fetched, document().get_element_by_id(&target)) {
            (Some(fresh), Some(shown)) => {
                shown.set_inner_html(&fresh.inner_html());
                if let Ok(history) = window().history() {
                    let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&href));
                }
                local_times(&shown);
            }
            // Signed out, or the page is not what was expected: open it the plain way.
            _ => {
                let _ = window().location().assign(&href);
            }
        }
    });
}

/// Element `id` of the page at `href`, as the server renders it now.
async fn fetch_element(href: &str, id: &str) -> Option<Element> {
    let response: web_sys::Response = JsFuture::from(window().fetch_with_str(href)).await.ok()?.dyn_into().ok()?;
    if !response.ok() {
        return None;
    }
    let html = JsFuture::from(response.text().ok()?).await.ok()?.as_string()?;
    let page = DomParser::new().ok()?.parse_from_string(&html, SupportedType::TextHtml).ok()?;
    page.get_element_by_id(id)
}

/// Rewrites every `<time datetime>` under `root` in the viewer's time zone.
fn local_times(root: &Element) {
    let Ok(times) = root.query_selector_all("time[datetime]") else { return };
    for i in 0..times.length() {
        let Some(el) = times.item(i).and_then(|n| n.dyn_into::<Element>().ok()) else { continue };
        if let Some(local) = el.get_attribute("datetime").and_then(|iso| local_time(&iso)) {
            el.set_text_content(Some(&local));
        }
    }
}

/// `2026-03-01T14:22:05.000Z` in the browser's time zone: `2026-03-01 15:22 (UTC+01:00)`.
fn local_time(iso: &str) -> Option<String> {
    let d = js_sys::Date::new(&JsValue::from_str(iso));
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
