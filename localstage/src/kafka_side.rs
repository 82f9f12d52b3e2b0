//! The stage's Kafka side: when asked and no `KafkaRestProxyUrl` override names a real REST Proxy,
//! a Tansu broker on loopback, the topics, and the REST Proxy stand-in in front of the broker, whose
//! URL becomes the template's `KafkaRestProxyUrl` (so the `/topics` routes exist and forward to it).

use std::net::{Ipv4Addr, SocketAddr};

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::kafka::{self, Broker, KafkaError};
use crate::{StageError, bind, serve};

/// The template parameter the stand-in's URL is given to.
pub const REST_PROXY_PARAMETER: &str = "KafkaRestProxyUrl";

/// What the stage runs for Kafka.
pub struct KafkaSide {
    /// The broker's bootstrap address (`127.0.0.1:PORT`) for any Kafka client.
    pub bootstrap: String,
    /// The REST Proxy stand-in's URL.
    pub rest_proxy_url: String,
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

/// Starts the broker (on `port`, 0 = free), creates `topics` and serves the stand-in until `stop`.
pub async fn start(
    port: u16,
    topics: Vec<String>,
    stop: watch::Receiver<bool>,
) -> Result<(KafkaSide, JoinHandle<()>), StageError> {
    // Starting the broker blocks for about a second while it comes up.
    let broker = tokio::task::spawn_blocking(move || Broker::start(port))
        .await
        .map_err(|e| KafkaError::Io {
            what: "starting the broker".into(),
            source: std::io::Error::other(e),
        })??;
    kafka::create_topics(broker.bootstrap(), &topics, 1).await?;
    let (listener, rest_proxy_url) =
        bind("Kafka REST Proxy stand-in", SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
    let task = serve(listener, kafka::rest_proxy::router(broker.bootstrap()), stop);
    Ok((
        KafkaSide {
            bootstrap: broker.bootstrap().to_string(),
            rest_proxy_url,
            topics,
            _broker: broker,
        },
        task,
    ))
}
