//! `SimServer` over a raw `TcpStream`: keep-alive, chunked bodies,
//! `Expect: 100-continue`, malformed requests, slow faults, stop.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use okta_factors_sim::{
    Fault, ManualClock, ServerConfig, SharedSimulator, SimServer, Simulator, SimulatorConfig,
};
use serde_json::Value;

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

fn read_reply(reader: &mut BufReader<TcpStream>) -> Reply {
    read_reply_to(reader, false)
}

/// A reply; to a `HEAD` request, without reading a body.
fn read_reply_to(reader: &mut BufReader<TcpStream>, head: bool) -> Reply {
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let status = line.split(' ').nth(1).unwrap().parse().unwrap();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
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
        .filter(|_| !head)
        .map_or(0, |(_, v)| v.parse().unwrap());
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    Reply {
        status,
        headers,
        body,
    }
}

fn connect(addr: SocketAddr) -> (TcpStream, BufReader<TcpStream>) {
    let stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let reader = BufReader::new(stream.try_clone().unwrap());
    (stream, reader)
}

#[test]
fn serves_http_with_keep_alive_and_chunked_bodies() {
    let clock = ManualClock::default();
    let sim = SharedSimulator::new(Simulator::with_clock(
        SimulatorConfig::new("tok"),
        clock.clone(),
    ));
    let user = sim.create_user("alice@example.com");
    let server = SimServer::start(sim.clone(), "127.0.0.1:0".parse().unwrap()).unwrap();
    assert!(server.url().starts_with("http://127.0.0.1:"));
    let port = server.local_addr().port();
    let (mut conn, mut reader) = connect(server.local_addr());

    // 1. GET on a keep-alive connection.
    write!(
        conn,
        "GET /api/v1/users/{user}/factors/questions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: SSWS tok\r\n\r\n"
    )
    .unwrap();
    let reply = read_reply(&mut reader);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(reply.header("connection"), Some("keep-alive"));
    assert_eq!(reply.header("date"), Some("Mon, 01 Jan 2024 00:00:00 GMT"));
    assert!(reply.header("x-okta-request-id").is_some());
    assert_eq!(reply.json().as_array().unwrap().len(), 19);

    // 2. POST with a chunked body on the same connection; links use the Host.
    let body = r#"{"factorType":"push","provider":"OKTA"}"#;
    let (a, b) = body.split_at(10);
    write!(
        conn,
        "POST /api/v1/users/{user}/factors HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: SSWS tok\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n\
         {:x};ext=1\r\n{a}\r\n{:x}\r\n{b}\r\n0\r\nX-Trailer: 1\r\n\r\n",
        a.len(),
        b.len()
    )
    .unwrap();
    let reply = read_reply(&mut reader);
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let json = reply.json();
    let factor = json["id"].as_str().unwrap().to_owned();
    assert_eq!(
        json["_links"]["self"]["href"],
        format!("{}/api/v1/users/{user}/factors/{factor}", server.url())
    );

    // 3. Content-Length body with Expect: 100-continue.
    let body = r#"{"factorType":"question","provider":"OKTA","profile":{"question":"first_award","answer":"chess"}}"#;
    write!(
        conn,
        "POST /api/v1/users/{user}/factors HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: SSWS tok\r\n\
         Expect: 100-continue\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert_eq!(line, "HTTP/1.1 100 Continue\r\n");
    reader.read_line(&mut line).unwrap();
    conn.write_all(body.as_bytes()).unwrap();
    let reply = read_reply(&mut reader);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["status"], "ACTIVE");

    // 4. DELETE: 204 without a body or Content-Type, then close.
    write!(
        conn,
        "DELETE /api/v1/users/{user}/factors/{factor} HTTP/1.1\r\nHost: x\r\nAuthorization: SSWS tok\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let reply = read_reply(&mut reader);
    assert_eq!(reply.status, 204);
    assert!(reply.header("content-type").is_none());
    assert_eq!(reply.header("connection"), Some("close"));
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());

    // 5. Malformed HTTP: 400 and close.
    let (mut conn, mut reader) = connect(server.local_addr());
    conn.write_all(b"NOT A REQUEST\r\n\r\n").unwrap();
    let reply = read_reply(&mut reader);
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["errorCode"], "E0000001");

    // 6. A slow fault delays the response; the simulator stays usable meanwhile.
    sim.inject(Fault::Slow {
        delay: Duration::from_millis(200),
        count: 1,
    });
    let (mut conn, mut reader) = connect(server.local_addr());
    let started = Instant::now();
    write!(
        conn,
        "GET /api/v1/users/{user}/factors HTTP/1.1\r\nHost: x\r\nAuthorization: SSWS tok\r\n\r\n"
    )
    .unwrap();
    let reply = read_reply(&mut reader);
    assert_eq!(reply.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(200));

    // 7. Stop: the open keep-alive connection is closed, threads joined.
    let addr = server.local_addr();
    server.stop();
    let mut rest = Vec::new();
    let _ = reader.read_to_end(&mut rest);
    assert!(rest.is_empty());
    assert!(TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_err());
}

#[test]
fn start_new_sets_the_base_url_and_stops_on_drop() {
    let addr;
    {
        let server = SimServer::start_new(SimulatorConfig::new("tok")).unwrap();
        addr = server.local_addr();
        let user = server.simulator().create_user("bob@example.com");
        assert_eq!(
            server.simulator().lock().config().base_url.as_deref(),
            Some(server.url())
        );
        let (mut conn, mut reader) = connect(addr);
        write!(
            conn,
            "POST /api/v1/users/{user}/factors HTTP/1.0\r\nHost: other\r\nAuthorization: SSWS tok\r\nContent-Length: 2\r\n\r\n{{}}"
        )
        .unwrap();
        let reply = read_reply(&mut reader);
        assert_eq!(reply.status, 400);
        assert_eq!(reply.header("connection"), Some("close"));
    }
    assert!(TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_err());
}

#[test]
fn caps_connections_with_503_and_closes_idle_ones() {
    let sim = SharedSimulator::new(Simulator::new(SimulatorConfig::new("tok")));
    let user = sim.create_user("carol@example.com");
    let idle = Duration::from_millis(1500);
    let config = ServerConfig::default()
        .max_connections(3)
        .idle_timeout(idle);
    let server = SimServer::start_with(sim, "127.0.0.1:0".parse().unwrap(), config).unwrap();
    let request = format!(
        "GET /api/v1/users/{user}/factors HTTP/1.1\r\nHost: x\r\nAuthorization: SSWS tok\r\n\r\n"
    );

    // Fill the cap with keep-alive connections (each served once, so each
    // is known to be open on the server side).
    let mut held: Vec<_> = (0..3).map(|_| connect(server.local_addr())).collect();
    for (conn, reader) in &mut held {
        conn.write_all(request.as_bytes()).unwrap();
        let reply = read_reply(reader);
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("connection"), Some("keep-alive"));
    }

    // Past the cap: 503 at once, then closed.
    for _ in 0..5 {
        let (mut conn, mut reader) = connect(server.local_addr());
        conn.write_all(request.as_bytes()).unwrap();
        let reply = read_reply(&mut reader);
        assert_eq!(reply.status, 503);
        assert_eq!(reply.header("connection"), Some("close"));
        assert_eq!(reply.header("retry-after"), Some("1"));
        assert_eq!(reply.json()["errorCode"], "E0000009");
        let mut rest = Vec::new();
        reader.read_to_end(&mut rest).unwrap();
        assert!(rest.is_empty());
    }

    // The open connections are still served.
    let (conn, reader) = &mut held[0];
    conn.write_all(request.as_bytes()).unwrap();
    assert_eq!(read_reply(reader).status, 200);

    // Idle past the timeout: the server closes them (EOF, no response).
    let started = Instant::now();
    for (_, reader) in &mut held {
        let mut rest = Vec::new();
        reader.read_to_end(&mut rest).unwrap();
        assert!(rest.is_empty());
    }
    let waited = started.elapsed();
    assert!(waited >= idle / 2, "closed after {waited:?}");
    assert!(waited < Duration::from_secs(8), "closed after {waited:?}");

    // Their slots are free again.
    let (mut conn, mut reader) = connect(server.local_addr());
    conn.write_all(request.as_bytes()).unwrap();
    assert_eq!(read_reply(&mut reader).status, 200);
    server.stop();
}

#[test]
fn an_idle_connection_that_never_sends_is_closed() {
    let config = ServerConfig::default().idle_timeout(Duration::from_millis(300));
    let server = SimServer::start_with(
        SharedSimulator::default(),
        "127.0.0.1:0".parse().unwrap(),
        config,
    )
    .unwrap();
    let (_conn, mut reader) = connect(server.local_addr());
    let started = Instant::now();
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
    assert!(started.elapsed() >= Duration::from_millis(200));
    // A half-sent request does not extend the deadline either.
    let (mut conn, mut reader) = connect(server.local_addr());
    conn.write_all(b"GET /api/v1/users/x/factors HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
    server.stop();
}

#[test]
fn head_answers_like_get_without_a_body() {
    let server = SimServer::start_new(SimulatorConfig::new("tok")).unwrap();
    let user = server.simulator().create_user("dave@example.com");
    let qr_path = {
        let (mut conn, mut reader) = connect(server.local_addr());
        let body = r#"{"factorType":"token:software:totp","provider":"GOOGLE"}"#;
        write!(
            conn,
            "POST /api/v1/users/{user}/factors HTTP/1.1\r\nHost: x\r\nAuthorization: SSWS tok\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let json = read_reply(&mut reader).json();
        let href = json["_embedded"]["activation"]["_links"]["qrcode"]["href"]
            .as_str()
            .unwrap()
            .to_owned();
        href.strip_prefix(server.url()).unwrap().to_owned()
    };
    let (mut conn, mut reader) = connect(server.local_addr());
    for path in [
        format!("/api/v1/users/{user}/factors"),
        format!("/api/v1/users/{user}/factors/questions"),
        format!("/api/v1/users/{user}/factors/mblNOPE"),
        qr_path,
    ] {
        // HEAD then GET on one keep-alive connection: if HEAD sent a body, the
        // GET's reply would not parse.
        for method in ["HEAD", "GET"] {
            write!(
                conn,
                "{method} {path} HTTP/1.1\r\nHost: x\r\nAuthorization: SSWS tok\r\n\r\n"
            )
            .unwrap();
        }
        let head = read_reply_to(&mut reader, true);
        let get = read_reply(&mut reader);
        assert_ne!(head.status, 405, "{path}");
        assert_eq!(head.status, get.status, "{path}");
        assert!(!get.body.is_empty(), "{path}");
        for name in ["content-type", "content-length", "connection"] {
            assert_eq!(head.header(name), get.header(name), "{path} {name}");
        }
        assert_eq!(
            head.header("content-length"),
            Some(get.body.len().to_string().as_str())
        );
    }
    server.stop();
}
