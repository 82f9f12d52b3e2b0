//! Every sample event in `events/` deserializes and gets the verdict its name promises, against the
//! documented local credentials (no I/O).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
use authorizer::cache::{ManualClock, StaticSource};
use authorizer::credentials::{Credential, CredentialSet};
use authorizer::{Authorizer, AuthorizerError, CachePolicy, CredentialCache};
use serde_json::{Value, json};

/// The credentials the fixtures are made for; the local stage uses the same by default.
const USERNAME: &str = "streamgate";
const PASSWORD: &str = "streamgate-local-password";

fn authorizer() -> Authorizer<StaticSource, ManualClock> {
    let source = StaticSource(CredentialSet::new(vec![Credential::new(USERNAME, PASSWORD)]));
    Authorizer::new(CredentialCache::new(
        source,
        ManualClock::default(),
        CachePolicy::default(),
    ))
}

fn fixture(name: &str) -> Value {
    let path = testkit::workspace_root().join("events").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

async fn answer(name: &str) -> Result<Value, AuthorizerError> {
    authorizer().handle(fixture(name), "fixture").await
}

#[tokio::test]
async fn http_v2_allow() {
    let response = answer("authorizer-http-v2-allow.json").await.unwrap();
    assert_eq!(
        response,
        json!({"isAuthorized": true, "context": {"username": USERNAME}})
    );
}

#[tokio::test]
async fn http_v2_wrong_password() {
    let response = answer("authorizer-http-v2-wrong-password.json").await.unwrap();
    assert_eq!(response, json!({"isAuthorized": false, "context": {}}));
}

/// Valid credentials, but an encoded `..` as the topic: refused before API Gateway could forward it.
#[tokio::test]
async fn http_v2_topic_traversal() {
    let response = answer("authorizer-http-v2-topic-traversal.json").await.unwrap();
    assert_eq!(response, json!({"isAuthorized": false, "context": {}}));
    // The same credentials on a valid topic are allowed.
    let mut event = fixture("authorizer-http-v2-topic-traversal.json");
    event["rawPath"] = json!("/topics/streamgate-local.pin");
    let response = authorizer().handle(event, "fixture").await.unwrap();
    assert_eq!(response["isAuthorized"], true);
}

#[tokio::test]
async fn http_v2_missing_header() {
    let response = answer("authorizer-http-v2-missing-header.json").await.unwrap();
    assert_eq!(response, json!({"isAuthorized": false, "context": {}}));
}

#[tokio::test]
async fn rest_request_allow() {
    let response = answer("authorizer-rest-request.json").await.unwrap();
    assert_eq!(response["principalId"], USERNAME);
    assert_eq!(response["context"], json!({"username": USERNAME}));
    let statement = &response["policyDocument"]["Statement"][0];
    assert_eq!(statement["Effect"], "Allow");
    assert_eq!(statement["Action"], json!(["execute-api:Invoke"]));
    assert_eq!(
        statement["Resource"],
        json!(["arn:aws:execute-api:us-east-1:123456789012:s4x3opwd6i/prod/*"])
    );
}

#[tokio::test]
async fn rest_token_allow_and_deny() {
    let response = answer("authorizer-rest-token.json").await.unwrap();
    assert_eq!(response["policyDocument"]["Statement"][0]["Effect"], "Allow");

    let mut wrong = fixture("authorizer-rest-token.json");
    wrong["authorizationToken"] = json!(testkit::basic(USERNAME, "nope"));
    let response = authorizer().handle(wrong, "fixture").await.unwrap();
    assert_eq!(response["policyDocument"]["Statement"][0]["Effect"], "Deny");
    assert_eq!(response["principalId"], "anonymous");
}

#[tokio::test]
async fn rest_missing_or_malformed_is_the_exact_unauthorized_error() {
    let mut missing = fixture("authorizer-rest-request.json");
    missing["headers"].as_object_mut().unwrap().remove("Authorization");
    missing["multiValueHeaders"]
        .as_object_mut()
        .unwrap()
        .remove("Authorization");
    let error = authorizer().handle(missing, "fixture").await.unwrap_err();
    // API Gateway answers 401 only for exactly this message.
    assert_eq!(error.to_string(), "Unauthorized");

    let mut malformed = fixture("authorizer-rest-token.json");
    malformed["authorizationToken"] = json!("Bearer abc");
    let error = authorizer().handle(malformed, "fixture").await.unwrap_err();
    assert_eq!(error.to_string(), "Unauthorized");
}

#[tokio::test]
async fn every_fixture_is_covered() {
    let dir = testkit::workspace_root().join("events");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("authorizer-"))
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "authorizer-http-v2-allow.json",
            "authorizer-http-v2-missing-header.json",
            "authorizer-http-v2-topic-traversal.json",
            "authorizer-http-v2-wrong-password.json",
            "authorizer-rest-request.json",
            "authorizer-rest-token.json",
        ],
        "a new authorizer fixture needs a test here"
    );
}
