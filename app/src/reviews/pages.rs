//! The review pages: the list of campaigns, starting one (admins), a campaign's items grouped by
//! person with their context and keep/revoke (one by one, or the ticked ones at once), and the
//! evidence report. Plain forms posting to the server functions: they work before the WASM.

use super::{ItemView, ReviewChoices, ReviewView, server};
use crate::{layout::Loaded, ui::When};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};
use portico_vocab::{AccessKind, Campaign, ItemFilter, ItemShow, ReviewScope, Verdict};

fn progress(c: &Campaign) -> String {
    format!("{} of {} decided", c.decided, c.items)
}

fn scope_names(c: &Campaign) -> String {
    c.scope_of.iter().map(|s| s.1.as_str()).collect::<Vec<_>>().join(", ")
}

fn state_words(c: &Campaign) -> &'static str {
    if c.closed { "Closed" } else { "Open" }
}

/// `/reviews`: the campaigns the viewer may read, and (admins) a way to start one.
#[component]
pub fn ReviewsPage() -> impl IntoView {
    let list = Resource::new(|| (), |_| server::reviews());
    let me = crate::me::use_me().0;
    view! {
        <Title text="Access reviews" />
        <section class="hero">
            <h1>"Access reviews"</h1>
            <p class="muted">"Does everyone still need what they have? Each item goes to one reviewer (the group's owner or \
                the person's manager, never the person); an undecided item escalates at the due date and is never kept \
                by default. Revocations run through the approval policy, once."</p>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let admin = me.await.is_ok_and(|m| m.roles.iter().any(|r| r.key == "admin"));
                    admin.then(|| view! { <A href="/reviews/new" attr:class="button" attr:data-testid="new-review">"Start a review"</A> })
                })}
            </Transition>
        </section>
        <Loaded resource=list let:rows>
            {if rows.is_empty() {
                view! { <p class="muted" data-testid="reviews-empty">"No access reviews yet."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="data" data-testid="reviews">
                            <thead><tr>
                                <th scope="col">"Review"</th><th scope="col">"Scope"</th><th scope="col">"Due"</th>
                                <th scope="col">"Progress"</th><th scope="col">"Revoked"</th><th scope="col">"State"</th>
                            </tr></thead>
                            <tbody>
                                {rows.into_iter().map(|c| {
                                    let (done, state) = (progress(&c), state_words(&c));
                                    let scope = format!("{}: {}", c.scope.label(), scope_names(&c));
                                    view! {
                                        <tr data-testid="review-row">
                                            <td><A href=format!("/reviews/{}", c.id)>{c.name}</A></td>
                                            <td>{scope}</td>
                                            <td><When at=Some(c.due_at) /></td>
                                            <td>{done}</td>
                                            <td>{c.revoked}</td>
                                            <td>{state}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </Loaded>
    }
}

/// `/reviews/new`: start a campaign (admins).
#[component]
pub fn NewReviewPage() -> impl IntoView {
    let options = Resource::new(|| (), |_| server::review_options());
    view! {
        <Title text="Start an access review" />
        <section class="hero">
            <p class="muted small"><A href="/reviews">"← Access reviews"</A></p>
            <h1>"Start an access review"</h1>
        </section>
        <Loaded resource=options let:o>
            <NewReviewForm o />
        </Loaded>
    }
}

#[component]
fn Choices(scope: ReviewScope, options: Vec<(String, String)>) -> impl IntoView {
    view! {
        <fieldset class="stack choices">
            <legend>
                <label class="check"><input type="radio" name="scope" value=scope.as_str() required checked=scope == ReviewScope::Managers />{scope.label()}</label>
            </legend>
            {options.into_iter().map(|(id, name)| view! {
                <label class="check"><input type="checkbox" name="scope_ids[]" value=id />{name}</label>
            }).collect_view()}
        </fieldset>
    }
}

#[component]
fn NewReviewForm(o: ReviewChoices) -> impl IntoView {
    let fallback = o.groups.clone();
    view! {
        <datalist id="zones">{o.zones.iter().map(|z| view! { <option value=z.clone()></option> }).collect_view()}</datalist>
        <form method="post" action="/api/reviews/create" class="card stack" data-testid="review-form">
            <label class="stack">"Name"
                <input type="text" name="name" required maxlength="200" placeholder="Q1 2027 access review" />
            </label>
            <p class="muted small">"Whose access: choose the kind, then who."</p>
            <div class="grid two">
                <Choices scope=ReviewScope::Managers options=o.managers.clone() />
                <Choices scope=ReviewScope::OktaGroups options=o.groups.clone() />
                <Choices scope=ReviewScope::AsaGroups options=o.asa_groups.iter().map(|g| (g.clone(), g.clone())).collect() />
            </div>
            <label class="stack">"Fallback group (reviews what no owner or manager can, and escalations with nobody above)"
                <select name="fallback_group" required>
                    {fallback.into_iter().map(|(_, n)| {
                        let (selected, label) = (n == "Portico Admins", n.clone());
                        view! { <option value=n selected=selected>{label}</option> }
                    }).collect_view()}
                </select>
            </label>
            <div class="grid two">
                <label class="stack">"Due"
                    <input type="datetime-local" name="due" required />
                </label>
                <label class="stack">"Time zone"
                    <input type="text" name="zone" list="zones" value="UTC" required data-browser-zone="" autocomplete="off" />
                </label>
            </div>
            <label class="stack">"Remind reviewers with undecided items this many hours before the deadline (comma separated; empty: never)"
                <input type="text" name="remind_hours" value="72, 24" inputmode="numeric" pattern="[0-9, ]*" />
            </label>
            <div><button type="submit" class="button">"Start the review"</button></div>
        </form>
    }
}

fn review_resource() -> Resource<Result<ReviewView, crate::error::PortalError>> {
    let params = use_params_map();
    Resource::new(move || params.get().get("id").unwrap_or_default(), server::review)
}

/// `/reviews/:id`: the items the viewer may read, by person, with keep/revoke.
#[component]
pub fn ReviewPage() -> impl IntoView {
    let review = review_resource();
    view! {
        <Title text="Access review" />
        <Loaded resource=review let:v>
            <ReviewBody v />
        </Loaded>
    }
}

#[component]
fn Summary(c: Campaign) -> impl IntoView {
    let pct = (c.decided * 100).checked_div(c.items).unwrap_or(0);
    view! {
        <section class="hero">
            <p class="muted small"><A href="/reviews">"← Access reviews"</A></p>
            <h1>{c.name.clone()}</h1>
            <p class="muted">
                {format!("{}: {}", c.scope.label(), scope_names(&c))}
                " · due " <When at=Some(c.due_at.clone()) />
                " · " <span class="badge" data-testid="review-state">{state_words(&c)}</span>
            </p>
            <div class="progress" data-testid="review-progress">
                <progress max=c.items value=c.decided aria-label="Decided">{format!("{pct}%")}</progress>
                " "{progress(&c)}{format!(" · {} revoked · {} escalated undecided", c.revoked, c.escalated)}
            </div>
            <p>
                <A href=format!("/reviews/{}/report", c.id)>"Evidence report"</A>" · "
                <a href=format!("/reviews/{}/report.csv", c.id) rel="external" download="">"Download CSV"</a>
            </p>
        </section>
    }
}

#[component]
fn ReviewBody(v: ReviewView) -> impl IntoView {
    let c = v.campaign.clone();
    let decidable = v.items.iter().any(|i| i.may_decide);
    let query = use_query_map();
    let filter =
        Memo::new(move |_| query.with(|q| ItemFilter::from_query(q.get("show").as_deref(), q.get("kind").as_deref())));
    let all = v.items;
    let every = format!("/reviews/{}", c.id);
    view! {
        <Summary c=c.clone() />
        {v.may_close.then(|| view! {
            <form method="post" action="/api/reviews/close" class="inline">
                <input type="hidden" name="id" value=c.id.clone() />
                <button type="submit" class="button ghost" data-testid="close-review">"Close the review"</button>
            </form>
        })}
        <ItemFilterForm id=c.id.clone() filter />
        {decidable.then(|| view! {
            <form id="bulk" method="post" action="/api/reviews/decide" class="card bulk" data-testid="bulk-form">
                <label class="stack">"Comment for the ticked items (optional)"
                    <input type="text" name="comment" maxlength="1000" />
                </label>
                <div class="actions">
                    <button type="submit" name="verdict" value="keep" class="button">"Keep ticked"</button>
                    " "
                    <button type="submit" name="verdict" value="revoke" class="button danger">"Revoke ticked"</button>
                </div>
            </form>
        })}
        {move || {
            let f = filter.get();
            let total = all.len();
            // Items by person, in the order they were read; only what the filter shows, so
            // nothing hidden can be ticked.
            let mut people: Vec<(String, Vec<ItemView>)> = Vec::new();
            for i in all.iter().filter(|i| f.matches(&i.item)).cloned() {
                match people.iter_mut().find(|(p, _)| *p == i.item.person_id) {
                    Some((_, list)) => list.push(i),
                    None => people.push((i.item.person_id.clone(), vec![i])),
                }
            }
            let shown: usize = people.iter().map(|(_, l)| l.len()).sum();
            view! {
                {(!f.is_all()).then(|| view! {
                    <p class="muted" data-testid="shown-count" role="status">
                        {format!("Showing {shown} of {total} items. ")}
                        <A href=every.clone()>"Show every item"</A>
                    </p>
                })}
                {people.into_iter().map(|(_, items)| view! { <PersonCard items /> }).collect_view()}
            }
        }}
    }
}

/// Narrows the page to the undecided, the inactive or the revoked items, of one kind of access.
/// A plain GET form: it works before the WASM and the filtered page can be linked.
#[component]
fn ItemFilterForm(id: String, filter: Memo<ItemFilter>) -> impl IntoView {
    view! {
        <form method="get" action=format!("/reviews/{id}") class="card filters" role="search" aria-label="Filter the items" data-testid="item-filter">
            <div class="filter-row">
                <label class="stack">"Show"
                    <select name="show">
                        {ItemShow::ALL.into_iter().map(|s| view! {
                            <option value=s.as_str() selected=move || filter.get().show == s>{s.label()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label class="stack">"Access"
                    <select name="kind">
                        <option value="" selected=move || filter.get().kind.is_none()>"Any"</option>
                        {AccessKind::ALL.into_iter().map(|k| view! {
                            <option value=k.as_str() selected=move || filter.get().kind == Some(k)>{k.label()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <button type="submit" class="button ghost">"Show"</button>
            </div>
        </form>
    }
}

#[component]
fn PersonCard(items: Vec<ItemView>) -> impl IntoView {
    let first = items[0].item.clone();
    let ctx = first.context.clone();
    let heading = format!("review-{}", first.person_id);
    let heading_id = heading.clone();
    view! {
        <section class="card review-person" aria-labelledby=heading.clone() data-testid="review-person">
            <h2 id=heading_id><A href=format!("/people/{}", first.person_id)>{first.person_name.clone()}</A></h2>
            <p class="muted small context">
                {match &ctx.last_sign_in {
                    Some(t) => view! { "Last sign-in " <When at=Some(t.clone()) /> }.into_any(),
                    None => view! { "Never signed in" }.into_any(),
                }}
                {ctx.inactive.then(|| view! { " " <span class="badge warn" data-testid="inactive">"No sign-in in 90 days"</span> })}
                {ctx.department.clone().map(|d| format!(" · {d}"))}
                {ctx.drift.clone().map(|d| view! { " " <span class="badge warn">"Okta/ASA drift: "{d}</span> })}
                {(ctx.open_requests > 0).then(|| view! { " · " <A href=format!("/people/{}?tab=requests", first.person_id)>{format!("{} open request(s)", ctx.open_requests)}</A> })}
            </p>
            <div class="table-wrap">
                <table class="data review-items">
                    <thead><tr>
                        <th scope="col"><span class="sr-only">"Tick"</span></th>
                        <th scope="col">"Access"</th><th scope="col">"Peers with it"</th><th scope="col">"Reviewer"</th>
                        <th scope="col">"Decision"</th><th scope="col"><span class="sr-only">"Decide"</span></th>
                    </tr></thead>
                    <tbody>
                        {items.into_iter().map(|i| view! { <ItemRow i /> }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
fn ItemRow(i: ItemView) -> impl IntoView {
    let it = i.item.clone();
    let via = match (it.kind, &it.via) {
        (AccessKind::App, Some((_, g))) => Some(format!("via group {g}")),
        _ => None,
    };
    let tick_label = format!("Tick {}: {}", it.person_name, it.target_name);
    let peers = match &it.context.department {
        Some(d) if it.context.peers > 0 => format!("{} of {} in {d}", it.context.peers_with, it.context.peers),
        _ => "—".to_string(),
    };
    let decision = match it.verdict {
        Some(v) => {
            let word = if v == Verdict::Keep { "Kept" } else { "Revoked" };
            view! {
                <span class=if v == Verdict::Keep { "badge ok" } else { "badge danger" } data-testid="verdict">{word}</span>
                <div class="muted small">{it.decided_by.clone()}" · "<When at=it.decided_at.clone() /></div>
                {(!it.comment.is_empty()).then(|| view! { <div class="small">"“"{it.comment.clone()}"”"</div> })}
                {it.request_id.clone().map(|r| view! {
                    <div class="small" data-testid="revocation">
                        <A href=format!("/requests/{r}")>{r.clone()}</A>": "{i.request_state.clone().unwrap_or_default()}
                        {i.request_result.clone().map(|t| view! { <div class="muted">{t}</div> })}
                    </div>
                })}
                {i.may_restart.then(|| view! {
                    <form method="post" action="/api/reviews/restart" class="inline">
                        <input type="hidden" name="item" value=it.id.clone() />
                        <button type="submit" class="button small ghost" data-testid="restart">"Start again"</button>
                    </form>
                })}
            }
            .into_any()
        }
        None => view! {
            <span class="muted">"Undecided"</span>
            {it.escalated_at.clone().map(|_| view! { " " <span class="badge warn" data-testid="escalated">"Escalated"</span> })}
        }
        .into_any(),
    };
    view! {
        <tr data-testid="review-item" data-kind=it.kind.as_str()>
            <td>{i.may_decide.then(|| view! {
                <input type="checkbox" name="items[]" value=it.id.clone() form="bulk" aria-label=tick_label.clone() />
            })}</td>
            <td>
                <span class="muted small">{it.kind.label()}</span><br />
                <strong>{it.target_name.clone()}</strong>
                {via.map(|v| view! { " " <span class="badge">{v}</span> })}
            </td>
            <td>{peers}</td>
            <td>{it.reviewer_name.clone()}<div class="muted small">{it.reviewer_why.clone()}{it.escalated_from.clone().map(|f| format!(" (from {f})"))}</div></td>
            <td class="wrap">{decision}</td>
            <td class="row-actions">
                {i.may_decide.then(|| view! {
                    <form method="post" action="/api/reviews/decide" class="decide-row">
                        <input type="hidden" name="items[]" value=it.id.clone() />
                        <input type="text" name="comment" maxlength="1000" placeholder="Comment" aria-label=format!("Comment on {}", it.target_name) />
                        <button type="submit" name="verdict" value="keep" class="button small" data-testid="keep">"Keep"</button>
                        <button type="submit" name="verdict" value="revoke" class="button small danger" data-testid="revoke">"Revoke"</button>
                    </form>
                })}
            </td>
        </tr>
    }
}

/// `/reviews/:id/report`: the evidence: scope, who decided what and when, what each revocation
/// did. For auditors (and everyone who may read the review).
#[component]
pub fn ReportPage() -> impl IntoView {
    let review = review_resource();
    view! {
        <Title text="Access review report" />
        <Loaded resource=review let:v>
            <Report v />
        </Loaded>
    }
}

#[component]
fn Report(v: ReviewView) -> impl IntoView {
    let c = v.campaign.clone();
    view! {
        <section class="hero">
            <p class="muted small"><A href=format!("/reviews/{}", c.id)>{format!("← {}", c.name)}</A></p>
            <h1>{format!("Evidence: {}", c.name)}</h1>
            <dl class="facts" data-testid="report-facts">
                <dt>"Scope"</dt><dd>{format!("{}: {}", c.scope.label(), scope_names(&c))}</dd>
                <dt>"Started"</dt><dd>{c.created_by.clone()}" · "<When at=Some(c.created_at.clone()) /></dd>
                <dt>"Due"</dt><dd><When at=Some(c.due_at.clone()) /></dd>
                <dt>"State"</dt><dd>{state_words(&c)}{c.closed_by.clone().map(|b| view! { " by "{b}" · "<When at=c.closed_at.clone() /> })}</dd>
                <dt>"Items"</dt><dd>{format!("{} · {} decided · {} revoked · {} escalated undecided", c.items, c.decided, c.revoked, c.escalated)}</dd>
            </dl>
            <p><a href=format!("/reviews/{}/report.csv", c.id) rel="external" download="" data-testid="report-csv">"Download CSV"</a></p>
        </section>
        <div class="table-wrap">
            <table class="data review-items" data-testid="report">
                <thead><tr>
                    <th scope="col">"Person"</th><th scope="col">"Access"</th><th scope="col">"Reviewer"</th>
                    <th scope="col">"Decision"</th><th scope="col">"Decided by, when"</th><th scope="col">"Revocation"</th>
                </tr></thead>
                <tbody>
                    {v.items.into_iter().map(|i| {
                        let it = i.item;
                        let verdict = match it.verdict {
                            Some(Verdict::Keep) => "Kept".to_string(),
                            Some(Verdict::Revoke) => "Revoked".to_string(),
                            None if it.escalated_at.is_some() => "Undecided (escalated)".to_string(),
                            None => "Undecided".to_string(),
                        };
                        view! {
                            <tr data-testid="report-row">
                                <td>{it.person_name.clone()}</td>
                                <td>{it.kind.label()}": "{it.target_name.clone()}</td>
                                <td>{it.reviewer_name.clone()}{it.escalated_from.clone().map(|f| format!(" (escalated from {f})"))}</td>
                                <td class="wrap">{verdict}{(!it.comment.is_empty()).then(|| format!(" — “{}”", it.comment))}</td>
                                <td class="wrap">{it.decided_by.clone()}<div class="muted small"><When at=it.decided_at.clone() /></div></td>
                                <td class="wrap">{it.request_id.clone().map(|r| view! {
                                    <A href=format!("/requests/{r}")>{r.clone()}</A>" "{i.request_state.clone().unwrap_or_default()}
                                    {i.request_result.clone().map(|t| view! { <div class="muted small">{t}</div> })}
                                })}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
