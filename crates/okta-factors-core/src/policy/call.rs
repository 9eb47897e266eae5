//! [`Call`]: one call of an operation, retries included, as a [`Machine`].

use std::time::Duration;

use bytes::Bytes;
use http::header::USER_AGENT;
use http::{HeaderValue, Request, Response};

use super::machine::{misuse, Action, Machine, WaitReason};
use super::retry::{RetryDecision, RetryState};
use crate::config::ClientConfig;
use crate::error::{Error, TimeoutLimit, TransportError, TransportErrorKind};
use crate::operation::{OktaResponse, Operation};
use crate::request::X_OKTA_USER_AGENT_EXTENDED;

/// One call of an operation with its rate-limit retries, within
/// [`ClientConfig::request_timeout`], as a [`Machine`] whose output is the
/// parsed response.
///
/// * Only a rate-limit `429` is retried (see the [module](super) docs), as
///   [`ClientConfig::retry`] says, after the wait the server's headers ask
///   for, and with the retry headers Okta asks for (`X-Okta-Retry-Count`, and
///   `X-Okta-Retry-For` quoting the first `429`'s request ID); the request is
///   otherwise resent exactly as first sent. A business throttle such as
///   `E0000109` is `Done` at once with its [`Error::Api`] (see
///   [`crate::ApiError::retry_after`]), and nothing is resent.
/// * Nothing is sent once the time limit has passed (the result is then a
///   [`TimeoutLimit::Request`] timeout), each [`Action::Send`] may take only
///   what is left of it, and a retry whose wait would not end before it is not
///   made: the `429` error (with its rate-limit headers) is the result.
/// * A transport failure ends the call with that failure: the request may
///   have had its effect (an SMS sent), so it is never sent again here.
///
/// ```
/// use std::time::Duration;
/// use okta_factors::policy::{Action, Call, Machine, WaitReason};
/// use okta_factors::{operations::ListFactors, ClientConfig, Credentials, OrgUrl};
/// let config = ClientConfig::new(OrgUrl::parse("https://dev-123456.okta.com")?, Credentials::api_token("t")?);
/// let op = ListFactors::new("00u1");
/// let mut call = Call::new(&op, &config);
/// let Action::Send { request, timeout } = call.next_action(Duration::ZERO) else { unreachable!() };
/// assert_eq!(request.uri().path(), "/api/v1/users/00u1/factors");
/// assert_eq!(timeout, config.request_timeout);
/// // Rate limited: the machine waits for the reset (1 s by the server's clock), then resends.
/// let limited = http::Response::builder().status(429)
///     .header("date", "Tue, 01 Dec 2026 10:00:00 GMT")
///     .header("x-rate-limit-reset", "1796119201")
///     .body(Default::default())?;
/// call.handle(Ok(limited), Duration::from_millis(5), 0);
/// assert!(matches!(call.next_action(Duration::from_millis(5)),
///     Action::Wait { reason: WaitReason::RateLimit { retry: 1, .. }, .. }));
/// let Action::Send { request, .. } = call.next_action(Duration::from_secs(2)) else { unreachable!() };
/// assert_eq!(request.headers()["x-okta-retry-count"], "1");
/// call.handle(Ok(http::Response::builder().status(200).body("[]".into())?), Duration::from_secs(2), 0);
/// let Action::Done(result) = call.next_action(Duration::from_secs(2)) else { unreachable!() };
/// assert!(result?.value.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Call<'o, O: Operation> {
    op: &'o O,
    config: &'o ClientConfig,
    body_len: usize,
    retry: RetryState,
    state: CallState,
}

/// Where the call is. The built request and the result share one place (a
/// call is moved and its states replaced on every step: the smaller, the
/// cheaper).
enum CallState {
    /// The request is to be sent: the one `new` built, until the first send
    /// moves it out, or `None`: built again (a retry; no copy in the usual
    /// call of one request).
    Ready(Option<Request<Vec<u8>>>),
    /// Sent; waiting for [`Machine::handle`].
    Sent,
    /// A retry's wait is to be reported.
    Retry { delay: Duration, reason: WaitReason },
    /// The final response, parsed when the result is reported (straight into
    /// [`Action::Done`]: the parsed value is not moved through the call).
    Received(Response<Bytes>),
    /// The call failed; the error is to be reported.
    Failed(Error),
    /// The result was reported.
    Over,
}

impl<'o, O: Operation> Call<'o, O> {
    /// The call of `op` for `config`: its org, credentials, user agent, retry
    /// policy and time limit. A request that cannot be built (an ID that is
    /// not usable, say) is the call's result.
    pub fn new(op: &'o O, config: &'o ClientConfig) -> Self {
        let (body_len, state) = match build_request(op, config) {
            Ok(request) => (request.body().len(), CallState::Ready(Some(request))),
            Err(error) => (0, CallState::Failed(error)),
        };
        Self {
            op,
            config,
            body_len,
            retry: RetryState::new(config.retry),
            state,
        }
    }

    /// Retries made so far.
    pub fn retries(&self) -> u32 {
        self.retry.retries()
    }
}

impl<O: Operation> Machine for Call<'_, O> {
    type Output = OktaResponse<O::Output>;

    fn next_action(&mut self, now: Duration) -> Action<Self::Output> {
        // Matched in place: only what the action carries is moved out.
        match &mut self.state {
            CallState::Ready(built) => {
                let timeout = self.config.request_timeout.checked_sub(now);
                let Some(timeout) = timeout.filter(|t| !t.is_zero()) else {
                    self.state = CallState::Over;
                    return Action::Done(Err(TransportError::new(
                        TransportErrorKind::Timeout(TimeoutLimit::Request),
                        "the request timeout passed before the request was sent",
                    )
                    .into()));
                };
                let built = match built.take() {
                    Some(request) => Ok(request),
                    None => build_request(self.op, self.config),
                };
                let mut request = match built {
                    Ok(request) => request,
                    Err(error) => {
                        self.state = CallState::Over;
                        return Action::Done(Err(error));
                    }
                };
                self.retry.apply_headers(request.headers_mut());
                self.state = CallState::Sent;
                Action::Send { request, timeout }
            }
            &mut CallState::Retry { delay, reason } => {
                self.state = CallState::Ready(None);
                Action::Wait { delay, reason }
            }
            CallState::Received(_) | CallState::Failed(_) | CallState::Sent | CallState::Over => {
                match std::mem::replace(&mut self.state, CallState::Over) {
                    CallState::Received(response) => Action::Done(self.op.parse_response(response)),
                    CallState::Failed(error) => Action::Done(Err(error)),
                    _ => Action::Done(Err(misuse("the call is over or waits for its response"))),
                }
            }
        }
    }

    fn handle(
        &mut self,
        outcome: Result<Response<Bytes>, TransportError>,
        now: Duration,
        random: u64,
    ) {
        if !matches!(self.state, CallState::Sent) {
            self.state = CallState::Failed(misuse("a response nobody asked for"));
            return;
        }
        let response = match outcome {
            Ok(response) => response,
            Err(error) => {
                self.state = CallState::Failed(error.into());
                return;
            }
        };
        let mut retry = self.retry.clone();
        let decision = retry.on_response(
            response.status(),
            response.headers(),
            response.body(),
            random,
        );
        let time_left = self.config.request_timeout.saturating_sub(now);
        self.state = match decision {
            RetryDecision::Retry {
                delay,
                retry: count,
                reason,
            } if delay < time_left => {
                self.retry = retry;
                CallState::Retry {
                    delay,
                    reason: WaitReason::RateLimit {
                        retry: count,
                        reason,
                    },
                }
            }
            _ => CallState::Received(response),
        };
    }
}

/// The request of `op` for `config`: the org, the credentials, and the
/// client's user agent (the crate's, with the application's suffix).
pub(crate) fn build_request<O: Operation + ?Sized>(
    op: &O,
    config: &ClientConfig,
) -> Result<Request<Vec<u8>>, Error> {
    let mut request = op.build_request(&config.org, &config.credentials)?;
    // The request already names the crate; an app's suffix is added here.
    if config.has_user_agent_extra() {
        let ua_header = if request.headers().contains_key(X_OKTA_USER_AGENT_EXTENDED) {
            X_OKTA_USER_AGENT_EXTENDED
        } else {
            USER_AGENT
        };
        if let Ok(value) = HeaderValue::from_str(&config.user_agent()) {
            request.headers_mut().insert(ua_header, value);
        }
    }
    Ok(request)
}

/// `http::Request` is not `Clone` (extensions); requests built here have none.
pub(crate) fn copy_request(request: &Request<Vec<u8>>) -> Request<Vec<u8>> {
    let mut copy = Request::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.version_mut() = request.version();
    *copy.headers_mut() = request.headers().clone();
    copy
}

/// Shows the operation, method, path template, body length and retries: never
/// the body (passcodes, answers, shared secrets), the path's IDs or any header
/// value (`Authorization`).
impl<O: Operation> std::fmt::Debug for Call<'_, O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("operation", &O::NAME)
            .field("method", &O::METHOD)
            .field("path_template", &O::PATH_TEMPLATE)
            .field("body_len", &self.body_len)
            .field("retries", &self.retry.retries())
            .finish()
    }
}
