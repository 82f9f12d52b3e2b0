//! Tests of the mapping's decisions: outcomes under the settings and attempts, record age, batch
//! caps, bisection halves, and the lowest failure positions.

use super::*;

fn spec(retries: i64, bisect: bool) -> MappingSpec {
    MappingSpec {
        function: "F".into(),
        stream: "S".into(),
        starting_position: "TRIM_HORIZON".into(),
        batch_size: 100,
        batching_window_seconds: 0,
        parallelization_factor: 1,
        maximum_retry_attempts: retries,
        maximum_record_age_seconds: 60,
        bisect_on_error: bisect,
        report_batch_item_failures: true,
        on_failure_queue: None,
    }
}

#[test]
fn outcomes_under_settings_and_attempts() {
    let s = spec(2, true);
    assert_eq!(after(Answer::Success, 5, &s, 0), Step::Done(5));
    assert_eq!(after(Answer::PartialFailure(3), 5, &s, 0), Step::Done(3));
    assert_eq!(after(Answer::PartialFailure(0), 5, &s, 1), Step::Retry);
    assert_eq!(
        after(Answer::PartialFailure(0), 5, &s, 2),
        Step::OnFailure(Condition::RetryAttemptsExhausted)
    );
    assert_eq!(
        after(Answer::FunctionError, 5, &s, 9),
        Step::Bisect,
        "bisecting is not a retry"
    );
    assert_eq!(after(Answer::FunctionError, 1, &s, 0), Step::Retry);
    assert_eq!(
        after(Answer::FunctionError, 1, &s, 2),
        Step::OnFailure(Condition::RetryAttemptsExhausted)
    );
    assert_eq!(after(Answer::FunctionError, 5, &spec(2, false), 0), Step::Retry);
    assert_eq!(
        after(Answer::FunctionError, 5, &spec(-1, false), 10_000),
        Step::Retry,
        "-1: forever"
    );
}

#[test]
fn record_age() {
    assert!(!expired(60, &spec(0, false)));
    assert!(expired(61, &spec(0, false)));
    let mut forever = spec(0, false);
    forever.maximum_record_age_seconds = -1;
    assert!(!expired(i64::MAX, &forever));
}

#[test]
fn batches_are_capped_by_count_and_event_bytes() {
    assert_eq!(batch_len([100; 10], 4), 4);
    assert_eq!(batch_len([100; 3], 10), 3);
    // 1 MB records, base64 in the event: four fit in 6 MB, a fifth does not.
    assert_eq!(batch_len([1_333_800; 6], 100), 4);
    assert_eq!(batch_len([MAX_EVENT_BYTES * 2], 100), 1, "never an empty batch");
    assert_eq!(batch_len(std::iter::empty(), 100), 0);
}

#[test]
fn each_half_of_a_bisection_is_its_own_batch() {
    let mut segments = Segments::default();
    assert_eq!(segments.next(), None);
    segments.bisect(4);
    assert_eq!(segments.next(), Some(2));
    segments.bisect(2);
    assert_eq!(segments.next(), Some(1));
    segments.done(1);
    assert_eq!(segments.next(), Some(1), "the other half of the 2");
    segments.done(1);
    assert_eq!(
        segments.next(),
        Some(2),
        "the second half of the 4, not merged with later records"
    );
    segments.done(1);
    assert_eq!(segments.next(), Some(1), "a checkpoint inside a segment shrinks it");
    segments.done(1);
    assert_eq!(segments.next(), None);
    segments.bisect(5);
    assert_eq!(segments.0, VecDeque::from([2, 3]));
}

#[test]
fn lowest_failure_positions() {
    let batch = ["10", "11", "12"];
    let seqs = || batch.iter().copied();
    assert_eq!(lowest_failure(br#"{"batchItemFailures":[]}"#, seqs()), None);
    assert_eq!(lowest_failure(b"null", seqs()), None);
    assert_eq!(
        lowest_failure(
            br#"{"batchItemFailures":[{"itemIdentifier":"12"},{"itemIdentifier":"11"}]}"#,
            seqs()
        ),
        Some(1)
    );
    assert_eq!(
        lowest_failure(br#"{"batchItemFailures":[{"itemIdentifier":""}]}"#, seqs()),
        Some(0)
    );
    assert_eq!(
        lowest_failure(br#"{"batchItemFailures":[{"itemIdentifier":null}]}"#, seqs()),
        Some(0)
    );
    assert_eq!(
        lowest_failure(br#"{"batchItemFailures":[{"itemIdentifier":"99"}]}"#, seqs()),
        Some(0)
    );
    // A malformed report fails the whole batch rather than checkpoint it.
    assert_eq!(
        lowest_failure(br#"{"batchItemFailures":[{"itemIdentifier":5}]}"#, seqs()),
        Some(0)
    );
    assert_eq!(lowest_failure(br#"{"batchItemFailures":[1]}"#, seqs()), Some(0));
    assert_eq!(lowest_failure(b"not json", seqs()), None);
}
