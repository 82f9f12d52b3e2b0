//! Tests of `--parameter-overrides`: each constraint a value may break, and the template's rules.

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
fn rules_refuse_values_that_do_not_go_together() {
    let template = parse(
        "Parameters:\n\
         \x20 A: {Type: String, Default: ''}\n  B: {Type: String, Default: ''}\n\
         \x20 Nets: {Type: CommaDelimitedList, Default: ''}\n\
         Rules:\n\
         \x20 OneOfThem:\n    Assertions:\n\
         \x20     - Assert: !Or [!Equals [!Ref A, ''], !Equals [!Ref B, '']]\n\
         \x20       AssertDescription: A or B, not both\n\
         \x20 BNeedsNets:\n    RuleCondition: !Not [!Equals [!Ref B, '']]\n    Assertions:\n\
         \x20     - Assert: !Not [!EachMemberEquals [!Ref Nets, '']]\n\
         \x20       AssertDescription: B needs Nets\n",
    )
    .unwrap();
    let check = |overrides: &[(&str, &str)]| {
        let mut t = template.clone();
        let overrides = overrides.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        apply_overrides(&mut t, &overrides).unwrap();
        check_rules(&t, &Resolver::new(&t).unwrap()).map_err(|e| e.to_string())
    };
    assert!(check(&[]).is_ok());
    assert!(check(&[("A", "x")]).is_ok());
    assert!(check(&[("B", "y"), ("Nets", "n-1,n-2")]).is_ok());
    assert_eq!(
        check(&[("A", "x"), ("B", "y"), ("Nets", "n-1")]).unwrap_err(),
        "parameter A, B: A or B, not both (rule OneOfThem)"
    );
    assert_eq!(
        check(&[("B", "y")]).unwrap_err(),
        "parameter B, Nets: B needs Nets (rule BNeedsNets)"
    );
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
