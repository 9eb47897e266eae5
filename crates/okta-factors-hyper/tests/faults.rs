//! Transport faults map to typed errors, within their time bounds, and the
//! client keeps working after each of them.
// The tests use the tokio constructors; helpers outside #[test] functions may panic.
#![cfg(feature = "tokio")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use common::builder;
use okta_factors_core::{Error, TimeoutLimit, TransportErrorKind};
use okta_factors_hyper::Client;
use okta_factors_testserver::{RecordedRequest, Reply, TestServer};

fn kind(err: &Error) -> Option<TransportErrorKind> {
    err.transport().map(|t| t.kind)
}

/// The user ID picks the fault; `ok` answers normally.
fn faults(req: &RecordedRequest) -> Reply {
    let user = req.path().split('/').nth(4).unwrap_or_default();
    match user {
        "stall" => Reply::Stall(Duration::from_secs(3)),
        "reset" => Reply::ResetMidBody {
            status: 200,
            declared_len: 200,
            partial: br#"[{"id":"sms1","factorType""#.to_vec(),
        },
        "close" => Reply::Close,
        "truncated" => Reply::json(200, r#"[{"id":"sms1","factorType":"#),
        "html" => Reply::Response {
            status: 502,
            headers: vec![("content-type".into(), "text/html".into())],
            body: b"<html><body><h1>502 Bad Gateway</h1></body></html>".to_vec(),
        },
        "huge" => Reply::json(200, format!("[{}]", "\"x\",".repeat(1000) + "\"x\"")),
        _ => Reply::json(200, "[]"),
    }
}

async fn works_again(client: &Client) {
    let factors = client
        .list_factors("ok")
        .await
        .expect("the client works again");
    assert!(factors.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn faults_are_typed_and_the_client_recovers() {
    let server = TestServer::start(faults);
    let client = builder(server.url())
        .request_timeout(Duration::from_millis(400))
        .max_response_bytes(1024)
        .build()
        .unwrap();
    works_again(&client).await;

    // A stalled server: the call ends at request_timeout.
    let started = Instant::now();
    let err = client.list_factors("stall").await.unwrap_err();
    let elapsed = started.elapsed();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(
        kind(&err),
        Some(TransportErrorKind::Timeout(TimeoutLimit::Request))
    );
    assert!(
        elapsed >= Duration::from_millis(350) && elapsed < Duration::from_millis(1500),
        "{elapsed:?}"
    );
    works_again(&client).await;

    // The connection breaks mid-body.
    let err = client.list_factors("reset").await.unwrap_err();
    assert_eq!(kind(&err), Some(TransportErrorKind::Io), "{err:?}");
    works_again(&client).await;

    // The server closes without answering.
    let err = client.list_factors("close").await.unwrap_err();
    assert_eq!(kind(&err), Some(TransportErrorKind::Io), "{err:?}");
    works_again(&client).await;

    // A complete response whose JSON is cut short.
    let err = client.list_factors("truncated").await.unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(200));
    works_again(&client).await;

    // A proxy's HTML error page.
    let err = client.list_factors("html").await.unwrap_err();
    let Error::UnexpectedResponse(unexpected) = &err else {
        panic!("{err:?}");
    };
    assert_eq!(unexpected.status.as_u16(), 502);
    assert!(unexpected.excerpt.contains("502 Bad Gateway"));
    works_again(&client).await;

    // A body over max_response_bytes.
    let err = client.list_factors("huge").await.unwrap_err();
    assert_eq!(
        kind(&err),
        Some(TransportErrorKind::BodyTooLarge { limit: 1024 }),
        "{err:?}"
    );
    works_again(&client).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn connection_refused_is_connect() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    }; // closed again: nothing listens there now
    let client = builder(&format!("http://127.0.0.1:{port}"))
        .connect_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.list_factors("00u1").await.unwrap_err();
    assert_eq!(kind(&err), Some(TransportErrorKind::Connect), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
    let transport = err.transport().unwrap();
    assert!(transport.message.contains("onnect"), "{transport}");
    assert!(std::error::Error::source(transport).is_some());
    // No secret in the message.
    assert!(!format!("{err} {err:?}").contains(common::TOKEN));
}

/// A raw TCP server that answers every connection with `reply` and closes.
fn raw_server(reply: &'static [u8]) -> u16 {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(reply);
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread")]
async fn a_non_tls_peer_is_tls() {
    let port = raw_server(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n");
    let client = builder(&format!("https://127.0.0.1:{port}"))
        .request_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let err = client.list_factors("00u1").await.unwrap_err();
    assert_eq!(kind(&err), Some(TransportErrorKind::Tls), "{err:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_non_http_peer_is_protocol() {
    let port = raw_server(b"SSH-2.0-OpenSSH_9.6\r\n\r\n");
    let client = builder(&format!("http://127.0.0.1:{port}"))
        .request_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let err = client.list_factors("00u1").await.unwrap_err();
    assert_eq!(kind(&err), Some(TransportErrorKind::Protocol), "{err:?}");
}
