//! `request_timeout` bounds a whole call, its `429` retries and their waits
//! included, and each poll of a push: a stalled or trickling server is cut
//! off with `Timeout(Request)` at the limit (plus a small slack), and each
//! call gets the whole budget again.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use okta_factors::model::VerifyOutcome;
use okta_factors::operations::{VerifyFactor, VerifyFactorRequest};
use okta_factors::{TimeoutLimit, TransportErrorKind};
use okta_factors_testserver::{RecordedRequest, Reply, TestServer};

use crate::common::{kind, start_with_url, RawServer};
use crate::harness::builder;

/// How late after its limit a timed-out call may end.
const SLACK: Duration = Duration::from_millis(700);

/// Asserts `err` is the request's timeout and `elapsed` within `[limit, limit + SLACK)`.
fn assert_timed_out(err: &okta_factors::Error, elapsed: Duration, limit: Duration) {
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(
        kind(err),
        TransportErrorKind::Timeout(TimeoutLimit::Request)
    );
    assert!(
        elapsed >= limit && elapsed < limit + SLACK,
        "{elapsed:?} for a limit of {limit:?}"
    );
}

behaviour_test!(
    /// The request timeout is per call: two calls in a row each get the full
    /// budget, and the client works afterwards.
    fn a_stalled_server_times_out_at_the_request_timeout_of_each_call(transport) {
        let server = TestServer::start(|req| {
            if req.path().contains("/stall/") {
                Reply::Stall(Duration::from_secs(3))
            } else {
                Reply::json(200, "[]")
            }
        });
        let limit = Duration::from_millis(300);
        let client = transport.build(builder(server.url()).request_timeout(limit));
        for _ in 0..2 {
            let started = Instant::now();
            let err = client.list_factors("stall").unwrap_err();
            assert_timed_out(&err, started.elapsed(), limit);
        }
        assert!(client.list_factors("ok").unwrap().is_empty());
    }
);

behaviour_test!(
    /// The limit is on the whole exchange, not on each read: a server that
    /// sends its body one byte at a time, never pausing long, is cut off.
    fn a_trickling_body_is_cut_off_at_the_request_timeout(transport) {
        let server = RawServer::start(|stream| {
            let head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 200\r\n\r\n[";
            if stream.write_all(head).is_err() {
                return;
            }
            for _ in 0..60 {
                thread::sleep(Duration::from_millis(50));
                if stream.write_all(b" ").and_then(|()| stream.flush()).is_err() {
                    return;
                }
            }
        });
        let limit = Duration::from_millis(600);
        let client = transport.build(builder(&server.url()).request_timeout(limit));
        let started = Instant::now();
        let err = client.list_factors("00u1").unwrap_err();
        assert_timed_out(&err, started.elapsed(), limit);
    }
);

behaviour_test!(
    /// Retries spend the same budget: a `429`, its wait, then a stalled
    /// retry end at the call's limit (not a fresh limit for the retry).
    fn the_timeout_covers_the_retries_and_their_waits(transport) {
        let count = AtomicUsize::new(0);
        let server = TestServer::start(move |_| {
            if count.fetch_add(1, Ordering::SeqCst) == 0 {
                // No usable headers: the fallback wait (200 ms, with jitter).
                Reply::json(429, "{}")
            } else {
                Reply::Stall(Duration::from_secs(3))
            }
        });
        let limit = Duration::from_millis(800);
        let client = transport.build(
            builder(server.url())
                .request_timeout(limit)
                .retry_policy(
                    okta_factors::policy::RetryPolicy::default()
                        .fallback_delay(Duration::from_millis(200))
                        .max_delay(Duration::from_millis(300)),
                ),
        );
        let started = Instant::now();
        let err = client.list_factors("00u1").unwrap_err();
        assert_timed_out(&err, started.elapsed(), limit);
        let requests = server.requests();
        assert_eq!(requests.len(), 2);
        assert_eq!(requests[1].header("x-okta-retry-count"), Some("1"));
    }
);

behaviour_test!(
    /// Each poll of a push is bounded by the request timeout: a poll that
    /// stalls times out, which is a transient failure, and the next poll
    /// gets the answer.
    fn a_stalled_poll_times_out_and_the_push_goes_on(transport) {
        const POLL: &str = "/api/v1/users/00u1/factors/opf1/transactions/t1";
        let polls = AtomicUsize::new(0);
        let server = start_with_url(move |base, req: &RecordedRequest| {
            if req.method == "POST" {
                return Reply::json(
                    201,
                    format!(r#"{{"factorResult":"WAITING","_links":{{"poll":{{"href":"{base}{POLL}"}}}}}}"#),
                );
            }
            match polls.fetch_add(1, Ordering::SeqCst) {
                0 => Reply::Stall(Duration::from_secs(3)),
                _ => Reply::json(200, r#"{"factorResult":"SUCCESS"}"#),
            }
        });
        let limit = Duration::from_millis(400);
        let client = transport.build(builder(server.url()).request_timeout(limit));
        let started = Instant::now();
        let outcome = client
            .verify_push(
                &VerifyFactor::new("00u1", "opf1").body(VerifyFactorRequest::number_matching()),
                |_| {},
            )
            .unwrap();
        let elapsed = started.elapsed();
        assert!(matches!(outcome, VerifyOutcome::Success(_)), "{outcome:?}");
        // Wait 1 s, a poll cut off at 400 ms, wait 1 s, a poll answered.
        assert!(
            elapsed >= Duration::from_millis(2400) && elapsed < Duration::from_millis(2400) + SLACK,
            "{elapsed:?}"
        );
        let reqs = server.requests();
        assert_eq!(reqs.len(), 3);
        assert!(reqs[1..].iter().all(|r| r.target == POLL));
    }
);
