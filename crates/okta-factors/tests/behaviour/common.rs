//! What the tests share: scripted-server helpers and common checks.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use okta_factors::{Error, TransportErrorKind};
pub(crate) use okta_factors_testserver::http_date;
use okta_factors_testserver::{RecordedRequest, Reply, TestServer};

use crate::harness::TOKEN;

/// An active SMS factor, `sms1`.
pub(crate) const SMS_FACTOR: &str = r#"{"id":"sms1","factorType":"sms","provider":"OKTA","status":"ACTIVE","profile":{"phoneNumber":"+15554151337"}}"#;

/// A server whose handler also knows the server's own URL (for links).
pub(crate) fn start_with_url(
    handler: impl Fn(&str, &RecordedRequest) -> Reply + Send + Sync + 'static,
) -> TestServer {
    let url: Arc<OnceLock<String>> = Arc::new(OnceLock::new());
    let url_in_handler = url.clone();
    let server = TestServer::start(move |req| {
        let base = url_in_handler.get().map(String::as_str).unwrap_or_default();
        handler(base, req)
    });
    url.set(server.url().to_owned()).expect("set once");
    server
}

/// A response with no body.
pub(crate) fn empty(status: u16) -> Reply {
    Reply::Response {
        status,
        headers: Vec::new(),
        body: Vec::new(),
    }
}

/// The headers every request carries: the token exactly once, JSON accepted,
/// the crate's user agent once, the org's host.
pub(crate) fn assert_common_headers(req: &RecordedRequest) {
    assert_eq!(
        req.header_all("authorization"),
        [format!("SSWS {TOKEN}")],
        "{req:?}"
    );
    assert_eq!(req.header_all("accept"), ["application/json"], "{req:?}");
    let ua = req.header_all("user-agent");
    assert_eq!(ua.len(), 1, "{req:?}");
    assert!(ua[0].starts_with("okta-factors-rust/"), "{ua:?}");
    assert!(
        req.header("host")
            .is_some_and(|h| h.starts_with("127.0.0.1:")),
        "{req:?}"
    );
}

/// The kind of a transport error (panics on another error).
pub(crate) fn kind(err: &Error) -> TransportErrorKind {
    err.transport()
        .unwrap_or_else(|| panic!("not a transport error: {err:?}"))
        .kind
}

/// A raw TCP server on 127.0.0.1: for each connection, reads the request
/// (until its head ends) and runs `respond` on the stream, then closes it.
/// For what the scripted server cannot send: other protocols, chunked or
/// close-delimited bodies, a body that trickles. Stopped on drop.
pub(crate) struct RawServer {
    port: u16,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl RawServer {
    pub(crate) fn start(respond: impl Fn(&mut TcpStream) + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let respond = Arc::new(respond);
        let accept = {
            let stop = stop.clone();
            thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(mut stream) = stream else { continue };
                    let respond = respond.clone();
                    thread::spawn(move || {
                        let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
                        let mut head = Vec::new();
                        let mut buf = [0u8; 4096];
                        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                            match stream.read(&mut buf) {
                                Ok(0) | Err(_) => break,
                                Ok(n) => head.extend_from_slice(&buf[..n]),
                            }
                        }
                        respond(&mut stream);
                        let _ = stream.flush();
                        let _ = stream.shutdown(Shutdown::Both);
                    });
                }
            })
        };
        Self {
            port,
            stop,
            accept: Some(accept),
        }
    }

    /// A server answering every request with `bytes`.
    pub(crate) fn answering(bytes: &'static [u8]) -> Self {
        Self::start(move |stream| {
            let _ = stream.write_all(bytes);
        })
    }

    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The port (for an `https` URL).
    #[cfg_attr(not(any(feature = "ureq", feature = "hyper")), allow(dead_code))]
    pub(crate) fn port(&self) -> u16 {
        self.port
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

/// The helper the rate-limit replies use gives the IMF-fixdate of RFC 9110.
#[test]
fn http_date_matches_known_values() {
    assert_eq!(http_date(1_598_552_137), "Thu, 27 Aug 2020 18:15:37 GMT");
    assert_eq!(http_date(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
}

/// A simulator on `clock` (or the system clock) served on 127.0.0.1.
pub(crate) fn sim_server(
    config: okta_factors_sim::SimulatorConfig,
    clock: Option<okta_factors_sim::ManualClock>,
) -> okta_factors_sim::SimServer {
    let sim = match clock {
        Some(clock) => okta_factors_sim::Simulator::with_clock(config, clock),
        None => okta_factors_sim::Simulator::new(config),
    };
    okta_factors_sim::SimServer::start(
        okta_factors_sim::SharedSimulator::new(sim),
        std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .unwrap()
}
