//! What stopped a walk ([`Fault`]), and the poison reason it stands for once serde_json has said
//! whether the text is JSON at all ([`classify`]).

use jiter::{JiterError, JiterErrorType, JsonErrorType, LinePosition};

use crate::record::Poison;

/// What stopped a walk, before [`classify`] has the last word.
#[derive(Debug)]
pub(super) enum Fault {
    /// jiter found a syntax error at this byte.
    Syntax { index: usize },
    /// The document's content cannot be stored, if it is JSON at all.
    Content(Poison),
}

impl From<JiterError> for Fault {
    fn from(error: JiterError) -> Self {
        match error.error_type {
            // An integer of more than 4,300 digits: JSON, and a number DynamoDB cannot hold.
            JiterErrorType::JsonError(JsonErrorType::NumberOutOfRange) => Fault::Content(Poison::BadNumber),
            _ => Fault::Syntax { index: error.index },
        }
    }
}

impl From<Poison> for Fault {
    fn from(poison: Poison) -> Self {
        Fault::Content(poison)
    }
}

/// The poison reason of a failed walk. serde_json decides whether the text is JSON, with the
/// positions it has always reported; only JSON gets the content's own reason.
pub(super) fn classify(text: &str, fault: Fault) -> Poison {
    match (serde_json::from_str::<serde::de::IgnoredAny>(text), fault) {
        (Err(error), _) => Poison::NotJson {
            line: error.line(),
            column: error.column(),
        },
        (Ok(_), Fault::Content(poison)) => poison,
        // JSON to serde_json's skimming, not to jiter: a lone surrogate escape, which serde_json
        // too refuses when it decodes the string. Not storable text either way.
        (Ok(_), Fault::Syntax { index }) => {
            let position = LinePosition::find(text.as_bytes(), index);
            Poison::NotJson {
                line: position.line,
                column: position.column,
            }
        }
    }
}
