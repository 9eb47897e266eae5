//! [`Exchange`]: one call of an operation, retries included, as a state machine.

use std::time::Duration;

use http::header::USER_AGENT;
use http::{HeaderValue, Request, Response};

use super::retry::{RetryDecision, RetryReason, RetryState};
use crate::config::ClientConfig;
use crate::error::Error;
use crate::operation::{OktaResponse, Operation};
use crate::request::X_OKTA_USER_AGENT_EXTENDED;

/// What to do after a response.
#[derive(Debug)]
/// Exhaustive on purpose: an adapter must handle every step, so a new one
/// is a breaking change.
pub enum Step<T> {
    /// The call is over.
    Done(Result<OktaResponse<T>, Error>),
    /// Wait `delay`, then send [`Exchange::request`] again.
    Retry {
        /// How long to wait.
        delay: Duration,
        /// Which retry the next request is (1, 2, …).
        retry: u32,
        /// Why this delay.
        reason: RetryReason,
    },
}

/// One call of `O` with its retries. An adapter loops:
///
/// ```
/// use okta_factors_core::{ClientConfig, Credentials, OrgUrl, operations::ListFactors};
/// use okta_factors_core::policy::{Exchange, Step};
/// let config = ClientConfig::new(OrgUrl::parse("http://127.0.0.1:1").unwrap(), Credentials::api_token("t").unwrap());
/// let op = ListFactors::new("00u1");
/// let mut exchange = Exchange::new(&op, &config).unwrap();
/// let result = loop {
///     let _request = exchange.request();          // send it…
///     let response = http::Response::builder()    // …and get this back
///         .status(200).body(b"[]".to_vec()).unwrap();
///     match exchange.on_response(response, 42, None) {
///         Step::Done(result) => break result,
///         Step::Retry { delay, .. } => std::thread::sleep(delay),
///     }
/// };
/// assert!(result.unwrap().value.is_empty());
/// ```
pub struct Exchange<'o, O: Operation> {
    op: &'o O,
    request: Request<Vec<u8>>,
    retry: RetryState,
}

impl<'o, O: Operation> Exchange<'o, O> {
    /// Builds the request of `op` for `config` (user agent included).
    pub fn new(op: &'o O, config: &ClientConfig) -> Result<Self, Error> {
        Ok(Self {
            op,
            request: build_request(op, config)?,
            retry: RetryState::new(config.retry),
        })
    }

    /// The request to send now (a copy, with the retry headers of this attempt).
    pub fn request(&self) -> Request<Vec<u8>> {
        let mut request = copy_request(&self.request);
        self.retry.apply_headers(request.headers_mut());
        request
    }

    /// Retries done so far.
    pub fn retries(&self) -> u32 {
        self.retry.retries()
    }

    /// Decides after a response: done (parsed), or retry after a delay.
    /// Only a rate-limit `429` is retried ([`super::is_rate_limit`]): a
    /// business throttle such as `E0000109` is `Done` at once with its
    /// [`Error::Api`] (see [`crate::ApiError::retry_after`]), and nothing is
    /// resent. `random` is any random number (jitter). `time_left` is what
    /// remains of the call's time limit, if it has one: a retry whose wait
    /// would not fit is not made, and the response (the `429` error, with its
    /// rate-limit headers) is final.
    pub fn on_response<B: AsRef<[u8]>>(
        &mut self,
        response: Response<B>,
        random: u64,
        time_left: Option<Duration>,
    ) -> Step<O::Output> {
        let mut retry = self.retry.clone();
        let decision = retry.on_response(
            response.status(),
            response.headers(),
            response.body().as_ref(),
            random,
        );
        match decision {
            RetryDecision::Retry {
                delay,
                retry: count,
                reason,
            } if time_left.is_none_or(|left| delay < left) => {
                self.retry = retry;
                Step::Retry {
                    delay,
                    retry: count,
                    reason,
                }
            }
            _ => Step::Done(self.op.parse_response(response)),
        }
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
impl<O: Operation> std::fmt::Debug for Exchange<'_, O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exchange")
            .field("operation", &O::NAME)
            .field("method", self.request.method())
            .field("path_template", &O::PATH_TEMPLATE)
            .field("body_len", &self.request.body().len())
            .field("retries", &self.retry.retries())
            .finish()
    }
}
