//! CloudWatch metric namespaces, checked against CloudWatch's rules once, at configuration.

/// The namespace when none is configured (the template parameter `MetricsNamespace`'s default).
pub const DEFAULT_NAMESPACE: &str = "streamgate";

/// A valid CloudWatch metric namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespace(String);

/// Why a string is not a CloudWatch namespace.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NamespaceError {
    /// Empty, whitespace only, or over 255 characters.
    #[error("a metrics namespace must be 1 to 255 characters with at least one that is not a space")]
    Length,
    /// A character outside letters, digits, space and `. - _ / # :`.
    #[error("a metrics namespace may hold only letters, digits, spaces and . - _ / # :")]
    Character,
    /// `AWS/` is reserved for AWS's own metrics.
    #[error("a metrics namespace must not start with AWS/ (reserved for AWS services)")]
    Reserved,
}

impl Namespace {
    /// Checks `text` against CloudWatch's rules for namespaces.
    pub fn parse(text: &str) -> Result<Namespace, NamespaceError> {
        if text.is_empty() || text.len() > 255 || text.trim().is_empty() {
            return Err(NamespaceError::Length);
        }
        let allowed = |c: char| c.is_ascii_alphanumeric() || " .-_/#:".contains(c);
        if !text.chars().all(allowed) {
            return Err(NamespaceError::Character);
        }
        if text.starts_with("AWS/") {
            return Err(NamespaceError::Reserved);
        }
        Ok(Namespace(text.to_owned()))
    }

    /// The namespace's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for Namespace {
    fn default() -> Self {
        Namespace(DEFAULT_NAMESPACE.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_follow_cloudwatch_rules() {
        for good in ["streamgate", "a", "My App/prod", "x.y-z_1#2:3", &"n".repeat(255)] {
            assert_eq!(
                Namespace::parse(good).map(|n| n.as_str().to_owned()),
                Ok(good.to_string())
            );
        }
        for (bad, error) in [
            ("", NamespaceError::Length),
            ("   ", NamespaceError::Length),
            (&"n".repeat(256), NamespaceError::Length),
            ("stream\"gate", NamespaceError::Character),
            ("stream\ngate", NamespaceError::Character),
            ("café", NamespaceError::Character),
            ("AWS/Lambda", NamespaceError::Reserved),
        ] {
            assert_eq!(Namespace::parse(bad), Err(error), "{bad:?}");
        }
        assert_eq!(Namespace::default().as_str(), DEFAULT_NAMESPACE);
    }
}
