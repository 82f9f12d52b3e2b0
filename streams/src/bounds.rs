//! What one stack may create through the proxy, decided without I/O: how many proxy streams it owns
//! at once, how many open provisioned shards across them, and whether on-demand streams at all.
//! Shards bill by the hour and the account's shard and on-demand stream quotas are shared with every
//! other workload in the account, so one client must not be able to spend them.
//!
//! The check reads the stack's streams just before the create: two creates at the same moment (from
//! two function instances) can both pass it. API Gateway's throttling of the management routes
//! (`ProxyControlPlaneRateLimit`) keeps that window narrow; the bound is a guard, not a lock.

use crate::kinesis::Capacity;

/// Template parameter of the stream count bound.
pub const MAX_COUNT_PARAMETER: &str = "ProxyStreamMaxCount";
/// Template parameter of the shard budget.
pub const SHARD_BUDGET_PARAMETER: &str = "ProxyShardBudget";
/// Template parameter that allows on-demand streams.
pub const ON_DEMAND_PARAMETER: &str = "ProxyOnDemand";

/// The bounds, from the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProxyBounds {
    /// Most proxy streams the stack owns at once (`PROXY_STREAM_MAX_COUNT`).
    pub max_streams: u32,
    /// Most open shards across its provisioned proxy streams (`PROXY_SHARD_BUDGET`).
    pub shard_budget: u32,
    /// Whether on-demand streams may be created (`PROXY_ON_DEMAND`).
    pub on_demand: bool,
}

/// One proxy stream the stack owns, as far as the bounds care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OwnedStream {
    /// Whether it is an on-demand stream (its shards scale by themselves and bill by the GB).
    pub on_demand: bool,
    /// Its open shards (a closed parent shard after a reshard no longer bills).
    pub open_shards: u32,
}

/// A create the bounds refuse (409 `LimitExceededException`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OverBound {
    /// On-demand streams are not allowed.
    #[error(
        "on-demand streams cannot be created through this API (template parameter {ON_DEMAND_PARAMETER}=false): \
         ask for a ShardCount instead"
    )]
    OnDemandOff,
    /// The stack owns as many proxy streams as it may.
    #[error(
        "this stack already has {owned} proxy streams, the most it may have ({MAX_COUNT_PARAMETER}={max}): \
         delete one first"
    )]
    StreamCount {
        /// Streams owned now.
        owned: u32,
        /// The bound.
        max: u32,
    },
    /// The new stream's shards would take the stack over its shard budget.
    #[error(
        "{asked} more shards would take this stack's proxy streams to {total} open shards, over its budget \
         ({SHARD_BUDGET_PARAMETER}={budget})"
    )]
    ShardBudget {
        /// Shards asked for.
        asked: u32,
        /// Open shards with them.
        total: u64,
        /// The budget.
        budget: u32,
    },
}

impl ProxyBounds {
    /// Whether a stream of `capacity` may be created beside the `owned` ones.
    pub fn check_create(&self, owned: &[OwnedStream], capacity: Capacity) -> Result<(), OverBound> {
        if capacity == Capacity::OnDemand && !self.on_demand {
            return Err(OverBound::OnDemandOff);
        }
        let count = u32::try_from(owned.len()).unwrap_or(u32::MAX);
        if count >= self.max_streams {
            return Err(OverBound::StreamCount {
                owned: count,
                max: self.max_streams,
            });
        }
        if let Capacity::Provisioned(asked) = capacity {
            let in_use: u64 = owned
                .iter()
                .filter(|stream| !stream.on_demand)
                .map(|stream| u64::from(stream.open_shards))
                .sum();
            let total = in_use + u64::from(asked);
            if total > u64::from(self.shard_budget) {
                return Err(OverBound::ShardBudget {
                    asked,
                    total,
                    budget: self.shard_budget,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOUNDS: ProxyBounds = ProxyBounds {
        max_streams: 3,
        shard_budget: 8,
        on_demand: false,
    };

    fn provisioned(open_shards: u32) -> OwnedStream {
        OwnedStream {
            on_demand: false,
            open_shards,
        }
    }

    #[test]
    fn the_stream_count_is_bounded() {
        let two = [provisioned(1), provisioned(1)];
        assert_eq!(BOUNDS.check_create(&two, Capacity::Provisioned(1)), Ok(()));
        let three = [provisioned(1), provisioned(1), provisioned(1)];
        let over = BOUNDS.check_create(&three, Capacity::Provisioned(1)).unwrap_err();
        assert_eq!(over, OverBound::StreamCount { owned: 3, max: 3 });
        assert!(over.to_string().contains("ProxyStreamMaxCount=3"), "{over}");
    }

    #[test]
    fn open_provisioned_shards_are_budgeted() {
        let owned = [provisioned(4), provisioned(2)];
        assert_eq!(
            BOUNDS.check_create(&owned, Capacity::Provisioned(2)),
            Ok(()),
            "exactly the budget"
        );
        let over = BOUNDS.check_create(&owned, Capacity::Provisioned(3)).unwrap_err();
        assert_eq!(
            over,
            OverBound::ShardBudget {
                asked: 3,
                total: 9,
                budget: 8
            }
        );
        assert!(over.to_string().contains("ProxyShardBudget=8"), "{over}");
        // An on-demand stream's shards scale by themselves: they count as a stream, not a budget.
        let with_on_demand = [
            OwnedStream {
                on_demand: true,
                open_shards: 40,
            },
            provisioned(1),
        ];
        assert_eq!(BOUNDS.check_create(&with_on_demand, Capacity::Provisioned(7)), Ok(()));
    }

    #[test]
    fn on_demand_only_when_allowed() {
        let over = BOUNDS.check_create(&[], Capacity::OnDemand).unwrap_err();
        assert_eq!(over, OverBound::OnDemandOff);
        assert!(over.to_string().contains("ProxyOnDemand=false"), "{over}");
        let allowed = ProxyBounds {
            on_demand: true,
            ..BOUNDS
        };
        assert_eq!(allowed.check_create(&[], Capacity::OnDemand), Ok(()));
        let full = [provisioned(1), provisioned(1), provisioned(1)];
        assert!(matches!(
            allowed.check_create(&full, Capacity::OnDemand),
            Err(OverBound::StreamCount { .. })
        ));
    }
}
