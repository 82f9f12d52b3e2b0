//! Reading a function's configuration from its environment variables, one way for every function.
//!
//! Each function's `config.rs` keeps its typed `Config` and reads it through an [`Env`]: a lookup
//! (the process environment in production, a map in tests) and a few readers, each saying what a
//! variable must hold. A refused value becomes one [`EnvError`] that names the variable, what it
//! held and what it must be, so a misconfigured stack fails at init with a message an operator can
//! act on.
//!
//! Every value is trimmed. A blank value (empty, or only spaces):
//! - is missing for [`Env::required`];
//! - takes the default for the `_or` readers ([`Env::text_or`], [`Env::flag_or`],
//!   [`Env::parsed_or`]), as a template passes an empty parameter to mean "not set";
//! - is a value that does not parse for [`Env::number`], [`Env::parsed`] and
//!   [`Env::metrics_namespace`] (a blanked number is a mistake worth failing init for), unless the
//!   `Env` reads [`blank_as_unset`](Env::blank_as_unset).

use std::fmt::Display;
use std::ops::RangeInclusive;
use std::str::FromStr;

/// What `METRICS_NAMESPACE` must hold, in an error's words (the rules of `emf::Namespace::parse`).
const NAMESPACE_RULE: &str =
    "a CloudWatch namespace (1 to 255 of letters, digits, spaces and . - _ / # :, not starting with AWS/)";

/// A missing or unusable setting: names the variable, what it held and what it must hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvError {
    /// A required variable is unset or blank.
    #[error("environment variable {0} is required")]
    Missing(&'static str),
    /// A variable's value is not what it must be.
    #[error("environment variable {name} must be {expected}, got {value:?}")]
    Invalid {
        /// The variable.
        name: &'static str,
        /// What it held (trimmed).
        value: String,
        /// What it must hold, e.g. "a whole number of hours from 1 to 720".
        expected: String,
    },
}

impl EnvError {
    /// `name` held `value`, which is not `expected`: for the checks a reader cannot make alone
    /// (one variable against another).
    pub fn invalid(name: &'static str, value: impl Into<String>, expected: impl Into<String>) -> EnvError {
        EnvError::Invalid {
            name,
            value: value.into(),
            expected: expected.into(),
        }
    }

    /// The variable the error is about.
    pub fn name(&self) -> &'static str {
        match self {
            EnvError::Missing(name) | EnvError::Invalid { name, .. } => name,
        }
    }
}

/// The process environment, as a lookup for [`Env::new`].
pub fn process(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// An unsigned integer type a variable may hold: its bounds say which ranges need no words.
pub trait WholeNumber: FromStr + PartialOrd + Display + Copy {
    /// The smallest value of the type.
    const MIN: Self;
    /// The largest value of the type.
    const MAX: Self;
}

macro_rules! whole_number {
    ($($t:ty),*) => {$(
        impl WholeNumber for $t {
            const MIN: Self = <$t>::MIN;
            const MAX: Self = <$t>::MAX;
        }
    )*};
}
whole_number!(u16, u32, u64, usize);

/// The readers of one function's configuration.
#[derive(Clone)]
pub struct Env<L> {
    lookup: L,
    blank_as_unset: bool,
}

impl<L: Fn(&str) -> Option<String>> Env<L> {
    /// Reads through `lookup`: [`process`] in production, a map in tests.
    pub fn new(lookup: L) -> Self {
        Env {
            lookup,
            blank_as_unset: false,
        }
    }

    /// Reads a blank variable as unset everywhere, numbers and parsed values included (the topics
    /// function has always read its environment this way).
    pub fn blank_as_unset(self) -> Self {
        Env {
            blank_as_unset: true,
            ..self
        }
    }

    /// The trimmed value; `None` when unset (or blank, when blank is unset).
    fn get(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
            .map(|value| value.trim().to_owned())
            .filter(|value| !(self.blank_as_unset && value.is_empty()))
    }

    /// The trimmed value; `None` when unset or blank.
    fn non_blank(&self, name: &str) -> Option<String> {
        self.get(name).filter(|value| !value.is_empty())
    }

    /// A variable that must be set and not blank.
    pub fn required(&self, name: &'static str) -> Result<String, EnvError> {
        self.non_blank(name).ok_or(EnvError::Missing(name))
    }

    /// A required variable read by `parse`; when `parse` refuses it, the error says the variable
    /// must be `expected`.
    pub fn required_parsed<T, E>(
        &self,
        name: &'static str,
        expected: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, EnvError> {
        let text = self.required(name)?;
        parse(&text).map_err(|_| EnvError::invalid(name, text, expected))
    }

    /// The variable's text, or `default` when it is unset or blank.
    pub fn text_or(&self, name: &str, default: &str) -> String {
        self.non_blank(name).unwrap_or_else(|| default.to_owned())
    }

    /// [`text_or`](Self::text_or) read by `parse`; when `parse` refuses it, the error says the
    /// variable must be `expected`.
    pub fn parsed_or<T, E>(
        &self,
        name: &'static str,
        default: &str,
        expected: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, EnvError> {
        let text = self.text_or(name, default);
        parse(&text).map_err(|_| EnvError::invalid(name, text, expected))
    }

    /// An optional variable read by `parse`: `None` when unset; when `parse` refuses it (a blank
    /// value included), the error says the variable must be `expected`.
    pub fn parsed<T, E>(
        &self,
        name: &'static str,
        expected: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<Option<T>, EnvError> {
        self.get(name)
            .map(|text| parse(&text).map_err(|_| EnvError::invalid(name, text, expected)))
            .transpose()
    }

    /// An optional whole number within `range`: `None` when unset.
    pub fn number<T: WholeNumber>(&self, name: &'static str, range: RangeInclusive<T>) -> Result<Option<T>, EnvError> {
        self.whole(name, None, range)
    }

    /// An optional whole number of `unit`s ("seconds", "hours") within `range`: `None` when unset.
    pub fn number_of<T: WholeNumber>(
        &self,
        name: &'static str,
        unit: &str,
        range: RangeInclusive<T>,
    ) -> Result<Option<T>, EnvError> {
        self.whole(name, Some(unit), range)
    }

    fn whole<T: WholeNumber>(
        &self,
        name: &'static str,
        unit: Option<&str>,
        range: RangeInclusive<T>,
    ) -> Result<Option<T>, EnvError> {
        let expected = whole_number_rule(unit, &range);
        self.parsed(name, &expected, |text| {
            text.parse::<T>().ok().filter(|n| range.contains(n)).ok_or(())
        })
    }

    /// `true` or `false` (exactly, after trimming), or `default` when unset or blank.
    pub fn flag_or(&self, name: &'static str, default: bool) -> Result<bool, EnvError> {
        match self.non_blank(name).as_deref() {
            None => Ok(default),
            Some("true") => Ok(true),
            Some("false") => Ok(false),
            Some(other) => Err(EnvError::invalid(name, other, "true or false")),
        }
    }

    /// `name` (`METRICS_NAMESPACE` in every function): the CloudWatch namespace of the function's
    /// EMF metrics, `streamgate` when unset. The caller names the variable so that each config.rs
    /// lists every variable it reads (the template checks look for them there).
    pub fn metrics_namespace(&self, name: &'static str) -> Result<emf::Namespace, EnvError> {
        Ok(self
            .parsed(name, NAMESPACE_RULE, emf::Namespace::parse)?
            .unwrap_or_default())
    }
}

/// What a whole-number variable must hold, in words: the bounds a type already has go unsaid.
fn whole_number_rule<T: WholeNumber>(unit: Option<&str>, range: &RangeInclusive<T>) -> String {
    let of = unit.map(|unit| format!(" of {unit}")).unwrap_or_default();
    let (start, end) = (*range.start(), *range.end());
    match (start == T::MIN, end == T::MAX) {
        (true, true) => format!("a whole number{of}"),
        (false, true) => format!("a whole number{of}, at least {start}"),
        _ => format!("a whole number{of} from {start} to {end}"),
    }
}

#[cfg(test)]
mod tests;
