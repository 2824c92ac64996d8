//! Access reviews: what a campaign covers, what is reviewed, and what was decided.

use serde::{Deserialize, Serialize};

/// Whose access a campaign reviews.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewScope {
    /// The people who report to the chosen managers.
    Managers,
    /// The members of the chosen Okta groups.
    OktaGroups,
    /// The people with accounts in the chosen ASA groups.
    AsaGroups,
}

impl ReviewScope {
    pub const ALL: [ReviewScope; 3] = [ReviewScope::Managers, ReviewScope::OktaGroups, ReviewScope::AsaGroups];

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewScope::Managers => "managers",
            ReviewScope::OktaGroups => "okta_groups",
            ReviewScope::AsaGroups => "asa_groups",
        }
    }

    pub fn parse(s: &str) -> Option<ReviewScope> {
        ReviewScope::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            ReviewScope::Managers => "People of these managers",
            ReviewScope::OktaGroups => "Members of these Okta groups",
            ReviewScope::AsaGroups => "Members of these ASA groups",
        }
    }
}

/// One kind of access a person holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessKind {
    #[default]
    OktaGroup,
    /// An application: assigned directly, or through a group (`via`).
    App,
    /// Their ASA account (revoking disables it).
    AsaAccount,
    AsaGroup,
}

impl AccessKind {
    pub const ALL: [AccessKind; 4] =
        [AccessKind::OktaGroup, AccessKind::App, AccessKind::AsaAccount, AccessKind::AsaGroup];

    pub fn as_str(self) -> &'static str {
        match self {
            AccessKind::OktaGroup => "okta_group",
            AccessKind::App => "app",
            AccessKind::AsaAccount => "asa_account",
            AccessKind::AsaGroup => "asa_group",
        }
    }

    pub fn parse(s: &str) -> Option<AccessKind> {
        AccessKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            AccessKind::OktaGroup => "Okta group",
            AccessKind::App => "Application",
            AccessKind::AsaAccount => "ASA account",
            AccessKind::AsaGroup => "ASA group",
        }
    }
}

/// A reviewer's decision about one item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Keep,
    Revoke,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Keep => "keep",
            Verdict::Revoke => "revoke",
        }
    }

    pub fn parse(s: &str) -> Option<Verdict> {
        [Verdict::Keep, Verdict::Revoke].into_iter().find(|v| v.as_str() == s)
    }
}

/// What a reviewer sees beside an item, as it was when the campaign was created (the evidence
/// shows what they decided on).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessContext {
    /// The person's last sign-in (RFC 3339), if they ever signed in.
    pub last_sign_in: Option<String>,
    /// No sign-in in the last 90 days (or never).
    pub inactive: bool,
    pub department: Option<String>,
    /// Others in the same department, and how many of them have the same access.
    pub peers: u32,
    pub peers_with: u32,
    /// Where Okta and ASA disagree about the person, in words.
    pub drift: Option<String>,
    /// Requests about the person still open when the campaign started.
    pub open_requests: u32,
}

/// A campaign, with its progress.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Campaign {
    pub id: String,
    pub name: String,
    pub scope: ReviewScope,
    /// What the scope names: managers, groups (`(id, name)`; ASA groups by name twice).
    pub scope_of: Vec<(String, String)>,
    /// The Okta group whose members review what nobody else can (and escalations with no manager).
    pub fallback_group: String,
    pub due_at: String,
    /// The next reminder to reviewers with undecided items.
    pub remind_at: Option<String>,
    pub closed: bool,
    pub created_by: String,
    pub created_at: String,
    pub closed_by: Option<String>,
    pub closed_at: Option<String>,
    pub items: u32,
    pub decided: u32,
    pub revoked: u32,
    /// Undecided items escalated past the due date.
    pub escalated: u32,
}

/// One person's one access, to keep or revoke. Its default is undecided, with no reviewer yet.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewItem {
    pub id: String,
    pub campaign_id: String,
    pub person_id: String,
    pub person_name: String,
    pub kind: AccessKind,
    /// The group id, app id, ASA account name or ASA group name.
    pub target_id: String,
    pub target_name: String,
    /// An app given through a group: that group `(id, name)`; an ASA group: the ASA account name.
    pub via: Option<(String, String)>,
    pub context: AccessContext,
    /// An Okta user id, or `group:<name>` for the fallback group.
    pub reviewer_id: String,
    pub reviewer_name: String,
    /// Why they review it: `manager`, `owner`, `fallback` or `escalated`.
    pub reviewer_why: String,
    pub verdict: Option<Verdict>,
    pub comment: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub escalated_at: Option<String>,
    /// Who had it before it escalated.
    pub escalated_from: Option<String>,
    /// The revocation's request, once a revoke started one.
    pub request_id: Option<String>,
}

/// Which items a review page shows. A reviewer of many people works through the undecided, or
/// the inactive, one kind of access at a time; the campaign's counts stay those of every item.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ItemShow {
    #[default]
    All,
    Undecided,
    /// No sign-in in 90 days.
    Inactive,
    Revoked,
}

impl ItemShow {
    pub const ALL: [ItemShow; 4] = [ItemShow::All, ItemShow::Undecided, ItemShow::Inactive, ItemShow::Revoked];

    pub fn as_str(self) -> &'static str {
        match self {
            ItemShow::All => "all",
            ItemShow::Undecided => "undecided",
            ItemShow::Inactive => "inactive",
            ItemShow::Revoked => "revoked",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ItemShow::All => "Every item",
            ItemShow::Undecided => "Undecided",
            ItemShow::Inactive => "No sign-in in 90 days",
            ItemShow::Revoked => "Revoked",
        }
    }
}

/// The review page's filter, from its query (`show`, `kind`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ItemFilter {
    pub show: ItemShow,
    pub kind: Option<AccessKind>,
}

impl ItemFilter {
    /// A value the page does not know shows everything rather than nothing.
    pub fn from_query(show: Option<&str>, kind: Option<&str>) -> ItemFilter {
        ItemFilter {
            show: ItemShow::ALL.into_iter().find(|s| Some(s.as_str()) == show).unwrap_or_default(),
            kind: kind.and_then(AccessKind::parse),
        }
    }

    pub fn is_all(&self) -> bool {
        *self == ItemFilter::default()
    }

    pub fn matches(&self, item: &ReviewItem) -> bool {
        let shown = match self.show {
            ItemShow::All => true,
            ItemShow::Undecided => item.verdict.is_none(),
            ItemShow::Inactive => item.context.inactive,
            ItemShow::Revoked => item.verdict == Some(Verdict::Revoke),
        };
        shown && self.kind.is_none_or(|k| k == item.kind)
    }
}

#[cfg(test)]
mod filter_tests {
    use super::*;

    fn item(kind: AccessKind, verdict: Option<Verdict>, inactive: bool) -> ReviewItem {
        ReviewItem { kind, verdict, context: AccessContext { inactive, ..Default::default() }, ..Default::default() }
    }

    #[test]
    fn the_filter_shows_what_its_query_names_and_everything_for_what_it_does_not_know() {
        let app_open = item(AccessKind::App, None, false);
        let group_revoked = item(AccessKind::OktaGroup, Some(Verdict::Revoke), true);
        let group_kept = item(AccessKind::OktaGroup, Some(Verdict::Keep), false);
        let f = |show: &str, kind: &str| ItemFilter::from_query(Some(show), Some(kind));

        assert!(f("", "").is_all() && f("everything", "printers").is_all(), "unknown values show all");
        assert!([&app_open, &group_revoked, &group_kept].iter().all(|i| f("", "").matches(i)));
        assert!(f("undecided", "").matches(&app_open) && !f("undecided", "").matches(&group_kept));
        assert!(f("inactive", "").matches(&group_revoked) && !f("inactive", "").matches(&app_open));
        assert!(f("revoked", "okta_group").matches(&group_revoked) && !f("revoked", "").matches(&group_kept));
        assert!(!f("undecided", "okta_group").matches(&app_open), "both must hold");
        assert_eq!(f("revoked", "app"), ItemFilter { show: ItemShow::Revoked, kind: Some(AccessKind::App) });
    }
}
