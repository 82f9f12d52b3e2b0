//! Intrinsic functions (`Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::If`, `Fn::Join`, `Fn::Split`,
//! `Fn::Select`, conditions, rule assertions), evaluated against parameter values, pseudo parameters
//! and the names of the local resources. Conditions and rule assertions, and the template decided
//! by them, are in [`conditions`].

mod conditions;

use std::collections::HashMap;

use serde_json::{Map, Value as Json, json};

use super::{TemplateError, shape};

/// Evaluates intrinsic functions for the local stage.
#[derive(Debug, Clone, Default)]
pub struct Resolver {
    /// Parameter values (the template's defaults, possibly overridden); list parameters
    /// (`CommaDelimitedList`, `List<...>`) as arrays of strings.
    pub parameters: HashMap<String, Json>,
    /// `Ref` of resources and pseudo parameters.
    pub refs: HashMap<String, String>,
    /// `Fn::GetAtt` values, keyed `Resource.Attribute`.
    pub attributes: HashMap<String, String>,
    /// Evaluated conditions.
    pub conditions: HashMap<String, bool>,
}

/// Stack name the local stage resolves `AWS::StackName` to.
pub const LOCAL_STACK: &str = "streamgate-local";
/// Stack id the local stage resolves `AWS::StackId` to (the shape CloudFormation gives).
pub const LOCAL_STACK_ID: &str =
    "arn:aws:cloudformation:us-east-1:123456789012:stack/streamgate-local/00000000-0000-4000-8000-000000000000";

impl Resolver {
    /// A resolver with the template's parameter defaults, the pseudo parameters and its conditions.
    pub fn new(template: &Json) -> Result<Resolver, TemplateError> {
        let mut resolver = Resolver::default();
        if let Some(parameters) = template.get("Parameters").and_then(Json::as_object) {
            for (name, parameter) in parameters {
                if let Some(default) = parameter.get("Default") {
                    let kind = parameter.get("Type").and_then(Json::as_str).unwrap_or_default();
                    resolver.parameters.insert(name.clone(), parameter_value(kind, default));
                }
            }
        }
        for (name, value) in [
            ("AWS::Region", motoserver::REGION),
            ("AWS::AccountId", motoserver::ACCOUNT_ID),
            ("AWS::StackName", LOCAL_STACK),
            ("AWS::StackId", LOCAL_STACK_ID),
            ("AWS::Partition", "aws"),
            ("AWS::URLSuffix", "amazonaws.com"),
        ] {
            resolver.refs.insert(name.to_string(), value.to_string());
        }
        if let Some(conditions) = template.get("Conditions").and_then(Json::as_object) {
            // Conditions may refer to each other: evaluate until nothing new resolves.
            let mut pending: Vec<(&String, &Json)> = conditions.iter().collect();
            while !pending.is_empty() {
                let before = pending.len();
                pending.retain(|(name, expression)| match resolver.condition(expression) {
                    Ok(value) => {
                        resolver.conditions.insert((*name).clone(), value);
                        false
                    }
                    Err(_) => true,
                });
                if pending.len() == before {
                    return Err(shape(format!("cannot evaluate condition {}", pending[0].0)));
                }
            }
        }
        Ok(resolver)
    }

    /// Resolves every intrinsic function in `value`. `None` is `AWS::NoValue`.
    pub fn resolve(&self, value: &Json) -> Result<Option<Json>, TemplateError> {
        if let Some((function, argument)) = single_key(value) {
            match function {
                "Ref" => {
                    let name = argument.as_str().unwrap_or_default();
                    if name == "AWS::NoValue" {
                        return Ok(None);
                    }
                    if let Some(parameter) = self.parameters.get(name) {
                        return Ok(Some(parameter.clone()));
                    }
                    return self
                        .refs
                        .get(name)
                        .map(|v| Some(Json::String(v.clone())))
                        .ok_or_else(|| shape(format!("the local stage has no value for !Ref {name}")));
                }
                "Fn::GetAtt" => {
                    let parts: Vec<&str> = argument
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Json::as_str)
                        .collect();
                    let key = parts.join(".");
                    return self
                        .attributes
                        .get(&key)
                        .map(|v| Some(Json::String(v.clone())))
                        .ok_or_else(|| shape(format!("the local stage has no value for !GetAtt {key}")));
                }
                "Fn::Sub" => {
                    let (text, variables) = match argument {
                        Json::String(text) => (text.as_str(), Map::new()),
                        Json::Array(items) => (
                            items.first().and_then(Json::as_str).unwrap_or_default(),
                            items.get(1).and_then(Json::as_object).cloned().unwrap_or_default(),
                        ),
                        _ => return Err(shape("Fn::Sub takes a string or [string, variables]")),
                    };
                    return Ok(Some(Json::String(self.substitute(text, &variables)?)));
                }
                "Fn::If" => {
                    let items = argument.as_array().cloned().unwrap_or_default();
                    if items.len() != 3 {
                        return Err(shape("Fn::If takes [condition, then, else]"));
                    }
                    let holds = self.holds(items[0].as_str().unwrap_or_default())?;
                    return self.resolve(&items[if holds { 1 } else { 2 }]);
                }
                "Fn::Split" => {
                    let items = argument.as_array().cloned().unwrap_or_default();
                    let [delimiter, source] = items.as_slice() else {
                        return Err(shape("Fn::Split takes [delimiter, string]"));
                    };
                    let delimiter = delimiter.as_str().unwrap_or_default();
                    if delimiter.is_empty() {
                        return Err(shape("Fn::Split needs a delimiter"));
                    }
                    let parts = self
                        .string(source)?
                        .split(delimiter)
                        .map(|p| Json::String(p.into()))
                        .collect();
                    return Ok(Some(Json::Array(parts)));
                }
                "Fn::Select" => {
                    let items = argument.as_array().cloned().unwrap_or_default();
                    let [index, list] = items.as_slice() else {
                        return Err(shape("Fn::Select takes [index, list]"));
                    };
                    let index = self.integer(index, "Fn::Select index")?;
                    let list = self.strings(list)?;
                    return usize::try_from(index)
                        .ok()
                        .and_then(|i| list.get(i))
                        .map(|item| Some(Json::String(item.clone())))
                        .ok_or_else(|| shape(format!("Fn::Select: no item {index} in {list:?}")));
                }
                "Fn::Join" => {
                    let items = argument.as_array().cloned().unwrap_or_default();
                    let separator = items.first().and_then(Json::as_str).unwrap_or_default();
                    let list = match items.get(1).map(|list| self.resolve(list)).transpose()?.flatten() {
                        Some(Json::Array(list)) => list,
                        _ => Vec::new(),
                    };
                    let parts: Vec<String> = list.iter().map(scalar_text).collect();
                    return Ok(Some(Json::String(parts.join(separator))));
                }
                _ if function.starts_with("Fn::") => {
                    return Err(shape(format!("the local stage does not evaluate {function}")));
                }
                _ => {}
            }
        }
        Ok(Some(match value {
            Json::Object(object) => {
                let mut resolved = Map::new();
                for (key, item) in object {
                    if let Some(item) = self.resolve(item)? {
                        resolved.insert(key.clone(), item);
                    }
                }
                Json::Object(resolved)
            }
            Json::Array(items) => {
                let mut resolved = Vec::new();
                for item in items {
                    if let Some(item) = self.resolve(item)? {
                        resolved.push(item);
                    }
                }
                Json::Array(resolved)
            }
            other => other.clone(),
        }))
    }

    fn substitute(&self, text: &str, variables: &Map<String, Json>) -> Result<String, TemplateError> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find('}')
                .ok_or_else(|| shape(format!("unclosed ${{ in Fn::Sub {text:?}")))?;
            let name = &after[..end];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else if let Some(value) = variables.get(name) {
                let value = self.resolve(value)?.unwrap_or(Json::Null);
                out.push_str(&scalar_text(&value));
            } else if let Some((resource, attribute)) = name.split_once('.')
                && !name.starts_with("AWS::")
            {
                let value = self.resolve(&json!({"Fn::GetAtt": [resource, attribute]}))?;
                out.push_str(&scalar_text(&value.unwrap_or(Json::Null)));
            } else {
                let value = self.resolve(&json!({ "Ref": name }))?;
                out.push_str(&scalar_text(&value.unwrap_or(Json::Null)));
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// Resolves to a string (numbers as written).
    pub fn string(&self, value: &Json) -> Result<String, TemplateError> {
        Ok(scalar_text(&self.resolve(value)?.unwrap_or(Json::Null)))
    }

    /// Resolves to a list of strings (a list parameter, `Fn::Split`, or a literal list).
    pub fn strings(&self, value: &Json) -> Result<Vec<String>, TemplateError> {
        match self.resolve(value)? {
            Some(Json::Array(items)) => Ok(items.iter().map(scalar_text).collect()),
            other => Err(shape(format!("expected a list, got {}", other.unwrap_or(Json::Null)))),
        }
    }

    /// Resolves to an integer (CloudFormation numbers may be strings).
    pub fn integer(&self, value: &Json, what: &str) -> Result<i64, TemplateError> {
        let text = self.string(value)?;
        text.trim()
            .parse()
            .map_err(|_| shape(format!("{what}: expected a whole number, got {text:?}")))
    }
}

/// A parameter's value as `Ref` gives it: list types as arrays of their comma-separated members,
/// each trimmed (CloudFormation's `CommaDelimitedList`; an empty value is one empty member).
fn parameter_value(kind: &str, value: &Json) -> Json {
    if kind == "CommaDelimitedList" || kind.starts_with("List<") {
        let text = scalar_text(value);
        return Json::Array(
            text.split(',')
                .map(|member| Json::String(member.trim().into()))
                .collect(),
        );
    }
    value.clone()
}

fn single_key(value: &Json) -> Option<(&str, &Json)> {
    let object = value.as_object()?;
    if object.len() != 1 {
        return None;
    }
    object.iter().next().map(|(key, value)| (key.as_str(), value))
}

/// A scalar as CloudFormation turns it into a string.
pub fn scalar_text(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        Json::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests;
