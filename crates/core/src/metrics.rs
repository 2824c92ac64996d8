//! Operational metrics through the `metrics` facade, rendered by `metrics-exporter-prometheus`
//! on `/metrics`: HTTP requests by route and status, Okta and ASA calls by bucket and status,
//! 429s, rate-limit headroom, and the executor's and webhook's backlogs (read at scrape time).
//!
//! One recorder per process (the facade's global), so several portals in one test process share
//! counters: tests compare values before and after, never absolute ones.

use crate::db::Store;
use chrono::{DateTime, Utc};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::{sync::OnceLock, time::Duration};

/// Latency buckets (seconds) for every histogram: loopback calls to slow upstreams.
const BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// The process's recorder, installed on first use (every recording function asks for it
/// first: what is recorded before a recorder exists is lost).
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), BUCKETS)
            .expect("static, non-empty buckets");
        match builder.install_recorder() {
            Ok(h) => h,
            // Someone else's recorder is global: ours still renders what is given to it directly.
            Err(_) => PrometheusBuilder::new().build_recorder().handle(),
        }
    })
}

/// One finished HTTP request the portal answered.
pub fn http_request(route: String, method: &str, status: u16, elapsed: Duration) {
    handle();
    let labels = [("route", route), ("method", method.to_string()), ("status", status.to_string())];
    metrics::counter!("portico_http_requests_total", &labels).increment(1);
    metrics::histogram!("portico_http_request_duration_seconds", &labels).record(elapsed.as_secs_f64());
}

/// One call to Okta (`upstream = "okta"`) or ASA; `status` is `None` when no answer came.
pub fn upstream_call(
    upstream: &'static str,
    bucket: &'static str,
    status: Option<u16>,
    elapsed: Duration,
    remaining: Option<u64>,
) {
    handle();
    let status_label = status.map_or_else(|| "error".to_string(), |s| s.to_string());
    let labels = [("upstream", upstream.to_string()), ("bucket", bucket.to_string()), ("status", status_label)];
    metrics::counter!("portico_upstream_requests_total", &labels).increment(1);
    let by_bucket = [("upstream", upstream), ("bucket", bucket)];
    metrics::histogram!("portico_upstream_request_duration_seconds", &by_bucket).record(elapsed.as_secs_f64());
    if status == Some(429) {
        metrics::counter!("portico_upstream_rate_limited_total", &by_bucket).increment(1);
    }
    if let Some(r) = remaining {
        metrics::gauge!("portico_upstream_rate_limit_remaining", &by_bucket).set(r as f64);
    }
}

/// Reads the executor's queue and the webhook backlog into gauges, then renders everything.
pub async fn render(db: &dyn Store, now: DateTime<Utc>) -> String {
    if let Ok(b) = backlog(db, now).await {
        metrics::gauge!("portico_executor_queue_depth").set(b.queued as f64);
        metrics::gauge!("portico_executor_oldest_age_seconds").set(b.oldest_secs);
        metrics::gauge!("portico_webhook_backlog").set(b.webhooks as f64);
        metrics::gauge!("portico_webhook_oldest_age_seconds").set(b.oldest_webhook_secs);
    }
    handle().render()
}

/// Work waiting for the executor (approved or executing) and notifications not yet delivered.
#[derive(Debug, PartialEq)]
pub struct Backlog {
    pub queued: i64,
    /// Seconds since the longest-waiting queued request was approved (0 when none).
    pub oldest_secs: f64,
    pub webhooks: i64,
    pub oldest_webhook_secs: f64,
}

pub async fn backlog(db: &dyn Store, now: DateTime<Utc>) -> sqlx::Result<Backlog> {
    let q = db.queues().await?;
    let age = |t: Option<String>| {
        t.and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
            .map_or(0.0, |t| (now - t.with_timezone(&Utc)).num_milliseconds().max(0) as f64 / 1000.0)
    };
    Ok(Backlog {
        queued: q.requests,
        oldest_secs: age(q.oldest_request),
        webhooks: q.notifications,
        oldest_webhook_secs: age(q.oldest_notification),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(t: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(t).expect("time").with_timezone(&Utc)
    }

    async fn counts_queued_work_and_its_age(db: &dyn Store) {
        let now = at("2026-03-02T09:00:00Z");
        let empty = backlog(db, now).await.expect("backlog");
        assert_eq!(empty, Backlog { queued: 0, oldest_secs: 0.0, webhooks: 0, oldest_webhook_secs: 0.0 });
        db.enqueue(crate::requests::notify::WEBHOOK, "{}", at("2026-03-02T08:59:30Z")).await.expect("notification");
        let b = backlog(db, now).await.expect("backlog");
        assert_eq!((b.webhooks, b.oldest_webhook_secs), (1, 30.0));
    }

    #[tokio::test]
    async fn backlog_on_sqlite() {
        let (_dir, db) = crate::db::testing::sqlite().await;
        counts_queued_work_and_its_age(&db).await;
    }

    #[tokio::test]
    async fn backlog_on_postgres() {
        let (_cluster, db) = crate::db::testing::postgres().await;
        counts_queued_work_and_its_age(&db).await;
        db.close().await;
    }

    #[test]
    fn upstream_calls_render_by_bucket_and_status() {
        upstream_call("okta", "test-bucket", Some(429), Duration::from_millis(3), Some(7));
        upstream_call("okta", "test-bucket", None, Duration::from_millis(3), None);
        let text = handle().render();
        assert!(text.contains(r#"portico_upstream_requests_total{upstream="okta",bucket="test-bucket",status="429"}"#));
        assert!(
            text.contains(r#"portico_upstream_requests_total{upstream="okta",bucket="test-bucket",status="error"}"#)
        );
        assert!(text.contains(r#"portico_upstream_rate_limited_total{upstream="okta",bucket="test-bucket"}"#));
        assert!(text.contains(r#"portico_upstream_rate_limit_remaining{upstream="okta",bucket="test-bucket"} 7"#));
        assert!(text.contains("portico_upstream_request_duration_seconds_bucket"), "{text}");
    }
}
