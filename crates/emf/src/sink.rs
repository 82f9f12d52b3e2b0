//! Where finished EMF lines go: stdout in a function, nowhere when metrics are off, memory in tests.

use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::Document;

/// Where finished EMF lines go.
pub trait MetricsSink: Send + Sync {
    /// Writes one line (without its newline).
    fn emit(&self, line: &str);
}

/// The process's stdout, which Lambda sends to CloudWatch Logs line by line.
#[derive(Debug, Clone, Copy, Default)]
pub struct StdoutSink;

impl MetricsSink for StdoutSink {
    fn emit(&self, line: &str) {
        use std::io::Write as _;
        // One write of line and newline under the lock, so concurrent output cannot split it. A
        // failed write loses a metric, never the invocation.
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(format!("{line}\n").as_bytes());
        let _ = stdout.flush();
    }
}

/// Discards every line (metrics turned off).
#[derive(Debug, Clone, Copy, Default)]
pub struct NullSink;

impl MetricsSink for NullSink {
    fn emit(&self, _line: &str) {}
}

/// Keeps every line in memory, for tests; shared by clones.
#[derive(Debug, Clone, Default)]
pub struct MemorySink(Arc<Mutex<Vec<String>>>);

impl MemorySink {
    /// Every line emitted so far.
    pub fn lines(&self) -> Vec<String> {
        // A panicked writer cannot leave a half-pushed String: keep reading.
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    /// Every line emitted so far, parsed (a line that is not JSON becomes `Value::Null`).
    pub fn records(&self) -> Vec<Value> {
        self.lines()
            .iter()
            .map(|line| serde_json::from_str(line).unwrap_or(Value::Null))
            .collect()
    }

    /// Every line emitted so far, read as EMF documents; the first line that is not one is the
    /// error.
    pub fn documents(&self) -> Result<Vec<Document>, serde_json::Error> {
        self.lines().iter().map(|line| Document::parse(line)).collect()
    }
}

impl MetricsSink for MemorySink {
    fn emit(&self, line: &str) {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(line.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{MetricRecord, Namespace};
    use std::time::UNIX_EPOCH;

    #[test]
    fn memory_keeps_lines_as_json_and_as_documents() {
        let sink = MemorySink::default();
        let record = MetricRecord::new(Namespace::default(), "streams").count("Records", 2);
        sink.clone().emit(&record.to_line(UNIX_EPOCH));
        assert_eq!(sink.records()[0]["Records"], 2);
        assert_eq!(sink.documents().unwrap(), vec![record.document(UNIX_EPOCH)]);
        sink.emit("not json");
        assert_eq!(sink.records()[1], Value::Null);
        assert!(sink.documents().is_err());
    }
}
