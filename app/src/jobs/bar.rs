//! The action bar over a selection: choose what to do, then preview it for the rows ticked or
//! for everyone the filter matches. A plain form (no WASM) posting to `plan_job`, which opens
//! the preview; the "select this page" box is wired by the frontend's enhancements.

use crate::{error::PortalError, jobs::BulkChoices};
use leptos::prelude::*;

/// The bar, inside the `<form>` that also holds the rows' `ids[n]` boxes. `all` offers the
/// whole filter (its words: "all 312 matching"); `hidden` are the fields that say which filter.
#[component]
pub fn BulkBar(
    choices: Resource<Result<BulkChoices, PortalError>>,
    all: Option<String>,
    #[prop(optional)] hidden: Option<AnyView>,
) -> impl IntoView {
    view! {
        <div class="bulk-bar" data-testid="bulk-bar">
            {hidden}
            <Transition fallback=|| ()>
                {move || choices.get().and_then(|r| r.ok()).map(|c| view! {
                    <label>
                        <span class="sr-only">"Action for the selected people"</span>
                        <select name="verb" data-testid="bulk-verb" required>
                            <option value="">"Choose an action…"</option>
                            {c.actions.into_iter().map(|(v, l)| view! { <option value=v>{l}</option> }).collect_view()}
                        </select>
                    </label>
                    <label>
                        <span class="sr-only">"Group (for group actions)"</span>
                        <select name="group" data-testid="bulk-group">
                            <option value="">"Group (for group actions)"</option>
                            {c.groups.into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                        </select>
                    </label>
                })}
            </Transition>
            <button type="submit" class="button" name="all" value="" data-testid="bulk-preview">"Preview for selected"</button>
            {all.map(|words| view! {
                <button type="submit" class="button ghost" name="all" value="1" data-testid="bulk-preview-all">
                    {format!("Preview for {words}")}
                </button>
            })}
        </div>
    }
}

/// The header cell that ticks every row on the page (with JavaScript; without it, tick rows).
#[component]
pub fn SelectAll() -> impl IntoView {
    view! {
        <th scope="col" class="pick">
            <input type="checkbox" data-select-all="ids" aria-label="Select every person on this page" />
        </th>
    }
}

/// A row's box: `ids[n]` carries the person's id when ticked.
#[component]
pub fn Pick(n: usize, id: String, name: String) -> impl IntoView {
    view! {
        <td class="pick">
            <input type="checkbox" name=format!("ids[{n}]") value=id aria-label=format!("Select {name}") data-pick="ids" />
        </td>
    }
}
