//! The secret's rotation: which function Secrets Manager may invoke and on what schedule, from the
//! template's `AWS::Lambda::Permission` and `AWS::SecretsManager::RotationSchedule`.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::template::intrinsics::Resolver;
use crate::template::properties::{
    PermissionProperties, RotationScheduleProperties, logical_of_get_att, logical_of_ref, properties, resources_of,
    typed,
};
use crate::template::specs::{FunctionSpec, RotationSpec};
use crate::template::{TemplateError, shape};

/// Secrets Manager's service principal, as a Lambda permission names it.
const SECRETS_MANAGER: &str = "secretsmanager.amazonaws.com";

/// The secret's rotation: the function Secrets Manager may invoke (`AWS::Lambda::Permission`) and the
/// `AWS::SecretsManager::RotationSchedule`, if these parameters keep one. Neither is enforced or
/// scheduled here: the invoke API serves any caller, and a rotation runs when asked.
pub(super) fn rotation(
    template: &Json,
    resolver: &Resolver,
    functions: &BTreeMap<String, FunctionSpec>,
    not_emulated: &mut Vec<String>,
) -> Result<Option<RotationSpec>, TemplateError> {
    let function_of = |value: &Json| logical_of_ref(value).or_else(|| logical_of_get_att(value));
    // (function, secret) of each permission for Secrets Manager.
    let mut invokable = Vec::new();
    let permissions = resources_of(template, "AWS::Lambda::Permission");
    for (logical_id, resource) in &permissions {
        let declared: PermissionProperties = typed(logical_id, properties(resource))?;
        if resolver.string(&declared.principal)? != SECRETS_MANAGER {
            continue;
        }
        let function = function_of(&declared.function_name).ok_or_else(|| {
            shape(format!(
                "{logical_id}.FunctionName must be !Ref Function or !GetAtt Function.Arn"
            ))
        })?;
        invokable.push((function, declared.source_arn.as_ref().and_then(logical_of_ref)));
    }
    if !permissions.is_empty() {
        not_emulated.push("Lambda permissions (AWS::Lambda::Permission: the invoke API serves any caller)".into());
    }
    let schedules = resources_of(template, "AWS::SecretsManager::RotationSchedule");
    let (function, secret, automatically_after_days) = match schedules.as_slice() {
        [] => match invokable.as_slice() {
            [] => return Ok(None),
            [(function, secret)] => (function.clone(), secret.clone(), None),
            _ => {
                return Err(shape(
                    "more than one function that Secrets Manager may invoke; the local stage rotates with one",
                ));
            }
        },
        [(logical_id, resource)] => {
            let declared: RotationScheduleProperties = typed(logical_id, properties(resource))?;
            if declared.hosted_rotation_lambda.is_some() {
                return Err(shape(format!(
                    "{logical_id}.HostedRotationLambda: the local stage runs the template's own functions only"
                )));
            }
            let function = declared
                .rotation_lambda_arn
                .as_ref()
                .and_then(function_of)
                .ok_or_else(|| shape(format!("{logical_id}.RotationLambdaARN must be !GetAtt Function.Arn")))?;
            let rules = declared.rotation_rules.unwrap_or_default();
            let days = rules
                .automatically_after_days
                .as_ref()
                .map(|days| resolver.integer(days, &format!("{logical_id}.RotationRules.AutomaticallyAfterDays")))
                .transpose()?
                .map(|days| days.clamp(1, 1000) as u64);
            let every = match (days, &rules.schedule_expression) {
                (Some(days), _) => format!("every {days} days"),
                (None, Some(expression)) => resolver.string(expression)?,
                (None, None) => "on its schedule".into(),
            };
            not_emulated.push(format!(
                "{logical_id}: rotation {every} (nothing is scheduled here: `streamgate credentials rotate` runs {function})"
            ));
            let secret = logical_of_ref(&declared.secret_id).or_else(|| {
                invokable
                    .iter()
                    .find(|(invoked, _)| *invoked == function)
                    .and_then(|(_, secret)| secret.clone())
            });
            (function, secret, days)
        }
        many => {
            return Err(shape(format!(
                "{} AWS::SecretsManager::RotationSchedule resources; the local stage reads one",
                many.len()
            )));
        }
    };
    if !functions.contains_key(&function) {
        return Err(shape(format!(
            "the rotation function {function} is not an AWS::Serverless::Function of the template"
        )));
    }
    Ok(Some(RotationSpec {
        function,
        secret,
        automatically_after_days,
    }))
}
