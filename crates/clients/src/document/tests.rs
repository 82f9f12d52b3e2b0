use super::*;

const PW: &str = "hunter2-hunter2";

#[test]
fn the_single_form_keeps_working_and_keeps_its_other_keys() {
    let parsed = Document::parse(r#"{"username":"u","password":"pw:with:colons","engine":"x"}"#).unwrap();
    assert!(parsed.skipped.is_empty());
    let document = parsed.document;
    assert_eq!(document.form, Form::Single);
    assert_eq!(document.clients.len(), 1);
    assert_eq!(document.clients[0].password, "pw:with:colons");
    assert!(document.clients[0].routes.is_none());
    let written: Value = serde_json::from_str(&document.to_json()).unwrap();
    assert_eq!(
        written,
        serde_json::json!({"username":"u","password":"pw:with:colons","engine":"x"})
    );
}

#[test]
fn the_named_form_reads_routes() {
    let text = r#"{"clients":[
        {"username":"partner","password":"a","routes":["POST /submit/orders-*/*"]},
        {"username":"ops","password":"b"}]}"#;
    let document = Document::parse_strict(text).unwrap();
    assert_eq!(document.form, Form::Named);
    let partner = document.client("partner").unwrap();
    assert!(partner.allows("POST", &["submit", "orders-eu", "e"]));
    assert!(!partner.allows("POST", &["submit", "audit", "e"]));
    assert!(document.client("ops").unwrap().allows("DELETE", &["streams", "x"]));
    let again = Document::parse_strict(&document.to_json()).unwrap();
    assert_eq!(again, document);
}

#[test]
fn bad_entries_are_skipped_by_index_and_the_others_work() {
    let text = format!(
        r#"{{"clients":[
        {{"username":"ok","password":"{PW}"}},
        "{PW}",
        {{"username":"nopw"}},
        {{"username":"","password":"{PW}"}},
        {{"username":"a:b","password":"{PW}"}},
        {{"username":"typo","password":"{PW}","route":["GET /streams"]}},
        {{"username":"badroute","password":"{PW}","routes":["/streams"]}},
        {{"username":"dup","password":"{PW}"}},
        {{"username":"dup","password":"other"}},
        {{"username":"notlist","password":"{PW}","routes":"GET /streams"}}]}}"#
    );
    let parsed = Document::parse(&text).unwrap();
    assert_eq!(parsed.document.clients.len(), 1);
    assert_eq!(parsed.document.clients[0].username, "ok");
    let reasons: Vec<(usize, EntryError)> = parsed.skipped.iter().map(|s| (s.index, s.error.clone())).collect();
    assert_eq!(
        reasons,
        vec![
            (1, EntryError::NotAnObject),
            (2, EntryError::MissingField),
            (3, EntryError::Empty),
            (4, EntryError::Unrepresentable),
            (5, EntryError::UnknownField),
            (
                6,
                EntryError::Route {
                    index: 0,
                    error: PatternError::Shape
                }
            ),
            (7, EntryError::Duplicate),
            (8, EntryError::Duplicate),
            (9, EntryError::RoutesNotStrings),
        ]
    );
    for skipped in &parsed.skipped {
        let message = skipped.error.to_string();
        assert!(!message.contains(PW) && !message.contains("dup"), "{message}");
    }
    assert_eq!(
        Document::parse_strict(&text).unwrap_err(),
        DocumentError::Entry {
            index: 1,
            error: EntryError::NotAnObject
        }
    );
}

#[test]
fn unusable_secrets_fail_closed_without_quoting() {
    for (text, expected) in [
        ("", None),
        ("hunter2", None),
        ("[]", Some(DocumentError::NotAnObject)),
        (r#"{"clients":[]}"#, Some(DocumentError::NoClient)),
        (r#"{"clients":[{"username":"x"}]}"#, Some(DocumentError::NoClient)),
        (r#"{"clients":{}}"#, Some(DocumentError::ClientsNotAList)),
        (
            r#"{"clients":[],"username":"u","password":"p"}"#,
            Some(DocumentError::BothForms),
        ),
        (
            r#"{"username":"u"}"#,
            Some(DocumentError::Single(EntryError::MissingField)),
        ),
        (
            r#"{"username":"u","password":12345678}"#,
            Some(DocumentError::Single(EntryError::MissingField)),
        ),
        (
            r#"{"username":"u","password":""}"#,
            Some(DocumentError::Single(EntryError::Empty)),
        ),
        (
            r#"{"username":"u","password":"p","routes":["GET /streams"]}"#,
            Some(DocumentError::Single(EntryError::RoutesNeedNamedForm)),
        ),
    ] {
        let error = Document::parse(text).unwrap_err();
        if let Some(expected) = expected {
            assert_eq!(error, expected, "{text}");
        }
        let message = error.to_string();
        assert!(
            !message.contains("hunter2") && !message.contains("12345678"),
            "{message}"
        );
    }
}

#[test]
fn usernames_are_bounded() {
    let long = "u".repeat(MAX_USERNAME_LEN + 1);
    let text = format!(r#"{{"clients":[{{"username":"{long}","password":"p"}},{{"username":"ok","password":"p"}}]}}"#);
    let parsed = Document::parse(&text).unwrap();
    assert_eq!(parsed.skipped[0].error, EntryError::UsernameTooLong);
    assert_eq!(parsed.document.clients.len(), 1);
}

#[test]
fn debug_never_shows_a_password() {
    let document = Document::parse_strict(&format!(r#"{{"username":"u","password":"{PW}"}}"#)).unwrap();
    assert!(!format!("{document:?}").contains(PW));
}
