//! Bounded concurrent fan-out: the one way the adapters keep `WRITE_CONCURRENCY` requests in
//! flight (DynamoDB reads and writes, the isolating single-item writes, SQS sends).

use std::future::Future;

use futures_util::StreamExt;

/// Runs `f` on every item with at most `concurrency` calls in flight (at least one), and gathers
/// everything the calls return, in completion order. Each call returns its own results (a chunk's
/// outcomes, say), so one call's failure never hides another's.
pub async fn fan_out<I, F, Fut, R>(items: I, concurrency: usize, f: F) -> Vec<R::Item>
where
    I: IntoIterator,
    F: FnMut(I::Item) -> Fut,
    Fut: Future<Output = R>,
    R: IntoIterator,
{
    futures_util::stream::iter(items)
        .map(f)
        .buffer_unordered(concurrency.max(1))
        .flat_map(futures_util::stream::iter)
        .collect()
        .await
}

/// Splits `items` into owned chunks of at most `size` (at least one) items, in order.
pub fn chunks<T>(items: Vec<T>, size: usize) -> Vec<Vec<T>> {
    let size = size.max(1);
    let mut chunks = Vec::with_capacity(items.len().div_ceil(size));
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        chunks.push(items.by_ref().take(size).collect());
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn flattens_every_result_and_bounds_concurrency() {
        let in_flight = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let mut results = fan_out(chunks((0..23).collect(), 5), 2, |chunk: Vec<u32>| {
            let (in_flight, peak) = (&in_flight, &peak);
            async move {
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(5)).await;
                in_flight.fetch_sub(1, Ordering::SeqCst);
                chunk.into_iter().map(|n| n * 10).collect::<Vec<_>>()
            }
        })
        .await;
        results.sort_unstable();
        assert_eq!(results, (0..23).map(|n| n * 10).collect::<Vec<_>>());
        assert_eq!(peak.load(Ordering::SeqCst), 2);
        let singles = fan_out(vec![1, 2, 3], 0, |n| async move { [n] }).await;
        assert_eq!(singles.len(), 3, "concurrency 0 still runs, one at a time");
    }

    #[test]
    fn chunks_keep_order_and_size() {
        let sizes: Vec<usize> = chunks((0..57).collect::<Vec<_>>(), 25).iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![25, 25, 7]);
        assert_eq!(chunks(vec![1, 2, 3], 2), vec![vec![1, 2], vec![3]]);
        assert!(chunks(Vec::<u8>::new(), 25).is_empty());
    }
}
