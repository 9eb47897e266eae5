//! `StdNet`: a third transport, written by hand over `std::net::TcpStream`
//! with nothing but the facade's traits: plain HTTP/1.1 (no TLS), one
//! connection per request. Shared by `bring_your_own_transport.rs` and the
//! behaviour suite (`behaviour/`), which runs every behaviour test over it as
//! over ureq and hyper.
//!
//! What the [`SyncTransport`] contract asks, and how this meets it:
//! * the request goes out exactly as given (method, target, headers, body),
//!   plus `Host`, `Connection: close` and, for a body, `Content-Length`;
//! * the whole exchange ends within `limits.timeout` (one deadline for the
//!   connect, the writes and every read), else `Timeout(Request)`;
//! * the body (`Content-Length`, chunked, or up to the close) is read up to
//!   `limits.max_response_bytes`, else `BodyTooLarge { limit }`;
//! * every status is a response (no redirect is followed); a refused
//!   connection is `Connect`, a broken one `Io`, a peer that does not speak
//!   HTTP/1.x `Protocol`.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use okta_factors::bytes::Bytes;
use okta_factors::http::header::{CONTENT_LENGTH, HOST};
use okta_factors::http::{HeaderName, HeaderValue, Method, Request, Response, StatusCode};
use okta_factors::{
    BuildTransport, Error, Limits, SyncTransport, TimeoutLimit, TransportConfig, TransportError,
    TransportErrorKind,
};

/// Largest response head (status line and headers) accepted.
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// The transport: HTTP/1.1 over `std::net`, for `http://` orgs only.
#[derive(Debug, Clone)]
pub(crate) struct StdNet {
    /// Time limit to establish a connection (within the request's own).
    pub(crate) connect_timeout: Duration,
}

impl Default for StdNet {
    fn default() -> Self {
        Self {
            connect_timeout: TransportConfig::default().connect_timeout,
        }
    }
}

/// `BlockingClient::<StdNet>::new(..)` and `::builder(..).build()` work too.
impl BuildTransport for StdNet {
    fn build(config: &TransportConfig) -> Result<Self, Error> {
        Ok(Self {
            connect_timeout: config.connect_timeout,
        })
    }
}

impl SyncTransport for StdNet {
    fn send(
        &self,
        request: Request<Vec<u8>>,
        limits: Limits,
    ) -> Result<Response<Bytes>, TransportError> {
        let deadline = Deadline(Instant::now() + limits.timeout, limits.timeout);
        let mut stream = self.connect(&request, &deadline)?;
        write_request(&mut stream, &request, &deadline)?;
        let mut reader = Reader {
            stream,
            deadline,
            buf: Vec::new(),
            pos: 0,
        };
        read_response(&mut reader, request.method(), limits.max_response_bytes)
            .map(|response| response.map(Bytes::from))
    }
}

impl StdNet {
    /// Resolves the authority and connects to its first address that answers.
    fn connect(
        &self,
        request: &Request<Vec<u8>>,
        deadline: &Deadline,
    ) -> Result<TcpStream, TransportError> {
        let uri = request.uri();
        if uri.scheme_str() != Some("http") {
            return Err(error(
                TransportErrorKind::Other,
                "this transport speaks plain http only",
            ));
        }
        let host = uri.host().unwrap_or_default();
        let port = uri.port_u16().unwrap_or(80);
        let addrs: Vec<SocketAddr> = (host.trim_start_matches('[').trim_end_matches(']'), port)
            .to_socket_addrs()
            .map_err(|e| error(TransportErrorKind::Dns, "host lookup failed").with_source(e))?
            .collect();
        let mut last = error(TransportErrorKind::Dns, "the host has no address");
        for addr in addrs {
            let remaining = deadline.remaining()?;
            let limit = self.connect_timeout.min(remaining);
            match TcpStream::connect_timeout(&addr, limit) {
                Ok(stream) => {
                    // Small requests and responses: no Nagle delay.
                    let _ = stream.set_nodelay(true);
                    return Ok(stream);
                }
                Err(e) if is_timeout(&e) => {
                    let which = if limit < self.connect_timeout {
                        TimeoutLimit::Request
                    } else {
                        TimeoutLimit::Connect
                    };
                    last = error(
                        TransportErrorKind::Timeout(which),
                        format!("connect to {addr} timed out"),
                    )
                    .with_source(e);
                }
                Err(e) => {
                    last = error(
                        TransportErrorKind::Connect,
                        format!("connect to {addr} failed"),
                    )
                    .with_source(e);
                }
            }
        }
        Err(last)
    }
}

/// The end of the exchange, and its length (for messages).
struct Deadline(Instant, Duration);

impl Deadline {
    /// Time left, or the request's timeout error.
    fn remaining(&self) -> Result<Duration, TransportError> {
        let left = self.0.saturating_duration_since(Instant::now());
        if left.is_zero() {
            Err(self.expired())
        } else {
            Ok(left)
        }
    }

    fn expired(&self) -> TransportError {
        error(
            TransportErrorKind::Timeout(TimeoutLimit::Request),
            format!("request timeout of {} ms reached", self.1.as_millis()),
        )
    }

    /// An I/O error as a transport error: a timeout of a read or write is the
    /// request's timeout (they are set to the time left).
    fn io(&self, e: io::Error, doing: &str) -> TransportError {
        if is_timeout(&e) {
            self.expired().with_source(e)
        } else {
            error(
                TransportErrorKind::Io,
                format!("{doing}: connection failed"),
            )
            .with_source(e)
        }
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
    )
}

fn error(kind: TransportErrorKind, message: impl Into<String>) -> TransportError {
    TransportError::new(kind, message)
}

/// Writes the head (the request's headers as given, plus `Host`,
/// `Connection: close` and the body's `Content-Length`) and the body.
fn write_request(
    stream: &mut TcpStream,
    request: &Request<Vec<u8>>,
    deadline: &Deadline,
) -> Result<(), TransportError> {
    let target = request.uri().path_and_query().map_or("/", |p| p.as_str());
    let mut head = Vec::with_capacity(512);
    head.extend_from_slice(format!("{} {target} HTTP/1.1\r\n", request.method()).as_bytes());
    let headers = request.headers();
    if !headers.contains_key(HOST) {
        let authority = request.uri().authority().map_or("", |a| a.as_str());
        head.extend_from_slice(format!("host: {authority}\r\n").as_bytes());
    }
    for (name, value) in headers {
        head.extend_from_slice(name.as_str().as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    if !request.body().is_empty() && !headers.contains_key(CONTENT_LENGTH) {
        head.extend_from_slice(format!("content-length: {}\r\n", request.body().len()).as_bytes());
    }
    head.extend_from_slice(b"connection: close\r\n\r\n");
    head.extend_from_slice(request.body());
    stream
        .set_write_timeout(Some(deadline.remaining()?))
        .map_err(|e| deadline.io(e, "setting the write timeout"))?;
    stream
        .write_all(&head)
        .and_then(|()| stream.flush())
        .map_err(|e| deadline.io(e, "sending the request"))
}

/// Buffered reads from the connection, each within the time left.
struct Reader {
    stream: TcpStream,
    deadline: Deadline,
    buf: Vec<u8>,
    pos: usize,
}

impl Reader {
    /// Reads more bytes into the buffer; `Ok(false)` at the end of the stream.
    fn fill(&mut self) -> Result<bool, TransportError> {
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        let remaining = self.deadline.remaining()?;
        self.stream
            .set_read_timeout(Some(remaining))
            .map_err(|e| self.deadline.io(e, "setting the read timeout"))?;
        let mut chunk = [0u8; 8192];
        loop {
            match self.stream.read(&mut chunk) {
                Ok(0) => return Ok(false),
                Ok(n) => {
                    self.buf.extend_from_slice(&chunk[..n]);
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.deadline.io(e, "reading the response")),
            }
        }
    }

    fn buffered(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    /// One line (without its CRLF), of at most `max` bytes.
    fn line(&mut self, max: usize) -> Result<Vec<u8>, TransportError> {
        loop {
            if let Some(at) = self.buffered().windows(2).position(|w| w == b"\r\n") {
                let line = self.buffered()[..at].to_vec();
                self.pos += at + 2;
                return Ok(line);
            }
            if self.buffered().len() > max {
                return Err(error(
                    TransportErrorKind::Protocol,
                    "response line too long",
                ));
            }
            if !self.fill()? {
                return Err(closed("before the response was complete"));
            }
        }
    }

    /// Exactly `n` bytes.
    fn exact(&mut self, n: usize, body: &mut Vec<u8>) -> Result<(), TransportError> {
        while self.buffered().len() < n {
            if !self.fill()? {
                return Err(closed("in the middle of the body"));
            }
        }
        body.extend_from_slice(&self.buffered()[..n]);
        self.pos += n;
        Ok(())
    }
}

fn closed(when: &str) -> TransportError {
    error(
        TransportErrorKind::Io,
        format!("the server closed the connection {when}"),
    )
}

fn too_large(limit: usize) -> TransportError {
    error(
        TransportErrorKind::BodyTooLarge { limit },
        format!("response body larger than {limit} bytes"),
    )
}

fn protocol(message: &str) -> TransportError {
    error(TransportErrorKind::Protocol, message)
}

/// Reads the status line, the headers and the body (skipping `1xx` heads).
fn read_response(
    reader: &mut Reader,
    method: &Method,
    limit: usize,
) -> Result<Response<Vec<u8>>, TransportError> {
    let mut response = loop {
        let response = read_head(reader)?;
        if !response.status().is_informational() {
            break response;
        }
    };
    let status = response.status();
    let headers = response.headers();
    let chunked = headers
        .get_all("transfer-encoding")
        .iter()
        .any(|v| v.as_bytes().eq_ignore_ascii_case(b"chunked"));
    let length = match headers.get(CONTENT_LENGTH) {
        Some(v) => Some(
            std::str::from_utf8(v.as_bytes())
                .ok()
                .and_then(|v| v.trim().parse::<usize>().ok())
                .ok_or_else(|| protocol("invalid Content-Length"))?,
        ),
        None => None,
    };
    let mut body = Vec::new();
    if method == Method::HEAD
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED
    {
        // No body.
    } else if chunked {
        read_chunked(reader, limit, &mut body)?;
    } else if let Some(length) = length {
        if length > limit {
            return Err(too_large(limit));
        }
        reader.exact(length, &mut body)?;
    } else {
        // Delimited by the end of the connection.
        loop {
            if reader.buffered().len() > limit {
                return Err(too_large(limit));
            }
            if !reader.fill()? {
                break;
            }
        }
        body.extend_from_slice(reader.buffered());
    }
    *response.body_mut() = body;
    Ok(response)
}

fn read_head(reader: &mut Reader) -> Result<Response<Vec<u8>>, TransportError> {
    let status_line = reader.line(MAX_HEAD_BYTES).map_err(|e| {
        if e.kind == TransportErrorKind::Io && reader.buffered().is_empty() {
            closed("without answering")
        } else {
            e
        }
    })?;
    let status_line = std::str::from_utf8(&status_line).map_err(|_| protocol("not HTTP"))?;
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    let code = parts.next().unwrap_or_default();
    if !matches!(version, "HTTP/1.1" | "HTTP/1.0") || code.len() != 3 {
        return Err(protocol("the peer did not answer with HTTP/1.x"));
    }
    let status = code
        .parse::<u16>()
        .ok()
        .and_then(|c| StatusCode::from_u16(c).ok())
        .ok_or_else(|| protocol("invalid status code"))?;
    let mut response = Response::new(Vec::new());
    *response.status_mut() = status;
    let mut head_len = status_line.len();
    loop {
        let line = reader.line(MAX_HEAD_BYTES)?;
        head_len += line.len() + 2;
        if head_len > MAX_HEAD_BYTES {
            return Err(protocol("response head too large"));
        }
        if line.is_empty() {
            return Ok(response);
        }
        let colon = line
            .iter()
            .position(|&b| b == b':')
            .ok_or_else(|| protocol("invalid header line"))?;
        let name =
            HeaderName::from_bytes(&line[..colon]).map_err(|_| protocol("invalid header name"))?;
        let value = HeaderValue::from_bytes(line[colon + 1..].trim_ascii())
            .map_err(|_| protocol("invalid header value"))?;
        response.headers_mut().append(name, value);
    }
}

/// A chunked body, at most `limit` bytes of data; trailers are skipped.
fn read_chunked(
    reader: &mut Reader,
    limit: usize,
    body: &mut Vec<u8>,
) -> Result<(), TransportError> {
    loop {
        let line = reader.line(1024)?;
        let size = std::str::from_utf8(&line)
            .ok()
            .map(|l| l.split(';').next().unwrap_or_default().trim())
            .and_then(|hex| usize::from_str_radix(hex, 16).ok())
            .ok_or_else(|| protocol("invalid chunk size"))?;
        if size == 0 {
            // Trailers, up to the empty line.
            while !reader.line(MAX_HEAD_BYTES)?.is_empty() {}
            return Ok(());
        }
        if body.len().saturating_add(size) > limit {
            return Err(too_large(limit));
        }
        reader.exact(size, body)?;
        if !reader.line(2)?.is_empty() {
            return Err(protocol("invalid chunk end"));
        }
    }
}
