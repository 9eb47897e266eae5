//! Rate limits through the real server: the concurrent-request limit under
//! many threads, exact counters under 64 concurrent connections, and the
//! control endpoint `/_sim/rate-limits`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use okta_factors_sim::{RateLimitStats, SimServer, SimulatorConfig};
use serde_json::Value;

const TOKEN: &str = "bench-token";
const LIST: &str = "GET /api/v1/users/{userId}/factors";

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map_or("", |(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// A keep-alive connection.
struct Conn {
    stream: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Conn {
    fn open(addr: SocketAddr) -> Self {
        let stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let reader = BufReader::new(stream.try_clone().unwrap());
        Self { stream, reader }
    }

    fn send(&mut self, method: &str, path: &str, auth: Option<&str>) -> Reply {
        let auth = auth.map_or(String::new(), |a| format!("Authorization: {a}\r\n"));
        write!(
            self.stream,
            "{method} {path} HTTP/1.1\r\nHost: x\r\n{auth}Content-Length: 0\r\n\r\n"
        )
        .unwrap();
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        let status = line.split(' ').nth(1).unwrap().parse().unwrap();
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').unwrap();
            headers.push((name.to_owned(), value.trim().to_owned()));
        }
        let length = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .filter(|_| method != "HEAD")
            .map_or(0, |(_, v)| v.parse().unwrap());
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body).unwrap();
        Reply {
            status,
            headers,
            body,
        }
    }

    fn api(&mut self, path: &str) -> Reply {
        self.send("GET", path, Some(&format!("SSWS {TOKEN}")))
    }
}

#[test]
fn counters_are_exact_under_64_concurrent_connections() {
    // L = 100 per (long) window: whatever the interleaving, exactly 100 of
    // the 64 × 10 requests get through and 540 get 429.
    let server = SimServer::start_new(
        SimulatorConfig::new(TOKEN)
            .per_endpoint_buckets(true)
            .rate_limit(100)
            .rate_limit_window(Duration::from_secs(600)),
    )
    .unwrap();
    let user = server.simulator().create_user("bench@example.com");
    let path = format!("/api/v1/users/{user}/factors");
    let addr = server.local_addr();
    let barrier = Arc::new(Barrier::new(64));
    let threads: Vec<_> = (0..64)
        .map(|_| {
            let (path, barrier) = (path.clone(), Arc::clone(&barrier));
            thread::spawn(move || {
                let mut conn = Conn::open(addr);
                barrier.wait();
                (0..10)
                    .map(|_| conn.api(&path).status)
                    .collect::<Vec<u16>>()
            })
        })
        .collect();
    let statuses: Vec<u16> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let ok = statuses.iter().filter(|s| **s == 200).count() as u64;
    let limited = statuses.iter().filter(|s| **s == 429).count() as u64;
    assert_eq!((ok, limited), (100, 540));

    let stats = server.simulator().rate_limit_stats();
    assert_eq!(stats.allowed(RateLimitStats::API_TOKEN, LIST), ok);
    assert_eq!(stats.served_429s(RateLimitStats::API_TOKEN), limited);
    assert_eq!(stats.window_429s(), limited);

    // The control endpoint answers the same counters as JSON, without a
    // token and without counting itself.
    let mut conn = Conn::open(addr);
    let reply = conn.send("GET", "/_sim/rate-limits", None);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), "application/json");
    let json = reply.json();
    assert_eq!(json["principals"]["api-token"]["window429s"], 540);
    assert_eq!(
        json["principals"]["api-token"]["buckets"][LIST]["allowed"],
        100
    );
    assert_eq!(json["principals"].as_object().unwrap().len(), 1);
    assert!(!String::from_utf8_lossy(&reply.body).contains(TOKEN));
    assert_eq!(conn.send("POST", "/_sim/rate-limits", None).status, 405);
    assert_eq!(conn.send("DELETE", "/_sim/rate-limits", None).status, 204);
    let json = conn.send("GET", "/_sim/rate-limits", None).json();
    assert_eq!(json, serde_json::json!({"principals": {}}));
    server.stop();
}

#[test]
fn the_concurrent_limit_admits_exactly_c_requests_in_flight() {
    // C = 5 and a 2 s service time: 20 requests sent at once, 5 are served,
    // 15 are refused at once with Limit 0 / Remaining 0.
    let server = SimServer::start_new(
        SimulatorConfig::new(TOKEN)
            .concurrent_limit(Some(5))
            .service_time(Duration::from_secs(2)),
    )
    .unwrap();
    let sim = server.simulator().clone();
    let user = sim.create_user("c@example.com");
    let path = format!("/api/v1/users/{user}/factors");
    let addr = server.local_addr();
    let barrier = Arc::new(Barrier::new(20));
    let threads: Vec<_> = (0..20)
        .map(|_| {
            let (path, barrier) = (path.clone(), Arc::clone(&barrier));
            thread::spawn(move || {
                let mut conn = Conn::open(addr);
                barrier.wait();
                let started = std::time::Instant::now();
                let reply = conn.api(&path);
                (reply, started.elapsed())
            })
        })
        .collect();
    let replies: Vec<(Reply, Duration)> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let served: Vec<_> = replies.iter().filter(|(r, _)| r.status == 200).collect();
    let refused: Vec<_> = replies.iter().filter(|(r, _)| r.status == 429).collect();
    assert_eq!((served.len(), refused.len()), (5, 15));
    for (reply, took) in &served {
        assert!(*took >= Duration::from_secs(2), "{took:?}");
        assert_ne!(reply.header("x-rate-limit-limit"), "0");
    }
    for (reply, took) in &refused {
        assert_eq!(reply.header("x-rate-limit-limit"), "0");
        assert_eq!(reply.header("x-rate-limit-remaining"), "0");
        assert!(reply.header("x-rate-limit-reset").parse::<u64>().is_ok());
        assert_eq!(reply.json()["errorCode"], "E0000047");
        assert!(*took < Duration::from_secs(2), "{took:?}");
    }
    let stats = sim.rate_limit_stats();
    let token = stats.principal(RateLimitStats::API_TOKEN);
    assert_eq!(
        (
            token.concurrent_429s,
            token.peak_in_flight,
            token.window_429s
        ),
        (15, 5, 0)
    );
    // Once the responses are written, nothing is in flight any more.
    assert_eq!(sim.requests_in_flight(), 0);
    let mut conn = Conn::open(addr);
    assert_eq!(conn.api(&path).status, 200);
    server.stop();
}

#[test]
fn window_and_concurrent_counters_add_up_under_64_connections() {
    // The benchmark's shape, scaled down: L = 100 per window, C = 25,
    // 64 connections × 10 requests with a short service time. Refused
    // requests do not touch the window, and well over L are admitted, so the
    // window lets exactly L through.
    let server = SimServer::start_new(
        SimulatorConfig::new(TOKEN)
            .per_endpoint_buckets(true)
            .rate_limit(100)
            .rate_limit_window(Duration::from_secs(600))
            .concurrent_limit(Some(25))
            .service_time(Duration::from_millis(20)),
    )
    .unwrap();
    let sim = server.simulator().clone();
    let user = sim.create_user("mix@example.com");
    let path = format!("/api/v1/users/{user}/factors");
    let addr = server.local_addr();
    let barrier = Arc::new(Barrier::new(64));
    let threads: Vec<_> = (0..64)
        .map(|_| {
            let (path, barrier) = (path.clone(), Arc::clone(&barrier));
            thread::spawn(move || {
                let mut conn = Conn::open(addr);
                barrier.wait();
                (0..10)
                    .map(|_| {
                        let r = conn.api(&path);
                        (r.status, r.header("x-rate-limit-limit").to_owned())
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let seen: Vec<(u16, String)> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let count = |status: u16, limit: Option<&str>| {
        seen.iter()
            .filter(|(s, l)| *s == status && limit.is_none_or(|limit| l == limit))
            .count() as u64
    };
    let (ok, window, concurrent) = (
        count(200, None),
        count(429, Some("100")),
        count(429, Some("0")),
    );
    assert_eq!(ok + window + concurrent, 64 * 10);
    assert_eq!(ok, 100, "the window lets exactly L through");
    let stats = sim.rate_limit_stats();
    let token = stats.principal(RateLimitStats::API_TOKEN);
    assert_eq!(stats.allowed(RateLimitStats::API_TOKEN, LIST), ok);
    assert_eq!(token.window_429s, window);
    assert_eq!(token.concurrent_429s, concurrent);
    assert!(token.peak_in_flight <= 25, "{}", token.peak_in_flight);
    assert!(token.peak_in_flight >= 1);
    server.stop();
}
