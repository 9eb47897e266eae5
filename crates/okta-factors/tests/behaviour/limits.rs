//! `max_response_bytes`: a body over the limit is `BodyTooLarge { limit }`
//! however it is framed (`Content-Length`, chunked, or up to the close), a
//! body at the limit is read whole, and the limit is on the body only.

use std::io::Write;

use okta_factors::TransportErrorKind;
use okta_factors_testserver::{Reply, TestServer};

use crate::common::{kind, RawServer};
use crate::harness::builder;

/// A JSON array of `len` bytes: `[`, spaces, `]`.
fn array_of(len: usize) -> Vec<u8> {
    let mut body = vec![b' '; len];
    body[0] = b'[';
    body[len - 1] = b']';
    body
}

/// A raw server answering every request with `body`, chunked in 100-byte
/// chunks (with a chunk extension and a trailer, which are skipped).
fn chunked(body: Vec<u8>) -> RawServer {
    RawServer::start(move |stream| {
        let mut out =
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
                .to_vec();
        for chunk in body.chunks(100) {
            out.extend_from_slice(format!("{:x};ext=1\r\n", chunk.len()).as_bytes());
            out.extend_from_slice(chunk);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"0\r\nx-trailer: 1\r\n\r\n");
        let _ = stream.write_all(&out);
    })
}

/// A raw server answering every request with `body`, delimited by closing
/// the connection (no `Content-Length`, no chunking).
fn close_delimited(body: Vec<u8>) -> RawServer {
    RawServer::start(move |stream| {
        let mut out =
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n"
                .to_vec();
        out.extend_from_slice(&body);
        let _ = stream.write_all(&out);
    })
}

behaviour_test!(
    /// Chunked: over the limit by one byte is refused, at the limit is read.
    fn a_chunked_body_is_held_to_the_limit(transport) {
        let over = chunked(array_of(1025));
        let client = transport.build(builder(&over.url()).max_response_bytes(1024));
        let err = client.list_factors("00u1").unwrap_err();
        assert_eq!(kind(&err), TransportErrorKind::BodyTooLarge { limit: 1024 }, "{err:?}");

        let exact = chunked(array_of(1024));
        let client = transport.build(builder(&exact.url()).max_response_bytes(1024));
        assert!(client.list_factors("00u1").unwrap().is_empty());
    }
);

behaviour_test!(
    /// Delimited by the close: over the limit is refused, at the limit is read.
    fn a_close_delimited_body_is_held_to_the_limit(transport) {
        let over = close_delimited(array_of(1025));
        let client = transport.build(builder(&over.url()).max_response_bytes(1024));
        let err = client.list_factors("00u1").unwrap_err();
        assert_eq!(kind(&err), TransportErrorKind::BodyTooLarge { limit: 1024 }, "{err:?}");

        let exact = close_delimited(array_of(1024));
        let client = transport.build(builder(&exact.url()).max_response_bytes(1024));
        assert!(client.list_factors("00u1").unwrap().is_empty());
    }
);

behaviour_test!(
    /// The limit counts the body, not the head: 4 KiB of headers and a small
    /// body pass a 1 KiB limit; an error body over the limit is refused too.
    fn the_limit_is_on_the_body_only(transport) {
        let server = TestServer::start(|req| {
            if req.path().contains("/big-error/") {
                Reply::json(500, String::from_utf8(array_of(2048)).unwrap())
            } else {
                Reply::json(200, "[]").header("x-padding", &"p".repeat(4096))
            }
        });
        let client = transport.build(builder(server.url()).max_response_bytes(1024));
        assert!(client.list_factors("00u1").unwrap().is_empty());
        let err = client.list_factors("big-error").unwrap_err();
        assert_eq!(kind(&err), TransportErrorKind::BodyTooLarge { limit: 1024 }, "{err:?}");
        assert!(err.status().is_none());
    }
);

behaviour_test!(
    /// The default limit is 4 MiB.
    fn the_default_limit_is_4_mib(transport) {
        let server = TestServer::start(|_| {
            Reply::json(200, String::from_utf8(array_of(4 * 1024 * 1024 + 1)).unwrap())
        });
        let client = transport.client(server.url());
        assert_eq!(client.config().max_response_bytes, 4 * 1024 * 1024);
        let err = client.list_factors("00u1").unwrap_err();
        assert_eq!(
            kind(&err),
            TransportErrorKind::BodyTooLarge { limit: 4 * 1024 * 1024 },
            "{err:?}"
        );
    }
);
