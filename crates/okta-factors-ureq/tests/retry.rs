//! `429` handling: retries driven by the core's policy, waits slept by the adapter.

// Helpers outside #[test] functions unwrap and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{builder, client, http_date_now};
use okta_factors_core::policy::RetryPolicy;
use okta_factors_testserver::{Reply, TestServer};

const RATE_LIMITED: &str = r#"{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests.","errorCauses":[]}"#;

/// A 429 whose reset is the server's `Date`: the computed delay is 1 s.
fn too_many(n: usize) -> Reply {
    let (date, now) = http_date_now();
    Reply::json(429, RATE_LIMITED)
        .header("x-okta-request-id", &format!("req-429-{n}"))
        .header("date", &date)
        .header("x-rate-limit-limit", "600")
        .header("x-rate-limit-remaining", "0")
        .header("x-rate-limit-reset", &now.to_string())
}

/// A server answering `429` to the first `n` requests, then `200 []`; it also
/// records when each request arrived.
fn limited(n: usize, reply: fn(usize) -> Reply) -> (TestServer, Arc<Mutex<Vec<Instant>>>) {
    let count = AtomicUsize::new(0);
    let times = Arc::new(Mutex::new(Vec::new()));
    let seen = times.clone();
    let server = TestServer::start(move |_| {
        seen.lock().unwrap().push(Instant::now());
        let i = count.fetch_add(1, Ordering::SeqCst) + 1;
        if i <= n {
            reply(i)
        } else {
            Reply::json(200, "[]").header("x-okta-request-id", "req-ok")
        }
    });
    (server, times)
}

#[test]
fn retries_twice_then_succeeds_with_retry_headers_and_waits() {
    let (server, times) = limited(2, too_many);
    let factors = client(&server).list_factors("u1").unwrap();
    assert!(factors.is_empty());

    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests[0].header("x-okta-retry-for").is_none());
    assert!(requests[0].header("x-okta-retry-count").is_none());
    for (req, count) in requests[1..].iter().zip(["1", "2"]) {
        // The first 429's request id, every time; exactly one value each.
        assert_eq!(req.header_all("x-okta-retry-for"), ["req-429-1"]);
        assert_eq!(req.header_all("x-okta-retry-count"), [count]);
        assert_eq!(req.target, requests[0].target);
        assert_eq!(
            req.header("authorization"),
            requests[0].header("authorization")
        );
    }
    let times = times.lock().unwrap();
    for pair in times.windows(2) {
        let waited = pair[1] - pair[0];
        assert!(waited >= Duration::from_secs(1), "waited only {waited:?}");
    }
}

#[test]
fn gives_up_after_max_retries_with_rate_limit_info() {
    let (server, _) = limited(3, too_many);
    let err = client(&server).list_factors("u1").unwrap_err();
    assert!(err.is_rate_limited());
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(err.error_code(), Some("E0000047"));
    let meta = err.meta().unwrap();
    assert_eq!(meta.request_id.as_deref(), Some("req-429-3"));
    assert_eq!(meta.rate_limit.limit, Some(600));
    assert_eq!(meta.rate_limit.remaining, Some(0));
    assert!(meta.rate_limit.reset.is_some());
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn disabled_retry_sends_exactly_one_request() {
    let (server, _) = limited(1, too_many);
    let client = builder(&server)
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    let err = client.list_factors("u1").unwrap_err();
    assert!(err.is_rate_limited());
    assert_eq!(server.requests().len(), 1);

    // max_retries(0) through the builder is the same.
    let (server, _) = limited(1, too_many);
    let client = builder(&server).max_retries(0).build().unwrap();
    assert!(client.list_factors("u1").unwrap_err().is_rate_limited());
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn garbage_or_missing_rate_limit_headers_use_the_bounded_fallback() {
    fn garbage(_: usize) -> Reply {
        Reply::json(429, RATE_LIMITED)
            .header("x-okta-request-id", "req-429-1")
            .header("date", "not a date")
            .header("x-rate-limit-reset", "soon")
            .header("x-rate-limit-limit", "-1")
    }
    fn bare(_: usize) -> Reply {
        Reply::json(429, "")
    }
    for reply in [garbage as fn(usize) -> Reply, bare] {
        let (server, _) = limited(2, reply);
        let client = builder(&server)
            .retry_policy(RetryPolicy::default().fallback_delay(Duration::from_millis(20)))
            .build()
            .unwrap();
        let started = Instant::now();
        assert!(client.list_factors("u1").unwrap().is_empty());
        // 20 ms then 40 ms, plus up to half again as jitter.
        assert!(started.elapsed() >= Duration::from_millis(60));
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(server.requests().len(), 3);
    }
}

#[test]
fn far_reset_is_clamped_by_max_delay() {
    fn far(_: usize) -> Reply {
        let (date, now) = http_date_now();
        Reply::json(429, RATE_LIMITED)
            .header("date", &date)
            .header("x-rate-limit-limit", "600")
            .header("x-rate-limit-remaining", "0")
            .header("x-rate-limit-reset", &(now + 3600).to_string())
    }
    let (server, times) = limited(1, far);
    let client = builder(&server)
        .retry_policy(RetryPolicy::default().max_delay(Duration::from_millis(50)))
        .build()
        .unwrap();
    let started = Instant::now();
    assert!(client.list_factors("u1").unwrap().is_empty());
    assert!(started.elapsed() < Duration::from_secs(1));
    let times = times.lock().unwrap();
    assert!(times[1] - times[0] >= Duration::from_millis(50));
}

#[test]
fn a_wait_past_the_request_timeout_returns_the_429() {
    let (server, _) = limited(1, too_many);
    let client = builder(&server)
        .request_timeout(Duration::from_millis(400))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.list_factors("u1").unwrap_err();
    // The 1 s wait would pass the 400 ms deadline: no sleep, no retry.
    assert!(started.elapsed() < Duration::from_millis(400));
    assert!(err.is_rate_limited());
    assert_eq!(err.meta().unwrap().rate_limit.limit, Some(600));
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn max_total_wait_stops_retrying() {
    let (server, _) = limited(1, too_many);
    let client = builder(&server)
        .max_total_wait(Duration::from_millis(500))
        .build()
        .unwrap();
    assert!(client.list_factors("u1").unwrap_err().is_rate_limited());
    assert_eq!(server.requests().len(), 1);
}

/// A business throttle is not a rate limit: `E0000109` (an SMS was sent
/// recently), `E0000118` (an email was) and any other code come back at once
/// with the wait Okta asks for, and nothing is sent again (a retry would text
/// or mail the user a second time).
#[test]
fn a_business_throttle_is_returned_at_once_and_never_resent() {
    for (code, summary, wait) in [
        (
            "E0000109",
            "An SMS message was recently sent. Please wait 30 seconds before trying again.",
            Some(30),
        ),
        (
            "E0000118",
            "An email was recently sent. Please wait 5 seconds before trying again.",
            Some(5),
        ),
        // No count in the summary: the rate-limit window's reset (1 s away).
        ("E0000999", "Something else is throttled.", Some(1)),
    ] {
        let server = TestServer::start(move |_| {
            let (date, now) = http_date_now();
            Reply::json(
                429,
                format!(r#"{{"errorCode":"{code}","errorSummary":"{summary}","errorCauses":[]}}"#),
            )
            .header("date", &date)
            .header("x-rate-limit-limit", "600")
            .header("x-rate-limit-remaining", "599")
            .header("x-rate-limit-reset", &now.to_string())
        });
        let started = Instant::now();
        let err = client(&server)
            .resend_enroll_factor(
                "u1",
                "mbl1",
                okta_factors_core::model::FactorEnrollment::sms("+15554151337"),
            )
            .unwrap_err();
        assert!(started.elapsed() < Duration::from_millis(900), "{code}");
        assert_eq!(err.error_code(), Some(code));
        assert!(err.is_rate_limited());
        assert_eq!(err.retry_after(), wait.map(Duration::from_secs), "{code}");
        assert_eq!(server.requests().len(), 1, "{code}: resent");
    }
}

#[test]
fn http_date_matches_known_value() {
    assert_eq!(
        common::http_date(1_598_552_137),
        "Thu, 27 Aug 2020 18:15:37 GMT"
    );
    assert_eq!(
        common::http_date(951_782_400),
        "Tue, 29 Feb 2000 00:00:00 GMT"
    );
}
