//! Reading what a campaign reviews: the people in scope, each one's access (Okta groups,
//! applications direct or through a group, the ASA account and its groups), who reviews each
//! item, and the context beside it. Read once, at creation: the evidence shows what reviewers saw.

use crate::{
    AppState,
    asa::{AsaError, AsaUser, ServerAccess, drift},
    okta::{OktaError, User, search::literal},
};
use portico_vocab::{AccessContext, AccessKind, GroupKind, ReviewItem, ReviewScope, UserStatus};
use std::collections::{HashMap, HashSet};

/// Sign-ins older than this flag an item as unused.
pub const INACTIVE_DAYS: i64 = 90;

#[derive(Debug)]
pub enum BuildError {
    Okta(OktaError),
    Asa(AsaError),
    Invalid(String),
}

impl From<OktaError> for BuildError {
    fn from(e: OktaError) -> Self {
        BuildError::Okta(e)
    }
}

impl From<AsaError> for BuildError {
    fn from(e: AsaError) -> Self {
        BuildError::Asa(e)
    }
}

/// Reads as it goes, each thing once.
struct Reader<'a> {
    state: &'a AppState,
    users: HashMap<String, Option<User>>,
    owners: HashMap<String, Vec<(String, String)>>,
    groups_of: HashMap<String, HashSet<String>>,
    departments: HashMap<String, Vec<User>>,
    app_users: HashMap<String, HashSet<String>>,
    accounts: Option<Vec<AsaUser>>,
    asa_members: HashMap<String, HashSet<String>>,
    group_kinds: HashMap<String, GroupKind>,
}

/// Who reviews an item: `(id, name, why)`.
type Reviewer = (String, String, &'static str);

impl<'a> Reader<'a> {
    async fn user(&mut self, id: &str) -> Result<Option<User>, OktaError> {
        if let Some(u) = self.users.get(id) {
            return Ok(u.clone());
        }
        let u = match self.state.okta.get_user(id).await {
            Ok(u) => Some(u),
            Err(e) if e.fault == crate::upstream::Fault::NotFound => None,
            Err(e) => return Err(e),
        };
        self.users.insert(id.to_string(), u.clone());
        Ok(u)
    }

    async fn all(&self, search: &str) -> Result<Vec<User>, OktaError> {
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = self.state.okta.search_users(Some(search), None, after.as_deref(), 200).await?;
            out.extend(page.items);
            match page.next {
                Some(n) => after = Some(n),
                None => return Ok(out),
            }
        }
    }

    async fn group_ids_of(&mut self, user: &str) -> Result<HashSet<String>, OktaError> {
        if let Some(g) = self.groups_of.get(user) {
            return Ok(g.clone());
        }
        let ids: HashSet<String> = self.state.okta.user_groups(user).await?.into_iter().map(|g| g.id).collect();
        self.groups_of.insert(user.to_string(), ids.clone());
        Ok(ids)
    }

    async fn department(&mut self, name: &str) -> Result<Vec<User>, OktaError> {
        if let Some(d) = self.departments.get(name) {
            return Ok(d.clone());
        }
        let mut people = self.all(&format!("profile.department eq {}", literal(name))).await?;
        people.retain(|p| p.status != UserStatus::Deprovisioned);
        self.departments.insert(name.to_string(), people.clone());
        Ok(people)
    }

    async fn accounts(&mut self, asa: &impl ServerAccess) -> Result<Vec<AsaUser>, AsaError> {
        if self.accounts.is_none() {
            self.accounts = Some(drift::people_accounts(asa).await?);
        }
        Ok(self.accounts.clone().unwrap_or_default())
    }

    fn account_for(accounts: &[AsaUser], user: &User) -> Option<AsaUser> {
        let email = user.field("email")?.to_lowercase();
        accounts.iter().find(|a| a.email().is_some_and(|e| e.to_lowercase() == email)).cloned()
    }

    /// The person's manager as reviewer, unless that is the person themselves.
    async fn manager(&mut self, person: &User) -> Result<Option<Reviewer>, OktaError> {
        let Some(mid) = person.field("managerId").filter(|m| !m.is_empty() && *m != person.id).map(str::to_string)
        else {
            return Ok(None);
        };
        Ok(self
            .user(&mid)
            .await?
            .filter(|m| m.status != UserStatus::Deprovisioned)
            .map(|m| (m.id.clone(), m.display_name(), "manager")))
    }
}

/// The fallback group as a reviewer.
pub fn fallback(group: &str) -> (String, String) {
    (format!("group:{group}"), format!("{group} (group)"))
}

/// Everyone in scope, each once, not deactivated.
async fn people(
    r: &mut Reader<'_>,
    scope: ReviewScope,
    scope_of: &[(String, String)],
) -> Result<Vec<User>, BuildError> {
    let mut out: Vec<User> = Vec::new();
    let mut seen = HashSet::new();
    for (id, _) in scope_of {
        let found = match scope {
            ReviewScope::Managers => r.all(&format!("profile.managerId eq {}", literal(id))).await?,
            ReviewScope::OktaGroups => {
                let mut members = Vec::new();
                let mut after: Option<String> = None;
                loop {
                    let page = r.state.okta.group_members(id, after.as_deref(), 200).await?;
                    members.extend(page.items);
                    match page.next {
                        Some(n) => after = Some(n),
                        None => break,
                    }
                }
                members
            }
            ReviewScope::AsaGroups => {
                let asa = r
                    .state
                    .asa
                    .clone()
                    .ok_or_else(|| BuildError::Invalid("Server access is not configured.".into()))?;
                let mut people = Vec::new();
                for account in asa.members(id).await? {
                    if let Some(u) = drift::okta_person(&r.state.okta, &account).await? {
                        people.push(u);
                    }
                }
                people
            }
        };
        for u in found {
            if u.status != UserStatus::Deprovisioned && seen.insert(u.id.clone()) {
                out.push(u);
            }
        }
    }
    Ok(out)
}

/// Every item the campaign reviews, with its reviewer and context. `new_id` names each item.
pub async fn items(
    state: &AppState,
    scope: ReviewScope,
    scope_of: &[(String, String)],
    fallback_group: &str,
    mut new_id: impl FnMut() -> String,
) -> Result<Vec<ReviewItem>, BuildError> {
    let mut r = Reader {
        state,
        users: HashMap::new(),
        owners: HashMap::new(),
        groups_of: HashMap::new(),
        departments: HashMap::new(),
        app_users: HashMap::new(),
        accounts: None,
        asa_members: HashMap::new(),
        group_kinds: HashMap::new(),
    };
    let now = state.clock.now();
    let (fallback_id, fallback_name) = fallback(fallback_group);
    let mut items = Vec::new();
    for person in people(&mut r, scope, scope_of).await? {
        let pid = person.id.clone();
        r.users.insert(pid.clone(), Some(person.clone()));
        let department = person.field("department").map(str::to_string);
        let peers: Vec<User> = match &department {
            Some(d) => r.department(d).await?.into_iter().filter(|p| p.id != pid).collect(),
            None => Vec::new(),
        };
        let last = person.last_login.clone();
        let inactive = last
            .as_deref()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .is_none_or(|t| now.signed_duration_since(t).num_days() >= INACTIVE_DAYS);
        let account = match &state.asa {
            Some(asa) => Reader::account_for(&r.accounts(asa.as_ref()).await?, &person),
            None => None,
        };
        let drift = account
            .as_ref()
            .and_then(|a| drift::compare(std::slice::from_ref(&person), std::slice::from_ref(a)).pop())
            .map(|d| d.problem);
        let base = AccessContext {
            last_sign_in: last,
            inactive,
            department,
            peers: peers.len() as u32,
            peers_with: 0,
            drift,
            open_requests: state
                .db()
                .open_requests_about(&pid)
                .await
                .map_err(|e| BuildError::Invalid(e.to_string()))?,
        };
        let manager = r.manager(&person).await?;
        let by_manager = || manager.clone().unwrap_or((fallback_id.clone(), fallback_name.clone(), "fallback"));
        let mut push = |kind, target_id: String, target_name: String, via, reviewer: Reviewer, peers_with| {
            items.push(ReviewItem {
                id: new_id(),
                person_id: pid.clone(),
                person_name: person.display_name(),
                kind,
                target_id,
                target_name,
                via,
                context: AccessContext { peers_with, ..base.clone() },
                reviewer_id: reviewer.0,
                reviewer_name: reviewer.1,
                reviewer_why: reviewer.2.to_string(),
                ..Default::default()
            });
        };

        // Okta groups a person can be taken out of (not Everyone, not imported app groups).
        for g in state.okta.user_groups(&pid).await? {
            if g.kind != GroupKind::OktaGroup {
                continue;
            }
            if !r.owners.contains_key(&g.id) {
                let owners = state.okta.group_owners(&g.id).await?;
                r.owners.insert(g.id.clone(), owners);
            }
            let owner = r.owners[&g.id].iter().find(|(id, _)| *id != pid).cloned();
            let reviewer = match owner {
                Some((id, name)) => (id, name, "owner"),
                None => by_manager(),
            };
            let mut with = 0;
            for p in &peers {
                if r.group_ids_of(&p.id).await?.contains(&g.id) {
                    with += 1;
                }
            }
            push(AccessKind::OktaGroup, g.id.clone(), g.name.clone(), None, reviewer, with);
        }

        // Applications, once each: direct, or through a group.
        let mut seen_apps = HashSet::new();
        for link in state.okta.app_links(&pid).await? {
            let Some(app) = link.get("appInstanceId").and_then(|v| v.as_str()).map(str::to_string) else { continue };
            if !seen_apps.insert(app.clone()) {
                continue;
            }
            let label = link.get("label").and_then(|v| v.as_str()).unwrap_or(&app).to_string();
            let Some(assigned) = state.okta.app_user(&app, &pid).await? else { continue };
            let via = (assigned.get("scope").and_then(|v| v.as_str()) == Some("GROUP")).then(|| {
                let link = assigned.pointer("/_links/group");
                let href = link.and_then(|l| l.get("href")).and_then(|h| h.as_str()).unwrap_or_default();
                let id = href.rsplit('/').next().unwrap_or_default().to_string();
                let name = link.and_then(|l| l.get("name")).and_then(|n| n.as_str()).unwrap_or("a group").to_string();
                (id, name)
            });
            // Given to everyone (or by an imported app group): not one person's access to take.
            if let Some((gid, _)) = &via {
                if !r.group_kinds.contains_key(gid) {
                    let kind = state.okta.get_group(gid).await?.kind;
                    r.group_kinds.insert(gid.clone(), kind);
                }
                if r.group_kinds[gid] != GroupKind::OktaGroup {
                    continue;
                }
            }
            if !r.app_users.contains_key(&app) {
                let ids: HashSet<String> = state.okta.app_user_ids(&app).await?.into_iter().collect();
                r.app_users.insert(app.clone(), ids);
            }
            let with = peers.iter().filter(|p| r.app_users[&app].contains(&p.id)).count() as u32;
            push(AccessKind::App, app, label, via, by_manager(), with);
        }

        // The ASA account, and the ASA groups it is in (those Okta pushes are changed in Okta).
        if let (Some(asa), Some(account)) = (state.asa.clone(), account) {
            let accounts = r.accounts(asa.as_ref()).await?;
            let peer_accounts: Vec<String> =
                peers.iter().filter_map(|p| Reader::account_for(&accounts, p)).map(|a| a.name).collect();
            let name = format!("{} ({})", account.name, account.status.to_lowercase());
            let with = peer_accounts.len() as u32;
            if account.status == "ACTIVE" {
                push(AccessKind::AsaAccount, account.name.clone(), name, None, by_manager(), with);
            }
            for g in asa.user_groups(&account.name).await? {
                if g.managed_by_okta || g.name == "everyone" {
                    continue;
                }
                if !r.asa_members.contains_key(&g.name) {
                    let members: HashSet<String> = asa.members(&g.name).await?.into_iter().map(|m| m.name).collect();
                    r.asa_members.insert(g.name.clone(), members);
                }
                let with = peer_accounts.iter().filter(|a| r.asa_members[&g.name].contains(*a)).count() as u32;
                let via = Some((account.name.clone(), account.name.clone()));
                push(AccessKind::AsaGroup, g.name.clone(), g.name.clone(), via, by_manager(), with);
            }
        }
    }
    Ok(items)
}
