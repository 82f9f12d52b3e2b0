//! What `streamgate credentials` prints, pure. A password appears only in [`show`] with `reveal`
//! and in [`revealed`], which callers reach only through `--reveal`.

use clients::document::Skipped;
use clients::{Client, Document, RoutePattern};

/// A client's routes: the patterns, or "every route".
pub fn routes(client: &Client) -> String {
    match &client.routes {
        None => "every route".into(),
        Some(routes) => routes.iter().map(RoutePattern::as_str).collect::<Vec<_>>().join(", "),
    }
}

/// The clients of `document` (version `version` of `secret`), names and routes, and the entries a
/// reader skips (by index: an entry's values are never printed).
pub fn list(secret: &str, version: &str, document: &Document, skipped: &[Skipped]) -> String {
    let width = document
        .clients
        .iter()
        .map(|c| c.username.len())
        .max()
        .unwrap_or(0)
        .max(4);
    let mut text = format!(
        "{} client(s) in {secret} (AWSCURRENT, version {version}):\n  {:<width$}  ROUTES\n",
        document.clients.len(),
        "NAME"
    );
    for client in &document.clients {
        text.push_str(&format!("  {:<width$}  {}\n", client.username, routes(client)));
    }
    for entry in skipped {
        text.push_str(&format!(
            "warning: entry {} of `clients` is ignored by the authorizer: {}\n",
            entry.index, entry.error
        ));
    }
    text
}

/// One client; its password only when `reveal`.
pub fn show(client: &Client, version: &str, reveal: bool, flags: &str) -> String {
    let password = match reveal {
        true => client.password.clone(),
        false => format!(
            "(hidden: streamgate credentials{flags} show {} --reveal)",
            client.username
        ),
    };
    format!(
        "name      {}\nroutes    {}\nversion   {version}\npassword  {password}\n",
        client.username,
        routes(client)
    )
}

/// The password line `--reveal` adds after a change.
pub fn revealed(client: &Client) -> String {
    format!("password  {}\n", client.password)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = r#"{"clients":[{"username":"ops","password":"ops-password-1234567890"},
        {"username":"partner","password":"partner-password-1234567890","routes":["POST /submit/orders-*/*","GET /streams"]},
        {"username":"bad","password":"bad-password-1234567890","route":["GET /streams"]}]}"#;

    #[test]
    fn list_prints_names_and_routes_never_passwords() {
        let parsed = Document::parse(SECRET).unwrap();
        let text = list("s", "v1", &parsed.document, &parsed.skipped);
        assert!(text.contains("ops      every route"), "{text}");
        assert!(
            text.contains("partner  POST /submit/orders-*/*, GET /streams"),
            "{text}"
        );
        assert!(text.contains("entry 2 of `clients` is ignored"), "{text}");
        assert!(!text.contains("password-"), "{text}");
        assert!(!text.contains("bad"), "{text}");
    }

    #[test]
    fn show_prints_the_password_only_when_revealed() {
        let document = Document::parse(SECRET).unwrap().document;
        let partner = document.client("partner").unwrap();
        let hidden = show(partner, "v1", false, " --stack s");
        assert!(!hidden.contains("partner-password"), "{hidden}");
        assert!(
            hidden.contains("streamgate credentials --stack s show partner --reveal"),
            "{hidden}"
        );
        let shown = show(partner, "v1", true, "");
        assert!(shown.contains("password  partner-password-1234567890\n"), "{shown}");
        assert_eq!(revealed(partner), "password  partner-password-1234567890\n");
    }
}
