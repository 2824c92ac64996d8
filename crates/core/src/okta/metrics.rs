//! Upstream call counts, latency, errors and the last `X-Rate-Limit-Remaining` per endpoint
//! family, rendered in Prometheus' text format on `/metrics`.

use std::{collections::BTreeMap, fmt::Write, sync::Mutex, time::Duration};

#[derive(Default, Clone, Copy)]
struct Family {
    calls: u64,
    errors: u64,
    seconds: f64,
    remaining: Option<u64>,
}

/// `(metric name, Prometheus type, help text, value of a family)`
type Series = (&'static str, &'static str, &'static str, fn(&Family) -> Option<f64>);

#[derive(Default)]
pub struct Metrics {
    families: Mutex<BTreeMap<&'static str, Family>>,
}

impl Metrics {
    pub fn record(&self, family: &'static str, elapsed: Duration, error: bool, remaining: Option<u64>) {
        let Ok(mut all) = self.families.lock() else { return };
        let f = all.entry(family).or_default();
        f.calls += 1;
        f.errors += u64::from(error);
        f.seconds += elapsed.as_secs_f64();
        if remaining.is_some() {
            f.remaining = remaining;
        }
    }

    pub fn render(&self, upstream: &str) -> String {
        let all = self.families.lock().map(|f| f.clone()).unwrap_or_default();
        let mut out = String::new();
        let series: [Series; 4] = [
            ("portico_upstream_requests_total", "counter", "Upstream API calls.", |f| Some(f.calls as f64)),
            ("portico_upstream_errors_total", "counter", "Upstream calls that failed or answered an error.", |f| {
                Some(f.errors as f64)
            }),
            ("portico_upstream_request_seconds_sum", "counter", "Total time spent in upstream calls.", |f| {
                Some(f.seconds)
            }),
            ("portico_upstream_rate_limit_remaining", "gauge", "Last X-Rate-Limit-Remaining seen.", |f| {
                f.remaining.map(|r| r as f64)
            }),
        ];
        for (name, kind, help, value) in series {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for (family, f) in &all {
                if let Some(v) = value(f) {
                    let _ = writeln!(out, "{name}{{upstream=\"{upstream}\",family=\"{family}\"}} {v}");
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let m = Metrics::default();
        m.record("users", Duration::from_millis(20), false, Some(599));
        m.record("users", Duration::from_millis(30), true, None);
        let text = m.render("okta");
        assert!(text.contains("portico_upstream_requests_total{upstream=\"okta\",family=\"users\"} 2"));
        assert!(text.contains("portico_upstream_errors_total{upstream=\"okta\",family=\"users\"} 1"));
        assert!(text.contains("portico_upstream_rate_limit_remaining{upstream=\"okta\",family=\"users\"} 599"));
    }
}
