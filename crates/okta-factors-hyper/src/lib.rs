//! # okta-factors-hyper
//!
//! The async transport of [okta-factors]: an [`AsyncTransport`] over hyper 1
//! (hyper-util's pooled client). It only moves bytes and sleeps: the client
//! that drives it ([`AsyncClient`], with the ten operations, retries, push
//! polling, time limits and tracing) is in `okta-factors-client`. Use it
//! through the facade, `okta-factors` with feature `hyper`, as
//! `okta_factors::hyper::Client`:
//!
//! ```no_run
//! use okta_factors::{Credentials, OrgUrl};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = okta_factors::hyper::Client::new(
//!     OrgUrl::parse("https://dev-123456.okta.com")?,
//!     Credentials::api_token("00aBcD-example-token")?,
//! )?;
//! for factor in client.list_factors("00u15s1KDETTQMQYABRL").await? {
//!     println!("{:?}", factor.factor_type());
//! }
//! # Ok(())
//! # }
//! ```
//!
//! ## Runtime
//!
//! With the `tokio` feature (default), [`BuildTransport::build`] (what
//! `Client::new` and `Client::builder(..).build()` call) needs no runtime;
//! every call must run inside a tokio runtime with the IO and time drivers
//! (`#[tokio::main]`, `Builder::enable_all`), multi- or current-thread. The
//! connection pool spawns one task per connection on it; connecting is bounded
//! by [`TransportConfig::connect_timeout`]; retries, polls and time limits
//! sleep on tokio's timer.
//!
//! Any other runtime: feature `custom-connector`, and a hyper-util client
//! built with your connector, executor and timer (`custom_connector` module).
//!
//! ## What the transport guarantees
//!
//! * Redirects are never followed (hyper-util's client does not follow them):
//!   a `3xx` is returned as is, so credentials only go to the org. Every
//!   status is a response, not an error.
//! * The body is never read past [`Limits::max_response_bytes`]
//!   ([`TransportErrorKind::BodyTooLarge`]); the client cuts off a request
//!   that overruns [`Limits::timeout`] (dropping its future closes it).
//! * Failures are [`TransportError`]s of a precise [`TransportErrorKind`]
//!   (`Dns`, `Connect`, `Timeout(Connect)`, `Tls`, `BodyTooLarge`, `Protocol`,
//!   `Io`).
//!
//! ## TLS
//!
//! rustls with the ring provider, through hyper-rustls (no aws-lc-rs).
//! Certificates are always verified, against exactly the roots of
//! [`TransportConfig::root_certificates`] when set
//! (`ClientBuilder::root_certificates`), else the platform's (feature
//! `native-roots`), else the Mozilla roots bundled by webpki-roots (feature
//! `webpki-roots`, default). With neither feature nor roots given, nothing
//! is trusted: only loopback `http` orgs work. There is no way to turn
//! verification off.
//!
//! ## Proxy
//!
//! With [`TransportConfig::proxy`] (`ClientBuilder::proxy`), requests to the
//! hosts the proxy intercepts go through a `CONNECT` tunnel (hyper-util's
//! `Tunnel`), TLS to the org inside it; the others connect directly. No
//! proxy otherwise, whatever the environment says. A refusal of the tunnel
//! is `TransportErrorKind::Proxy` (with `status: Some(407)` for a `407`; the
//! tunnel reports no other status). The `custom-connector` transport uses
//! your connector as it is.
//!
//! ## Features
//!
//! * `tokio` (default): [`BuildTransport`] on tokio.
//! * `webpki-roots` (default): trust the Mozilla roots bundled by webpki-roots.
//! * `native-roots`: trust the platform's roots (wins over `webpki-roots`).
//! * `custom-connector`: the `custom_connector` module, a transport over a
//!   hyper-util client you built. It names hyper-util's types, so it follows
//!   hyper-util's (0.x) versions; nothing else of this crate does.
//!
//! [okta-factors]: https://docs.rs/okta-factors
//! [`AsyncClient`]: okta_factors_client::AsyncClient
//! [`TransportConfig::connect_timeout`]: okta_factors_client::TransportConfig::connect_timeout
//! [`TransportConfig::root_certificates`]: okta_factors_client::TransportConfig::root_certificates
//! [`TransportConfig::proxy`]: okta_factors_client::TransportConfig::proxy
//! [`BuildTransport`]: okta_factors_client::BuildTransport
//! [`BuildTransport::build`]: okta_factors_client::BuildTransport::build
//! [`TransportError`]: okta_factors_core::TransportError
//! [`TransportErrorKind`]: okta_factors_core::TransportErrorKind
//! [`TransportErrorKind::BodyTooLarge`]: okta_factors_core::TransportErrorKind::BodyTooLarge

#![forbid(unsafe_code)]
#![deny(missing_docs)]
// Without either constructor (no `tokio`, no `custom-connector`) the
// transport's insides are unused.
#![cfg_attr(
    not(any(feature = "tokio", feature = "custom-connector")),
    allow(dead_code, unused_variables)
)]

#[cfg(feature = "custom-connector")]
pub mod custom_connector;
mod error_map;
#[cfg(feature = "tokio")]
mod proxy;
#[cfg(feature = "tokio")]
mod tokio_transport;

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::connect::Connect;
use hyper_util::client::legacy::ResponseFuture;
use okta_factors_client::{AsyncTransport, Limits};
use okta_factors_core::http::header::{HeaderValue, CONTENT_LENGTH};
use okta_factors_core::http::{Method, Request, Response};
use okta_factors_core::TransportError;

/// The async Okta UserFactor API client over hyper:
/// [`AsyncClient`](okta_factors_client::AsyncClient) over this crate's
/// [`Transport`]. All its constructors, its builder and its methods are the
/// generic client's.
///
/// ```no_run
/// use std::time::Duration;
/// use okta_factors::{Credentials, OrgUrl};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = okta_factors::hyper::Client::builder(
///     OrgUrl::parse("https://dev-123456.okta.com")?,
///     Credentials::api_token("00aBcD-example-token")?,
/// )
/// .connect_timeout(Duration::from_secs(5))
/// .request_timeout(Duration::from_secs(20))
/// .build()?;
/// let factors = client.list_factors("00u15s1KDETTQMQYABRL").await?;
/// # let _ = factors;
/// # Ok(())
/// # }
/// ```
pub type Client = okta_factors_client::AsyncClient<Transport>;

/// The hyper transport: a hyper-util client (its connection pool) and a
/// timer. Cheap to clone (clones share the pool); `Send + Sync`; holds no
/// credentials. Built by [`BuildTransport`](okta_factors_client::BuildTransport)
/// with the `tokio` feature, or from your own hyper-util client with the
/// `custom-connector` feature.
#[derive(Clone)]
pub struct Transport {
    http: Arc<dyn ErasedHttp>,
    sleeper: Sleeper,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("sleeper", &self.sleeper)
            .finish_non_exhaustive()
    }
}

/// How the transport sleeps.
#[derive(Clone)]
enum Sleeper {
    /// `tokio::time::sleep`.
    #[cfg(feature = "tokio")]
    Tokio,
    /// The caller's timer.
    #[cfg(feature = "custom-connector")]
    Custom(Arc<dyn custom_connector::Sleep>),
}

impl fmt::Debug for Sleeper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            #[cfg(feature = "tokio")]
            Self::Tokio => f.write_str("Tokio"),
            #[cfg(feature = "custom-connector")]
            Self::Custom(_) => f.write_str("Custom"),
        }
    }
}

/// A hyper-util client of any connector, type-erased: its response future
/// (`ResponseFuture`, already boxed inside hyper-util) does not name the
/// connector, so erasing it adds no allocation of ours.
trait ErasedHttp: Send + Sync + 'static {
    /// Sends `request`; resolves to the response head and its streaming body.
    fn request(&self, request: Request<Full<Bytes>>) -> ResponseFuture;
}

impl<C> ErasedHttp for hyper_util::client::legacy::Client<C, Full<Bytes>>
where
    C: Connect + Clone + Send + Sync + 'static,
{
    fn request(&self, request: Request<Full<Bytes>>) -> ResponseFuture {
        hyper_util::client::legacy::Client::request(self, request)
    }
}

/// Reads the whole body of `response`, at most `max_bytes` of it. A body
/// that arrives in one piece (the usual small response) is handed over as
/// hyper read it, without a copy.
async fn read_response(
    response: ResponseFuture,
    max_bytes: usize,
) -> Result<Response<Bytes>, TransportError> {
    let response = response.await.map_err(error_map::request_error)?;
    let (parts, body) = response.into_parts();
    let mut body = Limited::new(body, max_bytes);
    // The first chunk as hyper read it; later ones (if any) appended to a copy.
    let mut first = None;
    let mut joined: Option<Vec<u8>> = None;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| error_map::body_error(e, max_bytes))?;
        let Ok(data) = frame.into_data() else {
            continue; // trailers
        };
        match (&first, &mut joined) {
            (None, _) => first = Some(data),
            (Some(_), Some(joined)) => joined.extend_from_slice(&data),
            (Some(start), None) => joined = Some([&start[..], &data[..]].concat()),
        }
    }
    let body = match joined {
        Some(joined) => Bytes::from(joined),
        None => first.unwrap_or_default(),
    };
    Ok(Response::from_parts(parts, body))
}

impl Transport {
    /// The transport over `http`, sleeping with `sleeper`.
    fn over<C>(http: hyper_util::client::legacy::Client<C, Full<Bytes>>, sleeper: Sleeper) -> Self
    where
        C: Connect + Clone + Send + Sync + 'static,
    {
        Self {
            http: Arc::new(http),
            sleeper,
        }
    }
}

impl AsyncTransport for Transport {
    fn send(
        &self,
        request: Request<Vec<u8>>,
        limits: Limits,
    ) -> impl Future<Output = Result<Response<Bytes>, TransportError>> + Send {
        let mut request = request;
        // HTTP framing: hyper sends an empty body as no body at all; the
        // methods that anticipate one get `Content-Length: 0` (never chunked).
        if request.body().is_empty()
            && matches!(
                *request.method(),
                Method::POST | Method::PUT | Method::PATCH
            )
        {
            request
                .headers_mut()
                .entry(CONTENT_LENGTH)
                .or_insert(HeaderValue::from_static("0"));
        }
        // The client races this against `sleep(limits.timeout)` and drops it
        // on expiry, which closes its connection.
        let response = self
            .http
            .request(request.map(|body| Full::new(Bytes::from(body))));
        read_response(response, limits.max_response_bytes)
    }

    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send {
        let sleeper = &self.sleeper;
        async move {
            match *sleeper {
                #[cfg(feature = "tokio")]
                Sleeper::Tokio => tokio::time::sleep(duration).await,
                #[cfg(feature = "custom-connector")]
                Sleeper::Custom(ref sleep) => sleep.sleep(duration).await,
            }
        }
    }
}
