//! The HTTP API's handling of what a client sends, against a gateway built here (no template, no
//! emulator): a small Python runtime stands in for the authorizer (it allows only `Basic good`
//! and writes down every event it is given) and for a Lambda proxy function (it answers with its
//! event), and a loopback backend echoes what the HTTP proxy integration sends it. Requests go over
//! a raw socket, so that they can carry what an HTTP client library would refuse to send (a header
//! value that is not UTF-8, a `Host` with `;` in it).
//!
//! - repeated headers reach the authorizer, the Lambda proxy event and the HTTP backend combined
//!   with commas, a value that is not UTF-8 included (U+FFFD in events, its bytes to the backend);
//! - the `Forwarded` element the HTTP proxy integration adds cannot be extended by the client;
//! - identity sources with context variables (`$context.routeKey`, `$context.path`) key the
//!   authorizer's cache.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::response::IntoResponse;
use localstage::apigw::{self, Gateway};
use localstage::lambda::{FunctionConfig, FunctionHost};
use localstage::template::{AuthorizerSpec, Integration, LoggingSpec, Route};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A Lambda function in Python on the Runtime API: `authorizer` allows `Basic good` only, `echo`
/// answers with its event as the body. Every event is appended to `$EVENTS` as a JSON line.
const RUNTIME: &str = r#"
import json, os, urllib.request
api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
while True:
    with urllib.request.urlopen(api + "next") as answer:
        request_id = answer.headers["Lambda-Runtime-Aws-Request-Id"]
        event = json.loads(answer.read())
    with open(os.environ["EVENTS"], "a") as events:
        events.write(json.dumps(event) + "\n")
    if os.environ["MODE"] == "authorizer":
        allowed = event.get("headers", {}).get("authorization") == "Basic good"
        result = {"isAuthorized": allowed, "context": {"username": "u"}}
    else:
        result = {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(event)}
    body = json.dumps(result).encode()
    urllib.request.urlopen(urllib.request.Request(api + request_id + "/response", data=body, method="POST")).read()
"#;

/// A scratch directory for one test.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("streamgate-gateway-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
    dir
}

/// The Python that runs this test (the function's environment is cleared, so a shim that needs
/// `$HOME` would not start: the interpreter itself is named).
fn python() -> String {
    let out = std::process::Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .unwrap_or_else(|e| panic!("python3 is needed for the stand-in functions: {e}"));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A function running [`RUNTIME`] in `mode`; its events go to `dir/<mode>.jsonl`.
async fn function(dir: &Path, mode: &str) -> FunctionHost {
    let script = dir.join("runtime.py");
    std::fs::write(&script, RUNTIME).unwrap_or_else(|e| panic!("write {}: {e}", script.display()));
    let program = dir.join(format!("{mode}.sh"));
    let launcher = format!("#!/bin/sh\nexec '{}' '{}'\n", python(), script.display());
    std::fs::write(&program, launcher).unwrap_or_else(|e| panic!("write {}: {e}", program.display()));
    let status = std::process::Command::new("chmod").arg("+x").arg(&program).status();
    assert!(status.is_ok_and(|s| s.success()), "chmod +x {}", program.display());
    let environment = BTreeMap::from([
        ("MODE".to_string(), mode.to_string()),
        (
            "EVENTS".to_string(),
            dir.join(format!("{mode}.jsonl")).display().to_string(),
        ),
    ]);
    let config = FunctionConfig {
        logical_id: format!("{mode}Function"),
        binary: mode.to_string(),
        name: mode.to_string(),
        arn: format!("arn:aws:lambda:us-east-1:123456789012:function:{mode}"),
        program,
        environment,
        timeout: Duration::from_secs(10),
        memory_mb: 128,
        logging: LoggingSpec {
            json: false,
            application_level: None,
            system_level: "INFO".into(),
        },
    };
    FunctionHost::start(config, false)
        .await
        .unwrap_or_else(|e| panic!("function host: {e}"))
}

/// Every event `mode` has been given so far.
fn events(dir: &Path, mode: &str) -> Vec<Value> {
    std::fs::read_to_string(dir.join(format!("{mode}.jsonl")))
        .unwrap_or_default()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("event {line}: {e}")))
        .collect()
}

/// Answers with every header line it received, in order, values as (lossy) text, and the
/// `Forwarded` lines' bytes.
async fn echo(request: Request) -> axum::response::Response {
    let lines: Vec<Value> = request
        .headers()
        .iter()
        .map(|(n, v)| json!([n.as_str(), String::from_utf8_lossy(v.as_bytes())]))
        .collect();
    let authorization: Vec<Vec<u8>> = request
        .headers()
        .get_all("authorization")
        .iter()
        .map(|v| v.as_bytes().to_vec())
        .collect();
    json!({ "lines": lines, "authorization": authorization, "path": request.uri().path() })
        .to_string()
        .into_response()
}

/// A backend on loopback answering with [`echo`]; its URL.
async fn backend() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, Router::new().fallback(echo)).await });
    url
}

fn authorizer_spec(context: &[&str], ttl_seconds: u64) -> AuthorizerSpec {
    AuthorizerSpec {
        name: "A".into(),
        function: "authorizerFunction".into(),
        identity_headers: vec!["authorization".into()],
        identity_context: context.iter().map(|c| c.to_string()).collect(),
        ttl_seconds,
        payload_format_version: "2.0".into(),
        simple_responses: true,
    }
}

fn route(method: &str, path: &str, integration: Integration) -> Route {
    Route {
        method: method.into(),
        path: path.into(),
        authorizer: Some("A".into()),
        integration,
    }
}

fn http_proxy(uri: String) -> Integration {
    Integration::HttpProxy {
        uri,
        method: "ANY".into(),
        timeout: Duration::from_secs(10),
    }
}

/// Serves a gateway with these routes, the authorizer `A` (`spec`, `authorizer`) and the Lambda
/// proxy function `echoFunction` (when given), on a free loopback port.
async fn serve(
    routes: Vec<Route>,
    spec: AuthorizerSpec,
    authorizer: FunctionHost,
    echo: Option<FunctionHost>,
) -> SocketAddr {
    let kinesis = aws_sdk_kinesis::Client::from_conf(
        aws_sdk_kinesis::Config::builder()
            .behavior_version(aws_sdk_kinesis::config::BehaviorVersion::latest())
            .region(aws_sdk_kinesis::config::Region::new("us-east-1"))
            .build(),
    );
    let gateway = Arc::new(Gateway {
        routes,
        authorizers: HashMap::from([("A".to_string(), (spec, authorizer))]),
        functions: echo
            .into_iter()
            .map(|host| ("echoFunction".to_string(), host))
            .collect(),
        http: httpclient::HttpClient::new().expect("http client"),
        kinesis,
        allowed_streams: Vec::new(),
        data_as_base64: false,
        cache: Default::default(),
        access_log: false,
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("addr");
    let app = apigw::router(gateway).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await });
    address
}

/// Sends one HTTP/1.1 request with exactly these header lines (no `Host` unless given) and an
/// empty body; the status and the body of the answer.
async fn raw(address: SocketAddr, method: &str, path: &str, headers: &[(&str, &[u8])]) -> (u16, String) {
    let mut request = format!("{method} {path} HTTP/1.1\r\n").into_bytes();
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        request.extend_from_slice(format!("host: {address}\r\n").as_bytes());
    }
    for (name, value) in headers {
        request.extend_from_slice(name.as_bytes());
        request.extend_from_slice(b": ");
        request.extend_from_slice(value);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"content-length: 0\r\nconnection: close\r\n\r\n");
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
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// The elements of a `Forwarded` value as a strict RFC 7239 reader sees them (each a list of
/// name, unquoted value), or `None` when it is not RFC 7239.
fn forwarded_elements(value: &[u8]) -> Option<Vec<Vec<(String, String)>>> {
    let tchar = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    let mut elements = vec![Vec::new()];
    let mut at = 0;
    loop {
        while value.get(at).is_some_and(|&b| b == b' ' || b == b'\t') {
            at += 1;
        }
        loop {
            let start = at;
            while value.get(at).is_some_and(|&b| tchar(b)) {
                at += 1;
            }
            if at > start {
                let name = String::from_utf8_lossy(&value[start..at]).to_ascii_lowercase();
                if value.get(at) != Some(&b'=') {
                    return None;
                }
                at += 1;
                let mut text = Vec::new();
                if value.get(at) == Some(&b'"') {
                    at += 1;
                    loop {
                        match value.get(at)? {
                            b'"' => break,
                            b'\\' => {
                                text.push(*value.get(at + 1)?);
                                at += 2;
                            }
                            &b => {
                                text.push(b);
                                at += 1;
                            }
                        }
                    }
                    at += 1;
                } else {
                    let start = at;
                    while value.get(at).is_some_and(|&b| tchar(b)) {
                        at += 1;
                    }
                    if at == start {
                        return None;
                    }
                    text.extend_from_slice(&value[start..at]);
                }
                let pair = (name, String::from_utf8_lossy(&text).into_owned());
                elements.last_mut()?.push(pair);
            }
            if value.get(at) == Some(&b';') {
                at += 1;
            } else {
                break;
            }
        }
        while value.get(at).is_some_and(|&b| b == b' ' || b == b'\t') {
            at += 1;
        }
        match value.get(at) {
            None => return Some(elements),
            Some(b',') => {
                at += 1;
                elements.push(Vec::new());
            }
            Some(_) => return None,
        }
    }
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect()
}

/// The header lines named `name` in an [`echo`] answer.
fn lines<'a>(seen: &'a Value, name: &str) -> Vec<&'a str> {
    seen["lines"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|line| line[0] == name)
        .filter_map(|line| line[1].as_str())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_authorization_value_reaches_the_authorizer_and_is_refused() {
    let dir = scratch("repeated");
    let backend = backend().await;
    let routes = vec![
        route(
            "POST",
            "/topics/{topic}",
            http_proxy(format!("{backend}/topics/{{topic}}")),
        ),
        route(
            "POST",
            "/lambda",
            Integration::LambdaProxy {
                function: "echoFunction".into(),
                payload_format_version: "2.0".into(),
            },
        ),
    ];
    let address = serve(
        routes,
        authorizer_spec(&[], 0),
        function(&dir, "authorizer").await,
        Some(function(&dir, "echo").await),
    )
    .await;

    let (status, body) = raw(address, "POST", "/topics/t", &[("authorization", b"Basic good")]).await;
    assert_eq!(status, 200, "{body}");

    // A second value that is not UTF-8 is no longer dropped: the authorizer judges both, joined.
    let two: &[(&str, &[u8])] = &[("authorization", b"Basic good"), ("authorization", b"Basic \xff\xfe")];
    let (status, body) = raw(address, "POST", "/topics/t", two).await;
    assert_eq!((status, body.as_str()), (403, r#"{"message":"Forbidden"}"#));
    let seen = events(&dir, "authorizer");
    let last = seen.last().expect("the authorizer was invoked");
    assert_eq!(last["headers"]["authorization"], "Basic good,Basic \u{FFFD}\u{FFFD}");
    assert_eq!(last["identitySource"], json!(["Basic good,Basic \u{FFFD}\u{FFFD}"]));

    // Two valid values: joined, and refused as one value the authorizer does not accept.
    let both: &[(&str, &[u8])] = &[("authorization", b"Basic good"), ("authorization", b"Basic good")];
    assert_eq!(raw(address, "POST", "/topics/t", both).await.0, 403);
    assert_eq!(
        events(&dir, "authorizer").last().unwrap()["headers"]["authorization"],
        "Basic good,Basic good"
    );

    // The HTTP backend gets a repeated header as one line, bytes as sent.
    let repeated: &[(&str, &[u8])] = &[
        ("authorization", b"Basic good"),
        ("x-a", b"1"),
        ("x-a", b"2"),
        ("x-b", b"caf\xe9"),
        ("x-b", b"ok"),
    ];
    let (status, body) = raw(address, "POST", "/topics/t", repeated).await;
    assert_eq!(status, 200, "{body}");
    let seen: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
    assert_eq!(lines(&seen, "x-a"), ["1,2"]);
    assert_eq!(lines(&seen, "x-b"), ["caf\u{FFFD},ok"]);

    // The Lambda proxy event: joined, and a value that is not UTF-8 kept (U+FFFD), not dropped.
    let (status, body) = raw(address, "POST", "/lambda", repeated).await;
    assert_eq!(status, 200, "{body}");
    let event: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
    assert_eq!(event["headers"]["x-a"], "1,2");
    assert_eq!(event["headers"]["x-b"], "caf\u{FFFD},ok");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_cannot_add_pairs_to_the_gateways_forwarded_element() {
    let dir = scratch("forwarded");
    let backend = backend().await;
    let routes = vec![route(
        "POST",
        "/topics/{topic}",
        http_proxy(format!("{backend}/topics/{{topic}}")),
    )];
    let address = serve(
        routes,
        authorizer_spec(&[], 300),
        function(&dir, "authorizer").await,
        None,
    )
    .await;
    let auth: (&str, &[u8]) = ("authorization", b"Basic good");

    for host in [
        format!("{address};for=6.6.6.6;proto=https"),
        format!("{address},for=6.6.6.6"),
        format!("{address}\";for=6.6.6.6;x=\""),
    ] {
        let client_forwarded: &[u8] = b"for=5.5.5.5;host=client.example";
        let headers = [auth, ("host", host.as_bytes()), ("forwarded", client_forwarded)];
        let (status, body) = raw(address, "POST", "/topics/t", &headers).await;
        assert_eq!(status, 200, "{body}");
        let seen: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
        let forwarded = lines(&seen, "forwarded");
        assert_eq!(forwarded.len(), 1, "one Forwarded line: {forwarded:?}");
        let elements =
            forwarded_elements(forwarded[0].as_bytes()).unwrap_or_else(|| panic!("not RFC 7239: {}", forwarded[0]));
        // The client's own element travels on, first; the gateway's is the last, and whole.
        assert_eq!(
            elements,
            [
                pairs(&[("for", "5.5.5.5"), ("host", "client.example")]),
                pairs(&[
                    ("by", "127.0.0.1"),
                    ("for", "127.0.0.1"),
                    ("host", &host),
                    ("proto", "http")
                ]),
            ],
            "{}",
            forwarded[0]
        );
    }

    // A client value that is not RFC 7239 (its open quote would swallow the gateway's element)
    // is dropped.
    let headers = [auth, ("forwarded", &b"for=\"5.5.5.5"[..])];
    let (status, body) = raw(address, "POST", "/topics/t", &headers).await;
    assert_eq!(status, 200, "{body}");
    let seen: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
    let forwarded = lines(&seen, "forwarded");
    let elements = forwarded_elements(forwarded[0].as_bytes());
    assert_eq!(
        elements.map(|e| e.len()),
        Some(1),
        "only the gateway's element: {forwarded:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn context_identity_sources_key_the_authorizer_cache() {
    let dir = scratch("context");
    let backend = backend().await;
    let routes = vec![
        route(
            "POST",
            "/topics/{topic}",
            http_proxy(format!("{backend}/topics/{{topic}}")),
        ),
        route(
            "GET",
            "/topics/{topic}",
            http_proxy(format!("{backend}/topics/{{topic}}")),
        ),
    ];
    let authorizer = function(&dir, "authorizer").await;
    let address = serve(
        routes.clone(),
        authorizer_spec(&["routeKey", "path"], 300),
        authorizer.clone(),
        None,
    )
    .await;
    let auth: &[(&str, &[u8])] = &[("authorization", b"Basic good")];

    assert_eq!(raw(address, "POST", "/topics/a", auth).await.0, 200);
    assert_eq!(authorizer.invocations(), 1);
    assert_eq!(raw(address, "POST", "/topics/a", auth).await.0, 200);
    assert_eq!(authorizer.invocations(), 1, "same route and path: the cached verdict");
    assert_eq!(raw(address, "POST", "/topics/b", auth).await.0, 200);
    assert_eq!(authorizer.invocations(), 2, "another path: invoked again");
    assert_eq!(raw(address, "POST", "/topics/%62", auth).await.0, 200);
    assert_eq!(authorizer.invocations(), 3, "$context.path is the path as received");
    assert_eq!(raw(address, "GET", "/topics/a", auth).await.0, 200);
    assert_eq!(authorizer.invocations(), 4, "another route, same path: invoked again");
    assert_eq!(raw(address, "POST", "/topics/b", auth).await.0, 200);
    assert_eq!(authorizer.invocations(), 4);
    let last = events(&dir, "authorizer").pop().expect("events");
    assert_eq!(
        last["identitySource"],
        json!(["Basic good", "GET /topics/{topic}", "/topics/a"])
    );

    // Headers alone (the template's authorizer): one verdict for every route and path.
    let dir_headers = scratch("context-headers");
    let authorizer = function(&dir_headers, "authorizer").await;
    let address = serve(routes, authorizer_spec(&[], 300), authorizer.clone(), None).await;
    for (method, path) in [("POST", "/topics/a"), ("POST", "/topics/b"), ("GET", "/topics/a")] {
        assert_eq!(raw(address, method, path, auth).await.0, 200);
    }
    assert_eq!(authorizer.invocations(), 1);
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&dir_headers);
}
