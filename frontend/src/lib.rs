#![recursion_limit = "512"]
//! The browser entry point. Pages arrive whole from the server; this wakes their islands
//! (`portico_app`'s `#[island]` components, called by name from Leptos's hydration script) and
//! adds the few behaviours that need no component ([`enhance`]).

mod enhance;

// The islands live in `portico_app`; naming the crate links them into this WASM.
use portico_app as _;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    enhance::install();
}
