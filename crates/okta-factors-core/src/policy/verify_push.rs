//! [`PushVerification`]: a push sent and polled until the user answers, as one
//! [`Machine`].

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::Response;

use super::call::Call;
use super::machine::{misuse, Action, Machine};
use super::push::PushPoll;
use crate::config::ClientConfig;
use crate::error::{Error, TransportError};
use crate::model::VerifyOutcome;
use crate::operations::VerifyFactor;

/// Verifies with a push and waits for the user's answer: the [`Call`] of
/// `verify` (with its retries) and, if it answers `WAITING`, the [`PushPoll`]
/// of its transaction, as one [`Machine`] whose output is how the push ended.
///
/// Number matching: [`Action::ShowNumber`] gives the number to pick as soon as
/// it is known. Nobody answering is an outcome: `Ok(VerifyOutcome::Timeout(_))`
/// (see [`PushPoll`]).
///
/// ```
/// use std::time::Duration;
/// use okta_factors::model::VerifyOutcome;
/// use okta_factors::operations::{VerifyFactor, VerifyFactorRequest};
/// use okta_factors::policy::{Action, Machine, PushVerification};
/// use okta_factors::{ClientConfig, Credentials, OrgUrl};
///
/// let config = ClientConfig::new(OrgUrl::parse("https://dev-123456.okta.com")?, Credentials::api_token("t")?);
/// let verify = VerifyFactor::new("00u1", "opf1").body(VerifyFactorRequest::number_matching());
/// let mut push = PushVerification::new(&verify, &config);
/// let Action::Send { request, .. } = push.next_action(Duration::ZERO) else { unreachable!() };
/// assert_eq!(request.uri().path(), "/api/v1/users/00u1/factors/opf1/verify");
/// let waiting = r#"{"factorResult":"WAITING","_embedded":{"challenge":{"correctAnswer":42}},
///   "_links":{"poll":{"href":"https://dev-123456.okta.com/api/v1/users/00u1/factors/opf1/transactions/v2mst.1"}}}"#;
/// push.handle(Ok(http::Response::builder().status(201).body(waiting.into())?), Duration::ZERO, 0);
/// assert!(matches!(push.next_action(Duration::ZERO), Action::ShowNumber(42)));
/// assert!(matches!(push.next_action(Duration::ZERO), Action::Wait { .. }));
/// let Action::Send { request, .. } = push.next_action(Duration::from_secs(4)) else { unreachable!() };
/// assert_eq!(request.uri().path(), "/api/v1/users/00u1/factors/opf1/transactions/v2mst.1");
/// let answered = http::Response::builder().status(200).body(r#"{"factorResult":"SUCCESS"}"#.into())?;
/// push.handle(Ok(answered), Duration::from_secs(4), 0);
/// let Action::Done(outcome) = push.next_action(Duration::from_secs(4)) else { unreachable!() };
/// assert!(matches!(outcome?, VerifyOutcome::Success(_)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct PushVerification<'v> {
    verify: &'v VerifyFactor,
    config: &'v ClientConfig,
    state: State<'v>,
}

// One per push verification, moved between phases at most once: the size of
// the `Call` is not worth an allocation.
#[allow(clippy::large_enum_variant)]
enum State<'v> {
    Verify(Call<'v, VerifyFactor>),
    /// `started`: when the `WAITING` answer came (the poll machine's zero).
    Poll {
        poll: Box<PushPoll>,
        started: Duration,
    },
    Failed(Error),
    Over,
}

impl<'v> PushVerification<'v> {
    /// Sends `verify` (with `config`) and, if the push waits, polls it.
    pub fn new(verify: &'v VerifyFactor, config: &'v ClientConfig) -> Self {
        Self {
            verify,
            config,
            state: State::Verify(Call::new(verify, config)),
        }
    }
}

impl Machine for PushVerification<'_> {
    type Output = VerifyOutcome;

    fn next_action(&mut self, now: Duration) -> Action<VerifyOutcome> {
        match std::mem::replace(&mut self.state, State::Over) {
            State::Verify(mut call) => {
                let response = match call.next_action(now) {
                    Action::Done(Ok(response)) => response,
                    Action::Done(Err(error)) => return Action::Done(Err(error)),
                    Action::Send { request, timeout } => {
                        self.state = State::Verify(call);
                        return Action::Send { request, timeout };
                    }
                    Action::Wait { delay, reason } => {
                        self.state = State::Verify(call);
                        return Action::Wait { delay, reason };
                    }
                    Action::ShowNumber(number) => {
                        self.state = State::Verify(call);
                        return Action::ShowNumber(number);
                    }
                };
                let VerifyOutcome::Waiting(waiting) = &response.value else {
                    return Action::Done(Ok(response.value));
                };
                match PushPoll::for_verify(self.verify, waiting, &response.meta, self.config) {
                    Ok(poll) => {
                        self.state = State::Poll {
                            poll: Box::new(poll),
                            started: now,
                        };
                        self.next_action(now)
                    }
                    Err(error) => Action::Done(Err(error)),
                }
            }
            State::Poll { mut poll, started } => {
                let action = poll.next_action(now.saturating_sub(started));
                if !matches!(action, Action::Done(_)) {
                    self.state = State::Poll { poll, started };
                }
                action
            }
            State::Failed(error) => Action::Done(Err(error)),
            State::Over => Action::Done(Err(misuse("the push verification is over"))),
        }
    }

    fn handle(
        &mut self,
        outcome: Result<Response<Bytes>, TransportError>,
        now: Duration,
        random: u64,
    ) {
        match &mut self.state {
            State::Verify(call) => call.handle(outcome, now, random),
            State::Poll { poll, started } => {
                poll.handle(outcome, now.saturating_sub(*started), random)
            }
            State::Failed(_) | State::Over => {
                self.state = State::Failed(misuse("a response nobody asked for"));
            }
        }
    }
}

/// The user and factor, and the phase; never the body or the credentials.
impl fmt::Debug for PushVerification<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let phase = match &self.state {
            State::Verify(_) => "verify",
            State::Poll { .. } => "poll",
            State::Failed(_) | State::Over => "over",
        };
        f.debug_struct("PushVerification")
            .field("phase", &phase)
            .finish_non_exhaustive()
    }
}
