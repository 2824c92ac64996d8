//! Email about requests, to the people concerned: whoever may decide it now (when it is asked
//! for, reaches a new stage, is due for a reminder or is escalated), and its requester (on every
//! decision and outcome). Plain text, one mail per recipient, queued beside the webhook's
//! notifications and sent by the executor over SMTP ([`send`]).

use super::{Request, Status, eligible};
use crate::{AppState, config::EmailConfig, config::SmtpTls};
use serde::{Deserialize, Serialize};

/// One mail, as queued.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
}

/// Who hears of `event`, and as what.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Audience {
    /// Those who may decide it now: asked to.
    Deciders,
    /// The requester: told what happened.
    Requester,
    /// Those who review break-glass actions: told at once, and when a review is overdue.
    Reviewers,
    /// The manager of the person it is about (time-bound access ending).
    Manager,
}

fn audiences(req: &Request, event: &str) -> &'static [Audience] {
    use Audience::*;
    match event {
        "request.create" | "request.remind" => &[Deciders],
        "request.escalate" => &[Deciders, Requester],
        "request.break_glass" | "request.review_overdue" => &[Reviewers],
        "request.review" => &[Requester],
        "request.grant_ending" => &[Manager, Requester],
        // An approval that moved it to a new stage asks that stage's approvers too.
        "request.approve" if req.status == Status::Pending && moved_stage(req) => &[Requester, Deciders],
        "request.approve" | "request.reject" | "request.execute" | "request.fail" | "request.stale"
        | "request.expire" => &[Requester],
        _ => &[],
    }
}

/// Run when it was asked for, by someone allowed to run it (no approval, no time, no emergency).
fn ran_at_once(req: &Request) -> bool {
    req.stages.is_empty() && req.run_at.is_none() && !req.break_glass
}

/// How an end's mail names the access: the grant's own words.
fn access_words(req: &Request) -> &str {
    req.summary.strip_prefix(super::scheduled::END_PREFIX).unwrap_or(&req.summary)
}

/// The last decision was made at an earlier stage than the request is at now.
fn moved_stage(req: &Request) -> bool {
    req.decisions.last().is_some_and(|d| d.stage < req.stage)
}

/// The mails `event` about `req` sends (`actor`: who caused it, by login).
pub async fn compose(state: &AppState, req: &Request, event: &str, actor: &str) -> Vec<Mail> {
    let url = format!("{}/requests/{}", state.config.server.public_url.as_str().trim_end_matches('/'), req.id);
    let mut out = Vec::new();
    for audience in audiences(req, event) {
        match audience {
            Audience::Deciders => {
                let target = eligible::target_user(state, req).await;
                let mut lookups = eligible::Lookups::default();
                let deciders = match eligible::approvers(state, req, target.as_ref(), &mut lookups, &req.id).await {
                    Ok(list) => list,
                    Err(e) => {
                        tracing::warn!(request = %req.id, error = %e, "could not find whom to ask by email");
                        Vec::new()
                    }
                };
                let (subject, lead) = match event {
                    "request.remind" => (format!("Reminder: approval needed: {}", req.summary), "Still waiting:"),
                    "request.escalate" => (
                        format!("Escalated to you: {}", req.summary),
                        "Nobody decided this in time, so it comes to you:",
                    ),
                    _ => (format!("Approval needed: {}", req.summary), "Waiting for your decision:"),
                };
                // An escalation writes to those it names; the others were asked already.
                let named = |sub: &str| event != "request.escalate" || eligible::escalated_to(req, sub);
                for d in deciders.into_iter().filter(|d| !req.decided_by().contains(&d.sub) && named(&d.sub)) {
                    let Some(to) = d.email.clone() else { continue };
                    let text = format!(
                        "{lead}\n\n{} asks: {}\nAbout: {}\nWhy: “{}”\nDecide by: {}\n\nApprove or reject it in Portico:\n{url}\n\n\
                         You get this because you may decide this request now.\n",
                        req.requester_name, req.summary, req.target_label, req.reason, req.expires_at
                    );
                    out.push(Mail { to, subject: format!("{subject} ({})", req.id), text });
                }
            }
            Audience::Reviewers => {
                let (subject, lead) = if event == "request.review_overdue" {
                    (format!("Overdue: review of break-glass {}", req.summary), "Its after-action review is overdue:")
                } else {
                    (format!("Break-glass: {}", req.summary), "Run at once, without approval, as an emergency:")
                };
                for to in reviewer_emails(state, req).await {
                    let text = format!(
                        "{lead}\n\n{} ran: {}\nAbout: {}\nWhy: “{}”\nReview by: {}\n\n\
                         Review it in Portico (someone other than {} must):\n{url}\n",
                        req.requester_name,
                        req.summary,
                        req.target_label,
                        req.reason,
                        req.review_due_at.as_deref().unwrap_or("-"),
                        req.requester_name,
                    );
                    out.push(Mail { to, subject: format!("{subject} ({})", req.id), text });
                }
            }
            Audience::Manager => {
                let Some(to) = manager_email(state, req).await else { continue };
                let when = req.run_at_words().unwrap_or_default();
                let text = format!(
                    "Time-bound access of one of your people ends at {when}:\n\n{}\nAbout: {}\n\n\
                     If it is still needed, extend it in Portico (a new request, through the same approval):\n{url}\n",
                    req.summary, req.target_label
                );
                out.push(Mail { to, subject: format!("Access ends {when}: {}", access_words(req)), text });
            }
            Audience::Requester if event == "request.grant_ending" => {
                let Some(to) = email_of(state, &req.requester_sub, &req.requester_login).await else { continue };
                let when = req.run_at_words().unwrap_or_default();
                let text =
                    format!("Access you granted ends at {when}:\n\n{}\n\nSee it in Portico:\n{url}\n", req.summary);
                out.push(Mail { to, subject: format!("Access ends {when}: {}", access_words(req)), text });
            }
            // Something its requester ran at once with their own authority: they saw it happen.
            Audience::Requester if event == "request.execute" && ran_at_once(req) => continue,
            Audience::Requester => {
                let Some(to) = email_of(state, &req.requester_sub, &req.requester_login).await else { continue };
                let what = match event {
                    "request.approve" if req.status == Status::Pending => {
                        format!("{actor} approved it; it waits for more approvals.")
                    }
                    "request.approve" => format!("{actor} gave the last approval; it runs now."),
                    "request.reject" => format!(
                        "{actor} rejected it: “{}”.",
                        req.decisions.last().map(|d| d.comment.as_str()).unwrap_or_default()
                    ),
                    "request.execute" => format!("It ran: {}", req.result.as_deref().unwrap_or("done.")),
                    "request.fail" => format!("It failed: {}", req.result.as_deref().unwrap_or("see the request.")),
                    "request.stale" => {
                        format!("It did not run: {}", req.result.as_deref().unwrap_or("things changed since."))
                    }
                    "request.expire" => {
                        "Nobody decided it in time, so it expired. Ask again if it is still needed.".into()
                    }
                    "request.review" => match &req.review {
                        Some(r) => format!(
                            "{} reviewed your break-glass action: {} — “{}”.",
                            r.by.name,
                            if r.sound { "justified" } else { "not justified" },
                            r.comment
                        ),
                        None => continue,
                    },
                    "request.escalate" if req.escalated_to.is_empty() => continue,
                    "request.escalate" => format!(
                        "Nobody decided it in time, so it went to {}.",
                        req.escalated_to.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                    _ => continue,
                };
                let subject = format!("Your request {}: {}", req.id, req.status.label().to_lowercase());
                let text = format!("{}\n\n{what}\n\nSee it in Portico:\n{url}\n", req.summary);
                out.push(Mail { to, subject, text });
            }
        }
    }
    out
}

/// The addresses of everyone in the reviewer groups but the person who acted.
async fn reviewer_emails(state: &AppState, req: &Request) -> Vec<String> {
    let cfg = &state.config;
    let mut out: Vec<String> = Vec::new();
    for group in cfg.break_glass.reviewers(&cfg.roles) {
        let Some(id) = state.group_ids.id(group) else { continue };
        let members = match state.okta.group_members(id, None, 200).await {
            Ok(page) => page.items,
            Err(e) => {
                tracing::warn!(error = %e, %group, "could not read the reviewers to write to");
                continue;
            }
        };
        for u in
            members.into_iter().filter(|u| u.id != req.requester_sub && u.status == portico_vocab::UserStatus::Active)
        {
            if let Some(e) = u.field("email").filter(|e| !e.is_empty()).map(str::to_string)
                && !out.contains(&e)
            {
                out.push(e);
            }
        }
    }
    out
}

/// The address of the manager of the person a request is about (their `managerId`).
async fn manager_email(state: &AppState, req: &Request) -> Option<String> {
    let target = eligible::target_user(state, req).await?;
    let manager_id = target.field("managerId").filter(|m| !m.is_empty())?.to_string();
    let manager = state.okta.get_user(&manager_id).await.ok()?;
    manager.field("email").filter(|e| !e.is_empty()).map(str::to_string)
}

/// Someone's address: their Okta profile's email, else their login when it is one.
async fn email_of(state: &AppState, sub: &str, login: &str) -> Option<String> {
    let profile = state.okta.get_user(sub).await.ok().and_then(|u| u.field("email").map(str::to_string));
    profile.or_else(|| login.contains('@').then(|| login.to_string()))
}

/// Sends one mail through the configured server; why not, in words.
pub async fn send(config: &EmailConfig, mail: &Mail) -> Result<(), String> {
    use lettre::{
        AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
        message::header::ContentType,
        transport::smtp::{
            authentication::Credentials,
            client::{Tls, TlsParameters},
        },
    };
    let message = Message::builder()
        .from(config.from.parse().map_err(|e| format!("email.from: {e}"))?)
        .to(mail.to.parse().map_err(|e| format!("recipient {}: {e}", mail.to))?)
        .subject(mail.subject.clone())
        .header(ContentType::TEXT_PLAIN)
        .body(mail.text.clone())
        .map_err(|e| e.to_string())?;
    let params = || TlsParameters::new(config.host.clone()).map_err(|e| e.to_string());
    let tls = match config.tls {
        SmtpTls::None => Tls::None,
        SmtpTls::Starttls => Tls::Required(params()?),
        SmtpTls::Tls => Tls::Wrapper(params()?),
    };
    let mut transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(config.host.clone())
        .port(config.port)
        .tls(tls)
        .timeout(Some(std::time::Duration::from_secs(config.timeout_seconds)));
    if let (Some(user), Some(password)) = (&config.username, &config.password) {
        transport = transport.credentials(Credentials::new(user.clone(), password.expose().to_string()));
    }
    transport.build().send(message).await.map(drop).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requests::DecisionRecord;

    fn req(status: Status, stage: u32, decided_at: Option<u32>) -> Request {
        let decisions = decided_at
            .map(|stage| DecisionRecord {
                stage,
                approver_sub: "00ua".into(),
                approver_login: "ada@x".into(),
                approver_name: "Ada".into(),
                approve: true,
                comment: String::new(),
                at: String::new(),
                signed_in_at: None,
                on_behalf_of: None,
            })
            .into_iter()
            .collect();
        Request { status, stage, decisions, ..Request::sample() }
    }

    #[test]
    fn each_event_reaches_the_people_it_concerns() {
        use Audience::*;
        assert_eq!(audiences(&req(Status::Pending, 0, None), "request.create"), [Deciders]);
        assert_eq!(audiences(&req(Status::Pending, 0, Some(0)), "request.approve"), [Requester], "same stage");
        assert_eq!(audiences(&req(Status::Pending, 1, Some(0)), "request.approve"), [Requester, Deciders]);
        assert_eq!(audiences(&req(Status::Approved, 0, Some(0)), "request.approve"), [Requester]);
        for e in ["request.reject", "request.execute", "request.fail", "request.stale", "request.expire"] {
            assert_eq!(audiences(&req(Status::Done, 0, None), e), [Requester], "{e}");
        }
        assert!(audiences(&req(Status::Cancelled, 0, None), "request.cancel").is_empty());
        assert_eq!(audiences(&req(Status::Pending, 0, None), "request.remind"), [Deciders]);
        assert_eq!(audiences(&req(Status::Pending, 0, None), "request.escalate"), [Deciders, Requester]);
    }
}
