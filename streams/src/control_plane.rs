//! The proxy's control-plane reads, cached: Kinesis allows DescribeStream 10, ListStreams 5 and
//! ListTagsForStream 5 calls per second per account, shared with every other workload in it, so a
//! burst of `GET /streams/{name}` must not become a burst of calls. Within one function instance:
//!
//! - ListStreams and DescribeStream answers are reused for [`LISTING_TTL`] / [`DESCRIPTION_TTL`]
//!   (a few seconds: a stream's status or shards may be that old in an answer);
//! - whether a proxy stream is this stack's (its tags) for [`OWNERSHIP_TTL`]: tags are set at
//!   creation, and only a delete and a new create under the same name changes the answer;
//! - concurrent misses of one key make one call;
//! - the proxy's own create and delete forget what they change.
//!
//! Across instances nothing is shared: API Gateway's throttling of these routes
//! (`ProxyControlPlaneRateLimit`) bounds how many instances a burst can start.

use std::time::Duration;

use crate::bounds::OwnedStream;
use crate::guard::StreamPolicy;
use crate::kinesis::{KinesisError, StreamApi, StreamDescription, StreamListing};
use crate::ownership::is_owned;
use crate::ttl_cache::TtlCache;

/// How long a ListStreams answer is reused.
pub const LISTING_TTL: Duration = Duration::from_secs(2);
/// How long a DescribeStream answer is reused.
pub const DESCRIPTION_TTL: Duration = Duration::from_secs(2);
/// How long a stream's ownership is reused.
pub const OWNERSHIP_TTL: Duration = Duration::from_secs(60);

/// The cached reads of one function instance.
#[derive(Debug)]
pub struct ControlPlane {
    stack_id: String,
    listing: TtlCache<(), StreamListing>,
    descriptions: TtlCache<String, StreamDescription>,
    owners: TtlCache<String, bool>,
}

impl ControlPlane {
    /// The reads of the stack `stack_id`, cached for the documented times.
    pub fn new(stack_id: &str) -> Self {
        ControlPlane::with_ttls(stack_id, LISTING_TTL, DESCRIPTION_TTL, OWNERSHIP_TTL)
    }

    /// The same with other times (zero: no caching).
    pub fn with_ttls(stack_id: &str, listing: Duration, description: Duration, ownership: Duration) -> Self {
        ControlPlane {
            stack_id: stack_id.to_string(),
            listing: TtlCache::new(listing),
            descriptions: TtlCache::new(description),
            owners: TtlCache::new(ownership),
        }
    }

    /// The stack id whose tag marks its streams.
    pub fn stack_id(&self) -> &str {
        &self.stack_id
    }

    /// Every stream of the account (ListStreams, all pages).
    pub async fn list<A: StreamApi>(&self, api: &A) -> Result<StreamListing, KinesisError> {
        self.listing.get_or_fetch(&(), || api.list_streams()).await
    }

    /// The stream's description.
    pub async fn describe<A: StreamApi>(&self, api: &A, stream: &str) -> Result<StreamDescription, KinesisError> {
        self.descriptions
            .get_or_fetch(&stream.to_string(), || api.describe_stream(stream))
            .await
    }

    /// Whether the stream carries this stack's owner tag.
    pub async fn owned<A: StreamApi>(&self, api: &A, stream: &str) -> Result<bool, KinesisError> {
        self.owners
            .get_or_fetch(&stream.to_string(), || async {
                Ok(is_owned(&api.stream_tags(stream).await?, &self.stack_id))
            })
            .await
    }

    /// The proxy streams this stack owns now, for the creation bounds: a fresh listing (a stale one
    /// could miss a stream created a moment ago), each stream's ownership and open shards.
    pub async fn owned_streams<A: StreamApi>(
        &self,
        api: &A,
        policy: &StreamPolicy,
    ) -> Result<Vec<OwnedStream>, KinesisError> {
        self.listing.invalidate(&());
        let listing = self.list(api).await?;
        let mut owned = Vec::new();
        for name in listing.stream_names.iter().filter(|name| policy.is_proxy_stream(name)) {
            match self.owned(api, name).await {
                Ok(true) => {}
                // A cached "not ours" may be a foreign stream since deleted and created again by
                // this stack (through another instance): asked again, so the bounds never undercount.
                Ok(false) => {
                    self.owners.invalidate(&name.to_string());
                    match self.owned(api, name).await {
                        Ok(true) => {}
                        Ok(false) | Err(KinesisError::NotFound { .. }) => continue,
                        Err(error) => return Err(error),
                    }
                }
                Err(KinesisError::NotFound { .. }) => continue,
                Err(error) => return Err(error),
            }
            let description = match self.describe(api, name).await {
                Ok(description) => description,
                // Deleted since the listing, or (IAM says) not ours after all: it does not count.
                Err(KinesisError::NotFound { .. } | KinesisError::AccessDenied { .. }) => {
                    self.forget(name);
                    continue;
                }
                Err(error) => return Err(error),
            };
            // Kinesis lists a stream being deleted until it is gone: its shards no longer bill.
            if description.stream_status == "DELETING" {
                continue;
            }
            let open_shards = description
                .shards
                .iter()
                .filter(|shard| {
                    shard
                        .sequence_number_range
                        .as_ref()
                        .is_none_or(|range| range.ending_sequence_number.is_none())
                })
                .count();
            owned.push(OwnedStream {
                on_demand: description
                    .stream_mode_details
                    .as_ref()
                    .is_some_and(|mode| mode.stream_mode == "ON_DEMAND"),
                open_shards: u32::try_from(open_shards).unwrap_or(u32::MAX),
            });
        }
        Ok(owned)
    }

    /// Forgets what the proxy's own create or delete of `stream` changed.
    pub fn forget(&self, stream: &str) {
        self.listing.invalidate(&());
        self.descriptions.invalidate(&stream.to_string());
        self.owners.invalidate(&stream.to_string());
    }
}
