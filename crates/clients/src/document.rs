//! The credentials secret's value.
//!
//! Two forms, both read by the same function:
//! - single: `{"username": "...", "password": "..."}` (what the stack generates, and every secret
//!   before named clients). Other keys are kept as they are.
//! - named: `{"clients": [{"username", "password", "routes"?: ["POST /submit/orders-*/*", ...]}, ...]}`;
//!   no `routes` means every route.
//!
//! Reading is lenient per entry ([`Document::parse`]): an entry that is not a valid client (a
//! missing or empty field, an unknown field, a bad route, a username given twice) is skipped and
//! reported by index, and the others keep working. An unknown field fails its entry rather than
//! being ignored, because a misspelt `"route"` would otherwise silently grant every route. A secret
//! with no valid client is an error: authentication fails closed. Writers use
//! [`Document::parse_strict`], which refuses any skipped entry. No error ever quotes a value.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::route_pattern::{PatternError, RoutePattern};

/// One client: a username, its password and, optionally, the routes it may call.
#[derive(Clone, PartialEq, Eq)]
pub struct Client {
    /// The Basic-auth username, also the client's name in logs and metrics.
    pub username: String,
    /// The Basic-auth password.
    pub password: String,
    /// The routes this client may call; `None` = every route.
    pub routes: Option<Vec<RoutePattern>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("routes", &self.routes)
            .finish()
    }
}

impl Client {
    /// Whether a request with `method` and decoded path `segments` is within this client's scope.
    pub fn allows<S: AsRef<str>>(&self, method: &str, segments: &[S]) -> bool {
        self.routes
            .as_ref()
            .is_none_or(|routes| routes.iter().any(|route| route.matches(method, segments)))
    }
}

/// Which form a document was written in (and is written back in).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `{"username","password"}`.
    Single,
    /// `{"clients":[...]}`.
    Named,
}

/// A secret's value: its clients, and the keys it held beside them.
#[derive(Clone, PartialEq, Eq)]
pub struct Document {
    /// The form it is written in.
    pub form: Form,
    /// The valid clients, in the secret's order.
    pub clients: Vec<Client>,
    /// Top-level keys other than the credentials (kept when the document is written back).
    pub other: Map<String, Value>,
}

impl std::fmt::Debug for Document {
    /// The other keys' values are not shown: a secret may hold more than our credentials.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Document")
            .field("form", &self.form)
            .field("clients", &self.clients)
            .field("other", &self.other.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Why one client entry was skipped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    /// Not a JSON object.
    #[error("not an object")]
    NotAnObject,
    /// `username` or `password` missing or not a string.
    #[error("`username` and `password` must be strings")]
    MissingField,
    /// `username` or `password` empty.
    #[error("`username` and `password` must not be empty")]
    Empty,
    /// A `:` in the username or a control character in either, which Basic authentication cannot carry.
    #[error("the username must not contain ':' and neither may contain control characters")]
    Unrepresentable,
    /// A field other than `username`, `password` and `routes`.
    #[error("unknown field (only username, password and routes)")]
    UnknownField,
    /// `routes` is not a list of strings.
    #[error("`routes` must be a list of strings")]
    RoutesNotStrings,
    /// A route that is not a pattern.
    #[error("route {index}: {error}")]
    Route {
        /// Which route of the entry.
        index: usize,
        /// What is wrong with it.
        error: PatternError,
    },
    /// `routes` beside a single-form pair: scopes exist only in the named form.
    #[error("`routes` needs the named form {{\"clients\": [...]}}")]
    RoutesNeedNamedForm,
    /// A username longer than [`MAX_USERNAME_LEN`] (a metric dimension value must stay short).
    #[error("the username is longer than {MAX_USERNAME_LEN} characters")]
    UsernameTooLong,
    /// The username of another entry too: every entry with it is skipped.
    #[error("the username is given more than once")]
    Duplicate,
}

/// A skipped entry: its index in `clients` and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Position in the `clients` list.
    pub index: usize,
    /// Why it was skipped.
    pub error: EntryError,
}

/// A secret's value, read leniently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// The valid clients.
    pub document: Document,
    /// The entries skipped, for warnings.
    pub skipped: Vec<Skipped>,
}

/// Why a secret's value is not usable at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    /// Not JSON (position only: serde's message can quote the value).
    #[error("not JSON (error at line {line}, column {column})")]
    NotJson {
        /// Line of the error.
        line: usize,
        /// Column of the error.
        column: usize,
    },
    /// JSON, but not an object.
    #[error("expected a JSON object: {{\"username\",\"password\"}} or {{\"clients\":[...]}}")]
    NotAnObject,
    /// `clients` is not a list.
    #[error("`clients` must be a list")]
    ClientsNotAList,
    /// Both forms at once: which password counts would be a guess.
    #[error("both `clients` and a top-level `username`/`password`: use one form")]
    BothForms,
    /// The single form's pair is not valid.
    #[error("{0}")]
    Single(EntryError),
    /// No valid client: authentication fails closed.
    #[error("no valid client in the secret")]
    NoClient,
    /// Strict reading only: an entry was skipped.
    #[error("client {index}: {error}")]
    Entry {
        /// Its index.
        index: usize,
        /// Why.
        error: EntryError,
    },
}

/// The longest username: it is the `client` dimension of the authorizer's metrics, and
/// CloudWatch drops dimension values over 1,024 characters.
pub const MAX_USERNAME_LEN: usize = 128;

const CLIENTS: &str = "clients";
const USERNAME: &str = "username";
const PASSWORD: &str = "password";
const ROUTES: &str = "routes";

impl Document {
    /// Reads a secret value, skipping invalid entries of the named form.
    pub fn parse(text: &str) -> Result<Parsed, DocumentError> {
        let value: Value = serde_json::from_str(text).map_err(|e| DocumentError::NotJson {
            line: e.line(),
            column: e.column(),
        })?;
        let Value::Object(mut object) = value else {
            return Err(DocumentError::NotAnObject);
        };
        let Some(clients) = object.remove(CLIENTS) else {
            if object.contains_key(ROUTES) {
                // Kept among the other keys, it would be silently ignored: a client meant to be
                // scoped would call every route.
                return Err(DocumentError::Single(EntryError::RoutesNeedNamedForm));
            }
            let username = object.remove(USERNAME);
            let password = object.remove(PASSWORD);
            let client = single(username, password).map_err(DocumentError::Single)?;
            return Ok(Parsed {
                document: Document {
                    form: Form::Single,
                    clients: vec![client],
                    other: object,
                },
                skipped: Vec::new(),
            });
        };
        if object.contains_key(USERNAME) || object.contains_key(PASSWORD) {
            return Err(DocumentError::BothForms);
        }
        let Value::Array(entries) = clients else {
            return Err(DocumentError::ClientsNotAList);
        };
        let mut skipped = Vec::new();
        let mut read: Vec<(usize, Client)> = Vec::new();
        for (index, entry) in entries.into_iter().enumerate() {
            match entry_client(entry) {
                Ok(client) => read.push((index, client)),
                Err(error) => skipped.push(Skipped { index, error }),
            }
        }
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (_, client) in &read {
            *seen.entry(client.username.clone()).or_default() += 1;
        }
        let mut clients = Vec::new();
        for (index, client) in read {
            if seen.get(&client.username).copied().unwrap_or_default() > 1 {
                skipped.push(Skipped {
                    index,
                    error: EntryError::Duplicate,
                });
            } else {
                clients.push(client);
            }
        }
        skipped.sort_by_key(|s| s.index);
        if clients.is_empty() {
            return Err(DocumentError::NoClient);
        }
        Ok(Parsed {
            document: Document {
                form: Form::Named,
                clients,
                other: object,
            },
            skipped,
        })
    }

    /// Reads a secret value that must be wholly valid (before writing a change, and in the
    /// rotation's test step).
    pub fn parse_strict(text: &str) -> Result<Document, DocumentError> {
        let parsed = Document::parse(text)?;
        match parsed.skipped.into_iter().next() {
            Some(Skipped { index, error }) => Err(DocumentError::Entry { index, error }),
            None => Ok(parsed.document),
        }
    }

    /// The client named `username`.
    pub fn client(&self, username: &str) -> Option<&Client> {
        self.clients.iter().find(|c| c.username == username)
    }

    /// The secret value of this document, in its form. A single-form document with more than one
    /// client (or with routes) is written in the named form.
    pub fn to_json(&self) -> String {
        let mut object = self.other.clone();
        match (self.form, self.clients.as_slice()) {
            (Form::Single, [only]) if only.routes.is_none() => {
                object.insert(USERNAME.into(), Value::from(only.username.as_str()));
                object.insert(PASSWORD.into(), Value::from(only.password.as_str()));
            }
            _ => {
                let entries = self
                    .clients
                    .iter()
                    .map(|client| {
                        let mut entry = Map::new();
                        entry.insert(USERNAME.into(), Value::from(client.username.as_str()));
                        entry.insert(PASSWORD.into(), Value::from(client.password.as_str()));
                        if let Some(routes) = &client.routes {
                            let routes = routes.iter().map(|r| Value::from(r.as_str())).collect();
                            entry.insert(ROUTES.into(), Value::Array(routes));
                        }
                        Value::Object(entry)
                    })
                    .collect();
                object.insert(CLIENTS.into(), Value::Array(entries));
            }
        }
        Value::Object(object).to_string()
    }
}

fn single(username: Option<Value>, password: Option<Value>) -> Result<Client, EntryError> {
    let (Some(Value::String(username)), Some(Value::String(password))) = (username, password) else {
        return Err(EntryError::MissingField);
    };
    checked(username, password, None)
}

fn entry_client(entry: Value) -> Result<Client, EntryError> {
    let Value::Object(mut entry) = entry else {
        return Err(EntryError::NotAnObject);
    };
    let username = entry.remove(USERNAME);
    let password = entry.remove(PASSWORD);
    let routes = entry.remove(ROUTES);
    if !entry.is_empty() {
        return Err(EntryError::UnknownField);
    }
    let (Some(Value::String(username)), Some(Value::String(password))) = (username, password) else {
        return Err(EntryError::MissingField);
    };
    let routes = match routes {
        None => None,
        Some(Value::Array(items)) => Some(
            items
                .into_iter()
                .enumerate()
                .map(|(index, item)| match item {
                    Value::String(text) => {
                        RoutePattern::parse(&text).map_err(|error| EntryError::Route { index, error })
                    }
                    _ => Err(EntryError::RoutesNotStrings),
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Some(_) => return Err(EntryError::RoutesNotStrings),
    };
    checked(username, password, routes)
}

/// Checks a pair Basic authentication can carry. Also used for clients added by a change.
pub fn checked(username: String, password: String, routes: Option<Vec<RoutePattern>>) -> Result<Client, EntryError> {
    if username.is_empty() || password.is_empty() {
        return Err(EntryError::Empty);
    }
    if username.contains(':') || username.chars().chain(password.chars()).any(char::is_control) {
        return Err(EntryError::Unrepresentable);
    }
    if username.chars().count() > MAX_USERNAME_LEN {
        return Err(EntryError::UsernameTooLong);
    }
    Ok(Client {
        username,
        password,
        routes,
    })
}

#[cfg(test)]
mod tests;
