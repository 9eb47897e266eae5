//! Types of the control API: what tests read from and do to the simulator
//! besides sending API requests.

use std::fmt;

use okta_factors_core::model::{FactorProvider, FactorResult, FactorStatus, FactorType};

/// How an OTP (or push activation link) was "sent".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Channel {
    /// A text message.
    Sms,
    /// A voice call.
    Call,
    /// An email.
    Email,
}

impl Channel {
    /// `sms`, `call` or `email`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sms => "sms",
            Self::Call => "call",
            Self::Email => "email",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A message the simulator "sent" to a user: an OTP for an sms/call/email
/// factor, or the activation token of a push enrollment (sent with the
/// activation `send` links).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SentMessage {
    /// How it was sent.
    pub channel: Channel,
    /// Phone number or email address, as enrolled.
    pub to: String,
    /// The OTP (or activation token).
    pub code: String,
    /// The factor it belongs to.
    pub factor_id: String,
}

/// A push verification waiting for the (simulated) device.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PendingPush {
    /// The transaction ID (the last segment of the `poll` link).
    pub transaction_id: String,
    /// The push factor.
    pub factor_id: String,
    /// The number to pick, for a number-matching push.
    pub correct_answer: Option<u32>,
}

/// A user of the simulated org.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserInfo {
    /// User ID (`00u…`, 20 characters).
    pub id: String,
    /// Login.
    pub login: String,
    /// Primary email: the login when it contains `@`, else `<login>@example.com`.
    pub email: String,
}

/// A summary of an enrolled factor.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FactorInfo {
    /// Factor ID.
    pub id: String,
    /// Factor type.
    pub factor_type: FactorType,
    /// Provider.
    pub provider: FactorProvider,
    /// Status.
    pub status: FactorStatus,
}

/// Why a control action failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ControlError {
    /// No user has this ID.
    UnknownUser(String),
    /// No factor has this ID.
    UnknownFactor(String),
    /// No push transaction has this ID.
    UnknownTransaction(String),
    /// The push (or push activation) already expired.
    Expired,
    /// The push transaction already has this final result.
    AlreadyCompleted(FactorResult),
    /// The factor is not in a state that allows the action.
    InvalidState(&'static str),
}

impl fmt::Display for ControlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownUser(id) => write!(f, "unknown user {id}"),
            Self::UnknownFactor(id) => write!(f, "unknown factor {id}"),
            Self::UnknownTransaction(id) => write!(f, "unknown push transaction {id}"),
            Self::Expired => f.write_str("the push expired"),
            Self::AlreadyCompleted(result) => {
                write!(f, "the push transaction already completed ({result})")
            }
            Self::InvalidState(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for ControlError {}
