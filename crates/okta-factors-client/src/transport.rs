//! The transport traits: what a client needs from an HTTP stack, and nothing more.

use std::future::Future;
use std::time::Duration;

use okta_factors_core::bytes::Bytes;
use okta_factors_core::http::{Request, Response};
use okta_factors_core::{Error, TransportError};

use crate::proxy::Proxy;
use crate::roots::RootCertificates;

/// The limits of one request, given to a transport with the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// The whole exchange (connecting, sending, reading the head and the body)
    /// must be over within this. On expiry, fail with
    /// `TransportErrorKind::Timeout(TimeoutLimit::Request)`.
    pub timeout: Duration,
    /// Read at most this many body bytes; past it, fail with
    /// `TransportErrorKind::BodyTooLarge { limit }`.
    pub max_response_bytes: usize,
}

impl Limits {
    /// Limits of `timeout` and `max_response_bytes`.
    pub fn new(timeout: Duration, max_response_bytes: usize) -> Self {
        Self {
            timeout,
            max_response_bytes,
        }
    }
}

/// A blocking HTTP transport: sends one request and returns the whole
/// response. Everything else (building requests, retries, polling, parsing,
/// tracing) is the client's.
///
/// A transport must send the request exactly as given (method, URI, headers,
/// body; an empty body of a `POST` carries `Content-Length: 0`), must not
/// follow redirects (credentials stay with the org: a `3xx` is returned as
/// is), must return every status as a response (a `4xx`/`5xx` is not a
/// transport error), and must keep to the [`Limits`].
///
/// The body comes back as [`Bytes`]: `Bytes::from(vec)` takes a `Vec<u8>`
/// without a copy, and an HTTP stack that reads into `Bytes` (hyper) hands its
/// body over as is.
///
/// Any `Fn(Request<Vec<u8>>, Limits) -> Result<Response<B>, TransportError>`
/// whose body `B` converts into `Bytes` (`Vec<u8>`, `Bytes`, `String`,
/// `&'static [u8]`) is a transport (it sleeps with `std::thread::sleep`):
///
/// ```
/// use okta_factors::http::{Request, Response};
/// use okta_factors::{BlockingClient, ClientConfig, Credentials, Limits, OrgUrl, TransportError};
///
/// let transport = |request: Request<Vec<u8>>, _limits: Limits| -> Result<Response<Vec<u8>>, TransportError> {
///     assert_eq!(request.uri().path(), "/api/v1/users/00u1/factors");
///     Ok(Response::builder().status(200).body(b"[]".to_vec()).unwrap())
/// };
/// let config = ClientConfig::new(OrgUrl::parse("https://dev-123456.okta.com")?, Credentials::api_token("00token")?);
/// let client = BlockingClient::with_transport(transport, config);
/// assert!(client.list_factors("00u1")?.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait SyncTransport {
    /// Sends `request` and reads its whole response within `limits`.
    fn send(
        &self,
        request: Request<Vec<u8>>,
        limits: Limits,
    ) -> Result<Response<Bytes>, TransportError>;

    /// Blocks for `duration` (between retries and polls). Default:
    /// `std::thread::sleep`.
    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}

impl<F, B> SyncTransport for F
where
    F: Fn(Request<Vec<u8>>, Limits) -> Result<Response<B>, TransportError>,
    B: Into<Bytes>,
{
    fn send(
        &self,
        request: Request<Vec<u8>>,
        limits: Limits,
    ) -> Result<Response<Bytes>, TransportError> {
        self(request, limits).map(|response| response.map(Into::into))
    }
}

/// An async HTTP transport: sends one request and returns the whole response,
/// and sleeps on its runtime's timer. The same rules as [`SyncTransport`];
/// the client also races every request against [`AsyncTransport::sleep`] of
/// its timeout, so a transport that overruns is cut off.
///
/// ```
/// use std::future::Future;
/// use std::time::Duration;
/// use okta_factors::bytes::Bytes;
/// use okta_factors::http::{Request, Response};
/// use okta_factors::{AsyncTransport, Limits, TransportError};
///
/// /// Some async HTTP client of yours.
/// struct MyHttp;
/// impl MyHttp {
///     async fn fetch(&self, request: Request<Vec<u8>>, limit: usize) -> Result<Response<Bytes>, TransportError> {
///         # let _ = (request, limit);
///         Ok(Response::new(Bytes::new()))
///     }
/// }
///
/// impl AsyncTransport for MyHttp {
///     fn send(&self, request: Request<Vec<u8>>, limits: Limits)
///         -> impl Future<Output = Result<Response<Bytes>, TransportError>> + Send {
///         self.fetch(request, limits.max_response_bytes)
///     }
///     fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send {
///         // your runtime's timer, e.g. tokio::time::sleep(duration)
///         # let _ = duration;
///         std::future::ready(())
///     }
/// }
/// ```
pub trait AsyncTransport {
    /// Sends `request` and reads its whole response within `limits`.
    fn send(
        &self,
        request: Request<Vec<u8>>,
        limits: Limits,
    ) -> impl Future<Output = Result<Response<Bytes>, TransportError>> + Send;

    /// Completes after `duration` (between retries and polls, and to cut off
    /// a request that overruns its timeout).
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send;
}

/// A transport the clients build themselves from a [`TransportConfig`]
/// (`Client::new`, `ClientBuilder::build`): the ureq and hyper transports.
pub trait BuildTransport: Sized {
    /// Builds the transport.
    fn build(config: &TransportConfig) -> Result<Self, Error>;
}

/// How a transport connects: what a client's builder sets for the transport
/// it builds.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TransportConfig {
    /// Time limit to establish a connection (default 10 s).
    pub connect_timeout: Duration,
    /// The longest one request may take (default 60 s; the builder keeps it
    /// equal to the calls' `request_timeout`). Each request still comes with
    /// its own limit in [`Limits`], which is never longer; a transport may
    /// preset this one and apply a request's own only when it is shorter.
    pub request_timeout: Duration,
    /// The roots `https` servers are verified against: `None` (default) for
    /// the transport's bundled roots (webpki-roots), or exactly these.
    pub root_certificates: Option<RootCertificates>,
    /// The proxy requests go through: `None` (default) for none, whatever
    /// the environment says (see [`Proxy::from_env`]).
    pub proxy: Option<Proxy>,
}

impl Default for TransportConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            root_certificates: None,
            proxy: None,
        }
    }
}
