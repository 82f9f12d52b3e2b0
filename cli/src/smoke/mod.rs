//! `streamgate smoke`: checks a deployed stack (or the local stage) end to end and says exactly what
//! failed: the authorizer's 401 and 403, a submit answered 200 with a sequence number, that record
//! read back from the stream byte for byte (which also settles how the HTTP API's Kinesis-PutRecord
//! integration maps `Data`), the item in DynamoDB with its numbers exact, and a poison record in the
//! dead-letter queue ([`poison`]); and, when the stack serves `/topics`, a refused traversal and one
//! record produced ([`topics`]). What it adds it removes again (its item, its dead-letter message; a
//! Kafka record cannot be removed: it is one 5-byte value keyed by the smoke id).

mod poison;
mod stored;
mod topics;

use std::time::{Duration, Instant};

use anyhow::Context as _;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_kinesis::types::ShardIteratorType;
use clients::Document;
use clients::SecretStore as _;
use clients::store::sdk::SecretsManagerStore;
use clients::store::{CURRENT, VersionRef};
use httpclient::HttpClient;
use streams::kinesis::PutRecordOutput;

use crate::aws::{Aws, DEFAULT_USERNAME, Endpoints, LOCAL_API, LOCAL_SECRET, LOCAL_STREAM, LOCAL_TABLE};

/// Numbers a float would change: the item must hold them exactly.
const EXACT_DECIMAL: &str = "12345678901234567890.123456789";
const EXACT_INTEGER: &str = "123456789012345678901234567890";

/// Arguments of `streamgate smoke`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Without --stack it checks the local stage (make local): no environment variables needed, \
    the credentials come from its secret unless given.\n\
    Examples:\n  streamgate smoke --stack streamgate\n  streamgate smoke\n  \
    streamgate smoke --username partner --password \"$PASSWORD\""
)]
pub struct SmokeArgs {
    /// Read the URL, credentials, stream, table and queue from this stack's outputs and secret
    /// (default: the local stage).
    #[arg(long, env = "STREAMGATE_STACK")]
    stack: Option<String>,
    /// The API's base URL (default: the stack's ApiEndpoint, or the local stage's).
    #[arg(long, env = "STREAMGATE_URL")]
    url: Option<String>,
    /// Basic-auth username (default: a client of the credentials secret that may call every route).
    #[arg(long, env = "STREAMGATE_USERNAME")]
    username: Option<String>,
    /// Basic-auth password (default: the username's, from the credentials secret).
    #[arg(long, env = "STREAMGATE_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// The stream (default: the local stage's).
    #[arg(long)]
    stream: Option<String>,
    /// The table (default: the local stage's).
    #[arg(long)]
    table: Option<String>,
    /// The dead-letter queue's URL (default: the local stage's).
    #[arg(long)]
    queue_url: Option<String>,
    /// The Kafka topic the /topics check produces to (default: the first one GET /topics lists).
    #[arg(long)]
    topic: Option<String>,
    /// How long to wait for the item and the dead-letter message, seconds.
    #[arg(long, default_value_t = 90)]
    timeout: u64,
    #[command(flatten)]
    endpoints: Endpoints,
}

struct Target {
    url: String,
    username: String,
    password: String,
    stream: String,
    table: String,
    queue_url: String,
}

/// One check's verdict.
struct Check {
    name: &'static str,
    result: Result<String, String>,
}

/// Runs the smoke test; exits non-zero when a check failed.
pub async fn run(args: SmokeArgs) -> anyhow::Result<()> {
    let aws = args.endpoints.connect(args.stack.as_deref()).await?;
    let target = resolve(&args, &aws).await?;
    let mut checks = smoke(&target, &aws.sdk, Duration::from_secs(args.timeout)).await?;
    let http = HttpClient::new()?;
    let auth = httpclient::basic(&target.username, &target.password);
    let id = format!("smoke-{:016x}", fastrand::u64(..));
    checks.push(topics::check(&http, &target.url, &auth, args.topic.as_deref(), &id).await);
    let mut failed = 0;
    for check in &checks {
        match &check.result {
            Ok(detail) => println!("PASS {:<10} {detail}", check.name),
            Err(why) => {
                failed += 1;
                println!("FAIL {:<10} {why}", check.name);
            }
        }
    }
    println!("{} checks, {failed} failed, against {}", checks.len(), target.url);
    if failed > 0 {
        std::process::exit(1);
    }
    Ok(())
}

async fn resolve(args: &SmokeArgs, aws: &Aws) -> anyhow::Result<Target> {
    let (username, password) = match &args.password {
        Some(password) => (
            args.username.clone().unwrap_or_else(|| DEFAULT_USERNAME.into()),
            password.clone(),
        ),
        None => {
            let secret = aws.pick(None, "CredentialsSecretArn", LOCAL_SECRET)?;
            stored_credentials(&aws.sdk, &secret, args.username.as_deref())
                .await
                .with_context(|| {
                    format!(
                        "reading the credentials secret of {} (or give --password)",
                        aws.describe()
                    )
                })?
        }
    };
    let url = aws.pick(args.url.as_deref(), "ApiEndpoint", LOCAL_API)?;
    Ok(Target {
        url: url.trim_end_matches('/').to_string(),
        username,
        password,
        stream: aws.pick(args.stream.as_deref(), "StreamName", LOCAL_STREAM)?,
        table: aws.pick(args.table.as_deref(), "TableName", LOCAL_TABLE)?,
        queue_url: aws.queue_url(args.queue_url.as_deref()).await?,
    })
}

/// A client's username and password from the secret's `AWSCURRENT` version: `username`'s, or the
/// first client that may call every route (the smoke test calls several), or the first.
async fn stored_credentials(
    sdk: &aws_config::SdkConfig,
    secret: &str,
    username: Option<&str>,
) -> anyhow::Result<(String, String)> {
    let store = SecretsManagerStore::new(aws_sdk_secretsmanager::Client::new(sdk), secret);
    let version = store
        .get(VersionRef::Stage(CURRENT))
        .await?
        .context("the secret has no AWSCURRENT version")?;
    let document = Document::parse(&version.text)?.document;
    let client = match username {
        Some(name) => document
            .client(name)
            .with_context(|| format!("no client named {name:?} in the secret"))?,
        None => document
            .clients
            .iter()
            .find(|c| c.routes.is_none())
            .or(document.clients.first())
            .context("no client in the secret")?,
    };
    Ok((client.username.clone(), client.password.clone()))
}

async fn smoke(target: &Target, sdk: &aws_config::SdkConfig, timeout: Duration) -> anyhow::Result<Vec<Check>> {
    let http = HttpClient::new()?;
    let id = format!("smoke-{:016x}", fastrand::u64(..));
    let submit = format!("{}/submit/{}/{id}", target.url, target.stream);
    let good = httpclient::basic(&target.username, &target.password);
    let wrong = httpclient::basic(&target.username, "not-the-password");
    let json = [("content-type", "application/json")];
    let mut checks = Vec::new();

    let answer = http.send("POST", &submit, &json, "{}").await;
    checks.push(Check {
        name: "401",
        result: match answer {
            Ok(a) if a.status == 401 => Ok("no credentials: 401 Unauthorized".into()),
            Ok(a) => Err(format!("no credentials got {} {}, expected 401", a.status, a.body)),
            Err(e) => Err(format!("the API did not answer: {e}")),
        },
    });
    let answer = http
        .send("POST", &submit, &[("authorization", wrong.as_str()), json[0]], "{}")
        .await;
    checks.push(Check {
        name: "403",
        result: match answer {
            Ok(a) if a.status == 403 => Ok("wrong password: 403 Forbidden".into()),
            Ok(a) => Err(format!("a wrong password got {} {}, expected 403", a.status, a.body)),
            Err(e) => Err(format!("the API did not answer: {e}")),
        },
    });

    // Spaces and numbers a float would change: the stream must hold these exact bytes.
    let body = format!(r#"{{"smoke": "{id}", "decimal": {EXACT_DECIMAL}, "integer": {EXACT_INTEGER}}}"#);
    let answer = http
        .send(
            "POST",
            &submit,
            &[("authorization", good.as_str()), json[0]],
            body.clone(),
        )
        .await;
    let put = match answer {
        Ok(a) if a.status == 200 => match serde_json::from_str::<PutRecordOutput>(&a.body) {
            Ok(put) => Ok((put.sequence_number, put.shard_id)),
            Err(_) => Err(format!("200 without SequenceNumber and ShardId: {}", a.body)),
        },
        Ok(a) => Err(match stored::refused_submit_hint(a.status) {
            Some(hint) => format!("the submit got {} {}, expected 200; {hint}", a.status, a.body),
            None => format!("the submit got {} {}, expected 200", a.status, a.body),
        }),
        Err(e) => Err(format!("the API did not answer: {e}")),
    };
    checks.push(Check {
        name: "submit",
        result: put
            .as_ref()
            .map(|(seq, shard)| format!("200, {shard} sequence {seq}"))
            .map_err(Clone::clone),
    });
    let Ok((sequence, shard)) = put else {
        checks.push(skipped("stream"));
        checks.push(skipped("item"));
        checks.push(skipped("poison"));
        return Ok(checks);
    };

    let kinesis = aws_sdk_kinesis::Client::new(sdk);
    checks.push(Check {
        name: "stream",
        result: read_record(&kinesis, &target.stream, &shard, &sequence)
            .await
            .and_then(|data| stored::verdict(body.as_bytes(), &data)),
    });

    let dynamodb = aws_sdk_dynamodb::Client::new(sdk);
    checks.push(Check {
        name: "item",
        result: wait_for_item(&dynamodb, &target.table, &id, timeout).await,
    });

    let poison = http
        .send(
            "POST",
            &format!("{}/submit/{}/{id}-poison", target.url, target.stream),
            &[("authorization", good.as_str()), json[0]],
            "this is not JSON {",
        )
        .await;
    let poison_sequence = match poison {
        Ok(a) if a.status == 200 => serde_json::from_str::<PutRecordOutput>(&a.body)
            .ok()
            .map(|put| put.sequence_number),
        _ => None,
    };
    checks.push(Check {
        name: "poison",
        result: match poison_sequence {
            None => Err("the poison submit was not accepted (expected 200: the stream takes any body)".into()),
            Some(seq) => poison::wait_for_poison(sdk, &target.queue_url, &seq, timeout).await,
        },
    });
    let _ = dynamodb
        .delete_item()
        .table_name(&target.table)
        .key("eventId", AttributeValue::S(id))
        .send()
        .await;
    Ok(checks)
}

fn skipped(name: &'static str) -> Check {
    Check {
        name,
        result: Err("not checked: the submit failed".into()),
    }
}

async fn read_record(
    kinesis: &aws_sdk_kinesis::Client,
    stream: &str,
    shard: &str,
    sequence: &str,
) -> Result<Vec<u8>, String> {
    let iterator = kinesis
        .get_shard_iterator()
        .stream_name(stream)
        .shard_id(shard)
        .shard_iterator_type(ShardIteratorType::AtSequenceNumber)
        .starting_sequence_number(sequence)
        .send()
        .await
        .map_err(|e| {
            format!(
                "no iterator at the record ({})",
                aws_sdk_kinesis::error::DisplayErrorContext(&e)
            )
        })?;
    let records = kinesis
        .get_records()
        .shard_iterator(iterator.shard_iterator().unwrap_or_default())
        .limit(1)
        .send()
        .await
        .map_err(|e| {
            format!(
                "reading the record ({})",
                aws_sdk_kinesis::error::DisplayErrorContext(&e)
            )
        })?;
    let record = records
        .records()
        .first()
        .ok_or("the stream returned no record at that sequence number")?;
    if record.sequence_number() != sequence {
        return Err(format!(
            "the stream returned sequence {} instead",
            record.sequence_number()
        ));
    }
    Ok(record.data().as_ref().to_vec())
}

async fn wait_for_item(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    id: &str,
    timeout: Duration,
) -> Result<String, String> {
    let started = Instant::now();
    let mut last_error = None;
    while started.elapsed() < timeout {
        match dynamodb
            .get_item()
            .table_name(table)
            .key("eventId", AttributeValue::S(id.to_string()))
            .consistent_read(true)
            .send()
            .await
        {
            Ok(output) => {
                if let Some(item) = output.item() {
                    let number = |name: &str| item.get(name).and_then(|v| v.as_n().ok()).cloned();
                    return match (number("decimal"), number("integer")) {
                        (Some(d), Some(i)) if d == EXACT_DECIMAL && i == EXACT_INTEGER => Ok(format!(
                            "in {table} after {:.1} s, numbers exact",
                            started.elapsed().as_secs_f64()
                        )),
                        (d, i) => Err(format!(
                            "the item's numbers are not the ones sent: decimal {d:?} (sent {EXACT_DECIMAL}), integer {i:?} (sent {EXACT_INTEGER})"
                        )),
                    };
                }
            }
            Err(e) => last_error = Some(aws_sdk_dynamodb::error::DisplayErrorContext(&e).to_string()),
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Err(format!(
        "the item {id} did not appear in {table} within {} s: is the consumer running and its event source mapping enabled? (look at its logs and the dead-letter queue){}",
        timeout.as_secs(),
        last_error.map(|e| format!("; last error: {e}")).unwrap_or_default()
    ))
}
