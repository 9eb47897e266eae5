//! `verify_push`: the verify, then polls of the org's own poll link until a
//! final result, with number matching reported once.
// The tests use the tokio constructors; helpers outside #[test] functions may panic.
#![cfg(feature = "tokio")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{assert_common_headers, builder, client, start_with_url};
use okta_factors_core::model::VerifyOutcome;
use okta_factors_core::operations::{VerifyFactor, VerifyFactorRequest};
use okta_factors_core::policy::PollPolicy;
use okta_factors_core::{Error, InputError, TimeoutLimit, TransportErrorKind};
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

#[tokio::test(flavor = "multi_thread")]
async fn a_poll_link_to_another_host_is_refused() {
    let server = push_server(Some("http://127.0.0.2:9"), &["SUCCESS"]);
    let client = client(&server);
    let err = client.verify_push(&verify(), |_| {}).await.unwrap_err();
    assert!(
        matches!(err, Error::Input(InputError::Link { .. })),
        "{err:?}"
    );
    assert_eq!(server.requests().len(), 1, "no poll may be sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn polling_past_max_wait_times_out() {
    let server = push_server(None, &["WAITING"]);
    let client = builder(server.url())
        .poll_policy(
            PollPolicy::default()
                .interval(Duration::from_millis(20))
                .max_wait(Duration::from_millis(200)),
        )
        .build()
        .unwrap();
    let started = Instant::now();
    let mut challenges = Vec::new();
    let err = client
        .verify_push(&verify(), |n| challenges.push(n))
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(
        err.transport().map(|t| t.kind),
        Some(TransportErrorKind::Timeout(TimeoutLimit::Poll)),
        "{err:?}"
    );
    assert!(
        elapsed >= Duration::from_millis(190) && elapsed < Duration::from_secs(2),
        "{elapsed:?}"
    );
    assert_eq!(challenges, vec![72]);
    assert!(server.requests().len() > 3);
}
