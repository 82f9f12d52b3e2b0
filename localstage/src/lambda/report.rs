//! Lambda's platform records for an invocation: `START` and `REPORT` (text), or `platform.start`
//! and `platform.report` (JSON) when the function's `LogFormat` is JSON, and none at all when its
//! `SystemLogLevel` is WARN or ERROR, as Lambda does.

use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use serde_json::json;

use crate::template::LoggingSpec;

/// How an invocation ended, as `platform.report` says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The function answered.
    Success,
    /// The function returned an error or its process died.
    Error,
    /// The function ran past its timeout.
    Timeout,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Success => "success",
            Status::Error => "error",
            Status::Timeout => "timeout",
        }
    }
}

/// One invocation's report.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The invocation's request id.
    pub request_id: String,
    /// From delivering the event to the response.
    pub duration: Duration,
    /// The function's configured memory.
    pub memory_size_mb: u64,
    /// Peak RSS of the process so far.
    pub max_memory_used_mb: u64,
    /// Process start to its first `next` request, on the first invocation of a process.
    pub init_duration: Option<Duration>,
    /// How it ended.
    pub status: Status,
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// One line for a function's reports, as the benchmarks print them: invocations, every init
/// duration and the duration of the invocation each init carried (a cold start's whole cost is
/// the two together: whatever init leaves for later, the first invocation pays), the highest max
/// memory used and the mean duration.
pub fn summarize(reports: &[Report]) -> String {
    let init: Vec<String> = reports
        .iter()
        .filter_map(|r| r.init_duration)
        .map(|d| format!("{:.1}", ms(d)))
        .collect();
    let first: Vec<String> = reports
        .iter()
        .filter(|r| r.init_duration.is_some())
        .map(|r| format!("{:.1}", ms(r.duration)))
        .collect();
    let memory = reports.iter().map(|r| r.max_memory_used_mb).max().unwrap_or(0);
    let total: f64 = reports.iter().map(|r| ms(r.duration)).sum();
    format!(
        "{} invocations, init {} ms, first invocation {} ms, max memory used {memory} MB, mean duration {:.2} ms",
        reports.len(),
        init.join("/"),
        first.join("/"),
        total / reports.len().max(1) as f64
    )
}

impl Report {
    /// The text `REPORT` line.
    pub fn line(&self) -> String {
        let ms = ms(self.duration);
        let mut line = format!(
            "REPORT RequestId: {}\tDuration: {ms:.2} ms\tBilled Duration: {} ms\tMemory Size: {} MB\tMax Memory Used: {} MB",
            self.request_id,
            ms.ceil() as u64,
            self.memory_size_mb,
            self.max_memory_used_mb
        );
        if let Some(init) = self.init_duration {
            line.push_str(&format!("\tInit Duration: {:.2} ms", self.init_ms(init)));
        }
        line
    }

    fn init_ms(&self, init: Duration) -> f64 {
        (ms(init) * 100.0).round() / 100.0
    }

    /// The JSON `platform.report` record.
    pub fn json(&self) -> String {
        let duration = (ms(self.duration) * 100.0).round() / 100.0;
        let mut metrics = json!({
            "durationMs": duration,
            "billedDurationMs": ms(self.duration).ceil() as u64,
            "memorySizeMB": self.memory_size_mb,
            "maxMemoryUsedMB": self.max_memory_used_mb,
        });
        if let Some(init) = self.init_duration {
            metrics["initDurationMs"] = json!(self.init_ms(init));
        }
        json!({
            "time": now(),
            "type": "platform.report",
            "record": {"requestId": self.request_id, "metrics": metrics, "status": self.status.as_str()},
        })
        .to_string()
    }
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The platform record written when an invocation starts, if the logging config keeps it.
pub fn start_record(request_id: &str, logging: &LoggingSpec) -> Option<String> {
    if !logging.platform_info() {
        return None;
    }
    Some(if logging.json {
        json!({"time": now(), "type": "platform.start", "record": {"requestId": request_id, "version": "$LATEST"}})
            .to_string()
    } else {
        format!("START RequestId: {request_id} Version: $LATEST")
    })
}

/// The platform record written when an invocation ends, if the logging config keeps it.
pub fn report_record(report: &Report, logging: &LoggingSpec) -> Option<String> {
    if !logging.platform_info() {
        return None;
    }
    Some(if logging.json { report.json() } else { report.line() })
}

/// The peak resident set size of a process, in MB (Linux `VmHWM`).
pub fn peak_rss_mb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb.div_ceil(1024))
}

#[cfg(test)]
mod tests;
