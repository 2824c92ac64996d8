use crate::{
    approvals::{Ask, RequestDialog},
    command::{Command, finished, live, send},
    error::PortalError,
    groups::GroupRow,
    layout::{Loaded, Placeholder},
    people::{
        ActionView, Mode, Permit, Person, ProfileField,
        server::{get_person, person_groups},
    },
    ui::{ActionButton, Confirm, KindBadge, Press, StatusBadge, When},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};
use portico_vocab::{LifecycleOp, PolicyAction};

/// A person: header with status and dates, the lifecycle actions their status allows, and tabs
/// for the profile (view and edit), group membership, applications, and sessions and consents.
/// Rendered on the server; the buttons and the profile editor are islands.
#[component]
pub fn PersonPage() -> impl IntoView {
    let params = use_params_map();
    let person = Resource::new(move || params.get().get("id").unwrap_or_default(), get_person);
    view! {
        <Loaded resource=person let:p>
            {view! { <PersonView person=p /> }.into_any()}
        </Loaded>
    }
}

#[component]
fn PersonView(person: Person) -> impl IntoView {
    let query = use_query_map();
    let tab = query.get_untracked().get("tab").unwrap_or_else(|| "profile".into());
    let id = person.id.clone();
    let manager = person.manager.clone();
    let pending = person.pending.clone();
    let current = |name: &str| (tab == name).then_some("page");
    view! {
        <Title text=person.name.clone() />
        <section class="card person-head">
            <div class="who-line">
                <h1 data-testid="person-name">{person.name.clone()}</h1>
                <span data-testid="person-status"><StatusBadge status=person.status.clone() /></span>
                {person.transitioning_to.clone().map(|t| view! { <span class="muted small">" → " {t.label().to_string()}</span> })}
            </div>
            <p class="mono muted">{person.login.clone()}</p>
            <dl class="meta">
                <div><dt>"Last sign-in"</dt><dd><When at=person.last_login.clone() /></dd></div>
                <div><dt>"Created"</dt><dd><When at=person.created.clone() /></dd></div>
                <div><dt>"Updated"</dt><dd><When at=person.last_updated.clone() /></dd></div>
                <div><dt>"Password changed"</dt><dd><When at=person.password_changed.clone() /></dd></div>
                {manager.map(|(mid, name)| view! { <div><dt>"Manager"</dt><dd><A href=format!("/people/{mid}")>{name}</A></dd></div> })}
            </dl>
            {person.fields.iter().find(|f| f.key == "email").filter(|_| person.show_asa).map(|f| view! { <crate::asa::PersonAsaCard email=f.value.clone() /> })}
            <Actions id=id.clone() login=person.login.clone() actions=person.actions.clone() />
            {person.protected.clone().map(|why| view! { <p class="muted small" data-testid="person-protected">{why}</p> })}
            {(!pending.is_empty()).then(|| view! {
                <div class="pending-requests" data-testid="pending-requests">
                    <strong>"Open requests: "</strong>
                    {pending.clone().into_iter().map(|p| view! {
                        <span class="chip"><A href=format!("/requests/{}", p.id)>{p.summary}</A> <span class="muted small">" (" {p.requester} ")"</span></span>
                    }).collect_view()}
                </div>
            })}
        </section>
        <nav class="tabs" aria-label="Person sections">
            <a href="?tab=profile" aria-current=current("profile")>"Profile"</a>
            <a href="?tab=groups" aria-current=current("groups")>"Groups"</a>
            <a href="?tab=apps" aria-current=current("apps")>"Applications"</a>
            <a href="?tab=access" aria-current=current("access")>"Sessions & consents"</a>
            <a href="?tab=upcoming" aria-current=current("upcoming")>"Upcoming"</a>
        </nav>
        {match tab.as_str() {
            "groups" => view! { <PersonGroups id=id.clone() can_manage=person.can_manage_groups permit=person.membership_permit.clone() /> }.into_any(),
            "apps" => view! { <super::access::Apps id=id.clone() /> }.into_any(),
            "access" => view! { <super::access::Access id=id.clone() /> }.into_any(),
            "upcoming" => view! {
                <section class="card" aria-labelledby="upcoming-h">
                    <div class="section-head">
                        <h2 id="upcoming-h">"Upcoming changes"</h2>
                        {(!person.actions.is_empty() || person.can_manage_groups).then(|| view! {
                            <div class="actions">
                                <A href=format!("/people/{id}/schedule") attr:class="button ghost" attr:data-testid="schedule-link">"Schedule a change…"</A>
                                <A href=format!("/people/{id}/offboard") attr:class="button ghost" attr:data-testid="offboard-link">"Offboard…"</A>
                            </div>
                        })}
                    </div>
                    <crate::schedule::Upcoming person=id.clone() />
                </section>
            }.into_any(),
            _ => view! { <Profile id=id.clone() fields=person.fields.clone() can_edit=person.can_edit permit=person.profile_permit.clone() /> }.into_any(),
        }}
    }
}

/// The lifecycle buttons: each asks for confirmation saying what will happen to this person, or
/// opens a request when the policy wants approval. Deleting asks for the login typed back.
#[component]
fn Actions(id: String, login: String, actions: Vec<ActionView>) -> impl IntoView {
    if actions.is_empty() {
        return view! { <p class="muted small">"No actions available to you for this person."</p> }.into_any();
    }
    view! {
        <div class="actions" role="group" aria-label="Actions">
            {actions.into_iter().map(|a| {
                let request = a.mode == Mode::Request;
                let (label, class) = match (request, a.danger) {
                    (true, _) => (format!("Request: {}", a.label), "button ghost request"),
                    (false, true) => (a.label.clone(), "button danger"),
                    (false, false) => (a.label.clone(), "button ghost"),
                };
                let press = if request {
                    Press::Ask(Ask {
                        target: id.clone(),
                        title: format!("Request: {}", a.label),
                        effect: a.confirm.clone(),
                        approvers: a.approvers.clone(),
                        reason_required: a.reason_required,
                        break_glass: a.break_glass,
                        ..Ask::empty(a.op.into())
                    })
                } else {
                    Press::Confirm(
                        Command::Lifecycle { id: id.clone(), op: a.op, confirm_login: None },
                        Confirm {
                            title: format!("{}?", a.label),
                            message: a.confirm.clone(),
                            confirm_label: a.label.clone(),
                            danger: a.danger,
                            type_back: (a.op == LifecycleOp::Delete).then(|| login.clone()),
                        },
                    )
                };
                view! { <ActionButton label class=class.into() aria_label=None op=Some(a.op.as_str().into()) press /> }
            }).collect_view()}
        </div>
    }
    .into_any()
}

/// The profile: read view, or an edit form whose errors (Okta's, per field) sit by the field.
#[island]
fn Profile(id: String, fields: Vec<ProfileField>, can_edit: bool, permit: Permit) -> impl IntoView {
    let live = live();
    let editing = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let ask = RwSignal::new(None::<Ask>);
    let error = RwSignal::new(None::<PortalError>);
    let request = permit.mode == Mode::Request;
    let permit = StoredValue::new(permit);
    let edit_fields = fields.clone();
    // Edited values, keyed by profile property.
    let draft = RwSignal::new(Vec::<(String, String)>::new());
    view! {
        <RequestDialog ask />
        <section class="card">
            <div class="section-head">
                <h2>"Profile"</h2>
                <Show when=move || can_edit && !editing.get()>
                    <button type="button" class="button ghost" disabled=move || !live.get()
                        on:click=move |_| { draft.set(Vec::new()); editing.set(true); }>"Edit profile"</button>
                </Show>
            </div>
            <Show when=move || editing.get() fallback={
                let fields = fields.clone();
                move || view! {
                    <dl class="facts">
                        {fields.iter().map(|f| view! { <dt>{f.label.clone()}</dt><dd>{if f.value.is_empty() { "—".to_string() } else { f.value.clone() }}</dd> }).collect_view()}
                    </dl>
                }
            }>
                {
                    let id = id.clone();
                    let edit_fields = edit_fields.clone();
                    view! {
                        <form class="profile-form" on:submit=move |ev| {
                            ev.prevent_default();
                            let values = draft.get_untracked();
                            let changes: Vec<(String, String)> = edit_fields
                                .iter()
                                .filter(|f| f.editable)
                                .filter_map(|f| values.iter().find(|(k, _)| *k == f.key).filter(|(_, v)| *v != f.value).cloned())
                                .collect();
                            if request {
                                if changes.is_empty() {
                                    return;
                                }
                                let effect = changes.iter().map(|(k, v)| format!("{k} → {}", if v.trim().is_empty() { "(cleared)" } else { v.as_str() })).collect::<Vec<_>>().join("; ");
                                ask.set(Some(Ask {
                                    target: id.clone(),
                                    title: "Request: profile changes".into(),
                                    effect,
                                    approvers: permit.with_value(|p| p.approvers.clone()),
                                    reason_required: permit.with_value(|p| p.reason_required),
                                    changes: Some(changes),
                                    ..Ask::empty(PolicyAction::Profile)
                                }));
                            } else {
                                error.set(None);
                                send(Command::UpdateProfile { id: id.clone(), changes }, busy, move |e| error.set(Some(e)), finished);
                            }
                        }>
                            {edit_fields.iter().map(|f| {
                                let key = f.key.clone();
                                let err_key = key.clone();
                                view! {
                                    <label class="stack">{f.label.clone()}
                                        <input name=key.clone() value=f.value.clone() disabled=!f.editable
                                            on:input={
                                                let k = key.clone();
                                                move |ev| {
                                                    let v = event_target_value(&ev);
                                                    draft.update(|d| match d.iter_mut().find(|(dk, _)| *dk == k) {
                                                        Some(e) => e.1 = v,
                                                        None => d.push((k.clone(), v)),
                                                    });
                                                }
                                            }
                                            aria-invalid=move || error.get().and_then(|e| e.field(&err_key)).is_some().then_some("true") />
                                        {
                                            let k = key.clone();
                                            move || error.get().and_then(|e| e.field(&k)).map(|m| view! { <span class="field-error">{m}</span> })
                                        }
                                    </label>
                                }
                            }).collect_view()}
                            <div class="modal-buttons">
                                <button type="button" class="button ghost" on:click=move |_| { editing.set(false); error.set(None); }>"Cancel"</button>
                                <button type="submit" class="button" disabled=move || busy.get()>{if request { "Request changes…" } else { "Save" }}</button>
                            </div>
                        </form>
                    }
                }
            </Show>
        </section>
    }
}

/// The person's groups, with remove buttons and a picker to add more (OKTA_GROUPs only); each
/// change runs at once or becomes a request naming the group.
#[component]
fn PersonGroups(id: String, can_manage: bool, permit: Permit) -> impl IntoView {
    let uid = id.clone();
    let groups = Resource::new(|| (), move |_| person_groups(uid.clone()));
    let remove_label = if permit.mode == Mode::Request { "Request removal" } else { "Remove" };
    let adder = can_manage.then(|| view! { <AddToGroup id=id.clone() permit=permit.clone() /> });
    view! {
        <section class="card">
            <h2>"Groups"</h2>
            <Loaded resource=groups placeholder=Placeholder::Line loading="Loading groups…" let:list>
                {view! {
                    <ul class="rows" data-testid="person-groups">
                        {list.into_iter().map(|g: GroupRow| {
                            let removable = can_manage && g.read_only.is_none();
                            let press = membership(&id, &g.id, &g.name, false, &permit);
                            let aria_label = Some(format!("{remove_label}: {}", g.name));
                            view! {
                                <li>
                                    <A href=format!("/groups/{}", g.id)>{g.name.clone()}</A>
                                    <KindBadge kind=g.kind.clone() />
                                    {removable.then(|| view! {
                                        <ActionButton label=remove_label.into() class="button ghost small".into()
                                            aria_label op=None press />
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()}
            </Loaded>
            {adder}
        </section>
    }
}

/// Adding or removing `id` from a group: at once, or as a request naming the group.
fn membership(id: &str, group_id: &str, group_name: &str, add: bool, permit: &Permit) -> Press {
    permit.press(Press::Now(Command::Membership { group_id: group_id.into(), user_ids: vec![id.into()], add }), || {
        let (title, effect) = if add {
            (format!("Request: add to {group_name}"), format!("Gains what {group_name} grants."))
        } else {
            (format!("Request: remove from {group_name}"), format!("Loses what {group_name} grants."))
        };
        Ask {
            target: id.into(),
            title,
            effect,
            group: Some(group_id.into()),
            add: Some(add),
            ..Ask::empty(PolicyAction::Membership)
        }
    })
}

/// The group picker on a person's Groups tab.
#[island]
fn AddToGroup(id: String, permit: Permit) -> impl IntoView {
    let busy = RwSignal::new(false);
    let ask = RwSignal::new(None::<Ask>);
    let pick = Callback::new(move |(group_id, name): (String, String)| {
        match membership(&id, &group_id, &name, true, &permit) {
            Press::Ask(a) => ask.set(Some(a)),
            Press::Now(command) | Press::Confirm(command, _) => send(command, busy, |_| {}, finished),
        }
    });
    view! {
        <RequestDialog ask />
        <crate::groups::GroupPicker on_pick=pick />
    }
}
