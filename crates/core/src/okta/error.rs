use crate::upstream::Fault;
use std::fmt;

/// A failed Okta call, with what Okta said (`errorCode`, `errorSummary`, `errorCauses`) when it
/// answered, so the portal can show Okta's own message next to the right field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OktaError {
    /// HTTP status from Okta; 0 when Okta was not reached.
    pub status: u16,
    /// What kind of failure it is (see [`Fault`]).
    pub fault: Fault,
    pub code: Option<String>,
    pub summary: String,
    pub causes: Vec<String>,
    /// Okta's `X-Okta-Request-Id`, for support.
    pub request_id: Option<String>,
    /// With a 429: how long until the bucket refills (seconds), when Okta said.
    pub retry_after_secs: Option<u64>,
}

impl OktaError {
    pub fn transport(detail: String) -> Self {
        Self {
            status: 0,
            fault: Fault::Unreachable,
            code: None,
            summary: format!("Okta could not be reached: {detail}"),
            causes: vec![],
            request_id: None,
            retry_after_secs: None,
        }
    }

    pub fn timeout() -> Self {
        Self {
            status: 0,
            fault: Fault::Timeout,
            code: None,
            summary: "Okta did not answer in time.".into(),
            causes: vec![],
            request_id: None,
            retry_after_secs: None,
        }
    }

    /// Held back by the shared budget: the bucket is spent for `wait` yet, by what Okta last
    /// told any replica; the call was not sent.
    pub fn held(wait: std::time::Duration) -> Self {
        let secs = wait.as_secs_f64().ceil() as u64;
        Self {
            status: 429,
            fault: Fault::RateLimited,
            code: None,
            summary: format!(
                "Okta's rate limit for this kind of call is used up for about {secs} s more; nothing was sent. Try again then."
            ),
            causes: vec![],
            request_id: None,
            retry_after_secs: Some(secs),
        }
    }

    pub fn decode(detail: String) -> Self {
        Self {
            status: 0,
            fault: Fault::Unreachable,
            code: None,
            summary: format!("Okta's answer could not be read: {detail}"),
            causes: vec![],
            request_id: None,
            retry_after_secs: None,
        }
    }

    pub fn from_response(status: u16, body: &serde_json::Value, request_id: Option<String>) -> Self {
        let code = body.get("errorCode").and_then(|v| v.as_str()).map(str::to_string);
        let summary = body
            .get("errorSummary")
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .or_else(|| body.get("error_description").and_then(|v| v.as_str()).map(str::to_string))
            .unwrap_or_else(|| format!("Okta answered HTTP {status}"));
        let causes = body
            .get("errorCauses")
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter().filter_map(|c| c.get("errorSummary").and_then(|s| s.as_str()).map(str::to_string)).collect()
            })
            .unwrap_or_default();
        Self { status, fault: Fault::of_status(status), code, summary, causes, request_id, retry_after_secs: None }
    }

    /// Okta was reached and refused (4xx): the request, not the connection, is the problem.
    pub fn is_refusal(&self) -> bool {
        matches!(self.fault, Fault::Refused | Fault::NotFound)
    }

    /// `(field, message)` pairs from causes shaped `field: message`, for showing beside inputs.
    pub fn field_errors(&self) -> Vec<(String, String)> {
        self.causes
            .iter()
            .filter_map(|c| c.split_once(": ").map(|(f, m)| (f.trim().to_string(), m.trim().to_string())))
            .filter(|(f, _)| !f.contains(' '))
            .collect()
    }
}

impl fmt::Display for OktaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.summary)?;
        if !self.causes.is_empty() {
            write!(f, " ({})", self.causes.join("; "))?;
        }
        Ok(())
    }
}

impl std::error::Error for OktaError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_okta_envelopes_and_field_causes() {
        let body = serde_json::json!({
            "errorCode": "E0000001", "errorSummary": "Api validation failed: login",
            "errorCauses": [{ "errorSummary": "login: An object with this field already exists in the current organization" }]
        });
        let e = OktaError::from_response(400, &body, Some("req1".into()));
        assert_eq!(e.code.as_deref(), Some("E0000001"));
        assert!(e.is_refusal());
        assert_eq!(
            e.field_errors(),
            vec![("login".into(), "An object with this field already exists in the current organization".into())]
        );
        let plain = OktaError::from_response(502, &serde_json::Value::Null, None);
        assert_eq!(plain.summary, "Okta answered HTTP 502");
    }
}
