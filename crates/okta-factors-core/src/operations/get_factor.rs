//! `get_factor`: [Retrieve a factor](https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserFactor/#tag/UserFactor/operation/getFactor).
//!
//! `GET /api/v1/users/{userId}/factors/{factorId}` → `200` the factor.

use http::{Method, StatusCode};

use crate::model::UserFactor;
use crate::operation::{BodyError, Operation, RequestParts};
use crate::{decode_json, InputError};

/// Retrieves one factor of a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetFactor {
    user_id: String,
    factor_id: String,
}

impl GetFactor {
    /// Retrieves `factor_id` of `user_id`.
    pub fn new(user_id: impl Into<String>, factor_id: impl Into<String>) -> Self {
        Self {
            user_id: user_id.into(),
            factor_id: factor_id.into(),
        }
    }
}

impl Operation for GetFactor {
    type Output = UserFactor;
    const NAME: &'static str = "get_factor";
    const METHOD: Method = Method::GET;
    const PATH_TEMPLATE: &'static str = "/api/v1/users/{userId}/factors/{factorId}";

    fn request_parts(&self) -> Result<RequestParts<'_>, InputError> {
        Ok(RequestParts::new(vec![
            self.user_id.as_str(),
            self.factor_id.as_str(),
        ]))
    }

    fn parse_success(&self, _: StatusCode, body: &[u8]) -> Result<Self::Output, BodyError> {
        decode_json(body)
    }
}
