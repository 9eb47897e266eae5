//! `unenroll_factor`: [Unenroll a factor](https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserFactor/#tag/UserFactor/operation/unenrollFactor).
//!
//! `DELETE /api/v1/users/{userId}/factors/{factorId}` with query
//! `removeRecoveryEnrollment` → `204` (no body, often no `Content-Type`).

use http::{Method, StatusCode};

use crate::operation::{BodyError, Operation, RequestParts};
use crate::InputError;

/// Unenrolls a factor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnenrollFactor {
    user_id: String,
    factor_id: String,
    remove_recovery_enrollment: Option<bool>,
}

impl UnenrollFactor {
    /// Unenrolls `factor_id` of `user_id`.
    pub fn new(user_id: impl Into<String>, factor_id: impl Into<String>) -> Self {
        Self {
            user_id: user_id.into(),
            factor_id: factor_id.into(),
            remove_recovery_enrollment: None,
        }
    }

    /// `removeRecoveryEnrollment`: also remove the phone as a recovery method (sms/call).
    pub fn remove_recovery_enrollment(mut self, remove: bool) -> Self {
        self.remove_recovery_enrollment = Some(remove);
        self
    }
}

impl Operation for UnenrollFactor {
    type Output = ();
    const NAME: &'static str = "unenroll_factor";
    const METHOD: Method = Method::DELETE;
    const PATH_TEMPLATE: &'static str = "/api/v1/users/{userId}/factors/{factorId}";

    fn request_parts(&self) -> Result<RequestParts<'_>, InputError> {
        Ok(
            RequestParts::new(vec![self.user_id.as_str(), self.factor_id.as_str()])
                .query_opt("removeRecoveryEnrollment", self.remove_recovery_enrollment),
        )
    }

    /// Any 2xx is success; the body, if any, is ignored.
    fn parse_success(&self, _: StatusCode, _: &[u8]) -> Result<Self::Output, BodyError> {
        Ok(())
    }
}
