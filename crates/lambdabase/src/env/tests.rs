use std::collections::HashMap;

use super::*;

fn env(pairs: &[(&str, &str)]) -> Env<impl Fn(&str) -> Option<String>> {
    let vars: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    Env::new(move |name: &str| vars.get(name).cloned())
}

#[test]
fn required_is_set_and_not_blank_and_trimmed() {
    let env = env(&[("A", " a "), ("BLANK", "  ")]);
    assert_eq!(env.required("A"), Ok("a".to_string()));
    assert_eq!(env.required("BLANK"), Err(EnvError::Missing("BLANK")));
    assert_eq!(env.required("UNSET"), Err(EnvError::Missing("UNSET")));
    assert_eq!(
        env.required("UNSET").unwrap_err().to_string(),
        "environment variable UNSET is required"
    );
}

#[test]
fn required_parsed_names_what_it_must_be() {
    let env = env(&[("N", "x")]);
    let error = env.required_parsed("N", "a digit", |s| s.parse::<u8>()).unwrap_err();
    assert_eq!(error, EnvError::invalid("N", "x", "a digit"));
    assert_eq!(error.to_string(), "environment variable N must be a digit, got \"x\"");
    assert_eq!(error.name(), "N");
    assert_eq!(
        env.required_parsed("UNSET", "a digit", |s| s.parse::<u8>()),
        Err(EnvError::Missing("UNSET"))
    );
}

#[test]
fn text_or_falls_back_when_unset_or_blank() {
    let env = env(&[("A", " a "), ("BLANK", "")]);
    assert_eq!(env.text_or("A", "d"), "a");
    assert_eq!(env.text_or("BLANK", "d"), "d");
    assert_eq!(env.text_or("UNSET", "d"), "d");
    assert_eq!(env.parsed_or("BLANK", "7", "a digit", |s| s.parse::<u8>()), Ok(7));
    assert_eq!(
        env.parsed_or("A", "7", "a digit", |s| s.parse::<u8>()),
        Err(EnvError::invalid("A", "a", "a digit"))
    );
}

#[test]
fn numbers_are_whole_and_in_range() {
    let env = env(&[
        ("OK", " 720 "),
        ("LOW", "0"),
        ("BLANK", ""),
        ("FRACTION", "1.5"),
        ("NEGATIVE", "-1"),
    ]);
    assert_eq!(env.number_of("OK", "hours", 1..=720u64), Ok(Some(720)));
    assert_eq!(env.number_of("UNSET", "hours", 1..=720u64), Ok(None));
    for name in ["LOW", "BLANK", "FRACTION", "NEGATIVE"] {
        let error = env.number_of(name, "hours", 1..=720u64).unwrap_err();
        assert!(
            matches!(&error, EnvError::Invalid { expected, .. } if expected == "a whole number of hours from 1 to 720"),
            "{error:?}"
        );
        assert!(
            error
                .to_string()
                .starts_with(&format!("environment variable {name} must be")),
            "{error}"
        );
    }
}

#[test]
fn number_rules_leave_out_the_type_bounds() {
    let rule = |range: RangeInclusive<u32>, unit| whole_number_rule(unit, &range);
    assert_eq!(rule(1..=64, None), "a whole number from 1 to 64");
    assert_eq!(
        rule(0..=10080, Some("minutes")),
        "a whole number of minutes from 0 to 10080"
    );
    assert_eq!(rule(1..=u32::MAX, None), "a whole number, at least 1");
    assert_eq!(rule(0..=u32::MAX, Some("seconds")), "a whole number of seconds");
    let env = env(&[("N", "x")]);
    assert_eq!(
        env.number("N", 1..=u32::MAX),
        Err(EnvError::invalid("N", "x", "a whole number, at least 1"))
    );
}

#[test]
fn flags_are_exactly_true_or_false() {
    let env = env(&[
        ("T", " true "),
        ("F", "false"),
        ("BLANK", " "),
        ("YES", "yes"),
        ("UPPER", "TRUE"),
    ]);
    assert_eq!(env.flag_or("T", false), Ok(true));
    assert_eq!(env.flag_or("F", true), Ok(false));
    assert_eq!(env.flag_or("BLANK", true), Ok(true));
    assert_eq!(env.flag_or("UNSET", false), Ok(false));
    for name in ["YES", "UPPER"] {
        let error = env.flag_or(name, false).unwrap_err();
        assert_eq!(error.name(), name);
        assert!(error.to_string().contains("true or false"), "{error}");
    }
}

#[test]
fn metrics_namespace_defaults_and_refuses_blank() {
    assert_eq!(
        env(&[]).metrics_namespace("METRICS_NAMESPACE").unwrap().as_str(),
        "streamgate"
    );
    let ok = env(&[("METRICS_NAMESPACE", "prod/streamgate")]);
    assert_eq!(
        ok.metrics_namespace("METRICS_NAMESPACE").unwrap().as_str(),
        "prod/streamgate"
    );
    for bad in ["", " ", "AWS/Lambda", "naïve"] {
        let error = env(&[("METRICS_NAMESPACE", bad)])
            .metrics_namespace("METRICS_NAMESPACE")
            .unwrap_err();
        assert_eq!(error.name(), "METRICS_NAMESPACE", "{bad:?}");
        assert!(error.to_string().contains("CloudWatch namespace"), "{error}");
    }
}

#[test]
fn blank_as_unset_reads_blank_numbers_and_parsed_values_as_unset() {
    let env = env(&[("N", " "), ("METRICS_NAMESPACE", "")]).blank_as_unset();
    assert_eq!(env.number("N", 1..=5u16), Ok(None));
    assert_eq!(
        env.metrics_namespace("METRICS_NAMESPACE").unwrap().as_str(),
        "streamgate"
    );
    assert_eq!(env.required("N"), Err(EnvError::Missing("N")));
}
