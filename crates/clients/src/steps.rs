//! Secrets Manager's four rotation steps, over any [`SecretStore`].
//!
//! The rotation function runs one step per invocation (Secrets Manager calls it four times with the
//! same `ClientRequestToken`); `streamgate credentials` runs all four in a row through [`apply`], so a
//! client added from the command line goes through exactly the checks a scheduled rotation does.
//! Every step may be retried with the same token and does nothing the second time.

use crate::change::{Change, ChangeError};
use crate::document::{Document, DocumentError};
use crate::password;
use crate::store::{CURRENT, PENDING, SecretStore, StoreError, Version, VersionRef};

/// A rotation step, as Secrets Manager names it in the event's `Step`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Stage a new version as `AWSPENDING`.
    CreateSecret,
    /// Set the new credentials in the service that checks them.
    SetSecret,
    /// Check the new version.
    TestSecret,
    /// Move `AWSCURRENT` to the new version.
    FinishSecret,
}

impl Step {
    /// The step named `name` (`createSecret`, ...).
    pub fn parse(name: &str) -> Option<Step> {
        match name {
            "createSecret" => Some(Step::CreateSecret),
            "setSecret" => Some(Step::SetSecret),
            "testSecret" => Some(Step::TestSecret),
            "finishSecret" => Some(Step::FinishSecret),
            _ => None,
        }
    }

    /// Its name in the event.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::CreateSecret => "createSecret",
            Step::SetSecret => "setSecret",
            Step::TestSecret => "testSecret",
            Step::FinishSecret => "finishSecret",
        }
    }
}

/// What a step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// createSecret staged the new version; these clients got new passwords.
    Staged {
        /// The clients whose password changed.
        changed: Vec<String>,
    },
    /// createSecret found the token's version already there (a retried step).
    AlreadyStaged,
    /// setSecret: the authorizer reads the secret itself; there is nothing else to update.
    NothingToSet,
    /// testSecret: the pending version is valid, with this many clients.
    Tested {
        /// Its clients.
        clients: usize,
        /// Clients whose weak password the version carries over unchanged from `AWSCURRENT` (already
        /// accepted today: refusing the change would not make them less so); rotate them.
        weak_kept: Vec<String>,
    },
    /// finishSecret moved `AWSCURRENT` to the token's version from version `previous`.
    Finished {
        /// The version that is now `AWSPREVIOUS`.
        previous: String,
    },
    /// The token's version is already `AWSCURRENT` (a retried finish).
    AlreadyCurrent,
}

/// Why a step failed. Never quotes a password.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The secret has no `AWSCURRENT` version.
    #[error("the secret has no AWSCURRENT version")]
    NoCurrent,
    /// No version has the token's id.
    #[error("no version {0} of the secret (createSecret has not run for this token)")]
    UnknownVersion(String),
    /// The token's version is neither `AWSPENDING` nor `AWSCURRENT`.
    #[error("version {0} is not staged AWSPENDING")]
    NotPending(String),
    /// The current version is not wholly valid: a change would drop the invalid entries.
    #[error("the current version cannot be changed safely: {0}")]
    Current(DocumentError),
    /// The pending version is not valid.
    #[error("the pending version is invalid: {0}")]
    Pending(DocumentError),
    /// Clients with a password shorter than the strength rule allows.
    #[error(
        "clients with a weak password (under {min} characters or too few distinct ones): {names}; rotate them",
        min = password::MIN_LENGTH,
        names = .0.join(", ")
    )]
    Weak(Vec<String>),
    /// The change cannot be made.
    #[error(transparent)]
    Change(#[from] ChangeError),
}

/// createSecret: stages `change` applied to `AWSCURRENT` as version `token`, `AWSPENDING`.
pub async fn create_secret(store: &impl SecretStore, token: &str, change: &Change) -> Result<Outcome, StepError> {
    if store.get(VersionRef::Id(token)).await?.is_some() {
        return Ok(Outcome::AlreadyStaged);
    }
    let current = store
        .get(VersionRef::Stage(CURRENT))
        .await?
        .ok_or(StepError::NoCurrent)?;
    let document = Document::parse_strict(&current.text).map_err(StepError::Current)?;
    let (next, changed) = change.apply(&document)?;
    store.put_pending(token, &next.to_json()).await?;
    Ok(Outcome::Staged { changed })
}

/// setSecret: nothing to set; checks only that the token's version is the pending one.
pub async fn set_secret(store: &impl SecretStore, token: &str) -> Result<Outcome, StepError> {
    staged(store, token).await?;
    Ok(Outcome::NothingToSet)
}

/// testSecret: the token's version parses strictly, and every password it sets or changes is
/// strong. A weak password carried over unchanged from `AWSCURRENT` is reported, not refused: it is
/// accepted today either way, and refusing would block every change (adding a client too) until it
/// is rotated.
pub async fn test_secret(store: &impl SecretStore, token: &str) -> Result<Outcome, StepError> {
    let version = staged(store, token).await?;
    let document = Document::parse_strict(&version.text).map_err(StepError::Pending)?;
    let current = match version.has(CURRENT) {
        true => None,
        false => store.get(VersionRef::Stage(CURRENT)).await?,
    };
    let current = current.and_then(|c| Document::parse(&c.text).ok()).map(|p| p.document);
    let kept = |name: &str, password: &str| {
        current
            .as_ref()
            .and_then(|c| c.client(name))
            .is_some_and(|c| c.password == password)
    };
    let (mut weak, mut weak_kept) = (Vec::new(), Vec::new());
    for client in document.clients.iter().filter(|c| !password::is_strong(&c.password)) {
        match kept(&client.username, &client.password) {
            true => weak_kept.push(client.username.clone()),
            false => weak.push(client.username.clone()),
        }
    }
    if !weak.is_empty() {
        return Err(StepError::Weak(weak));
    }
    Ok(Outcome::Tested {
        clients: document.clients.len(),
        weak_kept,
    })
}

/// finishSecret: moves `AWSCURRENT` to the token's version, then takes `AWSPENDING` off it.
///
/// Left on the promoted version, `AWSPENDING` would come back to life as soon as anything else
/// makes a new current version (a console edit): the authorizer accepts a young pending version, so
/// a client that edit removed would keep working. Secrets Manager accepts a finished rotation with
/// `AWSPENDING` on the current version or on none.
pub async fn finish_secret(store: &impl SecretStore, token: &str) -> Result<Outcome, StepError> {
    let version = staged(store, token).await?;
    if version.has(CURRENT) {
        if version.has(PENDING) {
            store.clear_pending(token).await?;
        }
        return Ok(Outcome::AlreadyCurrent);
    }
    let current = store
        .get(VersionRef::Stage(CURRENT))
        .await?
        .ok_or(StepError::NoCurrent)?;
    store.make_current(token, &current.id).await?;
    store.clear_pending(token).await?;
    Ok(Outcome::Finished { previous: current.id })
}

/// Takes `AWSPENDING` off a version whose change failed before it was finished, so it is not
/// accepted as a pending version for `PENDING_MAX_AGE_HOURS` and does not block Secrets Manager's
/// next rotation (which refuses to start while `AWSPENDING` is on a version that is not current).
pub async fn abandon(store: &impl SecretStore, token: &str) -> Result<(), StepError> {
    match store.get(VersionRef::Id(token)).await? {
        Some(version) if version.has(PENDING) && !version.has(CURRENT) => Ok(store.clear_pending(token).await?),
        _ => Ok(()),
    }
}

/// The token's version, which must be `AWSPENDING` (or, on a retried finish, `AWSCURRENT`).
async fn staged(store: &impl SecretStore, token: &str) -> Result<Version, StepError> {
    let version = store
        .get(VersionRef::Id(token))
        .await?
        .ok_or_else(|| StepError::UnknownVersion(token.into()))?;
    if !version.has(PENDING) && !version.has(CURRENT) {
        return Err(StepError::NotPending(token.into()));
    }
    Ok(version)
}

/// What [`apply`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The new version's id.
    pub version: String,
    /// The clients whose password changed.
    pub changed: Vec<String>,
    /// Clients keeping a weak password from the previous version ([`Outcome::Tested`]).
    pub weak_kept: Vec<String>,
}

impl Applied {
    /// A line to print when clients keep a weak password, naming them (never the passwords).
    pub fn weak_warning(&self) -> Option<String> {
        (!self.weak_kept.is_empty()).then(|| {
            format!(
                "warning: {} keep a weak password (under {} characters or too few distinct ones): rotate them\n",
                self.weak_kept.join(", "),
                password::MIN_LENGTH
            )
        })
    }
}

/// All four steps for `change` under a new token: what `streamgate credentials` does.
pub async fn apply(store: &impl SecretStore, change: &Change) -> Result<Applied, StepError> {
    let token = uuid::Uuid::new_v4().to_string();
    let changed = match create_secret(store, &token, change).await? {
        Outcome::Staged { changed } => changed,
        _ => Vec::new(),
    };
    let checked = async {
        set_secret(store, &token).await?;
        let weak_kept = match test_secret(store, &token).await? {
            Outcome::Tested { weak_kept, .. } => weak_kept,
            _ => Vec::new(),
        };
        finish_secret(store, &token).await?;
        Ok::<_, StepError>(weak_kept)
    };
    match checked.await {
        Ok(weak_kept) => Ok(Applied {
            version: token,
            changed,
            weak_kept,
        }),
        Err(error) => {
            // Best effort: the step's error is the one to report.
            let _ = abandon(store, &token).await;
            Err(error)
        }
    }
}

#[cfg(test)]
mod tests;
