//! One service's metrics: its namespace, its name and its sink, configured once per execution
//! environment, and a record stamped and written per invocation.

use std::sync::Arc;
use std::time::SystemTime;

use crate::{MetricRecord, MetricsSink, Namespace, NullSink};

/// Builds and emits the records of one service: the namespace, the service name and the sink,
/// configured once per execution environment.
#[derive(Clone)]
pub struct Metrics {
    namespace: Namespace,
    service: &'static str,
    sink: Arc<dyn MetricsSink>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("namespace", &self.namespace)
            .field("service", &self.service)
            .finish_non_exhaustive()
    }
}

impl Metrics {
    /// Records of `service` in `namespace`, written to `sink`.
    pub fn new(namespace: Namespace, service: &'static str, sink: impl MetricsSink + 'static) -> Self {
        Metrics {
            namespace,
            service,
            sink: Arc::new(sink),
        }
    }

    /// Metrics that go nowhere (the default of library users and tests that do not look).
    pub fn disabled(service: &'static str) -> Self {
        Metrics::new(Namespace::default(), service, NullSink)
    }

    /// An empty record for this service.
    pub fn record(&self) -> MetricRecord {
        MetricRecord::new(self.namespace.clone(), self.service)
    }

    /// Writes `record`, stamped now, as one line.
    pub fn emit(&self, record: &MetricRecord) {
        self.sink.emit(&record.to_line(SystemTime::now()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemorySink;
    use std::time::UNIX_EPOCH;

    #[test]
    fn metrics_stamp_now_and_write_to_their_sink() {
        let sink = MemorySink::default();
        let metrics = Metrics::new(Namespace::default(), "authorizer", sink.clone());
        let before = SystemTime::now();
        metrics.emit(&metrics.record().count("Allowed", 1));
        let after = SystemTime::now();
        let documents = sink.documents().unwrap();
        assert_eq!(documents.len(), 1);
        assert_eq!(documents[0].service, "authorizer");
        assert_eq!(documents[0].value("Allowed"), Some(1));
        let stamp = documents[0].metadata.timestamp;
        let millis = |t: SystemTime| t.duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
        assert!((millis(before)..=millis(after)).contains(&stamp));
        Metrics::disabled("x").emit(&MetricRecord::new(Namespace::default(), "x"));
    }
}
