//! Which partition a record goes to, as the Java producer behind Confluent's REST Proxy would put
//! it: the one it names, else the hash of its key (murmur2, bit for bit), else the request's sticky
//! partition.

use crate::error::RestError;
use crate::records::ProduceRecord;

/// Kafka's murmur2 (`org.apache.kafka.common.utils.Utils.murmur2`), bit for bit.
pub fn murmur2(data: &[u8]) -> i32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;
    // Java's `int` length; a key over 2 GiB cannot reach a produce call anyway.
    let mut h = SEED ^ data.len() as u32;
    let mut chunks = data.chunks_exact(4);
    for chunk in &mut chunks {
        let mut k = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let tail = chunks.remainder();
    if tail.len() == 3 {
        h ^= u32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        h ^= u32::from(tail[1]) << 8;
    }
    if !tail.is_empty() {
        h ^= u32::from(tail[0]);
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// The partition of a keyed record among `partitions` (> 0), as the Java producer picks it.
pub fn partition_for_key(key: &[u8], partitions: i32) -> i32 {
    (murmur2(key) & 0x7fff_ffff) % partitions.max(1)
}

/// The partition of every record of a request, in order, among `partitions` (> 0): the request's
/// path partition if any, else the record's own `partition`, else its key's hash, else `sticky`
/// (one partition for all of a request's keyless records, as the Java producer's sticky
/// partitioner keeps a batch together). A partition the topic does not have is 404 / 40402 for the
/// whole request, naming the record: nothing is produced.
pub fn place(
    records: &[ProduceRecord],
    partitions: i32,
    path_partition: Option<i32>,
    sticky: i32,
) -> Result<Vec<i32>, RestError> {
    let exists = |partition: i32| (0..partitions).contains(&partition);
    let out_of_range = |partition: i32, whose: String| {
        RestError::partition_not_found(format!("{whose}: partition {partition} is not in [0, {partitions})"))
    };
    if let Some(partition) = path_partition
        && !exists(partition)
    {
        return Err(out_of_range(partition, "the path".into()));
    }
    records
        .iter()
        .enumerate()
        .map(
            |(index, record)| match (path_partition, record.partition, &record.key) {
                (Some(partition), _, _) => Ok(partition),
                (None, Some(partition), _) if exists(partition) => Ok(partition),
                (None, Some(partition), _) => Err(out_of_range(partition, format!("records[{index}]"))),
                (None, None, Some(key)) => Ok(partition_for_key(key, partitions)),
                (None, None, None) => Ok(sticky),
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn murmur2_matches_the_values_kafkas_own_tests_pin() {
        // Apache Kafka's UtilsTest.testMurmur2: the Java implementation's results.
        let cases: [(&[u8], i32); 6] = [
            (b"21", -973_932_308),
            (b"foobar", -790_332_482),
            (b"a-little-bit-long-string", -985_981_536),
            (b"a-little-bit-longer-string", -1_486_304_829),
            (b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58_897_971),
            (b"abc", 479_470_107),
        ];
        for (key, expected) in cases {
            assert_eq!(murmur2(key), expected, "{}", String::from_utf8_lossy(key));
        }
    }

    #[test]
    fn a_key_always_lands_on_the_same_partition_within_range() {
        for key in [&b""[..], b"a", b"user-1", b"\"user-1\"", &[0xff; 37]] {
            for partitions in 1..=12 {
                let partition = partition_for_key(key, partitions);
                assert!((0..partitions).contains(&partition));
                assert_eq!(partition, partition_for_key(key, partitions));
            }
        }
        // Known placements: (murmur2("foobar") & 0x7fffffff) % 3.
        assert_eq!(partition_for_key(b"foobar", 3), ((-790_332_482i32 & 0x7fff_ffff) % 3));
    }

    fn record(key: Option<&[u8]>, partition: Option<i32>) -> ProduceRecord {
        ProduceRecord {
            key: key.map(<[u8]>::to_vec),
            value: Some(b"1".to_vec()),
            partition,
        }
    }

    #[test]
    fn explicit_then_keyed_then_sticky() {
        let records = [
            record(Some(b"foobar"), None),
            record(None, Some(2)),
            record(None, None),
            record(Some(b"foobar"), Some(0)),
            record(None, None),
        ];
        let placed = place(&records, 3, None, 1).unwrap_or_default();
        assert_eq!(placed, vec![partition_for_key(b"foobar", 3), 2, 1, 0, 1]);
        // The path's partition wins over everything.
        assert_eq!(place(&records, 3, Some(2), 1).unwrap_or_default(), vec![2; 5]);
    }

    #[test]
    fn a_partition_the_topic_lacks_refuses_the_request() {
        for (records, path) in [
            (vec![record(None, Some(3))], None),
            (vec![record(None, Some(-1))], None),
            (vec![record(None, None)], Some(-1)),
            (vec![record(None, None)], Some(3)),
        ] {
            let error = place(&records, 3, path, 0).err();
            assert_eq!(
                error.map(|e| (e.status, e.error_code)),
                Some((404, 40402)),
                "{records:?} {path:?}"
            );
        }
        let message = place(&[record(None, None), record(None, Some(7))], 3, None, 0)
            .err()
            .map(|e| e.message)
            .unwrap_or_default();
        assert!(
            message.contains("records[1]") && message.contains("[0, 3)"),
            "{message}"
        );
    }
}
