//! The converter's tests: every JSON type, the metadata, each poison reason, and JSON's edges held
//! to serde_json's answer; the property tests against a reference conversion are in `properties`.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{TimeZone, Utc};
use serde_json::json;

use super::*;
use crate::item::{ARRIVAL_ATTRIBUTE, KEY_ATTRIBUTE, MAX_DEPTH, MAX_ITEM_BYTES, SEQUENCE_ATTRIBUTE, SHARD_ATTRIBUTE};

mod properties;

fn origin() -> Origin<'static> {
    Origin {
        partition_key: "evt-1",
        sequence_number: "49590338271490256608559692538361571095921575989136588898",
        shard_id: "shardId-000000000000",
        arrival: Utc.timestamp_millis_opt(1_795_381_200_123).unwrap(),
    }
}

fn item(body: &str) -> Result<Converted, Poison> {
    to_item(body.as_bytes(), &origin())
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: &str) -> AttributeValue {
    AttributeValue::N(v.into())
}

#[test]
fn converts_every_json_type() {
    let c = item(
        r#"{"title":"Pin ✓","count":42,"ratio":-0.125,"ok":true,"no":false,"none":null,
            "tags":["a",1,{"x":[]}],"nested":{"deep":{"s":""}}}"#,
    )
    .unwrap();
    let i = &c.item;
    assert_eq!(i["title"], s("Pin ✓"));
    assert_eq!(i["count"], n("42"));
    assert_eq!(i["ratio"], n("-0.125"));
    assert_eq!(i["ok"], AttributeValue::Bool(true));
    assert_eq!(i["no"], AttributeValue::Bool(false));
    assert_eq!(i["none"], AttributeValue::Null(true));
    assert_eq!(
        i["tags"],
        AttributeValue::L(vec![
            s("a"),
            n("1"),
            AttributeValue::M(HashMap::from([("x".to_string(), AttributeValue::L(vec![]))]))
        ])
    );
    let deep = AttributeValue::M(HashMap::from([("s".to_string(), s(""))]));
    assert_eq!(
        i["nested"],
        AttributeValue::M(HashMap::from([("deep".to_string(), deep)]))
    );
    assert!(!c.event_id_conflict);
}

#[test]
fn metadata_and_key() {
    let c = item(r#"{"a":1}"#).unwrap();
    assert_eq!(c.item[KEY_ATTRIBUTE], s("evt-1"));
    assert_eq!(
        c.item[SEQUENCE_ATTRIBUTE],
        s("05649590338271490256608559692538361571095921575989136588898")
    );
    assert_eq!(c.item[SHARD_ATTRIBUTE], s("shardId-000000000000"));
    assert_eq!(c.item[ARRIVAL_ATTRIBUTE], s("2026-11-22T21:00:00.123Z"));
    assert_eq!(c.item.len(), 5);
}

#[test]
fn partition_key_wins_over_body_event_id() {
    let c = item(r#"{"eventId":"other","a":1}"#).unwrap();
    assert_eq!(c.item[KEY_ATTRIBUTE], s("evt-1"));
    assert!(c.event_id_conflict);
    let same = item(r#"{"eventId":"evt-1"}"#).unwrap();
    assert!(!same.event_id_conflict);
    assert!(item(r#"{"eventId":7}"#).unwrap().event_id_conflict);
}

#[test]
fn unicode_escapes_and_empty_strings() {
    let c = item(r#"{"emoji":"\ud83d\ude00","esc":"a\"b\\c\nd","empty":"","日本":"語"}"#).unwrap();
    assert_eq!(c.item["emoji"], s("😀"));
    assert_eq!(c.item["esc"], s("a\"b\\c\nd"));
    assert_eq!(c.item["empty"], s(""));
    assert_eq!(c.item["日本"], s("語"));
}

#[test]
fn numbers_are_exact() {
    let c = item(r#"{"a":12345678901234567890123456789012345678,"b":0.1,"c":1.10,"d":-0,"e":1e5,"f":1.5E-3,"g":9007199254740993}"#)
        .unwrap();
    assert_eq!(c.item["a"], n("12345678901234567890123456789012345678"));
    assert_eq!(c.item["b"], n("0.1"));
    assert_eq!(c.item["c"], n("1.10"));
    assert_eq!(c.item["d"], n("-0"));
    assert_eq!(c.item["e"], n("100000"));
    assert_eq!(c.item["f"], n("0.0015"));
    assert_eq!(c.item["g"], n("9007199254740993"), "beyond f64's exact integers");
}
#[test]
fn each_poison_reason() {
    assert_eq!(to_item(&[0xff, b'{', b'}'], &origin()), Err(Poison::NotUtf8));
    assert!(matches!(item("{not json"), Err(Poison::NotJson { .. })));
    assert!(matches!(item(""), Err(Poison::NotJson { .. })));
    assert_eq!(item("[1,2]"), Err(Poison::NotAnObject));
    assert_eq!(item("\"text\""), Err(Poison::NotAnObject));
    assert_eq!(item("42"), Err(Poison::NotAnObject));
    assert_eq!(item("null"), Err(Poison::NotAnObject));
    assert_eq!(item(r#"{"big":1e400}"#), Err(Poison::BadNumber));
    assert_eq!(
        item(&format!(r#"{{"long":{}}}"#, "7".repeat(39))),
        Err(Poison::BadNumber)
    );
    assert_eq!(item(r#"{"":1}"#), Err(Poison::EmptyAttributeName));
    assert_eq!(item(r#"{"a":{"":1}}"#), Err(Poison::EmptyAttributeName));
    assert_eq!(item(r#"{"_sg_seq":"999"}"#), Err(Poison::ReservedName));
    assert_eq!(item(r#"{"_sg_anything":1}"#), Err(Poison::ReservedName));
    let huge = format!(r#"{{"blob":"{}"}}"#, "x".repeat(MAX_ITEM_BYTES));
    assert!(matches!(item(&huge), Err(Poison::TooLarge { .. })));
    let bad_seq = Origin {
        sequence_number: "12ab",
        ..origin()
    };
    assert_eq!(to_item(b"{}", &bad_seq), Err(Poison::BadSequenceNumber));
}

#[test]
fn nesting_limit_is_32() {
    let nest = |levels: usize| format!(r#"{{"a":{}1{}}}"#, "[".repeat(levels), "]".repeat(levels));
    assert!(item(&nest(MAX_DEPTH)).is_ok());
    assert_eq!(item(&nest(MAX_DEPTH + 1)), Err(Poison::TooDeep));
    let maps = |levels: usize| format!(r#"{{"a":{}1{}}}"#, r#"{"b":"#.repeat(levels), "}".repeat(levels));
    assert!(item(&maps(MAX_DEPTH)).is_ok());
    assert_eq!(item(&maps(MAX_DEPTH + 1)), Err(Poison::TooDeep));
    // Beyond serde_json's recursion limit it is not even JSON to us; still poison, no panic.
    assert!(item(&nest(10_000)).is_err());
}
#[test]
fn size_estimate_counts_names_and_values() {
    let small = item(r#"{"a":"xyz"}"#).unwrap();
    let bigger = item(r#"{"a":"xyz","bb":"0123456789"}"#).unwrap();
    assert_eq!(bigger.size - small.size, 2 + 10);
}

#[test]
fn json_round_trip_of_generated_values() {
    // Strings survive whatever escaping the encoder chose.
    let body = json!({"s": "tab\t quote\" backslash\\ nul\u{0} emoji 😀"}).to_string();
    let c = item(&body).unwrap();
    assert_eq!(c.item["s"], s("tab\t quote\" backslash\\ nul\u{0} emoji 😀"));
}

#[test]
fn a_repeated_name_keeps_its_last_value_and_every_value_counts() {
    let once = item(r#"{"a":"xyz","m":{"k":"v"}}"#).unwrap();
    let twice = item(r#"{"a":"first","a":"xyz","m":{"k":"longer","k":"v"}}"#).unwrap();
    assert_eq!(twice.item, once.item);
    // The size estimate counts every member, a replaced one too: an overestimate, so that
    // checking a record needs no set of the names seen.
    assert_eq!(
        twice.size - once.size,
        ("a".len() + "first".len()) + (1 + "k".len() + "longer".len())
    );
    // Every value must be storable, even one a later duplicate replaces.
    assert_eq!(item(r#"{"a":1e400,"a":1}"#), Err(Poison::BadNumber));
    assert_eq!(item(r#"{"m":{"a":{"":1},"a":2}}"#), Err(Poison::EmptyAttributeName));
    let ids = item(r#"{"eventId":"other","eventId":"evt-1"}"#).unwrap();
    assert!(!ids.event_id_conflict, "the last eventId counts");
}

#[test]
fn json_edges() {
    // Whitespace of every kind between tokens, none inside.
    let c = item(" \t\r\n{ \"a\" :\n[ 1 ,\t\"x\" ] , \"b\":{}\r\n} \n").unwrap();
    assert_eq!(c.item["a"], AttributeValue::L(vec![n("1"), s("x")]));
    assert_eq!(c.item["b"], AttributeValue::M(HashMap::new()));
    // Empty strings are values; empty names are not.
    assert_eq!(item(r#"{"a":"","b":[""]}"#).unwrap().item["a"], s(""));
    assert_eq!(item(r#"{"a":[{"":1}]}"#), Err(Poison::EmptyAttributeName));
    // Escapes in names and values, \u0000 included.
    let c = item(r#"{"t\u00e9\n":"\u0000\/\b\f\r\t","\ud83d\ude00":"é"}"#).unwrap();
    assert_eq!(c.item["té\n"], s("\u{0}/\u{8}\u{c}\r\t"));
    assert_eq!(c.item["😀"], s("é"));
    // Lone surrogates and bad escapes are not text.
    for bad in [
        r#"{"a":"\ud800"}"#,
        r#"{"a":"\udc00x"}"#,
        r#"{"a":"\x"}"#,
        r#"{"\ud800":1}"#,
        r#"{"a":"\u12"}"#,
    ] {
        assert!(matches!(item(bad), Err(Poison::NotJson { .. })), "{bad}");
    }
    // Raw control characters inside strings are not JSON; around tokens, tab and newline are.
    for bad in [
        "{\"a\":\"x\ty\"}",
        "{\"a\":\"x\ny\"}",
        "{\"k\u{1}\":1}",
        "{\"a\":1,\"k\u{1f}\":1}",
        "{\"a\":[\"\u{0}\"]}",
    ] {
        assert!(matches!(item(bad), Err(Poison::NotJson { .. })), "{bad:?}");
    }
    // Invalid UTF-8 anywhere, a truncated sequence included.
    for bad in [
        &b"{\"a\":\"\xff\"}"[..],
        b"{\"\xc3\":1}",
        b"{\"a\":\"\xe2\x82\"}",
        b"\xef\xbb\xbf{}",
    ] {
        let expected = if std::str::from_utf8(bad).is_ok() {
            "not_json"
        } else {
            "not_utf8"
        };
        assert_eq!(
            to_item(bad, &origin()).map(|_| ()).map_err(|p| p.code()),
            Err(expected),
            "{bad:?}"
        );
    }
    // Not JSON: trailing text, trailing commas, bad literals and numbers, two documents.
    for bad in [
        r#"{"a":1} x"#,
        r#"{"a":1,}"#,
        r#"{"a":[1,]}"#,
        r#"{"a":tru}"#,
        r#"{"a":01}"#,
        r#"{"a":1.}"#,
        r#"{"a":.5}"#,
        r#"{"a":+1}"#,
        r#"{"a":-}"#,
        r#"{"a":NaN}"#,
        r#"{"a":Infinity}"#,
        r#"{"a":1}{}"#,
        r#"{'a':1}"#,
        r#"{a:1}"#,
        r#"{"a" 1}"#,
        "{",
        "{\"a\":\"",
        "",
    ] {
        assert!(matches!(item(bad), Err(Poison::NotJson { .. })), "{bad}");
    }
    // Syntax errors win over content reasons found earlier in the document.
    assert!(matches!(item(r#"{"_sg_x":1,"#), Err(Poison::NotJson { .. })));
    assert!(matches!(item(r#"{"a":1e400,"b":}"#), Err(Poison::NotJson { .. })));
    assert!(matches!(item(r#"[1,"#), Err(Poison::NotJson { .. })));
    // Positions are serde_json's, 1-based.
    assert_eq!(item("{\n  \"a\": x}"), Err(Poison::NotJson { line: 2, column: 8 }));
}

#[test]
fn huge_numbers_stay_exact_or_are_poison() {
    let thirty = "123456789012345678901234567890";
    let c = item(&format!(
        r#"{{"i":{thirty},"n":-{thirty},"f":{thirty}.5,"z":0.000000000000000000000000000000000001}}"#
    ))
    .unwrap();
    assert_eq!(c.item["i"], n(thirty));
    assert_eq!(c.item["n"], n(&format!("-{thirty}")));
    assert_eq!(c.item["f"], n(&format!("{thirty}.5")));
    assert_eq!(c.item["z"], n("0.000000000000000000000000000000000001"));
    let digits_36 = "1.23456789012345678901234567890123456";
    assert_eq!(
        item(&format!(r#"{{"d":{digits_36}}}"#)).unwrap().item["d"],
        n(digits_36)
    );
    // 38 significant digits with zeros around them, and a number far longer than 38 digits.
    let padded = format!("000.{}{}", "0".repeat(10), "9".repeat(38));
    assert_eq!(dynamodb_number(&padded[2..]).unwrap(), padded[2..]);
    assert_eq!(
        item(&format!(r#"{{"x":1{}}}"#, "0".repeat(400))),
        Err(Poison::BadNumber)
    );
    assert_eq!(item(r#"{"x":1e99999999999999999999}"#), Err(Poison::BadNumber));
    assert_eq!(
        item(&format!(r#"{{"x":{}}}"#, "9".repeat(5000))),
        Err(Poison::BadNumber)
    );
    assert_eq!(item(r#"{"x":[1,2,1e-131]}"#), Err(Poison::BadNumber));
}

#[test]
fn a_converter_gives_the_same_items_when_reused() {
    let mut converter = Converter::default();
    let bodies = [
        r#"{"a":"x\ny","m":{"k":[1,{"j":"\u00e9"}]}}"#,
        r#"{"a":1e400}"#,
        "not json",
        r#"{"b":"plain","m":{"k":"v","k2":{"deep":[[[]]]}}}"#,
    ];
    for _ in 0..3 {
        for body in bodies {
            assert_eq!(converter.to_item(body.as_bytes(), &origin()), item(body), "{body}");
        }
    }
}
