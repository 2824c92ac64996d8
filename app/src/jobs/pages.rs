//! The jobs list and one job's page: its preview (a draft), its live progress, its report.

use super::{
    JobProgress, JobView,
    server::{get_job, list_jobs},
};
use crate::{
    command::Command,
    layout::Loaded,
    ui::{ActionButton, Confirm, Press, When},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};

#[component]
pub fn JobsPage() -> impl IntoView {
    let jobs = Resource::new(|| (), |_| list_jobs());
    view! {
        <Title text="Jobs" />
        <div class="page-head"><h1>"Jobs"</h1></div>
        <p class="muted">"Actions run on many people at once. Select people on the People page or in a group, choose an action and preview it."</p>
        <Loaded resource=jobs let:list>
            {if list.is_empty() {
                view! { <div class="card"><p class="muted">"No jobs yet."</p></div> }.into_any()
            } else {
                view! {
                    <div class="card table-card">
                        <table class="data" data-testid="jobs">
                            <thead><tr>
                                <th scope="col">"Job"</th><th scope="col">"Status"</th>
                                <th scope="col">"By"</th><th scope="col">"Created"</th>
                            </tr></thead>
                            <tbody>
                                {list.into_iter().map(|j| view! {
                                    <tr>
                                        <td><A href=format!("/jobs/{}", j.id)>{j.summary}</A></td>
                                        <td><span class=format!("badge job-{}", j.status)>{j.status_words}</span></td>
                                        <td class="mono">{j.author}</td>
                                        <td class="muted"><When at=Some(j.created_at) /></td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </Loaded>
    }
}

#[component]
pub fn JobPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let job = Resource::new(
        move || (params.get().get("id").unwrap_or_default(), query.get().get("after").and_then(|a| a.parse().ok())),
        |(id, after)| get_job(id, after),
    );
    view! {
        <Title text="Job" />
        <Loaded resource=job let:j>
            {view! { <Job j /> }.into_any()}
        </Loaded>
        <p class="muted small"><A href="/jobs">"All jobs"</A></p>
    }
}

#[component]
fn Job(j: JobView) -> impl IntoView {
    let id = j.id.clone();
    let n = j.counts.to_run;
    let head = view! {
        <div class="page-head">
            <h1 data-testid="job-summary">{j.summary.clone()}</h1>
            <span class=format!("badge job-{}", j.status) data-testid="job-status">{j.status_words.clone()}</span>
        </div>
        <p class="muted">
            {format!("{} · {} · by {} · ", j.action, j.source, j.author)}
            <When at=Some(j.created_at.clone()) />
        </p>
    };
    let step_up = (j.can_start && j.needs_step_up).then(|| {
        view! {
            <p class="muted" data-testid="step-up-needed">"Running a job needs a recent sign-in. Confirm it is you, then run it here."</p>
            <crate::layout::StepUpLink />
        }
    });
    let start = (j.can_start && !j.needs_step_up).then(|| {
        let confirm = Confirm {
            title: format!("{} for {n} {}?", j.action, if n == 1 { "person" } else { "people" }),
            message: format!(
                "{} It runs in the background at Okta's pace; you can leave this page and cancel it while it runs.{}",
                j.effect,
                if j.dangerous { format!(" Type {n} to confirm.") } else { String::new() }
            ),
            confirm_label: format!("Run for {n}"),
            danger: j.dangerous,
            type_back: j.dangerous.then(|| n.to_string()),
        };
        let press = Press::Confirm(Command::StartJob { id: id.clone(), confirm: None }, confirm);
        view! { <ActionButton label=format!("Run for {n}") class="button".to_string() aria_label=None op=Some("job-start".to_string()) press /> }
    });
    let request = j.ask.clone().map(|ask| {
        let label = ask.title.clone();
        view! { <ActionButton label class="button ghost request".to_string() aria_label=None op=Some("job-request".to_string()) press=Press::Ask(ask) /> }
    });
    let cancel = j.can_cancel.then(|| {
        let (label, title, message) = if j.status == "draft" {
            ("Discard", "Discard this preview?", "Nothing has run; the preview is kept as cancelled.")
        } else {
            ("Cancel job", "Cancel this job?", "People not yet reached are left as they are; what has run stays done.")
        };
        let confirm = Confirm {
            title: title.into(),
            message: message.into(),
            confirm_label: label.into(),
            danger: true,
            type_back: None,
        };
        let press = Press::Confirm(Command::CancelJob { id: id.clone() }, confirm);
        view! { <ActionButton label=label.to_string() class="button ghost".to_string() aria_label=None op=Some("job-cancel".to_string()) press /> }
    });
    let body = match j.status.as_str() {
        "draft" => view! {
            <section class="card" aria-labelledby="preview-h">
                <h2 id="preview-h">"Preview"</h2>
                <p class="muted">"Nothing has run yet. What the action would do to each person now:"</p>
                <ul class="totals" data-testid="preview-totals">
                    {j.by_plan.iter().map(|(key, words, count)| view! {
                        <li data-plan=key.clone()><strong>{*count}</strong>" "{words.clone()}</li>
                    }).collect_view()}
                </ul>
                <div class="actions">{step_up}{start}{request}{cancel}</div>
            </section>
        }
        .into_any(),
        "waiting" => view! {
            <section class="card" aria-labelledby="waiting-h">
                <h2 id="waiting-h">"Waiting for approval"</h2>
                <p>
                    "Nothing runs until the request is approved; then every person below runs, one by one. "
                    {j.request_id.clone().map(|r| view! { <A href=format!("/requests/{r}")>{format!("Request {r}")}</A> })}
                </p>
                <ul class="totals" data-testid="preview-totals">
                    {j.by_plan.iter().map(|(key, words, count)| view! {
                        <li data-plan=key.clone()><strong>{*count}</strong>" "{words.clone()}</li>
                    }).collect_view()}
                </ul>
                <div class="actions">{cancel}</div>
            </section>
        }
        .into_any(),
        "running" => view! {
            <section class="card" aria-labelledby="progress-h">
                <h2 id="progress-h">"Progress"</h2>
                <JobProgress id=id.clone() initial=j.counts.clone() />
                <div class="actions">{cancel}</div>
            </section>
        }
        .into_any(),
        _ => {
            let c = &j.counts;
            view! {
                <section class="card" aria-labelledby="report-h">
                    <h2 id="report-h">"Report"</h2>
                    <ul class="totals" data-testid="report-totals">
                        <li data-status="done"><strong>{c.done}</strong>" done"</li>
                        <li data-status="failed"><strong>{c.failed}</strong>" failed"</li>
                        <li data-status="skipped"><strong>{c.skipped}</strong>" skipped"</li>
                        <li data-status="cancelled"><strong>{c.cancelled}</strong>" cancelled"</li>
                    </ul>
                    <p class="muted small">
                        {j.finished_at.clone().map(|t| view! { "Ended " <When at=Some(t) /> " · " })}
                        <a href=format!("/jobs/{}/report.csv", j.id) rel="external" data-testid="report-csv">"Download the report (CSV)"</a>
                    </p>
                </section>
            }.into_any()
        }
    };
    let next = j.next_after.map(|after| {
        view! {
            <nav class="pager" aria-label="Pages">
                <a href=format!("/jobs/{id}?after={after}") class="button ghost">"Next people →"</a>
            </nav>
        }
    });
    view! {
        {head}
        {body}
        <div class="card table-card">
            <table class="data" data-testid="job-items">
                <thead><tr>
                    <th scope="col">"#"</th><th scope="col">"Person"</th><th scope="col">"Preview"</th>
                    <th scope="col">"Status"</th><th scope="col">"Details"</th>
                </tr></thead>
                <tbody>
                    {j.items.into_iter().map(|i| view! {
                        <tr data-status=i.status.clone()>
                            <td class="muted">{i.seq}</td>
                            <td><crate::ui::MaybeLink href=i.href text=i.name /><div class="muted small mono">{i.label}</div></td>
                            <td><span class=format!("badge plan-{}", i.plan)>{i.plan_words}</span></td>
                            <td><span class=format!("badge item-{}", i.status)>{i.status_words}</span></td>
                            <td class="small">{i.message}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            {next}
        </div>
    }
}
