//! The approval policy: per action, who may run it at once, who may request it, who approves
//! (stages of N distinct approvers), how long a request lives, and whether a reason is required.
//!
//! Loaded once at start (defaults from `policy.default.toml`, overlaid action by action by the
//! operator's file) and validated with messages that name the action and key at fault.

use crate::identity::Role;
use figment::{
    Figment,
    providers::{Format, Toml},
};
pub use portico_vocab::PolicyAction;
use serde::{Deserialize, Serialize};
use std::{collections::BTreeMap, path::Path};

/// The policy that ships with Portico (documented in the file itself).
pub const DEFAULT_POLICY: &str = include_str!("policy.default.toml");

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    /// Who may approve at this stage (same forms as `run`/`request`).
    pub approvers: Vec<String>,
    /// Distinct approvals this stage needs.
    #[serde(default = "one")]
    pub required: u32,
}

fn one() -> u32 {
    1
}

fn default_ttl() -> u32 {
    72
}

fn yes() -> bool {
    true
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ActionPolicy {
    #[serde(default)]
    pub run: Vec<String>,
    #[serde(default)]
    pub request: Vec<String>,
    #[serde(default)]
    pub stages: Vec<Stage>,
    #[serde(default = "default_ttl")]
    pub ttl_hours: u32,
    #[serde(default = "yes")]
    pub reason_required: bool,
    /// At the deadline, where an undecided request goes instead of expiring (absent: it expires).
    #[serde(default)]
    pub escalate: Option<Escalation>,
}

/// Where an undecided request goes at its deadline.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Escalation {
    /// `manager`: the managers (`managerId`, up the chain past anyone the request concerns) of
    /// those who could decide it; or `group:<name>`: that group's members.
    pub to: String,
    /// `group:<name>` whose members it goes to when `to` finds nobody.
    #[serde(default)]
    pub fallback: Option<String>,
    /// How long it waits for them before it expires.
    #[serde(default = "default_escalation_hours")]
    pub hours: u32,
}

fn default_escalation_hours() -> u32 {
    24
}

#[derive(Clone, Debug, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    /// Keyed by action name; an unknown name is refused with the list of known ones.
    #[serde(default)]
    actions: BTreeMap<PolicyAction, ActionPolicy>,
}

/// The whole policy: one rule for every [`PolicyAction`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    actions: BTreeMap<PolicyAction, ActionPolicy>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("approval policy: {0}")]
pub struct PolicyError(pub String);

/// The person a rule is checked against, as the server established them.
#[derive(Clone, Copy, Debug)]
pub struct Who<'a> {
    pub sub: &'a str,
    pub roles: &'a [Role],
    pub groups: &'a [String],
    /// They manage the target (in delegation scope).
    pub manages_target: bool,
}

/// What the policy lets someone do with an action on a target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Run,
    Request,
    Refuse,
}

/// Why someone may not decide a request (separation of duties first).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ineligible {
    OwnRequest,
    AboutThemselves,
    NotAllowedToAct,
    NotAnApprover,
    AlreadyDecided,
}

impl Ineligible {
    pub fn message(self) -> &'static str {
        match self {
            Ineligible::OwnRequest => "You cannot decide your own request.",
            Ineligible::AboutThemselves => "You cannot decide a request about yourself.",
            Ineligible::NotAllowedToAct => "Only someone allowed to do this action may approve it.",
            Ineligible::NotAnApprover => "You are not an approver at this stage of the request.",
            Ineligible::AlreadyDecided => "You have already decided this request.",
        }
    }
}

fn matches(rule: &str, who: &Who) -> bool {
    match rule {
        "admin" => who.roles.contains(&Role::Admin),
        "helpdesk" => who.roles.contains(&Role::HelpDesk),
        "auditor" => who.roles.contains(&Role::Auditor),
        "manager" => who.manages_target,
        _ => rule.strip_prefix("group:").is_some_and(|g| who.groups.iter().any(|mine| mine == g)),
    }
}

fn valid_rule(rule: &str) -> bool {
    matches!(rule, "admin" | "helpdesk" | "auditor" | "manager")
        || rule.strip_prefix("group:").is_some_and(|g| !g.trim().is_empty())
}

impl Policy {
    /// A short fingerprint of the rules in force (every action's rule, as parsed): each request
    /// records the version it was routed by, so a later policy edit is visible beside it.
    pub fn version(&self) -> String {
        use sha2::{Digest, Sha256};
        let text = serde_json::to_string(&self.actions).unwrap_or_default();
        let hash = Sha256::digest(text.as_bytes());
        hash.iter().take(6).map(|b| format!("{b:02x}")).collect()
    }

    /// The shipped defaults.
    pub fn defaults() -> Policy {
        Policy::from_sources(None).expect("the shipped policy is valid")
    }

    /// Defaults overlaid by the operator's file, validated.
    pub fn load(path: &Path) -> Result<Policy, PolicyError> {
        let text =
            std::fs::read_to_string(path).map_err(|e| PolicyError(format!("cannot read {}: {e}", path.display())))?;
        Policy::from_sources(Some(&text))
    }

    /// Defaults overlaid by `overlay` (TOML text), validated.
    pub fn from_sources(overlay: Option<&str>) -> Result<Policy, PolicyError> {
        let parse = |text: &str| -> Result<PolicyFile, PolicyError> {
            Figment::from(Toml::string(text)).extract().map_err(|e| PolicyError(e.to_string()))
        };
        let mut actions = parse(DEFAULT_POLICY)?.actions;
        if let Some(text) = overlay {
            actions.extend(parse(text)?.actions);
        }
        let policy = Policy { actions };
        policy.validate()?;
        Ok(policy)
    }

    fn validate(&self) -> Result<(), PolicyError> {
        for name in PolicyAction::ALL {
            let Some(a) = self.actions.get(&name) else {
                return Err(PolicyError(format!("no rule for action \"{name}\"")));
            };
            let err = |msg: String| Err(PolicyError(format!("actions.{name}: {msg}")));
            for rule in a.run.iter().chain(&a.request).chain(a.stages.iter().flat_map(|s| &s.approvers)) {
                if !valid_rule(rule) {
                    return err(format!("\"{rule}\" is not admin, helpdesk, auditor, manager or group:<name>"));
                }
            }
            if !a.request.is_empty() && a.stages.is_empty() {
                return err("`request` is set but there are no `stages` to approve it".into());
            }
            if a.request.is_empty() && !a.stages.is_empty() {
                return err("`stages` are set but nobody may `request` the action".into());
            }
            for (i, s) in a.stages.iter().enumerate() {
                if s.approvers.is_empty() {
                    return err(format!("stage {} has no approvers", i + 1));
                }
                if s.required == 0 {
                    return err(format!("stage {} requires 0 approvals; use at least 1", i + 1));
                }
            }
            if a.ttl_hours == 0 || a.ttl_hours > 24 * 90 {
                return err(format!("ttl_hours must be between 1 and {}", 24 * 90));
            }
            if let Some(e) = &a.escalate {
                if a.stages.is_empty() {
                    return err("`escalate` is set but nothing is approved (no `stages`)".into());
                }
                let group = |r: &str| r.strip_prefix("group:").is_some_and(|g| !g.trim().is_empty());
                if e.to != "manager" && !group(&e.to) {
                    return err(format!("escalate.to \"{}\" is not manager or group:<name>", e.to));
                }
                if let Some(f) = e.fallback.as_deref().filter(|f| !group(f)) {
                    return err(format!("escalate.fallback \"{f}\" is not group:<name>"));
                }
                if e.hours == 0 || e.hours > 24 * 30 {
                    return err(format!("escalate.hours must be between 1 and {}", 24 * 30));
                }
            }
        }
        Ok(())
    }

    /// The rule for `action` (validation made sure every action has one).
    /// Every group a `group:` rule names, anywhere in the policy.
    pub fn group_names(&self) -> std::collections::BTreeSet<String> {
        self.actions
            .values()
            .flat_map(|a| {
                let escalation = a.escalate.iter().flat_map(|e| std::iter::once(&e.to).chain(&e.fallback));
                a.run.iter().chain(&a.request).chain(a.stages.iter().flat_map(|s| &s.approvers)).chain(escalation)
            })
            .filter_map(|rule| rule.strip_prefix("group:"))
            .map(str::to_string)
            .collect()
    }

    pub fn rule(&self, action: impl Into<PolicyAction>) -> &ActionPolicy {
        let action = action.into();
        self.actions.get(&action).unwrap_or_else(|| unreachable!("the policy was validated to cover {action}"))
    }

    /// Run at once, request, or neither.
    pub fn decide(&self, action: impl Into<PolicyAction>, who: &Who) -> Decision {
        let rule = self.rule(action);
        if rule.run.iter().any(|r| matches(r, who)) {
            Decision::Run
        } else if rule.request.iter().any(|r| matches(r, who)) {
            Decision::Request
        } else {
            Decision::Refuse
        }
    }

    /// Whether the policy could ever let someone acting as a manager do `action` (so callers
    /// only look up the delegation scope when it can matter).
    pub fn mentions_manager(&self, action: impl Into<PolicyAction>) -> bool {
        let r = self.rule(action);
        r.run.iter().chain(&r.request).chain(r.stages.iter().flat_map(|s| &s.approvers)).any(|x| x == "manager")
    }
}

/// An approver rule in words: "their manager", "an admin", "a member of Security".
pub fn describe(rule: &str) -> String {
    match rule {
        "manager" => "their manager".into(),
        "admin" => "an admin".into(),
        "helpdesk" => "the help desk".into(),
        "auditor" => "an auditor".into(),
        other => format!("a member of {}", other.trim_start_matches("group:")),
    }
}

/// A stage's approvers in words: "their manager or an admin".
pub fn describe_stage(stage: &Stage) -> String {
    stage.approvers.iter().map(|a| describe(a)).collect::<Vec<_>>().join(" or ")
}

/// The facts about one request an approval is checked against.
pub struct ApprovalCheck<'a> {
    pub requester_sub: &'a str,
    pub target_sub: Option<&'a str>,
    pub stage: &'a Stage,
    /// Everyone who has already decided this request (any stage).
    pub decided: &'a [String],
}

/// The authority an approval rests on: `who` may do the action themselves (run or request it),
/// and is one of the stage's approvers. Checked when they decide and again when the request
/// runs, so a departed or demoted approver's word does not carry it.
pub fn approver_authority(policy: &Policy, action: PolicyAction, stage: &Stage, who: &Who) -> Result<(), Ineligible> {
    if policy.decide(action, who) == Decision::Refuse {
        return Err(Ineligible::NotAllowedToAct);
    }
    if !stage.approvers.iter().any(|r| matches(r, who)) {
        return Err(Ineligible::NotAnApprover);
    }
    Ok(())
}

/// Whether `who` may approve or reject at the request's current stage; separation of duties
/// first, so the reason given is the one that matters.
pub fn check_approver(policy: &Policy, action: PolicyAction, req: &ApprovalCheck, who: &Who) -> Result<(), Ineligible> {
    if who.sub == req.requester_sub {
        return Err(Ineligible::OwnRequest);
    }
    if req.target_sub == Some(who.sub) {
        return Err(Ineligible::AboutThemselves);
    }
    if req.decided.iter().any(|d| d == who.sub) {
        return Err(Ineligible::AlreadyDecided);
    }
    approver_authority(policy, action, req.stage, who)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use portico_vocab::LifecycleOp::{Deactivate, Delete, Suspend, Unlock};

    fn who<'a>(sub: &'a str, roles: &'a [Role], groups: &'a [String], manages: bool) -> Who<'a> {
        Who { sub, roles, groups, manages_target: manages }
    }

    #[test]
    fn defaults_are_valid_and_cover_every_action() {
        let p = Policy::defaults();
        for a in PolicyAction::ALL {
            assert!(p.actions.contains_key(&a), "{a}");
        }
    }

    #[test]
    fn the_version_changes_with_the_rules_and_only_with_them() {
        let defaults = Policy::defaults();
        assert_eq!(defaults.version(), Policy::defaults().version());
        assert_eq!(defaults.version().len(), 12);
        let edited = Policy::from_sources(Some("[actions.suspend]\nrun = [\"admin\"]\n")).expect("valid");
        assert_ne!(edited.version(), defaults.version());
    }

    #[test]
    fn decisions_follow_roles_and_management() {
        let p = Policy::defaults();
        let none: [String; 0] = [];
        let admin = who("a", &[Role::Admin], &none, false);
        let desk = who("h", &[Role::HelpDesk], &none, false);
        let manager = who("m", &[], &none, true);
        let other_manager = who("o", &[], &none, false);
        let auditor = who("x", &[Role::Auditor], &none, false);
        assert_eq!(p.decide(Deactivate, &admin), Decision::Run);
        assert_eq!(p.decide(Deactivate, &desk), Decision::Request);
        assert_eq!(p.decide(Deactivate, &manager), Decision::Request);
        assert_eq!(p.decide(Deactivate, &other_manager), Decision::Refuse, "out of scope");
        assert_eq!(p.decide(Deactivate, &auditor), Decision::Refuse);
        assert_eq!(p.decide(Unlock, &desk), Decision::Run);
        assert_eq!(p.decide(Unlock, &manager), Decision::Run);
        assert_eq!(p.decide(Delete, &desk), Decision::Refuse);
    }

    #[test]
    fn group_rules_match_exact_names() {
        let p = Policy::from_sources(Some(
            "[actions.suspend]\nrun = [\"group:Security Officers\"]\nrequest = []\nstages = []\n",
        ))
        .expect("valid");
        let officers = ["Security Officers".to_string()];
        let near = ["security officers".to_string()];
        assert_eq!(p.decide(Suspend, &who("s", &[], &officers, false)), Decision::Run);
        assert_eq!(p.decide(Suspend, &who("s", &[], &near, false)), Decision::Refuse);
        // Other actions keep their defaults.
        assert_eq!(p.decide(Deactivate, &who("a", &[Role::Admin], &near, false)), Decision::Run);
    }

    #[test]
    fn invalid_files_say_what_is_wrong() {
        let cases = [
            ("[actions.deactivat]\nrun = [\"admin\"]\n", "unknown action \"deactivat\""),
            ("[actions.suspend]\nrun = [\"admins\"]\n", "actions.suspend: \"admins\""),
            ("[actions.suspend]\nrequest = [\"helpdesk\"]\n", "no `stages`"),
            ("[actions.suspend]\nstages = [{ approvers = [\"admin\"] }]\n", "nobody may `request`"),
            (
                "[actions.suspend]\nrequest = [\"helpdesk\"]\nstages = [{ approvers = [] }]\n",
                "stage 1 has no approvers",
            ),
            (
                "[actions.suspend]\nrequest = [\"helpdesk\"]\nstages = [{ approvers = [\"admin\"], required = 0 }]\n",
                "requires 0",
            ),
            ("[actions.suspend]\nrun = [\"admin\"]\nttl_hours = 0\n", "ttl_hours"),
            ("[actions.suspend]\nrun = [\"admin\"]\nttl = 3\n", "ttl"),
            ("[actions.suspend]\nrun = [\"group:\"]\n", "group:"),
            ("[actions.delete]\nrun = [\"admin\"]\nescalate = { to = \"manager\" }\n", "no `stages`"),
            (
                "[actions.suspend]\nrequest = [\"helpdesk\"]\nstages = [{ approvers = [\"admin\"] }]\nescalate = { to = \"boss\" }\n",
                "escalate.to",
            ),
            (
                "[actions.suspend]\nrequest = [\"helpdesk\"]\nstages = [{ approvers = [\"admin\"] }]\nescalate = { to = \"manager\", fallback = \"admin\" }\n",
                "escalate.fallback",
            ),
            (
                "[actions.suspend]\nrequest = [\"helpdesk\"]\nstages = [{ approvers = [\"admin\"] }]\nescalate = { to = \"manager\", hours = 0 }\n",
                "escalate.hours",
            ),
        ];
        for (text, expected) in cases {
            let err = Policy::from_sources(Some(text)).expect_err(text).to_string();
            assert!(err.contains(expected), "{text} → {err}");
        }
    }

    fn check<'a>(stage: &'a Stage, decided: &'a [String]) -> ApprovalCheck<'a> {
        ApprovalCheck { requester_sub: "req", target_sub: Some("tgt"), stage, decided }
    }

    #[test]
    fn separation_of_duties() {
        let p = Policy::defaults();
        let stage = &p.rule(Deactivate).stages[0];
        let none: [String; 0] = [];
        let admin_roles = [Role::Admin];
        // The requester, even an admin, never approves their own request.
        let requester = who("req", &admin_roles, &none, true);
        assert_eq!(
            check_approver(&p, Deactivate.into(), &check(stage, &none), &requester),
            Err(Ineligible::OwnRequest)
        );
        // The target never approves a request about themselves.
        let target = who("tgt", &admin_roles, &none, false);
        assert_eq!(
            check_approver(&p, Deactivate.into(), &check(stage, &none), &target),
            Err(Ineligible::AboutThemselves)
        );
        // Nobody approves twice.
        let decided = ["adm".to_string()];
        let admin = who("adm", &admin_roles, &none, false);
        assert_eq!(
            check_approver(&p, Deactivate.into(), &check(stage, &decided), &admin),
            Err(Ineligible::AlreadyDecided)
        );
        assert_eq!(check_approver(&p, Deactivate.into(), &check(stage, &none), &admin), Ok(()));
        // The target's manager approves; someone else's manager may not act at all.
        assert_eq!(check_approver(&p, Deactivate.into(), &check(stage, &none), &who("m", &[], &none, true)), Ok(()));
        assert_eq!(
            check_approver(&p, Deactivate.into(), &check(stage, &none), &who("m2", &[], &none, false)),
            Err(Ineligible::NotAllowedToAct)
        );
        // Help desk may request deactivations but is not an approver of them.
        let desk_roles = [Role::HelpDesk];
        assert_eq!(
            check_approver(&p, Deactivate.into(), &check(stage, &none), &who("h", &desk_roles, &none, false)),
            Err(Ineligible::NotAnApprover)
        );
    }

    #[test]
    fn approvers_must_be_allowed_to_act() {
        // Security officers are named approvers but have no right to the action: refused.
        let p = Policy::from_sources(Some(
            "[actions.suspend]\nrun = [\"admin\"]\nrequest = [\"helpdesk\"]\n\
             stages = [{ approvers = [\"group:Security\"], required = 2 }]\n",
        ))
        .expect("valid");
        let stage = &p.rule(Suspend).stages[0];
        let security = ["Security".to_string()];
        let none: [String; 0] = [];
        assert_eq!(
            check_approver(&p, Suspend.into(), &check(stage, &none), &who("s", &[], &security, false)),
            Err(Ineligible::NotAllowedToAct)
        );
        let admin_roles = [Role::Admin];
        assert_eq!(
            check_approver(&p, Suspend.into(), &check(stage, &none), &who("s", &admin_roles, &security, false)),
            Ok(())
        );
        assert_eq!(stage.required, 2);
    }
}
