//! What the proxy answers: a JSON body with Kinesis's shapes on success ([`Reply`]), `{"message",
//! "type"}` with the status a client can act on otherwise ([`ApiError`], from each kind of refusal
//! and Kinesis error). Every response is JSON; none is a function error.

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use aws_lambda_events::encodings::Body;
use aws_lambda_events::http::HeaderValue;
use aws_lambda_events::http::header::CONTENT_TYPE;
use serde::Serialize;

use crate::bounds::OverBound;
use crate::guard::Denied;
use crate::kinesis::KinesisError;
use crate::request::RequestError;

/// Header holding PutRecords' `FailedRecordCount`, so a client can check it without reading the body.
pub const FAILED_RECORD_COUNT_HEADER: &str = "x-failed-record-count";

/// An error response: status, Kinesis-style exception name, message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// The `type` of the body: a Kinesis exception name (`NotFound` for an unknown route).
    pub error_type: String,
    /// The `message` of the body.
    pub message: String,
}

impl ApiError {
    /// 404 for a route this function does not serve (API Gateway's own words).
    pub fn route_not_found() -> ApiError {
        ApiError {
            status: 404,
            error_type: "NotFound".into(),
            message: "Not Found".into(),
        }
    }

    /// 400 for an invocation payload that is not an HTTP API payload 2.0 request.
    pub fn not_a_request() -> ApiError {
        ApiError {
            status: 400,
            error_type: "SerializationException".into(),
            message: "the event is not an API Gateway HTTP API (payload format 2.0) request".into(),
        }
    }

    fn internal(message: impl Into<String>) -> ApiError {
        ApiError {
            status: 500,
            error_type: "InternalFailure".into(),
            message: message.into(),
        }
    }

    /// The HTTP response: this status, `{"message", "type"}`.
    pub fn response(&self) -> ApiGatewayV2httpResponse {
        #[derive(Serialize)]
        struct ErrorBody<'a> {
            message: &'a str,
            #[serde(rename = "type")]
            error_type: &'a str,
        }
        let body = serde_json::to_string(&ErrorBody {
            message: &self.message,
            error_type: &self.error_type,
        })
        .unwrap_or_else(|_| r#"{"message":"Internal Failure","type":"InternalFailure"}"#.to_string());
        json_response(self.status, body)
    }
}

impl From<RequestError> for ApiError {
    fn from(error: RequestError) -> Self {
        ApiError {
            status: error.status(),
            error_type: error.error_type().into(),
            message: error.to_string(),
        }
    }
}

impl From<Denied> for ApiError {
    fn from(denied: Denied) -> Self {
        ApiError {
            status: 403,
            error_type: "AccessDeniedException".into(),
            message: denied.to_string(),
        }
    }
}

impl From<OverBound> for ApiError {
    fn from(over: OverBound) -> Self {
        ApiError {
            status: 409,
            // Not Kinesis's LimitExceededException (a 429 to retry): this one lasts until a delete.
            error_type: "ProxyBoundExceeded".into(),
            message: over.to_string(),
        }
    }
}

impl From<KinesisError> for ApiError {
    fn from(error: KinesisError) -> Self {
        ApiError {
            status: error.status(),
            error_type: error.error_type().into(),
            message: error.message().into(),
        }
    }
}

/// A successful answer: a JSON body, and PutRecords' failed count for its header.
#[derive(Debug)]
pub struct Reply {
    body: String,
    failed_record_count: Option<usize>,
}

impl Reply {
    /// `value` as the JSON body.
    pub fn json<T: Serialize>(value: &T) -> Result<Reply, ApiError> {
        serde_json::to_string(value)
            .map(|body| Reply {
                body,
                failed_record_count: None,
            })
            .map_err(|_| ApiError::internal("the answer could not be serialized"))
    }

    /// `{}`: the answer of CreateStream and DeleteStream.
    pub fn empty() -> Reply {
        Reply {
            body: "{}".into(),
            failed_record_count: None,
        }
    }

    /// The same reply with PutRecords' `FailedRecordCount` in the [`FAILED_RECORD_COUNT_HEADER`].
    pub fn with_failed_record_count(mut self, failed: usize) -> Reply {
        self.failed_record_count = Some(failed);
        self
    }

    /// The HTTP response: 200.
    pub fn response(self) -> ApiGatewayV2httpResponse {
        let mut response = json_response(200, self.body);
        if let Some(failed) = self.failed_record_count {
            response
                .headers
                .insert(FAILED_RECORD_COUNT_HEADER, HeaderValue::from(failed));
        }
        response
    }
}

fn json_response(status: u16, body: String) -> ApiGatewayV2httpResponse {
    let mut response = ApiGatewayV2httpResponse::default();
    response.status_code = i64::from(status);
    response
        .headers
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response.body = Some(Body::Text(body));
    response.is_base64_encoded = false;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies() {
        let response = ApiError::route_not_found().response();
        assert_eq!(response.status_code, 404);
        assert_eq!(response.headers[CONTENT_TYPE], "application/json");
        let Some(Body::Text(body)) = response.body else {
            panic!("a text body")
        };
        assert_eq!(body, r#"{"message":"Not Found","type":"NotFound"}"#);
    }
}
