//! The ten operations of the UserFactor API, one file each.
//!
//! | operation | request | success |
//! |---|---|---|
//! | [`ListFactors`] | `GET /api/v1/users/{userId}/factors` | `200` `Vec<UserFactor>` (an odd factor: `UserFactor::Malformed`) |
//! | [`EnrollFactor`] | `POST /api/v1/users/{userId}/factors` | `200` `UserFactor` |
//! | [`GetFactor`] | `GET …/factors/{factorId}` | `200` `UserFactor` |
//! | [`UnenrollFactor`] | `DELETE …/factors/{factorId}` | `204` |
//! | [`ActivateFactor`] | `POST …/factors/{factorId}/lifecycle/activate` | `200` `ActivateOutcome` |
//! | [`ResendEnrollFactor`] | `POST …/factors/{factorId}/resend` | `200` `UserFactor` |
//! | [`VerifyFactor`] | `POST …/factors/{factorId}/verify` | `200`/`201` `VerifyOutcome` |
//! | [`GetFactorTransactionStatus`] | `GET …/factors/{factorId}/transactions/{transactionId}` | `200` `VerifyOutcome` |
//! | [`ListSupportedFactors`] | `GET …/factors/catalog` | `200` `Vec<Result<SupportedFactor, Malformed>>` |
//! | [`ListSupportedSecurityQuestions`] | `GET …/factors/questions` | `200` `Vec<Result<SecurityQuestion, Malformed>>` |
//!
//! And one link as an operation: [`PollFactorActivation`] (`POST
//! …/factors/{factorId}/lifecycle/activate/poll` → `200` `ActivateOutcome`),
//! the `poll` link of a push enrollment, which the clients'
//! `wait_for_push_activation` polls.

mod activate_factor;
mod enroll_factor;
mod get_factor;
mod get_factor_transaction_status;
mod list_factors;
mod list_supported_factors;
mod list_supported_security_questions;
mod poll_factor_activation;
mod resend_enroll_factor;
mod unenroll_factor;
mod verify_factor;

pub use activate_factor::{ActivateFactor, ActivateFactorRequest};
pub use enroll_factor::EnrollFactor;
pub use get_factor::GetFactor;
pub use get_factor_transaction_status::GetFactorTransactionStatus;
pub use list_factors::ListFactors;
pub use list_supported_factors::ListSupportedFactors;
pub use list_supported_security_questions::ListSupportedSecurityQuestions;
pub use poll_factor_activation::PollFactorActivation;
pub use resend_enroll_factor::ResendEnrollFactor;
pub use unenroll_factor::UnenrollFactor;
pub use verify_factor::{VerifyFactor, VerifyFactorRequest};

use crate::InputError;

/// `tokenLifetimeSeconds` must be within 1..=86400 (the spec's bounds).
fn check_token_lifetime(seconds: Option<u32>) -> Result<(), InputError> {
    match seconds {
        Some(s) if !(1..=86_400).contains(&s) => Err(InputError::Parameter {
            name: "tokenLifetimeSeconds",
            reason: format!("{s} is outside 1..=86400"),
        }),
        _ => Ok(()),
    }
}
