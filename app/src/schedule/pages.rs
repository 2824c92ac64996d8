//! The schedule pages: one person's "Schedule" (a change at a time, a group for a while), the
//! admin's list of everything scheduled, and the upcoming list the person page and My people
//! show. Plain forms posting to the server functions; a failure comes back as `FormError`.

use crate::{
    layout::{FormError, Loaded},
    schedule::{ScheduleChoices, ScheduledView, server},
    ui::When,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};

/// The upcoming changes for one person (`person`), for the viewer's own people (`mine`), or
/// everything (neither), filtered by `action` and `kind`.
#[component]
pub fn Upcoming(
    #[prop(optional, into)] person: Option<String>,
    #[prop(optional)] mine: bool,
    #[prop(default = None)] action: Option<String>,
    #[prop(default = None)] kind: Option<String>,
) -> impl IntoView {
    // One person's list need not name them on every row.
    let who = person.is_none();
    let list = Resource::new(
        move || (person.clone(), action.clone(), kind.clone()),
        move |(person, action, kind)| server::upcoming(person, Some(mine), action, kind),
    );
    view! {
        <Loaded resource=list let:rows>
            {if rows.is_empty() {
                view! { <p class="muted" data-testid="upcoming-empty">"Nothing is scheduled."</p> }.into_any()
            } else {
                view! { <UpcomingTable rows who /> }.into_any()
            }}
        </Loaded>
    }
}

#[component]
fn UpcomingTable(rows: Vec<ScheduledView>, who: bool) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="data" data-testid="upcoming">
                <thead><tr>
                    <th scope="col">"When"</th><th scope="col">"What"</th>{who.then(|| view! { <th scope="col">"Who"</th> })}
                    <th scope="col">"State"</th><th scope="col">"Asked by"</th><th scope="col"><span class="sr-only">"Actions"</span></th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| view! {
                        <tr data-testid="upcoming-row" data-request-id=r.id.clone()>
                            <td><When at=Some(r.at.clone()) /><div class="muted small">{r.at_words.clone()}</div></td>
                            <td>
                                {r.grant_end.then(|| view! { <span class="badge">"Access ends"</span>" " })}
                                <A href=format!("/requests/{}", r.id)>{r.summary.clone()}</A>
                            </td>
                            {who.then(|| view! { <td><crate::ui::MaybeLink href=r.target_href.clone() text=r.target_name.clone() /></td> })}
                            <td>{r.state.clone()}</td>
                            <td>{r.requester.clone()}</td>
                            <td class="row-actions">
                                {r.can_cancel.then(|| view! {
                                    <form method="post" action="/api/requests/cancel">
                                        <input type="hidden" name="id" value=r.id.clone() />
                                        <button type="submit" class="button ghost small" data-testid="upcoming-cancel">"Cancel"</button>
                                    </form>
                                })}
                                {r.extend.clone().map(|x| view! {
                                    <details class="extend">
                                        <summary class="button ghost small" data-testid="upcoming-extend">"Extend"</summary>
                                        <form method="post" action="/api/schedule/grant" class="stack">
                                            <input type="hidden" name="person" value=x.person />
                                            <input type="hidden" name="system" value=x.system />
                                            <input type="hidden" name="group" value=x.group />
                                            <input type="hidden" name="zone" value=x.zone.clone() />
                                            <label class="stack">{format!("New end ({})", x.zone)}
                                                <input type="datetime-local" name="until" required />
                                            </label>
                                            <label class="stack">"Why"
                                                <input type="text" name="reason" maxlength="1000" />
                                            </label>
                                            <div><button type="submit" class="button small">"Ask to extend"</button></div>
                                        </form>
                                    </details>
                                })}
                            </td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// `/people/:id/schedule`: schedule a lifecycle change for a time, or give a group for a while.
#[component]
pub fn SchedulePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.get().get("id").unwrap_or_default();
    let options = Resource::new(id, |person| server::schedule_options(person, true));
    view! {
        <Title text="Schedule" />
        <FormError />
        <Loaded resource=options let:o>
            <ScheduleForms o />
        </Loaded>
    }
}

#[component]
fn ScheduleForms(o: ScheduleChoices) -> impl IntoView {
    let zones = o.zones.clone();
    let person = o.person_id.clone();
    view! {
        <section class="hero">
            <p class="muted small"><A href=format!("/people/{}", o.person_id)>{format!("← {}", o.person_name)}</A></p>
            <h1>{format!("Schedule for {}", o.person_name)}</h1>
            <p class="muted">
                "A change at a stated time runs then, exactly once; if it needs approval, it is decided before \
                 (an approval after the time runs it at once, and it says it ran late). Access for a while ends \
                 by itself: its removal is stored when it is granted."
            </p>
        </section>
        <ZoneList zones />
        <div class="grid two">
            <section class="card" aria-labelledby="change-h">
                <h2 id="change-h">"A change at a time"</h2>
                <form method="post" action="/api/schedule/change" class="stack" data-testid="schedule-change">
                    <input type="hidden" name="person" value=person.clone() />
                    <label class="stack">"Change"
                        <select name="op" required>
                            {o.ops.iter().map(|(v, l)| view! { <option value=v.clone()>{l.clone()}</option> }).collect_view()}
                        </select>
                    </label>
                    <label class="stack">"At"
                        <input type="datetime-local" name="at" required />
                    </label>
                    <ZoneInput />
                    <label class="stack">"Why"
                        <textarea name="reason" rows="2" maxlength="1000"></textarea>
                    </label>
                    <div><button type="submit" class="button">"Schedule"</button></div>
                </form>
            </section>
            <section class="card" aria-labelledby="grant-h">
                <h2 id="grant-h">"A group for a while"</h2>
                <GrantForm person=person.clone() system="okta" groups=o.okta_groups.clone() />
                {o.asa_account.clone().map(|account| view! {
                    <h3>{format!("Server access (ASA account {account})")}</h3>
                    <GrantForm person=person.clone() system="asa"
                        groups=o.asa_groups.iter().map(|g| (g.clone(), g.clone())).collect() />
                })}
            </section>
        </div>
        <section class="card" aria-labelledby="upcoming-h">
            <h2 id="upcoming-h">"Upcoming changes"</h2>
            <Upcoming person=o.person_id.clone() />
        </section>
    }
}

/// The time zones the page's zone fields suggest (`list="zones"`).
#[component]
fn ZoneList(zones: Vec<String>) -> impl IntoView {
    view! { <datalist id="zones">{zones.into_iter().map(|z| view! { <option value=z></option> }).collect_view()}</datalist> }
}

/// The zone a time is stated in: UTC unless changed (the browser fills in its own zone).
#[component]
fn ZoneInput() -> impl IntoView {
    view! {
        <label class="stack">"Time zone"
            <input type="text" name="zone" list="zones" value="UTC" required data-browser-zone="" autocomplete="off" />
        </label>
    }
}

#[component]
fn GrantForm(person: String, system: &'static str, groups: Vec<(String, String)>) -> impl IntoView {
    let testid = format!("grant-{system}");
    view! {
        <form method="post" action="/api/schedule/grant" class="stack" data-testid=testid>
            <input type="hidden" name="person" value=person />
            <input type="hidden" name="system" value=system />
            <label class="stack">{if system == "asa" { "ASA group" } else { "Okta group" }}
                <select name="group" required>
                    {groups.into_iter().map(|(v, l)| view! { <option value=v>{l}</option> }).collect_view()}
                </select>
            </label>
            <fieldset class="stack">
                <legend>"Until"</legend>
                <label class="stack">"For this many hours"
                    <input type="number" name="hours" min="0.1" max="2160" step="any" inputmode="decimal" />
                </label>
                <label class="stack">"…or until"
                    <input type="datetime-local" name="until" />
                </label>
                <ZoneInput />
            </fieldset>
            <label class="stack">"Why"
                <input type="text" name="reason" maxlength="1000" />
            </label>
            <div><button type="submit" class="button">"Give access"</button></div>
        </form>
    }
}

/// `/scheduled`: everything scheduled, soonest first, filtered by action and kind.
#[component]
pub fn ScheduledPage() -> impl IntoView {
    let query = use_query_map();
    let action = move || query.with(|q| q.get("action")).filter(|a| !a.is_empty());
    let kind = move || query.with(|q| q.get("kind")).filter(|k| !k.is_empty());
    let selected = |now: Option<String>, v: &str| now.as_deref() == Some(v);
    view! {
        <Title text="Scheduled" />
        <section class="hero">
            <h1>"Scheduled"</h1>
            <p class="muted">"Every change waiting for its time and every time-bound access waiting to end, soonest first."</p>
        </section>
        <FormError />
        <form method="get" action="/scheduled" class="card" data-testid="scheduled-filter">
            <div class="filter-grid">
            <label>"Action"
                <select name="action">
                    <option value="">"Any"</option>
                    {portico_vocab::LifecycleOp::ALL.into_iter().map(|op| {
                        let v = portico_vocab::PolicyAction::Lifecycle(op).as_str().to_string();
                        let sel = selected(action(), &v);
                        view! { <option value=v selected=sel>{op.label()}</option> }
                    }).collect_view()}
                    <option value="membership" selected=selected(action(), "membership")>"Okta group membership"</option>
                    <option value="asa_group" selected=selected(action(), "asa_group")>"ASA group membership"</option>
                </select>
            </label>
            <label>"Kind"
                <select name="kind">
                    <option value="">"Both"</option>
                    <option value="actions" selected=selected(kind(), "actions")>"Scheduled changes"</option>
                    <option value="ends" selected=selected(kind(), "ends")>"Access ending"</option>
                </select>
            </label>
            </div>
            <div class="filter-row"><button type="submit" class="button">"Show"</button></div>
        </form>
        <section class="card">
            {move || view! { <Upcoming action=action() kind=kind() /> }}
        </section>
    }
}

/// A playbook's checklist under its request: each step with its state, a failed one's retry,
/// and the restore while the deactivation has not run.
#[component]
pub fn Checklist(id: String) -> impl IntoView {
    let list = Resource::new(move || id.clone(), server::checklist);
    view! {
        <Loaded resource=list let:c>
            {(!c.steps.is_empty() || c.can_restore || !c.restores.is_empty()).then(|| view! { <ChecklistCard c /> })}
        </Loaded>
    }
}

#[component]
fn ChecklistCard(c: crate::schedule::ChecklistView) -> impl IntoView {
    let total = c.steps.len();
    let finished = c.steps.iter().filter(|s| matches!(s.status.as_str(), "done" | "stale")).count();
    view! {
        <section class="card" aria-labelledby="checklist-h" data-testid="checklist">
            <div class="section-head">
                <h2 id="checklist-h">"Checklist"</h2>
                <span class="muted" data-testid="checklist-progress">{format!("{finished} of {total} done")}</span>
            </div>
            <ol class="checklist">
                {c.steps.into_iter().map(|s| {
                    let mark = match s.status.as_str() {
                        "done" => "✓",
                        "stale" | "cancelled" => "–",
                        "failed" => "✗",
                        "executing" => "…",
                        _ => "○",
                    };
                    view! {
                        <li data-testid="step" data-status=s.status.clone()>
                            <span class="step-mark" aria-hidden="true">{mark}</span>
                            <div>
                                <A href=format!("/requests/{}", s.id)>{s.summary.clone()}</A>
                                " " <span class="muted small" data-testid="step-state">{s.status_label.clone()}</span>
                                {s.at.clone().filter(|_| s.status == "approved").map(|at| view! {
                                    <div class="muted small">"At " <When at=Some(at) /> {s.at_words.clone().map(|w| format!(" ({w})"))}</div>
                                })}
                                {s.result.clone().map(|r| view! { <div class="small">{r}</div> })}
                                {s.can_retry.then(|| view! {
                                    <form method="post" action="/api/playbook/retry" class="inline">
                                        <input type="hidden" name="id" value=s.id.clone() />
                                        <button type="submit" class="button ghost small">"Try again"</button>
                                    </form>
                                })}
                            </div>
                        </li>
                    }
                }).collect_view()}
            </ol>
            {(!c.restores.is_empty()).then(|| view! {
                <p class="small">"Restores: " {c.restores.into_iter().map(|(id, status)| view! {
                    <A href=format!("/requests/{id}")>{id.clone()}</A> {format!(" ({status}) ")}
                }).collect_view()}</p>
            })}
            {c.can_restore.then(|| view! { <RestoreForm /> })}
        </section>
    }
}

/// Undo the offboarding this page shows, before its deactivation runs.
#[component]
fn RestoreForm() -> impl IntoView {
    let params = use_params_map();
    let playbook = params.get_untracked().get("id").unwrap_or_default();
    view! {
        <form method="post" action="/api/playbook/restore" class="stack restore-form" data-testid="restore">
            <h3>"Restore"</h3>
            <p class="muted small">"Stops what is left of the playbook and gives back what it took: unsuspends them, re-enables their ASA account, re-adds the recorded groups, returns the reports. It goes through the same approval as offboarding."</p>
            <input type="hidden" name="playbook" value=playbook />
            <label class="stack">"Why"
                <input type="text" name="reason" maxlength="1000" />
            </label>
            <div><button type="submit" class="button ghost">"Restore"</button></div>
        </form>
    }
}

/// `/people/:id/offboard`: the leaver playbook for one person.
#[component]
pub fn OffboardPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.get().get("id").unwrap_or_default();
    let options = Resource::new(id, |person| server::schedule_options(person, false));
    view! {
        <Title text="Offboard" />
        <FormError />
        <Loaded resource=options let:o>
            <section class="hero">
                <p class="muted small"><A href=format!("/people/{}", o.person_id)>{format!("← {}", o.person_name)}</A></p>
                <h1>{format!("Offboard {}", o.person_name)}</h1>
                <p class="muted">"One request runs these steps in order, each once, shown as a checklist on its page:"</p>
                <ol class="muted small">
                    <li>"Suspend them now."</li>
                    <li>"Sign them out everywhere: Okta sessions, OAuth tokens, Portico."</li>
                    <li>"Disable their ASA account."</li>
                    <li>"Remove their Okta groups (recorded, so they can be given back)."</li>
                    <li>"Hand their direct reports to the manager you name."</li>
                    <li>"Deactivate them at the time below."</li>
                    <li>{format!("Delete them {} days later.", o.delete_after_days)}</li>
                </ol>
                <p class="muted small">"Until the deactivation runs, Restore on the checklist undoes it."</p>
            </section>
            <ZoneList zones=o.zones.clone() />
            {match o.offboard.as_str() {
                "" => view! { <div class="card"><p data-testid="offboard-refused">"You may not offboard this person, nor ask for it."</p></div> }.into_any(),
                mode => { let ask = mode == "request"; view! {
            <section class="card">
                {ask.then(|| view! { <p class="muted small" data-testid="offboard-needs-approval">"This needs approval: your request goes to its approvers, and the steps begin once they approve."</p> })}
                <form method="post" action="/api/playbook/offboard" class="stack" data-testid="offboard-form">
                    <input type="hidden" name="person" value=o.person_id.clone() />
                    <label class="stack">"Deactivate at (their last day's end)"
                        <input type="datetime-local" name="on" required />
                    </label>
                    <ZoneInput />
                    <label class="stack">"Their reports go to (login or email; required when they manage people)"
                        <input type="text" name="new_manager" maxlength="200" autocomplete="off" />
                    </label>
                    <label class="stack">"Why"
                        <textarea name="reason" rows="2" maxlength="1000"></textarea>
                    </label>
                    <div><button type="submit" class="button danger">{if ask { "Ask to offboard" } else { "Offboard" }}</button></div>
                </form>
            </section>
                }.into_any() }
            }}
        </Loaded>
    }
}
