use crate::{
    command::{Command, finished, live, send},
    error::PortalError,
    people::NewPerson,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// Add a person: profile, a password or an activation email, groups, activate now or later.
#[component]
pub fn NewPersonPage() -> impl IntoView {
    view! {
        <Title text="New person" />
        <div class="page-head"><h1>"New person"</h1><A href="/people">"Back to people"</A></div>
        <NewPersonForm />
    }
}

/// The form itself; Okta's objections sit by their fields, and on success the new person's page.
#[island]
fn NewPersonForm() -> impl IntoView {
    let live = live();
    let busy = RwSignal::new(false);
    let form = RwSignal::new(NewPerson { activate: true, ..Default::default() });
    let groups = RwSignal::new(Vec::<(String, String)>::new());
    let error = RwSignal::new(None::<PortalError>);
    let field = move |key: &'static str, label: &'static str, kind: &'static str, required: bool| {
        view! {
            <label class="stack">{label}
                <input type=kind name=key required=required disabled=move || !live.get()
                    aria-invalid=move || error.get().and_then(|e| e.field(key)).is_some().then_some("true")
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        form.update(|f| match key {
                            "firstName" => f.first_name = v,
                            "lastName" => f.last_name = v,
                            "email" => f.email = v,
                            "login" => f.login = v,
                            "title" => f.title = v,
                            "department" => f.department = v,
                            _ => f.password = v,
                        });
                    } />
                {move || error.get().and_then(|e| e.field(key)).map(|m| view! { <span class="field-error">{m}</span> })}
            </label>
        }
    };
    view! {
        <form class="card profile-form" on:submit=move |ev| {
            ev.prevent_default();
            error.set(None);
            let mut person = form.get_untracked();
            person.group_ids = groups.get_untracked().into_iter().map(|(id, _)| id).collect();
            send(Command::CreatePerson { person }, busy, move |e| error.set(Some(e)), finished);
        }>
            {field("firstName", "First name", "text", true)}
            {field("lastName", "Last name", "text", true)}
            {field("email", "Primary email", "email", true)}
            {field("login", "Username (defaults to the email)", "text", false)}
            {field("title", "Title", "text", false)}
            {field("department", "Department", "text", false)}
            {field("password", "Password (leave empty to email an activation link)", "password", false)}
            <label class="check"><input type="checkbox" checked prop:checked=move || form.get().activate
                on:change=move |ev| form.update(|f| f.activate = event_target_checked(&ev)) />" Activate now (otherwise staged)"</label>
            <div class="wide">
                <crate::groups::GroupPicker on_pick=Callback::new(move |(gid, _name): (String, String)| {
                    if !groups.get_untracked().iter().any(|(g, _)| *g == gid) {
                        groups.update(|g| g.push((gid.clone(), gid)));
                    }
                }) />
                <ul class="chips">
                    {move || groups.get().into_iter().map(|(id, _)| view! { <li class="chip">{id.clone()}
                        <button type="button" class="chip-x" aria-label="Remove group" on:click=move |_| groups.update(|g| g.retain(|(i, _)| *i != id))>"×"</button></li> }).collect_view()}
                </ul>
            </div>
            {move || error.get().filter(|e| e.fields.is_empty()).map(|e| view! { <p class="field-error wide">{e.message}</p> })}
            <div class="modal-buttons">
                <button type="submit" class="button" disabled=move || !live.get() || busy.get()>"Create person"</button>
            </div>
        </form>
    }
}
