//! # okta-factors-ureq
//!
//! The blocking transport of [okta-factors]: a [`SyncTransport`] over a
//! [ureq] 3 agent. It only moves bytes: the client that drives it
//! ([`BlockingClient`], with the ten operations, retries, push polling and
//! tracing) is in `okta-factors-client`. Use it through the facade,
//! `okta-factors` with feature `ureq`, as `okta_factors::ureq::Client`:
//!
//! ```no_run
//! use okta_factors::{Credentials, OrgUrl};
//!
//! let client = okta_factors::ureq::Client::new(
//!     OrgUrl::parse("https://dev-123456.okta.com")?,
//!     Credentials::api_token("00aBcD-example-token")?,
//! )?;
//! for factor in client.list_factors("00u15s1KDETTQMQYABRL")? {
//!     println!("{:?}", factor.factor_type());
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## What the transport guarantees
//!
//! * Redirects are never followed: a `3xx` is returned as is, so credentials
//!   never leave the org. Every status is a response, not an error.
//! * A request is sent as given; an empty body of a `GET`/`DELETE`/`HEAD` is
//!   no body at all, a `POST`/`PUT`/`PATCH` always has one (`Content-Length: 0`
//!   when empty, never chunked).
//! * [`Limits`]: the whole exchange is bounded by `limits.timeout`, the body
//!   is never read past `limits.max_response_bytes`
//!   ([`TransportErrorKind::BodyTooLarge`]); connecting is bounded by
//!   [`TransportConfig::connect_timeout`].
//! * Failures are [`TransportError`]s of a precise [`TransportErrorKind`]
//!   (`Dns`, `Connect`, `Timeout(Connect)`, `Timeout(Request)`, `Tls`,
//!   `BodyTooLarge`, `Protocol`, `Io`).
//!
//! ## TLS
//!
//! rustls with the ring provider. Certificates are always verified, against
//! exactly the roots of [`TransportConfig::root_certificates`] when set
//! (`ClientBuilder::root_certificates`), else against the platform's
//! (feature `native-roots`, through ureq's platform verifier), else the
//! Mozilla roots bundled by webpki-roots (feature `webpki-roots`, default).
//! With neither feature nor roots given, nothing is trusted: only loopback
//! `http` orgs work. There is no way to turn verification off.
//!
//! ## Proxy
//!
//! With [`TransportConfig::proxy`] (`ClientBuilder::proxy`), requests to the
//! hosts the proxy intercepts go through a `CONNECT` tunnel (ureq's own
//! proxy support, on a second agent), TLS to the org inside it; the others
//! connect directly. No proxy otherwise: ureq's default of following
//! `HTTPS_PROXY`/`ALL_PROXY` is turned off. A refusal of the tunnel is
//! `TransportErrorKind::Proxy { status }`.
//!
//! ## Features
//!
//! * `webpki-roots` (default): trust the Mozilla roots bundled by webpki-roots.
//! * `native-roots`: trust the platform's roots (wins over `webpki-roots`).
//!
//! [okta-factors]: https://docs.rs/okta-factors
//! [`BlockingClient`]: okta_factors_client::BlockingClient

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use okta_factors_client::{
    BuildTransport, Limits, Proxy, RootCertificates, SyncTransport, TransportConfig,
};
use okta_factors_core::bytes::Bytes;
use okta_factors_core::http::{Method, Request, Response};
use okta_factors_core::{Error, TimeoutLimit, TransportError, TransportErrorKind};
use ureq::tls::{Certificate, RootCerts, TlsConfig};

/// The blocking Okta UserFactor API client over ureq:
/// [`BlockingClient`](okta_factors_client::BlockingClient) over this crate's
/// [`Transport`]. All its constructors, its builder and its methods are the
/// generic client's.
///
/// ```no_run
/// use std::time::Duration;
/// use okta_factors::{Credentials, OrgUrl};
///
/// // Default limits…
/// let client = okta_factors::ureq::Client::new(
///     OrgUrl::parse("https://dev-123456.okta.com")?,
///     Credentials::api_token("00aBcD-example-token")?,
/// )?;
/// // …or any option through the builder.
/// let client = okta_factors::ureq::Client::builder(
///     OrgUrl::parse("https://dev-123456.okta.com")?,
///     Credentials::api_token("00aBcD-example-token")?,
/// )
/// .connect_timeout(Duration::from_secs(5))
/// .request_timeout(Duration::from_secs(20))
/// .build()?;
/// let factors = client.list_factors("00u15s1KDETTQMQYABRL")?;
/// # let _ = factors;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub type Client = okta_factors_client::BlockingClient<Transport>;

/// The ureq transport: one ureq agent (its connection pool), configured once
/// from a [`TransportConfig`] by [`BuildTransport::build`]. Cheap to clone
/// (clones share the pool); holds no credentials.
#[derive(Clone)]
pub struct Transport {
    /// Connects directly: no proxy, whatever the environment says.
    agent: ureq::Agent,
    /// With [`TransportConfig::proxy`]: the same agent through the proxy,
    /// for the hosts the proxy intercepts.
    proxied: Option<(ureq::Agent, Proxy)>,
    connect_timeout: Duration,
    /// The phases' limit preset in the agent (`TransportConfig::request_timeout`).
    preset: Duration,
    roots: Roots,
}

/// The roots the agent trusts (for `Debug`).
#[derive(Clone, Debug)]
enum Roots {
    /// Exactly these (`TransportConfig::root_certificates`).
    Given(RootCertificates),
    /// The platform's (feature `native-roots`).
    #[cfg(feature = "native-roots")]
    Platform,
    /// The Mozilla roots of webpki-roots (feature `webpki-roots`, unless
    /// `native-roots`).
    #[cfg(all(feature = "webpki-roots", not(feature = "native-roots")))]
    WebPki,
    /// None: no root feature and no roots given.
    #[cfg(not(any(feature = "native-roots", feature = "webpki-roots")))]
    Nothing,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("connect_timeout", &self.connect_timeout)
            .field("roots", &self.roots)
            .field("proxy", &self.proxied.as_ref().map(|(_, proxy)| proxy))
            .finish_non_exhaustive()
    }
}

impl BuildTransport for Transport {
    fn build(config: &TransportConfig) -> Result<Self, Error> {
        Self::new(config)
    }
}

impl Transport {
    /// The one place the ureq agent is configured.
    fn new(config: &TransportConfig) -> Result<Self, Error> {
        let roots = match &config.root_certificates {
            Some(given) => Roots::Given(given.clone()),
            #[cfg(feature = "native-roots")]
            None => Roots::Platform,
            #[cfg(all(feature = "webpki-roots", not(feature = "native-roots")))]
            None => Roots::WebPki,
            #[cfg(not(any(feature = "native-roots", feature = "webpki-roots")))]
            None => Roots::Nothing,
        };
        let root_certs = match &roots {
            Roots::Given(given) => RootCerts::Specific(Arc::new(
                given
                    .iter()
                    .map(|der| Certificate::from_der(der).to_owned())
                    .collect(),
            )),
            #[cfg(feature = "native-roots")]
            Roots::Platform => RootCerts::PlatformVerifier,
            #[cfg(all(feature = "webpki-roots", not(feature = "native-roots")))]
            Roots::WebPki => RootCerts::WebPki,
            // An empty set: every certificate is refused.
            #[cfg(not(any(feature = "native-roots", feature = "webpki-roots")))]
            Roots::Nothing => RootCerts::Specific(Arc::new(Vec::new())),
        };
        let preset_phase = config.request_timeout.saturating_add(PRESET_SLACK);
        let agent = |proxy: Option<ureq::Proxy>| {
            ureq::Agent::config_builder()
                // Okta error bodies are parsed by the core: never turn statuses into errors.
                .http_status_as_error(false)
                // Credentials must never follow a redirect: 3xx responses are returned as is.
                .max_redirects(0)
                .max_redirects_will_error(false)
                .timeout_connect(Some(config.connect_timeout))
                // The limits preset for a request of `request_timeout` (see
                // `Timeouts`): each read and write, and each phase a little longer.
                .timeout_per_read(Some(config.request_timeout))
                .timeout_per_write(Some(config.request_timeout))
                .timeout_send_request(Some(preset_phase))
                .timeout_send_body(Some(preset_phase))
                .timeout_recv_response(Some(preset_phase))
                .timeout_recv_body(Some(preset_phase))
                // Every request carries the core's User-Agent and Accept.
                .user_agent(ureq::config::AutoHeaderValue::None)
                .accept(ureq::config::AutoHeaderValue::None)
                // Only the roots change; verification stays on (the default).
                .tls_config(TlsConfig::builder().root_certs(root_certs.clone()).build())
                // No proxy unless configured (ureq's default reads HTTPS_PROXY & co.).
                .proxy(proxy)
                .build()
                .new_agent()
        };
        let proxied = match &config.proxy {
            None => None,
            Some(proxy) => Some((agent(Some(ureq_proxy(proxy)?)), proxy.clone())),
        };
        Ok(Self {
            agent: agent(None),
            proxied,
            connect_timeout: config.connect_timeout,
            preset: config.request_timeout,
            roots,
        })
    }

    /// The agent for a request to `uri`: through the proxy if it intercepts `uri`.
    fn agent_for(&self, uri: &okta_factors_core::http::Uri) -> &ureq::Agent {
        match &self.proxied {
            Some((agent, proxy)) if proxy.intercepts(uri) => agent,
            _ => &self.agent,
        }
    }
}

/// `proxy` in ureq's terms: a `CONNECT` proxy (the no-proxy hosts are
/// [`Proxy::intercepts`]'s to decide, before the agent is chosen).
fn ureq_proxy(proxy: &Proxy) -> Result<ureq::Proxy, Error> {
    let mut builder = ureq::Proxy::builder(ureq::ProxyProtocol::Http)
        .host(proxy.host())
        .port(proxy.port());
    if let Some((username, password)) = proxy.credentials() {
        builder = builder.username(username).password(password);
    }
    // ureq's error would show the proxy URL it made, credentials included.
    builder.build().map_err(|_| {
        TransportError::new(
            TransportErrorKind::Other,
            format!("ureq refused the proxy {}", proxy.url()),
        )
        .into()
    })
}

impl SyncTransport for Transport {
    fn send(
        &self,
        request: Request<Vec<u8>>,
        limits: Limits,
    ) -> Result<Response<Bytes>, TransportError> {
        if limits.timeout.is_zero() {
            return Err(TransportError::new(
                TransportErrorKind::Timeout(TimeoutLimit::Request),
                "the time limit passed before the request was sent",
            ));
        }
        let max_bytes = limits.max_response_bytes;
        let (parts, body) = request.into_parts();
        let timeouts = Timeouts::for_request(&parts.uri, limits.timeout, self);
        let agent = self.agent_for(&parts.uri);
        // HTTP framing: an empty body is sent as no body at all, except for the
        // methods that anticipate one (they get `Content-Length: 0`, not chunked).
        let expects_body = matches!(parts.method, Method::POST | Method::PUT | Method::PATCH);
        macro_rules! run {
            ($request:expr) => {
                match timeouts {
                    None => agent.run($request),
                    Some(Timeouts { phase, resolve }) => agent.run(
                        agent
                            .configure_request($request)
                            .timeout_resolve(resolve)
                            .timeout_send_request(phase)
                            .timeout_send_body(phase)
                            .timeout_recv_response(phase)
                            .timeout_recv_body(phase)
                            .build(),
                    ),
                }
            };
        }
        let result = if body.is_empty() && !expects_body {
            run!(Request::from_parts(parts, ()))
        } else {
            run!(Request::from_parts(parts, body))
        };
        let mut response = result.map_err(|e| transport_error(e, max_bytes))?;
        let body = response
            .body_mut()
            .with_config()
            .limit(u64::try_from(max_bytes).unwrap_or(u64::MAX))
            .read_to_vec()
            .map_err(|e| transport_error(e, max_bytes))?;
        let (parts, _) = response.into_parts();
        Ok(Response::from_parts(parts, Bytes::from(body)))
    }
}

/// The time limits of one request in ureq's terms.
///
/// Each phase of the exchange (sending the head, sending the body, waiting
/// for the response head, reading the body) gets the request's limit, and a
/// DNS lookup the connect timeout. Not ureq's global timeout: with any
/// global or per-call timeout, ureq resolves the host on a new thread for
/// every request, kept-alive connections and IP literals included (0.6 ms a
/// request on loopback), and the way around that (a custom resolver) is in
/// `ureq::unversioned`, without a semver promise. So a lookup is made on a
/// thread, bounded, only where there is one to make: for a host name, not an
/// IP literal. A peer that stalls or trickles within one phase is cut off at
/// the limit; one that trickles through every phase can stretch a request to
/// a few times it (each phase gets the whole limit), which the async client,
/// racing every request against a timer, does not allow.
///
/// The agent has limits preset for a request of the request timeout `P`:
/// each read and each write at most `P`, each phase at most `P` +
/// [`PRESET_SLACK`]. A request whose own limit is within [`PRESET_SLACK`] of
/// `P` (the first request of a call, sent microseconds after the call began)
/// to an IP literal goes with the preset, as setting limits per request costs
/// ureq a copy of its configuration; any other request sets its own. Why a
/// read limit and a slightly longer phase rather than the phase alone: ureq
/// gives each socket read and write the time left of the shortest limit, and
/// sets it on the socket (a `setsockopt` system call) whenever it changed.
/// With the phase alone it changes on every read and write (the time left
/// shrinks); with a fixed read and write limit shorter than the phase's, it
/// is that fixed value until the phase has run [`PRESET_SLACK`], so a
/// kept-alive connection answering quickly costs no system call for its
/// limits (two a request otherwise, ~5 % of the client's CPU time on
/// loopback).
#[derive(Clone, Copy)]
struct Timeouts {
    phase: Option<Duration>,
    resolve: Option<Duration>,
}

/// How much shorter than the preset a request's limit may be and still go
/// with the preset, and how much longer than the preset's read limit its
/// phases are: a phase of such a request ends at most twice this (20 ms)
/// after its own limit.
const PRESET_SLACK: Duration = Duration::from_millis(10);

impl Timeouts {
    /// `None`: the agent's preset limits.
    fn for_request(
        uri: &okta_factors_core::http::Uri,
        limit: Duration,
        transport: &Transport,
    ) -> Option<Self> {
        let host = uri.host().unwrap_or_default();
        let literal = host.starts_with(|c: char| c.is_ascii_digit() || c == '[')
            && host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .is_ok();
        let preset_fits = limit <= transport.preset && transport.preset - limit <= PRESET_SLACK;
        if literal && preset_fits {
            return None;
        }
        Some(Self {
            phase: Some(limit),
            resolve: (!literal).then_some(transport.connect_timeout.min(limit)),
        })
    }
}

/// Maps a ureq error to a transport error; `max_bytes` is the body limit.
/// The phase timeouts are the request's, so a timeout other than connecting's
/// is `Timeout(Request)`.
fn transport_error(error: ureq::Error, max_bytes: usize) -> TransportError {
    let kind = match &error {
        ureq::Error::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve) => {
            TransportErrorKind::Timeout(TimeoutLimit::Connect)
        }
        ureq::Error::Timeout(_) => TransportErrorKind::Timeout(TimeoutLimit::Request),
        ureq::Error::HostNotFound => TransportErrorKind::Dns,
        ureq::Error::ConnectionFailed => TransportErrorKind::Connect,
        ureq::Error::ConnectProxyFailed(reason) => TransportErrorKind::Proxy {
            status: proxy_status(reason),
        },
        ureq::Error::Io(io) => io_kind(io),
        ureq::Error::Tls(_)
        | ureq::Error::TlsRequired
        | ureq::Error::Rustls(_)
        | ureq::Error::Pem(_) => TransportErrorKind::Tls,
        ureq::Error::BodyExceedsLimit(_) => TransportErrorKind::BodyTooLarge { limit: max_bytes },
        ureq::Error::Protocol(_) | ureq::Error::LargeResponseHeader(..) => {
            TransportErrorKind::Protocol
        }
        _ => TransportErrorKind::Other,
    };
    let message = error.to_string();
    TransportError::new(kind, message).with_source(error)
}

/// The status in ureq's reason for a failed `CONNECT`
/// (`proxy server responded 407/407`), if it has one.
fn proxy_status(reason: &str) -> Option<u16> {
    let rest = reason.split_once("responded ")?.1;
    let digits = rest.get(..3)?;
    digits
        .parse()
        .ok()
        .filter(|status| (100..600).contains(status))
}

fn io_kind(error: &std::io::Error) -> TransportErrorKind {
    use std::io::ErrorKind;
    if is_tls_error(error) {
        return TransportErrorKind::Tls;
    }
    match error.kind() {
        ErrorKind::ConnectionRefused
        | ErrorKind::HostUnreachable
        | ErrorKind::NetworkUnreachable
        | ErrorKind::NetworkDown
        | ErrorKind::AddrNotAvailable => TransportErrorKind::Connect,
        ErrorKind::TimedOut => TransportErrorKind::Timeout(TimeoutLimit::Request),
        ErrorKind::InvalidData => TransportErrorKind::Protocol,
        // The standard library's resolver reports lookup failures this way.
        _ if error
            .to_string()
            .starts_with("failed to lookup address information") =>
        {
            TransportErrorKind::Dns
        }
        _ => TransportErrorKind::Io,
    }
}

/// Whether a rustls error (e.g. a refused certificate) is behind this I/O error.
fn is_tls_error(error: &std::io::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = error
        .get_ref()
        .map(|e| e as &(dyn std::error::Error + 'static));
    while let Some(e) = source {
        if e.is::<rustls::Error>() {
            return true;
        }
        source = e.source();
    }
    false
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_refused_connect_keeps_the_proxys_status() {
        // ureq's reasons (unversioned/transport/connect.rs).
        for (reason, status) in [
            ("proxy server responded 407/407", Some(407)),
            ("proxy server responded 502/502", Some(502)),
            ("proxy server did not respond", None),
            ("proxy server responded x", None),
        ] {
            let kind = transport_error(ureq::Error::ConnectProxyFailed(reason.into()), 1).kind;
            assert_eq!(kind, TransportErrorKind::Proxy { status }, "{reason}");
        }
    }

    #[test]
    fn io_errors_map_to_kinds() {
        use std::io::{Error as IoError, ErrorKind};
        let cases = [
            (
                IoError::from(ErrorKind::ConnectionRefused),
                TransportErrorKind::Connect,
            ),
            (
                IoError::from(ErrorKind::TimedOut),
                TransportErrorKind::Timeout(TimeoutLimit::Request),
            ),
            (
                IoError::from(ErrorKind::InvalidData),
                TransportErrorKind::Protocol,
            ),
            (
                IoError::other("failed to lookup address information: Name or service not known"),
                TransportErrorKind::Dns,
            ),
            (
                IoError::from(ErrorKind::ConnectionReset),
                TransportErrorKind::Io,
            ),
            (
                IoError::new(
                    ErrorKind::InvalidData,
                    rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
                ),
                TransportErrorKind::Tls,
            ),
        ];
        for (error, kind) in cases {
            assert_eq!(io_kind(&error), kind, "{error:?}");
        }
    }

    #[test]
    fn ureq_errors_map_to_kinds() {
        let cases = [
            (
                ureq::Error::Timeout(ureq::Timeout::Connect),
                TransportErrorKind::Timeout(TimeoutLimit::Connect),
            ),
            (
                ureq::Error::Timeout(ureq::Timeout::Resolve),
                TransportErrorKind::Timeout(TimeoutLimit::Connect),
            ),
            (
                ureq::Error::Timeout(ureq::Timeout::Global),
                TransportErrorKind::Timeout(TimeoutLimit::Request),
            ),
            (ureq::Error::HostNotFound, TransportErrorKind::Dns),
            (ureq::Error::ConnectionFailed, TransportErrorKind::Connect),
            (ureq::Error::TlsRequired, TransportErrorKind::Tls),
            (
                ureq::Error::BodyExceedsLimit(10),
                TransportErrorKind::BodyTooLarge { limit: 10 },
            ),
        ];
        for (error, kind) in cases {
            let mapped = transport_error(error, 10);
            assert_eq!(mapped.kind, kind, "{mapped:?}");
            assert!(mapped.source.is_some());
        }
    }
}
