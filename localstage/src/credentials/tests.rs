//! Tests of the seeded credentials: `--client` flags, named clients' generated passwords, refused
//! names, and the single user when no client is named.

use super::*;

fn spec() -> SecretSpec {
    SecretSpec {
        logical_id: "CredentialsSecret".into(),
        fixed: serde_json::from_str(r#"{"username":"streamgate"}"#).unwrap(),
        generated_key: "password".into(),
    }
}

#[test]
fn reads_client_flags() {
    let partner = ClientSeed::parse("partner:POST /submit/orders-*/*, GET /streams").unwrap();
    assert_eq!(partner.name, "partner");
    let routes: Vec<&str> = partner.routes.iter().flatten().map(RoutePattern::as_str).collect();
    assert_eq!(routes, ["POST /submit/orders-*/*", "GET /streams"]);
    assert_eq!(ClientSeed::parse("ops").unwrap().routes, None);
    assert!(matches!(ClientSeed::parse("x:/submit"), Err(SeedError::Route(..))));
    assert!(matches!(ClientSeed::parse("x:"), Err(SeedError::Route(..))));
}

#[test]
fn named_clients_get_generated_strong_passwords() {
    let seeds = [
        ClientSeed::parse("partner:POST /submit/orders-*/*").unwrap(),
        ClientSeed::parse("ops").unwrap(),
    ];
    let seed = seed(&spec(), Some("ignored"), Some("ignored-too"), &seeds).unwrap();
    let document = Document::parse_strict(&seed.value).unwrap();
    assert_eq!(document.form, Form::Named);
    assert_eq!(document.clients.len(), 2);
    for (client, seeded) in document.clients.iter().zip(&seed.clients) {
        assert_eq!(client.username, seeded.username);
        assert_eq!(client.password, seeded.password);
        assert!(seeded.generated && clients::password::is_strong(&seeded.password));
    }
    assert_eq!(seed.clients[0].routes_text(), "POST /submit/orders-*/*");
    assert_eq!(seed.clients[1].routes_text(), "every route");
    assert!(!format!("{:?}", seed.clients).contains(&seed.clients[0].password));
}

#[test]
fn refuses_duplicates_and_unusable_names() {
    let twice = [
        ClientSeed::parse("a").unwrap(),
        ClientSeed::parse("a:GET /streams").unwrap(),
    ];
    assert!(matches!(
        seed(&spec(), None, None, &twice),
        Err(SeedError::Duplicate(_))
    ));
    let empty = [ClientSeed::parse("").unwrap()];
    assert!(matches!(seed(&spec(), None, None, &empty), Err(SeedError::Name(..))));
}

#[test]
fn without_clients_the_single_user_stays() {
    let fixed = seed(&spec(), None, Some("streamgate-local-password"), &[]).unwrap();
    assert_eq!(
        serde_json::from_str::<Json>(&fixed.value).unwrap(),
        serde_json::json!({"username": "streamgate", "password": "streamgate-local-password"})
    );
    assert!(!fixed.clients[0].generated);
    let generated = seed(&spec(), Some("me"), None, &[]).unwrap();
    assert_eq!(generated.clients[0].username, "me");
    assert!(generated.clients[0].generated);
    assert!(clients::password::is_strong(&generated.clients[0].password));
}
