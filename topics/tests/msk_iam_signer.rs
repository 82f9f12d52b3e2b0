//! Our MSK IAM token against the one AWS's own signer, `aws-msk-iam-sasl-signer-python` (pinned in
//! requirements/kafka.txt, installed into .venv/kafka by `make tools`), builds for the same
//! credentials, region and signing time. The two differ only in `User-Agent`, which is unsigned.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, UNIX_EPOCH};

use aws_credential_types::Credentials;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use topics::msk_iam::{USER_AGENT, auth_token};

const REGION: &str = "ap-southeast-2";
/// 2025-03-04T05:06:07Z.
const EPOCH: u64 = 1_741_064_767;
const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

fn kafka_python() -> PathBuf {
    testkit::workspace_root().join(".venv/kafka/bin/python")
}

/// The Python signer's token, signed at `EPOCH`.
fn python_token(access_key: &str, session_token: Option<&str>) -> String {
    let python = kafka_python();
    assert!(
        python.exists(),
        "{} is missing: run `make tools` (it installs aws-msk-iam-sasl-signer-python into \
         .venv/kafka from requirements/kafka.txt)",
        python.display()
    );
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/msk_iam_signer.py");
    let mut child = Command::new(&python)
        .arg(&script)
        .arg(REGION)
        .arg(EPOCH.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the Python signer");
    let credentials = serde_json::json!({
        "access_key": access_key,
        "secret_key": SECRET_KEY,
        "session_token": session_token,
    });
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(credentials.to_string().as_bytes())
        .expect("write credentials");
    let output = child.wait_with_output().expect("run the Python signer");
    assert!(
        output.status.success(),
        "the Python signer failed ({}); if aws_msk_iam_sasl_signer is missing, run `make tools`:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 token").trim().to_owned()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("hex");
            out.push(u8::from_str_radix(hex, 16).expect("hex"));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("UTF-8")
}

/// A decoded token as (scheme, host, path, query parameters without `User-Agent`), and its
/// `User-Agent`.
type Parts = (String, String, String, BTreeMap<String, String>);

fn parts(token: &str) -> (Parts, Option<String>) {
    assert!(!token.contains('='), "a token has no base64 padding");
    let url = String::from_utf8(URL_SAFE_NO_PAD.decode(token).expect("base64url")).expect("UTF-8");
    let (scheme, rest) = url.split_once("://").expect("scheme");
    let (authority_path, query) = rest.split_once('?').expect("query");
    let (host, path) = authority_path.split_at(authority_path.find('/').expect("path"));
    let mut params = BTreeMap::new();
    for pair in query.split('&') {
        let (name, value) = pair.split_once('=').expect("name=value");
        let previous = params.insert(percent_decode(name), percent_decode(value));
        assert!(previous.is_none(), "{name} twice in {url}");
    }
    let user_agent = params.remove("User-Agent");
    ((scheme.into(), host.into(), path.into(), params), user_agent)
}

fn compare(credentials: &Credentials) {
    let ours = auth_token(credentials, REGION, UNIX_EPOCH + Duration::from_secs(EPOCH), USER_AGENT).expect("our token");
    let theirs = python_token(credentials.access_key_id(), credentials.session_token());

    let (our_parts, our_agent) = parts(&ours);
    let (their_parts, their_agent) = parts(&theirs);
    assert_eq!(our_parts, their_parts);
    assert_eq!(our_agent.as_deref(), Some(USER_AGENT));
    assert!(
        their_agent.is_some_and(|a| a.starts_with("aws-msk-iam-sasl-signer-python/")),
        "the Python signer's User-Agent"
    );
    // Not vacuous: both carry the signature (compared above) and the connect action.
    assert!(our_parts.3.contains_key("X-Amz-Signature"));
    assert_eq!(
        our_parts.3.get("Action").map(String::as_str),
        Some("kafka-cluster:Connect")
    );
}

#[test]
fn same_token_as_the_python_signer_without_a_session_token() {
    let credentials = Credentials::new("AKIDEXAMPLE", SECRET_KEY, None, None, "test");
    compare(&credentials);
}

#[test]
fn same_token_as_the_python_signer_with_a_session_token() {
    // '+', '/' and '=' as real session tokens have them, and an expiry (which the URL ignores).
    let credentials = Credentials::new(
        "ASIAEXAMPLE",
        SECRET_KEY,
        Some("FwoGZXIvYXdzEJr//////////wEaDO+example/token==".to_owned()),
        Some(UNIX_EPOCH + Duration::from_secs(EPOCH + 3600)),
        "test",
    );
    compare(&credentials);
}
