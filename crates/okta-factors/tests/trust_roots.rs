//! Trust roots through the facade, the same names for both clients: the
//! roots the features choose (webpki-roots by default, the platform's with
//! `native-roots`) do not know a private CA, and exactly the roots given
//! (`RootCertificates::from_pem`) do. `./scripts/test` runs this file with the
//! default roots and again with `native-roots`.

#![allow(clippy::unwrap_used)]

use okta_factors::{Credentials, Error, OrgUrl, RootCertificates, TransportErrorKind};
use okta_factors_testserver::{Reply, TestServer};

fn org(server: &TestServer) -> OrgUrl {
    OrgUrl::parse(server.url()).unwrap()
}

fn token() -> Credentials {
    Credentials::api_token("00roots-test-token").unwrap()
}

fn kind(err: &Error) -> Option<TransportErrorKind> {
    err.transport().map(|t| t.kind)
}

/// Both clients' results for the org at `server`, with `roots` if given.
fn list_with_both(
    server: &TestServer,
    roots: Option<&RootCertificates>,
) -> [Result<usize, Error>; 2] {
    let mut blocking = okta_factors::ureq::Client::builder(org(server), token());
    let mut nonblocking = okta_factors::hyper::Client::builder(org(server), token());
    if let Some(roots) = roots {
        blocking = blocking.root_certificates(roots.clone());
        nonblocking = nonblocking.root_certificates(roots.clone());
    }
    let first = blocking
        .build()
        .unwrap()
        .list_factors("00u1")
        .map(|f| f.len());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let second = runtime.block_on(async {
        let client = nonblocking.build().unwrap();
        client.list_factors("00u1").await.map(|f| f.len())
    });
    [first, second]
}

#[test]
fn the_bundled_or_platform_roots_refuse_a_private_ca() {
    let server = TestServer::start_tls(|_| Reply::json(200, "[]"));
    for result in list_with_both(&server, None) {
        let err = result.unwrap_err();
        assert_eq!(kind(&err), Some(TransportErrorKind::Tls), "{err:?}");
    }
    assert!(server.requests().is_empty());
    // The server counts a failed handshake when it sees the alert, a moment
    // after the client has given up.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while server.handshakes_failed() < 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(server.handshakes_failed(), 2);
}

#[test]
fn exactly_the_given_pem_roots_are_trusted_by_both_clients() {
    let server = TestServer::start_tls(|_| Reply::json(200, "[]"));
    let roots = RootCertificates::from_pem(server.ca().pem().as_bytes()).unwrap();
    for result in list_with_both(&server, Some(&roots)) {
        assert_eq!(result.unwrap(), 0);
    }
    assert_eq!(server.requests().len(), 2);

    // Another CA's server is still refused with those roots: they replace
    // the bundled ones, and verification stays on.
    let other = TestServer::start_tls(|_| Reply::json(200, "[]"));
    for result in list_with_both(&other, Some(&roots)) {
        assert_eq!(kind(&result.unwrap_err()), Some(TransportErrorKind::Tls));
    }
    assert!(other.requests().is_empty());
}
