//! The proxy variables of the environment (`HTTPS_PROXY`, `ALL_PROXY`, …)
//! are used only when asked for (`Proxy::from_env`), the same for both
//! clients. Its own test binary with one test: it sets the process's
//! environment, which no other test may read meanwhile.

#![allow(clippy::unwrap_used)]

use okta_factors::{Credentials, OrgUrl, Proxy, RootCertificates};
use okta_factors_testserver::proxy::ConnectProxy;
use okta_factors_testserver::{Reply, TestServer};

const VARIABLES: [&str; 6] = [
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// Lists the factors of the org at `server` with both clients, through
/// `proxy` if given; both must succeed.
fn list_with_both(server: &TestServer, roots: Option<&RootCertificates>, proxy: Option<&Proxy>) {
    let org = OrgUrl::parse(server.url()).unwrap();
    let token = Credentials::api_token("00env-test-token").unwrap();
    let mut blocking = okta_factors::ureq::Client::builder(org.clone(), token.clone());
    let mut nonblocking = okta_factors::hyper::Client::builder(org, token);
    if let Some(roots) = roots {
        blocking = blocking.root_certificates(roots.clone());
        nonblocking = nonblocking.root_certificates(roots.clone());
    }
    if let Some(proxy) = proxy {
        blocking = blocking.proxy(proxy.clone());
        nonblocking = nonblocking.proxy(proxy.clone());
    }
    assert!(blocking
        .build()
        .unwrap()
        .list_factors("00u1")
        .unwrap()
        .is_empty());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = nonblocking.build().unwrap();
        assert!(client.list_factors("00u1").await.unwrap().is_empty());
    });
}

#[test]
fn environment_proxies_apply_only_when_asked() {
    let proxy = ConnectProxy::start();
    let https = TestServer::start_tls(|_| Reply::json(200, "[]"));
    let roots = RootCertificates::from_pem(https.ca().pem().as_bytes()).unwrap();
    let http = TestServer::start(|_| Reply::json(200, "[]"));
    for name in VARIABLES {
        std::env::set_var(name, proxy.url());
    }
    std::env::remove_var("NO_PROXY");
    std::env::remove_var("no_proxy");

    // Not asked: both clients go straight to the org, https and http alike.
    list_with_both(&https, Some(&roots), None);
    list_with_both(&http, None, None);
    assert_eq!(https.requests().len(), 2);
    assert_eq!(http.requests().len(), 2);
    assert_eq!(proxy.connections(), 0, "{:?}", proxy.connects());

    // Asked: through the proxy the environment names.
    let from_env = Proxy::from_env().unwrap().unwrap();
    assert_eq!(from_env.url(), proxy.url());
    list_with_both(&https, Some(&roots), Some(&from_env));
    let connects = proxy.connects();
    assert_eq!(connects.len(), 2, "{connects:?}");
    assert!(connects
        .iter()
        .all(|c| c.target == format!("127.0.0.1:{}", https.port())));
    assert_eq!(https.requests().len(), 4);

    // NO_PROXY (read by `from_env` too) names the org: straight there.
    std::env::set_var("NO_PROXY", "127.0.0.1");
    let from_env = Proxy::from_env().unwrap().unwrap();
    list_with_both(&https, Some(&roots), Some(&from_env));
    assert_eq!(proxy.connects().len(), 2);
    assert_eq!(https.requests().len(), 6);

    for name in VARIABLES.into_iter().chain(["NO_PROXY"]) {
        std::env::remove_var(name);
    }
    assert!(Proxy::from_env().unwrap().is_none());
}
