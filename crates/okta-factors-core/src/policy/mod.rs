//! Pure policies that every transport adapter drives: retrying `429`s and
//! polling push verifications. They take time and randomness as arguments and
//! return what to send and how long to wait; the adapter only sends and sleeps.

mod exchange;
mod push;
mod retry;
pub mod time;

pub use exchange::{Exchange, Step};
pub use push::{PollPolicy, PollStep, PushPoll};
pub use retry::{
    delay_for, is_rate_limit, RetryDecision, RetryPolicy, RetryReason, RetryState,
    X_OKTA_RETRY_COUNT, X_OKTA_RETRY_FOR,
};
