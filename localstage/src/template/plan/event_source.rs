//! The template's `AWS::Lambda::EventSourceMapping` as a [`MappingSpec`], with AWS's defaults and
//! ranges.

use serde_json::Value as Json;

use crate::template::intrinsics::Resolver;
use crate::template::properties::{MappingProperties, logical_of_get_att, logical_of_ref, one_of, properties, typed};
use crate::template::specs::MappingSpec;
use crate::template::{TemplateError, shape};

/// The event source mapping's settings, with AWS's defaults and ranges.
pub(super) fn mapping(template: &Json, resolver: &Resolver) -> Result<MappingSpec, TemplateError> {
    let (logical_id, resource) = one_of(template, "AWS::Lambda::EventSourceMapping")?;
    let m: MappingProperties = typed(logical_id, properties(resource))?;
    let int = |value: &Option<Json>, key: &str, default: i64| -> Result<i64, TemplateError> {
        value.as_ref().map_or(Ok(default), |v| resolver.integer(v, key))
    };
    Ok(MappingSpec {
        function: logical_of_ref(&m.function_name)
            .ok_or_else(|| shape("EventSourceMapping.FunctionName must be !Ref Function"))?,
        stream: logical_of_get_att(&m.event_source_arn)
            .ok_or_else(|| shape("EventSourceMapping.EventSourceArn must be !GetAtt Stream.Arn"))?,
        starting_position: m
            .starting_position
            .map(|v| resolver.string(&v))
            .transpose()?
            .unwrap_or_else(|| "TRIM_HORIZON".into()),
        batch_size: int(&m.batch_size, "BatchSize", 100)?.clamp(1, 10_000) as usize,
        batching_window_seconds: int(
            &m.maximum_batching_window_in_seconds,
            "MaximumBatchingWindowInSeconds",
            0,
        )?
        .clamp(0, 300) as u64,
        parallelization_factor: int(&m.parallelization_factor, "ParallelizationFactor", 1)?.clamp(1, 10) as u64,
        maximum_retry_attempts: int(&m.maximum_retry_attempts, "MaximumRetryAttempts", -1)?,
        maximum_record_age_seconds: int(&m.maximum_record_age_in_seconds, "MaximumRecordAgeInSeconds", -1)?,
        bisect_on_error: m
            .bisect_batch_on_function_error
            .map(|v| resolver.string(&v))
            .transpose()?
            .is_some_and(|v| v == "true"),
        report_batch_item_failures: m.function_response_types.iter().any(|t| t == "ReportBatchItemFailures"),
        on_failure_queue: m
            .destination_config
            .and_then(|d| d.on_failure)
            .and_then(|f| logical_of_get_att(&f.destination)),
    })
}
