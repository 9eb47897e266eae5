//! Pure policies that every transport adapter drives: retrying rate-limit
//! `429`s ([`Exchange`], [`RetryState`]) and polling pushes until they end
//! ([`PushPoll`], for verifications and activations). They take time and
//! randomness as arguments and return what to send and how long to wait; the
//! adapter only sends and sleeps.

mod exchange;
mod push;
mod retry;
pub mod time;

pub use exchange::{Exchange, Step};
pub use push::{
    PollPolicy, PollStep, Polled, PushPoll, MAX_CONSECUTIVE_POLL_FAILURES, MIN_POLL_INTERVAL,
};
pub use retry::{
    delay_for, is_rate_limit, RetryDecision, RetryPolicy, RetryReason, RetryState,
    X_OKTA_RETRY_COUNT, X_OKTA_RETRY_FOR,
};
