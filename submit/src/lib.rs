//! streamgate's function-backed submit route: the Lambda behind `POST /submit/{streamName}/{eventId}`
//! when the template's `SubmitIntegration` is `function` (Lambda proxy integration, payload 2.0).
//!
//! It exists because nothing offline shows what API Gateway's first-class `Kinesis-PutRecord`
//! integration stores for `Data: $request.body`. This function stores the body's exact bytes, and
//! otherwise answers as that integration does: the same statuses and bodies, the same single stream.
//!
//! Pure decisions: [`config`] (the environment), [`submission`] (request → the record to put, or the
//! direct route's refusal) and [`answer`] (the responses). [`handler`] puts the record through
//! `streams`' [`StreamApi`](streams::StreamApi), the Kinesis adapter the `/streams` proxy uses too.

pub mod answer;
pub mod config;
pub mod handler;
pub mod submission;

pub use answer::Answer;
pub use config::{Config, ConfigError};
pub use handler::Submitter;
pub use submission::{Refusal, Submission};
