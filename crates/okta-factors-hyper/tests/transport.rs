//! The hyper transport on the wire, against loopback servers: what it sends,
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
    AsyncTransport, BuildTransport, Limits, RootCertificates, TransportConfig,
};
use okta_factors_core::bytes::Bytes;
use okta_factors_core::http::{Method, Request, Response};
use okta_factors_core::{Credentials, OrgUrl, TimeoutLimit, TransportError, TransportErrorKind};
use okta_factors_hyper::{Client, Transport};
use okta_factors_testserver::{RecordedRequest, Reply, TestServer};

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

async fn send(
    transport: &Transport,
    request: Request<Vec<u8>>,
) -> Result<Response<Bytes>, TransportError> {
    transport.send(request, limits()).await
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

#[tokio::test]
async fn requests_go_on_the_wire_as_given() {
    let server = TestServer::start(|_| Reply::json(200, "[]").header("x-okta-request-id", "r1"));
    let transport = transport();
    let url = server.url();

    let get = request(
        Method::GET,
        &format!("{url}/api/v1/users/u1/factors?a=1&b=%20"),
        b"",
    );
    let response = send(&transport, get).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.body().as_ref(), b"[]");
    assert_eq!(response.headers()["x-okta-request-id"], "r1");
    assert_eq!(response.headers()["content-type"], "application/json");

    let delete = request(
        Method::DELETE,
        &format!("{url}/api/v1/users/u1/factors/f1"),
        b"",
    );
    send(&transport, delete).await.unwrap();
    let verify = request(
        Method::POST,
        &format!("{url}/api/v1/users/u1/factors/f1/verify"),
        b"",
    );
    send(&transport, verify).await.unwrap();
    send(&transport, request(Method::PUT, &format!("{url}/put"), b""))
        .await
        .unwrap();
    let body = br#"{"passCode":"123456"}"#;
    let post = request(
        Method::POST,
        &format!("{url}/api/v1/users/u1/factors"),
        body,
    );
    send(&transport, post).await.unwrap();

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

#[tokio::test]
async fn the_client_sends_its_own_user_agent_once() {
    let server = TestServer::start(|_| Reply::json(200, "[]"));
    let client = Client::builder(
        OrgUrl::parse(server.url()).unwrap(),
        Credentials::api_token("00test-token").unwrap(),
    )
    .build()
    .unwrap();
    assert!(client.list_factors("u1").await.unwrap().is_empty());
    let requests = server.requests();
    let [req] = requests.as_slice() else {
        panic!("{requests:?}")
    };
    assert_eq!(req.path(), "/api/v1/users/u1/factors");
    // The core's, and nothing of hyper's.
    assert_eq!(req.header_all("user-agent"), [CRATE_USER_AGENT]);
    assert_eq!(req.header_all("accept"), ["application/json"]);
    assert_eq!(req.header("authorization"), Some("SSWS 00test-token"));
}

#[tokio::test]
async fn redirects_are_returned_not_followed() {
    let server = TestServer::start(|req| {
        if req.path() == "/elsewhere" {
            Reply::json(200, "[]")
        } else {
            Reply::json(302, "").header("location", "/elsewhere")
        }
    });
    let url = format!("{}/api/v1/users/u1/factors", server.url());
    let response = send(&transport(), request(Method::GET, &url, b""))
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    assert_eq!(response.headers()["location"], "/elsewhere");
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
}

#[tokio::test]
async fn bodies_are_read_up_to_the_limit() {
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
    assert_eq!(at(1024, 1024).await.unwrap().body().len(), 1024);
    assert_eq!(at(0, 0).await.unwrap().body().len(), 0);
    // Larger than hyper's read buffer: several chunks, all kept.
    let big = at(200_000, 200_000).await.unwrap();
    assert!(big.body().len() == 200_000 && big.body().iter().all(|&b| b == b'x'));
    for (len, limit) in [(1025, 1024), (1, 0), (100_000, 10)] {
        let err = at(len, limit).await.unwrap_err();
        assert_eq!(
            err.kind,
            TransportErrorKind::BodyTooLarge { limit },
            "{err:?}"
        );
    }
    // The transport works on after a refused body.
    assert_eq!(at(3, 10).await.unwrap().body().as_ref(), b"xxx");
}

#[tokio::test]
async fn a_refused_connection_is_connect() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/");
    let err = send(&transport(), request(Method::GET, &url, b""))
        .await
        .unwrap_err();
    assert_eq!(err.kind, TransportErrorKind::Connect, "{err:?}");
    assert!(!format!("{err} {err:?}").contains("00test-token"));
}

/// The transport sleeps on tokio's timer, and the client races each request
/// against it: a stalled server is a `Timeout(Request)` within the limit.
#[tokio::test]
async fn a_stalled_server_times_out_within_the_limit() {
    let server = TestServer::start(|_| Reply::Stall(Duration::from_secs(3)));
    let timeout = Duration::from_millis(300);
    let client = Client::builder(
        OrgUrl::parse(server.url()).unwrap(),
        Credentials::api_token("00test-token").unwrap(),
    )
    .request_timeout(timeout)
    .build()
    .unwrap();
    let started = Instant::now();
    let err = client.list_factors("u1").await.unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(
        err.transport().map(|t| t.kind),
        Some(TransportErrorKind::Timeout(TimeoutLimit::Request)),
        "{err:?}"
    );
    assert!(
        elapsed >= timeout && elapsed < timeout + Duration::from_secs(1),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn sleeping_takes_the_time_asked() {
    let started = Instant::now();
    transport().sleep(Duration::from_millis(100)).await;
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(100) && elapsed < Duration::from_secs(1),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn a_closed_or_cut_connection_is_io_or_protocol() {
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
        let url = format!("{}{path}", server.url());
        let err = send(&transport, request(Method::GET, &url, b""))
            .await
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

#[tokio::test]
async fn garbage_is_protocol() {
    let server = RawServer::start(b"this is not HTTP\r\n\r\n");
    let url = format!("http://127.0.0.1:{}/", server.port);
    let err = send(&transport(), request(Method::GET, &url, b""))
        .await
        .unwrap_err();
    assert_eq!(err.kind, TransportErrorKind::Protocol, "{err:?}");
}

#[test]
fn debug_shows_the_timer() {
    let debug = format!("{:?}", transport());
    assert_eq!(debug, "Transport { sleeper: Tokio, .. }");
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

#[tokio::test]
async fn given_roots_are_trusted_and_others_refused() {
    let server = tls_server();
    let other = tls_server();
    let trusting = |roots: RootCertificates| {
        Transport::build(&config(Duration::from_secs(5), Some(roots))).unwrap()
    };

    // The server's CA as the root: accepted.
    let url = format!("{}/api/v1/users/u1/factors", server.url());
    let response = send(
        &trusting(roots_of(&server)),
        request(Method::GET, &url, b""),
    )
    .await
    .unwrap();
    assert_eq!(
        (response.status().as_u16(), response.body().as_ref()),
        (200, &b"[]"[..])
    );
    assert_eq!(server.requests().len(), 1);

    // Another server's CA as the only root: refused in the
    // handshake, before any request (or credential) is sent.
    let err = send(&trusting(roots_of(&other)), request(Method::GET, &url, b""))
        .await
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
#[tokio::test]
async fn a_server_of_an_unknown_ca_is_refused_by_default() {
    let server = tls_server();
    let url = format!("{}/", server.url());
    let err = send(&transport(), request(Method::GET, &url, b""))
        .await
        .unwrap_err();
    assert_eq!(err.kind, TransportErrorKind::Tls, "{err:?}");
    assert_eq!(server.requests().len(), 0);
}

// ---------------------------------------------------------------------------
// Feature `custom-connector`

#[cfg(feature = "custom-connector")]
mod custom_connector {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use okta_factors_client::AsyncClient;
    use okta_factors_core::{ClientConfig, Credentials, OrgUrl, TimeoutLimit, TransportErrorKind};
    use okta_factors_hyper::custom_connector::{Sleep, SleepFuture};
    use okta_factors_hyper::{Client, Transport};
    use okta_factors_testserver::{Reply, TestServer};

    /// tokio's timer, counting the sleeps.
    struct CountingSleep(Arc<AtomicUsize>);

    impl Sleep for CountingSleep {
        fn sleep(&self, duration: Duration) -> SleepFuture {
            self.0.fetch_add(1, Ordering::SeqCst);
            Box::pin(tokio::time::sleep(duration))
        }
    }

    #[tokio::test]
    async fn a_hyper_client_of_ones_own_is_driven_with_ones_own_timer() {
        let server = TestServer::start(|req| match req.path() {
            "/api/v1/users/stall/factors" => Reply::Stall(Duration::from_secs(3)),
            _ => Reply::json(200, "[]"),
        });
        let sleeps = Arc::new(AtomicUsize::new(0));
        let http =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build(hyper_util::client::legacy::connect::HttpConnector::new());
        let transport = Transport::from_hyper_client(http, CountingSleep(sleeps.clone()));
        assert_eq!(
            format!("{transport:?}"),
            "Transport { sleeper: Custom, .. }"
        );
        let mut config = ClientConfig::new(
            OrgUrl::parse(server.url()).unwrap(),
            Credentials::api_token("00test-token").unwrap(),
        );
        config.request_timeout = Duration::from_millis(300);
        let client: Client = AsyncClient::with_transport(transport, config);

        assert!(client.list_factors("u1").await.unwrap().is_empty());
        let before = sleeps.load(Ordering::SeqCst);
        let started = Instant::now();
        let err = client.list_factors("stall").await.unwrap_err();
        assert_eq!(
            err.transport().map(|t| t.kind),
            Some(TransportErrorKind::Timeout(TimeoutLimit::Request)),
            "{err:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(2));
        // The request timeout was our timer's.
        assert!(sleeps.load(Ordering::SeqCst) > before);
        assert_eq!(server.requests().len(), 2);
    }
}

/// A body-less `POST` of the client (the core sets `Content-Length: 0`)
/// carries exactly one `Content-Length: 0`; a `GET` none.
#[tokio::test]
async fn the_client_frames_a_body_less_post_once() {
    let server = TestServer::start(|req| match req.method.as_str() {
        "GET" => Reply::json(200, "[]"),
        _ => Reply::json(200, r#"{"factorResult":"SUCCESS"}"#),
    });
    let client = Client::new(
        OrgUrl::parse(server.url()).unwrap(),
        Credentials::api_token("00test-token").unwrap(),
    )
    .unwrap();
    client.verify_factor("u1", "f1", None).await.unwrap();
    client.list_factors("u1").await.unwrap();
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
