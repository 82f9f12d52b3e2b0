//! CloudFormation YAML to long-form JSON: `!Ref X` becomes `{"Ref": "X"}`, `!GetAtt R.Arn` becomes
//! `{"Fn::GetAtt": ["R", "Arn"]}`, every other `!Tag` becomes `{"Fn::Tag": ...}`.

use serde_json::{Map, Value as Json, json};

use super::{TemplateError, shape};

/// Parses template text into long-form JSON.
pub fn parse(text: &str) -> Result<Json, TemplateError> {
    let yaml: serde_norway::Value = serde_norway::from_str(text)?;
    to_json(yaml)
}

fn to_json(value: serde_norway::Value) -> Result<Json, TemplateError> {
    use serde_norway::Value as Y;
    Ok(match value {
        Y::Null => Json::Null,
        Y::Bool(b) => Json::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                json!(i)
            } else if let Some(u) = n.as_u64() {
                json!(u)
            } else {
                json!(n.as_f64())
            }
        }
        Y::String(s) => Json::String(s),
        Y::Sequence(items) => Json::Array(items.into_iter().map(to_json).collect::<Result<_, _>>()?),
        Y::Mapping(mapping) => {
            let mut object = Map::new();
            for (key, value) in mapping {
                let key = match key {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    other => return Err(shape(format!("unsupported mapping key {other:?}"))),
                };
                object.insert(key, to_json(value)?);
            }
            Json::Object(object)
        }
        Y::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let name = tag.trim_start_matches('!');
            let inner = to_json(tagged.value)?;
            match name {
                "Ref" => json!({ "Ref": inner }),
                "Condition" => json!({ "Condition": inner }),
                "GetAtt" => match inner {
                    Json::String(s) => {
                        let (resource, attribute) = s
                            .split_once('.')
                            .ok_or_else(|| shape(format!("!GetAtt {s}: expected Resource.Attribute")))?;
                        json!({ "Fn::GetAtt": [resource, attribute] })
                    }
                    other => json!({ "Fn::GetAtt": other }),
                },
                other => json!({ format!("Fn::{other}"): inner }),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_form_tags_become_long_form() {
        let t = parse("A: !Ref X\nB: !GetAtt R.Arn\nC: !Sub 'x-${Y}'\nD: !If [c, 1, !Ref AWS::NoValue]\n").unwrap();
        assert_eq!(t["A"], json!({"Ref": "X"}));
        assert_eq!(t["B"], json!({"Fn::GetAtt": ["R", "Arn"]}));
        assert_eq!(t["C"], json!({"Fn::Sub": "x-${Y}"}));
        assert_eq!(t["D"], json!({"Fn::If": ["c", 1, {"Ref": "AWS::NoValue"}]}));
    }
}
