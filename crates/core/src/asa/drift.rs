//! Drift: people whose Okta and ASA states disagree. Still active in ASA though deactivated or
//! suspended in Okta (or unknown to Okta), or disabled in ASA though active in Okta; each with
//! the ASA status that would bring ASA in line.

use super::{AsaError, AsaUser, ServerAccess};
use crate::okta::{OktaClient, OktaError, User};
use portico_vocab::UserStatus;
use std::collections::HashMap;

/// One person out of step.
#[derive(Clone, Debug, PartialEq)]
pub struct Drift {
    pub okta_id: Option<String>,
    pub name: String,
    pub email: String,
    pub okta_status: Option<UserStatus>,
    pub asa_name: String,
    pub asa_status: String,
    pub problem: String,
    /// The ASA status that would bring ASA in line with Okta.
    pub fix_to: String,
}

#[derive(Debug)]
pub enum DriftError {
    Okta(OktaError),
    Asa(AsaError),
}

/// The Okta person an ASA user is, matched the way drift matches them (email, any case): who a
/// request about that ASA account is about, for separation of duties.
pub async fn okta_person(okta: &OktaClient, asa_user: &AsaUser) -> Result<Option<User>, OktaError> {
    let Some(email) = asa_user.email().map(str::to_lowercase).filter(|e| !e.is_empty()) else { return Ok(None) };
    let search = format!("profile.email eq {}", crate::okta::search::literal(&email));
    let found = okta.search_users(Some(&search), None, None, 10).await?;
    Ok(found.items.into_iter().find(|u| u.field("email").is_some_and(|e| e.to_lowercase() == email)))
}

/// The ASA account of an Okta person, matched the way drift matches (email, any case).
pub async fn account_of(asa: &impl ServerAccess, user: &User) -> Result<Option<AsaUser>, AsaError> {
    let Some(email) = user.field("email").map(str::to_lowercase).filter(|e| !e.is_empty()) else { return Ok(None) };
    let accounts = people_accounts(asa).await?;
    Ok(accounts.into_iter().find(|a| a.email().is_some_and(|e| e.to_lowercase() == email)))
}

/// Every ASA account a person has (active or disabled; not service users), every page.
pub async fn people_accounts(asa: &impl ServerAccess) -> Result<Vec<AsaUser>, crate::asa::AsaError> {
    let mut accounts = Vec::new();
    let mut offset: Option<String> = None;
    loop {
        let (page, next) = asa.users(None, &["ACTIVE", "DISABLED"], false, offset.as_deref()).await?;
        accounts.extend(page);
        match next {
            Some(n) => offset = Some(n),
            None => return Ok(accounts),
        }
    }
}

/// Reads every ASA user and every Okta person, and compares them by email.
pub async fn find(okta: &OktaClient, asa: &impl ServerAccess) -> Result<Vec<Drift>, DriftError> {
    let asa_users = people_accounts(asa).await.map_err(DriftError::Asa)?;
    let mut people = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = okta.search_users(Some("status pr"), None, after.as_deref(), 200).await.map_err(DriftError::Okta)?;
        people.extend(page.items);
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    Ok(compare(&people, &asa_users))
}

/// The comparison itself, over what was read.
pub fn compare(people: &[User], asa_users: &[AsaUser]) -> Vec<Drift> {
    let by_email: HashMap<String, &User> =
        people.iter().filter_map(|u| u.field("email").map(|e| (e.to_lowercase(), u))).collect();
    let mut rows = Vec::new();
    for a in asa_users {
        let email = a.email().unwrap_or_default().to_lowercase();
        let okta_user = by_email.get(&email).copied();
        let (problem, fix_to) = match (okta_user.map(|u| &u.status), a.status.as_str()) {
            (Some(s @ (UserStatus::Deprovisioned | UserStatus::Suspended)), "ACTIVE") => {
                (format!("Can still reach servers although {} in Okta.", s.words()), "DISABLED")
            }
            (None, "ACTIVE") => ("Active in ASA with no Okta account.".to_string(), "DISABLED"),
            (Some(UserStatus::Active), "DISABLED") => {
                ("Disabled in ASA although active in Okta.".to_string(), "ACTIVE")
            }
            _ => continue,
        };
        rows.push(Drift {
            okta_id: okta_user.map(|u| u.id.clone()),
            name: okta_user.map(|u| u.display_name()).unwrap_or_else(|| a.full_name()),
            email,
            okta_status: okta_user.map(|u| u.status.clone()),
            asa_name: a.name.clone(),
            asa_status: a.status.clone(),
            problem,
            fix_to: fix_to.to_string(),
        });
    }
    rows
}
