use super::*;
use crate::store::PREVIOUS;
use crate::store::memory::MemoryStore;

const STRONG_A: &str = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghjkmn";

fn store() -> MemoryStore {
    MemoryStore::new(&format!(
        r#"{{"clients":[{{"username":"a","password":"{STRONG_A}"}},{{"username":"b","password":"{STRONG_A}x"}}]}}"#
    ))
}

async fn current(store: &MemoryStore) -> Document {
    let version = store.get(VersionRef::Stage(CURRENT)).await.unwrap().unwrap();
    Document::parse_strict(&version.text).unwrap()
}

#[tokio::test]
async fn the_four_steps_rotate_and_demote() {
    let store = store();
    let before = current(&store).await;
    let token = "token-1";
    let staged = create_secret(&store, token, &Change::Rotate(vec!["a".into()]))
        .await
        .unwrap();
    assert_eq!(
        staged,
        Outcome::Staged {
            changed: vec!["a".into()]
        }
    );
    // Retried with the same token: nothing new.
    assert_eq!(
        create_secret(&store, token, &Change::RotateAll).await.unwrap(),
        Outcome::AlreadyStaged
    );
    assert_eq!(store.versions().len(), 2);
    assert_eq!(set_secret(&store, token).await.unwrap(), Outcome::NothingToSet);
    assert_eq!(
        test_secret(&store, token).await.unwrap(),
        Outcome::Tested {
            clients: 2,
            weak_kept: vec![]
        }
    );
    assert_eq!(current(&store).await, before, "nothing changes before finishSecret");
    assert_eq!(
        finish_secret(&store, token).await.unwrap(),
        Outcome::Finished {
            previous: "initial".into()
        }
    );
    assert_eq!(finish_secret(&store, token).await.unwrap(), Outcome::AlreadyCurrent);
    let after = current(&store).await;
    assert_ne!(
        after.client("a").unwrap().password,
        before.client("a").unwrap().password
    );
    assert_eq!(after.client("b"), before.client("b"));
    let previous = store.get(VersionRef::Stage(PREVIOUS)).await.unwrap().unwrap();
    assert_eq!(previous.id, "initial");
    assert!(
        store.get(VersionRef::Stage(PENDING)).await.unwrap().is_none(),
        "AWSPENDING is taken off the promoted version"
    );
}

#[tokio::test]
async fn a_failed_change_leaves_no_pending_version() {
    let store = MemoryStore::new(r#"{"clients":[{"username":"a","password":"short"}]}"#);
    // A weak password the change itself would set is refused by testSecret...
    let weak = Change::Add {
        username: "n".into(),
        routes: None,
    };
    apply(&store, &weak).await.unwrap();
    store
        .put_pending("t", r#"{"clients":[{"username":"a","password":"tiny"}]}"#)
        .await
        .unwrap();
    assert!(test_secret(&store, "t").await.is_err());
    abandon(&store, "t").await.unwrap();
    assert!(store.get(VersionRef::Stage(PENDING)).await.unwrap().is_none());
}

#[tokio::test]
async fn a_failed_test_leaves_current_untouched() {
    let store = store();
    let before = current(&store).await;
    // A weak password this version introduces (as a hand-made pending version would).
    let weak = r#"{"clients":[{"username":"a","password":"short"}]}"#;
    store.put_pending("t", weak).await.unwrap();
    let error = test_secret(&store, "t").await.unwrap_err();
    assert!(
        matches!(&error, StepError::Weak(names) if names == &["a".to_string()]),
        "{error}"
    );
    assert!(!error.to_string().contains("short"));
    assert_eq!(current(&store).await, before);
}

#[tokio::test]
async fn a_weak_password_kept_from_current_is_reported_not_refused() {
    let store = MemoryStore::new(r#"{"clients":[{"username":"a","password":"short"}]}"#);
    create_secret(
        &store,
        "t",
        &Change::Add {
            username: "n".into(),
            routes: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(
        test_secret(&store, "t").await.unwrap(),
        Outcome::Tested {
            clients: 2,
            weak_kept: vec!["a".into()]
        }
    );
    assert!(matches!(
        apply(&store, &Change::Remove("x".into())).await,
        Err(StepError::Change(_))
    ));
    // Rotating the weak client fixes it.
    apply(&store, &Change::RotateAll).await.unwrap();
    assert!(password::is_strong(
        &current(&store).await.client("a").unwrap().password
    ));
}

#[tokio::test]
async fn steps_refuse_unknown_and_unstaged_versions() {
    let store = store();
    assert!(matches!(
        set_secret(&store, "nope").await,
        Err(StepError::UnknownVersion(_))
    ));
    assert!(matches!(
        finish_secret(&store, "nope").await,
        Err(StepError::UnknownVersion(_))
    ));
    create_secret(&store, "t1", &Change::RotateAll).await.unwrap();
    // A second staged version takes AWSPENDING from the first, which then cannot be finished.
    create_secret(&store, "t2", &Change::RotateAll).await.unwrap();
    assert!(matches!(
        finish_secret(&store, "t1").await,
        Err(StepError::NotPending(_))
    ));
    finish_secret(&store, "t2").await.unwrap();
}

#[tokio::test]
async fn an_invalid_current_version_is_not_changed() {
    let store = MemoryStore::new(r#"{"clients":[{"username":"a","password":"x"},{"username":"b"}]}"#);
    assert!(matches!(
        create_secret(&store, "t", &Change::RotateAll).await,
        Err(StepError::Current(_))
    ));
    assert_eq!(store.versions().len(), 1);
}

#[tokio::test]
async fn a_store_failure_is_an_error_and_changes_nothing() {
    let store = store();
    store.fail_puts();
    assert!(matches!(
        apply(&store, &Change::RotateAll).await,
        Err(StepError::Store(_))
    ));
    assert_eq!(store.versions().len(), 1);
}

#[test]
fn step_names() {
    for step in [
        Step::CreateSecret,
        Step::SetSecret,
        Step::TestSecret,
        Step::FinishSecret,
    ] {
        assert_eq!(Step::parse(step.as_str()), Some(step));
    }
    assert_eq!(Step::parse("rotate"), None);
}
