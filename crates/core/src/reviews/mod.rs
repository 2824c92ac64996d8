//! Access reviews: an admin starts a campaign over a scope of people; each item (one person's one
//! access) goes to a reviewer (the group's owner, the person's manager, else a fallback group),
//! never to the person; reviewers keep or revoke. A revoke is a request the engine runs once,
//! routed by the policy (approved at once when the reviewer may run it, else asked of its
//! approvers). Undecided items escalate at the due date and are never kept by default; a closed
//! campaign's decisions are frozen. Admins and auditors read every campaign; reviewers theirs.

pub mod build;
mod store;

pub use store::{Decision, ReviewStore};

use crate::{
    AppState, Role,
    actions::plan::{Ask, PlanError, plan},
    actor::{Actor, Denied},
    clock::stamp,
    policy::Decision as Rule,
    requests::{self, NewRequest, Person, Purpose, Schedule, exec::Outcome, mail::Mail},
};
use chrono::{DateTime, Duration, Utc};
use portico_vocab::{AccessKind, Campaign, PolicyAction, ReviewItem, ReviewScope, Verdict};

/// Why a review action was refused or failed, in words people understand.
#[derive(Debug)]
pub enum ReviewError {
    Denied(Denied),
    NotFound,
    Invalid(String),
    Upstream(String),
    Db(sqlx::Error),
}

impl From<sqlx::Error> for ReviewError {
    fn from(e: sqlx::Error) -> Self {
        ReviewError::Db(e)
    }
}

impl From<Denied> for ReviewError {
    fn from(d: Denied) -> Self {
        ReviewError::Denied(d)
    }
}

impl From<build::BuildError> for ReviewError {
    fn from(e: build::BuildError) -> Self {
        match e {
            build::BuildError::Okta(e) => ReviewError::Upstream(format!("Okta: {e}")),
            build::BuildError::Asa(e) => ReviewError::Upstream(format!("ASA: {}", e.message)),
            build::BuildError::Invalid(m) => ReviewError::Invalid(m),
        }
    }
}

impl std::fmt::Display for ReviewError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReviewError::Denied(Denied::NotAllowed(what)) => write!(f, "You are not allowed to {what}."),
            ReviewError::Denied(d) => write!(f, "{d:?}"),
            ReviewError::NotFound => f.write_str("No such access review."),
            ReviewError::Invalid(m) | ReviewError::Upstream(m) => f.write_str(m),
            ReviewError::Db(e) => write!(f, "The portal's database: {e}"),
        }
    }
}

/// What an admin asks for when starting a campaign.
pub struct NewCampaign {
    pub name: String,
    pub scope: ReviewScope,
    /// Manager ids, Okta group ids or ASA group names.
    pub scope_ids: Vec<String>,
    pub fallback_group: String,
    pub due_at: DateTime<Utc>,
    /// Reviewers with undecided items are mailed this many hours before the due date, once each.
    pub remind_hours: Vec<u32>,
}

fn new_id(prefix: &str) -> String {
    let hex = uuid::Uuid::new_v4().simple().to_string();
    format!("{prefix}-{}", &hex[..10].to_uppercase())
}

/// `Name (login)`, as the evidence names a person.
fn who(actor: &Actor) -> String {
    format!("{} ({})", actor.principal.name, actor.principal.login)
}

/// Reads every campaign: admins and auditors.
fn reads_all(actor: &Actor) -> bool {
    actor.roles.iter().any(|r| matches!(r, Role::Admin | Role::Auditor))
}

/// The reviewer ids that are this person: their user id and the groups they are in.
fn reviewer_ids(actor: &Actor) -> Vec<String> {
    std::iter::once(actor.principal.sub.clone())
        .chain(actor.principal.groups.iter().map(|g| format!("group:{g}")))
        .collect()
}

/// Whether the actor may decide `item`: they are its reviewer (or in its reviewer group) and
/// it is not their own access.
pub fn may_decide(actor: &Actor, item: &ReviewItem) -> bool {
    item.person_id != actor.principal.sub && reviewer_ids(actor).contains(&item.reviewer_id)
}

/// Starts a campaign (admins): reads everyone in scope and stores every item at once.
pub async fn create(actor: &Actor, ask: NewCampaign) -> Result<Campaign, ReviewError> {
    let state = &actor.state;
    if !actor.roles.contains(&Role::Admin) {
        actor.refusal("review.create", &ask.name, "only admins start access reviews").await;
        return Err(Denied::NotAllowed("start an access review".into()).into());
    }
    let name = ask.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ReviewError::Invalid("Give the review a name (up to 200 characters).".into()));
    }
    if ask.scope_ids.is_empty() {
        return Err(ReviewError::Invalid("Choose at least one manager or group to review.".into()));
    }
    let fallback = ask.fallback_group.trim().to_string();
    if fallback.is_empty() {
        return Err(ReviewError::Invalid("Name the fallback group: it reviews what nobody else can.".into()));
    }
    let now = state.clock.now();
    if ask.due_at <= now {
        return Err(ReviewError::Invalid("The due date has passed: pick a later one.".into()));
    }
    let mut scope_of = Vec::new();
    for id in &ask.scope_ids {
        let named = match ask.scope {
            ReviewScope::Managers => state.okta.get_user(id).await.map(|u| u.display_name()),
            ReviewScope::OktaGroups => state.okta.get_group(id).await.map(|g| g.name),
            ReviewScope::AsaGroups => Ok(id.clone()),
        };
        let name = named.map_err(|e| ReviewError::Invalid(format!("{id} cannot be reviewed: {e}")))?;
        scope_of.push((id.clone(), name));
    }
    let mut items = build::items(state, ask.scope, &scope_of, &fallback, || new_id("I")).await?;
    if items.is_empty() {
        return Err(ReviewError::Invalid("Nobody in that scope has access to review.".into()));
    }
    let id = new_id("AR");
    for i in &mut items {
        i.campaign_id = id.clone();
    }
    let mut reminders: Vec<String> = ask
        .remind_hours
        .iter()
        .map(|h| ask.due_at - Duration::hours(i64::from(*h)))
        .filter(|t| *t > now && *t < ask.due_at)
        .map(stamp)
        .collect();
    reminders.sort();
    reminders.dedup();
    let campaign = Campaign {
        id: id.clone(),
        name,
        scope: ask.scope,
        scope_of,
        fallback_group: fallback,
        due_at: stamp(ask.due_at),
        remind_at: reminders.first().cloned(),
        closed: false,
        created_by: who(actor),
        created_at: stamp(now),
        closed_by: None,
        closed_at: None,
        items: items.len() as u32,
        decided: 0,
        revoked: 0,
        escalated: 0,
    };
    state.db().insert_campaign(&campaign, &reminders, &items).await?;
    let detail = format!("{}: {} items, due {}", campaign.name, items.len(), campaign.due_at);
    actor.audit("review.create", &id, None, None, &detail).await;
    Ok(campaign)
}

/// The campaigns the actor may read: all (admins, auditors), or those they review in.
pub async fn list(actor: &Actor) -> Result<Vec<Campaign>, ReviewError> {
    let all = actor.state.db().campaigns().await?;
    if reads_all(actor) {
        return Ok(all);
    }
    let mine = actor.state.db().campaigns_reviewed_by(&reviewer_ids(actor)).await?;
    Ok(all.into_iter().filter(|c| mine.contains(&c.id)).collect())
}

/// For the navigation: whether the actor has reviews to read, and how many items wait for them.
pub async fn nav(actor: &Actor) -> (bool, u32) {
    let db = actor.state.db();
    let ids = reviewer_ids(actor);
    let waiting = db.undecided_for(&ids, &actor.principal.sub).await.unwrap_or(0);
    let any = reads_all(actor) || waiting > 0 || db.campaigns_reviewed_by(&ids).await.is_ok_and(|c| !c.is_empty());
    (any, waiting)
}

/// A campaign and its items, for someone who may read it (refusals audited). Reviewers who do
/// not read everything see their own items.
pub async fn read(actor: &Actor, id: &str) -> Result<(Campaign, Vec<ReviewItem>), ReviewError> {
    let db = actor.state.db();
    let campaign = db.campaign(id).await?.ok_or(ReviewError::NotFound)?;
    let items = db.review_items(id).await?;
    if reads_all(actor) {
        return Ok((campaign, items));
    }
    let ids = reviewer_ids(actor);
    let mine: Vec<ReviewItem> = items.into_iter().filter(|i| ids.contains(&i.reviewer_id)).collect();
    if mine.is_empty() {
        actor.refusal("review.read", id, "not a reviewer of this access review").await;
        return Err(Denied::NotAllowed("read this access review".into()).into());
    }
    Ok((campaign, mine))
}

/// What became of one decision.
#[derive(Debug)]
pub struct Decided {
    pub item_id: String,
    pub result: Result<Option<requests::Request>, ReviewError>,
}

/// Records `verdict` on each item (one by one or in bulk). Each item is refused on its own when
/// the actor may not decide it (audited), when it was decided already or the campaign closed. A
/// revoke starts its revocation at once.
pub async fn decide(actor: &Actor, item_ids: &[String], verdict: Verdict, comment: &str) -> Vec<Decided> {
    let comment = comment.trim();
    let mut out = Vec::new();
    for id in item_ids {
        let result = decide_one(actor, id, verdict, comment).await;
        out.push(Decided { item_id: id.clone(), result });
    }
    out
}

async fn decide_one(
    actor: &Actor,
    id: &str,
    verdict: Verdict,
    comment: &str,
) -> Result<Option<requests::Request>, ReviewError> {
    let db = actor.state.db();
    if comment.chars().count() > 1000 {
        return Err(ReviewError::Invalid("Keep the comment under 1000 characters.".into()));
    }
    let item = db.item(id).await?.ok_or(ReviewError::NotFound)?;
    let label = format!("{}: {}", item.person_name, item.target_name);
    if item.person_id == actor.principal.sub {
        actor.refusal("review.decide", &label, "nobody reviews their own access").await;
        return Err(Denied::NotAllowed("review your own access".into()).into());
    }
    if !may_decide(actor, &item) {
        actor.refusal("review.decide", &label, "not this item's reviewer").await;
        return Err(Denied::NotAllowed("decide this item".into()).into());
    }
    let at = stamp(actor.state.clock.now());
    let by = who(actor);
    if !db.decide(id, &Decision { verdict, comment, by: &by, at: &at }).await? {
        return Err(ReviewError::Invalid(format!(
            "{label} was decided already, or its review is closed; nothing changed."
        )));
    }
    let detail = format!(
        "{} in {}{}",
        verdict.as_str(),
        item.campaign_id,
        if comment.is_empty() { String::new() } else { format!(": {comment}") }
    );
    actor.audit(&format!("review.{}", verdict.as_str()), &label, None, None, &detail).await;
    if verdict == Verdict::Keep {
        return Ok(None);
    }
    let item = ReviewItem {
        verdict: Some(verdict),
        comment: comment.to_string(),
        decided_by: Some(by),
        decided_at: Some(at),
        ..item
    };
    revoke(actor, &item).await.map(Some).map_err(|e| {
        ReviewError::Upstream(format!(
            "The revoke of {label} is recorded, but its revocation could not start: {e} Use “Start again” on the review."
        ))
    })
}

/// Whether the revocation of `item` may be started again: it says revoke, and its request
/// (`request`, as read for the item's `request_id`) never started or ended without doing it
/// (failed, rejected, expired, cancelled, not run).
pub fn ended_undone(item: &ReviewItem, request: Option<&requests::Request>) -> bool {
    if item.verdict != Some(Verdict::Revoke) {
        return false;
    }
    match (&item.request_id, request) {
        (None, _) => true,
        // A start that stopped half way (the portal stopped): the engine's one open request per
        // access keeps a second start from doubling it.
        (Some(r), _) if r.starts_with(STARTING) => true,
        (Some(_), Some(req)) => !req.status.is_open() && req.status != requests::Status::Done,
        (Some(_), None) => false,
    }
}

/// Who may start a revocation again: the item's reviewer, or an admin; never about themselves.
pub fn may_restart(actor: &Actor, item: &ReviewItem) -> bool {
    item.person_id != actor.principal.sub
        && (reviewer_ids(actor).contains(&item.reviewer_id) || actor.roles.contains(&Role::Admin))
}

/// Starts a revoked item's revocation again (its reviewer, or an admin), when it never started or
/// ended undone; the new request takes the old one's place on the item (the old stays in the trail).
pub async fn restart(actor: &Actor, item_id: &str) -> Result<requests::Request, ReviewError> {
    let db = actor.state.db();
    let item = db.item(item_id).await?.ok_or(ReviewError::NotFound)?;
    let label = format!("{}: {}", item.person_name, item.target_name);
    if !may_restart(actor, &item) {
        actor.refusal("review.restart", &label, "not this item's reviewer").await;
        return Err(Denied::NotAllowed("start this revocation".into()).into());
    }
    let request = match item.request_id.as_deref().filter(|r| !r.starts_with(STARTING)) {
        Some(r) => requests::find(db, r).await.ok(),
        None => None,
    };
    if !ended_undone(&item, request.as_ref()) {
        return Err(ReviewError::Invalid(format!("The revocation of {label} is under way or done; nothing to start.")));
    }
    actor
        .audit("review.restart", &label, None, None, &format!("{} (was {:?})", item.campaign_id, item.request_id))
        .await;
    revoke(actor, &item).await
}

/// What revoking an item asks of the engine.
fn ask_for(item: &ReviewItem) -> Ask {
    let mut ask = match (item.kind, &item.via) {
        (AccessKind::OktaGroup, _) => {
            let mut a = Ask::new(PolicyAction::Membership, &item.person_id);
            a.group = Some(item.target_id.clone());
            a
        }
        // An app that comes through a group goes with the group.
        (AccessKind::App, Some((group, _))) => {
            let mut a = Ask::new(PolicyAction::Membership, &item.person_id);
            a.group = Some(group.clone());
            a
        }
        (AccessKind::App, None) => {
            let mut a = Ask::new(PolicyAction::AppAssignment, &item.person_id);
            a.group = Some(item.target_id.clone());
            a
        }
        (AccessKind::AsaAccount, _) => {
            let mut a = Ask::new(PolicyAction::AsaStatus, &item.target_id);
            a.status = Some("DISABLED".into());
            a
        }
        (AccessKind::AsaGroup, via) => {
            let account = via.as_ref().map(|v| v.0.clone()).unwrap_or_default();
            let mut a = Ask::new(PolicyAction::AsaGroup, account);
            a.group = Some(item.target_id.clone());
            a
        }
    };
    ask.add = Some(false);
    ask
}

/// Starts the revocation of a revoked item: a request the reviewer makes, run at once when the
/// policy lets them run it, otherwise waiting for the policy's approvers. Its reviewer's word
/// stands in for the "may request" rule: the review asked them. Linked to the item once.
async fn revoke(actor: &Actor, item: &ReviewItem) -> Result<requests::Request, ReviewError> {
    let state = &actor.state;
    // The item is claimed for this start before anything is asked of the engine, so two starts
    // at once make one request; a start that fails hands it back.
    let old = item.request_id.as_deref();
    let marker = format!("{STARTING}{}", uuid::Uuid::new_v4().simple());
    if !state.db().set_request(&item.id, old, &marker).await? {
        return Err(ReviewError::Invalid("Its revocation was started meanwhile.".into()));
    }
    let started = start_revocation(actor, item).await;
    let linked = match &started {
        Ok(req) => req.id.as_str(),
        Err(_) => old.unwrap_or_default(),
    };
    state.db().set_request(&item.id, Some(&marker), linked).await?;
    started
}

/// What an item's request id says while its revocation is being started.
const STARTING: &str = "starting:";

async fn start_revocation(actor: &Actor, item: &ReviewItem) -> Result<requests::Request, ReviewError> {
    let state = &actor.state;
    let ask = ask_for(item);
    let action = ask.action;
    let planned = plan(state, ask).await.map_err(|e| match e {
        PlanError::Invalid(m) => ReviewError::Invalid(m),
        PlanError::Okta(e) => ReviewError::Upstream(format!("Okta: {e}")),
        PlanError::Asa(e) => ReviewError::Upstream(format!("ASA: {}", e.message)),
    })?;
    let decision = match &planned.user {
        Some(u) => actor.decide_for(action, u).await,
        None => actor.decide(action, false),
    };
    let rule = state.policy.rule(action).clone();
    let approved = decision == Rule::Run || rule.stages.is_empty();
    let campaign = state.db().campaign(&item.campaign_id).await?.map(|c| c.name).unwrap_or_default();
    let reason = match item.comment.as_str() {
        "" => format!("Access review “{campaign}” ({}): revoke", item.campaign_id),
        c => format!("Access review “{campaign}” ({}): revoke — {c}", item.campaign_id),
    };
    let label = planned
        .label
        .clone()
        .or_else(|| planned.user.as_ref().map(crate::actor::person_label))
        .unwrap_or_else(|| item.person_name.clone());
    let new = NewRequest {
        call: planned.call.clone(),
        target_label: label,
        target_sub: planned.user.as_ref().map(|u| u.id.clone()).or(Some(item.person_id.clone())),
        summary: planned.summary.clone(),
        reason,
        requester: Person::of(&actor.principal),
        stages: if approved { Vec::new() } else { rule.stages.clone() },
        ttl_hours: rule.ttl_hours,
        escalation: if approved { None } else { rule.escalate.clone() },
        break_glass_review_due: None,
        policy_version: state.policy.version(),
        schedule: Schedule {
            approved,
            purpose: Purpose::Revoke,
            parent_id: Some(item.id.clone()),
            ..Schedule::default()
        },
    };
    let req = match requests::create(state.db(), new, state.clock.now()).await {
        Ok(r) => r,
        // The same access is already being taken (another item, or another way): follow that one.
        Err(requests::RequestError::Duplicate(existing)) => {
            let id = existing.split_whitespace().next().unwrap_or_default().to_string();
            match requests::find(state.db(), &id).await {
                Ok(r) => return Ok(r),
                Err(_) => {
                    return Err(ReviewError::Invalid(format!("That access is already being changed ({existing}).")));
                }
            }
        }
        Err(e) => return Err(ReviewError::Invalid(e.to_string())),
    };
    Ok(requests::scheduled::start(actor, req, approved).await)
}

/// Closes a campaign (admins) once every item is decided or escalated; its decisions and
/// evidence are frozen from then on.
pub async fn close(actor: &Actor, id: &str) -> Result<Campaign, ReviewError> {
    let db = actor.state.db();
    let campaign = db.campaign(id).await?.ok_or(ReviewError::NotFound)?;
    if !actor.roles.contains(&Role::Admin) {
        actor.refusal("review.close", id, "only admins close access reviews").await;
        return Err(Denied::NotAllowed("close an access review".into()).into());
    }
    if campaign.closed {
        return Err(ReviewError::Invalid("This review is closed already.".into()));
    }
    let now = stamp(actor.state.clock.now());
    if !db.close(id, &who(actor), &now).await? {
        let open = campaign.items - campaign.decided - campaign.escalated;
        return Err(ReviewError::Invalid(format!(
            "{open} item(s) are still undecided and not yet escalated; it closes once each is decided or escalated."
        )));
    }
    let detail = format!(
        "{}: {} decided, {} revoked, {} escalated undecided",
        campaign.name, campaign.decided, campaign.revoked, campaign.escalated
    );
    actor.audit("review.close", id, None, None, &detail).await;
    db.campaign(id).await?.ok_or(ReviewError::NotFound)
}

/// Whether a revocation may still run: its item exists and says revoke. A review's decision is
/// the revocation's authority (the policy's approvers, when it has any, decided too).
pub async fn authority(state: &AppState, item_id: &str) -> Result<(), Outcome> {
    match state.db().item(item_id).await {
        Ok(Some(item)) if item.verdict == Some(Verdict::Revoke) => Ok(()),
        Ok(_) => Err(Outcome::Stale(format!("Its review item {item_id} no longer says revoke; it was not run."))),
        Err(e) => Err(Outcome::Retry { message: e.to_string(), request_id: None, uncertain: false }),
    }
}

/// The executor's pass: escalates items past their due date and sends campaign reminders.
pub async fn tick(state: &AppState) {
    if let Err(e) = escalate_due(state).await {
        tracing::error!(error = %e, "could not escalate overdue review items");
    }
    if let Err(e) = remind_due(state).await {
        tracing::error!(error = %e, "could not remind reviewers");
    }
}

/// Each undecided item past its due date goes to its reviewer's manager, or the fallback group
/// when they have none (or would review themselves). Never kept by default; audited.
async fn escalate_due(state: &AppState) -> sqlx::Result<()> {
    use std::collections::HashMap;
    let now = stamp(state.clock.now());
    let mut told: HashMap<String, u32> = HashMap::new();
    // A campaign's items mostly share a few reviewers: each campaign and each reviewer's
    // manager is read once per pass.
    let mut campaigns: HashMap<String, Option<Campaign>> = HashMap::new();
    let mut managers: HashMap<String, Option<(String, String)>> = HashMap::new();
    for item in state.db().overdue(&now).await? {
        if !campaigns.contains_key(&item.campaign_id) {
            let c = state.db().campaign(&item.campaign_id).await?;
            campaigns.insert(item.campaign_id.clone(), c);
        }
        let Some(campaign) = campaigns[&item.campaign_id].clone() else { continue };
        if !managers.contains_key(&item.reviewer_id) {
            managers.insert(item.reviewer_id.clone(), manager_of(state, &item.reviewer_id).await);
        }
        // Never to the person reviewed.
        let manager = managers[&item.reviewer_id].clone().filter(|(id, _)| *id != item.person_id);
        let (to_id, to_name) = manager.unwrap_or_else(|| build::fallback(&campaign.fallback_group));
        if state.db().escalate(&item.id, &to_id, &to_name, &now).await? {
            let detail = format!(
                "{}: {} → {to_name} (undecided at the due date {})",
                item.campaign_id, item.reviewer_name, campaign.due_at
            );
            let event = crate::audit::AuditEvent {
                op_id: item.id.clone(),
                actor: "portico".into(),
                action: "review.escalate".into(),
                target: format!("{}: {}", item.person_name, item.target_name),
                result: "ok".into(),
                detail,
                ..Default::default()
            };
            crate::audit::record(state.db(), &state.clock, event).await;
            *told.entry(to_id).or_default() += 1;
        }
    }
    for (to, n) in told {
        mail_reviewer(
            state,
            &to,
            &format!("{n} access review item(s) escalated to you"),
            "They were not decided by their due date. Please decide them.",
        )
        .await;
    }
    Ok(())
}

/// A person reviewer's manager `(id, name)`, as Okta has them now; none for a group.
async fn manager_of(state: &AppState, reviewer: &str) -> Option<(String, String)> {
    if reviewer.starts_with("group:") {
        return None;
    }
    let r = state.okta.get_user(reviewer).await.ok()?;
    let m = r.field("managerId").filter(|m| !m.is_empty())?;
    state.okta.get_user(m).await.ok().map(|m| (m.id.clone(), m.display_name()))
}

async fn remind_due(state: &AppState) -> sqlx::Result<()> {
    let now = stamp(state.clock.now());
    for id in state.db().reminders_due(&now).await? {
        let Some(c) = state.db().campaign(&id).await? else { continue };
        let mut reviewers: Vec<String> = state
            .db()
            .review_items(&id)
            .await?
            .into_iter()
            .filter(|i| i.verdict.is_none())
            .map(|i| i.reviewer_id)
            .collect();
        reviewers.sort();
        reviewers.dedup();
        for r in reviewers {
            let text = format!("The access review “{}” is due {}. Some of your items are undecided.", c.name, c.due_at);
            mail_reviewer(state, &r, &format!("Reminder: access review “{}”", c.name), &text).await;
        }
    }
    Ok(())
}

/// Mails a reviewer (a person; a group's members are not mailed one by one) with a link.
async fn mail_reviewer(state: &AppState, reviewer: &str, subject: &str, text: &str) {
    if state.config.email.is_none() || reviewer.starts_with("group:") {
        return;
    }
    let Ok(user) = state.okta.get_user(reviewer).await else { return };
    let Some(to) = user.field("email").map(str::to_string) else { return };
    let link = format!("{}/reviews", state.config.server.public_url.as_str().trim_end_matches('/'));
    let mail = Mail { to, subject: subject.to_string(), text: format!("{text}\n\n{link}\n") };
    let body = serde_json::to_string(&mail).unwrap_or_default();
    if let Err(e) = state.db.enqueue(requests::notify::EMAIL, &body, state.clock.now()).await {
        tracing::error!(error = %e, "could not queue a review mail");
    }
}

/// The evidence as CSV: one row per item, who decided what and when, and what became of each
/// revocation (`outcomes`: request id → its status and result).
pub fn csv(
    c: &Campaign,
    items: &[ReviewItem],
    outcomes: &std::collections::HashMap<String, (String, String)>,
) -> String {
    let mut out = String::from(
        "campaign,person,access_kind,access,via,reviewer,reviewer_role,verdict,comment,decided_by,decided_at,\
         escalated_at,escalated_from,last_sign_in,inactive_90d,peers_with_same_access,request,request_status,request_result\n",
    );
    for i in items {
        let (status, result) = i.request_id.as_ref().and_then(|r| outcomes.get(r)).cloned().unwrap_or_default();
        let row = [
            c.id.clone(),
            i.person_name.clone(),
            i.kind.label().to_string(),
            i.target_name.clone(),
            i.via.as_ref().filter(|_| i.kind == AccessKind::App).map(|v| v.1.clone()).unwrap_or_default(),
            i.reviewer_name.clone(),
            i.reviewer_why.clone(),
            i.verdict.map(|v| v.as_str().to_string()).unwrap_or_else(|| "undecided".into()),
            i.comment.clone(),
            i.decided_by.clone().unwrap_or_default(),
            i.decided_at.clone().unwrap_or_default(),
            i.escalated_at.clone().unwrap_or_default(),
            i.escalated_from.clone().unwrap_or_default(),
            i.context.last_sign_in.clone().unwrap_or_else(|| "never".into()),
            i.context.inactive.to_string(),
            format!("{} of {}", i.context.peers_with, i.context.peers),
            i.request_id.clone().unwrap_or_default(),
            status,
            result,
        ];
        out.push_str(&row.iter().map(|v| crate::export::csv_field(v)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use portico_vocab::AccessContext;

    fn item(kind: AccessKind, target: &str, via: Option<(&str, &str)>) -> ReviewItem {
        ReviewItem {
            id: "I-1".into(),
            campaign_id: "AR-1".into(),
            person_id: "00uEd".into(),
            person_name: "Ed Engineer".into(),
            kind,
            target_id: target.into(),
            target_name: target.into(),
            via: via.map(|(a, b)| (a.into(), b.into())),
            context: AccessContext::default(),
            reviewer_id: "00uMaria".into(),
            reviewer_name: "Maria Manager".into(),
            reviewer_why: "manager".into(),
            verdict: Some(Verdict::Revoke),
            comment: "=HYPERLINK(\"x\")".into(),
            decided_by: Some("Maria Manager (maria@x)".into()),
            decided_at: Some("2027-01-01T00:00:00.000Z".into()),
            request_id: Some("R-1".into()),
            ..Default::default()
        }
    }

    #[test]
    fn revoking_means_what_the_access_is() {
        let group = ask_for(&item(AccessKind::OktaGroup, "00gEng", None));
        assert_eq!(
            (group.action, group.target.as_str(), group.group.as_deref()),
            (PolicyAction::Membership, "00uEd", Some("00gEng"))
        );
        // An app a group gives goes with that group; a direct one is unassigned.
        let via = ask_for(&item(AccessKind::App, "0oaGit", Some(("00gEng", "Engineering"))));
        assert_eq!((via.action, via.group.as_deref()), (PolicyAction::Membership, Some("00gEng")));
        let direct = ask_for(&item(AccessKind::App, "0oaAws", None));
        assert_eq!((direct.action, direct.group.as_deref()), (PolicyAction::AppAssignment, Some("0oaAws")));
        let account = ask_for(&item(AccessKind::AsaAccount, "Ed.Engineer", None));
        assert_eq!(
            (account.action, account.target.as_str(), account.status.as_deref()),
            (PolicyAction::AsaStatus, "Ed.Engineer", Some("DISABLED"))
        );
        let asa = ask_for(&item(AccessKind::AsaGroup, "sre", Some(("Ed.Engineer", "Ed.Engineer"))));
        assert_eq!(
            (asa.action, asa.target.as_str(), asa.group.as_deref()),
            (PolicyAction::AsaGroup, "Ed.Engineer", Some("sre"))
        );
        assert!([group, via, direct, account, asa].iter().all(|a| a.add == Some(false)));
    }

    #[test]
    fn the_evidence_csv_has_a_row_per_item_and_no_formulas() {
        let c = Campaign {
            id: "AR-1".into(),
            name: "Q1".into(),
            scope: ReviewScope::Managers,
            scope_of: vec![("00uMaria".into(), "Maria Manager".into())],
            fallback_group: "Portico Admins".into(),
            due_at: "2027-01-01T00:00:00.000Z".into(),
            remind_at: None,
            closed: true,
            created_by: "Ada".into(),
            created_at: "2026-12-01T00:00:00.000Z".into(),
            closed_by: None,
            closed_at: None,
            items: 1,
            decided: 1,
            revoked: 1,
            escalated: 0,
        };
        let outcomes = [("R-1".to_string(), ("done".to_string(), "Removed Ed Engineer from Engineering.".to_string()))]
            .into_iter()
            .collect();
        let csv = csv(&c, &[item(AccessKind::OktaGroup, "Engineering", None)], &outcomes);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("campaign,person,access_kind"));
        assert!(lines[1].contains("\"revoke\"") && lines[1].contains("\"done\""), "{}", lines[1]);
        assert!(lines[1].contains("\"'=HYPERLINK"), "a comment cannot run as a formula: {}", lines[1]);
    }
}
