//! `list_factors`: [List all enrolled factors](https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserFactor/#tag/UserFactor/operation/listFactors).
//!
//! `GET /api/v1/users/{userId}/factors` → `200` array of factors.

use http::{Method, StatusCode};

use crate::model::{MalformedFactor, UserFactor};
use crate::operation::{BodyError, Operation, RequestParts};
use crate::response::decode_list;
use crate::InputError;

/// Lists the factors a user has enrolled. An unknown factor type in the list
/// parses as [`UserFactor::Unknown`], and a factor that does not decode as its
/// type (a member of another type, say) as [`UserFactor::Malformed`], kept as
/// sent with its error: neither fails the list, nor costs the other factors
/// anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListFactors {
    user_id: String,
}

impl ListFactors {
    /// Lists the factors of `user_id`.
    pub fn new(user_id: impl Into<String>) -> Self {
        Self {
            user_id: user_id.into(),
        }
    }
}

impl Operation for ListFactors {
    type Output = Vec<UserFactor>;
    const NAME: &'static str = "list_factors";
    const METHOD: Method = Method::GET;
    const PATH_TEMPLATE: &'static str = "/api/v1/users/{userId}/factors";

    fn request_parts(&self) -> Result<RequestParts<'_>, InputError> {
        Ok(RequestParts::new(vec![self.user_id.as_str()]))
    }

    fn parse_success(&self, _: StatusCode, body: &[u8]) -> Result<Self::Output, BodyError> {
        decode_list(
            body,
            |factor| factor,
            |raw, error| UserFactor::Malformed(Box::new(MalformedFactor::new(raw, error))),
        )
    }
}
