//! Retrying `429 Too Many Requests`: a pure policy. The caller passes the
//! response (status, headers, body) and a random number; the policy answers
//! "retry after this delay" or "give up". Nothing here sleeps or reads a clock.
//!
//! Only rate limits are retried: a `429` whose Okta body says `E0000047` (the
//! concurrent limit included), or a `429` without an Okta error code at all
//! (empty, not JSON, JSON without `errorCode`: a proxy's). A `429` that names
//! another code is a business throttle, not a rate limit: `E0000109` (an SMS
//! was sent recently), `E0000118` (an email was sent recently) or anything
//! else. Retrying it would send the user another SMS or email behind the
//! caller's back, so it is final at once; the wait Okta asks for is
//! [`ApiError::retry_after`](crate::ApiError::retry_after).

use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};

use super::time::{reset_wait_secs, server_date};
use crate::error::codes;
use crate::meta::{RateLimit, X_OKTA_REQUEST_ID};

/// `X-Okta-Retry-For`: the request ID of the first `429` of a call.
pub(crate) const X_OKTA_RETRY_FOR: HeaderName = HeaderName::from_static("x-okta-retry-for");
/// `X-Okta-Retry-Count`: which retry this request is (1, 2, …).
pub(crate) const X_OKTA_RETRY_COUNT: HeaderName = HeaderName::from_static("x-okta-retry-count");

/// Limits for retrying `429` answers that are rate limits, as a
/// [`Call`](super::Call) does: a `429` whose body names `E0000047`, or one
/// without an Okta error code (a proxy's). Business throttles such as
/// `E0000109` are never retried (see the [module](super) docs).
///
/// A retry waits until the rate-limit window resets (`X-Rate-Limit-Reset` by
/// the server's `Date`, plus one second), or backs off (`base · 2^retry` plus
/// up to half again as jitter) from [`RetryPolicy::concurrent_delay`] for a
/// concurrent-limit `429` and from [`RetryPolicy::fallback_delay`] without
/// usable headers; every wait is at most [`RetryPolicy::max_delay`].
///
/// ```
/// use std::time::Duration;
/// use okta_factors::policy::RetryPolicy;
/// let policy = RetryPolicy::default().max_retries(4).max_delay(Duration::from_secs(10));
/// assert_eq!(policy.max_retries, 4);
/// assert_eq!(RetryPolicy::disabled().max_retries, 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Retries after the first attempt (default 2; 0 disables retrying).
    pub max_retries: u32,
    /// Longest single wait (default 60 s); longer computed waits are clamped.
    pub max_delay: Duration,
    /// Longest total waiting across all retries of one call (default 120 s).
    pub max_total_wait: Duration,
    /// Base of the backoff used when the reset cannot be computed (default 1 s).
    pub fallback_delay: Duration,
    /// Base of the backoff for concurrent-limit `429`s (default 250 ms).
    pub concurrent_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 2,
            max_delay: Duration::from_secs(60),
            max_total_wait: Duration::from_secs(120),
            fallback_delay: Duration::from_secs(1),
            concurrent_delay: Duration::from_millis(250),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn disabled() -> Self {
        Self::default().max_retries(0)
    }

    /// Sets [`RetryPolicy::max_retries`].
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// Sets [`RetryPolicy::max_delay`].
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// Sets [`RetryPolicy::max_total_wait`].
    pub fn max_total_wait(mut self, wait: Duration) -> Self {
        self.max_total_wait = wait;
        self
    }

    /// Sets [`RetryPolicy::fallback_delay`].
    pub fn fallback_delay(mut self, delay: Duration) -> Self {
        self.fallback_delay = delay;
        self
    }

    /// Sets [`RetryPolicy::concurrent_delay`].
    pub fn concurrent_delay(mut self, delay: Duration) -> Self {
        self.concurrent_delay = delay;
        self
    }
}

/// Why a retry waits as long as it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryReason {
    /// Until `X-Rate-Limit-Reset` by the server's `Date`, plus one second.
    RateLimitReset,
    /// A concurrent-limit `429` (limit and remaining both 0): short jittered backoff.
    ConcurrentLimit,
    /// No usable reset or date header: bounded jittered backoff.
    Fallback,
}

/// What to do after a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RetryDecision {
    /// Send the request again after `delay`.
    Retry {
        /// How long to wait first.
        delay: Duration,
        /// Which retry this will be (1, 2, …).
        retry: u32,
        /// Why this delay.
        reason: RetryReason,
    },
    /// Do not retry: the response is final.
    Stop,
}

/// The retry state of one call: count, total wait, and the request ID of the
/// first `429` (which every retry quotes in `X-Okta-Retry-For`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RetryState {
    policy: RetryPolicy,
    retries: u32,
    total_wait: Duration,
    retry_for: Option<HeaderValue>,
}

impl RetryState {
    /// A fresh call.
    pub(crate) fn new(policy: RetryPolicy) -> Self {
        Self {
            policy,
            retries: 0,
            total_wait: Duration::ZERO,
            retry_for: None,
        }
    }

    /// Retries decided so far.
    pub(crate) fn retries(&self) -> u32 {
        self.retries
    }

    /// Total delay decided so far.
    #[cfg(test)]
    pub(crate) fn total_wait(&self) -> Duration {
        self.total_wait
    }

    /// Decides what to do after a response with `status`, `headers` and
    /// `body`. Only a rate-limit `429` is retried ([`is_rate_limit`]): a `429`
    /// that names another Okta error code (`E0000109`, `E0000118`, …) is a
    /// business throttle and stops at once, like every other status. `random`
    /// is any random number from the caller (used for jitter).
    pub(crate) fn on_response(
        &mut self,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
        random: u64,
    ) -> RetryDecision {
        if self.retries >= self.policy.max_retries || !is_rate_limit(status, body) {
            return RetryDecision::Stop;
        }
        let (delay, reason) = delay_for(&self.policy, headers, self.retries, random);
        // A total past `Duration::MAX` is past any `max_total_wait` (and would
        // panic if added).
        let Some(total_wait) = self
            .total_wait
            .checked_add(delay)
            .filter(|total| *total <= self.policy.max_total_wait)
        else {
            return RetryDecision::Stop;
        };
        if self.retry_for.is_none() {
            // The first 429 that names its request (an empty ID names nothing).
            self.retry_for = headers
                .get(X_OKTA_REQUEST_ID)
                .filter(|id| !id.as_bytes().trim_ascii().is_empty())
                .cloned();
        }
        self.retries += 1;
        self.total_wait = total_wait;
        RetryDecision::Retry {
            delay,
            retry: self.retries,
            reason,
        }
    }

    /// Sets the retry headers of the next attempt: `X-Okta-Retry-Count` (replaced,
    /// not appended) and `X-Okta-Retry-For` (the first `429`'s request ID). Does
    /// nothing before the first retry.
    pub(crate) fn apply_headers(&self, headers: &mut HeaderMap) {
        if self.retries == 0 {
            return;
        }
        headers.insert(X_OKTA_RETRY_COUNT, HeaderValue::from(self.retries));
        if let Some(id) = &self.retry_for {
            headers.insert(X_OKTA_RETRY_FOR, id.clone());
        }
    }
}

/// Whether a response is a rate limit that may be retried: a `429` whose body
/// names `E0000047` (Okta's rate limit, the concurrent limit included), or a
/// `429` without an Okta error code (an empty body, HTML or text from a proxy,
/// JSON without a string `errorCode`). A `429` naming any other code is a
/// business throttle (`E0000109`: an SMS was sent recently; `E0000118`: an
/// email was) and is not: resending it could reach the user again.
pub(crate) fn is_rate_limit(status: StatusCode, body: &[u8]) -> bool {
    if status != StatusCode::TOO_MANY_REQUESTS {
        return false;
    }
    let value = serde_json::from_slice::<serde_json::Value>(body).ok();
    match value.as_ref().and_then(|v| v.get("errorCode")) {
        Some(serde_json::Value::String(code)) => code == codes::RATE_LIMITED,
        // No Okta error code: not Okta's answer (a proxy, a bare 429).
        _ => true,
    }
}

/// The delay before retry number `retries + 1`, always within `policy.max_delay`.
pub(crate) fn delay_for(
    policy: &RetryPolicy,
    headers: &HeaderMap,
    retries: u32,
    random: u64,
) -> (Duration, RetryReason) {
    let limits = RateLimit::from_headers(headers);
    if limits.is_concurrent_limit() {
        let delay = backoff(policy.concurrent_delay, retries, random);
        return (delay.min(policy.max_delay), RetryReason::ConcurrentLimit);
    }
    if let (Some(reset), Some(date)) = (limits.reset, server_date(headers)) {
        let seconds = reset_wait_secs(reset, date);
        let delay = Duration::from_secs(seconds.min(policy.max_delay.as_secs().saturating_add(1)));
        return (delay.min(policy.max_delay), RetryReason::RateLimitReset);
    }
    let delay = backoff(policy.fallback_delay, retries, random);
    (delay.min(policy.max_delay), RetryReason::Fallback)
}

/// `base · 2^retries`, plus up to half of that again as jitter.
fn backoff(base: Duration, retries: u32, random: u64) -> Duration {
    let factor = 1u32.checked_shl(retries.min(16)).unwrap_or(u32::MAX);
    let exp = base.saturating_mul(factor);
    let half_ms = u64::try_from(exp.as_millis() / 2).unwrap_or(u64::MAX);
    let jitter = random % half_ms.saturating_add(1);
    exp.saturating_add(Duration::from_millis(jitter))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    #[test]
    fn rate_limits_are_429s_without_another_okta_code() {
        let too_many = StatusCode::TOO_MANY_REQUESTS;
        assert!(is_rate_limit(
            too_many,
            br#"{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit"}"#
        ));
        assert!(is_rate_limit(too_many, b""));
        assert!(!is_rate_limit(
            too_many,
            br#"{"errorCode":"E0000109","errorSummary":"An SMS message was recently sent."}"#
        ));
        assert!(!is_rate_limit(StatusCode::SERVICE_UNAVAILABLE, b""));
    }

    #[test]
    fn waits_until_reset_by_server_clock() {
        let headers = head(&[
            ("date", "Thu, 27 Aug 2020 18:15:37 GMT"),
            ("x-rate-limit-reset", "1598552140"),
            ("x-rate-limit-limit", "600"),
            ("x-rate-limit-remaining", "0"),
            ("x-okta-request-id", "first-429"),
        ]);
        let mut state = RetryState::new(RetryPolicy::default());
        let decision = state.on_response(StatusCode::TOO_MANY_REQUESTS, &headers, b"", 7);
        assert_eq!(
            decision,
            RetryDecision::Retry {
                delay: Duration::from_secs(4),
                retry: 1,
                reason: RetryReason::RateLimitReset
            }
        );
        let mut next = head(&[("x-okta-retry-count", "9")]);
        state.apply_headers(&mut next);
        assert_eq!(next.get_all("x-okta-retry-count").iter().count(), 1);
        assert_eq!(next["x-okta-retry-count"], "1");
        assert_eq!(next["x-okta-retry-for"], "first-429");

        // The second 429 has another request id: Retry-For keeps the first one.
        let second = head(&[("x-okta-request-id", "second-429")]);
        assert!(matches!(
            state.on_response(StatusCode::TOO_MANY_REQUESTS, &second, b"", 0),
            RetryDecision::Retry {
                retry: 2,
                reason: RetryReason::Fallback,
                ..
            }
        ));
        state.apply_headers(&mut next);
        assert_eq!(next["x-okta-retry-count"], "2");
        assert_eq!(next["x-okta-retry-for"], "first-429");
        // Default: two retries, then stop.
        assert_eq!(
            state.on_response(StatusCode::TOO_MANY_REQUESTS, &second, b"", 0),
            RetryDecision::Stop
        );
    }

    #[test]
    fn only_429_is_retried_and_disabled_never_retries() {
        let mut state = RetryState::new(RetryPolicy::default());
        for status in [200, 400, 401, 403, 404, 500, 503] {
            let status = StatusCode::from_u16(status).unwrap();
            assert_eq!(
                state.on_response(status, &HeaderMap::new(), b"", 0),
                RetryDecision::Stop
            );
        }
        let mut disabled = RetryState::new(RetryPolicy::disabled());
        assert_eq!(
            disabled.on_response(StatusCode::TOO_MANY_REQUESTS, &HeaderMap::new(), b"", 0),
            RetryDecision::Stop
        );
        let mut headers = HeaderMap::new();
        disabled.apply_headers(&mut headers);
        assert!(headers.is_empty());
    }

    #[test]
    fn business_throttles_are_final_and_rate_limits_are_retried() {
        // Bodies as Okta sends them (shared vectors 49, 55, 67, 11 and 59).
        let sms = br#"{"errorCode":"E0000109","errorSummary":"An SMS message was recently sent. Please wait 30 seconds before trying again.","errorLink":"E0000109","errorId":"oaeneEaQF8qQrepOWHSkdoejw","errorCauses":[]}"#;
        let email = br#"{"errorCode":"E0000118","errorSummary":"An email was recently sent. Please wait 5 seconds before trying again.","errorLink":"E0000118","errorId":"oae0qf10rGJQQeWFX1OSuStdQ","errorCauses":[]}"#;
        let other = br#"{"errorCode":"E0000999","errorSummary":"Something else"}"#;
        let limited = br#"{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests.","errorLink":"E0000047","errorId":"oae6dB62BdhRFCF_9ltxiklFQ","errorCauses":[]}"#;
        // The concurrent-limit headers do not make a business throttle a rate limit.
        let concurrent = head(&[
            ("date", "Fri, 01 Jan 2021 00:00:00 GMT"),
            ("x-rate-limit-limit", "0"),
            ("x-rate-limit-remaining", "0"),
            ("x-rate-limit-reset", "1609459260"),
        ]);
        for headers in [HeaderMap::new(), concurrent.clone()] {
            for body in [sms.as_slice(), email, other] {
                let mut state = RetryState::new(RetryPolicy::default());
                let decision = state.on_response(StatusCode::TOO_MANY_REQUESTS, &headers, body, 0);
                assert_eq!(decision, RetryDecision::Stop);
                assert_eq!(state, RetryState::new(RetryPolicy::default()));
            }
        }
        for (headers, body) in [
            (&concurrent, limited.as_slice()),
            (&HeaderMap::new(), limited),
            (&concurrent, b""),
            (&HeaderMap::new(), b"<html>Too Many Requests</html>"),
            (&HeaderMap::new(), br#"{"message":"slow down"}"#),
            (&HeaderMap::new(), br#"{"errorCode":null}"#),
            (&HeaderMap::new(), br#"["E0000109"]"#),
        ] {
            let mut state = RetryState::new(RetryPolicy::default());
            let decision = state.on_response(StatusCode::TOO_MANY_REQUESTS, headers, body, 0);
            assert!(
                matches!(decision, RetryDecision::Retry { retry: 1, .. }),
                "{:?}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn retry_after_reads_the_summary_then_the_rate_limit_headers() {
        use crate::operation::Operation;
        use crate::operations::ListFactors;
        let error = |status: u16, headers: &[(&str, &str)], body: &str| {
            let mut builder = http::Response::builder().status(status);
            for (name, value) in headers {
                builder = builder.header(*name, *value);
            }
            ListFactors::new("u")
                .parse_response(builder.body(body.as_bytes()).unwrap())
                .unwrap_err()
        };
        let window = [
            ("date", "Fri, 01 Jan 2021 00:00:00 GMT"),
            ("x-rate-limit-reset", "1609459220"),
        ];
        // The summaries of the shared vectors 49/55 (SMS) and 67 (email) win
        // over the headers.
        for (summary, seconds) in [
            (
                "An SMS message was recently sent. Please wait 30 seconds before trying again.",
                30,
            ),
            (
                "An email was recently sent. Please wait 5 seconds before trying again.",
                5,
            ),
            ("Please wait 1 second.", 1),
            ("PLEASE WAIT 12 SECONDS", 12),
        ] {
            let body = format!(r#"{{"errorCode":"E0000109","errorSummary":"{summary}"}}"#);
            let err = error(429, &window, &body);
            assert_eq!(
                err.retry_after(),
                Some(Duration::from_secs(seconds)),
                "{summary}"
            );
            assert_eq!(err.api().unwrap().retry_after(), err.retry_after());
        }
        // No count of seconds in the summary: the window's reset by the
        // server's clock (20 s), plus one second, like `delay_for`.
        let limited = r#"{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests."}"#;
        assert_eq!(
            error(429, &window, limited).retry_after(),
            Some(Duration::from_secs(21))
        );
        assert_eq!(
            delay_for(&RetryPolicy::default(), &head(&window), 0, 0).0,
            Duration::from_secs(21)
        );
        // Digits that are not a count of seconds, missing or garbled headers,
        // a status other than 429, an error without Okta's body: `None`.
        for (status, headers, body) in [
            (429, &[][..], limited),
            (
                429,
                &[("date", "soon"), ("x-rate-limit-reset", "1609459220")][..],
                limited,
            ),
            (
                429,
                &[("date", "Fri, 01 Jan 2021 00:00:00 GMT")][..],
                limited,
            ),
            (
                429,
                &[][..],
                r#"{"errorCode":"E0000109","errorSummary":"Code E0000109 seconds"}"#,
            ),
            (
                403,
                &window[..],
                r#"{"errorCode":"E0000068","errorSummary":"Invalid Passcode/Answer"}"#,
            ),
            (429, &window[..], "<html>Too Many Requests</html>"),
        ] {
            assert_eq!(
                error(status, headers, body).retry_after(),
                None,
                "{status} {body}"
            );
        }
        let transport = crate::Error::from(crate::TransportError::new(
            crate::TransportErrorKind::Io,
            "reset",
        ));
        assert_eq!(transport.retry_after(), None);
    }

    #[test]
    fn huge_bases_do_not_overflow() {
        // Found by the `policies` fuzz target: half of u64::MAX ms + 1 overflowed.
        let policy = RetryPolicy::default()
            .fallback_delay(Duration::MAX)
            .max_delay(Duration::from_secs(3));
        for retries in [0, 1, 40] {
            let (delay, _) = delay_for(&policy, &HeaderMap::new(), retries, u64::MAX);
            assert_eq!(delay, Duration::from_secs(3));
        }
    }

    #[test]
    fn retry_for_quotes_the_first_429_that_names_its_request() {
        let policy = RetryPolicy::default()
            .max_retries(4)
            .max_total_wait(Duration::from_secs(3600));
        let mut state = RetryState::new(policy);
        for id in ["", "  ", "req-2", "req-3"] {
            let headers = head(&[("x-okta-request-id", id)]);
            assert!(matches!(
                state.on_response(StatusCode::TOO_MANY_REQUESTS, &headers, b"", 0),
                RetryDecision::Retry { .. }
            ));
        }
        let mut next = HeaderMap::new();
        state.apply_headers(&mut next);
        assert_eq!(next.get("x-okta-retry-for").unwrap(), "req-2");
    }

    #[test]
    fn unbounded_total_wait_does_not_overflow() {
        // Found by tests/policy_properties.rs: with `max_delay` and
        // `max_total_wait` at `Duration::MAX`, the second huge delay overflowed
        // the total (a panic) instead of stopping.
        let policy = RetryPolicy::default()
            .max_delay(Duration::MAX)
            .max_total_wait(Duration::MAX)
            .fallback_delay(Duration::MAX);
        let mut state = RetryState::new(policy);
        let headers = HeaderMap::new();
        assert!(matches!(
            state.on_response(StatusCode::TOO_MANY_REQUESTS, &headers, b"", 0),
            RetryDecision::Retry { retry: 1, .. }
        ));
        assert_eq!(state.total_wait(), Duration::MAX);
        assert_eq!(
            state.on_response(StatusCode::TOO_MANY_REQUESTS, &headers, b"", 0),
            RetryDecision::Stop
        );
        assert_eq!((state.retries(), state.total_wait()), (1, Duration::MAX));

        // The same through the server's headers: a reset at the end of time.
        let far = head(&[
            ("date", "Thu, 01 Jan 1970 00:00:00 GMT"),
            ("x-rate-limit-reset", "18446744073709551615"),
        ]);
        let mut state = RetryState::new(policy.fallback_delay(Duration::from_secs(1)));
        assert_eq!(
            state.on_response(StatusCode::TOO_MANY_REQUESTS, &far, b"", 0),
            RetryDecision::Retry {
                delay: Duration::from_secs(u64::MAX),
                retry: 1,
                reason: RetryReason::RateLimitReset
            }
        );
        assert_eq!(
            state.on_response(StatusCode::TOO_MANY_REQUESTS, &far, b"", 0),
            RetryDecision::Stop
        );
    }

    #[test]
    fn concurrent_limit_uses_short_backoff() {
        let headers = head(&[
            ("date", "Fri, 01 Jan 2021 00:00:00 GMT"),
            ("x-rate-limit-limit", "0"),
            ("x-rate-limit-remaining", "0"),
            ("x-rate-limit-reset", "1609459260"),
        ]);
        let (delay, reason) = delay_for(&RetryPolicy::default(), &headers, 0, 1_000_000);
        assert_eq!(reason, RetryReason::ConcurrentLimit);
        assert!(delay >= Duration::from_millis(250) && delay <= Duration::from_millis(375));
    }

    #[test]
    fn delays_are_clamped_and_bounded() {
        let policy = RetryPolicy::default().max_delay(Duration::from_secs(5));
        let far = head(&[
            ("date", "Fri, 01 Jan 2021 00:00:00 GMT"),
            ("x-rate-limit-reset", "1909459200"),
        ]);
        assert_eq!(delay_for(&policy, &far, 0, 0).0, Duration::from_secs(5));
        let past = head(&[
            ("date", "Fri, 01 Jan 2021 00:00:00 GMT"),
            ("x-rate-limit-reset", "1"),
        ]);
        assert_eq!(delay_for(&policy, &past, 0, 0).0, Duration::from_secs(1));
        for retries in [0, 1, 5, 31, 1000] {
            for random in [0, 1, u64::MAX] {
                let (delay, _) = delay_for(&policy, &HeaderMap::new(), retries, random);
                assert!(delay <= Duration::from_secs(5));
            }
        }
        let mut state = RetryState::new(
            RetryPolicy::default()
                .max_retries(10)
                .max_total_wait(Duration::from_millis(1500)),
        );
        assert!(matches!(
            state.on_response(StatusCode::TOO_MANY_REQUESTS, &HeaderMap::new(), b"", 0),
            RetryDecision::Retry { .. }
        ));
        // 1 s spent; the next fallback is 2 s and would exceed the 1.5 s total.
        assert_eq!(
            state.on_response(StatusCode::TOO_MANY_REQUESTS, &HeaderMap::new(), b"", 0),
            RetryDecision::Stop
        );
    }
}

/// Properties of the internals a [`Call`](super::Call) cannot show: `delay_for`
/// at any retry count, and the state after a refused retry (a call ends
/// there). `tests/policy_properties.rs` checks the rest through the machines.
#[cfg(test)]
mod properties {
    use proptest::collection::vec;
    use proptest::prelude::*;
    use proptest::sample::select;
    use proptest::test_runner::FileFailurePersistence;

    use super::*;
    use crate::policy::time::server_date;

    fn config() -> ProptestConfig {
        let cases = std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(256);
        ProptestConfig {
            cases,
            failure_persistence: Some(Box::new(FileFailurePersistence::Direct(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/proptest-regressions/policy_retry.txt"
            )))),
            ..ProptestConfig::default()
        }
    }

    fn duration() -> BoxedStrategy<Duration> {
        prop_oneof![
            1 => Just(Duration::ZERO),
            4 => (0u64..=120_000).prop_map(Duration::from_millis),
            1 => Just(Duration::MAX),
            1 => (any::<u64>(), 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
        ]
        .boxed()
    }

    fn policy() -> BoxedStrategy<RetryPolicy> {
        (
            prop_oneof![0u32..=6, Just(u32::MAX)],
            duration(),
            duration(),
            duration(),
            duration(),
        )
            .prop_map(|(retries, max_delay, max_total, fallback, concurrent)| {
                RetryPolicy::default()
                    .max_retries(retries)
                    .max_delay(max_delay)
                    .max_total_wait(max_total)
                    .fallback_delay(fallback)
                    .concurrent_delay(concurrent)
            })
            .boxed()
    }

    /// Any header names (mostly the ones that matter) with any bytes.
    fn headers() -> BoxedStrategy<HeaderMap> {
        vec(
            (
                prop_oneof![
                    3 => select(vec![
                        "x-rate-limit-reset", "x-rate-limit-limit", "x-rate-limit-remaining",
                        "date", "retry-after", "x-okta-request-id",
                    ])
                    .prop_map(str::to_owned),
                    1 => "[a-z][a-z0-9-]{0,15}",
                ],
                prop_oneof![
                    vec(any::<u8>(), 0..40),
                    "[0-9]{1,10}".prop_map(String::into_bytes),
                    Just(b"Fri, 01 Jan 2021 00:00:00 GMT".to_vec()),
                ],
            ),
            0..10,
        )
        .prop_map(|pairs| {
            let mut map = HeaderMap::new();
            for (name, value) in pairs {
                if let (Ok(name), Ok(value)) = (
                    HeaderName::from_bytes(name.as_bytes()),
                    HeaderValue::from_bytes(&value),
                ) {
                    map.append(name, value);
                }
            }
            map
        })
        .boxed()
    }

    proptest! {
        #![proptest_config(config())]

        /// On any headers, at any retry count (the exponent stops growing,
        /// nothing overflows), `delay_for` stays within `max_delay`, and its
        /// reason agrees with the crate's own readings of the headers
        /// (`RateLimit::from_headers`, `server_date`).
        #[test]
        fn delay_for_is_bounded_on_any_headers(
            policy in policy(),
            headers in headers(),
            retries in prop_oneof![0u32..=40, any::<u32>()],
            random in any::<u64>(),
        ) {
            let (delay, reason) = delay_for(&policy, &headers, retries, random);
            prop_assert!(delay <= policy.max_delay, "{:?} > {:?}", delay, policy.max_delay);
            let limits = RateLimit::from_headers(&headers);
            let expected = if limits.is_concurrent_limit() {
                RetryReason::ConcurrentLimit
            } else if limits.reset.is_some() && server_date(&headers).is_some() {
                RetryReason::RateLimitReset
            } else {
                RetryReason::Fallback
            };
            prop_assert_eq!(reason, expected, "{:?}", headers);
        }

        /// Over any responses, a refused retry leaves the state as it was (a
        /// later `429` is judged as if the refused one never came), and the
        /// retry headers of the next attempt replace stale ones: one
        /// `X-Okta-Retry-Count` with the retries so far, nothing before the
        /// first retry.
        #[test]
        fn a_refused_retry_changes_nothing(
            policy in policy(),
            responses in vec(
                (
                    prop_oneof![3 => Just(429u16), 1 => Just(503u16), 1 => Just(200u16)],
                    headers(),
                    prop_oneof![
                        Just(&b""[..]),
                        Just(&br#"{"errorCode":"E0000047"}"#[..]),
                        Just(&br#"{"errorCode":"E0000109"}"#[..]),
                    ],
                    any::<u64>(),
                ),
                1..10,
            ),
        ) {
            let mut state = RetryState::new(policy);
            for (status, headers, body, random) in &responses {
                let before = state.clone();
                let status = StatusCode::from_u16(*status).unwrap();
                match state.on_response(status, headers, body, *random) {
                    RetryDecision::Stop => prop_assert_eq!(&state, &before),
                    RetryDecision::Retry { retry, .. } => {
                        prop_assert_eq!(retry, before.retries() + 1);
                        prop_assert!(state.total_wait() <= policy.max_total_wait);
                    }
                }
                let mut next = HeaderMap::new();
                next.append(X_OKTA_RETRY_COUNT, HeaderValue::from_static("9"));
                next.append(X_OKTA_RETRY_COUNT, HeaderValue::from_static("10"));
                state.apply_headers(&mut next);
                let counts: Vec<HeaderValue> = next.get_all(X_OKTA_RETRY_COUNT).iter().cloned().collect();
                if state.retries() == 0 {
                    prop_assert_eq!(counts.len(), 2, "touched before any retry");
                    prop_assert!(!next.contains_key(X_OKTA_RETRY_FOR));
                } else {
                    prop_assert_eq!(counts, vec![HeaderValue::from(state.retries())]);
                }
            }
        }
    }
}
