//! Everyone whose Okta and ASA states disagree, with one-click fixes.

use super::{AsaNav, AsaStatus};
use crate::{
    asa::server::drift,
    command::Command,
    layout::Loaded,
    people::encode,
    ui::{ActionButton, Press},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// People whose Okta and ASA states disagree, each with a one-click fix.
#[component]
pub fn DriftPage() -> impl IntoView {
    let rows = Resource::new(|| (), |_| drift());
    let me = crate::me::use_me().0;
    let is_admin = move || me.get().and_then(|r| r.ok()).is_some_and(|m| m.roles.iter().any(|r| r.key == "admin"));
    view! {
        <Title text="Drift" />
        <div class="page-head"><h1>"Server access (ASA)"</h1></div>
        <AsaNav />
        <Loaded resource=rows loading="Comparing Okta and ASA…" let:answer>
            {match answer {
                    list if list.is_empty() => view! { <div class="card"><p>"Okta and ASA agree on everyone."</p></div> }.into_any(),
                    list => view! {
                        <div class="card table-card">
                            <p class="muted small count">{format!("{} out of step", list.len())}</p>
                            <table class="data" data-testid="drift">
                                <thead><tr><th scope="col">"Person"</th><th scope="col">"Okta"</th><th scope="col">"ASA"</th><th scope="col">"Problem"</th><th></th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|r| {
                                        let asa_name = r.asa_name.clone();
                                        let label = if r.fix_to == "ACTIVE" { "Enable in ASA" } else { "Disable in ASA" };
                                        view! {
                                            <tr>
                                                <td><crate::ui::MaybeLink href=r.okta_id.clone().map(|id| format!("/people/{id}")) text=r.name.clone() /></td>
                                                <td>{r.okta_status.clone().map(|s| view! { <crate::ui::StatusBadge status=s /> }.into_any()).unwrap_or_else(|| view! { <span class="muted">"none"</span> }.into_any())}</td>
                                                <td><A href=format!("/asa/users/{}", encode(&r.asa_name))>{r.asa_name.clone()}</A>" " <AsaStatus status=r.asa_status.clone() /></td>
                                                <td class="wrap">{r.problem.clone()}</td>
                                                <td class="right"><Show when=is_admin>
                                                    {
                                                        let asa_name = asa_name.clone();
                                                        view! { <ActionButton label=label.into() class="button small".into()
                                                            aria_label=Some(format!("{label}: {asa_name}")) op=None
                                                            press=Press::Now(Command::FixDrift { asa_name: asa_name.clone() }) /> }
                                                    }
                                                </Show></td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                }}
        </Loaded>
    }
}
