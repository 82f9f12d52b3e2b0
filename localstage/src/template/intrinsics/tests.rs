//! Tests of the intrinsic functions and conditions, against the parameter values and local resources.

use super::*;
use crate::template::yaml::parse;

#[test]
fn resolver_evaluates_refs_subs_and_conditions() {
    let t = parse(
        "Parameters:\n  N: {Type: Number, Default: 0}\n  U: {Type: String, Default: bob}\n\
         Conditions:\n  Zero: !Equals [!Ref N, 0]\n  NotZero: !Not [!Condition Zero]\n",
    )
    .unwrap();
    let mut r = Resolver::new(&t).unwrap();
    assert!(r.conditions["Zero"]);
    assert!(!r.conditions["NotZero"]);
    r.attributes.insert("Q.Arn".into(), "arn:q".into());
    assert_eq!(
        r.string(&json!({"Fn::Sub": "${AWS::StackName}-${U}-${Q.Arn}-${!Literal}"}))
            .unwrap(),
        "streamgate-local-bob-arn:q-${Literal}"
    );
    assert_eq!(
        r.resolve(&json!({"Fn::If": ["Zero", {"Ref": "AWS::NoValue"}, 1]}))
            .unwrap(),
        None
    );
    assert_eq!(
        r.resolve(&json!({"a": {"Ref": "AWS::NoValue"}, "b": 1})).unwrap(),
        Some(json!({"b": 1}))
    );
    assert!(r.resolve(&json!({"Ref": "Missing"})).is_err());
}

#[test]
fn list_parameters_split_and_select() {
    let t = parse(
        "Parameters:\n  Ids: {Type: CommaDelimitedList, Default: 'a, b,c'}\n\
         \x20 None: {Type: CommaDelimitedList, Default: ''}\n  Url: {Type: String, Default: 'https://h.example:8082'}\n\
         Conditions:\n  HasIds: !Not [!Equals [!Join [',', !Ref Ids], '']]\n\
         \x20 HasNone: !Not [!Equals [!Join [',', !Ref None], '']]\n",
    )
    .unwrap();
    let r = Resolver::new(&t).unwrap();
    assert_eq!(r.parameters["Ids"], json!(["a", "b", "c"]), "members trimmed");
    assert_eq!(r.parameters["None"], json!([""]), "an empty list is one empty member");
    assert!(r.conditions["HasIds"] && !r.conditions["HasNone"]);
    let host =
        json!({"Fn::Select": [0, {"Fn::Split": [":", {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "Url"}]}]}]}]});
    assert_eq!(r.string(&host).unwrap(), "h.example");
    assert!(r.resolve(&json!({"Fn::Select": [3, {"Ref": "Ids"}]})).is_err());
    assert!(r.resolve(&json!({"Fn::Select": [-1, {"Ref": "Ids"}]})).is_err());
}

#[test]
fn rule_functions() {
    let t = parse("Parameters:\n  Ids: {Type: CommaDelimitedList, Default: ''}\n  Mode: {Type: String, Default: b}\n")
        .unwrap();
    let r = Resolver::new(&t).unwrap();
    let holds = |expression: Json| r.rule(&expression).unwrap();
    assert!(holds(json!({"Fn::EachMemberEquals": [{"Ref": "Ids"}, ""]})));
    assert!(holds(json!({"Fn::Contains": [["a", "b"], {"Ref": "Mode"}]})));
    assert!(!holds(json!({"Fn::Contains": [["a"], {"Ref": "Mode"}]})));
    assert!(holds(json!({"Fn::EachMemberIn": [["a", "b"], ["b", "a", "c"]]})));
    assert!(!holds(json!({"Fn::EachMemberIn": [["a", "d"], ["a"]]})));
    assert!(holds(json!({"Fn::And": [
        {"Fn::Not": [{"Fn::Equals": [{"Ref": "Mode"}, "a"]}]},
        {"Fn::Or": [{"Fn::Equals": [{"Ref": "Mode"}, "a"]}, {"Fn::Equals": [{"Ref": "Mode"}, "b"]}]},
    ]})));
    assert!(r.rule(&json!({"Condition": "X"})).is_err(), "no Condition in rules");
    assert!(
        r.condition(&json!({"Fn::Contains": [["a"], "a"]})).is_err(),
        "rule functions only in rules"
    );
}

#[test]
fn deciding_keeps_the_deployed_shape_and_leaves_other_intrinsics() {
    let t = parse(
        "Parameters:\n  On: {Type: String, Default: 'false'}\n\
         Conditions:\n  IsOn: !Equals [!Ref On, 'true']\n\
         Resources:\n  A: {Type: X, Condition: IsOn}\n  B:\n    Type: Y\n    Properties:\n\
         \x20     P: !If [IsOn, 1, !Ref AWS::NoValue]\n      L: [!If [IsOn, 1, 2], !Ref Other]\n\
         Outputs:\n  O: {Condition: IsOn, Value: 1}\n",
    )
    .unwrap();
    let decided = Resolver::new(&t).unwrap().decide_template(t).unwrap();
    assert!(
        decided.pointer("/Resources/A").is_none(),
        "a false Condition removes the resource"
    );
    assert_eq!(
        decided.pointer("/Resources/B/Properties").unwrap(),
        &json!({"L": [2, {"Ref": "Other"}]})
    );
    assert_eq!(decided["Outputs"], json!({}));
    let r = Resolver::default();
    assert!(r.decide(&json!({"Fn::If": ["Unknown", 1, 2]})).is_err());
}
