//! `429 Too Many Requests`: retries as the core's policy decides, with the
//! retry headers, the waits slept by the client, bounded waits, and the
//! rate-limit metadata kept on the final error; a business throttle is never
//! retried.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use okta_factors::model::FactorEnrollment;
use okta_factors::policy::RetryPolicy;
use okta_factors_testserver::{Reply, TestServer};

use crate::harness::builder;

const RATE_LIMITED: &str = r#"{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests.","errorCauses":[]}"#;

/// The server's clock, and a reset equal to it: a 1 s wait (reset − date + 1).
const DATE: &str = "Thu, 27 Aug 2020 18:15:37 GMT";
const RESET: u64 = 1_598_552_137;

/// The `n`th `429` (from 1), with request ID `req-429-n`.
fn rate_limited(n: usize) -> Reply {
    Reply::json(429, RATE_LIMITED)
        .header("x-okta-request-id", &format!("req-429-{n}"))
        .header("date", DATE)
        .header("x-rate-limit-limit", "600")
        .header("x-rate-limit-remaining", "0")
        .header("x-rate-limit-reset", &RESET.to_string())
}

/// A server answering `first(i)` to the first `n` requests, then `200 []`;
/// it also records when each request arrived.
fn limited(n: usize, first: fn(usize) -> Reply) -> (TestServer, Arc<Mutex<Vec<Instant>>>) {
    let count = AtomicUsize::new(0);
    let times = Arc::new(Mutex::new(Vec::new()));
    let seen = times.clone();
    let server = TestServer::start(move |_| {
        seen.lock().unwrap().push(Instant::now());
        let i = count.fetch_add(1, Ordering::SeqCst) + 1;
        if i <= n {
            first(i)
        } else {
            Reply::json(200, "[]").header("x-okta-request-id", "req-ok")
        }
    });
    (server, times)
}

behaviour_test!(
    /// Two `429`s, then success: each retry carries the first `429`'s request
    /// ID and its count (one value each), and comes after the wait the
    /// server's clock asks for (1 s).
    fn two_429s_then_success_with_retry_headers_and_waits(transport) {
        let (server, times) = limited(2, rate_limited);
        let client = transport.build(builder(server.url()).retry_policy(RetryPolicy::default()));
        let started = Instant::now();
        let factors = client.list_factors("u1").unwrap();
        let took = started.elapsed();
        assert!(factors.is_empty());
        assert!(
            took >= Duration::from_secs(2) && took < Duration::from_secs(4),
            "{took:?}"
        );

        let requests = server.requests();
        assert_eq!(requests.len(), 3);
        assert!(requests[0].header("x-okta-retry-for").is_none());
        assert!(requests[0].header("x-okta-retry-count").is_none());
        for (req, count) in requests[1..].iter().zip(["1", "2"]) {
            assert_eq!(req.header_all("x-okta-retry-for"), ["req-429-1"]);
            assert_eq!(req.header_all("x-okta-retry-count"), [count]);
            assert_eq!(req.target, requests[0].target);
            assert_eq!(
                req.header_all("authorization"),
                requests[0].header_all("authorization")
            );
        }
        let times = times.lock().unwrap();
        for pair in times.windows(2) {
            let waited = pair[1] - pair[0];
            assert!(waited >= Duration::from_secs(1), "waited only {waited:?}");
        }
    }
);

behaviour_test!(
    /// Past `max_retries` (2), the last `429` is the error, with its rate limits.
    fn gives_up_after_max_retries_with_the_last_429(transport) {
        let (server, _) = limited(usize::MAX, rate_limited);
        let err = transport.client(server.url()).list_factors("u1").unwrap_err();
        assert!(err.is_rate_limited());
        assert!(!err.is_timeout());
        assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
        assert_eq!(err.error_code(), Some("E0000047"));
        let meta = err.meta().unwrap();
        assert_eq!(meta.request_id.as_deref(), Some("req-429-3"));
        assert_eq!(meta.rate_limit.limit, Some(600));
        assert_eq!(meta.rate_limit.remaining, Some(0));
        assert_eq!(meta.rate_limit.reset, Some(RESET));
        assert_eq!(server.requests().len(), 3);
    }
);

behaviour_test!(
    /// `RetryPolicy::disabled()`, or `max_retries(0)`: exactly one request.
    fn disabled_retries_send_exactly_one_request(transport) {
        let (server, _) = limited(usize::MAX, rate_limited);
        let client = transport.build(builder(server.url()).retry_policy(RetryPolicy::disabled()));
        let err = client.list_factors("u1").unwrap_err();
        assert!(err.is_rate_limited());
        assert_eq!(server.requests().len(), 1);

        let (server, _) = limited(usize::MAX, rate_limited);
        let client = transport.build(builder(server.url()).max_retries(0));
        assert!(client.list_factors("u1").unwrap_err().is_rate_limited());
        assert_eq!(server.requests().len(), 1);
    }
);

behaviour_test!(
    /// Unusable rate-limit headers (garbage, or none and no body) fall back
    /// to the bounded backoff: 20 ms, then 40 ms (plus jitter).
    fn garbage_or_missing_rate_limit_headers_use_the_bounded_fallback(transport) {
        fn garbage(_: usize) -> Reply {
            Reply::json(429, RATE_LIMITED)
                .header("x-okta-request-id", "req-429-1")
                .header("date", "not a date")
                .header("x-rate-limit-reset", "soon")
                .header("x-rate-limit-limit", "-1")
        }
        fn nonsense(_: usize) -> Reply {
            Reply::json(429, "{}")
                .header("date", "yesterday")
                .header("x-rate-limit-reset", "soon")
                .header("x-rate-limit-limit", "lots")
                .header("x-rate-limit-remaining", "-1")
        }
        fn bare(_: usize) -> Reply {
            Reply::json(429, "")
        }
        let cases = [
            ("garbage", garbage as fn(usize) -> Reply),
            ("nonsense", nonsense),
            ("bare", bare),
        ];
        thread::scope(|scope| {
            for (case, reply) in cases {
                scope.spawn(move || {
                    let (server, _) = limited(2, reply);
                    let client = transport.build(
                        builder(server.url()).retry_policy(
                            RetryPolicy::default().fallback_delay(Duration::from_millis(20)),
                        ),
                    );
                    let started = Instant::now();
                    assert!(client.list_factors("u1").unwrap().is_empty(), "{case}");
                    let took = started.elapsed();
                    assert!(took >= Duration::from_millis(60), "{case}: {took:?}");
                    assert!(took < Duration::from_secs(1), "{case}: {took:?}");
                    assert_eq!(server.requests().len(), 3, "{case}");
                });
            }
        });
    }
);

behaviour_test!(
    /// A reset an hour away is clamped by `max_delay`.
    fn a_far_reset_is_clamped_by_max_delay(transport) {
        fn far(_: usize) -> Reply {
            Reply::json(429, RATE_LIMITED)
                .header("date", DATE)
                .header("x-rate-limit-limit", "600")
                .header("x-rate-limit-remaining", "0")
                .header("x-rate-limit-reset", &(RESET + 3600).to_string())
        }
        let (server, times) = limited(1, far);
        let client = transport.build(
            builder(server.url())
                .retry_policy(RetryPolicy::default().max_delay(Duration::from_millis(50))),
        );
        let started = Instant::now();
        assert!(client.list_factors("u1").unwrap().is_empty());
        assert!(started.elapsed() < Duration::from_secs(1));
        let times = times.lock().unwrap();
        assert!(times[1] - times[0] >= Duration::from_millis(50));
    }
);

behaviour_test!(
    /// A retry wait that would pass `request_timeout` is not waited: the
    /// `429` is returned at once, with its rate-limit metadata (not a timeout).
    fn a_wait_past_the_request_timeout_returns_the_429(transport) {
        let (server, _) = limited(usize::MAX, rate_limited);
        let client = transport.build(
            builder(server.url())
                .retry_policy(RetryPolicy::default()) // a 1 s wait
                .request_timeout(Duration::from_millis(400)),
        );
        let started = Instant::now();
        let err = client.list_factors("u1").unwrap_err();
        assert!(started.elapsed() < Duration::from_millis(400));
        assert!(!err.is_timeout());
        assert!(err.is_rate_limited());
        let meta = err.meta().unwrap();
        assert_eq!(meta.request_id.as_deref(), Some("req-429-1"));
        assert_eq!(meta.rate_limit.limit, Some(600));
        assert_eq!(meta.rate_limit.reset, Some(RESET));
        assert_eq!(server.requests().len(), 1);
    }
);

behaviour_test!(
    /// `max_total_wait` is honoured: no retry whose wait would exceed it.
    fn max_total_wait_stops_retrying(transport) {
        let (server, _) = limited(usize::MAX, rate_limited);
        let client = transport.build(
            builder(server.url())
                .retry_policy(RetryPolicy::default().max_retries(10))
                .max_total_wait(Duration::from_millis(500)),
        );
        let started = Instant::now();
        let err = client.list_factors("u1").unwrap_err();
        assert!(err.is_rate_limited());
        assert!(started.elapsed() < Duration::from_millis(500));
        assert_eq!(server.requests().len(), 1);
    }
);

behaviour_test!(
    /// A business throttle is not a rate limit: `E0000109` (an SMS was sent
    /// recently), `E0000118` (an email was) and any other code come back at
    /// once with the wait Okta asks for, and nothing is sent again (a retry
    /// would text or mail the user a second time), from a resend or a verify.
    fn a_business_throttle_is_returned_at_once_and_never_resent(transport) {
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
                .header("x-rate-limit-reset", &RESET.to_string())
            });
            let client = transport.build(builder(server.url()).retry_policy(RetryPolicy::default()));
            let started = Instant::now();
            let resent = client
                .resend_enroll_factor("u1", "mbl1", FactorEnrollment::sms("+15554151337"))
                .unwrap_err();
            let verified = client.verify_factor("00u1", "sms1", None).unwrap_err();
            assert!(started.elapsed() < Duration::from_millis(900), "{code}");
            for err in [resent, verified] {
                assert_eq!(err.error_code(), Some(code));
                assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
                assert!(err.is_rate_limited());
                assert_eq!(err.retry_after(), Some(Duration::from_secs(wait)), "{code}");
            }
            assert_eq!(server.requests().len(), 2, "{code}: resent");
        }
    }
);
