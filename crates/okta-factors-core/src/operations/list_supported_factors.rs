//! `list_supported_factors`: [List all supported factors](https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserFactor/#tag/UserFactor/operation/listSupportedFactors).
//!
//! `GET /api/v1/users/{userId}/factors/catalog` → `200` array of catalog entries.

use http::{Method, StatusCode};

use crate::model::{Malformed, SupportedFactor};
use crate::operation::{BodyError, Operation, RequestParts};
use crate::response::decode_list;
use crate::InputError;

/// Lists the factors a user may enroll: one `Result` per catalog entry, `Err`
/// with the entry as sent ([`Malformed`]) when it does not decode, so that one
/// odd entry never fails the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListSupportedFactors {
    user_id: String,
}

impl ListSupportedFactors {
    /// Lists the catalog for `user_id`.
    pub fn new(user_id: impl Into<String>) -> Self {
        Self {
            user_id: user_id.into(),
        }
    }
}

impl Operation for ListSupportedFactors {
    type Output = Vec<Result<SupportedFactor, Malformed>>;
    const NAME: &'static str = "list_supported_factors";
    const METHOD: Method = Method::GET;
    const PATH_TEMPLATE: &'static str = "/api/v1/users/{userId}/factors/catalog";

    fn request_parts(&self) -> Result<RequestParts<'_>, InputError> {
        Ok(RequestParts::new(vec![self.user_id.as_str()]))
    }

    fn parse_success(&self, _: StatusCode, body: &[u8]) -> Result<Self::Output, BodyError> {
        decode_list(body, Ok, |raw, error| Err(Malformed::new(raw, error)))
    }
}
