//! The request's deadline, as the service sees it: the Lambda context's deadline when the
//! request came through Lambda (`lambda_http::Context::deadline`, set by the request-context
//! middleware). Served locally there is none, unless `ROSTER_REQUEST_BUDGET_MS` sets a budget
//! from the request's start. Conflict retries stop before it, and a batch answers the items it
//! cannot start in time as 503 items instead of being killed half-way.

use std::future::Future;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

tokio::task_local! {
    static DEADLINE: Instant;
}

/// The budget of a locally served request (`ROSTER_REQUEST_BUDGET_MS`), if set.
pub fn local_budget() -> Option<Duration> {
    static BUDGET: std::sync::OnceLock<Option<Duration>> = std::sync::OnceLock::new();
    *BUDGET.get_or_init(|| {
        std::env::var("ROSTER_REQUEST_BUDGET_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .map(Duration::from_millis)
    })
}

/// Time kept in hand at the deadline to answer (render, send, log).
pub const MARGIN: Duration = Duration::from_millis(750);

/// Runs `f` with `deadline` as the request's deadline.
pub async fn scope<F: Future>(deadline: Instant, f: F) -> F::Output {
    DEADLINE.scope(deadline, f).await
}

/// The deadline of a Lambda invocation (milliseconds since the epoch; 0 means none given).
pub fn from_epoch_millis(deadline_ms: u64) -> Option<Instant> {
    if deadline_ms == 0 {
        return None;
    }
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    Some(Instant::now() + Duration::from_millis(deadline_ms.saturating_sub(now_ms)))
}

/// The current request's deadline, if one is set.
pub fn current() -> Option<Instant> {
    DEADLINE.try_with(|d| *d).ok()
}

/// The instant by which work must stop to leave [`MARGIN`] for the answer (none outside a
/// request).
pub fn stop_by() -> Option<Instant> {
    current().map(|d| d.checked_sub(MARGIN).unwrap_or(d))
}

/// True when less than `needed` remains before [`stop_by`].
pub fn too_late_for(needed: Duration) -> bool {
    stop_by().is_some_and(|stop| Instant::now() + needed > stop)
}

/// The error of a batch item left unstarted at the deadline (503, retry later).
pub fn not_started() -> crate::Error {
    crate::Error::Throttled("batch item not started: the request's deadline was near".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_deadline_is_seen_inside_its_scope_only() {
        assert!(current().is_none());
        assert!(!too_late_for(Duration::from_secs(3600)));
        let soon = Instant::now() + Duration::from_millis(800);
        scope(soon, async {
            assert_eq!(current(), Some(soon));
            assert!(too_late_for(Duration::from_millis(100)));
        })
        .await;
        let later = Instant::now() + Duration::from_secs(60);
        scope(later, async {
            assert!(!too_late_for(Duration::from_secs(1)))
        })
        .await;
    }

    #[test]
    fn a_lambda_deadline_of_zero_is_none() {
        assert!(from_epoch_millis(0).is_none());
        let in_a_second = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64 + 1000)
            .unwrap_or(0);
        let at = from_epoch_millis(in_a_second).unwrap_or_else(Instant::now);
        assert!(at > Instant::now() + Duration::from_millis(500));
    }
}
