//! Every interaction with Okta as a pure state machine ([`Machine`]): one call
//! of an operation with its rate-limit retries ([`Call`]), a push verification
//! with its polling ([`PushVerification`]), a push activation's polling
//! ([`PushPoll::for_activation`]). They take time and randomness as arguments
//! and say what to send, how long to wait and what to show; a driver only
//! sends and sleeps. The policies they follow: [`RetryPolicy`], [`PollPolicy`].

mod call;
mod machine;
mod push;
mod retry;
pub(crate) mod time;
mod verify_push;

pub use call::Call;
pub use machine::{Action, Machine, WaitReason};
pub use push::{
    PollPolicy, PollStep, Polled, PushPoll, MAX_CONSECUTIVE_POLL_FAILURES, MIN_POLL_INTERVAL,
};
pub use retry::{
    delay_for, is_rate_limit, RetryDecision, RetryPolicy, RetryReason, RetryState,
    X_OKTA_RETRY_COUNT, X_OKTA_RETRY_FOR,
};
pub use verify_push::PushVerification;
