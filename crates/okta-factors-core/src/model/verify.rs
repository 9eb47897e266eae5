//! Verification results: [`VerifyOutcome`] for verify and transaction polls,
//! [`ActivateOutcome`] for activation.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{Serialize, Serializer};
use serde_json::{Map, Value};

use super::factor::RawFactor;
use super::{Embedded, FactorResult, Link, Links, UserFactor};

wire_object! {
    /// A verify result, push transaction or push activation as it is on the wire.
    /// [`VerifyOutcome`] is the typed view of it.
    pub struct VerifyResponse {
        /// The result, e.g. `SUCCESS`, `CHALLENGE`, `WAITING`.
        "factorResult" => factor_result: FactorResult,
        /// When a waiting push expires (RFC 3339, as sent).
        "expiresAt" => expires_at: String,
        /// Optional display message.
        "factorMessage" => factor_message: String,
        /// Optional display message (3.0-era name).
        "factorResultMessage" => factor_result_message: String,
        /// Profile of the factor; values are plain strings or nulls on the wire.
        "profile" => profile: Map<String, Value>,
        /// `_links` (`poll`/`cancel` while waiting; `verify`/`factor` otherwise).
        "_links" => links: Links,
        /// `_embedded` (number-matching, U2F or WebAuthn challenge).
        "_embedded" => embedded: Box<Embedded>,
    }
}

impl VerifyResponse {
    /// The link of relation `rel`.
    pub fn link(&self, rel: &str) -> Option<&Link> {
        self.links.as_ref()?.get(rel)
    }

    /// A string member of `profile`.
    pub fn profile_str(&self, key: &str) -> Option<&str> {
        self.profile.as_ref()?.get(key)?.as_str()
    }
}

/// A push that is waiting for the user: the poll link to follow, the link to
/// cancel it, when it expires and, for number matching, the number to show.
///
/// ```
/// use okta_factors::model::VerifyOutcome;
/// let outcome: VerifyOutcome = serde_json::from_str(r#"{
///   "expiresAt": "2015-04-01T15:57:32.000Z", "factorResult": "WAITING",
///   "_links": {"poll": {"href": "https://example.okta.com/api/v1/users/00u1/factors/opf1/transactions/v2mst.GldKV5Vx"}},
///   "_embedded": {"challenge": {"correctAnswer": 72}}
/// }"#).unwrap();
/// let VerifyOutcome::Waiting(waiting) = outcome else { panic!() };
/// assert_eq!(waiting.transaction_id().as_deref(), Some("v2mst.GldKV5Vx"));
/// assert_eq!(waiting.correct_answer(), Some(72));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PushWaiting {
    /// The whole response.
    pub response: VerifyResponse,
}

impl PushWaiting {
    /// The `poll` link: follow it (GET for transactions, POST for activations).
    pub fn poll_link(&self) -> Option<&Link> {
        self.response.link("poll")
    }

    /// The `cancel` link.
    pub fn cancel_link(&self) -> Option<&Link> {
        self.response.link("cancel")
    }

    /// When the push expires (RFC 3339, as sent).
    pub fn expires_at(&self) -> Option<&str> {
        self.response.expires_at.as_deref()
    }

    /// The transaction ID: the path segment after `/transactions/` in the poll link
    /// (percent-decoded). `None` for push activations, which poll another URL.
    pub fn transaction_id(&self) -> Option<String> {
        let href = self.poll_link()?.href.as_deref()?;
        let href = href.split(['?', '#']).next().unwrap_or_default();
        let (_, rest) = href.split_once("/transactions/")?;
        let segment = rest.split('/').next().filter(|s| !s.is_empty())?;
        Some(
            percent_encoding::percent_decode_str(segment)
                .decode_utf8_lossy()
                .into_owned(),
        )
    }

    /// The number the user must pick in Okta Verify, for number matching.
    pub fn correct_answer(&self) -> Option<u32> {
        self.response.embedded.as_ref()?.correct_answer()
    }

    /// Whether this is a number-matching push (`_embedded.challenge` present).
    pub fn is_number_matching(&self) -> bool {
        self.response
            .embedded
            .as_ref()
            .is_some_and(|e| e.challenge.is_some())
    }
}

/// The outcome of verify, and of polling a push transaction: one variant per
/// documented `factorResult`, plus `Unknown` (the result string is kept in
/// `VerifyResponse::factor_result`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum VerifyOutcome {
    /// `SUCCESS`: verified.
    Success(VerifyResponse),
    /// `CHALLENGE`: a challenge was issued (OTP sent; U2F/WebAuthn challenge in `_embedded`).
    Challenge(VerifyResponse),
    /// `WAITING`: a push waits for the user; poll it.
    Waiting(PushWaiting),
    /// `REJECTED`: the user rejected the push.
    Rejected(VerifyResponse),
    /// `TIMEOUT`: the push was not answered in time.
    Timeout(VerifyResponse),
    /// `PASSCODE_REPLAYED`: the code was already used in this time window.
    PasscodeReplayed(VerifyResponse),
    /// `TIME_WINDOW_EXCEEDED`: verified outside the allowed window.
    TimeWindowExceeded(VerifyResponse),
    /// `EXPIRED`.
    Expired(VerifyResponse),
    /// `FAILED`.
    Failed(VerifyResponse),
    /// `ERROR`.
    Error(VerifyResponse),
    /// `CANCELLED` or `CANCELED`.
    Cancelled(VerifyResponse),
    /// A result this version does not know, or none at all.
    Unknown(VerifyResponse),
}

impl VerifyOutcome {
    /// Classifies a wire response by its `factorResult`.
    pub(crate) fn from_response(response: VerifyResponse) -> Self {
        let Some(result) = &response.factor_result else {
            return Self::Unknown(response);
        };
        match result {
            FactorResult::Success => Self::Success(response),
            FactorResult::Challenge => Self::Challenge(response),
            FactorResult::Waiting => Self::Waiting(PushWaiting { response }),
            FactorResult::Rejected => Self::Rejected(response),
            FactorResult::Timeout => Self::Timeout(response),
            FactorResult::PasscodeReplayed => Self::PasscodeReplayed(response),
            FactorResult::TimeWindowExceeded => Self::TimeWindowExceeded(response),
            FactorResult::Expired => Self::Expired(response),
            FactorResult::Failed => Self::Failed(response),
            FactorResult::Error => Self::Error(response),
            FactorResult::Cancelled | FactorResult::Canceled => Self::Cancelled(response),
            FactorResult::Other(_) => Self::Unknown(response),
        }
    }

    /// The wire response behind the outcome.
    pub fn response(&self) -> &VerifyResponse {
        match self {
            Self::Waiting(waiting) => &waiting.response,
            Self::Success(r)
            | Self::Challenge(r)
            | Self::Rejected(r)
            | Self::Timeout(r)
            | Self::PasscodeReplayed(r)
            | Self::TimeWindowExceeded(r)
            | Self::Expired(r)
            | Self::Failed(r)
            | Self::Error(r)
            | Self::Cancelled(r)
            | Self::Unknown(r) => r,
        }
    }

    /// Turns the outcome back into the wire response.
    pub fn into_response(self) -> VerifyResponse {
        match self {
            Self::Waiting(waiting) => waiting.response,
            Self::Success(r)
            | Self::Challenge(r)
            | Self::Rejected(r)
            | Self::Timeout(r)
            | Self::PasscodeReplayed(r)
            | Self::TimeWindowExceeded(r)
            | Self::Expired(r)
            | Self::Failed(r)
            | Self::Error(r)
            | Self::Cancelled(r)
            | Self::Unknown(r) => r,
        }
    }

    /// The `factorResult` as sent (`None` when absent).
    pub fn factor_result(&self) -> Option<&FactorResult> {
        self.response().factor_result.as_ref()
    }

    /// Whether the factor was verified.
    pub fn is_success(&self) -> bool {
        matches!(self, Self::Success(_))
    }

    /// Whether the outcome is final for a push (anything but `WAITING`).
    pub fn is_terminal(&self) -> bool {
        !matches!(self, Self::Waiting(_))
    }

    /// The waiting push, if this outcome is `WAITING`.
    pub fn as_waiting(&self) -> Option<&PushWaiting> {
        match self {
            Self::Waiting(waiting) => Some(waiting),
            _ => None,
        }
    }
}

impl Serialize for VerifyOutcome {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.response().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for VerifyOutcome {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        VerifyResponse::deserialize(deserializer).map(Self::from_response)
    }
}

/// The outcome of activating a factor: the activated factor, or (for push) an
/// activation that waits for the device to scan the QR code, or one that
/// ended without it.
///
/// ```
/// use okta_factors::model::{ActivateOutcome, VerifyOutcome};
/// let ended: ActivateOutcome = serde_json::from_str(r#"{"factorResult":"TIMEOUT",
///   "_links":{"activate":{"href":"https://dev-1.okta.com/api/v1/users/00u1/factors/opf1/lifecycle/activate"}}}"#).unwrap();
/// match ended {
///     ActivateOutcome::Activated(factor) => println!("active: {:?}", factor.id()),
///     ActivateOutcome::Waiting(_) => println!("scan the QR code"),
///     ActivateOutcome::Ended(VerifyOutcome::Timeout(_)) => println!("expired: activate again"),
///     ActivateOutcome::Ended(other) => println!("ended: {:?}", other.factor_result()),
///     _ => {}
/// }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ActivateOutcome {
    /// The factor, usually `ACTIVE` now.
    Activated(Box<UserFactor>),
    /// A push activation waiting for the device (`factorResult: WAITING`, no
    /// `factorType`).
    Waiting(PushWaiting),
    /// A push activation that ended without the device: a `factorResult`
    /// other than `WAITING` and no `factorType` (`TIMEOUT`: it expired,
    /// activate again through its `activate` link; `REJECTED`; a result this
    /// version does not know). Never [`VerifyOutcome::Waiting`].
    Ended(VerifyOutcome),
}

impl ActivateOutcome {
    /// Classifies a push activation result (an object with `factorResult` and
    /// no `factorType`): `WAITING` waits, anything else ended.
    pub(crate) fn from_result(response: VerifyResponse) -> Self {
        match VerifyOutcome::from_response(response) {
            VerifyOutcome::Waiting(waiting) => Self::Waiting(waiting),
            ended => Self::Ended(ended),
        }
    }
}

impl Serialize for ActivateOutcome {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Activated(factor) => factor.serialize(serializer),
            Self::Waiting(waiting) => waiting.response.serialize(serializer),
            Self::Ended(outcome) => outcome.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for ActivateOutcome {
    /// Dispatches on the members present: a factor has `factorType`; a push
    /// activation result has `factorResult` and no `factorType`. One pass: the
    /// object is read as a factor, and turned into a [`VerifyResponse`] when
    /// it is not one.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OutcomeVisitor;
        impl<'de> Visitor<'de> for OutcomeVisitor {
            type Value = ActivateOutcome;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a factor or a push activation result")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ActivateOutcome, A::Error> {
                let raw = RawFactor::read(map)?;
                if raw.factor_type.is_some() || !raw.extra().contains_key("factorResult") {
                    return raw
                        .into_factor()
                        .map(|f| ActivateOutcome::Activated(Box::new(f)));
                }
                let response = raw.into_verify_response()?;
                Ok(ActivateOutcome::from_result(response))
            }
        }
        deserializer.deserialize_map(OutcomeVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_waiting_activation_keeps_every_member_in_one_pass() {
        // Members a factor would type (id, status, profile) are kept as JSON
        // when the object turns out to be a push activation result.
        let json = serde_json::json!({
            "factorResult": "WAITING",
            "expiresAt": "2015-04-01T15:57:32.000Z",
            "id": "opf1", "status": "PENDING_ACTIVATION", "provider": "OKTA",
            "profile": {"name": "x"},
            "custom": [1, 2],
            "_links": {"poll": {"href": "https://x.okta.com/p", "hints": {"allow": ["POST"]}}},
            "_embedded": {"activation": {"expiresAt": "2015-04-01T15:57:32.000Z"}}
        });
        let outcome: ActivateOutcome = serde_json::from_value(json.clone()).unwrap();
        let ActivateOutcome::Waiting(waiting) = &outcome else {
            panic!("{outcome:?}")
        };
        assert_eq!(waiting.poll_link().unwrap().href(), "https://x.okta.com/p");
        assert_eq!(waiting.response.extra["status"], "PENDING_ACTIVATION");
        assert_eq!(serde_json::to_value(&outcome).unwrap(), json);
        // The same bytes through serde_json's reader, as parse_response reads them.
        let from_bytes: ActivateOutcome =
            serde_json::from_slice(json.to_string().as_bytes()).unwrap();
        assert_eq!(from_bytes, outcome);
    }

    #[test]
    fn an_activation_that_ended_is_not_waiting() {
        for (json, ended) in [
            (
                r#"{"factorResult":"TIMEOUT","_links":{"activate":{"href":"https://x.okta.com/a"}}}"#,
                true,
            ),
            (r#"{"factorResult":"REJECTED"}"#, true),
            (
                r#"{"factorResult":"SOMETHING_NEW","expiresAt":"2015-04-01T15:57:32.000Z"}"#,
                true,
            ),
            (r#"{"factorResult":"WAITING"}"#, false),
        ] {
            let outcome: ActivateOutcome = serde_json::from_str(json).unwrap();
            match (&outcome, ended) {
                (ActivateOutcome::Ended(result), true) => assert!(result.is_terminal()),
                (ActivateOutcome::Waiting(_), false) => {}
                _ => panic!("{json}: {outcome:?}"),
            }
            // Nothing dropped: it serializes back to what came in.
            let value: serde_json::Value = serde_json::from_str(json).unwrap();
            assert_eq!(serde_json::to_value(&outcome).unwrap(), value);
        }
        let timeout: ActivateOutcome =
            serde_json::from_str(r#"{"factorResult":"TIMEOUT"}"#).unwrap();
        assert!(matches!(
            timeout,
            ActivateOutcome::Ended(VerifyOutcome::Timeout(_))
        ));
    }

    #[test]
    fn a_factor_is_activated_and_a_bare_object_is_an_error() {
        let outcome: ActivateOutcome =
            serde_json::from_str(r#"{"factorType":"sms","factorResult":"X","id":"s1"}"#).unwrap();
        let ActivateOutcome::Activated(factor) = outcome else {
            panic!()
        };
        assert_eq!(factor.id(), Some("s1"));
        assert_eq!(factor.extra()["factorResult"], "X");
        let err = serde_json::from_str::<ActivateOutcome>(r#"{"id":"s1"}"#).unwrap_err();
        assert!(err.to_string().contains("factorType"), "{err}");
        assert!(serde_json::from_str::<ActivateOutcome>(r#"{"factorResult":5}"#).is_err());
    }
}
