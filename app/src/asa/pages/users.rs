//! The ASA team's users, searchable, with their status and roles.

use super::{AsaNav, AsaStatus};
use crate::{asa::server::asa_users, layout::Loaded, people::encode};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

/// ASA people: name search, status filter, service users on demand.
#[component]
pub fn AsaUsersPage() -> impl IntoView {
    let params = use_query_map();
    let key = Memo::new(move |_| {
        let p = params.get();
        (
            p.get("q").unwrap_or_default(),
            p.get("status").unwrap_or_default(),
            p.get("service").is_some_and(|s| s == "on"),
            p.get("offset").unwrap_or_default(),
        )
    });
    let users = Resource::new(move || key.get(), |(q, s, svc, o)| asa_users(q, s, svc, o));
    view! {
        <Title text="Server access" />
        <div class="page-head"><h1>"Server access (ASA)"</h1></div>
        <AsaNav />
        <form class="card filters" method="get" action="/asa" role="search">
            <div class="filter-row">
                <label class="grow"><span class="sr-only">"Search ASA users"</span>
                    <input id="search" type="search" name="q" placeholder="User name starts with…  ( / )" value=move || key.get().0 /></label>
                <label><span class="sr-only">"Status"</span>
                    <select name="status">
                        {[("", "Any status"), ("ACTIVE", "Active"), ("DISABLED", "Disabled"), ("DELETED", "Deleted")].into_iter().map(|(v, l)| view! {
                            <option value=v selected=move || key.get().1 == v>{l}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label class="check"><input type="checkbox" name="service" value="on" checked=move || key.get().2 />" Service users"</label>
                <button type="submit" class="button">"Search"</button>
            </div>
        </form>
        <Loaded resource=users let:page>
            {view! {
                        <div class="card table-card">
                            <table class="data" data-testid="asa-users">
                                <thead><tr><th scope="col">"User name"</th><th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Status"</th></tr></thead>
                                <tbody>
                                    {page.rows.into_iter().map(|u| view! {
                                        <tr>
                                            <td><A href=format!("/asa/users/{}", encode(&u.name))>{u.name.clone()}</A>{u.service.then(|| view! { <span class="muted small">" service"</span> })}</td>
                                            <td>{u.full_name}</td>
                                            <td class="mono">{u.email.unwrap_or_default()}</td>
                                            <td><AsaStatus status=u.status /></td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            {page.next.map(|n| view! { <nav class="pager"><A href=move || { let (q, s, svc, _) = key.get(); format!("/asa?q={}&status={}&service={}&offset={}", encode(&q), encode(&s), if svc { "on" } else { "" }, encode(&n)) } attr:class="button ghost">"Next page →"</A></nav> })}
                        </div>
                    }.into_any()}
        </Loaded>
    }
}
