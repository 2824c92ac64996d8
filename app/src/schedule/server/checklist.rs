use crate::{error::PortalError, schedule::ChecklistView};
use leptos::prelude::*;

/// The steps of a playbook request (an offboarding or a restore), each with its state; whether
/// the viewer may undo the offboarding or try a failed step again. Empty for other requests.
#[server(prefix = "/api", endpoint = "playbook/checklist")]
pub async fn checklist(id: String) -> Result<ChecklistView, PortalError> {
    use crate::schedule::StepView;
    use portico_core::{
        actions::plan::PlaybookAsk,
        requests::{self, Call, RequestError, Status, playbook},
    };
    let caller = crate::ssr::caller().await?;
    let db_error = |e| crate::approvals::server::views::request_error(RequestError::Db(e));
    let req = requests::get(caller.state.db(), &id).await.map_err(db_error)?;
    let Some(req) = req.filter(|r| matches!(r.call, Call::Offboard { .. } | Call::Restore { .. })) else {
        return Ok(ChecklistView::default());
    };
    // Those involved in it (as for the request itself), or anyone who may see the person.
    let me = &caller.principal.sub;
    let involved = req.requester_sub == *me
        || req.decisions.iter().any(|d| d.approver_sub == *me)
        || caller.can(portico_core::authz::Action::ViewAudit);
    if !involved && let Some(sub) = &req.target_sub {
        caller.require_person_id(sub).await?;
    }
    let steps = caller.state.db.children(&req.id).await.map_err(db_error)?;
    // The person once, as Okta has them now (none once deleted).
    let target = portico_core::requests::eligible::target_user(&caller.state, &req).await;
    let may_run = playbook::may_run(&caller, &req, target.as_ref()).await;
    // The restores asked for this playbook, whatever became of them.
    let restores: Vec<requests::Request> = requests::list(
        caller.state.db(),
        &requests::ListFilter { target_ids: vec![req.target_id.clone()], ..Default::default() },
    )
    .await
    .map_err(db_error)?
    .into_iter()
    .filter(|r| matches!(&r.call, Call::Restore { playbook_id, .. } if *playbook_id == req.id))
    .collect();
    let restoring = restores.iter().any(|r| r.status.is_open());
    // A restore is offered while the plan would accept one (the same check the request makes).
    let can_restore = matches!(req.call, Call::Offboard { .. })
        && req.status == Status::Done
        && !restoring
        && match &target {
            Some(user) => {
                let ask = Some(PlaybookAsk::Restore { playbook_id: req.id.clone() });
                playbook::plan(&caller.state, user, ask).await.is_ok()
                    && caller.decide_for(portico_vocab::PolicyAction::Offboard, user).await
                        != portico_core::policy::Decision::Refuse
            }
            None => false,
        };
    let restores = restores.into_iter().map(|r| (r.id, r.status.label().to_string())).collect();
    Ok(ChecklistView {
        steps: steps
            .into_iter()
            .map(|s| StepView {
                id: s.id.clone(),
                n: s.step.unwrap_or_default(),
                summary: s.summary.clone(),
                status: s.status.as_str().to_string(),
                status_label: match s.status {
                    Status::Approved if s.attempts == 0 => "Waiting".to_string(),
                    Status::Stale => "Skipped".to_string(),
                    other => other.label().to_string(),
                },
                at_words: s.run_at_words(),
                at: s.run_at.clone(),
                result: s.result.clone(),
                can_retry: s.status == Status::Failed && may_run,
            })
            .collect(),
        can_restore,
        restores,
    })
}
