//! The audit trail: search by actor, target, action and dates; export exactly the filtered rows.

pub mod server;

pub use server::*;

use crate::{layout::Loaded, people::encode, ui::When};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditFilter {
    pub actor: String,
    pub target: String,
    pub action: String,
    pub from: String,
    pub to: String,
    /// The page of events older than this event id (empty: the newest).
    pub before: String,
}

impl AuditFilter {
    /// The filters as a query string (without the page: an export is every matching row).
    pub fn query_string(&self) -> String {
        [
            ("actor", &self.actor),
            ("target", &self.target),
            ("action", &self.action),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&")
    }
}

/// Events shown per page.
pub const PAGE_SIZE: u32 = 100;

/// One page of the trail and where the next (older) one starts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvents {
    pub rows: Vec<AuditRow>,
    pub older: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub at: String,
    pub op_id: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub result: String,
    pub detail: String,
    /// Okta's request id for the call, when one was made.
    pub upstream_id: Option<String>,
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let params = use_query_map();
    let filter = Memo::new(move |_| {
        let p = params.get();
        let v = |k: &str| p.get(k).unwrap_or_default();
        AuditFilter {
            actor: v("actor"),
            target: v("target"),
            action: v("action"),
            from: v("from"),
            to: v("to"),
            before: v("before"),
        }
    });
    let rows = Resource::new(move || filter.get(), search_audit);
    view! {
        <Title text="Audit trail" />
        <div class="page-head">
            <h1>"Audit trail"</h1>
            <a class="button ghost" rel="external" data-testid="csv" href=move || format!("/audit.csv?{}", filter.get().query_string())>"Export CSV"</a>
        </div>
        <form class="card filters" method="get" action="/audit" role="search">
            <div class="filter-grid">
                <label>"Actor"<input type="text" name="actor" value=move || filter.get().actor /></label>
                <label>"Target"<input type="text" name="target" value=move || filter.get().target /></label>
                <label>"Action"<input type="text" name="action" placeholder="e.g. person.suspend" value=move || filter.get().action /></label>
                <label>"From"<input type="date" name="from" value=move || filter.get().from /></label>
                <label>"To"<input type="date" name="to" value=move || filter.get().to /></label>
            </div>
            <div class="filter-row"><button type="submit" class="button">"Search"</button></div>
        </form>
        <Loaded resource=rows let:answer>
            {
                let AuditEvents { rows: list, older } = answer;
                let f = filter.get_untracked();
                let paged = !f.before.is_empty();
                let newest = format!("/audit?{}", f.query_string());
                let older = older.map(|id| format!("/audit?{}&before={id}", f.query_string()));
                view! {
                // Scrolls sideways on narrow screens, so it must take keyboard focus.
                <div class="card table-card" tabindex="0" role="region" aria-label="Audit events">
                    <p class="muted small count" data-testid="audit-count">{match (paged, older.is_some()) {
                        (false, false) => format!("{} events", list.len()),
                        (false, true) => format!("The newest {} events", list.len()),
                        (true, _) => format!("{} older events", list.len()),
                    }}</p>
                    <table class="data audit" data-testid="audit">
                        <thead><tr><th scope="col">"Time"</th><th scope="col">"Actor"</th><th scope="col">"Action"</th><th scope="col">"Target"</th><th scope="col">"Change"</th><th scope="col">"Result"</th><th scope="col">"Reference"</th><th scope="col">"Okta request"</th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|r| view! {
                                <tr>
                                    <td class="muted"><When at=Some(r.at.clone()) /></td>
                                    <td>{r.actor}</td>
                                    <td class="mono">{r.action}</td>
                                    <td class="wrap">{r.target}</td>
                                    <td class="wrap">
                                        {match (r.before, r.after) { (Some(b), Some(a)) => format!("{b} → {a}"), (None, Some(a)) => format!("→ {a}"), (Some(b), None) => format!("{b} →"), _ => String::new() }}
                                        {(!r.detail.is_empty()).then(|| view! { <div class="muted small">{r.detail.clone()}</div> })}
                                    </td>
                                    <td><span class=format!("badge result-{}", r.result)>{r.result.clone()}</span></td>
                                    <td class="mono small" title=r.op_id.clone()>{r.op_id.chars().take(8).collect::<String>()}</td>
                                    <td class="mono small" title=r.upstream_id.clone().unwrap_or_default()>
                                        {r.upstream_id.as_deref().unwrap_or_default().chars().take(10).collect::<String>()}
                                    </td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <nav class="pager" aria-label="Audit pages">
                        {paged.then(|| view! { <a href=newest.clone() data-testid="audit-newest">"Newest events"</a> })}
                        {older.map(|href| view! { <a href=href data-testid="audit-older">"Older events →"</a> })}
                    </nav>
                </div>
                }.into_any()
            }
        </Loaded>
    }
}
