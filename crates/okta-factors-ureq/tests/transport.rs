//! The ureq transport on the wire, against loopback servers: what it sends,
//! what it returns, and how each failure is classified. The client's
//! behaviour (retries, polling, parsing) is tested in the facade's suite.

// Helpers outside #[test] functions unwrap and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use okta_factors_client::{
    BuildTransport, Limits, RootCertificates, SyncTransport, TransportConfig,
};
use okta_factors_core::bytes::Bytes;
use okta_factors_core::http::{Method, Request, Response};
use okta_factors_core::{Credentials, OrgUrl, TimeoutLimit, TransportError, TransportErrorKind};
use okta_factors_testserver::{RecordedRequest, Reply, TestServer};
use okta_factors_ureq::{Client, Transport};

/// The User-Agent the core sends (the workspace shares one version).
const CRATE_USER_AGENT: &str = concat!("okta-factors-rust/", env!("CARGO_PKG_VERSION"));

fn limits() -> Limits {
    Limits::new(Duration::from_secs(5), 1024)
}

/// The default configuration, trusting exactly `roots` if given.
fn config(connect_timeout: Duration, roots: Option<RootCertificates>) -> TransportConfig {
    let mut config = TransportConfig::default();
    config.connect_timeout = connect_timeout;
    config.root_certificates = roots;
    config
}

fn transport() -> Transport {
    Transport::build(&TransportConfig::default()).unwrap()
}

fn request(method: Method, uri: &str, body: &[u8]) -> Request<Vec<u8>> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", "SSWS 00test-token")
        .header("user-agent", "okta-factors-test/1")
        .header("accept", "application/json")
        .header("x-custom", "a b")
        .body(body.to_vec())
        .unwrap()
}

fn send(
    transport: &Transport,
    request: Request<Vec<u8>>,
) -> Result<Response<Bytes>, TransportError> {
    transport.send(request, limits())
}

/// The header names of `req` other than `host`, sorted.
fn names(req: &RecordedRequest) -> Vec<&str> {
    let mut names: Vec<&str> = req
        .headers
        .iter()
        .map(|(name, _)| name.as_str())
        .filter(|name| *name != "host")
        .collect();
    names.sort_unstable();
    names
}

/// The names of the headers `request` gives, sorted.
const GIVEN: [&str; 4] = ["accept", "authorization", "user-agent", "x-custom"];

/// Waits up to 5 s for `condition` (a server thread's count to catch up).
fn eventually(condition: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !condition() {
        if Instant::now() > deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(5));
    }
    true
}

#[test]
fn requests_go_on_the_wire_as_given() {
    let server = TestServer::start(|_| Reply::json(200, "[]").header("x-okta-request-id", "r1"));
    let transport = transport();
    let url = server.url();

    let response = send(
        &transport,
        request(
            Method::GET,
            &format!("{url}/api/v1/users/u1/factors?a=1&b=%20"),
            b"",
        ),
    )
    .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.body().as_ref(), b"[]");
    assert_eq!(response.headers()["x-okta-request-id"], "r1");
    assert_eq!(response.headers()["content-type"], "application/json");

    send(
        &transport,
        request(
            Method::DELETE,
            &format!("{url}/api/v1/users/u1/factors/f1"),
            b"",
        ),
    )
    .unwrap();
    send(
        &transport,
        request(
            Method::POST,
            &format!("{url}/api/v1/users/u1/factors/f1/verify"),
            b"",
        ),
    )
    .unwrap();
    send(&transport, request(Method::PUT, &format!("{url}/put"), b"")).unwrap();
    let body = br#"{"passCode":"123456"}"#;
    send(
        &transport,
        request(
            Method::POST,
            &format!("{url}/api/v1/users/u1/factors"),
            body,
        ),
    )
    .unwrap();

    let requests = server.requests();
    assert_eq!(requests.len(), 5);
    let get = &requests[0];
    assert_eq!(
        (get.method.as_str(), get.target.as_str()),
        ("GET", "/api/v1/users/u1/factors?a=1&b=%20")
    );
    // Exactly the given headers (and Host): no body framing, nothing added.
    assert_eq!(names(get), GIVEN);
    assert_eq!(get.header("authorization"), Some("SSWS 00test-token"));
    assert_eq!(get.header("user-agent"), Some("okta-factors-test/1"));
    assert_eq!(get.header("accept"), Some("application/json"));
    assert_eq!(get.header("x-custom"), Some("a b"));
    assert_eq!(get.header("host"), Some(&url["http://".len()..]));

    let delete = &requests[1];
    assert_eq!(
        (delete.method.as_str(), delete.path()),
        ("DELETE", "/api/v1/users/u1/factors/f1")
    );
    assert_eq!(names(delete), GIVEN);

    // An empty POST or PUT says so: Content-Length 0, never chunked.
    for empty in [&requests[2], &requests[3]] {
        assert_eq!(
            names(empty),
            [
                "accept",
                "authorization",
                "content-length",
                "user-agent",
                "x-custom"
            ],
            "{empty:?}"
        );
        assert_eq!(empty.header("content-length"), Some("0"));
        assert!(empty.body.is_empty());
    }
    assert_eq!(requests[2].method, "POST");
    assert_eq!(requests[3].method, "PUT");

    let post = &requests[4];
    assert_eq!(
        post.header("content-length"),
        Some(body.len().to_string().as_str())
    );
    assert_eq!(post.header("transfer-encoding"), None);
    assert_eq!(post.body, body);

    // One kept-alive connection for all five.
    assert_eq!(server.connections(), 1);
}

#[test]
fn the_client_sends_its_own_user_agent_once() {
    let server = TestServer::start(|_| Reply::json(200, "[]"));
    let client = Client::builder(
        OrgUrl::parse(server.url()).unwrap(),
        Credentials::api_token("00test-token").unwrap(),
    )
    .build()
    .unwrap();
    assert!(client.list_factors("u1").unwrap().is_empty());
    let requests = server.requests();
    let [req] = requests.as_slice() else {
        panic!("{requests:?}")
    };
    assert_eq!(req.path(), "/api/v1/users/u1/factors");
    // The core's, and nothing of ureq's.
    assert_eq!(req.header_all("user-agent"), [CRATE_USER_AGENT]);
    assert_eq!(req.header_all("accept"), ["application/json"]);
    assert_eq!(req.header("authorization"), Some("SSWS 00test-token"));
}

#[test]
fn redirects_are_returned_not_followed() {
    let server = TestServer::start(|req| {
        if req.path() == "/elsewhere" {
            Reply::json(200, "[]")
        } else {
            Reply::json(302, "").header("location", "/elsewhere")
        }
    });
    let response = send(
        &transport(),
        request(
            Method::GET,
            &format!("{}/api/v1/users/u1/factors", server.url()),
            b"",
        ),
    )
    .unwrap();
    assert_eq!(response.status(), 302);
    assert_eq!(response.headers()["location"], "/elsewhere");
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
}

#[test]
fn bodies_are_read_up_to_the_limit() {
    let server = TestServer::start(|req| {
        let len: usize = req.path()[1..].parse().unwrap();
        Reply::json(200, "x".repeat(len))
    });
    let transport = transport();
    let at = |len: usize, limit: usize| {
        transport.send(
            request(Method::GET, &format!("{}/{len}", server.url()), b""),
            Limits::new(Duration::from_secs(5), limit),
        )
    };
    assert_eq!(at(1024, 1024).unwrap().body().len(), 1024);
    assert_eq!(at(0, 0).unwrap().body().len(), 0);
    for (len, limit) in [(1025, 1024), (1, 0), (100_000, 10)] {
        let err = at(len, limit).unwrap_err();
        assert_eq!(
            err.kind,
            TransportErrorKind::BodyTooLarge { limit },
            "{err:?}"
        );
    }
    // The transport works on after a refused body.
    assert_eq!(at(3, 10).unwrap().body().as_ref(), b"xxx");
}

#[test]
fn a_refused_connection_is_connect() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let err = send(
        &transport(),
        request(Method::GET, &format!("http://127.0.0.1:{port}/"), b""),
    )
    .unwrap_err();
    assert_eq!(err.kind, TransportErrorKind::Connect, "{err:?}");
    assert!(!format!("{err} {err:?}").contains("00test-token"));
}

#[test]
fn a_stalled_server_times_out_within_the_limit() {
    let server = TestServer::start(|_| Reply::Stall(Duration::from_secs(3)));
    let timeout = Duration::from_millis(300);
    let started = Instant::now();
    let err = transport()
        .send(
            request(Method::GET, &format!("{}/", server.url()), b""),
            Limits::new(timeout, 1024),
        )
        .unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(
        err.kind,
        TransportErrorKind::Timeout(TimeoutLimit::Request),
        "{err:?}"
    );
    assert!(
        elapsed >= timeout && elapsed < timeout + Duration::from_secs(1),
        "{elapsed:?}"
    );
}

#[test]
fn a_closed_or_cut_connection_is_io_or_protocol() {
    let server = TestServer::start(|req| match req.path() {
        "/close" => Reply::Close,
        _ => Reply::ResetMidBody {
            status: 200,
            declared_len: 100,
            partial: b"[{\"id\":".to_vec(),
        },
    });
    let transport = transport();
    for path in ["/close", "/reset"] {
        let err = send(
            &transport,
            request(Method::GET, &format!("{}{path}", server.url()), b""),
        )
        .unwrap_err();
        assert!(
            matches!(
                err.kind,
                TransportErrorKind::Io | TransportErrorKind::Protocol
            ),
            "{path}: {err:?}"
        );
    }
}

/// A server that answers every connection with `answer`, whatever was asked.
struct RawServer {
    port: u16,
    accept: Option<JoinHandle<()>>,
    stop: Arc<AtomicBool>,
}

impl RawServer {
    fn start(answer: &'static [u8]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let accept = {
            let stop = stop.clone();
            thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(mut stream) = stream else { continue };
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut line = String::new();
                    while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                        line.clear();
                    }
                    let _ = stream.write_all(answer);
                    let _ = stream.shutdown(Shutdown::Both);
                }
            })
        };
        Self {
            port,
            accept: Some(accept),
            stop,
        }
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

#[test]
fn garbage_is_protocol() {
    let server = RawServer::start(b"this is not HTTP\r\n\r\n");
    let err = send(
        &transport(),
        request(
            Method::GET,
            &format!("http://127.0.0.1:{}/", server.port),
            b"",
        ),
    )
    .unwrap_err();
    assert_eq!(err.kind, TransportErrorKind::Protocol, "{err:?}");
}

#[test]
fn debug_shows_the_configuration() {
    let debug = format!(
        "{:?}",
        Transport::build(&config(Duration::from_secs(3), None)).unwrap()
    );
    assert!(
        debug.starts_with("Transport { connect_timeout: 3s, roots: "),
        "{debug}"
    );
    let server = tls_server();
    let config = config(Duration::from_secs(3), Some(roots_of(&server)));
    let debug = format!("{:?}", Transport::build(&config).unwrap());
    assert!(
        debug.contains("roots: Given(RootCertificates { count: 1 })"),
        "{debug}"
    );
}

// ---------------------------------------------------------------------------
// TLS

/// A loopback HTTPS server answering `200 []` to anything; its certificate
/// (for `127.0.0.1` and `localhost`) is signed by a test CA made for it.
fn tls_server() -> TestServer {
    TestServer::start_tls(|_| Reply::json(200, "[]"))
}

/// Exactly `server`'s CA.
fn roots_of(server: &TestServer) -> RootCertificates {
    RootCertificates::from_der([server.ca().der()]).unwrap()
}

#[test]
fn given_roots_are_trusted_and_others_refused() {
    let server = tls_server();
    let other = tls_server();
    let trusting = |roots: RootCertificates| {
        Transport::build(&config(Duration::from_secs(5), Some(roots))).unwrap()
    };

    // The server's CA as the root: accepted.
    let response = send(
        &trusting(roots_of(&server)),
        request(
            Method::GET,
            &format!("{}/api/v1/users/u1/factors", server.url()),
            b"",
        ),
    )
    .unwrap();
    assert_eq!(
        (response.status().as_u16(), response.body().as_ref()),
        (200, &b"[]"[..])
    );
    assert_eq!(server.requests().len(), 1);

    // Another server's CA as the only root: refused in the
    // handshake, before any request (or credential) is sent.
    let err = send(
        &trusting(roots_of(&other)),
        request(Method::GET, &format!("{}/", server.url()), b""),
    )
    .unwrap_err();
    assert_eq!(err.kind, TransportErrorKind::Tls, "{err:?}");
    assert!(
        err.to_string().to_lowercase().contains("certificate"),
        "{err}"
    );
    assert_eq!(server.requests().len(), 1);
    assert!(eventually(|| server.handshakes_failed() == 1));
}

/// The bundled (or platform) roots do not trust a certificate of a test CA.
#[test]
fn a_server_of_an_unknown_ca_is_refused_by_default() {
    let server = tls_server();
    let err = send(
        &transport(),
        request(Method::GET, &format!("{}/", server.url()), b""),
    )
    .unwrap_err();
    assert_eq!(err.kind, TransportErrorKind::Tls, "{err:?}");
    assert_eq!(server.requests().len(), 0);
}

/// A body-less `POST` of the client (the core sets `Content-Length: 0`)
/// carries exactly one `Content-Length: 0`; a `GET` none.
#[test]
fn the_client_frames_a_body_less_post_once() {
    let server = TestServer::start(|req| match req.method.as_str() {
        "GET" => Reply::json(200, "[]"),
        _ => Reply::json(200, r#"{"factorResult":"SUCCESS"}"#),
    });
    let client = Client::new(
        OrgUrl::parse(server.url()).unwrap(),
        Credentials::api_token("00test-token").unwrap(),
    )
    .unwrap();
    client.verify_factor("u1", "f1", None).unwrap();
    client.list_factors("u1").unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].method, "POST");
    assert_eq!(
        requests[0].header_all("content-length"),
        ["0"],
        "{requests:?}"
    );
    assert_eq!(requests[0].header("transfer-encoding"), None);
    assert_eq!(requests[1].header("content-length"), None);
}
