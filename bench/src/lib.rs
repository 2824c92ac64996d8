//! Shared helpers for Portico's benchmarks: timing samples and printing percentiles.

use std::time::{Duration, Instant};

/// Runs `f` `n` times (after `warmup` unmeasured runs) and returns the sorted durations.
pub async fn sample<F, Fut>(n: usize, warmup: usize, mut f: F) -> Vec<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for _ in 0..warmup {
        f().await;
    }
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let started = Instant::now();
        f().await;
        out.push(started.elapsed());
    }
    out.sort();
    out
}

pub fn pct(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
