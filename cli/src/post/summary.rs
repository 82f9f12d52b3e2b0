//! What a run of `streamgate post` came to: per HTTP status, per target (the stream, or each Kafka
//! topic), records stored, failed and re-sent, and latency percentiles.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

/// The first few failures shown in the summary.
const FAILURES_SHOWN: usize = 3;

/// Figures of one target (the stream, or one topic).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TargetSummary {
    /// Requests sent.
    pub requests: u64,
    /// Records sent.
    pub records: u64,
    /// Records not stored in the end.
    pub failed: u64,
    /// Latency percentiles of its requests in milliseconds: p50, p90, p99, max.
    pub latency_ms: BTreeMap<String, f64>,
}

/// The outcome of a run: `--json` prints it as it is, and scripts read it back.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    /// Requests sent (first attempts; re-sent entries are counted in `records_retried`).
    pub sent: u64,
    /// Records sent.
    pub records: u64,
    /// Records not stored in the end: their request failed, PutRecords still reported their entry
    /// failed after the re-sends, or the REST Proxy gave their offset an `error_code`.
    pub records_failed: u64,
    /// Entries re-sent because PutRecords reported them failed.
    pub records_retried: u64,
    /// Records stored per second.
    pub records_per_second: f64,
    /// Responses by HTTP status.
    pub statuses: BTreeMap<u16, u64>,
    /// Requests that got no HTTP response.
    pub transport_errors: u64,
    /// Wall time of the run, seconds.
    pub seconds: f64,
    /// Responses per second.
    pub throughput: f64,
    /// Latency percentiles in milliseconds: p50, p90, p99, max.
    pub latency_ms: BTreeMap<String, f64>,
    /// Per target: the stream, or each Kafka topic.
    pub targets: BTreeMap<String, TargetSummary>,
    /// The first few non-2xx bodies (or transport errors, or failed records).
    pub first_failures: Vec<String>,
}

impl Summary {
    /// Whether every request got a 2xx and every record was stored.
    pub fn all_ok(&self) -> bool {
        self.transport_errors == 0 && self.records_failed == 0 && self.statuses.keys().all(|s| (200..300).contains(s))
    }

    /// The human summary.
    pub fn text(&self) -> String {
        let statuses: Vec<String> = self.statuses.iter().map(|(s, n)| format!("{s}: {n}")).collect();
        let mut text = format!(
            "sent {} requests in {:.2} s ({:.1}/s)\nrecords {} stored, {} failed, {} re-sent ({:.1} records/s)\nstatus {}\ntransport errors {}\nlatency ms {}\n",
            self.sent,
            self.seconds,
            self.throughput,
            self.records - self.records_failed,
            self.records_failed,
            self.records_retried,
            self.records_per_second,
            if statuses.is_empty() {
                "-".into()
            } else {
                statuses.join(", ")
            },
            self.transport_errors,
            percentiles(&self.latency_ms),
        );
        if self.targets.len() > 1 {
            for (target, figures) in &self.targets {
                text.push_str(&format!(
                    "  {target}: {} records in {} requests, {} failed, latency ms {}\n",
                    figures.records,
                    figures.requests,
                    figures.failed,
                    percentiles(&figures.latency_ms)
                ));
            }
        }
        for failure in &self.first_failures {
            text.push_str(&format!("failure: {failure}\n"));
        }
        text
    }
}

fn percentiles(latency: &BTreeMap<String, f64>) -> String {
    let at = |key: &str| latency.get(key).copied().unwrap_or_default();
    format!(
        "p50 {:.2}  p90 {:.2}  p99 {:.2}  max {:.2}",
        at("p50"),
        at("p90"),
        at("p99"),
        at("max")
    )
}

fn latency_ms(histogram: &Histogram<u64>) -> BTreeMap<String, f64> {
    let ms = |micros: u64| micros as f64 / 1000.0;
    BTreeMap::from([
        ("p50".to_string(), ms(histogram.value_at_quantile(0.5))),
        ("p90".to_string(), ms(histogram.value_at_quantile(0.9))),
        ("p99".to_string(), ms(histogram.value_at_quantile(0.99))),
        ("max".to_string(), ms(histogram.max())),
    ])
}

/// One finished request, as the tally needs it.
pub struct Outcome {
    /// The stream or topic.
    pub target: String,
    /// Records the request carried.
    pub records: u64,
    /// The first attempt's HTTP status and the start of its body, or the transport error.
    pub first: Result<(u16, String), String>,
    /// Records not stored in the end.
    pub failed: u64,
    /// Entries re-sent.
    pub retried: u64,
    /// From when the request was due until it was done, in microseconds.
    pub latency_micros: u64,
}

struct Target {
    requests: u64,
    records: u64,
    failed: u64,
    latency: Histogram<u64>,
}

/// Running totals of a run.
pub struct Tally {
    statuses: BTreeMap<u16, u64>,
    transport_errors: u64,
    first_failures: Vec<String>,
    done: u64,
    records: u64,
    records_failed: u64,
    records_retried: u64,
    latency: Histogram<u64>,
    targets: BTreeMap<String, Target>,
}

impl Tally {
    /// An empty tally.
    pub fn new() -> anyhow::Result<Tally> {
        Ok(Tally {
            statuses: BTreeMap::new(),
            transport_errors: 0,
            first_failures: Vec::new(),
            done: 0,
            records: 0,
            records_failed: 0,
            records_retried: 0,
            latency: Histogram::new(3)?,
            targets: BTreeMap::new(),
        })
    }

    /// Requests done so far, and how many of them failed in some way.
    pub fn progress(&self) -> (u64, u64) {
        let ok: u64 = self
            .statuses
            .iter()
            .filter(|(status, _)| (200..300).contains(*status))
            .map(|(_, n)| n)
            .sum();
        (self.done, self.done - ok)
    }

    fn failure(&mut self, text: String) {
        if self.first_failures.len() < FAILURES_SHOWN {
            self.first_failures.push(text);
        }
    }

    /// Counts one finished request.
    pub fn add(&mut self, outcome: Outcome) -> anyhow::Result<()> {
        self.done += 1;
        self.records += outcome.records;
        self.records_failed += outcome.failed;
        self.records_retried += outcome.retried;
        let micros = outcome.latency_micros.max(1);
        self.latency.record(micros).ok();
        let target = match self.targets.get_mut(&outcome.target) {
            Some(target) => target,
            None => self.targets.entry(outcome.target.clone()).or_insert(Target {
                requests: 0,
                records: 0,
                failed: 0,
                latency: Histogram::new(3)?,
            }),
        };
        target.requests += 1;
        target.records += outcome.records;
        target.failed += outcome.failed;
        target.latency.record(micros).ok();
        match outcome.first {
            Ok((status, body)) => {
                *self.statuses.entry(status).or_default() += 1;
                if !(200..300).contains(&status) {
                    self.failure(format!("{status} {body}"));
                } else if outcome.failed > 0 {
                    self.failure(format!(
                        "{}: {} records not stored: {body}",
                        outcome.target, outcome.failed
                    ));
                }
            }
            Err(error) => {
                self.transport_errors += 1;
                self.failure(format!("transport: {error}"));
            }
        }
        Ok(())
    }

    /// The summary of a run that took `seconds` and sent `sent` requests.
    pub fn summary(&self, sent: u64, seconds: f64) -> Summary {
        let seconds_nonzero = seconds.max(f64::EPSILON);
        Summary {
            sent,
            records: self.records,
            records_failed: self.records_failed,
            records_retried: self.records_retried,
            records_per_second: (self.records - self.records_failed) as f64 / seconds_nonzero,
            statuses: self.statuses.clone(),
            transport_errors: self.transport_errors,
            seconds,
            throughput: self.done as f64 / seconds_nonzero,
            latency_ms: latency_ms(&self.latency),
            targets: self
                .targets
                .iter()
                .map(|(name, t)| {
                    let figures = TargetSummary {
                        requests: t.requests,
                        records: t.records,
                        failed: t.failed,
                        latency_ms: latency_ms(&t.latency),
                    };
                    (name.clone(), figures)
                })
                .collect(),
            first_failures: self.first_failures.clone(),
        }
    }
}

#[cfg(test)]
mod tests;
