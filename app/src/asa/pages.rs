use crate::{
    asa::{
        AsaUserRow, ROLES,
        server::{
            AsaMembership, DeleteAsaGroup, FixDrift, SaveAsaGroup, SetAsaStatus, asa_for_person, asa_group, asa_groups,
            asa_user, asa_users, drift,
        },
    },
    layout::ErrorPanel,
    people::encode,
    ui::{on_result, use_toasts},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_navigate, use_params_map, use_query_map},
};

#[component]
fn AsaStatus(status: String) -> impl IntoView {
    let class = match status.as_str() {
        "ACTIVE" => "badge status-active",
        "DISABLED" => "badge status-suspended",
        _ => "badge status-deprovisioned",
    };
    let label = match status.as_str() {
        "ACTIVE" => "Active",
        "DISABLED" => "Disabled",
        "DELETED" => "Deleted",
        _ => "Unknown",
    };
    view! { <span class=class>{label}</span> }
}

#[component]
fn RoleChips(roles: Vec<String>) -> impl IntoView {
    view! {
        <ul class="chips inline-chips">
            {roles.into_iter().map(|r| {
                let label = ROLES.iter().find(|(k, _)| *k == r).map(|(_, l)| l.to_string()).unwrap_or(r.clone());
                view! { <li class=format!("chip asa-role-{}", r.replace('_', "-"))>{label}</li> }
            }).collect_view()}
        </ul>
    }
}

#[component]
fn AsaNav() -> impl IntoView {
    view! {
        <nav class="tabs" aria-label="Server access">
            <A href="/asa" exact=true>"People"</A>
            <A href="/asa/groups">"Groups"</A>
            <A href="/asa/drift">"Drift with Okta"</A>
        </nav>
    }
}

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
                    <input id="search" type="search" name="q" placeholder="User name starts with…  ( / )" prop:value=move || key.get().0 /></label>
                <label><span class="sr-only">"Status"</span>
                    <select name="status">
                        {[("", "Any status"), ("ACTIVE", "Active"), ("DISABLED", "Disabled"), ("DELETED", "Deleted")].into_iter().map(|(v, l)| view! {
                            <option value=v selected=move || key.get().1 == v>{l}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label class="check"><input type="checkbox" name="service" value="on" prop:checked=move || key.get().2 />" Service users"</label>
                <button type="submit" class="button">"Search"</button>
            </div>
        </form>
        <Transition fallback=|| view! { <div class="card skeleton" aria-busy="true">"Loading…"</div> }>
            {move || Suspend::new(async move {
                match users.await {
                    Err(e) => view! { <ErrorPanel error=e /> }.into_any(),
                    Ok(page) => view! {
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
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

/// What an ASA status change does to `name`, in words.
fn status_effect(name: &str, to: &str) -> String {
    match to {
        "DISABLED" => format!("{name} can no longer reach any server through ASA until enabled again."),
        "DELETED" => format!("{name} is deleted from the ASA team; the user name cannot be reused."),
        _ => format!("{name} can reach servers again, as their groups allow."),
    }
}

/// One ASA user: status, groups, and enable/disable/delete behind a confirmation.
#[component]
pub fn AsaUserPage() -> impl IntoView {
    let params = use_params_map();
    let name = Memo::new(move |_| params.get().get("name").unwrap_or_default());
    let version = RwSignal::new(0u32);
    let user = Resource::new(move || (name.get(), version.get()), |(n, _)| asa_user(n));
    let set = ServerAction::<SetAsaStatus>::new();
    let toasts = use_toasts();
    let confirm = RwSignal::new(None::<(String, String)>);
    let ask = RwSignal::new(None::<crate::approvals::Ask>);
    on_result(set.value(), move |msg| {
        toasts.show(msg, true);
        confirm.set(None);
        version.update(|v| *v += 1);
    });
    view! {
        <AsaNav />
        <crate::approvals::RequestDialog ask on_sent=move |_| version.update(|v| *v += 1) />
        <Transition fallback=|| view! { <div class="card skeleton" aria-busy="true">"Loading…"</div> }>
            {move || Suspend::new(async move {
                match user.await {
                    Err(e) => view! { <ErrorPanel error=e /> }.into_any(),
                    Ok(v) => {
                        let u = v.user.clone();
                        let permit = v.permit.clone();
                        let request = permit.mode == crate::people::Mode::Request;
                        let actions: Vec<(&str, &str)> = match (permit.mode != crate::people::Mode::None, u.status.as_str()) {
                            (false, _) => vec![],
                            (true, "ACTIVE") => vec![("DISABLED", "Disable"), ("DELETED", "Delete")],
                            (true, "DISABLED") => vec![("ACTIVE", "Enable"), ("DELETED", "Delete")],
                            (true, _) => vec![],
                        };
                        let asa_name = u.name.clone();
                        view! {
                            <Title text=u.name.clone() />
                            <section class="card person-head">
                                <div class="who-line"><h1 data-testid="asa-name">{u.name.clone()}</h1><span data-testid="asa-status"><AsaStatus status=u.status.clone() /></span></div>
                                <p class="muted">{u.full_name.clone()} " · " {u.email.clone().unwrap_or_default()}</p>
                                <div class="actions">
                                    {actions.into_iter().map(|(to, label)| {
                                        let danger = to != "ACTIVE";
                                        let label_s = label.to_string();
                                        let (name, permit) = (asa_name.clone(), permit.clone());
                                        let class = match (request, danger) {
                                            (true, _) => "button ghost request",
                                            (false, true) => "button danger",
                                            (false, false) => "button ghost",
                                        };
                                        view! {
                                            <button type="button" class=class data-mode=if request { "request" } else { "run" } on:click=move |_| {
                                                if request {
                                                    ask.set(Some(crate::approvals::Ask {
                                                        target: name.clone(),
                                                        title: format!("Request: {label_s} {name}"),
                                                        effect: status_effect(&name, to),
                                                        approvers: permit.approvers.clone(),
                                                        reason_required: permit.reason_required,
                                                        status: Some(to.to_string()),
                                                        ..crate::approvals::Ask::empty(portico_vocab::PolicyAction::AsaStatus)
                                                    }));
                                                } else {
                                                    confirm.set(Some((to.to_string(), label_s.clone())));
                                                }
                                            }>{if request { format!("Request: {label}") } else { label.to_string() }}</button>
                                        }
                                    }).collect_view()}
                                </div>
                            </section>
                            <section class="card">
                                <h2>"Groups"</h2>
                                <ul class="rows">
                                    {v.groups.into_iter().map(|g| view! { <li><A href=format!("/asa/groups/{}", encode(&g.name))>{g.name.clone()}</A><RoleChips roles=g.roles /></li> }).collect_view()}
                                </ul>
                            </section>
                            {move || confirm.get().map(|(to, label)| {
                                let name = u.name.clone();
                                view! {
                                    <crate::ui::ConfirmDialog
                                        title=format!("{label} {name}?")
                                        message=status_effect(&name, &to)
                                        confirm_label=label.clone()
                                        danger=to != "ACTIVE"
                                        busy=set.pending()
                                        on_confirm=move |_| { set.dispatch(SetAsaStatus { name: name.clone(), status: to.clone() }); }
                                        on_cancel=move |_| confirm.set(None)
                                    />
                                }
                            })}
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

/// ASA groups with their roles; create (admins).
#[component]
pub fn AsaGroupsPage() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let groups = Resource::new(move || version.get(), |_| asa_groups(String::new()));
    let save = ServerAction::<SaveAsaGroup>::new();
    let toasts = use_toasts();
    let navigate = use_navigate();
    let name = RwSignal::new(String::new());
    on_result(save.value(), move |msg| {
        toasts.show(msg, true);
        navigate(&format!("/asa/groups/{}", encode(&name.get_untracked())), Default::default());
    });
    let me = crate::me::use_me().0;
    let is_admin = move || me.get().and_then(|r| r.ok()).is_some_and(|m| m.roles.iter().any(|r| r.key == "admin"));
    view! {
        <Title text="ASA groups" />
        <div class="page-head"><h1>"Server access (ASA)"</h1></div>
        <AsaNav />
        <Transition fallback=|| ()>
            <Show when=is_admin>
                <details class="card new-group">
                    <summary>"New ASA group"</summary>
                    <form class="filter-row" on:submit=move |ev| { ev.prevent_default(); save.dispatch(SaveAsaGroup { name: name.get_untracked(), roles: vec!["access_user".into()], create: true }); }>
                        <label class="grow">"Name"<input required type="text" on:input=move |ev| name.set(event_target_value(&ev)) /></label>
                        <button type="submit" class="button">"Create"</button>
                    </form>
                </details>
            </Show>
        </Transition>
        <Transition fallback=|| view! { <div class="card skeleton" aria-busy="true">"Loading…"</div> }>
            {move || Suspend::new(async move {
                match groups.await {
                    Err(e) => view! { <ErrorPanel error=e /> }.into_any(),
                    Ok(list) => view! {
                        <div class="card table-card">
                            <table class="data">
                                <thead><tr><th scope="col">"Group"</th><th scope="col">"Roles"</th><th scope="col">"Managed"</th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|g| view! {
                                        <tr>
                                            <td><A href=format!("/asa/groups/{}", encode(&g.name))>{g.name.clone()}</A></td>
                                            <td><RoleChips roles=g.roles /></td>
                                            <td class="muted">{if g.read_only.is_some() { "From Okta" } else { "In ASA" }}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

/// An ASA group: roles (edit), members (add/remove), delete.
#[component]
pub fn AsaGroupPage() -> impl IntoView {
    let params = use_params_map();
    let name = Memo::new(move |_| params.get().get("name").unwrap_or_default());
    let version = RwSignal::new(0u32);
    let group = Resource::new(move || (name.get(), version.get()), |(n, _)| asa_group(n));
    let save = ServerAction::<SaveAsaGroup>::new();
    let member = ServerAction::<AsaMembership>::new();
    let delete = ServerAction::<DeleteAsaGroup>::new();
    let toasts = use_toasts();
    let navigate = use_navigate();
    for value in [save.value(), member.value()] {
        on_result(value, move |msg| {
            toasts.show(msg, true);
            version.update(|v| *v += 1);
        });
    }
    on_result(delete.value(), move |msg| {
        toasts.show(msg, true);
        navigate("/asa/groups", Default::default());
    });
    let new_member = RwSignal::new(String::new());
    let confirm_delete = RwSignal::new(false);
    let ask = RwSignal::new(None::<crate::approvals::Ask>);
    view! {
        <AsaNav />
        <crate::approvals::RequestDialog ask on_sent=move |_| version.update(|v| *v += 1) />
        <Transition fallback=|| view! { <div class="card skeleton" aria-busy="true">"Loading…"</div> }>
            {move || Suspend::new(async move {
                match group.await {
                    Err(e) => view! { <ErrorPanel error=e /> }.into_any(),
                    Ok(v) => {
                        let g = v.group.clone();
                        let roles = RwSignal::new(g.roles.clone());
                        let editable = v.can_manage;
                        let permit = v.permit.clone();
                        let request = permit.mode == crate::people::Mode::Request;
                        let members_editable = permit.mode != crate::people::Mode::None && g.read_only.is_none();
                        let gname = g.name.clone();
                        // A membership change: at once, or as a request.
                        let change = {
                            let (gname, permit) = (gname.clone(), permit.clone());
                            Callback::new(move |(user, add): (String, bool)| {
                                if request {
                                    ask.set(Some(crate::approvals::Ask {
                                        target: user.trim().to_string(),
                                        title: if add { format!("Request: add {} to {gname}", user.trim()) } else { format!("Request: remove {user} from {gname}") },
                                        effect: if add { format!("{} gains the server access {gname} grants.", user.trim()) } else { format!("{user} loses the server access {gname} grants.") },
                                        approvers: permit.approvers.clone(),
                                        reason_required: permit.reason_required,
                                        group: Some(gname.clone()),
                                        add: Some(add),
                                        ..crate::approvals::Ask::empty(portico_vocab::PolicyAction::AsaGroup)
                                    }));
                                } else {
                                    member.dispatch(AsaMembership { group: gname.clone(), user, add });
                                }
                            })
                        };
                        let (save_name, del_name) = (gname.clone(), gname.clone());
                        view! {
                            <Title text=gname.clone() />
                            <section class="card person-head">
                                <div class="who-line"><h1 data-testid="asa-group-name">{gname.clone()}</h1><RoleChips roles=g.roles.clone() /></div>
                                {g.read_only.clone().map(|r| view! { <p class="notice" data-testid="read-only">{r}</p> })}
                                <Show when=move || editable>
                                    <form class="filter-row" data-testid="roles-form" on:submit={
                                        let save_name = save_name.clone();
                                        move |ev| { ev.prevent_default(); save.dispatch(SaveAsaGroup { name: save_name.clone(), roles: roles.get_untracked(), create: false }); }
                                    }>
                                        {ROLES.iter().map(|(key, label)| {
                                            let key = key.to_string();
                                            let k2 = key.clone();
                                            view! {
                                                <label class="check"><input type="checkbox" prop:checked=move || roles.get().contains(&key)
                                                    on:change=move |ev| { let on = event_target_checked(&ev); roles.update(|r| { r.retain(|x| *x != k2); if on { r.push(k2.clone()); } }); } />" " {*label}</label>
                                            }
                                        }).collect_view()}
                                        <button type="submit" class="button">"Save roles"</button>
                                        <button type="button" class="button danger" on:click=move |_| confirm_delete.set(true)>"Delete group"</button>
                                    </form>
                                </Show>
                            </section>
                            <Show when=move || confirm_delete.get()>
                                <crate::ui::ConfirmDialog
                                    title=format!("Delete {del_name}?")
                                    message="The group leaves the ASA team and every project it was assigned to; its members lose the access it gave.".to_string()
                                    confirm_label="Delete".to_string()
                                    danger=true
                                    busy=delete.pending()
                                    on_confirm={
                                        let del_name = del_name.clone();
                                        move |_| { delete.dispatch(DeleteAsaGroup { name: del_name.clone() }); }
                                    }
                                    on_cancel=move |_| confirm_delete.set(false)
                                />
                            </Show>
                            <section class="card table-card">
                                <h2>"Members"</h2>
                                <Show when=move || members_editable>
                                    <form class="filter-row pad" on:submit=move |ev| { ev.prevent_default(); change.run((new_member.get_untracked(), true)); }>
                                        <label class="grow"><span class="sr-only">"ASA user name"</span><input type="text" placeholder="ASA user name, e.g. Sam.Sales" on:input=move |ev| new_member.set(event_target_value(&ev)) /></label>
                                        <button type="submit" class="button">{if request { "Request: add member" } else { "Add member" }}</button>
                                    </form>
                                </Show>
                                <table class="data" data-testid="asa-members">
                                    <thead><tr><th scope="col">"User name"</th><th scope="col">"Status"</th><th></th></tr></thead>
                                    <tbody>
                                        {v.members.into_iter().map(|u: AsaUserRow| {
                                            let un = u.name.clone();
                                            let remove_label = format!("Remove {}", u.name);
                                            view! {
                                                <tr>
                                                    <td><A href=format!("/asa/users/{}", encode(&u.name))>{u.name.clone()}</A></td>
                                                    <td><AsaStatus status=u.status.clone() /></td>
                                                    <td class="right">{members_editable.then(|| view! {
                                                        <button type="button" class="button ghost small" aria-label=remove_label.clone() on:click=move |_| change.run((un.clone(), false))>{if request { "Request removal" } else { "Remove" }}</button>
                                                    })}</td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </section>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

/// People whose Okta and ASA states disagree, each with a one-click fix.
#[component]
pub fn DriftPage() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let rows = Resource::new(move || version.get(), |_| drift());
    let fix = ServerAction::<FixDrift>::new();
    let toasts = use_toasts();
    on_result(fix.value(), move |msg| {
        toasts.show(msg, true);
        version.update(|v| *v += 1);
    });
    let me = crate::me::use_me().0;
    let is_admin = move || me.get().and_then(|r| r.ok()).is_some_and(|m| m.roles.iter().any(|r| r.key == "admin"));
    view! {
        <Title text="Drift" />
        <div class="page-head"><h1>"Server access (ASA)"</h1></div>
        <AsaNav />
        <Transition fallback=|| view! { <div class="card skeleton" aria-busy="true">"Comparing Okta and ASA…"</div> }>
            {move || Suspend::new(async move {
                match rows.await {
                    Err(e) => view! { <ErrorPanel error=e /> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <div class="card"><p>"Okta and ASA agree on everyone."</p></div> }.into_any(),
                    Ok(list) => view! {
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
                                                <td>{match r.okta_id.clone() { Some(id) => view! { <A href=format!("/people/{id}")>{r.name.clone()}</A> }.into_any(), None => view! { <span>{r.name.clone()}</span> }.into_any() }}</td>
                                                <td>{r.okta_status.clone().map(|s| view! { <crate::ui::StatusBadge status=s /> }.into_any()).unwrap_or_else(|| view! { <span class="muted">"none"</span> }.into_any())}</td>
                                                <td><A href=format!("/asa/users/{}", encode(&r.asa_name))>{r.asa_name.clone()}</A>" " <AsaStatus status=r.asa_status.clone() /></td>
                                                <td class="wrap">{r.problem.clone()}</td>
                                                <td class="right"><Show when=is_admin>
                                                    {
                                                        let asa_name = asa_name.clone();
                                                        view! { <button type="button" class="button small" aria-label=format!("{label}: {asa_name}") on:click={
                                                            let asa_name = asa_name.clone();
                                                            move |_| { fix.dispatch(FixDrift { asa_name: asa_name.clone() }); }
                                                        }>{label}</button> }
                                                    }
                                                </Show></td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

/// On an Okta person's page: their ASA account (matched by email) and its status.
#[component]
pub fn PersonAsaCard(email: String) -> impl IntoView {
    let account = Resource::new(|| (), move |_| asa_for_person(email.clone()));
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match account.await {
                    Ok(Some(u)) => view! {
                        <p class="small" data-testid="person-asa">"Server access (ASA): "
                            <A href=format!("/asa/users/{}", encode(&u.name))>{u.name.clone()}</A>" " <AsaStatus status=u.status /></p>
                    }.into_any(),
                    Ok(None) => view! { <p class="small muted" data-testid="person-asa">"No server access (ASA) account."</p> }.into_any(),
                    Err(_) => ().into_any(),
                }
            })}
        </Transition>
    }
}
