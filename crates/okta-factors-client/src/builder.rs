//! [`ClientBuilder`]: the one builder of both clients.

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use okta_factors_core::policy::{Governor, PollPolicy, RetryPolicy};
use okta_factors_core::{ClientConfig, Credentials, Error, OrgUrl};

use crate::proxy::Proxy;
use crate::roots::RootCertificates;
use crate::transport::{AsyncTransport, BuildTransport, SyncTransport, TransportConfig};
use crate::{AsyncClient, BlockingClient};

/// Builds a client `C` ([`BlockingClient`] or [`AsyncClient`], e.g.
/// `okta_factors::ureq::Client`) with every option: the same builder, options
/// and defaults for both. `Client::builder(org, credentials)` starts one.
///
/// ```
/// use std::time::Duration;
/// use okta_factors::{Credentials, OrgUrl};
///
/// let client = okta_factors::ureq::Client::builder(
///     OrgUrl::parse("https://dev-123456.okta.com")?,
///     Credentials::api_token("00aBcD-example-token")?,
/// )
/// .connect_timeout(Duration::from_secs(5))
/// .request_timeout(Duration::from_secs(20))
/// .max_retries(4)
/// .user_agent_extra("my-app/1.2")?
/// .build()?;
/// assert_eq!(client.config().request_timeout, Duration::from_secs(20));
/// assert_eq!(client.config().retry.max_retries, 4);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub struct ClientBuilder<C> {
    config: ClientConfig,
    transport: TransportConfig,
    client: PhantomData<fn() -> C>,
}

impl<C> Clone for ClientBuilder<C> {
    fn clone(&self) -> Self {
        Self {
            config: self.config.clone(),
            transport: self.transport.clone(),
            client: PhantomData,
        }
    }
}

impl<C> fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("config", &self.config)
            .field("transport", &self.transport)
            .finish()
    }
}

impl<C> ClientBuilder<C> {
    /// Default limits for `org` and `credentials`.
    pub fn new(org: OrgUrl, credentials: Credentials) -> Self {
        Self {
            config: ClientConfig::new(org, credentials),
            transport: TransportConfig::default(),
            client: PhantomData,
        }
    }

    /// Time limit to establish a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.transport.connect_timeout = timeout;
        self
    }

    /// Trust exactly `roots` for `https` orgs, instead of the bundled Mozilla
    /// roots (a TLS-inspecting proxy's CA, a test server). Verification stays on.
    pub fn root_certificates(mut self, roots: RootCertificates) -> Self {
        self.transport.root_certificates = Some(roots);
        self
    }

    /// Sends every request through `proxy` (a `CONNECT` tunnel), except to
    /// its `no_proxy` hosts. Without this no proxy is used, whatever the
    /// environment says; `Proxy::from_env()` reads `HTTPS_PROXY` and
    /// friends when you want them.
    pub fn proxy(mut self, proxy: Proxy) -> Self {
        self.transport.proxy = Some(proxy);
        self
    }

    /// Time limit of a whole call, `429` retries and their waits included,
    /// and of each poll of a push (default 60 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.config.request_timeout = timeout;
        self.transport.request_timeout = timeout;
        self
    }

    /// Retries of a rate-limit `429` (default 2; 0 disables retrying).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.config.retry = self.config.retry.max_retries(retries);
        self
    }

    /// Longest total waiting across the retries of one call (default 120 s).
    pub fn max_total_wait(mut self, wait: Duration) -> Self {
        self.config.retry = self.config.retry.max_total_wait(wait);
        self
    }

    /// The whole retry policy.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.config.retry = policy;
        self
    }

    /// How pushes (verifications and activations) are polled; the interval is
    /// at least 1 s.
    pub fn poll_policy(mut self, policy: PollPolicy) -> Self {
        self.config.poll = policy;
        self
    }

    /// Paces requests ahead of the org's rate limits with `governor`
    /// (shared by every clone of the client; give the same governor to every
    /// client of one org). Without one (the default), only `429`s are
    /// retried.
    pub fn governor(mut self, governor: Governor) -> Self {
        self.config.governor = Some(governor);
        self
    }

    /// Largest response body accepted (default 4 MiB).
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.config.max_response_bytes = bytes;
        self
    }

    /// Text appended to the User-Agent, e.g. `my-app/1.2`; refused when it
    /// holds CR, LF, control or non-ASCII characters.
    pub fn user_agent_extra(mut self, extra: &str) -> Result<Self, Error> {
        self.config.set_user_agent_extra(extra)?;
        Ok(self)
    }

    /// The calls' configuration so far.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The transport's configuration so far.
    pub fn transport_config(&self) -> &TransportConfig {
        &self.transport
    }
}

impl<T: SyncTransport + BuildTransport> ClientBuilder<BlockingClient<T>> {
    /// Builds the transport, then the client.
    pub fn build(self) -> Result<BlockingClient<T>, Error> {
        let transport = T::build(&self.transport)?;
        Ok(BlockingClient::with_transport(transport, self.config))
    }
}

impl<T: SyncTransport> ClientBuilder<BlockingClient<T>> {
    /// The client over `transport` (built by you: the transport options of
    /// this builder are not used).
    pub fn build_with(self, transport: T) -> BlockingClient<T> {
        BlockingClient::with_transport(transport, self.config)
    }
}

impl<T: AsyncTransport + BuildTransport> ClientBuilder<AsyncClient<T>> {
    /// Builds the transport, then the client.
    pub fn build(self) -> Result<AsyncClient<T>, Error> {
        let transport = T::build(&self.transport)?;
        Ok(AsyncClient::with_transport(transport, self.config))
    }
}

impl<T: AsyncTransport> ClientBuilder<AsyncClient<T>> {
    /// The client over `transport` (built by you: the transport options of
    /// this builder are not used).
    pub fn build_with(self, transport: T) -> AsyncClient<T> {
        AsyncClient::with_transport(transport, self.config)
    }
}
