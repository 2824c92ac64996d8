use crate::{
    audit::{AuditEvents, AuditFilter},
    error::PortalError,
};
use leptos::prelude::*;

/// A page of the events matching the filter, newest first (admins and auditors).
#[server(prefix = "/api", endpoint = "audit/search")]
pub async fn search_audit(filter: AuditFilter) -> Result<AuditEvents, PortalError> {
    use crate::audit::{AuditRow, PAGE_SIZE};
    use portico_core::{audit, authz::Action};
    let caller = crate::ssr::caller().await?;
    caller.require(Action::ViewAudit, "read the audit trail").await?;
    let q = audit::AuditQuery {
        actor: filter.actor,
        target: filter.target,
        action: filter.action,
        from: filter.from,
        to: filter.to,
        before: filter.before.trim().parse().ok(),
    };
    let (events, older) = audit::page(caller.state.db(), &q, PAGE_SIZE).await.map_err(|e| {
        tracing::error!(error = %e, "audit search failed");
        crate::ssr::fail(PortalError::internal())
    })?;
    let rows = events
        .into_iter()
        .map(|e| AuditRow {
            at: e.at,
            op_id: e.op_id,
            actor: e.actor,
            action: e.action,
            target: e.target,
            before: e.before,
            after: e.after,
            result: e.result,
            detail: e.detail,
            upstream_id: e.upstream_id,
        })
        .collect();
    Ok(AuditEvents { rows, older })
}
