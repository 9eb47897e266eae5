//! The HTTPS server against a hand-driven rustls client: what it serves, to
//! whom (only clients trusting its CA, only for its names), and that its
//! CA's DER and PEM are the same certificate.

// Helpers outside #[test] functions unwrap and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use okta_factors_testserver::{RecordedRequest, Reply, TestCa, TestServer};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{CertificateError, ClientConfig, ClientConnection, RootCertStore, StreamOwned};

type Tls = StreamOwned<ClientConnection, TcpStream>;

/// A client configuration trusting exactly `roots` (DER).
fn trusting(roots: &[&[u8]]) -> Arc<ClientConfig> {
    let mut store = RootCertStore::empty();
    for root in roots {
        store.add(CertificateDer::from(root.to_vec())).unwrap();
    }
    Arc::new(
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(store)
            .with_no_client_auth(),
    )
}

/// A TLS connection to `server` for `name`, the handshake done.
fn connect(server: &TestServer, config: Arc<ClientConfig>, name: &str) -> io::Result<Tls> {
    let tcp = TcpStream::connect(("127.0.0.1", server.port()))?;
    tcp.set_read_timeout(Some(Duration::from_secs(5)))?;
    let name = ServerName::try_from(name.to_owned()).unwrap();
    let mut tls = StreamOwned::new(ClientConnection::new(config, name).unwrap(), tcp);
    while tls.conn.is_handshaking() {
        tls.conn.complete_io(&mut tls.sock)?;
    }
    Ok(tls)
}

/// The rustls error inside an I/O error.
fn rustls_error(err: &io::Error) -> Option<&rustls::Error> {
    err.get_ref()?.downcast_ref::<rustls::Error>()
}

/// Reads one response whose body has `Content-Length`: (head, body).
fn read_response(tls: &mut Tls) -> io::Result<(String, Vec<u8>)> {
    let mut head = Vec::new();
    let mut byte = [0; 1];
    while !head.ends_with(b"\r\n\r\n") {
        tls.read_exact(&mut byte)?;
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap();
    let len: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length: "))
        .unwrap()
        .parse()
        .unwrap();
    let mut body = vec![0; len];
    tls.read_exact(&mut body)?;
    Ok((head, body))
}

fn eventually(condition: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    condition()
}

/// Answers with what it received, so the client can see the server parsed it.
fn echo(req: &RecordedRequest) -> Reply {
    Reply::json(
        201,
        format!(
            "{} {} {}",
            req.method,
            req.target,
            String::from_utf8_lossy(&req.body)
        ),
    )
    .header(
        "x-seen-authorization",
        req.header("authorization").unwrap_or("-"),
    )
}

#[test]
fn a_client_trusting_the_ca_is_served_the_script_over_one_kept_alive_connection() {
    let server = TestServer::start_tls(echo);
    assert!(
        server.url().starts_with("https://127.0.0.1:"),
        "{}",
        server.url()
    );
    let mut tls = connect(&server, trusting(&[server.ca().der()]), "127.0.0.1").unwrap();
    // The chain the server presented: its leaf, which is not the CA.
    let presented = tls.conn.peer_certificates().unwrap().to_vec();
    assert_eq!(presented.len(), 1);
    assert_ne!(presented[0].as_ref(), server.ca().der());

    tls.write_all(
        b"POST /api/v1/users/u1/factors?activate=true HTTP/1.1\r\nHost: x\r\n\
          Authorization: SSWS t0ken\r\nContent-Length: 5\r\n\r\nhello",
    )
    .unwrap();
    let (head, body) = read_response(&mut tls).unwrap();
    assert!(head.starts_with("HTTP/1.1 201 Created\r\n"), "{head}");
    assert!(
        head.contains("x-seen-authorization: SSWS t0ken\r\n"),
        "{head}"
    );
    assert_eq!(body, b"POST /api/v1/users/u1/factors?activate=true hello");

    // Same connection, then one asking to close: the server ends it with
    // close_notify, so reading to the end is not an error.
    tls.write_all(b"GET /two HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let (_, body) = read_response(&mut tls).unwrap();
    assert_eq!(body, b"GET /two ");
    tls.write_all(b"GET /three HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let (_, body) = read_response(&mut tls).unwrap();
    assert_eq!(body, b"GET /three ");
    let mut after = Vec::new();
    tls.read_to_end(&mut after).unwrap();
    assert!(after.is_empty());

    let requests = server.requests();
    let seen: Vec<_> = requests
        .iter()
        .map(|r| (r.method.as_str(), r.path(), r.connection))
        .collect();
    assert_eq!(
        seen,
        [
            ("POST", "/api/v1/users/u1/factors", 0),
            ("GET", "/two", 0),
            ("GET", "/three", 0)
        ]
    );
    assert_eq!(requests[0].query(), Some("activate=true"));
    assert_eq!(requests[0].body, b"hello");
    assert_eq!(requests[0].header("authorization"), Some("SSWS t0ken"));
    assert_eq!(server.connections(), 1);
    assert_eq!(server.handshakes_failed(), 0);
}

#[test]
fn a_client_trusting_another_ca_is_refused_before_any_request() {
    let server = TestServer::start_tls(|_| Reply::json(200, "[]"));
    let err = connect(&server, trusting(&[TestCa::new().der()]), "127.0.0.1").unwrap_err();
    assert_eq!(
        rustls_error(&err),
        Some(&rustls::Error::InvalidCertificate(
            CertificateError::UnknownIssuer
        )),
        "{err:?}"
    );
    assert!(eventually(|| server.handshakes_failed() == 1));
    assert!(server.requests().is_empty());
    assert_eq!(server.connections(), 1);
}

#[test]
fn the_certificate_names_only_what_it_was_issued_for_and_servers_can_share_a_ca() {
    let ca = TestCa::new();
    let localhost = TestServer::start_tls_with(&ca, &["localhost"], |_| Reply::json(200, "[]"));
    let loopback = TestServer::start_tls_with(&ca, &["127.0.0.1"], |_| Reply::json(200, "[]"));
    let config = trusting(&[ca.der()]);
    assert_eq!(localhost.ca().der(), ca.der());

    connect(&localhost, config.clone(), "localhost").unwrap();
    connect(&loopback, config.clone(), "127.0.0.1").unwrap();
    let err = connect(&localhost, config.clone(), "127.0.0.1").unwrap_err();
    assert!(
        matches!(
            rustls_error(&err),
            Some(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForNameContext { .. }
            ))
        ),
        "{err:?}"
    );
    let err = connect(&loopback, config, "localhost").unwrap_err();
    assert!(
        matches!(
            rustls_error(&err),
            Some(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForNameContext { .. }
            ))
        ),
        "{err:?}"
    );
    assert!(eventually(|| localhost.handshakes_failed() == 1));
    assert!(eventually(|| loopback.handshakes_failed() == 1));
}

#[test]
fn the_pem_text_is_the_der_certificate() {
    let server = TestServer::start_tls(|_| Reply::json(200, "[]"));
    let pem = server.ca().pem();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n"), "{pem}");
    assert!(pem.ends_with("\n-----END CERTIFICATE-----\n"), "{pem}");
    assert!(pem.lines().all(|line| line.len() <= 64), "{pem}");
    let parsed: Vec<_> = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(parsed.len(), 1);
    assert_eq!(parsed[0].as_ref(), server.ca().der());
    connect(&server, trusting(&[parsed[0].as_ref()]), "localhost").unwrap();
    // Another CA is another certificate; Debug shows no key.
    assert_ne!(TestCa::new().der(), server.ca().der());
    assert!(format!("{:?}", server.ca()).starts_with("TestCa { certificate_len: "));
}

#[test]
fn faults_are_scripted_over_tls_as_over_tcp() {
    let server = TestServer::start_tls(|req| match req.path() {
        "/cut" => Reply::ResetMidBody {
            status: 200,
            declared_len: 100,
            partial: b"[{\"id\"".to_vec(),
        },
        _ => Reply::Close,
    });
    let config = trusting(&[server.ca().der()]);

    let mut tls = connect(&server, config.clone(), "127.0.0.1").unwrap();
    tls.write_all(b"GET /cut HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut received = Vec::new();
    let err = tls.read_to_end(&mut received).unwrap_err();
    // Cut: the head and the partial body, then the end without close_notify.
    assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof, "{err:?}");
    let received = String::from_utf8(received).unwrap();
    assert!(received.starts_with("HTTP/1.1 200 OK\r\n"), "{received}");
    assert!(
        received.ends_with("content-length: 100\r\n\r\n[{\"id\""),
        "{received}"
    );

    let mut tls = connect(&server, config, "127.0.0.1").unwrap();
    tls.write_all(b"GET /close HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut received = Vec::new();
    let err = tls.read_to_end(&mut received).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof, "{err:?}");
    assert!(received.is_empty());
    assert_eq!(server.requests().len(), 2);
    assert_eq!(server.connections(), 2);
}

#[test]
fn requests_are_numbered_by_connection_over_plain_tcp_too() {
    let server = TestServer::start(|_| Reply::json(200, "[]"));
    for _ in 0..2 {
        let mut tcp = TcpStream::connect(("127.0.0.1", server.port())).unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        tcp.write_all(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut received = String::new();
        tcp.read_to_string(&mut received).unwrap();
        assert_eq!(received.matches("HTTP/1.1 200 OK").count(), 2, "{received}");
    }
    let seen: Vec<_> = server
        .requests()
        .iter()
        .map(|r| (r.path().to_owned(), r.connection))
        .collect();
    assert_eq!(
        seen,
        [
            ("/a".to_owned(), 0),
            ("/b".to_owned(), 0),
            ("/a".to_owned(), 1),
            ("/b".to_owned(), 1)
        ]
    );
    assert_eq!(server.handshakes_failed(), 0);
}

#[test]
#[should_panic(expected = "a plain HTTP server has no CA")]
fn a_plain_server_has_no_ca() {
    let server = TestServer::start(|_| Reply::json(200, "[]"));
    let _ = server.ca();
}
