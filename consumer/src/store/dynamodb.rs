//! The DynamoDB adapter of [`ItemStore`]: consistent BatchGetItem reads of the stored sequence
//! numbers, BatchWriteItem writes of the newer records with retries of what DynamoDB left
//! unprocessed, and a conditional PutItem per item when DynamoDB refuses a batch's content.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, PutRequest, WriteRequest};
use lambdabase::SdkClient;

use super::{ErrorClass, ItemStore, StoredSequence, WriteOutcome, classify};
use crate::failure::FailureReason;
use crate::fanout::{chunks, fan_out};
use crate::item::{Item, KEY_ATTRIBUTE, SEQUENCE_ATTRIBUTE};
use crate::ordering::Candidate;
use crate::record::Poison;
use crate::retry::Backoff;

/// BatchGetItem takes at most 100 keys.
pub const GET_CHUNK: usize = 100;
/// BatchWriteItem takes at most 25 requests.
pub const WRITE_CHUNK: usize = 25;

/// Reads and writes the items of one table.
#[derive(Debug, Clone)]
pub struct Store {
    client: SdkClient<Client>,
    table: String,
    concurrency: usize,
    backoff: Backoff,
}

impl Store {
    /// A store for `table`, with at most `concurrency` requests in flight.
    pub fn new(
        client: impl Into<SdkClient<Client>>,
        table: impl Into<String>,
        concurrency: usize,
        backoff: Backoff,
    ) -> Self {
        Store {
            client: client.into(),
            table: table.into(),
            concurrency: concurrency.max(1),
            backoff,
        }
    }

    async fn get_chunk(&self, keys: Vec<String>) -> Vec<(String, StoredSequence)> {
        let mut results = Vec::with_capacity(keys.len());
        let mut pending: Vec<Item> = keys
            .iter()
            .map(|key| HashMap::from([(KEY_ATTRIBUTE.to_string(), AttributeValue::S(key.clone()))]))
            .collect();
        let mut found: HashMap<String, String> = HashMap::new();
        let mut attempt = 0;
        let failure = loop {
            let keys_sent = std::mem::take(&mut pending);
            let request = KeysAndAttributes::builder()
                .set_keys(Some(keys_sent.clone()))
                .consistent_read(true)
                .projection_expression("#k, #s")
                .expression_attribute_names("#k", KEY_ATTRIBUTE)
                .expression_attribute_names("#s", SEQUENCE_ATTRIBUTE)
                .build();
            let request = match request {
                Ok(request) => request,
                Err(error) => {
                    pending = keys_sent;
                    break Some(FailureReason::Request(error.to_string()));
                }
            };
            match self
                .client
                .get()
                .await
                .batch_get_item()
                .request_items(&self.table, request)
                .send()
                .await
            {
                Ok(output) => {
                    for item in output
                        .responses()
                        .and_then(|r| r.get(&self.table))
                        .into_iter()
                        .flatten()
                    {
                        // An item without our sequence attribute was written by something else:
                        // treated as absent, so the record replaces it.
                        if let (Some(Ok(key)), Some(Ok(seq))) = (
                            item.get(KEY_ATTRIBUTE).map(AttributeValue::as_s),
                            item.get(SEQUENCE_ATTRIBUTE).map(AttributeValue::as_s),
                        ) {
                            found.insert(key.clone(), seq.clone());
                        }
                    }
                    pending = output
                        .unprocessed_keys()
                        .and_then(|u| u.get(&self.table))
                        .map(|k| k.keys().to_vec())
                        .unwrap_or_default();
                    if pending.is_empty() {
                        break None;
                    }
                    attempt += 1;
                    if attempt >= self.backoff.attempts {
                        break Some(FailureReason::UnprocessedKeys);
                    }
                    self.backoff.sleep(attempt - 1).await;
                }
                Err(error) => {
                    pending = keys_sent;
                    break Some(FailureReason::of_sdk(&error));
                }
            }
        };
        let unresolved: Vec<String> = pending
            .iter()
            .filter_map(|key| key.get(KEY_ATTRIBUTE).and_then(|v| v.as_s().ok()).cloned())
            .collect();
        for key in keys {
            let result = match &failure {
                Some(reason) if unresolved.contains(&key) => Err(reason.clone()),
                _ => Ok(found.get(&key).cloned()),
            };
            results.push((key, result));
        }
        results
    }

    async fn write_chunk(&self, chunk: Vec<Candidate<Item>>) -> Vec<(usize, WriteOutcome)> {
        let mut outcomes = Vec::with_capacity(chunk.len());
        let mut pending = chunk;
        let mut attempt = 0;
        while !pending.is_empty() {
            let mut requests = Vec::with_capacity(pending.len());
            for candidate in &pending {
                match PutRequest::builder().set_item(Some(candidate.payload.clone())).build() {
                    Ok(put) => requests.push(WriteRequest::builder().put_request(put).build()),
                    Err(error) => {
                        // Only a missing item fails the builder; not reachable, still no panic.
                        return fail_all(outcomes, pending, FailureReason::Request(error.to_string()));
                    }
                }
            }
            let result = self
                .client
                .get()
                .await
                .batch_write_item()
                .request_items(&self.table, requests)
                .send()
                .await;
            match result {
                Ok(output) => {
                    let unprocessed: Vec<String> = output
                        .unprocessed_items()
                        .and_then(|u| u.get(&self.table))
                        .into_iter()
                        .flatten()
                        .filter_map(|request| request.put_request())
                        .filter_map(|put| put.item().get(KEY_ATTRIBUTE)?.as_s().ok().cloned())
                        .collect();
                    let (retry, done): (Vec<_>, Vec<_>) =
                        pending.into_iter().partition(|c| unprocessed.contains(&c.key));
                    outcomes.extend(done.into_iter().map(|c| (c.index, WriteOutcome::Written)));
                    pending = retry;
                    if pending.is_empty() {
                        break;
                    }
                    attempt += 1;
                    if attempt >= self.backoff.attempts {
                        return fail_all(outcomes, pending, FailureReason::UnprocessedItems);
                    }
                    self.backoff.sleep(attempt - 1).await;
                }
                Err(error) if classify(error.code()) == ErrorClass::Validation => {
                    // One item spoils the whole call: isolate it, so it never fails its neighbours.
                    let singles = fan_out(pending, self.concurrency, |candidate| async move {
                        [self.put_one(candidate).await]
                    })
                    .await;
                    outcomes.extend(singles);
                    break;
                }
                Err(error) => return fail_all(outcomes, pending, FailureReason::of_sdk(&error)),
            }
        }
        outcomes
    }

    /// One conditional write: only onto nothing or an older version.
    async fn put_one(&self, candidate: Candidate<Item>) -> (usize, WriteOutcome) {
        let result = self
            .client
            .get()
            .await
            .put_item()
            .table_name(&self.table)
            .set_item(Some(candidate.payload))
            .condition_expression("attribute_not_exists(#k) OR #s < :s")
            .expression_attribute_names("#k", KEY_ATTRIBUTE)
            .expression_attribute_names("#s", SEQUENCE_ATTRIBUTE)
            .expression_attribute_values(":s", AttributeValue::S(candidate.ordered_sequence))
            .send()
            .await;
        let outcome = match result {
            Ok(_) => WriteOutcome::Written,
            Err(error) => match classify(error.code()) {
                ErrorClass::ConditionFailed => WriteOutcome::Stale,
                ErrorClass::Validation => WriteOutcome::Poison(Poison::RejectedByDynamoDb(
                    error.message().unwrap_or("ValidationException").to_string(),
                )),
                ErrorClass::Transient => WriteOutcome::Failed(FailureReason::of_sdk(&error)),
            },
        };
        (candidate.index, outcome)
    }
}

impl ItemStore for Store {
    async fn stored_sequences(&self, keys: Vec<String>) -> HashMap<String, StoredSequence> {
        fan_out(chunks(keys, GET_CHUNK), self.concurrency, |chunk| self.get_chunk(chunk))
            .await
            .into_iter()
            .collect()
    }

    async fn write(&self, candidates: Vec<Candidate<Item>>) -> Vec<(usize, WriteOutcome)> {
        fan_out(chunks(candidates, WRITE_CHUNK), self.concurrency, |chunk| {
            self.write_chunk(chunk)
        })
        .await
    }
}

/// Every candidate still pending fails with `reason`, after the outcomes already known.
fn fail_all(
    mut outcomes: Vec<(usize, WriteOutcome)>,
    pending: Vec<Candidate<Item>>,
    reason: FailureReason,
) -> Vec<(usize, WriteOutcome)> {
    outcomes.extend(
        pending
            .into_iter()
            .map(|c| (c.index, WriteOutcome::Failed(reason.clone()))),
    );
    outcomes
}
