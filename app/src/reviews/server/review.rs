use super::super::ReviewView;
use crate::error::PortalError;
use leptos::prelude::*;

/// One access review with the items the caller may read, each revocation's state beside it.
#[server(prefix = "/api", endpoint = "reviews/get")]
pub async fn review(id: String) -> Result<ReviewView, PortalError> {
    use super::super::ItemView;
    use portico_core::{Role, requests, reviews};
    let caller = crate::ssr::caller().await?.now().await?;
    let (campaign, items) = reviews::read(&caller, &id).await?;
    let mut views = Vec::with_capacity(items.len());
    for item in items {
        let req = match &item.request_id {
            Some(r) => requests::find(caller.state.db(), r).await.ok(),
            None => None,
        };
        let may_restart = reviews::may_restart(&caller, &item) && reviews::ended_undone(&item, req.as_ref());
        views.push(ItemView {
            may_restart,
            may_decide: !campaign.closed && item.verdict.is_none() && reviews::may_decide(&caller, &item),
            request_state: req.as_ref().map(|r| r.status.label().to_string()),
            request_result: req.and_then(|r| r.result),
            item,
        });
    }
    let may_close = !campaign.closed && caller.roles.contains(&Role::Admin);
    Ok(ReviewView { campaign, items: views, may_close })
}
