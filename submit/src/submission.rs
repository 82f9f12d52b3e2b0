//! What a request asks to store, decided without I/O, with the direct integration's refusals.
//!
//! The direct route maps `StreamName`, `Data` and `PartitionKey` from the path and the body; API
//! Gateway answers 400 when a mapped value is missing or empty, and 500 for whatever Kinesis refuses
//! (a stream the integration role may not write, a record over Kinesis's limits). This module gives
//! the same verdicts in the same order, so a client cannot tell the two routes apart by status.

use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use base64::Engine as _;
use streams::Record;
use streams::request::record_violation;

use crate::config::Config;

/// The record a request asks to put, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// The stream (always the configured ingestion stream).
    pub stream: String,
    /// The body's bytes, unchanged, partitioned by `eventId`.
    pub record: Record,
}

/// Why a request is answered without a record put, as the direct route would answer it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// 400: a value the route maps is missing or empty (`"body"`, `"streamName"` or `"eventId"`).
    Missing(&'static str),
    /// 500: not the stack's ingestion stream (the direct route's role is refused by IAM).
    ForeignStream,
    /// 500: Kinesis would refuse the record (a partition key or record over its limits).
    OverLimit(String),
    /// 500: API Gateway marked the body base64 and it is not (never expected of API Gateway).
    UndecodableBody,
}

impl Refusal {
    /// The HTTP status the direct route answers for this.
    pub fn status(&self) -> u16 {
        match self {
            Refusal::Missing(_) => 400,
            Refusal::ForeignStream | Refusal::OverLimit(_) | Refusal::UndecodableBody => 500,
        }
    }

    /// What an operator reads in the log (never the body).
    pub fn reason(&self) -> String {
        match self {
            Refusal::Missing(what) => format!("{what} is missing or empty"),
            Refusal::ForeignStream => "not this stack's ingestion stream (the direct route's role is refused)".into(),
            Refusal::OverLimit(why) => format!("Kinesis would refuse the record: {why}"),
            Refusal::UndecodableBody => "the event's body is marked base64 and is not".into(),
        }
    }
}

/// The request's body as bytes: API Gateway passes text as it is and base64-encodes the rest.
pub fn body_bytes(request: &ApiGatewayV2httpRequest) -> Result<Vec<u8>, Refusal> {
    let body = request.body.as_deref().unwrap_or_default();
    if request.is_base64_encoded {
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .map_err(|_| Refusal::UndecodableBody)
    } else {
        Ok(body.as_bytes().to_vec())
    }
}

/// The record `request` asks to put on `config`'s stream, or the direct route's refusal.
pub fn submission(request: &ApiGatewayV2httpRequest, config: &Config) -> Result<Submission, Refusal> {
    let parameter = |name: &'static str| {
        request
            .path_parameters
            .get(name)
            .filter(|value| !value.is_empty())
            .ok_or(Refusal::Missing(name))
    };
    let stream = parameter("streamName")?;
    let partition_key = parameter("eventId")?;
    let data = body_bytes(request)?;
    if data.is_empty() {
        return Err(Refusal::Missing("body"));
    }
    if *stream != config.ingestion_stream {
        return Err(Refusal::ForeignStream);
    }
    if let Some(why) = record_violation(partition_key, &data) {
        return Err(Refusal::OverLimit(why));
    }
    Ok(Submission {
        stream: stream.clone(),
        record: Record {
            data,
            partition_key: partition_key.clone(),
        },
    })
}

#[cfg(test)]
mod tests {
    use streams::request::MAX_RECORD_BYTES;

    use super::*;

    const STREAM: &str = "app-events";

    fn config() -> Config {
        Config {
            ingestion_stream: STREAM.into(),
        }
    }

    fn request(stream: &str, event_id: &str, body: Option<&str>, base64: bool) -> ApiGatewayV2httpRequest {
        let mut request = ApiGatewayV2httpRequest::default();
        for (name, value) in [("streamName", stream), ("eventId", event_id)] {
            if !value.is_empty() {
                request.path_parameters.insert(name.into(), value.into());
            }
        }
        request.body = body.map(str::to_string);
        request.is_base64_encoded = base64;
        request
    }

    #[test]
    fn text_bodies_are_stored_as_they_came() {
        let body = "{\r\n  \"n\": 123456789012345678901234567890,\r\n  \"x\": 1.50\r\n}";
        let stored = submission(&request(STREAM, "e-1", Some(body), false), &config()).unwrap();
        assert_eq!(stored.stream, STREAM);
        assert_eq!(stored.record.data, body.as_bytes());
        assert_eq!(stored.record.partition_key, "e-1");
    }

    #[test]
    fn base64_bodies_are_decoded_to_their_bytes() {
        let decoded = submission(&request(STREAM, "e", Some("/w=="), true), &config()).unwrap();
        assert_eq!(decoded.record.data, [0xff]);
        assert_eq!(
            submission(&request(STREAM, "e", Some("%%"), true), &config()),
            Err(Refusal::UndecodableBody)
        );
    }

    #[test]
    fn missing_values_are_400_before_anything_else() {
        for (stream, id, body, missing) in [
            (STREAM, "e", None, "body"),
            (STREAM, "e", Some(""), "body"),
            ("other", "e", Some(""), "body"),
            ("", "e", Some("x"), "streamName"),
            (STREAM, "", Some("x"), "eventId"),
        ] {
            let refusal = submission(&request(stream, id, body, false), &config()).unwrap_err();
            assert_eq!((refusal.status(), &refusal), (400, &Refusal::Missing(missing)));
        }
        // An empty body sent as base64 is empty too.
        assert_eq!(
            submission(&request(STREAM, "e", Some(""), true), &config()),
            Err(Refusal::Missing("body"))
        );
    }

    #[test]
    fn another_stream_is_refused_as_the_role_refuses_it() {
        let refusal = submission(&request("app-events-2", "e", Some("x"), false), &config()).unwrap_err();
        assert_eq!((refusal.status(), refusal), (500, Refusal::ForeignStream));
    }

    #[test]
    fn kinesis_limits_count_data_and_key_bytes() {
        let fits = "x".repeat(MAX_RECORD_BYTES - 3);
        assert!(submission(&request(STREAM, "abc", Some(&fits), false), &config()).is_ok());
        let over = "x".repeat(MAX_RECORD_BYTES - 2);
        let refusal = submission(&request(STREAM, "abc", Some(&over), false), &config()).unwrap_err();
        assert_eq!(refusal.status(), 500);
        assert!(refusal.reason().contains("1048577 bytes"), "{}", refusal.reason());

        assert!(
            record_violation(&"é".repeat(256), b"x").is_none(),
            "characters, not bytes"
        );
        assert!(record_violation(&"k".repeat(257), b"x").is_some());
    }
}
