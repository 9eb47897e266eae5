//! The CONNECT proxy against raw `TcpStream` clients: tunnels to a scripted
//! server (plain and TLS), what it records, the 407/502/400 answers, and that
//! stopping it ends open tunnels at once.

// Helpers outside #[test] functions unwrap and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use okta_factors_testserver::proxy::Connect;
use okta_factors_testserver::{ConnectProxy, Reply, TestServer};
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

const ESTABLISHED: &[u8] = b"HTTP/1.1 200 Connection Established\r\n\r\n";

fn connect_to(proxy: &ConnectProxy) -> TcpStream {
    let tcp = TcpStream::connect(("127.0.0.1", proxy.port())).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    tcp
}

/// Reads up to the end of a head.
fn read_head(stream: &mut impl Read) -> String {
    let mut head = Vec::new();
    let mut byte = [0; 1];
    while !head.ends_with(b"\r\n\r\n") {
        stream.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    String::from_utf8(head).unwrap()
}

/// Everything until the other side closes.
fn read_all(stream: &mut TcpStream) -> String {
    let mut all = String::new();
    stream.read_to_string(&mut all).unwrap();
    all
}

/// `condition` holds within 5 s (counters move on the servers' threads).
fn eventually(condition: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    condition()
}

fn api_server() -> TestServer {
    TestServer::start(|req| Reply::json(200, format!("[\"{}\"]", req.path())))
}

#[test]
fn a_connect_is_recorded_and_tunnelled_both_ways() {
    let server = api_server();
    let proxy = ConnectProxy::start();
    assert_eq!(proxy.url(), format!("http://127.0.0.1:{}", proxy.port()));
    let target = format!("127.0.0.1:{}", server.port());
    let mut client = connect_to(&proxy);
    write!(
        client,
        "CONNECT {target} HTTP/1.1\r\nHost: {target}\r\nProxy-Authorization: Basic dTpw\r\nX-Extra: One\r\n\r\n"
    )
    .unwrap();
    assert_eq!(read_head(&mut client).as_bytes(), ESTABLISHED);
    assert!(
        eventually(|| server.connections() == 1),
        "the tunnel's connection"
    );

    let request = "GET /api/v1/users/u1/factors HTTP/1.1\r\nHost: x\r\nAuthorization: SSWS clear-token\r\n\r\n";
    client.write_all(request.as_bytes()).unwrap();
    let head = read_head(&mut client);
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(head.ends_with("content-length: 28\r\n\r\n"), "{head}");
    let mut body = [0; 28];
    client.read_exact(&mut body).unwrap();
    assert_eq!(&body, br#"["/api/v1/users/u1/factors"]"#);

    drop(client);
    assert_eq!(
        proxy.connects(),
        [Connect {
            target: target.clone(),
            headers: vec![
                ("host".into(), target.clone()),
                ("proxy-authorization".into(), "Basic dTpw".into()),
                ("x-extra".into(), "One".into()),
            ],
            status: 200,
        }]
    );
    assert_eq!(
        proxy.connects()[0].header("Proxy-Authorization"),
        Some("Basic dTpw")
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0].header("authorization"),
        Some("SSWS clear-token")
    );
    // Not TLS: the proxy saw the request exactly as sent.
    assert_eq!(proxy.tunnelled_upstream(), request.as_bytes());
    assert_eq!(proxy.connections(), 1);
    assert!(proxy.other_requests().is_empty());
}

#[test]
fn bytes_sent_with_the_connect_reach_the_target() {
    let server = api_server();
    let proxy = ConnectProxy::start();
    let target = format!("localhost:{}", server.port());
    let mut client = connect_to(&proxy);
    // CONNECT and the first request in one write: the proxy read both.
    write!(
        client,
        "CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\nGET /first HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let answer = read_all(&mut client);
    assert!(
        answer.starts_with("HTTP/1.1 200 Connection Established\r\n\r\nHTTP/1.1 200 OK\r\n"),
        "{answer}"
    );
    assert!(answer.ends_with("[\"/first\"]"), "{answer}");
    assert_eq!(server.requests()[0].path(), "/first");
    assert_eq!(
        proxy.tunnelled_upstream(),
        b"GET /first HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    );
}

/// The reason the proxy exists: over TLS through the tunnel, the target got
/// the token and the proxy saw none of it.
#[test]
fn inside_tls_the_proxy_sees_no_header_or_token() {
    let server = TestServer::start_tls(|_| Reply::json(200, "[]"));
    let proxy = ConnectProxy::start();
    let target = format!("127.0.0.1:{}", server.port());
    let mut tcp = connect_to(&proxy);
    write!(tcp, "CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n").unwrap();
    assert_eq!(read_head(&mut tcp).as_bytes(), ESTABLISHED);

    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from(server.ca().der().to_vec()))
        .unwrap();
    let config =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
    let name = ServerName::try_from("127.0.0.1").unwrap();
    let conn = ClientConnection::new(Arc::new(config), name).unwrap();
    let mut tls = StreamOwned::new(conn, tcp);
    tls.write_all(b"GET /api/v1/users/u1/factors HTTP/1.1\r\nHost: x\r\nAuthorization: SSWS 00secret-token\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = Vec::new();
    tls.read_to_end(&mut response).unwrap();
    assert!(response.starts_with(b"HTTP/1.1 200 OK\r\n"));
    assert!(response.ends_with(b"[]"));

    assert_eq!(
        server.requests()[0].header("authorization"),
        Some("SSWS 00secret-token")
    );
    assert_eq!(server.handshakes_failed(), 0);
    let seen = proxy.tunnelled_upstream();
    // The proxy saw the ClientHello (a TLS handshake record) and more…
    assert_eq!(seen.first(), Some(&0x16), "{seen:x?}");
    assert!(seen.len() > 200);
    // …but neither the token nor any request header.
    for clear in [
        &b"00secret-token"[..],
        b"SSWS",
        b"Authorization",
        b"GET /api",
    ] {
        assert!(
            !seen.windows(clear.len()).any(|w| w == clear),
            "{}",
            String::from_utf8_lossy(clear)
        );
    }
}

#[test]
fn basic_credentials_are_required_when_asked() {
    let server = api_server();
    let proxy = ConnectProxy::start().require_basic("alice", "pa:ss");
    let target = format!("127.0.0.1:{}", server.port());
    let attempt = |authorization: Option<&str>| {
        let mut client = connect_to(&proxy);
        let header = authorization
            .map(|value| format!("Proxy-Authorization: {value}\r\n"))
            .unwrap_or_default();
        write!(
            client,
            "CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n{header}\r\n"
        )
        .unwrap();
        read_all(&mut client)
    };

    for refused in [
        None,
        Some("Basic YWxpY2U6d3Jvbmc="),  // alice:wrong
        Some("Bearer YWxpY2U6cGE6c3M="), // the right bytes, another scheme
        Some("Basic YWxpY2U6cGE6c3M"),   // unpadded
    ] {
        let answer = attempt(refused);
        assert_eq!(
            answer,
            "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            "{refused:?}"
        );
    }
    assert_eq!(server.connections(), 0, "nothing tunnelled");

    // alice:pa:ss (the password may hold a colon); scheme case-insensitive.
    let answer = {
        let mut client = connect_to(&proxy);
        write!(
            client,
            "CONNECT {target} HTTP/1.1\r\nproxy-authorization: basic YWxpY2U6cGE6c3M=\r\n\r\n"
        )
        .unwrap();
        let head = read_head(&mut client);
        client
            .write_all(b"GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        head + &read_all(&mut client)
    };
    assert!(
        answer.starts_with("HTTP/1.1 200 Connection Established\r\n\r\nHTTP/1.1 200 OK"),
        "{answer}"
    );
    let statuses: Vec<_> = proxy.connects().iter().map(|c| c.status).collect();
    assert_eq!(statuses, [407, 407, 407, 407, 200]);
    assert_eq!(proxy.connects()[0].header("proxy-authorization"), None);
    assert_eq!(
        proxy.connects()[1].header("proxy-authorization"),
        Some("Basic YWxpY2U6d3Jvbmc=")
    );
    assert_eq!(server.requests().len(), 1);
    assert_eq!(proxy.connections(), 5);
}

#[test]
fn a_refusing_proxy_answers_its_status_and_tunnels_nothing() {
    let server = api_server();
    let proxy = ConnectProxy::start().require_basic("u", "p").refuse(502);
    let target = format!("127.0.0.1:{}", server.port());
    let mut client = connect_to(&proxy);
    write!(
        client,
        "CONNECT {target} HTTP/1.1\r\nProxy-Authorization: Basic dTpw\r\n\r\n"
    )
    .unwrap();
    assert_eq!(
        read_all(&mut client),
        "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    assert_eq!(proxy.connects()[0].status, 502);
    assert_eq!(proxy.connects()[0].target, target);
    assert_eq!(server.connections(), 0);
    assert!(proxy.tunnelled_upstream().is_empty());
}

#[test]
fn unreachable_and_non_loopback_targets_are_bad_gateways() {
    let proxy = ConnectProxy::start();
    // A port nothing listens on: bind one, then free it.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    for target in [
        format!("127.0.0.1:{closed}"),
        "dev-123456.okta.com:443".to_owned(),
        "10.0.0.1:443".to_owned(),
        "127.0.0.1".to_owned(),
    ] {
        let mut client = connect_to(&proxy);
        write!(client, "CONNECT {target} HTTP/1.1\r\n\r\n").unwrap();
        let answer = read_all(&mut client);
        assert!(
            answer.starts_with("HTTP/1.1 502 Bad Gateway\r\n"),
            "{target}: {answer}"
        );
    }
    let statuses: Vec<_> = proxy.connects().iter().map(|c| c.status).collect();
    assert_eq!(statuses, [502; 4]);
}

#[test]
fn a_request_in_clear_is_recorded_and_answered_400() {
    let server = api_server();
    let proxy = ConnectProxy::start();
    let mut client = connect_to(&proxy);
    let url = format!("{}/api/v1/users/u1/factors", server.url());
    write!(
        client,
        "POST {url} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: SSWS clear\r\nContent-Length: 4\r\n\r\nbody"
    )
    .unwrap();
    assert_eq!(
        read_all(&mut client),
        "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    let other = proxy.other_requests();
    assert_eq!(other.len(), 1);
    assert_eq!(
        (other[0].method.as_str(), other[0].target.as_str()),
        ("POST", url.as_str())
    );
    assert_eq!(other[0].header("authorization"), Some("SSWS clear"));
    assert_eq!(other[0].body, b"body");
    assert!(proxy.connects().is_empty());
    assert_eq!(server.connections(), 0);

    // Not HTTP at all: 400 too, nothing recorded.
    let mut client = connect_to(&proxy);
    client.write_all(b"\x16\x03\x01 not http\r\n\r\n").unwrap();
    assert!(read_all(&mut client).starts_with("HTTP/1.1 400 Bad Request\r\n"));
    assert_eq!(proxy.other_requests().len(), 1);
}

#[test]
fn stopping_ends_open_tunnels_and_joins_at_once() {
    let server = api_server();
    let proxy = ConnectProxy::start();
    let target = format!("127.0.0.1:{}", server.port());
    let mut tunnelled = connect_to(&proxy);
    write!(tunnelled, "CONNECT {target} HTTP/1.1\r\n\r\n").unwrap();
    assert_eq!(read_head(&mut tunnelled).as_bytes(), ESTABLISHED);
    // And a client that never finishes its head.
    let mut idle = connect_to(&proxy);
    idle.write_all(b"CONNECT 127.0.0.1:1 HT").unwrap();
    assert!(eventually(|| proxy.connections() == 2));

    let started = Instant::now();
    proxy.stop();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    // Both clients see their connection end.
    for stream in [&mut tunnelled, &mut idle] {
        let mut rest = Vec::new();
        match stream.read_to_end(&mut rest) {
            Ok(_) => assert!(rest.is_empty(), "{rest:?}"),
            Err(err) => assert_eq!(err.kind(), io::ErrorKind::ConnectionReset, "{err:?}"),
        }
    }
}
