//! Someone acting through Portico, as the server established them, and every check made on
//! their behalf: what their roles allow, whom they manage (the one delegation rule), what the
//! approval policy lets them do to a target. A refusal is audited here, where it is decided.
//! The UI crate only turns a session into an [`Actor`].

use crate::{
    AppState, Principal, Role,
    audit::{self, AuditEvent},
    authz::{self, Action},
    okta::{OktaError, User, search::literal},
    policy::{Decision, Who},
};
use portico_vocab::PolicyAction;

/// The signed-in person (or, at execution, a requester or approver as Okta knows them now).
#[derive(Clone)]
pub struct Actor {
    pub principal: Principal,
    pub roles: Vec<Role>,
    /// Their group names that configuration's groups confirm by id (what `group:` rules see).
    pub groups: Vec<String>,
    pub state: AppState,
    /// The request id every log line and audit row of this operation carries.
    pub op_id: String,
}

/// Why an actor may not do something.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Denied {
    /// Not with their roles or scope, not even by asking: "You are not allowed to {what}."
    NotAllowed(String),
    /// Only by asking for approval.
    NeedsApproval(String),
    /// Their session has ended (they are no longer active in Okta); why, in words.
    SignedOut(String),
    /// The target is protected (holds a Portico role, or is in a protected group): only an
    /// admin changes them. The whole sentence.
    Protected(String),
    /// Their sign-in is too old (or too weak) for this: they confirm it is them by signing in
    /// again. What they were doing, in words.
    StepUp(String),
}

/// A check that also had to read Okta.
#[derive(Clone, Debug)]
pub enum ActorError {
    Denied(Denied),
    Okta(OktaError),
}

impl From<Denied> for ActorError {
    fn from(d: Denied) -> Self {
        ActorError::Denied(d)
    }
}

impl From<OktaError> for ActorError {
    fn from(e: OktaError) -> Self {
        ActorError::Okta(e)
    }
}

/// Whether the Okta user `user_id` is protected: a member (in Okta, now) of a role group or of
/// `roles.protected_groups`. When Okta cannot say, they count as protected.
pub async fn is_protected(state: &AppState, user_id: &str) -> bool {
    match state.okta.user_groups(user_id).await {
        Ok(groups) => groups.iter().any(|g| state.config.roles.named_groups().any(|n| *n == g.name)),
        Err(e) => {
            tracing::warn!(error = %e, target = %user_id, "could not read the person's groups: treated as protected");
            true
        }
    }
}

/// How the audit trail names an Okta person: `login (id)`.
pub fn person_label(user: &User) -> String {
    format!("{} ({})", user.field("login").unwrap_or_default(), user.id)
}

impl Actor {
    pub fn new(principal: Principal, state: AppState, op_id: String) -> Actor {
        let roles = principal.roles(&state.config.roles, &state.group_ids);
        let groups = state.group_ids.confirmed(&principal);
        Actor { principal, roles, groups, state, op_id }
    }

    /// The person who signed in as `sub`/`login`, as Okta knows them now (found the way sessions
    /// find them, `session.match_by`): their current groups give their roles. `None` when they
    /// are no longer active, or Okta does not know them: an authority that cannot be confirmed
    /// does not carry a request.
    pub async fn current(state: &AppState, sub: &str, login: &str, op_id: &str) -> Result<Option<Actor>, OktaError> {
        use crate::sessions::{self, Standing};
        let known = Principal {
            sub: sub.into(),
            name: login.into(),
            email: None,
            login: login.into(),
            groups: vec![],
            group_ids: None,
            authn: None,
        };
        Ok(match sessions::standing(state, &known).await? {
            Standing::Current(p) => Some(Actor::new(p, state.clone(), op_id.to_string())),
            Standing::Gone(_) | Standing::NotInOkta => None,
        })
    }

    pub fn can(&self, action: Action) -> bool {
        authz::allowed(&self.roles, action)
    }

    /// The actor as Okta has them now, before a change: someone no longer active is signed out
    /// everywhere (and refused); someone whose groups changed acts with their current roles.
    /// When Okta cannot be asked, or does not know them, they act as their session says (the
    /// change itself needs Okta).
    pub async fn now(&self) -> Result<Actor, Denied> {
        use crate::sessions::{self, Standing};
        match sessions::standing(&self.state, &self.principal).await {
            Ok(Standing::Gone(why)) => {
                let _ =
                    sessions::end_all(self.state.db(), &self.state.clock, &self.principal.sub, "portico", &why).await;
                tracing::warn!(op_id = %self.op_id, who = %self.principal.login, "refused: no longer active in Okta");
                self.refusal("session.revalidate", "-", &why).await;
                Err(Denied::SignedOut(why))
            }
            Ok(Standing::Current(p)) => Ok(Actor::new(p, self.state.clone(), self.op_id.clone())),
            Ok(Standing::NotInOkta) => Ok(self.clone()),
            Err(e) => {
                tracing::warn!(op_id = %self.op_id, error = %e, "could not re-read the actor from Okta");
                Ok(self.clone())
            }
        }
    }

    /// Refuses (audited) unless the actor's roles allow `action` (for a change, their roles as
    /// Okta has them now).
    pub async fn require(&self, action: Action, what: &str) -> Result<(), Denied> {
        let current;
        let me = if action.is_change() {
            current = self.now().await?;
            &current
        } else {
            self
        };
        if me.can(action) {
            return Ok(());
        }
        tracing::warn!(op_id = %self.op_id, who = %self.principal.login, ?action, "refused: not allowed");
        self.refusal(&format!("{action:?}"), "-", &format!("not allowed to {what}")).await;
        Err(Denied::NotAllowed(what.into()))
    }

    /// Why the actor's sign-in does not do for a step-up action now (`None`: it does): older
    /// than `approvals.step_up_minutes` by the portal's clock, or without the configured `amr`
    /// or `acr`.
    pub fn step_up_lacks(&self) -> Option<String> {
        let cfg = &self.state.config.approvals;
        let Some(authn) = &self.principal.authn else {
            return Some("Portico does not know when you signed in".into());
        };
        let age = self.state.clock.now() - authn.at;
        if age > chrono::Duration::minutes(i64::from(cfg.step_up_minutes)) {
            return Some(format!("you signed in {} minutes ago", age.num_minutes()));
        }
        if let Some(missing) = cfg.step_up_amr.iter().find(|m| !authn.amr.contains(m)) {
            return Some(format!("your sign-in did not use {missing}"));
        }
        if let Some(acr) = cfg.step_up_acr.as_deref().filter(|acr| authn.acr.as_deref() != Some(*acr)) {
            return Some(format!("your sign-in was not at the level {acr}"));
        }
        None
    }

    /// Refuses (audited) unless the actor signed in recently enough for `what` (see
    /// [`Self::step_up_lacks`]).
    pub async fn require_step_up(&self, what: &str) -> Result<(), Denied> {
        let Some(why) = self.step_up_lacks() else { return Ok(()) };
        tracing::info!(op_id = %self.op_id, who = %self.principal.login, %why, "refused: step-up needed");
        self.refusal("step_up", "-", &format!("{what}: {why}")).await;
        Err(Denied::StepUp(format!(
            "To {what}, confirm it is you: sign in again ({why}; it must be within {} minutes).",
            self.state.config.approvals.step_up_minutes
        )))
    }

    /// When the actor last signed in, as the provider said.
    pub fn signed_in_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.principal.authn.as_ref().map(|a| a.at)
    }

    /// The actor as the approval policy sees them.
    pub fn who(&self, manages_target: bool) -> Who<'_> {
        Who { sub: &self.principal.sub, roles: &self.roles, groups: &self.groups, manages_target }
    }

    /// The policy's answer for `action`, given whether the actor manages the target.
    pub fn decide(&self, action: impl Into<PolicyAction>, manages_target: bool) -> Decision {
        self.state.policy.decide(action, &self.who(manages_target))
    }

    /// The policy's answer for `action` on this person (looks up the delegation scope only when
    /// the roles alone do not already allow running it).
    pub async fn decide_for(&self, action: impl Into<PolicyAction>, user: &User) -> Decision {
        let action = action.into();
        match self.decide(action, false) {
            Decision::Run => Decision::Run,
            other if !self.state.policy.mentions_manager(action) => other,
            other => {
                let via_management = self.decide(action, self.manages(user).await);
                if via_management == Decision::Refuse { other } else { via_management }
            }
        }
    }

    /// Refuses (audited) unless the policy lets the actor run `action` now; `target` is the
    /// person acted on, when there is one. The refusal says when a request is the way.
    pub async fn authorize(
        &self,
        action: impl Into<PolicyAction>,
        target: Option<&User>,
        what: &str,
    ) -> Result<(), Denied> {
        let action = action.into();
        // Every policy action is a change: decided with the actor as Okta has them now.
        let me = self.now().await?;
        if let Some(user) = target {
            me.require_may_change(user).await?;
        }
        let decision = match target {
            Some(user) => me.decide_for(action, user).await,
            None => me.decide(action, false),
        };
        let label = target.map(person_label).unwrap_or_else(|| "-".into());
        match decision {
            Decision::Run => Ok(()),
            Decision::Request => {
                tracing::info!(op_id = %self.op_id, who = %self.principal.login, %action, "refused: needs approval");
                self.refusal(action.as_str(), &label, &format!("{what} needs approval")).await;
                Err(Denied::NeedsApproval(what.into()))
            }
            Decision::Refuse => {
                tracing::warn!(op_id = %self.op_id, who = %self.principal.login, %action, "refused: not allowed");
                self.refusal(action.as_str(), &label, &format!("not allowed to {what}")).await;
                Err(Denied::NotAllowed(what.into()))
            }
        }
    }

    /// Whether the actor may change the Okta user `user_id` at all (see
    /// [`Self::require_may_change`]), for what a page offers.
    pub async fn may_change(&self, user_id: &str) -> bool {
        self.roles.contains(&Role::Admin) || !is_protected(&self.state, user_id).await
    }

    /// Refuses (audited) unless the actor may change this person at all: someone who holds a
    /// Portico role, or is in `roles.protected_groups`, is changed only by an admin (a help
    /// desk cannot reset an admin's factors or end their sessions; a manager cannot ask to).
    pub async fn require_may_change(&self, user: &User) -> Result<(), Denied> {
        if self.may_change(&user.id).await {
            return Ok(());
        }
        let name = user.display_name();
        tracing::warn!(op_id = %self.op_id, who = %self.principal.login, target = %user.id, "refused: protected person");
        self.refusal("person.change", &person_label(user), "protected: holds a Portico role or a protected group")
            .await;
        Err(Denied::Protected(format!(
            "{name} holds a Portico role or is in a protected group: only an admin can change them."
        )))
    }

    /// Lets the actor see this person: a role that views people, or managing them. An
    /// out-of-scope look is refused and audited.
    pub async fn require_person(&self, user: &User) -> Result<(), Denied> {
        if self.can(Action::ViewPeople) || self.manages(user).await {
            return Ok(());
        }
        tracing::warn!(op_id = %self.op_id, who = %self.principal.login, target = %user.id, "refused: out of scope");
        self.refusal("person.view", &person_label(user), "not one of their people").await;
        Err(Denied::NotAllowed("view this person".into()))
    }

    /// [`Self::require_person`] by id (reads the person only when the role alone does not do).
    pub async fn require_person_id(&self, id: &str) -> Result<(), ActorError> {
        if self.can(Action::ViewPeople) {
            return Ok(());
        }
        let user = self.state.okta.get_user(id).await?;
        Ok(self.require_person(&user).await?)
    }

    /// Records a completed action in the audit trail (and the log).
    pub async fn audit(&self, action: &str, target: &str, before: Option<&str>, after: Option<&str>, detail: &str) {
        self.audit_call(action, target, before, after, detail, None).await;
    }

    /// [`Self::audit`] for an action Okta knows by a request id.
    pub async fn audit_call(
        &self,
        action: &str,
        target: &str,
        before: Option<&str>,
        after: Option<&str>,
        detail: &str,
        upstream_id: Option<&str>,
    ) {
        tracing::info!(op_id = %self.op_id, actor = %self.principal.login, action, target, ?before, ?after, ?upstream_id, "action");
        self.write(action, target, before, after, "ok", detail, upstream_id).await;
    }

    /// Records an action that failed part way (what was done, and why it stopped, in `detail`).
    pub async fn failure(&self, action: &str, target: &str, detail: &str) {
        self.write(action, target, None, None, "failed", detail, None).await;
    }

    /// Records a refusal (the log line is the caller's).
    pub async fn refusal(&self, action: &str, target: &str, detail: &str) {
        self.write(action, target, None, None, "refused", detail, None).await;
    }

    #[allow(clippy::too_many_arguments)]
    async fn write(
        &self,
        action: &str,
        target: &str,
        before: Option<&str>,
        after: Option<&str>,
        result: &str,
        detail: &str,
        upstream_id: Option<&str>,
    ) {
        let event = AuditEvent {
            op_id: self.op_id.clone(),
            actor: self.principal.login.clone(),
            action: action.into(),
            target: target.into(),
            before: before.map(str::to_string),
            after: after.map(str::to_string),
            result: result.into(),
            detail: detail.into(),
            upstream_id: upstream_id.map(str::to_string),
            ..Default::default()
        };
        audit::record(self.state.db(), &self.state.clock, event).await;
    }

    // ---- delegation: the one rule for "one of their people" ----

    /// The groups whose members configuration gives this actor to manage.
    fn managed_groups(&self) -> &[String] {
        self.state.config.delegation.managed_groups.get(&self.principal.login).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Whether `user` is one of the actor's people: a direct report (`profile.managerId`), a
    /// report's report with `delegation.levels = 2`, or a member of a group that
    /// `delegation.managed_groups` gives them. Nobody manages themselves.
    pub async fn manages(&self, user: &User) -> bool {
        let me = self.principal.sub.as_str();
        if user.id == me {
            return false;
        }
        let manager = user.field("managerId").filter(|m| !m.is_empty());
        if manager == Some(me) {
            return true;
        }
        let okta = &self.state.okta;
        if self.state.config.delegation.levels >= 2
            && let Some(m) = manager
            && let Ok(their_manager) = okta.get_user(m).await
            && their_manager.field("managerId") == Some(me)
        {
            return true;
        }
        let groups = self.managed_groups();
        if !groups.is_empty()
            && let Ok(theirs) = okta.user_groups(&user.id).await
        {
            return theirs.iter().any(|g| groups.contains(&g.name));
        }
        false
    }

    /// Whether anyone at all is one of the actor's people (one small Okta read at most).
    pub async fn manages_anyone(&self) -> Result<bool, OktaError> {
        if !self.managed_groups().is_empty() {
            return Ok(true);
        }
        let search = format!("profile.managerId eq {}", literal(&self.principal.sub));
        Ok(!self.state.okta.search_users(Some(&search), None, None, 1).await?.items.is_empty())
    }

    /// Everyone [`Self::manages`] admits, each with why: the same three ways, enumerated.
    pub async fn people(&self) -> Result<Vec<(User, String)>, OktaError> {
        let okta = &self.state.okta;
        let reports_of = |id: String| async move {
            let search = format!("profile.managerId eq {}", literal(&id));
            okta.search_users(Some(&search), Some(("profile.lastName", false)), None, 200).await.map(|p| p.items)
        };
        let mut people: Vec<(User, String)> = Vec::new();
        let direct = reports_of(self.principal.sub.clone()).await?;
        for u in &direct {
            people.push((u.clone(), "Direct report".into()));
        }
        if self.state.config.delegation.levels >= 2 {
            for d in &direct {
                for u in reports_of(d.id.clone()).await? {
                    people.push((u, format!("Reports to {}", d.display_name())));
                }
            }
        }
        for name in self.managed_groups() {
            let groups = okta.list_groups(None, Some(name), None, 20).await?;
            if let Some(g) = groups.items.iter().find(|g| &g.name == name) {
                for u in okta.group_members(&g.id, None, 200).await?.items {
                    people.push((u, format!("Member of {name}")));
                }
            }
        }
        let me = &self.principal.sub;
        let mut seen = std::collections::HashSet::new();
        people.retain(|(u, _)| &u.id != me && seen.insert(u.id.clone()));
        Ok(people)
    }
}
