//! What a function leaves behind: the lines its process writes and the platform records (the last
//! 20 000 kept for tests and the CLI and, when the stage is verbose, emitted as `tracing` events),
//! and the report of every invocation.

use std::collections::VecDeque;

use parking_lot::Mutex;

use super::FunctionConfig;
use super::handoff::InFlight;
use super::report::{self, Report, Status, peak_rss_mb};
use crate::template::LoggingSpec;

const LOG_LINES_KEPT: usize = 20_000;

/// One function's log lines and reports.
pub(crate) struct FunctionLogs {
    binary: String,
    memory_mb: u64,
    logging: LoggingSpec,
    emit: bool,
    lines: Mutex<VecDeque<String>>,
    reports: Mutex<Vec<Report>>,
}

impl FunctionLogs {
    /// Empty logs of the function of `config`; `emit`: also as `tracing` events.
    pub(crate) fn new(config: &FunctionConfig, emit: bool) -> FunctionLogs {
        FunctionLogs {
            binary: config.binary.clone(),
            memory_mb: config.memory_mb,
            logging: config.logging.clone(),
            emit,
            lines: Mutex::new(VecDeque::new()),
            reports: Mutex::new(Vec::new()),
        }
    }

    /// Adds a line.
    pub(crate) fn line(&self, line: String) {
        if self.emit {
            tracing::info!("[{}] {line}", self.binary);
        }
        let mut lines = self.lines.lock();
        if lines.len() == LOG_LINES_KEPT {
            lines.pop_front();
        }
        lines.push_back(line);
    }

    /// The recent lines.
    pub(crate) fn lines(&self) -> Vec<String> {
        self.lines.lock().iter().cloned().collect()
    }

    /// Every report so far.
    pub(crate) fn reports(&self) -> Vec<Report> {
        self.reports.lock().clone()
    }

    /// Writes the platform record of an invocation's start, if the logging config keeps it.
    pub(crate) fn start(&self, request_id: &str) {
        if let Some(start) = report::start_record(request_id, &self.logging) {
            self.line(start);
        }
    }

    /// Records (and, as the logging config says, writes) the report of an invocation; `pid` is the
    /// process that ran it, if it still runs.
    pub(crate) fn report(&self, in_flight: &InFlight, pid: Option<u32>, status: Status) {
        let report = Report {
            request_id: in_flight.request_id.clone(),
            duration: in_flight.started.elapsed(),
            memory_size_mb: self.memory_mb,
            max_memory_used_mb: pid.and_then(peak_rss_mb).unwrap_or(0),
            init_duration: in_flight.init,
            status,
        };
        if let Some(record) = report::report_record(&report, &self.logging) {
            self.line(record);
        }
        self.reports.lock().push(report);
    }
}
