//! `enroll_factor`: [Enroll a factor](https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserFactor/#tag/UserFactor/operation/enrollFactor).
//!
//! `POST /api/v1/users/{userId}/factors` with query `updatePhone`, `templateId`,
//! `tokenLifetimeSeconds`, `activate`, header `Accept-Language` and a
//! [`FactorEnrollment`] body → `200` the enrolled factor.

use http::header::ACCEPT_LANGUAGE;
use http::{Method, StatusCode};

use super::check_token_lifetime;
use crate::model::{FactorEnrollment, UserFactor};
use crate::operation::{BodyError, Operation, RequestParts};
use crate::{decode_json, InputError};

/// Enrolls a factor for a user.
///
/// ```
/// use okta_factors::{operations::EnrollFactor, model::FactorEnrollment};
/// let op = EnrollFactor::new("00u1", FactorEnrollment::sms("+15554151337"))
///     .update_phone(true)
///     .template_id("cstk2flOtuCMDJK4b0g3");
/// # let _ = op;
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct EnrollFactor {
    user_id: String,
    body: FactorEnrollment,
    update_phone: Option<bool>,
    template_id: Option<String>,
    token_lifetime_seconds: Option<u32>,
    activate: Option<bool>,
    accept_language: Option<String>,
}

impl EnrollFactor {
    /// Enrolls `body` for `user_id`.
    pub fn new(user_id: impl Into<String>, body: FactorEnrollment) -> Self {
        Self {
            user_id: user_id.into(),
            body,
            update_phone: None,
            template_id: None,
            token_lifetime_seconds: None,
            activate: None,
            accept_language: None,
        }
    }

    /// `updatePhone`: replace the user's registered phone number (sms/call).
    pub fn update_phone(mut self, update_phone: bool) -> Self {
        self.update_phone = Some(update_phone);
        self
    }

    /// `templateId`: custom SMS template (sms only).
    pub fn template_id(mut self, template_id: impl Into<String>) -> Self {
        self.template_id = Some(template_id.into());
        self
    }

    /// `tokenLifetimeSeconds`: how long the OTP stays valid, 1..=86400 (Okta's default is 300).
    pub fn token_lifetime_seconds(mut self, seconds: u32) -> Self {
        self.token_lifetime_seconds = Some(seconds);
        self
    }

    /// `activate`: activate at once (sms, call, email, token:hotp).
    pub fn activate(mut self, activate: bool) -> Self {
        self.activate = Some(activate);
        self
    }

    /// `Accept-Language`: language of the SMS (ISO 639-1, e.g. `fr`).
    pub fn accept_language(mut self, language: impl Into<String>) -> Self {
        self.accept_language = Some(language.into());
        self
    }

    /// The body.
    pub fn body(&self) -> &FactorEnrollment {
        &self.body
    }
}

impl Operation for EnrollFactor {
    type Output = UserFactor;
    const NAME: &'static str = "enroll_factor";
    const METHOD: Method = Method::POST;
    const PATH_TEMPLATE: &'static str = "/api/v1/users/{userId}/factors";

    fn request_parts(&self) -> Result<RequestParts<'_>, InputError> {
        check_token_lifetime(self.token_lifetime_seconds)?;
        RequestParts::new(vec![self.user_id.as_str()])
            .query_opt("updatePhone", self.update_phone)
            .query_opt("templateId", self.template_id.as_ref())
            .query_opt("tokenLifetimeSeconds", self.token_lifetime_seconds)
            .query_opt("activate", self.activate)
            .header_opt(ACCEPT_LANGUAGE, self.accept_language.as_deref())
            .json_body(Some(&self.body))
    }

    fn parse_success(&self, _: StatusCode, body: &[u8]) -> Result<Self::Output, BodyError> {
        decode_json(body)
    }
}
