//! The HTTP proxy integration (payload format 1.0): the request passes through to the backend and
//! the backend's answer back, as an HTTP API does it: path variables substituted into the
//! integration URI (`{proxy}` from a greedy `{proxy+}`), the query string appended, the method kept
//! for `ANY`, hop-by-hop headers dropped both ways, repeated request headers combined into one line
//! with commas, a `Forwarded` element added, the integration timeout enforced. A backend that
//! cannot be reached is a 500, one that does not answer in time a 503 `Service Unavailable` (what
//! HTTP APIs are observed to answer; AWS does not document either).
//!
//! `Forwarded` (RFC 7239): API Gateway adds `by=<its address>;for=<client address>;host=<Host as
//! received>;proto=<scheme>` (observed on AWS), after the client's own elements, if any. Here each
//! value is a token or, when it is not one (an IPv6 address, a `Host` with a port, or one holding
//! `;`, `,`, `"`...), a quoted-string, so nothing a client sends can add a pair to the gateway's
//! element; a `Host` that no quoted-string can hold (control characters) is a 400. The client's own
//! `Forwarded` values travel on, before the gateway's element, only when they parse as RFC 7239
//! elements (an unterminated quote, say, would otherwise swallow the gateway's element): the last
//! element is the one the gateway vouches for.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;

use super::payload::DOMAIN_NAME;
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

/// The request headers the backend receives: the client's minus hop-by-hop ones (see
/// [`forwarded_headers`]), a repeated name combined into one line, its values joined by commas
/// byte for byte (`Cookie` by `; `, the separator of its own syntax), and `Forwarded`: the client's
/// elements when they are valid RFC 7239, then the gateway's `element`.
pub fn backend_request_headers(headers: &HeaderMap, element: &[u8]) -> HeaderMap {
    let kept = forwarded_headers(headers);
    let mut combined = HeaderMap::new();
    for name in kept.keys() {
        let separator: &[u8] = if name == header::COOKIE { b"; " } else { b"," };
        let mut values = kept.get_all(name).iter();
        let mut joined = values.next().map(|v| v.as_bytes().to_vec()).unwrap_or_default();
        for value in values {
            joined.extend_from_slice(separator);
            joined.extend_from_slice(value.as_bytes());
        }
        if name == header::FORWARDED {
            if !is_forwarded_list(&joined) {
                // Not RFC 7239: dropped, never passed on in front of the gateway's element.
                continue;
            }
            joined.push(b',');
        }
        match HeaderValue::from_bytes(&joined) {
            Ok(value) => {
                combined.insert(name.clone(), value);
            }
            // Valid values joined by valid separators always make a valid value; were it not so,
            // the values would travel as they came rather than be lost.
            Err(_) => {
                for value in kept.get_all(name) {
                    combined.append(name.clone(), value.clone());
                }
            }
        }
    }
    let mut forwarded = combined
        .remove(header::FORWARDED)
        .map(|v| v.as_bytes().to_vec())
        .unwrap_or_default();
    forwarded.extend_from_slice(element);
    if let Ok(value) = HeaderValue::from_bytes(&forwarded) {
        combined.insert(header::FORWARDED, value);
    }
    combined
}

/// The gateway's `Forwarded` element: `by=<the stage>;for=<client>;host=<Host as received>;proto=http`,
/// each value a token or a quoted-string (RFC 7239 §4); `None` when `host` holds a byte no
/// quoted-string can (a control character).
pub fn forwarded_element(client: &str, host: &[u8]) -> Option<Vec<u8>> {
    let mut element = Vec::with_capacity(64 + host.len());
    for (i, (name, value)) in [
        ("by", node(DOMAIN_NAME)),
        ("for", node(client)),
        ("host", host.to_vec()),
        ("proto", b"http".to_vec()),
    ]
    .into_iter()
    .enumerate()
    {
        if i > 0 {
            element.push(b';');
        }
        element.extend_from_slice(name.as_bytes());
        element.push(b'=');
        element.extend_from_slice(&forwarded_value(&value)?);
    }
    Some(element)
}

/// An address as an RFC 7239 node: IPv6 in brackets (RFC 7239 §6).
fn node(address: &str) -> Vec<u8> {
    match address.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) => format!("[{v6}]").into_bytes(),
        _ => address.as_bytes().to_vec(),
    }
}

/// `tchar` of RFC 9110 §5.6.2: what a token is made of.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// `qdtext`, or what a `quoted-pair` may escape (RFC 9110 §5.6.4): HTAB, SP, visible ASCII and
/// obs-text.
fn is_quotable(b: u8) -> bool {
    b == b'\t' || b == b' ' || (0x21..=0x7e).contains(&b) || b >= 0x80
}

/// An RFC 7239 value: the token itself, else a quoted-string (`"` and `\` escaped); `None` when a
/// byte cannot be in either.
fn forwarded_value(value: &[u8]) -> Option<Vec<u8>> {
    if !value.is_empty() && value.iter().all(|&b| is_tchar(b)) {
        return Some(value.to_vec());
    }
    let mut quoted = Vec::with_capacity(value.len() + 2);
    quoted.push(b'"');
    for &b in value {
        if !is_quotable(b) {
            return None;
        }
        if b == b'"' || b == b'\\' {
            quoted.push(b'\\');
        }
        quoted.push(b);
    }
    quoted.push(b'"');
    Some(quoted)
}

/// Whether `value` is a `Forwarded` field value of RFC 7239 §4: a comma-separated list (optional
/// whitespace around the commas) of elements, each `pair *( ";" pair )` with empty pairs allowed,
/// a pair `token "=" ( token / quoted-string )`; at least one pair in all.
pub fn is_forwarded_list(value: &[u8]) -> bool {
    let mut at = 0;
    let mut pairs = 0;
    let skip_ows = |at: &mut usize| {
        while value.get(*at).is_some_and(|&b| b == b' ' || b == b'\t') {
            *at += 1;
        }
    };
    let token = |at: &mut usize| {
        let start = *at;
        while value.get(*at).is_some_and(|&b| is_tchar(b)) {
            *at += 1;
        }
        *at > start
    };
    loop {
        skip_ows(&mut at);
        // One element: [pair] *( ";" [pair] ).
        loop {
            if value.get(at).is_some_and(|&b| is_tchar(b)) {
                token(&mut at);
                if value.get(at) != Some(&b'=') {
                    return false;
                }
                at += 1;
                if value.get(at) == Some(&b'"') {
                    at += 1;
                    loop {
                        match value.get(at) {
                            Some(b'"') => break,
                            Some(b'\\') if value.get(at + 1).is_some_and(|&b| is_quotable(b)) => at += 2,
                            Some(&b) if b != b'\\' && is_quotable(b) => at += 1,
                            _ => return false,
                        }
                    }
                    at += 1;
                } else if !token(&mut at) {
                    return false;
                }
                pairs += 1;
            }
            if value.get(at) == Some(&b';') {
                at += 1;
            } else {
                break;
            }
        }
        skip_ows(&mut at);
        match value.get(at) {
            None => return pairs > 0,
            Some(b',') => at += 1,
            Some(_) => return false,
        }
    }
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
        // The Host as received (several: joined, as every repeated header), else HTTP/2's authority.
        let hosts: Vec<&[u8]> = request
            .headers
            .get_all(header::HOST)
            .iter()
            .map(HeaderValue::as_bytes)
            .collect();
        let host = match hosts.as_slice() {
            [] => request
                .uri
                .authority()
                .map_or(DOMAIN_NAME, |a| a.as_str())
                .as_bytes()
                .to_vec(),
            hosts => hosts.join(&b","[..]),
        };
        let Some(element) = forwarded_element(&request.source_ip, &host) else {
            return message(StatusCode::BAD_REQUEST, "Bad Request");
        };
        let headers = backend_request_headers(request.headers, &element);
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
                    tracing::warn!("[gateway] HTTP integration {url}: {error}");
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
mod tests;
