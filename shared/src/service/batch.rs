//! Batches run their items with bounded concurrency: results in input order, each item
//! committed on its own, and the items that could not start before the request's deadline
//! answered as 503 items (`STORAGE_UNAVAILABLE`, retry later) instead of the function being
//! killed half-way through the batch.

use std::future::Future;
use std::time::Duration;

use futures_util::stream::{self, StreamExt};

use crate::Error;

/// Items of one batch in flight at once.
pub const BATCH_CONCURRENCY: usize = 12;

/// Time an item needs, at most, once started (hash, reads, transaction with its retries): an
/// item is not started when less than this remains before the deadline's margin.
pub const ITEM_TIME: Duration = Duration::from_millis(1500);

/// The error of an item left unstarted at the deadline.
pub fn not_started() -> Error {
    crate::deadline::not_started()
}

/// Runs `run` on every item, [`BATCH_CONCURRENCY`] at a time; results in input order.
pub async fn run<T, X, F, Fut>(items: Vec<T>, run: F) -> Vec<Result<X, Error>>
where
    F: Fn(T) -> Fut,
    Fut: Future<Output = Result<X, Error>>,
{
    run_keyed(items, |_| Vec::new(), run).await
}

/// Like [`run`], but items sharing a key (the same user, username, email…) run one after
/// another in input order, as they did when the whole batch ran in order: the second change
/// of one user sees the first, and of two items claiming one username the later one is the
/// one refused. Items are grouped in waves (an item's wave follows the last earlier item it
/// shares a key with); the items of one wave run together.
pub async fn run_keyed<T, X, K, F, Fut>(items: Vec<T>, keys: K, run: F) -> Vec<Result<X, Error>>
where
    K: Fn(&T) -> Vec<String>,
    F: Fn(T) -> Fut,
    Fut: Future<Output = Result<X, Error>>,
{
    let waves = waves(items, keys);
    let run = &run;
    let mut results: Vec<(usize, Result<X, Error>)> = Vec::new();
    for wave in waves {
        let done: Vec<(usize, Result<X, Error>)> =
            stream::iter(wave.into_iter().map(|(index, item)| async move {
                if crate::deadline::too_late_for(ITEM_TIME) {
                    return (index, Err(not_started()));
                }
                (index, run(item).await)
            }))
            .buffered(BATCH_CONCURRENCY)
            .collect()
            .await;
        results.extend(done);
    }
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, r)| r).collect()
}

/// The waves of [`run_keyed`]: items with their input index, an item in the wave after the
/// last earlier item it shares a key with; no two items of one wave share a key.
pub fn waves<T, K>(items: Vec<T>, keys: K) -> Vec<Vec<(usize, T)>>
where
    K: Fn(&T) -> Vec<String>,
{
    let mut last_wave: std::collections::HashMap<String, usize> = Default::default();
    let mut waves: Vec<Vec<(usize, T)>> = Vec::new();
    for (index, item) in items.into_iter().enumerate() {
        let item_keys = keys(&item);
        let wave = item_keys
            .iter()
            .filter_map(|k| last_wave.get(k).map(|w| w + 1))
            .max()
            .unwrap_or(0);
        for key in item_keys {
            last_wave.insert(key, wave);
        }
        if waves.len() <= wave {
            waves.resize_with(wave + 1, Vec::new);
        }
        waves[wave].push((index, item));
    }
    waves
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Instant;

    #[tokio::test]
    async fn items_run_together_and_answer_in_input_order() {
        let in_flight = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let started = Instant::now();
        let results = run((0..36u64).collect(), |i| {
            let (in_flight, peak) = (&in_flight, &peak);
            async move {
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                // Later items finish first: order must still be the input's.
                tokio::time::sleep(Duration::from_millis(40 - i)).await;
                in_flight.fetch_sub(1, Ordering::SeqCst);
                Ok::<u64, Error>(i)
            }
        })
        .await;
        let values: Vec<u64> = results.into_iter().filter_map(Result::ok).collect();
        assert_eq!(values, (0..36).collect::<Vec<_>>());
        assert_eq!(peak.load(Ordering::SeqCst), BATCH_CONCURRENCY);
        // 36 items of ≤ 40 ms, 12 at a time: about 3 rounds, far below one after another.
        assert!(started.elapsed() < Duration::from_millis(36 * 25));
    }

    #[tokio::test]
    async fn items_sharing_a_key_run_in_input_order() {
        let log = std::sync::Mutex::new(Vec::new());
        let items = vec![("a", 30u64), ("b", 1), ("a", 1), ("c", 1), ("a", 1)];
        let results = run_keyed(
            items.into_iter().enumerate().collect(),
            |(_, (key, _))| vec![key.to_string()],
            |(index, (key, pause))| {
                let log = &log;
                async move {
                    tokio::time::sleep(Duration::from_millis(pause)).await;
                    if let Ok(mut l) = log.lock() {
                        l.push((key, index));
                    }
                    Ok::<usize, Error>(index)
                }
            },
        )
        .await;
        let order: Vec<usize> = results.into_iter().filter_map(Result::ok).collect();
        assert_eq!(order, [0, 1, 2, 3, 4]);
        let a_runs: Vec<usize> = log
            .lock()
            .map(|l| {
                l.iter()
                    .filter(|(k, _)| *k == "a")
                    .map(|(_, i)| *i)
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(a_runs, [0, 2, 4]);
    }

    #[tokio::test]
    async fn items_past_the_deadline_are_503_items_and_are_not_run() {
        let ran = AtomicUsize::new(0);
        let deadline = Instant::now() + crate::deadline::MARGIN + ITEM_TIME / 2;
        let results = crate::deadline::scope(deadline, async {
            run(vec![1, 2, 3], |i: u32| {
                let ran = &ran;
                async move {
                    ran.fetch_add(1, Ordering::SeqCst);
                    Ok::<u32, Error>(i)
                }
            })
            .await
        })
        .await;
        assert_eq!(ran.load(Ordering::SeqCst), 0);
        assert!(results
            .iter()
            .all(|r| matches!(r, Err(Error::Throttled(_)))));
    }
}
