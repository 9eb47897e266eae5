//! [`PushPoll`]: polling a waiting push until it is answered, as a state machine.

use std::time::Duration;

use http::header::{ACCEPT, AUTHORIZATION, USER_AGENT};
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, Uri};

use super::retry::{delay_for, RetryPolicy};
use super::time::parse_rfc3339;
use crate::config::ClientConfig;
use crate::error::{Error, InputError, TimeoutLimit, TransportError, TransportErrorKind};
use crate::meta::ResponseMeta;
use crate::model::{HttpMethod, PushWaiting, VerifyOutcome};
use crate::response::{decode_json, parse};

/// How to poll a push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PollPolicy {
    /// Wait between polls (default 4 s).
    pub interval: Duration,
    /// Longest time to poll when Okta gives no expiry (default 5 min).
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
    /// Sets [`PollPolicy::interval`].
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Sets [`PollPolicy::max_wait`].
    pub fn max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }
}

/// What to do after a poll.
#[derive(Debug, Clone, PartialEq)]
/// Exhaustive on purpose: an adapter must handle every step, so a new one
/// is a breaking change.
pub enum PollStep {
    /// Still waiting: poll again after `delay` (already clamped to the deadline).
    Wait {
        /// How long to wait.
        delay: Duration,
        /// The number-matching answer, once known.
        correct_answer: Option<u32>,
        /// The number to show the user now: set the first time a (new)
        /// answer is known, `None` after that.
        show: Option<u32>,
    },
    /// The push reached a final state (`SUCCESS`, `REJECTED`, `TIMEOUT`, …).
    Done(VerifyOutcome),
    /// The push expired (Okta's `expiresAt`, or the policy's `max_wait`) while
    /// still waiting.
    Expired,
}

/// Polls a waiting push: the poll request to send, the interval to wait, and the
/// final result. The poll link must have the org's origin; credentials are never
/// sent anywhere else. Time comes in as `elapsed` (since the push was sent).
///
/// ```
/// use std::time::Duration;
/// use okta_factors_core::{ClientConfig, Credentials, OrgUrl, ResponseMeta};
/// use okta_factors_core::model::VerifyOutcome;
/// use okta_factors_core::policy::{PollStep, PushPoll};
/// let config = ClientConfig::new(OrgUrl::parse("https://dev-1.okta.com").unwrap(), Credentials::api_token("t").unwrap());
/// let waiting: VerifyOutcome = serde_json::from_str(r#"{"factorResult":"WAITING",
///   "_links":{"poll":{"href":"https://evil.example/api/v1/users/u/factors/f/transactions/t"}}}"#).unwrap();
/// let waiting = waiting.as_waiting().unwrap();
/// assert!(PushPoll::new(waiting, &ResponseMeta::default(), &config).is_err()); // another host: refused
/// ```
#[derive(Clone)]
pub struct PushPoll {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    interval: Duration,
    retry: RetryPolicy,
    deadline: Duration,
    correct_answer: Option<u32>,
    shown: Option<u32>,
    polls: u32,
}

impl PushPoll {
    /// Starts polling `waiting`, the result of a verify (or activation) whose
    /// response carried `meta`.
    pub fn new(
        waiting: &PushWaiting,
        meta: &ResponseMeta,
        config: &ClientConfig,
    ) -> Result<Self, Error> {
        let link = waiting.poll_link().ok_or(InputError::Link {
            reason: "the WAITING response has no poll link".into(),
        })?;
        let href = link.href_str();
        if !config.org.is_same_origin(href) {
            return Err(InputError::Link {
                reason: format!(
                    "the poll link is not on the org's origin {}; credentials are never sent elsewhere",
                    config.org
                ),
            }
            .into());
        }
        // Parsed as checked (trimmed), so a same-origin link is never refused
        // for its surrounding spaces.
        let uri: Uri = href.trim().parse().map_err(|_| InputError::Link {
            reason: "the poll link is not a valid URL".into(),
        })?;
        // GET unless the link allows only POST.
        let method = if link.allows(&HttpMethod::Post) && !link.allows(&HttpMethod::Get) {
            Method::POST
        } else {
            Method::GET
        };
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(AUTHORIZATION, config.credentials.authorization());
        if let Ok(ua) = HeaderValue::from_str(&config.user_agent()) {
            headers.insert(USER_AGENT, ua);
        }
        // Okta's expiry, measured on the server's clock (expiresAt − Date).
        let expires_in = waiting
            .expires_at()
            .and_then(parse_rfc3339)
            .zip(
                meta.date
                    .as_deref()
                    .and_then(|d| httpdate::parse_http_date(d).ok()),
            )
            .and_then(|(expires, date)| {
                let date = date.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
                Some(Duration::from_secs(expires.saturating_sub(date)))
            });
        let deadline = expires_in.map_or(config.poll.max_wait, |e| e.min(config.poll.max_wait));
        Ok(Self {
            method,
            uri,
            headers,
            interval: config.poll.interval,
            retry: config.retry,
            deadline,
            correct_answer: waiting.correct_answer(),
            shown: None,
            polls: 0,
        })
    }

    /// The number-matching answer, once known.
    pub fn correct_answer(&self) -> Option<u32> {
        self.correct_answer
    }

    /// How long polling may last in total.
    pub fn deadline(&self) -> Duration {
        self.deadline
    }

    /// Polls sent so far.
    pub fn polls(&self) -> u32 {
        self.polls
    }

    /// The poll request to send now.
    pub fn request(&self) -> Request<Vec<u8>> {
        let mut request = Request::new(Vec::new());
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = self.uri.clone();
        *request.headers_mut() = self.headers.clone();
        request
    }

    /// The first step, before any poll: wait one interval.
    pub fn first_step(&mut self) -> PollStep {
        self.wait(self.interval.min(self.deadline))
    }

    fn wait(&mut self, delay: Duration) -> PollStep {
        let show = self.correct_answer.filter(|a| self.shown != Some(*a));
        if show.is_some() {
            self.shown = show;
        }
        PollStep::Wait {
            delay,
            correct_answer: self.correct_answer,
            show,
        }
    }

    /// The error for a push that expired while waiting.
    pub fn expired_error(&self) -> Error {
        TransportError::new(
            TransportErrorKind::Timeout(TimeoutLimit::Poll),
            format!("the push was not answered within {:?}", self.deadline),
        )
        .into()
    }

    /// Decides after a poll response; `elapsed` is the time since the push was sent.
    pub fn on_response<B: AsRef<[u8]>>(
        &mut self,
        response: Response<B>,
        elapsed: Duration,
        random: u64,
    ) -> Result<PollStep, Error> {
        self.polls += 1;
        let remaining = self.deadline.saturating_sub(elapsed);
        if response.status() == StatusCode::TOO_MANY_REQUESTS && !remaining.is_zero() {
            let (delay, _) = delay_for(&self.retry, response.headers(), 0, random);
            return Ok(self.wait(delay.max(self.interval).min(remaining)));
        }
        let outcome = parse(&response, |_, body| decode_json::<VerifyOutcome>(body))?.value;
        match outcome {
            VerifyOutcome::Waiting(waiting) => {
                if let Some(answer) = waiting.correct_answer() {
                    self.correct_answer = Some(answer);
                }
                if remaining.is_zero() {
                    return Ok(PollStep::Expired);
                }
                Ok(self.wait(self.interval.min(remaining)))
            }
            done => Ok(PollStep::Done(done)),
        }
    }
}

/// Shows the method, the poll path, the header names and the polling state:
/// never a header value (`Authorization`).
impl std::fmt::Debug for PushPoll {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<&http::HeaderName> = self.headers.keys().collect();
        f.debug_struct("PushPoll")
            .field("method", &self.method)
            .field("path", &self.uri.path())
            .field("headers", &headers)
            .field("interval", &self.interval)
            .field("deadline", &self.deadline)
            .field("correct_answer", &self.correct_answer)
            .field("polls", &self.polls)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Credentials, OrgUrl};

    #[test]
    fn a_padded_same_origin_poll_link_is_polled() {
        let config = ClientConfig::new(
            OrgUrl::parse("https://dev-1.okta.com").unwrap(),
            Credentials::api_token("t").unwrap(),
        );
        let waiting: VerifyOutcome = serde_json::from_str(
            r#"{"factorResult":"WAITING","_links":{"poll":{"href":" https://dev-1.okta.com/api/v1/users/u/factors/f/transactions/t\t"}}}"#,
        )
        .unwrap();
        let poll = PushPoll::new(
            waiting.as_waiting().unwrap(),
            &ResponseMeta::default(),
            &config,
        )
        .unwrap();
        assert_eq!(
            poll.request().uri(),
            "https://dev-1.okta.com/api/v1/users/u/factors/f/transactions/t"
        );
    }
}
