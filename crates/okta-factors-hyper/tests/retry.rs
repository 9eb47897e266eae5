//! `429 Too Many Requests`: retries as the core's policy decides, with the retry
//! headers, bounded waits, and the rate-limit metadata kept on the final error.
// The tests use the tokio constructors; helpers outside #[test] functions may panic.
#![cfg(feature = "tokio")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{builder, client};
use okta_factors_core::policy::RetryPolicy;
use okta_factors_testserver::{Reply, TestServer};

/// The server's clock, and a reset equal to it: a 1 s wait (reset − date + 1).
const DATE: &str = "Thu, 27 Aug 2020 18:15:37 GMT";
const RESET: &str = "1598552137";

fn rate_limited(n: usize) -> Reply {
    Reply::json(
        429,
        r#"{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests.","errorCauses":[]}"#,
    )
    .header("x-okta-request-id", &format!("req-429-{n}"))
    .header("date", DATE)
    .header("x-rate-limit-limit", "600")
    .header("x-rate-limit-remaining", "0")
    .header("x-rate-limit-reset", RESET)
}

/// Answers `first` for the first `n` requests, then 200 `[]`.
fn server_429_then_ok(n: usize, first: fn(usize) -> Reply) -> TestServer {
    let count = Arc::new(AtomicUsize::new(0));
    TestServer::start(move |_| {
        let i = count.fetch_add(1, Ordering::SeqCst) + 1;
        if i <= n {
            first(i)
        } else {
            Reply::json(200, "[]")
        }
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn two_429s_then_success_with_retry_headers() {
    let server = server_429_then_ok(2, rate_limited);
    let client = client(&server); // max_delay 50 ms clamps the 1 s reset wait
    let factors = client
        .list_factors("00u1")
        .await
        .expect("retried to success");
    assert!(factors.is_empty());

    let reqs = server.requests();
    assert_eq!(reqs.len(), 3);
    assert!(reqs[0].header("x-okta-retry-for").is_none());
    assert!(reqs[0].header("x-okta-retry-count").is_none());
    for (req, count) in [(&reqs[1], "1"), (&reqs[2], "2")] {
        assert_eq!(req.header_all("x-okta-retry-for"), vec!["req-429-1"]);
        assert_eq!(req.header_all("x-okta-retry-count"), vec![count]);
        assert_eq!(req.target, reqs[0].target);
        assert_eq!(req.header("authorization"), reqs[0].header("authorization"));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn waits_until_the_reset_by_the_server_clock() {
    let server = server_429_then_ok(1, rate_limited);
    let client = builder(server.url())
        .retry_policy(RetryPolicy::default())
        .build()
        .unwrap();
    let started = Instant::now();
    client.list_factors("00u1").await.expect("retried");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(950) && waited < Duration::from_secs(3),
        "{waited:?}"
    );
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn three_429s_give_the_last_429_with_its_rate_limits() {
    let server = server_429_then_ok(usize::MAX, rate_limited);
    let client = client(&server);
    let err = client.list_factors("00u1").await.unwrap_err();
    assert!(err.is_rate_limited());
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(err.error_code(), Some("E0000047"));
    let meta = err.meta().expect("meta");
    assert_eq!(meta.request_id.as_deref(), Some("req-429-3"));
    assert_eq!(meta.rate_limit.limit, Some(600));
    assert_eq!(meta.rate_limit.remaining, Some(0));
    assert_eq!(meta.rate_limit.reset, Some(1_598_552_137));
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn disabled_retries_send_one_request() {
    let server = server_429_then_ok(usize::MAX, rate_limited);
    let client = builder(server.url()).max_retries(0).build().unwrap();
    let err = client.list_factors("00u1").await.unwrap_err();
    assert!(err.is_rate_limited());
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn garbage_rate_limit_headers_use_the_bounded_fallback() {
    fn garbage(_: usize) -> Reply {
        Reply::json(429, "{}")
            .header("date", "yesterday")
            .header("x-rate-limit-reset", "soon")
            .header("x-rate-limit-limit", "lots")
            .header("x-rate-limit-remaining", "-1")
    }
    let server = server_429_then_ok(2, garbage);
    let client = client(&server); // fallback 10 ms, max_delay 50 ms
    let started = Instant::now();
    client.list_factors("00u1").await.expect("retried");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.requests().len(), 3);
}

/// A retry wait that would pass `request_timeout` is not waited: the `429` is
/// returned at once, with its rate-limit metadata (not a timeout).
#[tokio::test(flavor = "multi_thread")]
async fn retry_wait_past_request_timeout_returns_the_429() {
    let server = server_429_then_ok(usize::MAX, rate_limited);
    let client = builder(server.url())
        .retry_policy(RetryPolicy::default()) // a 1 s wait
        .request_timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.list_factors("00u1").await.unwrap_err();
    assert!(started.elapsed() < Duration::from_millis(500));
    assert!(!err.is_timeout());
    assert!(err.is_rate_limited());
    let meta = err.meta().expect("meta");
    assert_eq!(meta.request_id.as_deref(), Some("req-429-1"));
    assert_eq!(meta.rate_limit.reset, Some(1_598_552_137));
    assert_eq!(server.requests().len(), 1);
}

/// `max_total_wait` is honoured: no retry whose wait would exceed it.
#[tokio::test(flavor = "multi_thread")]
async fn max_total_wait_limits_retries() {
    let server = server_429_then_ok(usize::MAX, rate_limited);
    let client = builder(server.url())
        .retry_policy(RetryPolicy::default().max_retries(10))
        .max_total_wait(Duration::from_millis(500))
        .build()
        .unwrap();
    let err = client.list_factors("00u1").await.unwrap_err();
    assert!(err.is_rate_limited());
    assert_eq!(server.requests().len(), 1);
}

/// A business throttle is not a rate limit: `E0000109` (an SMS was sent
/// recently), `E0000118` (an email was) and any other code come back at once
/// with the wait Okta asks for, and nothing is sent again (a retry would text
/// or mail the user a second time).
#[tokio::test(flavor = "multi_thread")]
async fn a_business_throttle_is_returned_at_once_and_never_resent() {
    for (code, summary, wait) in [
        (
            "E0000109",
            "An SMS message was recently sent. Please wait 30 seconds before trying again.",
            30,
        ),
        (
            "E0000118",
            "An email was recently sent. Please wait 5 seconds before trying again.",
            5,
        ),
        // No count in the summary: the rate-limit window's reset (+1 s).
        ("E0000999", "Something else is throttled.", 1),
    ] {
        let server = TestServer::start(move |_| {
            Reply::json(
                429,
                format!(r#"{{"errorCode":"{code}","errorSummary":"{summary}","errorCauses":[]}}"#),
            )
            .header("date", DATE)
            .header("x-rate-limit-limit", "600")
            .header("x-rate-limit-remaining", "599")
            .header("x-rate-limit-reset", RESET)
        });
        let started = Instant::now();
        let err = client(&server)
            .verify_factor("00u1", "sms1", None)
            .await
            .unwrap_err();
        assert!(started.elapsed() < Duration::from_millis(900), "{code}");
        assert_eq!(err.error_code(), Some(code));
        assert_eq!(err.retry_after(), Some(Duration::from_secs(wait)), "{code}");
        assert_eq!(server.requests().len(), 1, "{code}: resent");
    }
}
