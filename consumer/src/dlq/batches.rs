//! Dead-letter messages grouped into SendMessageBatch calls within SQS's limits.

use super::BATCH_ENTRIES;

/// Groups messages into SendMessageBatch calls: at most 10 entries and `max_bytes` in total each.
pub fn batches<T>(messages: Vec<(T, String)>, max_bytes: usize) -> Vec<Vec<(T, String)>> {
    let mut batches: Vec<Vec<(T, String)>> = Vec::new();
    let mut size = 0;
    for (id, body) in messages {
        let fits = batches
            .last()
            .is_some_and(|last| last.len() < BATCH_ENTRIES && size + body.len() <= max_bytes);
        if !fits {
            batches.push(Vec::new());
            size = 0;
        }
        size += body.len();
        if let Some(last) = batches.last_mut() {
            last.push((id, body));
        }
    }
    batches
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dlq::{MAX_MESSAGE_BYTES, MIN_MESSAGE_BYTES};

    #[test]
    fn batches_respect_count_and_size() {
        let small: Vec<(usize, String)> = (0..25).map(|i| (i, "x".repeat(10))).collect();
        let sizes: Vec<usize> = batches(small, MAX_MESSAGE_BYTES).iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![10, 10, 5]);
        // Two 500 KB messages fit one 1 MiB call, a third does not.
        let big: Vec<(usize, String)> = (0..5).map(|i| (i, "x".repeat(500_000))).collect();
        let grouped = batches(big, MAX_MESSAGE_BYTES);
        assert_eq!(grouped.iter().map(Vec::len).collect::<Vec<_>>(), vec![2, 2, 1]);
        for (limit, size) in [
            (MAX_MESSAGE_BYTES, 300_000),
            (262_144, 100_000),
            (MIN_MESSAGE_BYTES, 300),
        ] {
            let messages: Vec<(usize, String)> = (0..37).map(|i| (i, "x".repeat(size + i))).collect();
            let grouped = batches(messages, limit);
            assert_eq!(grouped.iter().map(Vec::len).sum::<usize>(), 37, "every message once");
            for batch in &grouped {
                assert!(batch.len() <= BATCH_ENTRIES);
                let total: usize = batch.iter().map(|(_, body)| body.len()).sum();
                assert!(total <= limit, "{total} bytes in one call, limit {limit}");
            }
        }
        assert!(batches(Vec::<(usize, String)>::new(), MAX_MESSAGE_BYTES).is_empty());
    }
}
