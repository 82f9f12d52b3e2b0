//! `--parameter-overrides`, checked as CloudFormation checks them at deploy: the parameter exists,
//! and the value meets its `Type`, `MinValue`/`MaxValue`, `MinLength`/`MaxLength`, `AllowedValues`
//! and `AllowedPattern`; then the template's `Rules` ([`check_rules`]), which judge the values
//! together. A value AWS would refuse is refused here too, with the constraint named, instead of
//! running a stage that no deploy could produce.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use serde_json::Value as Json;

use super::{Resolver, TemplateError, scalar_text};

/// A parameter's declared constraints (the template's `Parameters` entry).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Declaration {
    #[serde(rename = "Type")]
    kind: Option<String>,
    min_value: Option<Json>,
    max_value: Option<Json>,
    min_length: Option<Json>,
    max_length: Option<Json>,
    allowed_values: Option<Vec<Json>>,
    allowed_pattern: Option<String>,
    constraint_description: Option<String>,
}

fn number(value: &Json) -> Option<f64> {
    scalar_text(value).trim().parse().ok()
}

/// Why `value` breaks the declaration, if it does.
fn violation(declaration: &Declaration, value: &str) -> Option<String> {
    let is_number = declaration.kind.as_deref() == Some("Number");
    let parsed: Option<f64> = value.trim().parse().ok();
    if is_number && parsed.is_none() {
        return Some(format!("{value:?} is not a number"));
    }
    if is_number && let Some(v) = parsed {
        if let Some(min) = declaration.min_value.as_ref().and_then(number)
            && v < min
        {
            return Some(format!("{value} is below MinValue {min}"));
        }
        if let Some(max) = declaration.max_value.as_ref().and_then(number)
            && v > max
        {
            return Some(format!("{value} is above MaxValue {max}"));
        }
    }
    let length = value.chars().count() as f64;
    if let Some(min) = declaration.min_length.as_ref().and_then(number)
        && length < min
    {
        return Some(format!("{value:?} is shorter than MinLength {min}"));
    }
    if let Some(max) = declaration.max_length.as_ref().and_then(number)
        && length > max
    {
        return Some(format!("{value:?} is longer than MaxLength {max}"));
    }
    if let Some(allowed) = &declaration.allowed_values {
        let matches = |candidate: &Json| match (parsed, number(candidate)) {
            (Some(v), Some(c)) if is_number => v == c,
            _ => scalar_text(candidate) == value,
        };
        if !allowed.iter().any(matches) {
            let list: Vec<String> = allowed.iter().map(scalar_text).collect();
            return Some(format!("{value:?} is not one of AllowedValues [{}]", list.join(", ")));
        }
    }
    if let Some(pattern) = &declaration.allowed_pattern {
        // CloudFormation matches the whole value.
        let matched = regex::Regex::new(&format!("^(?:{pattern})$")).map(|re| re.is_match(value));
        match matched {
            Ok(true) => {}
            Ok(false) => return Some(format!("{value:?} does not match AllowedPattern {pattern}")),
            Err(e) => return Some(format!("the template's AllowedPattern {pattern} is not a regex: {e}")),
        }
    }
    None
}

/// Checks every override against its parameter and makes it the parameter's value (its `Default`,
/// which is what the resolver reads).
pub fn apply_overrides(template: &mut Json, overrides: &BTreeMap<String, String>) -> Result<(), TemplateError> {
    let refused = |name: &str, message: String| TemplateError::Parameter {
        name: name.to_string(),
        message,
    };
    let parameters = template.get_mut("Parameters").and_then(Json::as_object_mut);
    let Some(parameters) = parameters else {
        return match overrides.keys().next() {
            Some(name) => Err(refused(name, "the template declares no parameters".into())),
            None => Ok(()),
        };
    };
    for (name, value) in overrides {
        let parameter = parameters
            .get_mut(name)
            .ok_or_else(|| refused(name, "the template has no such parameter".into()))?;
        let declaration: Declaration = serde_json::from_value(parameter.clone()).unwrap_or_default();
        if let Some(message) = violation(&declaration, value) {
            let hint = declaration
                .constraint_description
                .map(|d| format!(" ({d})"))
                .unwrap_or_default();
            return Err(refused(name, format!("{message}{hint}")));
        }
        parameter["Default"] = Json::String(value.clone());
    }
    Ok(())
}

/// The template's `Rules`, as CloudFormation applies them before it changes a stack: every rule whose
/// `RuleCondition` holds (or that has none) must have all its `Assert`s hold. The first that does
/// not refuses the parameter values with its `AssertDescription`, naming the parameters the rule
/// reads.
pub fn check_rules(template: &Json, resolver: &Resolver) -> Result<(), TemplateError> {
    let Some(rules) = template.get("Rules").and_then(Json::as_object) else {
        return Ok(());
    };
    for (name, rule) in rules {
        if let Some(condition) = rule.get("RuleCondition")
            && !resolver.rule(condition)?
        {
            continue;
        }
        for assertion in rule.get("Assertions").and_then(Json::as_array).into_iter().flatten() {
            let expression = assertion.get("Assert").unwrap_or(&Json::Null);
            if resolver.rule(expression)? {
                continue;
            }
            let mut parameters = BTreeSet::new();
            for part in [rule.get("RuleCondition"), Some(expression)].into_iter().flatten() {
                referenced_parameters(part, resolver, &mut parameters);
            }
            let description = assertion
                .get("AssertDescription")
                .map(scalar_text)
                .unwrap_or_else(|| "an assertion does not hold".into());
            return Err(TemplateError::Parameter {
                name: parameters.into_iter().collect::<Vec<_>>().join(", "),
                message: format!("{description} (rule {name})"),
            });
        }
    }
    Ok(())
}

/// The parameters `expression` refers to with `Ref`.
fn referenced_parameters(expression: &Json, resolver: &Resolver, found: &mut BTreeSet<String>) {
    match expression {
        Json::Object(object) => {
            if let Some(Json::String(name)) = object.get("Ref")
                && resolver.parameters.contains_key(name)
            {
                found.insert(name.clone());
            }
            object.values().for_each(|v| referenced_parameters(v, resolver, found));
        }
        Json::Array(items) => items.iter().for_each(|v| referenced_parameters(v, resolver, found)),
        _ => {}
    }
}

#[cfg(test)]
mod tests;
