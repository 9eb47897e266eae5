//! `verify_push`: the verify, then polls of the transaction on the org until
//! a final result, with number matching reported once, transient poll
//! failures waited out and expiry as a `TIMEOUT` outcome;
//! `wait_for_push_activation`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use okta_factors::model::{ActivateOutcome, FactorResult, VerifyOutcome};
use okta_factors::operations::{VerifyFactor, VerifyFactorRequest};
use okta_factors::policy::PollPolicy;
use okta_factors_testserver::{RecordedRequest, Reply, TestServer};

use crate::common::{assert_common_headers, start_with_url};
use crate::harness::{builder, Transport};

const VERIFY_PATH: &str = "/api/v1/users/00u1/factors/opf1/verify";
const POLL_PATH: &str = "/api/v1/users/00u1/factors/opf1/transactions/v2mst.GldKV5Vx";

/// A `WAITING` answer whose poll and cancel links are `poll_href`, with the
/// number to pick if `answer`.
fn waiting(poll_href: &str, answer: Option<u32>) -> String {
    let embedded = answer
        .map(|a| format!(r#","_embedded":{{"challenge":{{"correctAnswer":{a}}}}}"#))
        .unwrap_or_default();
    format!(
        r#"{{"factorResult":"WAITING","profile":{{"credentialId":"dade.murphy@example.com"}},"_links":{{"poll":{{"href":"{poll_href}","hints":{{"allow":["GET"]}}}},"cancel":{{"href":"{poll_href}","hints":{{"allow":["DELETE"]}}}}}}{embedded}}}"#
    )
}

/// Verify answers `201 WAITING` (number 72) with poll links on `poll_origin`
/// (the server itself when `None`; `{port}` is the server's port); the polls
/// answer `polls[i]`, the last one repeated.
fn push_server(poll_origin: Option<&'static str>, polls: &'static [&'static str]) -> TestServer {
    let count = Arc::new(AtomicUsize::new(0));
    start_with_url(move |base, req: &RecordedRequest| {
        let port = base.rsplit(':').next().unwrap_or_default();
        let origin = poll_origin.map_or(base.to_owned(), |o| o.replace("{port}", port));
        let href = format!("{origin}{POLL_PATH}");
        match (req.method.as_str(), req.path()) {
            ("POST", VERIFY_PATH) => Reply::json(201, waiting(&href, Some(72))),
            ("GET", POLL_PATH) => {
                let i = count.fetch_add(1, Ordering::SeqCst).min(polls.len() - 1);
                match polls[i] {
                    "WAITING" => Reply::json(200, waiting(&href, Some(72))),
                    result => Reply::json(200, format!(r#"{{"factorResult":"{result}"}}"#)),
                }
            }
            _ => Reply::json(404, r#"{"errorCode":"E0000007"}"#),
        }
    })
}

fn verify() -> VerifyFactor {
    VerifyFactor::new("00u1", "opf1").body(VerifyFactorRequest::number_matching())
}

/// Each poll: `GET` of the transaction on the org, no body, the common headers.
fn assert_polls(polls: &[RecordedRequest]) {
    for poll in polls {
        assert_eq!(
            (poll.method.as_str(), poll.target.as_str()),
            ("GET", POLL_PATH)
        );
        assert!(poll.body.is_empty());
        assert!(poll.header("content-type").is_none());
        assert_common_headers(poll);
    }
}

behaviour_test!(
    /// The push ends with the user's answer: `SUCCESS` after a `WAITING`
    /// poll, `REJECTED` at the first poll (the two pushes run at once); the
    /// number, in every `WAITING` answer, is reported once.
    fn the_push_ends_with_the_users_answer(transport) {
        thread::scope(|scope| {
            scope.spawn(move || {
                let server = push_server(None, &["REJECTED"]);
                let client = transport.client(server.url());
                let mut challenges = Vec::new();
                let outcome = client.verify_push(&verify(), |n| challenges.push(n)).unwrap();
                assert!(matches!(outcome, VerifyOutcome::Rejected(_)), "{outcome:?}");
                assert_eq!(challenges, [72]);
                let reqs = server.requests();
                assert_eq!(reqs.len(), 2);
                assert_polls(&reqs[1..]);
            });

            let server = push_server(None, &["WAITING", "SUCCESS"]);
            let client = transport.client(server.url());
            let mut challenges = Vec::new();
            let outcome = client.verify_push(&verify(), |n| challenges.push(n)).unwrap();
            assert!(matches!(outcome, VerifyOutcome::Success(_)), "{outcome:?}");
            assert_eq!(challenges, [72]);

            let reqs = server.requests();
            assert_eq!(reqs.len(), 3);
            assert_eq!(reqs[0].method, "POST");
            assert_eq!(reqs[0].target, VERIFY_PATH);
            assert_eq!(reqs[0].body, br#"{"useNumberMatchingChallenge":true}"#);
            assert_eq!(reqs[0].header_all("content-type"), ["application/json"]);
            assert_common_headers(&reqs[0]);
            assert_polls(&reqs[1..]);
        });
    }
);

behaviour_test!(
    /// A verify that is already final is returned without polling (and no
    /// number is reported).
    fn a_final_verify_result_is_returned_without_polling(transport) {
        let server = TestServer::start(|_| Reply::json(200, r#"{"factorResult":"SUCCESS"}"#));
        let mut called = false;
        let outcome = transport
            .client(server.url())
            .verify_push(&verify(), |_| called = true)
            .unwrap();
        assert!(matches!(outcome, VerifyOutcome::Success(_)), "{outcome:?}");
        assert!(!called);
        assert_eq!(server.requests().len(), 1);
    }
);

behaviour_test!(
    /// A custom-domain org whose poll links name another host (another
    /// loopback address on the same port, a closed port, its `*.okta.com`
    /// host): the poll is built from the org and the IDs, so it goes to the
    /// org, with the credentials, and never to the link's host.
    fn a_poll_link_on_another_origin_is_polled_on_the_org(transport) {
        let origins = [
            "http://127.0.0.2:{port}",
            "http://127.0.0.2:9",
            "https://acme.okta.com",
        ];
        thread::scope(|scope| {
            for origin in origins {
                scope.spawn(move || {
                    let server = push_server(Some(origin), &["WAITING", "SUCCESS"]);
                    let client = transport.client(server.url());
                    let outcome = client.verify_push(&verify(), |_| {}).unwrap();
                    assert!(
                        matches!(outcome, VerifyOutcome::Success(_)),
                        "{origin}: {outcome:?}"
                    );
                    let reqs = server.requests();
                    assert_eq!(reqs.len(), 3, "{origin}");
                    assert_polls(&reqs[1..]);
                    for poll in &reqs[1..] {
                        assert_eq!(poll.header("host"), server.url().strip_prefix("http://"));
                    }
                });
            }
        });
    }
);

behaviour_test!(
    /// A push nobody answers before the poll policy's `max_wait` is an
    /// outcome, `Ok(Timeout)` (the last `WAITING` answer, now `TIMEOUT`, its
    /// cancel link kept), like Okta's own `TIMEOUT`: not an error.
    fn polling_past_max_wait_is_a_timeout_outcome(transport) {
        thread::scope(|scope| {
            scope.spawn(move || {
                // Okta's own TIMEOUT is the same outcome.
                let server = push_server(None, &["TIMEOUT"]);
                let outcome = transport
                    .client(server.url())
                    .verify_push(&verify(), |_| {})
                    .unwrap();
                assert!(matches!(outcome, VerifyOutcome::Timeout(_)), "{outcome:?}");
                assert_eq!(server.requests().len(), 2);
            });

            let server = push_server(None, &["WAITING"]);
            let client = transport.build(
                builder(server.url()).poll_policy(
                    PollPolicy::default()
                        .interval(Duration::from_secs(1))
                        .max_wait(Duration::from_millis(2500)),
                ),
            );
            let started = Instant::now();
            let mut challenges = Vec::new();
            let outcome = client.verify_push(&verify(), |n| challenges.push(n)).unwrap();
            let elapsed = started.elapsed();
            let VerifyOutcome::Timeout(response) = outcome else {
                panic!("{outcome:?}")
            };
            assert_eq!(response.factor_result, Some(FactorResult::Timeout));
            assert!(response.link("cancel").is_some());
            assert!(
                elapsed >= Duration::from_millis(2500) && elapsed < Duration::from_secs(6),
                "{elapsed:?}"
            );
            assert_eq!(challenges, [72]);
            // Polls at 1 s, 2 s and the deadline (2.5 s).
            assert_eq!(server.requests().len(), 4);
        });
    }
);

/// One failed poll (a `500`, a connection reset mid-body, a connection
/// closed without an answer) does not end a push the user is approving.
fn transient_poll_failures_are_waited_out(transport: Transport) {
    let polls = AtomicUsize::new(0);
    let server = start_with_url(move |base, req: &RecordedRequest| {
        let href = format!("{base}{POLL_PATH}");
        if req.method == "POST" {
            return Reply::json(201, waiting(&href, Some(72)));
        }
        match polls.fetch_add(1, Ordering::SeqCst) {
            0 => Reply::json(200, waiting(&href, Some(72))),
            1 => Reply::json(
                500,
                r#"{"errorCode":"E0000009","errorSummary":"Internal Server Error"}"#,
            ),
            2 => Reply::ResetMidBody {
                status: 200,
                declared_len: 100,
                partial: br#"{"factorResult":"WAI"#.to_vec(),
            },
            3 => Reply::Close,
            4 => Reply::json(200, waiting(&href, Some(72))),
            _ => Reply::json(200, r#"{"factorResult":"SUCCESS"}"#),
        }
    });
    let mut challenges = Vec::new();
    let outcome = transport
        .client(server.url())
        .verify_push(&verify(), |n| challenges.push(n))
        .unwrap();
    assert!(matches!(outcome, VerifyOutcome::Success(_)), "{outcome:?}");
    assert_eq!(challenges, [72]);
    let reqs = server.requests();
    assert_eq!(reqs.iter().filter(|r| r.method == "GET").count(), 6);
    assert_polls(&reqs[1..]);
}

/// Polls that keep failing end the push with the last failure, after four
/// in a row.
fn four_failed_polls_in_a_row_end_with_the_last_error(transport: Transport) {
    let server = start_with_url(|base, req: &RecordedRequest| {
        if req.method == "POST" {
            Reply::json(201, waiting(&format!("{base}{POLL_PATH}"), None))
        } else {
            Reply::json(503, "<html>Service Unavailable</html>")
        }
    });
    let err = transport
        .client(server.url())
        .verify_push(&verify(), |_| panic!("no number to show"))
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503), "{err:?}");
    assert_eq!(server.requests().len(), 5);
}

/// A poll answered with a final error (`404`) ends the push with it.
fn a_poll_error_is_returned(transport: Transport) {
    let server = start_with_url(|base, req: &RecordedRequest| {
        if req.method == "POST" {
            Reply::json(201, waiting(&format!("{base}{POLL_PATH}"), Some(72)))
        } else {
            Reply::json(
                404,
                r#"{"errorCode":"E0000007","errorSummary":"Not found: Resource not found: t1 (Transaction)"}"#,
            )
        }
    });
    let err = transport
        .client(server.url())
        .verify_push(&verify(), |_| {})
        .unwrap_err();
    assert_eq!(err.error_code(), Some("E0000007"));
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(server.requests().len(), 2);
}

behaviour_test!(
    /// Failed polls: transient ones are waited out, four in a row end the
    /// push with the last, a final error ends it at once (the three pushes
    /// run at once).
    fn failed_polls_are_waited_out_until_four_in_a_row_or_a_final_error(transport) {
        thread::scope(|scope| {
            scope.spawn(move || four_failed_polls_in_a_row_end_with_the_last_error(transport));
            scope.spawn(move || a_poll_error_is_returned(transport));
            transient_poll_failures_are_waited_out(transport);
        });
    }
);

const ACTIVATION_POLL: &str = "/api/v1/users/00u1/factors/opf1/lifecycle/activate/poll";

behaviour_test!(
    /// `wait_for_push_activation` polls the activation on the org (`POST`,
    /// `Content-Length: 0`, whatever host the poll link names) until the
    /// device activates the factor; a failed poll on the way is waited out.
    fn wait_for_push_activation_until_the_device_activates(transport) {
        let polls = AtomicUsize::new(0);
        let server = start_with_url(move |base, _: &RecordedRequest| {
            let waiting = format!(
                r#"{{"factorResult":"WAITING","expiresAt":"2999-01-01T00:00:00.000Z",
                "_links":{{"poll":{{"href":"https://acme.okta.com{ACTIVATION_POLL}","hints":{{"allow":["POST"]}}}},
                "qrcode":{{"href":"{base}/api/v1/users/00u1/factors/opf1/qr/00fukNElRS","type":"image/png"}}}}}}"#
            );
            match polls.fetch_add(1, Ordering::SeqCst) {
                0 => Reply::json(200, waiting),
                1 => Reply::json(502, "<html>Bad Gateway</html>"),
                _ => Reply::json(
                    200,
                    r#"{"id":"opf1","factorType":"push","provider":"OKTA","status":"ACTIVE",
                    "profile":{"credentialId":"dade.murphy@example.com","name":"Gibson"}}"#,
                ),
            }
        });
        let outcome = transport
            .client(server.url())
            .wait_for_push_activation("00u1", "opf1")
            .unwrap();
        let ActivateOutcome::Activated(factor) = outcome else {
            panic!("{outcome:?}")
        };
        assert_eq!(factor.id(), Some("opf1"));
        let reqs = server.requests();
        assert_eq!(reqs.len(), 3);
        for poll in &reqs {
            assert_eq!(
                (poll.method.as_str(), poll.target.as_str()),
                ("POST", ACTIVATION_POLL)
            );
            assert_common_headers(poll);
            assert_eq!(poll.header_all("content-length"), ["0"]);
            assert!(poll.body.is_empty());
        }
    }
);

behaviour_test!(
    /// An activation Okta ends (`TIMEOUT`, `REJECTED`) is `Ended`, not waiting.
    fn an_activation_that_ended_is_an_ended_outcome(transport) {
        for result in ["TIMEOUT", "REJECTED"] {
            let server = TestServer::start(move |_: &RecordedRequest| {
                Reply::json(
                    200,
                    format!(
                        r#"{{"factorResult":"{result}","_links":{{"activate":{{"href":"https://acme.okta.com/api/v1/users/u/factors/f/lifecycle/activate"}}}}}}"#
                    ),
                )
            });
            let outcome = transport
                .client(server.url())
                .wait_for_push_activation("00u1", "opf1")
                .unwrap();
            let ActivateOutcome::Ended(ended) = &outcome else {
                panic!("{outcome:?}")
            };
            assert_eq!(ended.factor_result().map(|r| r.as_str()), Some(result));
            assert_eq!(server.requests().len(), 1);
        }
    }
);
