//! How long the upstream (DynamoDB Local) had at least one forwarded request outstanding: the
//! union of the forwarded requests' intervals, so two requests that a serialising upstream
//! answers one after the other count once, not twice. The bench reads it around a batch to say
//! how much of the batch's time was spent waiting for the emulator.

use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Default)]
pub(crate) struct Busy {
    state: Mutex<Intervals>,
}

impl Busy {
    /// Marks a forwarded request outstanding until the guard drops (also when the caller went
    /// away mid-request).
    pub(crate) fn outstanding(&self) -> Outstanding<'_> {
        if let Ok(mut s) = self.state.lock() {
            s.begin(Instant::now());
        }
        Outstanding { busy: self }
    }

    /// The busy time so far, an interval still open included.
    pub(crate) fn total(&self) -> Duration {
        self.state
            .lock()
            .map(|s| s.total(Instant::now()))
            .unwrap_or_default()
    }
}

pub(crate) struct Outstanding<'a> {
    busy: &'a Busy,
}

impl Drop for Outstanding<'_> {
    fn drop(&mut self) {
        if let Ok(mut s) = self.busy.state.lock() {
            s.end(Instant::now());
        }
    }
}

/// The union of intervals, kept as the closed intervals' sum and the open one's start.
#[derive(Debug, Default)]
struct Intervals {
    outstanding: usize,
    since: Option<Instant>,
    closed: Duration,
}

impl Intervals {
    fn begin(&mut self, now: Instant) {
        if self.outstanding == 0 {
            self.since = Some(now);
        }
        self.outstanding += 1;
    }

    fn end(&mut self, now: Instant) {
        self.outstanding = self.outstanding.saturating_sub(1);
        if self.outstanding == 0 {
            if let Some(since) = self.since.take() {
                self.closed += now.saturating_duration_since(since);
            }
        }
    }

    fn total(&self, now: Instant) -> Duration {
        self.closed
            + self
                .since
                .map_or(Duration::ZERO, |since| now.saturating_duration_since(since))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn overlapping_requests_count_once_and_gaps_not_at_all() {
        let t0 = Instant::now();
        let mut i = Intervals::default();
        i.begin(t0);
        i.begin(t0 + 2 * MS);
        i.end(t0 + 5 * MS);
        i.end(t0 + 10 * MS);
        // A gap of 10 ms, then one request of 3 ms.
        i.begin(t0 + 20 * MS);
        i.end(t0 + 23 * MS);
        assert_eq!(i.total(t0 + 100 * MS), 13 * MS);
    }

    #[test]
    fn an_open_interval_counts_up_to_now() {
        let t0 = Instant::now();
        let mut i = Intervals::default();
        i.begin(t0);
        assert_eq!(i.total(t0 + 7 * MS), 7 * MS);
        i.end(t0 + 9 * MS);
        assert_eq!(i.total(t0 + 50 * MS), 9 * MS);
    }

    #[test]
    fn the_guard_closes_its_interval() {
        let busy = Busy::default();
        {
            let _a = busy.outstanding();
            let _b = busy.outstanding();
        }
        let after = busy.total();
        assert_eq!(busy.state.lock().map(|s| s.outstanding).ok(), Some(0));
        // Nothing is outstanding: the total no longer grows.
        std::thread::sleep(2 * MS);
        assert_eq!(busy.total(), after);
    }
}
