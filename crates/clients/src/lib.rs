//! The API's clients, as the credentials secret holds them, and the one way that secret changes.
//!
//! - [`document`]: the secret's value, in its two forms (one `{"username","password"}` pair, or
//!   `{"clients":[...]}` of named clients with route scopes), read leniently by the authorizer (a bad
//!   entry costs only that client) and strictly by anything that writes.
//! - [`route_pattern`]: `"POST /submit/orders-*/*"`, matched against a request's method and path.
//! - [`password`]: generated passwords (the operating system's CSPRNG) and the strength rule.
//! - [`change`]: add, remove, rotate: a document in, a new document out, pure.
//! - [`steps`]: Secrets Manager's four rotation steps over a [`store::SecretStore`]; the rotation
//!   function runs them one per invocation, `streamgate credentials` all four in a row.

pub mod change;
pub mod document;
pub mod password;
pub mod route_pattern;
pub mod steps;
pub mod store;

pub use change::{Change, ChangeError};
pub use document::{Client, Document, DocumentError, EntryError, Parsed};
pub use route_pattern::{PatternError, RoutePattern};
pub use store::{SecretStore, StoreError, Version, VersionRef};
