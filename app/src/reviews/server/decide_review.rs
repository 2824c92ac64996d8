use super::super::Decisions;
use crate::error::PortalError;
use leptos::prelude::*;

/// Keeps or revokes `items` (one, or many at once) with an optional comment. Each item is
/// decided or refused on its own; a revoke starts its revocation through the policy.
#[server(prefix = "/api", endpoint = "reviews/decide")]
pub async fn decide_review(items: Vec<String>, verdict: String, comment: String) -> Result<Decisions, PortalError> {
    use portico_core::reviews;
    let caller = crate::ssr::caller().await?.now().await?;
    let verdict = portico_vocab::Verdict::parse(&verdict)
        .ok_or_else(|| crate::ssr::fail(PortalError::bad_request("Choose keep or revoke.")))?;
    if items.is_empty() {
        return Err(crate::ssr::fail(PortalError::bad_request("Choose at least one item.")));
    }
    let mut out = Decisions { decided: 0, messages: Vec::new() };
    let results = reviews::decide(&caller, &items, verdict, &comment).await;
    // One item alone answers with its own error (a refusal keeps its status).
    if let [one] = results.as_slice()
        && let Err(e) = &one.result
    {
        return Err(super::super::server::error_of(e));
    }
    for d in results {
        match d.result {
            Ok(req) => {
                out.decided += 1;
                if let Some(r) = req {
                    out.messages.push(format!("{}: {} ({})", r.id, r.summary, r.status.label()));
                }
            }
            Err(e) => out.messages.push(format!("{}: {e}", d.item_id)),
        }
    }
    Ok(out)
}
