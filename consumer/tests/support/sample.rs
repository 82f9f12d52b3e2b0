//! The records the consumer benches convert: pin records of the posting emulator's shape, padded to
//! exactly 1 KiB, and a 64 KiB document of 63 of them (lists and maps at scale), so every figure is
//! measured on the same bytes.

use chrono::{TimeZone, Utc};
use consumer::BatchRecord;
use consumer::record::Origin;

/// The size of one record.
pub const RECORD_BYTES: usize = 1024;

/// Pin record `n`, exactly 1 KiB: strings (one with a non-ASCII character), integers, a decimal,
/// a list and a nested map.
pub fn record_1kib(n: u64) -> Vec<u8> {
    let head = format!(
        r#"{{"index":{n},"unique_id":"fbe53c66-3442-4773-b19e-{n:012}","title":"Mandala art for the living room","description":""#
    );
    let tail = r#"","follower_count":12345,"poster_name":"Maya ✓","tag_list":["mandala","art","home","decor"],"is_image_or_video":"image","image_src":"https://i.pinimg.com/originals/d4/12/9f/d4129f1c2e5b8e0c0b1b2b3b4b5b6b7b.jpg","save_location":"Local save in /data/mandalas","category":"mandalas","downloaded":1,"ratio":0.8125,"geo":{"latitude":-89.9787,"longitude":-173.293,"country":"Albania"}}"#;
    let mut body = head;
    while body.len() + tail.len() < RECORD_BYTES {
        body.push_str("lorem ipsum ");
    }
    body.truncate(RECORD_BYTES - tail.len());
    body.push_str(tail);
    assert_eq!(body.len(), RECORD_BYTES);
    body.into_bytes()
}

/// A 64 KiB document: an id, a count and 63 pin records in a list (nested maps and lists).
pub fn record_64kib() -> Vec<u8> {
    let pins: Vec<String> = (0..63)
        .map(|n| String::from_utf8(record_1kib(n)).expect("UTF-8"))
        .collect();
    let mut body = format!(r#"{{"board":"mandalas","count":63,"pins":[{}],"pad":""#, pins.join(","));
    while body.len() < 64 * 1024 - 2 {
        body.push('x');
    }
    body.push_str("\"}");
    assert_eq!(body.len(), 64 * 1024);
    body.into_bytes()
}

/// Where a record of the benches comes from.
pub fn origin<'a>(partition_key: &'a str, sequence_number: &'a str) -> Origin<'a> {
    Origin {
        partition_key,
        sequence_number,
        shard_id: super::SHARD,
        arrival: Utc.timestamp_millis_opt(1_795_381_200_123).single().expect("time"),
    }
}

/// `size` 1 KiB records of distinct keys, as the event reader hands them to `Consumer::process`.
pub fn batch_1kib(size: u64) -> Vec<BatchRecord> {
    (0..size)
        .map(|n| BatchRecord::Read(super::record(&format!("pin-{n}"), n, &record_1kib(n))))
        .collect()
}
