//! The accepted credentials and their constant-time check.

use sha2::{Digest, Sha256};
use subtle::{Choice, ConstantTimeEq};

use crate::basic::Presented;

/// One accepted username/password pair, held only as SHA-256 digests.
///
/// Comparing fixed-size digests instead of the strings removes the length leak of a plain comparison,
/// and `subtle` compares them without an early exit.
#[derive(Clone)]
pub struct Credential {
    user: [u8; 32],
    password: [u8; 32],
}

impl Credential {
    /// Builds the stored form of a pair.
    pub fn new(username: &str, password: &str) -> Credential {
        Credential {
            user: digest(username),
            password: digest(password),
        }
    }
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credential(<redacted>)")
    }
}

/// Every pair accepted right now: the `AWSCURRENT` version of the secret and, during a rotation, the
/// `AWSPENDING` one.
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

    /// Whether the presented pair equals one of the accepted pairs.
    ///
    /// Runs in time independent of where the first difference is, of which half (user or password)
    /// differs, and of which accepted pair matched: every pair is checked, both halves each time.
    pub fn accepts(&self, presented: &Presented) -> bool {
        let user = digest(&presented.username);
        let password = digest(&presented.password);
        let mut any = Choice::from(0);
        for candidate in &self.accepted {
            any |= candidate.user.ct_eq(&user) & candidate.password.ct_eq(&password);
        }
        any.into()
    }
}

fn digest(value: &str) -> [u8; 32] {
    Sha256::digest(value.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn accepts_any_pair_of_the_set() {
        let set = CredentialSet::new(vec![Credential::new("u", "current"), Credential::new("u", "pending")]);
        assert!(set.accepts(&presented("u", "current")));
        assert!(set.accepts(&presented("u", "pending")));
        assert!(!set.accepts(&presented("u", "previous")));
    }

    #[test]
    fn empty_set_accepts_nothing() {
        assert!(!CredentialSet::default().accepts(&presented("u", "")));
    }

    #[test]
    fn debug_never_shows_digests() {
        let set = CredentialSet::new(vec![Credential::new("u", "p")]);
        assert!(format!("{set:?}").contains("redacted"));
    }
}
