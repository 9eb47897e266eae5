//! A minimal keep-alive HTTP/1.1 server on `127.0.0.1` that answers every
//! request with the same canned response.
//!
//! The end-to-end benchmarks compare an adapter with its bare transport, so
//! the server must cost as little as possible: one thread per connection, one
//! reused buffer, no allocation per request, no request log, `TCP_NODELAY`.
//! It understands exactly what the clients send: a head ending in
//! `\r\n\r\n`, optionally followed by a `content-length` body (no chunked
//! uploads, no `Expect`); `connection: close` closes after the answer.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};

use crate::fixtures::http1_response;

/// Requests larger than this (head and body) end the connection.
const MAX_REQUEST: usize = 1 << 20;

/// A running server; dropping it stops accepting connections.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    served: Arc<AtomicU64>,
    connections: Arc<AtomicU64>,
    accept: Option<JoinHandle<()>>,
}

impl Server {
    /// Starts a server answering every request with `status` and `body`
    /// (with Okta's headers, see [`crate::fixtures::RESPONSE_HEADERS`]).
    pub fn start(status: u16, body: &[u8]) -> io::Result<Self> {
        Self::start_raw(http1_response(status, body))
    }

    /// Starts a server answering every request with `response`: a whole
    /// HTTP/1.1 response, head and body (e.g. from
    /// [`crate::fixtures::http1_response_with`]).
    pub fn start_raw(response: Vec<u8>) -> io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let response: Arc<[u8]> = response.into();
        let stop = Arc::new(AtomicBool::new(false));
        let served = Arc::new(AtomicU64::new(0));
        let connections = Arc::new(AtomicU64::new(0));
        let accept = {
            let (stop, served, connections) = (
                Arc::clone(&stop),
                Arc::clone(&served),
                Arc::clone(&connections),
            );
            thread::Builder::new()
                .name("bench-server-accept".into())
                .spawn(move || {
                    for stream in listener.incoming() {
                        if stop.load(Ordering::SeqCst) {
                            return;
                        }
                        let Ok(stream) = stream else { continue };
                        connections.fetch_add(1, Ordering::Relaxed);
                        let (served, response) = (Arc::clone(&served), Arc::clone(&response));
                        // A connection that cannot get a thread is dropped (closed).
                        let _ = thread::Builder::new()
                            .name("bench-server-conn".into())
                            .spawn(move || {
                                let _ = serve(stream, &served, &response);
                            });
                    }
                })?
        };
        Ok(Self {
            addr,
            stop,
            served,
            connections,
            accept: Some(accept),
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Requests answered so far.
    pub fn served(&self) -> u64 {
        self.served.load(Ordering::Relaxed)
    }

    /// Connections accepted so far (keep-alive means one per client, or one
    /// per concurrent request in flight).
    pub fn connections(&self) -> u64 {
        self.connections.load(Ordering::Relaxed)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

/// Answers the requests of one connection until the client closes it.
fn serve(mut stream: TcpStream, served: &AtomicU64, response: &[u8]) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let mut buf = vec![0u8; 8 * 1024];
    let mut filled = 0;
    loop {
        // Answer every complete request in the buffer.
        while let Some((len, close)) = complete_request(&buf[..filled]) {
            stream.write_all(response)?;
            served.fetch_add(1, Ordering::Relaxed);
            if close {
                return Ok(());
            }
            buf.copy_within(len..filled, 0);
            filled -= len;
        }
        if filled == buf.len() {
            if buf.len() >= MAX_REQUEST {
                return Ok(());
            }
            buf.resize(buf.len() * 2, 0);
        }
        let n = stream.read(&mut buf[filled..])?;
        if n == 0 {
            return Ok(());
        }
        filled += n;
    }
}

/// If `buf` starts with a whole request: its length and whether the client
/// asked to close the connection.
fn complete_request(buf: &[u8]) -> Option<(usize, bool)> {
    let head_end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = &buf[..head_end];
    let mut body_len = 0;
    let mut close = false;
    for line in head.split(|&b| b == b'\n').skip(1) {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let (name, value) = (&line[..colon], line[colon + 1..].trim_ascii());
        if name.eq_ignore_ascii_case(b"content-length") {
            body_len = std::str::from_utf8(value).ok()?.parse().ok()?;
        } else if name.eq_ignore_ascii_case(b"connection") {
            close = value.eq_ignore_ascii_case(b"close");
        }
    }
    let len = head_end + 4 + body_len;
    (buf.len() >= len).then_some((len, close))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufRead;

    #[test]
    fn complete_request_waits_for_the_body() {
        let head = b"POST /x HTTP/1.1\r\nContent-Length: 2\r\n\r\n";
        assert_eq!(complete_request(head), None);
        let mut full = head.to_vec();
        full.extend_from_slice(b"{}GET");
        assert_eq!(complete_request(&full), Some((head.len() + 2, false)));
        assert_eq!(
            complete_request(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n"),
            Some((37, true))
        );
    }

    #[test]
    fn answers_pipelined_requests_on_one_connection() {
        let server = Server::start(200, b"{\"ok\":true}").unwrap();
        let mut stream = TcpStream::connect(server.addr).unwrap();
        stream
            .write_all(b"GET /a HTTP/1.1\r\nhost: x\r\n\r\nGET /b HTTP/1.1\r\nhost: x\r\n\r\n")
            .unwrap();
        let mut reader = io::BufReader::new(stream);
        for _ in 0..2 {
            let mut status = String::new();
            reader.read_line(&mut status).unwrap();
            assert_eq!(status, "HTTP/1.1 200 OK\r\n");
            let mut length = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if line == "\r\n" {
                    break;
                }
                if let Some(v) = line.strip_prefix("content-length: ") {
                    length = v.trim().parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            assert_eq!(body, b"{\"ok\":true}");
        }
        // The server counts a request after writing its response, so the
        // count may trail the bytes read here by a moment.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while server.served() < 2 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        assert_eq!(server.served(), 2);
    }
}
