//! `list_supported_security_questions`: [List all supported security questions](https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserFactor/#tag/UserFactor/operation/listSupportedSecurityQuestions).
//!
//! `GET /api/v1/users/{userId}/factors/questions` → `200` array of questions.
//! Okta accepts only an API token (`SSWS`) here, not an OAuth access token.

use http::{Method, StatusCode};

use crate::model::{Malformed, SecurityQuestion};
use crate::operation::{BodyError, Operation, RequestParts};
use crate::response::decode_list;
use crate::InputError;

/// Lists the security questions a user may pick: one `Result` per question,
/// `Err` with the question as sent ([`Malformed`]) when it does not decode, so
/// that one odd question never fails the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListSupportedSecurityQuestions {
    user_id: String,
}

impl ListSupportedSecurityQuestions {
    /// Lists the questions for `user_id`.
    pub fn new(user_id: impl Into<String>) -> Self {
        Self {
            user_id: user_id.into(),
        }
    }
}

impl Operation for ListSupportedSecurityQuestions {
    type Output = Vec<Result<SecurityQuestion, Malformed>>;
    const NAME: &'static str = "list_supported_security_questions";
    const METHOD: Method = Method::GET;
    const PATH_TEMPLATE: &'static str = "/api/v1/users/{userId}/factors/questions";

    fn request_parts(&self) -> Result<RequestParts<'_>, InputError> {
        Ok(RequestParts::new(vec![self.user_id.as_str()]))
    }

    fn parse_success(&self, _: StatusCode, body: &[u8]) -> Result<Self::Output, BodyError> {
        decode_list(body, Ok, |raw, error| Err(Malformed::new(raw, error)))
    }
}
