//! The stage's Kafka part, as [`crate::Options`] asks for it: none when `--no-kafka` or when the
//! parameter overrides already name a Kafka or a REST Proxy; otherwise the broker with the given (or
//! default) topics in the chosen `/topics` mode ([`crate::kafka_side`] does the work).

use std::collections::BTreeMap;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::error::StageError;
use crate::kafka_side::{self, KafkaPlan, KafkaSide};
use crate::options::Options;
use crate::template;

/// Settles the broker's port (and the REST Proxy stand-in's listener) and adds the template
/// parameters of the mode to `overrides`; `None` when the stage runs no Kafka. Starts nothing.
pub(super) async fn prepare(
    options: &Options,
    overrides: &mut BTreeMap<String, String>,
) -> Result<Option<KafkaPlan>, StageError> {
    if !options.kafka || kafka_side::overridden(overrides) {
        return Ok(None);
    }
    let topics = match options.kafka_topics.is_empty() {
        true => kafka_side::default_topics(template::LOCAL_STACK),
        false => options.kafka_topics.clone(),
    };
    let (plan, kafka_overrides) = kafka_side::prepare(options.kafka_port, topics, options.kafka_mode).await?;
    overrides.extend(kafka_overrides);
    Ok(Some(plan))
}

/// Starts the broker (and the stand-in, whose server joins `tasks`).
pub(super) async fn start(
    plan: KafkaPlan,
    stopping: &watch::Receiver<bool>,
    tasks: &mut Vec<JoinHandle<()>>,
) -> Result<KafkaSide, StageError> {
    let (side, task) = kafka_side::start(plan, stopping.clone()).await?;
    tasks.extend(task);
    Ok(side)
}
