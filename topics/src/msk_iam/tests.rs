use std::sync::atomic::{AtomicUsize, Ordering};

use aws_credential_types::provider::future;

use super::*;

const ACCESS_KEY: &str = "AKIDEXAMPLE";
const SESSION_ACCESS_KEY: &str = "ASIAEXAMPLE";
const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
// '+', '/' and '=' as real session tokens have them: they must be percent-encoded.
const SESSION_TOKEN: &str = "IQoJb3JpZ2luX2VjE+/session==";
const REGION: &str = "eu-west-1";
/// 2024-01-02T03:04:05Z.
const EPOCH: u64 = 1_704_164_645;

// What aws-msk-iam-sasl-signer-python 1.0.2 signs for the same credentials, region and time
// (topics/tests/msk_iam_signer.py; the integration test compares the two live).
const PYTHON_SIGNATURE: &str = "8e46bd6787e09b7c58faaa04d36154378d4dfcda99f072994912d5e4d9a64b8e";
const PYTHON_SIGNATURE_WITH_SESSION: &str = "0b9ac84577a17579b751758c1ef66c13da8023fa929c080411f61a7f076567e8";

fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

fn static_credentials() -> Credentials {
    Credentials::new(ACCESS_KEY, SECRET_KEY, None, None, "test")
}

fn session_credentials(expiry: Option<SystemTime>) -> Credentials {
    Credentials::new(
        SESSION_ACCESS_KEY,
        SECRET_KEY,
        Some(SESSION_TOKEN.to_owned()),
        expiry,
        "test",
    )
}

fn decode(token: &str) -> String {
    let bytes = URL_SAFE_NO_PAD.decode(token).expect("base64url without padding");
    String::from_utf8(bytes).expect("UTF-8 URL")
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

/// (scheme, host, path, query parameters in order, decoded).
fn split(url: &str) -> (String, String, String, Vec<(String, String)>) {
    let (scheme, rest) = url.split_once("://").expect("scheme");
    let (authority_path, query) = rest.split_once('?').expect("query");
    let (host, path) = authority_path.split_at(authority_path.find('/').expect("path"));
    let params = query
        .split('&')
        .map(|pair| {
            let (name, value) = pair.split_once('=').expect("name=value");
            (percent_decode(name), percent_decode(value))
        })
        .collect();
    (scheme.into(), host.into(), path.into(), params)
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

#[test]
fn token_is_the_presigned_connect_url() {
    let token = auth_token(&static_credentials(), REGION, at(EPOCH), USER_AGENT).unwrap();
    assert!(!token.contains('='), "no padding");
    assert!(!token.contains('+') && !token.contains('/'), "the URL-safe alphabet");

    let url = decode(&token);
    assert!(
        url.starts_with("https://kafka.eu-west-1.amazonaws.com/?Action=kafka-cluster%3AConnect&"),
        "{url}"
    );
    assert!(url.ends_with("&User-Agent=streamgate-topics%2F0.1.0"), "{url}");

    let (scheme, host, path, params) = split(&url);
    assert_eq!(
        (scheme.as_str(), host.as_str(), path.as_str()),
        ("https", "kafka.eu-west-1.amazonaws.com", "/")
    );
    assert_eq!(param(&params, "Action"), Some("kafka-cluster:Connect"));
    assert_eq!(param(&params, "X-Amz-Algorithm"), Some("AWS4-HMAC-SHA256"));
    assert_eq!(
        param(&params, "X-Amz-Credential"),
        Some("AKIDEXAMPLE/20240102/eu-west-1/kafka-cluster/aws4_request")
    );
    assert_eq!(param(&params, "X-Amz-Date"), Some("20240102T030405Z"));
    assert_eq!(param(&params, "X-Amz-Expires"), Some("900"));
    assert_eq!(param(&params, "X-Amz-SignedHeaders"), Some("host"));
    assert_eq!(param(&params, "X-Amz-Security-Token"), None);
    assert_eq!(param(&params, "X-Amz-Signature"), Some(PYTHON_SIGNATURE));
    assert_eq!(
        params.last().map(|(n, v)| (n.as_str(), v.as_str())),
        Some(("User-Agent", "streamgate-topics/0.1.0"))
    );
    assert_eq!(params.len(), 8, "{params:?}");
}

#[test]
fn session_token_is_signed_in() {
    let token = auth_token(&session_credentials(None), REGION, at(EPOCH), USER_AGENT).unwrap();
    let url = decode(&token);
    assert!(url.contains("&X-Amz-Security-Token=IQoJb3JpZ2luX2VjE%2B%2Fsession%3D%3D&"));
    let (_, _, _, params) = split(&url);
    assert_eq!(param(&params, "X-Amz-Security-Token"), Some(SESSION_TOKEN));
    assert_eq!(
        param(&params, "X-Amz-Credential"),
        Some("ASIAEXAMPLE/20240102/eu-west-1/kafka-cluster/aws4_request")
    );
    // The same signature as the Python signer, which puts the token in the canonical request.
    assert_eq!(param(&params, "X-Amz-Signature"), Some(PYTHON_SIGNATURE_WITH_SESSION));
    assert_eq!(params.last().map(|(n, _)| n.as_str()), Some("User-Agent"));
}

#[test]
fn user_agent_is_not_signed_and_subseconds_are_dropped() {
    let signature = |signed_at, user_agent| {
        let token = auth_token(&static_credentials(), REGION, signed_at, user_agent).unwrap();
        let (_, _, _, params) = split(&decode(&token));
        param(&params, "X-Amz-Signature").map(str::to_owned)
    };
    let reference = signature(at(EPOCH), USER_AGENT);
    assert_eq!(reference, signature(at(EPOCH), "someone-else/9 (x)"));
    assert_eq!(reference, signature(at(EPOCH) + Duration::from_millis(999), USER_AGENT));
    assert_ne!(reference, signature(at(EPOCH + 1), USER_AGENT));
}

#[test]
fn user_agent_is_percent_encoded() {
    let token = auth_token(&static_credentials(), REGION, at(EPOCH), "a b/1&x=y").unwrap();
    assert!(decode(&token).ends_with("&User-Agent=a%20b%2F1%26x%3Dy"));
}

#[test]
fn regions_that_would_change_the_url_are_refused() {
    for region in [
        "",
        "EU-WEST-1",
        "eu-west-1.evil.example",
        "eu-west-1/",
        "eu west",
        "-eu",
    ] {
        let err = auth_token(&static_credentials(), region, at(EPOCH), USER_AGENT).unwrap_err();
        assert!(
            matches!(err, MskIamError::InvalidRegion(ref r) if r == region),
            "{region}: {err}"
        );
    }
    auth_token(&static_credentials(), "us-gov-west-1", at(EPOCH), USER_AGENT).unwrap();
}

#[test]
fn expiry_is_the_sooner_of_the_token_and_the_credentials() {
    let signed_at = at(EPOCH) + Duration::from_millis(700);
    assert_eq!(token_expiry(&static_credentials(), signed_at), at(EPOCH + 900));
    assert_eq!(
        token_expiry(&session_credentials(Some(at(EPOCH + 3600))), signed_at),
        at(EPOCH + 900)
    );
    assert_eq!(
        token_expiry(&session_credentials(Some(at(EPOCH + 120))), signed_at),
        at(EPOCH + 120)
    );
}

/// A wall clock the test moves by hand.
#[derive(Clone)]
struct FakeClock(Arc<parking_lot::Mutex<SystemTime>>);

impl FakeClock {
    fn new() -> Self {
        Self(Arc::new(parking_lot::Mutex::new(at(EPOCH))))
    }
    fn now(&self) -> SystemTime {
        *self.0.lock()
    }
    fn advance(&self, by: Duration) {
        *self.0.lock() += by;
    }
}

/// Hands out credentials that expire `lifetime` after the (fake) time they are fetched, counting
/// fetches; `delay` makes each fetch slow, so concurrent callers overlap.
#[derive(Debug)]
struct FakeProvider {
    clock: Arc<parking_lot::Mutex<SystemTime>>,
    lifetime: Option<Duration>,
    delay: Duration,
    fail: bool,
    fetches: Arc<AtomicUsize>,
}

impl FakeProvider {
    async fn load(&self) -> aws_credential_types::provider::Result {
        self.fetches.fetch_add(1, Ordering::SeqCst);
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        if self.fail {
            return Err(CredentialsError::not_loaded_no_source());
        }
        let now = *self.clock.lock();
        Ok(session_credentials(self.lifetime.map(|l| now + l)))
    }
}

impl ProvideCredentials for FakeProvider {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(self.load())
    }
}

struct Setup {
    clock: FakeClock,
    fetches: Arc<AtomicUsize>,
    provider: TokenProvider,
}

fn setup(lifetime: Option<Duration>, delay: Duration, fail: bool) -> Setup {
    let clock = FakeClock::new();
    let fetches = Arc::new(AtomicUsize::new(0));
    let credentials = SharedCredentialsProvider::new(FakeProvider {
        clock: Arc::clone(&clock.0),
        lifetime,
        delay,
        fail,
        fetches: Arc::clone(&fetches),
    });
    let reader = clock.clone();
    let provider = TokenProvider::with_clock(credentials, REGION.to_owned(), Arc::new(move || reader.now()));
    Setup {
        clock,
        fetches,
        provider,
    }
}

fn signing_date(token: &str) -> String {
    let (_, _, _, params) = split(&decode(token));
    param(&params, "X-Amz-Date").unwrap().to_owned()
}

#[tokio::test]
async fn a_fresh_token_is_reused_and_rebuilt_near_its_expiry() {
    let s = setup(Some(Duration::from_secs(6 * 3600)), Duration::ZERO, false);
    let first = s.provider.token().await.unwrap();
    assert_eq!(signing_date(&first), "20240102T030405Z");

    // 900 s lifetime, refreshed with 300 s left: reused up to 600 s after signing.
    s.clock.advance(Duration::from_secs(599));
    assert_eq!(s.provider.token().await.unwrap(), first);
    assert_eq!(s.fetches.load(Ordering::SeqCst), 1);

    s.clock.advance(Duration::from_secs(1));
    let second = s.provider.token().await.unwrap();
    assert_eq!(signing_date(&second), "20240102T031405Z");
    assert_eq!(s.fetches.load(Ordering::SeqCst), 2);

    // The new token is cached in turn.
    s.clock.advance(Duration::from_secs(60));
    assert_eq!(s.provider.token().await.unwrap(), second);
    assert_eq!(s.fetches.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_token_is_rebuilt_when_its_credentials_expire_sooner() {
    // Credentials valid 8 minutes: the token is good for 8, not 15, so it is rebuilt after 3.
    let s = setup(Some(Duration::from_secs(8 * 60)), Duration::ZERO, false);
    let first = s.provider.token().await.unwrap();

    s.clock.advance(Duration::from_secs(179));
    assert_eq!(s.provider.token().await.unwrap(), first);
    assert_eq!(s.fetches.load(Ordering::SeqCst), 1);

    s.clock.advance(Duration::from_secs(1));
    let second = s.provider.token().await.unwrap();
    assert_ne!(second, first);
    assert_eq!(s.fetches.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn credentials_without_expiry_give_the_full_lifetime() {
    let s = setup(None, Duration::ZERO, false);
    let first = s.provider.token().await.unwrap();
    s.clock.advance(Duration::from_secs(599));
    assert_eq!(s.provider.token().await.unwrap(), first);
    assert_eq!(s.fetches.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn expired_credentials_and_provider_failures_are_errors() {
    let s = setup(Some(Duration::ZERO), Duration::ZERO, false);
    assert!(matches!(s.provider.token().await, Err(MskIamError::CredentialsExpired)));

    let s = setup(None, Duration::ZERO, true);
    let err = s.provider.token().await.unwrap_err();
    assert!(matches!(err, MskIamError::CredentialsUnavailable(_)), "{err}");
    // A failure is not cached: the next call asks again.
    let _ = s.provider.token().await;
    assert_eq!(s.fetches.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_share_one_build() {
    let s = setup(None, Duration::from_millis(50), false);
    let provider = Arc::new(s.provider);
    let calls: Vec<_> = (0..8)
        .map(|_| {
            let provider = Arc::clone(&provider);
            tokio::spawn(async move { provider.token().await.unwrap() })
        })
        .collect();
    let mut tokens = Vec::new();
    for call in calls {
        tokens.push(call.await.unwrap());
    }
    assert_eq!(s.fetches.load(Ordering::SeqCst), 1);
    assert!(tokens.windows(2).all(|w| w[0] == w[1]));
}

#[tokio::test]
async fn sasl_config_calls_the_provider_and_debug_hides_the_token() {
    let s = setup(None, Duration::ZERO, false);
    let provider = Arc::new(s.provider);
    let expected = provider.token().await.unwrap();
    let SaslConfig::Oauthbearer(oauth) = sasl_config(Arc::clone(&provider)) else {
        panic!("not OAUTHBEARER");
    };
    assert_eq!(oauth.authz_id, None);
    assert!(oauth.bearer_kvs.is_empty());
    assert_eq!((oauth.callback)().await.unwrap(), expected);

    let debug = format!("{provider:?}");
    assert!(!debug.contains(&expected) && !debug.contains(SESSION_TOKEN), "{debug}");
}
