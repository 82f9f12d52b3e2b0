//! An in-memory secret with Secrets Manager's staging rules, for unit tests of the steps and the
//! CLI: one label per version at a time, `AWSPREVIOUS` given to the version `AWSCURRENT` left.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use super::{CURRENT, PENDING, PREVIOUS, SecretStore, StoreError, Version, VersionRef};

/// A secret in memory; clones share it.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    versions: Arc<Mutex<Vec<Version>>>,
    fail_puts: Arc<Mutex<bool>>,
}

impl MemoryStore {
    /// A secret whose `AWSCURRENT` version `initial` holds `text`.
    pub fn new(text: &str) -> MemoryStore {
        let store = MemoryStore::default();
        store.lock().push(Version {
            id: "initial".into(),
            stages: vec![CURRENT.into()],
            created: Some(SystemTime::now()),
            text: text.into(),
        });
        store
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Version>> {
        self.versions.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Every version, oldest first.
    pub fn versions(&self) -> Vec<Version> {
        self.lock().clone()
    }

    /// Makes every later `put_pending` fail (a store outage in the middle of a change).
    pub fn fail_puts(&self) {
        *self.fail_puts.lock().unwrap_or_else(PoisonError::into_inner) = true;
    }
}

fn move_label(versions: &mut [Version], label: &str, to: Option<&str>) {
    for version in versions.iter_mut() {
        version.stages.retain(|s| s != label);
        if Some(version.id.as_str()) == to {
            version.stages.push(label.into());
        }
    }
}

impl SecretStore for MemoryStore {
    async fn get(&self, version: VersionRef<'_>) -> Result<Option<Version>, StoreError> {
        Ok(self
            .lock()
            .iter()
            .find(|v| match version {
                VersionRef::Stage(stage) => v.has(stage),
                VersionRef::Id(id) => v.id == id,
            })
            .cloned())
    }

    async fn put_pending(&self, token: &str, text: &str) -> Result<(), StoreError> {
        if *self.fail_puts.lock().unwrap_or_else(PoisonError::into_inner) {
            return Err(StoreError::Service {
                operation: "PutSecretValue",
                message: "injected failure".into(),
            });
        }
        let mut versions = self.lock();
        if let Some(existing) = versions.iter().find(|v| v.id == token) {
            return match existing.text == text {
                true => Ok(()),
                false => Err(StoreError::Service {
                    operation: "PutSecretValue",
                    message: "ResourceExistsException: the version exists with another value".into(),
                }),
            };
        }
        versions.push(Version {
            id: token.into(),
            stages: Vec::new(),
            created: Some(SystemTime::now()),
            text: text.into(),
        });
        move_label(&mut versions, PENDING, Some(token));
        Ok(())
    }

    async fn make_current(&self, to: &str, from: &str) -> Result<(), StoreError> {
        let mut versions = self.lock();
        if !versions.iter().any(|v| v.id == to) || !versions.iter().any(|v| v.id == from && v.has(CURRENT)) {
            return Err(StoreError::Service {
                operation: "UpdateSecretVersionStage",
                message: "InvalidParameterException: the versions do not exist or are not staged so".into(),
            });
        }
        move_label(&mut versions, CURRENT, Some(to));
        move_label(&mut versions, PREVIOUS, Some(from));
        Ok(())
    }

    async fn clear_pending(&self, id: &str) -> Result<(), StoreError> {
        let mut versions = self.lock();
        if let Some(version) = versions.iter_mut().find(|v| v.id == id) {
            version.stages.retain(|s| s != PENDING);
        }
        Ok(())
    }
}
