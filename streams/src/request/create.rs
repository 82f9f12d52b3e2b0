//! The body of CreateStream (`POST /streams/{streamName}`) → the new stream's [`Capacity`]: a shard
//! count within the configured [`ShardLimits`], or on-demand.

use serde::Deserialize;
use serde_json::value::RawValue;

use super::RequestError;
use super::body::{object, parse_body, present, required, string};
use crate::kinesis::Capacity;

/// Default and most shards of a stream created through the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardLimits {
    /// Shards when the request names none (`DEFAULT_SHARD_COUNT`).
    pub default: u32,
    /// Most shards a request may ask for (`MAX_SHARD_COUNT`, a cost guard).
    pub max: u32,
}

/// CreateStream's body; the mode either flat (`StreamMode`) or as Kinesis nests it
/// (`StreamModeDetails`), left raw so that its refusals name it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct CreateStreamBody<'a> {
    #[serde(borrow, default, deserialize_with = "present")]
    shard_count: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    stream_mode: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    stream_mode_details: Option<&'a RawValue>,
}

/// Kinesis's `StreamModeDetails`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct StreamModeDetailsBody<'a> {
    #[serde(borrow, default, deserialize_with = "present")]
    stream_mode: Option<&'a RawValue>,
}

/// The body of `POST /streams/{streamName}`: empty or `{}` (the default shard count),
/// `{"ShardCount": n}` (1 to the configured maximum), `{"StreamMode": "ON_DEMAND" | "PROVISIONED"}`
/// (also as Kinesis's `{"StreamModeDetails": {"StreamMode": ...}}`).
pub fn create_stream(body: &str, limits: ShardLimits) -> Result<Capacity, RequestError> {
    if body.trim().is_empty() {
        return Ok(Capacity::Provisioned(limits.default));
    }
    let body: CreateStreamBody<'_> = object(parse_body(body)?, "")?;
    let mode = match (body.stream_mode, body.stream_mode_details) {
        (Some(_), Some(_)) => {
            return Err(RequestError::Invalid(
                "body: both StreamMode and StreamModeDetails, send one of them".into(),
            ));
        }
        (Some(mode), None) => Some((mode, "StreamMode")),
        (None, Some(details)) => {
            let details: StreamModeDetailsBody<'_> = object(details, "StreamModeDetails")?;
            Some((
                required(details.stream_mode, "StreamModeDetails", "StreamMode")?,
                "StreamModeDetails.StreamMode",
            ))
        }
        (None, None) => None,
    };
    let on_demand = match mode {
        None => false,
        Some((raw, field)) => match string(raw, field)?.as_str() {
            "ON_DEMAND" => true,
            "PROVISIONED" => false,
            _ => {
                return Err(RequestError::Invalid(format!(
                    "{field}: must be ON_DEMAND or PROVISIONED"
                )));
            }
        },
    };
    match (body.shard_count, on_demand) {
        (Some(_), true) => Err(RequestError::Invalid(
            "ShardCount: not allowed with StreamMode ON_DEMAND (Kinesis scales its shards)".into(),
        )),
        (None, true) => Ok(Capacity::OnDemand),
        (None, false) => Ok(Capacity::Provisioned(limits.default)),
        (Some(raw), false) => {
            let range = || format!("ShardCount: must be a whole number from 1 to {}", limits.max);
            let count: u64 = serde_json::from_str(raw.get()).map_err(|_| RequestError::Invalid(range()))?;
            match u32::try_from(count) {
                Ok(count) if (1..=limits.max).contains(&count) => Ok(Capacity::Provisioned(count)),
                _ if count > u64::from(limits.max) => Err(RequestError::Invalid(format!(
                    "ShardCount: {count}, at most {} (MAX_SHARD_COUNT, a cost guard)",
                    limits.max
                ))),
                _ => Err(RequestError::Invalid(range())),
            }
        }
    }
}

#[cfg(test)]
mod tests;
