//! The responses of the submit route: Kinesis's PutRecord answer, or API Gateway's own error bodies,
//! exactly as the direct integration gives them.

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use aws_lambda_events::encodings::Body;
use aws_lambda_events::http::HeaderValue;
use aws_lambda_events::http::header::CONTENT_TYPE;
use streams::kinesis::PutRecordOutput;

/// What the route answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// 200 with `SequenceNumber`, `ShardId` and `EncryptionType` as Kinesis gave them.
    Stored(PutRecordOutput),
    /// 400 `{"message":"Bad Request"}`.
    BadRequest,
    /// 500 `{"message":"Internal Server Error"}`.
    InternalError,
}

impl Answer {
    /// The answer of a refusal or failure with HTTP status `status` (400, otherwise 500).
    pub fn error(status: u16) -> Answer {
        if status == 400 {
            Answer::BadRequest
        } else {
            Answer::InternalError
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            Answer::Stored(_) => 200,
            Answer::BadRequest => 400,
            Answer::InternalError => 500,
        }
    }

    /// The JSON body.
    pub fn body(&self) -> String {
        match self {
            // A struct of strings always serializes; the fallback is unreachable in practice.
            Answer::Stored(output) => serde_json::to_string(output).unwrap_or_else(|_| "{}".into()),
            Answer::BadRequest => r#"{"message":"Bad Request"}"#.into(),
            Answer::InternalError => r#"{"message":"Internal Server Error"}"#.into(),
        }
    }

    /// The Lambda proxy response (payload format 2.0).
    pub fn response(&self) -> ApiGatewayV2httpResponse {
        let mut response = ApiGatewayV2httpResponse::default();
        response.status_code = i64::from(self.status());
        response
            .headers
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response.body = Some(Body::Text(self.body()));
        response.is_base64_encoded = false;
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_the_direct_routes() {
        let stored = Answer::Stored(PutRecordOutput {
            sequence_number: "4959".into(),
            shard_id: "shardId-000000000000".into(),
            encryption_type: Some("KMS".into()),
        });
        assert_eq!(
            stored.body(),
            r#"{"SequenceNumber":"4959","ShardId":"shardId-000000000000","EncryptionType":"KMS"}"#
        );
        let response = Answer::error(400).response();
        assert_eq!(response.status_code, 400);
        assert_eq!(response.headers[CONTENT_TYPE], "application/json");
        assert_eq!(Answer::error(500).body(), r#"{"message":"Internal Server Error"}"#);
        assert_eq!(Answer::error(503).status(), 500);
    }
}
