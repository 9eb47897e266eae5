//! Push verification: verify, report the number challenge, poll until answered.

// Helpers outside #[test] functions unwrap and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{builder, client};
use okta_factors_core::model::{ActivateOutcome, FactorResult, VerifyOutcome};
use okta_factors_core::operations::{VerifyFactor, VerifyFactorRequest};
use okta_factors_core::policy::PollPolicy;
use okta_factors_testserver::{RecordedRequest, Reply, TestServer};

const POLL_PATH: &str = "/api/v1/users/u/factors/f/transactions/t1";

fn waiting(poll_origin: &str) -> String {
    format!(
        r#"{{"factorResult":"WAITING","profile":{{"credentialId":"dade.murphy@example.com"}},
        "_links":{{"poll":{{"href":"{poll_origin}{POLL_PATH}","hints":{{"allow":["GET"]}}}},
          "cancel":{{"href":"{poll_origin}{POLL_PATH}","hints":{{"allow":["DELETE"]}}}}}},
        "_embedded":{{"challenge":{{"correctAnswer":72}}}}}}"#
    )
}

/// Verify answers 201 WAITING with a poll link to the server itself; polls answer
/// WAITING twice, then `final_result`.
fn push_server(final_result: &'static str) -> TestServer {
    let polls = AtomicUsize::new(0);
    TestServer::start(move |req: &RecordedRequest| {
        let origin = format!("http://{}", req.header("host").unwrap_or_default());
        match (req.method.as_str(), req.path()) {
            ("POST", "/api/v1/users/u/factors/f/verify") => Reply::json(201, waiting(&origin)),
            ("GET", POLL_PATH) => {
                if polls.fetch_add(1, Ordering::SeqCst) < 2 {
                    Reply::json(200, waiting(&origin))
                } else {
                    Reply::json(200, format!(r#"{{"factorResult":"{final_result}"}}"#))
                }
            }
            _ => Reply::json(404, r#"{"errorCode":"E0000007"}"#),
        }
    })
}

fn verify() -> VerifyFactor {
    VerifyFactor::new("u", "f").body(VerifyFactorRequest::number_matching())
}

#[test]
fn push_success_after_polling_reports_the_challenge_once() {
    let server = push_server("SUCCESS");
    let mut challenges = Vec::new();
    let outcome = client(&server)
        .verify_push(&verify(), |n| challenges.push(n))
        .unwrap();
    assert!(matches!(outcome, VerifyOutcome::Success(_)), "{outcome:?}");
    assert_eq!(challenges, [72]);

    let requests = server.requests();
    assert_eq!(requests.len(), 4);
    assert_eq!(requests[0].method, "POST");
    assert_eq!(
        requests[0].body,
        br#"{"useNumberMatchingChallenge":true}"#.to_vec()
    );
    for poll in &requests[1..] {
        assert_eq!(poll.method, "GET");
        assert_eq!(poll.target, POLL_PATH);
        assert_eq!(poll.header("authorization"), Some("SSWS 00test-token"));
        assert_eq!(poll.header("accept"), Some("application/json"));
        assert!(poll
            .header("user-agent")
            .unwrap()
            .starts_with("okta-factors-rust/"));
        assert!(poll.body.is_empty() && poll.header("content-type").is_none());
    }
}

#[test]
fn push_rejected() {
    let server = push_server("REJECTED");
    let mut challenges = 0;
    let outcome = client(&server)
        .verify_push(&verify(), |_| challenges += 1)
        .unwrap();
    assert!(matches!(outcome, VerifyOutcome::Rejected(_)), "{outcome:?}");
    assert_eq!(challenges, 1);
}

#[test]
fn a_non_waiting_verify_is_returned_without_polling() {
    let server = TestServer::start(|_| Reply::json(200, r#"{"factorResult":"SUCCESS"}"#));
    let mut called = false;
    let outcome = client(&server)
        .verify_push(&verify(), |_| called = true)
        .unwrap();
    assert!(matches!(outcome, VerifyOutcome::Success(_)));
    assert!(!called);
    assert_eq!(server.requests().len(), 1);
}

/// A custom-domain org whose poll links name its `*.okta.com` host (or any
/// other origin): the poll is built from the org and the IDs, so it goes to the
/// org, with the credentials, and never to the link's host.
#[test]
fn a_poll_link_on_another_origin_is_polled_on_the_org() {
    for origin in ["http://127.0.0.2:{port}", "https://acme.okta.com"] {
        let polls = AtomicUsize::new(0);
        let server = TestServer::start(move |req: &RecordedRequest| {
            let port = req
                .header("host")
                .and_then(|h| h.rsplit(':').next())
                .unwrap_or_default()
                .to_owned();
            let link_origin = origin.replace("{port}", &port);
            match (req.method.as_str(), req.path()) {
                ("POST", "/api/v1/users/u/factors/f/verify") => {
                    Reply::json(201, waiting(&link_origin))
                }
                ("GET", POLL_PATH) if polls.fetch_add(1, Ordering::SeqCst) == 0 => {
                    Reply::json(200, waiting(&link_origin))
                }
                ("GET", POLL_PATH) => Reply::json(200, r#"{"factorResult":"SUCCESS"}"#),
                _ => Reply::json(404, r#"{"errorCode":"E0000007"}"#),
            }
        });
        let outcome = client(&server).verify_push(&verify(), |_| {}).unwrap();
        assert!(
            matches!(outcome, VerifyOutcome::Success(_)),
            "{origin}: {outcome:?}"
        );
        let requests = server.requests();
        assert_eq!(requests.len(), 3, "{origin}");
        for poll in &requests[1..] {
            assert_eq!(
                (poll.method.as_str(), poll.target.as_str()),
                ("GET", POLL_PATH)
            );
            assert_eq!(poll.header("authorization"), Some("SSWS 00test-token"));
            assert_eq!(poll.header("host"), server.url().strip_prefix("http://"));
        }
    }
}

/// A push nobody answers before the poll policy's `max_wait` is an outcome,
/// `Ok(Timeout)`, like Okta's own `TIMEOUT`: not an error.
#[test]
fn polling_past_max_wait_is_a_timeout_outcome() {
    let server = TestServer::start(|req: &RecordedRequest| {
        let origin = format!("http://{}", req.header("host").unwrap_or_default());
        Reply::json(201, waiting(&origin))
    });
    let short = builder(&server)
        .poll_policy(PollPolicy::default().max_wait(Duration::from_millis(2500)))
        .build()
        .unwrap();
    let started = Instant::now();
    let mut challenges = Vec::new();
    let outcome = short
        .verify_push(&verify(), |n| challenges.push(n))
        .unwrap();
    assert!(started.elapsed() >= Duration::from_millis(2500));
    assert!(started.elapsed() < Duration::from_secs(6));
    let VerifyOutcome::Timeout(response) = outcome else {
        panic!("{outcome:?}")
    };
    // The last WAITING answer, now TIMEOUT: its cancel link is kept.
    assert_eq!(response.factor_result, Some(FactorResult::Timeout));
    assert!(response.link("cancel").is_some());
    assert_eq!(challenges, [72]);
    // The default interval is 4 s: one poll, cut to the deadline.
    assert_eq!(server.requests().len(), 2);

    // Okta's own TIMEOUT is the same outcome.
    let server = push_server("TIMEOUT");
    let outcome = client(&server).verify_push(&verify(), |_| {}).unwrap();
    assert!(matches!(outcome, VerifyOutcome::Timeout(_)), "{outcome:?}");
}

/// One failed poll (a `500`, a connection reset mid-body, a connection closed
/// without an answer) does not end a push the user is approving.
#[test]
fn transient_poll_failures_are_waited_out() {
    let polls = AtomicUsize::new(0);
    let server = TestServer::start(move |req: &RecordedRequest| {
        let origin = format!("http://{}", req.header("host").unwrap_or_default());
        if req.method == "POST" {
            return Reply::json(201, waiting(&origin));
        }
        match polls.fetch_add(1, Ordering::SeqCst) {
            0 => Reply::json(200, waiting(&origin)),
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
            4 => Reply::json(200, waiting(&origin)),
            _ => Reply::json(200, r#"{"factorResult":"SUCCESS"}"#),
        }
    });
    let outcome = client(&server).verify_push(&verify(), |_| {}).unwrap();
    assert!(matches!(outcome, VerifyOutcome::Success(_)), "{outcome:?}");
    let gets = server
        .requests()
        .iter()
        .filter(|r| r.method == "GET")
        .count();
    assert_eq!(gets, 6);
}

/// Polls that keep failing end the push with the last failure, after four
/// in a row.
#[test]
fn four_failed_polls_in_a_row_end_with_the_last_error() {
    let server = TestServer::start(|req: &RecordedRequest| {
        let origin = format!("http://{}", req.header("host").unwrap_or_default());
        if req.method == "POST" {
            Reply::json(201, waiting(&origin))
        } else {
            Reply::json(503, "<html>Service Unavailable</html>")
        }
    });
    let err = client(&server).verify_push(&verify(), |_| {}).unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503), "{err:?}");
    assert_eq!(server.requests().len(), 5);
}

#[test]
fn a_poll_error_is_returned() {
    let server = TestServer::start(|req: &RecordedRequest| {
        let origin = format!("http://{}", req.header("host").unwrap_or_default());
        if req.method == "POST" {
            Reply::json(201, waiting(&origin))
        } else {
            Reply::json(
                404,
                r#"{"errorCode":"E0000007","errorSummary":"Not found: Resource not found: t1 (Transaction)"}"#,
            )
        }
    });
    let err = client(&server).verify_push(&verify(), |_| {}).unwrap_err();
    assert_eq!(err.error_code(), Some("E0000007"));
    assert_eq!(server.requests().len(), 2);
}

const ACTIVATION_POLL: &str = "/api/v1/users/u/factors/f/lifecycle/activate/poll";

/// `wait_for_push_activation` polls the activation on the org (`POST`, no
/// body) until the device activates the factor; a failed poll on the way is
/// waited out.
#[test]
fn wait_for_push_activation_until_the_device_activates() {
    let polls = AtomicUsize::new(0);
    let server = TestServer::start(move |req: &RecordedRequest| {
        let origin = format!("http://{}", req.header("host").unwrap_or_default());
        let waiting = format!(
            r#"{{"factorResult":"WAITING","expiresAt":"2999-01-01T00:00:00.000Z",
            "_links":{{"poll":{{"href":"https://acme.okta.com{ACTIVATION_POLL}","hints":{{"allow":["POST"]}}}},
            "qrcode":{{"href":"{origin}/api/v1/users/u/factors/f/qr/00fukNElRS","type":"image/png"}}}}}}"#
        );
        match polls.fetch_add(1, Ordering::SeqCst) {
            0 => Reply::json(200, waiting),
            1 => Reply::json(502, "<html>Bad Gateway</html>"),
            2 => Reply::json(200, waiting),
            _ => Reply::json(
                200,
                r#"{"id":"f","factorType":"push","provider":"OKTA","status":"ACTIVE",
                "profile":{"credentialId":"dade.murphy@example.com","name":"Gibson"}}"#,
            ),
        }
    });
    let outcome = client(&server).wait_for_push_activation("u", "f").unwrap();
    let ActivateOutcome::Activated(factor) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(factor.id(), Some("f"));
    let requests = server.requests();
    assert_eq!(requests.len(), 4);
    for poll in &requests {
        assert_eq!(
            (poll.method.as_str(), poll.target.as_str()),
            ("POST", ACTIVATION_POLL)
        );
        assert_eq!(poll.header("authorization"), Some("SSWS 00test-token"));
        assert_eq!(poll.header_all("content-length"), ["0"]);
        assert!(poll.body.is_empty());
    }
}

/// An activation Okta ends (`TIMEOUT`, `REJECTED`) is `Ended`, not waiting.
#[test]
fn an_activation_that_ended_is_an_ended_outcome() {
    for result in ["TIMEOUT", "REJECTED"] {
        let server = TestServer::start(move |_: &RecordedRequest| {
            Reply::json(
                200,
                format!(
                    r#"{{"factorResult":"{result}","_links":{{"activate":{{"href":"https://acme.okta.com/api/v1/users/u/factors/f/lifecycle/activate"}}}}}}"#
                ),
            )
        });
        let outcome = client(&server).wait_for_push_activation("u", "f").unwrap();
        let ActivateOutcome::Ended(ended) = &outcome else {
            panic!("{outcome:?}")
        };
        assert_eq!(ended.factor_result().map(|r| r.as_str()), Some(result));
        assert_eq!(server.requests().len(), 1);
    }
}
