//! [`PushPoll`]: polling a push until it ends, as a state machine. One machine
//! for both things a push waits for: a verify transaction (the user answers)
//! and a push activation (the device scans the QR code).

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};

use super::call::{build_request, copy_request};
use super::machine::{misuse, Action, Machine, WaitReason};
use super::retry::{delay_for, RetryPolicy};
use super::time::parse_rfc3339;
use crate::config::ClientConfig;
use crate::error::{Error, InputError, TimeoutLimit, TransportError, TransportErrorKind};
use crate::meta::ResponseMeta;
use crate::model::{ActivateOutcome, FactorResult, PushWaiting, VerifyOutcome, VerifyResponse};
use crate::operation::{OktaResponse, Operation};
use crate::operations::{GetFactorTransactionStatus, PollFactorActivation, VerifyFactor};

/// The shortest wait between two polls: [`PollPolicy::interval`] is never
/// below it (a shorter one is raised to it), so a misconfigured client cannot
/// hammer Okta. Only the last wait before the poll deadline may be shorter.
pub const MIN_POLL_INTERVAL: Duration = Duration::from_secs(1);

/// How many polls in a row may fail (a `5xx`, a `429`, a reset connection, a
/// timeout) before polling gives up with the last failure. A good poll starts
/// the count again.
pub const MAX_CONSECUTIVE_POLL_FAILURES: u32 = 4;

/// How to poll a push.
///
/// The interval is at least [`MIN_POLL_INTERVAL`] (1 s): [`PollPolicy::interval`]
/// raises a shorter one, and [`PushPoll`] raises it again if the field was set
/// directly.
///
/// ```
/// use std::time::Duration;
/// use okta_factors::policy::{PollPolicy, MIN_POLL_INTERVAL};
/// let policy = PollPolicy::default().interval(Duration::from_millis(10));
/// assert_eq!(policy.interval, MIN_POLL_INTERVAL);
/// assert_eq!(PollPolicy::default().interval(Duration::from_secs(2)).interval, Duration::from_secs(2));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PollPolicy {
    /// Wait between polls (default 4 s, at least [`MIN_POLL_INTERVAL`]).
    pub interval: Duration,
    /// Longest time to poll (default 5 min); Okta's `expiresAt` may end it
    /// sooner. When it passes, the push is over as a `TIMEOUT`.
    pub max_wait: Duration,
}

impl Default for PollPolicy {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(4),
            max_wait: Duration::from_secs(300),
        }
    }
}

impl PollPolicy {
    /// Sets [`PollPolicy::interval`], raised to [`MIN_POLL_INTERVAL`] if shorter.
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval.max(MIN_POLL_INTERVAL);
        self
    }

    /// Sets [`PollPolicy::max_wait`].
    pub fn max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }
}

/// What a [`PushPoll`] polls: an operation sent again and again, and how to
/// read its result. Implemented for [`GetFactorTransactionStatus`] (a push
/// verification: [`VerifyOutcome`]) and [`PollFactorActivation`] (a push
/// activation: [`ActivateOutcome`]), and sealed: no other type can implement
/// it (a [`PushPoll`] is made by [`PushPoll::for_verify`] or
/// [`PushPoll::for_activation`]).
pub trait Polled: Operation + sealed::Sealed {
    /// The waiting push in a result, or the result itself when it is final.
    fn into_waiting(output: Self::Output) -> Result<PushWaiting, Self::Output>;

    /// The final result of a push that expired while waiting, decided by the
    /// poll machine (Okta's `expiresAt` or [`PollPolicy::max_wait`] passed):
    /// `timed_out` is the last `WAITING` response with `factorResult` set to
    /// `TIMEOUT`.
    fn timed_out(timed_out: VerifyResponse) -> Self::Output;
}

mod sealed {
    /// Keeps [`Polled`](super::Polled) to the crate's two poll operations.
    #[allow(unreachable_pub)] // Public but unnameable: the sealed-trait pattern.
    pub trait Sealed {}
    impl Sealed for crate::operations::GetFactorTransactionStatus {}
    impl Sealed for crate::operations::PollFactorActivation {}
}

impl Polled for GetFactorTransactionStatus {
    fn into_waiting(output: VerifyOutcome) -> Result<PushWaiting, VerifyOutcome> {
        match output {
            VerifyOutcome::Waiting(waiting) => Ok(waiting),
            other => Err(other),
        }
    }

    fn timed_out(timed_out: VerifyResponse) -> VerifyOutcome {
        VerifyOutcome::Timeout(timed_out)
    }
}

impl Polled for PollFactorActivation {
    fn into_waiting(output: ActivateOutcome) -> Result<PushWaiting, ActivateOutcome> {
        match output {
            ActivateOutcome::Waiting(waiting) => Ok(waiting),
            other => Err(other),
        }
    }

    fn timed_out(timed_out: VerifyResponse) -> ActivateOutcome {
        ActivateOutcome::Ended(VerifyOutcome::Timeout(timed_out))
    }
}

/// What to do after a poll (what the [`Machine`] turns into actions).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PollStep<T = VerifyOutcome> {
    /// Still waiting: poll again after `delay` (already clamped to the deadline).
    Wait {
        /// How long to wait.
        delay: Duration,
        /// The number-matching answer, once known.
        correct_answer: Option<u32>,
        /// The number to show the user now: set the first time a (new)
        /// answer is known, `None` after that.
        show: Option<u32>,
        /// Polls that failed in a row just before this wait (0 after a good
        /// poll); polling gives up at [`MAX_CONSECUTIVE_POLL_FAILURES`].
        failures: u32,
    },
    /// The push is over: answered (`SUCCESS`, `REJECTED`, …), activated, or
    /// expired (`TIMEOUT`: Okta's own, or decided here when its `expiresAt` or
    /// [`PollPolicy::max_wait`] passed while it was still waiting).
    Done(T),
}

/// Polls a push until it is over, as a [`Machine`]: waits, the number to show,
/// polls, and the end. Time comes in as `now`: since the push was sent (or,
/// for an activation, since polling started).
///
/// * Every poll request is built from the org and the IDs
///   ([`GetFactorTransactionStatus`] for a verification,
///   [`PollFactorActivation`] for an activation), never from the poll link
///   of a response: credentials only ever go to the org, and an org reached
///   through a custom domain whose links name another host still works. Each
///   poll may take [`ClientConfig::request_timeout`].
/// * Polls are [`PollPolicy::interval`] apart (at least [`MIN_POLL_INTERVAL`]).
///   A verification waits one interval before its first poll; an activation
///   polls at once.
/// * A transient failure of one poll (a `5xx`, a `429`, a reset or refused
///   connection, a failed lookup, a timeout) does not end the push: the next
///   poll comes after the interval (after a `429`, at least until its
///   rate-limit reset), until [`MAX_CONSECUTIVE_POLL_FAILURES`] in a row,
///   whose last failure is the result. Other error statuses (`401`, `403`,
///   `404`, …), bodies that are not a verify result and other transport
///   failures (TLS, a body over the size limit) end polling with that error.
/// * A push that expires is a result, never an error: when Okta's
///   `expiresAt` (by the server's `Date`) or [`PollPolicy::max_wait`] passes
///   ([`PushPoll::deadline`]), the push is `Done` with a `TIMEOUT`
///   ([`Polled::timed_out`]: the last `WAITING` answer, `factorResult` set to
///   `TIMEOUT`), as when Okta itself answers `TIMEOUT`. No wait goes past the
///   deadline.
/// * A number-matching answer is given as [`Action::ShowNumber`] before the
///   next wait, as soon as it is known and again only when it changes.
///
/// ```
/// use std::time::Duration;
/// use okta_factors::{ClientConfig, Credentials, OrgUrl, ResponseMeta};
/// use okta_factors::model::VerifyOutcome;
/// use okta_factors::operations::VerifyFactor;
/// use okta_factors::policy::{Action, Machine, PushPoll, WaitReason};
/// let config = ClientConfig::new(OrgUrl::parse("https://login.example.com")?, Credentials::api_token("t")?);
/// let verify = VerifyFactor::new("00u1", "opf1");
/// // The org is reached through a custom domain; Okta's links name its okta.com host.
/// let waiting: VerifyOutcome = serde_json::from_str(r#"{"factorResult":"WAITING",
///   "_embedded":{"challenge":{"correctAnswer":7}},
///   "_links":{"poll":{"href":"https://acme.okta.com/api/v1/users/00u1/factors/opf1/transactions/v2mst.1"}}}"#)?;
/// let mut poll = PushPoll::for_verify(&verify, waiting.as_waiting().unwrap(), &ResponseMeta::default(), &config)?;
/// assert_eq!(poll.deadline(), Duration::from_secs(300));
/// assert!(matches!(poll.next_action(Duration::ZERO), Action::ShowNumber(7)));
/// let Action::Wait { delay, reason: WaitReason::Poll { polls: 0, .. } } = poll.next_action(Duration::ZERO) else { unreachable!() };
/// assert_eq!(delay, Duration::from_secs(4));
/// let Action::Send { request, .. } = poll.next_action(delay) else { unreachable!() };
/// assert_eq!(request.uri(), "https://login.example.com/api/v1/users/00u1/factors/opf1/transactions/v2mst.1");
/// let answered = http::Response::builder().status(200).body(r#"{"factorResult":"SUCCESS"}"#.into())?;
/// poll.handle(Ok(answered), delay, 0);
/// let Action::Done(outcome) = poll.next_action(delay) else { unreachable!() };
/// assert!(matches!(outcome?, VerifyOutcome::Success(_)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct PushPoll<O: Polled = GetFactorTransactionStatus> {
    op: O,
    request: Request<Vec<u8>>,
    interval: Duration,
    retry: RetryPolicy,
    deadline: Duration,
    correct_answer: Option<u32>,
    shown: Option<u32>,
    polls: u32,
    failures: u32,
    /// The last `WAITING` response: what a machine-decided `TIMEOUT` reports.
    last_waiting: Option<VerifyResponse>,
    /// The time limit of each poll request.
    request_timeout: Duration,
    /// Where the [`Machine`] is.
    pending: Pending<O::Output>,
}

/// Where a [`PushPoll`] driven as a [`Machine`] is.
enum Pending<T> {
    /// Nothing decided yet: the first step comes next.
    Start,
    /// A step to report (a wait, its number first, or the end).
    Step(PollStep<T>),
    /// The wait was reported: the poll is to be sent.
    Poll,
    /// A poll was sent: its response is awaited.
    Sent,
    /// Polling failed with this error.
    Failed(Error),
    /// The end was reported.
    Over,
}

impl<O: Polled> fmt::Debug for PushPoll<O> {
    /// The request's method, path template and body length; never its
    /// headers (credentials) or body.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PushPoll")
            .field("method", &O::METHOD)
            .field("path_template", &O::PATH_TEMPLATE)
            .field("body_len", &self.request.body().len())
            .field("interval", &self.interval)
            .field("deadline", &self.deadline)
            .field("polls", &self.polls)
            .field("failures", &self.failures)
            .field("correct_answer", &self.correct_answer)
            .finish_non_exhaustive()
    }
}

impl PushPoll<GetFactorTransactionStatus> {
    /// Polls the push verification that `verify` started and that answered
    /// `waiting` (with the headers `meta`): `GET
    /// /api/v1/users/{userId}/factors/{factorId}/transactions/{transactionId}`
    /// on the org, with the user and factor of `verify` and the transaction ID
    /// of `waiting` ([`PushWaiting::transaction_id`]). The poll link's origin
    /// is never used. A `WAITING` response without a transaction ID is
    /// [`InputError::Link`].
    pub fn for_verify(
        verify: &VerifyFactor,
        waiting: &PushWaiting,
        meta: &ResponseMeta,
        config: &ClientConfig,
    ) -> Result<Self, Error> {
        let transaction_id = waiting
            .transaction_id()
            .filter(|id| !matches!(id.as_str(), "." | ".."))
            .ok_or_else(|| InputError::Link {
                reason: "the WAITING response has no poll link naming its transaction \
                     (…/transactions/{transactionId})"
                    .into(),
            })?;
        let op =
            GetFactorTransactionStatus::new(verify.user_id(), verify.factor_id(), transaction_id);
        Self::new(op, Some(waiting), meta, config)
    }
}

impl PushPoll<PollFactorActivation> {
    /// Polls the push activation of `factor_id` of `user_id` until the device
    /// activates it (`POST …/lifecycle/activate/poll` on the org). The first
    /// poll is sent at once; Okta's `expiresAt` is learnt from the first
    /// `WAITING` answer. A request that cannot be built (an unusable ID) is
    /// the error.
    pub fn for_activation(
        user_id: &str,
        factor_id: &str,
        config: &ClientConfig,
    ) -> Result<Self, Error> {
        let op = PollFactorActivation::new(user_id, factor_id);
        Self::new(op, None, &ResponseMeta::default(), config)
    }
}

impl<O: Polled> PushPoll<O> {
    /// Polls with `op` (its request is built once, for `config`'s org,
    /// credentials and user agent). `waiting` is the `WAITING` answer that
    /// started the push, if there was one (with the headers `meta` it came
    /// with): its `expiresAt` bounds the deadline and the first poll waits
    /// one interval. Without it, the first poll is sent at once.
    pub(crate) fn new(
        op: O,
        waiting: Option<&PushWaiting>,
        meta: &ResponseMeta,
        config: &ClientConfig,
    ) -> Result<Self, Error> {
        let request = build_request(&op, config)?;
        let max_wait = config.poll.max_wait;
        let deadline = waiting
            .and_then(|w| expires_in(w, meta))
            .map_or(max_wait, |expires| expires.min(max_wait));
        Ok(Self {
            op,
            request,
            interval: config.poll.interval.max(MIN_POLL_INTERVAL),
            retry: config.retry,
            deadline,
            correct_answer: waiting.and_then(PushWaiting::correct_answer),
            shown: None,
            polls: 0,
            failures: 0,
            last_waiting: waiting.map(|w| w.response.clone()),
            request_timeout: config.request_timeout,
            pending: Pending::Start,
        })
    }

    /// The number-matching answer, once known (the latest one).
    pub fn correct_answer(&self) -> Option<u32> {
        self.correct_answer
    }

    /// How long polling may last in total (measured like `now`): the
    /// policy's `max_wait`, or less when Okta's `expiresAt` comes sooner (a
    /// later `WAITING` answer may bring it closer, never further).
    pub fn deadline(&self) -> Duration {
        self.deadline
    }

    /// Polls sent so far (failed ones included).
    pub fn polls(&self) -> u32 {
        self.polls
    }

    /// The poll request to send now: always the same one.
    pub(crate) fn request(&self) -> Request<Vec<u8>> {
        copy_request(&self.request)
    }

    /// The first step, before any poll: wait one interval after a `WAITING`
    /// answer (cut to the deadline), or poll at once without one.
    pub(crate) fn first_step(&mut self) -> PollStep<O::Output> {
        let delay = if self.last_waiting.is_some() {
            self.interval.min(self.deadline)
        } else {
            Duration::ZERO
        };
        self.wait(delay)
    }

    fn wait(&mut self, delay: Duration) -> PollStep<O::Output> {
        let show = self.correct_answer.filter(|a| self.shown != Some(*a));
        if show.is_some() {
            self.shown = show;
        }
        PollStep::Wait {
            delay,
            correct_answer: self.correct_answer,
            show,
            failures: self.failures,
        }
    }

    /// Decides after a poll response; `elapsed` is the time since the push
    /// was sent. `random` is any random number (jitter of a `429`'s wait).
    ///
    /// * still `WAITING`: wait one interval (cut to the deadline), or, with no
    ///   time left, [`PollStep::Done`] with a `TIMEOUT`;
    /// * a final result: [`PollStep::Done`] with it;
    /// * a `5xx` or a `429`: a transient failure (see [`PushPoll`]);
    /// * any other error status, or a body that does not decode: `Err`.
    pub(crate) fn on_response<B: AsRef<[u8]>>(
        &mut self,
        response: Response<B>,
        elapsed: Duration,
        random: u64,
    ) -> Result<PollStep<O::Output>, Error> {
        self.polls = self.polls.saturating_add(1);
        let status = response.status();
        let transient = status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error();
        let rate_limit_wait = (status == StatusCode::TOO_MANY_REQUESTS)
            .then(|| delay_for(&self.retry, response.headers(), self.failures, random).0);
        match self.op.parse_response(response) {
            Ok(parsed) => self.on_parsed(parsed, elapsed),
            Err(error) if transient => self.on_failure(error, rate_limit_wait, elapsed),
            Err(error) => Err(error),
        }
    }

    /// Decides after a poll that got no response: `error` is what the
    /// transport reported. A reset or refused connection, a failed lookup or
    /// a timeout is a transient failure (see [`PushPoll`]): the next poll
    /// comes after the interval. Anything else (TLS, a body over the size
    /// limit, invalid HTTP, an input error) is returned as is.
    pub(crate) fn on_transport_error(
        &mut self,
        error: Error,
        elapsed: Duration,
    ) -> Result<PollStep<O::Output>, Error> {
        self.polls = self.polls.saturating_add(1);
        if is_transient_transport_error(&error) {
            self.on_failure(error, None, elapsed)
        } else {
            Err(error)
        }
    }

    fn on_parsed(
        &mut self,
        parsed: OktaResponse<O::Output>,
        elapsed: Duration,
    ) -> Result<PollStep<O::Output>, Error> {
        self.failures = 0;
        let waiting = match O::into_waiting(parsed.value) {
            Ok(waiting) => waiting,
            Err(done) => return Ok(PollStep::Done(done)),
        };
        if let Some(answer) = waiting.correct_answer() {
            self.correct_answer = Some(answer);
        }
        // A later answer may say when the push expires (an activation's first
        // one does): the deadline only ever comes closer.
        if let Some(expires) = expires_in(&waiting, &parsed.meta) {
            self.deadline = self.deadline.min(elapsed.saturating_add(expires));
        }
        self.last_waiting = Some(waiting.response);
        let remaining = self.deadline.saturating_sub(elapsed);
        if remaining.is_zero() {
            return Ok(self.timed_out());
        }
        Ok(self.wait(self.interval.min(remaining)))
    }

    /// One poll failed (transiently): wait and poll again, unless too many
    /// failed in a row (the error) or no time is left (a `TIMEOUT`, if the push
    /// was ever seen waiting; else the error).
    fn on_failure(
        &mut self,
        error: Error,
        rate_limit_wait: Option<Duration>,
        elapsed: Duration,
    ) -> Result<PollStep<O::Output>, Error> {
        self.failures = self.failures.saturating_add(1);
        if self.failures >= MAX_CONSECUTIVE_POLL_FAILURES {
            return Err(error);
        }
        let remaining = self.deadline.saturating_sub(elapsed);
        if remaining.is_zero() {
            return if self.last_waiting.is_some() {
                Ok(self.timed_out())
            } else {
                Err(error)
            };
        }
        let delay = rate_limit_wait
            .unwrap_or_default()
            .max(self.interval)
            .min(remaining);
        Ok(self.wait(delay))
    }

    /// The machine's `TIMEOUT`: the last `WAITING` response (links, profile,
    /// challenge and `expiresAt` kept) with `factorResult: TIMEOUT`.
    fn timed_out(&mut self) -> PollStep<O::Output> {
        let mut response = self.last_waiting.take().unwrap_or_default();
        response.factor_result = Some(FactorResult::Timeout);
        PollStep::Done(O::timed_out(response))
    }
}

/// Driven as a [`Machine`], `now` is the time since the push was sent (or,
/// without a `WAITING` answer, since polling started): waits, number to show,
/// polls (each within [`ClientConfig::request_timeout`]), and the end.
impl<O: Polled> Machine for PushPoll<O> {
    type Output = O::Output;

    fn next_action(&mut self, _now: Duration) -> Action<O::Output> {
        // Time does not decide anything here: `handle` compared it with the
        // deadline when the last poll came back.
        loop {
            return match std::mem::replace(&mut self.pending, Pending::Over) {
                Pending::Start => {
                    self.pending = Pending::Step(self.first_step());
                    continue;
                }
                Pending::Step(PollStep::Wait {
                    delay,
                    correct_answer,
                    show,
                    failures,
                }) => {
                    if let Some(number) = show {
                        self.pending = Pending::Step(PollStep::Wait {
                            delay,
                            correct_answer,
                            show: None,
                            failures,
                        });
                        return Action::ShowNumber(number);
                    }
                    self.pending = Pending::Poll;
                    if delay.is_zero() {
                        continue;
                    }
                    Action::Wait {
                        delay,
                        reason: WaitReason::Poll {
                            polls: self.polls,
                            failures,
                        },
                    }
                }
                Pending::Poll => {
                    self.pending = Pending::Sent;
                    Action::Send {
                        request: self.request(),
                        timeout: self.request_timeout,
                    }
                }
                Pending::Step(PollStep::Done(output)) => Action::Done(Ok(output)),
                Pending::Failed(error) => Action::Done(Err(error)),
                Pending::Sent | Pending::Over => {
                    Action::Done(Err(misuse("polling is over or waits for a response")))
                }
            };
        }
    }

    fn handle(
        &mut self,
        outcome: Result<Response<Bytes>, TransportError>,
        now: Duration,
        random: u64,
    ) {
        if !matches!(self.pending, Pending::Sent) {
            self.pending = Pending::Failed(misuse("a response nobody asked for"));
            return;
        }
        let step = match outcome {
            Ok(response) => self.on_response(response, now, random),
            Err(error) => self.on_transport_error(error.into(), now),
        };
        self.pending = match step {
            Ok(step) => Pending::Step(step),
            Err(error) => Pending::Failed(error),
        };
    }
}

/// A transport failure that another poll may not meet: no connection, a
/// connection that broke, a failed lookup, a request that timed out, a proxy
/// that could not reach the org (not one that wants credentials).
fn is_transient_transport_error(error: &Error) -> bool {
    error.transport().is_some_and(|t| {
        matches!(
            t.kind,
            TransportErrorKind::Dns
                | TransportErrorKind::Connect
                | TransportErrorKind::Io
                | TransportErrorKind::Timeout(TimeoutLimit::Connect | TimeoutLimit::Request)
        ) || matches!(t.kind, TransportErrorKind::Proxy { status } if status != Some(407))
    })
}

/// Okta's expiry of a waiting push, measured on the server's clock
/// (`expiresAt` − `Date`); `None` without both.
fn expires_in(waiting: &PushWaiting, meta: &ResponseMeta) -> Option<Duration> {
    let expires = waiting.expires_at().and_then(parse_rfc3339)?;
    let date = httpdate::parse_http_date(meta.date.as_deref()?.trim()).ok()?;
    let date = date.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    Some(Duration::from_secs(expires.saturating_sub(date)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Credentials, OrgUrl};

    fn config(org: &str) -> ClientConfig {
        ClientConfig::new(
            OrgUrl::parse(org).unwrap(),
            Credentials::api_token("t").unwrap(),
        )
    }

    fn waiting(json: &str) -> PushWaiting {
        let outcome: VerifyOutcome = serde_json::from_str(json).unwrap();
        outcome.as_waiting().unwrap().clone()
    }

    fn reply(status: u16, body: &str) -> Response<Vec<u8>> {
        let mut response = Response::new(body.as_bytes().to_vec());
        *response.status_mut() = StatusCode::from_u16(status).unwrap();
        response
    }

    const WAITING: &str = r#"{"factorResult":"WAITING","_links":{"poll":{"href":"https://dev-1.okta.com/api/v1/users/u/factors/f/transactions/t1"}}}"#;

    fn verify_poll(config: &ClientConfig) -> PushPoll {
        PushPoll::for_verify(
            &VerifyFactor::new("u", "f"),
            &waiting(WAITING),
            &ResponseMeta::default(),
            config,
        )
        .unwrap()
    }

    #[test]
    fn a_poll_link_on_another_origin_is_polled_on_the_org() {
        let config = config("https://login.example.com");
        let waiting = waiting(
            r#"{"factorResult":"WAITING","_links":{"poll":{"href":"https://evil.example/api/v1/users/x/factors/y/transactions/v2mst.a%2Fb?z=1"}}}"#,
        );
        let poll = PushPoll::for_verify(
            &VerifyFactor::new("00u1", "opf1"),
            &waiting,
            &ResponseMeta::default(),
            &config,
        )
        .unwrap();
        let request = poll.request();
        // The user and factor of the verify; the transaction ID of the link,
        // percent-decoded and encoded again as one segment.
        assert_eq!(
            request.uri(),
            "https://login.example.com/api/v1/users/00u1/factors/opf1/transactions/v2mst.a%2Fb"
        );
        assert_eq!(request.method(), http::Method::GET);
        assert_eq!(
            request.headers()[http::header::AUTHORIZATION],
            config.credentials.authorization().unwrap()
        );
        // No transaction in the link: nothing to poll.
        let err = PushPoll::for_verify(
            &VerifyFactor::new("00u1", "opf1"),
            &self::waiting(
                r#"{"factorResult":"WAITING","_links":{"poll":{"href":"https://login.example.com/api/v1/users/00u1/factors/opf1"}}}"#,
            ),
            &ResponseMeta::default(),
            &config,
        )
        .unwrap_err();
        assert!(
            matches!(err, Error::Input(InputError::Link { .. })),
            "{err:?}"
        );
    }

    #[test]
    fn transient_failures_wait_and_too_many_in_a_row_end_polling() {
        let config = config("https://dev-1.okta.com");
        let mut poll = verify_poll(&config);
        let interval = Duration::from_secs(4);
        assert!(matches!(poll.first_step(), PollStep::Wait { delay, .. } if delay == interval));
        let reset = || {
            Error::from(crate::TransportError::new(
                TransportErrorKind::Io,
                "connection reset",
            ))
        };
        let mut elapsed = interval;
        // 500, reset, 503 — then a good WAITING starts the count again.
        for (i, step) in [
            poll.on_response(reply(500, "oops"), elapsed, 0),
            poll.on_transport_error(reset(), elapsed),
            poll.on_response(reply(503, ""), elapsed, 0),
            poll.on_response(reply(200, WAITING), elapsed, 0),
        ]
        .into_iter()
        .enumerate()
        {
            let failures = if i == 3 { 0 } else { i as u32 + 1 };
            assert_eq!(
                step.unwrap(),
                PollStep::Wait {
                    delay: interval,
                    correct_answer: None,
                    show: None,
                    failures
                }
            );
            elapsed += interval;
        }
        for _ in 0..3 {
            assert!(poll.on_response(reply(502, ""), elapsed, 0).is_ok());
        }
        let err = poll.on_transport_error(reset(), elapsed).unwrap_err();
        assert_eq!(err.transport().unwrap().kind, TransportErrorKind::Io);
        assert_eq!(poll.polls(), 8);

        // Final errors: another status, or a transport failure no retry fixes.
        let mut poll = verify_poll(&config);
        let err = poll
            .on_response(reply(404, r#"{"errorCode":"E0000007"}"#), elapsed, 0)
            .unwrap_err();
        assert_eq!(err.error_code(), Some("E0000007"));
        let tls = Error::from(crate::TransportError::new(
            TransportErrorKind::Tls,
            "bad cert",
        ));
        assert!(poll.on_transport_error(tls, elapsed).is_err());
    }

    #[test]
    fn expiry_is_a_timeout_outcome_whoever_decides_it() {
        let mut config = config("https://dev-1.okta.com");
        config.poll = PollPolicy::default()
            .interval(Duration::from_secs(2))
            .max_wait(Duration::from_secs(5));
        // The policy's max_wait: the last WAITING, now TIMEOUT, links kept.
        let mut poll = verify_poll(&config);
        let step = poll
            .on_response(reply(200, WAITING), Duration::from_secs(5), 0)
            .unwrap();
        let PollStep::Done(VerifyOutcome::Timeout(response)) = step else {
            panic!("{step:?}")
        };
        assert_eq!(response.factor_result, Some(FactorResult::Timeout));
        assert!(response.link("poll").is_some());
        // A transient failure at the deadline: the push still expired.
        let mut poll = verify_poll(&config);
        let step = poll
            .on_response(reply(500, ""), Duration::from_secs(6), 0)
            .unwrap();
        assert!(matches!(step, PollStep::Done(VerifyOutcome::Timeout(_))));
        // Okta's own TIMEOUT: kept as sent.
        let mut poll = verify_poll(&config);
        let step = poll
            .on_response(
                reply(200, r#"{"factorResult":"TIMEOUT","x":1}"#),
                Duration::from_secs(2),
                0,
            )
            .unwrap();
        let PollStep::Done(VerifyOutcome::Timeout(response)) = step else {
            panic!("{step:?}")
        };
        assert_eq!(response.extra["x"], 1);
        // Okta's expiresAt, by the server's clock, learnt from a later answer.
        let mut poll = PushPoll::for_activation("u", "f", &config).unwrap();
        assert!(matches!(poll.first_step(), PollStep::Wait { delay, .. } if delay.is_zero()));
        let mut soon = reply(
            200,
            r#"{"factorResult":"WAITING","expiresAt":"2021-01-01T00:00:03.000Z"}"#,
        );
        soon.headers_mut().insert(
            http::header::DATE,
            http::HeaderValue::from_static("Fri, 01 Jan 2021 00:00:00 GMT"),
        );
        let step = poll.on_response(soon, Duration::from_secs(1), 0).unwrap();
        assert!(matches!(step, PollStep::Wait { delay, .. } if delay == Duration::from_secs(2)));
        assert_eq!(poll.deadline(), Duration::from_secs(4));
        let step = poll
            .on_response(
                reply(200, r#"{"factorResult":"WAITING"}"#),
                Duration::from_secs(4),
                0,
            )
            .unwrap();
        assert!(
            matches!(
                step,
                PollStep::Done(ActivateOutcome::Ended(VerifyOutcome::Timeout(_)))
            ),
            "{step:?}"
        );
    }

    #[test]
    fn the_interval_has_a_floor() {
        assert_eq!(
            PollPolicy::default().interval(Duration::ZERO).interval,
            MIN_POLL_INTERVAL
        );
        // Set directly on the public field: the machine raises it again.
        let policy = PollPolicy {
            interval: Duration::from_millis(1),
            ..PollPolicy::default()
        };
        let mut config = config("https://dev-1.okta.com");
        config.poll = policy;
        let mut poll = verify_poll(&config);
        assert!(
            matches!(poll.first_step(), PollStep::Wait { delay, .. } if delay == MIN_POLL_INTERVAL)
        );
        let step = poll
            .on_response(reply(200, WAITING), MIN_POLL_INTERVAL, 0)
            .unwrap();
        assert!(matches!(step, PollStep::Wait { delay, .. } if delay == MIN_POLL_INTERVAL));
    }
}
