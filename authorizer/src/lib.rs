//! streamgate's Basic-auth Lambda authorizer for API Gateway.
//!
//! One binary answers both API Gateway flavours, detected from the event: HTTP API payload format
//! 2.0 (simple responses) and REST TOKEN/REQUEST authorizers (IAM policies). Credentials live in one
//! Secrets Manager secret, cached per execution environment ([`cache`], fed by a [`source`] and timed
//! by a [`clock`]).
//!
//! Decisions are pure functions of the event and the cached credentials ([`basic`], [`credentials`],
//! [`event`]); [`secrets`] is the only module that talks to AWS.

pub mod basic;
pub mod cache;
pub mod clock;
pub mod config;
pub mod credentials;
#[cfg(any(test, feature = "test-util"))]
pub mod doubles;
pub mod event;
pub mod handler;
pub mod rotation;
pub mod scope;
pub mod secrets;
pub mod source;
pub mod topic_scope;

pub use cache::{CachePolicy, CredentialCache};
pub use clock::SystemClock;
pub use config::Config;
pub use handler::{Authorizer, AuthorizerError, Decision, Reason};
pub use secrets::SecretsManagerSource;
