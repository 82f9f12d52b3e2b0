//! Which proxy streams are this stack's: those it created, which carry its id in a tag set at
//! creation. A name is not enough: another stack (or anyone with CreateStream) can make a stream
//! named `<stack>-proxy-…`, and the proxy must neither read, write nor delete it. IAM checks the same
//! tag (`aws:ResourceTag` on describe, put and delete; `aws:RequestTag` on create), so the function's
//! check gives the clear answer and IAM the fence.

/// The tag key; its value is the stack's id (the CloudFormation stack ARN, unique per stack).
pub const OWNER_TAG: &str = "streamgate:stack";

/// The tags a stream this stack creates carries.
pub fn owner_tags(stack_id: &str) -> Vec<(String, String)> {
    vec![(OWNER_TAG.to_string(), stack_id.to_string())]
}

/// Whether a stream with `tags` belongs to the stack `stack_id`.
pub fn is_owned(tags: &[(String, String)], stack_id: &str) -> bool {
    tags.iter().any(|(key, value)| key == OWNER_TAG && value == stack_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_stacks_tag_owns() {
        let id = "arn:aws:cloudformation:eu-west-1:1:stack/s/uuid";
        assert!(is_owned(&owner_tags(id), id));
        assert!(!is_owned(&[], id));
        assert!(!is_owned(
            &owner_tags("arn:aws:cloudformation:eu-west-1:1:stack/s/other"),
            id
        ));
        let renamed = vec![("streamgate:Stack".to_string(), id.to_string())];
        assert!(!is_owned(&renamed, id), "tag keys are case-sensitive");
    }
}
