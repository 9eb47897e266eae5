//! Feature `tokio`: the ready-made client (hyper-util's pooled client on tokio,
//! HTTPS through hyper-rustls with the ring provider) and its builder.

use std::sync::Arc;

use hyper_rustls::HttpsConnectorBuilder;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use okta_factors_core::{
    ClientConfig, Credentials, Error, FromConfig, OrgUrl, TransportError, TransportErrorKind,
};

use crate::{Client, DefaultConnector, TokioSleep};

impl Client {
    /// A client for `org` with `credentials` and the default limits (see
    /// [`ClientConfig`]). HTTPS with rustls (ring) and the webpki roots, or the
    /// platform's roots with the `native-roots` feature; plain `http` is used
    /// only for loopback orgs (tests, the simulator), as [`OrgUrl`] allows.
    ///
    /// Needs no runtime to construct; calls must run inside a tokio runtime with
    /// the IO and time drivers enabled (`#[tokio::main]`, or `enable_all()`).
    pub fn new(org: OrgUrl, credentials: Credentials) -> Result<Client, Error> {
        Self::from_config(ClientConfig::new(org, credentials))
    }

    /// Starts a [`ClientBuilder`] for `org` and `credentials`.
    pub fn builder(org: OrgUrl, credentials: Credentials) -> ClientBuilder {
        ClientBuilder::new(org, credentials)
    }

    /// A client with `config` (see [`Client::new`] for TLS and runtime).
    pub fn from_config(config: ClientConfig) -> Result<Client, Error> {
        let mut http = HttpConnector::new();
        http.enforce_http(false); // the TLS layer above handles https
        http.set_connect_timeout(Some(config.connect_timeout));
        http.set_nodelay(true);
        let connector: DefaultConnector =
            tls()?.https_or_http().enable_http1().wrap_connector(http);
        let hyper = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .build(connector);
        Ok(Self::from_hyper_client(hyper, TokioSleep, config))
    }
}

type TlsBuilder = HttpsConnectorBuilder<hyper_rustls::builderstates::WantsSchemes>;

fn tls_error(message: &'static str) -> impl FnOnce(std::io::Error) -> Error {
    move |e| {
        TransportError::new(TransportErrorKind::Tls, message)
            .with_source(e)
            .into()
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// `native-roots` wins when enabled (it is an explicit opt-in).
#[cfg(feature = "native-roots")]
fn tls() -> Result<TlsBuilder, Error> {
    HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(provider())
        .map_err(tls_error(
            "could not load the platform's root certificates (feature native-roots)",
        ))
}

#[cfg(all(feature = "webpki-roots", not(feature = "native-roots")))]
fn tls() -> Result<TlsBuilder, Error> {
    HttpsConnectorBuilder::new()
        .with_provider_and_webpki_roots(provider())
        .map_err(|e| tls_error("could not configure rustls")(std::io::Error::other(e)))
}

/// Neither root feature: no trusted roots, so only loopback `http` orgs work
/// (every HTTPS handshake fails with a `Tls` error).
#[cfg(not(any(feature = "webpki-roots", feature = "native-roots")))]
fn tls() -> Result<TlsBuilder, Error> {
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error("could not configure rustls")(std::io::Error::other(e)))?
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    Ok(HttpsConnectorBuilder::new().with_tls_config(config))
}

/// Builds a [`Client`] (feature `tokio`): every option of [`ClientConfig`].
///
/// ```no_run
/// use std::time::Duration;
/// use okta_factors_hyper::Client;
/// use okta_factors_core::{Credentials, OrgUrl};
///
/// let client = Client::builder(
///     OrgUrl::parse("https://dev-123456.okta.com")?,
///     Credentials::api_token("00aBcD-example-token")?,
/// )
/// .connect_timeout(Duration::from_secs(5))
/// .request_timeout(Duration::from_secs(30))
/// .max_retries(3)
/// .user_agent_extra("my-app/1.2")?
/// .build()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub type ClientBuilder = okta_factors_core::ClientBuilder<Client>;

impl FromConfig for Client {
    fn from_config(config: ClientConfig) -> Result<Self, Error> {
        Client::from_config(config)
    }
}
