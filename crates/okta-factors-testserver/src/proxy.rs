//! A loopback HTTP proxy that tunnels `CONNECT` requests and records what it
//! saw: each `CONNECT` (target, headers, the status it answered), every byte
//! the clients sent through its tunnels, and any other request (answered
//! `400`: a client that sent its request to the proxy in clear).
//!
//! It only tunnels to loopback targets (`127.0.0.0/8`, `::1`, `localhost`);
//! any other target is answered `502 Bad Gateway` without a DNS lookup.
//! Standard library threads only; every read is bounded by a timeout, and
//! dropping the proxy (or [`ConnectProxy::stop`]) ends its tunnels and joins
//! its threads.
//!
//! ```
//! use std::io::{Read, Write};
//! use std::net::TcpStream;
//! use okta_factors_testserver::{ConnectProxy, Reply, TestServer};
//!
//! let server = TestServer::start(|_req| Reply::json(200, "[]"));
//! let proxy = ConnectProxy::start();
//! let mut client = TcpStream::connect(("127.0.0.1", proxy.port())).unwrap();
//! let target = format!("127.0.0.1:{}", server.port());
//! write!(client, "CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n").unwrap();
//! let mut answer = [0; 39];
//! client.read_exact(&mut answer).unwrap();
//! assert_eq!(&answer[..], b"HTTP/1.1 200 Connection Established\r\n\r\n");
//! assert_eq!(proxy.connects()[0].target, target);
//! ```

use std::io::{self, ErrorKind, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use data_encoding::BASE64;

use crate::{reason, RecordedRequest};

/// How often a blocked read wakes up to see whether the proxy is stopping.
const TICK: Duration = Duration::from_millis(50);
/// The longest a request head (or a body) may take to arrive.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// A tunnel direction that carries nothing for this long is closed.
const TUNNEL_IDLE: Duration = Duration::from_secs(30);
/// Bound on a write to either side.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// Bound on connecting to a tunnel's target.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// The largest request head read.
const MAX_HEAD: usize = 64 * 1024;
/// The largest body read of a request that is not `CONNECT`.
const MAX_BODY: usize = 1024 * 1024;

/// A `CONNECT` request as the proxy received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connect {
    /// The request target, `host:port` as sent (e.g. `127.0.0.1:8443`).
    pub target: String,
    /// Headers in order, names lower-cased (e.g. `proxy-authorization`).
    pub headers: Vec<(String, String)>,
    /// The status the proxy answered: `200` for an established tunnel,
    /// `407` for missing or wrong credentials, the [`ConnectProxy::refuse`]
    /// status, or `502` for a target it cannot reach.
    pub status: u16,
}

impl Connect {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the proxy asks of a `CONNECT`.
#[derive(Default, Clone)]
struct Policy {
    /// `user:password` a `Proxy-Authorization: Basic` header must carry.
    basic: Option<String>,
    /// Answer every `CONNECT` with this status.
    refuse: Option<u16>,
}

/// What the proxy's threads share.
#[derive(Default)]
struct Shared {
    stop: AtomicBool,
    policy: Mutex<Policy>,
    connections: AtomicUsize,
    connects: Mutex<Vec<Connect>>,
    upstream: Mutex<Vec<u8>>,
    other: Mutex<Vec<RecordedRequest>>,
    workers: Mutex<Vec<JoinHandle<()>>>,
}

impl Shared {
    fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}

/// Locks `mutex`, poisoned or not (a panicking connection thread must not
/// hide what was recorded).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A running `CONNECT` proxy on `127.0.0.1`. Dropping it (or
/// [`ConnectProxy::stop`]) stops it.
pub struct ConnectProxy {
    url: String,
    port: u16,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl ConnectProxy {
    /// Starts a proxy on `127.0.0.1` (a free port) that tunnels every
    /// `CONNECT` to a loopback target, without asking for credentials.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local addr").port();
        let shared = Arc::new(Shared::default());
        let accept = {
            let shared = shared.clone();
            thread::spawn(move || {
                for stream in listener.incoming() {
                    if shared.stopping() {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    shared.connections.fetch_add(1, Ordering::SeqCst);
                    let worker = {
                        let shared = shared.clone();
                        thread::spawn(move || handle(stream, &shared))
                    };
                    lock(&shared.workers).push(worker);
                }
            })
        };
        Self {
            url: format!("http://127.0.0.1:{port}"),
            port,
            shared,
            accept: Some(accept),
        }
    }

    /// From now on, a `CONNECT` without `Proxy-Authorization: Basic` for
    /// `user` and `password` is answered `407 Proxy Authentication Required`
    /// with `Proxy-Authenticate: Basic realm="test"`, and the connection is
    /// closed.
    pub fn require_basic(self, user: &str, password: &str) -> Self {
        lock(&self.shared.policy).basic = Some(format!("{user}:{password}"));
        self
    }

    /// From now on, every `CONNECT` is answered `status` (e.g. `502`) and
    /// the connection closed; nothing is tunnelled.
    pub fn refuse(self, status: u16) -> Self {
        lock(&self.shared.policy).refuse = Some(status);
        self
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Every `CONNECT` received so far, in order, with the status answered.
    pub fn connects(&self) -> Vec<Connect> {
        lock(&self.shared.connects).clone()
    }

    /// Every byte the clients sent through the tunnels so far (client to
    /// target), in the order received; tunnels one after the other are
    /// concatenated. Over TLS this is ciphertext: no header or token of the
    /// tunnelled requests shows in it.
    pub fn tunnelled_upstream(&self) -> Vec<u8> {
        lock(&self.shared.upstream).clone()
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// The requests other than `CONNECT` (e.g. an absolute-form `GET` sent
    /// in clear), in order; each was answered `400 Bad Request`.
    pub fn other_requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.other).clone()
    }

    /// Stops accepting, ends the open tunnels and joins every thread.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
        // Every connection thread sees `stop` within a TICK.
        let workers = std::mem::take(&mut *lock(&self.shared.workers));
        for worker in workers {
            let _ = worker.join();
        }
    }
}

impl Drop for ConnectProxy {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// One client connection: a `CONNECT` (tunnelled, or refused) or another
/// request (recorded, answered 400).
fn handle(client: TcpStream, shared: &Arc<Shared>) {
    let _ = client.set_nodelay(true);
    let _ = client.set_read_timeout(Some(TICK));
    let _ = client.set_write_timeout(Some(WRITE_TIMEOUT));
    let Some((head, rest)) = read_head(&client, shared) else {
        close(&client, shared);
        return;
    };
    let Some(mut request) = parse_head(&head) else {
        answer(&client, 400, &[]);
        close(&client, shared);
        return;
    };
    if !request.method.eq_ignore_ascii_case("CONNECT") {
        request.body = read_body(&client, &request.headers, rest, shared);
        lock(&shared.other).push(request);
        answer(&client, 400, &[]);
        close(&client, shared);
        return;
    }
    let RecordedRequest {
        target, headers, ..
    } = request;

    let policy = lock(&shared.policy).clone();
    let mut upstream = None;
    let status = if let Some(status) = policy.refuse {
        status
    } else if !policy.basic.is_none_or(|expected| {
        headers
            .iter()
            .filter(|(name, _)| name == "proxy-authorization")
            .any(|(_, value)| basic_matches(value, &expected))
    }) {
        407
    } else {
        upstream = connect_upstream(&target);
        if upstream.is_some() {
            200
        } else {
            502
        }
    };
    lock(&shared.connects).push(Connect {
        target,
        headers,
        status,
    });
    let Some(upstream) = upstream else {
        let challenge: &[(&str, &str)] = if status == 407 {
            &[("Proxy-Authenticate", "Basic realm=\"test\"")]
        } else {
            &[]
        };
        answer(&client, status, challenge);
        close(&client, shared);
        return;
    };
    if (&client)
        .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        .is_err()
    {
        return;
    }
    tunnel(client, upstream, &rest, shared);
}

/// Reads up to the end of the head (`\r\n\r\n`): the head, and whatever
/// came after it. `None` if the client closed, took too long, sent too much,
/// or the proxy is stopping.
fn read_head(mut client: &TcpStream, shared: &Shared) -> Option<(Vec<u8>, Vec<u8>)> {
    let deadline = Instant::now() + REQUEST_TIMEOUT;
    let mut received = Vec::new();
    let mut buf = [0; 4096];
    loop {
        if let Some(end) = find(&received, b"\r\n\r\n") {
            let rest = received.split_off(end + 4);
            return Some((received, rest));
        }
        if received.len() > MAX_HEAD || shared.stopping() || Instant::now() >= deadline {
            return None;
        }
        match client.read(&mut buf) {
            Ok(0) => return None,
            Ok(n) => received.extend_from_slice(&buf[..n]),
            Err(err) if timed_out(&err) => {}
            Err(_) => return None,
        }
    }
}

/// The body of a request other than `CONNECT`: `Content-Length` bytes,
/// starting with `rest` (no chunked bodies: what arrived with the head).
fn read_body(
    mut client: &TcpStream,
    headers: &[(String, String)],
    mut body: Vec<u8>,
    shared: &Shared,
) -> Vec<u8> {
    let Some(len) = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .and_then(|(_, value)| value.parse::<usize>().ok())
    else {
        return body;
    };
    let len = len.min(MAX_BODY);
    let deadline = Instant::now() + REQUEST_TIMEOUT;
    let mut buf = [0; 4096];
    while body.len() < len && !shared.stopping() && Instant::now() < deadline {
        match client.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => body.extend_from_slice(&buf[..n]),
            Err(err) if timed_out(&err) => {}
            Err(_) => break,
        }
    }
    body.truncate(len);
    body
}

/// Request line and headers (names lower-cased) of a head; no body yet.
fn parse_head(head: &[u8]) -> Option<RecordedRequest> {
    let head = std::str::from_utf8(head).ok()?;
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let target = request_line.next()?.to_owned();
    if method.is_empty() || target.is_empty() || !request_line.next()?.starts_with("HTTP/") {
        return None;
    }
    let mut headers = Vec::new();
    for line in lines.take_while(|line| !line.is_empty()) {
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    Some(RecordedRequest {
        method,
        target,
        headers,
        body: Vec::new(),
        connection: 0,
    })
}

/// Whether a `Proxy-Authorization` value is `Basic` for `expected`
/// (`user:password`).
fn basic_matches(value: &str, expected: &str) -> bool {
    let Some((scheme, credentials)) = value.trim().split_once(' ') else {
        return false;
    };
    scheme.eq_ignore_ascii_case("basic")
        && BASE64
            .decode(credentials.trim().as_bytes())
            .is_ok_and(|decoded| decoded == expected.as_bytes())
}

/// A connection to a loopback `host:port` target, or `None`.
fn connect_upstream(target: &str) -> Option<TcpStream> {
    let (host, port) = target.rsplit_once(':')?;
    let port = port.parse::<u16>().ok()?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let ip = if host.eq_ignore_ascii_case("localhost") {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    } else {
        host.parse::<IpAddr>().ok()?
    };
    if !ip.is_loopback() {
        return None;
    }
    TcpStream::connect_timeout(&SocketAddr::new(ip, port), CONNECT_TIMEOUT).ok()
}

/// A response without a body; the connection is closed after it.
fn answer(mut client: &TcpStream, status: u16, headers: &[(&str, &str)]) {
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("Content-Length: 0\r\nConnection: close\r\n\r\n");
    let _ = client.write_all(head.as_bytes());
}

/// Closes gracefully: no more writes, then whatever the client still sends
/// is read (up to a second) so that the close is not a reset that could
/// destroy the answer before the client read it.
fn close(mut client: &TcpStream, shared: &Shared) {
    let _ = client.shutdown(Shutdown::Write);
    let deadline = Instant::now() + Duration::from_secs(1);
    let mut buf = [0; 4096];
    while Instant::now() < deadline && !shared.stopping() {
        match client.read(&mut buf) {
            Ok(0) => break,
            Ok(_) => {}
            Err(err) if timed_out(&err) => {}
            Err(_) => break,
        }
    }
}

/// Moves bytes both ways between `client` and `upstream` until both sides
/// are done (or one fails, idles too long, or the proxy stops), recording
/// what the client sent. `rest` came with the `CONNECT` head.
fn tunnel(client: TcpStream, upstream: TcpStream, rest: &[u8], shared: &Arc<Shared>) {
    let _ = upstream.set_nodelay(true);
    let _ = upstream.set_read_timeout(Some(TICK));
    let _ = upstream.set_write_timeout(Some(WRITE_TIMEOUT));
    if !rest.is_empty() {
        lock(&shared.upstream).extend_from_slice(rest);
        if (&upstream).write_all(rest).is_err() {
            return;
        }
    }
    let (Ok(client_reader), Ok(upstream_writer)) = (client.try_clone(), upstream.try_clone())
    else {
        return;
    };
    let client_to_upstream = {
        let shared = shared.clone();
        thread::spawn(move || {
            pump(
                &client_reader,
                &upstream_writer,
                Some(&shared.upstream),
                &shared,
            )
        })
    };
    let downstream_ok = pump(&upstream, &client, None, shared);
    let upstream_ok = client_to_upstream.join().unwrap_or(false);
    if !(downstream_ok && upstream_ok) {
        let _ = client.shutdown(Shutdown::Both);
        let _ = upstream.shutdown(Shutdown::Both);
    }
}

/// Copies `from` to `to` until `from` ends (then half-closes `to`: `true`),
/// or a failure, an idle timeout or the proxy stopping (then cuts both:
/// `false`, which also ends the other direction).
fn pump(
    mut from: &TcpStream,
    mut to: &TcpStream,
    record: Option<&Mutex<Vec<u8>>>,
    shared: &Shared,
) -> bool {
    let mut buf = [0; 16 * 1024];
    let mut last = Instant::now();
    loop {
        if shared.stopping() || last.elapsed() >= TUNNEL_IDLE {
            break;
        }
        match from.read(&mut buf) {
            Ok(0) => {
                let _ = to.shutdown(Shutdown::Write);
                return true;
            }
            Ok(n) => {
                if let Some(record) = record {
                    lock(record).extend_from_slice(&buf[..n]);
                }
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
                last = Instant::now();
            }
            Err(err) if timed_out(&err) => {}
            Err(_) => break,
        }
    }
    let _ = from.shutdown(Shutdown::Both);
    let _ = to.shutdown(Shutdown::Both);
    false
}

/// A read timeout (its kind differs between platforms).
fn timed_out(err: &io::Error) -> bool {
    matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}

/// The first index of `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}
