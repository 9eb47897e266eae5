//! Transport faults map to precise, typed errors within their time bounds,
//! and the same client works again on the next request.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use okta_factors::{Credentials, Error, OrgUrl, TimeoutLimit, TransportErrorKind};
use okta_factors_testserver::{RecordedRequest, Reply, TestServer};

use crate::common::{kind, RawServer};
use crate::harness::{builder, TOKEN};

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
        "huge" => Reply::json(200, format!("[{}]", "\"x\",".repeat(1000) + "\"x\"")),
        "exact" => Reply::json(200, format!("[{}]", " ".repeat(1022))),
        _ => Reply::json(200, "[]"),
    }
}

behaviour_test!(
    fn faults_map_to_errors_and_the_client_recovers(transport) {
        let server = TestServer::start(faulty);
        let timeout = Duration::from_millis(400);
        let client = transport.build(
            builder(server.url())
                .request_timeout(timeout)
                .max_response_bytes(1024),
        );
        let recovers = |after: &str| {
            assert!(
                client.list_factors("ok").unwrap().is_empty(),
                "no recovery after {after}"
            );
        };
        recovers("nothing");

        // A stalled server: the call ends at request_timeout, with a timeout.
        let started = Instant::now();
        let err = client.list_factors("stall").unwrap_err();
        let elapsed = started.elapsed();
        assert!(err.is_timeout(), "{err:?}");
        assert_eq!(kind(&err), TransportErrorKind::Timeout(TimeoutLimit::Request));
        assert!(
            elapsed >= timeout && elapsed < timeout + Duration::from_secs(1),
            "{elapsed:?}"
        );
        recovers("stall");

        // The connection breaks mid-body.
        let err = client.list_factors("reset").unwrap_err();
        assert_eq!(kind(&err), TransportErrorKind::Io, "{err:?}");
        assert!(err.status().is_none());
        recovers("reset");

        // The server closes without answering.
        let err = client.list_factors("close").unwrap_err();
        assert_eq!(kind(&err), TransportErrorKind::Io, "{err:?}");
        recovers("close");

        // A complete response whose JSON is cut short: a decode error, with
        // the status.
        let err = client.list_factors("truncated").unwrap_err();
        assert!(matches!(err, Error::Decode(_)), "{err:?}");
        assert_eq!(err.status().map(|s| s.as_u16()), Some(200));
        recovers("truncated");

        // A proxy's HTML error page.
        let err = client.list_factors("html").unwrap_err();
        let Error::UnexpectedResponse(unexpected) = &err else {
            panic!("{err:?}");
        };
        assert_eq!(unexpected.status.as_u16(), 502);
        assert_eq!(unexpected.content_type.as_deref(), Some("text/html"));
        assert!(unexpected.excerpt.contains("502 Bad Gateway"));
        recovers("html");

        // Bodies over max_response_bytes (whitespace, or dense JSON); one
        // exactly at the limit is fine.
        for over in ["big", "huge"] {
            let err = client.list_factors(over).unwrap_err();
            assert_eq!(
                kind(&err),
                TransportErrorKind::BodyTooLarge { limit: 1024 },
                "{over}: {err:?}"
            );
            recovers(over);
        }
        assert!(client.list_factors("exact").unwrap().is_empty());
        recovers("exact");
    }
);

behaviour_test!(
    /// Nothing listening: a `Connect` error at once (well within the connect
    /// timeout), with its cause and no secret, from a client made by `new`
    /// and one made by the builder.
    fn connection_refused_is_a_connect_error(transport) {
        let port = {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        }; // closed again: nothing listens there now
        let url = format!("http://127.0.0.1:{port}");
        let by_new = transport.new_client(
            OrgUrl::parse(&url).unwrap(),
            Credentials::api_token(TOKEN).unwrap(),
        );
        let by_builder = transport.build(builder(&url).connect_timeout(Duration::from_secs(2)));
        for client in [by_new, by_builder] {
            let started = Instant::now();
            let err = client.list_factors("00u1").unwrap_err();
            assert!(started.elapsed() < Duration::from_secs(2));
            assert_eq!(kind(&err), TransportErrorKind::Connect, "{err:?}");
            assert!(err.status().is_none() && err.meta().is_none());
            assert!(!err.is_timeout());
            let transport_error = err.transport().unwrap();
            assert!(
                transport_error.message.contains("onnect"),
                "{transport_error}"
            );
            assert!(std::error::Error::source(transport_error).is_some());
            // The message never carries the token.
            assert!(!format!("{err} {err:?}").contains(TOKEN));
        }
    }
);

behaviour_test!(
    [ureq, hyper]
    /// An `https` org whose peer does not speak TLS: a `Tls` error.
    fn a_non_tls_peer_is_tls(transport) {
        let server = RawServer::answering(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n");
        let client = transport.build(
            builder(&format!("https://127.0.0.1:{}", server.port()))
                .request_timeout(Duration::from_secs(5)),
        );
        let err = client.list_factors("00u1").unwrap_err();
        assert_eq!(kind(&err), TransportErrorKind::Tls, "{err:?}");
    }
);

behaviour_test!(
    /// A peer that does not speak HTTP: a `Protocol` error.
    fn a_non_http_peer_is_protocol(transport) {
        let server = RawServer::answering(b"SSH-2.0-OpenSSH_9.6\r\n\r\n");
        let client = transport.build(builder(&server.url()).request_timeout(Duration::from_secs(5)));
        let err = client.list_factors("00u1").unwrap_err();
        assert_eq!(kind(&err), TransportErrorKind::Protocol, "{err:?}");
    }
);
