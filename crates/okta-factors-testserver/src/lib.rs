//! A scripted HTTP/1.1 server on `127.0.0.1` for adapter tests: it records every
//! request and answers what the test's handler says, including faults (stalls,
//! resets mid-body, closed connections). Stopped on drop.
//!
//! The same server speaks HTTPS ([`TestServer::start_tls`], a certificate of a
//! test CA, module [`tls`]), and [`proxy::ConnectProxy`] is a loopback
//! `CONNECT` proxy that records what it saw. Standard library threads only.
//!
//! ```
//! use okta_factors_testserver::{Reply, TestServer};
//! let server = TestServer::start(|_req| Reply::json(200, "[]"));
//! assert!(server.url().starts_with("http://127.0.0.1:"));
//! ```

#![forbid(unsafe_code)]
// Test support: a server that cannot bind is a failed test, so panicking is right.
#![allow(clippy::expect_used)]

pub mod proxy;
pub mod tls;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

pub use proxy::ConnectProxy;
pub use tls::TestCa;

/// A request as the server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// Method, e.g. `POST`.
    pub method: String,
    /// Request target: path and query, e.g. `/api/v1/users/u/factors?activate=true`.
    pub target: String,
    /// Headers in order, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
    /// The connection it came on: `0` for the server's first accepted
    /// connection, `1` for the second, … (always `0` for a request a
    /// [`ConnectProxy`] recorded). Two requests with the same number were
    /// sent over one kept-alive connection.
    pub connection: usize,
}

impl RecordedRequest {
    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    /// The raw query (without `?`), if any.
    pub fn query(&self) -> Option<&str> {
        self.target.split_once('?').map(|(_, q)| q)
    }

    /// All values of header `name` (case-insensitive).
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The first value of header `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.header_all(name).into_iter().next()
    }
}

/// What the server does with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// A complete response.
    Response {
        /// Status code.
        status: u16,
        /// Headers (Content-Length is added).
        headers: Vec<(String, String)>,
        /// Body.
        body: Vec<u8>,
    },
    /// Read the request, then send nothing for this long, then close.
    Stall(Duration),
    /// Send the head with `Content-Length: declared_len`, then `partial` bytes, then close.
    ResetMidBody {
        /// Status code.
        status: u16,
        /// Declared body length.
        declared_len: usize,
        /// Bytes actually sent.
        partial: Vec<u8>,
    },
    /// Close the connection without answering.
    Close,
}

impl Reply {
    /// A JSON response.
    pub fn json(status: u16, body: impl Into<String>) -> Self {
        Self::Response {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into().into_bytes(),
        }
    }

    /// Adds a header to a `Response` (no effect on other replies).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        if let Self::Response { headers, .. } = &mut self {
            headers.push((name.to_owned(), value.to_owned()));
        }
        self
    }
}

type Handler = dyn Fn(&RecordedRequest) -> Reply + Send + Sync;

/// A running server. Dropping it (or [`TestServer::stop`]) stops it.
pub struct TestServer {
    url: String,
    port: u16,
    stop: Arc<AtomicBool>,
    requests: Arc<Mutex<Vec<RecordedRequest>>>,
    connections: Arc<AtomicUsize>,
    handshakes_failed: Arc<AtomicUsize>,
    ca: Option<TestCa>,
    accept: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Starts a server on `127.0.0.1` (a free port) answering with `handler`.
    pub fn start(handler: impl Fn(&RecordedRequest) -> Reply + Send + Sync + 'static) -> Self {
        Self::start_with(Arc::new(handler), None)
    }

    /// The accept loop, over TCP or (with `tls`) over TLS.
    fn start_with(handler: Arc<Handler>, tls: Option<(TestCa, tls::Config)>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local addr").port();
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let handshakes_failed = Arc::new(AtomicUsize::new(0));
        let (ca, config) = tls.unzip();
        let accept = {
            let (stop, requests, connections, failed) = (
                stop.clone(),
                requests.clone(),
                connections.clone(),
                handshakes_failed.clone(),
            );
            thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let connection = connections.fetch_add(1, Ordering::SeqCst);
                    let (stop, requests, handler, config, failed) = (
                        stop.clone(),
                        requests.clone(),
                        handler.clone(),
                        config.clone(),
                        failed.clone(),
                    );
                    thread::spawn(move || {
                        prepare(&stream);
                        let Some(config) = config else {
                            return serve(stream, connection, &stop, &requests, &*handler);
                        };
                        if let Some(tls) = tls::accept(stream, config) {
                            serve(tls, connection, &stop, &requests, &*handler);
                        } else {
                            failed.fetch_add(1, Ordering::SeqCst);
                        }
                    });
                }
            })
        };
        let scheme = if ca.is_some() { "https" } else { "http" };
        Self {
            url: format!("{scheme}://127.0.0.1:{port}"),
            port,
            stop,
            requests,
            connections,
            handshakes_failed,
            ca,
            accept: Some(accept),
        }
    }

    /// `http://127.0.0.1:<port>`, or `https://127.0.0.1:<port>` for a server
    /// started with [`TestServer::start_tls`].
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// Connections accepted so far (TCP connections: for an HTTPS server,
    /// those whose handshake failed too).
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// TLS handshakes that failed so far (the client refused the certificate,
    /// or closed the connection before the handshake was done); always `0`
    /// for a plain HTTP server. A handshake fails on the server's thread a
    /// little after the client saw its error: wait for the count rather than
    /// reading it once.
    pub fn handshakes_failed(&self) -> usize {
        self.handshakes_failed.load(Ordering::SeqCst)
    }

    /// The CA that issued this HTTPS server's certificate: the root a client
    /// must trust ([`TestCa::der`], [`TestCa::pem`]).
    ///
    /// # Panics
    ///
    /// If the server speaks plain HTTP ([`TestServer::start`]).
    pub fn ca(&self) -> &TestCa {
        self.ca
            .as_ref()
            .expect("TestServer::ca: a plain HTTP server has no CA; use TestServer::start_tls")
    }

    /// Stops accepting and waits for the accept loop to end.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(handle) = self.accept.take() {
            let _ = handle.join();
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Read timeout and no Nagle on an accepted connection.
fn prepare(stream: &TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    // Head and body go out in two writes: without this, a kept-alive
    // connection waits for the client's delayed ACK (~40 ms) between them.
    let _ = stream.set_nodelay(true);
}

/// A connection the scripted server answers on: plain TCP or TLS over TCP.
trait Connection: Read + Write {
    /// Ends the connection at once (both directions of the TCP connection;
    /// over TLS without `close_notify`, which is how a cut looks).
    fn cut(&mut self);

    /// Ends the connection after a complete exchange (over TLS, with
    /// `close_notify`).
    fn finish(&mut self) {}
}

impl Connection for TcpStream {
    fn cut(&mut self) {
        let _ = self.shutdown(Shutdown::Both);
    }
}

/// Serves the requests of one connection with `handler` until the client
/// closes it, asks to close it, a reply ends it, or the server stops.
fn serve<C: Connection>(
    connection: C,
    index: usize,
    stop: &AtomicBool,
    requests: &Mutex<Vec<RecordedRequest>>,
    handler: &Handler,
) {
    let mut reader = BufReader::new(connection);
    while !stop.load(Ordering::SeqCst) {
        let Some(mut request) = read_request(&mut reader) else {
            reader.get_mut().finish();
            return;
        };
        request.connection = index;
        if let Ok(mut log) = requests.lock() {
            log.push(request.clone());
        }
        let close = request
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        let writer = reader.get_mut();
        match handler(&request) {
            Reply::Response {
                status,
                headers,
                body,
            } => {
                let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
                for (name, value) in &headers {
                    head.push_str(&format!("{name}: {value}\r\n"));
                }
                head.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
                if writer.write_all(head.as_bytes()).is_err()
                    || writer.write_all(&body).is_err()
                    || writer.flush().is_err()
                {
                    return;
                }
                if close {
                    writer.finish();
                    return;
                }
            }
            Reply::Stall(duration) => {
                thread::sleep(duration);
                writer.cut();
                return;
            }
            Reply::ResetMidBody {
                status,
                declared_len,
                partial,
            } => {
                let head = format!(
                    "HTTP/1.1 {status} {}\r\ncontent-type: application/json\r\ncontent-length: {declared_len}\r\n\r\n",
                    reason(status)
                );
                let _ = writer.write_all(head.as_bytes());
                let _ = writer.write_all(&partial);
                let _ = writer.flush();
                writer.cut();
                return;
            }
            Reply::Close => {
                writer.cut();
                return;
            }
        }
    }
}

/// One request (head and body) from `reader`; `None` at the end of the
/// connection or on anything that is not HTTP/1.1.
fn read_request(reader: &mut impl BufRead) -> Option<RecordedRequest> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.trim_end().splitn(3, ' ');
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let mut request = RecordedRequest {
        method,
        target,
        headers,
        body: Vec::new(),
        connection: 0,
    };
    if request
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).ok()?;
            let size = usize::from_str_radix(size.trim(), 16).ok()?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).ok()?;
            if size == 0 {
                break;
            }
            request.body.extend_from_slice(&chunk[..size]);
        }
    } else if let Some(len) = request
        .header("content-length")
        .and_then(|v| v.parse::<usize>().ok())
    {
        request.body = vec![0; len];
        reader.read_exact(&mut request.body).ok()?;
    }
    Some(request)
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        407 => "Proxy Authentication Required",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

/// `secs` (epoch seconds) as an HTTP `Date` (IMF-fixdate), e.g.
/// `Thu, 27 Aug 2020 18:15:37 GMT`, for scripted rate-limit replies.
pub fn http_date(secs: u64) -> String {
    httpdate::fmt_http_date(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs))
}
