//! [`SimServer`]: the simulator over HTTP/1.1 on a loopback socket, with the
//! standard library only (one thread per connection up to a cap, keep-alive
//! with an idle timeout, `Content-Length` and chunked request bodies).

use std::collections::{HashMap, VecDeque};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use http::header::{CONNECTION, CONTENT_LENGTH, EXPECT, TRANSFER_ENCODING};
use http::{
    HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode, Uri, Version,
};

use crate::config::{ResponseDelay, SimulatorConfig};
use crate::shared::SharedSimulator;
use crate::sim::Simulator;

/// Largest request body accepted (1 MiB); larger ones get `413`.
const MAX_BODY: usize = 1 << 20;
/// Longest request line or header line.
const MAX_LINE: usize = 16 * 1024;
/// Most header lines per request.
const MAX_HEADERS: usize = 100;
/// How long a connection refused with `503` is kept open to read what the
/// client still sends (so that closing it does not reset the connection
/// before the client has read the `503`).
const REFUSED_LINGER: Duration = Duration::from_secs(1);
/// Most refused connections lingering at once (the oldest is closed first).
const MAX_LINGERING: usize = 64;

/// How a [`SimServer`] treats connections: how many it serves at once and how
/// long an idle one stays open.
///
/// ```
/// use std::time::Duration;
/// use okta_factors_sim::ServerConfig;
/// let config = ServerConfig::default()
///     .max_connections(16)
///     .idle_timeout(Duration::from_secs(5));
/// assert_eq!(config.max_connections, 16);
/// assert_eq!(ServerConfig::default().idle_timeout, Duration::from_secs(30));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerConfig {
    /// Most connections served at once, each by its own thread (default 256;
    /// 0 counts as 1). A connection past the cap is answered `503 Service
    /// Unavailable` (with `Retry-After: 1` and `Connection: close`) at once,
    /// without its request being read, and closed; the connections already
    /// open are served as usual.
    pub max_connections: usize,
    /// How long a connection may take, after it opens or after its last
    /// response, to send its next complete request (default 30 s; at least
    /// 1 ms). Past it the connection is closed without a response. The same
    /// bound applies to writing one response to a client that does not read.
    pub idle_timeout: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            max_connections: 256,
            idle_timeout: Duration::from_secs(30),
        }
    }
}

impl ServerConfig {
    /// Sets [`ServerConfig::max_connections`].
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = max;
        self
    }

    /// Sets [`ServerConfig::idle_timeout`].
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    fn cap(&self) -> usize {
        self.max_connections.max(1)
    }

    fn idle(&self) -> Duration {
        self.idle_timeout.max(Duration::from_millis(1))
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

struct Inner {
    config: ServerConfig,
    stop: AtomicBool,
    next_id: AtomicU64,
    /// Open connections, to count them against the cap and to shut them
    /// down on stop.
    connections: Mutex<HashMap<u64, TcpStream>>,
    workers: Mutex<Vec<JoinHandle<()>>>,
}

/// A running simulator server. Stopped (threads joined, connections closed) by
/// [`SimServer::stop`] or on drop.
///
/// Each connection is served by its own thread, up to
/// [`ServerConfig::max_connections`] at once (past it: `503`); a connection
/// that sends no complete request for [`ServerConfig::idle_timeout`] is
/// closed. [`SimServer::start`] and [`SimServer::start_new`] use
/// [`ServerConfig::default`], [`SimServer::start_with`] takes one.
///
/// Links in responses point back at the server: the simulator derives its
/// link origin from the request's `Host` header unless
/// [`SimulatorConfig::base_url`] is set ([`SimServer::start_new`] sets it to
/// [`SimServer::url`]).
///
/// Besides Okta's API, the server answers one control endpoint of its own,
/// without a token and outside the rate limits: `GET /_sim/rate-limits`
/// returns [`Simulator::rate_limit_stats`] as JSON
/// ([`RateLimitStats::to_json`](crate::RateLimitStats::to_json)) and
/// `DELETE /_sim/rate-limits` zeroes them (`204`).
///
/// ```
/// use std::io::{Read, Write};
/// use okta_factors_sim::{SimServer, SimulatorConfig};
///
/// let server = SimServer::start_new(SimulatorConfig::new("t0ken"))?;
/// let user = server.simulator().create_user("alice@example.com");
/// let mut conn = std::net::TcpStream::connect(server.local_addr())?;
/// write!(conn, "GET /api/v1/users/{user}/factors HTTP/1.1\r\nHost: x\r\n\
///               Authorization: SSWS t0ken\r\nConnection: close\r\n\r\n")?;
/// let mut response = String::new();
/// conn.read_to_string(&mut response)?;
/// assert!(response.starts_with("HTTP/1.1 200 OK"));
/// assert!(response.ends_with("[]"));
/// server.stop();
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct SimServer {
    url: String,
    local_addr: SocketAddr,
    sim: SharedSimulator,
    inner: Arc<Inner>,
    acceptor: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for SimServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimServer")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl SimServer {
    /// Serves `sim` on `addr` (port 0 picks a free port) with
    /// [`ServerConfig::default`]. Use `127.0.0.1:0` for tests.
    pub fn start(sim: SharedSimulator, addr: SocketAddr) -> io::Result<Self> {
        Self::start_with(sim, addr, ServerConfig::default())
    }

    /// Serves `sim` on `addr` (port 0 picks a free port) with `config`.
    pub fn start_with(
        sim: SharedSimulator,
        addr: SocketAddr,
        config: ServerConfig,
    ) -> io::Result<Self> {
        let listener = TcpListener::bind(addr)?;
        let local_addr = listener.local_addr()?;
        let reachable = reachable(local_addr);
        let inner = Arc::new(Inner {
            config,
            stop: AtomicBool::new(false),
            next_id: AtomicU64::new(0),
            connections: Mutex::new(HashMap::new()),
            workers: Mutex::new(Vec::new()),
        });
        let acceptor = {
            let (sim, inner) = (sim.clone(), Arc::clone(&inner));
            thread::Builder::new()
                .name("okta-factors-sim-accept".into())
                .spawn(move || accept_loop(&listener, &sim, &inner))?
        };
        Ok(Self {
            url: format!("http://{reachable}"),
            local_addr: reachable,
            sim,
            inner,
            acceptor: Some(acceptor),
        })
    }

    /// A new simulator (system clock) from `config`, served on
    /// `127.0.0.1:<free port>`, with [`SimulatorConfig::base_url`] set to the
    /// server's URL unless the config already has one.
    pub fn start_new(config: SimulatorConfig) -> io::Result<Self> {
        let sim = SharedSimulator::new(Simulator::new(config));
        let server = Self::start(sim, SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))?;
        {
            let mut sim = server.sim.lock();
            if sim.config.base_url.is_none() {
                sim.config.base_url = Some(server.url.clone());
            }
        }
        Ok(server)
    }

    /// `http://127.0.0.1:PORT`: the org URL to give a client.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The address to connect to.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The served simulator (for the control API).
    pub fn simulator(&self) -> &SharedSimulator {
        &self.sim
    }

    /// Stops the server: no new connections, open connections closed, all
    /// threads joined.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        let Some(acceptor) = self.acceptor.take() else {
            return;
        };
        self.inner.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept with a connection of our own.
        let woken = TcpStream::connect_timeout(&self.local_addr, Duration::from_secs(2)).is_ok();
        if woken {
            let _ = acceptor.join();
        }
        for (_, stream) in lock(&self.inner.connections).drain() {
            let _ = stream.shutdown(Shutdown::Both);
        }
        let workers: Vec<_> = lock(&self.inner.workers).drain(..).collect();
        for worker in workers {
            let _ = worker.join();
        }
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// The address a client can connect to (loopback for a wildcard bind).
fn reachable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::from((Ipv4Addr::LOCALHOST, addr.port()))
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::from((Ipv6Addr::LOCALHOST, addr.port()))
        }
        _ => addr,
    }
}

fn accept_loop(listener: &TcpListener, sim: &SharedSimulator, inner: &Arc<Inner>) {
    let mut refused: VecDeque<Refused> = VecDeque::new();
    for conn in listener.incoming() {
        if inner.stop.load(Ordering::SeqCst) {
            break;
        }
        refused.retain_mut(Refused::still_open);
        let Ok(stream) = conn else {
            thread::sleep(Duration::from_millis(10));
            continue;
        };
        // Only this thread adds connections, so the count cannot overshoot.
        if lock(&inner.connections).len() >= inner.config.cap() {
            if let Some(lingering) = refuse(stream, inner.config.cap()) {
                if refused.len() >= MAX_LINGERING {
                    refused.pop_front();
                }
                refused.push_back(lingering);
            }
            continue;
        }
        let id = inner.next_id.fetch_add(1, Ordering::Relaxed);
        let Ok(registered) = stream.try_clone() else {
            continue;
        };
        lock(&inner.connections).insert(id, registered);
        let (sim, worker_inner) = (sim.clone(), Arc::clone(inner));
        let spawned = thread::Builder::new()
            .name("okta-factors-sim-conn".into())
            .spawn(move || serve_connection(id, stream, &sim, &worker_inner));
        match spawned {
            Ok(handle) => {
                let mut workers = lock(&inner.workers);
                let (done, running): (Vec<_>, Vec<_>) =
                    workers.drain(..).partition(JoinHandle::is_finished);
                *workers = running;
                workers.push(handle);
                drop(workers);
                for handle in done {
                    let _ = handle.join();
                }
            }
            Err(_) => {
                if let Some(stream) = lock(&inner.connections).remove(&id) {
                    let _ = stream.shutdown(Shutdown::Both);
                }
            }
        }
    }
}

/// A connection answered `503`, kept open a moment to read what the client
/// still sends.
struct Refused {
    stream: TcpStream,
    until: Instant,
}

impl Refused {
    /// Reads what arrived without blocking; whether to keep the connection.
    fn still_open(&mut self) -> bool {
        let mut scratch = [0u8; 4096];
        for _ in 0..16 {
            match self.stream.read(&mut scratch) {
                Ok(0) => return false,
                Ok(_) => continue,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(_) => return false,
            }
        }
        Instant::now() < self.until
    }
}

/// Answers a connection past the cap with `503` and half-closes it, without
/// blocking the accepting thread.
fn refuse(stream: TcpStream, cap: usize) -> Option<Refused> {
    stream.set_nonblocking(true).ok()?;
    let mut refused = Refused {
        stream,
        until: Instant::now() + REFUSED_LINGER,
    };
    if !refused.still_open() {
        return None;
    }
    let body = serde_json::json!({
        "errorCode": "E0000009",
        "errorSummary": format!(
            "Service unavailable: the simulator serves at most {cap} connections at once. Try again later."
        ),
        "errorLink": "E0000009",
        "errorCauses": [],
    })
    .to_string();
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         retry-after: 1\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    // A fresh socket's send buffer takes this at once; if not, just close.
    refused.stream.write_all(response.as_bytes()).ok()?;
    refused.stream.shutdown(Shutdown::Write).ok()?;
    Some(refused)
}

/// The read half of a connection: no read waits past `deadline`.
struct Deadline {
    stream: TcpStream,
    /// `None`: no deadline (an idle timeout too large to represent).
    deadline: Option<Instant>,
}

impl Read for Deadline {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let timeout = match self.deadline {
            None => None,
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(io::ErrorKind::TimedOut.into());
                }
                Some(left)
            }
        };
        self.stream.set_read_timeout(timeout)?;
        self.stream.read(buf)
    }
}

/// Why a request could not be read.
enum ReadError {
    /// The connection broke or closed mid-request: just close it.
    Io,
    /// A malformed request: answer this status, then close.
    Bad(StatusCode, &'static str),
}

impl From<io::Error> for ReadError {
    fn from(_: io::Error) -> Self {
        Self::Io
    }
}

struct Incoming {
    request: Request<Vec<u8>>,
    keep_alive: bool,
}

fn serve_connection(id: u64, mut stream: TcpStream, sim: &SharedSimulator, inner: &Inner) {
    if let Ok(read_half) = stream.try_clone() {
        serve_requests(read_half, &mut stream, sim, inner);
    }
    // Leave the count before closing: a client that sees the close can
    // connect again at once.
    lock(&inner.connections).remove(&id);
    let _ = stream.shutdown(Shutdown::Both);
}

fn serve_requests(
    read_half: TcpStream,
    writer: &mut TcpStream,
    sim: &SharedSimulator,
    inner: &Inner,
) {
    let idle = inner.config.idle();
    let _ = writer.set_nodelay(true);
    let _ = writer.set_write_timeout(Some(idle));
    let mut reader = BufReader::new(Deadline {
        stream: read_half,
        deadline: None,
    });
    loop {
        if inner.stop.load(Ordering::SeqCst) {
            break;
        }
        // The whole next request must arrive within the idle timeout.
        reader.get_mut().deadline = Instant::now().checked_add(idle);
        let incoming = match read_request(&mut reader, writer) {
            Ok(Some(incoming)) => incoming,
            Ok(None) | Err(ReadError::Io) => break,
            Err(ReadError::Bad(status, why)) => {
                let _ = write_protocol_error(writer, status, why);
                break;
            }
        };
        let head = incoming.request.method() == Method::HEAD;
        // An API request is in flight (for the concurrent limit) from here
        // until its response is written.
        let (response, in_flight) = match control_response(&incoming.request, sim) {
            Some(response) => (response, None),
            None => {
                let (response, in_flight) = sim.begin_request(incoming.request);
                (response, Some(in_flight))
            }
        };
        if let Some(ResponseDelay(delay)) = response.extensions().get::<ResponseDelay>() {
            sleep_unless_stopped(*delay, &inner.stop);
        }
        let written = write_response(writer, &response, incoming.keep_alive, head, idle);
        drop(in_flight);
        if written.is_err() || !incoming.keep_alive {
            break;
        }
    }
}

/// The path of the rate-limit counters: `GET` answers
/// [`RateLimitStats::to_json`](crate::RateLimitStats::to_json), `DELETE`
/// zeroes them (`204`).
pub(crate) const RATE_LIMITS_PATH: &str = "/_sim/rate-limits";

/// The server's own control endpoints (not part of Okta's API: no token,
/// no rate limit); `None` for every other request.
fn control_response(
    request: &Request<Vec<u8>>,
    sim: &SharedSimulator,
) -> Option<Response<Vec<u8>>> {
    if request.uri().path() != RATE_LIMITS_PATH {
        return None;
    }
    let method = request.method();
    let (status, body) = if method == Method::GET || method == Method::HEAD {
        (StatusCode::OK, Some(sim.rate_limit_stats().to_json()))
    } else if method == Method::DELETE {
        sim.reset_rate_limit_stats();
        (StatusCode::NO_CONTENT, None)
    } else {
        (StatusCode::METHOD_NOT_ALLOWED, None)
    };
    let mut response = Response::new(body.clone().unwrap_or_default().into_bytes());
    *response.status_mut() = status;
    let headers = response.headers_mut();
    if body.is_some() {
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    if status == StatusCode::METHOD_NOT_ALLOWED {
        headers.insert(
            http::header::ALLOW,
            HeaderValue::from_static("GET, HEAD, DELETE"),
        );
    }
    headers.insert(
        http::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    Some(response)
}

fn sleep_unless_stopped(delay: Duration, stop: &AtomicBool) {
    let start = Instant::now();
    while !stop.load(Ordering::SeqCst) {
        let left = delay.saturating_sub(start.elapsed());
        if left.is_zero() {
            break;
        }
        thread::sleep(left.min(Duration::from_millis(10)));
    }
}

/// One line without its CRLF (or LF); `None` at a clean end of stream.
fn read_line(reader: &mut impl BufRead, limit: usize) -> Result<Option<Vec<u8>>, ReadError> {
    let mut line = Vec::new();
    let n = reader
        .by_ref()
        .take(limit as u64 + 2)
        .read_until(b'\n', &mut line)?;
    if n == 0 {
        return Ok(None);
    }
    if line.last() != Some(&b'\n') {
        return Err(if line.len() > limit {
            ReadError::Bad(StatusCode::BAD_REQUEST, "line too long")
        } else {
            ReadError::Io
        });
    }
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(Some(line))
}

fn bad(why: &'static str) -> ReadError {
    ReadError::Bad(StatusCode::BAD_REQUEST, why)
}

fn read_request(
    reader: &mut BufReader<Deadline>,
    writer: &mut TcpStream,
) -> Result<Option<Incoming>, ReadError> {
    // Request line (tolerating a few empty lines before it).
    let mut request_line = None;
    for _ in 0..4 {
        match read_line(reader, MAX_LINE)? {
            None => return Ok(None),
            Some(line) if line.is_empty() => continue,
            Some(line) => {
                request_line = Some(line);
                break;
            }
        }
    }
    let request_line = request_line.ok_or_else(|| bad("missing request line"))?;
    let text = std::str::from_utf8(&request_line).map_err(|_| bad("request line is not UTF-8"))?;
    let mut parts = text.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("malformed request line"));
    };
    let method = Method::from_bytes(method.as_bytes()).map_err(|_| bad("invalid method"))?;
    let version = match version {
        "HTTP/1.1" => Version::HTTP_11,
        "HTTP/1.0" => Version::HTTP_10,
        v if !v.starts_with("HTTP/") => return Err(bad("malformed request line")),
        _ => {
            return Err(ReadError::Bad(
                StatusCode::HTTP_VERSION_NOT_SUPPORTED,
                "only HTTP/1.0 and HTTP/1.1 are supported",
            ))
        }
    };
    let uri: Uri = target.parse().map_err(|_| bad("invalid request target"))?;

    let mut headers = HeaderMap::new();
    loop {
        let line = read_line(reader, MAX_LINE)?.ok_or(ReadError::Io)?;
        if line.is_empty() {
            break;
        }
        if headers.len() >= MAX_HEADERS {
            return Err(ReadError::Bad(
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "too many headers",
            ));
        }
        if line.first().is_some_and(|b| *b == b' ' || *b == b'\t') {
            return Err(bad("obsolete header folding"));
        }
        let colon = line
            .iter()
            .position(|b| *b == b':')
            .ok_or_else(|| bad("header line without a colon"))?;
        let (name, value) = line.split_at(colon);
        let name = HeaderName::from_bytes(name).map_err(|_| bad("invalid header name"))?;
        let value = HeaderValue::from_bytes(value.get(1..).unwrap_or_default().trim_ascii())
            .map_err(|_| bad("invalid header value"))?;
        headers.append(name, value);
    }

    let connection: Vec<String> = headers
        .get_all(CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().to_ascii_lowercase())
        .collect();
    let mut keep_alive = match version {
        Version::HTTP_10 => connection.iter().any(|t| t == "keep-alive"),
        _ => !connection.iter().any(|t| t == "close"),
    };
    let expects_continue = version == Version::HTTP_11
        && headers
            .get(EXPECT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("100-continue"));

    let transfer_encoding: Vec<String> = headers
        .get_all(TRANSFER_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().to_ascii_lowercase())
        .filter(|t| !t.is_empty())
        .collect();
    let body = if !transfer_encoding.is_empty() {
        if transfer_encoding.last().map(String::as_str) != Some("chunked") {
            return Err(bad("unsupported transfer coding"));
        }
        // With both Transfer-Encoding and Content-Length, close afterwards.
        if headers.contains_key(CONTENT_LENGTH) {
            keep_alive = false;
        }
        if expects_continue {
            send_continue(writer)?;
        }
        read_chunked(reader)?
    } else {
        let mut lengths = headers
            .get_all(CONTENT_LENGTH)
            .iter()
            .flat_map(|v| v.to_str().ok().into_iter().flat_map(|v| v.split(',')))
            .map(|v| v.trim().parse::<u64>());
        let first = lengths.next();
        let length = match first {
            None => 0,
            Some(Ok(n)) => {
                if lengths.any(|other| other.ok() != Some(n)) {
                    return Err(bad("conflicting Content-Length values"));
                }
                n
            }
            Some(Err(_)) => return Err(bad("invalid Content-Length")),
        };
        let length = usize::try_from(length).unwrap_or(usize::MAX);
        if length > MAX_BODY {
            return Err(ReadError::Bad(
                StatusCode::PAYLOAD_TOO_LARGE,
                "request body too large",
            ));
        }
        if expects_continue && length > 0 {
            send_continue(writer)?;
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        body
    };

    let mut request = Request::new(body);
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    *request.version_mut() = version;
    *request.headers_mut() = headers;
    Ok(Some(Incoming {
        request,
        keep_alive,
    }))
}

fn send_continue(writer: &mut TcpStream) -> Result<(), ReadError> {
    writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    writer.flush()?;
    Ok(())
}

fn read_chunked(reader: &mut impl BufRead) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::new();
    loop {
        let line = read_line(reader, MAX_LINE)?.ok_or(ReadError::Io)?;
        let text = std::str::from_utf8(&line).map_err(|_| bad("invalid chunk size"))?;
        let size = text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size, 16).map_err(|_| bad("invalid chunk size"))?;
        if size == 0 {
            // Trailers, up to the empty line.
            for _ in 0..=MAX_HEADERS {
                let trailer = read_line(reader, MAX_LINE)?.ok_or(ReadError::Io)?;
                if trailer.is_empty() {
                    return Ok(body);
                }
            }
            return Err(bad("too many trailers"));
        }
        if body.len().saturating_add(size) > MAX_BODY {
            return Err(ReadError::Bad(
                StatusCode::PAYLOAD_TOO_LARGE,
                "request body too large",
            ));
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(body.get_mut(start..).unwrap_or_default())?;
        let end = read_line(reader, 2)?.ok_or(ReadError::Io)?;
        if !end.is_empty() {
            return Err(bad("chunk not followed by CRLF"));
        }
    }
}

fn write_response(
    writer: &mut TcpStream,
    response: &Response<Vec<u8>>,
    keep_alive: bool,
    head: bool,
    idle: Duration,
) -> io::Result<()> {
    let status = response.status();
    let mut out = Vec::with_capacity(512 + response.body().len());
    out.extend_from_slice(
        format!(
            "HTTP/1.1 {} {}\r\n",
            status.as_u16(),
            status.canonical_reason().unwrap_or("")
        )
        .as_bytes(),
    );
    for (name, value) in response.headers() {
        if name == CONTENT_LENGTH || name == TRANSFER_ENCODING || name == CONNECTION {
            continue;
        }
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    let bodyless = status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED
        || status.is_informational();
    if !bodyless {
        out.extend_from_slice(format!("content-length: {}\r\n", response.body().len()).as_bytes());
    }
    if keep_alive {
        out.extend_from_slice(b"connection: keep-alive\r\n");
        if idle.as_secs() > 0 {
            out.extend_from_slice(format!("keep-alive: timeout={}\r\n", idle.as_secs()).as_bytes());
        }
        out.extend_from_slice(b"\r\n");
    } else {
        out.extend_from_slice(b"connection: close\r\n\r\n");
    }
    if !bodyless && !head {
        out.extend_from_slice(response.body());
    }
    writer.write_all(&out)?;
    writer.flush()
}

/// A response to a request that never reached the simulator (malformed HTTP).
fn write_protocol_error(writer: &mut TcpStream, status: StatusCode, why: &str) -> io::Result<()> {
    let body = serde_json::json!({
        "errorCode": "E0000001",
        "errorSummary": format!("Api validation failed: {why}"),
        "errorLink": "E0000001",
        "errorCauses": [],
    })
    .to_string();
    let head = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or(""),
        body.len()
    );
    writer.write_all(head.as_bytes())?;
    writer.write_all(body.as_bytes())?;
    writer.flush()
}
