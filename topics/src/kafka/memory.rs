//! An in-memory [`KafkaApi`] for tests of the core without a broker: topics with partitions that
//! append records, and failures to inject (the next produce calls fail with given errors, or the
//! whole cluster is unreachable).

use std::collections::{BTreeMap, VecDeque};

use parking_lot::Mutex;

use super::{KafkaApi, KafkaError, OutRecord, TopicInfo};

/// One produce call the memory cluster received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProduceCall {
    /// The topic.
    pub topic: String,
    /// The partition.
    pub partition: i32,
    /// How many records.
    pub records: usize,
}

#[derive(Default)]
struct State {
    logs: BTreeMap<String, Vec<Vec<OutRecord>>>,
    failures: VecDeque<KafkaError>,
    unreachable: bool,
    calls: Vec<ProduceCall>,
    invalidations: usize,
}

/// An in-memory cluster.
#[derive(Default)]
pub struct MemoryKafka {
    state: Mutex<State>,
}

impl MemoryKafka {
    /// A cluster with these topics and partition counts.
    pub fn with_topics(topics: &[(&str, i32)]) -> MemoryKafka {
        let kafka = MemoryKafka::default();
        {
            let mut state = kafka.state.lock();
            for (name, partitions) in topics {
                state.logs.insert(
                    name.to_string(),
                    vec![Vec::new(); usize::try_from(*partitions).unwrap_or(0)],
                );
            }
        }
        kafka
    }

    /// The next produce calls fail with these errors, one each, in order.
    pub fn fail_next(&self, errors: impl IntoIterator<Item = KafkaError>) {
        self.state.lock().failures.extend(errors);
    }

    /// Every call fails as if no broker could be reached.
    pub fn set_unreachable(&self, unreachable: bool) {
        self.state.lock().unreachable = unreachable;
    }

    /// The records of one partition, in offset order.
    pub fn records(&self, topic: &str, partition: i32) -> Vec<OutRecord> {
        let state = self.state.lock();
        state
            .logs
            .get(topic)
            .and_then(|partitions| partitions.get(usize::try_from(partition).ok()?))
            .cloned()
            .unwrap_or_default()
    }

    /// Every produce call so far (failed ones included).
    pub fn calls(&self) -> Vec<ProduceCall> {
        self.state.lock().calls.clone()
    }

    /// How many times metadata was invalidated.
    pub fn invalidations(&self) -> usize {
        self.state.lock().invalidations
    }

    fn check_reachable(&self) -> Result<(), KafkaError> {
        match self.state.lock().unreachable {
            true => Err(KafkaError::Unreachable {
                bootstrap: "memory".into(),
                reason: "unreachable (injected)".into(),
            }),
            false => Ok(()),
        }
    }
}

impl KafkaApi for MemoryKafka {
    async fn topics(&self) -> Result<Vec<TopicInfo>, KafkaError> {
        self.check_reachable()?;
        Ok(self
            .state
            .lock()
            .logs
            .iter()
            .map(|(name, partitions)| TopicInfo {
                name: name.clone(),
                partitions: i32::try_from(partitions.len()).unwrap_or(i32::MAX),
            })
            .collect())
    }

    async fn partition_count(&self, topic: &str) -> Result<Option<i32>, KafkaError> {
        self.check_reachable()?;
        Ok(self
            .state
            .lock()
            .logs
            .get(topic)
            .map(|partitions| i32::try_from(partitions.len()).unwrap_or(i32::MAX)))
    }

    async fn produce(&self, topic: &str, partition: i32, records: Vec<OutRecord>) -> Result<Vec<i64>, KafkaError> {
        self.check_reachable()?;
        let mut state = self.state.lock();
        state.calls.push(ProduceCall {
            topic: topic.to_string(),
            partition,
            records: records.len(),
        });
        if let Some(error) = state.failures.pop_front() {
            return Err(error);
        }
        let log = state
            .logs
            .get_mut(topic)
            .and_then(|partitions| partitions.get_mut(usize::try_from(partition).ok()?))
            .ok_or_else(|| KafkaError::Request {
                retry: super::Retry::Retriable,
                reason: "broker error UnknownTopicOrPartition".into(),
                stale_metadata: true,
            })?;
        let first = i64::try_from(log.len()).unwrap_or(i64::MAX);
        let count = i64::try_from(records.len()).unwrap_or(i64::MAX);
        log.extend(records);
        Ok((first..first + count).collect())
    }

    fn invalidate(&self, _topic: &str) {
        self.state.lock().invalidations += 1;
    }
}
