//! Feature `tokio`: the connector under TLS that goes straight to the host,
//! or through the configured proxy's `CONNECT` tunnel (hyper-util's `Tunnel`)
//! for the hosts [`Proxy::intercepts`].

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::HttpConnector;
use okta_factors_client::Proxy;
use okta_factors_core::http::uri::{Authority, Uri};
use okta_factors_core::{Error, TransportError, TransportErrorKind};
use tower_service::Service;

type BoxError = Box<dyn StdError + Send + Sync>;
type Stream = <HttpConnector as Service<Uri>>::Response;

/// TCP to the host, or a tunnel through the proxy to it.
#[derive(Clone)]
pub(crate) struct Connector {
    direct: HttpConnector,
    tunnel: Option<(Tunnel<HttpConnector>, Proxy)>,
}

impl Connector {
    /// Connects with `tcp`, through `proxy` when one is set.
    pub(crate) fn new(tcp: HttpConnector, proxy: Option<&Proxy>) -> Result<Self, Error> {
        let tunnel = match proxy {
            None => None,
            Some(proxy) => {
                let uri: Uri = proxy.url().parse().map_err(|e| {
                    TransportError::new(
                        TransportErrorKind::Other,
                        format!("the proxy URL {} is not a URI", proxy.url()),
                    )
                    .with_source(e)
                })?;
                let mut tunnel = Tunnel::new(uri, tcp.clone());
                if let Some(authorization) = proxy.authorization() {
                    tunnel = tunnel.with_auth(authorization);
                }
                Some((tunnel, proxy.clone()))
            }
        };
        Ok(Self {
            direct: tcp,
            tunnel,
        })
    }
}

impl Service<Uri> for Connector {
    type Response = Stream;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Stream, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        // Both are always ready (an HttpConnector is; a Tunnel asks its own).
        if let Some((tunnel, _)) = &mut self.tunnel {
            if let Poll::Ready(Err(e)) = tunnel.poll_ready(cx) {
                return Poll::Ready(Err(e.into()));
            }
        }
        self.direct.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, destination: Uri) -> Self::Future {
        match &mut self.tunnel {
            Some((tunnel, proxy)) if proxy.intercepts(&destination) => {
                let connecting = tunnel.call(with_port(destination));
                Box::pin(async move { connecting.await.map_err(refusal) })
            }
            _ => {
                let connecting = self.direct.call(destination);
                Box::pin(async move { connecting.await.map_err(Into::into) })
            }
        }
    }
}

/// `uri` with its scheme's port written out: hyper-util's tunnel asks the
/// proxy for port 443 when the URI has none, `http` included.
fn with_port(uri: Uri) -> Uri {
    let default = match uri.scheme_str() {
        Some("http") => 80,
        _ => 443,
    };
    let Some(authority) = uri.authority().filter(|a| a.port().is_none()) else {
        return uri;
    };
    let Ok(authority) = format!("{}:{default}", authority.host()).parse::<Authority>() else {
        return uri;
    };
    let mut parts = uri.into_parts();
    parts.authority = Some(authority);
    Uri::from_parts(parts).unwrap_or_else(|_| Uri::default())
}

/// A failure of the tunnel: the proxy's refusal as a [`ProxyRefused`], which
/// the error map reads; anything else (the proxy unreachable, a broken
/// connection) as it is.
fn refusal(error: impl Into<BoxError>) -> BoxError {
    let error = error.into();
    // hyper-util's `TunnelError` is not nameable; its messages are stable.
    let status = match error.to_string().as_str() {
        "tunnel error: proxy authorization required" => Some(407),
        "tunnel error: unsuccessful"
        | "tunnel error: unexpected end of file"
        | "tunnel error: proxy response headers too long" => None,
        _ => return error,
    };
    Box::new(ProxyRefused { status })
}

/// The proxy did not open the tunnel (its answer's status, when known).
#[derive(Debug)]
pub(crate) struct ProxyRefused {
    pub(crate) status: Option<u16>,
}

impl fmt::Display for ProxyRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Some(status) => write!(f, "the proxy answered CONNECT with {status}"),
            None => f.write_str("the proxy did not open the tunnel"),
        }
    }
}

impl StdError for ProxyRefused {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tunnelled_uris_carry_their_port() {
        for (uri, expected) in [
            (
                "https://dev-1.okta.com/api",
                "https://dev-1.okta.com:443/api",
            ),
            ("http://okta-mock/api", "http://okta-mock:80/api"),
            (
                "https://dev-1.okta.com:8443/",
                "https://dev-1.okta.com:8443/",
            ),
            ("http://[::1]/", "http://[::1]:80/"),
        ] {
            let uri: Uri = uri.parse().unwrap_or_default();
            assert_eq!(with_port(uri).to_string(), expected);
        }
    }
}
