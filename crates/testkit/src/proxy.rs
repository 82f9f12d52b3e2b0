//! A fault-injecting HTTP proxy on loopback, between the AWS SDK and moto.
//!
//! moto never throttles and never fails with a 5xx; this proxy answers a chosen fraction of calls
//! (selected by their `X-Amz-Target`, e.g. `DynamoDB_20120810.BatchWriteItem`) with a throttling
//! error or a 500 **instead of** forwarding them, so a faulted call never reaches the emulator. It
//! also counts every call by target, which is how tests and benchmarks count DynamoDB requests.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;

use parking_lot::Mutex;

use http_body_util::{BodyExt, Full, combinators::BoxBody};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The error answered instead of forwarding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 400 `ThrottlingException` (the SDK retries it with backoff).
    Throttle,
    /// HTTP 500 `InternalServerError` (the SDK retries it).
    ServerError,
}

#[derive(Debug, Clone)]
struct Rule {
    target_prefix: String,
    rate: f64,
    fault: Fault,
}

type Body = BoxBody<Bytes, hyper::Error>;

struct Shared {
    upstream: String,
    client: Client<HttpConnector, Incoming>,
    rules: Mutex<Vec<Rule>>,
    calls: Mutex<HashMap<String, u64>>,
    faults: Mutex<HashMap<String, u64>>,
    rng: Mutex<fastrand::Rng>,
}

/// A running proxy; stops when dropped.
pub struct FaultProxy {
    endpoint: String,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl FaultProxy {
    /// Starts a proxy to `upstream` (`http://127.0.0.1:PORT`) on a free loopback port, on the current
    /// tokio runtime. Faults are drawn from a generator seeded with `seed`, so a run is repeatable.
    pub async fn start(upstream: &str, seed: u64) -> std::io::Result<FaultProxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let endpoint = format!("http://{}", listener.local_addr()?);
        let shared = Arc::new(Shared {
            upstream: upstream.trim_end_matches('/').to_string(),
            client: Client::builder(TokioExecutor::new()).build_http(),
            rules: Mutex::new(Vec::new()),
            calls: Mutex::new(HashMap::new()),
            faults: Mutex::new(HashMap::new()),
            rng: Mutex::new(fastrand::Rng::with_seed(seed)),
        });
        let accept_shared = Arc::clone(&shared);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let shared = Arc::clone(&accept_shared);
                tokio::spawn(async move {
                    let service = service_fn(move |request| serve(Arc::clone(&shared), request));
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(FaultProxy { endpoint, shared, task })
    }

    /// `http://127.0.0.1:PORT` of the proxy: give this to the SDK as its endpoint.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// From now on, answer `rate` (0.0–1.0) of the calls whose target starts with `target_prefix`
    /// with `fault`.
    pub fn inject(&self, target_prefix: &str, rate: f64, fault: Fault) {
        self.shared.rules.lock().push(Rule {
            target_prefix: target_prefix.to_string(),
            rate,
            fault,
        });
    }

    /// Removes every fault rule.
    pub fn clear(&self) {
        self.shared.rules.lock().clear();
    }

    /// Calls seen (forwarded or faulted) whose target starts with `target_prefix`.
    pub fn calls(&self, target_prefix: &str) -> u64 {
        sum_prefix(&self.shared.calls.lock(), target_prefix)
    }

    /// Calls answered with a fault whose target starts with `target_prefix`.
    pub fn faults(&self, target_prefix: &str) -> u64 {
        sum_prefix(&self.shared.faults.lock(), target_prefix)
    }

    /// Forgets the counts.
    pub fn reset_counts(&self) {
        self.shared.calls.lock().clear();
        self.shared.faults.lock().clear();
    }
}

fn sum_prefix(counts: &HashMap<String, u64>, prefix: &str) -> u64 {
    counts
        .iter()
        .filter(|(target, _)| target.starts_with(prefix))
        .map(|(_, n)| n)
        .sum()
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn full(body: String) -> Body {
    Full::new(Bytes::from(body)).map_err(|never| match never {}).boxed()
}

async fn serve(shared: Arc<Shared>, mut request: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    let target = request
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_string();
    *shared.calls.lock().entry(target.clone()).or_default() += 1;

    let fault = {
        let rules = shared.rules.lock();
        let mut rng = shared.rng.lock();
        rules
            .iter()
            .filter(|rule| target.starts_with(&rule.target_prefix))
            .find(|rule| rng.f64() < rule.rate)
            .map(|rule| rule.fault)
    };
    if let Some(fault) = fault {
        *shared.faults.lock().entry(target).or_default() += 1;
        let (status, kind) = match fault {
            Fault::Throttle => (StatusCode::BAD_REQUEST, "ThrottlingException"),
            Fault::ServerError => (StatusCode::INTERNAL_SERVER_ERROR, "InternalServerError"),
        };
        let body = format!(r#"{{"__type":"{kind}","message":"injected by the test proxy"}}"#);
        let response = Response::builder()
            .status(status)
            .header("content-type", "application/x-amz-json-1.0")
            .header("x-amzn-requestid", "fault-proxy")
            .body(full(body));
        return Ok(response.unwrap_or_else(|_| Response::new(full(String::new()))));
    }

    let path = request.uri().path_and_query().map_or("/", |p| p.as_str()).to_string();
    match format!("{}{path}", shared.upstream).parse() {
        Ok(uri) => *request.uri_mut() = uri,
        Err(_) => return Ok(bad_gateway("bad upstream uri")),
    }
    match shared.client.request(request).await {
        Ok(response) => Ok(response.map(BodyExt::boxed)),
        Err(error) => Ok(bad_gateway(&error.to_string())),
    }
}

fn bad_gateway(message: &str) -> Response<Body> {
    let mut response = Response::new(full(message.to_string()));
    *response.status_mut() = StatusCode::BAD_GATEWAY;
    response
}
