//! Tests of the Lambda proxy integration: a function's answer read as an HTTP API reads it.

use super::*;

#[test]
fn bodies_are_base64_unless_the_content_type_is_text() {
    let value = |v: &'static str| axum::http::HeaderValue::from_static(v);
    for text in [
        "application/json",
        "Application/JSON; charset=utf-8",
        "text/plain",
        "application/xml",
    ] {
        assert_eq!(event_body(b"{}", Some(&value(text))), ("{}".into(), false), "{text}");
    }
    for binary in [
        "application/octet-stream",
        "application/vnd.kafka.json.v2+json",
        "image/png",
    ] {
        assert_eq!(
            event_body(b"{}", Some(&value(binary))),
            ("e30=".into(), true),
            "{binary}"
        );
    }
    assert_eq!(event_body(b"{}", None), ("e30=".into(), true));
    assert_eq!(
        event_body(b"a\xffb", Some(&value("text/plain"))),
        ("a\u{fffd}b".into(), false)
    );
}

async fn read(response: Response) -> (u16, Option<String>, String) {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string());
    let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, content_type, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn answers_as_an_http_api_reads_them() {
    let full = br#"{"statusCode":404,"headers":{"content-type":"application/json","x-n":3},"cookies":["a=1","b=2"],"body":"{\"message\":\"no\"}"}"#;
    let response = proxy_response(full).unwrap();
    assert_eq!(response.headers()["x-n"], "3");
    assert_eq!(response.headers().get_all(header::SET_COOKIE).iter().count(), 2);
    assert_eq!(
        read(response).await,
        (404, Some("application/json".into()), r#"{"message":"no"}"#.into())
    );

    let bare = br#"{"StreamNames":["a"]}"#;
    assert_eq!(
        read(proxy_response(bare).unwrap()).await,
        (200, Some("application/json".into()), r#"{"StreamNames":["a"]}"#.into())
    );

    let binary = br#"{"statusCode":"201","body":"aGk=","isBase64Encoded":true}"#;
    assert_eq!(read(proxy_response(binary).unwrap()).await, (201, None, "hi".into()));

    assert!(proxy_response(b"not json").is_none());
    assert!(proxy_response(br#"{"statusCode":99}"#).is_none());
    assert!(proxy_response(br#"{"statusCode":200,"body":"%%","isBase64Encoded":true}"#).is_none());
    assert!(proxy_response(br#"{"statusCode":200,"body":{"a":1}}"#).is_none());
}
