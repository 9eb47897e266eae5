//! Proxies (`ClientBuilder::proxy`), over the transports that connect by
//! themselves (ureq, hyper): the `CONNECT` tunnel to an HTTPS org with a test
//! CA, what the proxy sees (the target, its credentials, and never the API
//! token: that travels inside TLS), `no_proxy` hosts reached directly, and
//! refusals (`407`, `502`) as typed, secret-free errors. The recording proxy
//! and the TLS server are `okta-factors-testserver`'s.

use okta_factors::{Proxy, RootCertificates, TransportErrorKind};
use okta_factors_testserver::proxy::ConnectProxy;
use okta_factors_testserver::{Reply, TestServer};

use crate::common::kind;
use crate::harness::{builder, TOKEN};

const FACTORS: &str = r#"[{"id":"sms1","factorType":"sms","provider":"OKTA","status":"ACTIVE","profile":{"phoneNumber":"+1 XXX-XXX-1337"}}]"#;
const PROXY_USER: &str = "svc-okta";
const PROXY_PASSWORD: &str = "proxy-pa55word";

/// An HTTPS org (loopback, certificate of the test CA) listing one factor.
fn https_org() -> TestServer {
    TestServer::start_tls(|_| Reply::json(200, FACTORS))
}

fn roots(server: &TestServer) -> RootCertificates {
    RootCertificates::from_pem(server.ca().pem().as_bytes()).unwrap()
}

fn basic(user: &str, password: &str) -> String {
    // RFC 7617: base64 of `user:password` (written out here, independent of
    // the client's encoder).
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = format!("{user}:{password}").into_bytes();
    let mut out = String::from("Basic ");
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().fold(0u32, |n, b| n << 8 | u32::from(*b)) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

behaviour_test!([ureq, hyper]
    /// Every request to the org goes through one `CONNECT 127.0.0.1:PORT`
    /// tunnel with the proxy's credentials; TLS to the org is end to end
    /// (verified against the test CA), so the API token reaches the org and
    /// never crosses the proxy in clear.
    fn requests_tunnel_through_the_proxy_and_the_token_stays_inside_tls(transport) {
        let server = https_org();
        let proxy = ConnectProxy::start();
        let client = transport.build(
            builder(server.url())
                .root_certificates(roots(&server))
                .proxy(Proxy::new(proxy.url()).unwrap().basic_auth(PROXY_USER, PROXY_PASSWORD)),
        );
        assert_eq!(client.list_factors("00u1").unwrap().len(), 1);
        assert_eq!(client.list_factors("00u1").unwrap().len(), 1);

        let requests = server.requests();
        assert_eq!(requests.len(), 2);
        for request in &requests {
            assert_eq!(request.header("authorization"), Some(format!("SSWS {TOKEN}").as_str()));
        }
        let connects = proxy.connects();
        assert!(!connects.is_empty() && connects.len() <= 2, "{connects:?}");
        for connect in &connects {
            assert_eq!(connect.target, format!("127.0.0.1:{}", server.port()));
            assert_eq!(
                connect.header("proxy-authorization"),
                Some(basic(PROXY_USER, PROXY_PASSWORD).as_str())
            );
        }
        let upstream = proxy.tunnelled_upstream();
        assert!(upstream.len() > 200, "the TLS handshake and requests went through the tunnel");
        let clear = |needle: &str| upstream.windows(needle.len()).any(|w| w == needle.as_bytes());
        assert!(!clear(TOKEN), "the API token crossed the proxy in clear");
        assert!(!clear("/api/v1/users"), "the request line crossed the proxy in clear");
        assert!(proxy.other_requests().is_empty(), "{:?}", proxy.other_requests());
    }
);

behaviour_test!([ureq, hyper]
    /// Hosts of `no_proxy` (a name, an IP, a network) are reached directly:
    /// the proxy sees no connection at all.
    fn no_proxy_hosts_bypass_the_proxy(transport) {
        let server = https_org();
        let proxy = ConnectProxy::start();
        for no_proxy in ["127.0.0.1", "127.0.0.0/8", "*", "other.example, 127.0.0.1"] {
            let client = transport.build(
                builder(server.url())
                    .root_certificates(roots(&server))
                    .proxy(Proxy::new(proxy.url()).unwrap().no_proxy(no_proxy)),
            );
            assert_eq!(client.list_factors("00u1").unwrap().len(), 1, "{no_proxy}");
        }
        assert_eq!(server.requests().len(), 4);
        assert_eq!(proxy.connections(), 0);
        // A list that does not name the org's host: through the proxy.
        let client = transport.build(
            builder(server.url())
                .root_certificates(roots(&server))
                .proxy(Proxy::new(proxy.url()).unwrap().no_proxy("localhost, 10.0.0.0/8")),
        );
        assert_eq!(client.list_factors("00u1").unwrap().len(), 1);
        assert_eq!(proxy.connects().len(), 1);
    }
);

behaviour_test!([ureq, hyper]
    /// A proxy that wants other credentials (`407`) or cannot reach the org
    /// (`502`) fails the call with `TransportErrorKind::Proxy`: nothing
    /// reaches the org, and neither the proxy password nor the API token is
    /// in the error.
    fn a_refusing_proxy_is_a_typed_secret_free_error(transport) {
        let server = https_org();
        let wants_other = ConnectProxy::start().require_basic("someone-else", "other-password");
        let cannot_reach = ConnectProxy::start().refuse(502);
        for (proxy, expected) in [(&wants_other, Some(407)), (&cannot_reach, Some(502))] {
            let client = transport.build(
                builder(server.url())
                    .root_certificates(roots(&server))
                    .proxy(Proxy::new(proxy.url()).unwrap().basic_auth(PROXY_USER, PROXY_PASSWORD)),
            );
            let err = client.list_factors("00u1").unwrap_err();
            let TransportErrorKind::Proxy { status } = kind(&err) else {
                panic!("{transport:?}: {err:?}");
            };
            // hyper-util's tunnel reports a 407 and no other status.
            let hyper_502 = transport == crate::harness::Transport::Hyper && expected == Some(502);
            assert_eq!(status, if hyper_502 { None } else { expected }, "{err}");
            for text in [err.to_string(), format!("{err:?}")] {
                assert!(!text.contains(PROXY_PASSWORD) && !text.contains(TOKEN), "{text}");
            }
            assert!(proxy.connections() >= 1);
        }
        assert!(server.requests().is_empty());
        assert_eq!(server.connections(), 0);
    }
);

behaviour_test!([ureq, hyper]
    /// Without `ClientBuilder::proxy` no proxy is used; with `Proxy::new` of
    /// a proxy that is not listening, the call fails to connect (it really
    /// goes there) and nothing reaches the org.
    fn a_configured_proxy_is_the_only_way_out(transport) {
        let server = https_org();
        let direct = transport.build(builder(server.url()).root_certificates(roots(&server)));
        assert_eq!(direct.list_factors("00u1").unwrap().len(), 1);
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://127.0.0.1:{}", closed.local_addr().unwrap().port());
        drop(closed);
        let proxied = transport.build(
            builder(server.url())
                .root_certificates(roots(&server))
                .proxy(Proxy::new(&url).unwrap()),
        );
        let err = proxied.list_factors("00u1").unwrap_err();
        assert_eq!(kind(&err), TransportErrorKind::Connect, "{err:?}");
        assert_eq!(server.requests().len(), 1);
    }
);
