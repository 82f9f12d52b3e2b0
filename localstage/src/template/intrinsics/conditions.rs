//! The conditions side of the [`Resolver`]: condition expressions and rule assertions evaluated to
//! booleans, and the template decided by them (resources whose `Condition` is false removed, every
//! `Fn::If` replaced by its branch, `AWS::NoValue` dropped), as CloudFormation decides it at deploy.

use serde_json::{Map, Value as Json};

use super::{Resolver, scalar_text, single_key};
use crate::template::{TemplateError, shape};

impl Resolver {
    /// Evaluates a condition expression.
    pub fn condition(&self, expression: &Json) -> Result<bool, TemplateError> {
        self.boolean(expression, false)
    }

    /// Evaluates a rule's `RuleCondition` or `Assert`: the condition functions but `Condition`, and
    /// the rule-only `Fn::Contains`, `Fn::EachMemberEquals` and `Fn::EachMemberIn` over lists.
    pub fn rule(&self, expression: &Json) -> Result<bool, TemplateError> {
        self.boolean(expression, true)
    }

    fn boolean(&self, expression: &Json, rule: bool) -> Result<bool, TemplateError> {
        let Some((function, argument)) = single_key(expression) else {
            return Err(shape(format!("not a condition: {expression}")));
        };
        let arguments = || argument.as_array().cloned().unwrap_or_default();
        // The two arguments of a rule function: a list of strings, and a string or a list.
        let pair = || -> Result<(Vec<String>, Json), TemplateError> {
            let items = arguments();
            let [list, other] = items.as_slice() else {
                return Err(shape(format!("{function} takes two arguments")));
            };
            Ok((self.strings(list)?, self.resolve(other)?.unwrap_or(Json::Null)))
        };
        match function {
            "Condition" if !rule => {
                let name = argument.as_str().unwrap_or_default();
                self.conditions
                    .get(name)
                    .copied()
                    .ok_or_else(|| shape(format!("unknown condition {name}")))
            }
            "Fn::Equals" => {
                let items = arguments();
                if items.len() != 2 {
                    return Err(shape("Fn::Equals takes two values"));
                }
                let a = self.resolve(&items[0])?.map(|v| scalar_text(&v));
                let b = self.resolve(&items[1])?.map(|v| scalar_text(&v));
                Ok(a == b)
            }
            "Fn::Not" => Ok(!self.boolean(arguments().first().unwrap_or(&Json::Null), rule)?),
            "Fn::And" => arguments()
                .iter()
                .try_fold(true, |all, item| Ok(all && self.boolean(item, rule)?)),
            "Fn::Or" => arguments()
                .iter()
                .try_fold(false, |any, item| Ok(any || self.boolean(item, rule)?)),
            "Fn::Contains" if rule => {
                let (list, value) = pair()?;
                Ok(list.contains(&scalar_text(&value)))
            }
            "Fn::EachMemberEquals" if rule => {
                let (list, value) = pair()?;
                Ok(list.iter().all(|member| *member == scalar_text(&value)))
            }
            "Fn::EachMemberIn" if rule => {
                let (list, allowed) = pair()?;
                let allowed = self.strings(&allowed)?;
                Ok(list.iter().all(|member| allowed.contains(member)))
            }
            other if rule => Err(shape(format!("unsupported rule function {other}"))),
            other => Err(shape(format!("unsupported condition function {other}"))),
        }
    }

    /// The template as CloudFormation deploys it for these parameter values: resources (and outputs)
    /// whose `Condition` is false removed, every `Fn::If` replaced by its chosen branch and
    /// `AWS::NoValue` dropped; other intrinsics stay for [`Resolver::resolve`].
    pub fn decide_template(&self, mut template: Json) -> Result<Json, TemplateError> {
        for section in ["Resources", "Outputs"] {
            if let Some(Json::Object(entries)) = template.get_mut(section) {
                let mut kept = Map::new();
                for (name, entry) in std::mem::take(entries) {
                    let holds = match entry.get("Condition").and_then(Json::as_str) {
                        Some(condition) => self.holds(condition)?,
                        None => true,
                    };
                    if holds && let Some(entry) = self.decide(&entry)? {
                        kept.insert(name, entry);
                    }
                }
                *entries = kept;
            }
        }
        Ok(template)
    }

    /// Whether the named condition holds (an unknown name is an error).
    pub(super) fn holds(&self, condition: &str) -> Result<bool, TemplateError> {
        self.conditions
            .get(condition)
            .copied()
            .ok_or_else(|| shape(format!("unknown condition {condition}")))
    }

    /// `value` with `Fn::If` decided and `AWS::NoValue` dropped (`None` when `value` itself is it).
    pub fn decide(&self, value: &Json) -> Result<Option<Json>, TemplateError> {
        match single_key(value) {
            Some(("Ref", Json::String(name))) if name == "AWS::NoValue" => return Ok(None),
            Some(("Fn::If", Json::Array(items))) => {
                let [condition, yes, no] = items.as_slice() else {
                    return Err(shape("Fn::If takes [condition, then, else]"));
                };
                let holds = self.holds(condition.as_str().unwrap_or_default())?;
                return self.decide(if holds { yes } else { no });
            }
            _ => {}
        }
        Ok(Some(match value {
            Json::Object(object) => {
                let mut decided = Map::new();
                for (key, item) in object {
                    if let Some(item) = self.decide(item)? {
                        decided.insert(key.clone(), item);
                    }
                }
                Json::Object(decided)
            }
            Json::Array(items) => {
                let mut decided = Vec::new();
                for item in items {
                    if let Some(item) = self.decide(item)? {
                        decided.push(item);
                    }
                }
                Json::Array(decided)
            }
            other => other.clone(),
        }))
    }
}
