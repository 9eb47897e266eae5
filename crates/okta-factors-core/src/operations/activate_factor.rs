//! `activate_factor`: [Activate a factor](https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserFactor/#tag/UserFactor/operation/activateFactor).
//!
//! `POST /api/v1/users/{userId}/factors/{factorId}/lifecycle/activate` with an
//! optional [`ActivateFactorRequest`] body → `200` the activated factor, or for
//! push a waiting (or ended) activation ([`ActivateOutcome`]).

use http::{Method, StatusCode};

use serde::de::IgnoredAny;

use crate::model::{ActivateOutcome, Secret, VerifyResponse};
use crate::operation::{BodyError, Operation, RequestParts};
use crate::{decode_json, InputError};

wire_object! {
    /// The body of `activate_factor`: one object with optional members (the
    /// spec's `oneOf` branches all reduce to it). Build it with a constructor
    /// and the `with_…` setters:
    ///
    /// ```
    /// use okta_factors::operations::ActivateFactorRequest;
    /// let body = ActivateFactorRequest::default().with_use_number_matching_challenge(true);
    /// assert_eq!(serde_json::to_string(&body).unwrap(), r#"{"useNumberMatchingChallenge":true}"#);
    /// ```
    pub struct ActivateFactorRequest {
        /// OTP (sms, call, email, token:software:totp).
        "passCode" => pass_code: Secret,
        /// WebAuthn attestation.
        "attestation" => attestation: String,
        /// U2F/WebAuthn client data.
        "clientData" => client_data: String,
        /// U2F registration data.
        "registrationData" => registration_data: String,
        /// Authn state token.
        "stateToken" => state_token: Secret,
        /// Push: ask for a number-matching challenge.
        "useNumberMatchingChallenge" => use_number_matching_challenge: bool,
    }
}

setters! {
    ActivateFactorRequest {
        with_pass_code => pass_code: Secret,
        with_attestation => attestation: String,
        with_client_data => client_data: String,
        with_registration_data => registration_data: String,
        with_state_token => state_token: Secret,
        with_use_number_matching_challenge => use_number_matching_challenge: bool,
    }
}

impl ActivateFactorRequest {
    /// `{"passCode": …}`.
    pub fn pass_code(pass_code: impl Into<Secret>) -> Self {
        Self {
            pass_code: Some(pass_code.into()),
            ..Self::default()
        }
    }

    /// Push: `{"useNumberMatchingChallenge": true}`, a number-matching
    /// challenge on the activation.
    pub fn number_matching() -> Self {
        Self {
            use_number_matching_challenge: Some(true),
            ..Self::default()
        }
    }

    /// U2F: `{"registrationData": …, "clientData": …}`.
    pub fn u2f(registration_data: impl Into<String>, client_data: impl Into<String>) -> Self {
        Self {
            registration_data: Some(registration_data.into()),
            client_data: Some(client_data.into()),
            ..Self::default()
        }
    }

    /// WebAuthn: `{"attestation": …, "clientData": …}`.
    pub fn webauthn(attestation: impl Into<String>, client_data: impl Into<String>) -> Self {
        Self {
            attestation: Some(attestation.into()),
            client_data: Some(client_data.into()),
            ..Self::default()
        }
    }
}

/// Activates an enrolled factor.
///
/// ```
/// use okta_factors::operations::{ActivateFactor, ActivateFactorRequest};
/// let op = ActivateFactor::new("00u1", "ostf1").body(ActivateFactorRequest::pass_code("123456"));
/// # let _ = op;
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ActivateFactor {
    user_id: String,
    factor_id: String,
    body: Option<ActivateFactorRequest>,
}

impl ActivateFactor {
    /// Activates `factor_id` of `user_id` with no body (push).
    pub fn new(user_id: impl Into<String>, factor_id: impl Into<String>) -> Self {
        Self {
            user_id: user_id.into(),
            factor_id: factor_id.into(),
            body: None,
        }
    }

    /// Sets the body.
    pub fn body(mut self, body: ActivateFactorRequest) -> Self {
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
}

impl Operation for ActivateFactor {
    type Output = ActivateOutcome;
    const NAME: &'static str = "activate_factor";
    const METHOD: Method = Method::POST;
    const PATH_TEMPLATE: &'static str =
        "/api/v1/users/{userId}/factors/{factorId}/lifecycle/activate";

    fn request_parts(&self) -> Result<RequestParts<'_>, InputError> {
        RequestParts::new(vec![self.user_id.as_str(), self.factor_id.as_str()])
            .json_body(self.body.as_ref())
    }

    /// A factor has `factorType` ([`ActivateOutcome::Activated`]); a push
    /// activation result has `factorResult` and no `factorType`
    /// ([`ActivateOutcome::Waiting`], or [`ActivateOutcome::Ended`] for any
    /// result but `WAITING`).
    fn parse_success(&self, _: StatusCode, body: &[u8]) -> Result<Self::Output, BodyError> {
        parse_activate_outcome(body)
    }
}

/// An activation's answer: a factor (it has `factorType`), or a push
/// activation result (`factorResult` and no `factorType`): `WAITING` for the
/// device, or ended (`TIMEOUT`, `REJECTED`, anything else). A cheap probe
/// decides, then the body is decoded as that shape (so decode errors keep
/// their JSON path).
pub(super) fn parse_activate_outcome(body: &[u8]) -> Result<ActivateOutcome, BodyError> {
    #[derive(serde::Deserialize)]
    struct ActivateResponse {
        #[serde(rename = "factorType")]
        factor_type: Option<IgnoredAny>,
        #[serde(rename = "factorResult")]
        factor_result: Option<IgnoredAny>,
    }
    let probe: ActivateResponse = decode_json(body)?;
    if probe.factor_type.is_none() && probe.factor_result.is_some() {
        let response: VerifyResponse = decode_json(body)?;
        Ok(ActivateOutcome::from_result(response))
    } else {
        decode_json(body).map(|factor| ActivateOutcome::Activated(Box::new(factor)))
    }
}
