//! The changes `streamgate credentials` and the rotation function make to the clients: a document
//! in, a new document out, no I/O. Each refuses a result with no client.

use crate::document::{Client, Document, EntryError, Form, checked};
use crate::password::{self, RandomError};
use crate::route_pattern::RoutePattern;

/// One change to the clients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A new password for every client (the scheduled rotation).
    RotateAll,
    /// A new password for these clients.
    Rotate(Vec<String>),
    /// A new client with a generated password.
    Add {
        /// Its username.
        username: String,
        /// Its routes (`None` = every route).
        routes: Option<Vec<RoutePattern>>,
    },
    /// Removes a client.
    Remove(String),
}

/// Why a change cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    /// `Rotate`/`Remove` of a client the secret does not have.
    #[error("no client named {0:?}")]
    Unknown(String),
    /// `Add` of a username the secret has.
    #[error("a client named {0:?} exists already")]
    Exists(String),
    /// The change would leave the secret without a client, and with it nobody able to call the API.
    #[error("refusing to remove the last client: the API would accept nobody")]
    LastClient,
    /// A username Basic authentication cannot carry.
    #[error("{0}")]
    Username(EntryError),
    /// No password could be generated.
    #[error(transparent)]
    Random(#[from] RandomError),
}

impl Change {
    /// The document after this change, and the names of the clients whose password it set.
    pub fn apply(&self, document: &Document) -> Result<(Document, Vec<String>), ChangeError> {
        let mut next = document.clone();
        let mut changed = Vec::new();
        match self {
            Change::RotateAll => {
                for client in &mut next.clients {
                    client.password = password::generate()?;
                    changed.push(client.username.clone());
                }
            }
            Change::Rotate(names) => {
                for name in names {
                    let client = next
                        .clients
                        .iter_mut()
                        .find(|c| &c.username == name)
                        .ok_or_else(|| ChangeError::Unknown(name.clone()))?;
                    client.password = password::generate()?;
                    changed.push(name.clone());
                }
            }
            Change::Add { username, routes } => {
                if next.client(username).is_some() {
                    return Err(ChangeError::Exists(username.clone()));
                }
                let client: Client =
                    checked(username.clone(), password::generate()?, routes.clone()).map_err(ChangeError::Username)?;
                next.clients.push(client);
                next.form = Form::Named;
                changed.push(username.clone());
            }
            Change::Remove(name) => {
                let before = next.clients.len();
                next.clients.retain(|c| &c.username != name);
                if next.clients.len() == before {
                    return Err(ChangeError::Unknown(name.clone()));
                }
                if next.clients.is_empty() {
                    return Err(ChangeError::LastClient);
                }
                next.form = Form::Named;
            }
        }
        Ok((next, changed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document() -> Document {
        Document::parse_strict(r#"{"clients":[{"username":"a","password":"pa"},{"username":"b","password":"pb","routes":["GET /streams"]}]}"#)
            .unwrap()
    }

    #[test]
    fn rotate_changes_only_the_named_passwords() {
        let (next, changed) = Change::Rotate(vec!["b".into()]).apply(&document()).unwrap();
        assert_eq!(changed, ["b"]);
        assert_eq!(next.client("a").unwrap().password, "pa");
        let b = next.client("b").unwrap();
        assert!(password::is_strong(&b.password));
        assert_eq!(b.routes, document().client("b").unwrap().routes);
        let (all, changed) = Change::RotateAll.apply(&document()).unwrap();
        assert_eq!(changed, ["a", "b"]);
        assert!(all.clients.iter().all(|c| password::is_strong(&c.password)));
        assert!(matches!(
            Change::Rotate(vec!["zz".into()]).apply(&document()),
            Err(ChangeError::Unknown(_))
        ));
    }

    #[test]
    fn add_and_remove() {
        let routes = Some(vec![RoutePattern::parse("POST /submit/orders-*/*").unwrap()]);
        let add = Change::Add {
            username: "c".into(),
            routes: routes.clone(),
        };
        let (next, _) = add.apply(&document()).unwrap();
        assert_eq!(next.client("c").unwrap().routes, routes);
        assert!(matches!(add.apply(&next), Err(ChangeError::Exists(_))));
        let bad = Change::Add {
            username: "x:y".into(),
            routes: None,
        };
        assert!(matches!(bad.apply(&next), Err(ChangeError::Username(_))));
        let (next, _) = Change::Remove("a".into()).apply(&next).unwrap();
        let (next, _) = Change::Remove("b".into()).apply(&next).unwrap();
        assert!(matches!(
            Change::Remove("c".into()).apply(&next),
            Err(ChangeError::LastClient)
        ));
        assert!(matches!(
            Change::Remove("a".into()).apply(&next),
            Err(ChangeError::Unknown(_))
        ));
    }

    #[test]
    fn adding_to_a_single_form_secret_makes_it_named() {
        let single = Document::parse_strict(r#"{"username":"u","password":"p"}"#).unwrap();
        let (next, _) = Change::Add {
            username: "v".into(),
            routes: None,
        }
        .apply(&single)
        .unwrap();
        let written = Document::parse_strict(&next.to_json()).unwrap();
        assert_eq!(written.form, Form::Named);
        assert_eq!(written.client("u").unwrap().password, "p");
        assert!(written.client("v").is_some());
        let (rotated, _) = Change::RotateAll.apply(&single).unwrap();
        assert_eq!(Document::parse_strict(&rotated.to_json()).unwrap().form, Form::Single);
    }
}
