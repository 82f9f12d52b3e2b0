use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;

static BUILT: AtomicUsize = AtomicUsize::new(0);

fn region_of(config: &SdkConfig) -> String {
    BUILT.fetch_add(1, Ordering::SeqCst);
    config.region().map(ToString::to_string).unwrap_or_default()
}

#[tokio::test]
async fn a_deferred_client_is_built_once_by_its_first_use_and_shared_by_clones() {
    let sdk = LazySdk::new();
    let client = SdkClient::deferred(&sdk, region_of);
    let clone = client.clone();
    assert!(!client.is_built());
    assert_eq!(BUILT.load(Ordering::SeqCst), 0, "nothing is built before the first use");
    let (a, b) = tokio::join!(client.get(), clone.get());
    assert_eq!(a, b);
    assert!(clone.is_built());
    assert_eq!(BUILT.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_given_client_is_used_as_it_is() {
    let client = SdkClient::from("given".to_string());
    assert!(client.is_built());
    assert_eq!(client.get().await, "given");
}
