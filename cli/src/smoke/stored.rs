//! Whether the record read back from the stream is the body that was sent, and if not, what that
//! says about the stack: the `direct` submit route stores whatever API Gateway's Kinesis-PutRecord
//! integration makes of `Data: $request.body`, which nothing offline can show; `SubmitIntegration=
//! function` stores the body's exact bytes.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// What a user should do when the stored bytes are not the body.
pub const FIX: &str = "redeploy with `sam deploy --parameter-overrides SubmitIntegration=function` \
(POST /submit served by the submit function, which stores the body's exact bytes)";

/// The `stream` check's verdict on the `stored` bytes of a record whose request body was `sent`.
pub fn verdict(sent: &[u8], stored: &[u8]) -> Result<String, String> {
    if stored == sent {
        return Ok(format!(
            "the record holds the {} bytes sent, byte for byte",
            stored.len()
        ));
    }
    if stored == STANDARD.encode(sent).as_bytes() {
        return Err(format!(
            "the stream holds the body base64-encoded ({} bytes for {} sent): API Gateway encoded `Data` \
             once more, and every consumer would read base64. Fix: {FIX}",
            stored.len(),
            sent.len()
        ));
    }
    let what = format!(
        "the record differs from the body sent ({} bytes stored, {} sent; starts {:?})",
        stored.len(),
        sent.len(),
        String::from_utf8_lossy(&stored[..stored.len().min(60)])
    );
    Err(format!("{what}. Fix: {FIX}"))
}

/// A hint for a submit refused although the credentials were accepted: the direct route's
/// integration may refuse a body that is not base64.
pub fn refused_submit_hint(status: u16) -> Option<String> {
    (status == 400 || status >= 500).then(|| {
        format!(
            "if the stack uses SubmitIntegration=direct, API Gateway may refuse a body that is not base64 \
             (look for integrationError in the API's access log); {FIX}"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_bytes_pass() {
        assert!(verdict(b"{\"a\": 1}", b"{\"a\": 1}").unwrap().contains("8 bytes"));
    }

    #[test]
    fn base64_of_the_body_names_the_parameter() {
        let sent = br#"{"smoke": "x", "integer": 123456789012345678901234567890}"#;
        let stored = STANDARD.encode(sent);
        let why = verdict(sent, stored.as_bytes()).unwrap_err();
        assert!(why.contains("base64-encoded"), "{why}");
        assert!(why.contains("SubmitIntegration=function"), "{why}");
    }

    #[test]
    fn any_other_difference_names_the_parameter_too() {
        for stored in [&b"{\"a\":1}"[..], b"", b"\xff\xfe"] {
            let why = verdict(b"{\"a\": 1}", stored).unwrap_err();
            assert!(why.contains("SubmitIntegration=function"), "{why}");
        }
    }

    #[test]
    fn refused_submits_hint_only_for_the_integrations_statuses() {
        assert!(refused_submit_hint(400).is_some());
        assert!(refused_submit_hint(500).is_some());
        assert!(refused_submit_hint(403).is_none());
        assert!(refused_submit_hint(404).is_none());
    }
}
