use crate::{
    approvals::{Ask, RequestDialog, server::RequestAction},
    error::PortalError,
    groups::GroupRow,
    layout::{Loaded, Placeholder},
    people::{
        ActionView, Mode, Permit, Person,
        server::{ChangeMembership, RunLifecycle, UpdateProfile, get_person, person_groups},
    },
    ui::{KindBadge, Modal, StatusBadge, When, error_text, successes, use_toasts},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_navigate, use_params_map, use_query_map},
};

/// A person: header with status and dates, the lifecycle actions their status allows, and tabs
/// for the profile (view and edit) and group membership.
#[component]
pub fn PersonPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.get().get("id").unwrap_or_default());
    let changes = Changes::for_page();
    // Read again whenever one of the page's changes completes, without a reload.
    let person = Resource::new(move || (id.get(), changes.version()), |(id, _)| get_person(id));
    // Lives outside the re-rendered view so the refresh after the action does not hide it.
    let temp = RwSignal::new(None::<String>);
    view! {
        <Loaded resource=person let:p>
            {view! { <PersonView person=p changes temp /> }.into_any()}
        </Loaded>
        {move || temp.get().map(|t| view! {
            <Modal labelled_by="temp-title" on_close=move || temp.set(None)>
                <h2 id="temp-title">"Temporary password"</h2>
                <p>"Give this to the person; they must change it at sign-in. It is shown only now."</p>
                <p class="temp-password" data-testid="temp-password"><code>{t}</code></p>
                <div class="modal-buttons"><button type="button" class="button" on:click=move |_| temp.set(None)>"Done"</button></div>
            </Modal>
        })}
    }
}

/// What the person page can change: made once by the page, so the person is read again
/// whenever one succeeds. A failure keeps the open dialog or edit form as the person left it.
#[derive(Clone, Copy)]
struct Changes {
    run: ServerAction<RunLifecycle>,
    save: ServerAction<UpdateProfile>,
    send: ServerAction<RequestAction>,
    succeeded: [ReadSignal<usize>; 3],
}

impl Changes {
    fn for_page() -> Changes {
        let (run, save, send) = (ServerAction::new(), ServerAction::new(), ServerAction::new());
        let succeeded = [successes(run.value()), successes(save.value()), successes(send.value())];
        Changes { run, save, send, succeeded }
    }

    fn version(&self) -> usize {
        self.succeeded.iter().map(|s| s.get()).sum()
    }
}

#[component]
fn PersonView(person: Person, changes: Changes, temp: RwSignal<Option<String>>) -> impl IntoView {
    let query = use_query_map();
    let tab = Memo::new(move |_| query.get().get("tab").unwrap_or_else(|| "profile".into()));
    let id = person.id.clone();
    let title = person.name.clone();
    let manager = person.manager.clone();
    let actions = person.actions.clone();
    // The one request dialog of the page: actions, profile edits and group changes open it.
    let ask = RwSignal::new(None::<Ask>);
    let pending = person.pending.clone();
    view! {
        <Title text=title />
        <RequestDialog ask send=changes.send />
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
            <Actions id=id.clone() login=person.login.clone() actions run=changes.run temp ask />
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
            <a href="?tab=profile" aria-current=move || (tab.get() == "profile").then_some("page")>"Profile"</a>
            <a href="?tab=groups" aria-current=move || (tab.get() == "groups").then_some("page")>"Groups"</a>
            <a href="?tab=apps" aria-current=move || (tab.get() == "apps").then_some("page")>"Applications"</a>
            <a href="?tab=access" aria-current=move || (tab.get() == "access").then_some("page")>"Sessions & consents"</a>
        </nav>
        {move || match tab.get().as_str() {
            "groups" => view! { <PersonGroups id=id.clone() can_manage=person.can_manage_groups permit=person.membership_permit.clone() ask /> }.into_any(),
            "apps" => view! { <super::access::Apps id=id.clone() /> }.into_any(),
            "access" => view! { <super::access::Access id=id.clone() /> }.into_any(),
            _ => view! { <Profile person=person.clone() save=changes.save ask /> }.into_any(),
        }}
    }
}

/// The lifecycle buttons; each asks for confirmation saying what will happen to this person.
#[component]
fn Actions(
    id: String,
    login: String,
    actions: Vec<ActionView>,
    run: ServerAction<RunLifecycle>,
    temp: RwSignal<Option<String>>,
    ask: RwSignal<Option<Ask>>,
) -> impl IntoView {
    let target = id.clone();
    let chosen = RwSignal::new(None::<ActionView>);
    let typed = RwSignal::new(String::new());
    let toasts = use_toasts();
    let navigate = use_navigate();
    crate::ui::on_result(run.value(), move |outcome| {
        toasts.show(outcome.message.clone(), true);
        chosen.set(None);
        if outcome.person.is_none() {
            navigate("/people", Default::default());
            return;
        }
        temp.set(outcome.temp_password);
    });
    let has_actions = !actions.is_empty();
    let login_for_check = login.clone();
    view! {
        <Show when=move || has_actions fallback=|| view! { <p class="muted small">"No actions available to you for this person."</p> }>
            <div class="actions" role="group" aria-label="Actions">
                {actions.iter().cloned().map(|a| {
                    let request = a.mode == Mode::Request;
                    let label = if request { format!("Request: {}", a.label) } else { a.label.clone() };
                    let class = match (request, a.danger) {
                        (true, _) => "button ghost request",
                        (false, true) => "button danger",
                        (false, false) => "button ghost",
                    };
                    let target = target.clone();
                    view! {
                        <button type="button" class=class data-op=a.op.as_str() data-mode=if request { "request" } else { "run" }
                            on:click=move |_| {
                                if request {
                                    ask.set(Some(Ask {
                                        target: target.clone(),
                                        title: format!("Request: {}", a.label),
                                        effect: a.confirm.clone(),
                                        approvers: a.approvers.clone(),
                                        reason_required: a.reason_required,
                                        ..Ask::empty(a.op.into())
                                    }));
                                } else {
                                    typed.set(String::new());
                                    chosen.set(Some(a.clone()));
                                }
                            }>{label}</button>
                    }
                }).collect_view()}
            </div>
        </Show>
        {move || chosen.get().map(|a| {
            let needs_login = a.op == portico_vocab::LifecycleOp::Delete;
            let login_check = login_for_check.clone();
            let id = id.clone();
            let op = a.op;
            let confirm_label = a.label.clone();
            let danger = a.danger;
            view! {
                <Modal labelled_by="confirm-title" on_close=move || chosen.set(None)>
                        <h2 id="confirm-title">{a.label.clone()} "?"</h2>
                        <p>{a.confirm.clone()}</p>
                        {needs_login.then(|| view! {
                            <label class="stack">"Type " <code>{login_check.clone()}</code> " to confirm"
                                <input type="text" autocomplete="off" on:input=move |ev| typed.set(event_target_value(&ev)) />
                            </label>
                        })}
                        <div class="modal-buttons">
                            <button type="button" class="button ghost" on:click=move |_| chosen.set(None)>"Cancel"</button>
                            <button type="button" class=if danger { "button danger" } else { "button" } data-testid="confirm"
                                disabled=move || run.pending().get() || (needs_login && !typed.get().trim().eq_ignore_ascii_case(&login_check))
                                on:click=move |_| {
                                    run.dispatch(RunLifecycle { id: id.clone(), op, confirm_login: needs_login.then(|| typed.get_untracked()) });
                                }>
                                {move || if run.pending().get() { "Working…".to_string() } else { confirm_label.clone() }}
                            </button>
                        </div>
                </Modal>
            }
        })}
    }
}

/// The profile: read view, or an edit form whose errors (Okta's, per field) sit by the field.
#[component]
fn Profile(person: Person, save: ServerAction<UpdateProfile>, ask: RwSignal<Option<Ask>>) -> impl IntoView {
    let editing = RwSignal::new(false);
    let toasts = use_toasts();
    let error = RwSignal::new(None::<PortalError>);
    crate::ui::on_outcome(
        save.value(),
        move |_| {
            toasts.show("Profile saved.", true);
            error.set(None);
            editing.set(false);
        },
        move |e| {
            toasts.show(error_text(&e), false);
            error.set(Some(e));
        },
    );
    let fields = person.fields.clone();
    let can_edit = person.can_edit;
    let permit = StoredValue::new(person.profile_permit.clone());
    let request = person.profile_permit.mode == Mode::Request;
    let id = person.id.clone();
    let edit_fields = fields.clone();
    // Edited values, keyed by profile property.
    let draft = RwSignal::new(Vec::<(String, String)>::new());
    view! {
        <section class="card">
            <div class="section-head">
                <h2>"Profile"</h2>
                <Show when=move || can_edit && !editing.get()>
                    <button type="button" class="button ghost" on:click=move |_| { draft.set(Vec::new()); editing.set(true); }>"Edit profile"</button>
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
                                    ..Ask::empty(portico_vocab::PolicyAction::Profile)
                                }));
                                editing.set(false);
                            } else {
                                save.dispatch(UpdateProfile { id: id.clone(), changes });
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
                                <button type="submit" class="button" disabled=move || save.pending().get()>{if request { "Request changes…" } else { "Save" }}</button>
                            </div>
                        </form>
                    }
                }
            </Show>
        </section>
    }
}

/// The person's groups, with remove buttons and a picker to add more (OKTA_GROUPs only).
#[component]
fn PersonGroups(id: String, can_manage: bool, permit: Permit, ask: RwSignal<Option<Ask>>) -> impl IntoView {
    let request = permit.mode == Mode::Request;
    let change = ServerAction::<ChangeMembership>::new();
    let uid = id.clone();
    let groups = Resource::new(move || change.version().get(), move |_| person_groups(uid.clone()));
    // A membership change: at once, or as a request naming the group.
    let change_to = {
        let id = id.clone();
        Callback::new(move |(group_id, group_name, add): (String, String, bool)| {
            if request {
                ask.set(Some(Ask {
                    target: id.clone(),
                    title: if add {
                        format!("Request: add to {group_name}")
                    } else {
                        format!("Request: remove from {group_name}")
                    },
                    effect: if add {
                        format!("Gains what {group_name} grants.")
                    } else {
                        format!("Loses what {group_name} grants.")
                    },
                    approvers: permit.approvers.clone(),
                    reason_required: permit.reason_required,
                    group: Some(group_id),
                    add: Some(add),
                    ..Ask::empty(portico_vocab::PolicyAction::Membership)
                }));
            } else {
                change.dispatch(ChangeMembership { group_id, user_ids: vec![id.clone()], add });
            }
        })
    };
    let toasts = use_toasts();
    crate::ui::on_result(change.value(), move |msg| toasts.show(msg, true));
    view! {
        <section class="card">
            <h2>"Groups"</h2>
            <Loaded resource=groups placeholder=Placeholder::Line loading="Loading groups…" let:list>
                {view! {
                    <ul class="rows" data-testid="person-groups">
                        {list.into_iter().map(|g: GroupRow| {
                            let removable = can_manage && g.read_only.is_none();
                            let (gid, gname) = (g.id.clone(), g.name.clone());
                            view! {
                                <li>
                                    <A href=format!("/groups/{}", g.id)>{g.name.clone()}</A>
                                    <KindBadge kind=g.kind.clone() />
                                    {removable.then(|| view! {
                                        <button type="button" class="button ghost small" on:click=move |_| {
                                            change_to.run((gid.clone(), gname.clone(), false));
                                        }>{if request { "Request removal" } else { "Remove" }}</button>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()}
            </Loaded>
            <Show when=move || can_manage>
                <crate::groups::GroupPicker on_pick=Callback::new(move |(gid, name): (String, String)| change_to.run((gid, name, true))) />
            </Show>
        </section>
    }
}
