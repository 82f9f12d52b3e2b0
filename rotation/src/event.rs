//! The rotation event: Secrets Manager's `{"SecretId","ClientRequestToken","Step"}`, and the
//! optional `Clients` that `streamgate credentials rotate NAME` adds (Secrets Manager never sends it:
//! a scheduled rotation rotates every client).

use clients::Change;
use clients::steps::Step;
use serde::Deserialize;

/// The event as it arrives.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RotationEvent {
    /// The secret's ARN.
    pub secret_id: String,
    /// The new version's id, the same in all four steps.
    pub client_request_token: String,
    /// `createSecret`, `setSecret`, `testSecret` or `finishSecret`.
    pub step: String,
    /// The clients to rotate (absent: all).
    #[serde(default)]
    pub clients: Option<Vec<String>>,
}

/// What to do, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The step.
    pub step: Step,
    /// The new version's id.
    pub token: String,
    /// The change createSecret stages.
    pub change: Change,
}

/// An event this function must not act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// Not the shape above.
    #[error("not a Secrets Manager rotation event: {0}")]
    Shape(String),
    /// A `Step` Secrets Manager does not send.
    #[error("unknown step {0:?}")]
    Step(String),
    /// Another secret than this function's: a misconfigured schedule must not rotate it.
    #[error("this function rotates {expected} only, not {got}")]
    OtherSecret {
        /// The configured secret.
        expected: String,
        /// The event's.
        got: String,
    },
    /// A token Secrets Manager would not make.
    #[error("ClientRequestToken must be 32 to 64 characters of letters, digits and '-'")]
    Token,
    /// `Clients` present but empty.
    #[error("Clients, when given, must name at least one client")]
    NoClients,
}

impl Request {
    /// Checks `event` against the secret this function is configured for (`secret_id`, an ARN or
    /// name: the event's ARN must equal it or, for a name, end with `:secret:NAME-xxxxxx`).
    pub fn from_event(event: serde_json::Value, secret_id: &str) -> Result<Request, EventError> {
        let event: RotationEvent = serde_json::from_value(event).map_err(|e| EventError::Shape(e.to_string()))?;
        if !same_secret(&event.secret_id, secret_id) {
            return Err(EventError::OtherSecret {
                expected: secret_id.into(),
                got: event.secret_id,
            });
        }
        let step = Step::parse(&event.step).ok_or_else(|| EventError::Step(event.step.clone()))?;
        let token = event.client_request_token;
        if !(32..=64).contains(&token.len()) || !token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(EventError::Token);
        }
        let change = match event.clients {
            None => Change::RotateAll,
            Some(names) if names.is_empty() => return Err(EventError::NoClients),
            Some(names) => Change::Rotate(names),
        };
        Ok(Request { step, token, change })
    }
}

fn same_secret(event: &str, configured: &str) -> bool {
    if event == configured {
        return true;
    }
    // A configured name matches the ARN Secrets Manager sends: `...:secret:NAME-AbCdEf`.
    !configured.starts_with("arn:")
        && event
            .rsplit_once(":secret:")
            .and_then(|(_, name)| name.rsplit_once('-'))
            .is_some_and(|(name, suffix)| name == configured && suffix.len() == 6)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ARN: &str = "arn:aws:secretsmanager:eu-west-1:1:secret:stack/CredentialsSecret-AbCdEf";
    const TOKEN: &str = "5f0c6f0e-1f64-4f07-9c3c-2d4c3f6a1b2c";

    fn event(step: &str) -> serde_json::Value {
        json!({"SecretId": ARN, "ClientRequestToken": TOKEN, "Step": step})
    }

    #[test]
    fn reads_the_secrets_manager_event() {
        let request = Request::from_event(event("createSecret"), ARN).unwrap();
        assert_eq!(request.step, Step::CreateSecret);
        assert_eq!(request.change, Change::RotateAll);
        assert_eq!(request.token, TOKEN);
        let mut named = event("createSecret");
        named["Clients"] = json!(["partner"]);
        assert_eq!(
            Request::from_event(named, "stack/CredentialsSecret").unwrap().change,
            Change::Rotate(vec!["partner".into()])
        );
    }

    #[test]
    fn refuses_what_it_must_not_act_on() {
        assert!(matches!(
            Request::from_event(
                event("createSecret"),
                "arn:aws:secretsmanager:eu-west-1:1:secret:other-AbCdEf"
            ),
            Err(EventError::OtherSecret { .. })
        ));
        assert!(matches!(
            Request::from_event(event("createSecret"), "stack/Credentials"),
            Err(EventError::OtherSecret { .. })
        ));
        assert!(matches!(
            Request::from_event(event("rotate"), ARN),
            Err(EventError::Step(_))
        ));
        let mut short = event("setSecret");
        short["ClientRequestToken"] = json!("x");
        assert_eq!(Request::from_event(short, ARN), Err(EventError::Token));
        let mut none = event("createSecret");
        none["Clients"] = json!([]);
        assert_eq!(Request::from_event(none, ARN), Err(EventError::NoClients));
        assert!(matches!(Request::from_event(json!({}), ARN), Err(EventError::Shape(_))));
    }
}
