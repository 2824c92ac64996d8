//! Builds Okta `search` expressions from what people type and pick. Values are always quoted
//! and escaped, so input such as `" or status eq "ACTIVE` stays a literal.

/// A JSON string literal for a search expression: `"` and `\` (and control characters) escaped.
pub fn literal(value: &str) -> String {
    serde_json::Value::String(value.to_string()).to_string()
}

/// Structured people filters; empty fields are ignored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PeopleFilter {
    /// Free text: matches the start of first name, last name, email or login (like `q`).
    pub text: String,
    pub status: String,
    pub department: String,
    pub title: String,
    pub manager_id: String,
    /// `YYYY-MM-DD` bounds (inclusive from, exclusive to).
    pub created_from: String,
    pub created_to: String,
    pub updated_from: String,
    pub updated_to: String,
}

/// Why a filter could not be turned into a search.
#[derive(Debug, PartialEq, Eq)]
pub struct FilterError(pub String);

fn day(value: &str, what: &str) -> Result<String, FilterError> {
    chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map(|d| format!("{}T00:00:00.000Z", d.format("%Y-%m-%d")))
        .map_err(|_| FilterError(format!("{what} must be a date like 2024-01-31")))
}

impl PeopleFilter {
    /// The `search` expression, or `None` for "everyone" (Okta's plain list).
    pub fn to_search(&self) -> Result<Option<String>, FilterError> {
        let mut terms = Vec::new();
        let text = self.text.trim();
        if !text.is_empty() {
            let v = literal(text);
            terms.push(format!(
                "(profile.firstName sw {v} or profile.lastName sw {v} or profile.email sw {v} or profile.login sw {v})"
            ));
        }
        if !self.status.is_empty() {
            if matches!(portico_vocab::UserStatus::from_okta(&self.status), portico_vocab::UserStatus::Other(_)) {
                return Err(FilterError(format!("Unknown status {}", self.status)));
            }
            terms.push(format!("status eq {}", literal(&self.status)));
        }
        for (field, value) in
            [("department", &self.department), ("title", &self.title), ("managerId", &self.manager_id)]
        {
            if !value.trim().is_empty() {
                terms.push(format!("profile.{field} eq {}", literal(value.trim())));
            }
        }
        for (attr, op, value, what) in [
            ("created", "ge", &self.created_from, "Created from"),
            ("created", "lt", &self.created_to, "Created to"),
            ("lastUpdated", "ge", &self.updated_from, "Updated from"),
            ("lastUpdated", "lt", &self.updated_to, "Updated to"),
        ] {
            if !value.is_empty() {
                terms.push(format!("{attr} {op} {}", literal(&day(value, what)?)));
            }
        }
        Ok((!terms.is_empty()).then(|| terms.join(" and ")))
    }
}

/// Sortable columns: the UI's name → Okta's attribute.
pub fn sort_attribute(column: &str) -> Option<&'static str> {
    Some(match column {
        "name" => "profile.lastName",
        "login" => "profile.login",
        "status" => "status",
        "department" => "profile.department",
        "title" => "profile.title",
        "created" => "created",
        "lastLogin" => "lastLogin",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_becomes_prefix_matches_on_names_email_and_login() {
        let f = PeopleFilter { text: "ed".into(), ..Default::default() };
        assert_eq!(
            f.to_search().expect("ok").as_deref(),
            Some(
                r#"(profile.firstName sw "ed" or profile.lastName sw "ed" or profile.email sw "ed" or profile.login sw "ed")"#
            )
        );
        assert_eq!(PeopleFilter::default().to_search(), Ok(None));
    }

    #[test]
    fn hostile_input_stays_a_literal() {
        for evil in [r#"" or status eq "ACTIVE"#, r#"x\"#, "a\"b\\c\nd"] {
            let f = PeopleFilter { text: evil.into(), ..Default::default() };
            let s = f.to_search().expect("ok").expect("some");
            // Every quote inside the value is escaped: the value decodes back to the input.
            let start = s.find(" sw ").expect("sw") + 4;
            let mut de = serde_json::Deserializer::from_str(&s[start..]);
            let v: String = serde::Deserialize::deserialize(&mut de).expect("a single JSON string");
            assert_eq!(v, evil);
        }
    }

    #[test]
    fn structured_filters_combine_and_validate() {
        let f = PeopleFilter {
            status: "ACTIVE".into(),
            department: "Engineering".into(),
            created_from: "2024-01-31".into(),
            ..Default::default()
        };
        assert_eq!(
            f.to_search().expect("ok").as_deref(),
            Some(
                r#"status eq "ACTIVE" and profile.department eq "Engineering" and created ge "2024-01-31T00:00:00.000Z""#
            )
        );
        assert!(PeopleFilter { status: "ACTIVE\" or 1".into(), ..Default::default() }.to_search().is_err());
        assert!(PeopleFilter { updated_to: "yesterday".into(), ..Default::default() }.to_search().is_err());
    }
}
