use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_sdk_secretsmanager::config::{Credentials, Region};
use aws_smithy_runtime_api::client::http::{HttpConnector, HttpConnectorFuture};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_types::body::SdkBody;

use super::*;

/// A client that counts its warm-ups and connectors, and answers every request with `{}`.
#[derive(Debug, Clone, Default)]
struct Counting {
    warm_ups: Arc<AtomicUsize>,
    connectors: Arc<AtomicUsize>,
}

#[derive(Debug)]
struct EmptyObject;

impl HttpConnector for EmptyObject {
    fn call(&self, _: HttpRequest) -> HttpConnectorFuture {
        let response = HttpResponse::new(200.try_into().unwrap(), SdkBody::from("{}"));
        HttpConnectorFuture::ready(Ok(response))
    }
}

impl HttpClient for Counting {
    fn http_connector(&self, _: &HttpConnectorSettings, _: &RuntimeComponents) -> SharedHttpConnector {
        self.connectors.fetch_add(1, Ordering::SeqCst);
        SharedHttpConnector::new(EmptyObject)
    }

    fn validate_base_client_config(&self, _: &RuntimeComponentsBuilder, _: &ConfigBag) -> Result<(), BoxError> {
        self.warm_ups.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

fn secrets_manager(http: impl HttpClient + 'static) -> aws_sdk_secretsmanager::Client {
    let config = aws_sdk_secretsmanager::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::for_tests())
        .endpoint_url("http://127.0.0.1:1")
        .http_client(http)
        .build();
    aws_sdk_secretsmanager::Client::from_conf(config)
}

#[tokio::test]
async fn building_a_service_client_does_not_warm_up_the_connector_the_first_request_does() {
    // The control: the SDK warms an unwrapped client up when the service client is built.
    let bare = Counting::default();
    let _client = secrets_manager(bare.clone());
    assert_eq!(
        bare.warm_ups.load(Ordering::SeqCst),
        1,
        "the SDK no longer warms clients up at build"
    );

    let inner = Counting::default();
    let client = secrets_manager(TlsOnFirstUse::wrapping(SharedHttpClient::new(inner.clone())));
    assert_eq!(inner.warm_ups.load(Ordering::SeqCst), 0);
    assert_eq!(inner.connectors.load(Ordering::SeqCst), 0);
    let _ = client.list_secrets().send().await;
    assert_eq!(
        inner.connectors.load(Ordering::SeqCst),
        1,
        "the first request asks for its connector"
    );
}

#[test]
fn the_default_client_is_the_sdks_hyper_client() {
    let client =
        TlsOnFirstUse::default_client(BehaviorVersion::latest()).expect("the build has a default HTTPS client");
    let metadata = client.connector_metadata().expect("the SDK's client names itself");
    assert_eq!(metadata.name(), "hyper");
}
