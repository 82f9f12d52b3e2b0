//! The credentials from Secrets Manager: reads `AWSCURRENT`, `AWSPENDING` (only while it is recent:
//! [`crate::rotation`]) and `AWSPREVIOUS` (within its grace) through the one Secrets Manager adapter
//! ([`clients::store::sdk`]), and turns them into the accepted set.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_secretsmanager::Client;
use clients::store::sdk::SecretsManagerStore;
use clients::{Document, SecretStore as _, StoreError, Version, VersionRef};
use lambdabase::SdkClient;

use crate::credentials::{Credential, CredentialSet, Identity};
use crate::rotation::{DEFAULT_PENDING_MAX_AGE, PendingAge, SystemWallClock, WallClock, judge_pending};
use crate::source::{SecretSource, SourceError};

/// Stage label of the version in use.
pub const STAGE_CURRENT: &str = "AWSCURRENT";
/// Stage label of the version being rotated in; exists only during a rotation.
pub const STAGE_PENDING: &str = "AWSPENDING";
/// Stage label of the version the last rotation demoted.
pub const STAGE_PREVIOUS: &str = "AWSPREVIOUS";

/// Default grace of the previous version: 60 minutes (`PREVIOUS_GRACE_MINUTES`).
pub const DEFAULT_PREVIOUS_GRACE: Duration = Duration::from_secs(3600);

/// Credentials from one Secrets Manager secret holding `{"username","password"}` or
/// `{"clients":[...]}` ([`clients::document`]).
#[derive(Clone)]
pub struct SecretsManagerSource {
    store: SecretsManagerStore,
    pending_max_age: Duration,
    previous_grace: Duration,
    wall_clock: Arc<dyn WallClock>,
}

impl std::fmt::Debug for SecretsManagerSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretsManagerSource")
            .field("secret_id", &self.store.secret_id())
            .field("pending_max_age", &self.pending_max_age)
            .field("previous_grace", &self.previous_grace)
            .finish_non_exhaustive()
    }
}

impl SecretsManagerSource {
    /// A source reading `secret_id` (a name or an ARN) through `client`, accepting a pending version
    /// for [`DEFAULT_PENDING_MAX_AGE`] after its creation.
    pub fn new(client: impl Into<SdkClient<Client>>, secret_id: impl Into<String>) -> Self {
        SecretsManagerSource {
            store: SecretsManagerStore::new(client, secret_id),
            pending_max_age: DEFAULT_PENDING_MAX_AGE,
            previous_grace: DEFAULT_PREVIOUS_GRACE,
            wall_clock: Arc::new(SystemWallClock),
        }
    }

    /// Accepts a pending version only while it is younger than `max_age` (`PENDING_MAX_AGE_HOURS`).
    pub fn with_pending_max_age(mut self, max_age: Duration) -> Self {
        self.pending_max_age = max_age;
        self
    }

    /// Accepts the previous version's passwords for `grace` after the current version's creation
    /// (`PREVIOUS_GRACE_MINUTES`; zero: never, and AWSPREVIOUS is not read).
    pub fn with_previous_grace(mut self, grace: Duration) -> Self {
        self.previous_grace = grace;
        self
    }

    /// Measures the age of a pending version with `clock` instead of the system's (tests).
    pub fn with_wall_clock(mut self, clock: impl WallClock + 'static) -> Self {
        self.wall_clock = Arc::new(clock);
        self
    }

    /// One stage of the secret; `None` when that stage does not exist.
    async fn version(&self, stage: &str) -> Result<Option<Version>, SourceError> {
        self.store
            .get(VersionRef::Stage(stage))
            .await
            .map_err(|error| match error {
                StoreError::NotText => SourceError::Malformed(format!("{stage}: {error}")),
                StoreError::Service { .. } => SourceError::Unavailable(format!("{stage}: {error}")),
            })
    }
}

impl SecretSource for SecretsManagerSource {
    /// `GetSecretValue` of AWSCURRENT, AWSPENDING and (with a grace) AWSPREVIOUS.
    fn requests_per_fetch(&self) -> u64 {
        2 + u64::from(!self.previous_grace.is_zero())
    }

    async fn fetch(&self) -> Result<CredentialSet, SourceError> {
        // Every stage at once: one round trip of latency, not three.
        let previous = async {
            match self.previous_grace.is_zero() {
                true => Ok(None),
                false => self.version(STAGE_PREVIOUS).await,
            }
        };
        let (current, pending, previous) =
            tokio::join!(self.version(STAGE_CURRENT), self.version(STAGE_PENDING), previous);
        let current = current?.ok_or_else(|| {
            SourceError::Unavailable(format!("secret has no {STAGE_CURRENT} version (does it exist?)"))
        })?;
        let parsed =
            Document::parse(&current.text).map_err(|e| SourceError::Malformed(format!("{STAGE_CURRENT}: {e}")))?;
        warn_skipped(STAGE_CURRENT, &current, &parsed.skipped);
        let identities: HashMap<&str, Arc<Identity>> = parsed
            .document
            .clients
            .iter()
            .map(|client| {
                let identity = Identity {
                    name: client.username.clone(),
                    routes: client.routes.clone(),
                };
                (client.username.as_str(), Arc::new(identity))
            })
            .collect();
        let mut accepted: Vec<Credential> = parsed
            .document
            .clients
            .iter()
            .filter_map(|c| {
                Some(Credential::scoped(
                    &c.username,
                    &c.password,
                    Arc::clone(identities.get(c.username.as_str())?),
                ))
            })
            .collect();
        // A pending version older than the current one is a leftover, not a rotation in progress.
        let newer = |p: &Version| !matches!((p.created, current.created), (Some(p), Some(c)) if p < c);
        if let Some(pending) = pending?.filter(|p| p.id != current.id && newer(p)) {
            accepted.extend(self.accept_pending(&pending));
        }
        if let Some(previous) = previous?.filter(|p| p.id != current.id) {
            accepted.extend(self.accept_previous(&previous, &current, &identities));
        }
        Ok(CredentialSet::new(accepted))
    }
}

impl SecretsManagerSource {
    /// The pending version's clients, if it is recent and readable. Warnings name the version id
    /// and its age, never its value.
    fn accept_pending(&self, pending: &Version) -> Vec<Credential> {
        let version_id = pending.id.as_str();
        let max_age_hours = self.pending_max_age.as_secs() / 3600;
        match judge_pending(pending.created, self.wall_clock.now(), self.pending_max_age) {
            PendingAge::Fresh => {}
            PendingAge::Stale { age } => {
                tracing::warn!(
                    version_id,
                    age_hours = age.as_secs() / 3600,
                    max_age_hours,
                    "ignoring the pending secret version: older than the maximum age (an abandoned rotation?)"
                );
                return Vec::new();
            }
            PendingAge::Undated => {
                tracing::warn!(
                    version_id,
                    "ignoring the pending secret version: Secrets Manager gave no creation date to bound its age"
                );
                return Vec::new();
            }
        }
        match Document::parse(&pending.text) {
            Ok(parsed) => {
                warn_skipped(STAGE_PENDING, pending, &parsed.skipped);
                parsed.document.clients.iter().map(Credential::of).collect()
            }
            // A half-made rotation must not lock out the current credentials.
            Err(error) => {
                tracing::warn!(%error, version_id, "ignoring the pending secret version");
                Vec::new()
            }
        }
    }

    /// The previous version's passwords, while its grace lasts, for the clients the current version
    /// still has, with the current version's routes: a removed client or a narrowed scope takes
    /// effect at once; only the old password lives on.
    ///
    /// The grace runs from the current version's creation date. Secrets Manager reports no date for
    /// a stage change, and the current version was created before it was promoted (by the seconds a
    /// rotation's steps take), so the grace measured from it is never longer than asked.
    fn accept_previous(
        &self,
        previous: &Version,
        current: &Version,
        identities: &HashMap<&str, Arc<Identity>>,
    ) -> Vec<Credential> {
        let version_id = previous.id.as_str();
        let Some(demoted) = current.created else {
            tracing::warn!(
                version_id,
                "ignoring the previous secret version: Secrets Manager gave the current one no creation date to start its grace"
            );
            return Vec::new();
        };
        let until = demoted + self.previous_grace;
        if self.wall_clock.now() >= until {
            return Vec::new();
        }
        match Document::parse(&previous.text) {
            Ok(parsed) => parsed
                .document
                .clients
                .iter()
                .filter_map(|client| {
                    let identity = identities.get(client.username.as_str())?;
                    Some(Credential::scoped(&client.username, &client.password, Arc::clone(identity)).until(until))
                })
                .collect(),
            Err(error) => {
                tracing::warn!(%error, version_id, "ignoring the previous secret version");
                Vec::new()
            }
        }
    }
}

/// One warning per skipped client entry, naming its index and why, never its values.
fn warn_skipped(stage: &str, version: &Version, skipped: &[clients::document::Skipped]) {
    let version_id = version.id.as_str();
    for entry in skipped {
        tracing::warn!(stage, version_id, index = entry.index, reason = %entry.error, "ignoring a client entry of the secret");
    }
}
