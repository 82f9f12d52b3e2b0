//! What an HTTP API tells a Lambda function about a request (payload format 2.0), shared by the
//! authorizer event and the Lambda proxy event: the request context, headers as HTTP APIs pass them
//! (lowercase names, repeated headers joined by commas), cookies, and query parameters (repeated
//! names joined by commas).

use std::collections::BTreeMap;

use aws_lambda_events::event::apigw::{ApiGatewayV2httpRequestContext, ApiGatewayV2httpRequestContextHttpDescription};
use axum::http::HeaderMap;

use super::{LOCAL_API_ID, Request};

/// `requestContext` of a payload-2.0 event.
pub(super) fn request_context(request: &Request<'_>) -> ApiGatewayV2httpRequestContext {
    let mut http = ApiGatewayV2httpRequestContextHttpDescription::default();
    http.method = request.method.clone();
    http.path = Some(request.uri.path().to_string());
    http.protocol = Some("HTTP/1.1".into());
    http.source_ip = Some(request.source_ip.clone());
    http.user_agent = request
        .headers
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let now = chrono::Utc::now();
    let mut context = ApiGatewayV2httpRequestContext::default();
    context.route_key = Some(request.route.key());
    context.account_id = Some(motoserver::ACCOUNT_ID.into());
    context.stage = Some("$default".into());
    context.request_id = Some(request.request_id.to_string());
    context.apiid = Some(LOCAL_API_ID.into());
    context.domain_name = Some("127.0.0.1".into());
    context.domain_prefix = Some(LOCAL_API_ID.into());
    context.time = Some(now.format("%d/%b/%Y:%H:%M:%S %z").to_string());
    context.time_epoch = now.timestamp_millis();
    context.http = http;
    context
}

/// The headers as an HTTP API passes them to a function.
pub(super) fn joined_headers(headers: &HeaderMap) -> HeaderMap {
    let mut joined = HeaderMap::new();
    for name in headers.keys() {
        let values: Vec<&str> = headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).collect();
        if let Ok(value) = values.join(",").parse() {
            joined.insert(name.clone(), value);
        }
    }
    joined
}

/// The `cookies` field: every cookie of every `Cookie` header.
pub(super) fn cookies(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
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
}
