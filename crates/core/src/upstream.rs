//! What an upstream call (Okta or ASA) came to when it failed, in one vocabulary: the direct path
//! shows it, the executor retries it or gives up on it, and both decide the same way.

/// The kind of failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// No usable answer: the connection failed, or nothing (or nothing readable) came back. The
    /// call may have landed.
    Unreachable,
    /// Sent, and no answer in time. The call may have landed.
    Timeout,
    /// 429: the rate limit is spent for now.
    RateLimited,
    /// 404: what was named does not exist (any more).
    NotFound,
    /// Another 4xx: the upstream understood and said no (its code, summary and causes say why).
    Refused,
    /// 5xx.
    ServerError,
}

impl Fault {
    /// From an HTTP status (0: nothing came back).
    pub fn of_status(status: u16) -> Fault {
        match status {
            0 => Fault::Unreachable,
            404 => Fault::NotFound,
            429 => Fault::RateLimited,
            400..=499 => Fault::Refused,
            _ => Fault::ServerError,
        }
    }

    /// Worth another attempt later: the upstream was away, busy or broken, not unwilling.
    pub fn is_retryable(self) -> bool {
        matches!(self, Fault::Unreachable | Fault::Timeout | Fault::RateLimited | Fault::ServerError)
    }

    /// The call may have taken effect although no answer said so.
    pub fn may_have_landed(self) -> bool {
        matches!(self, Fault::Unreachable | Fault::Timeout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_final_and_outages_are_retried() {
        assert_eq!(Fault::of_status(400), Fault::Refused);
        assert!(!Fault::Refused.is_retryable() && !Fault::NotFound.is_retryable());
        for f in [Fault::Unreachable, Fault::Timeout, Fault::RateLimited, Fault::ServerError] {
            assert!(f.is_retryable(), "{f:?}");
        }
        assert!(Fault::Timeout.may_have_landed() && !Fault::RateLimited.may_have_landed());
        assert_eq!((Fault::of_status(0), Fault::of_status(503)), (Fault::Unreachable, Fault::ServerError));
    }
}
