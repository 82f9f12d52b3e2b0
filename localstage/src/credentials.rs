//! The local stage's credentials secret, before it is provisioned: today's single user (the template's
//! `Username`, or `STREAMGATE_USERNAME`/`STREAMGATE_PASSWORD`) or, with `--client NAME[:ROUTES]`,
//! named clients with route scopes (`{"clients":[...]}`, the form `streamgate credentials` writes).
//! Generated passwords come from [`clients::password::generate`], the rotation function's generator.

use std::collections::HashSet;

use clients::document::{Form, checked};
use clients::{Client, Document, RoutePattern};
use serde_json::Value as Json;

use crate::template::SecretSpec;

/// A named client to seed (`--client NAME[:ROUTES]`).
#[derive(Clone, PartialEq, Eq)]
pub struct ClientSeed {
    /// Its username.
    pub name: String,
    /// The routes it may call (`None`: every route).
    pub routes: Option<Vec<RoutePattern>>,
    /// A fixed password (`None`: generated).
    pub password: Option<String>,
}

impl std::fmt::Debug for ClientSeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientSeed")
            .field("name", &self.name)
            .field("routes", &self.routes)
            .field("password", &self.password.as_ref().map(|_| "<given>"))
            .finish()
    }
}

impl ClientSeed {
    /// Reads `NAME` (every route) or `NAME:ROUTE[,ROUTE...]`, e.g.
    /// `partner:POST /submit/orders-*/*,GET /streams`; the password is generated.
    pub fn parse(text: &str) -> Result<ClientSeed, SeedError> {
        let (name, routes) = match text.split_once(':') {
            None => (text, None),
            Some((name, routes)) => {
                let routes = routes
                    .split(',')
                    .map(str::trim)
                    .map(|route| RoutePattern::parse(route).map_err(|e| SeedError::Route(route.to_string(), e)))
                    .collect::<Result<Vec<_>, _>>()?;
                (name, Some(routes))
            }
        };
        Ok(ClientSeed {
            name: name.trim().to_string(),
            routes,
            password: None,
        })
    }
}

/// One client of the seeded secret.
#[derive(Clone)]
pub struct SeededClient {
    /// Its username.
    pub username: String,
    /// Its password.
    pub password: String,
    /// The routes it may call (`None`: every route).
    pub routes: Option<Vec<RoutePattern>>,
    /// Whether the stage generated the password (the banner shows only generated passwords).
    pub generated: bool,
}

impl std::fmt::Debug for SeededClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeededClient")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("routes", &self.routes)
            .field("generated", &self.generated)
            .finish()
    }
}

impl SeededClient {
    /// Its routes as the banner and `streamgate credentials list` write them.
    pub fn routes_text(&self) -> String {
        match &self.routes {
            None => "every route".into(),
            Some(routes) => routes.iter().map(RoutePattern::as_str).collect::<Vec<_>>().join(", "),
        }
    }
}

/// What the secret holds: its value and its clients, in order.
#[derive(Clone)]
pub struct Seed {
    /// The secret's value (JSON).
    pub value: String,
    /// Its clients.
    pub clients: Vec<SeededClient>,
}

/// The credentials cannot be seeded.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// A route that is not a pattern (the route is the operator's own flag, not a secret).
    #[error("--client route {0:?}: {1}")]
    Route(String, clients::PatternError),
    /// A name Basic authentication cannot carry, or empty.
    #[error("--client {0:?}: {1}")]
    Name(String, clients::EntryError),
    /// The same name twice.
    #[error("--client {0:?} is given twice")]
    Duplicate(String),
    /// The operating system's random generator failed.
    #[error("generating a password: {0}")]
    Random(#[from] clients::password::RandomError),
}

/// The secret for `clients` or, when there are none, for the single user `username`/`password`
/// (defaults: the template's fixed username, a generated password).
pub fn seed(
    secret: &SecretSpec,
    username: Option<&str>,
    password: Option<&str>,
    clients: &[ClientSeed],
) -> Result<Seed, SeedError> {
    if clients.is_empty() {
        return single(secret, username, password);
    }
    let mut names = HashSet::new();
    let mut seeded = Vec::new();
    for seed in clients {
        if !names.insert(seed.name.as_str()) {
            return Err(SeedError::Duplicate(seed.name.clone()));
        }
        let (password, generated) = match &seed.password {
            Some(password) => (password.clone(), false),
            None => (clients::password::generate()?, true),
        };
        let client = checked(seed.name.clone(), password, seed.routes.clone())
            .map_err(|e| SeedError::Name(seed.name.clone(), e))?;
        seeded.push((client, generated));
    }
    let document = Document {
        form: Form::Named,
        clients: seeded.iter().map(|(client, _)| client.clone()).collect(),
        other: serde_json::Map::new(),
    };
    Ok(Seed {
        value: document.to_json(),
        clients: seeded
            .into_iter()
            .map(
                |(
                    Client {
                        username,
                        password,
                        routes,
                    },
                    generated,
                )| SeededClient {
                    username,
                    password,
                    routes,
                    generated,
                },
            )
            .collect(),
    })
}

/// Today's secret: the template's fixed part (the username) plus the generated key.
fn single(secret: &SecretSpec, username: Option<&str>, password: Option<&str>) -> Result<Seed, SeedError> {
    let mut document = secret.fixed.clone();
    let username = username
        .map(str::to_string)
        .or_else(|| document.get("username").and_then(Json::as_str).map(str::to_string))
        .unwrap_or_else(|| "streamgate".to_string());
    let (password, generated) = match password {
        Some(password) => (password.to_string(), false),
        None => (clients::password::generate()?, true),
    };
    document.insert("username".into(), Json::String(username.clone()));
    document.insert(secret.generated_key.clone(), Json::String(password.clone()));
    Ok(Seed {
        value: Json::Object(document).to_string(),
        clients: vec![SeededClient {
            username,
            password,
            routes: None,
            generated,
        }],
    })
}

#[cfg(test)]
mod tests;
