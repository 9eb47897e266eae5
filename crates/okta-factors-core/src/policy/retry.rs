//! Retrying `429 Too Many Requests`: a pure policy. The caller passes the
//! response head and a random number; the policy answers "retry after this
//! delay" or "give up". Nothing here sleeps or reads a clock.

use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};

use super::time::server_date;
use crate::meta::{RateLimit, X_OKTA_REQUEST_ID};

/// `X-Okta-Retry-For`: the request ID of the first `429` of a call.
pub const X_OKTA_RETRY_FOR: HeaderName = HeaderName::from_static("x-okta-retry-for");
/// `X-Okta-Retry-Count`: which retry this request is (1, 2, …).
pub const X_OKTA_RETRY_COUNT: HeaderName = HeaderName::from_static("x-okta-retry-count");

/// Limits for retrying `429` answers.
///
/// ```
/// use std::time::Duration;
/// use okta_factors_core::policy::RetryPolicy;
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
#[non_exhaustive]
pub enum RetryDecision {
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
pub struct RetryState {
    policy: RetryPolicy,
    retries: u32,
    total_wait: Duration,
    retry_for: Option<HeaderValue>,
}

impl RetryState {
    /// A fresh call.
    pub fn new(policy: RetryPolicy) -> Self {
        Self {
            policy,
            retries: 0,
            total_wait: Duration::ZERO,
            retry_for: None,
        }
    }

    /// Retries decided so far.
    pub fn retries(&self) -> u32 {
        self.retries
    }

    /// Total delay decided so far.
    pub fn total_wait(&self) -> Duration {
        self.total_wait
    }

    /// Decides what to do after a response with `status` and `headers`.
    /// `random` is any random number from the caller (used for jitter).
    pub fn on_response(
        &mut self,
        status: StatusCode,
        headers: &HeaderMap,
        random: u64,
    ) -> RetryDecision {
        if status != StatusCode::TOO_MANY_REQUESTS || self.retries >= self.policy.max_retries {
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
    pub fn apply_headers(&self, headers: &mut HeaderMap) {
        if self.retries == 0 {
            return;
        }
        headers.insert(X_OKTA_RETRY_COUNT, HeaderValue::from(self.retries));
        if let Some(id) = &self.retry_for {
            headers.insert(X_OKTA_RETRY_FOR, id.clone());
        }
    }
}

/// The delay before retry number `retries + 1`, always within `policy.max_delay`.
pub fn delay_for(
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
        let seconds = reset.saturating_sub(date).saturating_add(1);
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
    fn waits_until_reset_by_server_clock() {
        let headers = head(&[
            ("date", "Thu, 27 Aug 2020 18:15:37 GMT"),
            ("x-rate-limit-reset", "1598552140"),
            ("x-rate-limit-limit", "600"),
            ("x-rate-limit-remaining", "0"),
            ("x-okta-request-id", "first-429"),
        ]);
        let mut state = RetryState::new(RetryPolicy::default());
        let decision = state.on_response(StatusCode::TOO_MANY_REQUESTS, &headers, 7);
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
            state.on_response(StatusCode::TOO_MANY_REQUESTS, &second, 0),
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
            state.on_response(StatusCode::TOO_MANY_REQUESTS, &second, 0),
            RetryDecision::Stop
        );
    }

    #[test]
    fn only_429_is_retried_and_disabled_never_retries() {
        let mut state = RetryState::new(RetryPolicy::default());
        for status in [200, 400, 401, 403, 404, 500, 503] {
            let status = StatusCode::from_u16(status).unwrap();
            assert_eq!(
                state.on_response(status, &HeaderMap::new(), 0),
                RetryDecision::Stop
            );
        }
        let mut disabled = RetryState::new(RetryPolicy::disabled());
        assert_eq!(
            disabled.on_response(StatusCode::TOO_MANY_REQUESTS, &HeaderMap::new(), 0),
            RetryDecision::Stop
        );
        let mut headers = HeaderMap::new();
        disabled.apply_headers(&mut headers);
        assert!(headers.is_empty());
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
                state.on_response(StatusCode::TOO_MANY_REQUESTS, &headers, 0),
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
            state.on_response(StatusCode::TOO_MANY_REQUESTS, &headers, 0),
            RetryDecision::Retry { retry: 1, .. }
        ));
        assert_eq!(state.total_wait(), Duration::MAX);
        assert_eq!(
            state.on_response(StatusCode::TOO_MANY_REQUESTS, &headers, 0),
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
            state.on_response(StatusCode::TOO_MANY_REQUESTS, &far, 0),
            RetryDecision::Retry {
                delay: Duration::from_secs(u64::MAX),
                retry: 1,
                reason: RetryReason::RateLimitReset
            }
        );
        assert_eq!(
            state.on_response(StatusCode::TOO_MANY_REQUESTS, &far, 0),
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
            state.on_response(StatusCode::TOO_MANY_REQUESTS, &HeaderMap::new(), 0),
            RetryDecision::Retry { .. }
        ));
        // 1 s spent; the next fallback is 2 s and would exceed the 1.5 s total.
        assert_eq!(
            state.on_response(StatusCode::TOO_MANY_REQUESTS, &HeaderMap::new(), 0),
            RetryDecision::Stop
        );
    }
}
