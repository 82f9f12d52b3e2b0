//! The smoke test's `/topics` check, for stacks that serve it (either mode): an encoded traversal
//! is refused (403) before any backend, and one binary record is produced and acknowledged with an
//! offset. A stack without `/topics` routes (API Gateway's 404 `Not Found`) passes with a note.

use httpclient::HttpClient;
use serde_json::value::to_raw_value;
use topics::records::{ProduceRequest, RequestRecord};
use topics::response::ProduceResponse;

use super::Check;

/// Runs the check against `url` with the `Authorization` value `auth`, producing to `topic` (default:
/// the first topic `GET /topics` lists).
pub(super) async fn check(http: &HttpClient, url: &str, auth: &str, topic: Option<&str>, id: &str) -> Check {
    Check {
        name: "topics",
        result: produce_one(http, url, auth, topic, id).await,
    }
}

async fn produce_one(
    http: &HttpClient,
    url: &str,
    auth: &str,
    topic: Option<&str>,
    id: &str,
) -> Result<String, String> {
    let listed = http
        .send("GET", &format!("{url}/topics"), &[("authorization", auth)], "")
        .await
        .map_err(|e| format!("the API did not answer GET /topics: {e}"))?;
    if listed.status == 404 && listed.json()["message"] == "Not Found" {
        return Ok("the stack has no /topics routes: not checked".into());
    }
    if listed.status != 200 {
        return Err(format!(
            "GET /topics got {} {}, expected 200",
            listed.status, listed.body
        ));
    }
    let first = listed.json()[0].as_str().map(str::to_string);
    let topic = topic
        .map(str::to_string)
        .or(first)
        .ok_or("GET /topics listed no topic this API may use: pass --topic")?;

    let binary = [
        ("authorization", auth),
        ("content-type", "application/vnd.kafka.binary.v2+json"),
    ];
    let body = binary_body(None)?;
    let traversal = http
        .send("POST", &format!("{url}/topics/%2e%2e"), &binary, body)
        .await
        .map_err(|e| format!("the API did not answer: {e}"))?;
    if traversal.status != 403 {
        return Err(format!(
            "POST /topics/%2e%2e got {} {}, expected 403: the authorizer does not check the topic (BasicAuthorizer and KAFKA_TOPIC_PATTERN?)",
            traversal.status, traversal.body
        ));
    }
    let body = binary_body(Some(&base64_of(id.as_bytes())))?;
    let answer = http
        .send("POST", &format!("{url}/topics/{topic}"), &binary, body)
        .await
        .map_err(|e| format!("the API did not answer: {e}"))?;
    let offset = serde_json::from_str::<ProduceResponse>(&answer.body)
        .ok()
        .and_then(|produced| produced.offsets.into_iter().next());
    let (offset, partition) = offset.map_or((None, None), |o| (o.offset, o.partition));
    match (answer.status, offset, partition) {
        (200, Some(offset_value), Some(partition)) => Ok(format!(
            "traversal refused (403); 200, {topic} partition {partition} offset {offset_value}"
        )),
        (200, _, _) => Err(format!(
            "the record to {topic} was not produced: {} (error_code 50003: retry; 50002: see the topics function's logs)",
            answer.body
        )),
        (status, _, _) => Err(format!(
            "POST /topics/{topic} got {status} {}, expected 200",
            answer.body
        )),
    }
}

/// A binary-format produce body of one record, `smoke` as its value, with `key` (base64) if given.
fn binary_body(key: Option<&str>) -> Result<String, String> {
    let written = |e: serde_json::Error| format!("the produce body could not be written: {e}");
    let key = key.map(to_raw_value).transpose().map_err(written)?;
    let value = to_raw_value("c21va2U=").map_err(written)?;
    let request = ProduceRequest {
        records: Some(vec![RequestRecord {
            key: key.as_deref(),
            value: Some(&value),
            partition: None,
        }]),
    };
    serde_json::to_string(&request).map_err(written)
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
