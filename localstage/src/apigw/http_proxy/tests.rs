//! Tests of the HTTP proxy integration: the backend URL, the headers forwarded each way, and the
//! `Forwarded` element the gateway adds.

use super::*;
use axum::http::HeaderName;

/// The pairs of the last element of a `Forwarded` value, unquoted, as a strict RFC 7239 reader
/// sees them.
fn last_element(value: &[u8]) -> Vec<(String, String)> {
    assert!(is_forwarded_list(value), "{}", String::from_utf8_lossy(value));
    let mut elements = vec![vec![]];
    let (mut name, mut text, mut in_value, mut quoted, mut escaped) = (String::new(), Vec::new(), false, false, false);
    for &b in value.iter().chain([b';'].iter()) {
        match b {
            _ if escaped => {
                text.push(b);
                escaped = false;
            }
            b'\\' if quoted => escaped = true,
            b'"' => quoted = !quoted,
            _ if quoted => text.push(b),
            b'=' if !in_value => in_value = true,
            b';' | b',' => {
                if in_value {
                    let pair = (std::mem::take(&mut name), String::from_utf8_lossy(&text).into_owned());
                    elements.last_mut().unwrap().push(pair);
                    text.clear();
                }
                in_value = false;
                if b == b',' {
                    elements.push(vec![]);
                }
            }
            b' ' | b'\t' if !in_value => {}
            _ if in_value => text.push(b),
            _ => name.push(b as char),
        }
    }
    elements.pop().unwrap()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect()
}

#[test]
fn the_gateway_element_quotes_what_is_not_a_token() {
    let element = forwarded_element("192.0.2.7", b"127.0.0.1:3000").unwrap();
    assert_eq!(
        String::from_utf8(element).unwrap(),
        r#"by=127.0.0.1;for=192.0.2.7;host="127.0.0.1:3000";proto=http"#
    );
    let element = forwarded_element("::1", b"localhost").unwrap();
    assert_eq!(
        String::from_utf8(element).unwrap(),
        r#"by=127.0.0.1;for="[::1]";host=localhost;proto=http"#
    );
    // A Host that tries to add pairs (or elements) stays one quoted value.
    for host in [
        &b"h;for=6.6.6.6;proto=https"[..],
        b"h,for=6.6.6.6",
        b"h\";for=6.6.6.6;x=\"",
        b"h\\\";for=6.6.6.6",
        "h\u{e9}".as_bytes(),
        b"h\xff;for=1",
    ] {
        let element = forwarded_element("192.0.2.7", host).unwrap();
        assert_eq!(
            last_element(&element),
            pairs(&[
                ("by", "127.0.0.1"),
                ("for", "192.0.2.7"),
                ("host", &String::from_utf8_lossy(host)),
                ("proto", "http")
            ]),
            "{}",
            String::from_utf8_lossy(&element)
        );
    }
    assert_eq!(
        forwarded_element("192.0.2.7", b"h\x01"),
        None,
        "no quoted-string holds it"
    );
    assert_eq!(forwarded_element("192.0.2.7", b"h\x7f"), None);
}

#[test]
fn forwarded_lists_as_rfc_7239_writes_them() {
    for valid in [
        &b"for=192.0.2.43"[..],
        b"for=192.0.2.43, for=198.51.100.17",
        b"for=192.0.2.60;proto=http;by=203.0.113.43",
        br#"For="[2001:db8:cafe::17]:4711""#,
        br#"for="_gazonk""#,
        br#"for="a\"b,c;d""#,
        b"for=a;;by=b",
        b"for=a ,, by=b",
    ] {
        assert!(is_forwarded_list(valid), "{}", String::from_utf8_lossy(valid));
    }
    for invalid in [
        &b""[..],
        b",",
        b"for",
        b"for=",
        br#"for="unterminated"#,
        br#"for="a\"#,
        b"for=a b",
        b"for =a",
        b"for=a; proto=b",
        b"for=[::1]",
        b"for=a\x01",
    ] {
        assert!(!is_forwarded_list(invalid), "{}", String::from_utf8_lossy(invalid));
    }
}

#[test]
fn repeated_headers_are_combined_and_the_clients_forwarded_comes_first() {
    let element = forwarded_element("192.0.2.7", b"h").unwrap();
    let mut headers = HeaderMap::new();
    for (name, value) in [
        ("authorization", &b"Basic good"[..]),
        ("authorization", b"Basic \xff"),
        ("x-a", b"1"),
        ("x-a", b"2"),
        ("cookie", b"s=1"),
        ("cookie", b"t=2"),
        ("forwarded", b"for=6.6.6.6;host=evil"),
        ("forwarded", b"for=5.5.5.5"),
    ] {
        headers.append(name, HeaderValue::from_bytes(value).unwrap());
    }
    let sent = backend_request_headers(&headers, &element);
    assert_eq!(sent.get_all("authorization").iter().count(), 1, "one line");
    assert_eq!(
        sent["authorization"].as_bytes(),
        b"Basic good,Basic \xff",
        "byte for byte"
    );
    assert_eq!(sent["x-a"], "1,2");
    assert_eq!(sent["cookie"], "s=1; t=2");
    assert_eq!(sent.get_all("forwarded").iter().count(), 1);
    assert_eq!(
        sent["forwarded"],
        "for=6.6.6.6;host=evil,for=5.5.5.5,by=127.0.0.1;for=192.0.2.7;host=h;proto=http"
    );
    assert_eq!(
        last_element(sent["forwarded"].as_bytes())[1],
        pairs(&[("for", "192.0.2.7")])[0]
    );

    // A client value that is not RFC 7239 would swallow the gateway's element: it is dropped.
    let mut headers = HeaderMap::new();
    headers.append("forwarded", HeaderValue::from_static(r#"for="6.6.6.6"#));
    let sent = backend_request_headers(&headers, &element);
    assert_eq!(sent["forwarded"], "by=127.0.0.1;for=192.0.2.7;host=h;proto=http");
}

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
