//! The real authorizer behind the stage's gateway, given a repeated `Authorization`: a valid value
//! followed by one that is not UTF-8 used to authorize (the second value was dropped before the
//! authorizer saw it); both now reach it, joined by a comma, and it refuses them.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
mod support;

use support::{PASSWORD, USERNAME, stage};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// POSTs `body` to `path` with these extra header lines over a raw socket; the answer's status.
async fn post(gateway_url: &str, path: &str, headers: &[(&str, &[u8])], body: &str) -> (u16, String) {
    let address = gateway_url.trim_start_matches("http://");
    let mut request = format!("POST {path} HTTP/1.1\r\nhost: {address}\r\n").into_bytes();
    for (name, value) in headers {
        request.extend_from_slice(name.as_bytes());
        request.extend_from_slice(b": ");
        request.extend_from_slice(value);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(format!("content-length: {}\r\nconnection: close\r\n\r\n{body}", body.len()).as_bytes());
    let mut stream = tokio::net::TcpStream::connect(address).await.expect("connect");
    stream.write_all(&request).await.expect("send");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("read");
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {text:?}"));
    (status, text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_valid_authorization_with_a_second_non_utf8_one_is_refused() {
    // No cache: every request reaches the authorizer.
    let stage = stage(&[("AuthorizerCacheTtlSeconds", "0")], &[]).await;
    let path = format!("/submit/{}/e-1", stage.provisioned.stream_name);
    let auth = testkit::basic(USERNAME, PASSWORD);

    let one: &[(&str, &[u8])] = &[("authorization", auth.as_bytes())];
    let (status, answer) = post(&stage.gateway_url, &path, one, r#"{"a":1}"#).await;
    assert_eq!(status, 200, "{answer}");

    let two: &[(&str, &[u8])] = &[("authorization", auth.as_bytes()), ("authorization", b"Basic \xff\xfe")];
    let (status, answer) = post(&stage.gateway_url, &path, two, r#"{"a":2}"#).await;
    assert_eq!(status, 403, "{answer}");
    assert!(answer.ends_with(r#"{"message":"Forbidden"}"#), "{answer}");

    // The same for two valid values: two credentials are never one.
    let twice: &[(&str, &[u8])] = &[("authorization", auth.as_bytes()), ("authorization", auth.as_bytes())];
    assert_eq!(post(&stage.gateway_url, &path, twice, r#"{"a":3}"#).await.0, 403);
    stage.stop().await;
}
