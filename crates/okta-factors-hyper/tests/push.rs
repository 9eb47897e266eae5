//! `verify_push`: the verify, then polls of the transaction on the org until a
//! final result, with number matching reported once, transient poll failures
//! waited out and expiry as a `TIMEOUT` outcome; `wait_for_push_activation`.
// The tests use the tokio constructors; helpers outside #[test] functions may panic.
#![cfg(feature = "tokio")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{assert_common_headers, builder, client, start_with_url};
use okta_factors_core::model::{ActivateOutcome, FactorResult, VerifyOutcome};
use okta_factors_core::operations::{VerifyFactor, VerifyFactorRequest};
use okta_factors_core::policy::PollPolicy;
use okta_factors_testserver::{RecordedRequest, Reply, TestServer};

const POLL_PATH: &str = "/api/v1/users/00u1/factors/opf1/transactions/v2mst.GldKV5Vx";

fn waiting(poll_href: &str, answer: Option<u32>) -> String {
    let embedded = answer
        .map(|a| format!(r#","_embedded":{{"challenge":{{"correctAnswer":{a}}}}}"#))
        .unwrap_or_default();
    format!(
        r#"{{"factorResult":"WAITING","_links":{{"poll":{{"href":"{poll_href}","hints":{{"allow":["GET"]}}}},"cancel":{{"href":"{poll_href}","hints":{{"allow":["DELETE"]}}}}}}{embedded}}}"#
    )
}

/// Verify answers 201 WAITING (number 72); polls answer `polls[i]`, the last
/// one repeated.
fn push_server(poll_host: Option<&'static str>, polls: &'static [&'static str]) -> TestServer {
    let count = Arc::new(AtomicUsize::new(0));
    start_with_url(move |base, req: &RecordedRequest| {
        let href = format!("{}{POLL_PATH}", poll_host.unwrap_or(base));
        match req.method.as_str() {
            "POST" => Reply::json(201, waiting(&href, Some(72))),
            _ => {
                let i = count.fetch_add(1, Ordering::SeqCst).min(polls.len() - 1);
                match polls[i] {
                    "WAITING" => Reply::json(200, waiting(&href, Some(72))),
                    result => Reply::json(200, format!(r#"{{"factorResult":"{result}"}}"#)),
                }
            }
        }
    })
}

fn verify() -> VerifyFactor {
    VerifyFactor::new("00u1", "opf1").body(VerifyFactorRequest::number_matching())
}

#[tokio::test(flavor = "multi_thread")]
async fn push_success_after_two_waits() {
    let server = push_server(None, &["WAITING", "WAITING", "SUCCESS"]);
    let client = client(&server);
    let mut challenges = Vec::new();
    let outcome = client
        .verify_push(&verify(), |n| challenges.push(n))
        .await
        .expect("push");
    assert!(matches!(outcome, VerifyOutcome::Success(_)), "{outcome:?}");
    assert_eq!(challenges, vec![72]);

    let reqs = server.requests();
    assert_eq!(reqs.len(), 4);
    assert_eq!(reqs[0].method, "POST");
    assert_eq!(reqs[0].target, "/api/v1/users/00u1/factors/opf1/verify");
    assert_eq!(reqs[0].body, br#"{"useNumberMatchingChallenge":true}"#);
    for poll in &reqs[1..] {
        assert_eq!(poll.method, "GET");
        assert_eq!(poll.target, POLL_PATH);
        assert!(poll.body.is_empty());
        assert!(poll.header("content-type").is_none());
        assert_common_headers(poll);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn push_rejected() {
    let server = push_server(None, &["WAITING", "REJECTED"]);
    let client = client(&server);
    let mut challenges = Vec::new();
    let outcome = client
        .verify_push(&verify(), |n| challenges.push(n))
        .await
        .expect("push");
    assert!(matches!(outcome, VerifyOutcome::Rejected(_)), "{outcome:?}");
    assert_eq!(challenges, vec![72]);
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_final_verify_result_is_returned_without_polling() {
    let server = TestServer::start(|_| Reply::json(200, r#"{"factorResult":"SUCCESS"}"#));
    let client = client(&server);
    let outcome = client
        .verify_push(&verify(), |_| panic!("no challenge"))
        .await;
    assert!(matches!(outcome, Ok(VerifyOutcome::Success(_))));
    assert_eq!(server.requests().len(), 1);
}

/// A custom-domain org whose poll links name another host (its `*.okta.com`
/// host, or anything else): the poll is built from the org and the IDs, so it
/// goes to the org, with the credentials, and never to the link's host.
#[tokio::test(flavor = "multi_thread")]
async fn a_poll_link_on_another_origin_is_polled_on_the_org() {
    for host in ["http://127.0.0.2:9", "https://acme.okta.com"] {
        let server = push_server(Some(host), &["WAITING", "SUCCESS"]);
        let client = client(&server);
        let outcome = client.verify_push(&verify(), |_| {}).await.unwrap();
        assert!(matches!(outcome, VerifyOutcome::Success(_)), "{outcome:?}");
        let reqs = server.requests();
        assert_eq!(reqs.len(), 3, "{host}");
        for poll in &reqs[1..] {
            assert_eq!(
                (poll.method.as_str(), poll.target.as_str()),
                ("GET", POLL_PATH)
            );
            assert_common_headers(poll);
        }
    }
}

/// A push nobody answers before the poll policy's `max_wait` is an outcome,
/// `Ok(Timeout)` (the last `WAITING` answer, now `TIMEOUT`), like Okta's own
/// `TIMEOUT`: not an error.
#[tokio::test(flavor = "multi_thread")]
async fn polling_past_max_wait_is_a_timeout_outcome() {
    let server = push_server(None, &["WAITING"]);
    let client = builder(server.url())
        .poll_policy(
            PollPolicy::default()
                .interval(Duration::from_secs(1))
                .max_wait(Duration::from_millis(2500)),
        )
        .build()
        .unwrap();
    let started = Instant::now();
    let mut challenges = Vec::new();
    let outcome = client
        .verify_push(&verify(), |n| challenges.push(n))
        .await
        .unwrap();
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
    assert_eq!(challenges, vec![72]);
    // Polls at 1 s, 2 s and the deadline (2.5 s).
    assert_eq!(server.requests().len(), 4);

    // Okta's own TIMEOUT is the same outcome.
    let server = push_server(None, &["TIMEOUT"]);
    let outcome = client_for(&server).verify_push(&verify(), |_| {}).await;
    assert!(
        matches!(outcome, Ok(VerifyOutcome::Timeout(_))),
        "{outcome:?}"
    );
}

fn client_for(server: &TestServer) -> okta_factors_hyper::Client {
    client(server)
}

/// One failed poll (a `500`, a connection reset mid-body, a connection closed
/// without an answer) does not end a push the user is approving.
#[tokio::test(flavor = "multi_thread")]
async fn transient_poll_failures_are_waited_out() {
    let polls = Arc::new(AtomicUsize::new(0));
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
    let outcome = client(&server).verify_push(&verify(), |_| {}).await;
    assert!(
        matches!(outcome, Ok(VerifyOutcome::Success(_))),
        "{outcome:?}"
    );
    let gets = server
        .requests()
        .iter()
        .filter(|r| r.method == "GET")
        .count();
    assert_eq!(gets, 6);
}

/// Polls that keep failing end the push with the last failure, after four
/// in a row.
#[tokio::test(flavor = "multi_thread")]
async fn four_failed_polls_in_a_row_end_with_the_last_error() {
    let server = start_with_url(|base, req: &RecordedRequest| {
        if req.method == "POST" {
            Reply::json(201, waiting(&format!("{base}{POLL_PATH}"), None))
        } else {
            Reply::json(503, "<html>Service Unavailable</html>")
        }
    });
    let err = client(&server)
        .verify_push(&verify(), |_| {})
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503), "{err:?}");
    assert_eq!(server.requests().len(), 5);
}

const ACTIVATION_POLL: &str = "/api/v1/users/00u1/factors/opf1/lifecycle/activate/poll";

/// `wait_for_push_activation` polls the activation on the org (`POST`,
/// `Content-Length: 0`) until the device activates the factor; a failed poll
/// on the way is waited out.
#[tokio::test(flavor = "multi_thread")]
async fn wait_for_push_activation_until_the_device_activates() {
    let polls = Arc::new(AtomicUsize::new(0));
    let server = TestServer::start(move |_: &RecordedRequest| {
        let waiting = format!(
            r#"{{"factorResult":"WAITING","expiresAt":"2999-01-01T00:00:00.000Z",
            "_links":{{"poll":{{"href":"https://acme.okta.com{ACTIVATION_POLL}","hints":{{"allow":["POST"]}}}}}}}}"#
        );
        match polls.fetch_add(1, Ordering::SeqCst) {
            0 => Reply::json(200, waiting),
            1 => Reply::json(502, "<html>Bad Gateway</html>"),
            2 => Reply::json(200, waiting),
            _ => Reply::json(
                200,
                r#"{"id":"opf1","factorType":"push","provider":"OKTA","status":"ACTIVE",
                "profile":{"credentialId":"dade.murphy@example.com","name":"Gibson"}}"#,
            ),
        }
    });
    let outcome = client(&server)
        .wait_for_push_activation("00u1", "opf1")
        .await
        .unwrap();
    let ActivateOutcome::Activated(factor) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(factor.id(), Some("opf1"));
    let reqs = server.requests();
    assert_eq!(reqs.len(), 4);
    for poll in &reqs {
        assert_eq!(
            (poll.method.as_str(), poll.target.as_str()),
            ("POST", ACTIVATION_POLL)
        );
        assert_common_headers(poll);
        assert_eq!(poll.header_all("content-length"), vec!["0"]);
        assert!(poll.body.is_empty());
    }
}

/// An activation Okta ends (`TIMEOUT`, `REJECTED`) is `Ended`, not waiting.
#[tokio::test(flavor = "multi_thread")]
async fn an_activation_that_ended_is_an_ended_outcome() {
    for result in ["TIMEOUT", "REJECTED"] {
        let server = TestServer::start(move |_: &RecordedRequest| {
            Reply::json(200, format!(r#"{{"factorResult":"{result}"}}"#))
        });
        let outcome = client(&server)
            .wait_for_push_activation("00u1", "opf1")
            .await
            .unwrap();
        let ActivateOutcome::Ended(ended) = &outcome else {
            panic!("{outcome:?}")
        };
        assert_eq!(ended.factor_result().map(|r| r.as_str()), Some(result));
        assert_eq!(server.requests().len(), 1);
    }
}
