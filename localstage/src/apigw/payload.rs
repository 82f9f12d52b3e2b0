//! What an HTTP API tells a Lambda function about a request (payload format 2.0), shared by the
//! authorizer event and the Lambda proxy event: the request context, headers as HTTP APIs pass them
//! (lowercase names, repeated headers joined by commas), cookies, and query parameters (repeated
//! names joined by commas).
//!
//! A header value is never dropped: bytes that are not UTF-8 (HTTP allows any octet from 0x80 up in
//! a field value) become U+FFFD, the only way to put them into a JSON string. A value the gateway
//! leaves out would be one the authorizer never judged: a valid `Authorization` followed by a second,
//! non-UTF-8 one must reach the authorizer as both, so that it refuses them.

use std::borrow::Cow;
use std::collections::BTreeMap;

use aws_lambda_events::event::apigw::{ApiGatewayV2httpRequestContext, ApiGatewayV2httpRequestContextHttpDescription};
use axum::http::{HeaderMap, HeaderValue};

use super::{LOCAL_API_ID, Request};

/// `requestContext.domainName` of the stage.
pub(super) const DOMAIN_NAME: &str = "127.0.0.1";

/// `requestContext` of a payload-2.0 event.
pub(super) fn request_context(request: &Request<'_>) -> ApiGatewayV2httpRequestContext {
    let mut http = ApiGatewayV2httpRequestContextHttpDescription::default();
    http.method = request.method.clone();
    http.path = Some(request.uri.path().to_string());
    http.protocol = Some("HTTP/1.1".into());
    http.source_ip = Some(request.source_ip.clone());
    http.user_agent = combined(request.headers, "user-agent");
    let now = chrono::Utc::now();
    let mut context = ApiGatewayV2httpRequestContext::default();
    context.route_key = Some(request.route.key());
    context.account_id = Some(motoserver::ACCOUNT_ID.into());
    context.stage = Some("$default".into());
    context.request_id = Some(request.request_id.to_string());
    context.apiid = Some(LOCAL_API_ID.into());
    context.domain_name = Some(DOMAIN_NAME.into());
    context.domain_prefix = Some(LOCAL_API_ID.into());
    context.time = Some(now.format("%d/%b/%Y:%H:%M:%S %z").to_string());
    context.time_epoch = now.timestamp_millis();
    context.http = http;
    context
}

/// A header value as text: UTF-8 as it is, any other byte sequence with U+FFFD in place of what is
/// not UTF-8.
pub(super) fn text(value: &HeaderValue) -> Cow<'_, str> {
    String::from_utf8_lossy(value.as_bytes())
}

/// Every value of the header `name`, in the order received, as [`text`].
pub(super) fn values<'a>(headers: &'a HeaderMap, name: &str) -> Vec<Cow<'a, str>> {
    headers.get_all(name).iter().map(text).collect()
}

/// The header `name` as an HTTP API hands it on (`$request.header.name`, the identity source, the
/// `headers` of an event): its values joined by commas (`"value1,value2"`, as AWS documents it);
/// `None` when the request has no such header.
pub(super) fn combined(headers: &HeaderMap, name: &str) -> Option<String> {
    let values = values(headers, name);
    (!values.is_empty()).then(|| values.join(","))
}

/// The headers as an HTTP API passes them to a function: one entry per name, repeated values joined
/// by commas, every value valid UTF-8 (see [`text`]).
pub(super) fn joined_headers(headers: &HeaderMap) -> HeaderMap {
    let mut joined = HeaderMap::new();
    for name in headers.keys() {
        // Control characters cannot arrive in a header value (hyper refuses them); should one be
        // there anyway, it becomes U+FFFD too, so that the value always converts.
        let value: String = combined(headers, name.as_str())
            .unwrap_or_default()
            .chars()
            .map(|c| {
                if c.is_ascii_control() && c != '\t' {
                    '\u{FFFD}'
                } else {
                    c
                }
            })
            .collect();
        if let Ok(value) = HeaderValue::from_str(&value) {
            joined.insert(name.clone(), value);
        }
    }
    joined
}

/// The `cookies` field: every cookie of every `Cookie` header.
pub(super) fn cookies(headers: &HeaderMap) -> Vec<String> {
    values(headers, "cookie")
        .iter()
        .flat_map(|v| {
            v.split(';')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_string)
        })
        .collect()
}

/// `queryStringParameters`: decoded, a repeated name's values joined by commas.
pub(super) fn query_string_parameters(query: Option<&str>) -> BTreeMap<String, String> {
    let mut parameters: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        parameters
            .entry(name.into_owned())
            .and_modify(|joined| {
                joined.push(',');
                joined.push_str(&value);
            })
            .or_insert_with(|| value.into_owned());
    }
    parameters
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_values_are_joined_by_commas() {
        let q = query_string_parameters(Some("a=1&b=x%20y&a=2&c=p+q"));
        assert_eq!(q["a"], "1,2");
        assert_eq!(q["b"], "x y");
        assert_eq!(q["c"], "p q");
        assert!(query_string_parameters(None).is_empty());
        let mut headers = HeaderMap::new();
        headers.append("x-a", "1".parse().unwrap());
        headers.append("x-a", "2".parse().unwrap());
        headers.append("cookie", "s=1; t=2".parse().unwrap());
        assert_eq!(joined_headers(&headers)["x-a"], "1,2");
        assert_eq!(cookies(&headers), ["s=1", "t=2"]);
    }

    #[test]
    fn values_that_are_not_utf8_are_kept_not_dropped() {
        let mut headers = HeaderMap::new();
        headers.append("authorization", HeaderValue::from_static("Basic good"));
        headers.append("authorization", HeaderValue::from_bytes(b"Basic \xff\xfe").unwrap());
        headers.append("x-city", HeaderValue::from_bytes("São Paulo".as_bytes()).unwrap());
        assert_eq!(
            combined(&headers, "authorization").as_deref(),
            Some("Basic good,Basic \u{FFFD}\u{FFFD}")
        );
        assert_eq!(combined(&headers, "missing"), None);
        let joined = joined_headers(&headers);
        assert_eq!(text(&joined["authorization"]), "Basic good,Basic \u{FFFD}\u{FFFD}");
        assert_eq!(text(&joined["x-city"]), "São Paulo", "UTF-8 passes as it is");
        // aws_lambda_events serialises header values as UTF-8 only: every one must be.
        let mut event = aws_lambda_events::event::apigw::ApiGatewayV2CustomAuthorizerV2Request::default();
        event.headers = joined;
        let json = serde_json::to_value(event).unwrap();
        assert_eq!(json["headers"]["authorization"], "Basic good,Basic \u{FFFD}\u{FFFD}");
    }
}
