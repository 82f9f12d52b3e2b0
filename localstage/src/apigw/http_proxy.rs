//! The HTTP proxy integration (payload format 1.0): the request passes through to the backend and
//! the backend's answer back, as an HTTP API does it: path variables substituted into the
//! integration URI (`{proxy}` from a greedy `{proxy+}`), the query string appended, the method kept
//! for `ANY`, hop-by-hop headers dropped both ways, a `Forwarded` header added, the integration
//! timeout enforced. A backend that cannot be reached is a 500, one that does not answer in time a
//! 503 `Service Unavailable` (what HTTP APIs are observed to answer; AWS does not document either).

use std::collections::BTreeMap;
use std::time::Duration;

use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::Response;

use super::{Gateway, Request, message};

/// Headers that concern one connection, never forwarded (RFC 9110 §7.6.1), plus `Host` (the
/// backend's own is set by the client) and `Content-Length` (recomputed).
const NOT_FORWARDED: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
];

/// The backend URL: `{name}` replaced by the path parameter, the query string appended.
pub fn target_url(uri: &str, parameters: &BTreeMap<String, String>, query: Option<&str>) -> String {
    let mut url = uri.to_string();
    for (name, value) in parameters {
        url = url.replace(&format!("{{{name}}}"), value);
    }
    if let Some(query) = query.filter(|q| !q.is_empty()) {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(query);
    }
    url
}

/// The headers that travel on: the client's minus hop-by-hop ones (and those `Connection` names).
pub fn forwarded_headers(headers: &HeaderMap) -> HeaderMap {
    let named_by_connection: Vec<String> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(',').map(|name| name.trim().to_ascii_lowercase()))
        .collect();
    let mut kept = HeaderMap::new();
    for (name, value) in headers {
        let name_text = name.as_str();
        if !NOT_FORWARDED.contains(&name_text) && !named_by_connection.iter().any(|n| n == name_text) {
            kept.append(name.clone(), value.clone());
        }
    }
    kept
}

impl Gateway {
    /// Serves a route integrated with the HTTP backend at `uri`.
    pub(super) async fn http_proxy(
        &self,
        request: &Request<'_>,
        uri: &str,
        method: &str,
        timeout: Duration,
    ) -> Response {
        let url = target_url(uri, request.parameters, request.uri.query());
        let method = if method == "ANY" || method.is_empty() {
            request.method.clone()
        } else {
            Method::from_bytes(method.as_bytes()).unwrap_or_else(|_| request.method.clone())
        };
        let mut headers = forwarded_headers(request.headers);
        let host = request
            .headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1");
        let forwarded = format!("for={};host={host};proto=http", request.source_ip);
        if let Ok(value) = HeaderValue::from_str(&forwarded) {
            headers.append(HeaderName::from_static("forwarded"), value);
        }
        let mut outgoing = axum::http::Request::new(request.body.clone());
        *outgoing.method_mut() = method;
        *outgoing.headers_mut() = headers;
        *outgoing.uri_mut() = match url.parse() {
            Ok(uri) => uri,
            Err(_) => return message(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"),
        };
        match tokio::time::timeout(timeout, self.http.exchange(outgoing)).await {
            Err(_) => message(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable"),
            Ok(Err(error)) => {
                if self.access_log {
                    println!("[gateway] HTTP integration {url}: {error}");
                }
                message(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
            }
            Ok(Ok(answer)) => {
                let (mut parts, body) = answer.into_parts();
                parts.headers = forwarded_headers(&parts.headers);
                Response::from_parts(parts, axum::body::Body::from(body))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_headers_as_an_http_api_forwards_them() {
        let parameters = BTreeMap::from([("proxy".to_string(), "t.pin/partitions/0".to_string())]);
        assert_eq!(
            target_url("http://k:8082/topics/{proxy}", &parameters, Some("a=1")),
            "http://k:8082/topics/t.pin/partitions/0?a=1"
        );
        assert_eq!(
            target_url("http://k:8082/topics", &BTreeMap::new(), None),
            "http://k:8082/topics"
        );
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("authorization", "Basic x"),
            ("content-type", "application/vnd.kafka.json.v2+json"),
            ("connection", "keep-alive, x-private"),
            ("x-private", "1"),
            ("transfer-encoding", "chunked"),
            ("host", "127.0.0.1:3000"),
        ] {
            headers.append(name, value.parse().unwrap());
        }
        let kept = forwarded_headers(&headers);
        let names: Vec<&str> = kept.keys().map(HeaderName::as_str).collect();
        assert_eq!(names, ["authorization", "content-type"]);
    }
}
