//! Whether the stream still holds a batch pointer's records: a pointer outlives them once its first
//! record is older than the stream's retention.

use chrono::{DateTime, Utc};
use deadletter::BatchPointer;

/// When the pointer's first record arrived in the stream (`None`: not said, or not RFC 3339).
pub fn first_arrival(pointer: &BatchPointer) -> Option<DateTime<Utc>> {
    pointer
        .batch
        .approximate_arrival_of_first_record
        .as_deref()
        .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
        .map(|time| time.with_timezone(&Utc))
}

/// Whether the stream still holds a batch whose first record arrived at `first_arrival`, given its
/// retention; `None` when the arrival is unknown.
pub fn retained(first_arrival: Option<DateTime<Utc>>, retention_hours: i64, now: DateTime<Utc>) -> Option<bool> {
    first_arrival.map(|arrival| now - arrival < chrono::Duration::hours(retention_hours))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_decides_what_is_still_in_the_stream() {
        let now = Utc::now();
        assert_eq!(retained(Some(now - chrono::Duration::hours(23)), 24, now), Some(true));
        assert_eq!(retained(Some(now - chrono::Duration::hours(25)), 24, now), Some(false));
        assert_eq!(retained(None, 24, now), None);
    }

    #[test]
    fn the_first_arrival_is_read_from_the_pointer() {
        let mut pointer = BatchPointer::default();
        assert_eq!(first_arrival(&pointer), None);
        pointer.batch.approximate_arrival_of_first_record = Some("2026-11-25T09:59:00.000Z".into());
        assert_eq!(
            first_arrival(&pointer).map(|t| t.timestamp_millis()),
            Some(1_795_600_740_000)
        );
        pointer.batch.approximate_arrival_of_first_record = Some("yesterday".into());
        assert_eq!(first_arrival(&pointer), None);
    }
}
