//! `poll_factor_activation`: the `poll` link of a push activation.
//!
//! `POST /api/v1/users/{userId}/factors/{factorId}/lifecycle/activate/poll`
//! with no body → `200` the activated factor, the activation still waiting
//! for the device, or the activation's end (`TIMEOUT`, …), as an
//! [`ActivateOutcome`]. Not one of the ten operations of the spec: it is the
//! link Okta puts in a push enrollment (`_links.poll`), built here from the
//! org and the IDs. The clients' `wait_for_push_activation` polls it.

use http::{Method, StatusCode};

use super::activate_factor::parse_activate_outcome;
use crate::model::ActivateOutcome;
use crate::operation::{BodyError, Operation, RequestParts};
use crate::InputError;

/// Asks whether the device has activated a push factor yet. Unlike
/// [`ActivateFactor`](super::ActivateFactor), it never restarts an expired
/// activation.
///
/// ```
/// use okta_factors::{Credentials, Operation, OrgUrl, operations::PollFactorActivation};
/// let org = OrgUrl::parse("https://dev-123456.okta.com").unwrap();
/// let creds = Credentials::api_token("00token").unwrap();
/// let request = PollFactorActivation::new("00u1", "opf1").build_request(&org, &creds).unwrap();
/// assert_eq!(request.method(), "POST");
/// assert_eq!(
///     request.uri(),
///     "https://dev-123456.okta.com/api/v1/users/00u1/factors/opf1/lifecycle/activate/poll"
/// );
/// assert_eq!(request.headers()["content-length"], "0");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollFactorActivation {
    user_id: String,
    factor_id: String,
}

impl PollFactorActivation {
    /// Polls the activation of `factor_id` of `user_id`.
    pub fn new(user_id: impl Into<String>, factor_id: impl Into<String>) -> Self {
        Self {
            user_id: user_id.into(),
            factor_id: factor_id.into(),
        }
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

impl Operation for PollFactorActivation {
    type Output = ActivateOutcome;
    const NAME: &'static str = "poll_factor_activation";
    const METHOD: Method = Method::POST;
    const PATH_TEMPLATE: &'static str =
        "/api/v1/users/{userId}/factors/{factorId}/lifecycle/activate/poll";

    fn request_parts(&self) -> Result<RequestParts<'_>, InputError> {
        Ok(RequestParts::new(vec![
            self.user_id.as_str(),
            self.factor_id.as_str(),
        ]))
    }

    /// The same shapes as [`ActivateFactor`](super::ActivateFactor)'s answer.
    fn parse_success(&self, _: StatusCode, body: &[u8]) -> Result<Self::Output, BodyError> {
        parse_activate_outcome(body)
    }
}
