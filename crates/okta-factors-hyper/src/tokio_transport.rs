//! Feature `tokio`: [`BuildTransport`] builds hyper-util's pooled client on
//! tokio, HTTPS through hyper-rustls with the ring provider.

use std::sync::Arc;

use hyper_rustls::HttpsConnectorBuilder;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use okta_factors_client::{BuildTransport, RootCertificates, TransportConfig};
use okta_factors_core::{Error, TransportError, TransportErrorKind};

use crate::{Sleeper, Transport};

impl BuildTransport for Transport {
    /// `https` with rustls (ring) and the roots of `config` (see the crate's
    /// docs), through `config.proxy` when set; plain `http` where `OrgUrl`
    /// allows it.
    fn build(config: &TransportConfig) -> Result<Self, Error> {
        let mut http = HttpConnector::new();
        http.enforce_http(false); // the TLS layer above handles https
        http.set_connect_timeout(Some(config.connect_timeout));
        http.set_nodelay(true);
        let tls = match &config.root_certificates {
            Some(roots) => given(roots)?,
            None => bundled()?,
        };
        let tcp = crate::proxy::Connector::new(http, config.proxy.as_ref())?;
        let connector = tls.https_or_http().enable_http1().wrap_connector(tcp);
        let client = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .build(connector);
        Ok(Transport::over(client, Sleeper::Tokio))
    }
}

type TlsBuilder = HttpsConnectorBuilder<hyper_rustls::builderstates::WantsSchemes>;

fn tls_error(
    message: &'static str,
    source: impl std::error::Error + Send + Sync + 'static,
) -> Error {
    TransportError::new(TransportErrorKind::Tls, message)
        .with_source(source)
        .into()
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Exactly `roots`.
fn given(roots: &RootCertificates) -> Result<TlsBuilder, Error> {
    let mut store = rustls::RootCertStore::empty();
    for der in roots.iter() {
        store
            .add(der.to_vec().into())
            .map_err(|e| tls_error("rustls refused a root certificate", e))?;
    }
    with_store(store)
}

/// `store` as the only roots.
fn with_store(store: rustls::RootCertStore) -> Result<TlsBuilder, Error> {
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error("could not configure rustls", e))?
        .with_root_certificates(store)
        .with_no_client_auth();
    Ok(HttpsConnectorBuilder::new().with_tls_config(config))
}

/// The platform's roots: `native-roots` wins when enabled (an explicit opt-in).
#[cfg(feature = "native-roots")]
fn bundled() -> Result<TlsBuilder, Error> {
    HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(provider())
        .map_err(|e| {
            tls_error(
                "could not load the platform's root certificates (feature native-roots)",
                e,
            )
        })
}

/// The Mozilla roots of webpki-roots.
#[cfg(all(feature = "webpki-roots", not(feature = "native-roots")))]
fn bundled() -> Result<TlsBuilder, Error> {
    HttpsConnectorBuilder::new()
        .with_provider_and_webpki_roots(provider())
        .map_err(|e| tls_error("could not configure rustls", e))
}

/// Neither root feature: no trusted roots, so only loopback `http` orgs work
/// (every HTTPS handshake fails with a `Tls` error).
#[cfg(not(any(feature = "webpki-roots", feature = "native-roots")))]
fn bundled() -> Result<TlsBuilder, Error> {
    with_store(rustls::RootCertStore::empty())
}
