//! `--parameter-overrides`, checked as CloudFormation checks them at deploy: the parameter exists,
//! and the value meets its `Type`, `MinValue`/`MaxValue`, `MinLength`/`MaxLength`, `AllowedValues`
//! and `AllowedPattern`. A value AWS would refuse is refused here too, with the constraint named,
//! instead of running a stage that no deploy could produce.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value as Json;

use super::{TemplateError, scalar_text};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::yaml::parse;

    fn template() -> Json {
        parse(
            "Parameters:\n\
             \x20 Batch: {Type: Number, Default: 100, MinValue: 1, MaxValue: 10000}\n\
             \x20 Age: {Type: String, Default: '-1', AllowedPattern: '-1|[6-9][0-9]|[1-9][0-9]{2,5}'}\n\
             \x20 Arch: {Type: String, Default: arm64, AllowedValues: [arm64, x86_64]}\n\
             \x20 Days: {Type: Number, Default: 30, AllowedValues: [1, 3, 30]}\n\
             \x20 User: {Type: String, Default: u, MinLength: 1, MaxLength: 3}\n",
        )
        .unwrap()
    }

    fn check(name: &str, value: &str) -> Result<Json, String> {
        let mut t = template();
        let overrides = BTreeMap::from([(name.to_string(), value.to_string())]);
        apply_overrides(&mut t, &overrides)
            .map(|()| t["Parameters"][name]["Default"].clone())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn accepted_values_become_the_parameter_value() {
        assert_eq!(check("Batch", "10000").unwrap(), "10000");
        assert_eq!(check("Age", "60").unwrap(), "60");
        assert_eq!(check("Age", "-1").unwrap(), "-1");
        assert_eq!(check("Arch", "x86_64").unwrap(), "x86_64");
        assert_eq!(check("Days", "3").unwrap(), "3");
        assert_eq!(check("User", "abc").unwrap(), "abc");
    }

    #[test]
    fn refused_values_name_the_constraint() {
        for (name, value, needle) in [
            ("Batch", "0", "below MinValue 1"),
            ("Batch", "10001", "above MaxValue 10000"),
            ("Batch", "many", "not a number"),
            ("Age", "59", "AllowedPattern"),
            ("Age", "0", "AllowedPattern"),
            ("Arch", "sparc", "AllowedValues"),
            ("Days", "2", "AllowedValues"),
            ("User", "", "MinLength"),
            ("User", "abcd", "MaxLength"),
            ("Nope", "1", "no such parameter"),
        ] {
            let error = check(name, value).expect_err(value);
            assert!(error.contains(needle), "{name}={value}: {error}");
            assert!(error.starts_with(&format!("parameter {name}:")), "{error}");
        }
    }
}
