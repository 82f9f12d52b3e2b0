//! Which partition a record goes to: the one it names, else the hash of its key as the Java
//! producer's default partitioner computes it (murmur2), else the next one round-robin.

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

/// Where one record goes in a topic of `partitions` partitions (numbered from 0): `explicit` if it
/// exists, else by key, else `next_round_robin()` modulo the count. An explicit partition that does
/// not exist is an error with the Java producer's message (the REST Proxy reports it per record).
pub fn choose_partition(
    explicit: Option<i32>,
    key: Option<&[u8]>,
    partitions: i32,
    next_round_robin: impl FnOnce() -> u32,
) -> Result<i32, String> {
    if partitions <= 0 {
        return Err(format!("the topic has no partitions ({partitions})"));
    }
    match (explicit, key) {
        (Some(partition), _) if (0..partitions).contains(&partition) => Ok(partition),
        (Some(partition), _) => Err(format!(
            "Invalid partition given with record: {partition} is not in the range [0...{partitions})."
        )),
        (None, Some(key)) => Ok(partition_for_key(key, partitions)),
        // `partitions` > 0, so the remainder fits an i32.
        (None, None) => Ok((next_round_robin() % partitions as u32) as i32),
    }
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

    #[test]
    fn an_explicit_partition_wins_when_it_exists() {
        let never = || -> u32 { panic!("round robin consulted") };
        assert_eq!(choose_partition(Some(2), Some(b"k"), 3, never), Ok(2));
        assert_eq!(choose_partition(Some(0), None, 1, never), Ok(0));
        let error = choose_partition(Some(3), None, 3, never);
        assert_eq!(
            error,
            Err("Invalid partition given with record: 3 is not in the range [0...3).".into())
        );
        assert!(choose_partition(Some(-1), None, 3, never).is_err());
    }

    #[test]
    fn keyed_records_hash_and_keyless_ones_take_turns() {
        let never = || -> u32 { panic!("round robin consulted") };
        assert_eq!(
            choose_partition(None, Some(b"foobar"), 3, never),
            Ok(partition_for_key(b"foobar", 3))
        );
        let mut counter = u32::MAX - 1;
        let picks: Vec<i32> = (0..4)
            .map(|_| {
                choose_partition(None, None, 3, || {
                    counter = counter.wrapping_add(1);
                    counter
                })
                .unwrap_or(-1)
            })
            .collect();
        // u32::MAX % 3 = 0, then the counter wraps to 0, 1, 2.
        assert_eq!(picks, vec![0, 0, 1, 2]);
        assert!(choose_partition(None, None, 0, || 0).is_err());
    }
}
