//! CSV downloads: the audit trail, the people list's filter, a group's members. Each is
//! authorized like the page it comes from (a refusal is audited), streamed a page at a time,
//! and an export of people is one audit entry: who, what, and how many rows went out.

use crate::ServerState;
use axum::{
    extract::{Path, Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use futures_util::{Stream, StreamExt};
use portico_app::{people::PeopleQuery, ssr::SESSION_PRINCIPAL};
use portico_core::{
    Principal,
    actor::Actor,
    authz::Action,
    export::{self, Ended},
};
use tower_sessions::Session;

/// Rows per call to Okta while exporting (Okta's most for these lists).
const PAGE: usize = 200;

/// The signed-in person as an actor, or the answer for nobody signed in.
async fn actor(state: &ServerState, session: &Session) -> Result<Actor, Response> {
    let principal: Option<Principal> = session.get(SESSION_PRINCIPAL).await.ok().flatten();
    let Some(principal) = principal else {
        return Err((StatusCode::UNAUTHORIZED, "Sign in first.").into_response());
    };
    Ok(Actor::new(principal, state.app.clone(), crate::security::current_request_id().unwrap_or_default()))
}

/// A streamed CSV download named `file`.
fn csv<S, E>(file: &str, rows: S) -> Response
where
    S: Stream<Item = Result<String, E>> + Send + 'static,
    E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
{
    let disposition = format!("attachment; filename=\"{file}\"");
    (
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, disposition)],
        axum::body::Body::from_stream(rows.map(|chunk| chunk.map(axum::body::Bytes::from))),
    )
        .into_response()
}

/// Audits an export once it has ended: the rows sent, or where it stopped.
fn audited(
    actor: Actor,
    action: &'static str,
    target: String,
    what: String,
) -> impl FnOnce(Ended) -> futures_util::future::BoxFuture<'static, ()> {
    move |ended: Ended| {
        Box::pin(async move {
            match ended.error {
                None => actor.audit(action, &target, None, None, &format!("{what}; {} rows", ended.rows)).await,
                Some(e) => {
                    let detail = format!("{what}; stopped after {} rows: {}", ended.rows, e.summary);
                    actor.failure(action, &target, &detail).await;
                }
            }
        })
    }
}

/// `/people.csv?<the list's filters>`: every person the filter matches, every page (people who
/// may view people), or, for a manager without that role, their own people.
pub async fn people_csv(State(state): State<ServerState>, session: Session, Query(q): Query<PeopleQuery>) -> Response {
    let actor = match actor(&state, &session).await {
        Ok(a) => a,
        Err(answer) => return answer,
    };
    if actor.can(Action::ViewPeople) {
        let (search, sort) = match portico_app::people::server::search_of(&q) {
            Ok(s) => s,
            Err(e) => return (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
        };
        let what = format!("people matching {}", search.as_deref().unwrap_or("everyone"));
        let okta = state.app.okta.clone();
        let pages = move |after: Option<String>| {
            let (okta, search) = (okta.clone(), search.clone());
            async move { okta.search_users(search.as_deref(), sort, after.as_deref(), PAGE).await }
        };
        return csv(
            "portico-people.csv",
            export::people_csv(pages, audited(actor, "people.export", "people".into(), what)),
        );
    }
    match actor.manages_anyone().await {
        Ok(true) => {
            // One page, read now: a manager's people are few (their reports, a level or two).
            let page = actor.people().await.map(|people| portico_core::okta::Page {
                items: people.into_iter().map(|(u, _)| u).collect(),
                next: None,
            });
            let end = audited(actor, "people.export", "people".into(), "their own people".into());
            let pages = move |_after: Option<String>| std::future::ready(page.clone());
            csv("portico-my-people.csv", export::people_csv(pages, end))
        }
        Ok(false) => {
            let _ = actor.require(Action::ViewPeople, "export people").await;
            (StatusCode::FORBIDDEN, "You are not allowed to export people.").into_response()
        }
        Err(e) => (StatusCode::BAD_GATEWAY, e.summary).into_response(),
    }
}

/// `/groups/{id}/members.csv`: every member of the group (people who may view groups).
pub async fn group_members_csv(State(state): State<ServerState>, session: Session, Path(id): Path<String>) -> Response {
    let actor = match actor(&state, &session).await {
        Ok(a) => a,
        Err(answer) => return answer,
    };
    if actor.require(Action::ViewGroups, "export a group's members").await.is_err() {
        return (StatusCode::FORBIDDEN, "You are not allowed to export a group's members.").into_response();
    }
    let group = match state.app.okta.get_group(&id).await {
        Ok(g) => g,
        Err(e) => {
            return (StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_GATEWAY), e.summary).into_response();
        }
    };
    let target = format!("{} ({})", group.name, group.id);
    let okta = state.app.okta.clone();
    let pages = move |after: Option<String>| {
        let (okta, id) = (okta.clone(), id.clone());
        async move { okta.group_members(&id, after.as_deref(), PAGE).await }
    };
    let end = audited(actor, "group.export_members", target, "the group's members".into());
    csv("portico-group-members.csv", export::people_csv(pages, end))
}

/// `/audit.csv`: every row the audit page's filters match, newest first, streamed (admins and
/// auditors; a refusal is audited like any other).
pub async fn audit_csv(
    State(state): State<ServerState>,
    session: Session,
    Query(mut q): Query<portico_core::audit::AuditQuery>,
) -> Response {
    let actor = match actor(&state, &session).await {
        Ok(a) => a,
        Err(answer) => return answer,
    };
    if actor.require(Action::ViewAudit, "read the audit trail").await.is_err() {
        return (StatusCode::FORBIDDEN, "You are not allowed to read the audit trail.").into_response();
    }
    // The export is the whole filtered trail, not the page being looked at.
    q.before = None;
    let rows = portico_core::audit::csv_stream(state.app.db.clone(), q).map(|chunk| {
        chunk.map_err(|e| {
            tracing::error!(error = %e, "audit export failed part way");
            std::io::Error::other("the audit trail could not be read")
        })
    });
    csv("portico-audit.csv", rows)
}

/// `/jobs/{id}/report.csv`: a job's items with their outcomes, in order (its author, or those who
/// read the audit trail), streamed a thousand at a time.
pub async fn job_report_csv(State(state): State<ServerState>, session: Session, Path(id): Path<String>) -> Response {
    let actor = match actor(&state, &session).await {
        Ok(a) => a,
        Err(answer) => return answer,
    };
    if let Err(e) = portico_core::jobs::visible(&actor, &id).await {
        return match e {
            portico_core::jobs::JobError::NotFound => (StatusCode::NOT_FOUND, "No such job.").into_response(),
            other => {
                tracing::error!(error = %other, "job report");
                (StatusCode::INTERNAL_SERVER_ERROR, "The job could not be read.").into_response()
            }
        };
    }
    let db = state.app.db.clone();
    let header =
        futures_util::stream::once(async { Ok::<_, std::io::Error>(portico_core::jobs::report_header().to_string()) });
    let rows = futures_util::stream::unfold(Some(0u32), move |after| {
        let (db, id) = (db.clone(), id.clone());
        async move {
            let after = after?;
            match db.items(&id, after, 1000).await {
                Ok(items) if items.is_empty() => None,
                Ok(items) => {
                    let next = (items.len() == 1000).then(|| items.last().map(|i| i.seq)).flatten();
                    let chunk: String = items.iter().map(portico_core::jobs::report_row).collect();
                    Some((Ok(chunk), next))
                }
                Err(e) => {
                    tracing::error!(error = %e, "job report failed part way");
                    Some((Err(std::io::Error::other("the job could not be read")), None))
                }
            }
        }
    });
    // Fused: the body may be polled again after its end.
    csv("portico-job-report.csv", header.chain(rows).fuse())
}

/// An access review's evidence (`/reviews/{id}/report.csv`): every item, who decided what and
/// when, and each revocation's outcome. Read as the review page is (a refusal is audited).
pub async fn review_report_csv(State(state): State<ServerState>, session: Session, Path(id): Path<String>) -> Response {
    use portico_core::reviews::{self, ReviewError};
    let actor = match actor(&state, &session).await {
        Ok(a) => a,
        Err(answer) => return answer,
    };
    let (campaign, items) = match reviews::read(&actor, &id).await {
        Ok(read) => read,
        Err(ReviewError::NotFound) => return (StatusCode::NOT_FOUND, "No such access review.").into_response(),
        Err(ReviewError::Denied(_)) => {
            return (StatusCode::FORBIDDEN, "You are not allowed to read this access review.").into_response();
        }
        Err(e) => {
            tracing::error!(error = %e, "review report");
            return (StatusCode::INTERNAL_SERVER_ERROR, "The access review could not be read.").into_response();
        }
    };
    let mut outcomes = std::collections::HashMap::new();
    for r in items.iter().filter_map(|i| i.request_id.clone()) {
        if let Ok(req) = portico_core::requests::find(state.app.db(), &r).await {
            outcomes.insert(r, (req.status.as_str().to_string(), req.result.unwrap_or_default()));
        }
    }
    let body = reviews::csv(&campaign, &items, &outcomes);
    actor.audit("review.export", &id, None, None, &format!("{} rows", items.len())).await;
    csv(&format!("portico-review-{id}.csv"), futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) }))
}
