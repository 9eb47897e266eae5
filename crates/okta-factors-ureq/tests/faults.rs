//! Transport faults: each maps to a precise error, and the same client works
//! again on the next request.

// Helpers outside #[test] functions unwrap and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use common::{builder, client};
use okta_factors_core::{Credentials, Error, OrgUrl, TimeoutLimit, TransportErrorKind};
use okta_factors_testserver::{RecordedRequest, Reply, TestServer};
use okta_factors_ureq::Client;

/// The user ID in the path picks the fault; `ok` answers normally.
fn faulty(req: &RecordedRequest) -> Reply {
    let user = req.path().split('/').nth(4).unwrap_or_default();
    match user {
        "stall" => Reply::Stall(Duration::from_secs(3)),
        "reset" => Reply::ResetMidBody {
            status: 200,
            declared_len: 100,
            partial: br#"[{"id":"mbl1","#.to_vec(),
        },
        "close" => Reply::Close,
        "truncated" => Reply::json(200, r#"[{"id":"mbl1","factorType":"sms""#),
        "html" => Reply::Response {
            status: 502,
            headers: vec![("content-type".into(), "text/html".into())],
            body: b"<html><body><h1>502 Bad Gateway</h1></body></html>".to_vec(),
        },
        "big" => Reply::json(200, format!("[{}]", " ".repeat(4096))),
        "exact" => Reply::json(200, format!("[{}]", " ".repeat(1022))),
        _ => Reply::json(200, "[]"),
    }
}

fn kind(err: &Error) -> TransportErrorKind {
    err.transport()
        .unwrap_or_else(|| panic!("not a transport error: {err:?}"))
        .kind
}

#[test]
fn faults_map_to_errors_and_the_client_recovers() {
    let server = TestServer::start(faulty);
    let client = builder(&server)
        .request_timeout(Duration::from_millis(300))
        .max_response_bytes(1024)
        .build()
        .unwrap();
    let recovers = |after: &str| {
        assert!(
            client.list_factors("ok").unwrap().is_empty(),
            "no recovery after {after}"
        );
    };
    recovers("nothing");

    // Stall past the request timeout: a timeout, within the bound.
    let started = Instant::now();
    let err = client.list_factors("stall").unwrap_err();
    let elapsed = started.elapsed();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(
        kind(&err),
        TransportErrorKind::Timeout(TimeoutLimit::Request)
    );
    assert!(
        elapsed >= Duration::from_millis(300) && elapsed < Duration::from_millis(1300),
        "{elapsed:?}"
    );
    recovers("stall");

    // Reset mid-body.
    let err = client.list_factors("reset").unwrap_err();
    assert!(
        matches!(
            kind(&err),
            TransportErrorKind::Io | TransportErrorKind::Protocol
        ),
        "{err:?}"
    );
    recovers("reset");

    // Closed without an answer.
    let err = client.list_factors("close").unwrap_err();
    assert!(
        matches!(
            kind(&err),
            TransportErrorKind::Io | TransportErrorKind::Protocol
        ),
        "{err:?}"
    );
    recovers("close");

    // Truncated JSON with a correct length: a decode error, with the status.
    let err = client.list_factors("truncated").unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(200));
    recovers("truncated");

    // An HTML 502 from a proxy.
    let err = client.list_factors("html").unwrap_err();
    match &err {
        Error::UnexpectedResponse(e) => {
            assert_eq!(e.status, 502);
            assert_eq!(e.content_type.as_deref(), Some("text/html"));
            assert!(e.excerpt.contains("502 Bad Gateway"));
        }
        other => panic!("{other:?}"),
    }
    recovers("html");

    // A body over the limit; one exactly at the limit is fine.
    let err = client.list_factors("big").unwrap_err();
    assert_eq!(
        kind(&err),
        TransportErrorKind::BodyTooLarge { limit: 1024 },
        "{err:?}"
    );
    recovers("big");
    assert!(client.list_factors("exact").unwrap().is_empty());
    recovers("exact");
}

#[test]
fn connection_refused_is_a_connect_error() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = Client::new(
        OrgUrl::parse(&format!("http://127.0.0.1:{port}")).unwrap(),
        Credentials::api_token("00test-token").unwrap(),
    );
    let err = client.list_factors("u1").unwrap_err();
    assert_eq!(kind(&err), TransportErrorKind::Connect, "{err:?}");
    assert!(err.status().is_none() && err.meta().is_none());
    // The message never carries the token.
    assert!(!format!("{err} {err:?}").contains("00test-token"));
}

#[test]
fn the_request_timeout_is_per_call() {
    // The request timeout is per call: two calls in a row each get the full budget.
    let server = TestServer::start(faulty);
    let client = builder(&server)
        .request_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    for _ in 0..2 {
        let started = Instant::now();
        assert!(client.list_factors("stall").unwrap_err().is_timeout());
        assert!(started.elapsed() >= Duration::from_millis(200));
    }
    assert!(client.list_factors("ok").unwrap().is_empty());
}

#[test]
fn the_client_is_cheap_to_clone_and_shares_config() {
    let server = TestServer::start(faulty);
    let a = client(&server);
    let b = a.clone();
    assert_eq!(a.config(), b.config());
    assert!(b.list_factors("ok").unwrap().is_empty());
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<Client>();
    // Debug never shows the token.
    assert!(!format!("{a:?}").contains("00test-token"));
}
