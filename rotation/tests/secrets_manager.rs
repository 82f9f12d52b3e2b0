//! The rotation function's four steps against Secrets Manager in moto, as Secrets Manager calls
//! them: one invocation per step with the same token, a retried step, a failing testSecret that
//! leaves AWSCURRENT alone, and an event for another secret refused.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
use aws_sdk_secretsmanager::Client;
use clients::steps::Outcome;
use clients::store::sdk::SecretsManagerStore;
use clients::{Document, SecretStore, VersionRef};
use serde_json::json;

const STRONG: &str = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghjkmnpq";

async fn secret(client: &Client, value: &str) -> String {
    let created = client
        .create_secret()
        .name(testkit::unique_name("streamgate-rotation"))
        .secret_string(value)
        .send()
        .await
        .expect("create_secret");
    created.arn().expect("arn").to_string()
}

fn event(arn: &str, token: &str, step: &str) -> serde_json::Value {
    json!({"SecretId": arn, "ClientRequestToken": token, "Step": step, "RotationToken": "ignored"})
}

async fn current(store: &SecretsManagerStore) -> Document {
    let version = store.get(VersionRef::Stage("AWSCURRENT")).await.unwrap().unwrap();
    Document::parse_strict(&version.text).unwrap()
}

#[tokio::test]
async fn four_steps_rotate_every_client_and_a_retry_changes_nothing() {
    let client = Client::new(&testkit::moto_sdk_config().await);
    let arn = secret(
        &client,
        &json!({"clients": [
            {"username": "a", "password": STRONG},
            {"username": "b", "password": STRONG, "routes": ["GET /streams"]}]})
        .to_string(),
    )
    .await;
    let store = SecretsManagerStore::new(client.clone(), &arn);
    let before = current(&store).await;
    let token = uuid_like(1);
    for step in ["createSecret", "createSecret", "setSecret", "testSecret", "testSecret"] {
        rotation::handle(&store, &arn, event(&arn, &token, step), "test")
            .await
            .expect(step);
    }
    assert_eq!(
        current(&store).await,
        before,
        "nothing current changes before finishSecret"
    );
    let finished = rotation::handle(&store, &arn, event(&arn, &token, "finishSecret"), "test")
        .await
        .unwrap();
    assert!(matches!(finished, Outcome::Finished { .. }), "{finished:?}");
    let again = rotation::handle(&store, &arn, event(&arn, &token, "finishSecret"), "test")
        .await
        .unwrap();
    assert_eq!(again, Outcome::AlreadyCurrent);
    let after = current(&store).await;
    for name in ["a", "b"] {
        let (old, new) = (before.client(name).unwrap(), after.client(name).unwrap());
        assert_ne!(old.password, new.password, "{name}");
        assert_eq!(old.routes, new.routes, "{name}");
    }
    assert!(
        store.get(VersionRef::Stage("AWSPENDING")).await.unwrap().is_none(),
        "finishSecret takes AWSPENDING off the promoted version"
    );
    let previous = store.get(VersionRef::Stage("AWSPREVIOUS")).await.unwrap().unwrap();
    assert_eq!(Document::parse_strict(&previous.text).unwrap(), before);
    let versions = client.list_secret_version_ids().secret_id(&arn).send().await.unwrap();
    assert_eq!(
        versions.versions().len(),
        2,
        "the retried createSecret made no second version"
    );
}

#[tokio::test]
async fn a_failed_test_leaves_awscurrent_untouched() {
    let client = Client::new(&testkit::moto_sdk_config().await);
    let arn = secret(
        &client,
        &json!({"clients": [{"username": "a", "password": STRONG}, {"username": "weak", "password": "short"}]})
            .to_string(),
    )
    .await;
    let store = SecretsManagerStore::new(client.clone(), &arn);
    let before = current(&store).await;
    // Rotating `a` keeps `weak`'s password: reported, not refused.
    let token = uuid_like(2);
    let mut named = event(&arn, &token, "createSecret");
    named["Clients"] = json!(["a"]);
    rotation::handle(&store, &arn, named, "test").await.unwrap();
    let tested = rotation::handle(&store, &arn, event(&arn, &token, "testSecret"), "test")
        .await
        .unwrap();
    assert_eq!(
        tested,
        Outcome::Tested {
            clients: 2,
            weak_kept: vec!["weak".into()]
        }
    );
    // A pending version that sets a weak password (staged by hand, as an operator might) fails
    // testSecret, and AWSCURRENT stays where it was.
    let token = uuid_like(4);
    store
        .put_pending(
            &token,
            &json!({"clients": [{"username": "a", "password": "tooshort"}]}).to_string(),
        )
        .await
        .unwrap();
    let error = rotation::handle(&store, &arn, event(&arn, &token, "testSecret"), "test")
        .await
        .unwrap_err();
    assert!(error.to_string().contains("weak"), "{error}");
    assert!(!error.to_string().contains("tooshort"), "{error}");
    assert_eq!(current(&store).await, before);
}

#[tokio::test]
async fn another_secrets_event_is_refused() {
    let client = Client::new(&testkit::moto_sdk_config().await);
    let ours = secret(&client, &json!({"username": "a", "password": STRONG}).to_string()).await;
    let theirs = secret(&client, &json!({"username": "x", "password": STRONG}).to_string()).await;
    let store = SecretsManagerStore::new(client.clone(), &ours);
    let error = rotation::handle(&store, &ours, event(&theirs, &uuid_like(3), "createSecret"), "test")
        .await
        .unwrap_err();
    assert!(error.to_string().contains("rotates"), "{error}");
    let versions = client
        .list_secret_version_ids()
        .secret_id(&theirs)
        .send()
        .await
        .unwrap();
    assert_eq!(versions.versions().len(), 1);
}

fn uuid_like(n: u8) -> String {
    format!(
        "00000000-0000-4000-8000-{:012}",
        u64::from(n) + std::process::id() as u64 * 1000
    )
}
