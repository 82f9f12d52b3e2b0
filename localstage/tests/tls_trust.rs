//! The functions' HTTPS trust, on the real authorizer binary: the SDK client every function builds
//! through `lambdabase::sdk::load` (whose trust store is read on the first request, not at init)
//! still refuses a server whose certificate does not chain to a trusted root, and still talks to
//! one whose certificate does.
//!
//! A Secrets Manager stand-in serves `GetSecretValue` over TLS on loopback, with a certificate made
//! here: signed by a test CA, or self-signed. The function's `SSL_CERT_FILE` names the test CA as
//! its only root (what the system's store is on Lambda), and its `AWS_ENDPOINT_URL` the stand-in.
//! The authorizer allows the request only if it could read the secret, and fails closed (an error,
//! a 500 at the gateway) when it could not.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use localstage::lambda::{FunctionConfig, FunctionHost, Outcome};
use localstage::template::LoggingSpec;
use rcgen::{BasicConstraints, CertificateParams, CertifiedKey, DistinguishedName, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::{Value, json};
use tokio_rustls::TlsAcceptor;

/// The credentials the event carries (`events/authorizer-http-v2-allow.json`), as the secret holds them.
const SECRET: &str = r#"{"username":"streamgate","password":"streamgate-local-password"}"#;

/// What a stand-in saw: TLS handshakes that failed, and HTTP requests it answered.
#[derive(Default)]
struct Seen {
    refused_handshakes: AtomicUsize,
    requests: AtomicUsize,
}

/// A test CA, and a server certificate for 127.0.0.1 signed by it.
struct Pki {
    ca_pem: String,
    signed: CertifiedKey<KeyPair>,
}

fn pki() -> Pki {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    // Its own name: a self-signed certificate (rcgen's default name) must not even look like it.
    ca_params.distinguished_name = DistinguishedName::new();
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "streamgate test CA");
    let ca_key = KeyPair::generate().unwrap();
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    Pki {
        ca_pem: ca.pem(),
        signed: CertifiedKey { cert, signing_key: key },
    }
}

/// A certificate for 127.0.0.1 that nothing signed but itself.
fn self_signed() -> CertifiedKey<KeyPair> {
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    CertifiedKey { cert, signing_key: key }
}

/// `GetSecretValue`: the secret for AWSCURRENT, ResourceNotFoundException for any other stage.
async fn secrets_manager(request: Request<Incoming>, seen: Arc<Seen>) -> Result<Response<Full<Bytes>>, hyper::Error> {
    seen.requests.fetch_add(1, Ordering::SeqCst);
    let body = request.into_body().collect().await?.to_bytes();
    let input: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let stage = input["VersionStage"].as_str().unwrap_or("AWSCURRENT");
    let (status, answer) = match stage {
        "AWSCURRENT" => (
            200,
            json!({
                "ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:tls-test-AbCdEf",
                "Name": "tls-test",
                "VersionId": "00000000-0000-4000-8000-000000000001",
                "SecretString": SECRET,
                "VersionStages": ["AWSCURRENT"],
                "CreatedDate": 1_700_000_000.0
            }),
        ),
        _ => (
            400,
            json!({"__type": "ResourceNotFoundException", "message": "Secrets Manager can't find the specified secret value for staging label"}),
        ),
    };
    Ok(Response::builder()
        .status(status)
        .header("content-type", "application/x-amz-json-1.1")
        .body(Full::new(Bytes::from(answer.to_string())))
        .unwrap())
}

/// Serves [`secrets_manager`] over TLS with `certified` on a loopback port.
async fn tls_stand_in(certified: &CertifiedKey<KeyPair>) -> (SocketAddr, Arc<Seen>) {
    let chain = vec![CertificateDer::from(certified.cert.der().to_vec())];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.signing_key.serialize_der()));
    let mut config =
        rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let address = listener.local_addr().unwrap();
    let seen = Arc::new(Seen::default());
    let counters = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, seen) = (acceptor.clone(), Arc::clone(&counters));
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    seen.refused_handshakes.fetch_add(1, Ordering::SeqCst);
                    return;
                };
                let service = hyper::service::service_fn(move |request| secrets_manager(request, Arc::clone(&seen)));
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    (address, seen)
}

/// The authorizer (debug build, as the other stage tests run it) with `ca_file` as its only trusted
/// roots and the stand-in at `endpoint` as Secrets Manager.
async fn authorizer(test: &str, ca_file: &Path, endpoint: SocketAddr) -> FunctionHost {
    let program = motoserver::workspace_root().join("target/debug/authorizer");
    assert!(
        program.exists(),
        "{} is missing: `make test` builds it first",
        program.display()
    );
    let empty_dir = ca_file.with_extension("d");
    std::fs::create_dir_all(&empty_dir).unwrap();
    let logging = LoggingSpec {
        json: false,
        application_level: None,
        system_level: "INFO".into(),
    };
    let reserved = localstage::lambda::reserved_environment(test, 128, &logging);
    let environment: BTreeMap<String, String> = [
        ("CREDENTIALS_SECRET", "tls-test"),
        ("PREVIOUS_GRACE_MINUTES", "0"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        // The SDK's default retry would retry a refused handshake twice more: once is enough.
        ("AWS_MAX_ATTEMPTS", "1"),
    ]
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .into_iter()
    .chain([
        ("AWS_ENDPOINT_URL".to_string(), format!("https://{endpoint}")),
        // rustls-native-certs reads these instead of the system's store when they are set.
        ("SSL_CERT_FILE".to_string(), ca_file.display().to_string()),
        ("SSL_CERT_DIR".to_string(), empty_dir.display().to_string()),
    ])
    .chain(reserved.into_iter().map(|(k, v)| (k.to_string(), v)))
    .collect();
    let config = FunctionConfig {
        logical_id: format!("{test}Function"),
        binary: "authorizer".into(),
        name: test.into(),
        arn: format!("arn:aws:lambda:us-east-1:123456789012:function:{test}"),
        program,
        environment,
        timeout: Duration::from_secs(20),
        memory_mb: 128,
        logging,
    };
    FunctionHost::start(config, false).await.unwrap()
}

/// The authorizer's outcome for the allow event, against a stand-in serving `certified`.
async fn invoke(test: &str, certified: &CertifiedKey<KeyPair>, ca_pem: &str) -> (Outcome, Arc<Seen>, FunctionHost) {
    let dir = std::env::temp_dir().join(format!("streamgate-tls-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let ca_file = dir.join("roots.pem");
    std::fs::write(&ca_file, ca_pem).unwrap();
    let (endpoint, seen) = tls_stand_in(certified).await;
    let host = authorizer(test, &ca_file, endpoint).await;
    let event = std::fs::read(motoserver::workspace_root().join("events/authorizer-http-v2-allow.json")).unwrap();
    let outcome = host.invoke(Bytes::from(event)).await;
    (outcome, seen, host)
}

#[tokio::test]
async fn a_server_chaining_to_a_trusted_root_is_talked_to() {
    let pki = pki();
    let (outcome, seen, host) = invoke("trusted", &pki.signed, &pki.ca_pem).await;
    let logs = host.logs().join("\n");
    let Outcome::Response(body) = outcome else {
        panic!("the authorizer failed: {outcome:?}; logs:\n{logs}");
    };
    let answer: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        answer["isAuthorized"], true,
        "the secret was not read over TLS: {answer}; logs:\n{logs}"
    );
    assert!(seen.requests.load(Ordering::SeqCst) >= 1);
    assert_eq!(seen.refused_handshakes.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_self_signed_server_is_refused() {
    let pki = pki();
    let (outcome, seen, host) = invoke("self-signed", &self_signed(), &pki.ca_pem).await;
    let logs = host.logs().join("\n");
    // The authorizer fails closed without its secret: an error, which API Gateway turns into a 500.
    let Outcome::Error(_, body) = outcome else {
        panic!("a server with a self-signed certificate was trusted: {outcome:?}; logs:\n{logs}");
    };
    let error: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(error["errorType"], "CredentialsUnavailable", "{error}");
    assert_eq!(
        seen.requests.load(Ordering::SeqCst),
        0,
        "a request reached the untrusted server"
    );
    assert!(
        seen.refused_handshakes.load(Ordering::SeqCst) >= 1,
        "the function never tried the server; logs:\n{logs}"
    );
    assert!(
        logs.contains("invalid peer certificate") && logs.contains("secret_unavailable"),
        "the denial does not say the certificate was refused; logs:\n{logs}"
    );
}
