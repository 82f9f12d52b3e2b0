//! Named clients with route scopes through the whole stage (`--client NAME[:ROUTES]`): a partner
//! scoped to submitting to this stack's streams and listing them, and an unrestricted client, against
//! `/submit`, `/streams` and `/topics`. Out of scope is API Gateway's `403 {"message":"Forbidden"}`,
//! and a cached allow never opens another route or stream.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
mod support;

use localstage::Stage;
use localstage::credentials::{ClientSeed, SeededClient};
use serde_json::json;
use testkit::{HttpClient, basic};

const JSON_V2: &str = "application/vnd.kafka.json.v2+json";

/// A stage whose secret holds `partner` (scoped) and `ops` (every route), with Kafka for /topics.
async fn stage() -> Stage {
    let mut options = support::options(&[], &[]);
    options.kafka = true;
    options.clients = vec![
        ClientSeed::parse("partner:POST /submit/streamgate-local-*/*,GET /streams").expect("partner"),
        ClientSeed::parse("ops").expect("ops"),
    ];
    Stage::start(options)
        .await
        .unwrap_or_else(|e| panic!("the local stage did not start: {e}"))
}

fn auth(client: &SeededClient) -> String {
    basic(&client.username, &client.password)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_client_reaches_only_its_routes() {
    let stage = stage().await;
    let [partner, ops] = [0, 1].map(|i| stage.provisioned.clients[i].clone());
    assert_eq!((partner.username.as_str(), ops.username.as_str()), ("partner", "ops"));
    assert!(partner.generated && ops.generated);
    let banner = stage.banner();
    assert!(
        banner.contains("partner") && banner.contains("POST /submit/streamgate-local-*/*, GET /streams"),
        "{banner}"
    );
    assert!(
        banner.contains(&partner.password) && banner.contains("every route"),
        "{banner}"
    );

    let http = HttpClient::default();
    let stream = stage.provisioned.stream_name.clone();
    let topic = stage.kafka.as_ref().expect("Kafka").topics[0].clone();
    let record = json!({"records": [{"key": "k", "value": {"title": "hi"}}]}).to_string();
    let call = |client: &SeededClient, method: &'static str, path: String, body: String| {
        let (http, url, auth) = (http.clone(), format!("{}{path}", stage.gateway_url), auth(client));
        async move {
            let content_type = match path.starts_with("/topics") {
                true => JSON_V2,
                false => "application/json",
            };
            let answer = http
                .call(
                    method,
                    &url,
                    &[("authorization", &auth), ("content-type", content_type)],
                    body,
                )
                .await;
            (answer.status, answer.json())
        }
    };
    let forbidden = (403, json!({"message": "Forbidden"}));
    let status = |answer: (u16, serde_json::Value)| answer.0;

    // /submit: the partner's streams only; the same credentials and eventId on another stream are
    // refused even right after an allow (API Gateway caches per route and path).
    let submit = |stream: &str| format!("/submit/{stream}/evt-1");
    assert_eq!(status(call(&partner, "POST", submit(&stream), "{}".into()).await), 200);
    assert_eq!(
        call(&partner, "POST", submit("orders-eu"), "{}".into()).await,
        forbidden
    );
    assert_eq!(
        call(&partner, "POST", submit("orders-eu"), "{}".into()).await,
        forbidden
    );
    assert_eq!(status(call(&ops, "POST", submit(&stream), "{}".into()).await), 200);
    // Past the authorizer, the integration role refuses a stream that is not this stack's.
    assert_eq!(status(call(&ops, "POST", submit("orders-eu"), "{}".into()).await), 500);

    // /streams: the partner may list, nothing else.
    assert_eq!(
        status(call(&partner, "GET", "/streams".into(), String::new()).await),
        200
    );
    let describe = format!("/streams/{stream}");
    assert_eq!(call(&partner, "GET", describe.clone(), String::new()).await, forbidden);
    let put = json!({"Data": {"title": "hi"}, "PartitionKey": "evt-2"}).to_string();
    let record_path = format!("/streams/{stream}/record");
    assert_eq!(call(&partner, "PUT", record_path.clone(), put.clone()).await, forbidden);
    assert_eq!(status(call(&ops, "GET", describe, String::new()).await), 200);
    assert_eq!(status(call(&ops, "PUT", record_path, put).await), 200);

    // /topics: not the partner's.
    let produce = format!("/topics/{topic}");
    assert_eq!(call(&partner, "POST", produce.clone(), record.clone()).await, forbidden);
    assert_eq!(call(&partner, "GET", "/topics".into(), String::new()).await, forbidden);
    assert_eq!(status(call(&ops, "POST", produce, record).await), 200);
    assert_eq!(status(call(&ops, "GET", "/topics".into(), String::new()).await), 200);

    // A wrong password, and a client the secret does not hold.
    let mut wrong = partner.clone();
    wrong.password = ops.password.clone();
    assert_eq!(call(&wrong, "POST", submit(&stream), "{}".into()).await, forbidden);
    let mut unknown = ops.clone();
    unknown.username = "nobody".into();
    assert_eq!(call(&unknown, "GET", "/streams".into(), String::new()).await, forbidden);
    stage.stop().await;
}
