//! Push verification: verify, report the number challenge, poll until answered.

// Helpers outside #[test] functions unwrap and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{builder, client};
use okta_factors_core::model::VerifyOutcome;
use okta_factors_core::operations::{VerifyFactor, VerifyFactorRequest};
use okta_factors_core::policy::PollPolicy;
use okta_factors_core::{Error, InputError, TimeoutLimit, TransportErrorKind};
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

#[test]
fn a_poll_link_to_another_host_is_refused_and_never_followed() {
    for origin in ["http://127.0.0.2:{port}", "https://evil.example"] {
        let server = TestServer::start(move |req: &RecordedRequest| {
            let port = req
                .header("host")
                .and_then(|h| h.rsplit(':').next())
                .unwrap_or_default()
                .to_owned();
            Reply::json(201, waiting(&origin.replace("{port}", &port)))
        });
        let err = client(&server).verify_push(&verify(), |_| {}).unwrap_err();
        assert!(
            matches!(err, Error::Input(InputError::Link { .. })),
            "{origin}: {err:?}"
        );
        assert_eq!(server.requests().len(), 1, "{origin}");
        assert!(!format!("{err}").contains("00test-token"));
    }
}

#[test]
fn polling_expires_with_a_poll_timeout() {
    let server = TestServer::start(|req: &RecordedRequest| {
        let origin = format!("http://{}", req.header("host").unwrap_or_default());
        Reply::json(201, waiting(&origin))
    });
    let client = builder(&server)
        .poll_policy(
            PollPolicy::default()
                .interval(Duration::from_millis(20))
                .max_wait(Duration::from_millis(150)),
        )
        .build()
        .unwrap();
    let started = Instant::now();
    let mut challenges = Vec::new();
    let err = client
        .verify_push(&verify(), |n| challenges.push(n))
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(started.elapsed() >= Duration::from_millis(150));
    assert!(err.is_timeout());
    assert_eq!(
        err.transport().unwrap().kind,
        TransportErrorKind::Timeout(TimeoutLimit::Poll)
    );
    assert_eq!(challenges, [72]);
    assert!(server.requests().len() >= 3);
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
