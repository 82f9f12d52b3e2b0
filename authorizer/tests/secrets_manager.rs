//! The authorizer against Secrets Manager in moto: allow/deny, rotation through AWSPENDING,
//! AWSCURRENT and AWSPREVIOUS's grace, named clients and their scopes, a stale AWSPENDING ignored,
//! fail closed, and how often Secrets Manager is asked.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
use std::time::Duration;

use authorizer::cache::{CountingSource, ManualClock};
use authorizer::rotation::ManualWallClock;
use authorizer::{Authorizer, AuthorizerError, CachePolicy, CredentialCache, SecretsManagerSource, SystemClock};
use aws_sdk_secretsmanager::Client;
use serde_json::{Value, json};

type TestAuthorizer<C> = Authorizer<CountingSource<SecretsManagerSource>, C>;

async fn client() -> Client {
    Client::new(&testkit::moto_sdk_config().await)
}

fn secret_json(username: &str, password: &str) -> String {
    json!({"username": username, "password": password}).to_string()
}

/// A new secret; returns its name and the id of its AWSCURRENT version.
async fn create_secret(client: &Client, username: &str, password: &str) -> (String, String) {
    let name = testkit::unique_name("streamgate-credentials");
    let created = client
        .create_secret()
        .name(&name)
        .secret_string(secret_json(username, password))
        .send()
        .await
        .expect("create_secret");
    (name, created.version_id().expect("version id").to_string())
}

fn authorizer<C: authorizer::cache::Clock>(client: &Client, secret: &str, clock: C) -> TestAuthorizer<C> {
    let source = CountingSource::new(SecretsManagerSource::new(client.clone(), secret));
    Authorizer::new(CredentialCache::new(source, clock, CachePolicy::default()))
}

fn event(username: &str, password: &str) -> Value {
    json!({
        "version": "2.0", "type": "REQUEST",
        "routeArn": "arn:aws:execute-api:us-east-1:123456789012:api/$default/POST/submit/s/e",
        "identitySource": [testkit::basic(username, password)],
        "routeKey": "POST /submit/{streamName}/{eventId}", "rawPath": "/submit/s/e", "rawQueryString": "",
        "headers": {"authorization": testkit::basic(username, password)},
        "requestContext": {"accountId": "123456789012", "apiId": "api", "requestId": "r",
            "http": {"method": "POST", "path": "/submit/s/e", "protocol": "HTTP/1.1",
                     "sourceIp": "127.0.0.1", "userAgent": "test"}}
    })
}

async fn allowed<C: authorizer::cache::Clock>(authorizer: &TestAuthorizer<C>, username: &str, password: &str) -> bool {
    let response = authorizer
        .handle(event(username, password), "test")
        .await
        .expect("a verdict, not an error");
    response["isAuthorized"].as_bool().expect("isAuthorized")
}

#[tokio::test]
async fn allows_the_secret_and_denies_anything_else() {
    let client = client().await;
    let (secret, _) = create_secret(&client, "alice", "correct horse").await;
    let authorizer = authorizer(&client, &secret, SystemClock::default());
    assert!(allowed(&authorizer, "alice", "correct horse").await);
    assert!(!allowed(&authorizer, "alice", "correct horse ").await);
    assert!(!allowed(&authorizer, "bob", "correct horse").await);
    assert_eq!(authorizer.cache().source().fetches(), 1);
}

#[tokio::test]
async fn rotation_accepts_pending_then_previous_within_its_grace() {
    let client = client().await;
    let (secret, old_version) = create_secret(&client, "alice", "old-password").await;
    let clock = ManualClock::default();
    let wall = ManualWallClock::default();
    let source = CountingSource::new(SecretsManagerSource::new(client.clone(), &secret).with_wall_clock(wall.clone()));
    let authorizer = Authorizer::new(
        CredentialCache::new(source, clock.clone(), CachePolicy::default()).with_wall_clock(wall.clone()),
    );
    assert!(allowed(&authorizer, "alice", "old-password").await);

    // Rotation step 1: the new version is staged AWSPENDING.
    let pending = client
        .put_secret_value()
        .secret_id(&secret)
        .secret_string(secret_json("alice", "new-password"))
        .version_stages("AWSPENDING")
        .send()
        .await
        .expect("put_secret_value");
    let new_version = pending.version_id().expect("version id").to_string();
    clock.advance(Duration::from_secs(30));
    assert!(
        allowed(&authorizer, "alice", "new-password").await,
        "pending accepted after one refresh"
    );
    assert!(
        allowed(&authorizer, "alice", "old-password").await,
        "current still accepted"
    );

    // Rotation step 2: AWSCURRENT moves to the new version.
    client
        .update_secret_version_stage()
        .secret_id(&secret)
        .version_stage("AWSCURRENT")
        .move_to_version_id(&new_version)
        .remove_from_version_id(&old_version)
        .send()
        .await
        .expect("update_secret_version_stage");
    client
        .update_secret_version_stage()
        .secret_id(&secret)
        .version_stage("AWSPENDING")
        .remove_from_version_id(&new_version)
        .send()
        .await
        .expect("remove AWSPENDING");
    assert!(
        allowed(&authorizer, "alice", "old-password").await,
        "cached until the TTL"
    );
    clock.advance(Duration::from_secs(300));
    assert!(
        allowed(&authorizer, "alice", "old-password").await,
        "AWSPREVIOUS accepted within its grace (60 minutes by default)"
    );
    assert!(allowed(&authorizer, "alice", "new-password").await);
    // Past the grace (measured from the current version's creation), without another fetch. The
    // manual wall clock started before the new version was created (real seconds later, under
    // load more than one): a minute past the grace is past it whatever that delay was.
    let fetches = authorizer.cache().source().fetches();
    wall.advance(Duration::from_secs(3600 + 60));
    assert!(
        !allowed(&authorizer, "alice", "old-password").await,
        "old password denied once the grace is over"
    );
    assert!(allowed(&authorizer, "alice", "new-password").await);
    assert!(authorizer.cache().source().fetches() <= fetches + 1);
}

#[tokio::test]
async fn without_a_grace_the_previous_version_is_refused_at_once() {
    let client = client().await;
    let (secret, _) = create_secret(&client, "alice", "old-password").await;
    let clock = ManualClock::default();
    let source =
        CountingSource::new(SecretsManagerSource::new(client.clone(), &secret).with_previous_grace(Duration::ZERO));
    let authorizer = Authorizer::new(CredentialCache::new(source, clock.clone(), CachePolicy::default()));
    assert!(allowed(&authorizer, "alice", "old-password").await);
    client
        .put_secret_value()
        .secret_id(&secret)
        .secret_string(secret_json("alice", "new-password"))
        .send()
        .await
        .expect("put_secret_value");
    clock.advance(Duration::from_secs(300));
    assert!(allowed(&authorizer, "alice", "new-password").await);
    assert!(!allowed(&authorizer, "alice", "old-password").await);
}

#[tokio::test]
async fn named_clients_their_scopes_and_a_removed_client_has_no_grace() {
    let client = client().await;
    let name = testkit::unique_name("streamgate-credentials");
    let two = json!({"clients": [
        {"username": "partner", "password": "partner-pw", "routes": ["POST /submit/orders-*/*"]},
        {"username": "ops", "password": "ops-pw"},
        {"username": "broken", "route": ["GET /streams"], "password": "broken-pw"},
    ]});
    client
        .create_secret()
        .name(&name)
        .secret_string(two.to_string())
        .send()
        .await
        .expect("create_secret");
    let clock = ManualClock::default();
    let authorizer = authorizer(&client, &name, clock.clone());
    let on = |path: &str| {
        let mut e = event("partner", "partner-pw");
        e["rawPath"] = json!(path);
        e
    };
    let verdict = |response: Value| response["isAuthorized"].as_bool();
    assert_eq!(
        verdict(authorizer.handle(on("/submit/orders-eu/e1"), "t").await.unwrap()),
        Some(true)
    );
    assert_eq!(
        verdict(authorizer.handle(on("/submit/audit/e1"), "t").await.unwrap()),
        Some(false)
    );
    assert!(allowed(&authorizer, "ops", "ops-pw").await);
    assert!(
        !allowed(&authorizer, "broken", "broken-pw").await,
        "a misspelt field fails its entry"
    );
    // ops removed: its old password is not kept alive by AWSPREVIOUS's grace.
    client
        .put_secret_value()
        .secret_id(&name)
        .secret_string(json!({"clients": [two["clients"][0]]}).to_string())
        .send()
        .await
        .expect("put_secret_value");
    clock.advance(Duration::from_secs(300));
    assert!(!allowed(&authorizer, "ops", "ops-pw").await);
    assert_eq!(
        verdict(authorizer.handle(on("/submit/orders-eu/e2"), "t").await.unwrap()),
        Some(true)
    );
}

// current_thread: the log capture set for this thread sees every task.
#[tokio::test(flavor = "current_thread")]
async fn a_pending_version_is_accepted_only_while_it_is_recent() {
    let captured = testkit::LogCapture::default();
    let _guard = captured.install();
    let client = client().await;
    let (secret, _) = create_secret(&client, "alice", "current-password").await;
    const PENDING: &str = "pending-LEAK-CANARY-31c4";
    let pending = client
        .put_secret_value()
        .secret_id(&secret)
        .secret_string(secret_json("alice", PENDING))
        .version_stages("AWSPENDING")
        .send()
        .await
        .expect("put_secret_value");
    let pending_version = pending.version_id().expect("version id").to_string();
    let described = client
        .get_secret_value()
        .secret_id(&secret)
        .version_stage("AWSPENDING")
        .send()
        .await;
    assert!(
        described.expect("get_secret_value").created_date().is_some(),
        "moto gives the version's CreatedDate, which the age is measured from"
    );

    // moto dates versions with its own clock, now: the authorizer's wall clock moves instead.
    let (clock, wall) = (ManualClock::default(), ManualWallClock::default());
    let source = SecretsManagerSource::new(client.clone(), &secret)
        .with_pending_max_age(Duration::from_secs(24 * 3600))
        .with_wall_clock(wall.clone());
    let authorizer = Authorizer::new(CredentialCache::new(
        CountingSource::new(source),
        clock.clone(),
        CachePolicy::default(),
    ));
    wall.advance(Duration::from_secs(23 * 3600));
    assert!(allowed(&authorizer, "alice", PENDING).await, "23 h old: accepted");

    // The rotation never finished: a day after its creation the pending password stops working.
    wall.advance(Duration::from_secs(3600));
    clock.advance(Duration::from_secs(300));
    assert!(
        !allowed(&authorizer, "alice", PENDING).await,
        "24 h old: ignored after the next refresh"
    );
    assert!(
        allowed(&authorizer, "alice", "current-password").await,
        "the current version is unaffected"
    );

    let warnings: Vec<serde_json::Value> = captured
        .json_lines()
        .into_iter()
        .filter(|line| line["level"] == "WARN" && line["fields"]["version_id"] == pending_version.as_str())
        .collect();
    assert_eq!(
        warnings.len(),
        1,
        "one warning per refresh that ignores it:\n{}",
        captured.text()
    );
    let fields = &warnings[0]["fields"];
    assert!(
        fields["message"]
            .as_str()
            .unwrap_or_default()
            .contains("older than the maximum age")
    );
    assert_eq!(fields["age_hours"], 24);
    assert_eq!(fields["max_age_hours"], 24);
    assert!(
        !captured.text().contains(PENDING),
        "the pending password is never logged"
    );
}

#[tokio::test]
async fn a_thousand_wrong_passwords_ask_secrets_manager_once_per_interval() {
    let client = client().await;
    let (secret, _) = create_secret(&client, "alice", "right").await;

    // Real time: 1,000 decisions in well under the 30 s refresh interval.
    let authorizer = authorizer(&client, &secret, SystemClock::default());
    for i in 0..1000 {
        assert!(!allowed(&authorizer, "alice", &format!("wrong-{i}")).await);
    }
    assert_eq!(
        authorizer.cache().source().fetches(),
        1,
        "one fetch, then none within the interval"
    );

    // Simulated time: the same 1,000 spread over 100 s.
    let clock = ManualClock::default();
    let authorizer = self::authorizer(&client, &secret, clock.clone());
    for i in 0..1000 {
        assert!(!allowed(&authorizer, "alice", &format!("wrong-{i}")).await);
        clock.advance(Duration::from_millis(100));
    }
    // At 0 s, then at most one per 30 s: 30, 60, 90.
    assert_eq!(authorizer.cache().source().fetches(), 4);
}

#[tokio::test]
async fn fails_closed_when_the_secret_cannot_be_read() {
    let client = client().await;
    let authorizer = authorizer(&client, "streamgate-no-such-secret", SystemClock::default());
    let error = authorizer.handle(event("alice", "whatever"), "test").await.unwrap_err();
    assert!(matches!(error, AuthorizerError::CredentialsUnavailable), "{error:?}");

    // A secret that is not the documented JSON is as unusable as a missing one.
    let name = testkit::unique_name("streamgate-bad-secret");
    client
        .create_secret()
        .name(&name)
        .secret_string("not json")
        .send()
        .await
        .expect("create_secret");
    let authorizer = self::authorizer(&client, &name, SystemClock::default());
    let error = authorizer.handle(event("alice", "x"), "test").await.unwrap_err();
    assert!(matches!(error, AuthorizerError::CredentialsUnavailable), "{error:?}");
}

#[tokio::test]
async fn secret_can_be_named_by_arn() {
    let client = client().await;
    let (name, _) = create_secret(&client, "alice", "pw").await;
    let arn = client
        .describe_secret()
        .secret_id(&name)
        .send()
        .await
        .expect("describe_secret")
        .arn()
        .expect("arn")
        .to_string();
    let authorizer = authorizer(&client, &arn, SystemClock::default());
    assert!(allowed(&authorizer, "alice", "pw").await);
}

#[tokio::test]
async fn a_pending_version_older_than_the_current_one_is_a_leftover() {
    let client = client().await;
    let (secret, _) = create_secret(&client, "alice", "first").await;
    // A version staged AWSPENDING, then a newer one made current by hand (a console edit): the
    // pending one never became current and must not stay a second valid password.
    client
        .put_secret_value()
        .secret_id(&secret)
        .secret_string(secret_json("alice", "leftover"))
        .version_stages("AWSPENDING")
        .send()
        .await
        .expect("put pending");
    let created = |stage: &'static str| {
        let client = client.clone();
        let secret = secret.clone();
        async move {
            let version = client
                .get_secret_value()
                .secret_id(&secret)
                .version_stage(stage)
                .send()
                .await;
            version.expect("get_secret_value").created_date().copied()
        }
    };
    let pending_created = created("AWSPENDING").await;
    // Dates may have whole seconds only: write the edit until it is dated after the pending
    // version (within a deadline), as it would be on AWS.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        client
            .put_secret_value()
            .secret_id(&secret)
            .secret_string(secret_json("alice", "edited"))
            .send()
            .await
            .expect("put current");
        if created("AWSCURRENT").await > pending_created {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "moto never dated the edit after the pending version"
        );
    }
    let authorizer = authorizer(&client, &secret, SystemClock::default());
    assert!(allowed(&authorizer, "alice", "edited").await);
    assert!(!allowed(&authorizer, "alice", "leftover").await);
}
