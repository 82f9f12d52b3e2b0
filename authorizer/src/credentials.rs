//! The accepted credentials and their constant-time check.

use std::sync::Arc;
use std::time::SystemTime;

use clients::{Client, RoutePattern};
use sha2::{Digest, Sha256};
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};

use crate::basic::Presented;

/// Who a matching pair authenticates: the client's name and what it may call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The client's username, its name in logs, metrics and `context.username`.
    pub name: String,
    /// Its routes; `None` = every route.
    pub routes: Option<Vec<RoutePattern>>,
}

impl Identity {
    /// A client that may call every route.
    pub fn unrestricted(name: &str) -> Identity {
        Identity {
            name: name.into(),
            routes: None,
        }
    }

    /// Whether a request with `method` and decoded path `segments` is within this client's scope.
    pub fn allows<S: AsRef<str>>(&self, method: &str, segments: &[S]) -> bool {
        self.routes
            .as_ref()
            .is_none_or(|routes| routes.iter().any(|route| route.matches(method, segments)))
    }
}

/// One accepted username/password pair, held only as SHA-256 digests, with the identity it
/// authenticates and, for a demoted version's password, the time it stops being accepted.
///
/// Comparing fixed-size digests instead of the strings removes the length leak of a plain comparison,
/// and `subtle` compares them without an early exit. Both digests sit in one array of words: `subtle`
/// compares a word as cheaply as a byte, so a pair costs 8 comparisons instead of 64, which matters
/// when every request compares against every client of the secret.
#[derive(Clone)]
pub struct Credential {
    pair: Pair,
    identity: Arc<Identity>,
    until: Option<SystemTime>,
}

impl Credential {
    /// An unrestricted pair, accepted without end (tests and the single-user form).
    pub fn new(username: &str, password: &str) -> Credential {
        Credential::scoped(username, password, Arc::new(Identity::unrestricted(username)))
    }

    /// The pair of `client`, with its routes.
    pub fn of(client: &Client) -> Credential {
        let identity = Identity {
            name: client.username.clone(),
            routes: client.routes.clone(),
        };
        Credential::scoped(&client.username, &client.password, Arc::new(identity))
    }

    /// A pair authenticating `identity`.
    pub fn scoped(username: &str, password: &str, identity: Arc<Identity>) -> Credential {
        Credential {
            pair: pair(username, password),
            identity,
            until: None,
        }
    }

    /// Accepted only before `until` (a demoted version's grace).
    pub fn until(mut self, until: SystemTime) -> Credential {
        self.until = Some(until);
        self
    }
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("identity", &self.identity.name)
            .field("until", &self.until)
            .finish_non_exhaustive()
    }
}

/// Every pair accepted right now: the clients of the `AWSCURRENT` version and, around a rotation,
/// of a young `AWSPENDING` and of `AWSPREVIOUS` within its grace.
#[derive(Debug, Clone, Default)]
pub struct CredentialSet {
    accepted: Vec<Credential>,
}

impl CredentialSet {
    /// A set of accepted pairs.
    pub fn new(accepted: Vec<Credential>) -> CredentialSet {
        CredentialSet { accepted }
    }

    /// How many pairs are accepted.
    pub fn len(&self) -> usize {
        self.accepted.len()
    }

    /// Whether no pair is accepted.
    pub fn is_empty(&self) -> bool {
        self.accepted.is_empty()
    }

    /// Whether the presented pair equals one of the pairs accepted at `now`.
    pub fn accepts(&self, presented: &Presented) -> bool {
        self.identify(presented, SystemTime::now()).is_some()
    }

    /// The identity the presented pair authenticates at `now`, if any.
    ///
    /// Runs in time independent of where the first difference is, of which half (user or password)
    /// differs, of whether the user exists, and of which accepted pair matched: every pair is
    /// checked, both halves each time, and the match is picked without a branch on secret data.
    pub fn identify(&self, presented: &Presented, now: SystemTime) -> Option<Arc<Identity>> {
        let presented = pair(&presented.username, &presented.password);
        let mut any = Choice::from(0);
        let mut index = 0u32;
        for (position, candidate) in self.accepted.iter().enumerate() {
            // Expiry depends on the clock and the secret's dates, not on what was presented.
            let live = Choice::from(u8::from(candidate.until.is_none_or(|until| now < until)));
            let hit = candidate.pair[..].ct_eq(&presented[..]) & live;
            index.conditional_assign(&u32::try_from(position).unwrap_or(u32::MAX), hit);
            any |= hit;
        }
        let matched: bool = any.into();
        matched
            .then(|| self.accepted.get(index as usize))
            .flatten()
            .map(|credential| Arc::clone(&credential.identity))
    }
}

/// The SHA-256 digests of a username and a password, as eight words.
type Pair = [u64; 8];

fn pair(username: &str, password: &str) -> Pair {
    let mut words = [0u64; 8];
    let digests = [Sha256::digest(username.as_bytes()), Sha256::digest(password.as_bytes())];
    for (word, chunk) in words.iter_mut().zip(digests.iter().flat_map(|d| d.chunks_exact(8))) {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(chunk);
        *word = u64::from_le_bytes(bytes);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn presented(username: &str, password: &str) -> Presented {
        Presented {
            username: username.into(),
            password: password.into(),
        }
    }

    #[test]
    fn accepts_only_the_exact_pair() {
        let set = CredentialSet::new(vec![Credential::new("alice", "pw")]);
        assert!(set.accepts(&presented("alice", "pw")));
        assert!(!set.accepts(&presented("alice", "pw ")));
        assert!(!set.accepts(&presented("alice", "PW")));
        assert!(!set.accepts(&presented("Alice", "pw")));
        assert!(!set.accepts(&presented("bob", "pw")));
        assert!(!set.accepts(&presented("alice", "")));
        // The halves are not interchangeable, and a shifted colon is a different pair.
        assert!(!set.accepts(&presented("pw", "alice")));
        assert!(!set.accepts(&presented("alice:p", "w")));
    }

    #[test]
    fn accepts_any_pair_of_the_set_and_names_its_client() {
        let scoped = Arc::new(Identity {
            name: "partner".into(),
            routes: Some(vec![RoutePattern::parse("GET /streams").unwrap()]),
        });
        let set = CredentialSet::new(vec![
            Credential::new("u", "current"),
            Credential::new("u", "pending"),
            Credential::scoped("partner", "p1", Arc::clone(&scoped)),
        ]);
        let now = SystemTime::now();
        assert_eq!(set.identify(&presented("u", "current"), now).unwrap().name, "u");
        assert_eq!(set.identify(&presented("u", "pending"), now).unwrap().name, "u");
        assert_eq!(set.identify(&presented("partner", "p1"), now), Some(scoped));
        assert!(set.identify(&presented("u", "previous"), now).is_none());
        assert!(set.identify(&presented("partner", "current"), now).is_none());
    }

    #[test]
    fn a_pair_with_an_end_is_refused_from_then_on() {
        let now = SystemTime::now();
        let set = CredentialSet::new(vec![Credential::new("u", "old").until(now + Duration::from_secs(60))]);
        assert!(set.identify(&presented("u", "old"), now).is_some());
        assert!(
            set.identify(&presented("u", "old"), now + Duration::from_secs(59))
                .is_some()
        );
        assert!(
            set.identify(&presented("u", "old"), now + Duration::from_secs(60))
                .is_none()
        );
    }

    #[test]
    fn empty_set_accepts_nothing() {
        assert!(!CredentialSet::default().accepts(&presented("u", "")));
    }

    #[test]
    fn debug_never_shows_digests() {
        let set = CredentialSet::new(vec![Credential::new("u", "p")]);
        let text = format!("{set:?}");
        assert!(text.contains("..") && !text.contains("password"), "{text}");
    }
}
