//! Where the credentials secret's versions live: Secrets Manager ([`sdk`]), or memory in tests
//! ([`memory`]). The steps need only these four operations.

pub mod memory;
pub mod sdk;

use std::future::Future;
use std::time::SystemTime;

/// Stage label of the version in use.
pub const CURRENT: &str = "AWSCURRENT";
/// Stage label of the version being rotated in.
pub const PENDING: &str = "AWSPENDING";
/// Stage label Secrets Manager gives the version a rotation demoted.
pub const PREVIOUS: &str = "AWSPREVIOUS";

/// Which version to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionRef<'a> {
    /// The version carrying a stage label.
    Stage(&'a str),
    /// The version with an id (a rotation's `ClientRequestToken`).
    Id(&'a str),
}

/// One version of the secret.
#[derive(Clone)]
pub struct Version {
    /// Its id.
    pub id: String,
    /// Its stage labels.
    pub stages: Vec<String>,
    /// When Secrets Manager created it.
    pub created: Option<SystemTime>,
    /// Its value.
    pub text: String,
}

impl std::fmt::Debug for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Version")
            .field("id", &self.id)
            .field("stages", &self.stages)
            .field("created", &self.created)
            .finish_non_exhaustive()
    }
}

impl Version {
    /// Whether it carries `stage`.
    pub fn has(&self, stage: &str) -> bool {
        self.stages.iter().any(|s| s == stage)
    }
}

/// A store request that failed. Messages never contain secret values.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store refused or could not be reached.
    #[error("{operation}: {message}")]
    Service {
        /// The operation.
        operation: &'static str,
        /// What went wrong.
        message: String,
    },
    /// The value is not text.
    #[error("the secret's value is not UTF-8 text")]
    NotText,
}

/// The versions of one secret.
pub trait SecretStore: Send + Sync {
    /// One version; `None` when no version has that stage or id.
    fn get(&self, version: VersionRef<'_>) -> impl Future<Output = Result<Option<Version>, StoreError>> + Send;

    /// Creates version `token` holding `text`, staged `AWSPENDING` (which leaves any other version).
    /// Repeating it with the same token and text changes nothing.
    fn put_pending(&self, token: &str, text: &str) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Moves `AWSCURRENT` from version `from` to version `to` (`from` becomes `AWSPREVIOUS`).
    fn make_current(&self, to: &str, from: &str) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Takes `AWSPENDING` off version `id` (nothing when it does not carry it).
    fn clear_pending(&self, id: &str) -> impl Future<Output = Result<(), StoreError>> + Send;
}
