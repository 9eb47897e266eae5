//! `resend_enroll_factor`: [Resend a factor enrollment](https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserFactor/#tag/UserFactor/operation/resendEnrollFactor).
//!
//! `POST /api/v1/users/{userId}/factors/{factorId}/resend` with query
//! `templateId`, header `Accept-Language` and the factor as body → `200` the
//! factor. Okta allows one SMS/call OTP per phone every 30 seconds (else `429`).

use http::header::ACCEPT_LANGUAGE;
use http::{Method, StatusCode};

use crate::model::{FactorEnrollment, UserFactor};
use crate::operation::{BodyError, Operation, RequestParts};
use crate::{decode_json, InputError};

/// Resends the OTP of an sms, call or email enrollment.
#[derive(Debug, Clone, PartialEq)]
pub struct ResendEnrollFactor {
    user_id: String,
    factor_id: String,
    body: FactorEnrollment,
    template_id: Option<String>,
    accept_language: Option<String>,
}

impl ResendEnrollFactor {
    /// Resends for `factor_id` of `user_id`; `body` is the factor as enrolled,
    /// e.g. `FactorEnrollment::sms("+15554151337")`.
    pub fn new(
        user_id: impl Into<String>,
        factor_id: impl Into<String>,
        body: FactorEnrollment,
    ) -> Self {
        Self {
            user_id: user_id.into(),
            factor_id: factor_id.into(),
            body,
            template_id: None,
            accept_language: None,
        }
    }

    /// `templateId`: custom SMS template (sms only).
    pub fn template_id(mut self, template_id: impl Into<String>) -> Self {
        self.template_id = Some(template_id.into());
        self
    }

    /// `Accept-Language`: language of the SMS (ISO 639-1, e.g. `fr`).
    pub fn accept_language(mut self, language: impl Into<String>) -> Self {
        self.accept_language = Some(language.into());
        self
    }
}

impl Operation for ResendEnrollFactor {
    type Output = UserFactor;
    const NAME: &'static str = "resend_enroll_factor";
    const METHOD: Method = Method::POST;
    const PATH_TEMPLATE: &'static str = "/api/v1/users/{userId}/factors/{factorId}/resend";

    fn request_parts(&self) -> Result<RequestParts<'_>, InputError> {
        RequestParts::new(vec![self.user_id.as_str(), self.factor_id.as_str()])
            .query_opt("templateId", self.template_id.as_ref())
            .header_opt(ACCEPT_LANGUAGE, self.accept_language.as_deref())
            .json_body(Some(&self.body))
    }

    fn parse_success(&self, _: StatusCode, body: &[u8]) -> Result<Self::Output, BodyError> {
        decode_json(body)
    }
}
