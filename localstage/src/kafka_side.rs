//! The stage's Kafka side: a Tansu broker on loopback with the topics created, and the template
//! parameters that put `/topics` in front of it in one of the template's two modes:
//!
//! - [`KafkaMode::Function`] (default): `KafkaBootstrapServers=127.0.0.1:PORT`, `KafkaAuth=none`, so
//!   the template's `topics` function runs (a real binary, like the others) and produces to the
//!   broker itself.
//! - [`KafkaMode::RestProxy`]: the same REST Proxy core served over plain HTTP
//!   ([`crate::kafka::rest_proxy`]) and `KafkaRestProxyUrl` pointing at it, so the routes are HTTP
//!   proxy integrations, as with a REST Proxy users run themselves.
//!
//! Everything that can fail without starting anything (the port, the stand-in's listener) is done
//! by [`prepare`], before the stage starts any process; [`start`] then starts the broker.

use std::net::{Ipv4Addr, SocketAddr};

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::error::StageError;
use crate::kafka::{self, Broker, KafkaError};
use crate::server::{bind, serve};

/// The template parameter of the REST Proxy mode.
pub const REST_PROXY_PARAMETER: &str = "KafkaRestProxyUrl";
/// The template parameter of the function mode.
pub const BOOTSTRAP_PARAMETER: &str = "KafkaBootstrapServers";
/// The function mode's authentication parameter (`none`: the local broker is plaintext).
pub const AUTH_PARAMETER: &str = "KafkaAuth";

/// Which of the template's two `/topics` modes the stage runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KafkaMode {
    /// The `topics` function, producing to the broker.
    #[default]
    Function,
    /// HTTP proxy integrations to the REST Proxy core served over HTTP.
    RestProxy,
}

/// What [`prepare`] settled: the broker's port, the topics, and (REST Proxy mode) the bound listener.
pub struct KafkaPlan {
    mode: KafkaMode,
    port: u16,
    topics: Vec<String>,
    proxy: Option<(tokio::net::TcpListener, String)>,
}

/// What the stage runs for Kafka.
pub struct KafkaSide {
    /// The mode.
    pub mode: KafkaMode,
    /// The broker's bootstrap address (`127.0.0.1:PORT`) for any Kafka client.
    pub bootstrap: String,
    /// The REST Proxy stand-in's URL (REST Proxy mode).
    pub rest_proxy_url: Option<String>,
    /// The topics created.
    pub topics: Vec<String>,
    /// Kept alive for the stage's lifetime (the broker stops when dropped).
    pub(crate) _broker: Broker,
}

/// The default topics: `<prefix>.pin`, `.geo` and `.user`, as `streamgate post --format kafka-rest`
/// sends them.
pub fn default_topics(prefix: &str) -> Vec<String> {
    ["pin", "geo", "user"]
        .iter()
        .map(|kind| format!("{prefix}.{kind}"))
        .collect()
}

/// Whether the user's overrides already name a Kafka or a REST Proxy (then the stage starts none).
pub fn overridden(overrides: &std::collections::BTreeMap<String, String>) -> bool {
    [REST_PROXY_PARAMETER, BOOTSTRAP_PARAMETER]
        .iter()
        .any(|name| overrides.get(*name).is_some_and(|value| !value.is_empty()))
}

/// Settles the port (`0`: a free one; a given one must be free: a one-line error naming
/// `--kafka-port` otherwise) and, in REST Proxy mode, binds the stand-in's listener; returns the
/// plan and the parameter overrides of the mode. Starts nothing.
pub async fn prepare(
    port: u16,
    topics: Vec<String>,
    mode: KafkaMode,
) -> Result<(KafkaPlan, Vec<(String, String)>), StageError> {
    let port = match port {
        0 => kafka::broker::free_port()?,
        port => {
            kafka::broker::check_port_free(port)?;
            port
        }
    };
    let bootstrap = format!("127.0.0.1:{port}");
    let (proxy, overrides) = match mode {
        KafkaMode::Function => (
            None,
            vec![
                (BOOTSTRAP_PARAMETER.to_string(), bootstrap),
                (AUTH_PARAMETER.to_string(), "none".to_string()),
            ],
        ),
        KafkaMode::RestProxy => {
            let (listener, url) = bind("Kafka REST Proxy stand-in", SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
            let overrides = vec![(REST_PROXY_PARAMETER.to_string(), url.clone())];
            (Some((listener, url)), overrides)
        }
    };
    Ok((
        KafkaPlan {
            mode,
            port,
            topics,
            proxy,
        },
        overrides,
    ))
}

/// Starts the broker, creates the topics and (REST Proxy mode) serves the stand-in until `stop`.
pub async fn start(
    plan: KafkaPlan,
    stop: watch::Receiver<bool>,
) -> Result<(KafkaSide, Option<JoinHandle<()>>), StageError> {
    let port = plan.port;
    // Starting the broker blocks for about a second while it comes up.
    let broker = tokio::task::spawn_blocking(move || Broker::start(port))
        .await
        .map_err(|e| KafkaError::Io {
            what: "starting the broker".into(),
            source: std::io::Error::other(e),
        })??;
    kafka::create_topics(broker.bootstrap(), &plan.topics, 1).await?;
    let (task, rest_proxy_url) = match plan.proxy {
        Some((listener, url)) => (
            Some(serve(listener, kafka::rest_proxy::router(broker.bootstrap()), stop)),
            Some(url),
        ),
        None => (None, None),
    };
    Ok((
        KafkaSide {
            mode: plan.mode,
            bootstrap: broker.bootstrap().to_string(),
            rest_proxy_url,
            topics: plan.topics,
            _broker: broker,
        },
        task,
    ))
}
