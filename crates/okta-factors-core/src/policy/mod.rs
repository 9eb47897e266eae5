//! Every interaction with Okta as a pure state machine ([`Machine`]): one call
//! of an operation with its rate-limit retries ([`Call`]), a push verification
//! with its polling ([`PushVerification`]), a push activation's polling
//! ([`PushPoll::for_activation`]). They take time and randomness as arguments
//! and say what to send, how long to wait and what to show ([`Action`]); a
//! driver only sends and sleeps. The policies they follow: [`RetryPolicy`],
//! [`PollPolicy`].
//!
//! Only rate limits are retried: a `429` whose Okta body says `E0000047` (the
//! concurrent limit included), or a `429` without an Okta error code at all
//! (empty, not JSON, JSON without `errorCode`: a proxy's). A `429` that names
//! another code is a business throttle, not a rate limit: `E0000109` (an SMS
//! was sent recently), `E0000118` (an email was sent recently) or anything
//! else. Retrying it would send the user another SMS or email behind the
//! caller's back, so it is the call's result at once; the wait Okta asks for
//! is [`ApiError::retry_after`](crate::ApiError::retry_after).

#[cfg(feature = "oauth")]
mod authorize;
mod call;
mod governor;
mod machine;
mod push;
mod retry;
pub(crate) mod time;
mod verify_push;

#[cfg(feature = "oauth")]
pub use authorize::Authorize;
pub use call::Call;
pub use governor::{Governed, Governor, GovernorConfig};
pub use machine::{Action, Machine, WaitReason};
pub use push::{PollPolicy, Polled, PushPoll, MAX_CONSECUTIVE_POLL_FAILURES, MIN_POLL_INTERVAL};
pub use retry::{RetryPolicy, RetryReason};
pub use verify_push::PushVerification;
