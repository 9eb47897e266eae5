//! `verify_factor`: [Verify a factor](https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserFactor/#tag/UserFactor/operation/verifyFactor).
//!
//! `POST /api/v1/users/{userId}/factors/{factorId}/verify` with query
//! `templateId`, `tokenLifetimeSeconds`, headers `X-Forwarded-For`,
//! `User-Agent`, `Accept-Language` and an optional [`VerifyFactorRequest`] body
//! → `200` a result, or `201` `WAITING` for push ([`VerifyOutcome`]).
//!
//! Without a body, sms/call/email/u2f/webauthn issue a challenge and push sends
//! a notification. `{}` (an empty body) also issues a challenge.

use http::header::{ACCEPT_LANGUAGE, USER_AGENT};
use http::{HeaderName, Method, StatusCode};

use super::check_token_lifetime;
use crate::model::{Secret, VerifyOutcome};
use crate::operation::{BodyError, Operation, RequestParts};
use crate::{decode_json, InputError};

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

wire_object! {
    /// The body of `verify_factor`: one object with optional members. Build it
    /// with a constructor and the `with_…` setters:
    ///
    /// ```
    /// use okta_factors::operations::VerifyFactorRequest;
    /// let body = VerifyFactorRequest::pass_code("123456").with_next_pass_code("654321");
    /// assert_eq!(
    ///     serde_json::to_string(&body).unwrap(),
    ///     r#"{"passCode":"123456","nextPassCode":"654321"}"#
    /// );
    /// ```
    pub struct VerifyFactorRequest {
        /// OTP.
        "passCode" => pass_code: Secret,
        /// Security question answer.
        "answer" => answer: Secret,
        /// Next OTP (Symantec VIP).
        "nextPassCode" => next_pass_code: Secret,
        /// Activation token.
        "activationToken" => activation_token: Secret,
        /// U2F/WebAuthn client data.
        "clientData" => client_data: String,
        /// U2F/WebAuthn signature.
        "signatureData" => signature_data: String,
        /// WebAuthn authenticator data.
        "authenticatorData" => authenticator_data: String,
        /// WebAuthn attestation.
        "attestation" => attestation: String,
        /// U2F registration data.
        "registrationData" => registration_data: String,
        /// Authn state token.
        "stateToken" => state_token: Secret,
        /// Ask for a number-matching push.
        "useNumberMatchingChallenge" => use_number_matching_challenge: bool,
    }
}

setters! {
    VerifyFactorRequest {
        with_pass_code => pass_code: Secret,
        with_answer => answer: Secret,
        with_next_pass_code => next_pass_code: Secret,
        with_activation_token => activation_token: Secret,
        with_client_data => client_data: String,
        with_signature_data => signature_data: String,
        with_authenticator_data => authenticator_data: String,
        with_attestation => attestation: String,
        with_registration_data => registration_data: String,
        with_state_token => state_token: Secret,
        with_use_number_matching_challenge => use_number_matching_challenge: bool,
    }
}

impl VerifyFactorRequest {
    /// `{"passCode": …}`: an OTP.
    pub fn pass_code(pass_code: impl Into<Secret>) -> Self {
        Self {
            pass_code: Some(pass_code.into()),
            ..Self::default()
        }
    }

    /// `{"answer": …}`: a security question answer.
    pub fn answer(answer: impl Into<Secret>) -> Self {
        Self {
            answer: Some(answer.into()),
            ..Self::default()
        }
    }

    /// `{"useNumberMatchingChallenge": true}`: a number-matching push.
    pub fn number_matching() -> Self {
        Self {
            use_number_matching_challenge: Some(true),
            ..Self::default()
        }
    }

    /// `{}`: issues a challenge (same as no body for OTP factors).
    pub fn challenge() -> Self {
        Self::default()
    }

    /// U2F: `{"clientData": …, "signatureData": …}`, the browser's answer to the
    /// challenge's nonce.
    pub fn u2f(client_data: impl Into<String>, signature_data: impl Into<String>) -> Self {
        Self {
            client_data: Some(client_data.into()),
            signature_data: Some(signature_data.into()),
            ..Self::default()
        }
    }

    /// WebAuthn: `{"clientData": …, "authenticatorData": …, "signatureData": …}`,
    /// the assertion the browser returned for the challenge.
    pub fn webauthn(
        client_data: impl Into<String>,
        authenticator_data: impl Into<String>,
        signature_data: impl Into<String>,
    ) -> Self {
        Self {
            client_data: Some(client_data.into()),
            authenticator_data: Some(authenticator_data.into()),
            signature_data: Some(signature_data.into()),
            ..Self::default()
        }
    }
}

/// Verifies a factor, or issues its challenge.
///
/// ```
/// use okta_factors::operations::{VerifyFactor, VerifyFactorRequest};
/// let op = VerifyFactor::new("00u1", "opf1")
///     .body(VerifyFactorRequest::number_matching())
///     .user_agent("Mozilla/5.0 (Macintosh)")
///     .forwarded_for("23.235.46.133");
/// # let _ = op;
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct VerifyFactor {
    user_id: String,
    factor_id: String,
    template_id: Option<String>,
    token_lifetime_seconds: Option<u32>,
    forwarded_for: Option<String>,
    user_agent: Option<String>,
    accept_language: Option<String>,
    body: Option<VerifyFactorRequest>,
}

impl VerifyFactor {
    /// Verifies `factor_id` of `user_id`, with no body.
    pub fn new(user_id: impl Into<String>, factor_id: impl Into<String>) -> Self {
        Self {
            user_id: user_id.into(),
            factor_id: factor_id.into(),
            template_id: None,
            token_lifetime_seconds: None,
            forwarded_for: None,
            user_agent: None,
            accept_language: None,
            body: None,
        }
    }

    /// Sets the body.
    pub fn body(mut self, body: VerifyFactorRequest) -> Self {
        self.body = Some(body);
        self
    }

    /// The user ID.
    pub fn user_id(&self) -> &str {
        &self.user_id
    }

    /// The factor ID.
    pub fn factor_id(&self) -> &str {
        &self.factor_id
    }

    /// `templateId`: custom SMS template (sms only).
    pub fn template_id(mut self, template_id: impl Into<String>) -> Self {
        self.template_id = Some(template_id.into());
        self
    }

    /// `tokenLifetimeSeconds`: how long the OTP stays valid, 1..=86400.
    pub fn token_lifetime_seconds(mut self, seconds: u32) -> Self {
        self.token_lifetime_seconds = Some(seconds);
        self
    }

    /// `X-Forwarded-For`: the end user's public IP address.
    pub fn forwarded_for(mut self, ip: impl Into<String>) -> Self {
        self.forwarded_for = Some(ip.into());
        self
    }

    /// `User-Agent`: the end user's user agent (Okta uses it for push risk
    /// decisions). This crate's identity then moves to `X-Okta-User-Agent-Extended`.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// `Accept-Language`: language of the SMS (ISO 639-1, e.g. `fr`).
    pub fn accept_language(mut self, language: impl Into<String>) -> Self {
        self.accept_language = Some(language.into());
        self
    }
}

impl Operation for VerifyFactor {
    type Output = VerifyOutcome;
    const NAME: &'static str = "verify_factor";
    const METHOD: Method = Method::POST;
    const PATH_TEMPLATE: &'static str = "/api/v1/users/{userId}/factors/{factorId}/verify";

    fn request_parts(&self) -> Result<RequestParts<'_>, InputError> {
        check_token_lifetime(self.token_lifetime_seconds)?;
        RequestParts::new(vec![self.user_id.as_str(), self.factor_id.as_str()])
            .query_opt("templateId", self.template_id.as_ref())
            .query_opt("tokenLifetimeSeconds", self.token_lifetime_seconds)
            .header_opt(X_FORWARDED_FOR, self.forwarded_for.as_deref())
            .header_opt(USER_AGENT, self.user_agent.as_deref())
            .header_opt(ACCEPT_LANGUAGE, self.accept_language.as_deref())
            .json_body(self.body.as_ref())
    }

    fn parse_success(&self, _: StatusCode, body: &[u8]) -> Result<Self::Output, BodyError> {
        decode_json(body)
    }
}
